"""Theorem: convolution is cross-correlation with the reversed kernel, for all sizes."""

from __future__ import annotations

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
from symconv.general.layer import CONV, Case, proof_symbols
from symconv.general.rules import reverse_kernel, sift, swap
from symconv.general.theorem import (
    GeneralProof,
    assumptions_for,
    derive,
    describe_case,
    statement_for,
)
from symconv.proofs.proof import check
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
    last_j, last_k = layer.last(layer.m), layer.last(layer.n)
    back = tuple(layer.n[x] - 1 - k[x] for x in layer.axes)
    claimed = as_columns(layer, reversed_index, back)
    convolution_ = layer.sliding(layer.w[k], layer.x, i, layer.m, column=layer.tap(i, back))
    correlation = layer.sliding(layer.w[claimed], layer.x, i, layer.m)
    full = {**{v: 1 for v in (*layer.s, *layer.d)}, **layer.padded(lambda x: layer.n[x] - 1)}
    zero_extended = layer.delta([t[x] - j[x] for x in layer.axes], k)
    textbook = layer.total(
        layer.x[j] * layer.total(layer.w[k] * zero_extended, k, last_k), j, last_j
    )
    swapped = layer.total(
        layer.w[k] * layer.total(layer.x[j] * zero_extended, j, last_j), k, last_k
    )
    sifted = layer.total(
        layer.w[k]
        * bracket(
            layer.x[tuple(t[x] - k[x] for x in layer.axes)],
            *layer.inside([t[x] - k[x] for x in layer.axes], layer.m),
        ),
        k,
        last_k,
    )
    at_full = convolution_.subs(full).xreplace(dict(zip(i, t, strict=True)))
    to_full = {**full, **dict(zip(i, t, strict=True))}
    cases = cases_for(layer, {"i": "L"})
    full_grid = resized(
        layer,
        size_grid(layer),
        stride=lambda sizes, a: 1,
        dilation=lambda sizes, a: 1,
        padding=lambda sizes, a: sizes[layer.n[a]] - 1,
    )
    t_cases = [
        {**c, **{t[x]: c[i[x]] for x in layer.axes}}
        for c in cases_for(layer, {"i": "L"}, full_grid)
    ]
    steps = [
        derive(
            "reverse the kernel index",
            convolution_,
            correlation,
            reverse_kernel(layer),
            "reverse the index",
            cases,
        ),
        derive(
            "text-book convolution: interchange the sums",
            textbook,
            swapped,
            swap(j, k),
            "interchange",
            t_cases,
        ),
        derive("sift the input index", swapped, sifted, sift(j), "sifting", t_cases),
        specialise(
            r"at $s = d = 1$, $p_l = p_r = n - 1$ the convolution is the text-book one",
            convolution_,
            to_full,
            t_cases,
            after=sifted,
        ),
    ]

    def flipped(sizes: Case) -> Matrix:
        x, w, _ = concrete_arrays(layer, sizes)
        return reference_outputs(layer, sizes, x, w, flip=True)

    steps.append(
        concrete_step(
            "agrees with the flipped convolution",
            layer,
            "i",
            correlation,
            flipped,
            f"symconv.{CONV[dims]}(x, w, flip=True) at concrete sizes",
        )
    )

    def textbook_reference(sizes: Case) -> Matrix:
        """Coefficients of the product of the generating polynomials of x and w: the
        definition of convolution, independent of any sliding window."""
        x, w, _ = concrete_arrays(layer, sizes)
        u, v = sympy.symbols("u v")
        if dims == 1:
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

    textbook_t = textbook
    left, right, labels = [], [], []
    for sizes in full_grid:
        expected = textbook_reference(sizes)
        for value in itertools.product(*[range(sizes[layer.L[x]]) for x in layer.axes]):
            case = {**sizes, **dict(zip(t, value, strict=True))}
            left.append(indexed_to_symbols(instantiate(textbook_t, case)))
            right.append(entry_of(expected, value))
            labels.append(describe_case(case))
    steps.append(
        check(
            "agrees with the text-book convolution",
            left,
            right,
            law="coefficients of the product of the generating polynomials of x and w",
            labels=labels,
        )
    )
    _, tex = assumptions_for(layer, two_sided=True)
    return GeneralProof(
        title="Convolution = cross-correlation with the reversed kernel"
        + (" in 2-D" if dims == 2 else ""),
        statement=statement_for("flip", layer),
        steps=steps,
        assumptions=tex,
        claims=((convolution_, correlation), (at_full, textbook)),
    )
