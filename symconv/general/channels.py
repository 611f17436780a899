"""Theorem: a grouped multi-channel 1-D layer is block diagonal by groups, for all sizes.

PyTorch's grouped layer (``groups = G``, ``C_in = G c_in``, ``C_out = G c_out``): output
channel ``o`` reads the ``c_in`` input channels of its group ``floor(o / c_out)``, the
groups being consecutive slices of the channels,

    y[o, i] = b[o] + sum_{e < c_in} sum_{k < n} w[o, e, k] x[floor(o/c_out) c_in + e, i s + k d - p_l]

(taps outside ``0..m-1`` read padding zeros; ``p_l`` zeros before the input, ``p_r``
after). Written as the channel-mixing matrix ``y = M x + b`` over (channel, position)
pairs, :func:`prove_channel_groups` shows for symbolic ``G, c_in, c_out, m, n, s, d,
p_l, p_r``: the block ``dy[o, i]/dx[c, j]`` is zero when ``c`` lies in another group than
``o`` and is the single-channel band of ``w[o, c mod c_in]`` in o's group; for
``L = sum g[o, i] y[o, i]``, ``dL/dw[o, e, q]`` is the sum over positions of
``g[o, i] x[floor(o/c_out) c_in + e, i s + q d - p_l]`` and ``dL/db[o] = sum_i g[o, i]``.

Examples
========

>>> proof = prove_channel_groups()
>>> proof.holds, proof.steps[0].name
(True, 'output channel o = gamma c_out + f reads group gamma')
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import sympy
from sympy import (
    Array,
    Derivative,
    Expr,
    IndexedBase,
    KroneckerDelta,
    Matrix,
    S,
    Sum,
    Symbol,
    floor,
)

from symconv.general.rules import DIFFERENTIATE_TERMS, Rule, drop_zero_sums, sift
from symconv.general.theorem import GeneralProof, derive
from symconv.ops.channels import conv1d_channel_grads, conv1d_channels
from symconv.proofs.law import Law
from symconv.proofs.proof import Step, check
from symconv.summation import (
    between,
    bracket,
    decide,
    indexed_to_symbols,
    instantiate,
    refine_brackets,
)

Sizes = Mapping[Expr, int]


# --- rules of this theorem ----------------------------------------------------------------


def floor_quotient(bounds: Mapping[Expr, tuple[Expr, Expr]], facts: Sequence[Expr] = ()) -> Rule:
    """``floor((Q b + R)/b) -> Q`` wherever ``Q`` is an integer and ``0 <= R <= b - 1``
    follows over ``bounds`` (division with remainder); ``Q`` collects the terms of the
    numerator that ``b`` divides. Any other floor, and every ``Mod``, is left unchanged.

    >>> from sympy import symbols
    >>> g, f = symbols("gamma f", integer=True)
    >>> c = symbols("c", integer=True, positive=True)
    >>> floor_quotient({f: (0, c - 1)})(floor((g*c + f)/c))
    gamma
    >>> floor_quotient({f: (0, c)})(floor((g*c + f)/c))      # f = c is allowed: refuse
    floor((c*gamma + f)/c)
    """

    def rewrite(atom: Expr) -> Expr:
        numerator, denominator = sympy.together(atom.args[0]).as_numer_denom()
        if not (denominator.is_integer and denominator.is_positive):
            return atom
        whole = [
            term
            for term in sympy.Add.make_args(sympy.expand(numerator))
            if sympy.fraction(sympy.cancel(term / denominator))[1] == 1
        ]
        quotient = sympy.expand(sympy.Add(*whole) / denominator)
        remainder = sympy.expand(numerator - quotient * denominator)
        if not (quotient.is_integer and remainder.is_integer):
            return atom
        low = decide(sympy.Ge(remainder, 0), bounds, facts)
        high = decide(sympy.Le(remainder, denominator - 1), bounds, facts)
        return quotient if low is True and high is True else atom

    shown = ", ".join(f"{v} in [{lo}, {hi}]" for v, (lo, hi) in bounds.items())
    return Rule(
        f"floor_quotient({shown})",
        lambda e: e.replace(lambda a: isinstance(a, floor), rewrite),
    )


def sift_then_refine(indices: Sequence[Symbol], bounds: Mapping[Expr, tuple[Expr, Expr]]) -> Rule:
    """Sum out the deltas over ``indices`` (:func:`~symconv.general.rules.sift`), then
    decide the brackets over ``bounds``."""
    sifting = sift(indices)
    names = ", ".join(map(str, indices)) or "none"
    return Rule(
        f"sum_kronecker over {names}, then refine_brackets",
        lambda e: refine_brackets(sifting(e), bounds),
    )


def refine_zero(bounds: Mapping[Expr, tuple[Expr, Expr]]) -> Rule:
    """Decide the brackets over ``bounds``; a sum of zeros is zero."""
    return Rule(
        "refine_brackets over the ranges, sums of zero dropped",
        lambda e: drop_zero_sums(refine_brackets(e, bounds)),
    )


# --- the symbols --------------------------------------------------------------------------


def _integers(names: str) -> tuple[Symbol, ...]:
    return tuple(sympy.symbols(names, integer=True, seq=True))


@dataclass(frozen=True)
class GroupedLayer:
    """The symbols of a grouped 1-D layer for all sizes.

    Sizes (positive): groups ``G``, channels per group ``c_in`` and ``c_out``, input
    length ``m``, kernel length ``n``, stride ``s``, dilation ``d``, output length ``L``
    (an abbreviation for ``floor((m + p_l + p_r - d(n-1) - 1)/s) + 1``); paddings
    ``p_l, p_r >= 0``. Indices: output channel ``o = gamma c_out + f`` (group ``gamma``,
    place ``f`` in it), input channel ``c = h c_in + e``, output position ``i``, input
    position ``j``, tap ``k`` and weight tap ``q``; primed ones are summed over.
    """

    G: Symbol
    c_in: Symbol
    c_out: Symbol
    m: Symbol
    n: Symbol
    s: Symbol
    d: Symbol
    L: Symbol
    p_l: Symbol
    p_r: Symbol
    gamma: Symbol
    f: Symbol
    h: Symbol
    e: Symbol
    i: Symbol
    j: Symbol
    k: Symbol
    q: Symbol
    o: Symbol
    c: Symbol
    o2: Symbol
    c2: Symbol
    e2: Symbol
    j2: Symbol
    x: IndexedBase = IndexedBase("x")
    w: IndexedBase = IndexedBase("w")
    b: IndexedBase = IndexedBase("b")
    g: IndexedBase = IndexedBase("g")
    M: IndexedBase = IndexedBase("M")

    def tap(self, i: Expr, k: Expr) -> Expr:
        """The input position output ``i`` reads at tap ``k``: ``i s + k d - p_l``."""
        return i * self.s + k * self.d - self.p_l

    def length(self) -> Expr:
        return floor((self.m + self.p_l + self.p_r - self.d * (self.n - 1) - 1) / self.s) + 1

    def true_group(self, o: Expr) -> Expr:
        """PyTorch's group of output channel ``o``: ``floor(o / c_out)`` (slices)."""
        return floor(o / self.c_out)

    def entry(self, o: Expr, i: Expr, c: Expr, j: Expr, group: Expr) -> Expr:
        """``M[o, i, c, j] = sum_{e'} sum_k w[o, e', k] [c = group c_in + e'] [j = i s + k d
        - p_l]``: the channel-mixing matrix of output ``o`` reading group ``group``."""
        e2, k = self.e2, self.k
        inner = (
            self.w[o, e2, k]
            * KroneckerDelta(c, group * self.c_in + e2)
            * KroneckerDelta(j, self.tap(i, k))
        )
        return Sum(Sum(inner, (k, 0, self.n - 1)), (e2, 0, self.c_in - 1))

    def output(self, o: Expr, i: Expr, group: Expr) -> Expr:
        """``y[o, i] = b[o] + sum_{c'} sum_{j'} M[o, i, c', j'] x[c', j']``."""
        c2, j2 = self.c2, self.j2
        mixed = self.entry(o, i, c2, j2, group) * self.x[c2, j2]
        return self.b[o] + Sum(Sum(mixed, (j2, 0, self.m - 1)), (c2, 0, self.G * self.c_in - 1))

    def loss_terms(self, group: Callable[[Expr], Expr]) -> tuple[Expr, Expr]:
        """The two terms of ``l = sum_{o'} sum_i g[o', i] y[o', i]``: the bias term
        ``sum g[o', i] b[o']`` and the mixing term ``sum g[o', i] (M x)[o', i]``."""
        o2, i, c2, j2 = self.o2, self.i, self.c2, self.j2
        mixed = Sum(
            Sum(self.entry(o2, i, c2, j2, group(o2)) * self.x[c2, j2], (j2, 0, self.m - 1)),
            (c2, 0, self.G * self.c_in - 1),
        )
        outputs = ((i, 0, self.L - 1), (o2, 0, self.G * self.c_out - 1))
        return (
            Sum(self.g[o2, i] * self.b[o2], *outputs),
            Sum(self.g[o2, i] * mixed, *outputs),
        )


