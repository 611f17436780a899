"""Reading images: symbolic matrices and 2-D inputs, never evaluating text.

Examples
========

>>> from symconv import symbolic_matrix
>>> symbolic_matrix("x", 2, 2)
Matrix([
[x0_0, x0_1],
[x1_0, x1_1]])
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy
from sympy import Matrix

from symconv.core.numbers import as_int
from symconv.core.vectors import as_entry, check_name


def symbolic_matrix(name: str, rows: int, cols: int) -> Matrix:
    """A matrix of fresh symbols ``name{i}_{j}``.

    >>> symbolic_matrix("k", 2, 2)
    Matrix([
    [k0_0, k0_1],
    [k1_0, k1_1]])
    """
    check_name(name)
    rows = as_int(rows, f"rows of {name}", 1)
    cols = as_int(cols, f"columns of {name}", 1)
    return Matrix(rows, cols, sympy.symbols(f"{name}0:{rows}_0:{cols}"))


def as_image(values: object, name: str = "image x") -> Matrix:
    """Return ``values`` as a SymPy matrix (height, width), never evaluating text.

    Accepts SymPy matrices, rank-2 arrays, numpy arrays and lists of rows.

    >>> as_image([[1, 2], [3, 4]], "kernel k")
    Matrix([
    [1, 2],
    [3, 4]])
    >>> as_image([[1, 2], [3]], "kernel k")
    Traceback (most recent call last):
    ...
    ValueError: kernel k has rows of different lengths [2, 1]; every row needs the same width
    """
    if isinstance(values, str):
        raise TypeError(
            f"{name} is the string {values!r}; strings are never evaluated: pass a "
            "sympy Matrix or a list of rows"
        )
    if isinstance(values, sympy.MatrixBase):
        rows = values.tolist()
    elif isinstance(values, sympy.NDimArray):
        if values.rank() != 2:
            raise ValueError(f"{name} must have rank 2 (height, width), got shape {values.shape}")
        rows = values.tolist()
    else:
        shape = getattr(values, "shape", None)
        if shape is not None and len(shape) != 2:
            raise ValueError(f"{name} must be 2-D (height, width), got shape {tuple(shape)}")
        if not isinstance(values, Sequence) and shape is None:
            raise TypeError(
                f"{name} must be a sympy Matrix or a list of rows, got {type(values).__name__}"
            )
        rows = []
        for row in values:  # type: ignore[attr-defined]
            if isinstance(row, (str, bytes)) or not hasattr(row, "__iter__"):
                raise TypeError(
                    f"{name} must be a list of rows (2-D), but it holds {row!r}; "
                    "pass [[...], [...]] or a sympy Matrix"
                )
            rows.append(list(row))
    if not rows or not rows[0]:
        raise ValueError(f"{name} is empty; it needs at least one row and one column")
    widths = [len(row) for row in rows]
    if len(set(widths)) != 1:
        raise ValueError(
            f"{name} has rows of different lengths {widths}; every row needs the same width"
        )
    return Matrix(
        [
            [as_entry(v, f"entry ({i}, {j}) of {name}") for j, v in enumerate(row)]
            for i, row in enumerate(rows)
        ]
    )
