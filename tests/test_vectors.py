from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy
from sympy import Matrix, Rational, Symbol

from symconv.core.vectors import MAX_SYMBOLS, as_vector, check_name, symbolic_vector


def test_symbolic_vector_names():
    assert list(symbolic_vector("x", 3)) == list(sympy.symbols("x0:3"))


@pytest.mark.parametrize(
    "values",
    [
        [1, 2, 3],
        (1, 2, 3),
        Matrix([1, 2, 3]),
        Matrix([[1, 2, 3]]),
        sympy.Array([1, 2, 3]),
        np.array([1, 2, 3]),
    ],
)
def test_accepted_vectors(values):
    v = as_vector(values)
    assert v.shape == (3, 1)
    assert list(v) == [1, 2, 3]
    assert all(isinstance(e, sympy.Integer) for e in v)


def test_numbers_become_exact_sympy_numbers():
    v = as_vector([Fraction(1, 3), 0.5, np.float64(2.0), Symbol("a")])
    assert v[0] == Rational(1, 3)
    assert isinstance(v[1], sympy.Float)
    assert v[3] == Symbol("a")


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        ([], ValueError, "the vector is empty"),
        ("1,2,3", TypeError, "is the string '1,2,3'; strings are never evaluated"),
        ([1, "x"], TypeError, "entry 1 of the vector is the string 'x'"),
        ([True, 2], TypeError, "entry 0 of the vector is the bool True"),
        ([1, None], TypeError, "entry 1 of the vector is None"),
        (Matrix([[1, 2], [3, 4]]), ValueError, r"must be a vector, got a matrix of shape \(2, 2\)"),
        (np.zeros((2, 2)), ValueError, r"must be 1-D, got shape \(2, 2\)"),
        (5, TypeError, "must be a sequence or a sympy vector, got int"),
    ],
)
def test_bad_vectors(values, error, message):
    with pytest.raises(error, match=message):
        as_vector(values)


@pytest.mark.parametrize("name", ["", "1x", "x_1", "a b", "\\alpha", "x{", "é"])
def test_bad_names(name):
    with pytest.raises(
        ValueError, match="is not allowed; use a letter followed by letters or digits"
    ):
        check_name(name)


def test_torch_tensors_are_read_like_numpy_arrays(torch):
    assert list(as_vector(torch.tensor([1, 2, 3]))) == [1, 2, 3]
    assert list(as_vector(torch.tensor([0.5, 2.0], requires_grad=True))) == [0.5, 2.0]
    assert list(as_vector([torch.tensor(2), np.int64(3)])) == [2, 3]
    with pytest.raises(ValueError, match=r"must be 1-D, got shape \(2, 2\)"):
        as_vector(torch.zeros(2, 2))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"a": 1, "b": 2}, r"is a dict, which has no entries in order: .*list\(d.values\(\)\)"),
        ({1, 2}, r"is a set, which has no entries in order: .*sorted\(s\)"),
    ],
)
def test_unordered_containers_are_refused(values, message):
    with pytest.raises(TypeError, match=message):
        as_vector(values)


def test_huge_symbolic_vectors_are_refused_from_the_size_alone(monkeypatch):
    def no_symbols(*args, **kwargs):
        raise AssertionError("a symbol was made before the size was checked")

    monkeypatch.setattr(sympy, "symbols", no_symbols)
    with pytest.raises(
        ValueError,
        match=r"symbolic_vector\('x', 100000000\) would have 100000000 symbols, about 60\.0 GB "
        r"\(600 bytes each\); the limit is 10000000 symbols",
    ):
        symbolic_vector("x", 10**8)


def test_the_benchmark_sizes_are_admitted():
    assert len(symbolic_vector("x", 16384)) == 16384  # (16384, 9) and a 128 x 128 image
    assert MAX_SYMBOLS >= 128 * 128


def test_bad_length():
    with pytest.raises(ValueError, match="length of x must be an integer >= 1, got 0"):
        symbolic_vector("x", 0)
