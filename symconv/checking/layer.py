"""The layer a user's code claims to implement, resolved once: layout, shapes and options.

Examples
========

>>> spec = layer_spec(x_shape=(1, 2, 6), w_shape=(3, 2, 3), padding=1)
>>> spec.describe()
'conv1d, layout NCL: x (1, 2, 6), w (3, 2, 3), b (3,), stride 1, padding 1'
>>> spec.out_channels, spec.kernel
(3, (3,))
>>> layer_spec(x_shape=(1, 2, 6), w_shape=(3, 1, 3))
Traceback (most recent call last):
...
ValueError: x has 2 channels (axis 1 of layout NCL) but w (3, 1, 3) reads 1 input channel per group with groups=1, which needs 1
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Padding names symconv's forward layers accept.
PADDING_NAMES = ("valid", "same", "full")


@dataclass(frozen=True)
class Layout:
    """How one layout orders the input's axes and the weights' axes.

    Channels-first layouts (``"NCL"``, ``"NCHW"``) use PyTorch's weights
    ``(out, in/groups, k...)`` (transposed: ``(in, out/groups, k...)``); channels-last
    layouts (``"NLC"``, ``"NHWC"``) use TensorFlow's ``(k..., in/groups, out)`` (transposed:
    ``(k..., out/groups, in)``, like ``tf.nn.conv2d_transpose``).
    """

    name: str
    spatial: int
    channels_last: bool
    input_axes: tuple[str, ...]
    weight_axes: tuple[str, ...]
    transposed_weight_axes: tuple[str, ...]

    @property
    def input_order(self) -> tuple[int, ...]:
        """The user's input axes in canonical order ``(sample, channel, spatial...)``."""
        if not self.channels_last:
            return tuple(range(self.spatial + 2))
        return (0, self.spatial + 1, *range(1, self.spatial + 1))

    @property
    def weight_order(self) -> tuple[int, ...]:
        """The user's weight axes in PyTorch's order ``(out or in, in or out, k...)``."""
        if not self.channels_last:
            return tuple(range(self.spatial + 2))
        return (self.spatial + 1, self.spatial, *range(self.spatial))

    @property
    def spatial_axes(self) -> tuple[int, ...]:
        """Positions of the spatial axes in the input (and output) of this layout."""
        return self.input_order[2:]

    @property
    def channel_axis(self) -> int:
        return self.input_order[1]


LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (
        Layout(
            "NCL",
            1,
            False,
            ("sample", "channel", "position"),
            ("output channel", "input channel", "kernel tap"),
            ("input channel", "output channel", "kernel tap"),
        ),
        Layout(
            "NLC",
            1,
            True,
            ("sample", "position", "channel"),
            ("kernel tap", "input channel", "output channel"),
            ("kernel tap", "output channel", "input channel"),
        ),
        Layout(
            "NCHW",
            2,
            False,
            ("sample", "channel", "row", "column"),
            ("output channel", "input channel", "kernel row", "kernel column"),
            ("input channel", "output channel", "kernel row", "kernel column"),
        ),
        Layout(
            "NHWC",
            2,
            True,
            ("sample", "row", "column", "channel"),
            ("kernel row", "kernel column", "input channel", "output channel"),
            ("kernel row", "kernel column", "output channel", "input channel"),
        ),
    )
}


