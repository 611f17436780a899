"""Equivariance to translation and its companions, proved on concrete layers.

Four facts of the *Deep Learning* book's chapter 9, each a :class:`Proof`:

* :func:`prove_translation_equivariance`: shifting the input by ``s*tau`` shifts the
  outputs by ``tau``, exactly on the outputs defined on both sides (stated and checked:
  outside them the two differ);
* :func:`prove_strided_is_subsampled`: a strided convolution (eq. 9.8) is the stride-1
  convolution (eq. 9.7) keeping every ``s``-th output;
* :func:`prove_dilated_is_zero_inserted`: a dilated convolution is the convolution with
  the kernel's zeros written in;
* :func:`prove_tied_is_convolution`: a locally connected layer whose weights are equal
  per kernel offset is the convolution, and tying is exactly that constraint.

Each takes the claim under test as an argument (an output shift, the kept outputs, the
zero-inserted kernel, the tied weights), so a wrong claim comes out ``holds == False``.

Examples
========

>>> from symconv import symbolic_vector
>>> x, w = symbolic_vector("x", 6), symbolic_vector("w", 3)
>>> proof = prove_translation_equivariance(x, w)
>>> proof.holds, proof.step("shifted outputs").details["defined on both sides"]
(True, [1, 2, 3])
>>> prove_translation_equivariance(x, w, shift=2, output_shift=1).first_failure.name
'shifted outputs'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import sympy
from sympy import Dummy, Expr, S, Symbol

from symconv.core.engine import in_session, same
from symconv.core.numbers import as_int
from symconv.core.vectors import as_vector
from symconv.layout.axis import ConvSettings, conv_settings
from symconv.ops.banded import band_from_settings
from symconv.ops.gradients import derive_gradients
from symconv.ops.sliding import sliding_outputs
from symconv.ops.unshared import convolution_layer, locally_connected_layer, unshared_band
from symconv.proofs.proof import Proof, check, observe
from symconv.proofs.tied import untied_prefix
from symconv.proofs.unshared import flat_entries, literal_layer


def settings_of(
    x: Sequence[Expr], kernel_size: int, stride: object, padding: object, dilation: object
) -> ConvSettings:
    return conv_settings(kernel_size, len(x), stride=stride, padding=padding, dilation=dilation)


def literal_outputs(x: Sequence[Expr], w: Sequence[Expr], request: dict[str, object]) -> list[Expr]:
    """The outputs by the literal definition (eq. 9.8 written out by plain loops)."""
    layer = convolution_layer(list(x), list(w), **request)  # type: ignore[arg-type]
    return literal_layer(layer, [S.Zero] * layer.layout.output_length, request).outputs


def fresh(count: int, name: str) -> list[Expr]:
    return [Dummy(f"{name}{n}") for n in range(count)]


def at(values: Sequence[Expr], index: int) -> Expr:
    """``values[index]``, or NaN where a claim names an output that does not exist."""
    return values[index] if 0 <= index < len(values) else S.NaN


@in_session
def prove_translation_equivariance(
    x: object,
    w: object,
    *,
    shift: object = 1,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    output_shift: object = None,
) -> Proof:
    """Prove that shifting the input shifts the outputs, with the boundary stated exactly.

    The shifted input is ``x'_j = x_{j - shift}`` for ``j >= shift``, and ``shift`` new
    entries ``u_0, ...`` enter at the left (the last ``shift`` entries of x leave). With
    ``shift = stride * tau`` the outputs move by ``tau``: ``z'_i = z_{i - tau}`` exactly
    for the outputs *defined on both sides*, ``i >= tau`` none of whose taps reads an
    entry that entered (positions ``0..shift-1``) or a padding zero where an entry left
    (positions ``m..m+shift-1``). With no padding that is ``tau <= i <= L - 1``; the first
    ``tau`` outputs of ``z'`` read the entered entries, and the last ``tau`` of ``z`` have
    no counterpart. ``output_shift`` is the claimed ``tau``.

    >>> prove_translation_equivariance([1, 2, 3, 4, 5], [1, -1]).holds
    True
    >>> prove_translation_equivariance([1, 2, 3, 4, 5], [1, -1], shift=1, stride=2)
    Traceback (most recent call last):
    ...
    ValueError: shift 1 is not a multiple of the stride 2: a strided convolution is equivariant only to shifts by multiples of its stride
    """
    xs, ws = list(as_vector(x, "input x")), list(as_vector(w, "kernel w"))
    settings = settings_of(xs, len(ws), stride, padding, dilation)
    m, step_ = len(xs), settings.stride
    sigma = as_int(shift, "shift", 1)
    if sigma >= m:
        raise ValueError(
            f"shift {sigma} moves every entry of x (length {m}) out; use a shift from 1 to {m - 1}"
        )
    if sigma % step_:
        raise ValueError(
            f"shift {sigma} is not a multiple of the stride {step_}: a strided convolution "
            "is equivariant only to shifts by multiples of its stride"
        )
    tau = sigma // step_
    claimed = tau if output_shift is None else as_int(output_shift, "output shift", 0)
    prefix = untied_prefix(xs, ws)
    entered: list[Expr] = [Symbol(f"{prefix}{j}") for j in range(sigma)]
    shifted = entered + xs[: m - sigma]
    z = sliding_outputs(xs, ws, settings)
    z_shifted = sliding_outputs(shifted, ws, settings)
    count = len(z)

    def reads(i: int) -> list[int]:  # real-input positions output i's taps land on
        return [settings.padded_index(i, k) for k in range(settings.kernel_size)]

    def defined(i: int) -> bool:
        return i >= tau and all(not (0 <= j < sigma or m <= j < m + sigma) for j in reads(i))

    both = [i for i in range(count) if defined(i)]
    # Exactness, on fresh symbols (a value must not make two outputs equal by accident):
    # every output from tau on that is not defined on both sides differs from z_{i - tau}.
    sx, sw, su = fresh(m, "x"), fresh(len(ws), "w"), fresh(sigma, "u")
    free_z = sliding_outputs(sx, sw, settings)
    free_shifted = sliding_outputs(su + sx[: m - sigma], sw, settings)
    outside = [i for i in range(tau, count) if i not in both]
    differ = [i for i in outside if not same(free_shifted[i], free_z[i - tau])[0]]
    request = {"stride": stride, "padding": padding, "dilation": dilation}
    steps = [
        check(
            "shifted outputs",
            [z_shifted[i] for i in both],
            [at(z, i - claimed) for i in both],
            law=(
                rf"Law: $x'_j = x_{{j - {sigma}}}$ under every tap of output $i$, so "
                rf"$z'_i = \sum_k w_k x'_{{i s + k d - p}} = \sum_k w_k x_{{(i - {tau}) s + k d - p}}"
                rf" = z_{{i - {tau}}}$"
            ),
            labels=[(i,) for i in both],
            details={
                "defined on both sides": both,
                "entered": entered,
                "reads an entered entry": [
                    i for i in range(count) if any(0 <= j < sigma for j in reads(i))
                ],
                "no counterpart in z'": list(range(max(count - tau, 0), count)),
            },
        ),
        observe(
            "defined exactly there",
            differ == outside,
            law=(
                r"Claim: every other output from $\tau$ on reads an entry that entered or a "
                r"padding zero where an entry left, and differs from $z_{i - \tau}$ (checked "
                r"with symbolic $x$, $u$, $w$); before $\tau$ there is no $z_{i - \tau}$"
            ),
            details={"outside": outside, "differ": differ},
        ),
        check(
            "agrees with the definition",
            z + z_shifted,
            literal_outputs(xs, ws, request) + literal_outputs(shifted, ws, request),
            law=(
                r"eq. 9.8 written out by plain loops, $z_i = \sum_k \tilde x_{i s + k d}\, w_k$, "
                r"for $x$ and for the shifted $x'$"
            ),
            labels=[("z", i) for i in range(count)] + [("z'", i) for i in range(count)],
        ),
    ]
    return Proof(
        title="Equivariance to translation",
        statement=(
            rf"Shifting the input by ${sigma} = {step_} \cdot {tau}$ positions "
            rf"($x'_j = x_{{j - {sigma}}}$, with ${sigma}$ new entries at the left) shifts the "
            rf"outputs by ${tau}$: $z'_i = z_{{i - {tau}}}$ exactly for the outputs defined "
            rf"on both sides, $i \in \{{{', '.join(map(str, both))}\}}$ of $0, \ldots, {count - 1}$."
        ),
        steps=steps,
        assumptions=(
            rf"stride ${step_}$, dilation ${settings.dilation}$, padding "
            rf"${settings.padding_pair}$ zeros",
        ),
    )


@in_session
def prove_strided_is_subsampled(
    x: object,
    w: object,
    stride: object,
    *,
    padding: object = 0,
    dilation: object = 1,
    kept: Sequence[int] | None = None,
) -> Proof:
    """Prove that the strided convolution (eq. 9.8) is the stride-1 convolution (eq. 9.7,
    with the same zeros) keeping outputs ``0, s, 2s, ...``: ``z^(s)_i = z^(1)_{i s}``, and
    ``T_s`` is every ``s``-th row of ``T_1``. ``kept`` is the claimed list of kept
    stride-1 outputs.

    >>> prove_strided_is_subsampled([1, 2, 3, 4, 5, 6], [1, 1], 2).holds
    True
    >>> wrong = prove_strided_is_subsampled([1, 2, 3, 4, 5, 6], [1, 1], 2, kept=[1, 3, 5])
    >>> wrong.holds, wrong.first_failure.name
    (False, 'subsampled')
    """
    xs, ws = list(as_vector(x, "input x")), list(as_vector(w, "kernel w"))
    strided = settings_of(xs, len(ws), stride, padding, dilation)
    s = strided.stride
    unit = dataclasses.replace(strided, stride=1)  # the same zeros, every position
    z_s, z_1 = sliding_outputs(xs, ws, strided), sliding_outputs(xs, ws, unit)
    chosen = list(range(0, s * len(z_s), s)) if kept is None else [int(k) for k in kept]
    t_s, t_1 = band_from_settings(ws, strided), band_from_settings(ws, unit)
    rows_1 = t_1.rows()
    every = list(range(0, len(z_1), s))
    request = {"stride": stride, "padding": strided.padding_pair, "dilation": dilation}
    steps = [
        check(
            "subsampled",
            z_s,
            [at(z_1, k) for k in chosen],
            law=(
                r"Law: eq. 9.8 is eq. 9.7 read at $i s$: $z^{(s)}_i = \sum_k w_k "
                r"\tilde x_{i s + k d} = z^{(1)}_{i s}$"
            ),
            labels=[(i,) for i in range(len(z_s))],
            details={"kept": chosen},
        ),
        observe(
            "every s-th output, and no more",
            len(z_s) == len(every) and t_s.rows() == [rows_1[k] for k in every],
            law=(
                r"Claim: $L_s = \lceil L_1 / s \rceil$ (the multiples of $s$ below $L_1$) and "
                r"$T_s$ is rows $0, s, 2s, \ldots$ of $T_1$: $T_s = S\, T_1$ with $S$ selecting them"
            ),
            details={"strided outputs": len(z_s), "stride-1 outputs": len(z_1)},
        ),
        check(
            "agrees with the definition",
            z_s,
            literal_outputs(xs, ws, request),
            law=r"eq. 9.8 written out by plain loops: $z_i = \sum_k \tilde x_{i s + k d}\, w_k$",
            labels=[(i,) for i in range(len(z_s))],
        ),
    ]
    return Proof(
        title="A strided convolution is the convolution subsampled",
        statement=(
            rf"With stride ${s}$, $z^{{({s})}}_i = z^{{(1)}}_{{{s} i}}$ for "
            rf"$i = 0, \ldots, {len(z_s) - 1}$: the stride-1 convolution with the same "
            rf"zeros, keeping every ${s}$-th of its ${len(z_1)}$ outputs."
        ),
        steps=steps,
        assumptions=(rf"padding ${strided.padding_pair}$ zeros, dilation ${strided.dilation}$",),
    )


def zero_inserted(w: Sequence[Expr], dilation: int) -> list[Expr]:
    """The kernel with ``dilation - 1`` zeros written between its taps.

    >>> zero_inserted([5, 6, 7], 3)
    [5, 0, 0, 6, 0, 0, 7]
    """
    spread: list[Expr] = []
    for k, value in enumerate(w):
        if k:
            spread += [S.Zero] * (dilation - 1)
        spread.append(value)
    return spread


@in_session
def prove_dilated_is_zero_inserted(
    x: object,
    w: object,
    dilation: object,
    *,
    stride: object = 1,
    padding: object = 0,
    kernel: object = None,
) -> Proof:
    """Prove that a dilated convolution is the convolution (dilation 1, the same zeros)
    with the kernel's zeros written in, ``w^(d) = (w_0, 0, ..., 0, w_1, ...)``, and that
    their matrices are the same. ``kernel`` is the claimed zero-inserted kernel.

    >>> prove_dilated_is_zero_inserted([1, 2, 3, 4, 5], [1, 10], 3).holds
    True
    >>> wrong = prove_dilated_is_zero_inserted([1, 2, 3, 4, 5], [1, 10], 3, kernel=[1, 0, 10])
    >>> wrong.holds, wrong.first_failure.name
    (False, 'zero-inserted kernel')
    """
    xs, ws = list(as_vector(x, "input x")), list(as_vector(w, "kernel w"))
    dilated = settings_of(xs, len(ws), stride, padding, dilation)
    d = dilated.dilation
    spread = zero_inserted(ws, d)
    claimed = spread if kernel is None else list(as_vector(kernel, "the claimed kernel"))
    plain = conv_settings(len(spread), len(xs), stride=dilated.stride, padding=dilated.padding_pair)
    claimed_settings = conv_settings(
        len(claimed), len(xs), stride=dilated.stride, padding=dilated.padding_pair
    )
    z_d = sliding_outputs(xs, ws, dilated)
    z_claimed = sliding_outputs(xs, claimed, claimed_settings)
    t_d = band_from_settings(ws, dilated).to_matrix()
    t_spread = band_from_settings(spread, plain).to_matrix()
    request = {"stride": stride, "padding": dilated.padding_pair, "dilation": dilation}
    entries = [(i, j) for i in range(t_d.rows) for j in range(t_d.cols)]
    steps = [
        check(
            "zero-inserted kernel",
            z_d,
            z_claimed,
            law=(
                r"Law: tap $k$ of the dilated kernel reads $\tilde x_{i s + k d}$, the place of "
                r"entry $k d$ of $w^{(d)}$; the entries between are $0$ and add nothing"
            ),
            labels=[(i,) for i in range(len(z_d))],
            details={"kernel": claimed},
        ),
        check(
            "same matrix",
            [t_d[e] for e in entries],
            [t_spread[e] for e in entries],
            law=(
                r"Claim: $T(w; d) = T(w^{(d)}; 1)$ entry by entry: the zeros of $w^{(d)}$ land "
                r"on entries that are structural zeros of the dilated band"
            ),
            labels=entries,
        ),
        check(
            "agrees with the definition",
            z_d,
            literal_outputs(xs, ws, request),
            law=r"eq. 9.8 with dilation, by plain loops: $z_i = \sum_k \tilde x_{i s + k d}\, w_k$",
            labels=[(i,) for i in range(len(z_d))],
        ),
    ]
    return Proof(
        title="A dilated convolution is the convolution with zeros in its kernel",
        statement=(
            rf"With dilation ${d}$, the layer equals the convolution (dilation $1$) with the "
            rf"kernel of length ${len(spread)}$ that has ${d - 1}$ zeros between taps, and "
            r"both have the same matrix $T$."
        ),
        steps=steps,
        assumptions=(rf"stride ${dilated.stride}$, padding ${dilated.padding_pair}$ zeros",),
    )


def solve_linear(equations: Sequence[Expr], unknowns: set[Expr]) -> tuple[dict[Expr, Expr], int]:
    """The solution of ``equation == 0`` for every equation, linear in the unknowns, and
    how many solutions there are (1 when it is unique in the unknowns it fixes, 0 when
    none). An equation in one unknown is solved alone; the rest together by SymPy."""
    forced: dict[Expr, Expr] = {}
    joint = []
    for equation in equations:
        present = equation.free_symbols & unknowns
        if len(present) == 1:
            (symbol,) = present
            roots = sympy.solve(equation, symbol)
            if len(roots) != 1 or forced.get(symbol, roots[0]) != roots[0]:
                return {}, 0
            forced[symbol] = roots[0]
        elif present:
            joint.append(equation)
        elif equation != 0:
            return {}, 0
    if joint:
        found = sympy.solve(
            [e.xreplace(forced) for e in joint], sorted(unknowns, key=str), dict=True
        )
        if len(found) != 1:
            return {}, len(found)
        forced.update(found[0])
    return forced, 1


@in_session
def prove_tied_is_convolution(
    x: object,
    w: object,
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    weights: object = None,
) -> Proof:
    """Prove that a locally connected layer whose weights are equal per kernel offset,
    ``W_{i,k} = w_k`` for every output ``i``, is the convolution; that tying is exactly
    this constraint (the outputs agree for every x only then, for every tap that reads
    the input); and that the tied gradient sums the unshared ones,
    ``dL/dw_k = sum_i dL/dW_{i,k}``. ``weights`` is the claimed tied ``W``
    (``positions x K``).

    >>> prove_tied_is_convolution([1, 2, 3, 4], [5, 6]).holds
    True
    >>> wrong = prove_tied_is_convolution([1, 2, 3, 4], [5, 6], weights=[[5, 6], [6, 5], [5, 6]])
    >>> wrong.holds, wrong.first_failure.name, wrong.first_failure.mismatch[0]
    (False, 'tied locally connected is the convolution', (1,))
    """
    xs, ws = list(as_vector(x, "input x")), list(as_vector(w, "kernel w"))
    settings = settings_of(xs, len(ws), stride, padding, dilation)
    count, size = settings.output_length, len(ws)
    tied = [[ws[k] for k in range(size)] for _ in range(count)]
    claimed = tied if weights is None else weights
    request = {"stride": stride, "padding": padding, "dilation": dilation}
    local = locally_connected_layer(xs, claimed, **request)  # type: ignore[arg-type]
    conv = convolution_layer(xs, ws, **request)  # type: ignore[arg-type]
    z_local = sliding_outputs(local.x, local.w, local.layout)
    z_conv = sliding_outputs(xs, ws, settings)
    t_local, t_conv = unshared_band(local), band_from_settings(ws, settings)
    entries = sorted(t_conv.ties)
    # Exactly this constraint: with symbolic W and x, the difference of the outputs is
    # linear in x; it vanishes for every x iff every coefficient does.
    sx = fresh(len(xs), "x")
    sW = [[Dummy(f"W{i}_{k}") for k in range(size)] for i in range(count)]
    free_local = locally_connected_layer(sx, sW, **request)  # type: ignore[arg-type]
    differences = [
        a - b
        for a, b in zip(
            sliding_outputs(sx, free_local.w, free_local.layout),
            sliding_outputs(sx, ws, settings),
        )
    ]
    unknowns = {symbol for row in sW for symbol in row}
    equations = [
        sympy.expand(difference).coeff(symbol)
        for difference in differences
        for symbol in sorted(difference.free_symbols & set(sx), key=str)
    ]
    forced, solutions = solve_linear(equations, unknowns)
    reading = [(i, k) for i in range(count) for k, _ in settings.taps(i)]
    free = sorted((i, k) for i in range(count) for k in range(size) if (i, k) not in reading)
    g = [Dummy(f"g{i}") for i in range(count)]
    grad_local = derive_gradients(xs, list(flat_entries(tied, "W")), g, local.layout).grad_w
    grad_conv = derive_gradients(xs, ws, g, conv.layout).grad_w
    steps = [
        check(
            "tied locally connected is the convolution",
            z_local,
            z_conv,
            law=(
                r"Law: with $W_{i,k} = w_k$, eq. 9.9 $z_i = \sum_k W_{i,k} \tilde x_{i s + k d}$ "
                r"is eq. 9.8 $z_i = \sum_k w_k \tilde x_{i s + k d}$"
            ),
            labels=[(i,) for i in range(count)],
        ),
        check(
            "same matrix",
            [t_local[e] for e in entries],
            [t_conv[e] for e in entries],
            law=(
                r"Claim: the unshared band holding the tied weights is $T(w)$: the same "
                r"entries, each holding the same weight"
            ),
            labels=entries,
            details={"same band": set(t_local.ties.keys()) == set(t_conv.ties.keys())},
        ),
        check(
            "tying is exactly this constraint",
            [forced.get(sW[i][k], S.NaN) for i, k in reading],
            [ws[k] for i, k in reading],
            law=(
                r"Law: $z^{W}_i - z^{w}_i = \sum_k (W_{i,k} - w_k)\, x_{i s + k d - p}$ is "
                r"linear in $x$; it vanishes for every $x$ iff each coefficient does: "
                r"$W_{i,k} = w_k$ for every tap that reads the input (taps on padding are free)"
            ),
            labels=reading,
            details={"unconstrained (tap on padding)": free, "solutions": solutions},
        ),
        check(
            "tied gradient sums the unshared ones",
            grad_conv,
            [sympy.Add(*[grad_local[i * size + k] for i in range(count)]) for k in range(size)],
            law=(
                r"Law: the chain rule through $W_{i,k} = w_k$: "
                r"$\partial L/\partial w_k = \sum_i \partial L/\partial W_{i,k}$"
            ),
            labels=[(k,) for k in range(size)],
        ),
    ]
    return Proof(
        title="Tying a locally connected layer gives the convolution",
        statement=(
            r"A locally connected layer with $W_{i,k} = w_k$ for every output $i$ is the "
            r"convolution with $w$; the outputs agree for every $x$ only when "
            r"$W_{i,k} = w_k$ on every tap that reads the input; and "
            r"$\partial L/\partial w_k = \sum_i \partial L/\partial W_{i,k}$."
        ),
        steps=steps,
        assumptions=(
            rf"stride ${settings.stride}$, padding ${settings.padding_pair}$ zeros, dilation "
            rf"${settings.dilation}$",
        ),
    )
