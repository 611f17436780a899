"""Rewriting rules for finite sums over integer indices that SymPy does not carry out.

The proofs for every size (:mod:`symconv.general`) manipulate ``Sum`` objects with
symbolic bounds, ``KroneckerDelta`` and Iverson brackets ``[c]`` (:class:`Iverson`: 1
where the condition ``c`` holds, 0 elsewhere). SymPy performs most single moves (``diff``
through a ``Sum``, ``Sum.change_index``, ``Sum.reorder_limit``) but leaves gaps, each
filled here by one small, general rule:

* :func:`sum_kronecker` sums a ``KroneckerDelta`` whose argument is linear in the
  summation index. SymPy's ``deltasummation`` (what ``Sum.doit`` uses, even with numeric
  limits) drops the integrality condition when the index has a coefficient other than 1:
  ``Sum(KroneckerDelta(j, 2*i)*g[i], (i, 0, 5)).doit()`` is ``g[j/2]`` for every ``j`` in
  range, odd ones included; this rule keeps the divisibility bracket.
* :func:`linear_bound`, :func:`decide` and :func:`refine_brackets` decide linear
  inequalities between integer indices over a box of index bounds, including
  ``floor(a/b)`` through its remainder ``a - b*floor(a/b)`` in ``[0, b - 1]``. SymPy's
  ``refine`` does not simplify a ``Piecewise`` under inequality assumptions (sympy
  issues #9384, #24183, #25522: "the new assumptions can't handle inequalities"), nor can
  it show ``s*floor(a/s) <= a`` for a symbolic ``s`` (compare #21429).
* :func:`isolate_index` solves a linear inequality for an integer index with floor or
  ceiling rounding; ``solve_univariate_inequality(..., domain=S.Integers)`` (added in
  sympy PR #21156) raises ``NotImplementedError`` once the coefficient is a symbol.
* :func:`forall_bracket` turns a product of brackets over a range into the bracket at the
  worst end of the range.
* :func:`absorb_factors`, :func:`swap_sums`, :func:`reindex` and :func:`restrict_sum`
  move factors into sums, interchange independent finite sums, shift an index anywhere in
  a nested expression, and cut a sum's range to the interval its bracket allows.
* :func:`normal_form` and :func:`sums_equal` compare two sums written with factors in
  different places; :func:`instantiate` carries out sums term by term.

Brackets are :class:`Iverson` factors, not ``Piecewise``: every ``Sum`` that SymPy builds
folds the ``Piecewise`` in its summand outwards (``piecewise_fold``), also out of an
inner ``Sum`` or ``Product`` whose own index the condition mentions, which frees that
index and changes the value (sympy issues #12631, #17919, #27359):
``Sum(g[i]*Sum(w[k]*Piecewise((x[i+k], i+k <= m), (0, True)), (k, 0, n-1)), (i, 0, L-1))``
comes out with ``k`` free in the condition.

Every rule either returns an equal expression or refuses: it leaves the expression
unchanged (the proof step that wanted the rewrite then fails) or raises ``ValueError``
when asked for something it cannot do soundly. Each rule's docstring states its side
conditions. Equal means equal under SymPy's convention for every range, which is not
"a reversed range is empty": ``Sum(f, (i, a, a - 1))`` is 0, but for ``b < a - 1``
``Sum(f, (i, a, b)) == -Sum(f, (i, b + 1, a - 1))`` (``Sum(i, (i, 0, -3)).doit() == 3``)
and a ``Product`` is the reciprocal. A rule that reads a sum's limits as bounds of its
index therefore first shows ``high >= low - 1`` (:func:`ordered_range`) from the bounds,
facts and assumptions it has, and refuses when it cannot; :func:`instantiate` and
:func:`expand_sums` follow the same convention.

Examples
========

>>> from sympy import IndexedBase, KroneckerDelta, Sum, symbols
>>> from symconv.summation import sum_kronecker, refine_brackets
>>> n = symbols("n", integer=True, positive=True)
>>> i, j, k = symbols("i j k", integer=True)
>>> w, x = IndexedBase("w"), IndexedBase("x")
>>> picked = sum_kronecker(Sum(KroneckerDelta(j, k) * x[i + k], (k, 0, n - 1)))
>>> picked
Iverson((j >= 0) & (j <= n - 1))*x[i + j]
>>> refine_brackets(picked, {j: (0, n - 1)})
x[i + j]
>>> refine_brackets(picked, {j: (0, n)})   # j = n is allowed: that check must stay
Iverson(j <= n - 1)*x[i + j]
"""

from __future__ import annotations

from symconv.summation.brackets import (
    MAX_ROUNDS,
    Bounds,
    Iverson,
    at_least,
    at_most,
    between,
    bracket,
    condition_latex,
    decide,
    divides,
    eliminate_with_fact,
    floor_remainders,
    forall_bracket,
    integer_limits,
    isolate_index,
    linear_bound,
    linear_coefficient,
    nonnegative,
    ordered_range,
    refine_brackets,
    rewrite_scoped,
    scope,
    unevaluated_bracket,
    without,
)
from symconv.summation.instances import expand_sums, indexed_to_symbols, instantiate
from symconv.summation.kronecker import sum_kronecker
from symconv.summation.normal_form import normal_form, sums_equal
from symconv.summation.sums import absorb_factors, reindex, restrict_sum, swap_sums

__all__ = [
    "absorb_factors",
    "at_least",
    "at_most",
    "between",
    "Bounds",
    "bracket",
    "condition_latex",
    "decide",
    "divides",
    "eliminate_with_fact",
    "expand_sums",
    "floor_remainders",
    "forall_bracket",
    "indexed_to_symbols",
    "instantiate",
    "integer_limits",
    "isolate_index",
    "Iverson",
    "linear_bound",
    "linear_coefficient",
    "MAX_ROUNDS",
    "nonnegative",
    "normal_form",
    "ordered_range",
    "refine_brackets",
    "reindex",
    "restrict_sum",
    "rewrite_scoped",
    "scope",
    "sum_kronecker",
    "sums_equal",
    "swap_sums",
    "unevaluated_bracket",
    "without",
]