def grouped_symbols() -> GroupedLayer:
    """The symbols :func:`prove_channel_groups` uses.

    >>> layer = grouped_symbols()
    >>> layer.tap(layer.i, layer.k), layer.true_group(layer.o)
    (d*k + i*s - p_l, floor(o/c_out))
    """
    positive = {"integer": True, "positive": True}
    sizes = sympy.symbols("G c_in c_out m n s d L", seq=True, **positive)
    paddings = sympy.symbols("p_l p_r", integer=True, nonnegative=True, seq=True)
    indices = _integers("gamma f h e i j k q o c o' c' e' j'")
    return GroupedLayer(*sizes, *paddings, *indices)


# --- concrete instances -------------------------------------------------------------------

#: Grouped layers the statements are compared at: G, c_in, c_out, m, n, s, d, p_l, p_r.
GROUPED_SIZES: tuple[tuple[int, ...], ...] = (
    (1, 2, 1, 4, 2, 1, 1, 0, 0),
    (2, 1, 2, 5, 2, 2, 1, 1, 0),
    (3, 1, 1, 4, 2, 1, 2, 0, 1),
    (2, 2, 2, 3, 2, 1, 1, 2, 1),
)


#: Smaller layers for the steps on the loss, which sums over every channel and position:
#: instantiating it term by term is what the theorem spends its time on.
LOSS_SIZES: tuple[tuple[int, ...], ...] = (
    (1, 2, 1, 3, 2, 1, 1, 0, 1),
    (2, 1, 2, 3, 2, 2, 1, 1, 0),
    (3, 1, 1, 2, 1, 1, 1, 0, 1),
)


