"""Padding modes with channels, groups, bias, N-D and batches (PyTorch's ``padding_mode``).

nn.Conv1d/2d/3d pad every channel by the mode, then slide a valid convolution. Checked
against PyTorch (F.pad by the mode, then F.conv*d, and the nn modules themselves) for
every mode, forward and autograd; the channel and batch proofs hold with a mode and fail
on a planted wrong rule; PyTorch's limits are refused with the value named; the
transposed layer takes zero padding only, as PyTorch's ConvTranspose does.
"""

from __future__ import annotations

from typing import Any
from unittest import mock

import numpy as np
import pytest
import sympy
from sympy import Array, Integer

from symconv import (
    conv1d,
    conv2d,
    conv3d,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    conv_transposend,
    convnd,
    convnd_band,
    convnd_grads,
    convnd_matrix,
    im2colnd,
    prove_batch_gradients,
    prove_channel_gradients,
    prove_channels,
)
from symconv.layout import padding as padding_module
from symconv.ops.channels import conv1d_channels, conv2d_channels

RNG = np.random.default_rng(1721)

MODES = ("zeros", "reflect", "replicate", "circular")

#: (dims, C_in, C_out, groups, spatial input, kernel, stride, padding, dilation), inside
#: PyTorch's limits for every mode (reflect: padding < the axis's length).
LAYERS = [
    (1, 2, 4, 1, (6,), (3,), 1, 1, 1),
    (1, 2, 4, 2, (5,), (3,), 2, (2, 1), 1),
    (1, 2, 4, 2, (6,), (2,), 1, "same", 2),
    (2, 2, 4, 1, (4, 5), (3, 2), 1, (1, (0, 2)), 1),
    (2, 2, 4, 2, (5, 4), (3, 3), (2, 1), 1, (1, 2)),
]


def ints(*shape: int) -> np.ndarray:
    return RNG.integers(-4, 5, size=shape)


def symbols_array(name: str, shape: tuple[int, ...]) -> Array:
    return Array(sympy.symbols(f"{name}0:{int(np.prod(shape))}"), shape)


def flat(value: Any) -> list[Any]:
    """A SymPy Array's or Matrix's entries, row-major."""
    return sympy.flatten(value.tolist())


def numbers(value: Any) -> np.ndarray:
    return np.array(value.tolist(), dtype=float)


def t64(torch: Any, value: Any) -> Any:
    return torch.tensor(np.asarray(value, dtype=float), dtype=torch.float64)


