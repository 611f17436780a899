"""The backward proof a block at a time (issue 21): gradients differentiated per block of
weights or inputs, claims tallied across blocks, and a big layer's sides rebuilt on
request instead of kept."""

from __future__ import annotations

import pytest
from sympy import Matrix, S, expand, symbols

import symconv.proofs.tied as tied
from symconv import band, conv1d_grads, derive, prove_tied_gradients, symbolic_vector
from symconv.core.engine import session
from symconv.ops.banded import band_transposed_times
from symconv.ops.gradients import LossGradients, derive_gradients
from symconv.ops.sliding import settings_for
from symconv.proofs.definition import layer_pairs
from symconv.proofs.proof import Rebuilt, Tally
from symconv.proofs.references import GradientTriples
from tests.helpers import symbolic_layer

LAYERS = [
    {},
    {"stride": 2, "padding": 1, "dilation": 2},
    {"padding": 2, "padding_mode": "reflect"},
    {"padding": 1, "padding_mode": "circular", "flip": True},
]


def layer(opts: dict, m: int = 11, n: int = 3):
    x, w, s = symbolic_layer(opts, m, n)
    return x, w, list(symbolic_vector("g", s.output_length)), s


def in_blocks(read, count: int, size: int) -> list:
    return [e for a in range(0, count, size) for e in read(a, min(count, a + size))]


@pytest.mark.parametrize("opts", LAYERS)
@pytest.mark.parametrize("size", [1, 2, 5])
def test_blocks_of_the_loss_differentiate_as_the_whole_loss(opts, size):
    x, w, g, s = layer(opts)
    with session():
        whole = derive_gradients(x, w, g, s)
        loss = LossGradients(x, w, g, s)
        # Structurally the same sums, not merely equal ones.
        assert in_blocks(loss.weights, len(w), size) == whole.grad_w
        assert in_blocks(loss.inputs, len(x), size) == whole.grad_x


@pytest.mark.parametrize(
    "x, w",
    [([1, 2, 3, 4, 5], list(symbols("a b"))), (list(symbols("a b c")), list(symbols("a b")))],
)
def test_blocks_of_the_loss_keep_numbers_and_shared_symbols_as_the_whole_loss(x, w):
    x, w = list(Matrix(x)), list(Matrix(w))
    s = settings_for(Matrix(x), Matrix(w), 1, 0, 1, False, "zeros")
    g = [S.One] * s.output_length
    whole = derive_gradients(x, w, g, s)
    loss = LossGradients(x, w, g, s)
    assert in_blocks(loss.weights, len(w), 1) == whole.grad_w
    assert in_blocks(loss.inputs, len(x), 2) == whole.grad_x


@pytest.mark.parametrize("opts", LAYERS)
def test_a_big_layers_proof_reads_as_the_kept_one(monkeypatch, opts):
    x, w, g, _ = layer(opts, 12, 3)
    kept = prove_tied_gradients(x, w, g, **opts)
    monkeypatch.setattr(tied, "KEPT_BAND", 0)  # every layer is big: sides are Rebuilt
    monkeypatch.setattr(tied, "BLOCK_TERMS", 4)  # and checked in many blocks
    monkeypatch.setattr(tied, "INPUT_BLOCK_TERMS", 4)
    blocked = prove_tied_gradients(x, w, g, **opts)
    assert kept.holds and blocked.holds
    assert isinstance(blocked.steps[0].lhs, Rebuilt) and not isinstance(kept.steps[0].lhs, Rebuilt)
    assert str(blocked) == str(kept)
    for a, b in zip(kept.steps, blocked.steps, strict=True):
        assert (a.name, a.holds, a.method, a.mismatch) == (b.name, b.holds, b.method, b.mismatch)
        assert list(a.lhs) == list(b.lhs) and list(a.rhs) == list(b.rhs)
        assert a.identical_sides == b.identical_sides
    assert blocked.to_latex() == kept.to_latex()


