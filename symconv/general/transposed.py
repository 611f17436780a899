"""Theorems: a transposed convolution's output length, and that it is the input gradient
of the forward layer, for all sizes.

PyTorch's ``conv_transpose1d`` scatters: input ``i`` adds ``g_i w_k`` at position
``i s + k d`` of an extended output, ``output_padding`` (``p_o``) positions are appended
on the right, and ``p_l`` positions are cropped from the left, ``p_r`` from the right.
With symbolic ``m`` (input length), ``n``, ``s``, ``d``, ``p_l``, ``p_r``, ``p_o``:

* :func:`prove_transposed_length`: the scatter reaches positions ``0 ..
  (m-1)s + (n-1)d`` and no further, so the output has
  ``(m-1)s - p_l - p_r + d(n-1) + p_o + 1`` entries (``(m-1)s - 2p + d(n-1) + p_o + 1``
  for ``p_l = p_r = p``);
* :func:`prove_transposed_is_input_gradient`: output ``r`` of the scatter is
  ``(T^T g)_r = dl/dx_r`` for the forward layer ``y = T(w) x`` on inputs of that length
  (which has ``m`` outputs when ``0 <= p_o <= s - 1``) and ``l = sum_i g_i y_i``: the
  transposed layer reads the forward rule backwards.

Examples
========

>>> prove_transposed_length().holds, prove_transposed_is_input_gradient().holds
(True, True)
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import sympy
from sympy import (
    Derivative,
    Expr,
    IndexedBase,
    Integer,
    KroneckerDelta,
    Product,
    S,
    Sum,
    Symbol,
    floor,
    oo,
)

from symconv.core.vectors import symbolic_vector
from symconv.general.channels import Row, floor_quotient, label, spot
from symconv.general.rules import DIFFERENTIATE_TERMS, DOIT, IDENTITY, Rule, substitute
from symconv.general.theorem import GeneralProof, derive
from symconv.ops.gradients import conv1d_grads
from symconv.ops.transposed import conv_transpose1d
from symconv.proofs.law import Law
from symconv.proofs.proof import Step
from symconv.summation import (
    Iverson,
    forall_bracket,
    indexed_to_symbols,
    instantiate,
    isolate_index,
    refine_brackets,
    restrict_sum,
    sum_kronecker,
)

Sizes = Mapping[Expr, int]


@dataclass(frozen=True)
class TransposedLayer:
    """The symbols of a transposed 1-D layer for all sizes.

    Sizes: input length ``m``, kernel length ``n``, stride ``s``, dilation ``d`` (all
    ``>= 1``); paddings ``p_l, p_r`` and output padding ``p_o`` (``>= 0``); ``M`` the
    output length (an abbreviation, proved by :func:`prove_transposed_length`).
    Indices: input ``i``, tap ``k``, output ``t`` or ``r``, forward input ``j``; ``B`` a
    bound on the scatter positions.
    """

    m: Symbol
    n: Symbol
    s: Symbol
    d: Symbol
    M: Symbol
    p_l: Symbol
    p_r: Symbol
    p_o: Symbol
    i: Symbol
    k: Symbol
    t: Symbol
    r: Symbol
    j: Symbol
    B: Symbol
    g: IndexedBase = IndexedBase("g")
    w: IndexedBase = IndexedBase("w")
    x: IndexedBase = IndexedBase("x")
    z: IndexedBase = IndexedBase("z")
    T: IndexedBase = IndexedBase("T")

    @property
    def last_position(self) -> Expr:
        """``(m-1)s + (n-1)d``: where the last input's last tap lands."""
        return (self.m - 1) * self.s + (self.n - 1) * self.d

    def length(self) -> Expr:
        """PyTorch's ``(m-1)s - p_l - p_r + d(n-1) + p_o + 1``."""
        return (self.m - 1) * self.s - self.p_l - self.p_r + self.d * (self.n - 1) + self.p_o + 1

    def forward_length(self, inputs: Expr) -> Expr:
        """Outputs of the forward layer on ``inputs`` entries with the same settings."""
        return floor((inputs + self.p_l + self.p_r - self.d * (self.n - 1) - 1) / self.s) + 1

    def tap(self, i: Expr, k: Expr) -> Expr:
        """``i s + k d - p_l``: the forward tap, and where the scatter puts ``g_i w_k``."""
        return i * self.s + k * self.d - self.p_l

    def entry(self, i: Expr, j: Expr) -> Expr:
        """``T[i, j] = sum_k w_k [j = i s + k d - p_l]``: the forward layer's matrix."""
        return Sum(self.w[self.k] * KroneckerDelta(j, self.tap(i, self.k)), (self.k, 0, self.n - 1))

    def scatter(self, r: Expr, position: Callable[[Expr, Expr], Expr]) -> Expr:
        """``z_r = sum_i sum_k g_i w_k [r = position(i, k)]``: the literal scatter."""
        i, k = self.i, self.k
        term = self.g[i] * self.w[k] * KroneckerDelta(r, position(i, k))
        return Sum(Sum(term, (k, 0, self.n - 1)), (i, 0, self.m - 1))


