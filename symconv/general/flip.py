"""Theorem: convolution is cross-correlation with the reversed kernel, for all sizes."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence

import sympy
from sympy import (
    Expr,
    Matrix,
)

from symconv.general.cases import (
    as_columns,
    cases_for,
    concrete_arrays,
    concrete_step,
    entry_of,
    reference_outputs,
    resized,
    size_grid,
    specialise,
)
from symconv.general.layer import CONV, Case, Layer, proof_symbols
from symconv.general.rules import reverse_kernel, sift, swap
from symconv.general.theorem import (
    GeneralProof,
    Row,
    assumptions_for,
    derive,
    describe_case,
    statement_for,
)
from symconv.proofs.proof import Step, check
from symconv.summation import (
    bracket,
    indexed_to_symbols,
    instantiate,
)


def prove_flip(
    dims: int = 1, *, reversed_index: Expr | Sequence[Expr] | None = None
) -> GeneralProof:
    """Theorem 5: convolution, whose kernel index runs against the input index,
    ``sum_k w_k x_{i*s + (n-1-k)*d - p_l}``, equals the cross-correlation with the
    reversed kernel ``sum_k w_{n-1-k} x_{i*s + k*d - p_l}``; for ``s = d = 1``,
    ``p_l = p_r = n - 1`` it is the text-book full convolution
    ``(x * w)_t = sum_j x_j w_{t-j}``.

    ``reversed_index`` is the claimed index of the reversed kernel (default ``n - 1 - k``).

    >>> prove_flip().holds, prove_flip(reversed_index=proof_symbols().k[0]).holds
    (True, False)
    """
    layer = proof_symbols(dims)
    i, j, k, t = layer.i, layer.j, layer.k, layer.t
    back = tuple(layer.n[x] - 1 - k[x] for x in layer.axes)
    claimed = as_columns(layer, reversed_index, back)
    convolution_ = layer.sliding(layer.w[k], layer.x, i, layer.m, column=layer.tap(i, back))
    correlation = layer.sliding(layer.w[claimed], layer.x, i, layer.m)
    textbook, swapped, sifted = _textbook(layer), _textbook_swapped(layer), _sifted(layer)
    full = {**{v: 1 for v in (*layer.s, *layer.d)}, **layer.padded(lambda x: layer.n[x] - 1)}
    to_full = {**full, **dict(zip(i, t, strict=True))}
    at_full = convolution_.subs(full).xreplace(dict(zip(i, t, strict=True)))
    cases = cases_for(layer, {"i": "L"})
    full_grid = _full_grid(layer)
    t_cases = [
        {**c, **{t[x]: c[i[x]] for x in layer.axes}}
        for c in cases_for(layer, {"i": "L"}, full_grid)
    ]
    rows: list[Row | Step] = [
        ("reverse the kernel index", convolution_, correlation, reverse_kernel(layer),
         "reverse the index", cases),
        ("text-book convolution: interchange the sums", textbook, swapped, swap(j, k),
         "interchange", t_cases),
        ("sift the input index", swapped, sifted, sift(j), "sifting", t_cases),
        specialise(r"at $s = d = 1$, $p_l = p_r = n - 1$ the convolution is the text-book one",
                   convolution_, to_full, t_cases, after=sifted),
    ]  # fmt: skip
    steps = [row if isinstance(row, Step) else derive(*row) for row in rows]
    steps += _spot_checks(layer, correlation, textbook, full_grid)
    _, tex = assumptions_for(layer, two_sided=True)
    return GeneralProof(
        title="Convolution = cross-correlation with the reversed kernel"
        + (" in 2-D" if dims == 2 else ""),
        statement=statement_for("flip", layer),
        steps=steps,
        assumptions=tex,
        claims=((convolution_, correlation), (at_full, textbook)),
    )


# --- the named expressions --------------------------------------------------------------------


def _zero_extended(layer: Layer) -> Expr:
    """``[t - j = k]`` on every axis: ``w_{t-j}`` as a sum over the kernel, zero outside it."""
    return layer.delta([layer.t[x] - layer.j[x] for x in layer.axes], layer.k)


def _textbook(layer: Layer) -> Expr:
    """``(x * w)_t = sum_j x_j w_{t-j}``, the text-book convolution."""
    j, k = layer.j, layer.k
    inner = layer.total(layer.w[k] * _zero_extended(layer), k, layer.last(layer.n))
    return layer.total(layer.x[j] * inner, j, layer.last(layer.m))


def _textbook_swapped(layer: Layer) -> Expr:
    """:func:`_textbook` summed over the kernel first."""
    j, k = layer.j, layer.k
    inner = layer.total(layer.x[j] * _zero_extended(layer), j, layer.last(layer.m))
    return layer.total(layer.w[k] * inner, k, layer.last(layer.n))


def _sifted(layer: Layer) -> Expr:
    """``sum_k w_k x_{t-k} [0 <= t - k <= m - 1]``: the input index sifted."""
    k, t = layer.k, layer.t
    read = tuple(t[x] - k[x] for x in layer.axes)
    in_range = bracket(layer.x[read], *layer.inside(list(read), layer.m))
    return layer.total(layer.w[k] * in_range, k, layer.last(layer.n))


def _full_grid(layer: Layer) -> list[dict[Expr, int]]:
    """The size grid at ``s = d = 1``, ``p_l = p_r = n - 1`` (padding "full")."""
    return resized(
        layer,
        size_grid(layer),
        stride=lambda sizes, a: 1,
        dilation=lambda sizes, a: 1,
        padding=lambda sizes, a: sizes[layer.n[a]] - 1,
    )


# --- the spot checks --------------------------------------------------------------------------


def _spot_checks(
    layer: Layer, correlation: Expr, textbook: Expr, full_grid: Sequence[Case]
) -> list[Step]:
    """The correlation against the flipped convolution, the text-book convolution against
    the product of generating polynomials."""
    flipped = concrete_step(
        "agrees with the flipped convolution",
        layer,
        "i",
        correlation,
        functools.partial(_flipped, layer),
        f"symconv.{CONV[layer.dims]}(x, w, flip=True) at concrete sizes",
    )
    return [flipped, _textbook_check(layer, textbook, full_grid)]


def _flipped(layer: Layer, sizes: Case) -> Matrix:
    """:func:`symconv.conv1d` or :func:`symconv.conv2d` with ``flip=True``."""
    x, w, _ = concrete_arrays(layer, sizes)
    return reference_outputs(layer, sizes, x, w, flip=True)


def _textbook_reference(layer: Layer, sizes: Case) -> Matrix:
    """Coefficients of the product of the generating polynomials of x and w: the
    definition of convolution, independent of any sliding window."""
    x, w, _ = concrete_arrays(layer, sizes)
    u, v = sympy.symbols("u v")
    if layer.dims == 1:
        poly = sympy.Poly(
            sum(x[e] * u**e for e in range(len(x))) * sum(w[e] * u**e for e in range(len(w))), u
        )
        return Matrix([poly.coeff_monomial(u**e) for e in range(len(x) + len(w) - 1)])
    poly = sympy.Poly(
        sum(x[e, f] * u**e * v**f for e in range(x.rows) for f in range(x.cols))
        * sum(w[e, f] * u**e * v**f for e in range(w.rows) for f in range(w.cols)),
        u,
        v,
    )
    return Matrix(
        x.rows + w.rows - 1, x.cols + w.cols - 1, lambda e, f: poly.coeff_monomial(u**e * v**f)
    )


def _textbook_check(layer: Layer, textbook: Expr, grid: Sequence[Case]) -> Step:
    """The text-book convolution, at every size of the grid and every output ``t``, against
    :func:`_textbook_reference`."""
    t = layer.t
    left, right, labels = [], [], []
    for sizes in grid:
        expected = _textbook_reference(layer, sizes)
        for value in itertools.product(*[range(sizes[layer.L[x]]) for x in layer.axes]):
            case = {**sizes, **dict(zip(t, value, strict=True))}
            left.append(indexed_to_symbols(instantiate(textbook, case)))
            right.append(entry_of(expected, value))
            labels.append(describe_case(case))
    return check(
        "agrees with the text-book convolution",
        left,
        right,
        law="coefficients of the product of the generating polynomials of x and w",
        labels=labels,
    )
