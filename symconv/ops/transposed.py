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
from math import prod
from typing import Any, cast

import sympy
from sympy import Expr, Matrix, S

from symconv.core.numbers import as_int
from symconv.core.tensors import rank_of
from symconv.core.vectors import as_vector
from symconv.layout.transposed import TransposedLayer, transposed_axis, transposed_layer
from symconv.ops.banded import band_from_settings
from symconv.ops.channels import as_result


def transposed(y: object, w: object, dims: int, **options: object) -> Any:
    """Resolve the layer once and read the forward band backwards, shaped as the input."""
    layer = transposed_layer(y, w, dims=dims, **options)  # type: ignore[arg-type]
    return as_result(transposed_outputs(layer), layer.result_shape())


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
    padding_mode: object = "zeros",
) -> Matrix:
    """``torch.nn.functional.conv_transpose1d`` for one sample, symbolically.

    A vector y and kernel w give a column vector; y ``(C_in, L)`` with a rank-3 Array w
    ``(C_in, C_out/groups, K)`` give the ``(C_out, L_out)`` Matrix, a batch
    ``(B, C_in, L)`` the ``(B, C_out, L_out)`` Array. ``padding`` is an
    int or a pair ``(left, right)`` (crop from each end). ``padding_mode`` is
    ``"zeros"`` only, as for PyTorch's ``nn.ConvTranspose1d``.

    >>> conv_transpose1d([1, 2, 3], [1, 10], padding=1).T
    Matrix([[12, 23]])
    """
    return cast(
        Matrix,
        transposed(
            y,
            w,
            1,
            bias=bias,
            groups=groups,
            stride=stride,
            padding=padding,
            output_padding=output_padding,
            dilation=dilation,
            padding_mode=padding_mode,
        ),
    )


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
    padding_mode: object = "zeros",
) -> Any:
    """``torch.nn.functional.conv_transpose2d`` for one sample, symbolically.

    Matrices y and w give a Matrix; a rank-3 y ``(C_in, H, W)`` with a rank-4 w
    ``(C_in, C_out/groups, kh, kw)`` gives a rank-3 Array (a rank-4 batch y
    ``(B, C_in, H, W)`` a rank-4 Array). Options are an int or a pair
    ``(height, width)``; a padding item may be ``(before, after)``.

    >>> conv_transpose2d([[1, 2], [3, 4]], [[1, 1], [1, 1]])
    Matrix([
    [1,  3, 2],
    [4, 10, 6],
    [3,  7, 4]])
    """
    return transposed(
        y,
        w,
        2,
        bias=bias,
        groups=groups,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
        padding_mode=padding_mode,
    )


def conv_transposend(
    y: object,
    w: object,
    *,
    bias: object = None,
    groups: object = 1,
    stride: object = 1,
    padding: object = 0,
    output_padding: object = 0,
    dilation: object = 1,
    padding_mode: object = "zeros",
) -> Any:
    """``torch.nn.functional.conv_transpose{N}d``: y ``(C_in, ...)`` of rank N + 1 (or a
    batch ``(B, C_in, ...)``) and w ``(C_in, C_out/groups, k_0, ..., k_(N-1))`` of rank N + 2 (N >= 1);
    options an int or one per axis, a padding item an int or ``(before, after)``.

    >>> from sympy import Array
    >>> conv_transposend(Array([[[[1, 2]]]]), Array([[[[[1, 10]]]]]))
    [[[[1, 12, 20]]]]
    """
    rank = rank_of(w)
    if rank < 3:
        raise ValueError(
            f"kernel w must have rank >= 3 (C_in, C_out/groups, k_0, ..., k_(N-1)), got rank {rank}"
        )
    return transposed(
        y,
        w,
        rank - 2,
        bias=bias,
        groups=groups,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
        padding_mode=padding_mode,
    )


def conv_transpose3d(
    y: object,
    w: object,
    *,
    bias: object = None,
    groups: object = 1,
    stride: object = 1,
    padding: object = 0,
    output_padding: object = 0,
    dilation: object = 1,
    padding_mode: object = "zeros",
) -> Any:
    """``torch.nn.functional.conv_transpose3d``: y ``(C_in, D, H, W)`` or ``(B, C_in, D, H, W)``,
    w ``(C_in, C_out/groups, kd, kh, kw)``; options as :func:`conv_transposend`.

    >>> from sympy import Array
    >>> conv_transpose3d(Array([[[[1]], [[2]]]]), Array([[[[[1]], [[10]]]]]))
    [[[[1]], [[12]], [[20]]]]
    """
    if rank_of(w) != 5:
        raise ValueError(
            f"kernel w must have rank 5 (C_in, C_out/groups, kd, kh, kw), got rank {rank_of(w)}"
        )
    return conv_transposend(
        y,
        w,
        bias=bias,
        groups=groups,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
        padding_mode=padding_mode,
    )


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


def padded_upstream(layer: TransposedLayer) -> list[Expr]:
    """y laid on the forward layer's output grid, zeros past its end on each axis
    (only when ``output_padding >= stride`` makes that grid longer)."""
    if not any(layer.extras):
        return list(layer.y)
    grid = tuple(axis.output_length for axis in layer.axes)
    in_shape = layer.in_shape
    padded: list[Expr] = []
    size_in = prod(in_shape)
    for c in range(layer.samples * layer.in_channels):  # channel-major, sample after sample
        for index in itertools.product(*[range(n) for n in grid]):
            if all(i < n for i, n in zip(index, in_shape, strict=True)):
                flat = 0
                for i, n in zip(index, in_shape, strict=True):
                    flat = flat * n + i
                padded.append(layer.y[c * size_in + flat])
            else:
                padded.append(S.Zero)
    return padded


def transposed_outputs(layer: TransposedLayer) -> list[Expr]:
    """``C^T y (+ b)`` for the forward layer's band ``C``: the transpose reads the forward
    rule backwards (no second tap rule), as SymPy's ``Transpose._entry(i, j)`` reads
    ``arg._entry(j, i)``. PyTorch's scatter definition is the proofs' reference."""
    t = band_from_settings(layer.w, layer.forward_layout)
    values = t.rmatvec(padded_upstream(layer))
    if layer.bias is None:
        return values
    size = prod(layer.out_shape)
    return [sympy.Add(v, layer.bias[n // size % layer.out_channels]) for n, v in enumerate(values)]
