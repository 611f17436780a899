"""Theorems: equivariance to translation and its companions, for all sizes at once.

With symbolic input length ``m``, kernel length ``n``, stride ``s``, dilation ``d`` and
paddings ``p_l`` before and ``p_r`` after the input (output ``i`` reads ``x`` at
``i*s + k*d - p_l``, a tap outside ``0..m-1`` reads a padding zero):

* :func:`prove_translation_equivariance`: with no padding, shifting the input by ``tau*s``
  (``tau*s`` new entries ``u`` entering at the left) shifts the outputs by ``tau``,
  ``z'_i = z_{i - tau}``, exactly for ``tau <= i <= L - 1``; the first ``tau`` outputs read
  an entry that entered, the last ``tau`` outputs of ``z`` have no counterpart;
* :func:`prove_strided_is_subsampled`: ``z^(s)_i = z^(1)_{i s}`` (eq. 9.8 against 9.7), for
  ``0 <= i <= L_s - 1`` and no further;
* :func:`prove_dilated_is_zero_inserted`: the dilated convolution is the convolution with
  the zero-inserted kernel ``w^(d)_r = sum_k w_k [r = k d]``;
* :func:`prove_tied_is_convolution`: a locally connected layer with ``W_{i,k} = w_k`` is the
  convolution, and ``d(z^W_i - z_i)/dx_{i s + q d - p_l} = (W_{i,q} - w_q) [in range]``: the
  two agree for every ``x`` exactly when the weights are tied on every tap that reads
  the input.

Each takes the claim under test as an argument, so a wrong claim comes out
``holds == False`` at a named step.

Examples
========

>>> proof = prove_strided_is_subsampled()
>>> proof.holds, [str(step.name) for step in proof.steps][:2]
(True, ['eq. 9.8 is eq. 9.7 at t = i s', 'the kept outputs exist'])
>>> prove_translation_equivariance(shift=2, output_shift=1).first_failure.name
'the earlier output'
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence

import sympy
from sympy import Derivative, Expr, IndexedBase, KroneckerDelta, Matrix, Sum, Symbol, floor

from symconv.core.vectors import symbolic_vector
from symconv.general.cases import (
    MAX_CASES,
    cases_for,
    concrete_arrays,
    concrete_step,
    evenly,
    options,
    resized,
    size_grid,
)
from symconv.general.layer import Case, Layer, proof_symbols
from symconv.general.rules import (
    DIFFERENTIATE,
    DISTRIBUTE,
    Rule,
    expand_definition,
    refine_with,
    sift,
    substitute,
    swap,
)
from symconv.general.theorem import GeneralProof, Row, assumptions_for, derive, describe_case
from symconv.ops.sliding import conv1d
from symconv.ops.unshared import locally_connected1d
from symconv.proofs.equivariance import prove_translation_equivariance as concrete_translation
from symconv.proofs.equivariance import zero_inserted
from symconv.proofs.law import Law
from symconv.proofs.proof import Step, check, observe
from symconv.summation import Iverson, between, bracket, indexed_to_symbols, instantiate


def step(
    name: str,
    before: Expr,
    after: Expr,
    rule: Rule,
    stated: str,
    cases: Sequence[Case] = (),
) -> Step:
    """:func:`~symconv.general.theorem.derive`, with this module's own law (markup)."""
    derived = derive(name, before, after, rule, "definition", cases)
    return dataclasses.replace(derived, law=Law(stated))


def spot(name: str, left: list[Expr], right: list[Expr], labels: list[str], law: str) -> Step:
    """A spot check of the statement against the concrete machinery."""
    return dataclasses.replace(check(name, left, right, law=law, labels=labels), kind="spot check")


# --- translation --------------------------------------------------------------------------


def shifted_entry(layer: Layer, entered: IndexedBase, sigma: Expr, j: Expr) -> Expr:
    """Entry ``j`` of the input shifted by ``sigma``: ``x_{j - sigma}`` where it is still in
    range, ``entered[j]`` in the first ``sigma`` places."""
    x, (m,) = layer.x, layer.m
    return bracket(x[j - sigma], between(j, sigma, m - 1)) + bracket(
        entered[j], between(j, 0, sigma - 1)
    )


