"""Every theorem for all sizes at once, with its default (true) statement."""

from __future__ import annotations

from collections.abc import Callable

from symconv.general.channels import prove_channel_groups
from symconv.general.convolution_theorem import prove_convolution_theorem
from symconv.general.equivariance import EQUIVARIANCE_THEOREMS
from symconv.general.theorem import GeneralProof
from symconv.general.theorems import THEOREMS
from symconv.general.transposed import (
    prove_transposed_is_input_gradient,
    prove_transposed_length,
)
from symconv.general.two_d import prove_2d

#: Every all-size prover, in the order the catalogue shows them; each is called with no
#: arguments for its default (true) statement.
PROVERS: tuple[Callable[[], GeneralProof], ...] = (
    *THEOREMS,
    prove_2d,
    prove_convolution_theorem,
    *EQUIVARIANCE_THEOREMS,
    prove_channel_groups,
    prove_transposed_length,
    prove_transposed_is_input_gradient,
)


def all_proofs() -> list[GeneralProof]:
    """Every theorem with its default (true) statement: the five 1-D identities, their
    2-D forms, the convolution theorem for circular padding, translation equivariance
    with its companions (stride, dilation, tying), grouped channels, and the transposed
    convolution's length and its equality with the forward layer's input gradient."""
    return [prover() for prover in PROVERS]
