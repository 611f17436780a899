"""The index-sum rewriting rules (symconv.summation), each on its own: what it rewrites,
what it must refuse, and brute-force agreement at concrete values.

A rule that refuses leaves the expression unchanged (or raises ValueError when asked for
something it cannot do soundly); these tests pin down both sides.
"""

from __future__ import annotations

import itertools

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import (
    And,
    IndexedBase,
    KroneckerDelta,
    Mod,
    Product,
    S,
    Sum,
    Symbol,
    ceiling,
    floor,
    oo,
    symbols,
)

from symconv.general import Rule, derive
from symconv.general.theorem import boundary_cases
from symconv.summation import (
    Iverson,
    absorb_factors,
    between,
    bracket,
    condition_latex,
    decide,
    divides,
    expand_sums,
    floor_remainders,
    forall_bracket,
    indexed_to_symbols,
    instantiate,
    isolate_index,
    linear_bound,
    linear_coefficient,
    nonnegative,
    normal_form,
    ordered_range,
    refine_brackets,
    reindex,
    restrict_sum,
    scope,
    sum_kronecker,
    sums_equal,
    swap_sums,
    unevaluated_bracket,
)

i, j, k, a, c = symbols("i j k a c", integer=True)
m, n, s, d, t = symbols("m n s d t", integer=True, positive=True)
p = Symbol("p", integer=True, nonnegative=True)
x, w, g = IndexedBase("x"), IndexedBase("w"), IndexedBase("g")


# --- the bracket ------------------------------------------------------------------------------


def test_iverson_decides_what_it_can_and_waits_otherwise() -> None:
    assert Iverson(sympy.Ge(3, 0)) == 1 and Iverson(sympy.Lt(3, 0)) == 0
    assert Iverson(S.true) == 1 and Iverson(S.false) == 0
    assert isinstance(Iverson(i >= 0), Iverson)
    assert Iverson(i >= 0).subs(i, -1) == 0 and Iverson(i >= 0).subs(i, 2) == 1
    assert Iverson(i >= 0).is_integer and Iverson(i >= 0).is_nonnegative


def test_iverson_needs_a_condition() -> None:
    with pytest.raises(TypeError, match=r"an Iverson bracket needs a condition .* got i \+ 1"):
        Iverson(i + 1)


def test_iverson_survives_inside_nested_sums() -> None:
    """A Piecewise would be folded out of the inner sum by Sum's constructor, freeing k
    (sympy #12631, #17919); the bracket stays where it is."""
    inner = Sum(w[k] * Iverson(i + k <= m), (k, 0, n - 1))
    outer = Sum(g[i] * inner, (i, 0, t))
    assert outer.function == g[i] * inner
    folded = Sum(
        g[i] * Sum(w[k] * sympy.Piecewise((1, i + k <= m), (0, True)), (k, 0, n - 1)), (i, 0, t)
    )
    assert k in folded.function.free_symbols  # SymPy's Piecewise version: k escaped


def test_brackets_and_conditions_print_as_chains() -> None:
    assert condition_latex(between(c, 0, m - 1)) == r"0 \le c \le m - 1"
    assert condition_latex(divides(s, c)) == r"s \mid c"
    assert condition_latex(i < m) == r"i < m"
    assert (
        sympy.latex(bracket(x[c], between(c, 0, m - 1)))
        == r"\left[0 \le c \le m - 1\right] {x}_{c}"
    )
    assert bracket(x[c]) == x[c]
    assert unevaluated_bracket(sympy.Ge(d, 0, evaluate=False)).args[0] == sympy.Ge(
        d, 0, evaluate=False
    )


# --- bounds and decisions -----------------------------------------------------------------


def test_linear_coefficient() -> None:
    assert linear_coefficient(3 * a * s + a + 1, a) == 3 * s + 1
    assert linear_coefficient(s + 1, a) == 0
    assert linear_coefficient(a**2, a) is None
    assert linear_coefficient(x[a], a) is None
    assert linear_coefficient(floor(a / 2), a) is None