def transposed_symbols() -> TransposedLayer:
    """The symbols the transposed theorems use.

    >>> layer = transposed_symbols()
    >>> layer.length()
    d*(n - 1) - p_l + p_o - p_r + s*(m - 1) + 1
    """
    positive = {"integer": True, "positive": True}
    sizes = sympy.symbols("m n s d M", seq=True, **positive)
    paddings = sympy.symbols("p_l p_r p_o", seq=True, integer=True, nonnegative=True)
    indices = sympy.symbols("i k t r j B", seq=True, integer=True)
    return TransposedLayer(*sizes, *paddings, *indices)


#: Transposed layers the theorems are instantiated at: m, n, s, d, p_l, p_r, p_o.
TRANSPOSED_SIZES: tuple[tuple[int, ...], ...] = (
    (3, 2, 1, 1, 0, 0, 0),
    (3, 3, 2, 1, 1, 0, 1),
    (2, 2, 3, 2, 0, 2, 2),
    (4, 2, 2, 2, 2, 1, 0),
)

#: The grid the length formula is compared with ``conv_transpose1d`` at:
#: m, n, s, d, p_l, p_r (and every ``p_o < max(s, d)``, PyTorch's limit).
LENGTH_GRID = (range(1, 4), range(1, 4), range(1, 4), range(1, 3), range(3), range(2))


def size_cases(layer: TransposedLayer, rows: Iterable[Sequence[int]]) -> list[dict[Expr, int]]:
    """Rows as substitutions, the output length ``M`` included."""
    names = (layer.m, layer.n, layer.s, layer.d, layer.p_l, layer.p_r, layer.p_o)
    cases = []
    for row in rows:
        values: dict[Expr, int] = dict(zip(names, row, strict=True))
        values[layer.M] = int(layer.length().xreplace({v: Integer(c) for v, c in values.items()}))
        cases.append(values)
    return cases


def step(
    name: str,
    before: Expr,
    after: Expr,
    rule: Rule,
    stated: str,
    cases: Sequence[Sizes] = (),
) -> Step:
    """:func:`~symconv.general.theorem.derive` with this theorem's own law (markup)."""
    derived = derive(name, before, after, rule, "definition", cases, cap=96)
    return dataclasses.replace(derived, law=Law(stated))


def _every_position(expr: Expr) -> Expr:
    """``Product(f, (k, ...), (i, ...))`` -> the bracket at the worst ``i`` and ``k``:
    :func:`~symconv.summation.forall_bracket` one limit at a time, innermost first."""

    def peel(product: Product) -> Expr:
        current: Expr = Product(product.function, product.limits[0])
        for limit in product.limits:
            if limit is not product.limits[0]:
                current = Product(current, limit)
            current = forall_bracket(current)
            if isinstance(current, Product):
                return product  # refused: leave the whole product unchanged
        return current

    return expr.replace(lambda e: isinstance(e, Product), peel)


EVERY_POSITION = Rule("forall_bracket over k, then over i", _every_position)


