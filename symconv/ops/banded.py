"""The banded (Toeplitz) matrix T(w) of a 1-D convolution: ``T * x == conv1d(x, w)``.

Row ``i`` holds the kernel starting at column ``i*stride - left``, its entries spread
``dilation`` columns apart; every other entry is a structural zero. Only the band is
kept, as its tie map (:class:`BandedMatrix` over a :class:`TieMap`), so products and
proofs cost ``O(L_out * K)``; the dense SymPy ``Matrix`` is built only when asked for
(:func:`conv_matrix`).

Examples
========

>>> from symconv import conv_matrix
>>> conv_matrix([5, 6, 7], 4)
Matrix([
[5, 6, 7, 0],
[0, 5, 6, 7]])
>>> conv_matrix([5, 6, 7], 4, padding="full", flip=True)
Matrix([
[5, 0, 0, 0],
[6, 5, 0, 0],
[7, 6, 5, 0],
[0, 7, 6, 5],
[0, 0, 7, 6],
[0, 0, 0, 7]])
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, ItemsView, Iterable, Iterator, KeysView, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from operator import eq, itemgetter
from typing import Any

from sympy import Add, Expr, Matrix, S, zeros

from symconv.core.engine import dot
from symconv.core.numbers import as_int, int_array, narrowed
from symconv.core.vectors import as_vector
from symconv.layout.axis import Layout, conv_settings

Entry = tuple[int, int]


first = itemgetter(0)


second = itemgetter(1)


class TieMap(Mapping[Entry, int]):
    """A band's tie map ``(i, j) -> k``, stored row by row in flat integer arrays.

    A dict spends about 200 bytes on each entry (the slot, the ``(i, j)`` tuple, the
    column's int); here an entry is 16 bytes, so a big layer's band takes little of the
    memory and caches its expressions need. Rows come in ascending order and a row's
    columns ascending, so iterating gives the entries row-major, sorted. Lookup is a
    bisection within the row (a row holds at most K entries).

    >>> ties = TieMap([[(0, 0), (1, 1)], [(0, 1), (1, 2)]])
    >>> ties[1, 2], (1, 0) in ties, list(ties)
    (1, False, [(0, 0), (0, 1), (1, 1), (1, 2)])
    >>> ties == {(0, 0): 0, (0, 1): 1, (1, 1): 0, (1, 2): 1}
    True
    """

    __slots__ = ("_starts", "_columns", "_weights")

    def __init__(
        self,
        rows: Iterable[Iterable[tuple[int, int]]],
        *,
        fold: bool = False,
        tops: tuple[int, int] | None = None,
    ) -> None:
        """``rows[i]`` lists row i's ``(k, j)`` pairs, as :meth:`Layout.taps` gives them.

        ``fold`` lets a row hold a column twice (a padding mode reads one input from two
        taps): that entry of T is the sum of its weights (:meth:`weights_at`). ``tops``,
        T's columns and weights when known, sizes the arrays' items at once (else they
        are read in 8 bytes and narrowed: each item converted twice)."""
        starts = array("q", [0])
        if tops is None:
            columns, weights = array("q"), array("q")
        else:
            columns, weights = int_array(tops[0]), int_array(tops[1])
        for i, taps in enumerate(rows):
            ordered = sorted(taps, key=second)
            row_columns = [j for _, j in ordered]
            if not fold and len(set(row_columns)) != len(row_columns):
                raise ValueError(f"row {i} of the band holds a column twice: {row_columns}")
            columns.extend(row_columns)
            weights.extend(k for k, _ in ordered)
            starts.append(len(columns))
        # 4-byte items where they fit: the band of a (16384, 9) layer is 147k entries.
        self._starts, self._columns, self._weights = map(narrowed, (starts, columns, weights))

    def row_columns(self, i: int) -> array[int]:
        """The columns of row ``i`` that hold weights, ascending (empty past the rows).

        >>> list(TieMap([[(0, 0), (1, 1)], [(0, 1), (1, 2)]]).row_columns(1))
        [1, 2]
        """
        if not 0 <= i < len(self._starts) - 1:
            return array("q")
        return self._columns[self._starts[i] : self._starts[i + 1]]

    def row_arrays(self) -> Iterator[tuple[array[int], array[int]]]:
        """Each row's columns and weight indices, rows in order."""
        starts, columns, weights = self._starts, self._columns, self._weights
        for a, b in zip(starts, islice(starts, 1, None)):
            yield columns[a:b], weights[a:b]

    def get(self, entry: object, default: int | None = None) -> int | None:  # type: ignore[override]
        i: int
        j: int
        try:
            i, j = entry  # type: ignore[misc]
            if i < 0:
                return default
            starts = self._starts
            high = starts[i + 1]
            p = bisect_left(self._columns, j, starts[i], high)
        except (TypeError, ValueError, IndexError):  # not a pair of ints, or past the rows
            return default
        if p < high and self._columns[p] == j:
            return self._weights[p]
        return default

    def __getitem__(self, entry: Entry) -> int:
        k = self.get(entry)
        if k is None:
            raise KeyError(entry)
        return k

    def weights_at(self, entry: Entry) -> list[int]:
        """Every weight index the entry holds (two or more where a fold summed them).

        >>> TieMap([[(0, 1), (2, 1), (1, 0)]], fold=True).weights_at((0, 1))
        [0, 2]
        """
        i, j = entry
        if not 0 <= i < len(self._starts) - 1:
            return []
        high = self._starts[i + 1]
        p = bisect_left(self._columns, j, self._starts[i], high)
        found = []
        while p < high and self._columns[p] == j:
            found.append(self._weights[p])
            p += 1
        return found

    def __contains__(self, entry: object) -> bool:
        return self.get(entry) is not None

    def indices(self, entries: Iterable[Entry]) -> list[int | None]:
        """``[self.get(e) for e in entries]``, a row's columns looked up in a dict built
        once per run of entries in that row (fast for row-sorted entries)."""
        return list(self.each_index(entries))

    def each_index(self, entries: Iterable[Entry]) -> Iterator[int | None]:
        """:meth:`indices` one entry at a time."""
        row, where = None, {}
        starts, columns, weights = self._starts, self._columns, self._weights
        for entry in entries:
            if entry[0] != row:
                row = entry[0]
                inside = isinstance(row, int) and 0 <= row < len(starts) - 1
                a, b = (starts[row], starts[row + 1]) if inside else (0, 0)
                where = dict(zip(columns[a:b], weights[a:b]))
            yield where.get(entry[1]) if len(entry) == 2 else None

    def __iter__(self) -> Iterator[Entry]:
        for i, (columns, _) in enumerate(self.row_arrays()):
            for j in columns:
                yield (i, j)

    def __len__(self) -> int:
        return len(self._columns)

    def keys(self) -> TieKeys:
        return TieKeys(self)

    def items(self) -> TieItems:
        return TieItems(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TieMap):  # every entry compared, in the arrays
            return (
                self._starts == other._starts
                and self._columns == other._columns
                and self._weights == other._weights
            )
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]  # equal to dicts, which do not hash

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self.items())!r})"


