"""Assertions for users' own test suites: symbolic equality with a readable difference.

Examples
========

>>> from sympy import symbols, Matrix, sin, cos
>>> from symconv import conv1d
>>> from symconv.testing import assert_sym_equal
>>> a, b = symbols("a b")
>>> assert_sym_equal((a + b)**2, a**2 + 2*a*b + b**2)
>>> assert_sym_equal(conv1d([1, 2, 3, 4], [5, 6, 7]), [38, 56])  # a column and a list
>>> assert_sym_equal(sin(a)**2 + cos(a)**2, 1)  # simplify settles what expand cannot
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

#: Operations in a difference past which ``simplify`` is not tried (it can take minutes).
SIMPLIFY_LIMIT = 400

Entries = tuple[tuple[int, ...], list[tuple[tuple[int, ...], Any]]]


def as_entries(value: Any) -> Entries:
    """Shape and ``(index, entry)`` pairs of a scalar, a Matrix, an Array, a sequence, or
    a numpy array or PyTorch tensor (read through ``tolist()``, as an array)."""
    if isinstance(value, sympy.MatrixBase):
        return value.shape, [
            ((i, j), value[i, j]) for i in range(value.rows) for j in range(value.cols)
        ]
    if isinstance(value, sympy.NDimArray):
        indices = list(product(*(range(size) for size in value.shape)))
        return tuple(value.shape), [(index, value[index]) for index in indices]
    shape = getattr(value, "shape", None)
    tolist = getattr(value, "tolist", None)
    if shape is not None and callable(tolist) and not isinstance(value, sympy.Basic):
        listed = tolist()
        if not isinstance(listed, list):  # a 0-d array: one number
            return (), [((), listed)]
        return as_entries(sympy.Array(listed) if len(shape) > 1 else listed)
    if isinstance(value, (list, tuple)):
        return (len(value),), [((i,), v) for i, v in enumerate(value)]
    return (), [((), value)]


def vector_length(shape: tuple[int, ...]) -> int | None:
    """The length of a vector shape: ``(n,)``, a column ``(n, 1)`` or a row ``(1, n)``."""
    if len(shape) == 1:
        return shape[0]
    if len(shape) == 2 and 1 in shape:
        return shape[0] * shape[1]
    return None


def comparable(shape_a: tuple[int, ...], shape_e: tuple[int, ...]) -> bool:
    """Equal shapes, or a flat sequence against a column or row of the same length (a
    column against a row still differs: that is a transpose, and usually a bug)."""
    if shape_a == shape_e:
        return True
    if len(shape_a) != 1 and len(shape_e) != 1:
        return False
    length = vector_length(shape_a)
    return length is not None and length == vector_length(shape_e)


def equal(a: sympy.Expr, e: sympy.Expr) -> bool:
    """symconv's comparison (canonical forms, then expand/cancel), then ``simplify`` of the
    difference for what those cannot settle (trigonometric, exponential identities)."""
    if same(a, e)[0]:
        return True
    difference = a - e
    if sympy.count_ops(difference) > SIMPLIFY_LIMIT:
        return False
    return bool(sympy.simplify(difference) == 0)


def assert_sym_equal(actual: Any, expected: Any, *, shown: int = SHOWN) -> None:
    """Assert that two expressions, vectors, matrices or arrays are symbolically equal.

    Each entry is compared like symconv's proofs compare (identical canonical forms, else
    expand/cancel of the difference to zero), then by ``simplify``. A flat sequence and a
    column or row of the same length compare entry by entry. numpy arrays and PyTorch
    tensors are read as arrays. A failure lists the first ``shown`` differing entries with
    both sides and their expanded difference.
    """
    __tracebackhide__ = True  # pytest shows the caller's line, not this function's
    shape_a, entries_a = as_entries(actual)
    shape_e, entries_e = as_entries(expected)
    if not comparable(shape_a, shape_e):
        raise AssertionError(f"shapes differ: {shape_a} != {shape_e}")
    differing = []
    for (where, a), (_, e) in zip(entries_a, entries_e):
        a, e = sympy.sympify(a, strict=True), sympy.sympify(e, strict=True)
        if not equal(a, e):
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


def assert_conv_correct(forward: Any, **options: Any) -> Any:
    """Assert that a user's convolution (and, with ``backward=``, its backward pass) is
    right, term by term; see :func:`symconv.checking.assert_conv_correct` for the
    options. The failure message is the diagnosis: the wrong entry, the terms missing
    and extra, and the index rule that explains them."""
    __tracebackhide__ = True
    from symconv.checking import assert_conv_correct as check

    return check(forward, **options)