@pytest.mark.parametrize(
    "atom, remainder",
    [
        (floor(c / s), lambda v, q: v % q),
        (ceiling(c / s), lambda v, q: (-v) % q),
        (Mod(c, s), lambda v, q: v % q),
    ],
)
def test_floor_remainders_follow_the_division_theorem(atom: sympy.Expr, remainder) -> None:
    rewritten, bounds = floor_remainders(atom)
    (r,) = bounds
    assert bounds[r] == (0, s - 1) and not rewritten.has(floor, ceiling, Mod)
    for value, stride in itertools.product(range(-7, 8), range(1, 4)):
        at = {c: value, s: stride}
        assert rewritten.subs({**at, r: remainder(value, stride)}) == atom.subs(at)


def test_floor_remainders_refuse_a_quotient_that_is_not_of_integers() -> None:
    for atom in (floor(c / 2.5), floor(Symbol("y") / s), Mod(c, Symbol("q", integer=True))):
        assert floor_remainders(atom) == (atom, {})


def test_linear_bound_takes_the_right_end() -> None:
    box = {i: (0, t), k: (0, n - 1)}
    assert linear_bound(i * s + k * d, box) == 0
    assert linear_bound(i * s + k * d, box, upper=True) == d * n - d + s * t
    assert linear_bound(-i * s, box) == -s * t
    assert linear_bound(s * floor(t / s) - t, {}, upper=True) == 0
    assert linear_bound(s * floor(t / s) - t, {}) == 1 - s


def test_linear_bound_follows_bounds_that_mention_other_indices() -> None:
    assert linear_bound(k, {k: (0, i), i: (0, t)}, upper=True) == t


@pytest.mark.parametrize(
    "expr, box",
    [
        (i * k, {i: (0, t), k: (0, n)}),  # not linear
        (i * c, {i: (0, t)}),  # coefficient of unknown sign
        (x[i], {i: (0, t)}),  # i inside an index
    ],
)
def test_linear_bound_refuses(expr: sympy.Expr, box: dict) -> None:
    assert linear_bound(expr, box) is None


def test_linear_bound_with_an_infinite_range() -> None:
    assert linear_bound(i, {i: (0, oo)}, upper=True) is S.Infinity
    assert linear_bound(-i, {i: (0, oo)}) is S.NegativeInfinity
    assert linear_bound(i, {i: (0, oo)}) == 0


def test_nonnegative_uses_facts() -> None:
    assert nonnegative(m + n) and not nonnegative(m - n)
    assert nonnegative(m - n, facts=[m - n - 1])
    assert not nonnegative(m - n, facts=[2 * m - n])  # no unit coefficient to solve with


def test_decide() -> None:
    box = {i: (0, floor(c / s))}
    assert decide(i * s <= c, box) is True
    assert decide(i * s <= c - 1, box) is None
    assert decide(i >= 0, box) is True
    assert decide(i < 0, box) is False
    assert decide(s * (floor(c / s) + 1) <= c, {}) is False
    assert decide(sympy.Eq(i, -1), box) is False
    assert decide(sympy.Ne(i, -1), box) is True
    assert decide(sympy.Eq(i, i), box) is True
    assert decide(sympy.Eq(i, 1), box) is None
    assert decide(And(i >= 0, i * s <= c), box) is True
    assert decide(sympy.Or(i < 0, i * s <= c), box) is True
    assert decide(sympy.Or(i < 0, i > c), box) is None
    assert decide(sympy.Not(i < 0), box) is True
    assert decide(S.true, {}) is True and decide(S.false, {}) is False
    assert decide(Symbol("b") >= 0, {}) is None  # not an integer: no shift by one


@settings(max_examples=60, deadline=None)
@given(
    st.integers(-3, 3),
    st.integers(-3, 3),
    st.integers(-6, 6),
    st.integers(0, 4),
    st.integers(0, 4),
    st.sampled_from(["<=", "<", ">=", ">", "=="]),
)
def test_decide_is_sound(ca: int, ck: int, const: int, top_i: int, top_k: int, op: str) -> None:
    """Whenever decide answers, brute force over the box agrees."""
    relation = {"<=": sympy.Le, "<": sympy.Lt, ">=": sympy.Ge, ">": sympy.Gt, "==": sympy.Eq}
    condition = relation[op](ca * i + ck * k + const, 0)
    if condition in (S.true, S.false):
        return
    verdict = decide(condition, {i: (0, top_i), k: (0, top_k)})
    truths = {
        bool(condition.subs({i: u, k: v})) for u in range(top_i + 1) for v in range(top_k + 1)
    }
    if verdict is not None:
        assert truths == {verdict}