@dataclass(frozen=True)
class LayerSpec:
    """A convolution layer, validated: what the user's code must compute."""

    layout: Layout
    x_shape: tuple[int, ...]
    w_shape: tuple[int, ...]
    bias: bool
    stride: int | tuple[int, ...]
    padding: Any
    dilation: int | tuple[int, ...]
    groups: int
    flip: bool
    transposed: bool
    output_padding: int | tuple[int, ...]

    @property
    def canonical_w_shape(self) -> tuple[int, ...]:
        return tuple(self.w_shape[axis] for axis in self.layout.weight_order)

    @property
    def in_channels(self) -> int:
        return self.x_shape[self.layout.channel_axis]

    @property
    def out_channels(self) -> int:
        first, second = self.canonical_w_shape[:2]
        return second * self.groups if self.transposed else first

    @property
    def kernel(self) -> tuple[int, ...]:
        return self.canonical_w_shape[2:]

    @property
    def weight_axes(self) -> tuple[str, ...]:
        layout = self.layout
        return layout.transposed_weight_axes if self.transposed else layout.weight_axes

    def axis_names(self, array: str) -> tuple[str, ...]:
        """Names of the axes of ``x``, ``w``, ``b`` or an output-shaped array (``y``, ``g``)."""
        if array == "w":
            return self.weight_axes
        if array == "b":
            return ("channel",)
        return self.layout.input_axes

    def padding_before(self) -> tuple[int, ...] | None:
        """Zeros in front of each spatial axis, or None for a named padding."""
        p = self.padding
        if isinstance(p, str):
            return None
        if isinstance(p, int):
            return (p,) * self.layout.spatial
        if self.layout.spatial == 1:
            return (p[0],)
        return tuple(a if isinstance(a, int) else a[0] for a in p)

    def per_axis(self, value: int | tuple[int, ...]) -> tuple[int, ...]:
        return (value,) * self.layout.spatial if isinstance(value, int) else value

    def options(self) -> dict[str, Any]:
        """Keyword arguments for symconv's layer function of one sample."""

        def plain(value: Any) -> Any:
            return value[0] if isinstance(value, tuple) and len(value) == 1 else value

        options: dict[str, Any] = {
            "groups": self.groups,
            "stride": plain(self.stride),
            "padding": self.padding,
            "dilation": plain(self.dilation),
        }
        if self.transposed:
            options["output_padding"] = plain(self.output_padding)
        else:
            options["flip"] = self.flip
        return options

    def describe(self) -> str:
        kind = f"conv{'_transpose' if self.transposed else ''}{self.layout.spatial}d"
        parts = [f"x {self.x_shape}", f"w {self.w_shape}"]
        if self.bias:
            parts.append(f"b ({self.out_channels},)")
        parts += [f"stride {_show(self.stride)}", f"padding {_show(self.padding)}"]
        if self.dilation != 1:
            parts.append(f"dilation {_show(self.dilation)}")
        if self.groups != 1:
            parts.append(f"groups {self.groups}")
        if self.transposed and self.output_padding != 0:
            parts.append(f"output padding {_show(self.output_padding)}")
        if self.flip:
            parts.append("flipped kernel (true convolution)")
        return f"{kind}, layout {self.layout.name}: {', '.join(parts)}"


