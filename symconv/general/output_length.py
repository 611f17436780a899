"""Theorem: the output length of a layer, for all sizes and two-sided padding."""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Sequence

import sympy
from sympy import (
    Expr,
    Product,
    S,
    Sum,
    Symbol,
    oo,
)

from symconv.general.cases import as_columns, size_grid, specialise
from symconv.general.layer import Case, Layer, proof_symbols
from symconv.general.rules import DOIT, IDENTITY, Rule, floor_normal
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

#: A row of the table of steps: name, before, after, rule, law, the cases both sides are
#: carried out at, and where an infinite sum over outputs is cut off.
Row = tuple[str, Expr, Expr, Rule, str, Sequence[Case], int]

#: The cap of a step with no sum over outputs: :func:`~symconv.general.theorem.derive`'s own.
DERIVE_CAP: int = inspect.signature(derive).parameters["cap"].default


def two_sided_length(layer: Layer, axis: int = 0) -> Expr:
    """``floor((m + p_l + p_r - d(n-1) - 1)/s) + 1`` on one axis (:meth:`Layer.length`)."""
    return layer.length(axis)


def _axis_symbols(layer: Layer, axis: int) -> tuple[Symbol, ...]:
    """``m, n, s, d, p_l, p_r`` of one axis: the symbols a length formula may use."""
    return tuple(v[axis] for v in (layer.m, layer.n, layer.s, layer.d, layer.p_l, layer.p_r))


def _claimed_lengths(layer: Layer, length: Expr | Sequence[Expr] | None) -> tuple[Expr, ...]:
    if length is not None and not isinstance(length, (Expr, list, tuple)):
        raise TypeError(f"length must be a SymPy expression (one per axis), got {length!r}")
    claimed = as_columns(layer, length, [layer.length(a) for a in layer.axes])
    for a, form in enumerate(claimed):
        allowed = _axis_symbols(layer, a)
        if not isinstance(form, Expr):
            raise TypeError(f"length must be a SymPy expression in {allowed}, got {form!r}")
        foreign = sorted(map(str, form.free_symbols - set(allowed)))
        if foreign:
            raise ValueError(f"length {form} may use only {allowed}, not {foreign}")
    return claimed


def _window_count(layer: Layer, axis: int) -> Expr:
    """``sum_{i >= 0} prod_k [-p_l <= i*s + k*d - p_l <= m - 1 + p_r]``: how many outputs
    have their whole window inside the padded input."""
    a = axis
    i, k, c = layer.i[a], layer.k[a], layer.tap(layer.i, layer.k)[a]
    inside = bracket(S.One, sympy.Ge(c, -layer.p_l[a]), sympy.Le(c, layer.m[a] - 1 + layer.p_r[a]))
    return Sum(Product(inside, (k, 0, layer.n[a] - 1)), (i, 0, oo))


def _length_cases(layer: Layer, axis: int, grid: Sequence[Case]) -> list[dict[Expr, int]]:
    """The grid's sizes on one axis."""
    return [{v: c[v] for v in _axis_symbols(layer, axis)} for c in grid]


def _length_cap(cases: Sequence[Case]) -> int:
    """Where to stop an infinite sum over outputs: past the padded input, whose length
    ``m + p_l + p_r`` bounds every window's start (``s >= 1``); the sum of all the sizes
    of a case is at least that."""
    return max(sum(c.values()) for c in cases) + 1


def _length_steps(layer: Layer, axis: int, claimed: Expr, grid: Sequence[Case]) -> list[Step]:
    """The steps on one axis: count the outputs whose window fits, compare the claim with
    the count, and spot-check the claim against :func:`symconv.conv_settings`."""
    a = axis
    m, n, s, d, p_l, p_r = _axis_symbols(layer, a)
    i, L = layer.i[a], layer.L[a]
    standard = layer.length(a)
    tag = "" if layer.dims == 1 else f" (axis {a + 1})"
    cases = _length_cases(layer, a, grid)
    # The sums over outputs run to oo: carried out up to a cap past the padded input.
    cap = _length_cap(cases)
    ends = _ends(layer, a)
    solved = Sum(bracket(S.One, sympy.Ge(i, 0), sympy.Le(i, standard - 1)), (i, 0, oo))
    counted = Sum(S.One, (i, 0, standard - 1))
    last_fits = unevaluated_bracket(sympy.Le((L - 1) * s + (n - 1) * d - p_l, m - 1 + p_r))
    next_fits = unevaluated_bracket(sympy.Le(L * s + (n - 1) * d - p_l, m - 1 + p_r))
    facts = (layer.room(a),)
    decide = _decide_length(L, claimed, facts)
    with_length = _with_length(cases, claimed, L)
    cut = Rule("restrict_sum", lambda e: restrict_sum(e, {}, facts))
    symmetric = {p_l: layer.p_both[a], p_r: layer.p_both[a]}
    rows: list[Row | Step] = [
        (f"first and last taps{tag}", _window_count(layer, a), ends,
         Rule("forall_bracket", forall_bracket), "monotone taps", cases, cap),
        (f"solve for the output index{tag}", ends, solved, _solve(i), "integer floor", cases,
         cap),
        (f"cut the range{tag}", solved, counted, cut, "cut the range", cases, cap),
        (f"count the outputs{tag}", counted, standard, DOIT, "count", cases, cap),
        (f"the claimed closed form{tag}", claimed, standard, Rule("floor_normal", floor_normal),
         "floor and ceiling", cases, DERIVE_CAP),
        (f"the last output fits{tag}", last_fits, S.One, decide, "division", with_length,
         DERIVE_CAP),
        (f"the next output does not{tag}", next_fits, S.Zero, decide, "division", with_length,
         DERIVE_CAP),
        specialise(f"symmetric padding{tag}", standard, symmetric),
    ]  # fmt: skip
    steps = [row if isinstance(row, Step) else derive(*row[:6], cap=row[6]) for row in rows]
    return [*steps, _conv_settings_check(layer, a, claimed, tag)]


