"""Reading integer options (sizes, strides, dilations): integers only, never text or floats."""

from __future__ import annotations

import operator
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