def pairs(padding: Any, kernel: tuple[int, ...], dilation: Any) -> list[tuple[int, int]]:
    """(before, after) per axis, restated from PyTorch's rule (odd zero on the right)."""
    dims = len(kernel)
    items = padding if isinstance(padding, tuple) and dims > 1 else (padding,) * dims
    if dims == 1 and isinstance(padding, tuple):
        items = (padding,)
    dilations = dilation if isinstance(dilation, tuple) else (dilation,) * dims
    found = []
    for item, k, d in zip(items, kernel, dilations, strict=True):
        if item == "same":
            total = d * (k - 1)
            found.append((total // 2, total - total // 2))
        elif isinstance(item, tuple):
            found.append(item)
        else:
            found.append((item, item))
    return found


def torch_layer(torch: Any, x: Any, w: Any, b: Any, mode: str, layer: tuple) -> Any:
    """F.pad by the mode (constant for zeros) on a batch of one, then a valid conv."""
    import torch.nn.functional as F

    dims, _, _, groups, _, kernel, stride, padding, dilation = layer
    flat = [p for pair in reversed(pairs(padding, kernel, dilation)) for p in pair]
    padded = F.pad(x.unsqueeze(0), flat, mode="constant" if mode == "zeros" else mode)
    conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[dims]
    return conv(padded, w, b, stride=stride, dilation=dilation, groups=groups)[0]


def options(layer: tuple, mode: str) -> dict[str, Any]:
    _, _, _, groups, _, _, stride, padding, dilation = layer
    return dict(groups=groups, stride=stride, padding=padding, dilation=dilation, padding_mode=mode)


def shapes(layer: tuple) -> tuple[tuple[int, ...], tuple[int, ...]]:
    _, c_in, c_out, groups, spatial, kernel, *_ = layer
    return (c_in, *spatial), (c_out, c_in // groups, *kernel)


# --- forward against PyTorch -------------------------------------------------------------


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("mode", MODES)
def test_forward_with_bias_is_pytorchs(torch, mode, layer):
    x_shape, w_shape = shapes(layer)
    x, w, b = ints(*x_shape), ints(*w_shape), ints(w_shape[0])
    got = convnd(Array(x.tolist()), Array(w.tolist()), bias=b.tolist(), **options(layer, mode))
    want = torch_layer(torch, t64(torch, x), t64(torch, w), t64(torch, b), mode, layer)
    assert np.array_equal(numbers(got), want.numpy())


@pytest.mark.parametrize("mode", MODES[1:])
def test_the_channel_entry_points_take_the_mode(torch, mode):
    """conv1d_channels, conv2d_channels (what conv1d/conv2d dispatch to) and nn.Conv*d."""
    x1, w1, b = ints(2, 6), ints(4, 1, 3), ints(4)
    got1 = conv1d_channels(
        sympy.Matrix(x1.tolist()), Array(w1.tolist()), bias=b.tolist(), groups=2,
        padding=2, padding_mode=mode,
    )  # fmt: skip
    module = torch.nn.Conv1d(2, 4, 3, padding=2, groups=2, padding_mode=mode, dtype=torch.float64)
    module.weight.data, module.bias.data = t64(torch, w1), t64(torch, b)
    assert np.array_equal(numbers(got1), module(t64(torch, x1)).detach().numpy())

    x2, w2 = ints(2, 4, 5), ints(4, 2, 3, 3)
    got2 = conv2d_channels(
        Array(x2.tolist()), Array(w2.tolist()), bias=b.tolist(), padding=1, padding_mode=mode
    )
    module2 = torch.nn.Conv2d(2, 4, 3, padding=1, padding_mode=mode, dtype=torch.float64)
    module2.weight.data, module2.bias.data = t64(torch, w2), t64(torch, b)
    assert np.array_equal(numbers(got2), module2(t64(torch, x2)).detach().numpy())


@pytest.mark.parametrize("mode", MODES[1:])
def test_public_conv1d_and_conv2d_take_the_mode_with_channels(torch, mode):
    x1, w1, b = ints(2, 5), ints(4, 1, 2), ints(4)
    got1 = conv1d(
        sympy.Matrix(x1.tolist()), Array(w1.tolist()), bias=b.tolist(), groups=2,
        padding=(1, 2), padding_mode=mode,
    )  # fmt: skip
    layer1 = (1, 2, 4, 2, (5,), (2,), 1, (1, 2), 1)
    want1 = torch_layer(torch, t64(torch, x1), t64(torch, w1), t64(torch, b), mode, layer1)
    assert np.array_equal(numbers(got1), want1.numpy())
    x2, w2 = ints(2, 3, 4), ints(4, 2, 2, 2)
    got2 = conv2d(
        Array(x2.tolist()), Array(w2.tolist()), bias=b.tolist(), padding=1, padding_mode=mode
    )
    layer2 = (2, 2, 4, 1, (3, 4), (2, 2), 1, 1, 1)
    want2 = torch_layer(torch, t64(torch, x2), t64(torch, w2), t64(torch, b), mode, layer2)
    assert np.array_equal(numbers(got2), want2.numpy())


@pytest.mark.parametrize("mode", MODES[1:])
def test_a_single_channel_kernel_with_bias_takes_the_mode(torch, mode):
    x, w = ints(5), ints(3)
    got = conv1d_channels(x.tolist(), w.tolist(), bias=7, padding=2, padding_mode=mode)
    layer = (1, 1, 1, 1, (5,), (3,), 1, 2, 1)
    want = torch_layer(
        torch, t64(torch, x[None]), t64(torch, w[None, None]), t64(torch, [7]), mode, layer
    )
    assert np.array_equal(numbers(got).reshape(-1), want.numpy().reshape(-1))


def test_3d_with_a_mode_is_nn_conv3d(torch):
    x, w, b = ints(2, 3, 4, 4), ints(4, 1, 2, 3, 2), ints(4)
    got = conv3d(
        Array(x.tolist()), Array(w.tolist()), bias=b.tolist(), groups=2,
        padding=(1, 1, 0), stride=(1, 2, 1), padding_mode="circular",
    )  # fmt: skip
    module = torch.nn.Conv3d(
        2, 4, (2, 3, 2), padding=(1, 1, 0), stride=(1, 2, 1), groups=2,
        padding_mode="circular", dtype=torch.float64,
    )  # fmt: skip
    module.weight.data, module.bias.data = t64(torch, w), t64(torch, b)
    assert np.array_equal(numbers(got), module(t64(torch, x)).detach().numpy())


def test_a_batch_with_a_mode_is_pytorchs(torch):
    x, w, b = ints(3, 2, 4, 5), ints(4, 1, 2, 3), ints(4)
    got = convnd(
        Array(x.tolist()), Array(w.tolist()), bias=b.tolist(), groups=2,
        padding=(1, 2), padding_mode="reflect",
    )  # fmt: skip
    module = torch.nn.Conv2d(
        2, 4, (2, 3), padding=(1, 2), groups=2, padding_mode="reflect", dtype=torch.float64
    )
    module.weight.data, module.bias.data = t64(torch, w), t64(torch, b)
    assert np.array_equal(numbers(got), module(t64(torch, x)).detach().numpy())


@pytest.mark.parametrize("mode", MODES[1:])
def test_the_block_matrix_and_data_matrix_take_the_mode(mode):
    """T vec(x) and X W^T give the output; a folded entry of T is a sum of weights."""
    x, w = symbols_array("x", (2, 3, 4)), symbols_array("w", (3, 2, 2, 3))
    opts = dict(padding=(1, 2), padding_mode=mode)
    y = convnd(x, w, **opts)
    t = convnd_matrix(w, (2, 3, 4), **opts)
    assert (t * sympy.Matrix(flat(x)) - sympy.Matrix(flat(y))).expand() == sympy.zeros(t.rows, 1)
    assert convnd_band(w, (2, 3, 4), **opts).shape == t.shape
    data = im2colnd(x, (2, 3), **opts)
    kernels = sympy.Matrix(3, 12, flat(w))
    by_rows = (data * kernels.T).T  # (C_out, positions)
    outputs = sympy.Matrix(3, data.rows, flat(y))
    assert (by_rows - outputs).expand() == sympy.zeros(3, data.rows)
    if mode != "circular":  # circular (1, 2) on width 4 reads no input twice in a row of T
        assert any(isinstance(v, sympy.Add) for v in t)


# --- gradients against autograd ----------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "layer"),
    [(mode, layer) for mode in MODES for layer in LAYERS]
    + [("reflect", (3, 2, 2, 2, (3, 3, 3), (2, 2, 2), 1, 1, 1))],
)
def test_symbolic_gradients_evaluated_are_autograd(torch, mode, layer):
    x_shape, w_shape = shapes(layer)
    opts = options(layer, mode)
    x, w = symbols_array("x", x_shape), symbols_array("w", w_shape)
    b = list(sympy.symbols(f"b0:{w_shape[0]}"))
    out_shape = convnd(x, w, bias=b, **opts).shape
    g = symbols_array("g", out_shape)
    gx, gw, gb = convnd_grads(x, w, g, bias=b, **opts)

    xv, wv, bv, gv = ints(*x_shape), ints(*w_shape), ints(w_shape[0]), ints(*out_shape)
    values = {
        **{s: Integer(v) for s, v in zip(flat(x), xv.reshape(-1).tolist(), strict=True)},
        **{s: Integer(v) for s, v in zip(flat(w), wv.reshape(-1).tolist(), strict=True)},
        **{s: Integer(v) for s, v in zip(b, bv.tolist(), strict=True)},
        **{s: Integer(v) for s, v in zip(flat(g), gv.reshape(-1).tolist(), strict=True)},
    }

    def at(value: Any) -> np.ndarray:
        return np.array([float(e.xreplace(values)) for e in flat(value)], dtype=float)

    xt, wt, bt = (t64(torch, v).requires_grad_() for v in (xv, wv, bv))
    out = torch_layer(torch, xt, wt, bt, mode, layer)
    assert tuple(out.shape) == tuple(out_shape)
    (out * t64(torch, gv)).sum().backward()
    assert np.array_equal(at(gx), xt.grad.numpy().reshape(-1))
    assert np.array_equal(at(gw), wt.grad.numpy().reshape(-1))
    assert np.array_equal(at(gb), bt.grad.numpy())


# --- proofs --------------------------------------------------------------------------------


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("mode", MODES[1:])
def test_the_channel_proofs_hold_with_a_mode(mode, layer):
    x_shape, w_shape = shapes(layer)
    x, w = symbols_array("x", x_shape), symbols_array("w", w_shape)
    b = sympy.symbols(f"b0:{w_shape[0]}")
    opts = options(layer, mode)
    proof = prove_channels(x, w, bias=b, **opts)
    assert proof.holds, proof.first_failure
    assert mode in proof.statement
    g = symbols_array("g", convnd(x, w, **opts).shape)
    gradients = prove_channel_gradients(x, w, g, bias=b, **opts)
    assert gradients.holds, gradients.first_failure


def test_the_3d_channel_proofs_hold_with_a_mode():
    # T is 96 x 36: the tied-weight proof unties every entry (see the large layer below)
    x, w = symbols_array("x", (2, 2, 3, 3)), symbols_array("w", (2, 1, 2, 2, 2))
    opts = dict(groups=2, padding=1, padding_mode="replicate")
    g = symbols_array("g", convnd(x, w, **opts).shape)
    assert prove_channels(x, w, **opts).holds
    assert prove_channel_gradients(x, w, g, **opts).holds


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_a_long_one_channel_layer_with_a_mode_proves_its_tied_gradients(mode):
    """70 inputs, 3 taps: T has 4900 entries, above the dense-untie limit, and its folded
    boundary entries hold two weights each; each is untied once."""
    from symconv import prove_tied_gradients, symbolic_vector

    x, w = symbolic_vector("x", 70), symbolic_vector("w", 3)
    g = symbolic_vector("g", 70)
    proof = prove_tied_gradients(x, w, g, padding=1, padding_mode=mode)
    assert proof.holds, proof.first_failure


@pytest.mark.parametrize("mode", MODES[1:])
def test_the_batch_proof_holds_with_a_mode(mode):
    x, w = symbols_array("x", (2, 2, 4)), symbols_array("w", (4, 1, 3))
    b = sympy.symbols("b0:4")
    opts = dict(groups=2, padding=2, padding_mode=mode)
    g = symbols_array("g", convnd(x, w, **opts).shape)
    proof = prove_batch_gradients(x, w, g, bias=b, **opts)
    assert proof.holds, proof.first_failure
    claimed = Array([2 * v for v in flat(convnd_grads(x, w, g, bias=b, **opts)[1])], w.shape)
    failed = prove_batch_gradients(x, w, g, bias=b, grad_w=claimed, **opts)
    assert not failed.holds
    assert failed.first_failure.name == "weight gradient is the sum over samples"


def symmetric(j: int, n: int) -> int:
    """A wrong reflect: numpy's "symmetric", which repeats the edge sample."""
    if j < 0:
        return -j - 1
    if j >= n:
        return 2 * n - 1 - j
    return j


def test_a_reflect_that_repeats_the_edge_fails_the_proofs(torch):
    x, w = symbols_array("x", (2, 5)), symbols_array("w", (4, 1, 3))
    b = sympy.symbols("b0:4")
    opts = dict(groups=2, padding=1, padding_mode="reflect")
    g = symbols_array("g", (4, 5))
    xb, gb = symbols_array("x", (2, 2, 5)), symbols_array("g", (2, 4, 5))
    assert prove_channels(x, w, bias=b, **opts).holds
    assert prove_channel_gradients(x, w, g, bias=b, **opts).holds
    assert prove_batch_gradients(xb, w, gb, bias=b, **opts).holds
    xv, wv = ints(2, 5), ints(4, 1, 3)
    with mock.patch.dict(padding_module.PADDING_MODES, {"reflect": symmetric}):
        forward = prove_channels(x, w, bias=b, **opts)
        gradients = prove_channel_gradients(x, w, g, bias=b, **opts)
        batch = prove_batch_gradients(xb, w, gb, bias=b, **opts)
        planted = convnd(Array(xv.tolist()), Array(wv.tolist()), **opts)
    assert not forward.holds
    assert forward.first_failure.name == "agrees with the definition"
    assert not gradients.holds
    assert "agrees with the definition" in gradients.first_failure.name
    assert not batch.holds
    assert "agrees with the definition" in batch.first_failure.name
    # the planted rule is visibly not PyTorch's
    want = torch_layer(
        torch, t64(torch, xv), t64(torch, wv), None, "reflect", (1, 2, 4, 2, (5,), (3,), 1, 1, 1)
    )
    assert not np.array_equal(numbers(planted), want.numpy())


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "length", "padding", "accepted"),
    [
        ("reflect", 3, 2, True),
        ("reflect", 3, 3, False),
        ("reflect", 3, (0, 4), False),
        ("circular", 3, 3, True),
        ("circular", 3, 4, False),
        ("replicate", 2, 5, True),
    ],
)
def test_pytorchs_limits_with_channels(torch, mode, length, padding, accepted):
    x, w = ints(2, length), ints(2, 2, 1)
    layer = (1, 2, 2, 1, (length,), (1,), 1, padding, 1)
    call = lambda: convnd(  # noqa: E731
        Array(x.tolist()), Array(w.tolist()), padding=padding, padding_mode=mode
    )
    if accepted:
        want = torch_layer(torch, t64(torch, x), t64(torch, w), None, mode, layer)
        assert np.array_equal(numbers(call()), want.numpy())
        return
    with pytest.raises((RuntimeError, ValueError)):
        torch_layer(torch, t64(torch, x), t64(torch, w), None, mode, layer)
    left, right = padding if isinstance(padding, tuple) else (padding, padding)
    expected = (
        f"padding ({left}, {right}) with padding_mode '{mode}' on an input of length {length}"
    )
    with pytest.raises(ValueError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        call()


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: conv2d_channels(
                Array(ints(1, 4, 2).tolist()),
                Array(ints(1, 1, 1, 1).tolist()),
                padding=2,
                padding_mode="reflect",
            ),  # fmt: skip
            ValueError,
            r"along the width axis: padding \(2, 2\) with padding_mode 'reflect' on an "
            r"input of length 2",
        ),
        (
            lambda: convnd(Array(ints(1, 1, 4).tolist()), Array([[[1]]]), padding_mode="mirror"),
            ValueError,
            r"padding_mode 'mirror' is not a padding mode; use one of 'zeros', 'reflect'",
        ),
        (
            lambda: convnd(Array(ints(1, 1, 4).tolist()), Array([[[1]]]), padding_mode=3),
            TypeError,
            r"padding_mode must be a string, one of 'zeros', .*; got 3",
        ),
        (
            lambda: prove_channels(
                symbols_array("x", (1, 2)),
                symbols_array("w", (1, 1, 1)),
                padding=2,
                padding_mode="reflect",
            ),  # fmt: skip
            ValueError,
            r"padding \(2, 2\) with padding_mode 'reflect' on an input of length 2",
        ),
    ],
)
def test_bad_modes_and_paddings_are_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- transposed: zeros only, as PyTorch ----------------------------------------------------


