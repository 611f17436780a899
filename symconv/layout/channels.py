"""Channels and groups as a layout: the multi-channel layer flattened channel-major.

Output channel ``o`` reads the ``C_in/groups`` input channels of its group
``o // (C_out/groups)``; flattened, the layer is a 1-D layout once more.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sympy import Expr

from symconv.core.numbers import as_int
from symconv.core.tensors import as_bias, as_tensor
from symconv.layout.axis import ConvSettings, Layout, conv_settings
from symconv.layout.grid import ConvSettings2D, settings2d

Spatial = ConvSettings | ConvSettings2D


@dataclass(frozen=True)
class ChannelLayout:
    """A multi-channel layer flattened channel-major, with the interface the 1-D stages
    read (``output_length``, ``input_length``, ``kernel_size``, ``flip``, ``taps``).

    Output ``(o, p)`` is flat ``o*P + p``, input ``(c, q)`` is ``c*Q + q`` and weight
    ``(o, c', k)`` is ``(o*C_in/groups + c')*K + k``, with P, Q, K the spatial output,
    input and kernel sizes (flattened row-major in 2-D).

    >>> s = ChannelLayout(conv_settings(2, 3), in_channels=2, out_channels=1, groups=1)
    >>> s.output_length, s.input_length, s.kernel_size, s.taps(1)
    (2, 6, 4, [(0, 1), (1, 2), (2, 4), (3, 5)])
    """

    spatial: Spatial
    in_channels: int
    out_channels: int
    groups: int

    @property
    def group_in(self) -> int:
        """Input channels each output channel reads: ``C_in / groups``."""
        return self.in_channels // self.groups

    @property
    def group_out(self) -> int:
        return self.out_channels // self.groups

    def group_of(self, o: int) -> int:
        return o // self.group_out

    @property
    def output_length(self) -> int:
        return self.out_channels * self.spatial.output_length

    @property
    def input_length(self) -> int:
        return self.in_channels * self.spatial.input_length

    @property
    def kernel_size(self) -> int:
        return self.out_channels * self.group_in * self.spatial.kernel_size

    @property
    def flip(self) -> bool:
        return self.spatial.flip

    @cached_property
    def flat_taps(self) -> list[list[tuple[int, int]]]:
        k_size, q_size = self.spatial.kernel_size, self.spatial.input_length
        spatial_taps = [self.spatial.taps(p) for p in range(self.spatial.output_length)]
        taps = []
        for o in range(self.out_channels):
            first = self.group_of(o) * self.group_in
            for along in spatial_taps:
                taps.append(
                    [
                        ((o * self.group_in + c) * k_size + k, (first + c) * q_size + j)
                        for c in range(self.group_in)
                        for k, j in along
                    ]
                )
        return taps

    def taps(self, o: int) -> list[tuple[int, int]]:
        return self.flat_taps[o]


def flat(layout: ChannelLayout) -> Layout:
    """``layout`` handed to a 1-D stage, which reads only its flat
    :class:`~symconv.settings.Layout`."""
    return layout


@dataclass(frozen=True)
class ChannelLayer:
    """A resolved multi-channel layer: flat entries, shapes and the layout."""

    layout: ChannelLayout
    x: list[Expr]
    w: list[Expr]
    bias: list[Expr] | None
    input_shape: tuple[int, ...]
    kernel_shape: tuple[int, ...]

    @property
    def dims(self) -> int:
        return len(self.input_shape) - 1

    @property
    def output_shape(self) -> tuple[int, ...]:
        s = self.layout.spatial
        spatial = s.output_shape if isinstance(s, ConvSettings2D) else (s.output_length,)
        return (self.layout.out_channels,) + spatial

    def describe(self) -> str:
        s = self.layout
        return (
            f"{s.in_channels} -> {s.out_channels} channels in {s.groups} group(s), "
            f"input {self.input_shape}, kernel {self.kernel_shape}, output {self.output_shape}"
            + (", with bias" if self.bias is not None else "")
        )


def channel_layer(
    x: object,
    w: object,
    *,
    bias: object,
    groups: object,
    dims: int,
    stride: object,
    padding: object,
    dilation: object,
    flip: object,
) -> ChannelLayer:
    """Validate a ``dims``-D multi-channel layer and resolve it.

    Channel counts and groups are checked before the spatial settings, so a wrong count
    is reported as such.
    """
    x_shape, x_entries = as_tensor(x, dims + 1, "input x")
    w_shape, w_entries = as_tensor(w, dims + 2, "kernel w")
    groups = as_int(groups, "groups", 1)
    c_in, c_out, per_group = x_shape[0], w_shape[0], w_shape[1]
    if c_in % groups:
        raise ValueError(f"groups={groups} must divide the {c_in} input channels")
    if c_out % groups:
        raise ValueError(
            f"groups={groups} must divide the {c_out} output channels (the kernel's first axis)"
        )
    if per_group != c_in // groups:
        raise ValueError(
            f"kernel w has shape {w_shape}: {per_group} input channels per group, but the "
            f"input has {c_in} channels in {groups} group(s), so it needs {c_in // groups}"
        )
    spatial: Spatial
    if dims == 1:
        spatial = conv_settings(
            w_shape[2], x_shape[1], stride=stride, padding=padding, dilation=dilation, flip=flip
        )
    else:
        spatial = settings2d(
            (w_shape[2], w_shape[3]),
            (x_shape[1], x_shape[2]),
            stride=stride,
            padding=padding,
            dilation=dilation,
            flip=flip,
        )
    layout = ChannelLayout(spatial, c_in, c_out, groups)
    return ChannelLayer(layout, x_entries, w_entries, as_bias(bias, c_out), x_shape, w_shape)
