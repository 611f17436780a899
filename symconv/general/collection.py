"""Every theorem for all sizes at once, with its default (true) statement."""

from __future__ import annotations

from symconv.general.theorem import GeneralProof
from symconv.general.theorems import THEOREMS
from symconv.general.two_d import prove_2d


def all_proofs() -> list[GeneralProof]:
    """Theorems 1-6 with their default (true) statements."""
    return [theorem() for theorem in THEOREMS] + [prove_2d()]