def translation_cases(
    layer: Layer, grid: Sequence[dict[Expr, int]], tau: Symbol, moved: Expr
) -> tuple[list[dict[Expr, int]], list[dict[Expr, int]]]:
    """The cases of the translation steps: the outputs ``i >= moved`` (first, middle and
    last of ``tau..L-1`` for every ``tau``), and the outputs ``i < tau`` that read an
    entry that entered."""
    (i,), (L,) = layer.i, layer.L
    cases: list[dict[Expr, int]] = []
    first: list[dict[Expr, int]] = []
    for sizes in grid:
        for t in range(1, sizes[L]):
            for value in sorted({t, (t + sizes[L] - 1) // 2, sizes[L] - 1}):
                cases.append({**sizes, tau: t, i: value})
            first += [{**sizes, tau: t, i: value} for value in range(t)]
    cases = evenly([c for c in cases if moved.subs(c) <= c[i]], MAX_CASES[1])
    return cases, evenly(first, MAX_CASES[1])


def shifted_outputs(
    layer: Layer, sizes: Case, core: Expr, tau: Symbol, t: int, moved_by: int, claimed: Expr
) -> tuple[list[tuple[Expr, Expr, Expr, str]], bool]:
    """At these sizes and ``tau = t``, for every output ``i >= moved_by``: ``core``,
    ``conv1d`` of the input shifted by ``moved_by * s`` (symbolic entries ``u`` entering at
    the left), the claimed earlier output of ``conv1d`` of ``x`` (NaN where there is none)
    and the case's label; and whether the concrete proof of equivariance holds with its
    outputs defined on both sides exactly ``moved_by, ..., L - 1``."""
    (m,), (s,), (d,), (L,), (i,) = layer.m, layer.s, layer.d, layer.L, layer.i
    x_, w_, _ = concrete_arrays(layer, sizes)
    count, sigma_ = sizes[L], moved_by * sizes[s]
    entered = list(symbolic_vector("u", sigma_))
    new = conv1d(entered + list(x_)[: sizes[m] - sigma_], w_, **options(layer, sizes))
    old = conv1d(x_, w_, **options(layer, sizes))
    rows: list[tuple[Expr, Expr, Expr, str]] = []
    for value in range(moved_by, count):
        case = {**sizes, tau: t, i: value}
        index = value - int(claimed.subs({tau: t}))
        earlier = old[index] if 0 <= index < count else sympy.S.NaN
        rows.append(
            (indexed_to_symbols(instantiate(core, case)), new[value], earlier, describe_case(case))
        )
    proof = concrete_translation(x_, w_, shift=sigma_, stride=sizes[s], dilation=sizes[d])
    wanted = list(range(moved_by, count))
    agreed = (
        proof.holds and proof.step("shifted outputs").details["defined on both sides"] == wanted
    )
    return rows, agreed


def translation_spot_checks(
    layer: Layer, grid: Sequence[Case], core: Expr, tau: Symbol, moved: Expr, claimed: Expr
) -> list[Step]:
    """The statement at concrete sizes (:func:`shifted_outputs`): ``core`` against
    ``conv1d`` of the shifted input and against the claimed earlier output of ``conv1d``
    of ``x``; and the concrete proof of equivariance at every size."""
    (m,), (s,), (L,) = layer.m, layer.s, layer.L
    compared: list[tuple[Expr, Expr, Expr, str]] = []
    agreed = True
    for sizes in grid:
        for t in range(1, sizes[L]):
            moved_by = int(moved.subs({tau: t}))
            if moved_by * sizes[s] < sizes[m]:
                found, holds = shifted_outputs(layer, sizes, core, tau, t, moved_by, claimed)
                compared += found
                agreed = agreed and holds
    left, right, later, labels = ([row[column] for row in compared] for column in range(4))
    return [
        spot(
            "agrees with conv1d of the shifted input",
            left,
            right,
            labels,
            "symconv.conv1d(x', w) at concrete sizes, x' = u + x[:m - tau s]",
        ),
        spot(
            "agrees with the earlier output of conv1d",
            left,
            later,
            labels,
            "symconv.conv1d(x, w)[i - tau] at concrete sizes",
        ),
        observe(
            "agrees with the concrete proof",
            agreed,
            law=(
                r"the concrete proof of equivariance holds at every concrete size, and its "
                r"outputs defined on both sides are exactly $\tau, \ldots, L - 1$"
            ),
        ),
    ]


#: The theorem in LaTeX (its steps prove it; its spot checks try it at concrete sizes).
TRANSLATION_STATEMENT = (
    r"With no padding ($p_l = p_r = 0$), let $x'_j = x_{j - \tau s}$ for "
    r"$\tau s \le j \le m - 1$ and $x'_j = u_j$ (entries that entered) for "
    r"$0 \le j \le \tau s - 1$. Then $z'_i = z_{i - \tau}$ for "
    r"$\tau \le i \le L - 1$, and for no other $i$: the outputs $i < \tau$ of $x'$ "
    r"read an entry $u$, and the outputs $i > L - 1 - \tau$ of $x$ have no "
    r"counterpart in $x'$."
)


def prove_translation_equivariance(
    *, shift: Expr | int | None = None, output_shift: Expr | int | None = None
) -> GeneralProof:
    """Theorem: with no padding, shifting the input by ``tau*s`` shifts the outputs by
    ``tau``: ``z'_i = z_{i - tau}`` exactly for ``tau <= i <= L - 1``.

    The shifted input is ``x'_j = x_{j - tau s} [tau s <= j <= m - 1] + u_j [0 <= j <=
    tau s - 1]``: ``tau*s`` new entries ``u`` enter at the left and the last ``tau*s``
    entries of ``x`` leave. ``shift`` is the input's shift in strides (default the symbol
    ``tau``), ``output_shift`` the claimed shift of the outputs (default ``tau``).

    >>> prove_translation_equivariance().holds
    True
    """
    layer = proof_symbols(1)
    (m,), (n,), (s,), (d,), (L,) = layer.m, layer.n, layer.s, layer.d, layer.L
    (i,), (k,), x, w = layer.i, layer.k, layer.x, layer.w
    tau = Symbol("tau", integer=True, positive=True)
    moved = tau if shift is None else sympy.sympify(shift, strict=True)
    claimed = tau if output_shift is None else sympy.sympify(output_shift, strict=True)
    shifted, u = IndexedBase("x'"), IndexedBase("u")
    valid = layer.padded(lambda a: 0)
    facts = [f.subs(valid) for f in layer.facts]
    inside = refine_with({i: (moved, layer.length(0).subs(valid) - 1)}, facts)
    meaning = functools.partial(shifted_entry, layer, u, moved * s)
    definition = expand_definition(shifted, meaning)
    z_shifted = layer.sliding(w[k], shifted, (i,), (m,)).subs(valid)
    expanded = definition(z_shifted)
    core = layer.total(w[k] * x[i * s + k * d - moved * s], (k,), (n - 1,))
    z_earlier = layer.sliding(w[k], x, (i - claimed,), (m,)).subs(valid)
    grid = resized(layer, size_grid(layer), padding=lambda sizes, a: 0)
    cases, first = translation_cases(layer, grid, tau, moved)
    rows: list[Row] = [
        ("definition of the shifted input", z_shifted, expanded, definition,
         r"substitute $x'_j = x_{j - \tau s}\,[\tau s \le j \le m - 1] + "
         r"u_j\,[0 \le j \le \tau s - 1]$", ()),
        (r"outputs from $\tau$ on read no entry that entered", expanded, core, inside,
         r"for $\tau \le i \le L - 1$ and $0 \le k \le n - 1$: $i s + k d \ge \tau s$, and "
         r"$i s + k d \le s \lfloor (m - d(n-1) - 1)/s \rfloor + d(n - 1) \le m - 1$, so "
         r"the bracket of $x$ is $1$ and that of $u$ is $0$", cases),
        ("the earlier output", z_earlier, core, inside,
         r"$z_{i - \tau} = \sum_k w_k\, x_{(i - \tau) s + k d}$ with every tap in range for "
         r"$0 \le i - \tau \le L - 1$; $(i - \tau) s = i s - \tau s$", cases),
        (r"the first $\tau$ outputs read an entry that entered", meaning(i * s), u[i * s],
         refine_with({i: (0, moved - 1)}, facts),
         r"tap $0$ of output $i \le \tau - 1$ reads $x'_{i s}$ with "
         r"$i s \le \tau s - s \le \tau s - 1$: an entry $u$ that entered, so $z'_i$ is "
         r"not an output of $x$", first),
        (r"the last $\tau$ outputs have no counterpart", Iverson(between(i + moved, 0, L - 1)),
         sympy.S.Zero, refine_with({i: (L - moved, L - 1)}),
         r"for $L - \tau \le i \le L - 1$ the output $i + \tau$ of $x'$ would lie past "
         r"the last, $L - 1$", ()),
    ]  # fmt: skip
    steps = [step(*row) for row in rows]
    steps += translation_spot_checks(layer, grid, core, tau, moved, claimed)
    _, tex = assumptions_for(layer, two_sided=True)
    return GeneralProof(
        title="Equivariance to translation",
        statement=TRANSLATION_STATEMENT,
        steps=steps,
        assumptions=(
            *tex,
            r"$p_l = p_r = 0$ (valid), and $\tau \in \mathbb{Z}_{\ge 1}$ with $\tau s \le m - 1$",
        ),
        claims=((z_shifted, z_earlier),),
        definitions=((shifted[layer.j[0]], meaning(layer.j[0])),),
    )


# --- stride -------------------------------------------------------------------------------


def subsampled(layer: Layer, sizes: Case) -> Matrix:
    """Every ``s``-th output of the stride-1 ``conv1d`` with the same zeros and dilation."""
    x, w, _ = concrete_arrays(layer, sizes)
    (s,), (d,) = layer.s, layer.d
    every = conv1d(x, w, padding=options(layer, sizes)["padding"], dilation=sizes[d])
    return Matrix(list(every)[:: sizes[s]])


#: The theorem in LaTeX (its steps prove it; its spot checks try it at concrete sizes).
STRIDED_STATEMENT = (
    r"$z^{(s)}_i = \sum_k w_k\, \tilde x_{i s + k d - p_l} = z^{(1)}_{i s}$ "
    r"for $0 \le i \le L_s - 1$, "
    r"$L_s = \lfloor (m + p_l + p_r - d(n-1) - 1)/s \rfloor + 1$: "
    r"the stride-1 convolution with the same zeros, every $s$-th output kept."
)


def prove_strided_is_subsampled(*, kept: Expr | None = None) -> GeneralProof:
    """Theorem: the strided output ``i`` is the stride-1 output ``t = i*s`` (eq. 9.8 is
    eq. 9.7 read at ``i s``); the kept outputs ``0 <= i <= L_s - 1`` all exist among the
    ``L_1 = m + p_l + p_r - d(n-1)`` stride-1 ones, and output ``L_s`` would not.

    ``kept`` is the claimed stride-1 index of strided output ``i`` (default ``i*s``).

    >>> from sympy import Symbol
    >>> i, s = Symbol("i", integer=True), Symbol("s", integer=True, positive=True)
    >>> prove_strided_is_subsampled(kept=i*s + 1).first_failure.name
    'eq. 9.8 is eq. 9.7 at t = i s'
    """
    layer = proof_symbols(1)
    (m,), (s,), (d,), (p_l,) = layer.m, layer.s, layer.d, layer.p_l
    (i,), (k,), (t,) = layer.i, layer.k, layer.t
    index = i * s if kept is None else kept
    room, length = layer.room(0), layer.length(0)
    unit = layer.sliding(layer.w[k], layer.x, (t,), (m,), column=(t + k * d - p_l,))
    strided = layer.sliding(layer.w[k], layer.x, (i,), (m,))
    cases = [{**c, t: c[i] * c[s]} for c in cases_for(layer, {"i": "L"})]
    rows: list[Row] = [
        ("eq. 9.8 is eq. 9.7 at t = i s", unit, strided, substitute({t: index}),
         r"substitute $t = i s$ in $z^{(1)}_t = \sum_k w_k\, \tilde x_{t + k d - p_l}$", cases),
        ("the kept outputs exist", Iverson(between(i * s, 0, room)), sympy.S.One,
         refine_with({i: (0, floor(room / s))}, layer.facts),
         r"$i s \le y \iff i \le \lfloor y/s \rfloor$ for integers: the stride-1 output "
         r"$i s$ lies in $0, \ldots, L_1 - 1$ with $L_1 - 1 = m + p_l + p_r - d(n-1) - 1$",
         cases),
        ("and no more", Iverson(sympy.Le(i * s, room)), sympy.S.Zero,
         refine_with({i: (length, length)}, layer.facts),
         r"$s (\lfloor y/s \rfloor + 1) > y$: the stride-1 output $L_s s$ lies past "
         r"$L_1 - 1$", ()),
    ]  # fmt: skip
    steps = [step(*row) for row in rows]
    steps.append(
        concrete_step(
            "agrees with the subsampled convolution",
            layer,
            "i",
            strided,
            functools.partial(subsampled, layer),
            "symconv.conv1d(x, w, padding=(p_l, p_r), dilation=d)[::s] at concrete sizes",
        )
    )
    _, tex = assumptions_for(layer, two_sided=True)
    return GeneralProof(
        title="A strided convolution is the convolution subsampled",
        statement=STRIDED_STATEMENT,
        steps=steps,
        assumptions=tex,
        claims=((unit.subs(t, index), strided),),
    )


# --- dilation -----------------------------------------------------------------------------


def spread_kernel(layer: Layer, place: Callable[[Expr], Expr], r: Expr) -> Expr:
    """Entry ``r`` of the zero-inserted kernel, ``sum_k w_k [r = place(k)]``."""
    (k,), (n,), w = layer.k, layer.n, layer.w
    return layer.total(w[k] * KroneckerDelta(r, place(k)), (k,), (n - 1,))


def zero_inserted_outputs(layer: Layer, sizes: Case) -> Matrix:
    """``conv1d`` (dilation 1) of ``x`` with the kernel ``w`` spread by ``d - 1`` zeros."""
    x, w, _ = concrete_arrays(layer, sizes)
    (s,), (d,) = layer.s, layer.d
    kernel = zero_inserted(list(w), sizes[d])
    return conv1d(x, kernel, stride=sizes[s], padding=options(layer, sizes)["padding"])


#: The theorem in LaTeX (its steps prove it; its spot checks try it at concrete sizes).
DILATED_STATEMENT = (
    r"With $w^{(d)}_r = \sum_k w_k [r = k d]$ for $0 \le r \le d(n-1)$ ($d - 1$ zeros "
    r"between taps): $\sum_r w^{(d)}_r\, \tilde x_{i s + r - p_l} = "
    r"\sum_k w_k\, \tilde x_{i s + k d - p_l}$, the convolution with dilation $d$."
)


def prove_dilated_is_zero_inserted(
    *, inserted: Callable[[Expr], Expr] | None = None
) -> GeneralProof:
    """Theorem: the convolution (dilation 1) with the zero-inserted kernel
    ``w^(d)_r = sum_k w_k [r = k d]``, ``0 <= r <= d(n-1)``, is the dilated convolution.

    ``inserted(k)`` is the claimed place of tap ``k`` in ``w^(d)`` (default ``k*d``).

    >>> prove_dilated_is_zero_inserted().holds
    True
    >>> prove_dilated_is_zero_inserted(inserted=lambda k: k).holds
    False
    """
    layer = proof_symbols(1)
    (m,), (n,), (s,), (d,), (p_l,) = layer.m, layer.n, layer.s, layer.d, layer.p_l
    (i,), (k,), x, w = layer.i, layer.k, layer.x, layer.w
    r = Symbol("r", integer=True)
    place = inserted if inserted is not None else (lambda k_: k_ * d)
    spread = IndexedBase("w^{(d)}")
    meaning = functools.partial(spread_kernel, layer, place)
    tap, at_tap, span = i * s + r - p_l, i * s + place(k) - p_l, (r, 0, d * (n - 1))
    plain = Sum(bracket(spread[r] * x[tap], between(tap, 0, m - 1)), span)
    defined = Sum(bracket(meaning(r) * x[tap], between(tap, 0, m - 1)), span)
    summand = bracket(w[k] * KroneckerDelta(r, place(k)) * x[tap], between(tap, 0, m - 1))
    distributed = Sum(summand, (k, 0, n - 1), span)
    swapped = Sum(summand, span, (k, 0, n - 1))
    in_place = between(place(k), 0, d * (n - 1))
    sifted = layer.total(
        bracket(w[k] * x[at_tap], in_place, between(at_tap, 0, m - 1)), (k,), (n - 1,)
    )
    dilated = layer.sliding(w[k], x, (i,), (m,))
    cases = cases_for(layer, {"i": "L"})
    rows: list[Row] = [
        ("definition of the zero-inserted kernel", plain, defined,
         expand_definition(spread, meaning, "definition of the dilated kernel"),
         r"substitute $w^{(d)}_r = \sum_k w_k\, [r = k d]$: $d - 1$ zeros between taps", ()),
        ("distributivity", defined, distributed, DISTRIBUTE, r"$a\sum_k f_k = \sum_k a f_k$",
         cases),
        ("interchange the sums", distributed, swapped, swap((r,), (k,)),
         "finite sums with independent ranges commute", cases),
        ("sifting over r", swapped, sifted, sift((r,)),
         r"$\sum_{r=a}^{b} f(r)\,\delta_{r,c} = f(c)\,[a \le c \le b]$ (sifting)", cases),
        ("every tap has its place", sifted, dilated, refine_with({}, layer.facts),
         r"for $0 \le k \le n - 1$: $0 \le k d \le d(n - 1)$, so the bracket is $1$, and "
         r"tap $k$ reads $\tilde x_{i s + k d - p_l}$: the dilated convolution", cases),
    ]  # fmt: skip
    steps = [step(*row) for row in rows]
    steps.append(
        concrete_step(
            "agrees with the zero-inserted convolution",
            layer,
            "i",
            dilated,
            functools.partial(zero_inserted_outputs, layer),
            "symconv.conv1d of x with the dilated kernel (stride s, padding (p_l, p_r)) at concrete sizes",
        )
    )
    _, tex = assumptions_for(layer, two_sided=True)
    return GeneralProof(
        title="A dilated convolution is the convolution with zeros in its kernel",
        statement=DILATED_STATEMENT,
        steps=steps,
        assumptions=tex,
        claims=((plain, dilated),),
        definitions=((spread[r], meaning(r)),),
    )


# --- tying --------------------------------------------------------------------------------


def combine_sums(expr: Expr) -> Expr:
    """``a Sum(f, limits) + b Sum(g, limits) -> Sum(a f + b g, limits)`` for sums over the
    same limits (linearity); any other expression is left as it is (the rule refuses).

    >>> from sympy import IndexedBase, symbols
    >>> k, n = symbols("k n", integer=True)
    >>> f, g = IndexedBase("f"), IndexedBase("g")
    >>> combine_sums(Sum(f[k], (k, 0, n)) - Sum(g[k], (k, 0, n)))
    Sum(f[k] - g[k], (k, 0, n))
    """
    limits = None
    summands = []
    for term in sympy.Add.make_args(expr):
        coefficient, rest = term.as_coeff_Mul()
        if not isinstance(rest, Sum) or (limits is not None and rest.limits != limits):
            return expr
        limits = rest.limits
        summands.append(coefficient * rest.function)
    if limits is None:
        return expr
    return Sum(sympy.Add(*summands), *limits)


def sift_at_tap(layer: Layer) -> Rule:
    """Sift the derivative's delta over ``k`` (``d > 0``: ``k d = q d`` only at ``k = q``),
    then refine the brackets with ``0 <= q <= n - 1``."""
    (n,), (k,), (q,) = layer.n, layer.k, layer.q
    return Rule(
        "sum_kronecker over k, then refine_brackets(0 <= q <= n - 1)",
        lambda e: refine_with({q: (0, n - 1)})(sift((k,))(sympy.expand(e))),
    )


def tied_local(layer: Layer, sizes: Case) -> Matrix:
    """``locally_connected1d`` with the kernel ``w`` at every output: the tied layer."""
    x, w, _ = concrete_arrays(layer, sizes)
    count = sizes[layer.L[0]]
    return locally_connected1d(x, [list(w)] * count, **options(layer, sizes))


#: The theorem in LaTeX (its steps prove it; its spot checks try it at concrete sizes).
TIED_STATEMENT = (
    r"$\sum_k W_{i,k}\, \tilde x_{i s + k d - p_l} = \sum_k w_k\, \tilde x_{i s + k d - p_l}$ "
    r"when $W_{i,k} = w_k$; and the coefficient of $x_{i s + q d - p_l}$ in the "
    r"difference is $(W_{i,q} - w_q)\,[0 \le i s + q d - p_l \le m - 1]$, so the layers "
    r"agree for every $x$ exactly when $W_{i,q} = w_q$ on every tap that reads the "
    r"input."
)


def prove_tied_is_convolution(*, tie: Callable[[Expr, Expr], Expr] | None = None) -> GeneralProof:
    """Theorem: a locally connected layer ``z^W_i = sum_k W_{i,k} x~_{i s + k d - p_l}`` with
    ``W_{i,k} = w_k`` is the convolution; and
    ``d(z^W_i - z_i)/dx_{i s + q d - p_l} = (W_{i,q} - w_q) [0 <= i s + q d - p_l <= m - 1]``,
    so the two agree for every ``x`` exactly when ``W_{i,q} = w_q`` on every tap that reads
    the input (tying is exactly this constraint).

    ``tie(i, k)`` is the claimed value of ``W_{i,k}`` (default ``w_k``).

    >>> prove_tied_is_convolution().holds
    True
    >>> from symconv.general.layer import proof_symbols
    >>> w = proof_symbols().w
    >>> prove_tied_is_convolution(tie=lambda i, k: w[k + 1]).first_failure.name
    'tie the weights'
    """
    layer = proof_symbols(1)
    (m,), (i,), (k,), (q,), (r,) = layer.m, layer.i, layer.k, layer.q, layer.r
    x, w, W = layer.x, layer.w, IndexedBase("W")
    claimed = tie if tie is not None else (lambda i_, k_: w[k_])
    unshared = layer.sliding(W[i, k], x, (i,), (m,))
    conv = layer.sliding(w[k], x, (i,), (m,))
    tap = layer.tap((i,), (q,))[0]
    combined = layer.sliding(W[i, k] - w[k], x, (i,), (m,))
    difference = Derivative(combined, x[r])
    differentiated = DIFFERENTIATE(difference)
    coefficient = bracket(W[i, q] - w[q], between(tap, 0, m - 1))
    rows: list[Row] = [
        ("tie the weights", unshared, conv, expand_definition(W, lambda i_, k_: claimed(i_, k_)),
         r"substitute $W_{i,k} = w_k$ (one kernel for every output): eq. 9.9 becomes eq. 9.8",
         ()),
        ("the difference of the layers", unshared - conv, combined,
         Rule("combine_sums", combine_sums),
         r"two sums over the same range are one sum: "
         r"$z^W_i - z_i = \sum_k (W_{i,k} - w_k)\, \tilde x_{i s + k d - p_l}$", ()),
        (r"differentiate the difference by $x_r$", difference, differentiated, DIFFERENTIATE,
         r"differentiate term by term: $\partial x_j / \partial x_r = \delta_{j,r}$", ()),
        # The name tests/test_equivariance.py looks the step up by; p is p_l.
        (r"at the tap $r = i s + q d - p$", differentiated.subs(r, tap), coefficient,
         sift_at_tap(layer),
         r"sifting over $k$ ($d > 0$, so $k d = q d$ only at $k = q$), $q$ in range: the "
         r"coefficient of $x_{i s + q d - p_l}$ in $z^W_i - z_i$ is $W_{i,q} - w_q$, so the "
         r"outputs agree for every $x$ iff $W_{i,q} = w_q$ on each tap that reads the input",
         cases_for(layer, {"i": "L", "q": "n"})),
    ]  # fmt: skip
    steps = [step(*row) for row in rows]
    steps.append(
        concrete_step(
            "agrees with the tied locally connected layer",
            layer,
            "i",
            conv,
            functools.partial(tied_local, layer),
            "symconv.locally_connected1d(x, [w, ..., w]) at concrete sizes",
        )
    )
    _, tex = assumptions_for(layer, two_sided=True)
    return GeneralProof(
        title="Tying a locally connected layer gives the convolution",
        statement=TIED_STATEMENT,
        steps=steps,
        assumptions=(*tex, r"$W_{i,k}$ are arbitrary (symbolic) weights, one kernel per output"),
        claims=((unshared, conv), (Derivative(combined, x[tap]), coefficient)),
        definitions=(),
    )


#: The theorems of this module, in the order a reader meets them.
EQUIVARIANCE_THEOREMS: tuple[Callable[..., GeneralProof], ...] = (
    prove_translation_equivariance,
    prove_strided_is_subsampled,
    prove_dilated_is_zero_inserted,
    prove_tied_is_convolution,
)
