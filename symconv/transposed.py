"""Transposed convolution: the decoder's layer is the transpose of a convolution matrix.

``conv_transpose1d(y, w)`` scatters each input ``y[i]`` as a scaled copy of the kernel
into the output at ``i*stride - left``, ``dilation`` apart, as PyTorch's
``conv_transpose1d`` does; the output length is
``(L_in - 1)*stride - left - right + dilation*(K - 1) + output_padding + 1``. Dumoulin
and Visin's observation, proved by :func:`prove_transposed`: that is ``C^T y`` for the
convolution matrix ``C = conv_matrix(w, L, ...)`` of the forward layer with the same
settings on inputs of that length, i.e. the input gradient of the forward layer.

Examples
========

>>> from sympy import symbols
>>> from symconv import conv_matrix, conv_transpose1d
>>> y0, y1, a, b = symbols("y0 y1 a b")
>>> conv_transpose1d([y0, y1], [a, b]).T
Matrix([[a*y0, a*y1 + b*y0, b*y1]])
>>> conv_matrix([a, b], 3).T * Matrix([y0, y1]) == conv_transpose1d([y0, y1], [a, b])
True
>>> conv_transpose1d([1, 2], [1, 1], stride=2).T
Matrix([[1, 1, 2, 2]])
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from math import prod
from typing import Any, cast

import sympy
from sympy import Dummy, Expr, Matrix, S

from symconv.banded import BandedMatrix, band_from_settings
from symconv.channels import (
    ChannelLayer,
    ChannelLayout,
    as_bias,
    as_result,
    as_tensor,
    derive_channel_gradients,
    rank_of,
)
from symconv.conv2d import ConvSettings2D, as_image, axis_pair
from symconv.engine import dot, in_session
from symconv.matrix_form import DENSE_CHECK_LIMIT
from symconv.proof import Proof, Step, check, observe
from symconv.settings import ConvSettings, as_int, conv_settings
from symconv.sliding import sliding_outputs
from symconv.vectors import as_vector

AXES_1D = ("length",)
AXES_2D = ("height", "width")


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
    def spatial(self) -> ConvSettings | ConvSettings2D:
        if len(self.axes) == 1:
            return self.axes[0]
        return ConvSettings2D(self.axes[0], self.axes[1])

    @property
    def forward_layout(self) -> ChannelLayout:
        """The forward layer ``C``: from the transposed layer's outputs to its inputs."""
        return ChannelLayout(self.spatial, self.out_channels, self.in_channels, self.groups)

    def result_shape(self) -> tuple[int, ...]:
        if self.channels:
            return (self.out_channels,) + self.out_shape
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
) -> TransposedLayer:
    """Read y and w (single channel or PyTorch's ``(C_in, C_out/groups, ...)`` kernel),
    validate, and resolve each axis."""
    channels = rank_of(w) == dims + 2
    if channels:
        y_shape, y_entries = as_tensor(y, dims + 1, "input y")
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
        if dims == 1:
            ys, ws = as_vector(y, "input y"), as_vector(w, "kernel w")
            spatial_in, kernel = (len(ys),), (len(ws),)
        else:
            ys, ws = as_image(y, "input y"), as_image(w, "kernel w")
            spatial_in, kernel = ys.shape, ws.shape
        y_entries, w_entries = list(ys), list(ws)
        c_in = c_out = 1
        biases = as_bias(bias, 1)
    names = AXES_1D if dims == 1 else AXES_2D
    per_axis = {
        "stride": axis_pair(stride, "stride") if dims == 2 else (stride,),
        "padding": axis_pair(padding, "padding") if dims == 2 else (padding,),
        "output_padding": (
            axis_pair(output_padding, "output_padding") if dims == 2 else (output_padding,)
        ),
        "dilation": axis_pair(dilation, "dilation") if dims == 2 else (dilation,),
    }
    axes = []
    for n, name in enumerate(names):
        try:
            axes.append(
                transposed_axis(
                    spatial_in[n], kernel[n], **{key: v[n] for key, v in per_axis.items()}
                )
            )
        except (ValueError, TypeError) as error:
            if dims == 1:
                raise
            raise type(error)(f"along the {name} axis: {error}") from error
    extras = tuple(axis.output_length - spatial_in[n] for n, axis in enumerate(axes))
    return TransposedLayer(
        tuple(axes), extras, y_entries, w_entries, biases, c_in, c_out, groups, channels
    )


