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
    S,
    Sum,
    Symbol,
)

from symconv.summation.brackets import (
    Bounds,
    Iverson,
    decide,
    integer_limits,
    isolate_index,
    linear_coefficient,
    rewrite_scoped,
    without,
)


def absorb_factors(expr: Expr) -> Expr:
    """Distribute factors into sums: ``a * Sum(f, (v, lo, hi)) -> Sum(a*f, (v, lo, hi))``
    wherever ``a`` does not contain ``v``, at every level (bottom-up).

    A product of several sums becomes a nested sum. A factor that mentions the summation
    index is left outside (moving it in would capture it).

    Side conditions: none for finite ranges, reversed ones included (SymPy's convention
    makes a sum over any range a signed sum over a set of integers, and a factor free of
    the index distributes over it). An infinite sum is a limit: the law holds when it
    converges, which is not checked (symconv's infinite sums have finitely many nonzero
    terms, cut by brackets).

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

    Side conditions: finite ranges, any of them empty or reversed (under SymPy's
    convention a sum over a range is a signed sum over a set of integers, and two signs
    commute); ``ValueError`` for a sum to infinity among those that move, whose
    interchange needs absolute convergence, which is not checked.

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
    first = max(position for position, limit in enumerate(limits) if limit[0] in moving)
    for limit in limits[: first + 1]:  # every sum from the outermost moving one inwards
        if any(end.is_infinite for end in limit[1:]):
            raise ValueError(
                f"cannot interchange the sums over {outer} and {inner}: the range "
                f"{tuple(limit)} is infinite, and swapping infinite sums needs absolute "
                "convergence, which swap_sums does not check"
            )
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

    A wrapper of SymPy's ``Sum.change_index`` that finds the first sum over ``index``
    (outermost first) inside a nested expression. With ``new`` omitted the index keeps
    its name.

    Side conditions (``ValueError`` otherwise): ``image`` is ``index + c`` or ``c - index``
    with ``c`` an integer free of ``index`` (``change_index`` takes a symbolic slope
    without checking it); the sum's limits are integers (or infinite) and no other of its
    limits depends on ``index`` (``change_index`` would leave them alone); ``new``
    neither occurs free in the sum or in ``c`` nor is bound inside it (it would be
    captured). Empty and reversed ranges are fine: a shift or a reflection of the
    integers maps SymPy's signed sum over one range to the same over the other.

    >>> from sympy import symbols, IndexedBase
    >>> k, i, n = symbols("k i n", integer=True)
    >>> w, x = IndexedBase("w"), IndexedBase("x")
    >>> reindex(x[i] * Sum(w[k], (k, 0, n - 1)), k, n - 1 - k)
    x[i]*Sum(w[-k + n - 1], (k, 0, n - 1))
    >>> reindex(Sum(w[k] * x[i], (k, 0, n - 1)), k, k + 1, i)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: cannot rename k to i in Sum(w[k]*x[i], (k, 0, n - 1)): i is free there ...
    """
    target = index if new is None else new
    slope = linear_coefficient(image, index)
    shift = sympy.expand(image - slope * index) if slope is not None else None
    if slope not in (S.One, S.NegativeOne) or shift is None or shift.has(index):
        raise ValueError(
            f"reindex needs an image {index} + c or c - {index} (a bijection of the "
            f"integers), got {image}"
        )
    if not shift.is_integer:
        raise ValueError(f"reindex needs an integer shift, got {shift} in {image}")
    if target != index and shift.has(target):
        raise ValueError(f"cannot rename {index} to {target}: the image {image} mentions it")
    found: list[bool] = []

    def visit(node: Expr) -> Expr:
        if not isinstance(node, Basic) or node.is_Atom:
            return node
        if isinstance(node, Sum) and index in node.variables and not found:
            found.append(True)
            _check_reindex(node, index, target)
            return node.change_index(index, image, target)
        args = [visit(a) for a in node.args]
        return node.func(*args) if args else node

    result = visit(expr)
    if not found:
        raise ValueError(f"no sum over {index} in {expr}")
    return result


def _check_reindex(node: Sum, index: Symbol, target: Symbol) -> None:
    for variable, low, high in node.limits:
        if variable == index and not integer_limits(low, high):
            raise ValueError(
                f"cannot reindex the sum over {index} in {node}: its limits {low}, {high} "
                "are not integers"
            )
        if variable != index and (low.has(index) or high.has(index)):
            raise ValueError(
                f"cannot reindex the sum over {index} in {node}: the limits of {variable} "
                f"depend on {index}"
            )
    if target == index:
        return
    if target in node.free_symbols:
        raise ValueError(
            f"cannot rename {index} to {target} in {node}: {target} is free there and "
            "would be captured"
        )
    inner = node.function.atoms(Sum, sympy.Product)
    if any(target in summation.variables for summation in inner) or target in node.variables:
        raise ValueError(
            f"cannot rename {index} to {target} in {node}: an inner sum binds {target}"
        )


def restrict_sum(expr: Expr, bounds: Bounds | None = None, facts: Sequence[Expr] = ()) -> Expr:
    """Cut the range of every ``Sum(f * [c], (v, lo, hi))`` whose bracket ``c`` bounds
    ``v`` alone (``v <= U``, ``v >= D`` after :func:`isolate_index`):
    ``Sum(f, (v, max(lo, D), min(hi, U)))``.

    A bound replaces a limit only where :func:`decide` shows it is the tighter one, and
    only if the new range cannot be empty by more than one (``U >= lo - 1``), which keeps
    ``Sum(1, (v, lo, U)).doit() == U - lo + 1`` a count; otherwise the sum is left alone.

    Side conditions, else the sum is left unchanged: one limit, an integer index, integer
    (or infinite) limits, and the new range shown ordered from ``bounds``, ``facts``, the
    limits of enclosing sums and the assumptions, which also shows the old one ordered
    (over a reversed range SymPy's sum runs outside its limits, see
    :func:`ordered_range`).

    >>> from sympy import symbols, oo
    >>> i = symbols("i", integer=True)
    >>> t = symbols("t", integer=True, nonnegative=True)
    >>> restrict_sum(Sum(Iverson((i >= 0) & (i <= t)), (i, 0, oo)))
    Sum(1, (i, 0, t))
    >>> u = symbols("u", integer=True)   # u may be below -1: the range may be empty
    >>> restrict_sum(Sum(Iverson((i >= 0) & (i <= u)), (i, 0, oo)))
    Sum(Iverson((i >= 0) & (i <= u)), (i, 0, oo))
    """
    return rewrite_scoped(expr, _restrict_rule, bounds or {}, facts, target=Iverson)


def _restrict_rule(expr: Expr, bounds: Bounds, facts: tuple[Expr, ...]) -> Expr:
    if not isinstance(expr, Sum) or len(expr.limits) != 1:
        return expr
    (variable, low, high), summand = expr.limits[0], expr.function
    if not variable.is_integer or not integer_limits(low, high):
        return expr
    bounds, facts = without(variable, bounds, facts)
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
    # new_low >= low and new_high <= high were shown (or the old end was infinite), so
    # this also shows the old range ordered.
    if not decide(sympy.Ge(new_high, new_low - 1), bounds, facts):
        return expr
    return Sum(value, (variable, new_low, new_high))
