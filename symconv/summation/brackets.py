"""Iverson brackets and the rules that decide them: linear bounds over integer indices,
refinement of brackets by the bounds a sum gives its index, isolating an index.

The package docstring (:mod:`symconv.summation`) says why each rule exists and what SymPy
leaves undone."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sympy
from sympy import (
    And,
    Basic,
    Dummy,
    Eq,
    Expr,
    Mod,
    Not,
    Or,
    S,
    Sum,
    Symbol,
    ceiling,
    floor,
)
from sympy.core.relational import Relational

#: Interval bounds ``(low, high)``, both inclusive, of integer indices and parameters.
Bounds = Mapping[Expr, tuple[Expr, Expr]]


#: How many substitution rounds :func:`linear_bound` allows (bounds may refer to other
#: bounded symbols; a cycle must not loop forever).
MAX_ROUNDS = 32


class Iverson(sympy.Function):
    """The Iverson bracket ``[condition]``: 1 where the condition holds, 0 where it fails,
    unevaluated while it is undecided.

    Used instead of ``Piecewise((1, condition), (0, True))``, which every ``Sum`` folds
    out of inner sums whose index it mentions (sympy issues #12631, #17919, #27359).

    >>> from sympy import symbols
    >>> a, m = symbols("a m", integer=True)
    >>> Iverson(a >= 0), Iverson(sympy.Ge(3, 0)), Iverson(sympy.Lt(3, 0))
    (Iverson(a >= 0), 1, 0)
    >>> print(sympy.latex(Iverson(a >= 0) * a))
    a \\left[0 \\le a\\right]
    """

    is_integer = True
    is_nonnegative = True
    is_finite = True
    nargs = 1

    @classmethod
    def eval(cls, condition: Basic) -> Expr | None:
        if condition is S.true or condition is True:
            return S.One
        if condition is S.false or condition is False:
            return S.Zero
        if not isinstance(condition, sympy.logic.boolalg.Boolean):
            raise TypeError(
                f"an Iverson bracket needs a condition (a relation or a logical "
                f"combination of them), got {condition!r}"
            )
        return None

    @property
    def condition(self) -> Basic:
        return self.args[0]

    def _latex(self, printer: Any) -> str:
        return r"\left[" + condition_latex(self.args[0], printer) + r"\right]"

    def _sympystr(self, printer: Any) -> str:
        return f"Iverson({printer._print(self.args[0])})"


def _as_order(relation: Basic) -> tuple[Expr, str, Expr] | None:
    """``a <= b`` / ``a < b`` as (smaller, relation, larger); None for other conditions."""
    if isinstance(relation, (sympy.Le, sympy.Lt)):
        return relation.lhs, r"\le" if isinstance(relation, sympy.Le) else "<", relation.rhs
    if isinstance(relation, (sympy.Ge, sympy.Gt)):
        return relation.rhs, r"\le" if isinstance(relation, sympy.Ge) else "<", relation.lhs
    return None


def condition_latex(condition: Basic, printer: Any = None) -> str:
    r"""A bracket's condition in LaTeX, pairs of bounds on one expression as a chain
    (``0 \le c \le m - 1``), the other parts joined by commas.

    >>> from sympy import symbols
    >>> c, m = symbols("c m", integer=True)
    >>> print(condition_latex(between(c, 0, m - 1) & sympy.Eq(c % 2, 0)))
    0 \le c \le m - 1,\ 2 \mid c
    """
    show = printer._print if printer is not None else sympy.latex
    parts = list(condition.args) if isinstance(condition, And) else [condition]
    orders = {id(p): _as_order(p) for p in parts}
    shown: list[str] = []
    used: set[int] = set()
    for part in parts:
        if id(part) in used:
            continue
        order = orders[id(part)]
        if order is not None:
            for other in parts:
                partner = orders[id(other)]
                if other is part or id(other) in used or partner is None:
                    continue
                if partner[2] == order[0]:  # other: lo <= e, part: e <= hi
                    order, partner = partner, order
                if order[2] == partner[0]:
                    used.update({id(part), id(other)})
                    shown.append(
                        f"{show(order[0])} {order[1]} {show(order[2])} {partner[1]} "
                        f"{show(partner[2])}"
                    )
                    break
            else:
                used.add(id(part))
                shown.append(f"{show(order[0])} {order[1]} {show(order[2])}")
            continue
        used.add(id(part))
        if isinstance(part, sympy.Eq) and isinstance(part.lhs, Mod) and part.rhs == 0:
            shown.append(rf"{show(part.lhs.args[1])} \mid {show(part.lhs.args[0])}")
        else:
            shown.append(show(part))
    return r",\ ".join(shown)


def between(value: Expr, low: Expr, high: Expr) -> sympy.Basic:
    """The condition ``low <= value <= high`` as SymPy builds it everywhere in symconv.

    >>> from sympy import symbols
    >>> a, m = symbols("a m", integer=True)
    >>> between(a, 0, m - 1)
    (a >= 0) & (a <= m - 1)
    """
    return And(sympy.Ge(value, low), sympy.Le(value, high))


def bracket(value: Expr, *conditions: sympy.Basic) -> Expr:
    """``value`` times the bracket of all ``conditions``, or ``value`` itself when
    there is none.

    >>> from sympy import symbols
    >>> a, m = symbols("a m", integer=True)
    >>> bracket(a**2, a >= 0, a <= m)
    a**2*Iverson((a >= 0) & (a <= m))
    """
    if not conditions:
        return value
    return value * Iverson(And(*conditions))


def divides(divisor: Expr, value: Expr) -> sympy.Basic:
    """The condition "``divisor`` divides ``value``": ``Eq(Mod(value, divisor), 0)``.

    >>> from sympy import symbols
    >>> r = symbols("r", integer=True)
    >>> divides(2, r), divides(2, 4)
    (Eq(Mod(r, 2), 0), True)
    """
    return Eq(Mod(sympy.expand(value), divisor), 0)


def unevaluated_bracket(condition: Relational) -> Expr:
    """The bracket ``[condition]`` kept unevaluated, so a proof can show it before
    deciding it.

    >>> from sympy import symbols
    >>> d = symbols("d", positive=True)
    >>> unevaluated_bracket(sympy.Gt(d, 0, evaluate=False))
    Iverson(d > 0)
    """
    return Iverson(condition, evaluate=False)


def linear_coefficient(expr: Expr, symbol: Expr) -> Expr | None:
    """The coefficient ``c`` when ``expr == c*symbol + rest`` with neither ``c`` nor
    ``rest`` depending on ``symbol``; ``None`` when ``expr`` is not linear in it.

    >>> from sympy import symbols, IndexedBase
    >>> a, s = symbols("a s")
    >>> linear_coefficient(3*a*s + s + 1, a), linear_coefficient(a**2, a)
    (3*s, None)
    >>> linear_coefficient(IndexedBase("x")[a], a) is None   # a is inside an index
    True
    """
    expanded = sympy.expand(expr)
    rest, dependent = expanded.as_independent(symbol, as_Add=True)
    if dependent == 0:
        return S.Zero
    coefficient = sympy.cancel(dependent / symbol)
    if coefficient.has(symbol):
        return None
    return coefficient


def floor_remainders(expr: Expr) -> tuple[Expr, dict[Expr, tuple[Expr, Expr]]]:
    """Replace ``floor(a/b)``, ``ceiling(a/b)`` and ``Mod(a, b)`` (``a`` integer, ``b`` a
    positive integer) by expressions in fresh remainders ``r`` with ``0 <= r <= b - 1``.

    ``floor(a/b) = (a - r)/b`` with ``r = a mod b``, and ``ceiling(a/b) = (a + r')/b``
    with ``r' = (-a) mod b``: the division theorem, which SymPy's assumptions do not use
    (it cannot show ``s*floor(a/s) <= a``; compare sympy issue #21429).
    Returns the rewritten expression and the remainders' bounds.

    >>> from sympy import symbols, floor
    >>> a = symbols("a", integer=True)
    >>> b = symbols("b", integer=True, positive=True)
    >>> rewritten, bounds = floor_remainders(b*floor(a/b))
    >>> remainder, = bounds
    >>> sympy.expand(rewritten - (a - remainder)), bounds[remainder]
    (0, (0, b - 1))
    """
    bounds: dict[Expr, tuple[Expr, Expr]] = {}
    for _ in range(MAX_ROUNDS):
        replaced = False
        for atom in sorted(expr.atoms(floor, ceiling, Mod), key=sympy.default_sort_key):
            if atom.atoms(floor, ceiling, Mod) - {atom}:
                continue  # innermost first: an outer floor waits for its argument
            if isinstance(atom, Mod):
                numerator, denominator = atom.args
            else:
                numerator, denominator = sympy.together(atom.args[0]).as_numer_denom()
            if not (numerator.is_integer and denominator.is_integer and denominator.is_positive):
                continue
            remainder = Dummy("r", integer=True, nonnegative=True)
            bounds[remainder] = (S.Zero, denominator - 1)
            if isinstance(atom, Mod):
                image = remainder
            elif isinstance(atom, floor):
                image = (numerator - remainder) / denominator
            else:
                image = (numerator + remainder) / denominator
            expr = expr.xreplace({atom: image})
            replaced = True
        if not replaced:
            break
    return expr, bounds


def linear_bound(expr: Expr, bounds: Bounds, *, upper: bool = False) -> Expr | None:
    """A lower (or ``upper``) bound of ``expr`` over the box ``bounds``, free of the
    bounded symbols; ``None`` when it cannot be found soundly.

    Each bounded symbol must occur linearly with a coefficient whose sign SymPy knows and
    that involves no other bounded symbol; it is replaced by the end of its interval that
    minimises (maximises) ``expr``. Bounds may refer to other bounded symbols, and floors
    are bounded through their remainders (:func:`floor_remainders`).

    >>> from sympy import symbols, floor
    >>> i, k = symbols("i k", integer=True)
    >>> n, s, d, t = symbols("n s d t", integer=True, positive=True)
    >>> linear_bound(i*s + k*d, {i: (0, t), k: (0, n - 1)}, upper=True)
    d*n - d + s*t
    >>> linear_bound(s*floor(t/s) - t, {}, upper=True)
    0
    >>> linear_bound(i*k, {i: (0, t), k: (0, n)}) is None   # not linear: refuse
    True
    """
    expression, remainders = floor_remainders(sympy.expand(expr))
    box: dict[Expr, tuple[Expr, Expr]] = {
        v: (sympy.sympify(lo, strict=True), sympy.sympify(hi, strict=True))
        for v, (lo, hi) in bounds.items()
    }
    box.update(remainders)
    for _ in range(MAX_ROUNDS):
        present = sorted((v for v in box if expression.has(v)), key=sympy.default_sort_key)
        if not present:
            return sympy.expand(expression)
        for symbol in present:
            coefficient = linear_coefficient(expression, symbol)
            if coefficient is None:
                return None
            if not any(coefficient.has(other) for other in box):
                break
        else:
            return None  # every bounded symbol multiplies another one
        if coefficient == 0:
            expression = sympy.expand(expression)
            continue
        if coefficient.is_nonnegative:
            end = box[symbol][1] if upper else box[symbol][0]
        elif coefficient.is_nonpositive:
            end = box[symbol][0] if upper else box[symbol][1]
        else:
            return None  # the sign of the coefficient is unknown
        if end.is_infinite:
            return S.Infinity if upper else S.NegativeInfinity
        expression, more = floor_remainders(sympy.expand(expression.xreplace({symbol: end})))
        box.update(more)
    return None


def nonnegative(expr: Expr, facts: Sequence[Expr] = ()) -> bool:
    """Whether ``expr >= 0`` follows from the symbols' assumptions and ``facts``
    (expressions known to be ``>= 0``).

    A fact ``f >= 0`` is used by solving ``f = t`` (``t >= 0`` a fresh integer) for a
    symbol that occurs in ``f`` with coefficient 1 or -1 and substituting.

    >>> from sympy import symbols
    >>> m, n = symbols("m n", integer=True, positive=True)
    >>> nonnegative(m - n), nonnegative(m - n, facts=[m - n - 1])
    (False, True)
    """
    expr = sympy.expand(expr)
    if expr.is_nonnegative:
        return True
    for count in range(1, len(facts) + 1):
        current = expr
        for fact in facts[:count]:
            current = eliminate_with_fact(current, fact)
        if current.is_nonnegative:
            return True
    return False


def eliminate_with_fact(expr: Expr, fact: Expr) -> Expr:
    """``expr`` with one symbol of ``fact`` replaced so that ``fact`` becomes a fresh
    nonnegative integer (see :func:`nonnegative`); ``expr`` unchanged if none fits."""
    for symbol in sorted(fact.free_symbols & expr.free_symbols, key=sympy.default_sort_key):
        coefficient = linear_coefficient(fact, symbol)
        if coefficient in (S.One, S.NegativeOne):
            slack = Dummy("t", integer=True, nonnegative=True)
            solution = sympy.expand(symbol + (slack - fact) / coefficient)
            return sympy.expand(expr.xreplace({symbol: solution}))
    return expr


def decide(condition: Basic, bounds: Bounds, facts: Sequence[Expr] = ()) -> bool | None:
    """Decide a condition between integer-valued expressions over the box ``bounds``:
    ``True``, ``False``, or ``None`` when it cannot be decided.

    Handles ``Eq``, ``Ne``, ``<``, ``<=``, ``>``, ``>=`` (strict ones shifted by 1 for
    integers), ``And``, ``Or`` and ``Not``.

    >>> from sympy import symbols, floor
    >>> i = symbols("i", integer=True)
    >>> a = symbols("a", integer=True)
    >>> s = symbols("s", integer=True, positive=True)
    >>> box = {i: (0, floor(a/s))}
    >>> decide(i*s <= a, box), decide(i*s <= a - 1, box), decide(i >= 0, box)
    (True, None, True)
    >>> decide(s*(floor(a/s) + 1) <= a, {})
    False
    """
    if condition is S.true or condition is True:
        return True
    if condition is S.false or condition is False:
        return False
    if isinstance(condition, And):
        verdicts = [decide(c, bounds, facts) for c in condition.args]
        if any(v is False for v in verdicts):
            return False
        return True if all(v is True for v in verdicts) else None
    if isinstance(condition, Or):
        verdicts = [decide(c, bounds, facts) for c in condition.args]
        if any(v is True for v in verdicts):
            return True
        return False if all(v is False for v in verdicts) else None
    if isinstance(condition, Not):
        verdict = decide(condition.args[0], bounds, facts)
        return None if verdict is None else not verdict
    if not isinstance(condition, Relational):
        return None
    difference = sympy.expand(condition.lhs - condition.rhs)
    if isinstance(condition, (sympy.Eq, sympy.Ne)):
        if difference == 0:
            equal: bool | None = True
        elif at_least(difference, 1, bounds, facts) or at_most(difference, -1, bounds, facts):
            equal = False
        else:
            equal = None
        if equal is None or isinstance(condition, sympy.Eq):
            return equal
        return not equal
    if isinstance(condition, (sympy.Ge, sympy.Gt)):
        gap = difference
    elif isinstance(condition, (sympy.Le, sympy.Lt)):
        gap = -difference
    else:
        return None
    strict = isinstance(condition, (sympy.Gt, sympy.Lt))
    if not gap.is_integer:
        return None  # the shift by 1 below needs integers
    least = 1 if strict else 0
    if at_least(gap, least, bounds, facts):
        return True
    if at_most(gap, least - 1, bounds, facts):
        return False
    return None


def at_least(expr: Expr, value: int, bounds: Bounds, facts: Sequence[Expr]) -> bool:
    low = linear_bound(expr, bounds)
    return low is not None and low is not S.NegativeInfinity and nonnegative(low - value, facts)


def at_most(expr: Expr, value: int, bounds: Bounds, facts: Sequence[Expr]) -> bool:
    high = linear_bound(expr, bounds, upper=True)
    return high is not None and high is not S.Infinity and nonnegative(value - high, facts)


def ordered_range(
    low: Expr, high: Expr, bounds: Bounds | None = None, facts: Sequence[Expr] = ()
) -> bool:
    """Whether ``high >= low - 1`` follows from ``bounds``, ``facts`` and the symbols'
    assumptions, with integer (or infinite) limits: then ``Sum(f, (v, low, high))`` is
    the sum of ``f`` over the integers ``low <= v <= high`` (none when ``high = low - 1``).

    Otherwise SymPy's convention (Karr's) makes a reversed range a negated sum over the
    gap, ``Sum(f, (v, a, b)) == -Sum(f, (v, b + 1, a - 1))`` for ``b < a - 1`` (and a
    ``Product`` its reciprocal), so the index runs outside ``[low, high]``.

    >>> from sympy import Sum, symbols
    >>> i, u = symbols("i u", integer=True)
    >>> n = symbols("n", integer=True, positive=True)
    >>> ordered_range(0, n - 1), ordered_range(0, u), ordered_range(0, u, facts=[u + 1])
    (True, False, True)
    >>> Sum(i, (i, 0, -3)).doit()   # the index runs over -2, -1, negated
    3
    """
    low, high = sympy.sympify(low, strict=True), sympy.sympify(high, strict=True)
    if low is S.Infinity or high is S.NegativeInfinity:
        return False
    if low is S.NegativeInfinity or high is S.Infinity:
        return True
    if not (low.is_integer and high.is_integer):
        return False
    if sympy.expand(high - low + 1).is_nonnegative:
        return True  # the assumptions alone show it (n - 1 >= -1 for a positive n)
    return decide(sympy.Ge(high, low - 1), bounds or {}, facts) is True


def integer_limits(low: Expr, high: Expr) -> bool:
    """Whether both limits of a range are integers (or infinite), so its index takes
    integer values.

    >>> from sympy import Rational, oo, symbols
    >>> n = symbols("n", integer=True)
    >>> integer_limits(0, n - 1), integer_limits(0, oo), integer_limits(Rational(1, 2), n)
    (True, True, False)
    """
    return all(
        bool(limit.is_integer) or limit in (S.Infinity, S.NegativeInfinity)
        for limit in (sympy.sympify(low, strict=True), sympy.sympify(high, strict=True))
    )


def without(
    variable: Expr, bounds: Bounds, facts: Sequence[Expr]
) -> tuple[dict[Expr, tuple[Expr, Expr]], tuple[Expr, ...]]:
    """``bounds`` and ``facts`` with everything that mentions ``variable`` dropped: inside
    a sum over ``variable`` they would speak of another symbol of the same name."""
    kept = {
        v: (lo, hi)
        for v, (lo, hi) in bounds.items()
        if v != variable and not (_has(lo, variable) or _has(hi, variable))
    }
    return kept, tuple(f for f in facts if not _has(f, variable))


def _has(expr: Any, symbol: Expr) -> bool:
    return isinstance(expr, Basic) and expr.has(symbol)


def scope(
    limits: Sequence[Any], bounds: Bounds, facts: Sequence[Expr] = ()
) -> tuple[dict[Expr, tuple[Expr, Expr]], tuple[Expr, ...]]:
    """The bounds and facts that hold inside a ``Sum`` or ``Product`` with ``limits``
    (innermost first, SymPy's order): each index is bounded by its limits when
    :func:`ordered_range` shows them ordered, and left unbounded otherwise (on a reversed
    range it runs outside them); what mentions an index is dropped (:func:`without`).

    >>> from sympy import symbols
    >>> i, k, u = symbols("i k u", integer=True)
    >>> n = symbols("n", integer=True, positive=True)
    >>> scope([(k, 0, i), (i, 0, n - 1)], {})[0]
    {i: (0, n - 1), k: (0, i)}
    >>> scope([(i, 0, u)], {i: (0, 5)})[0]   # maybe reversed: i is unbounded inside
    {}
    """
    box: dict[Expr, tuple[Expr, Expr]] = dict(bounds)
    known = tuple(facts)
    for variable, low, high in reversed([tuple(limit) for limit in limits]):
        box, known = without(variable, box, known)
        if not (_has(low, variable) or _has(high, variable)) and ordered_range(
            low, high, box, known
        ):
            box[variable] = (low, high)
    return box, known


def rewrite_scoped(
    expr: Any,
    rewrite: Callable[[Any, Bounds, tuple[Expr, ...]], Any],
    bounds: Bounds,
    facts: Sequence[Expr] = (),
    *,
    target: type | tuple[type, ...] = Basic,
) -> Any:
    """Apply ``rewrite(node, bounds, facts)`` to every node of ``expr`` that contains a
    ``target`` (a class or classes), innermost first, each with the bounds and facts of
    its place (:func:`scope` inside sums and products). A node whose arguments did not
    change is kept as it is."""
    if not isinstance(expr, Basic) or expr.is_Atom or not expr.has(target):
        return expr
    if isinstance(expr, (Sum, sympy.Product)):
        inner, known = scope(expr.limits, bounds, facts)
        function = rewrite_scoped(expr.function, rewrite, inner, known, target=target)
        node = expr if function is expr.function else expr.func(function, *expr.limits)
    else:
        args = [rewrite_scoped(a, rewrite, bounds, facts, target=target) for a in expr.args]
        same = all(new is old for new, old in zip(args, expr.args))
        node = expr if same else expr.func(*args)
    return rewrite(node, bounds, tuple(facts))


def refine_brackets(expr: Expr, bounds: Bounds, facts: Sequence[Expr] = ()) -> Expr:
    """Decide the condition of every bracket in ``expr`` with :func:`decide`, using
    ``bounds`` for free indices and each enclosing ``Sum``'s (or ``Product``'s) limits
    for its index.

    Decided parts of a conjunction are dropped; a part that cannot be decided stays.
    SymPy's ``refine`` does this only for conditions its assumptions decide, which leaves
    out linear inequalities between indices (sympy issues #9384, #24183, #25522).

    Side conditions: ``bounds`` and ``facts`` (expressions ``>= 0``) are hypotheses on the
    free symbols, taken as given. A sum's limits bound its index only where
    :func:`ordered_range` shows ``high >= low - 1`` from them: over a reversed range the
    index runs outside its limits (SymPy's convention), so there it is left unbounded
    (:func:`scope`). Inside a sum, bounds and facts that mention its index are not used.

    >>> from sympy import symbols, Sum, IndexedBase
    >>> k, i = symbols("k i", integer=True)
    >>> n, m = symbols("n m", integer=True, positive=True)
    >>> x = IndexedBase("x")
    >>> inner = x[i + k] * Iverson((i + k >= 0) & (i + k <= m - 1))
    >>> refine_brackets(Sum(inner, (k, 0, n - 1)), {i: (0, m - n)})
    Sum(x[i + k], (k, 0, n - 1))
    >>> refine_brackets(Sum(inner, (k, 0, n - 1)), {i: (0, m - 1)})
    Sum(Iverson(i + k <= m - 1)*x[i + k], (k, 0, n - 1))
    >>> u = symbols("u", integer=True)   # u may be below -1: the range may be reversed
    >>> refine_brackets(Sum(Iverson(k >= 0), (k, 0, u)), {})
    Sum(Iverson(k >= 0), (k, 0, u))
    >>> refine_brackets(Sum(Iverson(k >= 0), (k, 0, u)), {}, facts=[u + 1])
    Sum(1, (k, 0, u))
    """
    return _refine(expr, dict(bounds), tuple(facts))


def _refine_condition(condition: Basic, bounds: Bounds, facts: Sequence[Expr]) -> Basic:
    verdict = decide(condition, bounds, facts)
    if verdict is not None:
        return S.true if verdict else S.false
    if isinstance(condition, And):
        verdicts = [(c, decide(c, bounds, facts)) for c in condition.args]
        return And(*[c for c, v in verdicts if v is not True])
    return condition


def _refine(expr: Expr, bounds: dict[Expr, tuple[Expr, Expr]], facts: tuple[Expr, ...]) -> Expr:
    if not isinstance(expr, Basic) or expr.is_Atom or not expr.has(Iverson):
        return expr
    if isinstance(expr, (Sum, sympy.Product)):
        inner, known = scope(expr.limits, bounds, facts)
        return expr.func(_refine(expr.function, inner, known), *expr.limits)
    if isinstance(expr, Iverson):
        return Iverson(_refine_condition(expr.condition, bounds, facts))
    return expr.func(*[_refine(a, bounds, facts) for a in expr.args])


def isolate_index(condition: Basic, index: Symbol) -> Basic:
    """Solve each linear inequality of ``condition`` for the integer ``index``.

    ``a*index + b <= 0`` with ``a > 0`` becomes ``index <= floor(-b/a)``, with ``a < 0``
    ``index >= ceiling(-b/a)`` (and mirrored for ``>=``; strict inequalities between
    integers are first shifted by 1): for an integer ``index``, ``index <= y`` holds
    exactly when ``index <= floor(y)``. Conjunctions are solved part by part.
    (``solve_univariate_inequality(..., domain=S.Integers)``, sympy PR #21156, raises
    ``NotImplementedError`` for a symbolic coefficient.)

    Side conditions: ``index`` is an integer (``ValueError`` otherwise: the rounding is
    wrong for a real index); a part is left as it is unless it is linear in ``index``,
    SymPy knows the sign of the coefficient, and ``-b/a`` is real (a strict part also
    needs ``a*index + b`` integer).

    >>> from sympy import symbols
    >>> i = symbols("i", integer=True)
    >>> s = symbols("s", integer=True, positive=True)
    >>> t = symbols("t", integer=True)
    >>> isolate_index((i*s >= 0) & (i*s <= t), i)
    (i >= 0) & (i <= floor(t/s))
    >>> isolate_index(i*s < t, i)
    i <= floor((t - 1)/s)
    >>> isolate_index(2*symbols("y", real=True) <= 3, symbols("y", real=True))
    Traceback (most recent call last):
    ...
    ValueError: isolate_index needs an integer index, but y is not known to be an integer (for a real y, 2*y <= 3 is y <= 3/2, not y <= floor(3/2)); declare it with Symbol('y', integer=True)
    """
    if index.is_integer is not True:
        raise ValueError(
            f"isolate_index needs an integer index, but {index} is not known to be an "
            f"integer (for a real {index}, 2*{index} <= 3 is {index} <= 3/2, not "
            f"{index} <= floor(3/2)); declare it with Symbol({str(index)!r}, integer=True)"
        )
    return _isolate(condition, index)


def _isolate(condition: Basic, index: Symbol) -> Basic:
    if isinstance(condition, And):
        return And(*[_isolate(c, index) for c in condition.args])
    if not isinstance(condition, (sympy.Le, sympy.Ge, sympy.Lt, sympy.Gt)):
        return condition
    gap = sympy.expand(condition.lhs - condition.rhs)  # gap <= 0 (Le) or gap >= 0 (Ge)
    if isinstance(condition, (sympy.Ge, sympy.Gt)):
        gap = -gap
    if isinstance(condition, (sympy.Lt, sympy.Gt)):
        if not gap.is_integer:
            return condition
        gap = gap + 1  # gap < 0 is gap + 1 <= 0 for integers
    coefficient = linear_coefficient(gap, index)
    if coefficient is None or coefficient == 0:
        return condition
    rest = sympy.expand(gap - coefficient * index)
    limit = sympy.cancel(-rest / coefficient)
    if limit.is_real is not True:
        return condition
    if coefficient.is_positive:
        return sympy.Le(index, floor(limit))
    if coefficient.is_negative:
        return sympy.Ge(index, ceiling(limit))
    return condition


def forall_bracket(expr: Expr, bounds: Bounds | None = None, facts: Sequence[Expr] = ()) -> Expr:
    """``Product([c(v)], (v, lo, hi))`` -> the bracket of ``c`` at the worst ``v``.

    A product of brackets is 1 exactly when the condition holds for every ``v`` in the
    range. For a conjunction of inequalities linear in ``v``, each holds for all ``v`` in
    ``[lo, hi]`` exactly when it holds at the end its coefficient's sign points to, so the
    product is the bracket of the conditions at those ends.

    Side conditions, else the product is left unchanged: one limit, ``lo`` and ``hi``
    integers, ``hi >= lo`` shown (from ``bounds``, ``facts``, the limits of enclosing sums
    and the assumptions: an empty product is 1 whatever its ends say, and over a reversed
    range SymPy's product is the reciprocal of the product over ``hi + 1 .. lo - 1``), the
    factor a single bracket of inequalities linear in ``v`` whose coefficients' signs
    SymPy knows.

    >>> from sympy import symbols, Product
    >>> i, k = symbols("i k", integer=True)
    >>> n, d, m = symbols("n d m", integer=True, positive=True)
    >>> forall_bracket(Product(Iverson(i + k*d <= m), (k, 0, n - 1)))
    Iverson(d*(n - 1) + i <= m)
    >>> c = symbols("c", integer=True)   # the sign of c is unknown: refuse
    >>> forall_bracket(Product(Iverson(i + k*c <= m), (k, 0, n - 1)))
    Product(Iverson(c*k + i <= m), (k, 0, n - 1))
    >>> forall_bracket(Product(Iverson(k <= m), (k, 0, c)))   # maybe empty: refuse
    Product(Iverson(k <= m), (k, 0, c))
    """
    return rewrite_scoped(expr, _forall_rule, bounds or {}, facts, target=sympy.Product)


def _forall_rule(expr: Any, bounds: Bounds, facts: tuple[Expr, ...]) -> Any:
    if not isinstance(expr, sympy.Product) or len(expr.limits) != 1:
        return expr
    (variable, low, high), factor = expr.limits[0], expr.function
    if not isinstance(factor, Iverson) or not (low.is_integer and high.is_integer):
        return expr
    box, known = without(variable, bounds, facts)
    if decide(sympy.Ge(high, low), box, known) is not True:
        return expr
    condition = factor.condition
    parts = condition.args if isinstance(condition, And) else (condition,)
    worst = []
    for part in parts:
        if not isinstance(part, (sympy.Le, sympy.Ge, sympy.Lt, sympy.Gt)):
            return expr
        coefficient = linear_coefficient(part.lhs - part.rhs, variable)
        if coefficient is None:
            return expr
        # A larger lhs - rhs makes >= easier and <= harder.
        easier_when_larger = isinstance(part, (sympy.Ge, sympy.Gt))
        if coefficient.is_nonnegative:
            end = low if easier_when_larger else high
        elif coefficient.is_nonpositive:
            end = high if easier_when_larger else low
        else:
            return expr
        worst.append(part.xreplace({variable: end}))
    return Iverson(And(*worst))
