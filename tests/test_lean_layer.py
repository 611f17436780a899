"""What a derivation keeps, made lean (issue 21): columns built into a Matrix on first
read, labels made when read, one ranking of the layer's symbols shared by the gradients
and the untied layer, T x read from the band's arrays, and no product table held past
its block of rows."""

from __future__ import annotations

import pytest
from sympy import Matrix, expand, symbols

import symconv.core.engine as engine
from symconv import band, derive, symbolic_vector
from symconv.core.engine import TermIndex, dot, row_blocks, session
from symconv.core.vectors import symbol_list
from symconv.ops.banded import band_from_settings, band_times
from symconv.ops.gradients import LossGradients
from symconv.ops.sliding import sliding_outputs
from symconv.proofs.proof import Positions, check
from symconv.proofs.tied import UntiedNames, untied_gradient_values, untied_prefix
from tests.helpers import symbolic_layer

MODES = [
    {},
    {"stride": 2, "padding": 1, "dilation": 2},
    {"padding": 2, "padding_mode": "reflect"},
    {"padding": 2, "padding_mode": "replicate"},
    {"padding": 1, "padding_mode": "circular", "flip": True},
]


def test_positions_read_as_the_list_of_one_tuples():
    labels = Positions(5)
    assert list(labels) == [(0,), (1,), (2,), (3,), (4,)]
    assert labels == [(0,), (1,), (2,), (3,), (4,)] and labels == tuple(labels)
    assert labels[1:4] == [(1,), (2,), (3,)] and labels[-1] == (4,)
    assert labels != [(0,), (1,), (2,), (3,), (5,)]
    assert labels != [[0], [1], [2], [3], [4]]  # lists are not the tuples a step names
    assert labels != [(0,), (1,)] and labels != "abcde"


def test_check_keeps_positions_and_names_a_difference_by_them():
    a, b = symbols("a b")
    step = check("s", [a, b, a], [a, b, b], labels=Positions(3))
    assert isinstance(step.labels, Positions)
    assert not step.holds and step.mismatch == ((2,), a, b)


def test_derive_keeps_columns_and_builds_matrices_on_first_read():
    x, w = symbolic_vector("x", 9), symbolic_vector("w", 3)
    d = derive(x, w, grad=True)
    assert not isinstance(d.columns["z"], Matrix) and not isinstance(d.columns["g"], Matrix)
    outputs, upstream = d.outputs, d.upstream
    assert isinstance(outputs, Matrix) and outputs.shape == (7, 1)
    assert list(outputs) == [sum(w[k] * x[i + k] for k in range(3)) for i in range(7)]
    assert upstream == Matrix(symbols("g0:7")) and d.outputs is outputs  # built once
    assert derive(x, w).upstream is None


def test_symbol_list_is_the_vector_as_a_list_and_refuses_a_bad_name():
    assert symbol_list("g", 3) == list(symbolic_vector("g", 3))
    with pytest.raises(ValueError, match="length of g"):
        symbol_list("g", 0)


@pytest.mark.parametrize("opts", MODES)
def test_band_times_reads_the_band_arrays_as_the_dense_product(opts):
    x, w, s = symbolic_layer(opts)
    t = band_from_settings(w, s)
    product = band_times(t, x)
    whole = product(range(s.output_length))
    # Exactly the sums of T's rows as (column, weight) pairs, as the band read them before
    by_rows = [dot((weight, x[j]) for j, weight in row) for row in t.rows()]
    assert whole == by_rows and product(range(2, 4)) == by_rows[2:4]
    # and the dense product (a folded entry factors there: compared symbolically).
    dense = t.to_matrix() * Matrix(x)
    assert all(expand(a - b) == 0 for a, b in zip(whole, dense, strict=True))


def test_band_times_of_a_wrong_band_differs():
    x, w, s = symbolic_layer({})
    wrong = band([w[0], w[1], w[0]], len(x))
    assert band_times(wrong, x)(range(1)) != band_times(band_from_settings(w, s), x)(range(1))


@pytest.mark.parametrize("opts", MODES)
def test_row_blocks_forget_their_products_and_still_agree(opts, monkeypatch):
    # Blocks of two rows: every block after the first builds its products afresh.
    monkeypatch.setattr(engine, "TERMS_PER_BLOCK", 6)
    x, w, s = symbolic_layer(opts)
    with session():
        built = row_blocks(s.output_length, len(w), {"z": lambda r: sliding_outputs(x, w, s, r)})
        memo = engine.ACTIVE.get()
        assert memo is not None and not memo.products and not memo.pairs and not memo.sums
    whole = sliding_outputs(x, w, s, range(s.output_length))
    assert built["z"] == whole


def test_one_ranking_serves_the_gradients_and_the_untied_names():
    x, w, s = symbolic_layer({"padding": 1})
    g = list(symbolic_vector("g", s.output_length))
    loss = LossGradients(x, w, g, s)
    names = UntiedNames(x, g, 8, ranking_with=loss.ranking_with)
    assert names.ranking is loss.ranking  # one ranking, the names' pool in it
    assert all(names.ranking.rank_of(u) is not None for u in names.pool)
    entries = [(i, j) for i in range(s.output_length) for j in range(len(x)) if abs(i - j) < 3]
    shared = untied_gradient_values(x, g, entries, names)
    alone = untied_gradient_values(x, g, entries, UntiedNames(x, g, 8))
    assert shared == alone == [g[i] * x[j] for i, j in entries]
    assert loss.weights(0, len(w)) == LossGradients(x, w, g, s).weights(0, len(w))
    loss.release()
    assert loss.ranking.rank_of(names.pool[0]) is None  # released: the pool let go


def test_a_ranking_of_symbols_orders_as_mul_does():
    a, b, c = symbols("c b a")  # names against the order they are given in
    shared = TermIndex.ranking_of([a, b, c])
    assert TermIndex([(a, b, c)], ranking=shared).gradient(b) == a * c
    assert [shared.rank_of(s) for s in (c, b, a)] == [0, 1, 2]
    assert untied_prefix([a], [b]) == "u"
