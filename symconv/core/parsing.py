"""The strict grammar for vectors typed by users: numbers, fractions, decimals, names.

Nothing here evaluates text. A token is an integer (``-3``), a fraction (``2/3``), a
decimal (``0.25``, ``1e-3``) or an identifier (``a``, ``w2``); a vector is tokens joined
by commas, or ``NAME:LENGTH`` for a vector of fresh symbols ``NAME0 ... NAME{LENGTH-1}``.

Examples
========

>>> from symconv.core.parsing import parse_vector
>>> parse_vector("1, 2/3, -0.5, a").T
Matrix([[1, 2/3, -0.5, a]])
>>> parse_vector("x:3").T
Matrix([[x0, x1, x2]])
>>> parse_vector("1, 2+3")
Traceback (most recent call last):
...
ValueError: cannot read '2+3' in '1, 2+3': an entry must be an integer (3), a fraction (2/3), a decimal (0.5) or a name (a, w1); a vector is entries joined by commas or NAME:LENGTH

A decimal stays a SymPy ``Float`` (15 significant digits, as Python's float); the command
line prints it short (``0.1``, not ``0.100000000000000``). Names that read as SymPy's
constants or as float words (``pi``, ``E``, ``I``, ``oo``, ``nan``, ``inf``) are refused,
since ``pi`` would be a plain symbol here but the number in SymPy:

>>> parse_vector("1, pi")
Traceback (most recent call last):
...
ValueError: name 'pi' in '1, pi' is refused: it reads as SymPy's constant or a float word (E, I, inf, infinity, nan, oo, pi, zoo), but here it would be a plain symbol; use another name, like p or c1
"""

from __future__ import annotations

import re

import sympy
from sympy import Matrix

from symconv.core.vectors import symbolic_vector

INTEGER = re.compile(r"[+-]?\d+\Z")


FRACTION = re.compile(r"([+-]?\d+)/(\d+)\Z")


DECIMAL = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?\Z")


NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*\Z")


SYMBOLIC = re.compile(r"([A-Za-z][A-Za-z0-9]*):(\d+)\Z")


GRAMMAR = (
    "an entry must be an integer (3), a fraction (2/3), a decimal (0.5) or a name "
    "(a, w1); a vector is entries joined by commas or NAME:LENGTH"
)


#: Longest vector a command line may ask for; past it the all-size proofs fit better.
MAX_LENGTH = 1_000_000

#: Names refused as entries (compared in lowercase): SymPy's constants, which a reader
#: takes for numbers, and the words Python's float() reads as numbers.
RESERVED_NAMES = frozenset({"e", "i", "inf", "infinity", "nan", "oo", "pi", "zoo"})


def parse_token(token: str, text: str) -> sympy.Expr:
    """One entry, by the grammar above."""
    if INTEGER.match(token):
        return sympy.Integer(int(token))
    fraction = FRACTION.match(token)
    if fraction:
        numerator, denominator = int(fraction.group(1)), int(fraction.group(2))
        if denominator == 0:
            raise ValueError(f"fraction {token!r} in {text!r} divides by zero")
        return sympy.Rational(numerator, denominator)
    if DECIMAL.match(token):
        return sympy.Float(token)
    if NAME.match(token):
        if token.lower() in RESERVED_NAMES:
            raise ValueError(
                f"name {token!r} in {text!r} is refused: it reads as SymPy's constant or a "
                "float word (E, I, inf, infinity, nan, oo, pi, zoo), but here it would be a "
                "plain symbol; use another name, like p or c1"
            )
        return sympy.Symbol(token)
    raise ValueError(f"cannot read {token!r} in {text!r}: {GRAMMAR}")


def vector_length(text: str) -> int:
    """How many entries ``text`` asks for, read from its shape alone (no entry is made).

    A size check can refuse ``x:100000000`` with this before any symbol exists.

    >>> vector_length("x:1000000"), vector_length("1, 2, a")
    (1000000, 3)
    """
    if not isinstance(text, str):
        raise TypeError(f"vector_length reads a string, got {type(text).__name__}")
    symbolic = SYMBOLIC.match(text.strip())
    return int(symbolic.group(2)) if symbolic else text.count(",") + 1


def parse_vector(text: str) -> Matrix:
    """A column vector from ``text`` (see the module docstring for the grammar)."""
    if not isinstance(text, str):
        raise TypeError(f"parse_vector reads a string, got {type(text).__name__}")
    stripped = text.strip()
    symbolic = SYMBOLIC.match(stripped)
    if symbolic:
        length = int(symbolic.group(2))
        if not 1 <= length <= MAX_LENGTH:
            raise ValueError(
                f"length {length} in {text!r} must be between 1 and {MAX_LENGTH}; "
                "for every length at once use the all-size proofs (symconv.general)"
            )
        return symbolic_vector(symbolic.group(1), length)
    tokens = [t.strip() for t in stripped.split(",")]
    if not stripped or any(not t for t in tokens):
        raise ValueError(f"vector {text!r} has an empty entry: {GRAMMAR}")
    return Matrix([parse_token(t, text) for t in tokens])


def parse_padding(text: str) -> int | tuple[int, int] | str:
    """``3``, ``1,2`` (left, right) or a padding word.

    >>> parse_padding("1,2"), parse_padding("same"), parse_padding("0")
    ((1, 2), 'same', 0)
    """
    stripped = text.strip()
    if NAME.match(stripped):
        return stripped
    parts = [p.strip() for p in stripped.split(",")]
    if all(re.fullmatch(r"\d+", p) for p in parts):
        if len(parts) == 1:
            return int(parts[0])
        if len(parts) == 2:
            return int(parts[0]), int(parts[1])
    raise ValueError(f"padding {text!r} must be an integer >= 0, LEFT,RIGHT, or valid/same/full")
