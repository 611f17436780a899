"""Any number of spatial axes: an N-D layer is a multi-level block Toeplitz matrix.

PyTorch's ``conv3d`` (and its N-D kin): input ``(C_in, d_0, ..., d_{N-1})`` or a batch
``(B, C_in, ...)``, kernel ``(C_out, C_in/groups, k_0, ..., k_{N-1})``. Each axis is one
1-D :class:`~symconv.layout.axis.ConvSettings`; :class:`~symconv.layout.grid.ConvSettingsND`
crosses their taps over row-major flat indices, and the channel layout flattens channels
around that, so the band, the gradients and the tied-weight proofs of the 1-D machinery
apply as they are. ``conv1d`` and ``conv2d`` with channel kernels are its N = 1, 2 cases.

Examples
========

>>> import sympy
>>> from sympy import Array
>>> from symconv import conv3d, convnd_matrix
>>> x = Array(sympy.symbols("x0:8"), (1, 2, 2, 2))
>>> w = Array(sympy.symbols("w0:8"), (1, 1, 2, 2, 2))
>>> conv3d(x, w)[0, 0, 0, 0]
w0*x0 + w1*x1 + w2*x2 + w3*x3 + w4*x4 + w5*x5 + w6*x6 + w7*x7
>>> convnd_matrix(Array([[[[[1, 2]]]]]), (1, 1, 1, 3))
Matrix([
[1, 2, 0],
[0, 1, 2]])
"""

from __future__ import annotations

from typing import Any

from sympy import Array, Matrix

from symconv.core.numbers import as_int, as_sizes
from symconv.core.tensors import as_tensor, rank_of
from symconv.layout.channels import ChannelLayout, flat
from symconv.layout.grid import settings_nd
from symconv.ops.banded import BandedMatrix, band_from_settings
from symconv.ops.channels import channel_grads, conv_channels
from symconv.ops.datamatrix import rows_from_settings


def kernel_dims(w: object, name: str = "kernel w", need: int | None = None) -> int:
    """The spatial axes of a channel kernel ``(C_out, C_in/groups, k...)``: its rank - 2."""
    rank = rank_of(w)
    if rank < 3 or (need is not None and rank != need + 2):
        wanted = f"rank {need + 2}" if need is not None else "rank >= 3"
        raise ValueError(
            f"{name} must have {wanted} (C_out, C_in/groups, k_0, ..., k_(N-1)) as a sympy "
            f"Array, got rank {rank}"
        )
    return rank - 2


