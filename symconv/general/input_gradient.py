"""Theorem: the input gradient is the transposed matrix T^T g, for all sizes."""

from __future__ import annotations

from sympy import (
    Derivative,
    Expr,
    Matrix,
)

from symconv.general.cases import (
    cases_for,
    concrete_arrays,
    concrete_step,
    options,
    reference_band,
    reference_gradients,
    resized,
    size_grid,
    specialise,
)
from symconv.general.layer import BAND, CONV, GRADS, Case, proof_symbols
from symconv.general.rules import DIFFERENTIATE, refine_with, reverse_kernel, sift, swap
from symconv.general.theorem import GeneralProof, assumptions_for, derive, statement_for
from symconv.ops.conv2d import conv2d
from symconv.ops.sliding import conv1d
from symconv.ops.transposed import conv_transpose1d, conv_transpose2d
from symconv.summation import (
    between,
    bracket,
    divides,
)


def prove_input_gradient(dims: int = 1, *, gradient: Expr | None = None) -> GeneralProof:
    """Theorem 4: ``dL/dx_r == sum_i T[i, r] g_i`` (``T^T g``); with the stride, the
    sum over outputs keeps only ``i = (r - k*d + p_l)/s`` when ``s`` divides
    ``r - k*d + p_l``; and for ``s = d = 1``, ``p_l = p_r = 0`` it is the full
    cross-correlation of ``g`` with the flipped kernel.

    ``gradient`` is the claimed ``dL/dx_r`` (in ``r``, summing over ``i``); the default is
    ``sum_i T[i, r] g_i``.

    >>> proof = prove_input_gradient()
    >>> proof.step("the gradient is T^T g").holds
    True
    """
    layer = proof_symbols(dims)
    i, j, k, r = layer.i, layer.j, layer.k, layer.r
    last_i, last_j, last_k = layer.last(layer.L), layer.last(layer.m), layer.last(layer.n)
    loss = layer.loss(layer.entry)
    transposed = layer.total(layer.entry(i, r) * layer.g[i], i, last_i)
    claimed = transposed if gradient is None else gradient
    delta_jr = layer.delta(j, r)
    differentiated = layer.total(
        layer.g[i] * layer.total(delta_jr * layer.entry(i, j), j, last_j), i, last_i
    )
    sifted = layer.total(
        layer.g[i] * bracket(layer.entry(i, r), *layer.inside(r, layer.m)),
        i,
        last_i,
    )
    deltas_r = layer.delta(r, layer.tap(i, k))
    by_tap = layer.total(layer.w[k] * layer.total(layer.g[i] * deltas_r, i, last_i), k, last_k)
    source = tuple((r[x] - k[x] * layer.d[x] + layer.p_l[x]) / layer.s[x] for x in layer.axes)
    conditions = []
    for x in layer.axes:
        conditions += [
            between(source[x], 0, layer.L[x] - 1),
            divides(layer.s[x], r[x] - k[x] * layer.d[x] + layer.p_l[x]),
        ]
    strided = layer.total(layer.w[k] * bracket(layer.g[source], *conditions), k, last_k)
    r_cases = cases_for(layer, {"r": "m"})
    r_bounds = {r[x]: (0, layer.m[x] - 1) for x in layer.axes}
    plain = {**{v: 1 for v in (*layer.s, *layer.d)}, **layer.padded(lambda x: 0)}
    plain.update({layer.L[x]: layer.m[x] - layer.n[x] + 1 for x in layer.axes})
    special = transposed.subs(plain)
    special_swapped = layer.total(
        layer.w[k]
        * layer.total(
            layer.g[i] * deltas_r.subs(plain), i, [layer.m[x] - layer.n[x] for x in layer.axes]
        ),
        k,
        last_k,
    )
    special_sifted = layer.total(
        layer.w[k]
        * bracket(
            layer.g[tuple(r[x] - k[x] for x in layer.axes)],
            *[between(r[x] - k[x], 0, layer.m[x] - layer.n[x]) for x in layer.axes],
        ),
        k,
        last_k,
    )
    flipped = layer.w[tuple(layer.n[x] - 1 - k[x] for x in layer.axes)]
    full = {**{v: 1 for v in (*layer.s, *layer.d)}, **layer.padded(lambda x: layer.n[x] - 1)}
    full_correlation = layer.sliding(
        flipped, layer.g, r, [layer.m[x] - layer.n[x] + 1 for x in layer.axes]
    ).subs(full)
    plain_grid = resized(
        layer,
        size_grid(layer),
        stride=lambda sizes, a: 1,
        dilation=lambda sizes, a: 1,
        padding=lambda sizes, a: 0,
    )
    plain_cases = cases_for(layer, {"r": "m"}, plain_grid)
    steps = [
        derive(
            "differentiate the loss by x_r",
            Derivative(loss, layer.x[r]),
            differentiated,
            DIFFERENTIATE,
            "derivative",
            r_cases,
        ),
        derive("sift the input index j", differentiated, sifted, sift(j), "sifting", r_cases),
        derive(
            r"the gradient is $T^{\top} g$",
            sifted,
            claimed,
            refine_with(r_bounds),
            "in range",
            r_cases,
        ),
        derive(
            "sum over the outputs first", transposed, by_tap, swap(i, k), "interchange", r_cases
        ),
        derive(
            r"stride: only outputs with $s \mid r - k d + p_l$",
            by_tap,
            strided,
            sift(i),
            "sifting with a coefficient",
            r_cases,
        ),
        specialise(r"$s = d = 1$, $p_l = p_r = 0$", transposed, plain, plain_cases),
        derive(
            "sum over the outputs first (s = d = 1)",
            special,
            special_swapped,
            swap(i, k),
            "interchange",
            plain_cases,
        ),
        derive(
            "sift the output index",
            special_swapped,
            special_sifted,
            sift(i, [fact.subs(plain) for fact in layer.facts]),
            "sifting",
            plain_cases,
        ),
        derive(
            "a full cross-correlation with the flipped kernel",
            special_sifted,
            full_correlation,
            reverse_kernel(layer),
            "reverse the index",
            plain_cases,
        ),
    ]

    def input_gradient(sizes: Case) -> Matrix:
        x, w, g = concrete_arrays(layer, sizes)
        return reference_gradients(layer, sizes, x, w, g)[0]

    steps.append(
        concrete_step(
            "agrees with the input gradient",
            layer,
            "r",
            claimed,
            input_gradient,
            f"symconv.{GRADS[dims]} at concrete sizes",
        )
    )

    def transposed_band(sizes: Case) -> Matrix:
        x, w, g = concrete_arrays(layer, sizes)
        product = reference_band(layer, sizes, w).rmatvec(list(g))
        return Matrix(*[sizes[v] for v in layer.m], product) if dims == 2 else Matrix(product)

    steps.append(
        concrete_step(
            r"agrees with $T^{\top} g$",
            layer,
            "r",
            claimed,
            transposed_band,
            f"symconv.{BAND[dims]}(w, m).rmatvec(g) at concrete sizes",
        )
    )

    def transposed_convolution(sizes: Case) -> Matrix:
        _, w, g = concrete_arrays(layer, sizes)
        # output_padding restores the input length the floor in L dropped: the remainder
        # of the room m + p_l + p_r - d(n-1) - 1 by s.
        extra = tuple(int(layer.room(x).subs(sizes)) % sizes[layer.s[x]] for x in layer.axes)
        settings = options(layer, sizes)
        if dims == 1:
            return conv_transpose1d(g, w, output_padding=extra[0], **settings)
        return conv_transpose2d(g, w, output_padding=extra, **settings)

    steps.append(
        concrete_step(
            "agrees with the transposed convolution",
            layer,
            "r",
            strided,
            transposed_convolution,
            f"symconv.conv_transpose{dims}d(g, w) at concrete sizes",
        )
    )

    def full_xcorr(sizes: Case) -> Matrix:
        _, w, g = concrete_arrays(layer, sizes)
        flipped_w = w[::-1, :] if dims == 1 else w[::-1, ::-1]
        full_conv = conv1d if dims == 1 else conv2d
        return full_conv(g, flipped_w, padding="full")

    steps.append(
        concrete_step(
            "agrees with the full cross-correlation",
            layer,
            "r",
            full_correlation,
            full_xcorr,
            f"symconv.{CONV[dims]}(g, reversed w, padding='full') at s = d = 1, p_l = p_r = 0",
            plain_grid,
        )
    )
    _, tex = assumptions_for(layer, two_sided=True)
    return GeneralProof(
        title="Input gradient = transposed matrix" + (" in 2-D" if dims == 2 else ""),
        statement=statement_for("input", layer),
        steps=steps,
        assumptions=tex,
        claims=(
            (Derivative(loss, layer.x[r]), claimed),
            (transposed, strided),
            (special, full_correlation),
        ),
        definitions=((layer.T[i + r], layer.entry(i, r)),),
    )
