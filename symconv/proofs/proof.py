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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sympy import Expr

from symconv.core.engine import same


@dataclass(frozen=True)
class Step:
    """One claim ``lhs[e] == rhs[e]`` for every entry ``e``, and how it was checked.

    ``labels`` names the entries (``(i,)``, ``(i, j)``, a weight index...) for messages
    and reports; ``law`` says which law justifies it; ``details`` carries the data a
    reader needs (tie sets, exhibited entries).
    """

    name: str
    lhs: tuple[Expr, ...]
    rhs: tuple[Expr, ...]
    holds: bool
    method: str
    law: str = ""
    labels: tuple[Any, ...] = ()
    mismatch: tuple[Any, Expr | None, Expr | None] | None = None
    details: dict[str, Any] = field(default_factory=dict, compare=False)

    def __bool__(self) -> bool:
        return self.holds

    def describe(self) -> str:
        verdict = "holds" if self.holds else "FAILS"
        checked = f"{len(self.lhs)} entries, {self.method}" if self.lhs else self.method
        line = f"{self.name}: {verdict} ({checked})"
        if self.mismatch is not None:
            where, left, right = self.mismatch
            line += f"; first difference at {where}: {left} != {right}"
        return line


def check(
    name: str,
    lhs: Sequence[Expr],
    rhs: Sequence[Expr],
    *,
    law: str = "",
    labels: Sequence[Any] | None = None,
    details: dict[str, Any] | None = None,
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
    return Step(name, left, right, mismatch is None, method, law, names, mismatch, details or {})


def observe(
    name: str, holds: bool, *, law: str = "", details: dict[str, Any] | None = None
) -> Step:
    """A claim about structure (a key set, a count) decided without expressions."""
    return Step(name, (), (), bool(holds), "structure", law, (), None, details or {})


@dataclass(frozen=True)
class Proof:
    """A named statement and the steps that prove it; true only if every step holds."""

    title: str
    statement: str
    steps: list[Step]
    assumptions: tuple[str, ...] = ()

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
        raise KeyError(f"no step {name!r}; steps are {[s.name for s in self.steps]}")

    @property
    def first_failure(self) -> Step | None:
        return next((step for step in self.steps if not step.holds), None)

    def __str__(self) -> str:
        lines = [f"{self.title}: {'holds' if self.holds else 'FAILS'}", f"  {self.statement}"]
        lines += [f"  - {step.describe()}" for step in self.steps]
        return "\n".join(lines)

    def to_latex(self, **options: Any) -> str:
        """The proof as a LaTeX fragment (see :func:`symconv.latex.proof_latex`)."""
        from symconv.render.latex import proof_latex

        return proof_latex(self, **options)

    def _repr_latex_(self) -> str:
        from symconv.render.latex import proof_latex

        return proof_latex(self, display=True)
