"""Channels and groups as a layout: the multi-channel layer flattened channel-major.

Output channel ``o`` reads the ``C_in/groups`` input channels of its group
``o // (C_out/groups)``; flattened, the layer is a 1-D layout once more. A batch of
samples (PyTorch's leading ``N`` axis) is the same layout repeated down the diagonal,
with the one kernel tied across samples as across positions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sympy import Expr

from symconv.core.numbers import as_int
from symconv.core.tensors import as_bias, as_tensor, rank_of
from symconv.layout.axis import ConvSettings, Layout, conv_settings
from symconv.layout.grid import ConvSettingsND, settings_nd

Spatial = ConvSettings | ConvSettingsND


@dataclass(frozen=True)
class ChannelLayout:
    """A multi-channel layer flattened channel-major, with the interface the 1-D stages
    read (``output_length``, ``input_length``, ``kernel_size``, ``flip``, ``taps``).

    Output ``(o, p)`` is flat ``o*P + p``, input ``(c, q)`` is ``c*Q + q`` and weight
    ``(o, c', k)`` is ``(o*C_in/groups + c')*K + k``, with P, Q, K the spatial output,
    input and kernel sizes (flattened row-major in N-D). With ``batch`` samples
    (0: unbatched), sample ``n``'s output and input follow at offsets
    ``n*C_out*P`` and ``n*C_in*Q``; the weights are the same for every sample.

    >>> s = ChannelLayout(conv_settings(2, 3), in_channels=2, out_channels=1, groups=1)
    >>> s.output_length, s.input_length, s.kernel_size, s.taps(1)
    (2, 6, 4, [(0, 1), (1, 2), (2, 4), (3, 5)])
    >>> ChannelLayout(conv_settings(2, 3), 1, 1, 1, batch=2).taps(3)
    [(0, 4), (1, 5)]
    """

    spatial: Spatial
    in_channels: int
    out_channels: int
    groups: int
    batch: int = 0

    @property
    def samples(self) -> int:
        """How many samples the flat layout holds (1 when unbatched)."""
        return max(self.batch, 1)

    @property
    def sample_output_length(self) -> int:
        return self.out_channels * self.spatial.output_length

    @property
    def sample_input_length(self) -> int:
        return self.in_channels * self.spatial.input_length

    def channel_of_output(self, n: int) -> int:
        """The output channel of flat output ``n`` (whose bias it adds)."""
        return n // self.spatial.output_length % self.out_channels

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
        return self.samples * self.sample_output_length

    @property
    def input_length(self) -> int:
        return self.samples * self.sample_input_length

    @property
    def kernel_size(self) -> int:
        return self.out_channels * self.group_in * self.spatial.kernel_size

    @property
    def flip(self) -> bool:
        return self.spatial.flip

    @property
    def padding_mode(self) -> str:
        return self.spatial.padding_mode

    @property
    def folds(self) -> bool:
        """Whether a window may read one input twice (a padding mode repeats inputs), so
        an entry of the block matrix may hold a sum of weights (each channel is padded by
        the mode on its own: a fold never crosses channels)."""
        return self.spatial.folds

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
        if self.batch:
            # The same windows in every sample, offset by the sample's inputs: the
            # kernel's indices do not move, so its weights are tied across the batch.
            q_all = self.sample_input_length
            taps = [[(k, n * q_all + j) for k, j in one] for n in range(self.batch) for one in taps]
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
        return len(self.kernel_shape) - 2

    @property
    def batched(self) -> bool:
        return bool(self.layout.batch)

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """One sample's input shape ``(C_in, ...)``."""
        return self.input_shape[1:] if self.batched else self.input_shape

    @property
    def output_shape(self) -> tuple[int, ...]:
        s = self.layout.spatial
        spatial = s.output_shape if isinstance(s, ConvSettingsND) else (s.output_length,)
        batch = (self.layout.batch,) if self.batched else ()
        return batch + (self.layout.out_channels,) + spatial

    def describe(self) -> str:
        s = self.layout
        return (
            f"{s.in_channels} -> {s.out_channels} channels in {s.groups} group(s), "
            f"input {self.input_shape}, kernel {self.kernel_shape}, output {self.output_shape}"
            + (", with bias" if self.bias is not None else "")
            + (f", {s.padding_mode} padding" if s.padding_mode != "zeros" else "")
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
    padding_mode: object = "zeros",
) -> ChannelLayer:
    """Validate a ``dims``-D multi-channel layer and resolve it.

    x is one sample ``(C_in, ...)`` (rank ``dims + 1``) or a batch ``(N, C_in, ...)``
    (rank ``dims + 2``, PyTorch's layout). Channel counts and groups are checked before
    the spatial settings, so a wrong count is reported as such. ``padding_mode`` pads
    every channel of every sample by the mode on each spatial axis, as ``nn.Conv{N}d``.
    """
    batched = rank_of(x) == dims + 2
    x_shape, x_entries = as_tensor(x, dims + 2 if batched else dims + 1, "input x")
    w_shape, w_entries = as_tensor(w, dims + 2, "kernel w")
    groups = as_int(groups, "groups", 1)
    sample = x_shape[1:] if batched else x_shape
    c_in, c_out, per_group = sample[0], w_shape[0], w_shape[1]
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
            w_shape[2],
            sample[1],
            stride=stride,
            padding=padding,
            dilation=dilation,
            flip=flip,
            padding_mode=padding_mode,
        )
    else:
        spatial = settings_nd(
            w_shape[2:],
            sample[1:],
            stride=stride,
            padding=padding,
            dilation=dilation,
            flip=flip,
            padding_mode=padding_mode,
        )
    layout = ChannelLayout(spatial, c_in, c_out, groups, x_shape[0] if batched else 0)
    return ChannelLayer(layout, x_entries, w_entries, as_bias(bias, c_out), x_shape, w_shape)
