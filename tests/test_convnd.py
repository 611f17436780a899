"""Any number of spatial axes: conv3d/convnd and conv_transpose3d against PyTorch, the
multi-level block Toeplitz matrix, im2col, gradients and the proofs with rank-5 kernels."""

from __future__ import annotations

from typing import Any
from unittest import mock

import numpy as np
import pytest
import sympy
from sympy import Array, Matrix, Tuple

from symconv import (
    ConvSettings2D,
    ConvSettingsND,
    conv1d,
    conv2d,
    conv3d,
    conv_transpose3d,
    conv_transposend,
    convnd,
    convnd_band,
    convnd_grads,
    convnd_matrix,
    im2colnd,
    prove_channel_gradients,
    prove_channels,
    prove_transposed,
    settings2d,
    settings_nd,
)
from symconv.layout.axis import ConvSettings

RNG = np.random.default_rng(18)


def ints(*shape: int) -> np.ndarray:
    return RNG.integers(-3, 4, size=shape)


def symbols_array(name: str, shape: tuple[int, ...]) -> Array:
    return Array(sympy.symbols(f"{name}0:{int(np.prod(shape))}"), shape)


def numbers(value: Any) -> np.ndarray:
    return np.array(value.tolist(), dtype=float)


def entries(value: Any) -> list[Any]:
    """Row-major entries (iterating a SymPy Array yields its first-axis slices)."""
    return list(sympy.flatten(value.tolist()))


def t64(torch: Any, value: Any) -> Any:
    return torch.tensor(np.asarray(value), dtype=torch.float64)


