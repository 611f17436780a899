"""What a proof keeps, and in what shape (issue 21): the untied entries, their gradients
and the tie sets are kept compact (arrays read on demand) and still read as lists."""

from __future__ import annotations

import gc
import tracemalloc

import pytest
from sympy import Symbol

import symconv.proofs.tied as tied
from symconv import band, derive, prove_tied_gradients, symbolic_vector
from symconv.ops.banded import TieSets
from symconv.proofs.proof import Tally
from symconv.proofs.tied import (
    EntryList,
    EntryValues,
    TieSums,
    tie_summation_step,
    untied_entries,
    untied_gradient_values,
    untied_gradients,
)


def test_entry_list_reads_as_the_list_of_its_entries():
    listed = [(0, 1), (0, 3), (2, 0), (2, 2)]
    entries = EntryList(listed, 4)
    assert list(entries) == listed and entries == listed and listed == entries
    assert entries == tuple(listed) and entries != listed[:-1] and entries != [(0, 1)] * 4
    assert len(entries) == 4 and entries[1] == (0, 3) and entries[-1] == (2, 2)
    assert entries[1:3] == [(0, 3), (2, 0)]
    assert (2, 0) in entries and (1, 0) not in entries and "ab" not in entries
    assert entries.index((2, 2)) == 3 and entries.position((0, 2)) is None
    assert list(entries.rows()) == [(0, 0, 2), (2, 2, 4)]
    with pytest.raises(ValueError, match=r"\(1, 1\) is not in the entries"):
        entries.index((1, 1))
    with pytest.raises(ValueError, match="entries must be in row-major order"):
        EntryList([(1, 0), (0, 0)], 4)
    with pytest.raises(ValueError, match="width must be at least 1, got 0"):
        EntryList([], 0)


def test_entry_values_is_the_mapping_of_entries_to_values():
    a, b = Symbol("a"), Symbol("b")
    values = EntryValues(EntryList([(0, 1), (1, 0)], 2), [a, b])
    assert dict(values) == {(0, 1): a, (1, 0): b} and values[1, 0] == b
    assert values.get((0, 0)) is None and (0, 1) in values and len(values) == 2
    with pytest.raises(KeyError):
        values[0, 0]
    with pytest.raises(ValueError, match="2 entries but 1 values"):
        EntryValues(EntryList([(0, 1), (1, 0)], 2), [a])


@pytest.mark.parametrize(
    "opts",
    [{}, {"stride": 2, "padding": 1}, {"padding": 2, "padding_mode": "reflect"}],
)
def test_tie_set_view_equals_the_tie_sets(opts):
    t = band(symbolic_vector("w", 3), 9, **opts)
    view = t.tie_set_view()
    assert isinstance(view, TieSets)
    assert view == t.tie_sets() and dict(view) == t.tie_sets()
    for k, entries in t.tie_sets().items():
        assert view[k] == entries and list(view[k]) == entries and len(view[k]) == len(entries)
        assert view[k][:2] == entries[:2] and view[k][-1] == entries[-1]
    assert view[0] != view[1]
    with pytest.raises(KeyError):
        view[3]


def test_untied_values_follow_the_entries_and_agree_with_the_dict():
    x, w, g = symbolic_vector("x", 40), symbolic_vector("w", 3), symbolic_vector("g", 38)
    entries = untied_entries(band(w, 40))
    values = untied_gradient_values(list(x), list(g), entries)
    assert values == [g[i] * x[j] for i, j in entries]
    assert untied_gradients(list(x), list(g), entries) == dict(zip(entries, values))
    # a plain list of entries in any order gives the same values, in its order
    shuffled = list(entries)[::-1]
    assert untied_gradient_values(list(x), list(g), shuffled) == values[::-1]


def test_tie_sums_are_the_tie_summation_and_a_wrong_one_fails():
    x, w, g = symbolic_vector("x", 12), symbolic_vector("w", 3), symbolic_vector("g", 10)
    t = band(w, 12)
    entries = untied_entries(t)
    values = untied_gradient_values(list(x), list(g), entries)
    tie_sums = TieSums(list(x), list(g), t.tie_set_view())
    sums = tie_sums.sums(0, 1) + tie_sums.sums(1, 3)  # blocks of weights agree with one
    assert sums == tie_sums.sums(0, 3)
    step = tie_summation_step(sums, EntryValues(entries, values), t.tie_set_view())
    assert step.holds
    wrong = list(sums)
    wrong[2] += g[0] * x[0]
    assert not tie_summation_step(wrong, EntryValues(entries, values), t.tie_set_view()).holds


def test_the_proof_keeps_its_tie_sets_and_labels_readable():
    x, w, g = symbolic_vector("x", 100), symbolic_vector("w", 5), symbolic_vector("g", 96)
    proof = prove_tied_gradients(x, w, g)
    assert proof.holds
    t = band(w, 100)
    summed = proof.step("tied gradient is the sum over its entries")
    assert summed.details["tie sets"] == t.tie_sets()
    untied = proof.step("untied gradient is g_i x_j")
    assert len(untied.labels) == len(untied.lhs) == untied.details["checked entries"]
    assert list(untied.labels) == list(untied_entries(t))
    assert untied.labels[0] == (0, 0) and untied.labels[-1] == (95, 99)


