from __future__ import annotations

import pytest
import sympy
from sympy import S, Symbol

from symconv import band, conv1d_grads, prove_tied_gradients, symbolic_vector
from symconv.proofs.tied import (
    DENSE_UNTIE_LIMIT,
    tie_summation_step,
    untied_entries,
    untied_gradients,
    update_step,
)

GRID = [
    (m, n, s, p, d, f)
    for m in (4, 6)
    for n in (1, 2, 3)
    for s in (1, 2)
    for p in (0, 1, (0, 2))
    for d in (1, 2)
    for f in (False, True)
]


@pytest.mark.parametrize(("m", "n", "s", "p", "d", "flip"), GRID)
def test_tied_gradients_hold(m, n, s, p, d, flip):
    opts = dict(stride=s, padding=p, dilation=d, flip=flip)
    x, w = symbolic_vector("x", m), symbolic_vector("w", n)
    try:
        t = band(w, m, **opts)
    except ValueError:
        return
    g = symbolic_vector("g", t.shape[0])
    proof = prove_tied_gradients(x, w, g, **opts)
    assert proof.holds, str(proof)
    ties = proof.step("tied gradient is the sum over its entries").details["tie sets"]
    assert ties == t.tie_sets()


def test_the_questions_tie_sets_and_sums():
    x, w, g = symbolic_vector("x", 4), symbolic_vector("w", 3), symbolic_vector("g", 2)
    proof = prove_tied_gradients(x, w, g)
    step = proof.step("tied gradient is the sum over its entries")
    assert step.details["tie sets"] == {
        0: [(0, 0), (1, 1)],
        1: [(0, 1), (1, 2)],
        2: [(0, 2), (1, 3)],
    }
    assert step.rhs[1] == g[0] * x[1] + g[1] * x[2]
    untied = proof.step("untied gradient is g_i x_j")
    assert len(untied.lhs) == 8 and untied.details["dense"]  # every u_ij of the 2 x 4 U


def test_numbers_work_too():
    proof = prove_tied_gradients([1, 2, 3, 4], [5, 6, 7], [1, -1])
    assert proof.holds
    assert proof.step("weight gradient is X^T g").lhs == (-1, -1, -1)


def setup():
    x, w, g = symbolic_vector("x", 5), symbolic_vector("w", 3), symbolic_vector("g", 3)
    t = band(w, 5)
    entries = untied_entries(t)
    dl_du = untied_gradients(list(x), list(g), entries)
    _, grad_w = conv1d_grads(x, w, g)
    return x, w, g, t, entries, dl_du, list(grad_w)


def test_untied_gradients_across_blocks_of_rows():
    """Rows are indexed UNTIE_BLOCK at a time; every entry's gradient is still g_i x_j
    (0 where g_i is 0), on the band and on the structural zeros beside it, and it is
    what sympy.diff of the untied loss gives."""
    from sympy import Add, Mul, S, Symbol, diff

    from symconv.proofs.tied import UNTIE_BLOCK, untied_symbol

    rows = 2 * UNTIE_BLOCK + 3
    x = symbolic_vector("x", rows + 2)
    g = [S.Zero if i % 5 == 3 else Symbol(f"g{i}") for i in range(rows)]
    entries = [(i, j) for i in range(rows) for j in range(max(i - 1, 0), min(i + 4, rows + 2))]
    dl_du = untied_gradients(list(x), g, entries)
    assert list(dl_du) == entries
    u = {e: untied_symbol(f"u{e[0]}_{e[1]}") for e in entries}
    loss = Add(*[Mul(g[i], u[(i, j)], x[j]) for i, j in entries])
    for i, j in entries:
        assert dl_du[(i, j)] == g[i] * x[j] == diff(loss, u[(i, j)])


def test_a_wrong_gradient_fails():
    x, w, g, t, entries, dl_du, grad_w = setup()
    assert tie_summation_step(grad_w, dl_du, t.tie_sets()).holds
    wrong = list(grad_w)
    wrong[1] = wrong[1] + g[0] * x[0]  # one stray contribution
    step = tie_summation_step(wrong, dl_du, t.tie_sets())
    assert not step.holds
    assert step.mismatch[0] == (1,)


def test_a_wrong_tie_map_fails():
    x, w, g, t, entries, dl_du, grad_w = setup()
    ties = t.tie_sets()
    ties[0] = ties[0][:-1]  # a missing tie: w0 forgets its last entry
    step = tie_summation_step(grad_w, dl_du, ties)
    assert not step.holds and step.mismatch[0] == (0,)
    shifted = t.tie_sets()
    shifted[2] = [(i, j - 1) for i, j in shifted[2]]  # wrong index shift
    assert not tie_summation_step(grad_w, dl_du, shifted).holds


def test_tie_set_naming_unknown_entries_is_an_error():
    x, w, g, t, entries, dl_du, grad_w = setup()
    with pytest.raises(ValueError, match=r"tie set names entries \[\(9, 9\)\]"):
        tie_summation_step(grad_w, dl_du, {0: [(9, 9)]})


