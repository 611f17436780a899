"""resolve_layer: every kind of layer resolves as its own resolver does, errors name it."""

from __future__ import annotations

import re

import pytest
import sympy
from sympy import Array, Matrix

from symconv import conv1d, conv2d, symbolic_matrix, symbolic_vector
from symconv.layout import resolve_layer
from symconv.layout.axis import ConvSettings, conv_settings
from symconv.layout.channels import ChannelLayer, channel_layer
from symconv.layout.grid import ConvSettings2D, ConvSettingsND, settings2d, settings_nd
from symconv.layout.grid import settings_for_images as grid_settings_for_images
from symconv.layout.resolve import KINDS
from symconv.layout.transposed import TransposedLayer, transposed_layer
from symconv.ops.conv2d import settings_for_images
from symconv.ops.sliding import settings_for

VECTOR_OPTIONS = [
    {},
    {"stride": 2},
    {"padding": "full"},
    {"padding": "same"},
    {"padding": "same_lower", "stride": 3},
    {"padding": (0, 2), "dilation": 2},
    {"flip": True, "padding": 1},
    {"padding": 2, "padding_mode": "circular"},
    {"padding": 1, "padding_mode": "reflect", "stride": 2},
]


@pytest.mark.parametrize("options", VECTOR_OPTIONS)
def test_a_vector_layer_resolves_as_conv_settings(options):
    x, w = symbolic_vector("x", 7), symbolic_vector("w", 3)
    resolved = resolve_layer("vector", x, w, **options)
    assert isinstance(resolved, ConvSettings)
    assert resolved == conv_settings(3, 7, **options)
    spelled = {"stride": 1, "padding": 0, "dilation": 1, "flip": False, **options}
    assert settings_for(x, w, **spelled) == resolved


def test_a_different_option_resolves_to_a_different_layer():
    x, w = symbolic_vector("x", 7), symbolic_vector("w", 3)
    assert resolve_layer("vector", x, w, stride=2) != conv_settings(3, 7)
    assert resolve_layer("image", [[1, 2], [3, 4]], [[1]], flip=True) != settings2d((1, 1), (2, 2))


IMAGE_OPTIONS = [
    {},
    {"stride": (1, 2)},
    {"padding": "same"},
    {"padding": ((0, 1), 2), "dilation": (2, 1)},
    {"padding": "same_upper", "stride": (2, 3)},
    {"padding": (1, "full"), "flip": True},
    {"padding": 1, "padding_mode": "replicate"},
]


@pytest.mark.parametrize("options", IMAGE_OPTIONS)
def test_an_image_layer_resolves_as_settings2d(options):
    x, k = symbolic_matrix("x", 5, 6), symbolic_matrix("k", 2, 3)
    resolved = resolve_layer("image", x, k, **options)
    assert isinstance(resolved, ConvSettings2D)
    assert resolved == settings2d((2, 3), (5, 6), **options)
    spelled = {"stride": 1, "padding": 0, "dilation": 1, "flip": False, **options}
    assert settings_for_images(x, k, **spelled) == grid_settings_for_images(x, k, **spelled)


def channel_operands(shape_x, shape_w):
    x = Array(sympy.symbols(f"x0:{sympy.prod(shape_x)}"), shape_x)
    w = Array(sympy.symbols(f"w0:{sympy.prod(shape_w)}"), shape_w)
    return x, w


CHANNEL_CASES = [
    # (dims, x shape, w shape, options)
    (1, (2, 6), (3, 2, 2), {}),
    (1, (4, 6), (2, 2, 3), {"groups": 2, "padding": "same", "bias": [1, 2]}),
    (1, (2, 2, 6), (1, 2, 2), {"stride": 2, "padding": (1, 0)}),  # a batch of 2
    (1, (2, 5), (2, 2, 2), {"padding": 1, "padding_mode": "circular"}),
    (2, (1, 3, 4), (2, 1, 2, 2), {"stride": (1, 2), "flip": True}),
    (2, (2, 1, 3, 3), (1, 1, 2, 2), {"padding": "full"}),  # a batch of 2
    (3, (1, 2, 3, 3), (1, 1, 2, 2, 2), {"padding": (0, 1, "same"), "dilation": (1, 1, 2)}),
]


