"""Independent references for the tests: PyTorch, numpy and plain loops."""

from __future__ import annotations

from typing import Any

import numpy as np


def torch_conv1d(torch: Any, x, w, stride=1, padding=0, dilation=1, flip=False):
    """PyTorch's conv1d (float64), with two-sided padding done by F.pad."""
    import torch.nn.functional as F

    xt = torch.tensor([float(v) for v in x], dtype=torch.float64).reshape(1, 1, -1)
    wv = [float(v) for v in w]
    if flip:
        wv = wv[::-1]
    wt = torch.tensor(wv, dtype=torch.float64).reshape(1, 1, -1)
    if isinstance(padding, tuple):
        xt = F.pad(xt, padding)
        padding = 0
    return F.conv1d(xt, wt, stride=stride, padding=padding, dilation=dilation).reshape(-1)


def as_floats(matrix) -> np.ndarray:
    return np.array([float(v) for v in matrix], dtype=float)


def symbolic_layer(opts: dict, m: int = 11, n: int = 3):
    """Symbolic x (length m), w (length n) and the settings of a 1-D layer with the
    options ``opts`` (stride, padding, dilation, flip, padding_mode), as lists."""
    from symconv import symbolic_vector
    from symconv.ops.sliding import settings_for

    x, w = symbolic_vector("x", m), symbolic_vector("w", n)
    s = settings_for(
        x,
        w,
        opts.get("stride", 1),
        opts.get("padding", 0),
        opts.get("dilation", 1),
        opts.get("flip", False),
        opts.get("padding_mode", "zeros"),
    )
    return list(x), list(w), s