def test_a_dense_update_fails_and_a_masked_update_fails():
    x, w, g, t, entries, dl_du, grad_w = setup()
    eta = Symbol("eta")
    dense = update_step("dense", t, lambda e: t[e] - eta * dl_du[e], entries)
    assert not dense.holds
    where, value, _ = dense.mismatch
    assert where not in t.ties and value == -eta * g[where[0]] * x[where[1]]
    masked = update_step(
        "masked", t, lambda e: t[e] - eta * dl_du[e] if e in t.ties else S.Zero, entries
    )
    assert not masked.holds and masked.law == "tied entries stay tied"
    tied = update_step(
        "tied", t, lambda e: t[e] - eta * grad_w[t.ties[e]] if e in t.ties else S.Zero, entries
    )
    assert tied.holds
    # and the proof itself records that the dense and masked steps break the structure
    proof = prove_tied_gradients(x, w, g)
    assert proof.step("dense step U - eta dL/dU leaves the band").details["exhibit"] is not None
    assert (
        proof.step("masked step T - eta M∘dL/dU unties the weights").details["exhibit"] is not None
    )


def test_big_layers_untie_only_the_band_and_its_neighbours():
    m, n = 200, 5
    x, w, g = symbolic_vector("x", m), symbolic_vector("w", n), symbolic_vector("g", m - n + 1)
    t = band(w, m)
    assert t.shape[0] * t.shape[1] > DENSE_UNTIE_LIMIT
    entries = untied_entries(t)
    assert len(entries) <= t.nnz + 2 * t.shape[0]
    proof = prove_tied_gradients(x, w, g)
    assert proof.holds
    assert not proof.step("untied gradient is g_i x_j").details["dense"]


def test_proof_renders_tie_sets():
    proof = prove_tied_gradients(
        symbolic_vector("x", 4), symbolic_vector("w", 3), symbolic_vector("g", 2)
    )
    tex = proof.to_latex()
    assert "tied gradient is the sum over its entries" in tex
    assert sympy.latex(Symbol("g0")) in tex


@pytest.mark.parametrize(
    "names", [["u0_0", "u0_1", "a", "b"], ["u", "uu0_1", "uuu", "c"], ["a", "b", "c", "d"]]
)
def test_inputs_named_like_the_untied_entries_are_kept_apart(names):
    # The entries of U used to be u<i>_<j>: an input named u0_1 was the same symbol as
    # an entry of U, and the untied gradient came out wrong.
    x = [Symbol(name) for name in names]
    w, g = symbolic_vector("w", 3), symbolic_vector("g", 2)
    proof = prove_tied_gradients(x, w, g)
    assert proof.holds, str(proof)
    untied = proof.step("untied gradient is g_i x_j")
    assert untied.lhs[1] == g[0] * x[1]


def test_untied_prefix_avoids_every_name_of_the_layer():
    from symconv.proofs.tied import untied_prefix

    assert untied_prefix([Symbol("a")], [Symbol("g0")]) == "u"
    assert untied_prefix([Symbol("u0")], []) == "uu"
    assert untied_prefix([Symbol("u0"), Symbol("uu7")], [Symbol("uuu")]) == "uuuu"
    assert untied_prefix([sympy.Integer(3), Symbol("x") + Symbol("u2")], []) == "uu"


def test_gathering_by_blocks_of_rows_equals_gathering_set_by_set(monkeypatch):
    import symconv.proofs.tied as tied

    monkeypatch.setattr(tied, "ROW_BLOCK", 3)  # several blocks on a small layer
    t = band(symbolic_vector("w", 4), 23, dilation=2, padding=(1, 0))
    values = {entry: Symbol(f"v{entry[0]}_{entry[1]}") for entry in t.ties}
    sets = [t.tie_sets()[k] for k in range(4)] + [[]]
    expected = [[values.get(e) for e in entries] for entries in sets]
    assert tied.gather_by_rows(sets, values.get) == expected
    assert tied.gather_by_rows([], values.get) == []
    assert tied.gather_by_rows([[(0, 0), (7, 9)]], {}.get)[0] == [None, None]


def test_a_tie_set_naming_an_entry_without_untied_gradient_is_refused():
    x, w, g, t, entries, dl_du, grad_w = setup()
    partial = {e: v for e, v in dl_du.items() if e != (1, 2)}
    with pytest.raises(ValueError, match=r"tie set names entries \[\(1, 2\)\]"):
        tie_summation_step(grad_w, partial, t.tie_sets())
    beyond = {**t.tie_sets(), 7: [(0, 4), (9, 9)]}  # a set no weight reads, (9, 9) unknown
    with pytest.raises(ValueError, match=r"\(9, 9\)"):
        tie_summation_step(grad_w, dl_du, beyond)


@pytest.mark.parametrize("uncached", [True, False])
def test_untied_symbols_are_plain_symbols(monkeypatch, uncached):
    from sympy import Symbol

    import symconv.proofs.tied as tied

    if not uncached:
        monkeypatch.setattr(tied, "UNCACHED_SYMBOL", None)
    u = tied.untied_symbol("uu3_4")
    assert type(u) is Symbol and u == Symbol("uu3_4") and hash(u) == hash(Symbol("uu3_4"))
    assert u.is_commutative and u.name == "uu3_4" and u.assumptions0 == Symbol("a").assumptions0
