"""Sums carried out term by term at concrete sizes and indices (the spot checks)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy
from sympy import (
    Basic,
    Expr,
    Mul,
    S,
    Sum,
    Symbol,
)


def _evaluate(expr: Expr, env: dict[Expr, Expr], cap: int) -> Expr:
    if not isinstance(expr, Basic):
        return expr
    if not expr.has(Sum, sympy.Product, sympy.Derivative):
        return expr.xreplace(env)  # also the atoms: an Indexed x[j] is an atom to SymPy
    if isinstance(expr, (Sum, sympy.Product)):
        return _over_limits(expr, list(reversed(expr.limits)), env, cap)
    if isinstance(expr, sympy.Derivative):
        inner = _evaluate(expr.expr, env, cap)
        return sympy.diff(inner, *[_evaluate(v, env, cap) for v in expr.variables])
    return expr.func(*[_evaluate(a, env, cap) for a in expr.args])


def expand_sums(expr: Expr, values: Mapping[Expr, int] | None = None, cap: int = 64) -> Expr:
    """``expr`` at ``values`` with every ``Sum`` and ``Product`` carried out term by term
    and every ``Derivative`` taken; limits must become integers (``oo`` becomes ``cap``).

    Empty and reversed ranges follow SymPy's ``doit``: ``Sum(f, (i, a, a - 1))`` is 0,
    and for ``b < a - 1`` ``Sum(f, (i, a, b))`` is ``-Sum(f, (i, b + 1, a - 1))`` and
    ``Product(f, (i, a, b))`` is ``1/Product(f, (i, b + 1, a - 1))``.

    Term by term on purpose: ``Sum.doit`` hands a summand with a ``KroneckerDelta`` to
    ``deltasummation`` even when the limits are numbers, and inherits its missing
    divisibility condition (see the module docstring). Each subexpression free of sums is
    substituted once per term, so nested sums cost their number of terms.

    >>> from sympy import IndexedBase, KroneckerDelta, Sum, symbols
    >>> i, j = symbols("i j", integer=True)
    >>> g = IndexedBase("g")
    >>> expand_sums(Sum(KroneckerDelta(j, 2*i) * g[i], (i, 0, 5)), {j: 3})
    0
    >>> Sum(KroneckerDelta(j, 2*i) * g[i], (i, 0, 5)).doit().subs(j, 3)   # SymPy's answer
    g[3/2]
    >>> expand_sums(Sum(i, (i, 0, j)), {j: -3}), Sum(i, (i, 0, -3)).doit()
    (3, 3)
    """
    env = {key: sympy.Integer(v) for key, v in (values or {}).items()}
    return _evaluate(expr, env, cap)


def _over_limits(
    node: Sum | sympy.Product, limits: list[Any], env: dict[Expr, Expr], cap: int
) -> Expr:
    """The terms of ``node`` over ``limits`` (outermost first), at ``env``."""
    if not limits:
        return _evaluate(node.function, env, cap)
    (variable, low, high), rest = limits[0], limits[1:]
    first = low.xreplace(env)
    last = sympy.Integer(cap) if high is S.Infinity else high.xreplace(env)
    if not (first.is_Integer and last.is_Integer):
        raise ValueError(
            f"the limits ({variable}, {low}, {high}) of {node} are {first}..{last} here; give "
            "every size a value first"
        )
    start, stop, reversed_ = int(first), int(last), False
    if stop < start - 1:
        # SymPy's convention (Karr's), as in Sum.doit and Product.doit: a reversed range
        # is the gap between its limits, negated for a sum, inverted for a product.
        start, stop, reversed_ = stop + 1, start - 1, True
    terms = [
        _over_limits(node, rest, {**env, variable: sympy.Integer(v)}, cap)
        for v in range(start, stop + 1)
    ]
    if isinstance(node, Sum):
        total = sympy.Add(*terms)
        return -total if reversed_ else total
    product = Mul(*terms)
    return 1 / product if reversed_ else product


def instantiate(expr: Expr, values: Mapping[Expr, int], cap: int = 64) -> Expr:
    """``expr`` at concrete sizes and indices: :func:`expand_sums`.

    An infinite upper limit is replaced by ``cap``, so the result is a truncation: use it
    only where the summand vanishes beyond ``cap`` for these values. Reversed ranges
    follow SymPy's convention (see :func:`expand_sums`).

    >>> from sympy import symbols, IndexedBase
    >>> k, n = symbols("k n", integer=True)
    >>> w = IndexedBase("w")
    >>> instantiate(Sum(w[k], (k, 0, n - 1)), {n: 3})
    w[0] + w[1] + w[2]
    >>> instantiate(Sum(w[k], (k, 0, n - 1)), {n: -2})   # k runs over n..-1, negated
    -w[-1] - w[-2]
    """
    return expand_sums(expr, values, cap)


def indexed_to_symbols(expr: Expr) -> Expr:
    """Name every ``x[2]`` ``x2`` and every ``x[1, 2]`` ``x1_2`` (symconv's vector and
    matrix symbols), so an instantiated proof compares with the concrete machinery.

    >>> from sympy import IndexedBase
    >>> x = IndexedBase("x")
    >>> indexed_to_symbols(x[2] + x[1, 0])
    x1_0 + x2
    """
    mapping = {}
    for atom in expr.atoms(sympy.Indexed):
        if not all(i.is_Integer for i in atom.indices):
            raise ValueError(f"{atom} has a non-integer index; instantiate every size first")
        name = str(atom.base.label) + "_".join(str(int(i)) for i in atom.indices)
        mapping[atom] = Symbol(name)
    return expr.xreplace(mapping)