ASSUMPTIONS = (
    r"$m, n, s, d \in \mathbb{Z}_{\ge 1}$ and $p_l, p_r, p_o \in \mathbb{Z}_{\ge 0}$",
    r"$M = (m-1)s - p_l - p_r + d(n-1) + p_o + 1 \ge 1$: the output has an entry",
    r"$g_i$, $w_k$, $x_j$ are arbitrary (symbolic) entries",
)


LENGTH_STATEMENT = (
    r"Input $i$ of the transposed layer adds $g_i w_k$ at position $i s + k d$ "
    r"($0 \le k \le n - 1$) of an extended output; $p_o$ positions are appended, "
    r"then $p_l$ cropped on the left and $p_r$ on the right. The positions reached "
    r"are $0, \dots, (m-1)s + (n-1)d$, so the output has "
    r"$M = (m-1)s - p_l - p_r + d(n-1) + p_o + 1$ entries; with $p_l = p_r = p$, "
    r"$(m-1)s - 2p + d(n-1) + p_o + 1$."
)

GRADIENT_STATEMENT = (
    r"For $0 \le p_o \le s - 1$ the forward layer $y = T(w)\,x$ on "
    r"$M = (m-1)s - p_l - p_r + d(n-1) + p_o + 1$ inputs, "
    r"$T_{ij} = \sum_k w_k\, \delta_{j, i s + k d - p_l}$, has $m$ outputs, and for "
    r"$\ell = \sum_i g_i y_i$: $\partial \ell / \partial x_r = (T^{\top} g)_r = "
    r"\sum_i \sum_k g_i w_k\, \delta_{r, i s + k d - p_l} = z_r$, the output of the "
    r"transposed layer on $g$: it reads the forward rule backwards."
)

# --- the named expressions ------------------------------------------------------------------


def scatter_position(layer: TransposedLayer) -> Expr:
    """``i s + k d``: where input ``i`` puts ``g_i w_k`` in the extended output."""
    return layer.i * layer.s + layer.k * layer.d


def everywhere(layer: TransposedLayer, condition: sympy.Basic) -> Expr:
    """``prod_{i, k} [condition]``: the condition at every input ``i`` and tap ``k``."""
    return Product(Iverson(condition), (layer.k, 0, layer.n - 1), (layer.i, 0, layer.m - 1))


def counted_outputs(layer: TransposedLayer) -> Expr:
    """``sum_{t >= 0} [p_l <= t + p_l <= (m-1)s + (n-1)d + p_o - p_r]``: the kept
    positions of the extended output."""
    t, p_l = layer.t, layer.p_l
    extended = layer.last_position + layer.p_o - layer.p_r  # the last kept position
    return Sum(Iverson(sympy.Ge(t + p_l, p_l) & sympy.Le(t + p_l, extended)), (t, 0, oo))


def cut_range(layer: TransposedLayer) -> Rule:
    """Isolate ``t`` in each bracket, then let the bracket cut the range of the sum."""
    facts = (layer.length() - 1,)

    def apply(expr: Expr) -> Expr:
        isolated = expr.replace(
            lambda a: isinstance(a, Iverson),
            lambda a: Iverson(isolate_index(a.condition, layer.t)),
        )
        return restrict_sum(isolated, {}, facts)

    return Rule("isolate_index, then restrict_sum", apply)


def gradient_loss(layer: TransposedLayer) -> Expr:
    """``l = sum_i g_i sum_j T[i, j] x_j`` on ``M`` inputs."""
    i, j = layer.i, layer.j
    return Sum(
        layer.g[i] * Sum(layer.entry(i, j) * layer.x[j], (j, 0, layer.M - 1)), (i, 0, layer.m - 1)
    )


def differentiated_loss(layer: TransposedLayer) -> Expr:
    """``sum_i g_i sum_j delta_{j,r} T[i, j]``: the loss differentiated by ``x_r``."""
    i, j = layer.i, layer.j
    delta = KroneckerDelta(j, layer.r) * layer.entry(i, j)
    return Sum(layer.g[i] * Sum(delta, (j, 0, layer.M - 1)), (i, 0, layer.m - 1))


def transposed_product(layer: TransposedLayer) -> Expr:
    """``(T^T g)_r = sum_i g_i T[i, r]``."""
    return Sum(layer.g[layer.i] * layer.entry(layer.i, layer.r), (layer.i, 0, layer.m - 1))


