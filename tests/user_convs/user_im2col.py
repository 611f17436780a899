"""Convolution by im2col and one matrix product (the CS231n fast layer), right and wrong."""

import numpy as np


def im2col_indices(x_shape, field_height, field_width, padding=0, stride=1, channel_fastest=False):
    """Indices (k, i, j) gathering every window of x (N, C, H, W) into columns."""
    _, c, h, w = x_shape
    out_height = (h + 2 * padding - field_height) // stride + 1
    out_width = (w + 2 * padding - field_width) // stride + 1
    i1 = stride * np.repeat(np.arange(out_height), out_width)
    j1 = stride * np.tile(np.arange(out_width), out_height)
    if channel_fastest:  # rows ordered (kh, kw, c): not the order w.reshape(F, -1) has
        i0 = np.repeat(np.arange(field_height), field_width * c)
        j0 = np.tile(np.repeat(np.arange(field_width), c), field_height)
        k = np.tile(np.arange(c), field_height * field_width).reshape(-1, 1)
    else:  # rows ordered (c, kh, kw), like w.reshape(F, -1)
        i0 = np.tile(np.repeat(np.arange(field_height), field_width), c)
        j0 = np.tile(np.arange(field_width), field_height * c)
        k = np.repeat(np.arange(c), field_height * field_width).reshape(-1, 1)
    i = i0.reshape(-1, 1) + i1.reshape(1, -1)
    j = j0.reshape(-1, 1) + j1.reshape(1, -1)
    return k, i, j


def conv2d_im2col(x, w, b, stride=1, pad=0, channel_fastest=False):
    n, c, h, wd = x.shape
    f, _, hh, ww = w.shape
    h_out = (h + 2 * pad - hh) // stride + 1
    w_out = (wd + 2 * pad - ww) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    k, i, j = im2col_indices(x.shape, hh, ww, pad, stride, channel_fastest)
    cols = xp[:, k, i, j].transpose(1, 2, 0).reshape(hh * ww * c, -1)
    out = w.reshape(f, -1) @ cols + b.reshape(-1, 1)
    return out.reshape(f, h_out, w_out, n).transpose(3, 0, 1, 2)


def conv2d_im2col_wrong_order(x, w, b):
    """Bug: the columns' rows run (kh, kw, c) while the weights run (c, kh, kw)."""
    return conv2d_im2col(x, w, b, channel_fastest=True)
