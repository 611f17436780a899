"""Reading integer options (sizes, strides, dilations): integers only, never text or floats."""

from __future__ import annotations

import operator
from array import array
from collections.abc import Iterable, Sequence


def as_int(value: object, name: str, minimum: int) -> int:
    """Return ``value`` as a Python int if it is an integer >= ``minimum``.

    Accepts every integer type, by ``operator.index`` (``int``, SymPy ``Integer``,
    ``numpy.int64``, a 0-d integer tensor); refuses bools, floats and strings, which are
    more often a mistake than an intention.

    >>> as_int(2, "stride", 1)
    2
    >>> import numpy as np
    >>> as_int(np.int64(2), "stride", 1)
    2
    >>> as_int(0, "stride", 1)
    Traceback (most recent call last):
    ...
    ValueError: stride must be an integer >= 1, got 0
    >>> as_int(2.0, "stride", 1)
    Traceback (most recent call last):
    ...
    TypeError: stride must be an integer >= 1, got 2.0 of type float
    """
    # numpy's bool_ is not a bool but reads as one; neither is a size.
    is_bool = isinstance(value, bool) or type(value).__name__ in ("bool", "bool_")
    try:
        number = None if is_bool else operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        number = None
    if number is None:
        raise TypeError(
            f"{name} must be an integer >= {minimum}, got {value!r} of type {type(value).__name__}"
        )
    if number < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {number}")
    return number


def as_sizes(
    value: object,
    name: str,
    form: str,
    count: int | None = None,
    labels: Sequence[str] | None = None,
) -> tuple[int, ...]:
    """``value`` as a tuple of integers >= 1: any sequence of sizes (a tuple, a list, a
    SymPy ``Tuple``, a ``torch.Size``), not a string or a lone number; ``count`` entries
    if given, else at least one. ``form`` says what is wanted and ``labels`` names the
    entries (``"height"``, ``"width"``; else each is an "entry"), for the messages.

    >>> from sympy import Tuple
    >>> as_sizes(Tuple(1, 3, 3), "input shape", "(C_in, d_0, d_1)", 3)
    (1, 3, 3)
    >>> as_sizes("33", "kernel shape", "(k_0, ..., k_(N-1))")
    Traceback (most recent call last):
    ...
    ValueError: kernel shape '33' must be (k_0, ..., k_(N-1)): a sequence of integers >= 1
    >>> as_sizes((3,), "input shape", "(C_in, d_0)", 2)
    Traceback (most recent call last):
    ...
    ValueError: input shape (3,) must be (C_in, d_0): 2 integers >= 1, got 1
    """
    entries: tuple[object, ...] | None = None
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        entries = tuple(value)
    if not entries:
        raise ValueError(f"{name} {value!r} must be {form}: a sequence of integers >= 1")
    if count is not None and len(entries) != count:
        raise ValueError(
            f"{name} {value!r} must be {form}: {count} integers >= 1, got {len(entries)}"
        )
    names = list(labels) if labels is not None else ["entry"] * len(entries)
    return tuple(as_int(n, f"{name} {label}", 1) for n, label in zip(entries, names))


#: The largest int a 4-byte array item holds, plus one.
INT32_TOP = 2**31


def int_array(top: int) -> array[int]:
    """An empty array for ints in ``[0, top)``: 4 bytes an item where they fit, else 8.

    >>> int_array(10).typecode, int_array(2**40).typecode
    ('i', 'q')
    """
    return array("i" if top <= INT32_TOP else "q")


def code_array(top: int) -> array[int]:
    """An empty array for codes in ``[0, top)``, never negative: 4 bytes an item (unsigned)
    where they fit, else 8 (the codes of a (16384, 9) layer's triples reach 2.4e9).

    >>> code_array(2**32).typecode, code_array(2**32 + 1).typecode
    ('I', 'q')
    """
    return array("I" if top <= 2**32 and array("I").itemsize == 4 else "q")


def narrowed(values: array[int]) -> array[int]:
    """``values`` in 4-byte items if every one fits, else ``values`` itself: for arrays
    built before their bound is known (a band's columns, a list of entries' keys).

    >>> narrowed(array("q", [3, -1])).typecode, narrowed(array("q", [2**40])).typecode
    ('i', 'q')
    """
    if values.itemsize <= 4:
        return values
    if not values or (-INT32_TOP <= min(values) and max(values) < INT32_TOP):
        return array("i", values)
    return values
