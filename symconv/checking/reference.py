"""The layer's own outputs and gradients, derived by symconv: what a user's code must match.

Inputs are NumPy object arrays of SymPy symbols in the user's layout, each named by its
index in that layout (``x[0, 1, 3]``), so every message reads in the user's own indices.
symconv derives one sample at a time (it has no batch axis) in PyTorch's channels-first
order; the layout's axis permutation carries the same symbol objects to and fro.

Examples
========

>>> from symconv.checking.layer import layer_spec
>>> spec = layer_spec(x_shape=(1, 1, 3), w_shape=(1, 1, 2), bias=False)
>>> symbols = layer_symbols(spec)
>>> symbols.x
array([[[x[0, 0, 0], x[0, 0, 1], x[0, 0, 2]]]], dtype=object)
>>> reference_outputs(spec, symbols)
array([[[w[0, 0, 0]*x[0, 0, 0] + w[0, 0, 1]*x[0, 0, 1],
         w[0, 0, 0]*x[0, 0, 1] + w[0, 0, 1]*x[0, 0, 2]]]], dtype=object)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sympy

from symconv.checking.layer import LayerSpec

if TYPE_CHECKING:
    import numpy as np


@dataclass(frozen=True)
class LayerSymbols:
    """The symbolic arrays a check feeds to the user's code, and where each symbol sits."""

    x: np.ndarray
    w: np.ndarray
    b: np.ndarray | None
    where: dict[sympy.Expr, tuple[str, tuple[int, ...]]] = field(repr=False)


def symbol_name(array: str, index: tuple[int, ...]) -> str:
    """``x[0, 1, 3]``: the name of one entry's symbol (never parsed back)."""
    return f"{array}[{', '.join(str(i) for i in index)}]"


def symbol_array(
    array: str, shape: tuple[int, ...], where: dict[sympy.Expr, tuple[str, tuple[int, ...]]]
) -> np.ndarray:
    """An object array of fresh symbols named by their index, recorded in ``where``."""
    import numpy as np

    out = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        s = sympy.Symbol(symbol_name(array, index))
        out[index] = s
        where[s] = (array, index)
    return out


def layer_symbols(spec: LayerSpec) -> LayerSymbols:
    where: dict[sympy.Expr, tuple[str, tuple[int, ...]]] = {}
    x = symbol_array("x", spec.x_shape, where)
    w = symbol_array("w", spec.w_shape, where)
    b = symbol_array("b", (spec.out_channels,), where) if spec.bias else None
    return LayerSymbols(x, w, b, where)


def _sympy_array(values: np.ndarray) -> Any:
    return sympy.Array(values.tolist()) if values.ndim != 2 else sympy.Matrix(values.tolist())


def reference_outputs(spec: LayerSpec, symbols: LayerSymbols) -> np.ndarray:
    """Every output of the layer in the user's layout, one sample at a time by symconv.

    A layer symconv refuses (a kernel longer than the padded input, say) raises its
    ``ValueError`` with the layer named in front.
    """
    import numpy as np

    # Imported here so that symconv's own __init__ may import this package at any point.
    from symconv.ops.forward import conv1d, conv2d
    from symconv.ops.transposed import conv_transpose1d, conv_transpose2d

    layout = spec.layout
    functions: dict[tuple[int, bool], Callable[..., Any]] = {
        (1, False): conv1d,
        (2, False): conv2d,
        (1, True): conv_transpose1d,
        (2, True): conv_transpose2d,
    }
    layer = functions[layout.spatial, spec.transposed]
    x = symbols.x.transpose(layout.input_order)
    w = sympy.Array(symbols.w.transpose(layout.weight_order).tolist())
    bias = list(symbols.b) if symbols.b is not None else None
    samples = []
    for sample in x:
        try:
            y = layer(_sympy_array(sample), w, bias=bias, **spec.options())
        except ValueError as error:
            raise ValueError(f"{spec.describe()}: {error}") from None
        out = np.empty(y.shape, dtype=object)
        for index in np.ndindex(*y.shape):
            out[index] = y[index]
        samples.append(out)
    canonical = np.stack(samples)
    return canonical.transpose(np.argsort(layout.input_order))
