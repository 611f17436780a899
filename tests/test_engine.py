"""The fast road must build exactly what SymPy builds, and differentiate exactly."""

from __future__ import annotations

import random

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import Add, Dummy, Mul, Symbol, sin

from symconv.core import engine
from symconv.core.engine import TermIndex, derivative, dot, product, same, session, total

NAMES = ["a", "b", "z", "x0", "x10", "x9", "w2", "W", "_q", "g1"]
ASSUMPTIONS = [{}, {"real": True}, {"positive": True}, {"integer": True}]


def make_symbols(seed: int, count: int) -> list[Symbol]:
    rng = random.Random(seed)
    pool = {Symbol(n, **a) for n in NAMES for a in ASSUMPTIONS}
    return rng.sample(sorted(pool, key=str), count)


@given(st.integers(0, 10_000), st.integers(1, 4))
@settings(max_examples=200, deadline=None)
def test_product_equals_mul(seed, count):
    factors = make_symbols(seed, count)
    built = product(factors)
    assert built == Mul(*factors)
    assert built.args == Mul(*factors).args
    with session():
        assert product(factors) == Mul(*factors)


@given(st.integers(0, 10_000), st.integers(2, 8))
@settings(max_examples=200, deadline=None)
def test_total_equals_add(seed, count):
    rng = random.Random(seed)
    syms = make_symbols(seed, 8)
    terms = [product(rng.sample(syms, rng.randint(1, 3))) for _ in range(count)]
    expected = Add(*terms)  # includes repeated terms and lone symbols
    assert total(terms) == expected
    with session():
        assert total(terms) == expected
        assert total(list(reversed(terms))).args == expected.args


def test_slow_road_for_numbers_powers_and_noncommuting():
    a, b = sympy.symbols("a b")
    n1, n2 = sympy.symbols("n1 n2", commutative=False)
    d = Dummy("d")
    assert product((2, a)) == 2 * a
    assert product((a, a)) == a**2
    assert product((n2, n1)) == n2 * n1 != n1 * n2
    assert product((d, a)) == d * a
    assert total([a * b, a * b]) == 2 * a * b
    assert total([]) == 0
    assert dot([(a, 0), (0, b), (a, b)]) == a * b


def test_derivative_is_the_product_rule():
    a, b, c = sympy.symbols("a b c")
    for factors in [(a, b, c), (a, a, b), (sin(a), a, sympy.Integer(3)), (a**2, b), (b, c)]:
        assert sympy.expand(derivative(factors, a) - sympy.diff(Mul(*factors), a)) == 0


