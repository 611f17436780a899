"""The fast spot-check evaluator of :mod:`symconv.summation.instances` against SymPy.

``instantiate`` and ``expand_sums`` carry sums out by a compiled evaluator with exact
integer and rational arithmetic; SymPy's own ``doit`` is the judge, on drawn expressions
with nested sums, products, Kronecker deltas and Iverson brackets whose ranges become
empty, reversed (``Sum(i, (i, 0, -3)).doit() == 3``) or depend on an outer index. A
``KroneckerDelta`` goes to ``doit`` as its definition ``[a = b]``: ``Sum.doit`` hands
deltas to ``deltasummation``, which drops the divisibility condition of a coefficient
(see :mod:`symconv.summation`).
"""

from __future__ import annotations

import time

import pytest
import sympy
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sympy import (
    Derivative,
    Expr,
    IndexedBase,
    KroneckerDelta,
    Product,
    S,
    Sum,
    Symbol,
    oo,
)

from symconv.core.engine import same
from symconv.general.rules import Rule
from symconv.general.theorem import boundary_cases, derive
from symconv.summation import Iverson, expand_sums, instantiate
from symconv.summation.instances import instance_mismatch

i, k, t = sympy.symbols("i k t", integer=True)  # summation indices
j = Symbol("j", integer=True)  # a free index
u = Symbol("u", integer=True)  # a size of unknown sign: ranges over it may be reversed
n = Symbol("n", integer=True, positive=True)
g, w, x = IndexedBase("g"), IndexedBase("w"), IndexedBase("x")
a = Symbol("a")  # a free symbol that gets no value

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Values of the sizes and the free index at the instances: empty and reversed ranges.
VALUES = {u: (-4, -2, -1, 0, 2), n: (1, 3), j: (-1, 0, 2)}


def by_sympy(expr: Expr, at: dict[Symbol, int]) -> Expr:
    """``expr`` at ``at`` with every range carried out by SymPy's ``doit``.

    Sums go outermost first, so each ``doit`` sees a range with integer ends and gives
    its terms by SymPy's convention (``Sum(h(i), (i, 0, -3)).doit()`` is
    ``-h(-1) - h(-2)``); deltas and brackets are then evaluated at integers only, never
    handed to ``deltasummation``.
    """
    return _carry_out(expr.xreplace({s: sympy.Integer(v) for s, v in at.items()})).doit()


_h = sympy.Function("h")


def _carry_out(expr: sympy.Basic) -> sympy.Basic:
    if isinstance(expr, (Sum, Product)):
        (index, low, high), rest = expr.limits[-1], expr.limits[:-1]
        inner = expr.func(expr.function, *rest) if rest else expr.function
        terms = expr.func(_h(index), (index, low, high)).doit()
        return _carry_out(terms.replace(_h, lambda value: inner.xreplace({index: value})))
    if expr.is_Atom or not expr.args:
        return expr
    return expr.func(*[_carry_out(arg) for arg in expr.args])


def instances_of(expr: Expr) -> list[dict[Symbol, int]]:
    free = sorted(expr.free_symbols & set(VALUES), key=str)
    grid: list[dict[Symbol, int]] = [{}]
    for symbol in free:
        grid = [{**at, symbol: v} for at in grid for v in VALUES[symbol]]
    return grid


def assert_agrees_with_doit(expr: Expr) -> None:
    for at in instances_of(expr):
        fast, slow = instantiate(expr, at), by_sympy(expr, at)
        assert sympy.expand(fast - slow) == 0, (expr, at, fast, slow)
        assert expand_sums(expr, at) == fast


# --- drawing expressions --------------------------------------------------------------------

offsets = st.integers(-3, 3)


@st.composite
def ends(draw: st.DrawFn, outer: tuple[Symbol, ...]) -> Expr:
    """A range end: an offset plus a size of any sign or an outer index."""
    return draw(st.sampled_from((S.Zero, u, -u, n, *outer))) + draw(offsets)


