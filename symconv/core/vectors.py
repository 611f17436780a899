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
from collections.abc import Iterable, Mapping, Set
from fractions import Fraction
from numbers import Number

import sympy
from sympy import Matrix

NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9]*\Z")

#: Bytes a fresh symbol costs (the Symbol, its name and SymPy's cache entry), measured
#: with tracemalloc on CPython 3.11 and SymPy 1.14: about 550.
BYTES_PER_SYMBOL = 600

#: Most symbols one vector may hold: about 6 GB by the estimate above. The benchmark's
#: largest inputs (16384 entries in 1-D, 128 x 128 = 16384 pixels in 2-D) are far below;
#: past it the all-size identities of symconv.general fit better than any instance.
MAX_SYMBOLS = 10_000_000


def check_symbol_count(count: int, what: str) -> None:
    """Refuse, from the size alone and before any symbol is made, a vector too big to hold.

    >>> check_symbol_count(10**8, "x")
    Traceback (most recent call last):
    ...
    ValueError: x would have 100000000 symbols, about 60.0 GB (600 bytes each); the limit is 10000000 symbols: use a smaller size, or symconv.general for the identities at every size at once
    """
    if count > MAX_SYMBOLS:
        raise ValueError(
            f"{what} would have {count} symbols, about {count * BYTES_PER_SYMBOL / 1e9:.1f} GB "
            f"({BYTES_PER_SYMBOL} bytes each); the limit is {MAX_SYMBOLS} symbols: use a "
            "smaller size, or symconv.general for the identities at every size at once"
        )


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
    return Matrix(symbol_list(name, length))


def symbol_list(name: str, length: int) -> list[sympy.Symbol]:
    """The symbols of :func:`symbolic_vector` as a list: for a caller that keeps a long
    column without a Matrix (which keeps a dict per entry).

    >>> symbol_list("g", 3)
    [g0, g1, g2]
    """
    from symconv.core.numbers import as_int

    check_name(name)
    length = as_int(length, f"length of {name}", 1)
    check_symbol_count(length, f"symbolic_vector({name!r}, {length})")
    return list(sympy.symbols(f"{name}0:{length}"))


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
    if (
        not isinstance(value, Number)
        and getattr(value, "shape", None) == ()
        and callable(getattr(value, "item", None))
    ):
        # A 0-d array or tensor (an entry of a torch tensor): its Python number is meant.
        value = value.item()  # type: ignore[attr-defined]
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

    Accepts lists and tuples, SymPy row or column matrices, rank-1 arrays, numpy arrays
    and PyTorch tensors. Refuses what has no order of its entries (a dict, a set).

    >>> as_vector((1, 2)).T
    Matrix([[1, 2]])
    >>> as_vector({"a": 1})
    Traceback (most recent call last):
    ...
    TypeError: the vector is a dict, which has no entries in order: pass a list of values, e.g. list(d.values())
    """
    return Matrix(vector_entries(values, name))


def vector_entries(values: object, name: str = "the vector") -> tuple[sympy.Expr, ...]:
    """The entries of a vector as :func:`as_vector` validates them, as a tuple: for a
    caller that reads them in order and needs no Matrix (a column Matrix keeps a dict
    per entry, 4.5 MB for 16,384 entries).

    >>> vector_entries([1, 2])
    (1, 2)
    """
    if isinstance(values, str):
        raise TypeError(
            f"{name} is the string {values!r}; strings are never evaluated: pass a list "
            "of numbers or symbols, or use symconv.parsing.parse_vector"
        )
    if isinstance(values, (Mapping, Set)):
        hint = "list(d.values())" if isinstance(values, Mapping) else "sorted(s)"
        raise TypeError(
            f"{name} is a {type(values).__name__}, which has no entries in order: pass a "
            f"list of values, e.g. {hint}"
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
        tolist = getattr(values, "tolist", None)
        # numpy arrays and torch tensors give Python numbers (or their objects) this way.
        raw = tolist() if shape is not None and callable(tolist) else values
        entries = list(raw)
    else:
        raise TypeError(f"{name} must be a sequence or a sympy vector, got {type(values).__name__}")
    if not entries:
        raise ValueError(f"{name} is empty; it needs at least one entry")
    return tuple(as_entry(v, f"entry {i} of {name}") for i, v in enumerate(entries))
