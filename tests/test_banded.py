from __future__ import annotations

import pickle

import pytest
import sympy
from sympy import Matrix, zeros

from symconv import band, conv1d, conv_matrix, symbolic_vector


def test_the_questions_banded_matrix():
    w = symbolic_vector("w", 3)
    w0, w1, w2 = w
    assert conv_matrix(w, 4) == Matrix([[w0, w1, w2, 0], [0, w0, w1, w2]])
    assert conv_matrix([5, 6, 7], 4) * Matrix([1, 2, 3, 4]) == Matrix([38, 56])


def test_row_i_holds_w_starting_at_column_i():
    w = symbolic_vector("w", 3)
    t = conv_matrix(w, 7)
    for i in range(t.rows):
        assert list(t[i, i : i + 3]) == list(w)
        assert all(t[i, j] == 0 for j in range(7) if not i <= j < i + 3)


@pytest.mark.parametrize(
    ("m", "n", "s", "p", "d", "flip"),
    [
        (m, n, s, p, d, f)
        for m in (4, 7)
        for n in (1, 2, 3)
        for s in (1, 2, 3)
        for p in (0, 1, (2, 0), "full")
        for d in (1, 2)
        for f in (False, True)
    ],
)
def test_dense_matrix_times_x_is_the_convolution(m, n, s, p, d, flip):
    x, w = symbolic_vector("x", m), symbolic_vector("w", n)
    try:
        z = conv1d(x, w, stride=s, padding=p, dilation=d, flip=flip)
    except ValueError:
        with pytest.raises(ValueError, match="there is no output"):
            conv_matrix(w, m, stride=s, padding=p, dilation=d, flip=flip)
        return
    t = conv_matrix(w, m, stride=s, padding=p, dilation=d, flip=flip)
    assert t.shape == (len(z), m)
    assert (t * x - z).expand() == zeros(len(z), 1)
    # every entry is a single weight or 0
    assert all(e == 0 or e in set(w) for e in t)


def test_band_agrees_with_dense_and_counts_ties():
    w = symbolic_vector("w", 3)
    b = band(w, 6, stride=2, padding=1)
    dense = conv_matrix(w, 6, stride=2, padding=1)
    assert b.to_matrix() == dense
    assert b.nnz == sum(1 for e in dense if e != 0)
    ties = b.tie_sets()
    assert sum(len(v) for v in ties.values()) == b.nnz
    for k, entries in ties.items():
        assert all(dense[i, j] == w[k] for i, j in entries)


def test_band_products_match_dense():
    x, w, g = symbolic_vector("x", 8), symbolic_vector("w", 3), symbolic_vector("g", 2)
    b = band(w, 8, stride=3, dilation=2)
    dense = b.to_matrix()
    assert Matrix(b.matvec(list(x))) == (dense * x).expand()
    assert (Matrix(b.rmatvec(list(g))) - dense.T * g).expand() == zeros(8, 1)


def test_with_weights_keeps_the_pattern_and_checks_length():
    b = band([1, 2, 3], 5)
    c = b.with_weights(list(sympy.symbols("a b c")))
    assert c.ties == b.ties
    with pytest.raises(ValueError, match="need 3 weights for this tie pattern, got 2"):
        b.with_weights([1, 2])


def test_errors():
    with pytest.raises(ValueError, match="input length must be an integer >= 1, got 0"):
        conv_matrix([1, 2], 0)
    with pytest.raises(TypeError, match="input length must be an integer"):
        conv_matrix([1, 2], "4")
    with pytest.raises(ValueError, match="there is no output"):
        conv_matrix([1, 2, 3], 2)


def dict_ties(layout):
    """The tie map the obvious way: a dict of every ``(i, j) -> k``."""
    return {(i, j): k for i in range(layout.output_length) for k, j in layout.taps(i)}


def layouts():
    from symconv.layout.axis import conv_settings
    from symconv.layout.channels import channel_layer
    from symconv.layout.grid import settings2d

    for m, n, s, p, d, f in [
        (7, 3, 1, 0, 1, False),
        (9, 3, 2, 1, 2, True),
        (5, 2, 1, "full", 1, False),
    ]:
        yield conv_settings(n, m, stride=s, padding=p, dilation=d, flip=f)
    yield settings2d((2, 3), (4, 5), stride=(1, 2), padding=1)
    yield settings2d((3, 3), (5, 5), padding="same", flip=True)
    x = [[1] * 5 for _ in range(4)]  # 4 input channels of length 5
    w = [[[1, 2] for _ in range(2)] for _ in range(2)]  # 2 groups: 2 inputs each
    yield channel_layer(
        x, w, bias=None, groups=2, dims=1, stride=1, padding=1, dilation=1, flip=False
    ).layout


@pytest.mark.parametrize("layout", list(layouts()), ids=repr)
def test_tie_map_is_the_dict_of_the_band(layout):
    from symconv.ops.banded import BandedMatrix, TieMap

    expected = dict_ties(layout)
    ties = TieMap(layout.taps(i) for i in range(layout.output_length))
    assert len(ties) == len(expected)
    assert list(ties) == sorted(expected)  # row-major, columns ascending
    assert list(ties.items()) == sorted(expected.items())
    assert ties == expected and expected == ties
    assert ties.keys() == expected.keys()
    assert all(ties[e] == k and e in ties for e, k in expected.items())
    rows, cols = layout.output_length, layout.input_length
    everything = [(i, j) for i in range(-1, rows + 1) for j in range(-1, cols + 1)]
    assert ties.indices(everything) == [expected.get(e) for e in everything]
    assert [ties.get(e) for e in everything] == [expected.get(e) for e in everything]
    for off in [(0, cols + 5), (rows, 0), (-1, 0), (0, "a"), ("a", 0), (0,), (0, 0, 0), None]:
        assert off not in ties and ties.get(off, -7) == -7
        with pytest.raises(KeyError):
            ties[off]
    w = symbolic_vector("w", layout.kernel_size)
    compact = BandedMatrix((rows, cols), tuple(w), ties)
    plain = BandedMatrix((rows, cols), tuple(w), expected)
    assert compact.rows() == plain.rows()
    assert compact.columns() == plain.columns()
    assert compact.tie_sets() == plain.tie_sets()
    assert compact.to_matrix() == plain.to_matrix()
    assert compact.tie_indices(everything) == plain.tie_indices(everything)
    assert pickle.loads(pickle.dumps(compact)) == compact


def test_tie_maps_that_differ_compare_unequal():
    from symconv.ops.banded import TieMap

    base = [[(0, 0), (1, 1)], [(0, 1), (1, 2)]]
    ties = TieMap(base)
    assert ties == TieMap(base) and ties.keys() == TieMap(base).keys()
    other_weight = TieMap([[(0, 0), (1, 1)], [(1, 1), (1, 2)]])
    assert ties != other_weight and ties.keys() == other_weight.keys()
    other_column = TieMap([[(0, 0), (1, 1)], [(0, 1), (1, 3)]])
    assert ties != other_column and ties.keys() != other_column.keys()
    one_row_less = TieMap(base[:1])
    assert ties != one_row_less and ties.keys() != one_row_less.keys()
    assert ties != {**dict(ties.items()), (1, 2): 0}
    assert ties.keys() != {(0, 0), (0, 1), (1, 1)}


def test_tie_map_refuses_a_column_twice_in_a_row():
    from symconv.ops.banded import TieMap

    with pytest.raises(ValueError, match=r"row 1 of the band holds a column twice: \[1, 1\]"):
        TieMap([[(0, 0)], [(0, 1), (1, 1)]])
