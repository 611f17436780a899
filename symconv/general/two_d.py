"""Theorem 6: every 1-D theorem holds per axis in 2-D."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from symconv.general.theorem import GeneralProof
from symconv.general.theorems import THEOREMS
from symconv.proofs.law import Law, as_law


def prove_2d(**claims: Any) -> TwoDimensionalProof:
    """Theorem 6: theorems 1-5 for 2-D convolutions (two index sets), as one proof.

    Keyword arguments go to the theorem that takes them (``length``, ``column``, ``tie``,
    ``gradient``, ``reversed_index``), so a wrong 2-D claim can be tested.

    >>> proof = prove_2d()
    >>> proof.holds, len(proof.parts)
    (True, 5)
    """
    known = {"length": 0, "column": 1, "tie": 2, "gradient": 3, "reversed_index": 4}
    unknown = sorted(set(claims) - set(known))
    if unknown:
        raise TypeError(f"prove_2d got unknown claims {unknown}; it takes {sorted(known)}")
    parts = []
    for position, theorem in enumerate(THEOREMS):
        given = {name: value for name, value in claims.items() if known[name] == position}
        parts.append(theorem(2, **given))
    steps = [
        dataclasses.replace(step, name=Law(f"{part.title}: {as_law(step.name).source}"))
        for part in parts
        for step in part.steps
    ]
    return TwoDimensionalProof(
        title="The identities in 2-D",
        statement=(
            "Theorems 1-5 hold for 2-D convolutions: every index becomes a pair (one per "
            "axis), every delta a product of per-axis deltas, and every step runs per axis."
        ),
        steps=steps,
        assumptions=parts[0].assumptions,
        claims=tuple(c for part in parts for c in part.claims),
        definitions=parts[1].definitions,
        parts=tuple(parts),
    )


@dataclass(frozen=True)
class TwoDimensionalProof(GeneralProof):
    """Theorem 6: the 2-D proofs of theorems 1-5, kept whole in ``parts``."""

    parts: tuple[GeneralProof, ...] = ()

    def to_latex(self, **options: Any) -> str:
        return "\n".join(part.to_latex(**options) for part in self.parts)