def test_refine_brackets_drops_what_the_bounds_decide() -> None:
    picked = sum_kronecker(Sum(KroneckerDelta(j, k) * x[i + k], (k, 0, n - 1)))
    assert refine_brackets(picked, {j: (0, n - 1)}) == x[i + j]


def test_refine_brackets_refuses_when_the_bounds_do_not_contain_the_index() -> None:
    picked = sum_kronecker(Sum(KroneckerDelta(j, k) * x[i + k], (k, 0, n - 1)))
    kept = refine_brackets(picked, {j: (0, n)})  # j = n is allowed: its check stays
    assert kept == x[i + j] * Iverson(j <= n - 1)
    assert refine_brackets(picked, {}) == picked  # nothing known: nothing dropped


def test_refine_brackets_uses_the_enclosing_sums_limits() -> None:
    inner = x[i + k] * Iverson(between(i + k, 0, m - 1))
    assert refine_brackets(Sum(inner, (k, 0, n - 1)), {i: (0, m - n)}) == Sum(
        x[i + k], (k, 0, n - 1)
    )
    assert refine_brackets(Sum(inner, (k, 0, n)), {i: (0, m - n)}) == Sum(
        x[i + k] * Iverson(i + k <= m - 1), (k, 0, n)
    )


def test_refine_brackets_with_a_floor_bound() -> None:
    """The valid-padding case: i <= floor((m - d(n-1) - 1)/s) keeps every tap in range."""
    room = m - d * (n - 1) - 1
    inner = x[i * s + k * d] * Iverson(between(i * s + k * d, 0, m - 1))
    refined = refine_brackets(Sum(inner, (k, 0, n - 1)), {i: (0, floor(room / s))}, [room])
    assert refined == Sum(x[i * s + k * d], (k, 0, n - 1))
    # One output too far: the upper check cannot be dropped.
    kept = refine_brackets(Sum(inner, (k, 0, n - 1)), {i: (0, floor(room / s) + 1)}, [room])
    assert kept.has(Iverson)


# --- solving for an index, products of brackets, cutting ranges ------------------------------


def test_isolate_index() -> None:
    assert isolate_index((i * s >= 0) & (i * s <= c), i) == (i >= 0) & (i <= floor(c / s))
    assert isolate_index(i * s < c, i) == (i <= floor((c - 1) / s))
    assert isolate_index(-i * s <= c, i) == (i >= ceiling(-c / s))
    assert isolate_index(i * s > c, i) == (i >= ceiling((c + 1) / s))


@pytest.mark.parametrize(
    "condition",
    [i * a <= c, i**2 <= c, sympy.Eq(i, c), i * Symbol("r") < 1, k <= c],
)
def test_isolate_index_leaves_what_it_cannot_solve(condition: sympy.Basic) -> None:
    assert isolate_index(condition, i) == condition


@pytest.mark.parametrize("value, stride", list(itertools.product(range(-5, 9), range(1, 4))))
def test_isolate_index_is_exact_for_integers(value: int, stride: int) -> None:
    solved = isolate_index(i * s <= c, i).subs({s: stride, c: value})
    for candidate in range(-6, 10):
        assert bool(solved.subs(i, candidate)) == (candidate * stride <= value)


def test_forall_bracket() -> None:
    taps = Product(Iverson(between(i + k * d, 0, m - 1)), (k, 0, n - 1))
    assert forall_bracket(taps) == Iverson(And(i >= 0, i + d * (n - 1) <= m - 1))


@pytest.mark.parametrize(
    "product",
    [
        Product(Iverson(i + k * c <= m), (k, 0, n - 1)),  # sign of c unknown
        Product(Iverson(i + k <= m), (k, 0, a)),  # a may be negative: empty range
        Product(Iverson(sympy.Eq(i, k)), (k, 0, n - 1)),  # not an inequality
        Product(x[k], (k, 0, n - 1)),  # not a bracket
    ],
)
def test_forall_bracket_refuses(product: Product) -> None:
    assert forall_bracket(product) == product


