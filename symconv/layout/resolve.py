"""One entry point from a layer's options to the resolved layout the operations read.

A layer is one of a few kinds (:data:`KINDS`): a single-channel 1-D layer on a vector, a
single-channel 2-D layer on an image, a multi-channel layer of any number of spatial axes
(one sample or a batch), and a transposed layer. Each kind has its resolver, which
validates every option once; :func:`resolve_layer` picks it, refuses the options the kind
does not take, and names the layer in any error (one ``try``, as ``einops.reduce`` adds
the pattern to its errors).

Examples
========

>>> from symconv.layout.resolve import resolve_layer
>>> resolve_layer("vector", [1, 2, 3, 4], [5, 6, 7], padding="full").padding_pair
(2, 2)
>>> resolve_layer("image", [[1, 2, 3, 4], [5, 6, 7, 8]], [[1, 1]], stride=(1, 2)).output_shape
(2, 2)
>>> resolve_layer("vector", [1, 2, 3], [1, 1], padding="middle")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: 1-D layer (vector input and kernel): padding 'middle' is not a padding word; ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, overload

from symconv.core.images import as_image
from symconv.core.tensors import rank_of
from symconv.core.vectors import as_vector
from symconv.layout.axis import ConvSettings, conv_settings
from symconv.layout.channels import ChannelLayer, channel_layer
from symconv.layout.grid import ConvSettings2D, settings2d
from symconv.layout.transposed import TransposedLayer, transposed_layer

#: What a resolved layer is: per-axis settings, or a channel or transposed layer that
#: holds its layout (:attr:`ChannelLayer.layout`, :attr:`TransposedLayer.forward_layout`).
Resolved = ConvSettings | ConvSettings2D | ChannelLayer | TransposedLayer

#: Every option a layer may take, with the value that means "not asked for".
DEFAULTS: dict[str, object] = {
    "stride": 1,
    "padding": 0,
    "dilation": 1,
    "flip": False,
    "padding_mode": "zeros",
    "groups": 1,
    "bias": None,
    "output_padding": 0,
}


def vector_layer(x: object, w: object, dims: int, options: dict[str, Any]) -> ConvSettings:
    xs, ws = as_vector(x, "input x"), as_vector(w, "kernel w")
    return conv_settings(len(ws), len(xs), **options)


def image_layer(x: object, k: object, dims: int, options: dict[str, Any]) -> ConvSettings2D:
    image, kernel = as_image(x, "image x"), as_image(k, "kernel k")
    return settings2d(kernel.shape, image.shape, **options)


def channels_layer(x: object, w: object, dims: int, options: dict[str, Any]) -> ChannelLayer:
    return channel_layer(x, w, dims=dims, **options)


def transposed_kind(y: object, w: object, dims: int, options: dict[str, Any]) -> TransposedLayer:
    return transposed_layer(y, w, dims=dims, **options)


@dataclass(frozen=True)
class Kind:
    """A kind of layer: its name in errors (``{dims}`` the spatial axes), the options it
    takes and its resolver."""

    name: str
    options: tuple[str, ...]
    resolve: Callable[[object, object, int, dict[str, Any]], Resolved]
    dims: int | None = None  # fixed number of spatial axes, or None: given or read off w

    def named(self, dims: int | None) -> str:
        return self.name.format(dims=f"{dims}-D " if dims is not None else "")


SPATIAL = ("stride", "padding", "dilation", "flip", "padding_mode")

#: The kinds of layer, as data. Each resolver is the one the operations called before
#: (:func:`~symconv.layout.axis.conv_settings`, :func:`~symconv.layout.grid.settings2d`,
#: :func:`~symconv.layout.channels.channel_layer`,
#: :func:`~symconv.layout.transposed.transposed_layer`), so validation stays in one place.
KINDS: dict[str, Kind] = {
    "vector": Kind("1-D layer (vector input and kernel)", SPATIAL, vector_layer, 1),
    "image": Kind("2-D layer (image input and kernel)", SPATIAL, image_layer, 2),
    "channels": Kind("{dims}multi-channel layer", (*SPATIAL, "groups", "bias"), channels_layer),
    "transposed": Kind(
        "{dims}transposed layer",
        # padding_mode is taken so that transposed_layer refuses it as PyTorch does.
        ("stride", "padding", "dilation", "groups", "bias", "output_padding", "padding_mode"),
        transposed_kind,
    ),
}


def layer_dims(kind: str, w: object, dims: object) -> int:
    """The number of spatial axes: fixed by the kind, given, or a channel kernel's
    rank - 2."""
    fixed = KINDS[kind].dims
    if dims is None:
        if fixed is not None:
            return fixed
        if kind == "transposed":
            raise ValueError("dims=None: a transposed layer needs its number of spatial axes")
        return max(rank_of(w) - 2, 1)
    if isinstance(dims, bool) or not isinstance(dims, int) or dims < 1:
        raise ValueError(f"dims must be an integer >= 1 (the spatial axes), got {dims!r}")
    if fixed is not None and dims != fixed:
        raise ValueError(f"dims={dims}, but kind {kind!r} fixes the spatial axes at {fixed}")
    return dims


def at_default(value: object, default: object) -> bool:
    return value is default or (type(value) is type(default) and value == default)


def kind_options(kind: str, given: dict[str, object]) -> dict[str, object]:
    """Every option the kind takes, as given or at its default. An unknown option is a
    ``TypeError``; one the kind does not take is refused unless left at its default."""
    allowed = KINDS[kind].options
    for option, value in given.items():
        if option not in DEFAULTS:
            raise TypeError(f"unknown option {option!r}; a layer takes {', '.join(DEFAULTS)}")
        if option in allowed or at_default(value, DEFAULTS[option]):
            continue
        hint = ""
        if option in ("groups", "bias"):
            hint = "; groups and bias need a multi-channel kernel (kind 'channels')"
        raise ValueError(
            f"{option}={value!r} is not an option of kind {kind!r}, which takes "
            f"{', '.join(allowed)}{hint}"
        )
    return {option: given.get(option, DEFAULTS[option]) for option in allowed}


@overload
def resolve_layer(
    kind: Literal["vector"], x: object, w: object, *, dims: int | None = ..., **options: object
) -> ConvSettings: ...


@overload
def resolve_layer(
    kind: Literal["image"], x: object, w: object, *, dims: int | None = ..., **options: object
) -> ConvSettings2D: ...


@overload
def resolve_layer(
    kind: Literal["channels"], x: object, w: object, *, dims: int | None = ..., **options: object
) -> ChannelLayer: ...


@overload
def resolve_layer(
    kind: Literal["transposed"], x: object, w: object, *, dims: int | None = ..., **options: object
) -> TransposedLayer: ...


@overload
def resolve_layer(
    kind: str, x: object, w: object, *, dims: int | None = ..., **options: object
) -> Resolved: ...


def resolve_layer(
    kind: str, x: object, w: object, *, dims: int | None = None, **options: object
) -> Resolved:
    """Validate every option of a ``kind`` layer on input ``x`` and kernel ``w`` once, and
    return the resolved layout the operations read.

    ``kind`` is one of :data:`KINDS`:

    * ``"vector"``: x and w vectors; a :class:`~symconv.layout.axis.ConvSettings`;
    * ``"image"``: x and k matrices; a :class:`~symconv.layout.grid.ConvSettings2D`;
    * ``"channels"``: x ``(C_in, ...)`` or a batch ``(N, C_in, ...)``, w
      ``(C_out, C_in/groups, ...)``, ``dims`` spatial axes (default: w's rank - 2); a
      :class:`~symconv.layout.channels.ChannelLayer`, whose ``layout`` is the
      :class:`~symconv.layout.channels.ChannelLayout` and ``layout.spatial`` a
      ``ConvSettings`` (1-D) or :class:`~symconv.layout.grid.ConvSettingsND`;
    * ``"transposed"``: y and w as :func:`symconv.conv_transposend` reads them, ``dims``
      given; a :class:`~symconv.layout.transposed.TransposedLayer`.

    Options (:data:`DEFAULTS`): ``stride``, ``padding`` (an int, a pair, a padding word,
    or one per axis), ``dilation``, ``flip``, ``padding_mode``, ``groups``, ``bias`` and
    ``output_padding``; one the kind does not take is refused unless left at its
    default. Every ``ValueError``/``TypeError`` names the kind of layer first.

    >>> from sympy import Array
    >>> layer = resolve_layer("channels", Array([[1, 2, 3], [4, 5, 6]]),
    ...                       Array([[[1, 1], [0, 1]]]), bias=[10])
    >>> layer.output_shape, layer.layout.groups
    ((1, 2), 1)
    >>> resolve_layer("vector", [1, 2, 3], [1, 1], groups=2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: 1-D layer (vector input and kernel): groups=2 is not an option of kind 'vector', ...
    """
    if kind not in KINDS:
        raise ValueError(
            f"kind {kind!r} is not a kind of layer; use one of {', '.join(map(repr, KINDS))}"
        )
    # The one place that adds the layer to an error (einops' reduce does so with its
    # pattern): the resolvers below say what is wrong, this says where.
    name = KINDS[kind].named(None)
    try:
        n = layer_dims(kind, w, dims)
        name = KINDS[kind].named(n)
        return KINDS[kind].resolve(x, w, n, kind_options(kind, options))
    except (ValueError, TypeError) as error:
        if type(error) not in (ValueError, TypeError):
            raise  # a subclass may take other arguments; it keeps its own message
        raise type(error)(f"{name}: {error}") from error
