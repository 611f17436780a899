"""Symbolic vectors: building named ones and accepting what users pass as vectors.

Examples
========

>>> from symconv.core.vectors import symbolic_vector, as_vector
>>> symbolic_vector("x", 3).T
Matrix([[x0, x1, x2]])
>>> as_vector([1, 2.5, "a"])
Traceback (most recent call last):
...
TypeError: entry 2 of the vector is the string 'a'; strings are never evaluated: pass a sympy Symbol, or parse it with symconv.parsing.parse_vector
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fractions import Fraction
from numbers import Number

import sympy
from sympy import Matrix

NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9]*\Z")


def check_name(name: object) -> str:
    """Accept a symbol base name: a letter followed by letters or digits.

    The strict form keeps names safe to print in LaTeX and on a command line.
    """
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ValueError(
            f"symbol name {name!r} is not allowed; use a letter followed by letters "
            "or digits, like 'x' or 'w2'"
        )
    return name


def symbolic_vector(name: str, length: int) -> Matrix:
    """Column vector of fresh symbols ``name0 ... name{length-1}``.

    >>> symbolic_vector("w", 2)
    Matrix([
    [w0],
    [w1]])
    """
    from symconv.core.numbers import as_int

    check_name(name)
    length = as_int(length, f"length of {name}", 1)
    return Matrix(sympy.symbols(f"{name}0:{length}"))


def as_entry(value: object, where: str) -> sympy.Expr:
    """Turn one user value into a SymPy expression without evaluating any text."""
    if isinstance(value, str):
        raise TypeError(
            f"{where} is the string {value!r}; strings are never evaluated: pass a "
            "sympy Symbol, or parse it with symconv.parsing.parse_vector"
        )
    if isinstance(value, bool):
        raise TypeError(f"{where} is the bool {value!r}; use a number or a sympy expression")
    if isinstance(value, sympy.Basic):
        if not isinstance(value, sympy.Expr):
            raise TypeError(f"{where} is {value!r}, not a sympy expression")
        return value
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, Number):
        # numpy scalars are Numbers too; their Python value is what is meant.
        item = getattr(value, "item", None)
        plain = item() if callable(item) else value
        if isinstance(plain, bool):
            raise TypeError(f"{where} is the bool {plain!r}; use a number")
        return sympy.sympify(plain, strict=True)  # a Python number, never text
    raise TypeError(
        f"{where} is {value!r} of type {type(value).__name__}; use a number or a sympy expression"
    )


def as_vector(values: object, name: str = "the vector") -> Matrix:
    """Return ``values`` as a SymPy column vector, refusing strings and empty input.

    Accepts lists and tuples, SymPy row or column matrices, rank-1 arrays and numpy
    arrays.

    >>> as_vector((1, 2)).T
    Matrix([[1, 2]])
    """
    if isinstance(values, str):
        raise TypeError(
            f"{name} is the string {values!r}; strings are never evaluated: pass a list "
            "of numbers or symbols, or use symconv.parsing.parse_vector"
        )
    if isinstance(values, sympy.MatrixBase):
        if min(values.shape) > 1:
            raise ValueError(f"{name} must be a vector, got a matrix of shape {values.shape}")
        entries: list[object] = list(values)
    elif isinstance(values, sympy.NDimArray):
        if values.rank() != 1:
            raise ValueError(f"{name} must be a rank-1 array, got rank {values.rank()}")
        entries = list(values)
    elif isinstance(values, Iterable):
        shape = getattr(values, "shape", None)
        if shape is not None and len(shape) != 1:
            raise ValueError(f"{name} must be 1-D, got shape {tuple(shape)}")
        entries = list(values)
    else:
        raise TypeError(f"{name} must be a sequence or a sympy vector, got {type(values).__name__}")
    if not entries:
        raise ValueError(f"{name} is empty; it needs at least one entry")
    return Matrix([as_entry(v, f"entry {i} of {name}") for i, v in enumerate(entries)])
