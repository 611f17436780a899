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


def test_a_ranking_shares_a_rank_between_equal_symbols_and_finds_one_made_apart():
    from sympy import Dummy, Symbol

    a1, a2, b = Symbol("a"), Dummy("a"), Symbol("b")
    twin = Symbol("b", real=True)  # equal name, other assumptions: another symbol
    ranking = TermIndex.ranking_of([b, a1, b, twin])
    assert ranking.rank_of(a1) == 0 and ranking.rank_of(b) == 1
    assert ranking.rank_of(Symbol("a")) == 0  # equal to a1 (by key, not by id)
    assert ranking.rank_of(twin) not in (None, ranking.rank_of(b))
    assert ranking.rank_of(a2) is None and ranking.rank_count == 3
    with session() as memo:
        TermIndex.ranking_of([Symbol("q7")])
        assert not memo.symbols  # keyed without the session remembering them


def test_symbol_keys_order_as_basic_compare_and_share_assumption_pairs():
    from functools import cmp_to_key

    from sympy import Basic, Symbol

    made = [
        Symbol("x"),
        Symbol("y", positive=True),
        Symbol("x", real=True),
        Symbol("a10"),
        Symbol("a9"),
        Symbol("B"),
    ]
    assert sorted(made, key=engine.compute_symbol_key) == sorted(
        made, key=cmp_to_key(Basic.compare)
    )
    one, two = engine.compute_symbol_key(Symbol("p")), engine.compute_symbol_key(Symbol("q"))
    assert one is not None and two is not None and one[-1] is two[-1]  # one shared pair
    assert engine.compute_symbol_key(Symbol("n", commutative=False)) is None


def test_a_lone_product_is_held_alone_then_in_a_table_and_found_either_way():
    a, b, c = symbols("a b c")
    with session() as memo:
        ab = engine.sorted_product((a, b))
        assert memo.pairs[id(a)] is ab  # no table for one product
        assert engine.sorted_product((a, b)) is ab and engine.pair_product(b, a) is ab
        ac = engine.sorted_product((a, c))
        assert isinstance(memo.pairs[id(a)], dict)  # a second product: a table
        assert engine.pair_product(a, b) is ab and engine.pair_product(c, a) is ac
        assert ab == a * b and ac == a * c and ab is not ac


@pytest.mark.parametrize(
    "options",
    [
        (9, 3, 1, 0, 1, False, "zeros"),
        (10, 3, 2, 1, 2, True, "zeros"),
        (8, 4, 3, (2, 1), 1, False, "reflect"),
        (7, 3, 1, 2, 2, False, "circular"),
        (6, 2, 2, "same", 1, True, "replicate"),
    ],
)
def test_literal_windows_list_each_window_as_the_eager_definition(options):
    from symconv.proofs.references import MODE_READS, literal_axis, literal_padding

    length, size, stride, padding, dilation, flip, mode = options
    windows = literal_axis(length, size, stride, padding, dilation, flip, mode)
    # The definition as it was written eagerly: every start, then every stride-th kept.
    left, right = literal_padding(padding, size, dilation, length, stride)
    read = MODE_READS[mode]
    padded = [read(j, length) for j in range(-left, 0)] + list(range(length))
    padded += [read(j, length) for j in range(length, length + right)]
    dilated: list[int | None] = []
    for k in range(size):
        dilated += [size - 1 - k if flip else k] + [None] * (dilation - 1 if k < size - 1 else 0)
    every = [
        [(j, k) for j, k in zip(padded[s : s + len(dilated)], dilated) if None not in (j, k)]
        for s in range(len(padded) - len(dilated) + 1)
    ][::stride]
    assert len(windows) == len(every) and list(windows) == every
    assert windows[-1] == every[-1] and windows[1:3] == every[1:3]
    with pytest.raises(IndexError):
        windows[len(every)]


def test_data_rows_read_as_the_windows_and_refuse_a_ragged_list():
    from symconv.ops.datamatrix import DataRows, rows_from_settings

    for opts in MODES:
        x, _, s = symbolic_layer(opts)
        rows = DataRows.from_settings(x, s)
        assert rows == rows_from_settings(x, s) and list(rows) == rows_from_settings(x, s)
        assert rows[1:3] == rows_from_settings(x, s)[1:3]
    assert DataRows(list(symbols("a b c d")), 2) != [list(symbols("a b")), list(symbols("c e"))]
    with pytest.raises(ValueError, match="not rows of 3"):
        DataRows(list(symbols("a b c d")), 3)


