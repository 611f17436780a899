"""2-D convolution: forward, doubly-block Toeplitz matrix, im2col, gradients and proofs.

Cross-checked against PyTorch (forward and autograd, float64), scipy.signal and an
independent Kronecker assembly; proofs are checked over a grid at small sizes and each
has a negative test.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal
from sympy import Matrix, S, Symbol, zeros

from symconv import (
    band2d,
    conv2d,
    conv2d_grads,
    conv2d_matrix,
    conv_matrix,
    im2col2d,
    prove_matrix_form2d,
    prove_tied_gradients2d,
    settings2d,
    symbolic_matrix,
    toeplitz_blocks,
)
from symconv.core import engine
from symconv.core.images import as_image
from symconv.layout.grid import layout
from symconv.ops.datamatrix import rows_from_settings
from symconv.ops.gradients import derive_gradients
from symconv.ops.sliding import sliding_outputs
from symconv.proofs.matrix_form2d import block_structure_step
from symconv.proofs.tied import (
    tie_summation_step,
    tied_weight_steps,
    untied_entries,
    untied_gradients,
)
from symconv.proofs.tied2d import weight_gradient_closed_form

RNG = np.random.default_rng(2024)

# PyTorch warns that "same" with an even kernel copies the input; the result is what we check.
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")

#: (image shape, kernel shape, stride, padding, dilation): asymmetric pairs on purpose.
GRID = [
    ((4, 5), (2, 3), 1, 0, 1),
    ((5, 4), (3, 2), (2, 1), 1, 1),
    ((5, 5), (3, 3), 1, "same", 1),
    ((4, 6), (2, 2), 1, "same", (1, 2)),
    ((4, 4), (3, 3), 1, "full", 1),
    ((6, 5), (2, 3), (1, 2), (2, 0), (2, 1)),
    ((5, 6), (3, 2), 2, ((1, 0), (0, 2)), 1),
    ((3, 3), (3, 3), 1, "valid", 1),
    ((1, 6), (1, 3), (1, 2), (0, 1), (1, 2)),
]


def ints(*shape: int) -> np.ndarray:
    return RNG.integers(-4, 5, size=shape)


def as_array(m: Matrix) -> np.ndarray:
    return np.array(m.tolist(), dtype=float)


def torch_padding(
    padding: Any, kshape: tuple[int, int], dilation: Any
) -> tuple[Any, tuple[int, int, int, int] | None]:
    """PyTorch's conv2d padding argument, or an explicit F.pad for (before, after) pairs;
    PyTorch has no "full", which is d*(k-1) zeros on each side."""
    if padding == "full":
        dh, dw = dilation if isinstance(dilation, tuple) else (dilation, dilation)
        return (dh * (kshape[0] - 1), dw * (kshape[1] - 1)), None
    if isinstance(padding, tuple) and any(isinstance(p, tuple) for p in padding):
        (top, bottom), (left, right) = (p if isinstance(p, tuple) else (p, p) for p in padding)
        return 0, (left, right, top, bottom)
    return padding, None


def torch_conv2d(
    torch: Any, x: np.ndarray, k: np.ndarray, stride: Any, padding: Any, dilation: Any
) -> Any:
    tx = torch.tensor(x, dtype=torch.float64)[None, None]
    tk = torch.tensor(k, dtype=torch.float64)[None, None]
    pad, explicit = torch_padding(padding, k.shape, dilation)
    if explicit is not None:
        tx = torch.nn.functional.pad(tx, explicit)
    return torch.nn.functional.conv2d(tx, tk, stride=stride, padding=pad, dilation=dilation)


# --- forward ----------------------------------------------------------------------------


def test_exact_small_case() -> None:
    x, k = symbolic_matrix("x", 3, 3), symbolic_matrix("k", 2, 2)
    y = conv2d(x, k)
    assert y.shape == (2, 2)
    assert y[1, 0] == k[0, 0] * x[1, 0] + k[0, 1] * x[1, 1] + k[1, 0] * x[2, 0] + k[1, 1] * x[2, 1]
    flipped = conv2d(x, k, flip=True)
    assert (
        flipped[0, 0]
        == k[1, 1] * x[0, 0] + k[1, 0] * x[0, 1] + k[0, 1] * x[1, 0] + k[0, 0] * x[1, 1]
    )


@pytest.mark.parametrize("shape, kshape, stride, padding, dilation", GRID)
def test_forward_equals_pytorch(torch: Any, shape, kshape, stride, padding, dilation) -> None:
    x, k = ints(*shape), ints(*kshape)
    ours = conv2d(Matrix(x), Matrix(k), stride=stride, padding=padding, dilation=dilation)
    theirs = torch_conv2d(torch, x, k, stride, padding, dilation)[0, 0].numpy()
    assert ours.shape == theirs.shape
    assert np.array_equal(as_array(ours), theirs)


@settings(max_examples=25, deadline=None)
@given(
    h=st.integers(1, 6),
    w=st.integers(1, 6),
    kh=st.integers(1, 3),
    kw=st.integers(1, 3),
    sh=st.integers(1, 3),
    sw=st.integers(1, 3),
    ph=st.integers(0, 2),
    pw=st.integers(0, 2),
    dh=st.integers(1, 2),
    dw=st.integers(1, 2),
    seed=st.integers(0, 1000),
)
def test_forward_equals_pytorch_random(
    torch: Any, h, w, kh, kw, sh, sw, ph, pw, dh, dw, seed
) -> None:
    if h + 2 * ph < dh * (kh - 1) + 1 or w + 2 * pw < dw * (kw - 1) + 1:
        with pytest.raises(ValueError, match="there is no output"):
            conv2d(Matrix.ones(h, w), Matrix.ones(kh, kw), padding=(ph, pw), dilation=(dh, dw))
        return
    rng = np.random.default_rng(seed)
    x, k = rng.integers(-3, 4, (h, w)), rng.integers(-3, 4, (kh, kw))
    options = dict(stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw))
    ours = conv2d(Matrix(x), Matrix(k), **options)
    theirs = torch_conv2d(torch, x, k, (sh, sw), (ph, pw), (dh, dw))[0, 0].numpy()
    assert np.array_equal(as_array(ours), theirs)
    # the matrix form holds for the same draw, symbolically
    xs, ks = symbolic_matrix("x", h, w), symbolic_matrix("k", kh, kw)
    t = conv2d_matrix(ks, (h, w), **options)
    assert t * xs.reshape(h * w, 1) == conv2d(xs, ks, **options).reshape(t.rows, 1)


@pytest.mark.parametrize("kshape", [(1, 1), (3, 3), (3, 5), (5, 3)])
@pytest.mark.parametrize("mode", ["full", "valid", "same"])
def test_scipy_convolve_and_correlate(kshape, mode) -> None:
    x, k = ints(6, 7), ints(*kshape)
    conv = conv2d(Matrix(x), Matrix(k), padding=mode, flip=True)
    corr = conv2d(Matrix(x), Matrix(k), padding=mode)
    assert np.array_equal(as_array(conv), signal.convolve2d(x, k, mode))
    assert np.array_equal(as_array(corr), signal.correlate2d(x, k, mode))


# --- matrices ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape, kshape, stride, padding, dilation", GRID)
def test_matrix_and_im2col_times_vectors(shape, kshape, stride, padding, dilation) -> None:
    options = dict(stride=stride, padding=padding, dilation=dilation)
    x, k = symbolic_matrix("x", *shape), symbolic_matrix("k", *kshape)
    y = conv2d(x, k, **options)
    n_out = y.rows * y.cols
    t = conv2d_matrix(k, shape, **options)
    assert t.shape == (n_out, shape[0] * shape[1])
    assert t * x.reshape(shape[0] * shape[1], 1) == y.reshape(n_out, 1)
    cols = im2col2d(x, kshape, **options)
    assert cols.shape == (n_out, kshape[0] * kshape[1])
    assert cols * k.reshape(kshape[0] * kshape[1], 1) == y.reshape(n_out, 1)


def kronecker_assembly(k: Matrix, shape: tuple[int, int], **options: Any) -> Matrix:
    """T = sum_a P_a (x) conv_matrix(k[a, :], W), built from the 1-D public API."""
    s = settings2d(k.shape, shape, **options)
    total = zeros(s.output_length, s.input_length)
    for a in range(k.rows):
        pattern = zeros(s.rows.output_length, s.rows.input_length)
        for i in range(s.rows.output_length):
            r = i * s.rows.stride + a * s.rows.dilation - s.rows.left
            if 0 <= r < s.rows.input_length:
                pattern[i, r] = 1
        row = conv_matrix(
            list(k[a, :]),
            shape[1],
            stride=s.cols.stride,
            padding=s.cols.padding_pair,
            dilation=s.cols.dilation,
        )
        total += sympy.kronecker_product(pattern, row)
    return total


@pytest.mark.parametrize("shape, kshape, stride, padding, dilation", GRID)
def test_doubly_block_toeplitz_is_a_kronecker_sum(shape, kshape, stride, padding, dilation):
    options = dict(stride=stride, padding=padding, dilation=dilation)
    k = symbolic_matrix("k", *kshape)
    assert conv2d_matrix(k, shape, **options) == kronecker_assembly(k, shape, **options)


def test_toeplitz_blocks_layout_and_blocks() -> None:
    k = symbolic_matrix("k", 2, 3)
    pattern, blocks = toeplitz_blocks(k, (3, 4), stride=(1, 1))
    t0, t1 = sympy.symbols("T0 T1")
    assert pattern == Matrix([[t0, t1, 0], [0, t0, t1]])
    assert blocks[1] == conv_matrix(list(k[1, :]), 4)
    t = conv2d_matrix(k, (3, 4))
    # block (i, r) of T is rows i*Wo.., columns r*W..
    assert t[2:4, 4:8] == blocks[0] and t[0:2, 4:8] == blocks[1] and t[2:4, 0:4] == zeros(2, 4)


def test_band_has_one_tie_set_per_kernel_entry() -> None:
    t = band2d(symbolic_matrix("k", 2, 2), (3, 3))
    assert t.shape == (4, 9) and t.nnz == 16
    assert t.tie_sets()[3] == [(0, 4), (1, 5), (2, 7), (3, 8)]


def test_padding_taps_never_read_a_neighbouring_row() -> None:
    # Row-major flattening would map column -1 of row 1 onto column W-1 of row 0.
    x, k = symbolic_matrix("x", 2, 2), symbolic_matrix("k", 1, 2)
    cols = im2col2d(x, (1, 2), padding=(0, 1))
    assert cols.row(3) == Matrix([[0, x[1, 0]]])
    assert conv2d_matrix(k, (2, 2), padding=(0, 1))[3, 1] == 0


# --- proofs -----------------------------------------------------------------------------


@pytest.mark.parametrize("shape, kshape, stride, padding, dilation", GRID)
@pytest.mark.parametrize("flip", [False, True])
def test_matrix_form_proof_holds(shape, kshape, stride, padding, dilation, flip) -> None:
    proof = prove_matrix_form2d(
        symbolic_matrix("x", *shape),
        symbolic_matrix("k", *kshape),
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
    )
    assert proof.holds, str(proof)
    names = [s.name for s in proof.steps]
    assert "dense doubly-block Toeplitz product" in names and "flip" in names


def test_true_convolution_step_matches_the_textbook_definition() -> None:
    proof = prove_matrix_form2d(
        symbolic_matrix("x", 3, 4), symbolic_matrix("k", 2, 2), padding="full", flip=True
    )
    step = proof.step("true convolution")
    assert step.holds and len(step.lhs) == 4 * 5


def test_wrong_block_structure_fails() -> None:
    k = list(symbolic_matrix("k", 2, 2))
    s = settings2d((2, 2), (3, 3))
    t = band2d(Matrix(2, 2, k), (3, 3))
    swapped = t.with_weights([k[1], k[0], k[2], k[3]])
    step = block_structure_step(swapped, k, s)
    assert not step.holds and step.mismatch is not None
    moved = type(t)(t.shape, t.weights, {**t.ties, (0, 2): 0})
    assert not block_structure_step(moved, k, s).holds


def test_wrong_matrix_fails_the_product_claim() -> None:
    from symconv.proofs.proof import check

    x, k = symbolic_matrix("x", 3, 3), symbolic_matrix("k", 2, 2)
    z = list(conv2d(x, k))
    transposed_kernel = conv2d_matrix(k.T, (3, 3))
    assert not check("product", z, list(transposed_kernel * x.reshape(9, 1))).holds


# --- gradients --------------------------------------------------------------------------


@pytest.mark.parametrize("shape, kshape, stride, padding, dilation", GRID)
def test_gradients_equal_autograd(torch: Any, shape, kshape, stride, padding, dilation) -> None:
    x, k = ints(*shape), ints(*kshape)
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    tk = torch.tensor(k, dtype=torch.float64, requires_grad=True)
    pad, explicit = torch_padding(padding, k.shape, dilation)
    inp = tx[None, None] if explicit is None else torch.nn.functional.pad(tx[None, None], explicit)
    y = torch.nn.functional.conv2d(
        inp, tk[None, None], stride=stride, padding=pad, dilation=dilation
    )[0, 0]
    g = ints(*y.shape)
    (y * torch.tensor(g, dtype=torch.float64)).sum().backward()
    gx, gk = conv2d_grads(
        Matrix(x), Matrix(k), Matrix(g), stride=stride, padding=padding, dilation=dilation
    )
    assert np.array_equal(as_array(gx), tx.grad.numpy())
    assert np.array_equal(as_array(gk), tk.grad.numpy())


@pytest.mark.parametrize("flip", [False, True])
def test_gradients_equal_sympy_diff(flip: bool) -> None:
    x, k = symbolic_matrix("x", 4, 3), symbolic_matrix("k", 2, 2)
    options = dict(stride=(2, 1), padding=(1, 0), flip=flip)
    y = conv2d(x, k, **options)
    g = symbolic_matrix("g", *y.shape)
    loss = sum((g[n] * y[n] for n in range(len(y))), S.Zero)
    gx, gk = conv2d_grads(x, k, g, **options)
    assert gx == x.applyfunc(lambda s: sympy.diff(loss, s))
    assert gk == k.applyfunc(lambda s: sympy.diff(loss, s))


def test_gradients_of_repeated_and_numeric_entries_are_per_slot() -> None:
    a = Symbol("a")
    gx, gk = conv2d_grads([[a, a], [1, 2]], [[a]], [[1, 1], [1, 1]])
    assert gx == Matrix([[a, a], [a, a]])
    assert gk == Matrix([[2 * a + 3]])


@pytest.mark.parametrize("shape, kshape, stride, padding, dilation", GRID)
@pytest.mark.parametrize("flip", [False, True])
def test_tied_gradient_proof_holds(shape, kshape, stride, padding, dilation, flip) -> None:
    options = dict(stride=stride, padding=padding, dilation=dilation, flip=flip)
    x, k = symbolic_matrix("x", *shape), symbolic_matrix("k", *kshape)
    g = symbolic_matrix("g", *conv2d(x, k, **options).shape)
    proof = prove_tied_gradients2d(x, k, g, **options)
    assert proof.holds, str(proof)


def test_tied_gradient_proof_with_numeric_upstream() -> None:
    x, k = symbolic_matrix("x", 4, 4), symbolic_matrix("k", 2, 2)
    proof = prove_tied_gradients2d(x, k, [[1, 0, 0], [0, 0, 0], [0, 0, 2]])
    assert proof.holds
    assert proof.step("weight gradient is X^T g").lhs[0] == x[0, 0] + 2 * x[2, 2]


def test_untied_proof_checks_band_and_neighbours_on_big_layers() -> None:
    x, k = symbolic_matrix("x", 12, 12), symbolic_matrix("k", 3, 3)
    g = symbolic_matrix("g", 10, 10)
    proof = prove_tied_gradients2d(x, k, g)
    details = proof.step("untied gradient is g_i x_j").details
    assert proof.holds and not details["dense"] and details["checked entries"] > 900


def tied_setup(shape=(4, 4), kshape=(2, 2), **options: Any):
    x, k = symbolic_matrix("x", *shape), symbolic_matrix("k", *kshape)
    s = settings2d(kshape, shape, **options)
    g = list(symbolic_matrix("g", *s.output_shape))
    derived = derive_gradients(list(x), list(k), g, layout(s))
    return list(x), list(k), g, s, derived


def test_wrong_weight_gradient_fails() -> None:
    x, k, g, s, derived = tied_setup()
    wrong = list(derived.grad_w)
    wrong[1], wrong[2] = wrong[2], wrong[1]  # the transposed kernel's gradient
    steps = tied_weight_steps(
        x,
        k,
        g,
        layout(s),
        derived.grad_x,
        wrong,
        weight_gradient_closed_form(x, g, s),
        weight_labels=list(range(4)),
        input_labels=list(range(16)),
    )
    failed = {step.name for step in steps if not step.holds}
    assert {"weight gradient is X^T g", "tied gradient is the sum over its entries"} <= failed


def test_wrong_input_gradient_fails() -> None:
    x, k, g, s, derived = tied_setup(stride=2)
    wrong = list(derived.grad_x)
    wrong[5] = wrong[5] + g[0]
    steps = tied_weight_steps(
        x,
        k,
        g,
        layout(s),
        wrong,
        derived.grad_w,
        weight_gradient_closed_form(x, g, s),
        weight_labels=list(range(4)),
        input_labels=list(range(16)),
    )
    assert not next(st_ for st_ in steps if st_.name == "input gradient is T^T g").holds


def test_wrong_tie_map_fails() -> None:
    x, k, g, s, derived = tied_setup()
    t = band2d(Matrix(2, 2, k), (4, 4))
    right = t.tie_sets()
    wrong_ties = {0: right[0], 1: right[2], 2: right[1], 3: right[3]}  # k01 and k10 swapped
    other_stride = band2d(Matrix(2, 2, k), (4, 4), stride=(1, 2)).tie_sets()
    dl_du = untied_gradients(x, g, untied_entries(t))
    assert tie_summation_step(derived.grad_w, dl_du, t.tie_sets()).holds
    assert not tie_summation_step(derived.grad_w, dl_du, wrong_ties).holds
    assert not tie_summation_step(derived.grad_w, dl_du, other_stride).holds


def test_dense_and_masked_updates_are_exhibited() -> None:
    x, k = symbolic_matrix("x", 3, 3), symbolic_matrix("k", 2, 2)
    proof = prove_tied_gradients2d(x, k, symbolic_matrix("g", 2, 2))
    dense = proof.step("dense step U - eta dL/dU leaves the band").details["exhibit"]
    masked = proof.step("masked step T - eta M∘dL/dU unties the weights").details["exhibit"]
    assert dense is not None and dense[2] == 0 and dense[1] != 0
    assert masked is not None and masked[1] != masked[2]


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: conv2d([[1, 2]], [[1]], padding="half"), ValueError, "not a padding word"),
        (
            lambda: conv2d([[1, 2]], [[1]], padding="same", stride=2),
            ValueError,
            "along the height axis: padding 'same' needs stride 1",
        ),
        (
            lambda: conv2d([[1, 2]], [[1]], padding=(1, 2, 3)),
            ValueError,
            r"padding \(1, 2, 3\) must be an integer or a pair \(height, width\)",
        ),
        (
            lambda: conv2d([[1, 2]], [[1]], stride=(1, 0)),
            ValueError,
            "along the width axis: stride must be an integer >= 1, got 0",
        ),
        (
            lambda: conv2d([[1, 2]], [[1]], dilation=1.5),
            TypeError,
            "along the height axis: dilation must be an integer",
        ),
        (
            lambda: conv2d([[1, 2]], [[1, 1, 1]]),
            ValueError,
            "along the width axis: kernel of size 3",
        ),
        (lambda: conv2d([[1, 2]], [[1]], flip="yes"), TypeError, "flip must be True or False"),
        (lambda: conv2d("x", [[1]]), TypeError, "strings are never evaluated"),
        (lambda: conv2d([[1, 2], [3]], [[1]]), ValueError, "rows of different lengths"),
        (lambda: conv2d([1, 2], [[1]]), TypeError, "must be a list of rows"),
        (lambda: conv2d([[]], [[1]]), ValueError, "image x is empty"),
        (lambda: conv2d([["a"]], [[1]]), TypeError, r"entry \(0, 0\) of image x is the string"),
        (lambda: conv2d(sympy.Array([1, 2]), [[1]]), ValueError, "must have rank 2"),
        (lambda: conv2d(np.zeros((2, 2, 2)), [[1]]), ValueError, "must be 2-D"),
        (lambda: conv2d(3, [[1]]), TypeError, "must be a sympy Matrix or a list of rows"),
        (lambda: conv2d_matrix([[1]], (2,)), ValueError, "input shape"),
        (lambda: conv2d_matrix([[1]], (2, 0)), ValueError, "input shape width must be"),
        (lambda: im2col2d([[1, 2]], 2), ValueError, "kernel shape 2 must be a pair"),
        (
            lambda: conv2d_grads([[1, 2]], [[1]], [[1]]),
            ValueError,
            r"upstream has shape \(1, 1\) but the layer's output has shape \(1, 2\)",
        ),
        (
            lambda: conv2d_grads([[Symbol("a"), 2]], [[1]], [[Symbol("a"), 1]]),
            ValueError,
            "upstream gradients must not depend on x or w",
        ),
        (
            lambda: prove_tied_gradients2d([[1, 2]], [[1]], [[1, 2, 3]]),
            ValueError,
            "upstream has shape",
        ),
        (lambda: symbolic_matrix("2x", 2, 2), ValueError, "symbol name '2x' is not allowed"),
    ],
)
def test_errors_name_the_value(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


def test_as_image_accepts_common_containers() -> None:
    expected = Matrix([[1, 2], [3, 4]])
    for value in (
        [[1, 2], [3, 4]],
        ((1, 2), (3, 4)),
        np.array([[1, 2], [3, 4]]),
        sympy.Array([[1, 2], [3, 4]]),
        expected,
    ):
        assert as_image(value) == expected


@pytest.mark.parametrize("flip", [False, True])
def test_outputs_derived_in_row_blocks_equal_the_whole_derivations(monkeypatch, flip) -> None:
    """The 2-D forward proof derives T x, X k and the rotated kernel's sums a block of
    output rows at a time; blocks of a few outputs give the whole derivations' lists."""
    monkeypatch.setattr(engine, "TERMS_PER_BLOCK", 10)  # 2x2 kernel: 2 outputs a block
    x, k = symbolic_matrix("x", 5, 6), symbolic_matrix("k", 2, 2)
    proof = prove_matrix_form2d(x, k, stride=(1, 2), padding=1, flip=flip)
    assert proof.holds
    s = settings2d((2, 2), (5, 6), stride=(1, 2), padding=1, flip=flip)
    flat, xs, ks = layout(s), list(x), list(k)
    z = sliding_outputs(xs, ks, flat)
    rotated = sliding_outputs(xs, ks[::-1], layout(s.with_flip(not flip)))
    product = proof.step("doubly-block Toeplitz product")
    assert list(product.lhs) == z and len(z) == 6 * 4
    assert list(product.rhs) == band2d(k, (5, 6), stride=(1, 2), padding=1, flip=flip).matvec(xs)
    flip_step = proof.step("flip")
    assert list(flip_step.lhs if not flip else flip_step.rhs) == z
    assert list(flip_step.rhs if not flip else flip_step.lhs) == rotated
    kernel = ks[::-1] if flip else ks
    assert list(proof.step("im2col product").rhs) == [
        sympy.Add(*[a * b for a, b in zip(kernel, row)]) for row in rows_from_settings(xs, flat)
    ]
