"""Padding modes (PyTorch's padding_mode): zeros, reflect, replicate and circular.

A mode pads the input by reading it (mirrored, repeated at the edge, wrapped round) and
then a valid convolution slides. Checked against PyTorch's nn.Conv1d/nn.Conv2d forward and
autograd for every mode, 1-D and 2-D, through every stage that reads the layout: sliding
sums, the folded band (entries that are sums of weights), the data matrix, gradients and
the matrix-form proof; PyTorch's limits are refused with the same sizes it refuses.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import Matrix

from symconv import (
    band,
    conv1d,
    conv1d_grads,
    conv2d,
    conv2d_grads,
    conv2d_matrix,
    conv_matrix,
    conv_settings,
    im2col,
    im2col2d,
    prove_matrix_form,
    prove_tied_gradients,
    settings2d,
    symbolic_matrix,
    symbolic_vector,
    windows,
)
from symconv.layout.padding import PADDING_MODES
from symconv.ops.circulant import circulant_matrix

RNG = np.random.default_rng(1717)

# PyTorch warns that "same" with an even kernel copies the input; the result is what we check.
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")

MODES = ("zeros", "reflect", "replicate", "circular")

#: (input length, kernel size, stride, padding, dilation) inside PyTorch's limits for
#: every mode (reflect: padding < length).
LAYERS_1D = [
    (4, 3, 1, 1, 1),
    (5, 3, 2, 2, 1),
    (6, 4, 1, "same", 1),
    (6, 2, 1, (0, 1), 1),
    (7, 3, 3, (2, 1), 2),
    (5, 5, 1, "same_lower", 1),
    (8, 3, 2, "same_upper", 1),
    (3, 2, 1, 2, 1),
]


def ints(*shape: int) -> np.ndarray:
    return RNG.integers(-4, 5, size=shape).astype(np.float64)


def as_ints(values: np.ndarray) -> list[Any]:
    return values.astype(int).tolist()


def torch_padded(torch: Any, tensor: Any, pads: tuple[int, ...], mode: str) -> Any:
    """PyTorch's padding: F.pad by the mode (``constant`` for zeros), as nn.Conv* does."""
    import torch.nn.functional as F

    return F.pad(tensor, pads, mode="constant" if mode == "zeros" else mode)


# --- the rule ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES[1:])
@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_the_mode_table_is_pytorchs_pad(torch, mode, n):
    pad = {"reflect": n - 1, "replicate": n + 2, "circular": n}[mode]
    x = torch.arange(float(n)).reshape(1, 1, n)
    padded = torch_padded(torch, x, (pad, pad), mode).reshape(-1).tolist()
    assert padded == [float(PADDING_MODES[mode](j, n)) for j in range(-pad, n + pad)]


def test_the_issue_examples_fold_weights():
    w = symbolic_vector("w", 3)
    w0, w1, w2 = w
    reflect = conv_matrix(w, 4, padding=1, padding_mode="reflect")
    assert reflect.row(0) == Matrix([[w1, w0 + w2, 0, 0]])
    assert reflect.row(3) == Matrix([[0, 0, w0 + w2, w1]])
    replicate = conv_matrix(w, 4, padding=1, padding_mode="replicate")
    assert replicate.row(0) == Matrix([[w0 + w1, w2, 0, 0]])
    assert replicate.row(3) == Matrix([[0, 0, w0, w1 + w2]])
    circular = conv_matrix(w, 4, padding=1, padding_mode="circular")
    assert circular.row(0) == Matrix([[w1, w2, 0, w0]])
    t = band(w, 4, padding=1, padding_mode="reflect")
    assert t[0, 1] == w0 + w2 and t.ties.weights_at((0, 1)) == [0, 2]
    assert t.tie_sets()[2][:1] == [(0, 1)]  # w2 is in the folded entry's tie sets too


def test_zeros_is_the_default():
    w, x = symbolic_vector("w", 3), symbolic_vector("x", 5)
    assert conv1d(x, w, padding=2, padding_mode="zeros") == conv1d(x, w, padding=2)
    assert conv_matrix(w, 5, padding=2, padding_mode="zeros") == conv_matrix(w, 5, padding=2)
    assert not conv_settings(3, 5, padding=2).folds
    assert not conv_settings(3, 5, padding_mode="reflect").folds  # no padding, no fold


