"""Tied weights in training: a convolution layer is a fully connected layer whose matrix
entries are tied to kernel weights or fixed at zero, and backpropagation respects that.

:func:`prove_tied_gradients` unties the banded matrix T into free entries ``u_ij``,
differentiates, and proves that each kernel weight's gradient is the sum of the gradients
of the entries tied to it, that the input gradient is ``T^T g``, and that a gradient step
on ``w`` keeps the zeros zero and the tied entries tied (where a dense step on ``U`` or a
merely masked step would not). The stages are plain functions so a test can feed them a
wrong gradient, a wrong tie map or a dense update and watch the claim fail.

Examples
========

>>> from symconv import prove_tied_gradients, symbolic_vector
>>> x, w, g = symbolic_vector("x", 4), symbolic_vector("w", 3), symbolic_vector("g", 2)
>>> proof = prove_tied_gradients(x, w, g)
>>> proof.holds
True
>>> proof.step("tied gradient is the sum over its entries").details["tie sets"][0]
[(0, 0), (1, 1)]
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice, repeat
from operator import is_, le
from typing import Any, TypeVar, cast

from sympy import Add, Dummy, Expr, Matrix, Mul, S, Symbol

from symconv.core.engine import (
    TermIndex,
    forget_built,
    in_session,
    minus_scaled,
    pair_product,
    total,
)
from symconv.core.numbers import int_array, narrowed
from symconv.core.vectors import as_vector
from symconv.layout.axis import ConvSettings, Layout
from symconv.ops.banded import (
    BandedMatrix,
    Entry,
    EntrySequence,
    TieMap,
    band_from_settings,
    band_transposed_times,
)
from symconv.ops.datamatrix import DataRows, data_transpose_times
from symconv.ops.gradients import LossGradients
from symconv.ops.sliding import settings_for
from symconv.proofs.definition import as_requested, gradient_definition_steps, layer_pairs
from symconv.proofs.proof import (
    Positions,
    Proof,
    Rebuilt,
    Step,
    Tally,
    block_of,
    check,
    observe,
)
from symconv.proofs.references import GradientTriples

#: Above this many entries the untied matrix U is checked on the band and one structural
#: zero beside it per row, not on every entry (the dense U has L_out * L of them).
DENSE_UNTIE_LIMIT = 4096


def untied_prefix(*vectors: Sequence[Expr]) -> str:
    """A name prefix for the untied entries ``u<i>_<j>`` that no symbol of the layer
    starts with, so an input named ``u0_1`` is never mistaken for an entry of U."""
    names = {
        str(symbol)
        for vector in vectors
        for value in vector
        for symbol in getattr(value, "free_symbols", ())
    }
    prefix = "u"
    while any(name.startswith(prefix) for name in names):
        prefix += "u"
    return prefix


#: SymPy's uncached Symbol constructor (see untied_symbol), None if this SymPy lacks it.
UNCACHED_SYMBOL: Callable[..., Any] | None = getattr(Symbol, "__xnew__", None)


def untied_symbol(name: str) -> Symbol:
    """``Symbol(name)``, made without going through SymPy's cache of symbols.

    The untied entries' names are used only inside this module's differentiation:
    through the cache each costs its bookkeeping and evicts an entry some later
    computation could use (5 us a symbol against 3 us, measured). ``Symbol.__xnew__`` is the uncached constructor
    SymPy's own ``Dummy`` is made with; the result equals ``Symbol(name)`` and hashes
    alike.

    >>> untied_symbol("u0_1") == Symbol("u0_1")
    True
    """
    if UNCACHED_SYMBOL is None:  # a SymPy without it: the cached constructor
        return Symbol(name)
    return UNCACHED_SYMBOL(Symbol, name)  # type: ignore[no-any-return]


class EntryList(EntrySequence):
    """Entries ``(i, j)`` of a matrix ``width`` columns wide, row-major, kept as one int
    each (``i * width + j``) in an array: the untied entries of a big layer are as many
    as its band, and as tuples they take about a hundred bytes each where these take
    eight. Items come out as ``(i, j)`` tuples, built when read; equal to the list of
    the same entries.

    >>> entries = EntryList([(0, 1), (0, 3), (2, 0)], 4)
    >>> len(entries), entries[1], entries[-1], entries[:2], entries.index((2, 0))
    (3, (0, 3), (2, 0), [(0, 1), (0, 3)], 2)
    >>> entries == [(0, 1), (0, 3), (2, 0)], (1, 1) in entries
    (True, False)
    """

    __slots__ = ("keys", "width")

    def __init__(self, entries: Iterable[Entry], width: int, height: int | None = None) -> None:
        """``height``, the matrix's rows when known, sizes the keys' items at once (else
        they are read in 8 bytes and narrowed: each key converted twice)."""
        if width < 1:
            raise ValueError(f"width must be at least 1, got {width}")
        codes = (i * width + j for i, j in entries)
        if height is None:
            keys = narrowed(array("q", codes))
        else:
            keys = int_array(height * width)
            keys.extend(codes)
        # An entry may come twice in a row (a padding mode's row reads a column from two
        # taps), as the untied entries have always listed it.
        if not all(map(le, keys, islice(keys, 1, None))):
            raise ValueError("entries must be in row-major order")
        self.keys, self.width = keys, width

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return list(map(divmod, self.keys[index], repeat(self.width)))
        return divmod(self.keys[index], self.width)

    def __iter__(self) -> Iterator[Entry]:
        return map(divmod, self.keys, repeat(self.width))

    def position(self, entry: object) -> int | None:
        """Where ``entry`` is in the list, None if it is not there."""
        i: object
        j: object
        try:
            i, j = entry  # type: ignore[misc]
            if not (isinstance(i, int) and isinstance(j, int) and 0 <= j < self.width):
                return None
        except (TypeError, ValueError):
            return None
        key = i * self.width + j
        p = bisect_left(self.keys, key)
        return p if p < len(self.keys) and self.keys[p] == key else None

    def index(self, entry: object, start: int = 0, stop: int | None = None) -> int:
        p = self.position(entry)
        if p is None or p < start or (stop is not None and p >= stop):
            raise ValueError(f"{entry!r} is not in the entries")
        return p

    def __contains__(self, entry: object) -> bool:
        return self.position(entry) is not None

    def rows(self) -> Iterator[tuple[int, int, int]]:
        """``(i, start, stop)``: row i's entries are positions ``start:stop``."""
        keys, width = self.keys, self.width
        start = 0
        while start < len(keys):
            i = keys[start] // width
            stop = bisect_left(keys, (i + 1) * width, start)
            yield i, start, stop
            start = stop

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EntryList) and other.width == self.width:
            return self.keys == other.keys  # the arrays, compared in C
        return super().__eq__(other)

    __hash__ = None  # type: ignore[assignment]  # redefining __eq__ would restore it


