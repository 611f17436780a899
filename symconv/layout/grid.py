"""Spatial axes crossed: per-axis settings and the row-major flattening of an N-D layer
(:class:`ConvSettingsND`; :class:`ConvSettings2D` is its two-axis case).

Examples
========

>>> from symconv import settings2d
>>> s = settings2d((3, 3), (4, 4), padding=1)
>>> s.output_shape
(4, 4)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from math import prod

from sympy import Matrix

from symconv.core.numbers import as_sizes
from symconv.layout.axis import ConvSettings, WindowLayout, conv_settings

#: The two axes of an image, in the order every pair option lists them.
AXES = ("height", "width")

#: Axis names by the number of spatial axes (PyTorch's order); other counts say "axis n".
AXIS_NAMES = {1: ("length",), 2: AXES, 3: ("depth", "height", "width")}


def axis_names(dims: int) -> tuple[str, ...]:
    """The spatial axes' names for ``dims`` axes.

    >>> axis_names(3), axis_names(4)
    (('depth', 'height', 'width'), ('axis 0', 'axis 1', 'axis 2', 'axis 3'))
    """
    return AXIS_NAMES.get(dims, tuple(f"axis {n}" for n in range(dims)))


@dataclass(frozen=True)
class ConvSettingsND:
    """An N-D convolution's settings: one resolved 1-D :class:`ConvSettings` per axis.

    Flattened row-major it offers what the 1-D stages read from a ``ConvSettings``
    (``output_length``, ``input_length``, ``kernel_size``, ``flip``, ``taps(o)``,
    ``input_index(o, k)``), over flat indices: output ``(i_0, ..., i_{N-1})`` is
    ``ravel(i)`` with the output shape, input and kernel likewise (ONE index rule: each
    axis's own taps, crossed). Flipping every axis reverses the flat kernel, so
    ``flip=True`` is true N-D convolution.

    >>> s = settings_nd((2, 1, 2), (2, 2, 3))
    >>> s.output_shape, s.output_length, s.kernel_size, s.taps(0)
    ((1, 2, 2), 4, 4, [(0, 0), (1, 1), (2, 6), (3, 7)])
    """

    axes: tuple[ConvSettings, ...]

    @staticmethod
    def of(axes: Sequence[ConvSettings]) -> ConvSettingsND:
        """The grid of ``axes``: a :class:`ConvSettings2D` for two (its 2-D name)."""
        if len(axes) == 2:
            return ConvSettings2D(axes[0], axes[1])
        return ConvSettingsND(tuple(axes))

    @property
    def dims(self) -> int:
        return len(self.axes)

    @property
    def kernel_shape(self) -> tuple[int, ...]:
        return tuple(a.kernel_size for a in self.axes)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(a.input_length for a in self.axes)

    @property
    def output_shape(self) -> tuple[int, ...]:
        return tuple(a.output_length for a in self.axes)

    @property
    def kernel_size(self) -> int:
        return prod(self.kernel_shape)

    @property
    def input_length(self) -> int:
        return prod(self.input_shape)

    @property
    def output_length(self) -> int:
        return prod(self.output_shape)

    @property
    def flip(self) -> bool:
        return self.axes[0].flip

    @property
    def stride(self) -> tuple[int, ...]:
        return tuple(a.stride for a in self.axes)

    @property
    def dilation(self) -> tuple[int, ...]:
        return tuple(a.dilation for a in self.axes)

    @property
    def padding(self) -> tuple[tuple[int, int], ...]:
        """``(before, after)`` per axis: ``((top, bottom), (left, right))`` in 2-D."""
        return tuple(a.padding_pair for a in self.axes)

    @property
    def padding_mode(self) -> str:
        return self.axes[0].padding_mode

    @property
    def folds(self) -> bool:
        """Whether a window may read one pixel twice (see :attr:`ConvSettings.folds`)."""
        return any(a.folds for a in self.axes)

    def with_flip(self, flip: bool) -> ConvSettingsND:
        return ConvSettingsND.of([dataclasses.replace(a, flip=flip) for a in self.axes])

    @cached_property
    def flat_taps(self) -> list[list[tuple[int, int]]]:
        """Every output's ``(flat kernel index, flat input index)`` pairs, built once:
        the per-axis tap lists crossed (padding taps are already absent from each)."""
        flat: list[list[tuple[int, int]]] = [[(0, 0)]]
        for axis in self.axes:
            k_size, length = axis.kernel_size, axis.input_length
            along = [axis.taps(i) for i in range(axis.output_length)]
            flat = [
                [(k * k_size + a, j * length + r) for k, j in before for a, r in taps]
                for before in flat
                for taps in along
            ]
        return flat

    def taps(self, o: int) -> list[tuple[int, int]]:
        """The ``(flat kernel index, flat input index)`` pairs of flat output ``o``."""
        return self.flat_taps[o]

    @cached_property
    def flat_reads(self) -> list[list[int]]:
        """Every output's flat input index at each unflipped flat tap, -1 on padding,
        built once by crossing the per-axis reads (as :attr:`flat_taps` crosses taps).

        -1 (never a real index) because a padding column of row ``r`` would otherwise
        flatten onto a real pixel of row ``r - 1``.
        """
        flat: list[list[int]] = [[0]]
        for axis in self.axes:
            length = axis.input_length
            along = [
                [axis.input_index(i, a) for a in range(axis.kernel_size)]
                for i in range(axis.output_length)
            ]
            flat = [
                [
                    j * length + r if j >= 0 and 0 <= r < length else -1
                    for j in before
                    for r in reads
                ]
                for before in flat
                for reads in along
            ]
        return flat

    def input_index(self, o: int, k: int) -> int:
        """Flat input read by output ``o`` at unflipped tap ``k``, or -1 on padding
        (read from :attr:`flat_reads`).

        >>> s = settings2d((2, 2), (3, 3), padding=1)
        >>> [s.input_index(0, k) for k in range(4)], s.input_index(4, 3)
        ([-1, -1, -1, 0], 3)
        """
        return self.flat_reads[o][k]

    def describe(self) -> str:
        kind = "convolution (kernel flipped on every axis)" if self.flip else "cross-correlation"
        mode = "" if self.padding_mode == "zeros" else f" {self.padding_mode}"

        def size(shape: tuple[int, ...]) -> str:
            return "x".join(map(str, shape))

        return (
            f"the {self.dims}-D {kind} of a {size(self.input_shape)} input with a "
            f"{size(self.kernel_shape)} kernel (stride {self.stride}, padding "
            f"{self.padding}{mode}, dilation {self.dilation}): {size(self.output_shape)} outputs"
        )


def unravel(flat: int, shape: Sequence[int]) -> tuple[int, ...]:
    """The row-major index of flat position ``flat`` in ``shape``.

    >>> unravel(7, (2, 2, 3))
    (1, 0, 1)
    """
    index = []
    for n in reversed(shape):
        flat, i = divmod(flat, n)
        index.append(i)
    return tuple(reversed(index))


class ConvSettings2D(ConvSettingsND):
    """A 2-D convolution's settings: :class:`ConvSettingsND` with two axes, ``rows``
    (height) and ``cols`` (width). Flat output ``o = i*Wo + j``, input ``r*W + c``,
    kernel ``a*kw + b``; ``flip=True`` is the 180-degree rotation.

    >>> s = settings2d((2, 2), (3, 4), padding=(1, 0))
    >>> s.output_shape, s.output_length, s.taps(0)
    ((4, 3), 12, [(2, 0), (3, 1)])
    """

    def __init__(self, rows: ConvSettings, cols: ConvSettings) -> None:
        super().__init__((rows, cols))

    @property
    def rows(self) -> ConvSettings:
        return self.axes[0]

    @property
    def cols(self) -> ConvSettings:
        return self.axes[1]

    # The N-D shapes, typed as the pairs they are in 2-D.
    @property
    def kernel_shape(self) -> tuple[int, int]:
        return (self.rows.kernel_size, self.cols.kernel_size)

    @property
    def input_shape(self) -> tuple[int, int]:
        return (self.rows.input_length, self.cols.input_length)

    @property
    def output_shape(self) -> tuple[int, int]:
        return (self.rows.output_length, self.cols.output_length)

    def with_flip(self, flip: bool) -> ConvSettings2D:
        return ConvSettings2D(
            dataclasses.replace(self.rows, flip=flip), dataclasses.replace(self.cols, flip=flip)
        )

    def __repr__(self) -> str:
        return f"ConvSettings2D(rows={self.rows!r}, cols={self.cols!r})"

    def describe(self) -> str:
        kind = "convolution (kernel rotated 180 degrees)" if self.flip else "cross-correlation"
        (h, w), (kh, kw), (ho, wo) = self.input_shape, self.kernel_shape, self.output_shape
        mode = "" if self.padding_mode == "zeros" else f" {self.padding_mode}"
        return (
            f"the 2-D {kind} of a {h}x{w} image with a {kh}x{kw} kernel (stride "
            f"{self.stride}, padding {self.padding}{mode}, dilation {self.dilation}): "
            f"{ho}x{wo} outputs"
        )


def layout(settings: ConvSettingsND) -> WindowLayout:
    """``settings`` handed to a 1-D stage (band, data matrix, loss terms), which read
    only the flat :class:`~symconv.settings.WindowLayout` that :class:`ConvSettings2D` offers."""
    return settings


def axis_pair(value: object, name: str) -> tuple[object, object]:
    """One value per axis from an int or a pair ``(height, width)``."""
    first, second = per_axis(value, 2, name)
    return first, second


def per_axis(value: object, dims: int, name: str) -> tuple[object, ...]:
    """One value per axis from a single value or a sequence of ``dims`` values.

    >>> per_axis(2, 3, "stride"), per_axis((1, 2, 3), 3, "stride")
    ((2, 2, 2), (1, 2, 3))
    >>> per_axis((1, 2), 3, "stride")
    Traceback (most recent call last):
    ...
    ValueError: stride (1, 2) must be an integer or 3 values (depth, height, width)
    """
    if isinstance(value, (tuple, list)):
        if len(value) != dims:
            what = "a pair" if dims == 2 else f"{dims} values"
            axes = ", ".join(axis_names(dims))
            raise ValueError(f"{name} {value!r} must be an integer or {what} ({axes})")
        return tuple(value)
    return (value,) * dims


def padding_per_axis(padding: object, dims: int = 2) -> tuple[object, ...]:
    """A padding word for every axis, an int for every side, or one item per axis: an
    int (both sides), a pair ``(before, after)`` or a padding word.

    A word is resolved per axis with that axis's length and stride, so "same_upper"
    gives ``ceil(H / s_h) x ceil(W / s_w)`` outputs.

    >>> padding_per_axis("same", 3), padding_per_axis((1, (0, 2), "full"), 3)
    (('same', 'same', 'same'), (1, (0, 2), 'full'))
    """
    if isinstance(padding, str):
        return (padding,) * dims
    return per_axis(padding, dims, "padding")


def settings_nd(
    kernel_shape: Sequence[int],
    input_shape: Sequence[int],
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    padding_mode: object = "zeros",
) -> ConvSettingsND:
    """Validate every option per axis and return the resolved :class:`ConvSettingsND`
    (a :class:`ConvSettings2D` for two axes).

    ``stride``, ``dilation`` are an int or one per axis; ``padding`` a word, an int, or
    one item per axis (int, ``(before, after)`` or word); ``padding_mode`` one for all.

    >>> s = settings_nd((3, 3, 2), (4, 5, 6), stride=(1, 2, 3), padding="same_upper")
    >>> s.padding, s.output_shape
    (((1, 1), (1, 1), (0, 0)), (4, 3, 2))
    >>> settings_nd((3, 3, 3), (4, 2, 4))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: along the height axis: kernel of size 3 with dilation 1 spans 3 positions ...
    """
    if not isinstance(flip, bool):
        raise TypeError(f"flip must be True or False, got {flip!r}")
    dims = len(kernel_shape)
    if dims < 1 or len(input_shape) != dims:
        raise ValueError(
            f"kernel shape {tuple(kernel_shape)} and input shape {tuple(input_shape)} must "
            "have the same number (>= 1) of spatial axes"
        )
    strides, dilations = per_axis(stride, dims, "stride"), per_axis(dilation, dims, "dilation")
    paddings = padding_per_axis(padding, dims)
    axes = []
    for axis, name in enumerate(axis_names(dims)):
        try:
            axes.append(
                conv_settings(
                    kernel_shape[axis],
                    input_shape[axis],
                    stride=strides[axis],
                    padding=paddings[axis],
                    dilation=dilations[axis],
                    flip=flip,
                    padding_mode=padding_mode,
                )
            )
        except (ValueError, TypeError) as error:
            raise type(error)(f"along the {name} axis: {error}") from error
    return ConvSettingsND.of(axes)


def settings2d(
    kernel_shape: tuple[int, int],
    input_shape: tuple[int, int],
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    padding_mode: object = "zeros",
) -> ConvSettings2D:
    """Validate every option per axis and return the resolved :class:`ConvSettings2D`
    (:func:`settings_nd` with two axes).

    ``padding_mode`` (PyTorch's, one for both axes) pads each axis by the mode.

    >>> settings2d((3, 3), (5, 5), padding="same").padding
    ((1, 1), (1, 1))
    >>> s = settings2d((2, 3), (5, 6), stride=(2, 4), padding="same_upper")
    >>> s.padding, s.output_shape          # ceil(5/2), ceil(6/4); zeros per axis
    (((0, 1), (0, 1)), (3, 2))
    >>> settings2d((3, 3), (2, 5))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: along the height axis: kernel of size 3 with dilation 1 spans 3 positions ...
    """
    settings = settings_nd(
        kernel_shape,
        input_shape,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
        padding_mode=padding_mode,
    )
    assert isinstance(settings, ConvSettings2D)
    return settings


def shape_pair(shape: object, name: str) -> tuple[int, int]:
    """``(height, width)`` of positive integers."""
    height, width = as_sizes(shape, name, "a pair (height, width)", 2, ("height", "width"))
    return height, width


def settings_for_images(
    x: Matrix,
    k: Matrix,
    stride: object,
    padding: object,
    dilation: object,
    flip: object,
    padding_mode: object = "zeros",
) -> ConvSettings2D:
    """Validated settings for image ``x`` and kernel ``k`` (both already matrices)."""
    return settings2d(
        k.shape,
        x.shape,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
        padding_mode=padding_mode,
    )
