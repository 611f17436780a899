"""Theorem: the input gradient is the transposed matrix T^T g, for all sizes."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

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
from symconv.general.layer import BAND, CONV, GRADS, Case, Layer, proof_symbols
from symconv.general.rules import DIFFERENTIATE, refine_with, reverse_kernel, sift, swap
from symconv.general.theorem import GeneralProof, Row, assumptions_for, derive, statement_for
from symconv.ops.conv2d import conv2d
from symconv.ops.sliding import conv1d
from symconv.ops.transposed import conv_transpose1d, conv_transpose2d
from symconv.proofs.proof import Step
from symconv.summation import (
    between,
    bracket,
    divides,
)

#: The concrete result a spot check compares with, at the layer's sizes.
Reference = Callable[[Layer, Case], Matrix]


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
    last_i, last_j = layer.last(layer.L), layer.last(layer.m)
    gradient_x = Derivative(layer.loss(layer.entry), layer.x[r])
    transposed = layer.total(layer.entry(i, r) * layer.g[i], i, last_i)
    claimed = transposed if gradient is None else gradient
    in_j = layer.total(layer.delta(j, r) * layer.entry(i, j), j, last_j)
    differentiated = layer.total(layer.g[i] * in_j, i, last_i)
    in_range = bracket(layer.entry(i, r), *layer.inside(r, layer.m))
    sifted = layer.total(layer.g[i] * in_range, i, last_i)
    by_tap, strided = _by_tap(layer), _strided(layer)
    plain = _plain(layer)
    special, special_swapped = transposed.subs(plain), _plain_by_tap(layer, plain)
    special_sifted, full_correlation = _plain_sifted(layer), _full_correlation(layer)
    r_cases = cases_for(layer, {"r": "m"})
    r_bounds = {r[x]: (0, layer.m[x] - 1) for x in layer.axes}
    plain_grid = _plain_grid(layer)
    plain_cases = cases_for(layer, {"r": "m"}, plain_grid)
    plain_facts = [fact.subs(plain) for fact in layer.facts]
    rows: list[Row | Step] = [
        ("differentiate the loss by x_r", gradient_x, differentiated, DIFFERENTIATE,
         "derivative", r_cases),
        ("sift the input index j", differentiated, sifted, sift(j), "sifting", r_cases),
        (r"the gradient is $T^{\top} g$", sifted, claimed, refine_with(r_bounds), "in range",
         r_cases),
        ("sum over the outputs first", transposed, by_tap, swap(i, k), "interchange", r_cases),
        (r"stride: only outputs with $s \mid r - k d + p_l$", by_tap, strided, sift(i),
         "sifting with a coefficient", r_cases),
        specialise(r"$s = d = 1$, $p_l = p_r = 0$", transposed, plain, plain_cases),
        ("sum over the outputs first (s = d = 1)", special, special_swapped, swap(i, k),
         "interchange", plain_cases),
        ("sift the output index", special_swapped, special_sifted, sift(i, plain_facts),
         "sifting", plain_cases),
        ("a full cross-correlation with the flipped kernel", special_sifted, full_correlation,
         reverse_kernel(layer), "reverse the index", plain_cases),
    ]  # fmt: skip
    steps = [row if isinstance(row, Step) else derive(*row) for row in rows]
    steps += _spot_checks(layer, claimed, strided, full_correlation, plain_grid)
    _, tex = assumptions_for(layer, two_sided=True)
    return GeneralProof(
        title="Input gradient = transposed matrix" + (" in 2-D" if dims == 2 else ""),
        statement=statement_for("input", layer),
        steps=steps,
        assumptions=tex,
        claims=((gradient_x, claimed), (transposed, strided), (special, full_correlation)),
        definitions=((layer.T[i + r], layer.entry(i, r)),),
    )


# --- the named expressions --------------------------------------------------------------------


def _by_tap(layer: Layer) -> Expr:
    """``sum_k w_k sum_i g_i [r = i*s + k*d - p_l]``: ``T^T g`` summed over the outputs first."""
    i, k, r = layer.i, layer.k, layer.r
    deltas_r = layer.delta(r, layer.tap(i, k))
    inner = layer.total(layer.g[i] * deltas_r, i, layer.last(layer.L))
    return layer.total(layer.w[k] * inner, k, layer.last(layer.n))


def _strided(layer: Layer) -> Expr:
    """``sum_k w_k g_{(r - k*d + p_l)/s}``, over the outputs that exist and that the stride
    reaches: ``s`` divides ``r - k*d + p_l``."""
    k, r = layer.k, layer.r
    source = tuple((r[x] - k[x] * layer.d[x] + layer.p_l[x]) / layer.s[x] for x in layer.axes)
    conditions = []
    for x in layer.axes:
        conditions += [
            between(source[x], 0, layer.L[x] - 1),
            divides(layer.s[x], r[x] - k[x] * layer.d[x] + layer.p_l[x]),
        ]
    return layer.total(layer.w[k] * bracket(layer.g[source], *conditions), k, layer.last(layer.n))


def _plain(layer: Layer) -> dict[Expr, Expr]:
    """The substitution ``s = d = 1``, ``p_l = p_r = 0``, and with it ``L = m - n + 1``."""
    plain: dict[Expr, Expr] = {
        **{v: 1 for v in (*layer.s, *layer.d)},
        **layer.padded(lambda x: 0),
    }
    plain.update({layer.L[x]: layer.m[x] - layer.n[x] + 1 for x in layer.axes})
    return plain


def _plain_by_tap(layer: Layer, plain: dict[Expr, Expr]) -> Expr:
    """:func:`_by_tap` at ``s = d = 1``, ``p_l = p_r = 0``: ``i`` runs to ``m - n``."""
    i, k, r = layer.i, layer.k, layer.r
    deltas_r = layer.delta(r, layer.tap(i, k)).subs(plain)
    last_i = [layer.m[x] - layer.n[x] for x in layer.axes]
    return layer.total(
        layer.w[k] * layer.total(layer.g[i] * deltas_r, i, last_i), k, layer.last(layer.n)
    )


def _plain_sifted(layer: Layer) -> Expr:
    """``sum_k w_k g_{r-k} [0 <= r - k <= m - n]``: the output index sifted."""
    k, r = layer.k, layer.r
    read = layer.g[tuple(r[x] - k[x] for x in layer.axes)]
    inside = [between(r[x] - k[x], 0, layer.m[x] - layer.n[x]) for x in layer.axes]
    return layer.total(layer.w[k] * bracket(read, *inside), k, layer.last(layer.n))


def _full_correlation(layer: Layer) -> Expr:
    """The cross-correlation of ``g`` with the flipped kernel ``w_{n-1-k}``, at ``s = d = 1``
    and full padding ``p_l = p_r = n - 1``."""
    k, r = layer.k, layer.r
    flipped = layer.w[tuple(layer.n[x] - 1 - k[x] for x in layer.axes)]
    full = {
        **{v: 1 for v in (*layer.s, *layer.d)},
        **layer.padded(lambda x: layer.n[x] - 1),
    }
    g_length = [layer.m[x] - layer.n[x] + 1 for x in layer.axes]
    return layer.sliding(flipped, layer.g, r, g_length).subs(full)


def _plain_grid(layer: Layer) -> list[dict[Expr, int]]:
    """The size grid at ``s = d = 1``, ``p_l = p_r = 0``."""
    return resized(
        layer,
        size_grid(layer),
        stride=lambda sizes, a: 1,
        dilation=lambda sizes, a: 1,
        padding=lambda sizes, a: 0,
    )


# --- the spot checks --------------------------------------------------------------------------


def _spot_checks(
    layer: Layer, claimed: Expr, strided: Expr, full_correlation: Expr, plain_grid: Sequence[Case]
) -> list[Step]:
    """The claimed gradient, its strided form and the full cross-correlation against the
    concrete gradient, ``T^T g``, the transposed convolution and the full correlation."""
    checks: list[tuple[str, Expr, Reference, str, Sequence[Case] | None]] = [
        ("agrees with the input gradient", claimed, _input_gradient,
         f"symconv.{GRADS[layer.dims]} at concrete sizes", None),
        (r"agrees with $T^{\top} g$", claimed, _transposed_band,
         f"symconv.{BAND[layer.dims]}(w, m).rmatvec(g) at concrete sizes", None),
        ("agrees with the transposed convolution", strided, _transposed_convolution,
         f"symconv.conv_transpose{layer.dims}d(g, w) at concrete sizes", None),
        ("agrees with the full cross-correlation", full_correlation, _full_cross_correlation,
         f"symconv.{CONV[layer.dims]}(g, reversed w, padding='full') at s = d = 1, p_l = p_r = 0",
         plain_grid),
    ]  # fmt: skip
    return [
        concrete_step(name, layer, "r", statement, functools.partial(reference, layer), law, grid)
        for name, statement, reference, law, grid in checks
    ]


def _input_gradient(layer: Layer, sizes: Case) -> Matrix:
    """``dL/dx`` from :func:`symconv.conv1d_grads` or :func:`symconv.conv2d_grads`."""
    x, w, g = concrete_arrays(layer, sizes)
    return reference_gradients(layer, sizes, x, w, g)[0]


def _transposed_band(layer: Layer, sizes: Case) -> Matrix:
    """``T^T g``, the band's own transposed product (2-D: reshaped to the input)."""
    x, w, g = concrete_arrays(layer, sizes)
    product = reference_band(layer, sizes, w).rmatvec(list(g))
    return Matrix(*[sizes[v] for v in layer.m], product) if layer.dims == 2 else Matrix(product)


def _transposed_convolution(layer: Layer, sizes: Case) -> Matrix:
    """:func:`symconv.conv_transpose1d` or ``2d`` of ``g`` with ``w``, at the input's size."""
    _, w, g = concrete_arrays(layer, sizes)
    # output_padding restores the input length the floor in L dropped: the remainder
    # of the room m + p_l + p_r - d(n-1) - 1 by s.
    extra = tuple(int(layer.room(x).subs(sizes)) % sizes[layer.s[x]] for x in layer.axes)
    settings = options(layer, sizes)
    if layer.dims == 1:
        return conv_transpose1d(g, w, output_padding=extra[0], **settings)
    return conv_transpose2d(g, w, output_padding=extra, **settings)


def _full_cross_correlation(layer: Layer, sizes: Case) -> Matrix:
    """``g`` cross-correlated with the reversed ``w``, padding "full"."""
    _, w, g = concrete_arrays(layer, sizes)
    flipped_w = w[::-1, :] if layer.dims == 1 else w[::-1, ::-1]
    full_conv = conv1d if layer.dims == 1 else conv2d
    return full_conv(g, flipped_w, padding="full")
