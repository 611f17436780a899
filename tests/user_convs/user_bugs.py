"""Convolutions with one planted bug each, as people write them; tests/test_checking.py
asserts the exact entry, terms and diagnosis the check finds for each."""

import numpy as np
from user_backward import conv1d_backward
from user_loops import conv1d_loop


def _tap_loop(x, w, b, stride, pad, read):
    """A 1-D layer summing tap by tap, skipping reads outside x: ``read(i, k)`` is the
    input position output i reads with tap k."""
    n, _, length = x.shape
    out_channels, _, k = w.shape
    l_out = (length + 2 * pad - k) // stride + 1
    out = np.zeros((n, out_channels, l_out))
    for s in range(n):
        for o in range(out_channels):
            for i in range(l_out):
                total = b[o]
                for tap in range(k):
                    j = read(i, tap)
                    if 0 <= j < length:
                        total = total + np.sum(x[s, :, j] * w[o, :, tap])
                out[s, o, i] = total
    return out


def off_by_one_window(x, w, b):
    """Bug: the window starts one late, ``i + k + 1`` (the last tap falls off the end)."""
    return _tap_loop(x, w, b, 1, 0, lambda i, k: i + k + 1)


def wrong_stride(x, w, b):
    """Bug: stride 2 in the output size, but the window moves by 1."""
    return _tap_loop(x, w, b, 2, 0, lambda i, k: i + k)


def missing_padding(x, w, b):
    """Bug: padding 1 in the output size, but x read as if unpadded: ``i + k``."""
    return _tap_loop(x, w, b, 1, 1, lambda i, k: i + k)


def swapped_channels(x, w, b):
    """Bug: the kernel read as w[c, o] instead of w[o, c] (square channel counts)."""
    return conv1d_loop(x, w.transpose(1, 0, 2), b)


def swapped_kernel_axes(x, w, b):
    """Bug: a 2-D kernel read w[o, c, j, i] (columns for rows)."""
    n, _, h, wd = x.shape
    f, _, hh, ww = w.shape
    out = np.zeros((n, f, h - hh + 1, wd - ww + 1))
    for s in range(n):
        for o in range(f):
            for i in range(h - hh + 1):
                for j in range(wd - ww + 1):
                    total = b[o]
                    for r in range(hh):
                        for q in range(ww):
                            total = total + np.sum(x[s, :, i + r, j + q] * w[o, :, q, r])
                    out[s, o, i, j] = total
    return out


def cross_correlation(x, w, b):
    """Bug for flip=True: a true convolution reverses the kernel; this does not."""
    return conv1d_loop(x, w, b)


def dw_last_position(dy, x, w, b):
    """Bug: dw assigned (=) per position instead of accumulated: the last one wins."""
    n, out_channels, l_out = dy.shape
    k = w.shape[2]
    dx, _, db = conv1d_backward(dy, x, w, b)
    dw = np.zeros_like(w)
    for s in range(n):
        for o in range(out_channels):
            for i in range(l_out):
                dw[o] = dy[s, o, i] * x[s, :, i : i + k]
    return dx, dw, db


def dx_missing_window(dy, x, w, b):
    """Bug: dx skips the last output position's window (range(l_out - 1))."""
    n, out_channels, l_out = dy.shape
    k = w.shape[2]
    _, dw, db = conv1d_backward(dy, x, w, b)
    dx = np.zeros_like(x)
    for s in range(n):
        for o in range(out_channels):
            for i in range(l_out - 1):
                dx[s, :, i : i + k] += dy[s, o, i] * w[o]
    return dx, dw, db


def db_last_position(dy, x, w, b):
    """Bug: db takes the upstream gradient of the last position only."""
    dx, dw, _ = conv1d_backward(dy, x, w, b)
    return dx, dw, dy[:, :, -1].sum(axis=0)


def db_first_sample(dy, x, w, b):
    """Bug: db sums over positions but only for the first sample of the batch."""
    dx, dw, _ = conv1d_backward(dy, x, w, b)
    return dx, dw, dy[0].sum(axis=1)
