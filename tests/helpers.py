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