def size_cases(layer: GroupedLayer, rows: Iterable[Sequence[int]] = GROUPED_SIZES) -> list[Sizes]:
    """The rows as substitutions, the output length ``L`` included."""
    names = (
        layer.G,
        layer.c_in,
        layer.c_out,
        layer.m,
        layer.n,
        layer.s,
        layer.d,
        layer.p_l,
        layer.p_r,
    )
    cases: list[Sizes] = []
    for row in rows:
        values: dict[Expr, int] = dict(zip(names, row, strict=True))
        values[layer.L] = int(
            layer.length().xreplace({v: sympy.Integer(n) for v, n in values.items()})
        )
        cases.append(values)
    return cases


def index_cases(
    grid: Sequence[Sizes],
    ranges: Callable[[Sizes], Mapping[tuple[Symbol, ...], Sequence[tuple[int, ...]]]],
    limit: int = 6,
) -> list[dict[Expr, int]]:
    """At most ``limit`` substitutions per size, spread evenly: the sizes with each tuple
    of free indices at the values ``ranges(sizes)`` gives it (none drops that size)."""
    cases: list[dict[Expr, int]] = []
    for sizes in grid:
        chosen = ranges(sizes)
        keys = list(chosen)
        picked = list(itertools.product(*[chosen[key] for key in keys]))
        if len(picked) > limit:
            picked = [picked[round(t * (len(picked) - 1) / (limit - 1))] for t in range(limit)]
        for values in picked:
            case: dict[Expr, int] = dict(sizes)
            for key, value in zip(keys, values, strict=True):
                case.update(zip(key, value, strict=True))
            cases.append(case)
    return cases


def _each(last: int) -> list[tuple[int, ...]]:
    """First and last of ``0..last``, as 1-tuples."""
    return [(v,) for v in sorted({0, last})]


def concrete_layer(layer: GroupedLayer, sizes: Sizes) -> tuple[Matrix, Array, list[Expr], Matrix]:
    """Symbolic ``x (C_in, m)``, ``w (C_out, c_in, n)``, ``b (C_out,)``, ``g (C_out, L)``
    of these sizes, named as the instantiated proof names ``x[c, j]`` (``x1_2``)."""
    groups, c_in, c_out = sizes[layer.G], sizes[layer.c_in], sizes[layer.c_out]
    m, n, length = sizes[layer.m], sizes[layer.n], sizes[layer.L]

    def named(base: IndexedBase, *index: int) -> Expr:
        return indexed_to_symbols(base[index])

    x = Matrix(groups * c_in, m, lambda c, j: named(layer.x, c, j))
    w = Array(
        [
            [[named(layer.w, o, e, k) for k in range(n)] for e in range(c_in)]
            for o in range(groups * c_out)
        ]
    )
    b = [named(layer.b, o) for o in range(groups * c_out)]
    g = Matrix(groups * c_out, length, lambda o, i: named(layer.g, o, i))
    return x, w, b, g


def settings(layer: GroupedLayer, sizes: Sizes) -> dict[str, object]:
    return {
        "groups": sizes[layer.G],
        "stride": sizes[layer.s],
        "padding": (sizes[layer.p_l], sizes[layer.p_r]),
        "dilation": sizes[layer.d],
    }


def label(case: Sizes) -> str:
    """``G=2, c_in=1, ...``: :func:`~symconv.general.theorem.describe_case` by the
    symbols' names (printing each symbol is what labelling hundreds of entries costs)."""
    return ", ".join(f"{getattr(s, 'name', s)}={v}" for s, v in case.items())


