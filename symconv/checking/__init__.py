"""Check your own convolution: run it on symbols and prove it right, or show the first wrong term.

Your function gets NumPy object arrays of SymPy symbols, each named by its index in your
layout (``x[0, 1, 3]``, ``w[2, 1, 0]``, ``b[2]``); every entry it returns is compared, term
by term, with symconv's derivation of the layer. A wrong entry lists the terms it misses
and the terms it has too many, and names the index rule that went wrong: an axis read one
short, two axes swapped, a kernel not flipped, a stride or padding forgotten, a gradient
not summed over positions.

Examples
========

>>> import numpy as np
>>> def conv1d_loop(x, w, b):
...     n, c, length = x.shape
...     out_channels, _, k = w.shape
...     out = np.zeros((n, out_channels, length - k + 1))
...     for s in range(n):
...         for o in range(out_channels):
...             for i in range(length - k + 1):
...                 out[s, o, i] = np.sum(x[s, :, i:i + k] * w[o]) + b[o]
...     return out
>>> check_conv(conv1d_loop, x_shape=(1, 2, 6), w_shape=(3, 2, 3)).holds
True
>>> def off_by_one(x, w, b):
...     return conv1d_loop(x, w[:, :, [2, 0, 1]], b)   # reads w[k - 1], wrapping around
>>> result = check_conv(off_by_one, x_shape=(1, 2, 6), w_shape=(3, 2, 3))
>>> print(result.first_wrong.diagnosis[0])  # doctest: +NORMALIZE_WHITESPACE
your output (0, 0, 0) reads x[0, 0, 0] with w[0, 0, 2]; the layer reads x[0, 0, 0] with
w[0, 0, 0]: your kernel index is one short on axis 2 (kernel tap), wrapping around at the
edge (a negative index reads from the end) (6 terms read this way)

The public names: :func:`check_conv`, :func:`check_conv_backward`,
:func:`assert_conv_correct` (for pytest), :class:`CheckResult` and :class:`WrongEntry`,
and :func:`main_check`, the ``symconv check`` command line.
"""

from __future__ import annotations

from symconv.checking.checks import assert_conv_correct, check_conv, check_conv_backward
from symconv.checking.command import main_check
from symconv.checking.result import CheckResult, WrongEntry

__all__ = [
    "assert_conv_correct",
    "check_conv",
    "check_conv_backward",
    "CheckResult",
    "main_check",
    "WrongEntry",
]