@given(st.integers(0, 10_000))
@settings(max_examples=60, deadline=None)
def test_term_index_gradient_matches_diff(seed):
    rng = random.Random(seed)
    syms = sympy.symbols("p0:6")
    terms = []
    for _ in range(rng.randint(1, 12)):
        factors = [rng.choice(syms) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.2:
            factors.append(sympy.Integer(rng.randint(-3, 3)))
        if rng.random() < 0.1:
            factors.append(sin(rng.choice(syms)))
        terms.append(tuple(factors))
    index = TermIndex(terms)
    whole = Add(*[Mul(*t) for t in terms])
    assert sympy.expand(index.expression() - whole) == 0
    wanted = list(syms) + [syms[0]]  # a symbol asked for twice gets its gradient twice
    in_one_pass = index.gradients(wanted)
    assert len(in_one_pass) == len(wanted)
    for s, found in zip(wanted, in_one_pass):
        assert sympy.expand(index.gradient(s) - sympy.diff(whole, s)) == 0
        assert sympy.expand(found - sympy.diff(whole, s)) == 0


@given(st.integers(0, 10_000))
@settings(max_examples=150, deadline=None)
def test_term_index_gradients_are_what_add_builds(seed):
    """The integer order codes give every gradient SymPy's own canonical order: names
    whose string order is not their index order, assumptions, products of 2 to 4
    symbols (gradient terms of different lengths in one sum), factors in any order."""
    rng = random.Random(seed)
    syms = make_symbols(seed, 9)
    terms = [tuple(rng.sample(syms, rng.randint(2, 4))) for _ in range(rng.randint(1, 14))]
    wanted = rng.sample(syms, 4)
    whole = Add(*[Mul(*t) for t in terms])
    with session():
        found = TermIndex(terms).gradients(wanted)
    for s, gradient in zip(wanted, found):
        expected = Add(*[Mul(*t).diff(s) for t in terms if s in t])
        assert gradient == expected and gradient.args == expected.args
        assert sympy.expand(gradient - sympy.diff(whole, s)) == 0


def test_term_index_sees_equal_symbols_made_apart_as_one():
    """Ranks go by key, not by object: a twin of x (equal, not identical) in a term is
    a repeated factor, and asking for the twin finds x's gradient."""
    g, x, y = sympy.symbols("g x y")
    twin = Symbol.__xnew__(Symbol, "x")
    assert twin == x and twin is not x
    index = TermIndex([(g, x, twin), (g, x, y)])
    assert index.plain == bytearray([0, 1])
    assert sympy.expand(index.gradient(twin) - (2 * g * x + g * y)) == 0
    assert index.gradients([y, twin]) == index.gradients([y, x])


@given(st.integers(0, 10_000))
@settings(max_examples=100, deadline=None)
def test_term_index_orders_loss_shaped_gradients(seed):
    """Many three-symbol terms (the loss's g*w*x) over few symbols: each gradient sums
    several two-symbol products, whose order the inlined codes decide."""
    rng = random.Random(seed)
    syms = make_symbols(seed, 7)
    terms = [tuple(rng.sample(syms, 3)) for _ in range(25)]
    with session():
        found = TermIndex(terms).gradients(syms)
    for s, gradient in zip(syms, found):
        expected = Add(*[Mul(*t).diff(s) for t in terms if s in t])
        assert gradient == expected and gradient.args == expected.args


def test_term_index_long_products_keep_their_codes_as_python_ints():
    """Twenty-factor terms over thirty symbols: codes pass 2**63, beyond an int64
    array, and the gradients are still exactly Add's."""
    rng = random.Random(7)
    syms = sympy.symbols("p0:30")
    terms = [tuple(rng.sample(syms, 20)) for _ in range(12)]
    with session():
        found = TermIndex(terms).gradients(syms[:6])
    for s, gradient in zip(syms[:6], found):
        expected = Add(*[Mul(*t).diff(s) for t in terms if s in t])
        assert gradient == expected and gradient.args == expected.args


@given(st.lists(st.lists(st.integers(0, 6), min_size=0, max_size=3), min_size=2, max_size=8))
def test_order_code_orders_as_length_then_digits(numbers):
    from symconv.core.engine import order_code

    codes = [order_code(digits, 7) for digits in numbers]
    by_tuple = sorted(range(len(numbers)), key=lambda i: (len(numbers[i]), numbers[i]))
    by_code = sorted(range(len(numbers)), key=codes.__getitem__)
    assert [numbers[i] for i in by_code] == [numbers[i] for i in by_tuple]
    assert len(set(codes)) == len({tuple(d) for d in numbers})


def test_gradients_in_one_pass_equal_gradient_one_at_a_time():
    g, u, x, y = sympy.symbols("g u x y")
    index = TermIndex([(g, u, x), (y,), (g, x, y)])
    assert index.gradients([x, y, u]) == [g * u + g * y, g * x + 1, g * x]
    assert index.gradients([x, y, u]) == [index.gradient(s) for s in (x, y, u)]
    assert index.gradients([sympy.Symbol("absent")]) == [0]


def test_same_says_how():
    a, b, w = sympy.symbols("a b w")
    assert same(a * w + b * w, w * b + a * w) == (True, "identical")
    assert same((a + b) * w, a * w + b * w) == (True, "expand")
    assert same(1 / (a + 1) + a / (a + 1), sympy.Integer(1))[0]
    assert same(a * w, b * w) == (False, "expand")


def test_session_restores_the_collector():
    import gc

    assert gc.isenabled()
    with session():
        assert not gc.isenabled()
        with session():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), session():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_leaving_a_session_sets_off_no_pass_over_its_result():
    import gc

    started: list[str] = []

    def watch(phase: str, info: dict) -> None:
        started.append(phase)

    x, w = sympy.symbols("x:3000"), sympy.symbols("w:3")
    try:
        with session():
            outputs = [dot(zip(w, x[i : i + 3])) for i in range(2998)]
            gc.callbacks.append(watch)
        young = gc.get_count()[0]
    finally:
        gc.callbacks.remove(watch)
    # With a bare gc.enable() the count holds every object made in the session, and the
    # first allocation after it collects generation 0: a pass over all of the outputs.
    assert started == [] and young < gc.get_threshold()[0]
    assert gc.isenabled() and len(outputs) == 2998
    junk: list[object] = []
    junk.append(junk)  # the collector still runs, and finds cycles made afterwards
    del junk
    assert gc.collect() >= 1


