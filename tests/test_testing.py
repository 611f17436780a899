from __future__ import annotations

import pytest
import sympy
from sympy import Array, Matrix

from symconv import conv1d, conv_matrix, symbolic_vector
from symconv.testing import assert_sym_equal


def test_passes_on_symbolic_equality_of_every_kind():
    x, w = symbolic_vector("x", 5), symbolic_vector("w", 2)
    assert_sym_equal(conv_matrix(w, 5) * x, conv1d(x, w))
    assert_sym_equal([sympy.Symbol("a") * 2], (2 * sympy.Symbol("a"),))
    assert_sym_equal(Array([[1, 2], [3, 4]]), Array([[1, 2], [3, 4]]))
    assert_sym_equal(1 / (1 + sympy.Symbol("t")) * (1 + sympy.Symbol("t")), 1)


def test_failure_lists_entries_and_differences():
    a, b = sympy.symbols("a b")
    with pytest.raises(AssertionError) as info:
        assert_sym_equal(Matrix([a, b, a + b]), Matrix([a, a, a]))
    message = str(info.value)
    assert message.splitlines()[0] == "2 of 3 entries differ:"
    assert "entry (1, 0): b != a  (difference -a + b)" in message
    assert "entry (2, 0): a + b != a  (difference b)" in message


def test_long_failures_are_cut_and_shapes_are_checked():
    with pytest.raises(AssertionError, match=r"\.\.\. and 5 more"):
        assert_sym_equal(list(range(10)), [v + 1 for v in range(10)])
    with pytest.raises(AssertionError, match=r"shapes differ: \(2, 1\) != \(1, 2\)"):
        assert_sym_equal(Matrix([1, 2]), Matrix([[1, 2]]))
    with pytest.raises(AssertionError, match=r"entry \(1, 0\)"):
        assert_sym_equal(Array([[1, 2], [3, 4]]), Array([[1, 2], [0, 4]]))


def test_strings_are_not_evaluated():
    with pytest.raises(sympy.SympifyError):
        assert_sym_equal(["a + b"], ["a + b"])
