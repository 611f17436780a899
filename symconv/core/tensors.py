"""Reading tensors: rank, shape and entries of nested sequences, arrays and matrices.

Examples
========

>>> from sympy import Array, Matrix
>>> from symconv.core.tensors import rank_of
>>> rank_of(Array([[[1]]])), rank_of(Matrix([1, 2]))
(3, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy
from sympy import Expr

from symconv.core.vectors import as_entry, as_vector


def rank_of(value: object) -> int:
    """How many axes ``value`` has: SymPy arrays and matrices, numpy/torch arrays and
    nested lists (by their first entries); a scalar has rank 0.

    >>> from sympy import Array, Matrix
    >>> rank_of(Array([[[1]]])), rank_of([[1, 2]]), rank_of(Matrix([1, 2])), rank_of(3)
    (3, 2, 2, 0)
    """
    if isinstance(value, sympy.NDimArray):
        return int(value.rank())
    if isinstance(value, sympy.MatrixBase):
        return 2
    if isinstance(value, (str, bytes)):
        return 0
    shape = getattr(value, "shape", None)
    if shape is not None and not isinstance(value, sympy.Basic):
        return len(shape)
    if isinstance(value, Sequence):
        return 1 + (rank_of(value[0]) if len(value) else 0)
    return 0


def as_tensor(values: object, rank: int, name: str) -> tuple[tuple[int, ...], list[Expr]]:
    """``values`` as a shape and its entries in row-major (C) order, never evaluating text.

    >>> as_tensor([[1, 2], [3, 4]], 2, "x")
    ((2, 2), [1, 2, 3, 4])
    >>> as_tensor([[1, 2], [3]], 2, "x")
    Traceback (most recent call last):
    ...
    ValueError: x is ragged: at axis 1 it has lengths [2, 1]; every slice needs the same shape
    """
    if isinstance(values, str):
        raise TypeError(
            f"{name} is the string {values!r}; strings are never evaluated: pass a sympy "
            "Array, Matrix or nested lists"
        )
    actual = rank_of(values)
    if actual != rank:
        shape = getattr(values, "shape", None)
        shown = f"shape {tuple(shape)}" if shape is not None else f"rank {actual}"
        raise ValueError(f"{name} must have rank {rank}, got {shown}")
    nested = values.tolist() if hasattr(values, "tolist") else values  # type: ignore[union-attr]
    entries: list[Expr] = []

    def walk(node: Any, depth: int, where: tuple[int, ...]) -> tuple[int, ...]:
        if depth == rank:
            entries.append(as_entry(node, f"entry {where} of {name}"))
            return ()
        if isinstance(node, (str, bytes)) or not isinstance(node, Sequence):
            raise ValueError(f"{name} must have rank {rank}, but entry {where} is {node!r}")
        if not node:
            raise ValueError(f"{name} is empty at axis {depth}; every axis needs length >= 1")
        shapes = [walk(child, depth + 1, where + (i,)) for i, child in enumerate(node)]
        if len(set(shapes)) != 1:
            lengths = [s[0] if s else 0 for s in shapes]
            raise ValueError(
                f"{name} is ragged: at axis {depth + 1} it has lengths {lengths}; every "
                "slice needs the same shape"
            )
        return (len(node),) + shapes[0]

    shape = walk(nested, 0, ())
    return shape, entries


def as_bias(bias: object, out_channels: int) -> list[Expr] | None:
    """One bias per output channel, or None."""
    if bias is None:
        return None
    if rank_of(bias) == 0:
        values = [as_entry(bias, "bias")]
    else:
        values = list(as_vector(bias, "bias"))
    if len(values) != out_channels:
        raise ValueError(
            f"bias has {len(values)} entries but the layer has {out_channels} output "
            "channels; give one bias per output channel"
        )
    return values