@pytest.mark.parametrize("top, stride, dil, size", [(3, 1, 1, 5), (4, 2, 3, 9), (2, 1, 2, 3)])
def test_forall_bracket_agrees_with_the_product(top: int, stride: int, dil: int, size: int) -> None:
    taps = Product(Iverson(between(i * s + k * d, 0, m - 1)), (k, 0, n - 1))
    worst = forall_bracket(taps)
    values = {n: top, s: stride, d: dil, m: size}
    for start in range(-2, 6):
        at = {**values, i: start}
        assert expand_sums(taps, at) == worst.subs(at)


def test_restrict_sum_cuts_the_range() -> None:
    u = Symbol("u", integer=True, nonnegative=True)
    assert restrict_sum(Sum(Iverson((i >= 0) & (i <= u)), (i, 0, oo))) == Sum(1, (i, 0, u))
    assert restrict_sum(Sum(x[i] * Iverson(i * s <= u), (i, 0, oo))) == Sum(
        x[i], (i, 0, floor(u / s))
    )
    assert restrict_sum(Sum(x[i] * Iverson(i <= u), (i, 0, u + 5))) == Sum(x[i], (i, 0, u))


@pytest.mark.parametrize(
    "expr",
    [
        Sum(Iverson((i >= 0) & (i <= c)), (i, 0, oo)),  # c may be < -1: not a count
        Sum(Iverson(i <= c), (i, 0, m)),  # which of c and m is smaller is unknown
        Sum(Iverson(i * i <= c), (i, 0, oo)),  # not linear
        Sum(x[i] * Iverson(i <= m) * Iverson(i >= 1), (i, 0, oo)),  # two brackets
        Sum(Iverson(i <= m), (i, 0, oo), (k, 0, n)),  # two limits
    ],
)
def test_restrict_sum_refuses(expr: Sum) -> None:
    assert restrict_sum(expr) == expr


# --- summing a Kronecker delta ----------------------------------------------------------------


def test_sum_kronecker_with_unit_coefficients() -> None:
    assert sum_kronecker(Sum(KroneckerDelta(j, k) * x[k], (k, 0, n - 1))) == x[j] * Iverson(
        between(j, 0, n - 1)
    )
    # Coefficient -1 (j = t - k): the text-book convolution's delta.
    assert sum_kronecker(Sum(KroneckerDelta(t - j, k) * x[j], (j, 0, m - 1))) == x[t - k] * Iverson(
        between(t - k, 0, m - 1)
    )