def spot(name: str, left: list[Expr], right: list[Expr], labels: list[str], law: str) -> Step:
    """A spot check of a statement against the concrete machinery."""
    return dataclasses.replace(check(name, left, right, law=law, labels=labels), kind="spot check")


def step(
    name: str,
    before: Expr,
    after: Expr,
    rule: Rule,
    stated: str,
    cases: Sequence[Sizes] = (),
) -> Step:
    """:func:`~symconv.general.theorem.derive` with this theorem's own law (markup)."""
    derived = derive(name, before, after, rule, "definition", cases)
    return dataclasses.replace(derived, law=Law(stated))


# --- the statement -------------------------------------------------------------------------

STATEMENT = (
    r"With $C_{in} = G c_{in}$ and $C_{out} = G c_{out}$ channels, output channel $o$ "
    r"reads the input channels of its group $\lfloor o / c_{out} \rfloor$: "
    r"$y_{o,i} = b_o + \sum_{c,j} M_{o,i,c,j}\, x_{c,j}$. Then "
    r"$\partial y_{o,i} / \partial x_{c,j} = M_{o,i,c,j}$ is $0$ when "
    r"$\lfloor c / c_{in} \rfloor \ne \lfloor o / c_{out} \rfloor$ and the single-channel "
    r"band $\sum_k w_{o,e,k}\, \delta_{j, i s + k d - p_l}$ of $w_{o,e}$, "
    r"$e = c - c_{in} \lfloor c / c_{in} \rfloor$, inside the group (a block-diagonal "
    r"matrix). For $\ell = \sum_{o,i} g_{o,i} y_{o,i}$: "
    r"$\partial \ell / \partial w_{o,e,q} = \sum_i g_{o,i}\, "
    r"x_{\lfloor o / c_{out} \rfloor c_{in} + e,\, i s + q d - p_l}$ over the taps in range, "
    r"and $\partial \ell / \partial b_o = \sum_i g_{o,i}$."
)


ASSUMPTIONS = (
    r"$G, c_{in}, c_{out}, m, n, s, d \in \mathbb{Z}_{\ge 1}$ and "
    r"$p_l, p_r \in \mathbb{Z}_{\ge 0}$, "
    r"$L = \lfloor (m + p_l + p_r - d(n-1) - 1)/s \rfloor + 1 \ge 1$",
    r"$o = \gamma c_{out} + f$ and $c = h c_{in} + e$ with $0 \le \gamma, h \le G - 1$, "
    r"$0 \le f \le c_{out} - 1$, $0 \le e \le c_{in} - 1$ (division with remainder)",
    r"$x_{c,j}$, $w_{o,e,k}$, $b_o$, $g_{o,i}$ are arbitrary (symbolic) entries",
)


#: A row of a theorem's table: name, before, after, rule, law (markup), cases.
Row = tuple[str, Expr, Expr, Rule, str, Sequence[Sizes]]

Places = dict[tuple[Symbol, ...], list[tuple[int, ...]]]


# --- the named expressions ------------------------------------------------------------------


def output_channel(layer: GroupedLayer) -> Expr:
    """Output channel ``o = gamma c_out + f``: place ``f`` of group ``gamma``."""
    return layer.gamma * layer.c_out + layer.f


def channel_bounds(layer: GroupedLayer) -> dict[Expr, tuple[Expr, Expr]]:
    """The ranges of the group and channel indices ``gamma, f, h, e``."""
    return {
        layer.gamma: (0, layer.G - 1),
        layer.f: (0, layer.c_out - 1),
        layer.h: (0, layer.G - 1),
        layer.e: (0, layer.c_in - 1),
    }


def differentiated_output(layer: GroupedLayer, o: Expr, c: Expr) -> Expr:
    """``sum_{c',j'} delta_{c',c} delta_{j',j} M[o, i, c', j']``: the mixing term of
    ``y[o, i]`` differentiated by ``x[c, j]`` term by term (group ``gamma``)."""
    c2, j2 = layer.c2, layer.j2
    delta = KroneckerDelta(c2, c) * KroneckerDelta(layer.j2, layer.j)
    return Sum(
        Sum(delta * layer.entry(o, layer.i, c2, j2, layer.gamma), (j2, 0, layer.m - 1)),
        (c2, 0, layer.G * layer.c_in - 1),
    )


def picked_block(layer: GroupedLayer, o: Expr) -> Expr:
    """The block ``M[o, i, h c_in + e, j]`` with the kernel channel sifted out: the tap
    ``e' = (h - gamma) c_in + e`` of ``w[o]``, if it lies in ``0 .. c_in - 1``."""
    offset = (layer.h - layer.gamma) * layer.c_in + layer.e
    k = layer.k
    return Sum(
        bracket(
            layer.w[o, offset, k] * KroneckerDelta(layer.j, layer.tap(layer.i, k)),
            between(offset, 0, layer.c_in - 1),
        ),
        (k, 0, layer.n - 1),
    )


