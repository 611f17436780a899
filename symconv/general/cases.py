"""Concrete instances of a theorem: size grids, arrays and the machinery's outputs at them."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sympy import (
    Expr,
    Matrix,
    Symbol,
)

from symconv.core.vectors import symbolic_vector
from symconv.general.layer import Case, Layer
from symconv.general.rules import substitute, substitution_law
from symconv.general.theorem import derive, describe_case
from symconv.ops.banded import BandedMatrix, band
from symconv.ops.conv2d import band2d, conv2d, conv2d_grads
from symconv.ops.gradients import conv1d_grads
from symconv.ops.sliding import conv1d
from symconv.proofs.proof import Step, check
from symconv.summation import (
    indexed_to_symbols,
    instantiate,
)

#: Concrete layers every theorem is instantiated at: (m, n, s, d, p_l, p_r) per axis. The
#: paddings are two-sided on purpose: none, more after than before, more before than after.
SIZES_1D: tuple[tuple[int, int, int, int, int, int], ...] = (
    (5, 3, 1, 1, 0, 0),
    (7, 3, 2, 1, 1, 2),
    (6, 2, 2, 2, 2, 0),
)


SIZES_2D: tuple[tuple[tuple[int, int], ...], ...] = (
    ((3, 4), (2, 2), (1, 2), (1, 1), (0, 1), (1, 0)),
    ((4, 3), (2, 2), (2, 1), (1, 2), (1, 0), (0, 2)),
)


def _with_lengths(layer: Layer, values: dict[Expr, int]) -> dict[Expr, int]:
    for a in layer.axes:
        values[layer.L[a]] = int(instantiate(layer.length(a), values))
    return values


def size_grid(layer: Layer) -> list[dict[Expr, int]]:
    """The sizes of :data:`SIZES_1D` or :data:`SIZES_2D` as substitutions, ``L`` included."""
    rows: Iterable[Sequence[Sequence[int]]]
    if layer.dims == 1:
        rows = [[(v,) for v in row] for row in SIZES_1D]
    else:
        rows = SIZES_2D
    symbols = (layer.m, layer.n, layer.s, layer.d, layer.p_l, layer.p_r)
    grid = []
    for row in rows:
        values: dict[Expr, int] = {
            v[a]: sizes[a] for v, sizes in zip(symbols, row, strict=True) for a in layer.axes
        }
        grid.append(_with_lengths(layer, values))
    return grid


def resized(
    layer: Layer, grid: Sequence[Case], **per_axis: Callable[[Case, int], int]
) -> list[dict[Expr, int]]:
    """The grid with some sizes replaced on every axis (``stride=lambda sizes, axis: 1``;
    keys ``stride``, ``dilation``, ``padding``, the last setting ``p_l = p_r``) and the
    output lengths ``L`` recomputed, so a specialisation (no padding, ``s = d = 1``...) is
    checked at every size."""
    names = {"stride": (layer.s,), "dilation": (layer.d,), "padding": (layer.p_l, layer.p_r)}
    unknown = sorted(set(per_axis) - set(names))
    if unknown:
        raise TypeError(f"resized takes {sorted(names)}, got {unknown}")
    changed = []
    for sizes in grid:
        values = dict(sizes)
        for name, value in per_axis.items():
            for symbols in names[name]:
                for a in layer.axes:
                    values[symbols[a]] = value(sizes, a)
        changed.append(_with_lengths(layer, values))
    return changed


def specialise(
    name: str,
    before: Expr,
    values: Mapping[Expr, Expr],
    cases: Sequence[Case] = (),
    *,
    after: Expr | None = None,
) -> Step:
    """The step ``before = before.subs(values)``, the substitution shown as one: its law
    reads "substitute s = d = 1, p_l = p_r = 0" (the values themselves) and its details
    carry the substitution. ``after`` (default the substituted ``before``) is the right
    side as the reader should see it, which the substitution must reach.

    >>> from symconv.general.layer import proof_symbols
    >>> layer = proof_symbols()
    >>> step = specialise("no padding", layer.length(0), layer.padded(lambda a: 0))
    >>> step.holds, str(step.law), step.rhs[0]
    (True, 'substitute p_l = p_r = 0', floor((-d*(n - 1) + m - 1)/s) + 1)
    >>> step.details["substitution"]
    {p_l: 0, p_r: 0}
    """
    substitution = dict(values)
    result = before.subs(substitution)
    step = derive(
        name,
        before,
        result if after is None else after,
        substitute(substitution),
        "specialise",
        cases,
    )
    return dataclasses.replace(
        step,
        law=substitution_law(substitution),
        details={**step.details, "substitution": substitution},
    )


def _spread(last: int) -> list[int]:
    """First, middle and last of ``0..last``."""
    return sorted({0, last // 2, last})


#: At most this many spot-check instances per step: instantiating a 2-D sum of sums
#: term by term is what a proof spends its time on.
MAX_CASES = {1: 24, 2: 12}


def evenly(cases: Sequence[dict[Expr, int]], limit: int) -> list[dict[Expr, int]]:
    """At most ``limit`` of ``cases``, spread evenly and keeping the first and last."""
    if len(cases) <= limit:
        return list(cases)
    positions = {round(e * (len(cases) - 1) / (limit - 1)) for e in range(limit)}
    return [cases[e] for e in sorted(positions)]


def cases_for(
    layer: Layer, free: Mapping[str, str], grid: Sequence[Case] | None = None
) -> list[dict[Expr, int]]:
    """Substitutions for the spot checks: every size of the grid, with each free index
    (``free`` maps an index name to the size it runs below: "L", "n" or "m") at its first,
    middle and last value; at most :data:`MAX_CASES` of them, spread evenly."""
    cases = []
    for sizes in grid if grid is not None else size_grid(layer):
        ranges = []
        for name, bound in free.items():
            for a in layer.axes:
                top = sizes[getattr(layer, bound)[a]] - 1
                ranges.append([(getattr(layer, name)[a], v) for v in _spread(top)])
        for choice in itertools.product(*ranges):
            cases.append({**sizes, **dict(choice)})
    return evenly(cases, MAX_CASES[layer.dims])


def as_columns(
    layer: Layer, value: Expr | Sequence[Expr] | None, default: Sequence[Expr]
) -> tuple[Expr, ...]:
    if value is None:
        return tuple(default)
    columns = (value,) if isinstance(value, Expr) else tuple(value)
    if len(columns) != layer.dims:
        raise ValueError(
            f"need one index expression per axis ({layer.dims}), got {len(columns)}: {columns}"
        )
    return columns


def concrete_arrays(layer: Layer, sizes: Case) -> tuple[Matrix, Matrix, Matrix]:
    """Symbolic x, w, g of the instantiated sizes, named as the instantiated proof names
    them (``x0`` or ``x0_1``)."""
    m = [sizes[v] for v in layer.m]
    n = [sizes[v] for v in layer.n]
    L = [sizes[v] for v in layer.L]
    if layer.dims == 1:
        return symbolic_vector("x", m[0]), symbolic_vector("w", n[0]), symbolic_vector("g", L[0])

    def grid(name: str, rows: int, cols: int) -> Matrix:
        return Matrix(rows, cols, lambda u, v: Symbol(f"{name}{u}_{v}"))

    return grid("x", *m), grid("w", *n), grid("g", *L)


def options(layer: Layer, sizes: Case) -> dict[str, Any]:
    """Stride, padding and dilation for the concrete functions: ints in 1-D, pairs in 2-D;
    the padding as ``(before, after)`` on each axis."""

    def value(symbols: tuple[Symbol, ...]) -> Any:
        values = tuple(sizes[v] for v in symbols)
        return values[0] if layer.dims == 1 else values

    pairs = tuple((sizes[u], sizes[v]) for u, v in zip(layer.p_l, layer.p_r, strict=True))
    padding = pairs[0] if layer.dims == 1 else pairs
    return {"stride": value(layer.s), "padding": padding, "dilation": value(layer.d)}


def reference_outputs(layer: Layer, sizes: Case, x: Matrix, w: Matrix, **extra: Any) -> Matrix:
    """The layer's outputs from the concrete machinery: :func:`symconv.conv1d` or
    :func:`symconv.conv2d`."""
    settings = {**options(layer, sizes), **extra}
    return conv1d(x, w, **settings) if layer.dims == 1 else conv2d(x, w, **settings)


def reference_gradients(
    layer: Layer, sizes: Case, x: Matrix, w: Matrix, g: Matrix
) -> tuple[Matrix, Matrix]:
    """``(dL/dx, dL/dw)`` of ``L = sum g * y`` from :func:`symconv.conv1d_grads` or
    :func:`symconv.conv2d_grads`."""
    if layer.dims == 1:
        return conv1d_grads(x, w, g, **options(layer, sizes))
    return conv2d_grads(x, w, g, **options(layer, sizes))


def reference_band(layer: Layer, sizes: Case, w: Matrix) -> BandedMatrix:
    """The band of T from :func:`symconv.band` or :func:`symconv.band2d` (2-D indices
    flattened row-major)."""
    if layer.dims == 1:
        return band(w, sizes[layer.m[0]], **options(layer, sizes))
    return band2d(w, (sizes[layer.m[0]], sizes[layer.m[1]]), **options(layer, sizes))


def flat(layer: Layer, index: Sequence[int], shape: Sequence[Symbol], sizes: Case) -> int:
    """Row-major position of a (1- or 2-D) index in an array of the given symbolic shape."""
    position = 0
    for a in layer.axes:
        position = position * sizes[shape[a]] + index[a]
    return position


def entry_of(array: Matrix, index: Sequence[int]) -> Expr:
    return array[index[0]] if len(index) == 1 else array[index[0], index[1]]


def index_grid(layer: Layer, name: str, sizes: Case) -> list[tuple[int, ...]]:
    """Every value of the index ``name`` ("i", "q" or "r") at these sizes."""
    bound = {"i": layer.L, "q": layer.n, "r": layer.m}[name]
    return list(itertools.product(*[range(sizes[v]) for v in bound]))


def concrete_step(
    name: str,
    layer: Layer,
    index: str,
    statement: Expr,
    reference: Callable[[Case], Matrix],
    description: str,
    grid: Sequence[Case] | None = None,
) -> Step:
    """Instantiate ``statement`` (free in the index ``index``) at every size of the grid
    and every index value, and compare with ``reference(sizes)``, the concrete result."""
    left, right, labels = [], [], []
    for sizes in grid if grid is not None else size_grid(layer):
        expected = reference(sizes)
        for value in index_grid(layer, index, sizes):
            case = {**sizes, **dict(zip(getattr(layer, index), value, strict=True))}
            left.append(indexed_to_symbols(instantiate(statement, case)))
            right.append(entry_of(expected, value))
            labels.append(describe_case(case))
    # A spot check of the general statement against the machinery at concrete sizes.
    return dataclasses.replace(
        check(name, left, right, law=description, labels=labels), kind="spot check"
    )
