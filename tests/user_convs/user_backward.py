"""Correct backward passes: plain (dy, x, w, b) -> (dx, dw, db) and CS231n's cache style."""

import numpy as np
from user_loops import conv2d_loop


def conv1d_backward(dy, x, w, b, stride=1, pad=0):
    _, _, length = x.shape
    _, _, k = w.shape
    n, out_channels, l_out = dy.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for s in range(n):
        for o in range(out_channels):
            for i in range(l_out):
                start = i * stride
                dw[o] += dy[s, o, i] * xp[s, :, start : start + k]
                dxp[s, :, start : start + k] += dy[s, o, i] * w[o]
    db = dy.sum(axis=(0, 2))
    return dxp[:, :, pad : pad + length], dw, db


def conv1d_backward_s2p1(dy, x, w, b):
    return conv1d_backward(dy, x, w, b, stride=2, pad=1)


def conv2d_backward(dy, x, w, b, stride=1, pad=0):
    _, _, h, wd = x.shape
    _, _, hh, ww = w.shape
    n, f, h_out, w_out = dy.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for s in range(n):
        for o in range(f):
            for i in range(h_out):
                for j in range(w_out):
                    rows = slice(i * stride, i * stride + hh)
                    cols = slice(j * stride, j * stride + ww)
                    dw[o] += dy[s, o, i, j] * xp[s, :, rows, cols]
                    dxp[s, :, rows, cols] += dy[s, o, i, j] * w[o]
    return dxp[:, :, pad : pad + h, pad : pad + wd], dw, dy.sum(axis=(0, 2, 3))


def conv_forward_naive(x, w, b, conv_param):
    """CS231n: out, cache = conv_forward_naive(x, w, b, {"stride": s, "pad": p})."""
    out = conv2d_loop(x, w, b, stride=conv_param["stride"], pad=conv_param["pad"])
    return out, (x, w, b, conv_param)


def conv_backward_naive(dout, cache):
    """CS231n: dx, dw, db = conv_backward_naive(dout, cache)."""
    x, w, b, conv_param = cache
    return conv2d_backward(dout, x, w, b, stride=conv_param["stride"], pad=conv_param["pad"])