class EntryValues(Mapping[Entry, Expr]):
    """``{entry: value}`` over an :class:`EntryList` and a list of values in its order,
    without a dict's slot and key tuple per entry.

    >>> from sympy import Symbol
    >>> values = EntryValues(EntryList([(0, 1), (1, 0)], 2), [Symbol("a"), Symbol("b")])
    >>> values[1, 0], values.get((0, 0)), dict(values)
    (b, None, {(0, 1): a, (1, 0): b})
    """

    __slots__ = ("entries", "found")

    def __init__(self, entries: EntryList, values: Sequence[Expr]) -> None:
        if len(entries) != len(values):
            raise ValueError(f"{len(entries)} entries but {len(values)} values")
        self.entries, self.found = entries, values

    def __getitem__(self, entry: Entry) -> Expr:
        p = self.entries.position(entry)
        if p is None:
            raise KeyError(entry)
        return self.found[p]

    def __contains__(self, entry: object) -> bool:
        return self.entries.position(entry) is not None

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)


def untied_entries(t: BandedMatrix) -> EntryList:
    """Which entries of U to differentiate by, row-major: all of them for a small layer;
    otherwise the band plus the nearest structural zero on each side of it in every row."""
    rows, cols = t.shape
    if rows * cols <= DENSE_UNTIE_LIMIT:
        return EntryList(((i, j) for i in range(rows) for j in range(cols)), cols, rows)

    def row_columns() -> Iterator[Sequence[int]]:
        if isinstance(t.ties, TieMap):  # the band's own arrays: no (column, weight) pairs
            return (columns for columns, _ in t.ties.row_arrays())
        return ([j for j, _ in row] for row in t.rows())

    def chosen() -> Iterator[Entry]:
        for i, row in enumerate(row_columns()):  # columns ascending: entries come sorted
            if not row:
                continue
            if row[0] > 0:
                yield (i, row[0] - 1)
            # A folded entry (a padding mode) holds several weights: list its column once.
            yield from ((i, j) for j in dict.fromkeys(row))
            if row[-1] + 1 < cols:
                yield (i, row[-1] + 1)

    return EntryList(chosen(), cols, rows)


def untied_gradients(
    x: Sequence[Expr], g: Sequence[Expr], entries: Sequence[Entry]
) -> dict[Entry, Expr]:
    """``dL/du_ij`` for the fully connected layer ``z = U x``, ``L = sum_i g_i z_i``,
    differentiated term by term (:func:`untied_gradient_values`, as a dict)."""
    return dict(zip(entries, untied_gradient_values(x, g, entries)))


class UntiedNames:
    """The names of U's entries for one layer, for a caller that differentiates many
    blocks of them: a prefix no symbol of the layer starts with, a pool of ``size`` entry
    symbols, and the layer's symbols ranked once with the pool in Mul's order, which
    every block's index borrows (a block of narrow rows, a few weights' tie sets, holds
    about as many distinct inputs and upstream entries as terms: ranked per block, they
    were most of its cost)."""

    def __init__(
        self,
        x: Sequence[Expr],
        g: Sequence[Expr],
        size: int,
        prefix: str | None = None,
        ranking_with: Callable[[Sequence[Expr]], TermIndex] | None = None,
    ) -> None:
        """``ranking_with(pool)``, when given, is a ranking of the layer's symbols that
        also holds the pool (:meth:`~symconv.ops.gradients.LossGradients.ranking_with`):
        shared, the layer's symbols are ranked once for the whole proof."""
        self.prefix = untied_prefix(x, g) if prefix is None else prefix
        self.pool = [untied_symbol(f"{self.prefix}{p}") for p in range(size)]
        # Without a pool (a caller reading a row at a time) each index ranks its own.
        self.ranking: TermIndex | None = None
        if size and ranking_with is not None:
            self.ranking = ranking_with(self.pool)
        elif size:
            self.ranking = TermIndex.ranking_of([*g, *x, *self.pool])