def test_sum_kronecker_keeps_the_divisibility_bracket() -> None:
    strided = sum_kronecker(Sum(KroneckerDelta(j, 2 * i) * g[i], (i, 0, 5)))
    for value in range(-2, 13):
        expected = g[value // 2] if value % 2 == 0 and 0 <= value <= 10 else 0
        assert strided.subs(j, value) == expected
    symbolic = sum_kronecker(Sum(KroneckerDelta(j, i * s + k * d - p) * g[i], (i, 0, t)))
    assert symbolic.has(Mod) and symbolic.has(g[sympy.expand((j - k * d + p) / s)])


def test_sympy_drops_the_divisibility_condition() -> None:
    """The reason for sum_kronecker's divisibility bracket: if this starts failing, SymPy's
    deltasummation has been fixed and the workaround note can go."""
    sympys = Sum(KroneckerDelta(j, 2 * i) * g[i], (i, 0, 5)).doit()
    assert sympys.subs(j, 3) == g[sympy.Rational(3, 2)]


@settings(max_examples=40, deadline=None)
@given(st.integers(-3, 3).filter(bool), st.integers(-4, 4), st.integers(0, 5), st.integers(-8, 8))
def test_sum_kronecker_matches_brute_force(
    coefficient: int, offset: int, top: int, value: int
) -> None:
    summed = sum_kronecker(Sum(KroneckerDelta(j, coefficient * i + offset) * g[i], (i, 0, top)))
    brute = sum((g[u] for u in range(top + 1) if value == coefficient * u + offset), S.Zero)
    assert summed.subs(j, value) == brute


def test_sum_kronecker_prefers_a_unit_coefficient() -> None:
    both = Sum(KroneckerDelta(j, 2 * k) * KroneckerDelta(k, a) * w[k], (k, 0, n - 1))
    assert sum_kronecker(both) == KroneckerDelta(j, 2 * a) * w[a] * Iverson(between(a, 0, n - 1))


def test_sum_kronecker_picks_the_sum_it_is_asked_for() -> None:
    double = Sum(
        KroneckerDelta(j, k) * KroneckerDelta(i, a) * x[j] * w[i], (j, 0, m - 1), (i, 0, n - 1)
    )
    over_i = sum_kronecker(double, i)
    picked = KroneckerDelta(j, k) * x[j] * w[a] * Iverson(between(a, 0, n - 1))
    assert over_i == Sum(picked, (j, 0, m - 1))
    assert sum_kronecker(double, j) == Sum(
        KroneckerDelta(i, a) * w[i] * x[k] * Iverson(between(k, 0, m - 1)), (i, 0, n - 1)
    )


@pytest.mark.parametrize(
    "expr",
    [
        Sum(KroneckerDelta(j, k) * x[k], (i, 0, n)),  # the delta does not involve i
        Sum(KroneckerDelta(j, k / 2) * x[k], (k, 0, n)),  # coefficient 1/2
        Sum(KroneckerDelta(j, Symbol("r") * k) * x[k], (k, 0, n)),  # not known to be an integer
        Sum(KroneckerDelta(j, k**2) * x[k], (k, 0, n)),  # not linear
        Sum(x[k], (k, 0, n)),  # no delta
        Sum(Sum(KroneckerDelta(j, k) * x[j], (j, 0, k)), (k, 0, n)),  # inner range needs k
    ],
)
def test_sum_kronecker_leaves_what_it_cannot_sum(expr: Sum) -> None:
    assert sum_kronecker(expr, k) == expr


def test_sum_kronecker_refuses_to_capture_an_index() -> None:
    captured = Sum(KroneckerDelta(j, k) * Sum(x[j + k], (k, 0, m)), (j, 0, n))
    with pytest.raises(ValueError, match=r"would capture \['k'\], bound by an inner sum"):
        sum_kronecker(captured, j)


# --- moving factors and sums ----------------------------------------------------------------


def test_absorb_factors() -> None:
    assert absorb_factors(Sum(x[j] * Sum(w[k], (k, 0, n)), (j, 0, m))) == Sum(
        w[k] * x[j], (k, 0, n), (j, 0, m)
    )
    # A product of two sums becomes the double sum.
    assert absorb_factors(g[i] * Sum(w[k], (k, 0, n)) * Sum(x[j], (j, 0, m))) == Sum(
        g[i] * w[k] * x[j], (j, 0, m), (k, 0, n)
    )


def test_absorb_factors_will_not_capture() -> None:
    outside = x[k] * Sum(w[k], (k, 0, n))  # the x[k] outside is another k
    assert absorb_factors(outside) == outside


def test_swap_sums() -> None:
    chain = Sum(x[j] * Sum(w[k], (k, 0, n)), (j, 0, m))
    assert swap_sums(chain, j, k) == Sum(w[k] * x[j], (j, 0, m), (k, 0, n))
    three = Sum(g[i] * Sum(x[j] * Sum(w[k], (k, 0, n)), (j, 0, m)), (i, 0, t))
    assert swap_sums(three, j, k) == Sum(g[i] * w[k] * x[j], (j, 0, m), (k, 0, n), (i, 0, t))
    assert swap_sums(three, (i, j), k).limits[-1] == (k, 0, n)


def test_swap_sums_refuses_dependent_ranges_and_missing_sums() -> None:
    with pytest.raises(ValueError, match=r"limits \(k, 0, j\) depend on another index"):
        swap_sums(Sum(Sum(w[k], (k, 0, j)), (j, 0, m)), j, k)
    with pytest.raises(ValueError, match=r"no chain of sums over \['i', 'k'\]"):
        swap_sums(Sum(w[k], (k, 0, n)), i, k)


def test_reindex() -> None:
    assert reindex(x[i] * Sum(w[k], (k, 0, n - 1)), k, n - 1 - k) == x[i] * Sum(
        w[n - 1 - k], (k, 0, n - 1)
    )
    assert reindex(Sum(w[k], (k, 0, n - 1)), k, k + 1, a) == Sum(w[a - 1], (a, 1, n))
    with pytest.raises(ValueError, match=r"no sum over k in"):
        reindex(x[k], k, n - k)


def test_reindex_needs_a_unit_coefficient() -> None:
    with pytest.raises(ValueError):  # SymPy's change_index refuses a stretch
        reindex(Sum(w[k], (k, 0, n)), k, 2 * k)


# --- comparing and instantiating --------------------------------------------------------------


def test_sums_equal_sees_through_factor_placement_and_limit_order() -> None:
    left = Sum(x[j] * Sum(w[k], (k, 0, n)), (j, 0, m))
    right = Sum(Sum(w[k] * x[j], (j, 0, m)), (k, 0, n))
    assert sums_equal(left, right) == (True, "normal form")
    assert sums_equal(left, left) == (True, "identical")
    assert sums_equal(left, right + 1)[0] is False
    assert sums_equal(Sum(x[j], (j, 0, m)), Sum(x[j + 1], (j, 0, m)))[0] is False


def test_normal_form_reads_relations_and_indices_one_way() -> None:
    one = x[(c + k) / s] * Iverson(c <= m)
    other = x[c / s + k / s] * Iverson(m - c >= 0)
    assert normal_form(one) == normal_form(other)
    merged = normal_form(Iverson(c >= 0) * Iverson(c <= m) * x[c])
    assert merged.has(Iverson) and len(merged.atoms(Iverson)) == 1


def test_expand_sums_goes_term_by_term() -> None:
    nested = Sum(Sum(x[j], (j, 0, k)), (k, 0, 2))  # the inner range depends on k
    assert expand_sums(nested) == 3 * x[0] + 2 * x[1] + x[2]
    assert expand_sums(Product(w[k], (k, 0, 2))) == w[0] * w[1] * w[2]
    assert expand_sums(sympy.Derivative(Sum(w[k] * x[k], (k, 0, 2)), w[a]), {a: 1}) == x[1]
    assert expand_sums(Sum(Iverson(i <= 3), (i, 0, oo)), cap=10) == 4
    with pytest.raises(ValueError, match=r"the limits \(k, 0, n\) of .* give every size a value"):
        expand_sums(Sum(w[k], (k, 0, n)))


def test_instantiate() -> None:
    assert instantiate(Sum(w[k], (k, 0, n - 1)), {n: 3}) == w[0] + w[1] + w[2]


def test_indexed_to_symbols() -> None:
    assert indexed_to_symbols(x[2] + w[1, 0]) == Symbol("x2") + Symbol("w1_0")
    with pytest.raises(ValueError, match=r"x\[k\] has a non-integer index"):
        indexed_to_symbols(x[k])


# --- side conditions: reversed ranges, integer indices (issue 15) ---------------------------

u = Symbol("u", integer=True)  # a size of unknown sign: 0..u is reversed for u < -1


def test_sympys_convention_for_reversed_ranges() -> None:
    """What the rules must respect: a reversed sum is negated, not zero."""
    assert Sum(i, (i, 0, -3)).doit() == 3 and Sum(i, (i, 0, -1)).doit() == 0
    assert Sum(S.One, (i, 0, u)).doit() == u + 1  # also -2 at u = -3
    assert Product(i, (i, 3, 0)).doit() == S.Half  # 1/(1*2)


def test_ordered_range() -> None:
    assert ordered_range(0, n - 1) and ordered_range(0, oo) and ordered_range(5, 4)
    assert not ordered_range(0, u) and not ordered_range(5, 3)
    assert ordered_range(0, u, facts=[u + 1]) and ordered_range(0, u, {u: (0, m)})
    assert not ordered_range(0, S.Half)  # not integer limits


def test_scope_bounds_an_index_only_on_an_ordered_range() -> None:
    assert scope([(k, 0, n - 1)], {})[0] == {k: (0, n - 1)}
    assert scope([(k, 0, u)], {})[0] == {}
    # Inside a sum over k, what the caller said about another k no longer applies.
    assert scope([(k, 0, u)], {k: (0, 3), j: (0, k)}, [k - 1]) == ({}, ())


def test_the_issue_example_fails_in_derive() -> None:
    """Issue 15: refine_brackets used the limits 0..u as bounds of i even when u < -1,
    turned the sum into a count u + 1, and derive checked it only at u = 0..4."""
    step = derive(
        "c",
        Sum(Iverson(i >= 0), (i, 0, u)),
        u + 1,
        Rule("r", lambda e: refine_brackets(e, {}).doit()),
        "in range",
        [{u: v} for v in range(5)],
    )
    assert step.holds is False
    assert refine_brackets(Sum(Iverson(i >= 0), (i, 0, u)), {}) == Sum(Iverson(i >= 0), (i, 0, u))
    assert expand_sums(Sum(Iverson(i >= 0), (i, 0, u)), {u: -3}) == 0  # and u + 1 is -2


def test_derive_checks_the_empty_and_reversed_ranges() -> None:
    """A rule that returns the claim passes the symbolic check; only u = -2 (the range
    0..u reversed by one) shows that the bracket sum is 0 there, not u + 1 = -1."""
    before = Sum(Iverson(i >= 0), (i, 0, u))
    step = derive("cheat", before, u + 1, Rule("cheat", lambda e: u + 1), "count", [{u: 0}, {u: 4}])
    assert step.holds is False
    assert step.mismatch == ("u=-2 (boundary: an empty or reversed range)", 0, -1)
    assert boundary_cases(before, u + 1, [{u: 0}, {u: 4}]) == [{u: 0 + v} for v in (-1, -2, -3)]
    honest = derive(
        "count", Sum(S.One, (i, 0, u)), u + 1, Rule("doit", lambda e: e.doit()), "count", [{u: 2}]
    )
    assert honest.holds and "3 with an empty or reversed range" in honest.method


def test_boundary_cases_leave_sizes_with_a_sign_alone() -> None:
    assert boundary_cases(Sum(x[k], (k, 0, n - 1)), x[0], [{n: 3}]) == []
    assert boundary_cases(Sum(x[k], (k, 0, oo)), x[0], [{n: 3}]) == []
    nested = Sum(Sum(x[k], (k, 0, j)), (j, 0, 3))  # the inner range depends on j: skipped
    assert boundary_cases(nested, x[0], [{}]) == []


def test_isolate_index_needs_an_integer_index() -> None:
    real = Symbol("t", real=True)
    with pytest.raises(
        ValueError, match=r"isolate_index needs an integer index, but t is not known to be"
    ):
        isolate_index(2 * real <= 3, real)
    # A real index rounded as an integer would say t <= 1, false at t = 3/2.
    assert isolate_index(2 * i <= 3, i) == (i <= 1)


def test_isolate_index_leaves_a_part_whose_limit_is_not_real() -> None:
    complex_ = Symbol("z")
    assert isolate_index(i <= complex_, i) == (i <= complex_)


@pytest.mark.parametrize(
    "rule",
    [
        lambda e: refine_brackets(e, {}),
        sum_kronecker,
        restrict_sum,
    ],
)
@pytest.mark.parametrize(
    "expr",
    [
        Sum(x[i] * Iverson(i >= 0), (i, 0, u)),
        Sum(x[i] * KroneckerDelta(i, j), (i, 0, u)),
        Sum(x[i] * KroneckerDelta(2 * i, j), (i, 0, u)),
        Sum(x[i] * Iverson((i >= 0) & (i <= m)), (i, 0, u)),
    ],
)
def test_rules_refuse_a_range_that_may_be_reversed(rule, expr: Sum) -> None:
    assert rule(expr) == expr


def test_rules_accept_the_range_once_a_fact_orders_it() -> None:
    ordered = [u + 1]  # u >= -1: the range 0..u is empty or ordered
    assert refine_brackets(Sum(x[i] * Iverson(i >= 0), (i, 0, u)), {}, ordered) == Sum(
        x[i], (i, 0, u)
    )
    assert sum_kronecker(Sum(x[i] * KroneckerDelta(i, j), (i, 0, u)), facts=ordered) == x[
        j
    ] * Iverson(between(j, 0, u))
    assert restrict_sum(Sum(x[i] * Iverson(i <= m), (i, 0, u + m + 1)), {}, ordered) == Sum(
        x[i], (i, 0, m)
    )


def test_the_limits_of_an_enclosing_sum_order_an_inner_range() -> None:
    inner = Sum(x[i] * KroneckerDelta(i, j), (i, 0, k))
    assert sum_kronecker(Sum(inner, (k, 0, n))) == Sum(x[j] * Iverson(between(j, 0, k)), (k, 0, n))
    assert sum_kronecker(Sum(inner, (k, -5, n))) == Sum(inner, (k, -5, n))  # k < -1 reverses


def test_refine_brackets_ignores_bounds_on_a_shadowed_index() -> None:
    """bounds speak of the free i; inside the sum i is another, maybe reversed, index."""
    expr = Sum(x[i] * Iverson(i >= 0), (i, 0, u))
    assert refine_brackets(expr, {i: (0, 5)}) == expr
    assert refine_brackets(expr, {}, facts=[i]) == expr


def test_forall_bracket_refuses_a_range_that_may_be_empty_or_reversed() -> None:
    product = Product(Iverson(k <= 0), (k, 1, u))  # empty at u = 0: 1, the bracket [1 <= 0] 0
    assert forall_bracket(product) == product
    assert forall_bracket(product, facts=[u - 1]) == Iverson(u <= 0)  # u >= 1: k = u fails
    half = Product(Iverson(k <= m), (k, 0, S.Half))  # not integer limits
    assert forall_bracket(half) == half


def test_sum_kronecker_needs_an_integer_solution_and_integer_limits() -> None:
    halves = Sum(x[i] * KroneckerDelta(i, j + S.Half), (i, 0, n))  # never hit by an integer i
    assert sum_kronecker(halves) == halves
    odd = Sum(x[i] * KroneckerDelta(i, j), (i, S.Half, n))  # i runs over 1/2, 3/2, ...
    assert sum_kronecker(odd) == odd


def test_sum_kronecker_refuses_to_substitute_into_a_rebound_index() -> None:
    shadowed = Sum(KroneckerDelta(k, j) * Sum(w[k], (k, 0, m)), (k, 0, n))
    with pytest.raises(ValueError, match=r"would capture \['k'\]"):
        sum_kronecker(shadowed, k)


def test_swap_sums_accepts_reversed_ranges_and_refuses_infinite_ones() -> None:
    reversed_ = Sum(x[j] * Sum(w[k], (k, 0, u)), (j, 0, m))
    swapped = swap_sums(reversed_, j, k)
    for value in (-4, -1, 2):
        at = {u: value, m: 2}
        assert sympy.expand(expand_sums(swapped, at) - expand_sums(reversed_, at)) == 0
    with pytest.raises(ValueError, match=r"the range \(k, 0, oo\) is infinite"):
        swap_sums(Sum(x[j] * Sum(w[k], (k, 0, oo)), (j, 0, m)), j, k)


def test_reindex_reverses_a_reversed_range_exactly() -> None:
    expr = Sum(w[k] * k, (k, 0, u))
    flipped = reindex(expr, k, u - k)
    for value in (-4, -2, -1, 0, 3):
        assert expand_sums(flipped, {u: value}) == expand_sums(expr, {u: value})


@pytest.mark.parametrize(
    "image, new, message",
    [
        (s * k, None, r"reindex needs an image k \+ c or c - k"),
        (k + S.Half, None, r"reindex needs an integer shift, got 1/2"),
        (k + 1, i, r"cannot rename k to i in .*: i is free there"),
        (k + a, a, r"cannot rename k to a: the image a \+ k mentions it"),
        (k + 1, j, r"an inner sum binds j"),
    ],
)
def test_reindex_refuses_what_change_index_would_get_wrong(image, new, message: str) -> None:
    expr = Sum(w[k] * x[i] * Sum(g[j], (j, 0, k)), (k, 0, n))
    with pytest.raises(ValueError, match=message):
        reindex(expr, k, image, new)


def test_reindex_refuses_a_sum_whose_other_limits_depend_on_the_index() -> None:
    with pytest.raises(ValueError, match=r"the limits of j depend on k"):
        reindex(Sum(w[k] * g[j], (j, 0, k), (k, 0, n)), k, k + 1)


def test_expand_sums_follows_sympys_convention_on_reversed_ranges() -> None:
    assert expand_sums(Sum(k, (k, 0, u)), {u: -3}) == Sum(k, (k, 0, -3)).doit() == 3
    assert expand_sums(Sum(w[k], (k, 0, u)), {u: -1}) == 0
    assert expand_sums(Product(k, (k, 3, u)), {u: 0}) == Product(k, (k, 3, 0)).doit()
    assert instantiate(Sum(w[k], (k, 2, u)), {u: -1}) == -w[0] - w[1]