def test_a_wrong_gradient_fails_at_its_entry_in_the_blocked_proof(monkeypatch):
    monkeypatch.setattr(tied, "KEPT_BAND", 0)
    monkeypatch.setattr(tied, "BLOCK_TERMS", 4)
    monkeypatch.setattr(tied, "INPUT_BLOCK_TERMS", 4)
    x, w, g, s = layer({}, 12, 4)
    right_x, right_w = conv1d_grads(x, w, g)
    wrong_w, wrong_x = list(right_w), list(right_x)
    wrong_w[2] += g[0] * x[0]
    wrong_x[7] += g[1] * w[3]
    steps = tied.tied_weight_steps(
        x,
        w,
        g,
        s,
        Rebuilt(len(x), lambda a, b: wrong_x[a:b]),
        Rebuilt(len(w), lambda a, b: wrong_w[a:b]),
        list(right_w),
        weight_labels=[(k,) for k in range(4)],
        input_labels=[(j,) for j in range(12)],
    )
    by_name = {str(step.name): step for step in steps}
    assert by_name["weight gradient is X^T g"].mismatch[0] == (2,)
    assert by_name["input gradient is T^T g"].mismatch[0] == (7,)
    assert by_name["tied gradient is the sum over its entries"].mismatch[0] == (2,)
    assert not by_name["tied step is T(w) - eta P(dL/dU)"].holds
    assert by_name["untied gradient is g_i x_j"].holds  # the untied layer is not at fault


def test_the_derivation_differentiates_its_gradients_again_when_read(monkeypatch):
    monkeypatch.setattr(tied, "KEPT_BAND", 0)
    x, w = symbolic_vector("x", 10), symbolic_vector("w", 3)
    d = derive(x, w, grad=True, stride=2)
    assert d.holds and isinstance(d.gradient("w"), Rebuilt)
    grad_x, grad_w = conv1d_grads(x, w, d.upstream, stride=2)
    assert d.gradient("x")[4] == grad_x[4]  # one entry, built alone
    assert d.grad_w == grad_w and d.grad_x == grad_x
    assert isinstance(d.gradient("w"), Matrix)  # read whole once, then kept
    with pytest.raises(ValueError, match="'b'"):
        d.gradient("b")


def test_a_tally_keeps_the_least_difference_whatever_the_order_of_its_blocks():
    a, b, c = symbols("a b c")
    tally = Tally()
    place = {"e9": 9, "e3": 3}.__getitem__
    tally.add(place, [a], [b], ["e9"])
    tally.add(place, [c, a], [c, c], ["e5", "e3"])  # e5 holds; e3 differs, before e9
    assert tally.mismatch == ("e3", a, c)
    assert tally.step("claim", (), ()).holds is False


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_the_transpose_by_blocks_of_columns_is_the_dense_transpose(mode):
    w = symbolic_vector("w", 3)
    t = band(w, 7, padding=2, padding_mode=mode)
    g = list(symbolic_vector("g", t.shape[0]))
    dense = t.to_matrix().T * Matrix(g)
    read = band_transposed_times(t, g)
    blocks = read(0, 3) + read(3, 7)
    assert all(expand(blocks[j] - dense[j]) == 0 for j in range(7))
    wrong = list(blocks)
    wrong[0] += g[0]
    assert expand(wrong[0] - dense[0]) != 0


def test_the_definitions_triples_refuse_a_term_read_twice_or_missing():
    x, w, g, _ = layer({}, 9, 3)
    grad_x, grad_w = conv1d_grads(x, w, g)
    pairs = layer_pairs((9,), (3,), {})
    whole = GradientTriples(pairs, x, w, g)
    whole.weights(1, list(grad_w)[1:])
    whole.weights(0, list(grad_w)[:1])
    whole.inputs(0, list(grad_x))
    assert whole.agree()
    twice = GradientTriples(pairs, x, w, g)
    twice.weights(0, list(grad_w))
    twice.weights(0, list(grad_w)[:1])  # weight 0's terms again
    twice.inputs(0, list(grad_x))
    assert not twice.agree()
    short = GradientTriples(pairs, x, w, g)
    short.weights(0, list(grad_w)[:2])  # weight 2 never read
    short.inputs(0, list(grad_x))
    assert not short.agree()


def test_narrow_rows_are_gathered_into_blocks_of_entries(monkeypatch):
    from sympy import Add, Mul, Symbol, diff

    from symconv.proofs.tied import EntryList, untied_gradient_values, untied_symbol

    monkeypatch.setattr(tied, "UNTIE_TERMS", 5)  # a block closes after 5 entries
    x = symbolic_vector("x", 9)
    g = [S.Zero if i == 2 else Symbol(f"g{i}") for i in range(7)]
    entries = EntryList([(i, j) for i in range(7) for j in (i, i + 2)], 9)
    values = untied_gradient_values(list(x), g, entries)
    u = {e: untied_symbol(f"u{e[0]}_{e[1]}") for e in entries}
    loss = Add(*[Mul(g[i], u[(i, j)], x[j]) for i, j in entries])
    assert values == [diff(loss, u[e]) for e in entries]
    assert values[5] == g[2] * x[4] == 0
