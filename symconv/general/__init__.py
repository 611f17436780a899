"""Proofs for every size at once: the convolution identities with symbolic m, n, s, d, p.

Each theorem is a function returning a :class:`GeneralProof`: a chain of steps
``before = after``, each justified by one law whose rewriting SymPy (or a rule of
:mod:`symconv.summation`) actually carries out on ``before``; the step holds only if the
result equals the stated ``after`` and, instantiated at a few concrete sizes and indices,
both sides agree. Every theorem ends with steps comparing its statement, instantiated, to
the concrete machinery (:func:`symconv.conv1d`, :func:`symconv.conv_matrix`,
:func:`symconv.conv1d_grads`, :func:`symconv.band`, :func:`symconv.conv_settings`).

The statements take the claim under test as an argument (a column index, a tie set, a
length formula, a gradient, a kernel index), so a deliberately wrong claim can be fed in
and must come out ``holds == False``.

Notation: input ``x`` of length ``m``, kernel ``w`` of length ``n``, stride ``s``,
dilation ``d``, ``p_l`` zeros before the input and ``p_r`` after it (symmetric padding is
the case ``p_l = p_r = p``), ``L`` outputs, upstream gradient ``g``. Output ``i`` reads
the input at ``i*s + k*d - p_l`` for tap ``k``; a tap outside ``0..m-1`` reads padding. ``[c]`` is an
Iverson bracket, printed by SymPy as ``Piecewise((f, c), (0, True))``. Two-dimensional
versions index every symbol by axis (``m_1, m_2``...).

Examples
========

>>> from symconv.general import prove_banded_product
>>> proof = prove_banded_product()
>>> proof.holds
True
>>> [step.name for step in proof.steps][:3]
['definition of T', 'distributivity', 'interchange the sums']
>>> layer = proof_symbols()
>>> i, k, s, d, p = layer.i[0], layer.k[0], layer.s[0], layer.d[0], layer.p[0]
>>> wrong = prove_banded_product(column=i*s + k*d - p + 1)   # a wrong shift
>>> wrong.holds, wrong.first_failure.name
(False, 'sifting over j')
"""

from __future__ import annotations

from typing import Any

from symconv.general.banded_product import prove_banded_product
from symconv.general.cases import (
    MAX_CASES,
    SIZES_1D,
    SIZES_2D,
    as_columns,
    cases_for,
    concrete_arrays,
    concrete_step,
    entry_of,
    evenly,
    flat,
    index_grid,
    options,
    reference_band,
    reference_gradients,
    reference_outputs,
    resized,
    size_grid,
)
from symconv.general.channels import (
    GroupedLayer,
    floor_quotient,
    grouped_symbols,
    prove_channel_groups,
)
from symconv.general.collection import PROVERS, all_proofs
from symconv.general.convolution_theorem import circulant_symbols, prove_convolution_theorem
from symconv.general.equivariance import (
    EQUIVARIANCE_THEOREMS,
    prove_dilated_is_zero_inserted,
    prove_strided_is_subsampled,
    prove_tied_is_convolution,
    prove_translation_equivariance,
)
from symconv.general.flip import prove_flip
from symconv.general.input_gradient import prove_input_gradient
from symconv.general.layer import BAND, CONV, GRADS, Case, Layer, proof_symbols
from symconv.general.output_length import LENGTH_GRID, prove_output_length, two_sided_length
from symconv.general.rules import (
    DIFFERENTIATE,
    DISTRIBUTE,
    DOIT,
    IDENTITY,
    LAWS,
    Rule,
    expand_definition,
    law,
    refine_with,
    reverse_kernel,
    sift,
    substitute,
    swap,
)
from symconv.general.theorem import (
    IN_2D,
    STATEMENTS,
    GeneralProof,
    assumptions_for,
    derive,
    describe_case,
    statement_for,
)
from symconv.general.theorems import THEOREMS
from symconv.general.tied_gradient import prove_tied_gradient
from symconv.general.transposed import (
    TransposedLayer,
    prove_transposed_is_input_gradient,
    prove_transposed_length,
    transposed_symbols,
)
from symconv.general.two_d import TwoDimensionalProof, prove_2d

#: Rendering lives above the theorems (symconv.render); read on first use, so that
#: proving for all sizes never loads LaTeX code.
_LAZY = {
    "STEP_BUDGET": "symconv.render.general_latex",
    "latex_chunks": "symconv.render.general_latex",
    "latex_lines": "symconv.render.general_latex",
    "equation_rows": "symconv.render.general_latex",
    "breakable": "symconv.render.general_latex",
    "general_proof_latex": "symconv.render.general_latex",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "GroupedLayer",
    "floor_quotient",
    "grouped_symbols",
    "prove_channel_groups",
    "PROVERS",
    "TransposedLayer",
    "prove_transposed_is_input_gradient",
    "prove_transposed_length",
    "transposed_symbols",
    "EQUIVARIANCE_THEOREMS",
    "prove_dilated_is_zero_inserted",
    "prove_strided_is_subsampled",
    "prove_tied_is_convolution",
    "prove_translation_equivariance",
    "circulant_symbols",
    "prove_convolution_theorem",
    "all_proofs",
    "as_columns",
    "assumptions_for",
    "BAND",
    "breakable",
    "Case",
    "cases_for",
    "concrete_arrays",
    "concrete_step",
    "CONV",
    "derive",
    "describe_case",
    "DIFFERENTIATE",
    "DISTRIBUTE",
    "DOIT",
    "entry_of",
    "equation_rows",
    "evenly",
    "expand_definition",
    "flat",
    "general_proof_latex",
    "GeneralProof",
    "GRADS",
    "IDENTITY",
    "IN_2D",
    "index_grid",
    "latex_chunks",
    "latex_lines",
    "law",
    "LAWS",
    "Layer",
    "LENGTH_GRID",
    "MAX_CASES",
    "options",
    "proof_symbols",
    "prove_2d",
    "prove_banded_product",
    "prove_flip",
    "prove_input_gradient",
    "prove_output_length",
    "prove_tied_gradient",
    "reference_band",
    "reference_gradients",
    "reference_outputs",
    "refine_with",
    "resized",
    "reverse_kernel",
    "Rule",
    "sift",
    "size_grid",
    "SIZES_1D",
    "SIZES_2D",
    "statement_for",
    "STATEMENTS",
    "STEP_BUDGET",
    "substitute",
    "swap",
    "THEOREMS",
    "two_sided_length",
    "TwoDimensionalProof",
]