def band(layer: GroupedLayer, o: Expr) -> Expr:
    """``sum_k w[o, e, k] delta_{j, i s + k d - p_l}``: the single-channel band of
    ``w[o, e]``."""
    k = layer.k
    return Sum(
        layer.w[o, layer.e, k] * KroneckerDelta(layer.j, layer.tap(layer.i, k)),
        (k, 0, layer.n - 1),
    )


def differentiated_weights(layer: GroupedLayer, o: Expr, claimed: Callable[[Expr], Expr]) -> Expr:
    """The mixing term of the loss differentiated by ``w[o, e, q]`` term by term; each
    delta sits where its index is summed, so sifting finds it there."""
    c2, j2, e2, o2, k, i = layer.c2, layer.j2, layer.e2, layer.o2, layer.k, layer.i
    tapped = Sum(
        KroneckerDelta(c2, claimed(o2) * layer.c_in + e2)
        * Sum(KroneckerDelta(j2, layer.tap(i, k)) * layer.x[c2, j2], (j2, 0, layer.m - 1)),
        (c2, 0, layer.G * layer.c_in - 1),
    )
    return Sum(
        KroneckerDelta(o2, o)
        * Sum(
            layer.g[o2, i]
            * Sum(
                KroneckerDelta(e2, layer.e)
                * Sum(KroneckerDelta(k, layer.q) * tapped, (k, 0, layer.n - 1)),
                (e2, 0, layer.c_in - 1),
            ),
            (i, 0, layer.L - 1),
        ),
        (o2, 0, layer.G * layer.c_out - 1),
    )


def reads(layer: GroupedLayer, o: Expr, group: Expr) -> Expr:
    """``sum_i g[o, i] sum_{c',j'} [c' = group c_in + e] [j' = i s + q d - p_l] x[c', j']``:
    the weight gradient before the input is sifted."""
    c2, j2, i = layer.c2, layer.j2, layer.i
    delta = KroneckerDelta(c2, group * layer.c_in + layer.e) * KroneckerDelta(
        j2, layer.tap(i, layer.q)
    )
    return Sum(
        layer.g[o, i]
        * Sum(
            Sum(delta * layer.x[c2, j2], (j2, 0, layer.m - 1)),
            (c2, 0, layer.G * layer.c_in - 1),
        ),
        (i, 0, layer.L - 1),
    )


def weight_gradient(layer: GroupedLayer, o: Expr, group: Expr) -> Expr:
    """``dl/dw[o, e, q] = sum_i g[o, i] x[group c_in + e, i s + q d - p_l]`` over the
    taps in range."""
    i = layer.i
    column = layer.tap(i, layer.q)
    return Sum(
        bracket(
            layer.g[o, i] * layer.x[group * layer.c_in + layer.e, column],
            between(column, 0, layer.m - 1),
        ),
        (i, 0, layer.L - 1),
    )


def differentiated_bias(layer: GroupedLayer, o: Expr) -> Expr:
    """The bias term of the loss differentiated by ``b[o]`` term by term."""
    o2, i = layer.o2, layer.i
    return Sum(
        Sum(layer.g[o2, i] * KroneckerDelta(o2, o), (i, 0, layer.L - 1)),
        (o2, 0, layer.G * layer.c_out - 1),
    )


def bias_gradient(layer: GroupedLayer, o: Expr) -> Expr:
    """``dl/db[o] = sum_i g[o, i]``."""
    return Sum(layer.g[o, layer.i], (layer.i, 0, layer.L - 1))


# --- the cases ------------------------------------------------------------------------------


def output_places(layer: GroupedLayer, sizes: Sizes) -> Places:
    """First and last group, place in the group and output position."""
    return {
        (layer.gamma,): _each(sizes[layer.G] - 1),
        (layer.f,): _each(sizes[layer.c_out] - 1),
        (layer.i,): _each(sizes[layer.L] - 1),
    }


def block_places(layer: GroupedLayer, relation: Callable[[int, int], bool], sizes: Sizes) -> Places:
    """Blocks (output group ``gamma``, input group ``h``) in the given relation, with the
    first and last channel and position around them."""
    groups = range(sizes[layer.G])
    found: list[tuple[int, ...]] = [(u, v) for u in groups for v in groups if relation(u, v)]
    return {
        (layer.gamma, layer.h): found[:2] + found[2:][-1:],
        (layer.f,): _each(sizes[layer.c_out] - 1),
        (layer.e,): _each(sizes[layer.c_in] - 1),
        (layer.i,): _each(sizes[layer.L] - 1),
        (layer.j,): _each(sizes[layer.m] - 1),
    }


def block_cases(layer: GroupedLayer, relation: Callable[[int, int], bool]) -> list[dict[Expr, int]]:
    """:func:`index_cases` of the blocks in ``relation`` at :data:`GROUPED_SIZES`."""
    return index_cases(size_cases(layer), functools.partial(block_places, layer, relation))