#: (C_in, C_out, groups, input DxHxW, kernel, stride, padding, dilation, bias)
GRID_3D = [
    (1, 1, 1, (3, 4, 4), (2, 2, 2), 1, 0, 1, False),
    (2, 3, 1, (4, 3, 5), (2, 1, 3), (1, 2, 2), 1, 1, True),
    (4, 2, 2, (4, 4, 4), (2, 2, 2), 1, "same", (2, 1, 1), True),
    (2, 2, 2, (5, 4, 3), (3, 2, 2), 2, (1, 0, 1), 1, False),
    (3, 3, 3, (3, 5, 4), (1, 3, 2), (1, 1, 3), "valid", (1, 2, 1), True),
    (2, 4, 1, (4, 4, 5), (3, 3, 3), 1, "same", 1, False),
]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize(
    "c_in, c_out, groups, shape, kshape, stride, padding, dilation, bias", GRID_3D
)
def test_conv3d_forward_and_autograd_equal_pytorch(
    torch: Any, c_in, c_out, groups, shape, kshape, stride, padding, dilation, bias
) -> None:
    x, w = ints(c_in, *shape), ints(c_out, c_in // groups, *kshape)
    b = ints(c_out) if bias else None
    options = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    ours = conv3d(
        Array(x.tolist()), Array(w.tolist()), bias=None if b is None else list(b), **options
    )
    tx = t64(torch, x)[None].requires_grad_(True)
    tw = t64(torch, w).requires_grad_(True)
    tb = None if b is None else t64(torch, b).requires_grad_(True)
    expected = torch.nn.functional.conv3d(tx, tw, tb, **options)
    assert numbers(ours).shape == tuple(expected.shape[1:])
    np.testing.assert_array_equal(numbers(ours), expected[0].detach().numpy())
    g = ints(*expected.shape[1:])
    (expected * t64(torch, g)[None]).sum().backward()
    gx, gw, gb = convnd_grads(
        Array(x.tolist()),
        Array(w.tolist()),
        Array(g.tolist()),
        bias=None if b is None else list(b),
        **options,
    )
    np.testing.assert_array_equal(numbers(gx), tx.grad[0].numpy())
    np.testing.assert_array_equal(numbers(gw), tw.grad.numpy())
    if tb is not None:
        np.testing.assert_array_equal(numbers(gb).ravel(), tb.grad.numpy())
    else:
        assert gb is None


@pytest.mark.parametrize(
    "padding, pairs",
    [
        (((1, 0), 0, (0, 2)), [(1, 0), (0, 0), (0, 2)]),
        (("full", "valid", 1), [(1, 1), (0, 0), (1, 1)]),
        ("full", [(1, 1), (2, 2), (1, 1)]),
    ],
)
def test_per_axis_padding_words_and_pairs_equal_padded_pytorch(torch: Any, padding, pairs) -> None:
    x, w = ints(1, 3, 4, 4), ints(2, 1, 2, 3, 2)
    ours = conv3d(Array(x.tolist()), Array(w.tolist()), padding=padding)
    flat_pad = [side for pair in reversed(pairs) for side in pair]  # F.pad: last axis first
    padded = torch.nn.functional.pad(t64(torch, x)[None], flat_pad)
    expected = torch.nn.functional.conv3d(padded, t64(torch, w))[0]
    np.testing.assert_array_equal(numbers(ours), expected.numpy())


@pytest.mark.parametrize("word", ["same_upper", "same_lower"])
def test_strided_same_words_give_ceil_outputs_per_axis(word) -> None:
    s = settings_nd((3, 2, 3), (5, 6, 7), stride=(2, 3, 2), padding=word)
    assert s.output_shape == (3, 2, 4)
    odd_first = word == "same_lower"
    for axis in s.axes:
        left, right = axis.padding_pair
        assert abs(left - right) <= 1 and (left >= right) == (odd_first or left == right)


@pytest.mark.parametrize(
    "c_in, c_out, groups, shape, kshape, stride, padding, output_padding, dilation, bias",
    [
        (1, 1, 1, (2, 3, 2), (2, 2, 2), 1, 0, 0, 1, False),
        (2, 4, 2, (2, 2, 3), (2, 1, 2), (2, 1, 2), (1, 0, 0), (1, 0, 1), 1, True),
        (2, 3, 1, (3, 2, 2), (2, 2, 3), 2, 1, 0, (1, 2, 1), True),
    ],
)
def test_conv_transpose3d_forward_and_autograd_equal_pytorch(
    torch: Any, c_in, c_out, groups, shape, kshape, stride, padding, output_padding, dilation, bias
) -> None:
    y, w = ints(c_in, *shape), ints(c_in, c_out // groups, *kshape)
    b = ints(c_out) if bias else None
    options = {
        "stride": stride,
        "padding": padding,
        "output_padding": output_padding,
        "dilation": dilation,
        "groups": groups,
    }
    ys, ws = symbols_array("y", y.shape), symbols_array("w", w.shape)
    ours = conv_transpose3d(ys, ws, bias=None if b is None else list(b), **options)
    values = dict(zip(entries(ys), y.ravel().tolist())) | dict(zip(entries(ws), w.ravel().tolist()))
    ty = t64(torch, y)[None].requires_grad_(True)
    tw = t64(torch, w).requires_grad_(True)
    expected = torch.nn.functional.conv_transpose3d(
        ty, tw, None if b is None else t64(torch, b), **options
    )
    np.testing.assert_array_equal(numbers(ours.subs(values)), expected[0].detach().numpy())
    g = ints(*expected.shape[1:])
    (expected * t64(torch, g)[None]).sum().backward()
    loss = sympy.Add(*[gi * oi for gi, oi in zip(g.ravel().tolist(), entries(ours))])  # type: ignore[arg-type]
    grad_y = [sympy.diff(loss, s).subs(values) for s in entries(ys)]
    grad_w = [sympy.diff(loss, s).subs(values) for s in entries(ws)]
    np.testing.assert_array_equal(np.array(grad_y, dtype=float), ty.grad.numpy().ravel())
    np.testing.assert_array_equal(np.array(grad_w, dtype=float), tw.grad.numpy().ravel())


def test_conv1d_and_conv2d_are_the_one_and_two_axis_cases() -> None:
    x1, w1 = Matrix(ints(2, 6)), Array(ints(3, 2, 3).tolist())
    assert convnd(x1, w1, stride=2, padding=1) == conv1d(x1, w1, stride=2, padding=1)
    x2, w2 = Array(ints(2, 4, 5).tolist()), Array(ints(2, 1, 2, 3).tolist())
    options = {"groups": 2, "stride": (1, 2), "padding": "same_upper"}
    assert convnd(x2, w2, **options) == conv2d(x2, w2, **options)
    s2 = settings2d((2, 3), (4, 5), padding=1)
    assert isinstance(s2, ConvSettings2D) and isinstance(s2, ConvSettingsND)
    assert settings_nd((2, 3), (4, 5), padding=1) == s2
    assert s2.flat_taps == ConvSettingsND(s2.axes).flat_taps
    assert s2.with_flip(True).axes[0].flip and isinstance(s2.with_flip(True), ConvSettings2D)


def test_convnd_matrix_and_im2col_give_the_layer() -> None:
    x, w = symbols_array("x", (2, 3, 3, 2)), symbols_array("w", (2, 2, 2, 2, 1))
    y = convnd(x, w, padding=(1, 0, 0))
    t = convnd_matrix(w, (2, 3, 3, 2), padding=(1, 0, 0))
    assert t.shape == (2 * 4 * 2 * 2, 2 * 18)
    assert (t * Matrix(entries(x)) - Matrix(entries(y))).expand() == sympy.zeros(t.shape[0], 1)
    assert convnd_band(w, (2, 3, 3, 2), padding=(1, 0, 0)).nnz == sum(
        len(sympy.Add.make_args(v)) for v in entries(y)
    )
    data = im2colnd(x, (2, 2, 1), padding=(1, 0, 0))
    weights = Matrix(2, 8, entries(w))
    product = data * weights.T  # (positions, C_out)
    assert (product.T - Matrix(2, 16, entries(y))).expand() == sympy.zeros(2, 16)


def test_four_spatial_axes_prove_against_the_definition() -> None:
    x, w = symbols_array("x", (1, 2, 3, 2, 3)), symbols_array("w", (2, 1, 1, 2, 2, 2))
    assert convnd(x, w).shape == (2, 2, 2, 1, 2)
    assert prove_channels(x, w, padding=(0, 1, 0, (1, 0))).holds
    g = symbols_array("g", (2, 2, 2, 1, 2))
    assert prove_channel_gradients(x, w, g).holds


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"stride": (2, 1, 2), "padding": "same_upper", "groups": 2},
        {"padding": ((1, 0), "full", 0), "dilation": (1, 2, 1), "flip": True},
    ],
)
def test_proofs_hold_for_rank5_kernels(options) -> None:
    x, w = (
        symbols_array("x", (2, 3, 4, 4)),
        symbols_array("w", (2, 2 // options.get("groups", 1), 2, 2, 2)),
    )
    b = sympy.symbols("b0:2")
    assert prove_channels(x, w, bias=b, **options).holds
    y = convnd(x, w, **options)
    g = symbols_array("g", y.shape)
    assert prove_channel_gradients(x, w, g, bias=b, **options).holds


def test_prove_transposed_rank5() -> None:
    y, w = symbols_array("y", (2, 2, 2, 3)), symbols_array("w", (2, 1, 2, 2, 2))
    proof = prove_transposed(y, w, groups=2, stride=(2, 1, 2), padding=(0, 1, 0))
    assert proof.holds and proof.title.startswith("A 3-D")


def one_too_far(original: Any) -> Any:
    def input_index(self: ConvSettings, i: int, k: int) -> int:
        return original(self, i, k) + 1

    return input_index


def test_planted_index_error_fails_the_3d_proofs() -> None:
    x, w = symbols_array("x", (1, 3, 3, 3)), symbols_array("w", (1, 1, 2, 2, 2))
    g = symbols_array("g", (1, 2, 2, 2))
    assert prove_channels(x, w).holds and prove_channel_gradients(x, w, g).holds
    with mock.patch.object(ConvSettings, "input_index", one_too_far(ConvSettings.input_index)):
        proof = prove_channels(x, w)
        assert not proof.holds
        assert proof.first_failure is not None
        assert proof.first_failure.name == "agrees with the definition"
        assert not prove_channel_gradients(x, w, g).holds


def test_planted_length_error_fails_the_3d_transposed_proof() -> None:
    from symconv.layout import transposed as transposed_module

    y, w = symbols_array("y", (1, 2, 2, 2)), symbols_array("w", (1, 1, 2, 2, 2))
    assert prove_transposed(y, w, stride=2).holds
    original = transposed_module.transposed_axis

    def longer(*args: Any, **kwargs: Any) -> ConvSettings:
        axis = original(*args, **kwargs)
        return ConvSettings(axis.kernel_size, axis.input_length + 1, axis.stride)

    with mock.patch.object(transposed_module, "transposed_axis", longer):
        assert not prove_transposed(y, w, stride=2).holds


def test_errors_name_the_value() -> None:
    x = Array(ints(1, 3, 3, 3).tolist())
    with pytest.raises(ValueError, match=r"kernel w must have rank 5 .* got rank 4"):
        conv3d(x, Array(ints(1, 1, 2, 2).tolist()))
    with pytest.raises(ValueError, match=r"kernel w must have rank >= 3 .* got rank 1"):
        convnd([1, 2, 3], [1, 1])
    w = Array(ints(1, 1, 2, 2, 2).tolist())
    with pytest.raises(
        ValueError, match=r"stride \(1, 2\) must be an integer or 3 values \(depth, height, width\)"
    ):
        conv3d(x, w, stride=(1, 2))
    with pytest.raises(
        ValueError, match=r"along the width axis: padding 'nope' is not a padding word"
    ):
        conv3d(x, w, padding=(0, 0, "nope"))
    with pytest.raises(ValueError, match=r"groups=2 must divide the 1 input channels"):
        conv3d(x, w, groups=2)
    with pytest.raises(
        ValueError, match=r"input shape \(1, 3\) must be \(C_in, d_0, \.\.\., d_2\)"
    ):
        convnd_band(w, (1, 3))
    with pytest.raises(ValueError, match=r"input shape \(2, 3, 3, 3\) has 2 channels"):
        convnd_matrix(w, (2, 3, 3, 3))
    with pytest.raises(ValueError, match=r"kernel w must have rank 5 \(C_in, C_out/groups"):
        conv_transpose3d(x, Array(ints(1, 1, 2, 2).tolist()))
    with pytest.raises(ValueError, match=r"kernel w must have rank >= 3"):
        conv_transposend([1, 2], [1, 1])
    with pytest.raises(ValueError, match=r"a 3-D transposed convolution needs a rank-5 kernel"):
        from symconv.layout.transposed import transposed_layer

        transposed_layer(
            x, [[1]], dims=3, bias=None, groups=1, stride=1, padding=0, output_padding=0, dilation=1
        )
    with pytest.raises(ValueError, match=r"is a batch .* prove_batch_gradients"):
        prove_channels(Array(ints(1, 1, 3, 3, 3).tolist()), w)
    with pytest.raises(ValueError, match=r"kernel shape 3 must be \(k_0, \.\.\., k_\(N-1\)\)"):
        im2colnd(x, 3)  # type: ignore[arg-type]
    # A SymPy Tuple or a torch.Size is a shape like a tuple; a string is refused.
    assert convnd_band(w, Tuple(1, 3, 3, 3)).shape == convnd_band(w, (1, 3, 3, 3)).shape
    with pytest.raises(ValueError, match=r"kernel shape '22' must be"):
        im2colnd(x, "22")  # type: ignore[arg-type]
