"""A normal form for sums written with factors in different places, and equality of sums."""

from __future__ import annotations

import sympy
from sympy import (
    Basic,
    Expr,
    Sum,
)
from sympy.core.relational import Relational

from symconv.summation.brackets import Iverson
from symconv.summation.kronecker import _merge_brackets
from symconv.summation.sums import _flatten, absorb_factors


def _canonical_relations(expr: Expr) -> Expr:
    """Every inequality as ``difference >= 0`` (or ``> 0``), every equation as
    ``difference == 0``, differences and array indices expanded: ``a <= b`` and
    ``b - a >= 0`` compare equal, and so do ``x[(a + b)/s]`` and ``x[a/s + b/s]``."""

    def canonical(relation: Relational) -> Basic:
        if isinstance(relation, (sympy.Ge, sympy.Gt, sympy.Eq, sympy.Ne)):
            difference = sympy.expand(relation.lhs - relation.rhs)
        else:
            difference = sympy.expand(relation.rhs - relation.lhs)
        kind = {sympy.Le: sympy.Ge, sympy.Lt: sympy.Gt}.get(type(relation), type(relation))
        return kind(difference, 0)

    expr = expr.replace(lambda e: isinstance(e, Relational), canonical)
    return expr.replace(
        lambda e: isinstance(e, sympy.Indexed),
        lambda e: e.base[tuple(sympy.expand(i) for i in e.indices)],
    )


def normal_form(expr: Expr) -> Expr:
    """A canonical form for comparing sums: factors absorbed, each chain of sums merged
    into one ``Sum`` with independent limits sorted by index name, summands expanded and
    brackets merged.

    Side conditions: sorting the limits interchanges the sums, which is exact for finite
    ranges, reversed ones included (under SymPy's convention each is a signed sum over a
    set of integers); a chain with an infinite range keeps its order, since interchanging
    infinite sums needs absolute convergence, which is not checked. Absorbing factors
    assumes an infinite sum converges (see :func:`absorb_factors`).

    >>> from sympy import symbols, IndexedBase
    >>> j, k, m, n = symbols("j k m n", integer=True)
    >>> x, w = IndexedBase("x"), IndexedBase("w")
    >>> normal_form(Sum(x[j] * Sum(w[k], (k, 0, n)), (j, 0, m)))
    Sum(w[k]*x[j], (j, 0, m), (k, 0, n))
    """
    if not isinstance(expr, Basic) or expr.is_Atom:
        return expr
    expr = _merge_brackets(absorb_factors(_canonical_relations(expr)))
    if isinstance(expr, Sum):
        summand, limits = _flatten(expr)
        summand = normal_form(summand)
        variables = {limit[0] for limit in limits}
        independent = all(
            not (limit[1].has(*variables) or limit[2].has(*variables)) for limit in limits
        )
        finite = not any(end.is_infinite for limit in limits for end in limit[1:])
        if independent and finite:
            limits = sorted(limits, key=lambda limit: sympy.default_sort_key(limit[0]))
        return Sum(sympy.expand(summand), *limits)
    args = [normal_form(a) for a in expr.args]
    rebuilt = expr.func(*args) if args else expr
    return _merge_brackets(sympy.expand(rebuilt)) if rebuilt.has(Sum, Iverson) else rebuilt


def sums_equal(lhs: Expr, rhs: Expr) -> tuple[bool, str]:
    """Whether two expressions with sums are equal, and how it was seen: structurally
    ("identical"), by expanding the difference ("expand"), or after both are put in
    :func:`normal_form` ("normal form").

    >>> from sympy import symbols, IndexedBase
    >>> j, k, m, n = symbols("j k m n", integer=True)
    >>> x, w = IndexedBase("x"), IndexedBase("w")
    >>> sums_equal(Sum(x[j] * Sum(w[k], (k, 0, n)), (j, 0, m)),
    ...            Sum(Sum(w[k] * x[j], (j, 0, m)), (k, 0, n)))
    (True, 'normal form')
    """
    if lhs == rhs:
        return True, "identical"
    if sympy.expand(lhs - rhs) == 0:
        return True, "expand"
    left, right = normal_form(lhs), normal_form(rhs)
    if left == right or sympy.expand(left - right) == 0:
        return True, "normal form"
    return False, "normal form"
