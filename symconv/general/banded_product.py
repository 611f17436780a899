"""Theorem: the sliding sums are the banded product T x, for all sizes."""

from __future__ import annotations

from collections.abc import Sequence

from sympy import (
    Expr,
    Matrix,
)

from symconv.general.cases import (
    as_columns,
    cases_for,
    concrete_arrays,
    concrete_step,
    reference_band,
    reference_outputs,
    resized,
    size_grid,
    specialise,
)
from symconv.general.layer import BAND, CONV, Case, proof_symbols
from symconv.general.rules import DISTRIBUTE, expand_definition, refine_with, sift, swap
from symconv.general.theorem import GeneralProof, assumptions_for, derive, statement_for


def prove_banded_product(
    dims: int = 1, *, column: Expr | Sequence[Expr] | None = None
) -> GeneralProof:
    """Theorem 2: with ``T[i, j] = sum_k w_k [j = i*s + k*d - p_l]``,
    ``sum_j T[i, j] x_j == sum_k w_k x_{i*s + k*d - p_l} [0 <= i*s + k*d - p_l <= m - 1]``
    for every output ``i``: the banded product is the sliding dot product over the
    in-range taps (padding reads zeros). With ``p_l = p_r = 0`` every tap is in range.

    ``column`` is the claimed input index of tap ``k`` of output ``i`` (default the true
    ``i*s + k*d - p_l``).

    >>> proof = prove_banded_product()
    >>> proof.step("sifting over j").holds
    True
    """
    layer = proof_symbols(dims)
    i, j, k = layer.i, layer.j, layer.k
    cols = as_columns(layer, column, layer.tap(i, k))
    last_j, last_k = layer.last(layer.m), layer.last(layer.n)
    deltas = layer.delta(j, layer.tap(i, k))
    product = layer.total(layer.T[i + j] * layer.x[j], j, last_j)
    defined = layer.total(layer.entry(i, j) * layer.x[j], j, last_j)
    distributed = layer.total(layer.total(layer.w[k] * deltas * layer.x[j], k, last_k), j, last_j)
    swapped = layer.total(layer.total(layer.w[k] * deltas * layer.x[j], j, last_j), k, last_k)
    sliding = layer.sliding(layer.w[k], layer.x, i, layer.m, column=cols)
    cases = cases_for(layer, {"i": "L"})
    valid = layer.padded(lambda a: 0)
    valid_lengths = {a_: length.subs(valid) for a_, length in layer.lengths.items()}
    valid_bounds = {i[a]: (0, valid_lengths[layer.L[a]] - 1) for a in layer.axes}
    valid_sliding = layer.total(layer.w[k] * layer.x[tuple(c.subs(valid) for c in cols)], k, last_k)
    valid_grid = resized(layer, size_grid(layer), padding=lambda sizes, a: 0)
    valid_cases = cases_for(layer, {"i": "L"}, valid_grid)
    steps = [
        derive(
            "definition of T",
            product,
            defined,
            expand_definition(layer.T, lambda *ij: layer.entry(ij[: layer.dims], ij[layer.dims :])),
            "definition",
        ),
        derive("distributivity", defined, distributed, DISTRIBUTE, "distributivity", cases),
        derive("interchange the sums", distributed, swapped, swap(j, k), "interchange", cases),
        derive("sifting over j", swapped, sliding, sift(j), "sifting", cases),
        specialise("no padding", sliding, valid, valid_cases),
        derive(
            "valid padding: every tap is in range",
            sliding.subs(valid),
            valid_sliding,
            refine_with(valid_bounds, [f.subs(valid) for f in layer.facts]),
            "in range",
            valid_cases,
        ),
    ]

    def outputs(sizes: Case) -> Matrix:
        x, w, _ = concrete_arrays(layer, sizes)
        return reference_outputs(layer, sizes, x, w)

    def banded(sizes: Case) -> Matrix:
        x, w, _ = concrete_arrays(layer, sizes)
        product = reference_band(layer, sizes, w).matvec(list(x))
        return Matrix(*[sizes[v] for v in layer.L], product) if dims == 2 else Matrix(product)

    steps.append(
        concrete_step(
            "agrees with the sliding dot product",
            layer,
            "i",
            sliding,
            outputs,
            f"symconv.{CONV[dims]} at concrete sizes",
        )
    )
    steps.append(
        concrete_step(
            "agrees with the banded matrix",
            layer,
            "i",
            defined,
            banded,
            f"symconv.{BAND[dims]}(w, m) times x at concrete sizes",
        )
    )
    _, tex = assumptions_for(layer, two_sided=True)
    return GeneralProof(
        title="Sliding dot product = banded matrix product" + (" in 2-D" if dims == 2 else ""),
        statement=statement_for("banded", layer),
        steps=steps,
        assumptions=tex,
        claims=((product, sliding), (sliding.subs(valid), valid_sliding)),
        definitions=((layer.T[i + j], layer.entry(i, j)),),
    )
