"""Padding modes: which real input a position in the padding reads (PyTorch's ``padding_mode``).

A layer with a padding mode pads its input by the mode, then slides a valid convolution
over it (``nn.Conv1d``/``nn.Conv2d`` with ``padding_mode``). Position ``j`` of the padded
input (``j < 0`` on the left, ``j >= n`` on the right of an input of length ``n``) reads:

* ``"zeros"``: nothing, a zero (the default);
* ``"reflect"``: the mirror image about the edge sample, which is not repeated
  (``x[1]`` at ``j = -1``);
* ``"replicate"``: the edge sample itself;
* ``"circular"``: the input wrapped round (``x[j mod n]``).

The rules are data (:data:`PADDING_MODES`), and so are PyTorch's limits on how much
padding each mode takes (:data:`PADDING_LIMITS`).

Examples
========

>>> [PADDING_MODES["reflect"](j, 4) for j in range(-2, 6)]
[2, 1, 0, 1, 2, 3, 2, 1]
>>> [PADDING_MODES["replicate"](j, 4) for j in range(-2, 6)]
[0, 0, 0, 1, 2, 3, 3, 3]
>>> [PADDING_MODES["circular"](j, 4) for j in range(-2, 6)]
[2, 3, 0, 1, 2, 3, 0, 1]
>>> PADDING_MODES["zeros"](-1, 4) is None
True
"""

from __future__ import annotations

from collections.abc import Callable


def reflect(j: int, n: int) -> int:
    """Mirror about the edge samples, which are not repeated (needs ``-n < j < 2n - 1``)."""
    if j < 0:
        return -j
    if j >= n:
        return 2 * (n - 1) - j
    return j


#: Which real input padded position ``j`` reads, for an input of length ``n`` (None: a zero).
PADDING_MODES: dict[str, Callable[[int, int], int | None]] = {
    "zeros": lambda j, n: j if 0 <= j < n else None,
    "reflect": reflect,
    "replicate": lambda j, n: min(max(j, 0), n - 1),
    "circular": lambda j, n: j % n,
}

#: The most padding a side may have for an input of length ``n`` (None: no limit), and
#: why: PyTorch's ``F.pad`` refuses more.
PADDING_LIMITS: dict[str, tuple[Callable[[int], int], str]] = {
    "reflect": (
        lambda n: n - 1,
        "reflect padding must be less than the input length (the mirror of x has n - 1 "
        "samples on each side)",
    ),
    "circular": (
        lambda n: n,
        "circular padding must not exceed the input length (it would wrap around more than once)",
    ),
}


def check_padding_mode(mode: object) -> str:
    """``mode`` if it is a padding mode, else ``ValueError``/``TypeError`` naming it.

    >>> check_padding_mode("reflect")
    'reflect'
    >>> check_padding_mode("mirror")
    Traceback (most recent call last):
    ...
    ValueError: padding_mode 'mirror' is not a padding mode; use one of 'zeros', 'reflect', 'replicate', 'circular'
    """
    allowed = ", ".join(repr(name) for name in PADDING_MODES)
    if not isinstance(mode, str):
        raise TypeError(f"padding_mode must be a string, one of {allowed}; got {mode!r}")
    if mode not in PADDING_MODES:
        raise ValueError(f"padding_mode {mode!r} is not a padding mode; use one of {allowed}")
    return mode


def check_padding_limits(mode: str, left: int, right: int, length: int) -> None:
    """Refuse padding the mode cannot give (PyTorch's limits), naming the sizes.

    >>> check_padding_limits("reflect", 2, 2, 2)
    Traceback (most recent call last):
    ...
    ValueError: padding (2, 2) with padding_mode 'reflect' on an input of length 2: reflect padding must be less than the input length (the mirror of x has n - 1 samples on each side)
    """
    if mode not in PADDING_LIMITS:
        return
    limit, why = PADDING_LIMITS[mode]
    if max(left, right) > limit(length):
        raise ValueError(
            f"padding ({left}, {right}) with padding_mode {mode!r} on an input of length "
            f"{length}: {why}"
        )
