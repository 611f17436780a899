"""Summing a KroneckerDelta whose argument is linear in the summation index, keeping the
divisibility bracket that SymPy's ``deltasummation`` drops.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy
from sympy import (
    And,
    Basic,
    Expr,
    KroneckerDelta,
    Mul,
    S,
    Sum,
    Symbol,
)

from symconv.summation.brackets import (
    Bounds,
    Iverson,
    bracket,
    divides,
    integer_limits,
    linear_coefficient,
    ordered_range,
    rewrite_scoped,
    scope,
)


def _kronecker_rule(
    node: Sum, index: Symbol | None, bounds: Bounds, facts: tuple[Expr, ...]
) -> Expr | None:
    """Sum out one delta over one limit of ``node`` that no other limit depends on."""
    limits = [tuple(limit) for limit in node.limits]
    for position, (variable, low, high) in enumerate(limits):
        if index is not None and variable != index:
            continue
        others = limits[:position] + limits[position + 1 :]
        if any(lo.has(variable) or hi.has(variable) for _, lo, hi in others):
            continue  # an inner sum's range depends on this index: it cannot go first
        inside = [limit[0] for limit in limits[:position]]
        if inside and (low.has(*inside) or high.has(*inside)):
            continue  # moving this sum inwards would capture an index of its limits
        if not integer_limits(low, high):
            continue
        box, known = scope(limits[position + 1 :], bounds, facts)
        if not ordered_range(low, high, box, known):
            continue  # maybe reversed: the index would run outside low..high
        picked = _sift(node.function, variable, low, high)
        if picked is not None:
            return Sum(picked, *others) if others else picked
    return None


def _sift(summand: Expr, variable: Symbol, low: Expr, high: Expr) -> Expr | None:
    """``sum_{variable=low}^{high} summand`` for a summand holding a usable delta."""
    factors = Mul.make_args(summand)
    candidates = []
    for delta in factors:
        if not isinstance(delta, KroneckerDelta) or len(delta.args) != 2:
            continue
        difference = sympy.expand(delta.args[0] - delta.args[1])
        coefficient = linear_coefficient(difference, variable)
        if coefficient is None or coefficient == 0:
            continue
        rest = sympy.expand(difference - coefficient * variable)
        if coefficient.is_integer and coefficient.is_nonzero and rest.is_integer:
            candidates.append((coefficient not in (S.One, S.NegativeOne), delta, coefficient))
    # A delta with coefficient 1 or -1 first: it needs no divisibility bracket.
    for _, delta, coefficient in sorted(candidates, key=lambda c: c[0]):
        difference = sympy.expand(delta.args[0] - delta.args[1])
        rest = sympy.expand(difference - coefficient * variable)
        solution = sympy.expand(-rest / coefficient)
        others = [f for f in factors if f is not delta]
        bound_inside = set().union(*(o.atoms(Sum, sympy.Product) for o in others))
        binding = {v for summation in bound_inside for v in summation.variables}
        captured = binding & (solution.free_symbols | {variable})
        if captured:
            raise ValueError(
                f"summing {delta} over {variable} would capture {sorted(map(str, captured))}, "
                "bound by an inner sum; rename that index first"
            )
        outside = Mul(*[f for f in others if not f.has(variable)])
        inside = Mul(*[f for f in others if f.has(variable)]).xreplace({variable: solution})
        conditions = [sympy.Ge(solution, low), sympy.Le(solution, high)]
        if coefficient not in (S.One, S.NegativeOne):
            # The solution is an integer only when the coefficient divides the rest: the
            # condition SymPy's deltasummation leaves out.
            numerator = -rest if coefficient.is_positive else rest
            conditions.append(divides(abs(coefficient), numerator))
        return outside * bracket(inside, *conditions)
    return None


def sum_kronecker(
    expr: Expr,
    index: Symbol | None = None,
    bounds: Bounds | None = None,
    facts: Sequence[Expr] = (),
) -> Expr:
    """Sum out Kronecker deltas: ``Sum(f(v) * KroneckerDelta(a*v + b, c), (v, lo, hi))``
    becomes ``f(v0) * [lo <= v0 <= hi] * [a divides c - b]`` with ``v0 = (c - b)/a``.

    Works on every sum in ``expr`` (only those over ``index`` if given), innermost first,
    for a delta whose argument is linear in the summation index. The divisibility bracket
    is left out for coefficients 1 and -1, where it always holds. Sums without such a
    delta are left unchanged.

    Side conditions, else the sum is left unchanged: ``a`` a nonzero integer, ``c - b`` an
    integer, ``lo`` and ``hi`` integers (or infinite), and ``hi >= lo - 1`` shown from
    ``bounds``, ``facts`` (expressions ``>= 0``), the limits of enclosing sums and the
    symbols' assumptions (:func:`ordered_range`): over a reversed range SymPy's sum is
    the negated sum over ``hi + 1 .. lo - 1``, where the bracket ``[lo <= v0 <= hi]`` is
    0. ``ValueError`` when summing would capture an index bound by an inner sum.

    >>> from sympy import symbols, IndexedBase
    >>> i, j, u = symbols("i j u", integer=True)
    >>> g = IndexedBase("g")
    >>> strided = sum_kronecker(Sum(KroneckerDelta(j, 2*i) * g[i], (i, 0, 5)))
    >>> strided
    Iverson(Eq(Mod(j, 2), 0) & (j/2 >= 0) & (j/2 <= 5))*g[j/2]
    >>> strided.subs(j, 3), strided.subs(j, 4)
    (0, g[2])
    >>> sum_kronecker(Sum(KroneckerDelta(j, i) * g[i], (i, 0, u)))   # u < -1 reverses it
    Sum(KroneckerDelta(i, j)*g[i], (i, 0, u))
    >>> sum_kronecker(Sum(KroneckerDelta(j, i) * g[i], (i, 0, u)), facts=[u + 1])
    Iverson((j >= 0) & (j <= u))*g[j]
    """

    def rule(node: Any, box: Bounds, known: tuple[Expr, ...]) -> Any:
        if isinstance(node, Sum):
            picked = _kronecker_rule(node, index, box, known)
            if picked is not None:
                return picked
        return node

    return rewrite_scoped(expr, rule, bounds or {}, facts, target=KroneckerDelta)


def _merge_brackets(expr: Expr) -> Expr:
    """Several brackets in one product -> one bracket of the conjunction
    (``[a][b] == [a and b]``)."""
    if not isinstance(expr, Basic) or expr.is_Atom:
        return expr
    args = [_merge_brackets(a) for a in expr.args]
    expr = expr.func(*args) if args else expr
    if isinstance(expr, Mul):
        brackets = [f for f in expr.args if isinstance(f, Iverson)]
        if len(brackets) > 1:
            rest = [f for f in expr.args if not isinstance(f, Iverson)]
            return Mul(*rest) * Iverson(And(*[b.condition for b in brackets]))
    return expr