def weight_places(layer: GroupedLayer, sizes: Sizes) -> Places:
    """First and last group, place, kernel channel and weight tap."""
    return {
        (layer.gamma,): _each(sizes[layer.G] - 1),
        (layer.f,): _each(sizes[layer.c_out] - 1),
        (layer.e,): _each(sizes[layer.c_in] - 1),
        (layer.q,): _each(sizes[layer.n] - 1),
    }


def bias_places(layer: GroupedLayer, sizes: Sizes) -> Places:
    """First and last group and place."""
    return {
        (layer.gamma,): _each(sizes[layer.G] - 1),
        (layer.f,): _each(sizes[layer.c_out] - 1),
    }


# --- the theorem ----------------------------------------------------------------------------


def prove_channel_groups(*, group: Callable[[Expr], Expr] | None = None) -> GeneralProof:
    """Theorem: a grouped layer's matrix is block diagonal by groups, and its weight and
    bias gradients are sums over positions, for every number of groups and channels.

    ``group(o)`` is the claimed group of output channel ``o`` in the layer's definition
    (an expression in the symbols of :func:`grouped_symbols`); the default is PyTorch's
    ``floor(o / c_out)``. A wrong assignment, such as ``o % G``, fails symbolically
    (output ``gamma c_out + f`` does not read group ``gamma``) and against
    :func:`symconv.conv1d` with ``groups``.

    >>> prove_channel_groups().step("a later group is not read").holds
    True
    >>> layer = grouped_symbols()
    >>> wrong = prove_channel_groups(group=lambda o: o % layer.G)
    >>> wrong.holds, wrong.first_failure.name
    (False, 'output channel o = gamma c_out + f reads group gamma')
    """
    if group is not None and not callable(group):
        raise TypeError(
            f"group must be a function of the output channel o returning its group (a "
            f"SymPy expression such as lambda o: floor(o / c_out)), got {group!r}"
        )
    layer = grouped_symbols()
    claimed = group if group is not None else layer.true_group
    o, i, j, e, q = output_channel(layer), layer.i, layer.j, layer.e, layer.q
    x, w, b, ell, y = layer.x, layer.w, layer.b, Symbol("ell"), IndexedBase("y")
    rows = matrix_rows(layer, claimed) + gradient_rows(layer, claimed)
    steps = [step(*row) for row in rows]
    steps += concrete_checks(layer, claimed)
    at_o = layer.o  # the claims are at o = gamma c_out + f, the definitions at any o
    return GeneralProof(
        title="Grouped channels: block structure and gradients",
        statement=STATEMENT,
        steps=steps,
        assumptions=ASSUMPTIONS,
        claims=(
            (Derivative(y[o, i], x[layer.gamma * layer.c_in + e, j]), band(layer, o)),
            (Derivative(ell, w[o, e, q]), weight_gradient(layer, o, layer.gamma)),
            (Derivative(ell, b[o]), bias_gradient(layer, o)),
        ),
        definitions=(
            (layer.M[at_o, i, layer.c, j], layer.entry(at_o, i, layer.c, j, claimed(at_o))),
            (y[at_o, i], layer.output(at_o, i, claimed(at_o))),
            (ell, sum(layer.loss_terms(claimed), S.Zero)),
        ),
    )


