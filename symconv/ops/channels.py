"""Channels, groups and bias: a multi-channel layer as one block matrix of tied bands.

PyTorch's layout: input ``(C_in, L)`` or ``(C_in, H, W)``, kernel
``(C_out, C_in/groups, K)`` or ``(C_out, C_in/groups, kh, kw)``, output channel ``o``
reading the ``C_in/groups`` input channels of its group ``o // (C_out/groups)``:

    y[o] = b[o] + sum_{c < C_in/groups} conv(x[group(o)*C_in/groups + c], w[o, c])

Flattened channel-major, the layer is a 1-D layer once more (:class:`ChannelLayout`):
its matrix is ``C_out x C_in`` blocks, block ``(o, c)`` the single-channel band of
``w[o, c']`` inside o's group and zero across groups, so the band, gradient and
tied-weight machinery apply unchanged. A ``padding_mode`` (``nn.Conv{N}d``'s) pads every
channel by the mode on its own, so a folded entry (a sum of weights) stays inside its
block.

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
>>> conv1d(x, w, bias=[10], padding=1, padding_mode="reflect")   # nn.Conv1d's modes
Matrix([[17, 18, 21, 20]])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy
from sympy import Array, Expr, Matrix, Mul, S, Symbol

from symconv.core.engine import TermIndex, in_session
from symconv.core.numbers import as_int
from symconv.core.tensors import as_bias, as_tensor, rank_of
from symconv.layout.channels import ChannelLayer, channel_layer, flat
from symconv.ops.gradients import check_upstream, loss_terms, slots
from symconv.ops.sliding import sliding_outputs


def outputs(layer: ChannelLayer) -> list[Expr]:
    """The flat outputs: every output channel's sliding sums over its group, plus bias."""
    return biased(sliding_outputs(layer.x, layer.w, flat(layer.layout)), layer)


def biased(z: Sequence[Expr], layer: ChannelLayer) -> list[Expr]:
    """``z[n] + b[channel(n)]`` for the flat outputs ``z`` (``z`` itself without bias)."""
    if layer.bias is None:
        return list(z)
    bias, channel = layer.bias, layer.layout.channel_of_output
    return [plus_bias(value, bias[channel(n)]) for n, value in enumerate(z)]


def plus_bias(value: Expr, b: Expr) -> Expr:
    """``value + b`` exactly as ``Add(value, b)`` builds it, without re-sorting ``value``.

    A sliding sum over symbols is a canonical sum of products of plain symbols, and a
    plain symbol sorts before every product in Add's order (``Basic.compare`` orders by
    class first: Symbol before Mul), and is never a like term of one: so the sum with
    ``b`` is ``b`` followed by the sum's terms. Anything else goes through ``Add``.

    >>> from sympy import symbols
    >>> a, w, b = symbols("a w b")
    >>> plus_bias(a * w + b * w, b) == sympy.Add(a * w + b * w, b)
    True
    """
    if type(b) is Symbol and b.is_commutative and value.is_commutative:
        if type(value) is Mul:
            terms: tuple[Expr, ...] = (value,)
        elif type(value) is sympy.Add:
            terms = value.args
        else:
            terms = ()
        if terms and all(type(t) is Mul and t.args[0].is_Symbol for t in terms):
            return sympy.Add._from_args((b, *terms), True)
    return sympy.Add(value, b)


def as_result(entries: Sequence[Expr], shape: tuple[int, ...]) -> Any:
    """A 2-axis result as a Matrix (1-D layers' ``(C, L)``), anything else as an Array."""
    if len(shape) == 2:
        return Matrix(shape[0], shape[1], list(entries))
    return Array(list(entries), shape)


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
    return result if b is None else result.applyfunc(lambda z: plus_bias(z, b))


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
    padding_mode: object = "zeros",
) -> Matrix:
    """``torch.nn.functional.conv1d``: x ``(C_in, L)`` (or a batch ``(N, C_in, L)``),
    w rank-3 ``(C_out, C_in/groups, K)``, optional bias ``(C_out,)``; returns the
    ``(C_out, L_out)`` Matrix (a batch: the ``(N, C_out, L_out)`` Array).

    A rank-1 kernel is the single-channel layer (with a scalar bias if given).

    >>> from sympy import symbols
    >>> a, b, c, u, v = symbols("a b c u v")
    >>> conv1d_channels(Matrix([[a, b, c]]), Array([[[u, v]]]), bias=[S(1)])
    Matrix([[a*u + b*v + 1, b*u + c*v + 1]])
    """
    if rank_of(w) != 3:
        from symconv.ops.sliding import conv1d

        b = single_channel_options(bias, groups, 3)
        single = conv1d(
            x,
            w,
            stride=stride,
            padding=padding,
            dilation=dilation,
            flip=flip,
            padding_mode=padding_mode,
        )
        return with_bias(single, b)
    return conv_channels(
        x,
        w,
        dims=1,
        bias=bias,
        groups=groups,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
        padding_mode=padding_mode,
    )


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
    padding_mode: object = "zeros",
) -> Any:
    """``torch.nn.functional.conv2d``: x rank-3 ``(C_in, H, W)`` (or a rank-4 batch
    ``(N, C_in, H, W)``), w rank-4 ``(C_out, C_in/groups, kh, kw)``, optional bias;
    returns a rank-3 Array (rank-4 for a batch).

    A rank-2 kernel is the single-channel layer (a Matrix, with a scalar bias if given).

    >>> x = Array([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])      # (2, 2, 2)
    >>> conv2d_channels(x, Array([[[[1]], [[1]]]]), bias=[-6])
    [[[0, 2], [4, 6]]]
    """
    if rank_of(w) != 4:
        from symconv.ops.conv2d import conv2d

        b = single_channel_options(bias, groups, 4)
        single = conv2d(
            x,
            w,
            stride=stride,
            padding=padding,
            dilation=dilation,
            flip=flip,
            padding_mode=padding_mode,
        )
        return with_bias(single, b)
    return conv_channels(
        x,
        w,
        dims=2,
        bias=bias,
        groups=groups,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
        padding_mode=padding_mode,
    )


def conv_channels(
    x: object,
    w: object,
    *,
    dims: int,
    bias: object = None,
    groups: object = 1,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    padding_mode: object = "zeros",
) -> Any:
    """The ``dims``-D multi-channel layer for one sample ``(C_in, ...)`` or a batch
    ``(N, C_in, ...)``; a ``(C, L)`` result is a Matrix, anything else an Array.

    >>> conv_channels(Array([[[1, 2, 3]], [[4, 5, 6]]]), Array([[[1, 1]]]), dims=1)
    [[[3, 5]], [[9, 11]]]
    """
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
        padding_mode=padding_mode,
    )
    return as_result(outputs(layer), layer.output_shape)


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
        channel = layer.layout.channel_of_output
        terms += [(g[n], b_slots[channel(n)]) for n in range(len(g)) if g[n] is not S.Zero]
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
    padding_mode: object = "zeros",
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
        padding_mode=padding_mode,
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
    padding_mode: object = "zeros",
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
        padding_mode=padding_mode,
    )
