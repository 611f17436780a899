"""Naming what a wrong entry got wrong: which index rule is off, on which axis, by how much.

A missing term and an extra term that share a factor (the same ``x`` entry, the same
``w`` entry, the same upstream ``g``) are one read gone wrong: the user read the other
factor at another index. Comparing the two indices axis by axis says how: a constant
offset (an off-by-one window, a forgotten padding), two axes swapped (``w[o, c]`` for
``w[c, o]``, ``k`` and ``j`` exchanged), an axis reversed (no kernel flip), a wrap-around
(a negative index), or an offset that grows with the output position (the stride).
Terms no partner explains are named one by one, gradient terms with the output position
they come from.

Examples
========

>>> from symconv.checking.layer import layer_spec
>>> from symconv.checking.reference import layer_symbols
>>> spec = layer_spec(x_shape=(1, 1, 4), w_shape=(1, 1, 2), bias=False)
>>> symbols = layer_symbols(spec)
>>> context = Context(spec, symbols.where, {"x": (1, 1, 4), "w": (1, 1, 2), "g": (1, 1, 3)})
>>> x, w = symbols.x[0, 0], symbols.w[0, 0]
>>> missing, extra = {(w[1], x[2]): 1}, {(w[0], x[2]): 1}
>>> pairs, _, _ = pair_terms(missing, extra, context, (0, 0, 1))
>>> explain(pairs, context)
'your kernel index is one short on axis 2 (kernel tap)'
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy

from symconv.checking.layer import LayerSpec
from symconv.checking.terms import Monomial, Terms, factor_key, sorted_terms, term_expr

#: How each array's index is called in a sentence.
ARRAY_WORDS = {"x": "input", "w": "kernel", "b": "bias", "g": "upstream-gradient"}
#: Order of the factors in "reads x[...] with w[...]".
READ_ORDER = {"x": 0, "w": 1, "b": 2, "g": 3}
#: Unpaired terms named one by one per entry before "... and N more".
SHOWN_TERMS = 3
NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}

Where = dict[sympy.Expr, tuple[str, tuple[int, ...]]]


@dataclass(frozen=True)
class Context:
    """What a diagnosis needs to know of the layer: its options, symbols and shapes."""

    spec: LayerSpec
    where: Where
    shapes: dict[str, tuple[int, ...]]

    def array(self, factor: sympy.Expr) -> str | None:
        found = self.where.get(factor)
        return found[0] if found else None

    def index(self, factor: sympy.Expr) -> tuple[int, ...]:
        return self.where[factor][1]


@dataclass(frozen=True)
class Pair:
    """The layer's term and the user's term that replaced it, differing in one factor."""

    layer: Monomial
    user: Monomial
    array: str
    layer_index: tuple[int, ...]
    user_index: tuple[int, ...]
    position: tuple[int, ...] | None  # the output entry (user layout) the term belongs to

    @property
    def offset(self) -> tuple[int, ...]:
        return tuple(u - a for u, a in zip(self.user_index, self.layer_index))


def _one_of(monomial: Monomial, array: str, context: Context) -> tuple[Monomial, Any] | None:
    """``(other factors, the factor)`` when ``monomial`` has exactly one ``array`` factor."""
    found = [i for i, f in enumerate(monomial) if context.array(f) == array]
    if len(found) != 1:
        return None
    i = found[0]
    return (*monomial[:i], *monomial[i + 1 :]), monomial[i]


def _position(
    shared: Monomial, array: str, layer_factor: Any, context: Context, entry: Any
) -> tuple[int, ...] | None:
    if entry is not None:
        return tuple(entry)
    if array == "g":
        return context.index(layer_factor)
    ups = [f for f in shared if context.array(f) == "g"]
    return context.index(ups[0]) if ups else None


def _pair_on(
    array: str, missing: Sequence[Monomial], extra: Sequence[Monomial], context: Context, entry: Any
) -> list[Pair]:
    buckets: dict[Monomial, list[tuple[Monomial, Any]]] = {}
    for e in extra:
        split = _one_of(e, array, context)
        if split is not None:
            buckets.setdefault(split[0], []).append((e, split[1]))
    candidates: list[tuple[Monomial, Monomial, Any, list[tuple[Monomial, Any]]]] = []
    counts: Counter[tuple[int, ...]] = Counter()
    for m in missing:
        split = _one_of(m, array, context)
        if split is None or split[0] not in buckets:
            continue
        shared, factor = split
        options = buckets[shared]
        candidates.append((m, shared, factor, options))
        a = context.index(factor)
        counts.update({tuple(u - v for u, v in zip(context.index(f), a)) for _, f in options})
    used: set[Monomial] = set()
    pairs: list[Pair] = []
    for m, shared, factor, options in candidates:
        a = context.index(factor)
        best: tuple[Any, ...] | None = None
        for e, f in options:
            if e in used:
                continue
            offset = tuple(u - v for u, v in zip(context.index(f), a))
            score = (counts[offset], -sum(abs(d) for d in offset))
            if best is None or score > best[0]:
                best = (score, e, f)
        if best is None:
            continue
        _, e, f = best
        used.add(e)
        position = _position(shared, array, factor, context, entry)
        pairs.append(Pair(m, e, array, a, context.index(f), position))
    return pairs


def _arrays(ms: Sequence[Monomial], es: Sequence[Monomial], context: Context) -> list[str]:
    """Arrays with factors on both sides: those whose index may have gone wrong."""
    left = {context.array(f) for m in ms for f in m}
    return sorted(a for a in left & {context.array(f) for e in es for f in e} if a is not None)


def pair_terms(
    missing: Terms, extra: Terms, context: Context, entry: Any = None, prefer: str | None = None
) -> tuple[list[Pair], list[Monomial], list[Monomial]]:
    """Pair missing with extra terms sharing all factors but one of the same array.

    Every array whose index could have gone wrong is tried; the one pairing the most terms
    (then the most alike offsets, then ``prefer``: the array most entries of the check
    chose) wins, so an off-by-one window reads as one input offset rather than as kernel
    offsets. ``entry`` is the output entry of a forward check (for a
    gradient the position is read from the shared ``g`` factor). Returns the pairs and the
    unpaired missing and extra monomials, in the order of the terms.
    """
    ms = [m for m, _ in sorted_terms(missing)]
    es = [e for e, _ in sorted_terms(extra)]
    best: list[Pair] = []
    best_score: tuple[int, int, bool] = (0, 0, False)
    for array in _arrays(ms, es, context):
        pairs = _pair_on(array, ms, es, context, entry)
        top = Counter(p.offset for p in pairs).most_common(1)
        score = (len(pairs), top[0][1] if top else 0, array == prefer)
        if score > best_score:
            best, best_score = pairs, score
    paired_m = {p.layer for p in best}
    paired_e = {p.user for p in best}
    return best, [m for m in ms if m not in paired_m], [e for e in es if e not in paired_e]


# --- explanations -------------------------------------------------------------------------


def amount(offset: int) -> str:
    """``one short``, ``two past``."""
    size = NUMBER_WORDS.get(abs(offset), str(abs(offset)))
    return f"{size} {'short' if offset < 0 else 'past'}"


def _swapped(pairs: Sequence[Pair]) -> tuple[int, int] | None:
    rank = len(pairs[0].layer_index)
    for i in range(rank):
        for j in range(i + 1, rank):
            if all(
                p.user_index[i] == p.layer_index[j]
                and p.user_index[j] == p.layer_index[i]
                and all(p.user_index[k] == p.layer_index[k] for k in range(rank) if k not in (i, j))
                for p in pairs
            ):
                return i, j
    return None


def _flat(index: Sequence[int], shape: Sequence[int]) -> int:
    flat = 0
    for i, n in zip(index, shape):
        flat = flat * n + i
    return flat


def _reordered(pairs: Sequence[Pair], shape: tuple[int, ...]) -> tuple[int, ...] | None:
    """An order of the differing axes in which the layer's index, flattened, is the user's
    index flattened in the natural order: a flattening-order mismatch."""
    rank = len(pairs[0].layer_index)
    axes = [a for a in range(rank) if any(p.user_index[a] != p.layer_index[a] for p in pairs)]
    if len(axes) < 2 or len(axes) > 4:
        return None
    natural = [shape[a] for a in axes]
    for order in itertools.permutations(axes):
        if list(order) == axes:
            continue
        dims = [shape[a] for a in order]
        if all(
            _flat([p.user_index[a] for a in axes], natural)
            == _flat([p.layer_index[a] for a in order], dims)
            for p in pairs
        ):
            return order
    return None


def _fit(positions: Sequence[int], offsets: Sequence[int]) -> tuple[int, int] | None:
    """Integers ``(slope, intercept)`` with ``offset == slope * position + intercept``."""
    points = sorted(set(zip(positions, offsets)))
    if len({p for p, _ in points}) < 2:
        return None
    (p0, o0), (p1, o1) = points[0], points[-1]
    if (o1 - o0) % (p1 - p0):
        return None
    slope = (o1 - o0) // (p1 - p0)
    intercept = o0 - slope * p0
    if slope == 0 or any(o != slope * p + intercept for p, o in points):
        return None
    return slope, intercept


def _axis_phrase(array: str, axis: int, pairs: Sequence[Pair], context: Context) -> str:
    spec = context.spec
    name = f"axis {axis} ({spec.axis_names(array)[axis]})"
    offsets = [p.user_index[axis] - p.layer_index[axis] for p in pairs]
    size = context.shapes[array][axis]
    spatial = spec.layout.spatial_axes
    if len(set(offsets)) == 1:
        phrase = f"is {amount(offsets[0])} on {name}"
        before = spec.padding_before()
        if array == "x" and axis in spatial and before and not spec.transposed:
            if offsets[0] == before[spatial.index(axis)]:
                phrase += " (as if the input were not padded)"
        return phrase
    if all(p.user_index[axis] == size - 1 - p.layer_index[axis] for p in pairs):
        flipped = ": one side flips the kernel, the other does not" if array == "w" else ""
        return f"is reversed on {name}{flipped}"
    if len({o % size for o in offsets}) == 1:
        common = Counter(offsets).most_common(1)[0][0]
        return (
            f"is {amount(common)} on {name}, wrapping around at the edge (a negative index "
            "reads from the end)"
        )
    if array == "x" and axis in spatial and not spec.transposed:
        positions = [p.position[axis] for p in pairs if p.position is not None]
        fit = _fit(positions, offsets) if len(positions) == len(pairs) else None
        if fit is not None:
            stride = spec.per_axis(spec.stride)[spatial.index(axis)]
            slope, intercept = fit
            phrase = (
                f"moves {stride + slope} per output step on {name} where the layer's moves "
                f"{stride} (a stride of {stride + slope} instead of {stride})"
            )
            return phrase + (f" and is {amount(intercept)} besides" if intercept else "")
    shown = ", ".join(f"{o:+d}" for o in sorted(set(offsets)))
    return f"is off on {name} by varying amounts ({shown})"


def explain(pairs: Sequence[Pair], context: Context) -> str | None:
    """One sentence for what the pairs have in common, per array whose index differs."""
    phrases = []
    for array in sorted({p.array for p in pairs}, key=lambda a: READ_ORDER.get(a, 9)):
        group = [p for p in pairs if p.array == array]
        word = ARRAY_WORDS.get(array, array)
        swap = _swapped(group)
        if swap is not None:
            names = context.spec.axis_names(array)
            i, j = swap
            phrases.append(
                f"your {word} index has axis {i} ({names[i]}) and axis {j} ({names[j]}) swapped"
            )
            continue
        order = _reordered(group, context.shapes[array])
        if order is not None:
            names = context.spec.axis_names(array)
            phrases.append(
                f"your {word} index runs through ({', '.join(names[a] for a in order)}) where "
                f"the layer's runs through ({', '.join(names[a] for a in sorted(order))}): the "
                "two are flattened in different orders (im2col columns against the reshaped "
                "kernel?)"
            )
            continue
        rank = len(group[0].layer_index)
        parts = [
            _axis_phrase(array, axis, group, context)
            for axis in range(rank)
            if any(p.user_index[axis] != p.layer_index[axis] for p in group)
        ]
        phrases.append(f"your {word} index " + " and ".join(parts))
    return "; ".join(phrases) or None


# --- sentences for one entry --------------------------------------------------------------


def reads(monomial: Monomial, context: Context) -> str:
    """``x[0, 0, 3] with w[1, 0, 0, 1]``: a product as the factors an output reads."""
    ordered = sorted(
        monomial, key=lambda f: (READ_ORDER.get(context.array(f) or "", 9), factor_key(f))
    )
    return " with ".join(str(f) for f in ordered)


def _origin(monomial: Monomial, context: Context) -> str:
    ups = [f for f in monomial if context.array(f) == "g"]
    return f" from output position {context.index(ups[0])}" if ups else ""


def _listed(sentences: list[str], more: str) -> list[str]:
    if len(sentences) <= SHOWN_TERMS:
        return sentences
    return sentences[:SHOWN_TERMS] + [f"... and {len(sentences) - SHOWN_TERMS} more {more}"]


@dataclass(frozen=True)
class EntryFinding:
    """One wrong entry diagnosed: its sentences, and what :func:`summarise` needs of it."""

    lines: list[str]
    pairs: list[Pair]
    explanation: str | None  # what the pairs have in common
    lone_missing: list[Monomial]  # the layer's terms no extra term explains
    kept: list[Monomial]  # the layer's terms the user has right


def diagnose_entry(
    label: str,
    expected: Terms,
    missing: Terms,
    extra: Terms,
    miscounted: Sequence[tuple[Monomial, Any, Any]],
    context: Context,
    entry: Any = None,
    prefer: str | None = None,
) -> EntryFinding:
    """The sentences for one wrong entry, most telling first (see :func:`pair_terms` for
    ``entry`` and ``prefer``)."""
    pairs, lone_missing, lone_extra = pair_terms(missing, extra, context, entry, prefer)
    lines = []
    explanation = explain(pairs, context) if pairs else None
    if pairs:
        first = pairs[0]
        count = f" ({len(pairs)} terms read this way)" if len(pairs) > 1 else ""
        lines.append(
            f"your {label} reads {reads(first.user, context)}; the layer reads "
            f"{reads(first.layer, context)}: {explanation}{count}"
        )
    counted = {m for m, _, _ in miscounted}
    lines += [
        f"your {label} counts {term_expr(m)} {a} times; the layer counts it {e} "
        f"time{'s' if e != 1 else ''}"
        for m, e, a in miscounted
    ]
    lines += _listed(
        [
            f"your {label} misses the term {term_expr(m, missing[m])}{_origin(m, context)}"
            for m in lone_missing
            if m not in counted
        ],
        "missing terms",
    )
    lines += _listed(
        [
            f"your {label} has the term {term_expr(e, extra[e])}{_origin(e, context)}, which "
            "the layer does not"
            for e in lone_extra
            if e not in counted
        ],
        "extra terms",
    )
    kept = [m for m in expected if m not in missing]
    return EntryFinding(lines, pairs, explanation, lone_missing, kept)


# --- what the wrong entries of one quantity share -----------------------------------------


def _upstream_indices(monomials: Iterable[Monomial], context: Context) -> list[tuple[int, ...]]:
    return [context.index(f) for m in monomials for f in m if context.array(f) == "g"]


def _singular(noun: str) -> str:
    """``output`` for ``outputs``, ``dw entry`` for ``dw entries``."""
    return noun[: -len("ies")] + "y" if noun.endswith("ies") else noun.removesuffix("s")


def preferred_array(pairings: Iterable[tuple[Terms, Terms, Any]], context: Context) -> str | None:
    """The array whose index most wrong entries get wrong, counting only the entries where
    one array pairs strictly more terms than any other (ties are settled by this one)."""
    votes: Counter[str] = Counter()
    for missing, extra, entry in pairings:
        ms, es = list(missing), list(extra)
        counts = {a: len(_pair_on(a, ms, es, context, entry)) for a in _arrays(ms, es, context)}
        best = max(counts.values(), default=0)
        winners = [a for a, count in counts.items() if count == best]
        if best and len(winners) == 1:
            votes[winners[0]] += 1
    return votes.most_common(1)[0][0] if votes else None


def summarise(
    name: str, noun: str, findings: Sequence[EntryFinding], context: Context
) -> list[str]:
    """Sentences for what all wrong entries of one quantity share (``name``: ``"dw"``,
    ``noun``: ``"dw entries"``)."""
    if not findings:
        return []
    lines = []
    n = len(findings)
    all_pairs = [p for f in findings for p in f.pairs]
    overall = explain(all_pairs, context) if all_pairs else None
    if overall and all(f.pairs for f in findings) and "varying" not in overall:
        which = f"the only wrong {_singular(noun)}" if n == 1 else f"all {n} wrong {noun}"
        lines.append(f"in {which}: {overall}")
    else:
        explained = Counter(f.explanation for f in findings if f.explanation)
        for text, count in explained.most_common(2):
            lines.append(f"{count} of {n} wrong {noun}: {text}")
    return lines + _sum_pattern(name, findings, context)


def _sum_pattern(name: str, findings: Sequence[EntryFinding], context: Context) -> list[str]:
    """A gradient that leaves out whole output positions: not summed over an axis, or one
    window skipped."""
    missing = [_upstream_indices(f.lone_missing, context) for f in findings]
    if not all(missing) or any(f.pairs for f in findings):
        return []
    lines = []
    every = {index for indices in missing for index in indices}
    if len(every) == 1:
        lines.append(
            f"every missing term comes from output position {every.pop()}: your {name} "
            "leaves that window out"
        )
    kept = [_upstream_indices(f.kept, context) for f in findings]
    if all(kept):
        names = context.spec.axis_names("g")
        axes = [
            names[axis]
            for axis in range(len(names))
            if all(
                len({k[axis] for k in keeps}) == 1 and {m[axis] for m in miss} - {keeps[0][axis]}
                for keeps, miss in zip(kept, missing)
            )
        ]
        if axes:
            which = " and ".join(axes)
            lines.append(
                f"your {name} is not summed over the output's {which} "
                f"ax{'is' if len(axes) == 1 else 'es'}: each wrong entry keeps the terms of "
                f"one {which} only"
            )
    return lines
