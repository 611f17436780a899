"""The banded (Toeplitz) matrix T(w) of a 1-D convolution: ``T * x == conv1d(x, w)``.

Row ``i`` holds the kernel starting at column ``i*stride - left``, its entries spread
``dilation`` columns apart; every other entry is a structural zero. The band is kept as
a dictionary (:class:`BandedMatrix`), so products and proofs cost ``O(L_out * K)``; the
dense SymPy ``Matrix`` is built only when asked for (:func:`conv_matrix`).

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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter

from sympy import Expr, Matrix, zeros

from symconv.engine import dot
from symconv.settings import Layout, as_int, conv_settings
from symconv.vectors import as_vector

Entry = tuple[int, int]

first = itemgetter(0)


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
        from sympy import S

        k = self.ties.get(entry)
        return S.Zero if k is None else self.weights[k]

    def rows(self) -> list[list[tuple[int, Expr]]]:
        """Row ``i`` as its ``(column, weight)`` pairs, columns ascending."""
        rows: list[list[tuple[int, Expr]]] = [[] for _ in range(self.shape[0])]
        for (i, j), k in self.ties.items():
            rows[i].append((j, self.weights[k]))
        return [sorted(row, key=first) for row in rows]  # each row is short: K entries

    def columns(self) -> list[list[tuple[int, Expr]]]:
        """Column ``j`` as its ``(row, weight)`` pairs, rows ascending."""
        columns: list[list[tuple[int, Expr]]] = [[] for _ in range(self.shape[1])]
        for (i, j), k in self.ties.items():
            columns[j].append((i, self.weights[k]))
        return [sorted(column, key=first) for column in columns]

    def tie_sets(self) -> dict[int, list[Entry]]:
        """For each weight index, the entries of T that hold it (row-major order)."""
        sets: dict[int, list[Entry]] = {k: [] for k in range(len(self.weights))}
        for entry, k in self.ties.items():
            sets[k].append(entry)
        return {k: sorted(entries) for k, entries in sets.items()}

    def matvec(self, x: Sequence[Expr]) -> list[Expr]:
        """``T * x`` over the band only."""
        return [dot((weight, x[j]) for j, weight in row) for row in self.rows()]

    def rmatvec(self, g: Sequence[Expr]) -> list[Expr]:
        """``T^T * g`` over the band only (the input gradient, a transposed convolution)."""
        return [dot((weight, g[i]) for i, weight in column) for column in self.columns()]

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
            dense[i, j] = self.weights[k]
        return dense

    @property
    def nnz(self) -> int:
        return len(self.ties)


def band_from_settings(w: Sequence[Expr], settings: Layout) -> BandedMatrix:
    """The band of T for resolved settings: entry ``(i, j)`` holds ``w'[k]`` when
    ``j == i*stride + k*dilation - left`` lands on a real input."""
    ties = {(i, j): k for i in range(settings.output_length) for k, j in settings.taps(i)}
    return BandedMatrix((settings.output_length, settings.input_length), tuple(w), ties)


def band(
    w: object,
    input_length: int,
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
) -> BandedMatrix:
    """The banded matrix T(w) as its band (no dense matrix is built).

    >>> t = band([5, 6, 7], 4)
    >>> t.shape, t.nnz, t.tie_sets()[0]
    ((2, 4), 6, [(0, 0), (1, 1)])
    """
    ws = as_vector(w, "kernel w")
    length = as_int(input_length, "input length", 1)
    settings = conv_settings(
        len(ws), length, stride=stride, padding=padding, dilation=dilation, flip=flip
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
) -> Matrix:
    """The dense banded matrix T of shape ``(L_out, L)`` with ``T * x == conv1d(x, w)``.

    Padding is folded in: a window's taps that fall on padding have no column.

    >>> conv_matrix([5, 6], 3, stride=2, padding=1)
    Matrix([
    [6, 0, 0],
    [0, 5, 6]])
    """
    return band(
        w, input_length, stride=stride, padding=padding, dilation=dilation, flip=flip
    ).to_matrix()
