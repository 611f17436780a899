"""Batches: PyTorch's leading N axis for conv1d/2d/3d, forward and autograd, and the
proof that the batch's weight gradient is the sum of the per-sample gradients."""

from __future__ import annotations

from typing import Any
from unittest import mock

import numpy as np
import pytest
import sympy
from sympy import Array, Matrix

from symconv import (
    conv1d,
    conv1d_channel_grads,
    conv2d,
    conv2d_channel_grads,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    convnd_grads,
    prove_batch_gradients,
)
from symconv.layout.channels import ChannelLayout

RNG = np.random.default_rng(2)


def ints(*shape: int) -> np.ndarray:
    return RNG.integers(-3, 4, size=shape)


def symbols_array(name: str, shape: tuple[int, ...]) -> Array:
    return Array(sympy.symbols(f"{name}0:{int(np.prod(shape))}"), shape)


def numbers(value: Any) -> np.ndarray:
    return np.array(value.tolist(), dtype=float)


def t64(torch: Any, value: Any) -> Any:
    return torch.tensor(np.asarray(value), dtype=torch.float64)


FORWARD: dict[int, Any] = {1: conv1d, 2: conv2d, 3: conv3d}
TRANSPOSED: dict[int, Any] = {1: conv_transpose1d, 2: conv_transpose2d, 3: conv_transpose3d}
GRADS: dict[int, Any] = {1: conv1d_channel_grads, 2: conv2d_channel_grads, 3: convnd_grads}

#: (dims, batch, C_in, C_out, groups, spatial input, kernel, stride, padding, dilation, bias)
GRID = [
    (1, 2, 2, 3, 1, (6,), (3,), 2, 1, 1, True),
    (1, 3, 4, 2, 2, (5,), (2,), 1, "same", 2, False),
    (1, 1, 1, 1, 1, (4,), (2,), 1, 0, 1, False),
    (2, 2, 2, 2, 2, (4, 5), (2, 3), (2, 1), (1, 0), 1, True),
    (2, 3, 1, 2, 1, (3, 4), (2, 2), 1, "valid", (1, 2), False),
    (3, 2, 2, 4, 2, (3, 3, 4), (2, 2, 2), (1, 1, 2), 1, 1, True),
]