@pytest.mark.parametrize(
    ("dims", "call", "y", "w"),
    [
        (1, conv_transpose1d, [1, 2, 3], [1, 2]),
        (2, conv_transpose2d, [[1, 2], [3, 4]], [[1, 1], [1, 1]]),
        (
            3,
            conv_transpose3d,
            Array(ints(1, 2, 2, 2).tolist()),
            Array(ints(1, 1, 2, 2, 2).tolist()),
        ),
        (
            3,
            conv_transposend,
            Array(ints(1, 2, 2, 2).tolist()),
            Array(ints(1, 1, 2, 2, 2).tolist()),
        ),
    ],
)
@pytest.mark.parametrize("mode", MODES[1:])
def test_the_transposed_layer_refuses_a_mode_as_pytorch_does(torch, dims, call, y, w, mode):
    module = {1: torch.nn.ConvTranspose1d, 2: torch.nn.ConvTranspose2d, 3: torch.nn.ConvTranspose3d}
    with pytest.raises(ValueError) as theirs:
        module[dims](1, 1, 2, padding_mode=mode)
    with pytest.raises(ValueError) as ours:
        call(y, w, padding_mode=mode)
    assert str(ours.value).startswith(str(theirs.value))
    assert repr(mode) in str(ours.value)
    assert call(y, w, padding_mode="zeros") == call(y, w)


def test_a_large_channel_layer_with_a_mode_proves_its_tied_gradients():
    """T is 128 x 54 (above the dense-untie limit): the band path of the tied proof."""
    x, w = symbols_array("x", (2, 3, 3, 3)), symbols_array("w", (2, 1, 2, 2, 2))
    opts = dict(groups=2, padding=1, padding_mode="replicate")
    g = symbols_array("g", convnd(x, w, **opts).shape)
    assert prove_channel_gradients(x, w, g, **opts).holds
