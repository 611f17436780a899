"""Theorem: the gradient of a tied weight is the sum over its tie set, for all sizes."""

from __future__ import annotations

import functools
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
from symconv.general.layer import BAND, GRADS, Case, Layer, proof_symbols
from symconv.general.rules import DIFFERENTIATE, IDENTITY, Rule, refine_with, sift
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
    claimed_tie = tie if tie is not None else _true_tie(layer)
    gradient_w = Derivative(layer.loss(layer.entry), layer.w[q])
    untied_loss = layer.loss(lambda i_, j_: layer.U[tuple(i_) + tuple(j_)])
    gradient_u = Derivative(untied_loss, layer.U[a + b])
    entry_w = Derivative(layer.entry(i, j), layer.w[q])
    tie_diff = layer.total(
        layer.delta(k, q) * layer.delta(j, layer.tap(i, k)), k, layer.last(layer.n)
    )
    differentiated = _over_entries(layer, tie_diff)
    sifted = _over_entries(layer, _tie_brackets(layer))
    gradient = _over_entries(layer, _true_tie(layer)(i, j, q))
    correlation = _correlation(layer)
    untied_diff = _over_entries(layer, layer.delta(i, a) * layer.delta(j, b))
    untied = layer.g[a] * layer.x[b]
    claimed = claimed_tie(i, j, q)
    chained = _chained(layer, claimed * untied.xreplace(_at_entry(layer)))
    q_cases = cases_for(layer, {"q": "n"})
    ab_cases = cases_for(layer, {"a": "L", "b": "m"})
    tie_cases = cases_for(layer, {"q": "n", "i": "L", "j": "m"})
    q_bounds = {q[x]: (0, layer.n[x] - 1) for x in layer.axes}
    ab_bounds = {
        **{a[x]: (0, layer.L[x] - 1) for x in layer.axes},
        **{b[x]: (0, layer.m[x] - 1) for x in layer.axes},
    }
    untie = Rule("sift then refine", lambda e: refine_brackets(sift((*i, *j))(e), ab_bounds))
    tie_set = Rule("sift then refine", lambda e: refine_brackets(sift(k)(e), q_bounds))
    rows: list[Row] = [
        ("differentiate the loss by w_q", gradient_w, differentiated, DIFFERENTIATE,
         "derivative", q_cases),
        ("sift the tap k", differentiated, sifted, sift(k), "sifting", q_cases),
        ("q is a tap", sifted, gradient, refine_with(q_bounds), "in range", q_cases),
        ("differentiate the untied loss by U_ab", gradient_u, untied_diff, DIFFERENTIATE,
         "derivative", ab_cases),
        ("the untied gradient is g_a x_b", untied_diff, untied, untie, "sifting", ab_cases),
        ("differentiate T_ij by w_q", entry_w, tie_diff, DIFFERENTIATE, "derivative",
         tie_cases),
        ("the tie set of w_q", tie_diff, claimed, tie_set, "sifting", tie_cases),
        ("the chain rule sums over the tie set", gradient, chained, IDENTITY, "chain rule",
         q_cases),
        ("the gradient correlates x with g", gradient, correlation, sift(j), "sifting",
         q_cases),
    ]  # fmt: skip
    steps = [derive(*row) for row in rows] + _spot_checks(layer, correlation, claimed)
    _, tex = assumptions_for(layer, two_sided=True)
    return GeneralProof(
        title="Tied-weight gradient summation" + (" in 2-D" if dims == 2 else ""),
        statement=statement_for("tied", layer),
        steps=steps,
        assumptions=tex,
        claims=((gradient_w, correlation), (gradient_u, untied), (gradient_w, chained)),
        definitions=((layer.T[i + j], layer.entry(i, j)),),
    )


# --- the named expressions --------------------------------------------------------------------


def _true_tie(layer: Layer) -> Callable[[Sequence[Expr], Sequence[Expr], Sequence[Expr]], Expr]:
    """The tie set of ``w_q`` as an indicator: ``[j = i*s + q*d - p_l]`` on every axis."""

    def true_tie(i_: Sequence[Expr], j_: Sequence[Expr], q_: Sequence[Expr]) -> Expr:
        return layer.delta(j_, layer.tap(i_, q_))

    return true_tie