# --- the theorems ---------------------------------------------------------------------------


def prove_transposed_length(*, length: Expr | None = None) -> GeneralProof:
    """Theorem: the transposed layer has ``(m-1)s - p_l - p_r + d(n-1) + p_o + 1``
    outputs (PyTorch's ``conv_transpose1d``): its scatter reaches ``0 .. (m-1)s + (n-1)d``
    and nothing beyond, ``p_o`` positions are appended, ``p_l`` and ``p_r`` cropped.

    ``length`` is the claimed formula in ``m, n, s, d, p_l, p_r, p_o`` (the symbols of
    :func:`transposed_symbols`); the default is the true one.

    >>> layer = transposed_symbols()
    >>> prove_transposed_length(length=layer.length() + 1).first_failure.name
    'count the outputs'
    """
    if length is not None and not isinstance(length, (Expr, int)):
        raise TypeError(
            f"length must be a SymPy expression in m, n, s, d, p_l, p_r, p_o (the symbols of "
            f"transposed_symbols()) or an int, got {length!r}"
        )
    layer = transposed_symbols()
    claimed = layer.length() if length is None else sympy.sympify(length, strict=True)
    steps = [step(*row) for row in length_rows(layer, claimed)]
    steps.append(length_check(layer, claimed))
    position, top, B = scatter_position(layer), layer.last_position, layer.B
    return GeneralProof(
        title="Output length of a transposed convolution",
        statement=LENGTH_STATEMENT,
        steps=steps,
        assumptions=ASSUMPTIONS,
        claims=(
            (everywhere(layer, sympy.Le(position, B)), Iverson(sympy.Le(top, B))),
            (counted_outputs(layer), claimed),
        ),
    )


def length_rows(layer: TransposedLayer, claimed: Expr) -> list[Row]:
    """The steps of :func:`prove_transposed_length`: the scatter's range, then the count."""
    m, n, s, d, B, p_o = layer.m, layer.n, layer.s, layer.d, layer.B, layer.p_o
    position, top = scatter_position(layer), layer.last_position
    grid = size_cases(layer, TRANSPOSED_SIZES)
    bound_cases = [{**c, B: b} for c in grid for b in (0, c[m] + c[n], 2 * c[m] * c[s])]
    kept = Sum(S.One, (layer.t, 0, layer.length() - 1))
    p = Symbol("p", integer=True, nonnegative=True)
    return [
        ("no scatter position is negative",
         everywhere(layer, sympy.Ge(position, 0)), S.One, EVERY_POSITION,
         r"$i s + k d \ge 0$ for $i, k \ge 0$: the extended output starts at position 0", grid),
        (r"every position is at most $B$ exactly when the last one is",
         everywhere(layer, sympy.Le(position, B)), Iverson(sympy.Le(top, B)), EVERY_POSITION,
         r"$i s + k d$ increases with $i$ and $k$ ($s, d > 0$): it is largest at "
         r"$i = m - 1$, $k = n - 1$", bound_cases),
        (r"the last position is $(m-1)s + (n-1)d$",
         everywhere(layer, sympy.Le(position, top)), S.One, EVERY_POSITION,
         r"with $B = (m-1)s + (n-1)d$ the bracket holds", grid),
        ("and no smaller bound holds",
         everywhere(layer, sympy.Le(position, top - 1)), S.Zero, EVERY_POSITION,
         r"with $B = (m-1)s + (n-1)d - 1$ it fails: the extended output has "
         r"$(m-1)s + (n-1)d + 1 + p_o$ positions", grid),
        (r"output $t$ is the kept position $t + p_l$",
         counted_outputs(layer), kept, cut_range(layer),
         r"cropping $p_l$ on the left and $p_r$ on the right keeps the positions "
         r"$p_l \le t + p_l \le (m-1)s + (n-1)d + p_o - p_r$; a bracket on $t$ cuts the range",
         grid),
        ("count the outputs", kept, claimed, DOIT, r"$\sum_{t=0}^{N} 1 = N + 1$", grid),
        ("symmetric padding",
         claimed, (m - 1) * s - 2 * p + d * (n - 1) + p_o + 1,
         substitute({layer.p_l: p, layer.p_r: p}), r"set $p_l = p_r = p$", ()),
    ]  # fmt: skip


