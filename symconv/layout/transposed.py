"""A transposed convolution's layout: the forward layer's axes, read backwards.

The transposed layer of output shape ``L`` is the transpose of the forward layer with the
same stride, padding and dilation on inputs of length ``L``; resolving it once gives
that forward layout (:attr:`TransposedLayer.forward_layout`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sympy import Expr

from symconv.core.images import as_image
from symconv.core.numbers import as_int
from symconv.core.tensors import as_bias, as_tensor, rank_of
from symconv.core.vectors import as_vector
from symconv.layout.axis import ConvSettings, conv_settings
from symconv.layout.channels import ChannelLayout
from symconv.layout.grid import ConvSettingsND, axis_names, per_axis


def transposed_axis(
    in_length: int,
    kernel_size: int,
    *,
    stride: object,
    padding: object,
    output_padding: object,
    dilation: object,
) -> ConvSettings:
    """The forward convolution whose transpose this axis is, on the output length
    ``(L_in - 1)*s - left - right + d*(K - 1) + output_padding + 1``.

    >>> transposed_axis(3, 2, stride=2, padding=0, output_padding=1, dilation=1).input_length
    7
    """
    s = as_int(stride, "stride", 1)
    d = as_int(dilation, "dilation", 1)
    extra = as_int(output_padding, "output_padding", 0)
    if isinstance(padding, str):
        raise ValueError(
            f"padding {padding!r}: a transposed convolution takes an integer or a pair "
            "(left, right) of integers >= 0, not a padding word"
        )
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2:
            raise ValueError(f"padding {padding!r} must be an integer or a pair (left, right)")
        left, right = as_int(padding[0], "left padding", 0), as_int(padding[1], "right padding", 0)
    else:
        left = right = as_int(padding, "padding", 0)
    if extra >= s and extra >= d:
        raise ValueError(
            f"output_padding {extra} must be smaller than the stride {s} or the dilation "
            f"{d} (PyTorch's rule): a larger one would add outputs no input reaches"
        )
    length = (in_length - 1) * s - left - right + d * (kernel_size - 1) + extra + 1
    if length < 1:
        raise ValueError(
            f"the transposed convolution has output length {length} (input {in_length}, "
            f"kernel {kernel_size}, stride {s}, padding ({left}, {right}), dilation {d}, "
            f"output_padding {extra}); use less padding"
        )
    return conv_settings(kernel_size, length, stride=s, padding=(left, right), dilation=d)


@dataclass(frozen=True)
class TransposedLayer:
    """A resolved transposed convolution: the forward axes and flat entries."""

    axes: tuple[ConvSettings, ...]
    extras: tuple[int, ...]  # forward outputs past y's end per axis (output_padding >= s)
    y: list[Expr]
    w: list[Expr]
    bias: list[Expr] | None
    in_channels: int
    out_channels: int
    groups: int
    channels: bool  # False: a single-channel call, shaped without a channel axis
    batch: int = 0  # samples of a batch (B, C_in, ...); 0: one sample

    @property
    def samples(self) -> int:
        return max(self.batch, 1)

    @property
    def in_shape(self) -> tuple[int, ...]:
        """Spatial shape of y; the forward layer's outputs number at least this many."""
        return tuple(axis.output_length - e for axis, e in zip(self.axes, self.extras, strict=True))

    @property
    def out_shape(self) -> tuple[int, ...]:
        return tuple(axis.input_length for axis in self.axes)

    @property
    def kernel_shape(self) -> tuple[int, ...]:
        return tuple(axis.kernel_size for axis in self.axes)

    @property
    def spatial(self) -> ConvSettings | ConvSettingsND:
        if len(self.axes) == 1:
            return self.axes[0]
        return ConvSettingsND.of(self.axes)

    @property
    def forward_layout(self) -> ChannelLayout:
        """The forward layer ``C``: from the transposed layer's outputs to its inputs."""
        return ChannelLayout(
            self.spatial, self.out_channels, self.in_channels, self.groups, self.batch
        )

    def result_shape(self) -> tuple[int, ...]:
        if self.channels:
            return (self.batch,) * bool(self.batch) + (self.out_channels,) + self.out_shape
        return self.out_shape if len(self.axes) == 2 else (self.out_shape[0], 1)

    def describe(self) -> str:
        def per_axis(values: list[Any]) -> str:
            return str(values[0]) if len(values) == 1 else str(tuple(values))

        a = self.axes
        text = (
            f"y of shape {self.in_shape} with kernel {self.kernel_shape} (stride "
            f"{per_axis([x.stride for x in a])}, padding {per_axis([x.padding_pair for x in a])}, "
            f"dilation {per_axis([x.dilation for x in a])}) -> output {self.out_shape}"
        )
        if self.channels:
            text += (
                f"; {self.in_channels} -> {self.out_channels} channels in {self.groups} group(s)"
            )
        return text


