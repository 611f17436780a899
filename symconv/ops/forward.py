"""The forward layer's entry points: ``conv1d`` and ``conv2d`` for one channel or many.

A call is resolved once (:func:`~symconv.layout.resolve.resolve_layer`) into the kind of
layer it asks for, then handed to that kind's code: the single-channel sliding dot
product (:mod:`symconv.ops.sliding`, :mod:`symconv.ops.conv2d`) or the multi-channel
layer (:mod:`symconv.ops.channels`). This module sits above both, so neither imports
the other's entry point.

Examples
========

>>> from sympy import Array, Matrix, symbols
>>> from symconv import conv1d, conv2d
>>> a, b, c, u, v = symbols("a b c u v")
>>> conv1d([a, b, c], [u, v]).T
Matrix([[a*u + b*v, b*u + c*v]])
>>> conv1d([1, 2, 3, 4], [5, 6, 7], padding="full", flip=True).T
Matrix([[5, 16, 34, 52, 45, 28]])
>>> conv1d(Matrix([[1, 2, 3], [4, 5, 6]]), Array([[[1, 1], [0, 1]]]), bias=[10])
Matrix([[18, 21]])
>>> conv2d(Matrix([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), Matrix([[1, 0], [0, -1]]))
Matrix([
[-4, -4],
[-4, -4]])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sympy import Matrix

from symconv.core.tensors import rank_of
from symconv.layout.resolve import resolve_layer
from symconv.ops.conv2d import conv2d as conv2d_one_channel
from symconv.ops.sliding import conv1d as conv1d_one_channel

#: The code for each number of spatial axes with one channel and no bias; the channel
#: code (:mod:`symconv.ops.channels`) loads on the first call that needs it, so a first
#: single-channel ``conv1d`` costs no more than the sliding code.
SINGLE: dict[int, Callable[..., Any]] = {1: conv1d_one_channel, 2: conv2d_one_channel}


def forward(
    x: object, w: object, *, dims: int, bias: object, groups: object, **spatial: Any
) -> Any:
    """The ``dims``-D layer on x and w: a channel kernel (rank ``dims + 2``) is the
    multi-channel layer, resolved here once; anything else is one channel."""
    if rank_of(w) != dims + 2 and bias is None and groups == 1:
        return SINGLE[dims](x, w, **spatial)
    from symconv.ops import channels

    if rank_of(w) == dims + 2:
        layer = resolve_layer("channels", x, w, dims=dims, bias=bias, groups=groups, **spatial)
        return channels.as_result(channels.outputs(layer), layer.output_shape)
    # One channel with a bias or groups (a scalar bias; groups must be 1 there).
    with_bias = {1: channels.conv1d_channels, 2: channels.conv2d_channels}[dims]
    return with_bias(x, w, bias=bias, groups=groups, **spatial)


def conv1d(
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
    """Every output of a 1-D convolution layer as a sliding dot product (a column vector).

    Equals ``torch.nn.functional.conv1d`` with numbers (cross-correlation); with
    ``flip=True`` the kernel is reversed first (``numpy.convolve`` for full and valid).
    With x a ``(C_in, L)`` Matrix (or a batch ``(N, C_in, L)``) and w a rank-3
    ``sympy.Array`` ``(C_out, C_in/groups, K)`` it is the multi-channel layer, returning
    ``(C_out, L_out)`` (see :func:`symconv.ops.channels.conv1d_channels`); ``bias`` adds
    one value per output channel. ``padding_mode`` is PyTorch's (``"zeros"``,
    ``"reflect"``, ``"replicate"``, ``"circular"``): the input is padded by the mode,
    then a valid convolution slides.

    >>> conv1d([1, 2, 3], [1, 10, 100], padding=1, padding_mode="circular").T
    Matrix([[213, 321, 132]])
    >>> conv1d([1, 2, 3, 4, 5], [1, 1], stride=2).T
    Matrix([[3, 7]])
    >>> conv1d([1, 2, 3, 4, 5], [1, 1], dilation=3).T
    Matrix([[5, 7]])
    """
    result: Matrix = forward(
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
    return result


def conv2d(
    x: object,
    k: object,
    *,
    bias: object = None,
    groups: object = 1,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    padding_mode: object = "zeros",
) -> Any:
    """Every output of a 2-D convolution layer as a sliding dot product (a Matrix).

    Equals ``torch.nn.functional.conv2d`` with numbers (cross-correlation). Stride and
    dilation are an int or a pair ``(height, width)``; padding an int, a pair per axis
    (each an int or ``(before, after)``), or ``"valid"``, ``"same"`` (stride 1),
    ``"full"``, ``"same_upper"`` or ``"same_lower"`` (ONNX's auto_pad, any stride).
    With ``flip=True`` the kernel is rotated by 180 degrees first, so ``padding="full"``
    is ``scipy.signal.convolve2d(x, k, "full")``. ``padding_mode`` (``"zeros"``,
    ``"reflect"``, ``"replicate"``, ``"circular"``) pads both axes by the mode, as
    ``nn.Conv2d`` does.

    With a rank-3 ``sympy.Array`` x ``(C_in, H, W)`` (or a rank-4 batch) and a rank-4
    kernel ``(C_out, C_in/groups, kh, kw)`` it is the multi-channel layer, with optional
    bias, as a rank-3 Array (see :func:`symconv.ops.channels.conv2d_channels`).

    >>> conv2d([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 1], [1, 1]], stride=(1, 2))
    Matrix([
    [12],
    [24]])
    >>> conv2d([[1, 2], [3, 4]], [[1, 2], [3, 4]], padding="full", flip=True)
    Matrix([
    [1,  4,  4],
    [6, 20, 16],
    [9, 24, 16]])
    """
    return forward(
        x,
        k,
        dims=2,
        bias=bias,
        groups=groups,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
        padding_mode=padding_mode,
    )