class TieKeys(KeysView[Entry]):
    """The entries of a :class:`TieMap`; two of them compare in their arrays."""

    _mapping: TieMap

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TieKeys):
            mine, theirs = self._mapping, other._mapping
            return mine._starts == theirs._starts and mine._columns == theirs._columns
        return super().__eq__(other)


class TieItems(ItemsView[Entry, int]):
    """``((i, j), k)`` for every entry, read from the arrays (no lookup per entry)."""

    _mapping: TieMap

    def __iter__(self) -> Iterator[tuple[Entry, int]]:
        for i, (columns, weights) in enumerate(self._mapping.row_arrays()):
            for j, k in zip(columns, weights):
                yield (i, j), k


class EntrySequence(Sequence[Entry]):
    """A compact sequence of entries ``(i, j)`` that reads, compares and prints as the
    list of them: equal to any sequence of the same entries, unhashable as a list is.
    :class:`TieSet` and the tied proof's ``EntryList`` keep their entries in arrays."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, (str, bytes)):
            return len(self) == len(other) and all(map(eq, self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal to lists, which do not hash

    def __repr__(self) -> str:
        return repr(list(self))


class TieSet(EntrySequence):
    """The entries of T holding one weight, row-major, read from a :class:`TieMap`'s
    arrays on demand: a big layer's tie sets are as many entries as its band, and as
    ``(i, j)`` tuples they would take a hundred bytes each where these take eight.

    Equal to the list of the same entries (and to any sequence of them).

    >>> ties = TieMap([[(0, 0), (1, 1)], [(0, 1), (1, 2)]])
    >>> s = TieSets(ties, 2)[1]
    >>> len(s), s[0], s[-1], s[:1], s == [(0, 1), (1, 2)]
    (2, (0, 1), (1, 2), [(0, 1)], True)
    """

    __slots__ = ("_ties", "_positions")

    def __init__(self, ties: TieMap, positions: array[int]) -> None:
        self._ties, self._positions = ties, positions

    def __len__(self) -> int:
        return len(self._positions)

    def _entry(self, position: int) -> Entry:
        ties = self._ties
        return (bisect_right(ties._starts, position) - 1, ties._columns[position])

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self._entry(p) for p in self._positions[index]]
        return self._entry(self._positions[index])

    def __iter__(self) -> Iterator[Entry]:
        starts, columns = self._ties._starts, self._ties._columns
        i = 0
        for p in self._positions:  # ascending: the row only moves forward
            while starts[i + 1] <= p:
                i += 1
            yield (i, columns[p])


class TieSets(Mapping[int, TieSet]):
    """``{k: entries of T holding w_k}`` for a :class:`TieMap`, each a :class:`TieSet`
    (8 bytes an entry), the positions grouped by weight in one pass on first use.

    Equal to :meth:`BandedMatrix.tie_sets` (a dict of lists) of the same band.

    >>> sets = TieSets(TieMap([[(0, 0), (1, 1)], [(0, 1), (1, 2)]]), 2)
    >>> sets == {0: [(0, 0), (1, 1)], 1: [(0, 1), (1, 2)]}, len(sets[1])
    (True, 2)
    """

    __slots__ = ("_ties", "_count", "_by_weight")

    def __init__(self, ties: TieMap, count: int) -> None:
        self._ties, self._count = ties, count
        self._by_weight: list[array[int]] | None = None

    def _grouped(self) -> list[array[int]]:
        if self._by_weight is None:
            top = len(self._ties._weights)
            groups = [int_array(top) for _ in range(self._count)]
            for position, k in enumerate(self._ties._weights):
                groups[k].append(position)
            self._by_weight = groups
        return self._by_weight

    def __getitem__(self, k: int) -> TieSet:
        if not isinstance(k, int) or not 0 <= k < self._count:
            raise KeyError(k)
        return TieSet(self._ties, self._grouped()[k])

    def __iter__(self) -> Iterator[int]:
        return iter(range(self._count))

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return repr({k: list(v) for k, v in self.items()})


@dataclass(frozen=True)
class BandedMatrix:
    """A matrix whose nonzero entries are kernel weights, stored as its band.

    ``ties`` maps each stored entry ``(i, j)`` to the index ``k`` of the weight it holds,
    so the tie pattern (which entries share a weight) is the data itself.
    """

    shape: tuple[int, int]
    weights: tuple[Expr, ...]
    ties: Mapping[Entry, int]

    def __getitem__(self, entry: Entry) -> Expr:
        if isinstance(self.ties, TieMap):
            held = self.ties.weights_at(entry)
            if len(held) == 1:  # the common case: one weight, no SymPy addition
                return self.weights[held[0]]
            # none (a structural zero), or a folded entry: the sum of its weights
            return Add(*[self.weights[k] for k in held]) if held else S.Zero
        k = self.ties.get(entry)
        return S.Zero if k is None else self.weights[k]

    def rows(self) -> list[list[tuple[int, Expr]]]:
        """Row ``i`` as its ``(column, weight)`` pairs, columns ascending."""
        if isinstance(self.ties, TieMap):
            return self._rows_of(self.ties)
        rows: list[list[tuple[int, Expr]]] = [[] for _ in range(self.shape[0])]
        for (i, j), k in self.ties.items():
            rows[i].append((j, self.weights[k]))
        return [sorted(row, key=first) for row in rows]  # each row is short: K entries

    def columns(self) -> list[list[tuple[int, Expr]]]:
        """Column ``j`` as its ``(row, weight)`` pairs, rows ascending."""
        columns: list[list[tuple[int, Expr]]] = [[] for _ in range(self.shape[1])]
        for (i, j), k in self.ties.items():
            columns[j].append((i, self.weights[k]))
        if isinstance(self.ties, TieMap):  # read row-major: each column is in row order
            return columns
        return [sorted(column, key=first) for column in columns]

    def tie_sets(self) -> dict[int, list[Entry]]:
        """For each weight index, the entries of T that hold it (row-major order)."""
        sets: dict[int, list[Entry]] = {k: [] for k in range(len(self.weights))}
        for entry, k in self.ties.items():
            sets[k].append(entry)
        if isinstance(self.ties, TieMap):  # read row-major: each set is sorted
            return sets
        return {k: sorted(entries) for k, entries in sets.items()}

    def tie_set_view(self) -> Mapping[int, Sequence[Entry]]:
        """:meth:`tie_sets`, equal to it, read from the band's arrays on demand
        (:class:`TieSets`) where the band is kept in them: for a proof to keep.

        >>> band([5, 6, 7], 4).tie_set_view()[2]
        [(0, 2), (1, 3)]
        """
        if isinstance(self.ties, TieMap):
            return TieSets(self.ties, len(self.weights))
        return self.tie_sets()

    def tie_indices(self, entries: Iterable[Entry]) -> list[int | None]:
        """The weight index each entry holds, None off the band."""
        return list(self.each_tie_index(entries))

    def each_tie_index(self, entries: Iterable[Entry]) -> Iterator[int | None]:
        """:meth:`tie_indices` one entry at a time, for a caller that keeps few of them."""
        if isinstance(self.ties, TieMap):
            return self.ties.each_index(entries)
        return (self.ties.get(entry) for entry in entries)

    def matvec(self, x: Sequence[Expr]) -> list[Expr]:
        """``T * x`` over the band only."""
        return band_times(self, x)(range(self.shape[0]))

    def rmatvec(self, g: Sequence[Expr]) -> list[Expr]:
        """``T^T * g`` over the band only (the input gradient, a transposed convolution)."""
        return band_transposed_times(self, g)(0, self.shape[1])

    def with_weights(self, weights: Sequence[Expr]) -> BandedMatrix:
        """The same tie pattern holding other weights: ``T(w')`` from ``T(w)``."""
        if len(weights) != len(self.weights):
            raise ValueError(
                f"need {len(self.weights)} weights for this tie pattern, got {len(weights)}"
            )
        return BandedMatrix(self.shape, tuple(weights), self.ties)

    def to_matrix(self) -> Matrix:
        """The dense SymPy matrix (``L_out * L`` entries: build it only to look at it)."""
        dense = zeros(*self.shape)
        for (i, j), k in self.ties.items():
            dense[i, j] += self.weights[k]  # a folded entry is the sum of its weights
        return dense

    @property
    def nnz(self) -> int:
        return len(self.ties)

    def _rows_of(self, ties: TieMap) -> list[list[tuple[int, Expr]]]:
        weight = self.weights.__getitem__
        rows = [list(zip(columns, map(weight, ks))) for columns, ks in ties.row_arrays()]
        return rows + [[] for _ in range(self.shape[0] - len(rows))]


def band_times(t: BandedMatrix, x: Sequence[Expr]) -> Callable[[range], list[Expr]]:
    """``T * x`` by blocks of rows, for :func:`~symconv.engine.row_blocks`: the returned
    function gives the rows of ``T * x`` in a range. Over a :class:`TieMap` a block reads
    its rows from the band's arrays (a list of T's rows as ``(column, weight)`` pairs
    was 23 MB at (4096, 64), more than half the outputs' own size); otherwise T's rows
    are read once, and freed with the function.

    >>> from sympy import symbols
    >>> x0, x1, x2, x3 = symbols("x0:4")
    >>> band_times(band([5, 6, 7], 4), [x0, x1, x2, x3])(range(1, 2))
    [5*x1 + 6*x2 + 7*x3]
    """
    if not isinstance(t.ties, TieMap):
        rows = t.rows()
        return lambda block: [
            dot((weight, x[j]) for j, weight in row) for row in rows[block.start : block.stop]
        ]
    ties = t.ties
    starts, cols, ks, weights = ties._starts, ties._columns, ties._weights, t.weights
    held = len(starts) - 1  # rows past the last held entry are empty

    def block_of(block: range) -> list[Expr]:
        return [
            dot(
                (weights[k], x[j])
                for j, k in zip(cols[starts[i] : starts[i + 1]], ks[starts[i] : starts[i + 1]])
            )
            if i < held
            else dot(())
            for i in block
        ]

    return block_of


def band_transposed_times(t: BandedMatrix, g: Sequence[Expr]) -> Callable[[int, int], list[Expr]]:
    """``T^T * g`` by blocks of columns: the returned function gives entries ``start`` to
    ``stop - 1``. Over a :class:`TieMap` the band's positions are put in column order
    once, in arrays (a counting sort: 16 bytes an entry); a block then reads only its
    columns.

    >>> from sympy import symbols
    >>> g0, g1 = symbols("g0 g1")
    >>> band_transposed_times(band([5, 6, 7], 4), [g0, g1])(1, 3)
    [6*g0 + 5*g1, 7*g0 + 6*g1]
    """
    if not isinstance(t.ties, TieMap):
        columns = t.columns()
        return lambda start, stop: [
            dot((weight, g[i]) for i, weight in column) for column in columns[start:stop]
        ]
    ties = t.ties
    starts, cols, ks = ties._starts, ties._columns, ties._weights
    width = t.shape[1]
    # Counted in lists (an array's item is parsed on every store), held as an array.
    counts = [0] * (width + 1)  # column j's positions: counts[j]:counts[j+1]
    for j in cols:
        counts[j + 1] += 1
    for j in range(width):
        counts[j + 1] += counts[j]
    cursor = counts[:]
    rows, weights = int_array(len(starts)), int_array(len(t.weights))
    rows.frombytes(bytes(rows.itemsize * len(cols)))
    weights.frombytes(bytes(weights.itemsize * len(cols)))
    for i in range(len(starts) - 1):  # row-major: each column fills in ascending rows
        for p in range(starts[i], starts[i + 1]):
            j = cols[p]
            q = cursor[j]
            rows[q], weights[q] = i, ks[p]
            cursor[j] = q + 1
    first = array("q", counts)  # held by block_of: 8 bytes a column, not an int object
    del counts, cursor
    w = t.weights

    def block_of(start: int, stop: int) -> list[Expr]:
        return [
            dot((w[weights[q]], g[rows[q]]) for q in range(first[j], first[j + 1]))
            for j in range(start, stop)
        ]

    return block_of


def band_from_settings(w: Sequence[Expr], settings: Layout) -> BandedMatrix:
    """The band of T for resolved settings: entry ``(i, j)`` holds ``w'[k]`` when
    ``j == i*stride + k*dilation - left`` lands on a real input."""
    fold = bool(getattr(settings, "folds", False))
    ties = TieMap(
        (settings.taps(i) for i in range(settings.output_length)),
        fold=fold,
        tops=(settings.input_length, len(w)),
    )
    return BandedMatrix((settings.output_length, settings.input_length), tuple(w), ties)


def band(
    w: object,
    input_length: int,
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    padding_mode: object = "zeros",
) -> BandedMatrix:
    """The banded matrix T(w) as its band (no dense matrix is built).

    >>> t = band([5, 6, 7], 4)
    >>> t.shape, t.nnz, t.tie_sets()[0]
    ((2, 4), 6, [(0, 0), (1, 1)])
    """
    ws = as_vector(w, "kernel w")
    length = as_int(input_length, "input length", 1)
    settings = conv_settings(
        len(ws),
        length,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
        padding_mode=padding_mode,
    )
    return band_from_settings(list(ws), settings)


def conv_matrix(
    w: object,
    input_length: int,
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    padding_mode: object = "zeros",
) -> Matrix:
    """The dense banded matrix T of shape ``(L_out, L)`` with ``T * x == conv1d(x, w)``.

    Padding is folded in: a window's taps that fall on zero padding have no column; with
    a ``padding_mode`` a tap on the padding reads a real input, and its weight joins that
    input's column (``w0 + w2`` where reflect reads ``x1`` twice).

    >>> conv_matrix([5, 6], 3, stride=2, padding=1)
    Matrix([
    [6, 0, 0],
    [0, 5, 6]])
    >>> conv_matrix([5, 6, 7], 3, padding=1, padding_mode="reflect")
    Matrix([
    [6, 12, 0],
    [5,  6, 7],
    [0, 12, 6]])
    """
    return band(
        w,
        input_length,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
        padding_mode=padding_mode,
    ).to_matrix()