def length_check(layer: TransposedLayer, claimed: Expr) -> Step:
    """The claimed length against :func:`conv_transpose1d` at every size of
    :data:`LENGTH_GRID` and every ``p_o < max(s, d)``."""
    names = (layer.m, layer.n, layer.s, layer.d, layer.p_l, layer.p_r, layer.p_o)
    left, right, labels = [], [], []
    for m_, n_, s_, d_, left_, right_ in itertools.product(*LENGTH_GRID):
        for extra in range(max(s_, d_)):
            values = dict(zip(names, (m_, n_, s_, d_, left_, right_, extra)))
            size = layer.length().xreplace({v: Integer(c) for v, c in values.items()})
            if size < 1:
                continue  # PyTorch refuses an empty output; the theorem assumes it away
            out = conv_transpose1d(
                [1] * m_,
                [1] * n_,
                stride=s_,
                padding=(left_, right_),
                output_padding=extra,
                dilation=d_,
            )
            left.append(claimed.xreplace({v: Integer(c) for v, c in values.items()}))
            right.append(Integer(out.rows))
            labels.append(label(values))
    return spot(
        "agrees with conv_transpose1d",
        left,
        right,
        labels,
        r"the output length of symconv.conv_transpose1d at every $p_o < \max(s, d)$",
    )


def prove_transposed_is_input_gradient(
    *, position: Callable[[Expr, Expr], Expr] | None = None
) -> GeneralProof:
    """Theorem: the transposed layer's output is the forward layer's input gradient,
    ``conv_transpose1d(g, w) = T(w)^T g = dl/dx`` for ``l = sum_i g_i y_i``, ``y = T(w) x``
    on inputs of the transposed output length ``M``, for all sizes (``0 <= p_o <= s - 1``).

    ``position(i, k)`` is the claimed position of ``g_i w_k`` in the output; the default
    is PyTorch's ``i s + k d - p_l``.

    >>> layer = transposed_symbols()
    >>> shifted = lambda i, k: layer.tap(i, k) + 1
    >>> prove_transposed_is_input_gradient(position=shifted).first_failure.name
    'T^T g is the scatter'
    """
    if position is not None and not callable(position):
        raise TypeError(
            f"position must be a function of (i, k) returning where g_i w_k lands (such as "
            f"lambda i, k: i*s + k*d - p_l), got {position!r}"
        )
    layer = transposed_symbols()
    scatter = layer.scatter(layer.r, position if position is not None else layer.tap)
    grid = [c for c in size_cases(layer, TRANSPOSED_SIZES) if c[layer.p_o] < c[layer.s]]
    steps = [step(*row) for row in gradient_rows(layer, scatter, grid)]
    steps += [scatter_check(layer, scatter, grid, *check) for check in SCATTER_CHECKS]
    i, j, r = layer.i, layer.j, layer.r
    return GeneralProof(
        title="Transposed convolution = input gradient",
        statement=GRADIENT_STATEMENT,
        steps=steps,
        assumptions=ASSUMPTIONS[:1] + (r"$0 \le p_o \le s - 1$ and $M \ge 1$",) + ASSUMPTIONS[2:],
        claims=(
            (layer.forward_length(layer.length()), layer.m),
            (Derivative(gradient_loss(layer), layer.x[r]), transposed_product(layer)),
            (transposed_product(layer), layer.z[r]),
        ),
        definitions=(
            (layer.T[i, j], layer.entry(i, j)),
            (layer.z[r], scatter),
            (layer.M, layer.length()),
        ),
    )


