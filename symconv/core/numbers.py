"""Reading integer options (sizes, strides, dilations): integers only, never text or floats."""

from __future__ import annotations

import operator


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