@st.composite
def summands(draw: st.DrawFn, index: Symbol, outer: tuple[Symbol, ...]) -> Expr:
    """A product of an entry, a delta or a bracket in ``index``, and a polynomial."""
    other = draw(st.sampled_from((S.Zero, j, *outer)))
    linear = draw(st.sampled_from([1, 2, -1, 3])) * index + other + draw(offsets)
    entry = draw(st.sampled_from([w, x]))[linear]
    pick = draw(st.sampled_from(["delta", "bracket", "both", "none"]))
    factors: list[Expr] = [entry, draw(st.sampled_from([S.One, index, index**2, a, 1 + a]))]
    if pick in ("delta", "both"):
        factors.append(KroneckerDelta(linear, draw(st.sampled_from([j, S(2), *outer]))))
    if pick in ("bracket", "both"):
        factors.append(Iverson(draw(st.sampled_from([sympy.Le, sympy.Gt]))(linear, j)))
    return sympy.Mul(*factors)


@st.composite
def nested(draw: st.DrawFn) -> Expr:
    """A sum over ``i`` of a factor times a sum over ``k`` whose range may depend on
    ``i``, all ends of any sign."""
    inner = Sum(draw(summands(k, (i,))), (k, draw(ends((i,))), draw(ends((i,)))))
    factor = draw(st.sampled_from([S.One, g[i], KroneckerDelta(i, j), Iverson(i >= 0)]))
    return Sum(factor * inner, (i, draw(ends(())), draw(ends(()))))


@st.composite
def products(draw: st.DrawFn) -> Expr:
    """A product over a range of any sign, free of zero factors (a reversed range
    divides by it)."""
    body = draw(st.sampled_from([w[i] + 2, g[i], 1 + i**2, w[i] * Sum(g[k], (k, 0, i**2))]))
    return Product(body, (i, draw(ends(())), draw(ends(()))))


@PROPERTY
@given(st.one_of(nested(), products(), st.builds(lambda s: Sum(s, (k, 0, u)), summands(k, ()))))
@example(Sum(i, (i, 0, u)))
@example(Sum(KroneckerDelta(j, 2 * k) * g[k], (k, 0, u)))
@example(Product(i + 5, (i, 0, u)))
@example(Sum(g[i] * Sum(w[k] * KroneckerDelta(k, i + j), (k, 0, i)), (i, u, 3)))
def test_instantiate_agrees_with_doit(expr: Expr) -> None:
    assert_agrees_with_doit(expr)


@settings(PROPERTY, max_examples=30)
@given(nested(), nested())
def test_instance_mismatch_is_same_of_the_instances(left: Expr, right: Expr) -> None:
    for at in instances_of(left + right)[::5]:
        expected = same(instantiate(left, at), instantiate(right, at))[0]
        assert (instance_mismatch(left, right, at) is None) == expected, (left, right, at)
        assert instance_mismatch(left, left, at) is None


# --- the conventions, one by one ------------------------------------------------------------


def test_reversed_and_empty_ranges_follow_doit() -> None:
    assert instantiate(Sum(i, (i, 0, u)), {u: -3}) == Sum(i, (i, 0, -3)).doit() == 3
    assert instantiate(Sum(w[i], (i, 0, u)), {u: -1}) == 0
    assert instantiate(Sum(w[i], (i, 2, u)), {u: -1}) == -w[0] - w[1]
    assert instantiate(Product(i, (i, 3, u)), {u: 0}) == S.Half
    assert instantiate(Product(w[i], (i, 2, u)), {u: -1}) == 1 / (w[0] * w[1])


def test_a_reversed_product_over_zero_is_zoo_as_in_doit() -> None:
    assert instantiate(Product(i, (i, 1, u)), {u: -1}) == Product(i, (i, 1, -1)).doit()
    assert Product(i, (i, 1, -1)).doit() is S.ComplexInfinity


def test_deltas_keep_their_divisibility_condition() -> None:
    halves = Sum(KroneckerDelta(j, 2 * i) * g[i], (i, 0, 5))
    assert [instantiate(halves, {j: v}) for v in (3, 4)] == [0, g[2]]


def test_inner_ranges_depend_on_the_outer_index() -> None:
    nested_ = Sum(Sum(x[k], (k, 0, i)), (i, 0, 2))
    assert instantiate(nested_, {}) == 3 * x[0] + 2 * x[1] + x[2]
    triangle = Sum(Sum(w[k] * g[i], (k, i, u)), (i, 0, u))  # reversed inner ranges too
    for value in (-3, -1, 0, 2):
        assert sympy.expand(instantiate(triangle, {u: value}) - by_sympy(triangle, {u: value})) == 0