def _ends(layer: Layer, axis: int) -> Expr:
    """``sum_{i >= 0} [i*s - p_l >= -p_l] [i*s + (n-1)*d - p_l <= m - 1 + p_r]``: the
    window fits when its first and last taps do."""
    m, n, s, d, p_l, p_r = _axis_symbols(layer, axis)
    i = layer.i[axis]
    first = sympy.Ge(i * s - p_l, -p_l)
    last = sympy.Le(i * s + (n - 1) * d - p_l, m - 1 + p_r)
    return Sum(bracket(S.One, first, last), (i, 0, oo))


def _solve(i: Symbol) -> Rule:
    """Each bracket solved for the output index ``i``."""
    return Rule(
        f"isolate_index(., {i})",
        lambda e: e.replace(
            lambda x: isinstance(x, Iverson), lambda x: Iverson(isolate_index(x.condition, i))
        ),
    )


def _decide_length(L: Symbol, claimed: Expr, facts: Sequence[Expr]) -> Rule:
    """The brackets decided with ``L`` the claimed length."""
    # The last output is L - 1 for the claimed L: its window must fit, the next one's not.
    # The claim enters in its floor normal form, which the step "the claimed closed form"
    # shows equal to it.
    normal = floor_normal(claimed)
    return Rule(
        f"refine_brackets with {L} = the claimed length",
        lambda e: refine_brackets(e.subs(L, normal), {}, facts),
    )


def _with_length(cases: Sequence[Case], claimed: Expr, L: Symbol) -> list[dict[Expr, int]]:
    """The cases with ``L`` the claimed length, where the claim is an integer there."""
    with_length = []
    for c in cases:
        value = claimed.xreplace({k: sympy.Integer(v) for k, v in c.items()})
        if value.is_Integer:
            with_length.append({**c, L: int(value)})
    return with_length


def _conv_settings_check(layer: Layer, axis: int, claimed: Expr, tag: str) -> Step:
    """The claimed length against :func:`symconv.conv_settings` at every size of
    :data:`LENGTH_GRID` that has an output."""
    m, n, s, d, p_l, p_r = _axis_symbols(layer, axis)
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
    return check(
        f"agrees with conv_settings{tag}",
        left,
        right,
        law="the concrete output length of symconv.conv_settings",
        labels=labels,
    )


def prove_output_length(
    dims: int = 1, *, length: Expr | Sequence[Expr] | None = None
) -> GeneralProof:
    """Theorem 1: the number of outputs whose window lies inside the padded input is
    ``L_out = floor((m + p_l + p_r - d(n-1) - 1)/s) + 1``, and with ``p_l = p_r = p``
    ``floor((m + 2p - d(n-1) - 1)/s) + 1``.

    ``length`` is the claimed formula in ``m, n, s, d, p_l, p_r`` (one per axis in 2-D,
    in ``m_1, p_l1``...); the default is the true one. A closed form equal to it by the
    floor and ceiling identities (``ceiling((y + 1)/s)``, ``floor((y + s)/s)`` for
    ``y = m + p_l + p_r - d(n-1) - 1``) is proved too; any other comes out unproved at
    the step "the claimed closed form". In 2-D the outputs are the pairs of per-axis
    outputs, so their number is ``L_1 L_2``.

    >>> proof = prove_output_length()
    >>> proof.holds, proof.claims[0][1]
    (True, floor((-d*(n - 1) + m + p_l + p_r - 1)/s) + 1)
    >>> layer = proof_symbols()
    >>> y = layer.room(0)
    >>> prove_output_length(length=sympy.ceiling((y + 1) / layer.s[0])).holds
    True
    >>> wrong = prove_output_length(length=sympy.ceiling(y / layer.s[0]))   # one too few
    >>> wrong.holds, wrong.first_failure.name
    (False, 'the claimed closed form')
    """
    layer = proof_symbols(dims)
    claimed = _claimed_lengths(layer, length)
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