def untied_gradient_values(
    x: Sequence[Expr],
    g: Sequence[Expr],
    entries: Sequence[Entry],
    names: UntiedNames | None = None,
) -> list[Expr]:
    """``dL/du_ij`` for each entry, in the order of ``entries``.

    ``u_ij`` occurs only in row i's part ``g_i sum_j u_ij x_j`` of L (the entries are
    distinct symbols, named apart from x and g), so the loss is indexed and
    differentiated a block of rows at a time: the same terms are visited as with one
    index of the whole loss, and a block's index is freed before the next block's. A
    block of rows shares most of its inputs, which an index ranks once.

    Each block's part of L is differentiated on its own, so its entries need names
    distinct only within the block: every block names its entries from one pool,
    ``u0, u1, ...`` in the block's order. A symbol made (and keyed) once per place in a
    block, not once per entry of U, measured 2.9 s -> 1.8 s for the 174,634 entries of
    a 128x128 image's 3x3 layer.
    """
    prefix = names.prefix if names is not None else untied_prefix(x, g)
    blocks: Iterable[tuple[Sequence[int], list[Entry]]]
    if isinstance(entries, EntryList):
        # Row-major already: a block of rows is one run of positions, read as a slice. A
        # block gathers whole rows until it holds UNTIE_TERMS entries, so narrow rows (a
        # few weights' tie sets) make no more indexes than full ones.
        bounds = [0]
        for _, _, stop in entries.rows():
            if stop - bounds[-1] >= UNTIE_TERMS:
                bounds.append(stop)
        if bounds[-1] != len(entries):
            bounds.append(len(entries))
        blocks = ((range(a, b), entries[a:b]) for a, b in zip(bounds, bounds[1:]))
    else:
        by_row: dict[int, list[int]] = {}
        for position, entry in enumerate(entries):
            by_row.setdefault(entry[0], []).append(position)
        runs = list(by_row.values())
        blocks = (
            (positions, [entries[p] for p in positions])
            for positions in (
                [p for run in runs[s : s + UNTIE_BLOCK] for p in run]
                for s in range(0, len(runs), UNTIE_BLOCK)
            )
        )
    found: list[Expr | None] = [None] * len(entries)
    pool: list[Symbol] = list(names.pool) if names is not None else []
    ranked = len(pool)  # the pool's symbols the shared ranking holds
    for positions, block in blocks:
        pool += [untied_symbol(f"{prefix}{p}") for p in range(len(pool), len(block))]
        u = pool[: len(block)]
        terms = [(g[i], u_ij, x[j]) for u_ij, (i, j) in zip(u, block) if g[i] is not S.Zero]
        # The pool's keys are remembered; the shared ranking, when it holds the block's
        # names, saves ranking the block's symbols again.
        shared = names.ranking if names is not None and len(block) <= ranked else None
        index = TermIndex(terms, ranking=shared)
        for p, value in zip(positions, index.gradients(u)):
            found[p] = value
    return found  # type: ignore[return-value]  # every position is in one run


#: Rows of U indexed together by :func:`untied_gradients` (for rows of full width).
UNTIE_BLOCK = 32

#: Entries of U indexed together by :func:`untied_gradients`: rows are gathered into a
#: block until it holds this many (32 rows of a 64-tap band, measured best for it).
UNTIE_TERMS = 2048


Value = TypeVar("Value")


#: Rows read at a time when gathering values across all tie sets.
ROW_BLOCK = 256


def gather_by_rows(
    sets: Sequence[Sequence[Entry]], read: Callable[[Entry], Value]
) -> list[list[Value]]:
    """``[[read(e) for e in entries] for entries in sets]`` for row-sorted sets, read a
    block of rows at a time across all of them: the values of neighbouring rows lie
    next to one another in memory, and one tie set after another would walk all of them
    once per weight."""
    gathered: list[list[Value]] = [[] for _ in sets]
    cursors = [0] * len(sets)
    last_row = max((entries[-1][0] for entries in sets if entries), default=-1)
    for limit in range(ROW_BLOCK, last_row + ROW_BLOCK + 1, ROW_BLOCK):
        for k, entries in enumerate(sets):
            stop = bisect_left(entries, (limit,))
            gathered[k].extend(map(read, entries[cursors[k] : stop]))
            cursors[k] = stop
    return gathered


def tie_summation_step(
    grad_w: Sequence[Expr], dl_du: Mapping[Entry, Expr], tie_sets: Mapping[int, Sequence[Entry]]
) -> Step:
    """Claim: ``dL/dw_k == sum_{(i,j) in tie_sets[k]} dL/du_ij`` at ``U = T(w)`` for every k.

    ``dL/du_ij = g_i x_j`` does not involve U, so evaluating it at ``U = T(w)`` changes
    nothing; the chain rule through ``u_ij = w_k`` (derivative 1 on the tie, 0 elsewhere)
    leaves exactly the sum over the tie set.
    """

    sets = [sorted(tie_sets.get(k, ())) for k in range(len(grad_w))]
    gathered = gather_by_rows(sets, dl_du.get)
    beyond = any(not 0 <= k < len(grad_w) for k in tie_sets)  # sets no weight reads
    if beyond or any(any(map(is_, parts, repeat(None))) for parts in gathered):
        missing = [e for entries in tie_sets.values() for e in entries if e not in dl_du]
        if missing:
            raise ValueError(f"tie set names entries {missing[:3]} that have no untied gradient")
    sums = [total(parts) for parts in gathered]  # type: ignore[arg-type]
    return tie_sums_check(grad_w, sums, {k: list(v) for k, v in tie_sets.items()})


