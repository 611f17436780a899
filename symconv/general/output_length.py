"""Theorem: the output length of a layer, for all sizes and two-sided padding."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import sympy
from sympy import (
    Expr,
    Product,
    S,
    Sum,
    Symbol,
    floor,
    oo,
)

from symconv.general.cases import as_columns, size_grid
from symconv.general.layer import Case, Layer, proof_symbols
from symconv.general.rules import DOIT, IDENTITY, Rule, substitute
from symconv.general.theorem import (
    GeneralProof,
    assumptions_for,
    derive,
    describe_case,
    statement_for,
)
from symconv.layout.axis import conv_settings
from symconv.proofs.proof import Step, check
from symconv.summation import (
    Iverson,
    bracket,
    forall_bracket,
    isolate_index,
    refine_brackets,
    restrict_sum,
    unevaluated_bracket,
)

#: Sizes the length formula is compared at: m, n, s, d, p_l, p_r.
LENGTH_GRID = (range(1, 8), range(1, 4), range(1, 4), range(1, 3), range(3), range(2))


def _length_symbols(layer: Layer, axis: int) -> tuple[Symbol, Symbol]:
    suffix = "" if layer.dims == 1 else f"{axis + 1}"
    return (
        Symbol(f"p_l{suffix}", integer=True, nonnegative=True),
        Symbol(f"p_r{suffix}", integer=True, nonnegative=True),
    )


def two_sided_length(layer: Layer, axis: int = 0) -> Expr:
    """``floor((m + p_l + p_r - d(n-1) - 1)/s) + 1`` on one axis."""
    p_l, p_r = _length_symbols(layer, axis)
    a = axis
    return floor((layer.m[a] + p_l + p_r - layer.d[a] * (layer.n[a] - 1) - 1) / layer.s[a]) + 1


def _window_count(layer: Layer, axis: int) -> Expr:
    """``sum_{i >= 0} prod_k [-p_l <= i*s + k*d - p_l <= m - 1 + p_r]``: how many outputs
    have their whole window inside the padded input."""
    p_l, p_r = _length_symbols(layer, axis)
    a = axis
    i, k = layer.i[a], layer.k[a]
    c = i * layer.s[a] + k * layer.d[a] - p_l
    inside = bracket(S.One, sympy.Ge(c, -p_l), sympy.Le(c, layer.m[a] - 1 + p_r))
    return Sum(Product(inside, (k, 0, layer.n[a] - 1)), (i, 0, oo))


def _length_cases(layer: Layer, axis: int, grid: Sequence[Case]) -> list[dict[Expr, int]]:
    """The grid's sizes on one axis, with one zero fewer on the right (two-sided padding)."""
    p_l, p_r = _length_symbols(layer, axis)
    a = axis
    return [
        {
            **{v: c[v] for v in (layer.m[a], layer.n[a], layer.s[a], layer.d[a])},
            p_l: c[layer.p[a]],
            p_r: max(c[layer.p[a]] - 1, 0),
        }
        for c in grid
    ]


def _length_cap(cases: Sequence[Case]) -> int:
    """Where to stop an infinite sum over outputs: past the padded input, whose length
    ``m + p_l + p_r`` bounds every window's start (``s >= 1``); the sum of all the sizes
    of a case is at least that."""
    return max(sum(c.values()) for c in cases) + 1


