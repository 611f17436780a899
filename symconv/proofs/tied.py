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

import dataclasses
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice, repeat
from operator import is_, le
from typing import Any, TypeVar, cast

from sympy import Add, Expr, Matrix, Mul, S, Symbol

from symconv.core.engine import TermIndex, in_session, minus_scaled, pair_product, total
from symconv.core.vectors import as_vector
from symconv.layout.axis import ConvSettings, Layout
from symconv.ops.banded import BandedMatrix, Entry, EntrySequence, TieMap, band_from_settings
from symconv.ops.datamatrix import data_transpose_times, rows_from_settings
from symconv.ops.gradients import derive_gradients
from symconv.ops.sliding import settings_for
from symconv.proofs.definition import as_requested, gradient_definition_steps, layer_pairs
from symconv.proofs.proof import Proof, Step, check, observe

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

    def __init__(self, entries: Iterable[Entry], width: int) -> None:
        if width < 1:
            raise ValueError(f"width must be at least 1, got {width}")
        keys = array("q", (i * width + j for i, j in entries))
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
        return EntryList(((i, j) for i in range(rows) for j in range(cols)), cols)

    def chosen() -> Iterator[Entry]:
        for i, row in enumerate(t.rows()):  # columns ascending: the entries come out sorted
            if not row:
                continue
            if row[0][0] > 0:
                yield (i, row[0][0] - 1)
            # A folded entry (a padding mode) holds several weights: list its column once.
            yield from ((i, j) for j in dict.fromkeys(j for j, _ in row))
            if row[-1][0] + 1 < cols:
                yield (i, row[-1][0] + 1)

    return EntryList(chosen(), cols)


def untied_gradients(
    x: Sequence[Expr], g: Sequence[Expr], entries: Sequence[Entry]
) -> dict[Entry, Expr]:
    """``dL/du_ij`` for the fully connected layer ``z = U x``, ``L = sum_i g_i z_i``,
    differentiated term by term (:func:`untied_gradient_values`, as a dict)."""
    return dict(zip(entries, untied_gradient_values(x, g, entries)))