@pytest.mark.parametrize(
    "dims, batch, c_in, c_out, groups, shape, kshape, stride, padding, dilation, bias", GRID
)
def test_batches_equal_pytorch_forward_and_autograd(
    torch: Any, dims, batch, c_in, c_out, groups, shape, kshape, stride, padding, dilation, bias
) -> None:
    x, w = ints(batch, c_in, *shape), ints(c_out, c_in // groups, *kshape)
    b = ints(c_out) if bias else None
    options = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    sym_b = None if b is None else list(b)
    ours = FORWARD[dims](Array(x.tolist()), Array(w.tolist()), bias=sym_b, **options)
    assert isinstance(ours, sympy.NDimArray) and ours.rank() == dims + 2
    torch_conv = getattr(torch.nn.functional, f"conv{dims}d")
    tx, tw = t64(torch, x).requires_grad_(True), t64(torch, w).requires_grad_(True)
    tb = None if b is None else t64(torch, b).requires_grad_(True)
    expected = torch_conv(tx, tw, tb, **options)
    np.testing.assert_array_equal(numbers(ours), expected.detach().numpy())
    g = ints(*expected.shape)
    (expected * t64(torch, g)).sum().backward()
    gx, gw, gb = GRADS[dims](
        Array(x.tolist()), Array(w.tolist()), Array(g.tolist()), bias=sym_b, **options
    )
    np.testing.assert_array_equal(numbers(gx), tx.grad.numpy())
    np.testing.assert_array_equal(numbers(gw), tw.grad.numpy())
    if tb is not None:
        np.testing.assert_array_equal(numbers(gb).ravel(), tb.grad.numpy())


def test_unbatched_input_keeps_its_result() -> None:
    x, w = Matrix(ints(2, 5)), Array(ints(3, 2, 2).tolist())
    single = conv1d(x, w, bias=[1, 2, 3])
    assert isinstance(single, Matrix) and single.shape == (3, 4)
    batch = conv1d(Array([x.tolist()]), w, bias=[1, 2, 3])
    assert batch.shape == (1, 3, 4) and batch.tolist()[0] == single.tolist()
    x2, w2 = Array(ints(2, 3, 3).tolist()), Array(ints(1, 2, 2, 2).tolist())
    assert conv2d(Array([x2.tolist()] * 2), w2).tolist() == [conv2d(x2, w2).tolist()] * 2


@pytest.mark.parametrize(
    "x_shape, w_shape, options",
    [
        ((2, 1, 4), (1, 1, 2), {}),
        ((3, 2, 5), (2, 1, 3), {"groups": 2, "stride": 2, "padding": 1}),
        ((2, 2, 3, 3), (2, 2, 2, 2), {"padding": "same"}),
        ((2, 1, 2, 3, 2), (2, 1, 2, 2, 1), {"padding": (1, 0, 0)}),
    ],
)
def test_prove_batch_gradients_holds(x_shape, w_shape, options) -> None:
    x, w = symbols_array("x", x_shape), symbols_array("w", w_shape)
    b = sympy.symbols(f"b0:{w_shape[0]}")
    y = conv1d(x, w, bias=b, **options) if len(x_shape) == 3 else None
    if y is None:
        y = (
            conv2d(x, w, bias=b, **options)
            if len(x_shape) == 4
            else conv3d(x, w, bias=b, **options)
        )
    g = symbols_array("g", y.shape)
    proof = prove_batch_gradients(x, w, g, bias=b, **options)
    assert proof.holds, proof.first_failure
    names = [step.name for step in proof.steps]
    assert "weight gradient is the sum over samples" in names
    assert "a sample's input gradient reads that sample only" in names
    assert "bias gradient is the sum over samples" in names


def test_a_wrong_weight_gradient_claim_fails() -> None:
    x, w = symbols_array("x", (2, 1, 3)), symbols_array("w", (1, 1, 2))
    g = symbols_array("g", (2, 1, 2))
    right = conv1d_channel_grads(x, w, g)[1]
    assert prove_batch_gradients(x, w, g, grad_w=right).holds
    first_only = conv1d_channel_grads(Array([x.tolist()[0]]), w, Array([g.tolist()[0]]))[1]
    proof = prove_batch_gradients(x, w, g, grad_w=first_only)
    assert not proof.holds
    assert proof.first_failure is not None
    assert proof.first_failure.name == "weight gradient is the sum over samples"


def test_a_batch_reading_another_sample_fails() -> None:
    """Plant: every sample's windows read sample 0's inputs (a missing batch offset)."""
    x, w = symbols_array("x", (2, 1, 3)), symbols_array("w", (1, 1, 2))
    g = symbols_array("g", (2, 1, 2))
    assert prove_batch_gradients(x, w, g).holds
    original = ChannelLayout.flat_taps.func  # type: ignore[attr-defined]

    def no_offset(self: ChannelLayout) -> list[list[tuple[int, int]]]:
        taps = original(self)
        q_all = self.sample_input_length
        return [[(k, j % q_all) for k, j in one] for one in taps]

    with mock.patch.object(ChannelLayout, "flat_taps", property(no_offset)):
        proof = prove_batch_gradients(x, w, g)
        failed = {step.name for step in proof.steps if not step.holds}
    assert "weight gradient is the sum over samples" in failed
    assert "a sample's input gradient reads that sample only" in failed


def test_batch_errors_name_the_value() -> None:
    x, w = symbols_array("x", (2, 1, 3)), symbols_array("w", (1, 1, 2))
    with pytest.raises(ValueError, match=r"a batch needs x of rank 3 .* got x of rank 2"):
        prove_batch_gradients(Matrix(1, 3, sympy.symbols("a0:3")), w, [[1, 1]])
    with pytest.raises(ValueError, match=r"upstream has shape \(1, 1, 2\) but the layer's output"):
        prove_batch_gradients(x, w, Array([[[1, 1]]]))
    with pytest.raises(ValueError, match=r"grad_w has shape \(1, 1, 1\) but the kernel"):
        prove_batch_gradients(x, w, Array([[[1, 1]], [[1, 1]]]), grad_w=Array([[[1]]]))
    with pytest.raises(ValueError, match=r"kernel w has shape \(1, 1, 2\): 1 input channels"):
        conv1d(symbols_array("x", (2, 2, 3)), w)


@pytest.mark.parametrize(
    "dims, batch, c_in, c_out, groups, shape, kshape, stride, padding, output_padding, bias",
    [
        (1, 2, 2, 2, 2, (4,), (3,), 2, 1, 1, True),
        (2, 3, 1, 2, 1, (2, 3), (2, 2), (2, 1), (0, 1), 0, False),
        (3, 2, 2, 2, 1, (2, 2, 2), (2, 1, 2), 2, 0, (1, 0, 0), True),
    ],
)
def test_batched_transposed_equals_pytorch(
    torch: Any,
    dims,
    batch,
    c_in,
    c_out,
    groups,
    shape,
    kshape,
    stride,
    padding,
    output_padding,
    bias,
) -> None:
    y, w = ints(batch, c_in, *shape), ints(c_in, c_out // groups, *kshape)
    b = ints(c_out) if bias else None
    options = {
        "stride": stride,
        "padding": padding,
        "output_padding": output_padding,
        "groups": groups,
    }
    function = TRANSPOSED[dims]
    ours = function(
        Array(y.tolist()), Array(w.tolist()), bias=None if b is None else list(b), **options
    )
    torch_function = getattr(torch.nn.functional, f"conv_transpose{dims}d")
    expected = torch_function(
        t64(torch, y), t64(torch, w), None if b is None else t64(torch, b), **options
    )
    np.testing.assert_array_equal(numbers(ours), expected.numpy())
    sample = function(
        Array(y.tolist()[0]), Array(w.tolist()), bias=None if b is None else list(b), **options
    )
    assert numbers(ours)[0].tolist() == numbers(sample).tolist()


def test_prove_transposed_refuses_a_batch() -> None:
    from symconv import prove_transposed

    with pytest.raises(ValueError, match=r"input y of shape \(2, 1, 3\) is a batch"):
        prove_transposed(symbols_array("y", (2, 1, 3)), symbols_array("w", (1, 1, 2)))