def tie_sums_check(
    grad_w: Sequence[Expr], sums: Sequence[Expr], tie_sets: Mapping[int, Sequence[Entry]]
) -> Step:
    """The claim of :func:`tie_summation_step` for sums already gathered; the step keeps
    ``tie_sets`` as its detail."""
    return check(
        "tied gradient is the sum over its entries",
        list(grad_w),
        sums,
        law=(
            r"Law: the chain rule through $u_{ij} = w_k$; $\partial u_{ij}/\partial w_k$ is "
            r"$1$ on the tie set $S_k$ (the entries of $T$ holding $w_k$) and $0$ elsewhere, "
            r"so $\partial L/\partial w_k = \sum_{(i,j) \in S_k} \partial L/\partial u_{ij}$"
        ),
        labels=[(k,) for k in range(len(grad_w))],
        details={"tie sets": tie_sets},
    )


def update_step(
    name: str,
    t: BandedMatrix,
    updated: Callable[[Entry], Expr],
    entries: Sequence[Entry],
    ties: Sequence[int | None] | None = None,
    folded: bool = False,
) -> Step:
    """Claim: the updated matrix is still a convolution matrix of T's pattern: zero off
    the band and equal across each tie set, checked over ``entries``. With ``folded``
    (a padding mode: an entry may hold a sum of weights) entries are grouped by the
    weights they hold, so ``w0 + w2`` is compared with ``w0 + w2``.

    ``updated`` gives an entry's new value on demand, so a claim that fails stops at the
    first entry that breaks it without building the rest. ``ties``, when given, is
    ``t.tie_indices(entries)`` (or an int array of them, -1 off the band, for a caller
    that checks several updates of one T); otherwise each entry's tie is read as it is
    reached.
    """

    def each_tie() -> Iterable[int | None]:
        return t.each_tie_index(entries) if ties is None else ties

    for entry, k in zip(entries, each_tie()):
        if k is None or k < 0:
            value = updated(entry)
            if value != 0:
                return Step(
                    name=name,
                    lhs=(value,),
                    rhs=(S.Zero,),
                    holds=False,
                    method="structure",
                    kind="entries",
                    law="structural zeros stay zero",
                    labels=(entry,),
                    mismatch=(entry, value, S.Zero),
                )
    first: dict[object, tuple[Entry, Expr]] = {}
    weights_at = getattr(t.ties, "weights_at", None) if folded else None
    for entry, tie in zip(entries, each_tie()):
        if tie is None or tie < 0:
            continue
        key: object = tuple(weights_at(entry)) if weights_at is not None else tie
        value = updated(entry)
        if key not in first:
            first[key] = (entry, value)
        elif value != first[key][1]:
            return Step(
                name=name,
                lhs=(value,),
                rhs=(first[key][1],),
                holds=False,
                method="identical",
                kind="entries",
                law="tied entries stay tied",
                labels=(entry,),
                mismatch=(entry, value, first[key][1]),
            )
    return observe(name, True, law="structural zeros stay zero and tied entries stay tied")


#: About this many loss terms are differentiated and checked together: a block of
#: weights whose gradients hold about this many products (a weight's tie set is never
#: split). Each block of weights reads X's rows once for X^T g, so fewer, larger blocks.
BLOCK_TERMS = 1 << 14

#: The same for a block of inputs, whose gradients are short sums: 1 << 12 against
#: 1 << 14, two runs each, read a peak RSS growth of 56.2 against 58.8 MB at (16384, 9).
INPUT_BLOCK_TERMS = 1 << 12

#: Up to this many entries in the band a proof keeps the sides of its gradient claims;
#: beyond, it keeps how to build them again (:class:`~symconv.proofs.proof.Rebuilt`).
KEPT_BAND = 1 << 16


def spans(count: int, per_block: int) -> list[tuple[int, int]]:
    """``[(0, n), (n, 2n), ...]`` covering ``range(count)``, n = ``per_block`` (at least 1)."""
    n = max(1, per_block)
    return [(a, min(a + n, count)) for a in range(0, count, n)]


def untied_products(x: Sequence[Expr], g: Sequence[Expr], entries: Iterable[Entry]) -> list[Expr]:
    """``g_i x_j`` for each entry ``(i, j)``: the fully connected layer's gradient, read
    off its law (0 where the upstream is 0)."""
    return [pair_product(g[i], x[j]) if g[i] is not S.Zero else S.Zero for i, j in entries]


class UntiedRows:
    """``dL/du_ij`` of the untied entries, differentiated one row at a time on request
    (the last row kept): for the claims that read a few entries up to the first that
    breaks a pattern."""

    def __init__(
        self, x: Sequence[Expr], g: Sequence[Expr], entries: EntryList, names: UntiedNames
    ) -> None:
        self.x, self.g, self.entries, self.names = x, g, entries, names
        self.row = -1
        self.values: dict[Entry, Expr] = {}

    def __getitem__(self, entry: Entry) -> Expr:
        i = entry[0]
        if i != self.row:
            keys, width = self.entries.keys, self.entries.width
            start = bisect_left(keys, i * width)
            row = self.entries[start : bisect_left(keys, (i + 1) * width, start)]
            values = untied_gradient_values(self.x, self.g, row, self.names)
            self.row, self.values = i, dict(zip(row, values))
        return self.values[entry]


