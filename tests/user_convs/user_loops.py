"""Correct convolutions written the way people write them: NumPy loops over positions.

Used by tests/test_checking.py and its command-line tests (``FILE.py:FUNCTION``).
"""

import numpy as np


def conv1d_loop(x, w, b, stride=1, pad=0, dilation=1, groups=1):
    """PyTorch's conv1d: x (N, C, L), w (O, C/groups, K), b (O,)."""
    n, _, length = x.shape
    out_channels, per_group, k = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad)))
    span = dilation * (k - 1) + 1
    l_out = (length + 2 * pad - span) // stride + 1
    out = np.zeros((n, out_channels, l_out))
    outs_per_group = out_channels // groups
    for s in range(n):
        for o in range(out_channels):
            group = o // outs_per_group
            channels = slice(group * per_group, (group + 1) * per_group)
            for i in range(l_out):
                start = i * stride
                window = xp[s, channels, start : start + span : dilation]
                out[s, o, i] = np.sum(window * w[o]) + b[o]
    return out


def conv1d_s2p1(x, w, b):
    """The command-line tests' layer: stride 2, padding 1."""
    return conv1d_loop(x, w, b, stride=2, pad=1)


def conv2d_loop(x, w, b, stride=1, pad=0):
    """PyTorch's conv2d: x (N, C, H, W), w (F, C, HH, WW), b (F,)."""
    n, _, h, wd = x.shape
    f, _, hh, ww = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    h_out = (h + 2 * pad - hh) // stride + 1
    w_out = (wd + 2 * pad - ww) // stride + 1
    out = np.zeros((n, f, h_out, w_out))
    for s in range(n):
        for o in range(f):
            for i in range(h_out):
                for j in range(w_out):
                    window = xp[s, :, i * stride : i * stride + hh, j * stride : j * stride + ww]
                    out[s, o, i, j] = np.sum(window * w[o]) + b[o]
    return out


def conv2d_nhwc(x, w, b, stride=1):
    """TensorFlow's conv2d, valid: x (N, H, W, C), w (KH, KW, C, O), b (O,)."""
    n, h, wd, _ = x.shape
    kh, kw, _, out_channels = w.shape
    h_out, w_out = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, h_out, w_out, out_channels))
    for s in range(n):
        for i in range(h_out):
            for j in range(w_out):
                window = x[s, i * stride : i * stride + kh, j * stride : j * stride + kw, :]
                out[s, i, j, :] = np.tensordot(window, w, axes=([0, 1, 2], [0, 1, 2])) + b
    return out


def conv1d_nlc(x, w, b):
    """TensorFlow's conv1d, valid: x (N, L, C), w (K, C, O)."""
    n, length, _ = x.shape
    k, _, out_channels = w.shape
    out = np.zeros((n, length - k + 1, out_channels))
    for i in range(length - k + 1):
        out[:, i, :] = np.einsum("nkc,kco->no", x[:, i : i + k, :], w) + b
    return out


def conv_transpose1d_loop(x, w, b, stride=1, pad=0):
    """PyTorch's conv_transpose1d: x (N, C_in, L), w (C_in, C_out, K), b (C_out,)."""
    n, c_in, length = x.shape
    _, c_out, k = w.shape
    full = np.zeros((n, c_out, (length - 1) * stride + k))
    for s in range(n):
        for c in range(c_in):
            for i in range(length):
                full[s, :, i * stride : i * stride + k] += x[s, c, i] * w[c]
    out = full[:, :, pad : full.shape[2] - pad]
    return out + b.reshape(1, -1, 1)


def true_conv1d(x, w, b):
    """A true convolution (the kernel reversed), like numpy.convolve's valid mode."""
    return conv1d_loop(x, w[:, :, ::-1], b)
