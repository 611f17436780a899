from __future__ import annotations

import numpy as np
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


def test_the_natural_cases_of_issue_16(torch):
    a = sympy.Symbol("a")
    # a column against a flat sequence of the same length: entry by entry
    assert_sym_equal(conv1d([1, 2, 3, 4], [5, 6, 7]), [38, 56])
    assert_sym_equal((38, 56), conv1d([1, 2, 3, 4], [5, 6, 7]).T)
    # numpy arrays and torch tensors are arrays, not scalars
    assert_sym_equal(conv1d([1, 2, 3, 4], [5, 6, 7]), np.array([38, 56]))
    assert_sym_equal(np.array([[1, 2], [3, 4]]), Matrix([[1, 2], [3, 4]]))
    assert_sym_equal(torch.tensor([38.0, 56.0]), [38, 56])
    assert_sym_equal(np.float64(2.0), 2)
    with pytest.raises(AssertionError, match=r"entry \(1,\): 56 != 57"):
        assert_sym_equal(np.array([38, 56]), [38, 57])
    # identities that expand/cancel cannot settle are tried with simplify
    assert_sym_equal(sympy.sin(a) ** 2 + sympy.cos(a) ** 2, 1)
    assert_sym_equal(sympy.exp(2 * a), sympy.exp(a) ** 2)
    with pytest.raises(AssertionError, match="expressions: sin"):
        assert_sym_equal(sympy.sin(a) ** 2, 1)


def test_a_flat_sequence_of_another_length_or_a_matrix_still_differs():
    with pytest.raises(AssertionError, match=r"shapes differ: \(2, 1\) != \(3,\)"):
        assert_sym_equal(Matrix([1, 2]), [1, 2, 3])
    with pytest.raises(AssertionError, match=r"shapes differ: \(2, 2\) != \(4,\)"):
        assert_sym_equal(Matrix([[1, 2], [3, 4]]), [1, 2, 3, 4])


def test_pytest_shows_the_callers_line():
    import inspect

    assert "__tracebackhide__ = True" in inspect.getsource(assert_sym_equal)