def gradient_rows(layer: TransposedLayer, scatter: Expr, grid: Sequence[Sizes]) -> list[Row]:
    """The steps of :func:`prove_transposed_is_input_gradient`: the forward layer's
    length, its input gradient, and that gradient read as the scatter."""
    M, r, s = layer.M, layer.r, layer.s
    r_cases = [{**c, r: v} for c in grid for v in sorted({0, c[M] // 2, c[M] - 1})]
    differentiated, transposed = differentiated_loss(layer), transposed_product(layer)
    sift = Rule(
        "sum_kronecker over j, then refine_brackets",
        lambda e: refine_brackets(sum_kronecker(e, layer.j), {r: (0, M - 1)}),
    )
    return [
        (r"the forward layer on $M$ inputs has $m$ outputs",
         layer.forward_length(layer.length()), layer.m, floor_quotient({layer.p_o: (0, s - 1)}),
         r"$\lfloor ((m-1)s + p_o)/s \rfloor = m - 1$ for $0 \le p_o \le s - 1$ "
         r"(division with remainder)", grid),
        (r"differentiate the loss by $x_r$",
         Derivative(gradient_loss(layer), layer.x[r]), differentiated, DIFFERENTIATE_TERMS,
         r"differentiate term by term: $\partial x_j / \partial x_r = \delta_{j,r}$", r_cases),
        (r"the gradient is $T^{\top} g$", differentiated, transposed, sift,
         r"sifting over $j$; $0 \le r \le M - 1$ holds", r_cases),
        (r"$T^{\top} g$ is the scatter", transposed, scatter, IDENTITY,
         r"$\sum_i g_i T_{ir} = \sum_i \sum_k g_i w_k\, \delta_{r, i s + k d - p_l}$: "
         r"input $i$ adds $g_i w_k$ at the position its tap $k$ reads in the forward "
         r"layer (distributivity)", r_cases),
    ]  # fmt: skip


# --- the spot checks --------------------------------------------------------------------------


def options(layer: TransposedLayer, sizes: Sizes) -> dict[str, object]:
    """Stride, padding and dilation of the layer at ``sizes``, as the ops take them."""
    return {
        "stride": sizes[layer.s],
        "padding": (sizes[layer.p_l], sizes[layer.p_r]),
        "dilation": sizes[layer.d],
    }


def transposed_op(layer: TransposedLayer, sizes: Sizes) -> Sequence[Expr]:
    """:func:`conv_transpose1d` of symbolic ``g`` and ``w`` at ``sizes``."""
    ys, ws = symbolic_vector("g", sizes[layer.m]), symbolic_vector("w", sizes[layer.n])
    extra = sizes[layer.p_o]
    return list(conv_transpose1d(ys, ws, output_padding=extra, **options(layer, sizes)))


def input_gradient(layer: TransposedLayer, sizes: Sizes) -> Sequence[Expr]:
    """The input gradient of :func:`conv1d_grads` on ``M`` symbolic inputs at ``sizes``."""
    xs = symbolic_vector("x", sizes[layer.M])
    ws, ys = symbolic_vector("w", sizes[layer.n]), symbolic_vector("g", sizes[layer.m])
    return list(conv1d_grads(xs, ws, ys, **options(layer, sizes))[0])


#: The concrete references the scatter is compared with: reference, name, law.
SCATTER_CHECKS: tuple[tuple[Callable[[TransposedLayer, Sizes], Sequence[Expr]], str, str], ...] = (
    (
        transposed_op,
        "the scatter agrees with conv_transpose1d",
        "symconv.conv_transpose1d(g, w, padding=(p_l, p_r), output_padding=p_o)",
    ),
    (
        input_gradient,
        "the scatter agrees with the input gradient",
        r"$\partial \ell / \partial x$ of symconv.conv1d_grads(x, w, g) on $M$ inputs",
    ),
)


def scatter_check(
    layer: TransposedLayer,
    scatter: Expr,
    grid: Sequence[Sizes],
    reference: Callable[[TransposedLayer, Sizes], Sequence[Expr]],
    name: str,
    law: str,
) -> Step:
    """The scatter, instantiated at every size of ``grid`` and every output ``r``,
    against ``reference(layer, sizes)``."""
    left, right, labels = [], [], []
    for sizes in grid:
        expected = reference(layer, sizes)
        at_sizes = instantiate(scatter, sizes)
        for v in range(sizes[layer.M]):
            left.append(indexed_to_symbols(at_sizes.xreplace({layer.r: v})))
            right.append(expected[v])
            labels.append(label({**sizes, layer.r: v}))
    return spot(name, left, right, labels, law)