def untied_gradient_values(
    x: Sequence[Expr], g: Sequence[Expr], entries: Sequence[Entry]
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
    prefix = untied_prefix(x, g)
    blocks: Iterable[tuple[Sequence[int], list[Entry]]]
    if isinstance(entries, EntryList):
        # Row-major already: a block of rows is one run of positions, read as a slice.
        bounds = [a for _, a, _ in entries.rows()][::UNTIE_BLOCK] + [len(entries)]
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
    pool: list[Symbol] = []
    for positions, block in blocks:
        pool += [untied_symbol(f"{prefix}{p}") for p in range(len(pool), len(block))]
        u = pool[: len(block)]
        terms = [(g[i], u_ij, x[j]) for u_ij, (i, j) in zip(u, block) if g[i] is not S.Zero]
        index = TermIndex(terms)  # the pool's keys are remembered: every block ranks them
        for p, value in zip(positions, index.gradients(u)):
            found[p] = value
    return found  # type: ignore[return-value]  # every position is in one run


#: Rows of U indexed together by :func:`untied_gradients`.
UNTIE_BLOCK = 32


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


def sums_over_ties(count: int, values: Sequence[Expr], ties: Sequence[int | None]) -> list[Expr]:
    """For each weight k, the sum of ``values[p]`` over the positions p whose entry holds
    it (``ties[p] == k``): :func:`tie_summation_step`'s sums, for entries that cover the
    band, each holding one weight (no folded entry), read in the entries' order.

    >>> from sympy import symbols
    >>> a, b, c = symbols("a b c")
    >>> sums_over_ties(2, [a, b, c], [0, None, 0])
    [a + c, 0]
    """
    parts: list[list[Expr]] = [[] for _ in range(count)]
    for value, k in zip(values, ties):
        if k is not None:
            parts[k].append(value)
    return [total(p) for p in parts]


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
    first entry that breaks it without building the rest. ``ties`` is
    ``t.tie_indices(entries)``, for a caller that checks several updates of one T.
    """
    if ties is None:
        ties = t.tie_indices(entries)
    for entry, k in zip(entries, ties):
        if k is None:
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
    for entry, tie in zip(entries, ties):
        if tie is None:
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


def tied_update(
    grad_w: Sequence[Expr], w: Sequence[Expr], eta: Expr, settings: Layout
) -> BandedMatrix:
    """``T(w')`` for the step ``w' = w - eta * dL/dw``, built afresh from the new kernel."""
    return band_from_settings(
        [minus_scaled(w_k, eta, g_k) for w_k, g_k in zip(w, grad_w)], settings
    )


def check_over_entries(
    name: str,
    lhs: Sequence[Expr],
    rhs: Sequence[Expr],
    entries: Sequence[Entry],
    *,
    law: str,
    details: Mapping[str, Any],
) -> Step:
    """:func:`~symconv.proofs.proof.check` labelled by ``entries`` kept as they are (an
    :class:`EntryList` stays compact), the first difference named by its entry."""
    step = check(name, lhs, rhs, law=law, labels=(), details=details)
    mismatch = step.mismatch
    if mismatch is not None and isinstance(mismatch[0], int):
        mismatch = (entries[mismatch[0]], mismatch[1], mismatch[2])
    return dataclasses.replace(step, labels=cast(Any, entries), mismatch=mismatch)


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
) -> list[Step]:
    """The claims of :func:`prove_tied_gradients` for any flat layout (a 1-D
    ``ConvSettings``, a 2-D :class:`~symconv.conv2d.ConvSettings2D`, a channel layout).

    Claims about the updated matrix are checked per weight over an identical tie map
    (``T(w')`` stores one expression per weight), not per entry of the band.
    """
    t = band_from_settings(w, settings)
    steps = [
        check(
            weight_name,
            grad_w,
            closed_w,
            law=weight_law,
            labels=weight_labels,
            details={"loss": loss_expression(g, t, x) if show_loss else None},
        ),
        check(
            r"input gradient is $T^{\top} g$",
            grad_x,
            t.rmatvec(g),
            law=(
                r"Law: $\partial L/\partial x_j = \sum_i T_{ij}\, g_i$, so "
                r"$\partial L/\partial x = T^{\top} g$ (a transposed convolution)"
            ),
            labels=input_labels,
        ),
    ]
    # The untied entries, their gradients and the tie sets are kept in arrays and views
    # (EntryList, EntryValues, BandedMatrix.tie_set_view): as tuples and dicts they were
    # most of a big proof's memory (2.6 M small objects at (4096, 64)).
    entries = untied_entries(t)
    ties = t.tie_indices(entries)
    untied = untied_gradient_values(x, g, entries)
    steps.append(
        check_over_entries(
            r"untied gradient is $g_i x_j$",
            untied,
            [pair_product(g[i], x[j]) if g[i] is not S.Zero else S.Zero for i, j in entries],
            entries,
            law=(
                r"Law: with every entry of $T$ untied into a free $u_{ij}$, $z = Ux$ is a fully "
                r"connected layer and $\partial L/\partial u_{ij} = g_i x_j$"
            ),
            details={
                "checked entries": len(entries),
                "dense": len(entries) == t.shape[0] * t.shape[1],
            },
        )
    )
    dl_du = EntryValues(entries, untied)
    tie_sets = t.tie_set_view()
    if isinstance(t.ties, TieMap) and not getattr(settings, "folds", False):
        # Every entry holds one weight and the untied entries cover the band: each tie
        # set's sum is read off in one pass over them.
        summation = tie_sums_check(grad_w, sums_over_ties(len(w), untied, ties), tie_sets)
    else:
        summation = tie_summation_step(grad_w, dl_du, tie_sets)
    summation = dataclasses.replace(summation, details={**summation.details, "pattern": t})
    steps.append(summation)
    summed = summation.rhs  # sum of dL/du over each tie set, already built for the claim

    eta = Symbol("eta")
    rebuilt = tied_update(grad_w, w, eta, settings)
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
        check(
            r"tied step is $T(w) - \eta\, P(\partial L/\partial U)$",
            list(rebuilt.weights),
            [minus_scaled(t.weights[k], eta, summed[k]) for k in range(len(w))],
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
    # masked steps cost the entries up to the first one that breaks the pattern.
    def dense(e: Entry) -> Expr:
        return t[e] - eta * dl_du[e]

    def masked(e: Entry) -> Expr:
        return t[e] - eta * dl_du[e] if e in t.ties else S.Zero

    dense_kept = update_step("dense step", t, dense, entries, ties)
    off_band = ties.count(None)
    # Where every g_i x_j off the band is zero (an upstream the activation zeroed, say),
    # no structural zero can move: there is no contrast to exhibit, and none is claimed.
    movable = any(dl_du[e] != 0 for e, tie in zip(entries, ties) if tie is None)
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
                "structural zeros checked": off_band,
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
    grad_w: list[Expr]
    grad_x: list[Expr]


@in_session
def tied_gradients(
    x: Matrix, w: Matrix, upstream: Matrix, settings: ConvSettings, request: Mapping[str, object]
) -> TiedGradients:
    """The tied-gradient stage for a resolved layer: the proof of
    :func:`prove_tied_gradients` with the gradients it differentiated.

    ``request`` is the layer as the user asked for it (``stride``, ``padding``,
    ``dilation``, ``flip``, ``padding_mode``), for the literal definition.

    >>> from symconv import symbolic_vector
    >>> from symconv.layout.axis import conv_settings
    >>> x, w, g = symbolic_vector("x", 4), symbolic_vector("w", 3), symbolic_vector("g", 2)
    >>> stage = tied_gradients(x, w, g, conv_settings(3, 4), {})
    >>> stage.proof.holds, stage.grad_w[0], stage.grad_x[0]
    (True, g0*x0 + g1*x1, g0*w0)
    """
    xs, ws, gs = x, w, upstream
    derived = derive_gradients(list(xs), list(ws), list(gs), settings)
    x_list, g_list = list(xs), list(gs)
    # Checked first, shown last: the definition's pairs and their codes are freed before
    # the tied steps build theirs, so the two never add to one peak.
    definition = gradient_definition_steps(
        layer_pairs((len(xs),), (len(ws),), dict(request)),
        derived.grad_w,
        derived.grad_x,
        x_list,
        list(ws),
        g_list,
        weight_labels=[(k,) for k in range(len(ws))],
        input_labels=[(j,) for j in range(len(xs))],
    )

    rows = rows_from_settings(x_list, settings)
    closed_w = data_transpose_times(rows, g_list)
    if settings.flip:
        closed_w = closed_w[::-1]  # y = X reverse(w): tap k holds w_{K-1-k}
    steps = tied_weight_steps(
        x_list,
        list(ws),
        g_list,
        settings,
        derived.grad_x,
        derived.grad_w,
        closed_w,
        weight_labels=[(k,) for k in range(len(ws))],
        input_labels=[(j,) for j in range(len(xs))],
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
    )
    steps += definition
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
    return TiedGradients(proof, derived.grad_w, derived.grad_x)
