from __future__ import annotations

import pytest
import sympy
from sympy import Float, Integer, Rational, Symbol

from symconv.core.parsing import MAX_LENGTH, parse_padding, parse_vector, vector_length


def test_grammar():
    assert list(parse_vector("1, -2, 2/3, 0.5, 1e-3, a, w2")) == [
        Integer(1),
        Integer(-2),
        Rational(2, 3),
        Float("0.5"),
        Float("1e-3"),
        Symbol("a"),
        Symbol("w2"),
    ]
    assert list(parse_vector("x:3")) == list(sympy.symbols("x0:3"))


@pytest.mark.parametrize("name", ["nan", "NaN", "inf", "Infinity", "oo", "zoo", "I", "pi", "E"])
def test_names_that_read_as_constants_are_refused(name):
    # Issue 16: "pi" would be a plain symbol here but the number in SymPy, and "nan" a
    # symbol here but a number to float(); both are refused rather than silently misread.
    with pytest.raises(ValueError, match=f"name {name!r} in '1, {name}' is refused: it reads as"):
        parse_vector(f"1, {name}")
    assert list(parse_vector("e1, pi2, p")) == [Symbol("e1"), Symbol("pi2"), Symbol("p")]


def test_negative_entries_and_lengths_from_the_text_alone():
    assert list(parse_vector("-1,0,1")) == [-1, 0, 1]
    assert list(parse_vector("-1/2, -.5")) == [Rational(-1, 2), Float("-0.5")]
    assert vector_length("x:100000000") == 100_000_000  # no symbol is made
    assert vector_length(" 1, 2 ,3") == 3


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "1+2",
        "exp(1)",
        "a*b",
        "x[0]",
        "lambda: 1",
        "1,,2",
        "",
        "1;2",
        "2**10",
        "a_b",
    ],
)
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError, match="an entry must be an integer|has an empty entry"):
        parse_vector(text)


def test_bad_fraction_and_length():
    with pytest.raises(ValueError, match="fraction '1/0' in '1/0' divides by zero"):
        parse_vector("1/0")
    with pytest.raises(ValueError, match=f"length 0 in 'x:0' must be between 1 and {MAX_LENGTH}"):
        parse_vector("x:0")
    with pytest.raises(ValueError, match="all-size proofs"):
        parse_vector(f"x:{MAX_LENGTH + 1}")
    with pytest.raises(TypeError, match="parse_vector reads a string, got list"):
        parse_vector([1, 2])  # type: ignore[arg-type]


def test_padding():
    assert parse_padding("2") == 2
    assert parse_padding(" 1, 3 ") == (1, 3)
    assert parse_padding("full") == "full"
    with pytest.raises(ValueError, match="padding '1,2,3' must be an integer >= 0, LEFT,RIGHT"):
        parse_padding("1,2,3")
    with pytest.raises(ValueError, match="padding '-1'"):
        parse_padding("-1")
