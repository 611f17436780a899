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

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sympy
from sympy import Expr, Matrix

from symconv.banded import BandedMatrix, Entry, band_from_settings
from symconv.datamatrix import rows_from_settings
from symconv.engine import dot, in_session
from symconv.gradients import derive_gradients
from symconv.matrix_form import DENSE_CHECK_LIMIT, derived_outputs
from symconv.proof import Proof, Step, check, observe
from symconv.settings import ConvSettings, WindowLayout, as_int, conv_settings
from symconv.sliding import sliding_outputs
from symconv.tied import (
    tied_weight_steps,
)
from symconv.vectors import as_entry, check_name

#: The two axes of an image, in the order every pair option lists them.
AXES = ("height", "width")


# --- settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ConvSettings2D:
    """A 2-D convolution's settings: one resolved 1-D :class:`ConvSettings` per axis.

    Flattened row-major it offers what the 1-D stages read from a ``ConvSettings``
    (``output_length``, ``input_length``, ``kernel_size``, ``flip``, ``taps(o)``,
    ``input_index(o, k)``), over flat indices: output ``o = i*Wo + j``, input
    ``r*W + c``, kernel ``a*kw + b``. Flipping both axes reverses the flat kernel, so
    ``flip=True`` is the 180-degree rotation of true 2-D convolution.

    >>> s = settings2d((2, 2), (3, 4), padding=(1, 0))
    >>> s.output_shape, s.output_length, s.taps(0)
    ((4, 3), 12, [(2, 0), (3, 1)])
    """

    rows: ConvSettings
    cols: ConvSettings

    @property
    def kernel_shape(self) -> tuple[int, int]:
        return (self.rows.kernel_size, self.cols.kernel_size)

    @property
    def input_shape(self) -> tuple[int, int]:
        return (self.rows.input_length, self.cols.input_length)

    @property
    def output_shape(self) -> tuple[int, int]:
        return (self.rows.output_length, self.cols.output_length)

    @property
    def kernel_size(self) -> int:
        return self.rows.kernel_size * self.cols.kernel_size

    @property
    def input_length(self) -> int:
        return self.rows.input_length * self.cols.input_length

    @property
    def output_length(self) -> int:
        return self.rows.output_length * self.cols.output_length

    @property
    def flip(self) -> bool:
        return self.rows.flip

    @property
    def stride(self) -> tuple[int, int]:
        return (self.rows.stride, self.cols.stride)

    @property
    def dilation(self) -> tuple[int, int]:
        return (self.rows.dilation, self.cols.dilation)

    @property
    def padding(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """``((top, bottom), (left, right))``."""
        return (self.rows.padding_pair, self.cols.padding_pair)

    def with_flip(self, flip: bool) -> ConvSettings2D:
        return ConvSettings2D(
            dataclasses.replace(self.rows, flip=flip), dataclasses.replace(self.cols, flip=flip)
        )

    @cached_property
    def flat_taps(self) -> list[list[tuple[int, int]]]:
        """Every output's ``(flat kernel index, flat input index)`` pairs, built once:
        the per-axis tap lists crossed (padding taps are already absent from both)."""
        kw, width = self.cols.kernel_size, self.cols.input_length
        row_taps = [self.rows.taps(i) for i in range(self.rows.output_length)]
        col_taps = [self.cols.taps(j) for j in range(self.cols.output_length)]
        return [
            [(a * kw + b, r * width + c) for a, r in across for b, c in along]
            for across in row_taps
            for along in col_taps
        ]

    def taps(self, o: int) -> list[tuple[int, int]]:
        """The ``(flat kernel index, flat input index)`` pairs of flat output ``o``."""
        return self.flat_taps[o]

    def input_index(self, o: int, k: int) -> int:
        """Flat input read by output ``o`` at unflipped tap ``k``, or -1 on padding.

        -1 (never a real index) because a padding column of row ``r`` would otherwise
        flatten onto a real pixel of row ``r - 1``.
        """
        i, j = divmod(o, self.cols.output_length)
        a, b = divmod(k, self.cols.kernel_size)
        r, c = self.rows.input_index(i, a), self.cols.input_index(j, b)
        height, width = self.input_shape
        return r * width + c if 0 <= r < height and 0 <= c < width else -1

    def describe(self) -> str:
        kind = "convolution (kernel rotated 180 degrees)" if self.flip else "cross-correlation"
        (h, w), (kh, kw), (ho, wo) = self.input_shape, self.kernel_shape, self.output_shape
        return (
            f"the 2-D {kind} of a {h}x{w} image with a {kh}x{kw} kernel (stride "
            f"{self.stride}, padding {self.padding}, dilation {self.dilation}): "
            f"{ho}x{wo} outputs"
        )


def layout(settings: ConvSettings2D) -> WindowLayout:
    """``settings`` handed to a 1-D stage (band, data matrix, loss terms), which read
    only the flat :class:`~symconv.settings.WindowLayout` that :class:`ConvSettings2D` offers."""
    return settings


def axis_pair(value: object, name: str) -> tuple[object, object]:
    """One value per axis from an int or a pair ``(height, width)``."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} {value!r} must be an integer or a pair (height, width)")
        return value[0], value[1]
    return value, value


def padding_per_axis(padding: object) -> tuple[object, object]:
    """A padding word for both axes, an int for all four sides, or a pair per axis whose
    items are an int (both sides) or a pair ``(before, after)``."""
    if isinstance(padding, str):
        return padding, padding
    return axis_pair(padding, "padding")


def settings2d(
    kernel_shape: tuple[int, int],
    input_shape: tuple[int, int],
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
) -> ConvSettings2D:
    """Validate every option per axis and return the resolved :class:`ConvSettings2D`.

    >>> settings2d((3, 3), (5, 5), padding="same").padding
    ((1, 1), (1, 1))
    >>> settings2d((3, 3), (2, 5))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: along the height axis: kernel of size 3 with dilation 1 spans 3 positions ...
    """
    if not isinstance(flip, bool):
        raise TypeError(f"flip must be True or False, got {flip!r}")
    strides, dilations = axis_pair(stride, "stride"), axis_pair(dilation, "dilation")
    paddings = padding_per_axis(padding)
    axes = []
    for axis, name in enumerate(AXES):
        try:
            axes.append(
                conv_settings(
                    kernel_shape[axis],
                    input_shape[axis],
                    stride=strides[axis],
                    padding=paddings[axis],
                    dilation=dilations[axis],
                    flip=flip,
                )
            )
        except (ValueError, TypeError) as error:
            raise type(error)(f"along the {name} axis: {error}") from error
    return ConvSettings2D(axes[0], axes[1])


# --- images -----------------------------------------------------------------------------


def symbolic_matrix(name: str, rows: int, cols: int) -> Matrix:
    """A matrix of fresh symbols ``name{i}_{j}``.

    >>> symbolic_matrix("k", 2, 2)
    Matrix([
    [k0_0, k0_1],
    [k1_0, k1_1]])
    """
    check_name(name)
    rows = as_int(rows, f"rows of {name}", 1)
    cols = as_int(cols, f"columns of {name}", 1)
    return Matrix(rows, cols, sympy.symbols(f"{name}0:{rows}_0:{cols}"))


def as_image(values: object, name: str = "image x") -> Matrix:
    """Return ``values`` as a SymPy matrix (height, width), never evaluating text.

    Accepts SymPy matrices, rank-2 arrays, numpy arrays and lists of rows.

    >>> as_image([[1, 2], [3, 4]], "kernel k")
    Matrix([
    [1, 2],
    [3, 4]])
    >>> as_image([[1, 2], [3]], "kernel k")
    Traceback (most recent call last):
    ...
    ValueError: kernel k has rows of different lengths [2, 1]; every row needs the same width
    """
    if isinstance(values, str):
        raise TypeError(
            f"{name} is the string {values!r}; strings are never evaluated: pass a "
            "sympy Matrix or a list of rows"
        )
    if isinstance(values, sympy.MatrixBase):
        rows = values.tolist()
    elif isinstance(values, sympy.NDimArray):
        if values.rank() != 2:
            raise ValueError(f"{name} must have rank 2 (height, width), got shape {values.shape}")
        rows = values.tolist()
    else:
        shape = getattr(values, "shape", None)
        if shape is not None and len(shape) != 2:
            raise ValueError(f"{name} must be 2-D (height, width), got shape {tuple(shape)}")
        if not isinstance(values, Sequence) and shape is None:
            raise TypeError(
                f"{name} must be a sympy Matrix or a list of rows, got {type(values).__name__}"
            )
        rows = []
        for row in values:  # type: ignore[attr-defined]
            if isinstance(row, (str, bytes)) or not hasattr(row, "__iter__"):
                raise TypeError(
                    f"{name} must be a list of rows (2-D), but it holds {row!r}; "
                    "pass [[...], [...]] or a sympy Matrix"
                )
            rows.append(list(row))
    if not rows or not rows[0]:
        raise ValueError(f"{name} is empty; it needs at least one row and one column")
    widths = [len(row) for row in rows]
    if len(set(widths)) != 1:
        raise ValueError(
            f"{name} has rows of different lengths {widths}; every row needs the same width"
        )
    return Matrix(
        [
            [as_entry(v, f"entry ({i}, {j}) of {name}") for j, v in enumerate(row)]
            for i, row in enumerate(rows)
        ]
    )


def shape_pair(shape: object, name: str) -> tuple[int, int]:
    """``(height, width)`` of positive integers."""
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise ValueError(f"{name} {shape!r} must be a pair (height, width) of integers >= 1")
    return as_int(shape[0], f"{name} height", 1), as_int(shape[1], f"{name} width", 1)


def settings_for_images(
    x: Matrix, k: Matrix, stride: object, padding: object, dilation: object, flip: object
) -> ConvSettings2D:
    """Validated settings for image ``x`` and kernel ``k`` (both already matrices)."""
    return settings2d(
        k.shape, x.shape, stride=stride, padding=padding, dilation=dilation, flip=flip
    )


def shaped(entries: Sequence[Expr], shape: tuple[int, int]) -> Matrix:
    """A row-major list back into a matrix."""
    return Matrix(shape[0], shape[1], list(entries))


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
) -> Any:
    """Every output of a 2-D convolution layer as a sliding dot product (a Matrix).

    Equals ``torch.nn.functional.conv2d`` with numbers (cross-correlation). Stride and
    dilation are an int or a pair ``(height, width)``; padding an int, a pair per axis
    (each an int or ``(before, after)``), or ``"valid"``, ``"same"`` (stride 1) or
    ``"full"``. With ``flip=True`` the kernel is rotated by 180 degrees first, so
    ``padding="full"`` is ``scipy.signal.convolve2d(x, k, "full")``.

    With a rank-3 ``sympy.Array`` x ``(C_in, H, W)`` and a rank-4 kernel
    ``(C_out, C_in/groups, kh, kw)`` it is the multi-channel layer, with optional bias, as
    a rank-3 Array (see :func:`symconv.channels.conv2d_channels`).

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
    from symconv.channels import conv2d_channels, rank_of

    if rank_of(k) == 4 or bias is not None or groups != 1:
        return conv2d_channels(
            x,
            k,
            bias=bias,
            groups=groups,
            stride=stride,
            padding=padding,
            dilation=dilation,
            flip=flip,
        )
    image, kernel = as_image(x, "image x"), as_image(k, "kernel k")
    settings = settings_for_images(image, kernel, stride, padding, dilation, flip)
    return shaped(
        sliding_outputs(list(image), list(kernel), layout(settings)), settings.output_shape
    )


# --- the doubly-block Toeplitz matrix and the data matrix -------------------------------


def band2d(
    k: object,
    input_shape: tuple[int, int],
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
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
) -> Matrix:
    """The dense doubly-block Toeplitz matrix of shape ``(Ho*Wo, H*W)``, row-major, with
    ``T * x.reshape(H*W, 1) == conv2d(x, k).reshape(Ho*Wo, 1)``.

    >>> conv2d_matrix([[5, 6], [7, 8]], (2, 3))
    Matrix([
    [5, 6, 0, 7, 8, 0],
    [0, 5, 6, 0, 7, 8]])
    """
    return band2d(
        k, input_shape, stride=stride, padding=padding, dilation=dilation, flip=flip
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
    )
    return Matrix(rows_from_settings(list(image), layout(settings)))


# --- the matrix form, proved ------------------------------------------------------------


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


def block_structure_step(t: BandedMatrix, kernel: Sequence[Expr], settings: ConvSettings2D) -> Step:
    """Claim: ``T = sum_a P_a (x) T_a`` (Kronecker), ``P_a`` the row axis's 0/1 pattern
    of tap ``a`` and ``T_a`` the 1-D band of kernel row ``a``: T is block Toeplitz with
    Toeplitz blocks. Checked entry by entry over the band (no dense matrix)."""
    blocks = row_bands(kernel, settings)
    wo, width = settings.cols.output_length, settings.cols.input_length
    assembled: dict[Entry, Expr] = {}
    for i in range(settings.rows.output_length):
        for a, r in settings.rows.taps(i):
            block = blocks[a]
            for (j, c), b in block.ties.items():
                assembled[(i * wo + j, r * width + c)] = block.weights[b]
    if set(assembled) != set(t.ties):
        extra = sorted(set(assembled) ^ set(t.ties))[:3]
        return observe(
            "blocks are the 1-D bands of the kernel rows",
            False,
            law="T = sum_a P_a (x) T(k'[a, :])",
            details={"entries off the pattern": extra},
        )
    entries = sorted(assembled)
    return check(
        "blocks are the 1-D bands of the kernel rows",
        [t[e] for e in entries],
        [assembled[e] for e in entries],
        law="T = sum_a P_a (x) T(k'[a, :]): block (i, r) is the 1-D band of the kernel row "
        "a with r = i*s_h + a*d_h - top",
        labels=entries,
        details={"blocks": [block.shape for block in blocks]},
    )


def matrix_form_steps2d(x: list[Expr], k: list[Expr], settings: ConvSettings2D) -> list[Step]:
    """The steps of :func:`prove_matrix_form2d` for resolved settings (flat lists in)."""
    flat = layout(settings)
    t = band_from_settings(k, flat)
    # The reversed row-major kernel is the kernel rotated by 180 degrees.
    mirrored = layout(settings.with_flip(not settings.flip))
    built = derived_outputs(x, k, flat, mirrored, settings.flip, band=t)
    z, by_flip = built["z"], built["flip"]
    wo = settings.cols.output_length
    labels = [divmod(o, wo) for o in range(len(z))]
    steps = [
        check(
            "doubly-block Toeplitz product",
            z,
            built["T x"],
            law="row i*Wo + j of T holds k'[a, b] at column "
            "(i*s_h + a*d_h - top)*W + (j*s_w + b*d_w - left)",
            labels=labels,
            details={"band": t},
        ),
        block_structure_step(t, k, settings),
        check(
            "im2col product",
            z,
            built["X w"],
            law="row i*Wo + j of X is the window under output (i, j), read row-major",
            labels=labels,
        ),
    ]
    if t.shape[0] * t.shape[1] <= DENSE_CHECK_LIMIT:
        steps.append(
            check(
                "dense doubly-block Toeplitz product",
                z,
                list(t.to_matrix() * Matrix(x)),
                law="the dense conv2d_matrix(k, (H, W)) times x, multiplied by SymPy",
                labels=labels,
            )
        )
    if settings.flip:
        reference = textbook_convolution2d(x, k, settings)
        if reference is not None:
            steps.append(
                check(
                    "true convolution",
                    z,
                    reference,
                    law="S(i, j) = sum_m sum_n I(m, n) K(i - m, j - n)",
                    labels=labels,
                )
            )
        steps.append(
            check(
                "flip",
                z,
                by_flip,
                law="conv(x, k) = xcorr(x, rot180(k))",
                labels=labels,
            )
        )
    else:
        steps.append(
            check(
                "flip",
                by_flip,
                z,
                law="xcorr(x, k) = conv(x, rot180(k))",
                labels=labels,
            )
        )
    return steps


@in_session
def prove_matrix_form2d(
    x: object,
    k: object,
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
) -> Proof:
    """Prove ``conv2d(x, k) == T(k) x == X(x) k`` over flattened row-major images.

    T is shown to be ``sum_a P_a (x) T_a`` (block Toeplitz with 1-D banded blocks), and
    the flip identity holds. Costs ``O(Ho*Wo*kh*kw)`` terms: the band carries the proof.

    >>> from symconv import symbolic_matrix
    >>> proof = prove_matrix_form2d(symbolic_matrix("x", 3, 3), symbolic_matrix("k", 2, 2))
    >>> proof.holds
    True
    >>> for step in proof.steps:
    ...     print(step.name)
    doubly-block Toeplitz product
    blocks are the 1-D bands of the kernel rows
    im2col product
    dense doubly-block Toeplitz product
    flip
    """
    image, kernel = as_image(x, "image x"), as_image(k, "kernel k")
    settings = settings_for_images(image, kernel, stride, padding, dilation, flip)
    steps = matrix_form_steps2d(list(image), list(kernel), settings)
    return Proof(
        title="Matrix form of a 2-D convolution layer",
        statement=(
            f"For {settings.describe()}: conv2d(x, k) = T(k) vec(x) = X(x) vec(k), with T "
            "doubly-block Toeplitz and vec row-major."
        ),
        steps=steps,
        assumptions=(f"padding {settings.padding} zeros per axis, folded into T",),
    )


# --- gradients and the tied-weight proof ------------------------------------------------


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
    settings = settings_for_images(image, kernel, stride, padding, dilation, flip)
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


def weight_gradient_closed_form(
    x: Sequence[Expr], g: Sequence[Expr], settings: ConvSettings2D
) -> list[Expr]:
    """``dL/dk = X^T g``, rotated back when flipped: column ``(a, b)`` of the data matrix
    holds ``x[i*s_h + a*d_h - top, j*s_w + b*d_w - left]`` in row ``(i, j)``.

    Read from the per-axis window positions (as :func:`im2col2d` defines X), not from
    the tap lists the gradient was differentiated over; the upstream factor is put first
    because that is the product's canonical order for names like ``g``/``x``, which
    lets the engine reuse the products the derivation built.
    """
    (height, width), (kh, kw) = settings.input_shape, settings.kernel_shape
    wo = settings.cols.output_length
    across = [
        [settings.rows.input_index(i, a) for a in range(kh)]
        for i in range(settings.rows.output_length)
    ]
    along = [[settings.cols.input_index(j, b) for b in range(kw)] for j in range(wo)]
    closed = []
    for a in range(kh):
        for b in range(kw):
            pairs = []
            for i, rows in enumerate(across):
                r = rows[a]
                if not 0 <= r < height:
                    continue
                for j, cols in enumerate(along):
                    c = cols[b]
                    if 0 <= c < width:
                        pairs.append((g[i * wo + j], x[r * width + c]))
            closed.append(dot(pairs))
    return closed[::-1] if settings.flip else closed


@in_session
def prove_tied_gradients2d(
    x: object,
    k: object,
    upstream: object,
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
) -> Proof:
    """Prove what backpropagation does with the tied doubly-block Toeplitz matrix.

    The claims of :func:`symconv.prove_tied_gradients` over flattened images: each
    kernel weight's gradient (differentiated) is the sum of the untied entries'
    gradients over its tie set, ``dL/dk = X^T g``, ``dL/dx = T^T g``, and a step on k
    keeps zeros zero and ties tied where dense and masked steps do not.

    >>> from symconv import symbolic_matrix
    >>> x, k, g = symbolic_matrix("x", 3, 3), symbolic_matrix("k", 2, 2), symbolic_matrix("g", 2, 2)
    >>> proof = prove_tied_gradients2d(x, k, g)
    >>> proof.holds
    True
    >>> proof.step("tied gradient is the sum over its entries").details["tie sets"][0]
    [(0, 0), (1, 1), (2, 3), (3, 4)]
    """
    image, kernel = as_image(x, "image x"), as_image(k, "kernel k")
    settings = settings_for_images(image, kernel, stride, padding, dilation, flip)
    g = upstream_image(upstream, settings)
    x_list, k_list, g_list = list(image), list(kernel), list(g)
    flat = layout(settings)
    derived = derive_gradients(x_list, k_list, g_list, flat)
    kw, width = settings.cols.kernel_size, settings.cols.input_length
    steps = tied_weight_steps(
        x_list,
        k_list,
        g_list,
        flat,
        derived.grad_x,
        derived.grad_w,
        weight_gradient_closed_form(x_list, g_list, settings),
        weight_labels=[divmod(n, kw) for n in range(len(k_list))],
        input_labels=[divmod(n, width) for n in range(len(x_list))],
    )
    return Proof(
        title="Tied-weight gradients of a 2-D convolution layer",
        statement=(
            f"For L = sum_(i,j) g_ij y_ij with y = T(k) vec(x), {settings.describe()}: "
            "dL/dk_ab is the sum of dL/du over the entries of T holding k_ab, "
            "dL/dx = T^T g, and a gradient step on k keeps T doubly-block Toeplitz and tied."
        ),
        steps=steps,
        assumptions=("upstream g does not depend on x or k", "eta is the learning rate"),
    )


__all__ = [
    "ConvSettings2D",
    "as_image",
    "band2d",
    "conv2d",
    "conv2d_grads",
    "conv2d_matrix",
    "im2col2d",
    "prove_matrix_form2d",
    "prove_tied_gradients2d",
    "settings2d",
    "symbolic_matrix",
    "tied_weight_steps",
    "toeplitz_blocks",
]