def _over_entries(layer: Layer, factor: Expr) -> Expr:
    """``sum_i g_i sum_j x_j factor``: the loss's sum over the entries ``(i, j)`` of ``T``."""
    i, j = layer.i, layer.j
    inner = layer.total(layer.x[j] * factor, j, layer.last(layer.m))
    return layer.total(layer.g[i] * inner, i, layer.last(layer.L))


def _tie_brackets(layer: Layer) -> Expr:
    """``[j = i*s + q*d - p_l] [0 <= q <= n - 1]`` on every axis: the tap ``k`` sifted."""
    i, j, q = layer.i, layer.j, layer.q
    tap = layer.tap(i, q)
    return Mul(
        *[
            bracket(KroneckerDelta(j[x], tap[x]), between(q[x], 0, layer.n[x] - 1))
            for x in layer.axes
        ]
    )


def _correlation(layer: Layer) -> Expr:
    """``sum_i g_i x_{i*s + q*d - p_l}`` over the in-range taps: x correlated with g."""
    i, tap = layer.i, layer.tap(layer.i, layer.q)
    read = bracket(layer.x[tap], *layer.inside(tap, layer.m))
    return layer.total(layer.g[i] * read, i, layer.last(layer.L))


def _at_entry(layer: Layer) -> dict[Expr, Expr]:
    """``a = i``, ``b = j``: the untied gradient at the entry ``(i, j)``."""
    return {**dict(zip(layer.a, layer.i, strict=True)), **dict(zip(layer.b, layer.j, strict=True))}


def _chained(layer: Layer, summand: Expr) -> Expr:
    """``sum_i sum_j summand``: the chain rule's sum over every entry of ``T``."""
    inner = layer.total(summand, layer.j, layer.last(layer.m))
    return layer.total(inner, layer.i, layer.last(layer.L))


# --- the spot checks --------------------------------------------------------------------------


def _spot_checks(layer: Layer, correlation: Expr, claimed: Expr) -> list[Step]:
    """The weight gradient against the concrete one, the claimed tie set against the band's."""
    weight_gradient = concrete_step(
        "agrees with the weight gradient",
        layer,
        "q",
        correlation,
        functools.partial(_weight_gradient, layer),
        f"symconv.{GRADS[layer.dims]} at concrete sizes",
    )
    return [weight_gradient, _tie_set_check(layer, claimed)]


def _weight_gradient(layer: Layer, sizes: Case) -> Matrix:
    """``dL/dw`` from :func:`symconv.conv1d_grads` or :func:`symconv.conv2d_grads`."""
    x, w, g = concrete_arrays(layer, sizes)
    return reference_gradients(layer, sizes, x, w, g)[1]


def _tie_set_check(layer: Layer, claimed: Expr) -> Step:
    """The claimed tie indicator against the band's own tie sets, at every size of the grid,
    every weight ``q`` and every entry ``(i, j)``."""
    q, i, j = layer.q, layer.i, layer.j
    left, right, labels = [], [], []
    for sizes in size_grid(layer):
        _, w, _ = concrete_arrays(layer, sizes)
        tie_sets = reference_band(layer, sizes, w).tie_sets()
        outputs_ = list(itertools.product(*[range(sizes[v]) for v in layer.L]))
        inputs_ = list(itertools.product(*[range(sizes[v]) for v in layer.m]))
        for weight in index_grid(layer, "q", sizes):
            # Membership of every entry (i, j) in the tie set of w_q: the claimed bracket
            # against the band's own tie set, entry by entry.
            members = set(tie_sets[flat(layer, weight, layer.n, sizes)])
            for u, v in itertools.product(outputs_, inputs_):
                at = {**sizes, **dict(zip((*q, *i, *j), (*weight, *u, *v), strict=True))}
                left.append(instantiate(claimed, at))
                entry = (flat(layer, u, layer.L, sizes), flat(layer, v, layer.m, sizes))
                right.append(S.One if entry in members else S.Zero)
                labels.append(describe_case(at))
    return check(
        "agrees with the band's tie sets",
        left,
        right,
        law=f"symconv.{BAND[layer.dims]}(w, m).tie_sets() at concrete sizes",
        labels=labels,
    )