class TieSums:
    """For a block of weights, the untied entries of their tie sets, ``dL/du`` at each
    (differentiated), and the sum over each tie set."""

    def __init__(
        self,
        x: Sequence[Expr],
        g: Sequence[Expr],
        tie_sets: Mapping[int, Sequence[Entry]],
        ranking_with: Callable[[Sequence[Expr]], TermIndex] | None = None,
    ) -> None:
        self.x, self.g, self.tie_sets, self.ranking_with = x, g, tie_sets, ranking_with
        self._names: UntiedNames | None = None
        self._prefix: str | None = None
        if ranking_with is not None:
            self.names  # noqa: B018  # the shared ranking, with the names, before any block

    @property
    def names(self) -> UntiedNames:
        """The entries' names and their ranking, made on first use; :meth:`release`
        lets them go when a proof is done with its blocks (a rebuilt side makes them
        again)."""
        if self._names is None:
            self._names = UntiedNames(
                self.x, self.g, UNTIE_TERMS + 64, self._prefix, self.ranking_with
            )
            self._prefix = self._names.prefix
        return self._names

    @property
    def prefix(self) -> str:
        if self._prefix is None:
            self._prefix = untied_prefix(self.x, self.g)
        return self._prefix

    def release(self) -> None:
        self._names = None

    def block(self, start: int, stop: int) -> tuple[list[Entry], list[Expr], list[Expr]]:
        sets = [self.tie_sets.get(k, ()) for k in range(start, stop)]
        # A folded entry (a padding mode) holds several weights: differentiate it once.
        union = sorted(set().union(*sets))
        width = 1 + max((j for _, j in union), default=0)
        height = 1 + union[-1][0] if union else 1  # sorted: the last row is the highest
        listed = EntryList(union, width, height)
        values = untied_gradient_values(self.x, self.g, listed, self.names)
        value_of = dict(zip(union, values))
        sums = [total([value_of[e] for e in entries]) for entries in sets]
        return union, values, sums

    def sums(self, start: int, stop: int) -> list[Expr]:
        return self.block(start, stop)[2]