def test_filed_ints_keep_their_order_under_each_key_in_narrow_items():
    from symconv.ops.gradients import Filed

    keys, values = [3, 0, 3, 1, 0], [50, 10, 51, 20, 11]
    filed = Filed(5, keys, values, top=100)
    assert [list(filed[k]) for k in range(5)] == [[10, 11], [20], [], [50, 51], []]
    assert filed.values.itemsize == 4
    assert Filed(2, [1, 0], [2**40, 7], top=2**41).values.itemsize == 8


def test_the_triples_refuse_a_code_twice_in_place_of_another_and_take_any_order():
    from array import array

    from symconv.proofs.definition import layer_pairs
    from symconv.proofs.references import GradientTriples

    x, w, g = symbolic_vector("x", 9), symbolic_vector("w", 3), symbolic_vector("g", 7)
    pairs = layer_pairs((9,), (3,), {})
    triples = GradientTriples(pairs, list(x), list(w), list(g))
    assert triples.expected is not None and triples.expected.typecode == "I"  # 4 bytes
    shuffled = array("q", reversed(triples.expected))
    triples.found["w"] = shuffled
    triples.finish("w")
    assert triples.expected is not None  # the same codes in another order agree
    twice = array("q", triples.expected)
    twice[1] = twice[0]  # as many codes, one read twice and one never
    triples.found["x"] = twice
    triples.finish("x")
    assert triples.expected is None


@pytest.mark.parametrize("at_once", [1, 2, 3, 7, 1 << 13])
def test_codes_compared_in_runs_agree_with_one_sort(at_once, monkeypatch):
    import random
    from array import array

    import symconv.proofs.references as references

    monkeypatch.setattr(references, "CODES_AT_ONCE", at_once)
    rng = random.Random(at_once)
    for _ in range(200):
        expected = array("q", sorted(rng.sample(range(-5, 40), rng.randint(1, 20))))
        found = list(expected)
        change = rng.choice(["none", "replace", "outside", "twice", "drop"])
        if change == "replace":
            found[rng.randrange(len(found))] = rng.randrange(-5, 40)
        elif change == "outside":
            found[rng.randrange(len(found))] = rng.choice([-100, 100])
        elif change == "twice" and len(found) > 1:
            found[0] = found[-1]
        elif change == "drop":
            found.pop()
        rng.shuffle(found)
        plain = sorted(found) == list(expected)
        assert references.same_codes(array("q", found), expected) is plain


def test_derive_hands_its_band_and_rows_to_the_backward(monkeypatch):
    import symconv.proofs.tied as tied

    seen = {}
    real = tied.tied_weight_steps

    def spy(*args, **kwargs):
        seen["band"] = kwargs.get("band")
        return real(*args, **kwargs)

    monkeypatch.setattr(tied, "tied_weight_steps", spy)
    d = derive(symbolic_vector("x", 9), symbolic_vector("w", 3), grad=True, padding=1)
    assert seen["band"] is d.band and d.holds
    assert d.x == symbolic_vector("x", 9) and d.x is d.x  # built once, on first read


def test_arrays_sized_from_known_bounds_equal_the_narrowed_ones():
    from symconv.ops.banded import TieMap
    from symconv.proofs.tied import EntryList

    rows = [[(0, 0), (1, 1), (2, 3)], [(0, 1), (1, 2), (2, 4)], [(1, 4), (0, 2)]]
    sized, narrowed = TieMap(rows, tops=(5, 3)), TieMap(rows)
    assert sized == narrowed and list(sized) == list(narrowed)
    assert sized._columns.typecode == sized._weights.typecode == "i"
    assert list(sized.row_arrays()) == list(narrowed.row_arrays())
    entries = [(0, 1), (0, 4), (2, 0), (2, 3)]
    listed, read = EntryList(entries, 5, 3), EntryList(entries, 5)
    assert listed == read == entries and listed.keys == read.keys
    assert listed.keys.typecode == "i"
    with pytest.raises(ValueError, match="row-major"):
        EntryList(list(reversed(entries)), 5, 3)
