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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from sympy import Expr

from symconv.core.engine import same
from symconv.proofs.law import Law

#: What kind of claim a step makes, read by printers instead of its name or details:
#: entries compared one by one; a structure observed (a key set, a count); a rewrite
#: ``before = after`` carried out by a rule; a spot check of a general claim at sizes.
StepKind = Literal["entries", "structure", "rewrite", "spot check"]
KINDS: tuple[str, ...] = ("entries", "structure", "rewrite", "spot check")


def frozen_details(details: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(details or {}))


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
    lhs: tuple[Expr, ...] = ()
    rhs: tuple[Expr, ...] = ()
    holds: bool
    method: str
    kind: StepKind = "entries"
    law: str = ""  # a Law after construction
    labels: tuple[Any, ...] = ()
    mismatch: tuple[Any, Expr | None, Expr | None] | None = None
    details: Mapping[str, Any] = field(default_factory=frozen_details, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"step kind {self.kind!r} is not one of {KINDS}")
        object.__setattr__(self, "name", Law(self.name))
        object.__setattr__(self, "law", Law(self.law))
        object.__setattr__(self, "lhs", tuple(self.lhs))
        object.__setattr__(self, "rhs", tuple(self.rhs))
        if not isinstance(self.details, MappingProxyType):
            object.__setattr__(self, "details", frozen_details(self.details))

    def __bool__(self) -> bool:
        return self.holds

    @property
    def identical_sides(self) -> bool:
        """Every entry's two sides are the same object: the step shows one result, and
        the law that gives it, rather than ``a = a``."""
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
    names = tuple(labels) if labels is not None else tuple(range(len(left)))
    methods: set[str] = set()
    mismatch: tuple[Any, Expr | None, Expr | None] | None = None
    if len(left) != len(right):
        where = min(len(left), len(right))
        mismatch = (
            f"length {len(left)} != {len(right)}",
            left[where] if where < len(left) else None,
            right[where] if where < len(right) else None,
        )
        methods.add("length")
    else:
        for position, (a, b) in enumerate(zip(left, right)):
            ok, how = same(a, b)
            methods.add(how)
            if not ok:
                mismatch = (names[position] if position < len(names) else position, a, b)
                break
    method = " + ".join(sorted(methods)) if methods else "identical"
    return Step(
        name=Law(name),
        lhs=left,
        rhs=right,
        holds=mismatch is None,
        method=method,
        kind="entries",
        law=Law(law),
        labels=names,
        mismatch=mismatch,
        details=frozen_details(details),
    )


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