def test_leaving_a_session_keeps_a_programs_frozen_objects_frozen():
    import gc

    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with session():
            pass
        assert gc.get_freeze_count() > frozen - 100 and gc.isenabled()  # not unfrozen
    finally:
        gc.unfreeze()


def test_total_of_mixed_and_like_terms_equals_add():
    a, b, c = sympy.symbols("a b c")
    for terms in ([a * b, b * c, a * c], [a * b, a * b], [a, b * c, 2 * a], [], [b * c]):
        assert total(terms) == Add(*terms)


def test_a_big_sum_of_the_same_terms_is_built_once_per_session():
    from symconv.core.engine import SUM_MEMO_MIN

    a, b = sympy.symbols("a:40"), sympy.symbols("b:40")
    with session():
        terms = [product((a[i], b[(i * 7) % 40])) for i in range(40)]
        first = total(terms)
        shuffled = terms[::-1]
        again = total(shuffled)
        keyed_again = total(terms[5:] + terms[:5])
        fewer = total(terms[1:])
    assert len(terms) >= SUM_MEMO_MIN
    assert first == Add(*terms) and again is first and keyed_again is first
    assert fewer == Add(*terms[1:]) and fewer is not first


def test_a_remembered_sum_needs_exactly_the_same_terms():
    from symconv.core.engine import ACTIVE, remembered_sum

    a, b = sympy.symbols("a:40"), sympy.symbols("b:40")
    with session():
        memo = ACTIVE.get()
        terms = [product((a[i], b[i])) for i in range(40)]
        fingerprint, found = remembered_sum(memo, terms)
        assert found is None
        impostor = Add(*[product((a[i], b[(i + 1) % 40])) for i in range(40)])
        memo.sums[fingerprint] = [impostor]  # same fingerprint, other terms
        assert remembered_sum(memo, terms)[1] is None
        assert total(terms) == Add(*terms)
        repeated = terms[:39] + [terms[0]]  # a term twice: Add collects it
        assert total(repeated) == Add(*repeated) and total(repeated) != total(terms)


# --- row_blocks ---------------------------------------------------------------------------


def test_row_blocks_give_every_row_once_in_order_a_block_across_all_at_a_time(monkeypatch):
    monkeypatch.setattr(engine, "TERMS_PER_BLOCK", 12)
    calls: list[tuple[str, range]] = []

    def deriving(name):
        def derive(block):
            calls.append((name, block))
            return [(name, i) for i in block]

        return derive

    built = engine.row_blocks(10, 4, {"a": deriving("a"), "b": deriving("b")})
    assert built == {"a": [("a", i) for i in range(10)], "b": [("b", i) for i in range(10)]}
    blocks = [range(0, 3), range(3, 6), range(6, 9), range(9, 10)]  # 12 terms // 4 taps
    assert calls == [(name, block) for block in blocks for name in "ab"]


def test_row_blocks_edge_cases():
    assert engine.row_blocks(0, 3, {"a": lambda block: list(block)}) == {"a": []}
    # More taps than a block holds: still one row at a time, nothing lost.
    assert engine.row_blocks(3, 10**6, {"a": lambda block: list(block)}) == {"a": [0, 1, 2]}
