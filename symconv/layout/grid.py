"""Two spatial axes: per-axis settings and the row-major flattening of a 2-D layer.

Examples
========

>>> from symconv import settings2d
>>> s = settings2d((3, 3), (4, 4), padding=1)
>>> s.output_shape
(4, 4)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cached_property

from sympy import Matrix

from symconv.core.numbers import as_int
from symconv.layout.axis import ConvSettings, WindowLayout, conv_settings

#: The two axes of an image, in the order every pair option lists them.
AXES = ("height", "width")


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

    @property
    def padding_mode(self) -> str:
        return self.rows.padding_mode

    @property
    def folds(self) -> bool:
        """Whether a window may read one pixel twice (see :attr:`ConvSettings.folds`)."""
        return self.rows.folds or self.cols.folds

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
        mode = "" if self.padding_mode == "zeros" else f" {self.padding_mode}"
        return (
            f"the 2-D {kind} of a {h}x{w} image with a {kh}x{kw} kernel (stride "
            f"{self.stride}, padding {self.padding}{mode}, dilation {self.dilation}): "
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
    items are an int (both sides) or a pair ``(before, after)``.

    A word is resolved per axis with that axis's length and stride, so "same_upper"
    gives ``ceil(H / s_h) x ceil(W / s_w)`` outputs."""
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
    padding_mode: object = "zeros",
) -> ConvSettings2D:
    """Validate every option per axis and return the resolved :class:`ConvSettings2D`.

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
                    padding_mode=padding_mode,
                )
            )
        except (ValueError, TypeError) as error:
            raise type(error)(f"along the {name} axis: {error}") from error
    return ConvSettings2D(axes[0], axes[1])


def shape_pair(shape: object, name: str) -> tuple[int, int]:
    """``(height, width)`` of positive integers."""
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise ValueError(f"{name} {shape!r} must be a pair (height, width) of integers >= 1")
    return as_int(shape[0], f"{name} height", 1), as_int(shape[1], f"{name} width", 1)


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
