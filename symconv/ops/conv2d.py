"""2-D convolution: an image layer is a doubly-block Toeplitz matrix with tied weights.

Output ``(i, j)`` is ``sum_{a,b} k'[a, b] * xpad[i*s_h + a*d_h, j*s_w + b*d_w]``, one 1-D
convolution per axis (:class:`~symconv.settings.ConvSettings` each). Flattened row-major
(pixel ``(r, c)`` is entry ``r*W + c``, kernel entry ``(a, b)`` is weight ``a*kw + b``),
the layer is a 1-D layer with a longer tap list, so the band, the data matrix, the
gradients and the tied-weight proof of the 1-D machinery are reused as they are:
:class:`ConvSettings2D` offers the interface they read.

Examples
========

>>> from sympy import Matrix
>>> from symconv import conv2d, conv2d_matrix, im2col2d, symbolic_matrix
>>> x, k = symbolic_matrix("x", 3, 3), symbolic_matrix("k", 2, 2)
>>> conv2d(x, k)[0, 0]
k0_0*x0_0 + k0_1*x0_1 + k1_0*x1_0 + k1_1*x1_1
>>> conv2d(Matrix([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), Matrix([[1, 0], [0, -1]]))
Matrix([
[-4, -4],
[-4, -4]])
>>> T = conv2d_matrix(k, (3, 3))
>>> T.shape, T * x.reshape(9, 1) == conv2d(x, k).reshape(4, 1)
((4, 9), True)
>>> im2col2d(x, (2, 2)) * k.reshape(4, 1) == conv2d(x, k).reshape(4, 1)
True
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy
from sympy import Expr, Matrix

from symconv.core.engine import in_session
from symconv.core.images import as_image
from symconv.layout.grid import ConvSettings2D, layout, settings2d, shape_pair
from symconv.layout.resolve import resolve_layer
from symconv.ops.banded import BandedMatrix, band_from_settings
from symconv.ops.datamatrix import rows_from_settings
from symconv.ops.gradients import derive_gradients
from symconv.ops.sliding import sliding_outputs


def shaped(entries: Sequence[Expr], shape: tuple[int, int]) -> Matrix:
    """A row-major list back into a matrix."""
    return Matrix(shape[0], shape[1], list(entries))


def conv2d(
    x: object,
    k: object,
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    padding_mode: object = "zeros",
) -> Matrix:
    """Every output of a single-channel 2-D layer as a sliding dot product (a Matrix).

    Equals ``torch.nn.functional.conv2d`` with numbers (cross-correlation). Stride and
    dilation are an int or a pair ``(height, width)``; padding an int, a pair per axis
    (each an int or ``(before, after)``), or ``"valid"``, ``"same"`` (stride 1),
    ``"full"``, ``"same_upper"`` or ``"same_lower"`` (ONNX's auto_pad, any stride).
    With ``flip=True`` the kernel is rotated by 180 degrees first, so ``padding="full"``
    is ``scipy.signal.convolve2d(x, k, "full")``. ``padding_mode`` (``"zeros"``,
    ``"reflect"``, ``"replicate"``, ``"circular"``) pads both axes by the mode, as
    ``nn.Conv2d`` does. Channels, groups and bias are :func:`symconv.conv2d`'s
    (:func:`symconv.ops.forward.conv2d`), which hands one channel to this function.

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
    image, kernel = as_image(x, "image x"), as_image(k, "kernel k")
    settings = settings_for_images(image, kernel, stride, padding, dilation, flip, padding_mode)
    return shaped(
        sliding_outputs(list(image), list(kernel), layout(settings)), settings.output_shape
    )


def settings_for_images(
    x: Matrix,
    k: Matrix,
    stride: object,
    padding: object,
    dilation: object,
    flip: object,
    padding_mode: object = "zeros",
) -> ConvSettings2D:
    """Validated settings for image ``x`` and kernel ``k`` (both already matrices), by
    :func:`~symconv.layout.resolve.resolve_layer` (the same as
    :func:`symconv.layout.grid.settings_for_images`, with the layer named in errors)."""
    return resolve_layer(
        "image",
        x,
        k,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
        padding_mode=padding_mode,
    )


def band2d(
    k: object,
    input_shape: tuple[int, int],
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    padding_mode: object = "zeros",
) -> BandedMatrix:
    """The doubly-block Toeplitz matrix T(k) as its band, over row-major flat indices.

    Entry ``(i*Wo + j, r*W + c)`` holds weight ``a*kw + b`` of the flattened kernel; no
    dense matrix is built.

    >>> t = band2d([[1, 2], [3, 4]], (3, 3))
    >>> t.shape, t.nnz, t.tie_sets()[3]
    ((4, 9), 16, [(0, 4), (1, 5), (2, 7), (3, 8)])
    """
    kernel = as_image(k, "kernel k")
    height, width = shape_pair(input_shape, "input shape")
    settings = settings2d(
        kernel.shape,
        (height, width),
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
        padding_mode=padding_mode,
    )
    return band_from_settings(list(kernel), layout(settings))


def conv2d_matrix(
    k: object,
    input_shape: tuple[int, int],
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    padding_mode: object = "zeros",
) -> Matrix:
    """The dense doubly-block Toeplitz matrix of shape ``(Ho*Wo, H*W)``, row-major, with
    ``T * x.reshape(H*W, 1) == conv2d(x, k).reshape(Ho*Wo, 1)``.

    >>> conv2d_matrix([[5, 6], [7, 8]], (2, 3))
    Matrix([
    [5, 6, 0, 7, 8, 0],
    [0, 5, 6, 0, 7, 8]])
    """
    return band2d(
        k,
        input_shape,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
        padding_mode=padding_mode,
    ).to_matrix()


def toeplitz_blocks(
    k: object,
    input_shape: tuple[int, int],
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
) -> tuple[Matrix, list[Matrix]]:
    """T's block structure: an ``(Ho, H)`` layout whose entry ``(i, r)`` is the symbol
    ``T_a`` (or 0), and the blocks ``T_a = conv_matrix(k'[a, :], W)``, the 1-D banded
    matrices of the kernel rows along the width axis.

    Block row ``i`` is output row ``i``; block column ``r`` is input row ``r``; kernel
    row ``a`` meets input row ``r = i*s_h + a*d_h - top``.

    >>> layout_, blocks = toeplitz_blocks([[1, 2], [3, 4]], (3, 3))
    >>> layout_
    Matrix([
    [T0, T1,  0],
    [ 0, T0, T1]])
    >>> blocks[1]
    Matrix([
    [3, 4, 0],
    [0, 3, 4]])
    """
    kernel = as_image(k, "kernel k")
    settings = settings2d(
        kernel.shape,
        shape_pair(input_shape, "input shape"),
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
    )
    blocks = row_bands(list(kernel), settings)
    names = sympy.symbols(f"T0:{len(blocks)}")
    pattern = sympy.zeros(settings.rows.output_length, settings.rows.input_length)
    for i in range(settings.rows.output_length):
        for a, r in settings.rows.taps(i):
            pattern[i, r] = names[a]
    return pattern, [block.to_matrix() for block in blocks]


def row_bands(kernel: Sequence[Expr], settings: ConvSettings2D) -> list[BandedMatrix]:
    """The 1-D band of each kernel row along the width axis (the blocks of T)."""
    kh, kw = settings.kernel_shape
    return [
        band_from_settings(list(kernel[a * kw : (a + 1) * kw]), settings.cols) for a in range(kh)
    ]


def im2col2d(
    x: object,
    kernel_shape: tuple[int, int],
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    padding_mode: object = "zeros",
) -> Matrix:
    """The data matrix of shape ``(Ho*Wo, kh*kw)``: row ``i*Wo + j`` is the window under
    output ``(i, j)``, read row-major, zeros where it lies on padding.

    >>> im2col2d([[1, 2, 3], [4, 5, 6]], (2, 2))
    Matrix([
    [1, 2, 4, 5],
    [2, 3, 5, 6]])
    """
    image = as_image(x, "image x")
    settings = settings2d(
        shape_pair(kernel_shape, "kernel shape"),
        image.shape,
        stride=stride,
        padding=padding,
        dilation=dilation,
        padding_mode=padding_mode,
    )
    return Matrix(rows_from_settings(list(image), layout(settings)))


@in_session
def conv2d_grads(
    x: object,
    k: object,
    upstream: object,
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    padding_mode: object = "zeros",
) -> tuple[Matrix, Matrix]:
    """``(dL/dx, dL/dk)`` for ``L = sum_{i,j} upstream[i, j] * conv2d(x, k)[i, j]``.

    Differentiated term by term (genuine product rule over the loss's terms); equal to
    PyTorch autograd with numbers.

    >>> gx, gk = conv2d_grads([[1, 2], [3, 4]], [[1, 0], [0, 1]], [[1]])
    >>> gx, gk
    (Matrix([
    [1, 0],
    [0, 1]]), Matrix([
    [1, 2],
    [3, 4]]))
    """
    image, kernel = as_image(x, "image x"), as_image(k, "kernel k")
    settings = settings_for_images(image, kernel, stride, padding, dilation, flip, padding_mode)
    g = upstream_image(upstream, settings)
    derived = derive_gradients(list(image), list(kernel), list(g), layout(settings))
    return shaped(derived.grad_x, image.shape), shaped(derived.grad_w, kernel.shape)


def upstream_image(upstream: object, settings: ConvSettings2D) -> Matrix:
    """The upstream gradient as an image of the output's shape."""
    g = as_image(upstream, "upstream")
    if g.shape != settings.output_shape:
        raise ValueError(
            f"upstream has shape {g.shape} but the layer's output has shape "
            f"{settings.output_shape}; give one upstream gradient per output"
        )
    return g
