"""Theorem: the gradient of a tied weight is the sum over its tie set, for all sizes."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from sympy import (
    Derivative,
    Expr,
    KroneckerDelta,
    Matrix,
    Mul,
    S,
)

from symconv.general.cases import (
    cases_for,
    concrete_arrays,
    concrete_step,
    flat,
    index_grid,
    reference_band,
    reference_gradients,
    size_grid,
)
from symconv.general.layer import BAND, GRADS, Case, proof_symbols
from symconv.general.rules import DIFFERENTIATE, IDENTITY, Rule, refine_with, sift
from symconv.general.theorem import (
    GeneralProof,
    assumptions_for,
    derive,
    describe_case,
    statement_for,
)
from symconv.proofs.proof import check
from symconv.summation import (
    between,
    bracket,
    instantiate,
    refine_brackets,
)


def prove_tied_gradient(dims: int = 1, *, tie: Callable[..., Expr] | None = None) -> GeneralProof:
    """Theorem 3: for ``L = sum_i g_i y_i``, ``y = T(w) x``,
    ``dL/dw_q == sum_i g_i x_{i*s + q*d - p_l}`` (in-range taps), and this is the sum of
    ``dL/dU_ij = g_i x_j`` over the tie set ``{(i, j): j = i*s + q*d - p_l}`` of ``w_q``.

    ``tie(i, j, q)`` is the claimed indicator of the tie set (tuples of indices per axis;
    default the product of ``KroneckerDelta(j, i*s + q*d - p_l)``).

    >>> proof = prove_tied_gradient()
    >>> proof.step("the chain rule sums over the tie set").holds
    True
    """
    layer = proof_symbols(dims)
    i, j, k, q, a, b = layer.i, layer.j, layer.k, layer.q, layer.a, layer.b
    last_i, last_j, last_k = layer.last(layer.L), layer.last(layer.m), layer.last(layer.n)

    def true_tie(i_: Sequence[Expr], j_: Sequence[Expr], q_: Sequence[Expr]) -> Expr:
        return layer.delta(j_, layer.tap(i_, q_))

    claimed_tie = tie if tie is not None else true_tie
    loss = layer.loss(layer.entry)
    untied_loss = layer.loss(lambda i_, j_: layer.U[tuple(i_) + tuple(j_)])
    delta_kq = layer.delta(k, q)
    taps = layer.delta(j, layer.tap(i, k))
    differentiated = layer.total(
        layer.g[i] * layer.total(layer.x[j] * layer.total(delta_kq * taps, k, last_k), j, last_j),
        i,
        last_i,
    )
    tie_q = true_tie(i, j, q)
    q_brackets = Mul(
        *[
            bracket(KroneckerDelta(j[x], layer.tap(i, q)[x]), between(q[x], 0, layer.n[x] - 1))
            for x in layer.axes
        ]
    )
    sifted = layer.total(layer.g[i] * layer.total(layer.x[j] * q_brackets, j, last_j), i, last_i)
    gradient = layer.total(layer.g[i] * layer.total(layer.x[j] * tie_q, j, last_j), i, last_i)
    correlation = layer.total(
        layer.g[i]
        * bracket(
            layer.x[layer.tap(i, q)],
            *layer.inside(layer.tap(i, q), layer.m),
        ),
        i,
        last_i,
    )
    delta_ia, delta_jb = layer.delta(i, a), layer.delta(j, b)
    untied_diff = layer.total(
        layer.g[i] * layer.total(delta_ia * delta_jb * layer.x[j], j, last_j), i, last_i
    )
    untied = layer.g[a] * layer.x[b]
    tie_diff = layer.total(delta_kq * taps, k, last_k)
    chained = layer.total(
        layer.total(
            claimed_tie(i, j, q)
            * untied.xreplace({**dict(zip(a, i, strict=True)), **dict(zip(b, j, strict=True))}),
            j,
            last_j,
        ),
        i,
        last_i,
    )
    q_cases = cases_for(layer, {"q": "n"})
    ab_cases = cases_for(layer, {"a": "L", "b": "m"})
    tie_cases = cases_for(layer, {"q": "n", "i": "L", "j": "m"})
    q_bounds = {q[x]: (0, layer.n[x] - 1) for x in layer.axes}
    ab_bounds = {
        **{a[x]: (0, layer.L[x] - 1) for x in layer.axes},
        **{b[x]: (0, layer.m[x] - 1) for x in layer.axes},
    }
    steps = [
        derive(
            "differentiate the loss by w_q",
            Derivative(loss, layer.w[q]),
            differentiated,
            DIFFERENTIATE,
            "derivative",
            q_cases,
        ),
        derive("sift the tap k", differentiated, sifted, sift(k), "sifting", q_cases),
        derive("q is a tap", sifted, gradient, refine_with(q_bounds), "in range", q_cases),
        derive(
            "differentiate the untied loss by U_ab",
            Derivative(untied_loss, layer.U[a + b]),
            untied_diff,
            DIFFERENTIATE,
            "derivative",
            ab_cases,
        ),
        derive(
            "the untied gradient is g_a x_b",
            untied_diff,
            untied,
            Rule("sift then refine", lambda e: refine_brackets(sift((*i, *j))(e), ab_bounds)),
            "sifting",
            ab_cases,
        ),
        derive(
            "differentiate T_ij by w_q",
            Derivative(layer.entry(i, j), layer.w[q]),
            tie_diff,
            DIFFERENTIATE,
            "derivative",
            tie_cases,
        ),
        derive(
            "the tie set of w_q",
            tie_diff,
            claimed_tie(i, j, q),
            Rule("sift then refine", lambda e: refine_brackets(sift(k)(e), q_bounds)),
            "sifting",
            tie_cases,
        ),
        derive(
            "the chain rule sums over the tie set",
            gradient,
            chained,
            IDENTITY,
            "chain rule",
            q_cases,
        ),
        derive(
            "the gradient correlates x with g", gradient, correlation, sift(j), "sifting", q_cases
        ),
    ]

    def weight_gradient(sizes: Case) -> Matrix:
        x, w, g = concrete_arrays(layer, sizes)
        return reference_gradients(layer, sizes, x, w, g)[1]

    steps.append(
        concrete_step(
            "agrees with the weight gradient",
            layer,
            "q",
            correlation,
            weight_gradient,
            f"symconv.{GRADS[dims]} at concrete sizes",
        )
    )
    left, right, labels = [], [], []
    claimed_symbolic = claimed_tie(i, j, q)
    for sizes in size_grid(layer):
        _, w, _ = concrete_arrays(layer, sizes)
        tie_sets = reference_band(layer, sizes, w).tie_sets()
        outputs_ = list(itertools.product(*[range(sizes[v]) for v in layer.L]))
        inputs_ = list(itertools.product(*[range(sizes[v]) for v in layer.m]))
        for weight in index_grid(layer, "q", sizes):
            # Membership of every entry (i, j) in the tie set of w_q: the claimed bracket
            # against the band's own tie set, entry by entry.
            members = set(tie_sets[flat(layer, weight, layer.n, sizes)])
            for u in outputs_:
                for v in inputs_:
                    at = {**sizes, **dict(zip((*q, *i, *j), (*weight, *u, *v), strict=True))}
                    left.append(instantiate(claimed_symbolic, at))
                    entry = (flat(layer, u, layer.L, sizes), flat(layer, v, layer.m, sizes))
                    right.append(S.One if entry in members else S.Zero)
                    labels.append(describe_case(at))
    steps.append(
        check(
            "agrees with the band's tie sets",
            left,
            right,
            law=f"symconv.{BAND[dims]}(w, m).tie_sets() at concrete sizes",
            labels=labels,
        )
    )
    _, tex = assumptions_for(layer, two_sided=True)
    return GeneralProof(
        title="Tied-weight gradient summation" + (" in 2-D" if dims == 2 else ""),
        statement=statement_for("tied", layer),
        steps=steps,
        assumptions=tex,
        claims=(
            (Derivative(loss, layer.w[q]), correlation),
            (Derivative(untied_loss, layer.U[a + b]), untied),
            (Derivative(loss, layer.w[q]), chained),
        ),
        definitions=((layer.T[i + j], layer.entry(i, j)),),
    )
