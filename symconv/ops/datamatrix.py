"""The data matrix (im2col) X of a 1-D convolution: row ``i`` is the ``i``-th window.

``X * w == conv1d(x, w)``, and for a filter bank ``W`` (``K x F``, one filter per column)
``X * W`` stacks the ``F`` feature maps as columns, so the layer is ``A = f(X W)``.

Examples
========

>>> from symconv import im2col
>>> im2col([1, 2, 3, 4], 3)
Matrix([
[1, 2, 3],
[2, 3, 4]])
>>> from sympy import Matrix
>>> im2col([1, 2, 3, 4], 3) * Matrix([5, 6, 7])
Matrix([
[38],
[56]])
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from operator import eq
from typing import overload

from sympy import Expr, Matrix, S

from symconv.core.engine import dot, pair_product, total
from symconv.core.numbers import as_int
from symconv.core.vectors import as_vector
from symconv.layout.axis import Padding, WindowLayout, conv_settings


def rows_from_settings(x: Sequence[Expr], settings: WindowLayout) -> list[list[Expr]]:
    """Windows as rows, zeros where a tap falls on zero padding (no kernel flip: X holds
    data); a padding mode's taps read the input it maps them to."""
    length = settings.input_length
    return [
        [
            x[j] if 0 <= j < length else S.Zero
            for j in (settings.input_index(i, k) for k in range(settings.kernel_size))
        ]
        for i in range(settings.output_length)
    ]


class DataRows(Sequence[list[Expr]]):
    """X's rows, the windows, held as one flat list and read a row at a time: a list per
    window was 2.9 MB at (16384, 9), where the flat list is 1.2 MB and a row a slice.

    >>> from symconv.layout.axis import conv_settings
    >>> rows = DataRows.from_settings([1, 2, 3, 4], conv_settings(3, 4))
    >>> len(rows), rows[1], rows == [[1, 2, 3], [2, 3, 4]]
    (2, [2, 3, 4], True)
    """

    __slots__ = ("entries", "width")

    def __init__(self, entries: list[Expr], width: int) -> None:
        if width < 1 or len(entries) % width:
            raise ValueError(f"{len(entries)} entries are not rows of {width}")
        self.entries, self.width = entries, width

    @classmethod
    def from_settings(cls, x: Sequence[Expr], settings: WindowLayout) -> DataRows:
        """:func:`rows_from_settings`, held flat."""
        length, width = settings.input_length, settings.kernel_size
        entries = [
            x[j] if 0 <= j < length else S.Zero
            for i in range(settings.output_length)
            for j in (settings.input_index(i, k) for k in range(width))
        ]
        return cls(entries, width)

    def __len__(self) -> int:
        return len(self.entries) // self.width

    @overload
    def __getitem__(self, index: int) -> list[Expr]: ...

    @overload
    def __getitem__(self, index: slice) -> list[list[Expr]]: ...

    def __getitem__(self, index: int | slice) -> list[Expr] | list[list[Expr]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        count = len(self)
        if not -count <= index < count:
            raise IndexError(f"row {index} of {count}")
        start = (index % count) * self.width
        return self.entries[start : start + self.width]

    def __iter__(self) -> Iterator[list[Expr]]:
        entries, width = self.entries, self.width
        return (entries[a : a + width] for a in range(0, len(entries), width))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(map(eq, self, other))

    __hash__ = None  # type: ignore[assignment]  # equal to lists, so unhashable as they are


def data_times(rows: Sequence[list[Expr]], w: Sequence[Expr], flip: bool = False) -> list[Expr]:
    """``X * w`` row by row (``w`` reversed first when ``flip``), skipping structural zeros."""
    kernel = list(w)[::-1] if flip else list(w)
    return [dot(zip(kernel, row)) for row in rows]


def data_times_by_rows(
    x: Sequence[Expr], settings: WindowLayout, w: Sequence[Expr], flip: bool = False
) -> Callable[[range], list[Expr]]:
    """``X * w`` by blocks of rows, for :func:`~symconv.engine.row_blocks`: the returned
    function gives the rows of ``X * w`` in a range; X's rows are freed with it."""
    rows = rows_from_settings(x, settings)
    return lambda block: data_times(rows[block.start : block.stop], w, flip)


def data_transpose_times(
    rows: Sequence[list[Expr]], g: Sequence[Expr], start: int = 0, stop: int | None = None
) -> list[Expr]:
    """``X^T * g``: column ``k`` of X against ``g`` (the weight gradient's closed form),
    for the columns ``start`` to ``stop - 1`` (all by default).

    Read row by row and gathered per column, skipping structural zeros: a row's
    products lie next to one another in memory, and walking every row once per column
    instead measured 1.7x slower per term at m = 4096 than at 1024.
    """
    width = len(rows[0]) if rows else 0
    stop = width if stop is None else stop
    columns: list[list[Expr]] = [[] for _ in range(start, stop)]
    zero = S.Zero
    for i, row in enumerate(rows):
        g_i = g[i]
        if g_i is zero:
            continue
        for column, x_value in zip(columns, row[start:stop]):
            if x_value is not zero:
                column.append(pair_product(x_value, g_i))
    return [total(column) for column in columns]


def im2col(
    x: object,
    kernel_size: int,
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    padding_mode: object = "zeros",
) -> Matrix:
    """The data matrix X of shape ``(L_out, K)``: row ``i`` is window ``i`` of the padded x.

    >>> from sympy import symbols
    >>> x0, x1, x2 = symbols("x0:3")
    >>> im2col([x0, x1, x2], 2, padding=1)
    Matrix([
    [ 0, x0],
    [x0, x1],
    [x1, x2],
    [x2,  0]])
    >>> im2col([x0, x1, x2], 3, padding=1, padding_mode="reflect")
    Matrix([
    [x1, x0, x1],
    [x0, x1, x2],
    [x1, x2, x1]])
    """
    xs = as_vector(x, "input x")
    k = as_int(kernel_size, "kernel size", 1)
    settings = conv_settings(
        k, len(xs), stride=stride, padding=padding, dilation=dilation, padding_mode=padding_mode
    )
    return Matrix(rows_from_settings(list(xs), settings))


def feature_maps(
    x: object,
    filters: Matrix,
    activation: Callable[[Expr], Expr] | None = None,
    *,
    stride: object = 1,
    padding: Padding = 0,
    dilation: object = 1,
) -> Matrix:
    """``A = f(X W)``: one column per filter of the bank ``W`` (``K x F``).

    >>> from sympy import Matrix, Max
    >>> feature_maps([1, 2, 3, 4], Matrix([[5, -1], [6, 0], [7, 0]]), lambda z: Max(0, z))
    Matrix([
    [38, 0],
    [56, 0]])
    """
    if not isinstance(filters, Matrix):
        filters = Matrix(filters)
    X = im2col(x, filters.rows, stride=stride, padding=padding, dilation=dilation)
    product = X * filters
    return product.applyfunc(activation) if activation is not None else product
