"""Assertions for users' own test suites: symbolic equality with a readable difference.

Examples
========

>>> from sympy import symbols, Matrix
>>> from symconv.testing import assert_sym_equal
>>> a, b = symbols("a b")
>>> assert_sym_equal((a + b)**2, a**2 + 2*a*b + b**2)
>>> assert_sym_equal(Matrix([a*b, a]), Matrix([b*a, b]))
Traceback (most recent call last):
...
AssertionError: 1 of 2 entries differ:
  entry (1, 0): a != b  (difference a - b)
"""

from __future__ import annotations

from itertools import product
from typing import Any

import sympy

from symconv.core.engine import same

#: Differing entries listed in one failure message before "... and N more".
SHOWN = 5


def as_entries(value: Any) -> tuple[tuple[int, ...], list[tuple[tuple[int, ...], Any]]]:
    """Shape and ``(index, entry)`` pairs of a scalar, a Matrix, an Array or a sequence."""
    if isinstance(value, sympy.MatrixBase):
        return value.shape, [
            ((i, j), value[i, j]) for i in range(value.rows) for j in range(value.cols)
        ]
    if isinstance(value, sympy.NDimArray):
        indices = list(product(*(range(size) for size in value.shape)))
        return tuple(value.shape), [(index, value[index]) for index in indices]
    if isinstance(value, (list, tuple)):
        return (len(value),), [((i,), v) for i, v in enumerate(value)]
    return (), [((), value)]


def assert_sym_equal(actual: Any, expected: Any, *, shown: int = SHOWN) -> None:
    """Assert that two expressions, vectors, matrices or arrays are symbolically equal.

    Each entry is compared like symconv's proofs compare (identical canonical forms, else
    expand/cancel of the difference to zero). A failure lists the first ``shown``
    differing entries with both sides and their expanded difference.
    """
    shape_a, entries_a = as_entries(actual)
    shape_e, entries_e = as_entries(expected)
    if shape_a != shape_e:
        raise AssertionError(f"shapes differ: {shape_a} != {shape_e}")
    differing = []
    for (where, a), (_, e) in zip(entries_a, entries_e):
        a, e = sympy.sympify(a, strict=True), sympy.sympify(e, strict=True)
        if not same(a, e)[0]:
            differing.append((where, a, e))
    if not differing:
        return
    lines = [f"{len(differing)} of {len(entries_a)} entries differ:"]
    for where, a, e in differing[:shown]:
        label = f"entry {where}" if where else "expressions"
        lines.append(f"  {label}: {a} != {e}  (difference {sympy.expand(a - e)})")
    if len(differing) > shown:
        lines.append(f"  ... and {len(differing) - shown} more")
    raise AssertionError("\n".join(lines))