def tied_weight_steps(
    x: list[Expr],
    w: list[Expr],
    g: list[Expr],
    settings: Layout,
    grad_x: Sequence[Expr],
    grad_w: Sequence[Expr],
    closed_w: Sequence[Expr],
    *,
    weight_labels: Sequence[Any],
    input_labels: Sequence[Any],
    weight_law: str = (
        r"Law: $L = \sum_i g_i z_i$ differentiated term by term gives "
        r"$\partial L/\partial w_k = \sum_i g_i\, \tilde x_{(i, k)}$ (the input under tap "
        r"$k$ of output $i$): the columns of $X$ against $g$, "
        r"$\partial L/\partial w = X^{\top} g$"
    ),
    show_loss: bool = False,
    weight_name: str = r"weight gradient is $X^{\top} g$",
    triples: GradientTriples | None = None,
    ranking_with: Callable[[Sequence[Expr]], TermIndex] | None = None,
    band: BandedMatrix | None = None,
) -> list[Step]:
    """The claims of :func:`prove_tied_gradients` for any flat layout (a 1-D
    ``ConvSettings``, a 2-D :class:`~symconv.conv2d.ConvSettings2D`, a channel layout).

    The gradients may be lists, checked whole, or :class:`~symconv.proofs.proof.Rebuilt`
    sides, read, checked and let go a block of weights (then of inputs) at a time with
    every claim that reads them, so a big layer's proof never holds a whole gradient.
    ``triples``, when given, is fed each block for the comparison with the literal
    definition. ``ranking_with``, when given, ranks the untied entries' names with the
    gradients' own symbols (see :class:`UntiedNames`); ``band``, the band T of ``w``
    under ``settings`` when the caller built it already. Past :data:`KEPT_BAND` entries
    the steps keep their verdicts and how to build their sides, not the sides.

    Claims about the updated matrix are checked per weight over an identical tie map
    (``T(w')`` stores one expression per weight), not per entry of the band.
    """
    t = band_from_settings(w, settings) if band is None else band
    # Gradients given whole (lists) are already held: checking them in blocks would only
    # rebuild the products the memo shares (measured 0.98x -> 1.17x the floor for the
    # channel proof). Only Rebuilt sides are read, checked and let go in blocks.
    blocked = any(isinstance(side, Rebuilt) for side in (grad_w, grad_x, closed_w))
    keep = t.nnz <= KEPT_BAND or not blocked
    terms_per_weight = max(1, t.nnz // max(1, len(w)))
    terms_per_input = max(1, t.nnz // max(1, len(x)))
    eta = Symbol("eta")
    # The untied entries, their tie indices and the tie sets are kept in arrays and views
    # (EntryList, BandedMatrix.tie_set_view): as tuples and dicts they were most of a big
    # proof's memory (2.6 M small objects at (4096, 64)).
    entries = untied_entries(t)
    tie_sets = t.tie_set_view()
    tie_sums = TieSums(x, g, tie_sets, ranking_with)

    def updated(start: int, stop: int) -> list[Expr]:
        """``w'_k = w_k - eta dL/dw_k``, the step on the kernel."""
        return [
            minus_scaled(w[k], eta, g_k)
            for k, g_k in zip(range(start, stop), block_of(grad_w, start, stop))
        ]

    def projected(start: int, stop: int, sums: Sequence[Expr] | None = None) -> list[Expr]:
        """``T(w)``'s weight less ``eta`` times the sum of ``dL/dU`` over its tie set."""
        if sums is None:
            sums = tie_sums.sums(start, stop)
        return [minus_scaled(t.weights[k], eta, s) for k, s in zip(range(start, stop), sums)]

    weight_tally, input_tally, untied_tally, sum_tally, step_tally = (
        Tally(),
        Tally(),
        Tally(),
        Tally(),
        Tally(),
    )
    kept: dict[str, list[Expr]] = {name: [] for name in ("gw", "cw", "sums", "new", "proj")}
    untied_kept: list[Expr | None] = [None] * (len(entries) if keep else 0)
    for a, b in spans(len(w), BLOCK_TERMS // terms_per_weight if blocked else len(w)):
        labels = weight_labels[a:b]
        gw, cw = block_of(grad_w, a, b), block_of(closed_w, a, b)
        weight_tally.add(a, gw, cw, labels)
        union, values, sums = tie_sums.block(a, b)
        untied_tally.add(entries.index, values, untied_products(x, g, union), union)
        sum_tally.add(a, gw, sums, labels)
        new = [minus_scaled(w[k], eta, g_k) for k, g_k in zip(range(a, b), gw)]
        proj = projected(a, b, sums)
        step_tally.add(a, new, proj, labels)
        if triples is not None:
            triples.weights(a, gw)
        if keep:
            for name, part in zip(kept, (gw, cw, sums, new, proj)):
                kept[name] += part
            for e, value in zip(union, values):
                untied_kept[entries.index(e)] = value
        del gw, cw, union, values, sums, new, proj
        if not keep:
            forget_built()  # the block's products go with it (kept: shared on)
    # Each entry's tie, -1 off the band, read once for the claims that walk the entries
    # (an array: a list of them was 1.2 MB at (16384, 9)).
    ties = int_array(len(t.weights))  # signed: -1 fits
    ties.extend(-1 if k is None else k for k in t.each_tie_index(entries))
    off_band = int_array(len(entries))
    off_band.extend(p for p, tie in enumerate(ties) if tie < 0)
    for a, b in spans(len(off_band), BLOCK_TERMS):
        positions = off_band[a:b]
        zeros = EntryList((entries[p] for p in positions), t.shape[1], t.shape[0])
        values = untied_gradient_values(x, g, zeros, tie_sums.names)
        untied_tally.add(positions, values, untied_products(x, g, zeros), zeros)
        if keep:
            for p, value in zip(positions, values):
                untied_kept[p] = value
        else:
            forget_built()

    tie_sums.release()  # the names' ranking; a side rebuilt on request makes it again
    if triples is not None:
        triples.finish("w")  # compared now, at this pass's low point, and let go
    transposed: Callable[[int, int], list[Expr]] = band_transposed_times(t, g)
    kept_x: tuple[list[Expr], list[Expr]] = ([], [])
    for a, b in spans(len(x), INPUT_BLOCK_TERMS // terms_per_input if blocked else len(x)):
        gx, tx = block_of(grad_x, a, b), transposed(a, b)
        input_tally.add(a, gx, tx, input_labels[a:b])
        if triples is not None:
            triples.inputs(a, gx)
        if keep:
            kept_x[0].extend(gx)
            kept_x[1].extend(tx)
        else:
            forget_built()
        del gx, tx
    del transposed
    if triples is not None:
        triples.finish("x")

    def side(name: str, count: int, build: Callable[[int, int], list[Expr]]) -> Sequence[Expr]:
        return kept[name] if keep else Rebuilt(count, build)

    def transposed_block(start: int, stop: int) -> list[Expr]:
        return band_transposed_times(t, g)(start, stop)

    def untied_block(start: int, stop: int) -> list[Expr]:
        return untied_gradient_values(x, g, entries[start:stop], tie_sums.names)

    def products_block(start: int, stop: int) -> list[Expr]:
        return untied_products(x, g, entries[start:stop])

    count = len(w)
    steps = [
        weight_tally.step(
            weight_name,
            side("gw", count, lambda a, b: block_of(grad_w, a, b)),
            side("cw", count, lambda a, b: block_of(closed_w, a, b)),
            law=weight_law,
            labels=weight_labels,
            details={"loss": loss_expression(g, t, x) if show_loss else None},
        ),
        input_tally.step(
            r"input gradient is $T^{\top} g$",
            kept_x[0] if keep else Rebuilt(len(x), lambda a, b: block_of(grad_x, a, b)),
            kept_x[1] if keep else Rebuilt(len(x), transposed_block),
            law=(
                r"Law: $\partial L/\partial x_j = \sum_i T_{ij}\, g_i$, so "
                r"$\partial L/\partial x = T^{\top} g$ (a transposed convolution)"
            ),
            labels=input_labels,
        ),
        untied_tally.step(
            r"untied gradient is $g_i x_j$",
            cast(list[Expr], untied_kept) if keep else Rebuilt(len(entries), untied_block),
            untied_products(x, g, entries) if keep else Rebuilt(len(entries), products_block),
            law=(
                r"Law: with every entry of $T$ untied into a free $u_{ij}$, $z = Ux$ is a fully "
                r"connected layer and $\partial L/\partial u_{ij} = g_i x_j$"
            ),
            labels=cast(Any, entries),
            details={
                "checked entries": len(entries),
                "dense": len(entries) == t.shape[0] * t.shape[1],
            },
        ),
        sum_tally.step(
            "tied gradient is the sum over its entries",
            side("gw", count, lambda a, b: block_of(grad_w, a, b)),
            side("sums", count, tie_sums.sums),
            law=(
                r"Law: the chain rule through $u_{ij} = w_k$; $\partial u_{ij}/\partial w_k$ "
                r"is $1$ on the tie set $S_k$ (the entries of $T$ holding $w_k$) and $0$ "
                r"elsewhere, so $\partial L/\partial w_k = \sum_{(i,j) \in S_k} "
                r"\partial L/\partial u_{ij}$"
            ),
            labels=weight_labels,
            details={"tie sets": tie_sets, "pattern": t},
        ),
    ]

    # T(w') is built afresh from the new kernel's entries w'_k, held as symbols: the claim
    # after it checks, weight by weight, that w'_k is w_k - eta dL/dw_k and equals T(w)'s
    # weight less eta times its tie set's sum.
    rebuilt = band_from_settings([Dummy(f"w'_{k}") for k in range(count)], settings)
    steps.append(
        observe(
            "zeros stay zero",
            rebuilt.ties.keys() == t.ties.keys(),
            law=(
                r"Claim: $T(w')$ for the step $w' = w - \eta\, \partial L/\partial w$ has "
                r"entries exactly where $T(w)$ has them; every structural zero stays $0$"
            ),
            details={"band entries": t.nnz},
        )
    )
    steps.append(
        step_tally.step(
            r"tied step is $T(w) - \eta\, P(\partial L/\partial U)$",
            side("new", count, updated),
            side("proj", count, projected),
            law=(
                r"Law: $T(w') = T(w) - \eta\, P(\partial L/\partial U)$, where $P$ sums "
                r"$\partial L/\partial U$ over each tie set and is $0$ off the band"
            ),
            labels=weight_labels,
        )
    )
    steps.append(
        observe(
            "T(w') has the tie map of T(w)",
            rebuilt.ties == t.ties,
            law=(
                r"Claim: $T(w')$ is built from the same tie map as $T(w)$, so the claim above, "
                r"made once per weight, is the claim for every entry of the band"
            ),
        )
    )
    steps.append(
        update_step(
            "tied step keeps the convolution structure",
            t,
            rebuilt.__getitem__,
            entries,
            ties,
            folded=bool(getattr(settings, "folds", False)),
        )
    )

    # update_step asks for an entry's value only when it needs it, so the dense and
    # masked steps cost the entries up to the first one that breaks the pattern; the
    # untied gradients they read are differentiated a row at a time.
    dl_du = UntiedRows(x, g, entries, UntiedNames(x, g, 0, tie_sums.prefix))

    def dense(e: Entry) -> Expr:
        return t[e] - eta * dl_du[e]

    def masked(e: Entry) -> Expr:
        return t[e] - eta * dl_du[e] if e in t.ties else S.Zero

    dense_kept = update_step("dense step", t, dense, entries, ties)
    # Where every g_i x_j off the band is zero (an upstream the activation zeroed, say),
    # no structural zero can move: there is no contrast to exhibit, and none is claimed.
    movable = any(dl_du[entries[p]] != 0 for p in off_band)
    steps.append(
        observe(
            r"dense step $U - \eta\, \partial L/\partial U$ leaves the band",
            not dense_kept.holds or not off_band or not movable,
            law=(
                r"Contrast: the fully connected step $U - \eta\, \partial L/\partial U$ moves "
                r"a structural zero, so it is not a convolution's update"
            ),
            details={
                "exhibit": dense_kept.mismatch,
                "structural zeros checked": len(off_band),
                "a zero can move": movable,
            },
        )
    )
    masked_kept = update_step("masked step", t, masked, entries, ties)
    shared = any(len(v) > 1 for v in tie_sets.values())
    steps.append(
        observe(
            r"masked step $T - \eta\, M\circ\partial L/\partial U$ unties the weights",
            not masked_kept.holds or not shared or all(v == 0 for v in g),
            law=(
                r"Contrast: masking, $T - \eta\, M \circ \partial L/\partial U$, keeps the zeros "
                r"but unties the weights; only the sum over each tie set does both"
            ),
            details={"exhibit": masked_kept.mismatch},
        )
    )
    return steps


#: Outputs up to which the proof keeps the loss written out, for reports.
LOSS_SHOWN_UP_TO = 8


def loss_expression(g: Sequence[Expr], t: BandedMatrix, x: Sequence[Expr]) -> Expr | None:
    """``sum_i g_i (T x)_i`` unevaluated, for a reader; None for big layers."""
    if t.shape[0] > LOSS_SHOWN_UP_TO:
        return None
    outputs = t.matvec(x)
    return Add(*[Mul(g[i], outputs[i], evaluate=False) for i in range(t.shape[0])], evaluate=False)


@in_session
def prove_tied_gradients(
    x: object,
    w: object,
    upstream: object,
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    padding_mode: object = "zeros",
    settings: ConvSettings | None = None,
) -> Proof:
    """Prove what backpropagation does with the tied, banded matrix of a 1-D layer.

    For ``L = sum_i g_i y_i``, ``y = conv1d(x, w)``, with T's entries untied into ``u_ij``:

    1. ``dL/du_ij = g_i x_j`` (the fully connected layer's gradient);
    2. ``dL/dw_k`` (differentiated) ``== sum of dL/du_ij over the entries holding w_k``;
    3. ``dL/dw == im2col(x, K)^T g`` and ``dL/dx == T^T g``;
    4. the step ``w' = w - eta dL/dw`` gives ``T(w') = T(w) - eta P(dL/dU)`` where ``P``
       sums the untied gradient over each tie set and is zero off the band: zeros stay
       zero, tied entries stay tied; the dense step ``U - eta dL/dU`` and the masked step
       ``T - eta M∘dL/dU`` do not (shown on an exhibited entry).

    >>> proof = prove_tied_gradients([1, 2, 3, 4], [5, 6, 7], [1, -1])
    >>> proof.step("weight gradient is X^T g").lhs
    (-1, -1, -1)

    ``settings``, the layer already resolved from these options (as
    :func:`symconv.derive` resolves it once), saves resolving it again; the options
    themselves still go to the literal definition.
    """
    xs = as_vector(x, "input x")
    ws = as_vector(w, "kernel w")
    gs = as_vector(upstream, "upstream")
    if settings is None:
        settings = settings_for(xs, ws, stride, padding, dilation, flip, padding_mode)
    request = as_requested(stride, padding, dilation, flip, padding_mode)
    return tied_gradients(xs, ws, gs, settings, request).proof


@dataclass(frozen=True)
class TiedGradients:
    """What the tied-gradient stage gives: its proof, and ``dL/dw`` and ``dL/dx`` of
    ``L = sum_i g_i z_i`` as it differentiated them (the proof's claims are about these)."""

    proof: Proof
    grad_w: Sequence[Expr]  # Rebuilt: differentiated again, a block at a time, when read
    grad_x: Sequence[Expr]


@in_session
def tied_gradients(
    x: Matrix,
    w: Matrix,
    upstream: Sequence[Expr],
    settings: ConvSettings,
    request: Mapping[str, object],
    rows: Sequence[list[Expr]] | None = None,
    band: BandedMatrix | None = None,
) -> TiedGradients:
    """The tied-gradient stage for a resolved layer: the proof of
    :func:`prove_tied_gradients` with the gradients it differentiated.

    ``request`` is the layer as the user asked for it (``stride``, ``padding``,
    ``dilation``, ``flip``, ``padding_mode``), for the literal definition; ``rows`` and
    ``band``, the windows of X and the band T of ``w`` when the caller holds them already
    (built from the settings otherwise).

    >>> from symconv import symbolic_vector
    >>> from symconv.layout.axis import conv_settings
    >>> x, w, g = symbolic_vector("x", 4), symbolic_vector("w", 3), symbolic_vector("g", 2)
    >>> stage = tied_gradients(x, w, g, conv_settings(3, 4), {})
    >>> stage.proof.holds, stage.grad_w[0], stage.grad_x[0]
    (True, g0*x0 + g1*x1, g0*w0)
    """
    x_list, w_list, g_list = list(x), list(w), list(upstream)
    loss = LossGradients(x_list, w_list, g_list, settings)
    rows = DataRows.from_settings(x_list, settings) if rows is None else rows
    count = len(w_list)

    def weight_gradients(start: int, stop: int) -> list[Expr]:
        return loss.weights(start, stop)

    def closed_form(start: int, stop: int) -> list[Expr]:
        # y = X reverse(w) when flipped: tap k holds w_{K-1-k}, so dL/dw reads X^T g
        # backwards.
        if not settings.flip:
            return data_transpose_times(rows, g_list, start, stop)
        return data_transpose_times(rows, g_list, count - stop, count - start)[::-1]

    grad_w = Rebuilt(count, weight_gradients)
    grad_x = Rebuilt(len(x_list), loss.inputs)
    # The definition's pairs are read into int triples first and let go; the gradients
    # are fed to them a block at a time as the tied steps read them.
    triples = GradientTriples(
        layer_pairs((len(x_list),), (count,), dict(request)), x_list, w_list, g_list
    )
    steps = tied_weight_steps(
        x_list,
        w_list,
        g_list,
        settings,
        grad_x,
        grad_w,
        Rebuilt(count, closed_form),
        weight_labels=Positions(count),
        input_labels=Positions(len(x_list)),
        weight_law=(
            r"Law: $L = \sum_i g_i z_i$ differentiated term by term gives "
            r"$\partial L/\partial w'_k = \sum_i g_i\, \tilde x_{\tap}$, the column $k$ of "
            r"$X$ against $g$: $\partial L/\partial w' = X^{\top} g$"
            + (
                r", and with $w' = \operatorname{rev} w$, "
                r"$\partial L/\partial w = \operatorname{rev}(X^{\top} g)$"
                if settings.flip
                else ""
            )
        ),
        show_loss=True,
        # With w' = rev(w) the windows meet w', so dL/dw reads X^T g backwards.
        weight_name=(
            r"weight gradient is $\operatorname{rev}(X^{\top} g)$"
            if settings.flip
            else r"weight gradient is $X^{\top} g$"
        ),
        triples=triples,
        ranking_with=loss.ranking_with,
        band=band,
    )
    definition = gradient_definition_steps(
        lambda: layer_pairs((len(x_list),), (count,), dict(request)),
        grad_w,
        grad_x,
        x_list,
        w_list,
        g_list,
        weight_labels=Positions(count),
        input_labels=Positions(len(x_list)),
        triples=triples,
    )
    steps += definition
    loss.release()  # the sides rebuilt on request rank the symbols again
    proof = Proof(
        title="Tied-weight gradients of a 1-D convolution layer",
        statement=(
            r"For $L = \sum_i g_i z_i$ with $z = T(w)\, x$: $\partial L/\partial w_k$ is the "
            r"sum of $\partial L/\partial u_{ij}$ over the entries of $T$ holding $w_k$, "
            r"$\partial L/\partial x = T^{\top} g$, and a gradient step on $w$ keeps $T$ "
            r"banded and tied."
        ),
        steps=steps,
        assumptions=(
            r"the upstream gradient $g$ does not depend on $x$ or $w$",
            r"$\eta$ is the learning rate",
        ),
    )
    return TiedGradients(proof, grad_w, grad_x)