def test_derivatives_of_sums() -> None:
    loss = Sum(g[i] * Sum(w[k] * x[i + k], (k, 0, n - 1)), (i, 0, u))
    for value in (-2, 0, 2):
        got = instantiate(Derivative(loss, w[j]), {n: 2, u: value, j: 1})
        assert sympy.expand(got - by_sympy(Derivative(loss, w[1]), {n: 2, u: value})) == 0
    assert instantiate(Derivative(Sum(w[k] ** 2 * a, (k, 0, 2)), w[j]), {j: 1}) == 2 * a * w[1]


def test_brackets_and_free_symbols() -> None:
    counted = Sum(Iverson((i >= j) & (i <= 2 * j)), (i, 0, oo))
    assert [instantiate(counted, {j: v}, cap=20) for v in (0, 3, -1)] == [1, 4, 0]
    undecided = Sum(Iverson(i <= a) * w[i], (i, 0, 1))  # a has no value: stays a bracket
    assert instantiate(undecided, {}) == sum(Iverson(sympy.Le(v, a)) * w[v] for v in (0, 1))
    assert instantiate(Sum(a * w[i], (i, 0, n - 1)), {n: 2}) == a * w[0] + a * w[1]


def test_what_the_fast_evaluator_leaves_to_the_walk_is_still_exact() -> None:
    floats = Sum(0.5 * w[i], (i, 0, 1))
    assert instantiate(floats, {}) == 0.5 * w[0] + 0.5 * w[1]
    assert instantiate(Sum(w[i], (i, 0, n - 1)), {n - 1: 2}) == w[0] + w[1] + w[2]  # a key
    big = Product(1 + w[i], (i, 0, 19))  # 2**20 monomials if multiplied out
    start = time.perf_counter()
    assert instantiate(big, {}) == big.doit()
    assert time.perf_counter() - start < 10


def test_limits_without_values_raise() -> None:
    with pytest.raises(ValueError, match=r"the limits \(k, 0, n\) of .* give every size a value"):
        instantiate(Sum(w[k], (k, 0, n)), {})
    with pytest.raises(ValueError, match=r"are 0\.\.n \+ 1 here"):
        instance_mismatch(Sum(w[k], (k, 0, n + 1)), S.Zero, {j: 1})


def test_instance_mismatch_names_both_sides() -> None:
    left, right = Sum(w[k], (k, 0, n - 1)), Sum(w[k], (k, 1, n))
    assert instance_mismatch(left, right, {n: 2}) == (w[0] + w[1], w[1] + w[2])
    # Splitting off the first term holds at n = 0 too: Sum over 1..-1 is -w[0] (Karr).
    assert instance_mismatch(left, w[0] + Sum(w[k], (k, 1, n - 1)), {n: 0}) is None
    assert instance_mismatch(left, w[0] + Sum(w[k], (k, 1, n)), {n: 0}) == (0, w[0])
    assert instance_mismatch(left, left.doit(), {n: 3}) is None
    # The same value written two ways: decided by expanding, as symconv's same() does.
    assert instance_mismatch(Sum((1 + a) * w[k], (k, 0, 1)), (1 + a) * (w[0] + w[1]), {}) is None


def test_derive_counts_repeated_instances_and_still_checks_the_boundary() -> None:
    """Cases differing only in a symbol the step does not mention are one instance,
    carried out once but counted per case; the boundary instances still run."""
    before = Sum(Iverson(i >= 0), (i, 0, u))
    cases = [{u: v, j: free} for v in range(3) for free in (0, 1)]
    good = derive("count", before, before, Rule("same", lambda e: e), "count", cases)
    boundary = boundary_cases(before, before, cases)
    assert {case[u] for case in boundary} == {-1, -2, -3}  # lengths 0, -1, -2
    assert good.holds and good.details["instances"] == len(cases) + len(boundary)
    cheat = derive("count", before, u + 1, Rule("claim", lambda e: u + 1), "count", cases)
    assert not cheat.holds and "boundary" in cheat.mismatch[0]