@pytest.mark.parametrize(
    ("n", "k"),
    # PyTorch's circular padding wraps at most once: (K-1) - (K-1)//2 <= n.
    [(n, k) for n in (1, 2, 3, 5, 8) for k in (1, 2, 3, 4, 5) if (k - 1) - (k - 1) // 2 <= n],
)
def test_circular_same_is_the_circulant(n, k):
    w = symbolic_vector("w", k)
    assert conv_matrix(w, n, padding="same", padding_mode="circular") == circulant_matrix(w, n)


# --- 1-D against PyTorch -------------------------------------------------------------------


def torch_layer_1d(torch: Any, x, w, stride, pads, dilation, mode):
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(w, requires_grad=True)
    padded = torch_padded(torch, xt.reshape(1, 1, -1), pads, mode)
    y = torch.nn.functional.conv1d(padded, wt.reshape(1, 1, -1), stride=stride, dilation=dilation)
    return xt, wt, y.reshape(-1)


@pytest.mark.parametrize(("length", "k", "s", "p", "d"), LAYERS_1D)
@pytest.mark.parametrize("mode", MODES)
def test_conv1d_every_stage_and_autograd_match_pytorch(torch, mode, length, k, s, p, d):
    settings = conv_settings(k, length, stride=s, padding=p, dilation=d, padding_mode=mode)
    options = {"stride": s, "padding": p, "dilation": d, "padding_mode": mode}
    x, w = ints(length), ints(k)
    xt, wt, y = torch_layer_1d(torch, x, w, s, settings.padding_pair, d, mode)
    ours = conv1d(as_ints(x), as_ints(w), **options)
    assert np.array_equal(np.array(ours, dtype=float).reshape(-1), y.detach().numpy())
    # nn.Conv1d itself, where it takes the padding (symmetric ints, "same", "valid").
    if isinstance(p, int) or p in ("same", "valid"):
        layer = torch.nn.Conv1d(
            1, 1, k, stride=s, padding=p, dilation=d, bias=False, padding_mode=mode
        )
        with torch.no_grad():
            layer.weight[:] = torch.tensor(w).reshape(1, 1, k)
            expected = layer.double()(torch.tensor(x).reshape(1, 1, -1)).reshape(-1)
        assert np.array_equal(np.array(ours, dtype=float).reshape(-1), expected.numpy())
    # Symbolically: the folded band, the data matrix.
    xs, ws = symbolic_vector("x", length), symbolic_vector("w", k)
    z = conv1d(xs, ws, **options)
    assert (conv_matrix(ws, length, **options) * xs - z).expand().is_zero_matrix
    assert (im2col(xs, k, **options) * ws - z).expand().is_zero_matrix
    assert Matrix(windows(xs, k, **options)) == im2col(xs, k, **options)
    # Gradients against autograd.
    g = ints(settings.output_length)
    (y * torch.tensor(g)).sum().backward()
    gx, gw = conv1d_grads(as_ints(x), as_ints(w), as_ints(g), **options)
    assert np.array_equal(np.array(gx, dtype=float).reshape(-1), xt.grad.numpy())
    assert np.array_equal(np.array(gw, dtype=float).reshape(-1), wt.grad.numpy())
    # The input gradient is T^T g with the folded T, the weight gradient X^T g.
    t = conv_matrix(as_ints(w), length, **options)
    assert t.T * Matrix(as_ints(g)) == gx
    assert im2col(as_ints(x), k, **options).T * Matrix(as_ints(g)) == gw


@pytest.mark.parametrize(("length", "k", "s", "p", "d"), LAYERS_1D)
@pytest.mark.parametrize("mode", MODES[1:])
@pytest.mark.parametrize("flip", [False, True])
def test_the_matrix_form_proof_holds_with_a_mode(mode, flip, length, k, s, p, d):
    x, w = symbolic_vector("x", length), symbolic_vector("w", k)
    proof = prove_matrix_form(x, w, stride=s, padding=p, dilation=d, flip=flip, padding_mode=mode)
    assert proof.holds, proof


@pytest.mark.parametrize(("length", "k", "s", "p", "d"), LAYERS_1D)
@pytest.mark.parametrize("mode", MODES[1:])
def test_the_tied_gradient_proof_holds_with_a_mode(mode, length, k, s, p, d):
    """dL/dx = P^T T_valid^T g (an input read twice gets two gradients), and the tied
    sum still gives dL/dw: the folded T's entries hold sums of weights."""
    x, w = symbolic_vector("x", length), symbolic_vector("w", k)
    options = dict(stride=s, padding=p, dilation=d, padding_mode=mode)
    g = symbolic_vector("g", len(conv1d(x, w, **options)))
    proof = prove_tied_gradients(x, w, g, **options)
    assert proof.holds, proof
    assert proof.steps[1].lhs == tuple(conv1d_grads(x, w, g, **options)[0])


def test_a_tied_gradient_proof_with_a_mode_fails_on_a_wrong_reflect():
    from unittest import mock

    from symconv.layout import padding as padding_module

    x, w = symbolic_vector("x", 5), symbolic_vector("w", 3)
    g = symbolic_vector("g", 5)
    assert prove_tied_gradients(x, w, g, padding=1, padding_mode="reflect").holds
    symmetric = lambda j, n: -j - 1 if j < 0 else 2 * n - 1 - j  # noqa: E731  (repeats x0)
    with mock.patch.dict(padding_module.PADDING_MODES, {"reflect": symmetric}):
        proof = prove_tied_gradients(x, w, g, padding=1, padding_mode="reflect")
    assert not proof.holds
    assert "agrees with the definition" in proof.first_failure.name


def test_a_wrong_folded_matrix_fails():
    x, w = symbolic_vector("x", 4), symbolic_vector("w", 3)
    unfolded = conv_matrix(w, 4, padding=1)  # the zero-padding band: no fold
    proof = prove_matrix_form(x, w, padding=1, padding_mode="reflect", matrix=unfolded)
    assert not proof.holds
    assert proof.first_failure.mismatch[0] == (0,)


# --- 2-D against PyTorch ------------------------------------------------------------------

LAYERS_2D = [
    ((4, 5), (3, 3), (1, 1), 1, (1, 1)),
    ((5, 4), (2, 3), (2, 1), (1, 2), (1, 1)),
    ((5, 6), (3, 2), (1, 2), "same_upper", (1, 1)),
    ((5, 6), (2, 3), (1, 1), "same", (1, 1)),
    ((6, 5), (3, 3), (2, 2), ((2, 1), (0, 2)), (1, 2)),
]


@pytest.mark.parametrize(("shape", "kernel", "stride", "padding", "dilation"), LAYERS_2D)
@pytest.mark.parametrize("mode", MODES)
def test_conv2d_every_stage_and_autograd_match_pytorch(
    torch, mode, shape, kernel, stride, padding, dilation
):
    options = {"stride": stride, "padding": padding, "dilation": dilation, "padding_mode": mode}
    s = settings2d(kernel, shape, **options)
    (top, bottom), (left, right) = s.padding
    x, k = ints(*shape), ints(*kernel)
    xt, kt = torch.tensor(x, requires_grad=True), torch.tensor(k, requires_grad=True)
    padded = torch_padded(torch, xt[None, None], (left, right, top, bottom), mode)
    y = torch.nn.functional.conv2d(padded, kt[None, None], stride=stride, dilation=dilation)[0, 0]
    ours = conv2d(Matrix(as_ints(x)), Matrix(as_ints(k)), **options)
    assert np.array_equal(np.array(ours.tolist(), dtype=float), y.detach().numpy())
    g = ints(*s.output_shape)
    (y * torch.tensor(g)).sum().backward()
    gx, gk = conv2d_grads(Matrix(as_ints(x)), Matrix(as_ints(k)), Matrix(as_ints(g)), **options)
    assert np.array_equal(np.array(gx.tolist(), dtype=float), xt.grad.numpy())
    assert np.array_equal(np.array(gk.tolist(), dtype=float), kt.grad.numpy())
    xs, ks = symbolic_matrix("x", *shape), symbolic_matrix("k", *kernel)
    z = conv2d(xs, ks, **options).reshape(s.output_length, 1)
    flat = xs.reshape(s.input_length, 1)
    assert (conv2d_matrix(ks, shape, **options) * flat - z).expand().is_zero_matrix
    data = im2col2d(xs, kernel, **options)
    assert (data * ks.reshape(s.kernel_size, 1) - z).expand().is_zero_matrix


def test_nn_conv2d_with_a_mode(torch):
    x, k = ints(5, 6), ints(3, 3)
    for mode in MODES:
        layer = torch.nn.Conv2d(1, 1, 3, padding=1, bias=False, padding_mode=mode).double()
        with torch.no_grad():
            layer.weight[:] = torch.tensor(k)[None, None]
            expected = layer(torch.tensor(x)[None, None])[0, 0].numpy()
        ours = conv2d(Matrix(as_ints(x)), Matrix(as_ints(k)), padding=1, padding_mode=mode)
        assert np.array_equal(np.array(ours.tolist(), dtype=float), expected)


# --- PyTorch's limits and bad input --------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "length", "padding"), [("reflect", 3, 3), ("reflect", 1, 1), ("circular", 3, 4)]
)
def test_pytorchs_limits_are_refused_as_pytorch_refuses(torch, mode, length, padding):
    with pytest.raises(
        ValueError,
        match=rf"padding \({padding}, {padding}\) with padding_mode '{mode}' on an input of length {length}",
    ):
        conv1d(list(range(length)), [1], padding=padding, padding_mode=mode)
    with pytest.raises(RuntimeError):
        torch_padded(torch, torch.zeros(1, 1, length), (padding, padding), mode)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: conv1d([1, 2, 3], [1, 1], padding=1, padding_mode="mirror"),
            ValueError,
            "padding_mode 'mirror' is not a padding mode; use one of 'zeros', 'reflect', 'replicate', 'circular'",
        ),
        (
            lambda: conv1d([1, 2, 3], [1, 1], padding_mode=None),
            TypeError,
            "padding_mode must be a string",
        ),
        (
            lambda: conv_matrix([1, 2, 3], 2, padding=2, padding_mode="reflect"),
            ValueError,
            "reflect padding must be less than the input length",
        ),
        (
            lambda: conv2d([[1, 2], [3, 4]], [[1]], padding=(0, 2), padding_mode="reflect"),
            ValueError,
            "along the width axis: padding \\(2, 2\\) with padding_mode 'reflect'",
        ),
    ],
)
def test_bad_modes_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_replicate_takes_any_padding():
    a = sympy.Symbol("a")
    assert conv1d([a], [1, 1, 1], padding=5, padding_mode="replicate") == Matrix([3 * a] * 9)