def test_a_wrong_untied_gradient_is_named_by_its_entry():
    # The untied claim tallies blocks of an EntryList by the entries' positions; a
    # difference is named by its entry, not by its position in the block.
    x, g = symbolic_vector("x", 3), symbolic_vector("g", 2)
    entries = EntryList([(0, 0), (1, 2)], 3)
    tally = Tally()
    tally.add(entries.index, [g[0] * x[0], g[1] * x[1]], [g[0] * x[0], g[1] * x[2]], entries)
    step = tally.step("u", [], [], law="", labels=entries)
    assert not step.holds and step.mismatch[0] == (1, 2)


def retained_bytes_per_term(m: int, n: int) -> float:
    x, w = symbolic_vector("x", m), symbolic_vector("w", n)
    g = symbolic_vector("g", m - n + 1)
    prove_tied_gradients(x[:20, :], w, g[:12, :])  # imports and first-use caches
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        proof = prove_tied_gradients(x, w, g)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert proof.holds
    return (after - before) / ((m - n + 1) * n)


def test_a_proof_keeps_little_beside_its_expressions():
    # A proof that keeps its sides (a band up to KEPT_BAND entries): the gradients'
    # products and sums take about 300 bytes a band term; the untied entries as tuples,
    # their dict and the tie sets as lists took 190 more (607 bytes a term measured
    # before issue 21, 416 after, 380 with the sides checked a block at a time).
    assert retained_bytes_per_term(2000, 9) < 500


def test_a_big_proof_keeps_its_verdicts_not_its_sides():
    # Past KEPT_BAND entries the sides are Rebuilt: what is kept is the band's ints
    # (tie map, untied entries, the loss's term index, the rows of X), 120 bytes a band
    # term measured at (8000, 9), where the sides alone took 300.
    assert 8000 * 9 > tied.KEPT_BAND
    assert retained_bytes_per_term(8000, 9) < 160


def test_derive_text_shows_the_tie_sets():
    d = derive(symbolic_vector("x", 5), symbolic_vector("w", 2), grad=True)
    text = d.to_text()
    assert "    w0: (0,0), (1,1), (2,2), (3,3)" in text
    assert "    w1: (0,1), (1,2), (2,3), (3,4)" in text


def test_gradients_agree_on_integer_codes_and_refuses_a_moved_or_doubled_term():
    """The whole-layer gradient comparison reads triples as sorted int codes; a term
    moved to another weight, a term dropped, and a pair the definition reads twice are
    each refused (the entry-by-entry comparison then names the entry)."""
    from symconv import conv1d_grads
    from symconv.proofs.definition import layer_pairs
    from symconv.proofs.references import gradients_agree

    x, w, g = symbolic_vector("x", 9), symbolic_vector("w", 3), symbolic_vector("g", 4)
    pairs = layer_pairs((9,), (3,), {"stride": 2, "padding": 1, "dilation": 2})
    grad_x, grad_w = conv1d_grads(x, w, g, stride=2, padding=1, dilation=2)
    sides = (list(x), list(w), list(g))
    assert gradients_agree(pairs, list(grad_w), list(grad_x), *sides)
    moved = list(grad_w)
    term = moved[0].args[0]
    moved[0], moved[1] = moved[0] - term, moved[1] + term
    assert not gradients_agree(pairs, moved, list(grad_x), *sides)
    dropped = list(grad_x)
    dropped[3] = dropped[3] - dropped[3].args[0]
    assert not gradients_agree(pairs, list(grad_w), dropped, *sides)
    doubled = [list(p) for p in pairs]
    doubled[0].append(doubled[0][0])
    assert not gradients_agree(doubled, list(grad_w), list(grad_x), *sides)


@pytest.mark.parametrize(
    "names",
    [("w", "eta", "g x y"), ("z", "a", "A B C"), ("a", "zeta", "b c d"), ("w0", "eta", "w1 x0 x1")],
)
def test_minus_scaled_is_sympys_step_to_the_argument(names):
    """The weight step built without hashing is SymPy's ``a - eta*b`` exactly: equal,
    with the same arguments in the same order, whatever the names' order, and where the
    sum holds ``a`` or ``eta`` too; where ``b`` is no sum it is SymPy's own result."""
    from sympy import Add, symbols

    from symconv.core.engine import minus_scaled

    a_name, eta_name, rest = names
    a, eta = Symbol(a_name), Symbol(eta_name)
    g, *others = symbols(rest)
    b = Add(*[g * o for o in others]) + others[0] ** 2
    expected = a - eta * b
    built = minus_scaled(a, eta, b)
    assert built == expected and built.args == expected.args
    assert all(p == q and p.args == q.args for p, q in zip(built.args, expected.args))
    for odd in (b + a, b * eta + g, b + eta, g * others[0], Symbol("q"), a):
        expected = a - eta * odd
        built = minus_scaled(a, eta, odd)
        assert built == expected and built.args == expected.args
