"""The one-dimensional theorems, in the order a reader meets them."""

from __future__ import annotations

from collections.abc import Callable

from symconv.general.banded_product import prove_banded_product
from symconv.general.flip import prove_flip
from symconv.general.input_gradient import prove_input_gradient
from symconv.general.output_length import prove_output_length
from symconv.general.theorem import GeneralProof
from symconv.general.tied_gradient import prove_tied_gradient

#: The 1-D theorems, in order; :func:`prove_2d` runs each with ``dims=2``.
THEOREMS: tuple[Callable[..., GeneralProof], ...] = (
    prove_output_length,
    prove_banded_product,
    prove_tied_gradient,
    prove_input_gradient,
    prove_flip,
)