def matrix_rows(layer: GroupedLayer, claimed: Callable[[Expr], Expr]) -> list[Row]:
    """The steps on the channel-mixing matrix: the group of ``o``, then each block."""
    G, c_in, gamma, h, e, x = layer.G, layer.c_in, layer.gamma, layer.h, layer.e, layer.x
    o, c, j = output_channel(layer), layer.h * c_in + e, layer.j
    inside = floor_quotient({layer.f: (0, layer.c_out - 1)})
    out_cases = index_cases(size_cases(layer), functools.partial(output_places, layer))
    all_blocks = block_cases(layer, lambda u, v: True)
    # y = b_o + (the mixing term); b_o does not depend on x, so dy/dx is the mixing
    # term's derivative (one sum, which the printed proof can break over lines).
    mixing = layer.output(o, layer.i, gamma) - layer.b[o]
    differentiated = differentiated_output(layer, o, c)
    block, picked = layer.entry(o, layer.i, c, j, gamma), picked_block(layer, o)
    sifted = sift_then_refine([layer.c2, layer.j2], {**channel_bounds(layer), j: (0, layer.m - 1)})
    return [
        (r"output channel $o = \gamma c_{out} + f$ reads group $\gamma$",
         claimed(o), gamma, inside,
         r"division with remainder: $\lfloor (\gamma c_{out} + f)/c_{out} \rfloor = \gamma$ "
         r"for $0 \le f \le c_{out} - 1$", out_cases),
        (r"the layer at $o = \gamma c_{out} + f$",
         layer.output(o, layer.i, claimed(o)), layer.output(o, layer.i, gamma), inside,
         r"substitute the group $\gamma$ of $o$", out_cases),
        (r"differentiate by $x_{c,j}$ at $c = h c_{in} + e$",
         Derivative(mixing, x[c, j]), differentiated, DIFFERENTIATE_TERMS,
         r"$y_{o,i} = b_o + \sum_{c',j'} M_{o,i,c',j'} x_{c',j'}$ and $b_o$ does not depend "
         r"on $x$; differentiate term by term: $\partial x_{c',j'} / \partial x_{c,j} = "
         r"\delta_{c',c}\, \delta_{j',j}$", all_blocks),
        ("sift the channel and the position", differentiated, block, sifted,
         r"$\sum_{j=a}^{b} f(j)\,\delta_{j,c} = f(c)\,[a \le c \le b]$ (sifting), and "
         r"$0 \le h c_{in} + e \le G c_{in} - 1$, $0 \le j \le m - 1$ hold", all_blocks),
        ("sift the kernel channel", block, picked, sift_then_refine([layer.e2], {}),
         r"sifting over $e'$: input channel $h c_{in} + e$ is $\gamma c_{in} + e'$ for "
         r"$e' = (h - \gamma) c_{in} + e$, if that lies in $0, \dots, c_{in} - 1$",
         all_blocks),
        ("a later group is not read", picked, S.Zero,
         refine_zero({h: (gamma + 1, G - 1), e: (0, c_in - 1)}),
         r"for $h \ge \gamma + 1$: $(h - \gamma) c_{in} + e \ge c_{in}$, so the bracket is 0",
         block_cases(layer, lambda u, v: v > u)),
        ("an earlier group is not read", picked, S.Zero,
         refine_zero({h: (0, gamma - 1), e: (0, c_in - 1)}),
         r"for $h \le \gamma - 1$: $(h - \gamma) c_{in} + e \le -1$, so the bracket is 0",
         block_cases(layer, lambda u, v: v < u)),
        (r"its own group: the band of $w_{o,e}$",
         picked.subs(h, gamma), band(layer, o), refine_zero({e: (0, c_in - 1)}),
         r"for $h = \gamma$ the bracket $[0 \le e \le c_{in} - 1]$ holds",
         block_cases(layer, lambda u, v: u == v)),
    ]  # fmt: skip


def gradient_rows(layer: GroupedLayer, claimed: Callable[[Expr], Expr]) -> list[Row]:
    """The steps on the loss: its weight gradient, then its bias gradient."""
    o, e, q, gamma = output_channel(layer), layer.e, layer.q, layer.gamma
    bias_term, mixing_term = layer.loss_terms(claimed)
    weight_diff, bias_diff = (
        differentiated_weights(layer, o, claimed),
        differentiated_bias(layer, o),
    )
    loss_grid = size_cases(layer, LOSS_SIZES)
    w_cases = index_cases(loss_grid, functools.partial(weight_places, layer), limit=2)
    b_cases = index_cases(loss_grid, functools.partial(bias_places, layer), limit=2)
    bounds = channel_bounds(layer)
    return [
        (r"differentiate the loss by $w_{o,e,q}$",
         Derivative(mixing_term, layer.w[o, e, q]), weight_diff, DIFFERENTIATE_TERMS,
         r"the bias term of $\ell$ does not depend on $w$; differentiate term by term: "
         r"$\partial w_{o',e',k} / \partial w_{o,e,q} = "
         r"\delta_{o',o}\, \delta_{e',e}\, \delta_{k,q}$", w_cases),
        ("sift the output channel and the kernel indices",
         weight_diff, reads(layer, o, claimed(o)),
         sift_then_refine([layer.o2, layer.e2, layer.k], {**bounds, q: (0, layer.n - 1)}),
         r"sifting over $o', e', k$; $o$, $e$, $q$ lie in their ranges", w_cases),
        (r"output channel $o$ reads group $\gamma$",
         reads(layer, o, claimed(o)), reads(layer, o, gamma),
         floor_quotient({layer.f: (0, layer.c_out - 1)}),
         r"division with remainder: $\lfloor o / c_{out} \rfloor = \gamma$", w_cases),
        ("the weight gradient is a sum over positions",
         reads(layer, o, gamma), weight_gradient(layer, o, gamma),
         sift_then_refine([layer.c2, layer.j2], bounds),
         r"sifting over $c', j'$; $0 \le \gamma c_{in} + e \le G c_{in} - 1$ holds", w_cases),
        (r"differentiate the loss by $b_o$",
         Derivative(bias_term, layer.b[o]), bias_diff, DIFFERENTIATE_TERMS,
         r"the mixing term of $\ell$ does not depend on $b$; differentiate term by "
         r"term: $\partial b_{o'} / \partial b_o = \delta_{o',o}$", b_cases),
        ("the bias gradient sums the upstream gradient",
         bias_diff, bias_gradient(layer, o), sift_then_refine([layer.o2], bounds),
         r"sifting over $o'$; $0 \le \gamma c_{out} + f \le G c_{out} - 1$ holds", b_cases),
    ]  # fmt: skip