def _length_steps(layer: Layer, axis: int, claimed: Expr, grid: Sequence[Case]) -> list[Step]:
    a = axis
    p_l, p_r = _length_symbols(layer, axis)
    m, n, s, d, i = layer.m[a], layer.n[a], layer.s[a], layer.d[a], layer.i[a]
    room = m + p_l + p_r - d * (n - 1) - 1
    last_start = floor(room / s)
    tag = "" if layer.dims == 1 else f" (axis {a + 1})"
    cases = _length_cases(layer, a, grid)
    cap = _length_cap(cases)
    count = _window_count(layer, a)
    ends = Sum(
        bracket(
            S.One, sympy.Ge(i * s - p_l, -p_l), sympy.Le(i * s + (n - 1) * d - p_l, m - 1 + p_r)
        ),
        (i, 0, oo),
    )
    solved = Sum(bracket(S.One, sympy.Ge(i, 0), sympy.Le(i, last_start)), (i, 0, oo))
    counted = Sum(S.One, (i, 0, last_start))
    facts = (room,)
    solve = Rule(
        f"isolate_index(., {i})",
        lambda e: e.replace(
            lambda x: isinstance(x, Iverson), lambda x: Iverson(isolate_index(x.condition, i))
        ),
    )
    # The last output is L - 1 for the claimed L: its window must fit, the next one's not.
    L = layer.L[a]
    last_tap = (L - 1) * s + (n - 1) * d - p_l
    next_tap = L * s + (n - 1) * d - p_l
    with_length = [
        {**c, L: int(claimed.xreplace({k: sympy.Integer(v) for k, v in c.items()}))} for c in cases
    ]
    decide_length = Rule(
        f"refine_brackets with {L} = the claimed length",
        lambda e: refine_brackets(e.subs(L, claimed), {}, facts),
    )
    steps = [
        derive(
            f"first and last taps{tag}",
            count,
            ends,
            Rule("forall_bracket", forall_bracket),
            "monotone taps",
            cases,
            cap=cap,
        ),
        derive(
            f"solve for the output index{tag}", ends, solved, solve, "integer floor", cases, cap=cap
        ),
        derive(
            f"cut the range{tag}",
            solved,
            counted,
            Rule("restrict_sum", lambda e: restrict_sum(e, {}, facts)),
            "cut the range",
            cases,
            cap=cap,
        ),
        derive(f"count the outputs{tag}", counted, claimed, DOIT, "count", cases, cap=cap),
        derive(
            f"the last output fits{tag}",
            unevaluated_bracket(sympy.Le(last_tap, m - 1 + p_r)),
            S.One,
            decide_length,
            "division",
            with_length,
        ),
        derive(
            f"the next output does not{tag}",
            unevaluated_bracket(sympy.Le(next_tap, m - 1 + p_r)),
            S.Zero,
            decide_length,
            "division",
            with_length,
        ),
        derive(
            f"symmetric padding{tag}",
            claimed,
            layer.length(a),
            substitute({p_l: layer.p[a], p_r: layer.p[a]}),
            "symmetric padding",
        ),
    ]
    left, right, labels = [], [], []
    for sizes in itertools.product(*LENGTH_GRID):
        c = dict(zip((m, n, s, d, p_l, p_r), map(sympy.Integer, sizes), strict=True))
        if c[m] + c[p_l] + c[p_r] < c[d] * (c[n] - 1) + 1:
            continue  # no window fits: conv_settings refuses, the theorem assumes it away
        settings = conv_settings(
            int(c[n]),
            int(c[m]),
            stride=int(c[s]),
            padding=(int(c[p_l]), int(c[p_r])),
            dilation=int(c[d]),
        )
        left.append(claimed.xreplace(c))
        right.append(sympy.Integer(settings.output_length))
        labels.append(describe_case(c))
    steps.append(
        check(
            f"agrees with conv_settings{tag}",
            left,
            right,
            law="the concrete output length of symconv.conv_settings",
            labels=labels,
        )
    )
    return steps


def prove_output_length(
    dims: int = 1, *, length: Expr | Sequence[Expr] | None = None
) -> GeneralProof:
    """Theorem 1: the number of outputs whose window lies inside the padded input is
    ``L_out = floor((m + p_l + p_r - d(n-1) - 1)/s) + 1``, and with ``p_l = p_r = p``
    ``floor((m + 2p - d(n-1) - 1)/s) + 1``.

    ``length`` is the claimed two-sided formula in ``m, n, s, d, p_l, p_r`` (one per axis
    in 2-D, in ``m_1, p_l1``...); the default is the true one. In 2-D the outputs are the
    pairs of per-axis outputs, so their number is ``L_1 L_2``.

    >>> proof = prove_output_length()
    >>> proof.holds, proof.claims[0][1]
    (True, floor((-d*(n - 1) + m + p_l + p_r - 1)/s) + 1)
    """
    layer = proof_symbols(dims)
    claimed = as_columns(layer, length, [two_sided_length(layer, a) for a in layer.axes])
    grid = size_grid(layer)
    steps: list[Step] = []
    for a in layer.axes:
        steps += _length_steps(layer, a, claimed[a], grid)
    counts = [_window_count(layer, a) for a in layer.axes]
    claims: list[tuple[Expr, Expr]] = [(counts[a], claimed[a]) for a in layer.axes]
    if dims == 2:
        together = Sum(
            Sum(counts[0].function * counts[1].function, (layer.i[1], 0, oo)),
            (layer.i[0], 0, oo),
        )
        pairs = [
            {**first, **second}
            for first, second in zip(
                _length_cases(layer, 0, grid), _length_cases(layer, 1, grid), strict=True
            )
        ]
        steps.append(
            derive(
                "outputs are pairs of per-axis outputs",
                together,
                counts[0] * counts[1],
                IDENTITY,
                "product of sums",
                pairs,
                cap=_length_cap(pairs),
            )
        )
        claims = [(together, claimed[0] * claimed[1])] + claims
    _, tex = assumptions_for(layer, two_sided=True)
    return GeneralProof(
        title="Output length" + (" in 2-D" if dims == 2 else ""),
        statement=statement_for("length", layer),
        steps=steps,
        assumptions=tex,
        claims=tuple(claims),
    )