@settings(max_examples=60, deadline=None)
@given(
    length=st.integers(1, 7),
    k=st.integers(1, 4),
    stride=st.integers(1, 3),
    dilation=st.integers(1, 2),
    left=st.integers(0, 7),
    right=st.integers(0, 7),
    mode=st.sampled_from(MODES),
    seed=st.integers(0, 2**16),
)
def test_any_layer_within_the_limits_is_pytorchs(
    torch, length, k, stride, dilation, left, right, mode, seed
):
    limit = {"reflect": length - 1, "circular": length}.get(mode, 7)
    left, right = min(left, limit), min(right, limit)
    if length + left + right < dilation * (k - 1) + 1:
        return  # no window fits: refused, as test_settings checks
    rng = np.random.default_rng(seed)
    x, w = rng.integers(-4, 5, size=length), rng.integers(-4, 5, size=k)
    ours = conv1d(
        x.tolist(),
        w.tolist(),
        stride=stride,
        padding=(left, right),
        dilation=dilation,
        padding_mode=mode,
    )
    padded = torch_padded(
        torch, torch.tensor(x, dtype=torch.float64)[None, None], (left, right), mode
    )
    expected = torch.nn.functional.conv1d(
        padded, torch.tensor(w, dtype=torch.float64)[None, None], stride=stride, dilation=dilation
    )
    assert np.array_equal(np.array(ours, dtype=float).reshape(-1), expected.reshape(-1).numpy())


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("padding", "stride"), [(1, 1), ((1, 2), (2, 1))])
def test_the_2d_proofs_hold_with_a_mode(torch, mode, padding, stride):
    """prove_matrix_form2d and prove_tied_gradients2d with PyTorch's padding modes; the
    derived gradients agree with autograd through nn.functional.pad."""
    import torch.nn.functional as F

    from symconv import conv2d, conv2d_grads, prove_matrix_form2d, prove_tied_gradients2d
    from symconv.core.images import symbolic_matrix

    x, k = symbolic_matrix("x", 4, 5), symbolic_matrix("k", 3, 3)
    options = dict(padding=padding, stride=stride, padding_mode=mode)
    assert prove_matrix_form2d(x, k, **options).holds
    y = conv2d(x, k, **options)
    g = symbolic_matrix("g", *y.shape)
    assert prove_tied_gradients2d(x, k, g, **options).holds
    xs, ks = np.arange(1.0, 21.0).reshape(4, 5), np.arange(1.0, 10.0).reshape(3, 3)
    gs = np.arange(1.0, y.shape[0] * y.shape[1] + 1).reshape(y.shape)
    xt = torch.tensor(xs, requires_grad=True)
    kt = torch.tensor(ks, requires_grad=True)
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    padded = F.pad(xt[None, None], (pw, pw, ph, ph), mode="constant" if mode == "zeros" else mode)
    out = F.conv2d(padded, kt[None, None], stride=stride)[0, 0]
    (out * torch.tensor(gs)).sum().backward()
    gx, gk = conv2d_grads(
        Matrix(xs.astype(int)), Matrix(ks.astype(int)), Matrix(gs.astype(int)), **options
    )
    assert np.array_equal(np.array(gx, dtype=float), xt.grad.numpy())
    assert np.array_equal(np.array(gk, dtype=float), kt.grad.numpy())