# --- the spot checks --------------------------------------------------------------------------

#: Left sides, right sides and labels of one spot check.
Column = tuple[list[Expr], list[Expr], list[str]]


#: The spot checks: name and law, in the order of the columns :func:`compare_at` fills.
SPOT_CHECKS = (
    (
        "the layer agrees with conv1d",
        "symconv.conv1d(x, w, bias, groups=G, padding=(p_l, p_r)) at concrete sizes",
    ),
    (
        "the blocks agree with the derivatives of conv1d",
        "sympy.diff of symconv.conv1d with groups at concrete sizes",
    ),
    (
        "the weight gradient agrees",
        "symconv.conv1d_channel_grads(x, w, g, groups=G) at concrete sizes",
    ),
    (
        "the bias gradient agrees",
        "symconv.conv1d_channel_grads(x, w, g, bias, groups=G) at concrete sizes",
    ),
)


def concrete_checks(layer: GroupedLayer, claimed: Callable[[Expr], Expr]) -> list[Step]:
    """The statements, instantiated at every size of :data:`GROUPED_SIZES` and every
    index, against :func:`symconv.conv1d` and :func:`conv1d_channel_grads` with ``groups``."""
    columns: list[Column] = [([], [], []) for _ in SPOT_CHECKS]
    for sizes in size_cases(layer):
        compare_at(layer, claimed, sizes, columns)
    return [
        spot(name, *column, law) for (name, law), column in zip(SPOT_CHECKS, columns, strict=True)
    ]


def stated_block(layer: GroupedLayer) -> Expr:
    """``M[o, i, c, j]`` as stated: the band of ``w[o, c mod c_in]`` when input channel
    ``c`` lies in the group of ``o``, else 0."""
    o, k = layer.o, layer.k
    source = floor(layer.c / layer.c_in)  # the group of input channel c
    return Sum(
        bracket(
            layer.w[o, layer.c - layer.c_in * source, k]
            * KroneckerDelta(layer.j, layer.tap(layer.i, k)),
            sympy.Eq(source, layer.true_group(o)),
        ),
        (k, 0, layer.n - 1),
    )


def record(target: Column, case: Sizes, left: Expr, right: Expr) -> None:
    """Append ``left`` (instantiated at ``case`` if it still sums) and ``right``."""
    if left.has(Sum):
        left = instantiate(left, case)
    target[0].append(indexed_to_symbols(left))
    target[1].append(right)
    target[2].append(label(case))


def compare_at(
    layer: GroupedLayer,
    claimed: Callable[[Expr], Expr],
    sizes: Sizes,
    columns: Sequence[Column],
) -> None:
    """Every output channel of the layer at ``sizes``: its outputs, blocks, weight and
    bias gradients against :func:`conv1d_channels` and :func:`conv1d_channel_grads`."""
    forward, blocks, weights, biases = columns
    o, c, i, j, e, q = layer.o, layer.c, layer.i, layer.j, layer.e, layer.q
    block, weight = stated_block(layer), weight_gradient(layer, o, layer.true_group(o))
    x, w, bias, g = concrete_layer(layer, sizes)
    options = settings(layer, sizes)
    y = conv1d_channels(x, w, bias=bias, **options)
    _, grad_w, grad_b = conv1d_channel_grads(x, w, g, bias=bias, **options)
    if grad_b is None:
        raise RuntimeError("conv1d_channel_grads gave no bias gradient for a bias")
    positions = list(itertools.product(range(sizes[layer.L]), range(sizes[layer.m])))
    for u in range(sizes[layer.G] * sizes[layer.c_out]):
        # Sums over channels and taps carried out once per output channel (the
        # positions stay symbolic), then every position substituted.
        layer_u = instantiate(layer.output(o, i, claimed(o)), {**sizes, o: u})
        for t in range(sizes[layer.L]):
            record(forward, {**sizes, o: u, i: t}, layer_u.xreplace({i: t}), y[u, t])
        for v in range(x.rows):
            block_uv = instantiate(block, {**sizes, o: u, c: v})
            for t, r in positions:
                case = {**sizes, o: u, i: t, c: v, j: r}
                record(blocks, case, block_uv.xreplace({i: t, j: r}), sympy.diff(y[u, t], x[v, r]))
        record(biases, {**sizes, o: u}, bias_gradient(layer, o), grad_b[u])
        for v, r in itertools.product(range(sizes[layer.c_in]), range(sizes[layer.n])):
            record(weights, {**sizes, o: u, e: v, q: r}, weight, grad_w[u, v, r])
