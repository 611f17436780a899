"""Reading integer options (sizes, strides, dilations): integers only, never text or floats."""

from __future__ import annotations

import sympy


def as_int(value: object, name: str, minimum: int) -> int:
    """Return ``value`` as a Python int if it is an integer >= ``minimum``.

    Accepts ``int`` and SymPy ``Integer``; refuses bools, floats and strings, which are
    more often a mistake than an intention.

    >>> as_int(2, "stride", 1)
    2
    >>> as_int(0, "stride", 1)
    Traceback (most recent call last):
    ...
    ValueError: stride must be an integer >= 1, got 0
    """
    if isinstance(value, bool) or not isinstance(value, (int, sympy.Integer)):
        raise TypeError(
            f"{name} must be an integer >= {minimum}, got {value!r} of type {type(value).__name__}"
        )
    number = int(value)
    if number < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {number}")
    return number