def convnd(
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
    """``torch.nn.functional.conv{N}d`` symbolically, N the kernel's rank - 2.

    x is ``(C_in, ...)`` or a batch ``(B, C_in, ...)``; stride and dilation an int or one
    per axis; padding an int, a padding word, or one item per axis (an int, a pair
    ``(before, after)`` or a word). ``padding_mode`` (``"zeros"``, ``"reflect"``,
    ``"replicate"``, ``"circular"``) pads every channel on every axis by the mode, as
    ``nn.Conv{N}d`` does, within PyTorch's limits. A rank-``N+1`` result is the
    sample's ``(C_out, ...)``, a batch gives ``(B, C_out, ...)``.

    >>> convnd(Array([[[[1, 2], [3, 4]]]]), Array([[[[[1, 1]]]]]), padding=(0, 0, (0, 1)))
    [[[[3, 2], [7, 4]]]]
    >>> convnd(Array([[[1, 2, 3]]]), Array([[[1, 1]]]), padding=(0, 1), padding_mode="circular")
    [[[3, 5, 4]]]
    """
    dims = kernel_dims(w)
    return conv_channels(
        x,
        w,
        dims=dims,
        bias=bias,
        groups=groups,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
        padding_mode=padding_mode,
    )


def conv3d(
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
    """``torch.nn.functional.conv3d``: x ``(C_in, D, H, W)`` or ``(B, C_in, D, H, W)``,
    w ``(C_out, C_in/groups, kd, kh, kw)``; options as :func:`convnd`.

    >>> conv3d(Array([[[[1, 2]], [[3, 4]]]]), Array([[[[[1]], [[10]]]]]))
    [[[[31, 42]]]]
    """
    kernel_dims(w, need=3)
    return convnd(
        x,
        w,
        bias=bias,
        groups=groups,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
        padding_mode=padding_mode,
    )


def convnd_band(
    w: object,
    input_shape: tuple[int, ...],
    *,
    groups: object = 1,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    padding_mode: object = "zeros",
) -> BandedMatrix:
    """The band of the multi-level block Toeplitz matrix on inputs of shape
    ``(C_in, d_0, ...)``: ``C_out x C_in`` blocks (zero across groups), each an N-level
    block Toeplitz band; no dense matrix is built.

    >>> t = convnd_band(Array([[[[[1, 2]], [[3, 4]]]]]), (1, 3, 1, 2))
    >>> t.shape, t.nnz
    ((2, 6), 8)
    """
    dims = kernel_dims(w)
    w_shape, w_entries = as_tensor(w, dims + 2, "kernel w")
    shape = as_sizes(
        input_shape,
        "input shape",
        f"(C_in, d_0, ..., d_{dims - 1}) for a rank-{dims + 2} kernel",
        dims + 1,
    )
    groups = as_int(groups, "groups", 1)
    if shape[0] != w_shape[1] * groups or w_shape[0] % groups:
        raise ValueError(
            f"input shape {tuple(shape)} has {shape[0]} channels, but kernel w of shape "
            f"{w_shape} with groups={groups} reads {w_shape[1] * groups} (and its "
            f"{w_shape[0]} output channels must divide into the groups)"
        )
    spatial = settings_nd(
        w_shape[2:],
        shape[1:],
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
        padding_mode=padding_mode,
    )
    return band_from_settings(w_entries, flat(ChannelLayout(spatial, shape[0], w_shape[0], groups)))


def convnd_matrix(
    w: object,
    input_shape: tuple[int, ...],
    *,
    groups: object = 1,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    padding_mode: object = "zeros",
) -> Matrix:
    """The dense multi-level block Toeplitz matrix ``(C_out*P, C_in*Q)``, channel-major
    then row-major: ``T * vec(x) == vec(convnd(x, w))``.

    >>> convnd_matrix(Array([[[[[5, 6]], [[7, 8]]]]]), (1, 2, 1, 3))
    Matrix([
    [5, 6, 0, 7, 8, 0],
    [0, 5, 6, 0, 7, 8]])
    """
    return convnd_band(
        w,
        input_shape,
        groups=groups,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
        padding_mode=padding_mode,
    ).to_matrix()


def im2colnd(
    x: object,
    kernel_shape: tuple[int, ...],
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    padding_mode: object = "zeros",
) -> Matrix:
    """The data matrix ``(P, C*K)`` of x ``(C, d_0, ...)``: row ``p`` is the window under
    output position ``p`` (row-major), channel after channel, zeros on padding; with
    ``W = w.reshape(C_out, C*K)`` (groups 1), ``X W^T`` is the output, position by row.

    >>> im2colnd(Array([[[[1, 2, 3]]], [[[4, 5, 6]]]]), (1, 1, 2))
    Matrix([
    [1, 2, 4, 5],
    [2, 3, 5, 6]])
    """
    sizes = as_sizes(kernel_shape, "kernel shape", "(k_0, ..., k_(N-1))")
    dims = len(sizes)
    shape, entries = as_tensor(x, dims + 1, "input x")
    spatial = settings_nd(
        sizes,
        shape[1:],
        stride=stride,
        padding=padding,
        dilation=dilation,
        padding_mode=padding_mode,
    )
    q_size = spatial.input_length
    per_channel = [
        rows_from_settings(entries[c * q_size : (c + 1) * q_size], spatial) for c in range(shape[0])
    ]
    return Matrix([sum((rows[p] for rows in per_channel), []) for p in range(len(per_channel[0]))])


def convnd_grads(
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
) -> tuple[Any, Array, Matrix | None]:
    """``(dL/dx, dL/dw, dL/db)`` of ``L = sum upstream * convnd(x, w, ...)``, by
    term-by-term differentiation; with a batch, L sums over the samples and the tied
    weights gather every sample's gradient. PyTorch autograd's ``.grad`` with numbers.

    >>> gx, gw, gb = convnd_grads(Array([[[[1, 2]]]]), Array([[[[[3]]]]]),
    ...                           Array([[[[1, 1]]]]), bias=[0])
    >>> gx, gw, gb
    ([[[[3, 3]]]], [[[[[3]]]]], Matrix([[2]]))
    """
    dims = kernel_dims(w)
    return channel_grads(
        x,
        w,
        upstream,
        dims=dims,
        bias=bias,
        groups=groups,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
        padding_mode=padding_mode,
    )
