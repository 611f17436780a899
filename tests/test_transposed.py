"""Transposed convolution: equal to PyTorch's, and proved to be C^T y (Dumoulin & Visin)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import Array, Matrix

from symconv import (
    conv1d_grads,
    conv2d_matrix,
    conv_matrix,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose_matrix,
    prove_transposed,
    prove_transposed2d,
    symbolic_matrix,
    symbolic_vector,
)
from symconv.layout.transposed import transposed_layer
from symconv.proofs.transposed import transposed_steps

RNG = np.random.default_rng(11)


def ints(*shape: int) -> np.ndarray:
    return RNG.integers(-3, 4, size=shape)


def numbers(value: Any) -> np.ndarray:
    return np.array(value.tolist(), dtype=float)


def torch_transpose(torch: Any, y: np.ndarray, w: np.ndarray, dims: int, **options: Any):
    f = torch.nn.functional.conv_transpose1d if dims == 1 else torch.nn.functional.conv_transpose2d
    ty = torch.tensor(y, dtype=torch.float64)
    tw = torch.tensor(w, dtype=torch.float64)
    return f(ty[None, None], tw[None, None], **options)[0, 0].numpy()


#: (length, kernel, stride, padding, output_padding, dilation)
GRID_1D = [
    (3, 2, 1, 0, 0, 1),
    (3, 3, 2, 1, 1, 1),
    (4, 2, 3, 0, 2, 1),
    (2, 3, 2, 2, 1, 2),
    (3, 2, 1, 0, 1, 2),  # output_padding >= stride, allowed because < dilation
    (5, 1, 2, 1, 0, 1),
    (1, 3, 1, 1, 0, 1),
]
#: (shape, kernel shape, stride, padding, output_padding, dilation)
GRID_2D = [
    ((2, 3), (2, 2), 1, 0, 0, 1),
    ((3, 2), (3, 2), (2, 1), (1, 0), (1, 0), 1),
    ((2, 2), (2, 3), 2, (0, 1), 1, (1, 2)),
    ((3, 3), (2, 2), (1, 3), 1, (0, 2), 1),
    ((2, 2), (2, 2), 1, 0, (1, 0), (2, 1)),
]


@pytest.mark.parametrize("length, k, stride, padding, output_padding, dilation", GRID_1D)
def test_1d_equals_pytorch(torch: Any, length, k, stride, padding, output_padding, dilation):
    y, w = ints(length), ints(k)
    options = dict(stride=stride, padding=padding, output_padding=output_padding, dilation=dilation)
    ours = conv_transpose1d(list(y), list(w), **options)
    assert ours.shape[1] == 1
    assert np.array_equal(numbers(ours).ravel(), torch_transpose(torch, y, w, 1, **options))


@settings(max_examples=30, deadline=None)
@given(
    length=st.integers(1, 5),
    k=st.integers(1, 4),
    stride=st.integers(1, 3),
    left=st.integers(0, 2),
    right=st.integers(0, 2),
    output_padding=st.integers(0, 2),
    dilation=st.integers(1, 3),
    seed=st.integers(0, 1000),
)
def test_1d_asymmetric_padding_crops_pytorch(
    torch: Any, length, k, stride, left, right, output_padding, dilation, seed
) -> None:
    rng = np.random.default_rng(seed)
    y, w = rng.integers(-3, 4, length), rng.integers(-3, 4, k)
    options = dict(stride=stride, output_padding=output_padding, dilation=dilation)
    full_length = (length - 1) * stride + dilation * (k - 1) + output_padding + 1
    if output_padding >= stride and output_padding >= dilation:
        with pytest.raises(ValueError, match="must be smaller than the stride"):
            conv_transpose1d(list(y), list(w), padding=(left, right), **options)
        return
    if full_length - left - right < 1:
        with pytest.raises(ValueError, match="use less padding"):
            conv_transpose1d(list(y), list(w), padding=(left, right), **options)
        return
    ours = conv_transpose1d(list(y), list(w), padding=(left, right), **options)
    uncropped = torch_transpose(torch, y, w, 1, **options)
    assert np.array_equal(numbers(ours).ravel(), uncropped[left : full_length - right])
    # and the proof over symbols for the same draw
    proof = prove_transposed(
        symbolic_vector("y", length), symbolic_vector("w", k), padding=(left, right), **options
    )
    assert proof.holds, str(proof)


@pytest.mark.parametrize("shape, kshape, stride, padding, output_padding, dilation", GRID_2D)
def test_2d_equals_pytorch(torch: Any, shape, kshape, stride, padding, output_padding, dilation):
    y, w = ints(*shape), ints(*kshape)
    options = dict(stride=stride, padding=padding, output_padding=output_padding, dilation=dilation)
    ours = conv_transpose2d(Matrix(y), Matrix(w), **options)
    assert np.array_equal(numbers(ours), torch_transpose(torch, y, w, 2, **options))


@pytest.mark.parametrize(
    "dims, c_in, c_out, groups, spatial, kernel, stride, padding, output_padding, bias",
    [
        (1, 2, 3, 1, (4,), (2,), 2, 1, 1, True),
        (1, 4, 2, 2, (3,), (3,), 1, 0, 0, False),
        (1, 3, 3, 3, (3,), (2,), 3, 0, 2, True),
        (2, 2, 2, 1, (2, 3), (2, 2), (2, 1), (1, 0), (1, 0), True),
        (2, 4, 6, 2, (2, 2), (3, 2), 1, 0, 0, False),
    ],
)
def test_channels_equal_pytorch(
    torch: Any, dims, c_in, c_out, groups, spatial, kernel, stride, padding, output_padding, bias
) -> None:
    y = ints(c_in, *spatial)
    w = ints(c_in, c_out // groups, *kernel)
    b = ints(c_out) if bias else None
    f = torch.nn.functional.conv_transpose1d if dims == 1 else torch.nn.functional.conv_transpose2d
    theirs = f(
        torch.tensor(y, dtype=torch.float64)[None],
        torch.tensor(w, dtype=torch.float64),
        None if b is None else torch.tensor(b, dtype=torch.float64),
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        groups=groups,
    )[0].numpy()
    options = dict(
        bias=None if b is None else list(b),
        groups=groups,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
    )
    if dims == 1:
        ours = conv_transpose1d(Matrix(y), Array(w.tolist()), **options)
        assert isinstance(ours, sympy.MatrixBase)
    else:
        ours = conv_transpose2d(Array(y.tolist()), Array(w.tolist()), **options)
        assert isinstance(ours, sympy.NDimArray)
    assert np.array_equal(numbers(ours), theirs)
    symbolic_y = Array(sympy.symbols(f"y0:{y.size}"), y.shape)
    symbolic_w = Array(sympy.symbols(f"w0:{w.size}"), w.shape)
    if dims == 1:
        symbolic_y = Matrix(symbolic_y.tolist())
    prove = prove_transposed if dims == 1 else prove_transposed2d
    options["bias"] = None if b is None else list(sympy.symbols(f"b0:{c_out}"))
    proof = prove(symbolic_y, symbolic_w, **options)
    assert proof.holds, str(proof)


# --- the matrix view, proved ------------------------------------------------------------


def test_small_case_by_hand() -> None:
    y0, y1, a, b = sympy.symbols("y0 y1 a b")
    assert conv_transpose1d([y0, y1], [a, b], stride=2) == Matrix([a * y0, b * y0, a * y1, b * y1])


@pytest.mark.parametrize("length, k, stride, padding, output_padding, dilation", GRID_1D)
def test_1d_proof_holds(length, k, stride, padding, output_padding, dilation) -> None:
    options = dict(stride=stride, padding=padding, output_padding=output_padding, dilation=dilation)
    y, w = symbolic_vector("y", length), symbolic_vector("w", k)
    proof = prove_transposed(y, w, **options)
    assert proof.holds, str(proof)
    assert {"dense C^T y", "zero insertion", "input gradient of the forward layer"} <= {
        s.name for s in proof.steps
    }
    out = conv_transpose1d(y, w, **options)
    t = conv_transpose_matrix(w, length, **options)
    assert t * y == out
    # the transposed convolution is the forward layer's input gradient (1-D API)
    forward = dict(stride=stride, padding=padding, dilation=dilation)
    if output_padding < stride:
        assert conv_matrix(w, len(out), **forward).T * y == out
        grad_x, _ = conv1d_grads(symbolic_vector("x", len(out)), w, y, **forward)
        assert grad_x == out


@pytest.mark.parametrize("shape, kshape, stride, padding, output_padding, dilation", GRID_2D)
def test_2d_proof_holds(shape, kshape, stride, padding, output_padding, dilation) -> None:
    options = dict(stride=stride, padding=padding, output_padding=output_padding, dilation=dilation)
    y, w = symbolic_matrix("y", *shape), symbolic_matrix("w", *kshape)
    proof = prove_transposed2d(y, w, **options)
    assert proof.holds, str(proof)
    out = conv_transpose2d(y, w, **options)
    sh = stride if isinstance(stride, tuple) else (stride, stride)
    op = output_padding if isinstance(output_padding, tuple) else (output_padding,) * 2
    if op[0] < sh[0] and op[1] < sh[1]:
        forward = conv2d_matrix(w, out.shape, stride=stride, padding=padding, dilation=dilation)
        assert forward.T * y.reshape(y.rows * y.cols, 1) == out.reshape(out.rows * out.cols, 1)


def test_wrong_matrix_fails() -> None:
    y, w = symbolic_vector("y", 3), symbolic_vector("w", 3)
    layer = transposed_layer(
        y, w, dims=1, bias=None, groups=1, stride=2, padding=1, output_padding=1, dilation=1
    )
    right = transposed_steps(layer)
    assert all(step.holds for step in right)
    t = right[1].details["band"]
    flipped = t.with_weights(t.weights[::-1])  # C(reverse(w))^T: a true convolution's matrix
    names = {s.name for s in transposed_steps(layer, flipped) if not s.holds}
    assert names == {"transposed convolution is C^T y", "dense C^T y"}


def test_conv_transpose_matrix_drops_columns_past_y() -> None:
    w = symbolic_vector("w", 2)
    # output_padding 1 >= stride 1 (allowed by dilation 2): the forward layer has 4 outputs
    t = conv_transpose_matrix(w, 3, output_padding=1, dilation=2)
    assert t.shape == (6, 3)
    assert t == conv_matrix(w, 6, dilation=2).T[:, :3]


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda: conv_transpose1d([1, 2], [1, 1], stride=2, output_padding=2),
            ValueError,
            r"output_padding 2 must be smaller than the stride 2 or the dilation 1",
        ),
        (
            lambda: conv_transpose1d([1, 2], [1, 1], padding="same"),
            ValueError,
            "not a padding word",
        ),
        (
            lambda: conv_transpose1d([1], [1, 1], padding=1),
            ValueError,
            "has output length 0 .* use less padding",
        ),
        (
            lambda: conv_transpose1d([1, 2], [1, 1], padding=(1, 2, 3)),
            ValueError,
            r"padding \(1, 2, 3\) must be an integer or a pair",
        ),
        (
            lambda: conv_transpose1d([1, 2], [1, 1], stride=0),
            ValueError,
            "stride must be an integer >= 1, got 0",
        ),
        (
            lambda: conv_transpose1d([1, 2], [1, 1], output_padding=-1),
            ValueError,
            "output_padding must be an integer >= 0",
        ),
        (
            lambda: conv_transpose1d([1, 2], [1, 1], groups=2),
            ValueError,
            "groups=2 needs a multi-channel kernel of rank 3",
        ),
        (
            lambda: conv_transpose1d([1, 2], [1, 1], bias=[1, 2]),
            ValueError,
            "bias has 2 entries but the layer has 1 output channels",
        ),
        (
            lambda: conv_transpose1d(Matrix([[1, 2]]), Array([[[1]], [[1]]])),
            ValueError,
            r"kernel w has shape \(2, 1, 1\): its first axis must be the 1 input channels",
        ),
        (
            lambda: conv_transpose1d(Matrix([[1], [2], [3]]), Array([[[1]]] * 3), groups=2),
            ValueError,
            "groups=2 must divide the 3 input channels",
        ),
        (
            lambda: conv_transpose2d([[1, 2]], [[1]], stride=(1, 2), output_padding=(0, 2)),
            ValueError,
            "along the width axis: output_padding 2 must be smaller",
        ),
        (
            lambda: conv_transpose2d([[1]], [[1, 1]], padding=(0, 1)),
            ValueError,
            "along the width axis: the transposed convolution has output length 0",
        ),
        (lambda: conv_transpose2d("y", [[1]]), TypeError, "strings are never evaluated"),
        (lambda: conv_transpose1d("y", [1]), TypeError, "strings are never evaluated"),
        (
            lambda: prove_transposed2d([[1, 2]], [[1]], stride=(1, 1, 1)),
            ValueError,
            "stride .* must be an integer or a pair",
        ),
    ],
)
def test_errors_name_the_value(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()