def transposed_layer(
    y: object,
    w: object,
    *,
    dims: int,
    bias: object,
    groups: object,
    stride: object,
    padding: object,
    output_padding: object,
    dilation: object,
    padding_mode: object = "zeros",
) -> TransposedLayer:
    """Read y and w (single channel in 1-D and 2-D, or PyTorch's
    ``(C_in, C_out/groups, ...)`` kernel for any ``dims``, with y one sample
    ``(C_in, ...)`` or a batch ``(B, C_in, ...)``), validate, and resolve each axis.

    ``padding_mode`` must be ``"zeros"``: PyTorch's ``nn.ConvTranspose{N}d`` refuses the
    others (``padding`` there crops the output, there is no padded input to read).

    >>> transposed_layer([1], [1], dims=1, bias=None, groups=1, stride=1, padding=0,
    ...                  output_padding=0, dilation=1, padding_mode="reflect")
    Traceback (most recent call last):
    ...
    ValueError: Only "zeros" padding mode is supported for ConvTranspose1d; got padding_mode 'reflect'
    """
    if padding_mode != "zeros":
        raise ValueError(
            f'Only "zeros" padding mode is supported for ConvTranspose{dims}d; '
            f"got padding_mode {padding_mode!r}"
        )
    channels = rank_of(w) == dims + 2
    batched = channels and rank_of(y) == dims + 2
    batch = 0
    if channels:
        y_shape, y_entries = as_tensor(y, dims + 2 if batched else dims + 1, "input y")
        if batched:
            batch, y_shape = y_shape[0], y_shape[1:]
        w_shape, w_entries = as_tensor(w, dims + 2, "kernel w")
        groups = as_int(groups, "groups", 1)
        c_in = y_shape[0]
        if w_shape[0] != c_in:
            raise ValueError(
                f"kernel w has shape {w_shape}: its first axis must be the {c_in} input "
                "channels of y (PyTorch's (C_in, C_out/groups, ...) layout)"
            )
        if c_in % groups:
            raise ValueError(f"groups={groups} must divide the {c_in} input channels")
        c_out = w_shape[1] * groups
        spatial_in, kernel = y_shape[1:], w_shape[2:]
        biases = as_bias(bias, c_out)
    else:
        groups = as_int(groups, "groups", 1)
        if groups != 1:
            raise ValueError(
                f"groups={groups} needs a multi-channel kernel of rank {dims + 2} "
                "(C_in, C_out/groups, ...); a single-channel kernel has one group"
            )
        if dims > 2:
            raise ValueError(
                f"a {dims}-D transposed convolution needs a rank-{dims + 2} kernel "
                f"(C_in, C_out/groups, ...) and a rank-{dims + 1} input (C_in, ...); "
                f"got a kernel of rank {rank_of(w)}"
            )
        if dims == 1:
            ys, ws = as_vector(y, "input y"), as_vector(w, "kernel w")
            spatial_in, kernel = (len(ys),), (len(ws),)
        else:
            ys, ws = as_image(y, "input y"), as_image(w, "kernel w")
            spatial_in, kernel = ys.shape, ws.shape
        y_entries, w_entries = list(ys), list(ws)
        c_in = c_out = 1
        biases = as_bias(bias, 1)
    requested = {"stride": stride, "padding": padding, "output_padding": output_padding}
    requested["dilation"] = dilation
    # One axis takes its value whole (a padding pair is (left, right) there).
    values = {
        key: per_axis(value, dims, key) if dims > 1 else (value,)
        for key, value in requested.items()
    }
    axes = []
    for n, name in enumerate(axis_names(dims)):
        try:
            axes.append(
                transposed_axis(spatial_in[n], kernel[n], **{k: v[n] for k, v in values.items()})
            )
        except (ValueError, TypeError) as error:
            if dims == 1:
                raise
            raise type(error)(f"along the {name} axis: {error}") from error
    extras = tuple(axis.output_length - spatial_in[n] for n, axis in enumerate(axes))
    return TransposedLayer(
        tuple(axes), extras, y_entries, w_entries, biases, c_in, c_out, groups, channels, batch
    )
