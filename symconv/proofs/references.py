"""Independent constructions the proofs compare against: textbook convolution and
PyTorch's scatter definition of the transposed convolution.

These restate the index rule on purpose, by the input index rather than by the
window, so that a proof compares two things that were built apart. They must not
import the layout or ops layers (an import-linter contract keeps it so).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from math import prod
from typing import TYPE_CHECKING

import sympy
from sympy import Expr

from symconv.core.engine import dot

if TYPE_CHECKING:  # annotations only: a reference reads the layer's numbers, not its rule
    from symconv.layout.axis import ConvSettings
    from symconv.layout.grid import ConvSettings2D
    from symconv.layout.transposed import TransposedLayer


def textbook_convolution(x: list[Expr], w: list[Expr], settings: ConvSettings) -> list[Expr] | None:
    """``(x * w)[n] = sum_k x[k] w[n - k]``, the definition of true convolution.

    Written with the *input* index running, independent of the sliding-window code;
    defined here for stride 1, dilation 1 and the full/valid shapes (the text-book ones).
    Returns None where the definition does not apply.
    """
    m, n = len(x), len(w)
    if settings.stride != 1 or settings.dilation != 1:
        return None
    if settings.padding_pair == (n - 1, n - 1):
        outputs = range(0, m + n - 1)
    elif settings.padding_pair == (0, 0):
        outputs = range(n - 1, m)
    else:
        return None
    return [dot((x[k], w[t - k]) for k in range(m) if 0 <= t - k < n) for t in outputs]


def textbook_convolution2d(
    x: Sequence[Expr], k: Sequence[Expr], settings: ConvSettings2D
) -> list[Expr] | None:
    """``S(i, j) = sum_m sum_n I(m, n) K(i - m, j - n)`` (the *Deep Learning* book's
    eq. 9.4), with the input index running, independent of the tap lists.

    Defined for stride and dilation 1 with each axis "full" or "valid"; None elsewhere.
    """
    ranges = []
    for axis in (settings.rows, settings.cols):
        n, m = axis.kernel_size, axis.input_length
        if axis.stride != 1 or axis.dilation != 1:
            return None
        if axis.padding_pair == (n - 1, n - 1):
            ranges.append(range(0, m + n - 1))
        elif axis.padding_pair == (0, 0):
            ranges.append(range(n - 1, m))
        else:
            return None
    (height, width), (kh, kw) = settings.input_shape, settings.kernel_shape
    return [
        dot(
            (x[p * width + q], k[(i - p) * kw + (j - q)])
            for p in range(max(0, i - kh + 1), min(height, i + 1))
            for q in range(max(0, j - kw + 1), min(width, j + 1))
        )
        for i in ranges[0]
        for j in ranges[1]
    ]


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