def scatter(layer: TransposedLayer) -> list[Expr]:
    """PyTorch's definition, by the input index: ``y[c, i]`` adds ``w[c, o', k] * y[c, i]``
    to output ``(o, i*s + k*d - left)`` (per axis), for every o of c's group.

    Written without the band so that the proof compares two constructions.
    """
    per_axis = []
    for axis, length_in in zip(layer.axes, layer.in_shape, strict=True):
        per_axis.append(
            [
                (i, k, j)
                for i in range(length_in)
                for k in range(axis.kernel_size)
                if 0 <= (j := i * axis.stride + k * axis.dilation - axis.left) < axis.input_length
            ]
        )
    in_shape, out_shape, kernel_shape = layer.in_shape, layer.out_shape, layer.kernel_shape
    triples = []
    for combo in itertools.product(*per_axis):
        i = k = j = 0
        for n, (i_n, k_n, j_n) in enumerate(combo):
            i, k, j = i * in_shape[n] + i_n, k * kernel_shape[n] + k_n, j * out_shape[n] + j_n
        triples.append((i, k, j))
    size_in, size_out, size_k = prod(in_shape), prod(out_shape), prod(kernel_shape)
    group_in = layer.in_channels // layer.groups
    group_out = layer.out_channels // layer.groups
    pairs: list[list[tuple[Expr, Expr]]] = [[] for _ in range(layer.out_channels * size_out)]
    for c in range(layer.in_channels):
        for local in range(group_out):
            o = (c // group_in) * group_out + local
            base = (c * group_out + local) * size_k
            for i, k, j in triples:
                pairs[o * size_out + j].append((layer.w[base + k], layer.y[c * size_in + i]))
    result = [dot(p) for p in pairs]
    if layer.bias is not None:
        result = [sympy.Add(v, layer.bias[n // size_out]) for n, v in enumerate(result)]
    return result


def conv_transpose1d(
    y: object,
    w: object,
    *,
    bias: object = None,
    groups: object = 1,
    stride: object = 1,
    padding: object = 0,
    output_padding: object = 0,
    dilation: object = 1,
) -> Matrix:
    """``torch.nn.functional.conv_transpose1d`` for one sample, symbolically.

    A vector y and kernel w give a column vector; y ``(C_in, L)`` with a rank-3 Array w
    ``(C_in, C_out/groups, K)`` give the ``(C_out, L_out)`` Matrix. ``padding`` is an
    int or a pair ``(left, right)`` (crop from each end).

    >>> conv_transpose1d([1, 2, 3], [1, 10], padding=1).T
    Matrix([[12, 23]])
    """
    layer = transposed_layer(
        y,
        w,
        dims=1,
        bias=bias,
        groups=groups,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
    )
    return cast(Matrix, as_result(scatter(layer), layer.result_shape()))


def conv_transpose2d(
    y: object,
    w: object,
    *,
    bias: object = None,
    groups: object = 1,
    stride: object = 1,
    padding: object = 0,
    output_padding: object = 0,
    dilation: object = 1,
) -> Any:
    """``torch.nn.functional.conv_transpose2d`` for one sample, symbolically.

    Matrices y and w give a Matrix; a rank-3 y ``(C_in, H, W)`` with a rank-4 w
    ``(C_in, C_out/groups, kh, kw)`` gives a rank-3 Array. Options are an int or a pair
    ``(height, width)``; a padding item may be ``(before, after)``.

    >>> conv_transpose2d([[1, 2], [3, 4]], [[1, 1], [1, 1]])
    Matrix([
    [1,  3, 2],
    [4, 10, 6],
    [3,  7, 4]])
    """
    layer = transposed_layer(
        y,
        w,
        dims=2,
        bias=bias,
        groups=groups,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
    )
    return as_result(scatter(layer), layer.result_shape())


def conv_transpose_matrix(
    w: object,
    input_length: int,
    *,
    stride: object = 1,
    padding: object = 0,
    output_padding: object = 0,
    dilation: object = 1,
) -> Matrix:
    """The matrix of ``conv_transpose1d`` on inputs of length ``input_length``:
    ``conv_matrix(w, L, ...).T`` (its first ``input_length`` columns).

    >>> conv_transpose_matrix([1, 2], 2, stride=2)
    Matrix([
    [1, 0],
    [2, 0],
    [0, 1],
    [0, 2]])
    """
    ws = as_vector(w, "kernel w")
    axis = transposed_axis(
        as_int(input_length, "input length", 1),
        len(ws),
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
    )
    matrix = band_from_settings(list(ws), axis).to_matrix().T
    return matrix[:, : as_int(input_length, "input length", 1)]


# --- the proof --------------------------------------------------------------------------


def padded_upstream(layer: TransposedLayer) -> list[Expr]:
    """y laid on the forward layer's output grid, zeros past its end on each axis
    (only when ``output_padding >= stride`` makes that grid longer)."""
    if not any(layer.extras):
        return list(layer.y)
    grid = tuple(axis.output_length for axis in layer.axes)
    in_shape = layer.in_shape
    padded: list[Expr] = []
    size_in = prod(in_shape)
    for c in range(layer.in_channels):
        for index in itertools.product(*[range(n) for n in grid]):
            if all(i < n for i, n in zip(index, in_shape, strict=True)):
                flat = 0
                for i, n in zip(index, in_shape, strict=True):
                    flat = flat * n + i
                padded.append(layer.y[c * size_in + flat])
            else:
                padded.append(S.Zero)
    return padded


def zero_insertion(layer: TransposedLayer) -> list[Expr] | None:
    """Dumoulin and Visin's direct form: insert ``stride - 1`` zeros between the inputs,
    pad by ``d*(K-1) - left`` and ``d*(K-1) - right + output_padding`` (cropping where
    negative) and convolve with the flipped kernel (single channel only)."""
    if layer.channels:
        return None
    in_shape = layer.in_shape
    stuffed_shape = tuple(
        (n - 1) * axis.stride + 1 for n, axis in zip(in_shape, layer.axes, strict=True)
    )
    stuffed = [S.Zero] * prod(stuffed_shape)
    for index in itertools.product(*[range(n) for n in in_shape]):
        source = target = 0
        for n, (i, axis) in enumerate(zip(index, layer.axes, strict=True)):
            source = source * in_shape[n] + i
            target = target * stuffed_shape[n] + i * axis.stride
        stuffed[target] = layer.y[source]
    settings, crops = [], []
    for n, axis in enumerate(layer.axes):
        reach = axis.dilation * (axis.kernel_size - 1)
        extra = axis.input_length - 1 - (in_shape[n] - 1) * axis.stride + axis.left
        extra += axis.right - reach  # the output_padding, from L's formula
        before, after = reach - axis.left, reach - axis.right + extra
        settings.append(
            conv_settings(
                axis.kernel_size,
                stuffed_shape[n],
                padding=(max(before, 0), max(after, 0)),
                dilation=axis.dilation,
                flip=True,
            )
        )
        crops.append((max(-before, 0), max(-after, 0)))
    spatial: Any = settings[0] if len(settings) == 1 else ConvSettings2D(settings[0], settings[1])
    full = sliding_outputs(stuffed, layer.w, spatial)
    full_shape = tuple(s.output_length for s in settings)
    kept = []
    for index in itertools.product(*[range(n) for n in full_shape]):
        if all(lo <= i < n - hi for i, n, (lo, hi) in zip(index, full_shape, crops, strict=True)):
            flat = 0
            for i, n in zip(index, full_shape, strict=True):
                flat = flat * n + i
            kept.append(full[flat])
    if layer.bias is not None:
        kept = [sympy.Add(v, layer.bias[0]) for v in kept]
    return kept


def transposed_steps(layer: TransposedLayer, t: BandedMatrix | None = None) -> list[Step]:
    """The claims of :func:`prove_transposed` for a resolved layer, against the forward
    layer's band ``t`` (built from the layer unless given, so a test can give a wrong one)."""
    out = scatter(layer)
    forward = layer.forward_layout
    if t is None:
        t = band_from_settings(layer.w, forward)
    g = padded_upstream(layer)

    def plus_bias(values: list[Expr]) -> list[Expr]:
        if layer.bias is None:
            return values
        size = prod(layer.out_shape)
        return [sympy.Add(v, layer.bias[n // size]) for n, v in enumerate(values)]

    labels = list(itertools.product(*[range(n) for n in layer.result_shape()]))
    if not layer.channels and len(layer.axes) == 1:
        labels = [(j,) for j in range(len(out))]
    steps = [
        observe(
            "output length",
            all(
                axis.output_length == n + e
                for axis, n, e in zip(layer.axes, layer.in_shape, layer.extras, strict=True)
            ),
            law="L = (L_in - 1)*s - left - right + d*(K - 1) + output_padding + 1, and the "
            "forward layer on length L has L_in + floor(output_padding / s) outputs",
            details={"output shape": layer.out_shape, "forward outputs past y": layer.extras},
        ),
        check(
            "transposed convolution is C^T y",
            out,
            plus_bias(t.rmatvec(g)),
            law="scattering y[i] * w into the output is T^T y for the forward band T "
            "(Dumoulin and Visin)",
            labels=labels,
            details={"band": t},
        ),
    ]
    if t.shape[0] * t.shape[1] <= DENSE_CHECK_LIMIT:
        steps.append(
            check(
                "dense C^T y",
                out,
                plus_bias(list(t.to_matrix().T * Matrix(g))),
                law="conv_matrix(w, L, ...).T times y, multiplied by SymPy",
                labels=labels,
            )
        )
    placeholders = [Dummy(f"x{n}") for n in range(forward.input_length)]
    spatial_in = tuple(axis.input_length for axis in layer.axes)
    source = ChannelLayer(
        forward,
        placeholders,
        layer.w,
        None,
        (layer.out_channels,) + spatial_in,
        (layer.in_channels, layer.out_channels // layer.groups) + layer.kernel_shape,
    )
    derived = derive_channel_gradients(source, g)
    steps.append(
        check(
            "input gradient of the forward layer",
            out,
            plus_bias(derived.grad_x),
            law="d/dx of sum_i y_i conv(x, w)_i, differentiated term by term: the "
            "transposed convolution is the forward layer's backward pass",
            labels=labels,
        )
    )
    direct = zero_insertion(layer)
    if direct is not None:
        steps.append(
            check(
                "zero insertion",
                out,
                direct,
                law="insert stride - 1 zeros between inputs, pad by d*(K-1) - padding (+ "
                "output_padding after) and convolve with the flipped kernel",
                labels=labels,
            )
        )
    return steps


@in_session
def prove_transposed(
    y: object,
    w: object,
    *,
    bias: object = None,
    groups: object = 1,
    stride: object = 1,
    padding: object = 0,
    output_padding: object = 0,
    dilation: object = 1,
) -> Proof:
    """Prove ``conv_transpose1d(y, w) == conv_matrix(w, L, ...).T * y`` for the output
    length L, that it is the forward layer's input gradient, and (one channel) that it is
    the direct convolution of the zero-stuffed input with the flipped kernel.

    A rank-3 kernel ``(C_in, C_out/groups, K)`` proves the multi-channel layer.

    >>> from symconv import symbolic_vector
    >>> proof = prove_transposed(symbolic_vector("y", 3), symbolic_vector("w", 2), stride=2)
    >>> proof.holds
    True
    >>> for step in proof.steps:
    ...     print(step.name)
    output length
    transposed convolution is C^T y
    dense C^T y
    input gradient of the forward layer
    zero insertion
    """
    layer = transposed_layer(
        y,
        w,
        dims=1,
        bias=bias,
        groups=groups,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
    )
    return transposed_proof(layer, "1-D")


@in_session
def prove_transposed2d(
    y: object,
    w: object,
    *,
    bias: object = None,
    groups: object = 1,
    stride: object = 1,
    padding: object = 0,
    output_padding: object = 0,
    dilation: object = 1,
) -> Proof:
    """The claims of :func:`prove_transposed` for ``conv_transpose2d``, against the
    doubly-block Toeplitz matrix:
    ``conv_transpose2d(y, k) == conv2d_matrix(k, (H, W), ...).T vec(y)``.

    >>> from symconv import symbolic_matrix
    >>> prove_transposed2d(symbolic_matrix("y", 2, 2), symbolic_matrix("k", 2, 2), stride=2).holds
    True
    """
    layer = transposed_layer(
        y,
        w,
        dims=2,
        bias=bias,
        groups=groups,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
    )
    return transposed_proof(layer, "2-D")


def transposed_proof(layer: TransposedLayer, kind: str) -> Proof:
    return Proof(
        title=f"A {kind} transposed convolution is the transpose of the convolution matrix",
        statement=(
            f"For {layer.describe()}: conv_transpose(y, w) = C(w)^T y with C the matrix of "
            "the forward convolution with the same stride, padding and dilation on inputs "
            "of the output's shape."
        ),
        steps=transposed_steps(layer),
        assumptions=(
            ("vec flattens channel-major, then row-major",)
            if layer.channels or len(layer.axes) > 1
            else ()
        ),
    )


__all__ = [
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose_matrix",
    "prove_transposed",
    "prove_transposed2d",
    "transposed_axis",
]