@pytest.mark.parametrize(("dims", "shape_x", "shape_w", "options"), CHANNEL_CASES)
def test_a_channel_layer_resolves_as_channel_layer(dims, shape_x, shape_w, options):
    x, w = channel_operands(shape_x, shape_w)
    full = {"bias": None, "groups": 1, "stride": 1, "padding": 0, "dilation": 1, "flip": False}
    full.update(options)
    resolved = resolve_layer("channels", x, w, dims=dims, **options)
    assert isinstance(resolved, ChannelLayer)
    assert resolved == channel_layer(x, w, dims=dims, **full)
    assert resolve_layer("channels", x, w, **options) == resolved  # dims read off w
    spatial = {k: v for k, v in full.items() if k not in ("bias", "groups")}
    if dims == 1:
        assert resolved.layout.spatial == conv_settings(shape_w[-1], shape_x[-1], **spatial)
    else:
        nd = settings_nd(shape_w[2:], shape_x[-dims:], **spatial)
        assert isinstance(resolved.layout.spatial, ConvSettingsND)
        assert resolved.layout.spatial == nd


TRANSPOSED_CASES = [
    (1, [1, 2, 3], [1, 1], {"stride": 2, "output_padding": 1}),
    (2, [[1, 2], [3, 4]], [[1, 2], [3, 4]], {"stride": (2, 1), "padding": (1, 0)}),
    (1, Array([[1, 2, 3], [4, 5, 6]]), Array([[[1, 1]], [[1, -1]]]), {"groups": 2}),
    (2, [[1, 2], [3, 4]], [[1]], {"bias": [5], "dilation": 2}),
]


@pytest.mark.parametrize(("dims", "y", "w", "options"), TRANSPOSED_CASES)
def test_a_transposed_layer_resolves_as_transposed_layer(dims, y, w, options):
    full = {"bias": None, "groups": 1, "stride": 1, "padding": 0, "dilation": 1}
    full["output_padding"] = 0
    full.update(options)
    resolved = resolve_layer("transposed", y, w, dims=dims, **options)
    assert isinstance(resolved, TransposedLayer)
    assert resolved == transposed_layer(y, w, dims=dims, **full)


def test_options_left_at_their_default_are_accepted_by_every_kind():
    x, w = [1, 2, 3], [1, 1]
    plain = resolve_layer("vector", x, w)
    assert resolve_layer("vector", x, w, groups=1, bias=None, output_padding=0) == plain


def test_the_kinds_are_listed():
    assert list(KINDS) == ["vector", "image", "channels", "transposed"]


def raises(error, text):
    """pytest.raises matching ``text`` literally from the start of the message."""
    return pytest.raises(error, match="^" + re.escape(text))


