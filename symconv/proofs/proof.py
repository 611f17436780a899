"""A proof: named claims, each an entry-by-entry symbolic equality that was checked.

A :class:`Proof` holds :class:`Step` objects. A step compares two lists of SymPy
expressions entry by entry with :func:`symconv.engine.same` (structural identity of
canonical forms, else expand/cancel to zero) and remembers the first entry that differs,
so a wrong claim is reported where it breaks.

Examples
========

>>> from sympy import symbols
>>> from symconv.proofs.proof import Proof, check
>>> a, b = symbols("a b")
>>> step = check("commutes", [a*b, a + b], [b*a, b + a], law="commutativity")
>>> step.holds, step.method
(True, 'identical')
>>> bad = check("wrong", [a, b], [a, a])
>>> bad.holds, bad.mismatch
(False, (1, b, a))
>>> bool(Proof("demo", "a claim", [step, bad]))
False
>>> step.kind, observe("a count", True).kind
('entries', 'structure')
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, overload

from sympy import Expr

from symconv.core.engine import in_session, same
from symconv.proofs.law import Law

#: What kind of claim a step makes, read by printers instead of its name or details:
#: entries compared one by one; a structure observed (a key set, a count); a rewrite
#: ``before = after`` carried out by a rule; a spot check of a general claim at sizes.
StepKind = Literal["entries", "structure", "rewrite", "spot check"]
KINDS: tuple[str, ...] = ("entries", "structure", "rewrite", "spot check")


class Rebuilt(Sequence[Expr]):
    """A side of a claim too big to keep, built again a block of entries at a time when
    read: ``build(a, b)`` gives entries ``a`` to ``b - 1``.

    A big layer's gradients hold as many products as its outputs; a proof that kept them
    all would hold the layer several times over. It keeps its verdict and, for each side,
    how to build it; a reader asking for four entries builds four.

    >>> from sympy import Symbol
    >>> side = Rebuilt(5, lambda a, b: [Symbol(f"v{n}") for n in range(a, b)])
    >>> len(side), side[1], side[-1], side[1:3], list(side) == [side[n] for n in range(5)]
    (5, v1, v4, [v1, v2], True)
    """

    __slots__ = ("length", "build")

    #: Entries built together when the whole side is read.
    BLOCK = 64

    def __init__(self, length: int, build: Callable[[int, int], list[Expr]]) -> None:
        self.length = length
        self.build = in_session(build)  # a rebuild shares products within itself

    def __len__(self) -> int:
        return self.length

    @overload
    def __getitem__(self, index: int) -> Expr: ...

    @overload
    def __getitem__(self, index: slice) -> list[Expr]: ...

    def __getitem__(self, index: int | slice) -> Expr | list[Expr]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self.length)
            if step != 1:
                return [self[n] for n in range(start, stop, step)]
            return self.build(start, stop) if start < stop else []
        if not isinstance(index, int):
            raise TypeError(f"entry index must be an int or a slice, got {index!r}")
        n = index + self.length if index < 0 else index
        if not 0 <= n < self.length:
            raise IndexError(f"entry {index} is beyond the {self.length} entries")
        return self.build(n, n + 1)[0]

    def block(self, start: int, stop: int) -> list[Expr]:
        """Entries ``start`` to ``stop - 1``."""
        return self.build(start, stop)

    def __iter__(self) -> Iterator[Expr]:
        for start in range(0, self.length, self.BLOCK):
            yield from self.build(start, min(start + self.BLOCK, self.length))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(other) == self.length and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Rebuilt({self.length} entries)"


def block_of(side: Sequence[Expr], start: int, stop: int) -> list[Expr]:
    """Entries ``start`` to ``stop - 1`` of a side, a :class:`Rebuilt` one built for it."""
    if isinstance(side, Rebuilt):
        return side.block(start, stop)
    return list(side[start:stop])


class Tally:
    """One entries claim checked a block at a time: the first difference (by position),
    the methods used, the number of entries.

    Blocks may come in any order; the difference kept is the one at the least position,
    so the step reads as :func:`check` over the whole sides would.

    >>> from sympy import symbols
    >>> a, b = symbols("a b")
    >>> tally = Tally()
    >>> tally.add(2, [a, b], [a, a], [(2,), (3,)])
    >>> tally.add(0, [a, b], [a, b], [(0,), (1,)])
    >>> tally.mismatch, tally.method, tally.entries
    (((3,), b, a), 'expand + identical', 4)
    """

    __slots__ = ("methods", "mismatch", "position", "entries")

    def __init__(self) -> None:
        self.methods: set[str] = set()
        self.mismatch: tuple[Any, Expr | None, Expr | None] | None = None
        self.position: int | None = None
        self.entries = 0

    def add(
        self,
        start: int | Sequence[int] | Callable[[Any], int],
        lhs: Sequence[Expr],
        rhs: Sequence[Expr],
        labels: Sequence[Any],
    ) -> None:
        """Check entries whose sides are ``lhs``, ``rhs`` and names ``labels``, at
        positions ``start, start + 1, ...``, or at the given positions (ascending), or
        where ``start(label)`` puts them (asked only of a difference)."""
        if len(lhs) != len(rhs):
            raise ValueError(f"a block of {len(lhs)} entries against {len(rhs)}")
        self.entries += len(lhs)
        if callable(start):
            where = start
            for n, (a, b) in enumerate(zip(lhs, rhs)):
                ok, how = same(a, b)
                self.methods.add(how)
                if not ok:
                    label = labels[n]
                    position = where(label)
                    if self.position is None or position < self.position:
                        self.position, self.mismatch = position, (label, a, b)
                    return
            return
        positions = range(start, start + len(lhs)) if isinstance(start, int) else start
        for n, (position, a, b) in enumerate(zip(positions, lhs, rhs)):
            if self.position is not None and position >= self.position:
                return  # a difference before this one is already known
            ok, how = same(a, b)
            self.methods.add(how)
            if not ok:
                label = labels[n] if n < len(labels) else position
                self.position, self.mismatch = position, (label, a, b)
                return

    @property
    def method(self) -> str:
        return " + ".join(sorted(self.methods)) if self.methods else "identical"

    def step(
        self,
        name: str,
        lhs: Sequence[Expr],
        rhs: Sequence[Expr],
        *,
        law: str = "",
        labels: Sequence[Any] = (),
        details: Mapping[str, Any] | None = None,
    ) -> Step:
        """The step of the claim, with the sides it shows (kept, or :class:`Rebuilt`)."""
        return Step(
            name=Law(name),
            lhs=lhs,
            rhs=rhs,
            holds=self.mismatch is None,
            method=self.method,
            kind="entries",
            law=Law(law),
            labels=labels,  # kept as given: an EntryList or Positions stays compact
            mismatch=self.mismatch,
            details=frozen_details(details),
        )


def frozen_details(details: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(details or {}))


class Positions(Sequence[tuple[int]]):
    """The labels ``(0,), (1,), ...`` of a column's entries, made when read.

    A list of them keeps a tuple and an int per entry (76 bytes; 1.2 MB for 16,384
    inputs, and a big proof labels its inputs in four claims). It equals any sequence
    of the same labels.

    >>> labels = Positions(4)
    >>> labels[1], labels[1:3], len(labels), labels == [(0,), (1,), (2,), (3,)]
    ((1,), Positions(range(1, 3)), 4, True)
    """

    __slots__ = ("span",)

    def __init__(self, span: int | range) -> None:
        self.span = range(span) if isinstance(span, int) else span

    def __len__(self) -> int:
        return len(self.span)

    @overload
    def __getitem__(self, index: int) -> tuple[int]: ...
    @overload
    def __getitem__(self, index: slice) -> Positions: ...
    def __getitem__(self, index: int | slice) -> tuple[int] | Positions:
        if isinstance(index, slice):
            return Positions(self.span[index])
        return (self.span[index],)

    def __iter__(self) -> Iterator[tuple[int]]:
        return ((i,) for i in self.span)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Positions):
            return self.span == other.span
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(other) == len(self.span) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # equal to lists, which are unhashable

    def __repr__(self) -> str:
        return f"Positions({self.span!r})"


def kept_labels(labels: Sequence[Any]) -> Sequence[Any]:
    """Labels as a step keeps them: :class:`Positions` as given (compact), any other
    sequence as a tuple."""
    return labels if isinstance(labels, Positions) else tuple(labels)


@dataclass(frozen=True, kw_only=True)
class Step:
    """One claim ``lhs[e] == rhs[e]`` for every entry ``e``, and how it was checked.

    ``name`` and ``law`` are :class:`~symconv.proofs.law.Law` objects (strings whose value
    is the plain text; ``.latex()`` prints the same source as LaTeX); ``labels`` names the
    entries (``(i,)``, ``(i, j)``, a weight index...); ``kind`` says what sort of claim it
    is (:data:`KINDS`); ``details`` carries the data a reader needs (tie sets, exhibited
    entries) and is read-only.
    """

    name: str  # a Law after construction
    lhs: Sequence[Expr] = ()  # a tuple, or a Rebuilt side for a big layer
    rhs: Sequence[Expr] = ()
    holds: bool
    method: str
    kind: StepKind = "entries"
    law: str = ""  # a Law after construction
    labels: Sequence[Any] = ()  # a tuple, or a compact sequence (Positions, EntryList)
    mismatch: tuple[Any, Expr | None, Expr | None] | None = None
    details: Mapping[str, Any] = field(default_factory=frozen_details, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"step kind {self.kind!r} is not one of {KINDS}")
        object.__setattr__(self, "name", Law(self.name))
        object.__setattr__(self, "law", Law(self.law))
        for side in ("lhs", "rhs"):
            value = getattr(self, side)
            if not isinstance(value, Rebuilt):
                object.__setattr__(self, side, tuple(value))
        if not isinstance(self.details, MappingProxyType):
            object.__setattr__(self, "details", frozen_details(self.details))

    def __bool__(self) -> bool:
        return self.holds

    @property
    def identical_sides(self) -> bool:
        """Every entry's two sides are the same object: the step shows one result, and
        the law that gives it, rather than ``a = a``."""
        if isinstance(self.lhs, Rebuilt) or isinstance(self.rhs, Rebuilt):
            # Decided when checked ("identical" is equal structure, entry by entry):
            # reading the sides again would build them all.
            return bool(self.lhs) and self.holds and self.method == "identical"
        return (
            bool(self.lhs)
            and len(self.lhs) == len(self.rhs)
            and all(a is b or a == b for a, b in zip(self.lhs, self.rhs))
        )

    def describe(self) -> str:
        verdict = "holds" if self.holds else "FAILS"
        checked = f"{len(self.lhs)} entries, {self.method}" if self.lhs else self.method
        line = f"{self.name}: {verdict} ({checked})"
        if self.mismatch is not None:
            where, left, right = self.mismatch
            line += f"; first difference at {where}: {left} != {right}"
        return line

    def _repr_latex_(self) -> str:
        # The display hook: rendering lives above the proofs, loaded on first use.
        from symconv.render.printer import latex

        return latex(self, display=True)


def check(
    name: str,
    lhs: Sequence[Expr],
    rhs: Sequence[Expr],
    *,
    law: str = "",
    labels: Sequence[Any] | None = None,
    details: Mapping[str, Any] | None = None,
) -> Step:
    """Check ``lhs[e] == rhs[e]`` for every entry and return the :class:`Step`.

    Sides of different lengths are a failed claim, not an error: the mismatch names
    the first entry one side lacks.
    """
    left, right = tuple(lhs), tuple(rhs)
    names = kept_labels(labels) if labels is not None else tuple(range(len(left)))
    tally = Tally()
    if len(left) != len(right):
        where = min(len(left), len(right))
        tally.methods.add("length")
        tally.mismatch = (
            f"length {len(left)} != {len(right)}",
            left[where] if where < len(left) else None,
            right[where] if where < len(right) else None,
        )
    else:
        tally.add(0, left, right, names)
    return tally.step(name, left, right, law=law, labels=names, details=details)


def observe(
    name: str, holds: bool, *, law: str = "", details: Mapping[str, Any] | None = None
) -> Step:
    """A claim about structure (a key set, a count) decided without expressions."""
    return Step(
        name=Law(name),
        holds=bool(holds),
        method="structure",
        kind="structure",
        law=Law(law),
        details=frozen_details(details),
    )


@dataclass(frozen=True)
class Proof:
    """A named statement and the steps that prove it; true only if every step holds.

    ``statement`` and each assumption are :class:`~symconv.proofs.law.Law` markup.
    """

    title: str
    statement: str
    steps: list[Step]
    assumptions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "statement", Law(self.statement))
        object.__setattr__(self, "assumptions", tuple(Law(a) for a in self.assumptions))

    @property
    def holds(self) -> bool:
        return all(step.holds for step in self.steps)

    def __bool__(self) -> bool:
        return self.holds

    def step(self, name: str) -> Step:
        """The step called ``name`` (KeyError naming the steps there are)."""
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"no step {name!r}; steps are {[str(s.name) for s in self.steps]}")

    @property
    def first_failure(self) -> Step | None:
        return next((step for step in self.steps if not step.holds), None)

    def __str__(self) -> str:
        lines = [f"{self.title}: {'holds' if self.holds else 'FAILS'}", f"  {self.statement}"]
        lines += [f"  - {step.describe()}" for step in self.steps]
        return "\n".join(lines)

    def to_latex(self, **options: Any) -> str:
        """The proof as a LaTeX fragment, by :class:`symconv.render.printer.SymconvPrinter`
        (options: ``index_base``, ``max_entries``, ``heading``, ``display``)."""
        from symconv.render.printer import latex

        return latex(self, **options)

    def _repr_latex_(self) -> str:
        from symconv.render.printer import latex

        return latex(self, display=True)
