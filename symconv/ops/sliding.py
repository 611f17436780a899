"""The sliding dot product: every output of a 1-D convolution layer, one window at a time.

Output ``i`` is ``sum_k w'[k] * xpad[i*stride + k*dilation]`` with ``xpad`` the zero-padded
input and ``w' = w`` (cross-correlation, what PyTorch calls convolution) or the reversed
kernel when ``flip=True`` (true convolution, as numpy.convolve and MATLAB's conv).

Examples
========

>>> from sympy import symbols
>>> from symconv import conv1d
>>> a, b, c, u, v = symbols("a b c u v")
>>> conv1d([a, b, c], [u, v]).T
Matrix([[a*u + b*v, b*u + c*v]])
>>> conv1d([1, 2, 3, 4], [5, 6, 7]).T            # the question's valid outputs
Matrix([[38, 56]])
>>> conv1d([1, 2, 3, 4], [5, 6, 7], padding="full", flip=True).T
Matrix([[5, 16, 34, 52, 45, 28]])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sympy import Expr, Matrix

from symconv.core.engine import dot
from symconv.core.vectors import as_vector
from symconv.layout.axis import ConvSettings, Layout, Padding, conv_settings
from symconv.layout.resolve import resolve_layer
from symconv.ops.datamatrix import rows_from_settings


def settings_for(
    x: Matrix,
    w: Matrix,
    stride: object,
    padding: object,
    dilation: object,
    flip: object,
    padding_mode: object = "zeros",
) -> ConvSettings:
    """Validated settings for input ``x`` and kernel ``w`` (both already vectors), by
    :func:`~symconv.layout.resolve.resolve_layer`."""
    return resolve_layer(
        "vector",
        x,
        w,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
        padding_mode=padding_mode,
    )


def windows(
    x: object,
    kernel_size: int,
    *,
    stride: int = 1,
    padding: Padding = 0,
    dilation: int = 1,
    padding_mode: str = "zeros",
) -> list[list[Expr]]:
    """The windows the kernel sees: row ``i`` is ``xpad[i*stride + k*dilation]``, ``k < K``.

    Zero padding shows up as literal zeros; a ``padding_mode`` reads inputs there.

    >>> windows([1, 2, 3, 4], 3)
    [[1, 2, 3], [2, 3, 4]]
    >>> windows([1, 2], 2, padding=1)
    [[0, 1], [1, 2], [2, 0]]
    >>> windows([1, 2, 3], 3, padding=1, padding_mode="replicate")
    [[1, 1, 2], [1, 2, 3], [2, 3, 3]]
    """
    xs = as_vector(x, "input x")
    s = conv_settings(
        kernel_size,
        len(xs),
        stride=stride,
        padding=padding,
        dilation=dilation,
        padding_mode=padding_mode,
    )
    return rows_from_settings(list(xs), s)


def sliding_outputs(
    x: Sequence[Expr], w: Sequence[Expr], settings: Layout, rows: Iterable[int] | None = None
) -> list[Expr]:
    """Outputs of the layer for resolved settings, as a list (the engine's currency);
    ``rows`` picks some outputs, in that order (all of them by default)."""
    if rows is None:
        rows = range(settings.output_length)
    return [dot((w[k], x[j]) for k, j in settings.taps(i)) for i in rows]


def conv1d(
    x: object,
    w: object,
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    padding_mode: object = "zeros",
) -> Matrix:
    """Every output of a single-channel 1-D layer as a sliding dot product (a column).

    Equals ``torch.nn.functional.conv1d`` with numbers (cross-correlation); with
    ``flip=True`` the kernel is reversed first (``numpy.convolve`` for full and valid).
    ``padding_mode`` is PyTorch's (``"zeros"``, ``"reflect"``, ``"replicate"``,
    ``"circular"``): the input is padded by the mode, then a valid convolution slides.
    Channels, groups and bias are :func:`symconv.conv1d`'s
    (:func:`symconv.ops.forward.conv1d`), which hands one channel to this function.

    >>> conv1d([1, 2, 3], [1, 10, 100], padding=1, padding_mode="circular").T
    Matrix([[213, 321, 132]])
    >>> conv1d([1, 2, 3, 4, 5], [1, 1], stride=2).T
    Matrix([[3, 7]])
    >>> conv1d([1, 2, 3, 4, 5], [1, 1], dilation=3).T
    Matrix([[5, 7]])
    """
    xs = as_vector(x, "input x")
    ws = as_vector(w, "kernel w")
    settings = settings_for(xs, ws, stride, padding, dilation, flip, padding_mode)
    return Matrix(sliding_outputs(xs, ws, settings))
