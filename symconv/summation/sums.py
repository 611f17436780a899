"""Rules that move sums: factors into sums, interchange, reindexing, restriction.

Each rule returns an equal expression or leaves it unchanged (refuses).
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy
from sympy import (
    And,
    Basic,
    Expr,
    Mul,
    Sum,
    Symbol,
)

from symconv.summation.brackets import Bounds, Iverson, decide, isolate_index


def absorb_factors(expr: Expr) -> Expr:
    """Distribute factors into sums: ``a * Sum(f, (v, lo, hi)) -> Sum(a*f, (v, lo, hi))``
    wherever ``a`` does not contain ``v``, at every level (bottom-up).

    A product of several sums becomes a nested sum. A factor that mentions the summation
    index is left outside (moving it in would capture it).

    >>> from sympy import symbols, IndexedBase
    >>> j, k, m, n = symbols("j k m n", integer=True)
    >>> x, w = IndexedBase("x"), IndexedBase("w")
    >>> absorb_factors(Sum(x[j] * Sum(w[k], (k, 0, n)), (j, 0, m)))
    Sum(w[k]*x[j], (k, 0, n), (j, 0, m))
    """
    if not isinstance(expr, Basic) or expr.is_Atom:
        return expr
    args = [absorb_factors(a) for a in expr.args]
    expr = expr.func(*args) if args else expr
    if not isinstance(expr, Mul):
        return expr
    sums = [f for f in expr.args if isinstance(f, Sum)]
    if not sums:
        return expr
    target = sums[0]
    others = [f for f in expr.args if f is not target]
    if any(f.has(*target.variables) for f in others):
        return expr
    return absorb_factors(Sum(Mul(*others) * target.function, *target.limits))


def _flatten(expr: Sum) -> tuple[Expr, list[tuple[Expr, Expr, Expr]]]:
    """A chain of sums with factors absorbed, as (innermost summand, limits inner-first)."""
    limits: list[tuple[Expr, Expr, Expr]] = []
    current: Expr = expr
    while isinstance(current, Sum):
        limits = [tuple(limit) for limit in current.limits] + limits  # type: ignore[misc]
        current = absorb_factors(current.function)
    return current, limits


def swap_sums(
    expr: Expr, outer: Symbol | Sequence[Symbol], inner: Symbol | Sequence[Symbol]
) -> Expr:
    """Move the sums over ``inner`` outside the sums over ``outer`` (finite sums commute).

    The first chain of nested sums (factors absorbed with :func:`absorb_factors`) that
    contains all the indices is reordered so the ``inner`` indices come first (outermost),
    in the order given, then the ``outer`` ones. ``ValueError`` when the chain's limits
    depend on each other (SymPy's ``reorder_limit`` refuses) or no chain holds the
    indices.

    >>> from sympy import symbols, IndexedBase
    >>> j, k, m, n = symbols("j k m n", integer=True)
    >>> x, w = IndexedBase("x"), IndexedBase("w")
    >>> swap_sums(Sum(x[j] * Sum(w[k], (k, 0, n)), (j, 0, m)), j, k)
    Sum(w[k]*x[j], (j, 0, m), (k, 0, n))
    >>> swap_sums(Sum(Sum(w[k], (k, 0, j)), (j, 0, m)), j, k)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: cannot interchange the sums over (j,) and (k,): the limits (k, 0, j) ...
    """
    outer_ = (outer,) if isinstance(outer, Basic) else tuple(outer)
    inner_ = (inner,) if isinstance(inner, Basic) else tuple(inner)
    wanted = set(outer_) | set(inner_)
    found: list[bool] = []

    def visit(node: Expr) -> Expr:
        if found or not isinstance(node, Basic) or node.is_Atom:
            return node
        if isinstance(node, Sum):
            summand, limits = _flatten(node)
            variables = [limit[0] for limit in limits]
            if wanted <= set(variables):
                found.append(True)
                return _reorder(summand, limits, outer_, inner_)
        args = [visit(a) for a in node.args]
        return node.func(*args) if args else node

    result = visit(expr)
    if not found:
        raise ValueError(
            f"no chain of sums over {sorted(map(str, wanted))} in {expr}; swap_sums needs "
            "nested sums over all of these indices"
        )
    return result


def _reorder(
    summand: Expr,
    limits: list[tuple[Expr, Expr, Expr]],
    outer: tuple[Symbol, ...],
    inner: tuple[Symbol, ...],
) -> Expr:
    variables = [limit[0] for limit in limits]
    moving = set(outer) | set(inner)
    for limit in limits:
        if limit[0] in moving and any(
            limit[1].has(v) or limit[2].has(v) for v in variables if v != limit[0]
        ):
            raise ValueError(
                f"cannot interchange the sums over {outer} and {inner}: the limits "
                f"{tuple(limit)} depend on another index of the chain"
            )
    # The chain, outermost first: the sums above the first moving one stay, then the
    # inner indices, then the outer ones, then the rest in their old order.
    outermost_first = list(reversed(limits))
    head = []
    for limit in outermost_first:
        if limit[0] in moving:
            break
        head.append(limit)
    by_variable = {limit[0]: limit for limit in limits}
    tail = [limit for limit in outermost_first[len(head) :] if limit[0] not in moving]
    order = head + [by_variable[v] for v in inner] + [by_variable[v] for v in outer] + tail
    return Sum(summand, *reversed(order))


def reindex(expr: Expr, index: Symbol, image: Expr, new: Symbol | None = None) -> Expr:
    """Substitute ``new = image(index)`` in the sum over ``index``, wherever it sits.

    A wrapper of SymPy's ``Sum.change_index`` (which needs ``image`` linear in ``index``
    with coefficient 1 or -1) that finds the sum inside a nested expression. With ``new``
    omitted the index keeps its name.

    >>> from sympy import symbols, IndexedBase
    >>> k, i, n = symbols("k i n", integer=True)
    >>> w, x = IndexedBase("w"), IndexedBase("x")
    >>> reindex(x[i] * Sum(w[k], (k, 0, n - 1)), k, n - 1 - k)
    x[i]*Sum(w[-k + n - 1], (k, 0, n - 1))
    """
    target = index if new is None else new
    found: list[bool] = []

    def visit(node: Expr) -> Expr:
        if not isinstance(node, Basic) or node.is_Atom:
            return node
        if isinstance(node, Sum) and index in node.variables and not found:
            found.append(True)
            return node.change_index(index, image, target)
        args = [visit(a) for a in node.args]
        return node.func(*args) if args else node

    result = visit(expr)
    if not found:
        raise ValueError(f"no sum over {index} in {expr}")
    return result


def restrict_sum(expr: Expr, bounds: Bounds | None = None, facts: Sequence[Expr] = ()) -> Expr:
    """Cut the range of every ``Sum(f * [c], (v, lo, hi))`` whose bracket ``c`` bounds
    ``v`` alone (``v <= U``, ``v >= D`` after :func:`isolate_index`):
    ``Sum(f, (v, max(lo, D), min(hi, U)))``.

    A bound replaces a limit only where :func:`decide` shows it is the tighter one, and
    only if the new range cannot be empty by more than one (``U >= lo - 1``), which keeps
    ``Sum(1, (v, lo, U)).doit() == U - lo + 1`` a count; otherwise the sum is left alone.

    >>> from sympy import symbols, oo
    >>> i = symbols("i", integer=True)
    >>> t = symbols("t", integer=True, nonnegative=True)
    >>> restrict_sum(Sum(Iverson((i >= 0) & (i <= t)), (i, 0, oo)))
    Sum(1, (i, 0, t))
    >>> u = symbols("u", integer=True)   # u may be below -1: the range may be empty
    >>> restrict_sum(Sum(Iverson((i >= 0) & (i <= u)), (i, 0, oo)))
    Sum(Iverson((i >= 0) & (i <= u)), (i, 0, oo))
    """
    bounds = {} if bounds is None else bounds
    if not isinstance(expr, Basic) or expr.is_Atom:
        return expr
    args = [restrict_sum(a, bounds, facts) for a in expr.args]
    expr = expr.func(*args) if args else expr
    if not isinstance(expr, Sum) or len(expr.limits) != 1:
        return expr
    (variable, low, high), summand = expr.limits[0], expr.function
    brackets = [f for f in Mul.make_args(summand) if isinstance(f, Iverson)]
    if len(brackets) != 1:
        return expr
    value = summand / brackets[0]
    condition = brackets[0].condition
    parts = condition.args if isinstance(condition, And) else (condition,)
    new_low, new_high = low, high
    for part in parts:
        solved = isolate_index(part, variable)
        if not isinstance(solved, (sympy.Le, sympy.Ge)) or solved.lhs != variable:
            return expr
        end = solved.rhs
        if end.has(variable):
            return expr
        if isinstance(solved, sympy.Le):
            if new_high.is_infinite or decide(sympy.Le(end, new_high), bounds, facts):
                new_high = end
            elif not decide(sympy.Ge(end, new_high), bounds, facts):
                return expr
        else:
            if new_low.is_infinite or decide(sympy.Ge(end, new_low), bounds, facts):
                new_low = end
            elif not decide(sympy.Le(end, new_low), bounds, facts):
                return expr
    if new_high.is_infinite or new_low.is_infinite:
        return expr
    if not decide(sympy.Ge(new_high, new_low - 1), bounds, facts):
        return expr
    return Sum(value, (variable, new_low, new_high))