def _show(value: Any) -> str:
    return str(value) if not isinstance(value, str) else repr(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def _shape(name: str, value: Any, axes: tuple[str, ...], layout: str) -> tuple[int, ...]:
    if (
        not isinstance(value, (tuple, list))
        or len(value) != len(axes)
        or not all(_is_int(n) and n >= 1 for n in value)
    ):
        raise ValueError(
            f"{name}={value!r} is not a shape for layout {layout}: give {len(axes)} positive "
            f"integers ({', '.join(axes)})"
        )
    return tuple(value)


def _per_axis(name: str, value: Any, spatial: int, minimum: int) -> int | tuple[int, ...]:
    if _is_int(value) and value >= minimum:
        return int(value)
    if (
        isinstance(value, (tuple, list))
        and len(value) == spatial
        and all(_is_int(v) and v >= minimum for v in value)
    ):
        return tuple(value)
    raise ValueError(
        f"{name}={value!r}: give an integer >= {minimum} or {spatial} of them (one per spatial axis)"
    )


def _padding(value: Any, spatial: int, transposed: bool) -> Any:
    def pair(v: Any) -> bool:
        return (
            isinstance(v, (tuple, list)) and len(v) == 2 and all(_is_int(p) and p >= 0 for p in v)
        )

    if _is_int(value) and value >= 0:
        return int(value)
    if isinstance(value, str) and value in PADDING_NAMES and not transposed:
        return value
    if spatial == 1 and pair(value):
        return tuple(value)
    if (
        spatial == 2
        and isinstance(value, (tuple, list))
        and len(value) == 2
        and all((_is_int(v) and v >= 0) or pair(v) for v in value)
    ):
        return tuple(v if _is_int(v) else tuple(v) for v in value)
    names = "" if transposed else ", " + ", ".join(repr(n) for n in PADDING_NAMES)
    shapes = "(left, right)" if spatial == 1 else "one per axis, each an int or (before, after)"
    raise ValueError(f"padding={value!r}: give an integer >= 0, {shapes}{names}")


def layer_spec(
    *,
    x_shape: Any,
    w_shape: Any,
    bias: Any = True,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: Any = 1,
    layout: Any = None,
    flip: Any = False,
    transposed: Any = False,
    output_padding: Any = 0,
) -> LayerSpec:
    """Validate a layer's options once; every check of a user's code starts here.

    ``layout=None`` picks ``"NCL"`` for a rank-3 ``x_shape`` and ``"NCHW"`` for rank 4.

    >>> layer_spec(x_shape=(2, 8, 8, 3), w_shape=(3, 3, 3, 4), layout="NHWC").out_channels
    4
    >>> layer_spec(x_shape=(1, 2, 6), w_shape=(3, 2, 3), layout="NWC")
    Traceback (most recent call last):
    ...
    ValueError: layout='NWC' is not one of 'NCL', 'NLC', 'NCHW', 'NHWC'
    """
    if layout is None:
        rank = len(x_shape) if isinstance(x_shape, (tuple, list)) else 0
        layout = {3: "NCL", 4: "NCHW"}.get(rank)
        if layout is None:
            raise ValueError(
                f"x_shape={x_shape!r}: give 3 positive integers (N, C, L) or 4 (N, C, H, W)"
            )
    if not isinstance(layout, str) or layout not in LAYOUTS:
        raise ValueError(f"layout={layout!r} is not one of {', '.join(repr(n) for n in LAYOUTS)}")
    lay = LAYOUTS[layout]
    transposed = _flag("transposed", transposed)
    flip = _flag("flip", flip)
    if flip and transposed:
        raise ValueError("flip=True applies to a forward convolution, not transposed=True")
    weight_axes = lay.transposed_weight_axes if transposed else lay.weight_axes
    x = _shape("x_shape", x_shape, lay.input_axes, layout)
    w = _shape("w_shape", w_shape, weight_axes, layout)
    if not _is_int(groups) or groups < 1:
        raise ValueError(f"groups={groups!r}: give an integer >= 1")
    out_padding = _per_axis("output_padding", output_padding, lay.spatial, 0)
    if not transposed and out_padding not in (0, (0,) * lay.spatial):
        raise ValueError(f"output_padding={output_padding!r} applies only with transposed=True")
    spec = LayerSpec(
        layout=lay,
        x_shape=x,
        w_shape=w,
        bias=_flag("bias", bias),
        stride=_per_axis("stride", stride, lay.spatial, 1),
        padding=_padding(padding, lay.spatial, transposed),
        dilation=_per_axis("dilation", dilation, lay.spatial, 1),
        groups=groups,
        flip=flip,
        transposed=transposed,
        output_padding=out_padding,
    )
    _check_channels(spec)
    return spec


def _check_channels(spec: LayerSpec) -> None:
    channels, groups = spec.in_channels, spec.groups
    first, second = spec.canonical_w_shape[:2]
    where = f"axis {spec.layout.channel_axis} of layout {spec.layout.name}"
    if spec.transposed:
        if first != channels:
            raise ValueError(
                f"x has {channels} channels ({where}) but w {spec.w_shape} is made for {first} "
                f"input channels"
            )
        if channels % groups:
            raise ValueError(f"groups={groups} must divide the {channels} input channels")
        return
    if second * groups != channels:
        raise ValueError(
            f"x has {channels} channels ({where}) but w {spec.w_shape} reads {second} input "
            f"channel{'s' if second != 1 else ''} per group with groups={groups}, which needs "
            f"{second * groups}"
        )
    if first % groups:
        raise ValueError(f"groups={groups} must divide the {first} output channels of w")