BAD = [
    (
        lambda: resolve_layer("conv", [1, 2], [1]),
        ValueError,
        "kind 'conv' is not a kind of layer; use one of 'vector', 'image', 'channels', "
        "'transposed'",
    ),
    (
        lambda: resolve_layer("vector", [1, 2, 3], [1, 1], padding="middle"),
        ValueError,
        "1-D layer (vector input and kernel): padding 'middle' is not a padding word; use "
        "an integer >= 0, a pair (left, right), or one of 'valid', 'same', 'full'",
    ),
    (
        lambda: resolve_layer("vector", [1, 2, 3], [1, 1], output_padding=1),
        ValueError,
        "1-D layer (vector input and kernel): output_padding=1 is not an option of kind "
        "'vector', which takes stride, padding, dilation, flip, padding_mode",
    ),
    (
        lambda: resolve_layer("image", [[1, 2]], [[1]], groups=2),
        ValueError,
        "2-D layer (image input and kernel): groups=2 is not an option of kind 'image', "
        "which takes stride, padding, dilation, flip, padding_mode; groups and bias need a "
        "multi-channel kernel (kind 'channels')",
    ),
    (
        lambda: resolve_layer("vector", [1, 2, 3], [1, 1], strides=2),
        TypeError,
        "1-D layer (vector input and kernel): unknown option 'strides'; a layer takes "
        "stride, padding, dilation, flip, padding_mode, groups, bias, output_padding",
    ),
    (
        lambda: resolve_layer("vector", [1, 2, 3], [1, 1], flip=1),
        TypeError,
        "1-D layer (vector input and kernel): flip must be True or False, got 1",
    ),
    (
        lambda: resolve_layer("vector", [1, 2, 3], [1, 1], padding_mode="mirror"),
        ValueError,
        "1-D layer (vector input and kernel): padding_mode 'mirror' is not a padding mode",
    ),
    (
        lambda: resolve_layer("vector", [1, 2], [1, 1, 1]),
        ValueError,
        "1-D layer (vector input and kernel): kernel of size 3 with dilation 1 spans 3",
    ),
    (
        lambda: resolve_layer("image", [[1, 2], [3, 4]], [[1]], stride=(1, 2, 3)),
        ValueError,
        "2-D layer (image input and kernel): stride (1, 2, 3) must be an integer or a pair "
        "(height, width)",
    ),
    (
        lambda: resolve_layer("image", [[1, 2, 3]], [[1, 1]], padding="same", stride=2),
        ValueError,
        "2-D layer (image input and kernel): along the height axis: padding 'same' needs stride 1",
    ),
    (
        lambda: resolve_layer("vector", [1, 2], [1], dims=2),
        ValueError,
        "1-D layer (vector input and kernel): dims=2, but kind 'vector' fixes the spatial axes at 1",
    ),
    (
        lambda: resolve_layer("channels", *channel_operands((2, 4), (1, 2, 2)), dims=0),
        ValueError,
        "multi-channel layer: dims must be an integer >= 1 (the spatial axes), got 0",
    ),
    (
        lambda: resolve_layer("channels", *channel_operands((2, 4), (3, 1, 2)), groups=3),
        ValueError,
        "1-D multi-channel layer: groups=3 must divide the 2 input channels",
    ),
    (
        lambda: resolve_layer("channels", *channel_operands((2, 4), (1, 2, 2)), bias=[1, 2]),
        ValueError,
        "1-D multi-channel layer: bias",
    ),
    (
        lambda: resolve_layer("transposed", [1, 2], [1]),
        ValueError,
        "transposed layer: dims=None: a transposed layer needs its number of spatial axes",
    ),
    (
        lambda: resolve_layer("transposed", [1, 2], [1], dims=1, padding="same"),
        ValueError,
        "1-D transposed layer: padding 'same': a transposed convolution takes an integer or a pair",
    ),
    (
        lambda: resolve_layer("transposed", [1, 2], [1, 1], dims=1, flip=True),
        ValueError,
        "1-D transposed layer: flip=True is not an option of kind 'transposed', which "
        "takes stride, padding, dilation, groups, bias, output_padding",
    ),
]


@pytest.mark.parametrize(("call", "error", "message"), BAD)
def test_bad_options_name_the_layer_the_value_and_what_is_allowed(call, error, message):
    with raises(error, message):
        call()


def test_the_forward_layers_name_the_layer_once():
    with raises(ValueError, "1-D layer (vector input and kernel): padding 'middle'") as info:
        conv1d([1, 2, 3], [1, 1], padding="middle")
    assert str(info.value).count("layer") == 1
    with raises(ValueError, "2-D layer (image input and kernel): along the width axis"):
        conv2d([[1, 2]], [[1, 1, 1]])
    x, w = channel_operands((2, 4), (1, 2, 2))
    with raises(ValueError, "1-D multi-channel layer: stride must be"):
        conv1d(x, w, stride=0)


def test_the_forward_layers_resolve_each_kind():
    """The entry points hand each kind to its code: one channel, one channel with a bias,
    channels (a Matrix in 1-D, an Array in 2-D)."""
    a, b, c, u, v = sympy.symbols("a b c u v")
    assert conv1d([a, b, c], [u, v]) == Matrix([a * u + b * v, b * u + c * v])
    assert conv1d([a, b, c], [u, v], bias=[1]) == Matrix([a * u + b * v + 1, b * u + c * v + 1])
    assert conv1d(Matrix([[a, b, c]]), Array([[[u, v]]])) == Matrix(
        [[a * u + b * v, b * u + c * v]]
    )
    assert conv2d(Array([[[a, b]]]), Array([[[[u]]]])) == Array([[[a * u, b * u]]])
    assert conv2d([[a, b]], [[u]], bias=[c]) == Matrix([[a * u + c, b * u + c]])
