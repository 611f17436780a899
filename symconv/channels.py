"""Channels, groups and bias: a multi-channel layer as one block matrix of tied bands.

PyTorch's layout: input ``(C_in, L)`` or ``(C_in, H, W)``, kernel
``(C_out, C_in/groups, K)`` or ``(C_out, C_in/groups, kh, kw)``, output channel ``o``
reading the ``C_in/groups`` input channels of its group ``o // (C_out/groups)``:

    y[o] = b[o] + sum_{c < C_in/groups} conv(x[group(o)*C_in/groups + c], w[o, c])

Flattened channel-major, the layer is a 1-D layer once more (:class:`ChannelLayout`):
its matrix is ``C_out x C_in`` blocks, block ``(o, c)`` the single-channel band of
``w[o, c']`` inside o's group and zero across groups, so the band, gradient and
tied-weight machinery apply unchanged.

Examples
========

>>> from sympy import Array, Matrix, symbols
>>> from symconv import conv1d
>>> x = Matrix([[1, 2, 3], [4, 5, 6]])          # two input channels
>>> w = Array([[[1, 1], [0, 1]]])                # one output channel: (1, 2, 2)
>>> conv1d(x, w, bias=[10])
Matrix([[18, 21]])
>>> conv1d(x, Array([[[1, 1]], [[1, -1]]]), groups=2)   # depthwise
Matrix([
[ 3,  5],
[-1, -1]])
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

import sympy
from sympy import Array, Expr, Matrix, S

from symconv.banded import BandedMatrix, band_from_settings
from symconv.conv2d import ConvSettings2D, settings2d, tied_weight_steps
from symconv.datamatrix import data_transpose_times, rows_from_settings
from symconv.engine import TermIndex, in_session
from symconv.gradients import check_upstream, loss_terms, slots
from symconv.proof import Proof, Step, check, observe
from symconv.settings import ConvSettings, Layout, as_int, conv_settings
from symconv.sliding import sliding_outputs
from symconv.vectors import as_entry, as_vector

Spatial = ConvSettings | ConvSettings2D


# --- reading tensors --------------------------------------------------------------------


def rank_of(value: object) -> int:
    """How many axes ``value`` has: SymPy arrays and matrices, numpy/torch arrays and
    nested lists (by their first entries); a scalar has rank 0.

    >>> rank_of(Array([[[1]]])), rank_of([[1, 2]]), rank_of(Matrix([1, 2])), rank_of(3)
    (3, 2, 2, 0)
    """
    if isinstance(value, sympy.NDimArray):
        return int(value.rank())
    if isinstance(value, sympy.MatrixBase):
        return 2
    if isinstance(value, (str, bytes)):
        return 0
    shape = getattr(value, "shape", None)
    if shape is not None and not isinstance(value, sympy.Basic):
        return len(shape)
    if isinstance(value, Sequence):
        return 1 + (rank_of(value[0]) if len(value) else 0)
    return 0


def as_tensor(values: object, rank: int, name: str) -> tuple[tuple[int, ...], list[Expr]]:
    """``values`` as a shape and its entries in row-major (C) order, never evaluating text.

    >>> as_tensor([[1, 2], [3, 4]], 2, "x")
    ((2, 2), [1, 2, 3, 4])
    >>> as_tensor([[1, 2], [3]], 2, "x")
    Traceback (most recent call last):
    ...
    ValueError: x is ragged: at axis 1 it has lengths [2, 1]; every slice needs the same shape
    """
    if isinstance(values, str):
        raise TypeError(
            f"{name} is the string {values!r}; strings are never evaluated: pass a sympy "
            "Array, Matrix or nested lists"
        )
    actual = rank_of(values)
    if actual != rank:
        shape = getattr(values, "shape", None)
        shown = f"shape {tuple(shape)}" if shape is not None else f"rank {actual}"
        raise ValueError(f"{name} must have rank {rank}, got {shown}")
    nested = values.tolist() if hasattr(values, "tolist") else values  # type: ignore[union-attr]
    entries: list[Expr] = []

    def walk(node: Any, depth: int, where: tuple[int, ...]) -> tuple[int, ...]:
        if depth == rank:
            entries.append(as_entry(node, f"entry {where} of {name}"))
            return ()
        if isinstance(node, (str, bytes)) or not isinstance(node, Sequence):
            raise ValueError(f"{name} must have rank {rank}, but entry {where} is {node!r}")
        if not node:
            raise ValueError(f"{name} is empty at axis {depth}; every axis needs length >= 1")
        shapes = [walk(child, depth + 1, where + (i,)) for i, child in enumerate(node)]
        if len(set(shapes)) != 1:
            lengths = [s[0] if s else 0 for s in shapes]
            raise ValueError(
                f"{name} is ragged: at axis {depth + 1} it has lengths {lengths}; every "
                "slice needs the same shape"
            )
        return (len(node),) + shapes[0]

    shape = walk(nested, 0, ())
    return shape, entries


def as_bias(bias: object, out_channels: int) -> list[Expr] | None:
    """One bias per output channel, or None."""
    if bias is None:
        return None
    if rank_of(bias) == 0:
        values = [as_entry(bias, "bias")]
    else:
        values = list(as_vector(bias, "bias"))
    if len(values) != out_channels:
        raise ValueError(
            f"bias has {len(values)} entries but the layer has {out_channels} output "
            "channels; give one bias per output channel"
        )
    return values


# --- the layout -------------------------------------------------------------------------


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


def outputs(layer: ChannelLayer) -> list[Expr]:
    """The flat outputs: every output channel's sliding sums over its group, plus bias."""
    z = sliding_outputs(layer.x, layer.w, flat(layer.layout))
    if layer.bias is None:
        return z
    p_size = layer.layout.spatial.output_length
    return [sympy.Add(z[n], layer.bias[n // p_size]) for n in range(len(z))]


def as_result(entries: Sequence[Expr], shape: tuple[int, ...]) -> Any:
    """A 2-axis result as a Matrix (1-D layers' ``(C, L)``), anything else as an Array."""
    if len(shape) == 2:
        return Matrix(shape[0], shape[1], list(entries))
    return Array(list(entries), shape)


# --- forward ----------------------------------------------------------------------------


def single_channel_options(bias: object, groups: object, rank: int) -> Expr | None:
    """The scalar bias of a one-channel layer; groups must be 1 there."""
    groups = as_int(groups, "groups", 1)
    if groups != 1:
        raise ValueError(
            f"groups={groups} needs a multi-channel kernel of rank {rank} (C_out, "
            "C_in/groups, ...) as a sympy Array; a single-channel kernel has one group"
        )
    values = as_bias(bias, 1)
    return None if values is None else values[0]


def with_bias(result: Matrix, b: Expr | None) -> Matrix:
    return result if b is None else result.applyfunc(lambda z: sympy.Add(z, b))


def conv1d_channels(
    x: object,
    w: object,
    *,
    bias: object = None,
    groups: object = 1,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
) -> Matrix:
    """``torch.nn.functional.conv1d`` for one sample: x ``(C_in, L)``, w rank-3
    ``(C_out, C_in/groups, K)``, optional bias ``(C_out,)``; returns ``(C_out, L_out)``.

    A rank-1 kernel is the single-channel layer (with a scalar bias if given).

    >>> from sympy import symbols
    >>> a, b, c, u, v = symbols("a b c u v")
    >>> conv1d_channels(Matrix([[a, b, c]]), Array([[[u, v]]]), bias=[S(1)])
    Matrix([[a*u + b*v + 1, b*u + c*v + 1]])
    """
    if rank_of(w) != 3:
        from symconv.sliding import conv1d

        b = single_channel_options(bias, groups, 3)
        single = conv1d(x, w, stride=stride, padding=padding, dilation=dilation, flip=flip)
        return with_bias(single, b)
    layer = channel_layer(
        x,
        w,
        bias=bias,
        groups=groups,
        dims=1,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
    )
    return cast(Matrix, as_result(outputs(layer), layer.output_shape))


def conv2d_channels(
    x: object,
    w: object,
    *,
    bias: object = None,
    groups: object = 1,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
) -> Any:
    """``torch.nn.functional.conv2d`` for one sample: x rank-3 ``(C_in, H, W)``, w rank-4
    ``(C_out, C_in/groups, kh, kw)``, optional bias; returns a rank-3 Array.

    A rank-2 kernel is the single-channel layer (a Matrix, with a scalar bias if given).

    >>> x = Array([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])      # (2, 2, 2)
    >>> conv2d_channels(x, Array([[[[1]], [[1]]]]), bias=[-6])
    [[[0, 2], [4, 6]]]
    """
    if rank_of(w) != 4:
        from symconv.conv2d import conv2d

        b = single_channel_options(bias, groups, 4)
        single = conv2d(x, w, stride=stride, padding=padding, dilation=dilation, flip=flip)
        return with_bias(single, b)
    layer = channel_layer(
        x,
        w,
        bias=bias,
        groups=groups,
        dims=2,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
    )
    return as_result(outputs(layer), layer.output_shape)


# --- gradients --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelGradients:
    """What :func:`derive_channel_gradients` found (flat lists)."""

    grad_x: list[Expr]
    grad_w: list[Expr]
    grad_b: list[Expr] | None
    index: TermIndex


def upstream_entries(upstream: object, layer: ChannelLayer) -> list[Expr]:
    """The upstream gradient, one per output, in the output's shape."""
    shape, entries = as_tensor(upstream, len(layer.output_shape), "upstream")
    if shape != layer.output_shape:
        raise ValueError(
            f"upstream has shape {shape} but the layer's output has shape "
            f"{layer.output_shape}; give one upstream gradient per output"
        )
    return entries


def derive_channel_gradients(layer: ChannelLayer, g: list[Expr]) -> ChannelGradients:
    """Differentiate ``L = sum_n g_n y_n`` by every input, weight and bias slot, term by
    term: the loss by linearity is ``sum g*w*x`` over the taps plus ``sum g*b``."""
    x_slots, x_back = slots(layer.x, "x")
    w_slots, w_back = slots(layer.w, "w")
    bias = layer.bias or []
    b_slots, b_back = slots(bias, "b") if bias else ([], {})
    known = set(x_slots) | set(w_slots) | set(b_slots)
    known |= set().union(*(e.free_symbols for e in layer.x + layer.w + bias))
    check_upstream(Matrix(g), flat(layer.layout), known)
    terms: list[tuple[Expr, ...]] = list(loss_terms(x_slots, w_slots, g, flat(layer.layout)))
    if b_slots:
        p_size = layer.layout.spatial.output_length
        terms += [(g[n], b_slots[n // p_size]) for n in range(len(g)) if g[n] is not S.Zero]
    index = TermIndex(terms)
    back = {**x_back, **w_back, **b_back}

    def grads(symbols: Sequence[Any]) -> list[Expr]:
        found = index.gradients(list(symbols))
        return [e.xreplace(back) for e in found] if back else found

    return ChannelGradients(
        grads(x_slots), grads(w_slots), grads(b_slots) if b_slots else None, index
    )


@in_session
def channel_grads(
    x: object, w: object, upstream: object, *, dims: int, **options: Any
) -> tuple[Any, Any, Matrix | None]:
    bias, groups = options.pop("bias", None), options.pop("groups", 1)
    layer = channel_layer(x, w, bias=bias, groups=groups, dims=dims, **options)
    derived = derive_channel_gradients(layer, upstream_entries(upstream, layer))
    grad_b = None if derived.grad_b is None else Matrix(derived.grad_b)
    return (
        as_result(derived.grad_x, layer.input_shape),
        Array(derived.grad_w, layer.kernel_shape),
        grad_b,
    )


def conv1d_channel_grads(
    x: object,
    w: object,
    upstream: object,
    *,
    bias: object = None,
    groups: object = 1,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
) -> tuple[Matrix, Array, Matrix | None]:
    """``(dL/dx, dL/dw, dL/db)`` of ``L = sum upstream * conv1d(x, w, bias, groups)``,
    by term-by-term differentiation; PyTorch autograd's ``x.grad``, ``w.grad``,
    ``b.grad`` with numbers (``dL/db`` is None without bias).

    >>> gx, gw, gb = conv1d_channel_grads(Matrix([[1, 2, 3]]), Array([[[1, 1]]]),
    ...                                   Matrix([[1, 2]]), bias=[0])
    >>> gx, gw, gb
    (Matrix([[1, 3, 2]]), [[[5, 8]]], Matrix([[3]]))
    """
    return channel_grads(
        x,
        w,
        upstream,
        dims=1,
        bias=bias,
        groups=groups,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
    )


def conv2d_channel_grads(
    x: object,
    w: object,
    upstream: object,
    *,
    bias: object = None,
    groups: object = 1,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
) -> tuple[Array, Array, Matrix | None]:
    """``(dL/dx, dL/dw, dL/db)`` of ``L = sum upstream * conv2d(x, w, bias, groups)`` for
    x ``(C_in, H, W)`` and w ``(C_out, C_in/groups, kh, kw)``, by differentiation.

    >>> gx, gw, gb = conv2d_channel_grads(Array([[[1, 2], [3, 4]]]), Array([[[[2]]]]),
    ...                                   Array([[[1, 0], [0, 1]]]))
    >>> gx, gw, gb
    ([[[2, 0], [0, 2]]], [[[[5]]]], None)
    """
    return channel_grads(
        x,
        w,
        upstream,
        dims=2,
        bias=bias,
        groups=groups,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
    )


# --- proofs -----------------------------------------------------------------------------


def single_channel_outputs(layer: ChannelLayer, o: int, c: int) -> list[Expr]:
    """conv(x[group(o)*C_in/groups + c], w[o, c]): one single-channel layer."""
    s = layer.layout
    k_size, q_size = s.spatial.kernel_size, s.spatial.input_length
    channel = s.group_of(o) * s.group_in + c
    kernel = layer.w[(o * s.group_in + c) * k_size : (o * s.group_in + c + 1) * k_size]
    image = layer.x[channel * q_size : (channel + 1) * q_size]
    return sliding_outputs(image, kernel, s.spatial)


def block_steps(layer: ChannelLayer, t: BandedMatrix) -> list[Step]:
    """Claims that T is ``C_out x C_in`` blocks: block ``(o, c)`` is the single-channel
    band of ``w[o, c - group(o)*C_in/groups]`` inside o's group and zero across groups,
    each block built afresh by the single-channel code and compared with T's entries."""
    s = layer.layout
    p_size, q_size, k_size = (
        s.spatial.output_length,
        s.spatial.input_length,
        s.spatial.kernel_size,
    )
    crossing = [
        (i, j) for (i, j) in t.ties if s.group_of(i // p_size) != (j // q_size) // s.group_in
    ]
    assembled: dict[tuple[int, int], Expr] = {}
    for o in range(s.out_channels):
        for c in range(s.group_in):
            channel = s.group_of(o) * s.group_in + c
            start = (o * s.group_in + c) * k_size
            block = band_from_settings(layer.w[start : start + k_size], s.spatial)
            for (i, j), k in block.ties.items():
                assembled[(o * p_size + i, channel * q_size + j)] = block.weights[k]
    entries = sorted(assembled)
    same_pattern = set(assembled) == set(t.ties)
    return [
        observe(
            "zero blocks across groups",
            not crossing,
            law="output channel o reads only the input channels of its group",
            details={"groups": s.groups, "crossing entries": crossing[:3]},
        ),
        observe(
            "blocks hold the single-channel bands",
            same_pattern,
            law="block (o, c) of T is T(w[o, c']) where c = group(o)*C_in/groups + c'",
        ),
        check(
            "block entries are the single-channel weights",
            [t[e] for e in entries],
            [assembled[e] for e in entries],
            law="T[(o, p), (c, q)] = T(w[o, c'])[p, q]",
            labels=entries,
        ),
    ]


@in_session
def prove_channels(
    x: object,
    w: object,
    *,
    bias: object = None,
    groups: object = 1,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
) -> Proof:
    """Prove the matrix form of a multi-channel layer (1-D if w has rank 3, 2-D if 4):
    ``y = T x + b`` with T block-structured by groups, and each output channel the sum
    of single-channel convolutions over its group.

    >>> from symconv.channels import prove_channels
    >>> w = Array(sympy.symbols("w0:8"), (2, 2, 2))
    >>> x = Matrix(2, 3, sympy.symbols("x0:6"))
    >>> prove_channels(x, w, bias=sympy.symbols("b0:2")).holds
    True
    """
    dims = rank_of(w) - 2
    if dims not in (1, 2):
        raise ValueError(
            f"kernel w must have rank 3 (C_out, C_in/groups, K) or 4 (C_out, C_in/groups, "
            f"kh, kw), got rank {rank_of(w)}"
        )
    layer = channel_layer(
        x,
        w,
        bias=bias,
        groups=groups,
        dims=dims,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
    )
    s = layer.layout
    y = outputs(layer)
    t = band_from_settings(layer.w, flat(s))
    p_size = s.spatial.output_length
    biases = layer.bias
    product = t.matvec(layer.x)
    if biases is not None:
        product = [sympy.Add(v, biases[n // p_size]) for n, v in enumerate(product)]
    summed: list[Expr] = []
    for o in range(s.out_channels):
        per_channel = [single_channel_outputs(layer, o, c) for c in range(s.group_in)]
        extra = [biases[o]] if biases is not None else []
        summed += [sympy.Add(*[z[p] for z in per_channel], *extra) for p in range(p_size)]
    labels = [divmod(n, p_size) for n in range(len(y))]
    steps = [
        check(
            "block matrix product",
            y,
            product,
            law="y = T(w) vec(x) + b, vec channel-major",
            labels=labels,
            details={"band": t},
        ),
        check(
            "sum of single-channel convolutions",
            y,
            summed,
            law="y[o] = b[o] + sum_c' conv(x[group(o)*C_in/groups + c'], w[o, c'])",
            labels=labels,
        ),
        *block_steps(layer, t),
    ]
    return Proof(
        title=f"Matrix form of a multi-channel {dims}-D convolution layer",
        statement=f"For {layer.describe()}: y = T(w) x + b with T block-structured by groups.",
        steps=steps,
        assumptions=("vec flattens channel-major, then row-major",),
    )


def bias_gradient_step(grad_b: Sequence[Expr], g: Sequence[Expr], layout: ChannelLayout) -> Step:
    """Claim: ``dL/db_o == sum_p g[o, p]``, the upstream summed over o's positions."""
    p_size = layout.spatial.output_length
    return check(
        "bias gradient is the channel's upstream sum",
        grad_b,
        [sympy.Add(*g[o * p_size : (o + 1) * p_size]) for o in range(layout.out_channels)],
        law="y[o, p] = ... + b[o] for every p: dL/db_o = sum_p g[o, p]",
        labels=[(o,) for o in range(layout.out_channels)],
    )


@in_session
def prove_channel_gradients(
    x: object,
    w: object,
    upstream: object,
    *,
    bias: object = None,
    groups: object = 1,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
) -> Proof:
    """The tied-weight proof for a multi-channel layer: each weight's gradient is the sum
    over its tie set (inside its block), ``dL/dx = T^T g``, ``dL/dw[o, c'] = X_c^T g_o``
    (the im2col of its input channel against its output channel's upstream),
    ``dL/db_o = sum_p g[o, p]``, and a step keeps every zero (across groups too) zero.

    >>> w = Array(sympy.symbols("w0:4"), (2, 1, 2))
    >>> x = Matrix(2, 3, sympy.symbols("x0:6"))
    >>> g = Matrix(2, 2, sympy.symbols("g0:4"))
    >>> proof = prove_channel_gradients(x, w, g, groups=2, bias=sympy.symbols("b0:2"))
    >>> proof.holds, proof.step("bias gradient is the channel's upstream sum").lhs
    (True, (g0 + g1, g2 + g3))
    """
    dims = rank_of(w) - 2
    if dims not in (1, 2):
        raise ValueError(
            f"kernel w must have rank 3 (C_out, C_in/groups, K) or 4 (C_out, C_in/groups, "
            f"kh, kw), got rank {rank_of(w)}"
        )
    layer = channel_layer(
        x,
        w,
        bias=bias,
        groups=groups,
        dims=dims,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
    )
    g = upstream_entries(upstream, layer)
    derived = derive_channel_gradients(layer, g)
    s = layer.layout
    p_size, q_size = s.spatial.output_length, s.spatial.input_length
    spatial = s.spatial
    closed_w: list[Expr] = []
    for o in range(s.out_channels):
        g_o = g[o * p_size : (o + 1) * p_size]
        for c in range(s.group_in):
            channel = s.group_of(o) * s.group_in + c
            rows = rows_from_settings(layer.x[channel * q_size : (channel + 1) * q_size], spatial)
            column = data_transpose_times(rows, g_o)
            closed_w += column[::-1] if s.flip else column
    weight_labels = list(itertools.product(*[range(n) for n in layer.kernel_shape]))
    input_labels = list(itertools.product(*[range(n) for n in layer.input_shape]))
    steps = tied_weight_steps(
        layer.x,
        layer.w,
        g,
        flat(s),
        derived.grad_x,
        derived.grad_w,
        closed_w,
        weight_labels=weight_labels,
        input_labels=input_labels,
    )
    if derived.grad_b is not None:
        steps.append(bias_gradient_step(derived.grad_b, g, s))
    return Proof(
        title=f"Tied-weight gradients of a multi-channel {dims}-D convolution layer",
        statement=(
            f"For L = sum g y, {layer.describe()}: dL/dw is the sum over each tie set, "
            "dL/dx = T^T g, dL/db_o = sum_p g[o, p], and a step on w keeps T's zero blocks "
            "and ties."
        ),
        steps=steps,
        assumptions=("upstream g does not depend on x, w or b", "eta is the learning rate"),
    )


__all__ = [
    "ChannelLayout",
    "as_tensor",
    "conv1d_channel_grads",
    "conv1d_channels",
    "conv2d_channel_grads",
    "conv2d_channels",
    "prove_channel_gradients",
    "prove_channels",
    "rank_of",
]
