"""Every theorem for all sizes at once, with its default (true) statement."""

from __future__ import annotations

from collections.abc import Callable

from symconv.general.convolution_theorem import prove_convolution_theorem
from symconv.general.equivariance import EQUIVARIANCE_THEOREMS
from symconv.general.theorem import GeneralProof
from symconv.general.theorems import THEOREMS
from symconv.general.two_d import prove_2d

#: Every all-size prover, in the order the catalogue shows them; each is called with no
#: arguments for its default (true) statement.
PROVERS: tuple[Callable[[], GeneralProof], ...] = (
    *THEOREMS,
    prove_2d,
    prove_convolution_theorem,
    *EQUIVARIANCE_THEOREMS,
)


def all_proofs() -> list[GeneralProof]:
    """Every theorem with its default (true) statement: the five 1-D identities, their
    2-D forms, the convolution theorem for circular padding, and translation
    equivariance with its companions (stride, dilation, tying)."""
    return [prover() for prover in PROVERS]
