"""Property tests for the rewriting rules of symconv.summation: every rewrite a rule makes
is an equality at every instance, with SymPy's own ``doit`` as the judge.

Each test draws an expression a rule is meant for (brackets and Kronecker deltas with
linear arguments, nested sums, products of brackets) whose ranges have symbolic limits
that become empty, reversed or negative at the instances, applies the rule, and compares
both sides at every instance of their free symbols. A rule that refuses returns the
expression unchanged and passes trivially; one that rewrites must be right.

The truth is SymPy's convention for ``Sum`` and ``Product`` over any range, read off
``Sum(h(i), (i, a, b)).doit()`` (``Product`` likewise) for an undefined function ``h``
once all symbols are integers: a reversed range ``b < a - 1`` is the negated sum over
``b + 1 .. a - 1`` (``Sum(i, (i, 0, -3)).doit() == 3``), the reciprocal for a product.
A ``KroneckerDelta`` is replaced by its definition ``[a = b]`` first: ``Sum.doit`` hands
deltas to ``deltasummation``, which drops the divisibility condition of a coefficient
(``Sum(KroneckerDelta(3, 2*i), (i, 0, 5)).doit() == 1``), the bug ``sum_kronecker``
exists to avoid.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
import random
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pytest
import sympy
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sympy import (
    And,
    Expr,
    Function,
    IndexedBase,
    KroneckerDelta,
    Product,
    S,
    Sum,
    Symbol,
)

from symconv.summation import (
    Iverson,
    absorb_factors,
    expand_sums,
    forall_bracket,
    instantiate,
    isolate_index,
    normal_form,
    refine_brackets,
    reindex,
    restrict_sum,
    sum_kronecker,
    swap_sums,
)

i, k = sympy.symbols("i k", integer=True)  # summation indices
j = Symbol("j", integer=True)  # a free index
u = Symbol("u", integer=True)  # a size of unknown sign: ranges over it may be reversed
n = Symbol("n", integer=True, positive=True)
e = Symbol("e", integer=True, nonnegative=True)
g, w = IndexedBase("g"), IndexedBase("w")

#: The values each free symbol takes at the instances, within its assumptions.
VALUES: dict[Symbol, tuple[int, ...]] = {
    u: (-4, -3, -2, -1, 0, 1, 3),
    n: (1, 2, 4),
    e: (0, 1, 3),
    j: (-2, -1, 0, 1, 3, 5),
}

#: At most this many instances per expression (spread over the grid of VALUES).
MAX_INSTANCES = 12

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_h = Function("h")


# --- the truth ------------------------------------------------------------------------------


class Undefined(ArithmeticError):
    """A division by zero: a product over a reversed range with a zero factor is the
    reciprocal of zero (SymPy's ``zoo``)."""


@functools.cache
def _terms(kind: type, low: int, high: int) -> tuple[tuple[int, int], ...]:
    """SymPy's ``Sum(h(i), (i, low, high)).doit()`` as pairs (value, coefficient) of its
    terms ``coefficient * h(value)``; for a ``Product``, (value, exponent) of its factors.
    This is where the convention for empty and reversed ranges comes from."""
    index = Symbol("index", integer=True)
    done = kind(_h(index), (index, low, high)).doit()
    pairs = []
    if kind is Sum:
        for term in sympy.Add.make_args(done):
            if term != 0:
                coefficient, call = term.as_coeff_Mul()
                pairs.append((int(call.args[0]), int(coefficient)))
    else:
        for factor in sympy.Mul.make_args(done):
            if factor != 1:
                call, exponent = factor.as_base_exp()
                pairs.append((int(call.args[0]), int(exponent)))
    return tuple(pairs)


@functools.cache
def _weight(name: str, indices: tuple[Fraction, ...]) -> Fraction:
    """A fixed large random integer for each array entry, so that sums of entries compare
    as numbers (two different sums agree only by a negligible coincidence)."""
    return Fraction(random.Random(f"{name}{indices}").randrange(1, 10**12))


def truth(expr: Any, values: dict[Symbol, int]) -> Fraction | str:
    """``expr`` at ``values``, array entries weighted by :func:`_weight`, every sum and
    product carried out over the terms SymPy's ``doit`` gives for its range (exact
    rational arithmetic; ``"undefined"`` for a division by zero)."""
    try:
        return _value(expr, {s: Fraction(v) for s, v in values.items()})
    except Undefined:
        return "undefined"


def _value(expr: Any, env: dict[Any, Fraction]) -> Fraction:
    if expr in (S.ComplexInfinity, S.NaN):
        raise Undefined(str(expr))
    if isinstance(expr, sympy.Rational):
        return Fraction(int(expr.p), int(expr.q))
    if isinstance(expr, Symbol):
        return env[expr]
    if isinstance(expr, sympy.Add):
        return sum((_value(a, env) for a in expr.args), Fraction(0))
    if isinstance(expr, sympy.Mul):
        product = Fraction(1)
        for factor in expr.args:
            product *= _value(factor, env)
        return product
    if isinstance(expr, sympy.Pow):
        base, exponent = _value(expr.base, env), _value(expr.exp, env)
        assert exponent.denominator == 1, expr
        if base == 0 and exponent < 0:
            raise Undefined(str(expr))
        return base ** int(exponent)
    if isinstance(expr, sympy.Indexed):
        return _weight(str(expr.base), tuple(_value(e, env) for e in expr.indices))
    if isinstance(expr, Iverson):
        return Fraction(int(_holds(expr.args[0], env)))
    if isinstance(expr, KroneckerDelta):
        return Fraction(int(_value(expr.args[0], env) == _value(expr.args[1], env)))
    if isinstance(expr, sympy.floor):
        return Fraction(math.floor(_value(expr.args[0], env)))
    if isinstance(expr, sympy.ceiling):
        return Fraction(math.ceil(_value(expr.args[0], env)))
    if isinstance(expr, sympy.Mod):
        return _value(expr.args[0], env) % _value(expr.args[1], env)  # sign of the divisor
    if isinstance(expr, (Sum, Product)):
        (index, low, high), rest = expr.limits[-1], expr.limits[:-1]
        inner = expr.func(expr.function, *rest) if rest else expr.function
        first, last = _value(low, env), _value(high, env)
        assert first.denominator == last.denominator == 1, expr
        pairs = _terms(type(expr), int(first), int(last))
        parts = [(_value(inner, {**env, index: Fraction(v)}), c) for v, c in pairs]
        if isinstance(expr, Sum):
            return sum((c * part for part, c in parts), Fraction(0))
        result = Fraction(1)
        for part, c in parts:
            if part == 0 and c < 0:
                raise Undefined(str(expr))
            result *= part**c
        return result
    raise TypeError(f"no value for {expr!r}")


def _holds(condition: Any, env: dict[Any, Fraction]) -> bool:
    if condition in (S.true, S.false):
        return bool(condition)
    if isinstance(condition, sympy.And):
        return all(_holds(c, env) for c in condition.args)
    if isinstance(condition, sympy.Or):
        return any(_holds(c, env) for c in condition.args)
    if isinstance(condition, sympy.Not):
        return not _holds(condition.args[0], env)
    compare = {
        sympy.Eq: operator.eq,
        sympy.Ne: operator.ne,
        sympy.Lt: operator.lt,
        sympy.Le: operator.le,
        sympy.Gt: operator.gt,
        sympy.Ge: operator.ge,
    }[type(condition)]
    return bool(compare(_value(condition.lhs, env), _value(condition.rhs, env)))


def instances(
    expr: Expr, keep: Callable[[dict[Symbol, int]], bool] = lambda at: True
) -> list[dict[Symbol, int]]:
    """Values for the free symbols of ``expr`` (those of VALUES), at most MAX_INSTANCES of
    them, spread over the grid, that satisfy ``keep`` (a rule's hypotheses)."""
    free = sorted(expr.free_symbols & set(VALUES), key=str)
    grid = [dict(zip(free, combo)) for combo in itertools.product(*[VALUES[s] for s in free])]
    grid = [at for at in grid if keep(at)]
    if len(grid) > MAX_INSTANCES:
        grid = random.Random(str(expr)).sample(grid, MAX_INSTANCES)
    return grid


def assert_equal_everywhere(
    before: Expr,
    after: Expr,
    keep: Callable[[dict[Symbol, int]], bool] = lambda at: True,
) -> None:
    for at in instances(before + after, keep):
        left, right = truth(before, at), truth(after, at)
        assert left == right, f"\n{before}\n  -> {after}\nat {at}: {left} != {right}"


# --- drawing expressions --------------------------------------------------------------------

coefficients = st.sampled_from([1, 2, 3, -1, -2, -3])
offsets = st.integers(-3, 3)


@st.composite
def limits(draw: st.DrawFn, also: tuple[Expr, ...] = ()) -> Expr:
    """A range limit: an offset plus a size of any sign (or an outer index in ``also``)."""
    base = draw(st.sampled_from((S.Zero, u, -u, n, e, *also)))
    return base + draw(offsets)


@st.composite
def linear(draw: st.DrawFn, index: Symbol, others: tuple[Expr, ...]) -> Expr:
    """``a*index + b*other + c`` with the coefficients of the rules' own examples."""
    other = draw(st.sampled_from((S.Zero, *others)))
    return draw(coefficients) * index + draw(st.sampled_from([0, 1, -1])) * other + draw(offsets)


RELATIONS = st.sampled_from([sympy.Le, sympy.Lt, sympy.Ge, sympy.Gt])


@st.composite
def conditions(draw: st.DrawFn, index: Symbol, others: tuple[Expr, ...]) -> sympy.Basic:
    """One or two linear inequalities in ``index`` (and the ``others``)."""
    parts = [
        draw(RELATIONS)(draw(linear(index, others)), 0) for _ in range(draw(st.integers(1, 2)))
    ]
    return And(*parts)


@st.composite
def near(draw: st.DrawFn, index: Symbol, low: Expr, high: Expr) -> sympy.Basic:
    """An inequality on ``index`` near one end of its range (which the range may decide)."""
    if draw(st.booleans()):
        return draw(st.sampled_from([sympy.Ge, sympy.Gt]))(index, low + draw(offsets))
    return draw(st.sampled_from([sympy.Le, sympy.Lt]))(index, high + draw(offsets))


@st.composite
def bracket_sums(draw: st.DrawFn) -> Expr:
    """``Sum(g[i] [c(i)], (i, lo, hi))``, or a sum over ``k`` of that inside, whose inner
    range may depend on ``k``; ``c`` mixes random inequalities and ones near the ends."""
    nested = draw(st.booleans())
    also = (k,) if nested else ()
    low, high = draw(limits(also)), draw(limits(also))
    parts = [draw(near(i, low, high)), draw(conditions(i, (j, u, n, *also)))]
    condition = And(*draw(st.lists(st.sampled_from(parts), min_size=1, max_size=2, unique=True)))
    if not nested:
        return Sum(g[i] * Iverson(condition), (i, low, high))
    inner = Sum(g[i] * w[k] * Iverson(condition), (i, low, high))
    return Sum(inner, (k, draw(limits()), draw(limits())))


@st.composite
def cut_sums(draw: st.DrawFn) -> Expr:
    """``Sum(g[i] [c(i)], (i, lo, hi))`` with ``c`` bounding ``i`` alone, by sizes of
    either sign (the sums restrict_sum cuts)."""
    sizes = st.sampled_from([S.Zero, n, e, u, n + e, e - 1])
    low = draw(st.sampled_from([S.Zero, S.Zero, e, u])) + draw(offsets)
    high = draw(sizes) + draw(offsets)
    parts = [
        draw(st.sampled_from([sympy.Le, sympy.Lt]))(
            draw(st.sampled_from([1, 2, 3])) * i, draw(sizes) + draw(offsets)
        ),
        draw(st.sampled_from([sympy.Ge, sympy.Gt]))(
            draw(st.sampled_from([1, 2])) * i, draw(sizes) + draw(offsets)
        ),
        draw(near(i, low, high)),
    ]
    condition = And(*draw(st.lists(st.sampled_from(parts), min_size=1, max_size=2, unique=True)))
    return Sum(g[i] * Iverson(condition), (i, low, high))


@st.composite
def delta_sums(draw: st.DrawFn) -> Expr:
    """Sums of ``f * KroneckerDelta(a*i + b, c*j + d)``, alone or nested with a sum over
    ``k`` that the delta's argument or the range may mention."""
    left = draw(coefficients) * i + draw(offsets)
    right = draw(st.sampled_from([1, 2, 3, -1])) * j + draw(offsets)
    if draw(st.booleans()):
        return Sum(g[i] * KroneckerDelta(left, right), (i, draw(limits()), draw(limits())))
    right = right + draw(st.sampled_from([0, 1, -1])) * k
    inner = Sum(
        g[i] * w[k] * KroneckerDelta(left, right), (i, draw(limits((k,))), draw(limits((k,))))
    )
    return Sum(inner, (k, draw(limits()), draw(limits())))


@st.composite
def products(draw: st.DrawFn) -> Expr:
    """``Product([c(k, j)], (k, lo, hi))``, alone or inside a sum over ``i``."""
    condition = draw(conditions(k, (j, u, n)))
    product = Product(Iverson(condition), (k, draw(limits()), draw(limits())))
    if draw(st.booleans()):
        return product
    return Sum(g[i] * product.xreplace({j: i}), (i, draw(limits()), draw(limits())))


@st.composite
def double_sums(draw: st.DrawFn) -> Expr:
    """``Sum(Sum(g[i] w[k] [c], (k, ...)), (i, ...))`` with independent ranges."""
    summand = g[i] * w[k]
    if draw(st.booleans()):
        summand *= Iverson(draw(conditions(i, (k, j))))
    return Sum(
        Sum(summand, (k, draw(limits()), draw(limits()))), (i, draw(limits()), draw(limits()))
    )


# --- the issue's example ------------------------------------------------------------------


ISSUE_EXAMPLE = Sum(Iverson(i >= 0), (i, 0, u))


def test_the_truth_follows_sympys_convention() -> None:
    assert truth(Sum(i, (i, 0, u)), {u: -3}) == Sum(i, (i, 0, -3)).doit() == 3
    assert truth(ISSUE_EXAMPLE, {u: -3}) == 0
    assert truth(Sum(S.One, (i, 0, u)), {u: -3}) == -2
    assert truth(Product(i, (i, 0, u)), {u: -3}) == Product(i, (i, 0, -3)).doit() == S.Half
    assert truth(Product(i, (i, u, -1)), {u: 2}) == "undefined"  # 1/(0*1)
    assert truth(Sum(KroneckerDelta(j, 2 * i), (i, 0, 5)), {j: 3}) == 0


def _by_doit(expr: Expr, values: dict[Symbol, int]) -> Fraction | str:
    """SymPy's own ``doit`` at ``values`` (deltas written as brackets first, see above),
    the array entries weighted afterwards."""
    at = {symbol: sympy.Integer(value) for symbol, value in values.items()}
    numeric = expr.xreplace(at).replace(
        lambda x: isinstance(x, KroneckerDelta), lambda x: Iverson(sympy.Eq(*x.args))
    )
    return truth(numeric.doit(), {})


@settings(max_examples=25, deadline=None)
@given(st.one_of(bracket_sums(), delta_sums(), products()))
def test_the_truth_is_sympys_doit(expr: Expr) -> None:
    """Where SymPy's ``doit`` finishes (a range that depends on an outer index is one it
    leaves undone), the truth used below is its value."""
    if any(limit[1].has(k) or limit[2].has(k) for limit in expr.limits if limit[0] != k):
        return
    for at in instances(expr)[:3]:
        assert truth(expr, at) == _by_doit(expr, at), (expr, at)


# --- the rules ------------------------------------------------------------------------------


@PROPERTY
@given(bracket_sums(), st.sampled_from(["none", "j in 0..n", "u >= 0"]))
@example(ISSUE_EXAMPLE, "none")
def test_refine_brackets_is_an_equality(expr: Expr, hypothesis: str) -> None:
    bounds: dict[Expr, tuple[Expr, Expr]] = {}
    facts: list[Expr] = []
    keep: Callable[[dict[Symbol, int]], bool] = lambda at: True  # noqa: E731
    if hypothesis == "j in 0..n":
        bounds = {j: (S.Zero, n)}
        keep = lambda at: 0 <= at.get(j, 0) <= at.get(n, 1)  # noqa: E731
    elif hypothesis == "u >= 0":
        facts = [u]
        keep = lambda at: at.get(u, 0) >= 0  # noqa: E731
    assert_equal_everywhere(expr, refine_brackets(expr, bounds, facts), keep)


@PROPERTY
@given(delta_sums(), st.sampled_from([None, i, k]))
@example(Sum(g[i] * KroneckerDelta(i, j), (i, 0, u)), None)
def test_sum_kronecker_is_an_equality(expr: Expr, index: Symbol | None) -> None:
    assert_equal_everywhere(expr, sum_kronecker(expr, index))


@settings(PROPERTY, max_examples=150)  # a sum of one bracket is cheap; few get cut
@given(cut_sums(), st.booleans())
@example(Sum(Iverson(i >= 0), (i, -1, u)), False)
def test_restrict_sum_is_an_equality(expr: Expr, known: bool) -> None:
    facts = [u] if known else []
    keep = (lambda at: at.get(u, 0) >= 0) if known else (lambda at: True)
    assert_equal_everywhere(expr, restrict_sum(expr, {}, facts), keep)


@PROPERTY
@given(products())
@example(Product(Iverson(k <= 0), (k, 1, u)))
def test_forall_bracket_is_an_equality(expr: Expr) -> None:
    assert_equal_everywhere(expr, forall_bracket(expr))


@PROPERTY
@given(double_sums())
def test_swap_sums_and_normal_form_are_equalities(expr: Expr) -> None:
    assert_equal_everywhere(expr, swap_sums(expr, i, k))
    assert_equal_everywhere(expr, normal_form(expr))


@PROPERTY
@given(double_sums(), st.sampled_from([g[j], j, S(2)]))
def test_absorb_factors_is_an_equality(expr: Expr, factor: Expr) -> None:
    over_k, over_i = expr.limits  # SymPy merges a Sum of a Sum into one of two limits
    split = factor * Sum(g[i], over_i) * Sum(w[k] * Iverson(k <= j), over_k)  # a product of sums
    assert_equal_everywhere(split, absorb_factors(split))


@PROPERTY
@given(
    double_sums(),
    st.sampled_from(["reverse", "shift"]),
    st.sampled_from([S.Zero, u, n]),
    offsets,
)
def test_reindex_is_an_equality(expr: Expr, how: str, size: Expr, offset: int) -> None:
    image = size + offset - k if how == "reverse" else k + size + offset
    try:
        rewritten = reindex(expr, k, image)
    except ValueError:
        return  # refused
    assert_equal_everywhere(expr, rewritten)


@PROPERTY
@given(conditions(i, (j, u, n)))
def test_isolate_index_is_an_equivalence(condition: sympy.Basic) -> None:
    solved = isolate_index(condition, i)
    for at in instances(Iverson(condition)):
        for value in range(-8, 9):
            point = {**at, i: value}
            assert bool(condition.xreplace(point)) == bool(solved.xreplace(point)), (
                condition,
                solved,
                point,
            )


@PROPERTY
@given(st.one_of(bracket_sums(), delta_sums(), products(), double_sums()))
@example(Sum(i, (i, 0, u)))
@example(Product(i + 5, (i, 0, u)))
def test_instantiate_follows_sympys_convention(expr: Expr) -> None:
    for at in instances(expr):
        expected = truth(expr, at)
        assert truth(instantiate(expr, at), {}) == expected, (expr, at)
        assert truth(expand_sums(expr, at), {}) == expected, (expr, at)


@pytest.mark.parametrize(
    "rule",
    [
        lambda x: refine_brackets(x, {}),
        sum_kronecker,
        restrict_sum,
        lambda x: refine_brackets(sum_kronecker(x), {}),
    ],
)
def test_the_issue_example_is_not_rewritten_into_a_count(rule: Callable[[Expr], Expr]) -> None:
    """At u = -3 the sum of [i >= 0] over 0..u is 0 by SymPy's convention, u + 1 is -2."""
    rewritten = rule(ISSUE_EXAMPLE)
    assert truth(rewritten, {u: -3}) == 0
    assert_equal_everywhere(ISSUE_EXAMPLE, rewritten)
