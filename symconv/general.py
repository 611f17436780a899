"""Proofs for every size at once: the convolution identities with symbolic m, n, s, d, p.

Each theorem is a function returning a :class:`GeneralProof`: a chain of steps
``before = after``, each justified by one law whose rewriting SymPy (or a rule of
:mod:`symconv.summation`) actually carries out on ``before``; the step holds only if the
result equals the stated ``after`` and, instantiated at a few concrete sizes and indices,
both sides agree. Every theorem ends with steps comparing its statement, instantiated, to
the concrete machinery (:func:`symconv.conv1d`, :func:`symconv.conv_matrix`,
:func:`symconv.conv1d_grads`, :func:`symconv.band`, :func:`symconv.conv_settings`).

The statements take the claim under test as an argument (a column index, a tie set, a
length formula, a gradient, a kernel index), so a deliberately wrong claim can be fed in
and must come out ``holds == False``.

Notation: input ``x`` of length ``m``, kernel ``w`` of length ``n``, stride ``s``,
dilation ``d``, padding ``p`` zeros on each side (``p_l``, ``p_r`` in the two-sided
length theorem), ``L`` outputs, upstream gradient ``g``. Output ``i`` reads the input at
``i*s + k*d - p`` for tap ``k``; a tap outside ``0..m-1`` reads padding. ``[c]`` is an
Iverson bracket, printed by SymPy as ``Piecewise((f, c), (0, True))``. Two-dimensional
versions index every symbol by axis (``m_1, m_2``...).

Examples
========

>>> from symconv.general import prove_banded_product
>>> proof = prove_banded_product()
>>> proof.holds
True
>>> [step.name for step in proof.steps][:3]
['definition of T', 'distributivity', 'interchange the sums']
>>> layer = proof_symbols()
>>> i, k, s, d, p = layer.i[0], layer.k[0], layer.s[0], layer.d[0], layer.p[0]
>>> wrong = prove_banded_product(column=i*s + k*d - p + 1)   # a wrong shift
>>> wrong.holds, wrong.first_failure.name
(False, 'sifting over j')
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sympy
from sympy import (
    Derivative,
    Expr,
    Indexed,
    IndexedBase,
    KroneckerDelta,
    Matrix,
    Mul,
    Product,
    S,
    Sum,
    Symbol,
    floor,
    oo,
)

from symconv.banded import BandedMatrix, band
from symconv.conv2d import band2d, conv2d, conv2d_grads
from symconv.engine import same
from symconv.gradients import conv1d_grads
from symconv.latex import LINE_BUDGET, escape_text, estimate_width
from symconv.proof import Proof, Step, check
from symconv.settings import conv_settings
from symconv.sliding import conv1d
from symconv.summation import (
    Iverson,
    absorb_factors,
    between,
    bracket,
    condition_latex,
    divides,
    forall_bracket,
    indexed_to_symbols,
    instantiate,
    isolate_index,
    refine_brackets,
    reindex,
    restrict_sum,
    sum_kronecker,
    sums_equal,
    swap_sums,
    unevaluated_bracket,
)
from symconv.transposed import conv_transpose1d, conv_transpose2d
from symconv.vectors import symbolic_vector

Case = Mapping[Expr, int]

#: The concrete function names the checks cite, by number of axes.
CONV = {1: "conv1d", 2: "conv2d"}
GRADS = {1: "conv1d_grads", 2: "conv2d_grads"}
BAND = {1: "band", 2: "band2d"}

# --- the symbols ------------------------------------------------------------------------


@dataclass(frozen=True)
class Layer:
    """The symbols of a convolution over ``dims`` axes, every size symbolic.

    One entry per axis in each tuple: input lengths ``m``, kernel lengths ``n``, strides
    ``s``, dilations ``d``, paddings ``p``, output lengths ``L`` (an abbreviation whose
    value :func:`prove_output_length` proves), and the indices: output ``i``, input
    ``j``, tap ``k``, weight ``q`` and input ``r`` (of a gradient), row ``a`` and column
    ``b`` of the untied matrix ``U``, and ``t`` (of a text-book convolution).
    """

    dims: int
    m: tuple[Symbol, ...]
    n: tuple[Symbol, ...]
    s: tuple[Symbol, ...]
    d: tuple[Symbol, ...]
    p: tuple[Symbol, ...]
    L: tuple[Symbol, ...]
    i: tuple[Symbol, ...]
    j: tuple[Symbol, ...]
    k: tuple[Symbol, ...]
    q: tuple[Symbol, ...]
    r: tuple[Symbol, ...]
    a: tuple[Symbol, ...]
    b: tuple[Symbol, ...]
    t: tuple[Symbol, ...]
    x: IndexedBase = IndexedBase("x")
    w: IndexedBase = IndexedBase("w")
    g: IndexedBase = IndexedBase("g")
    T: IndexedBase = IndexedBase("T")
    U: IndexedBase = IndexedBase("U")

    @property
    def axes(self) -> range:
        return range(self.dims)

    def tap(self, i: Sequence[Expr], k: Sequence[Expr]) -> tuple[Expr, ...]:
        """The input index output ``i`` reads at tap ``k``: ``i*s + k*d - p`` per axis."""
        return tuple(i[a] * self.s[a] + k[a] * self.d[a] - self.p[a] for a in self.axes)

    def room(self, axis: int) -> Expr:
        """``m + 2p - d(n-1) - 1``: how far the last window may start; ``>= 0`` exactly
        when the layer has an output (assumed throughout)."""
        a = axis
        return self.m[a] + 2 * self.p[a] - self.d[a] * (self.n[a] - 1) - 1

    def length(self, axis: int) -> Expr:
        """``L = floor((m + 2p - d(n-1) - 1)/s) + 1``, the output length on one axis."""
        return floor(self.room(axis) / self.s[axis]) + 1

    @property
    def lengths(self) -> dict[Symbol, Expr]:
        return {self.L[a]: self.length(a) for a in self.axes}

    @property
    def facts(self) -> tuple[Expr, ...]:
        """Expressions assumed ``>= 0``: every axis has at least one output."""
        return tuple(self.room(a) for a in self.axes)

    def total(self, summand: Expr, indices: Sequence[Symbol], last: Sequence[Expr]) -> Expr:
        """``sum_{indices[0]=0}^{last[0]} ... summand``, first axis outermost."""
        for a in reversed(range(len(indices))):
            summand = Sum(summand, (indices[a], 0, last[a]))
        return summand

    def entry(self, i: Sequence[Expr], j: Sequence[Expr]) -> Expr:
        """``T[i, j] = sum_k w_k [j = i*s + k*d - p]`` (a product of deltas, one per axis)."""
        deltas = Mul(*[KroneckerDelta(j[a], c) for a, c in enumerate(self.tap(i, self.k))])
        return self.total(self.w[self.k] * deltas, self.k, [n - 1 for n in self.n])

    def sliding(
        self,
        kernel: Expr,
        signal: IndexedBase,
        i: Sequence[Expr],
        sizes: Sequence[Expr],
        *,
        column: Sequence[Expr] | None = None,
    ) -> Expr:
        """``sum_k kernel(k) signal[c] [0 <= c < sizes]`` with ``c = column`` (default the
        tap ``i*s + k*d - p``): a sliding dot product whose padding reads zeros."""
        c = self.tap(i, self.k) if column is None else tuple(column)
        inside = [between(c[a], 0, sizes[a] - 1) for a in self.axes]
        return self.total(kernel * bracket(signal[c], *inside), self.k, [n - 1 for n in self.n])

    def loss(self, matrix: Callable[[Sequence[Expr], Sequence[Expr]], Expr]) -> Expr:
        """``sum_i g_i sum_j M[i, j] x_j``: the linear loss of the layer ``y = M x``."""
        rows = [length - 1 for length in self.L]
        columns = [m - 1 for m in self.m]
        inner = self.total(matrix(self.i, self.j) * self.x[self.j], self.j, columns)
        return self.total(self.g[self.i] * inner, self.i, rows)


def _axis_symbols(name: str, dims: int, **assumptions: bool) -> tuple[Symbol, ...]:
    if dims == 1:
        return (Symbol(name, **assumptions),)
    return tuple(Symbol(f"{name}_{a + 1}", **assumptions) for a in range(dims))


def proof_symbols(dims: int = 1) -> Layer:
    """The symbols the theorems use, for one axis (``m, n, s, d, p``...) or two
    (``m_1, m_2``...).

    >>> layer = proof_symbols()
    >>> layer.tap(layer.i, layer.k), layer.length(0)
    ((d*k + i*s - p,), floor((-d*(n - 1) + m + 2*p - 1)/s) + 1)
    >>> proof_symbols(2).m
    (m_1, m_2)
    """
    if isinstance(dims, bool) or dims not in (1, 2):
        raise ValueError(f"dims must be 1 or 2 (axes of the convolution), got {dims!r}")
    positive = {"integer": True, "positive": True}
    return Layer(
        dims=dims,
        m=_axis_symbols("m", dims, **positive),
        n=_axis_symbols("n", dims, **positive),
        s=_axis_symbols("s", dims, **positive),
        d=_axis_symbols("d", dims, **positive),
        p=_axis_symbols("p", dims, integer=True, nonnegative=True),
        L=_axis_symbols("L", dims, **positive),
        **{
            name: _axis_symbols(name, dims, integer=True)
            for name in ("i", "j", "k", "q", "r", "a", "b", "t")
        },
    )


# --- proofs whose steps are rewritings ----------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A rewriting a step applies to its left side: a name for the reader and the function."""

    name: str
    apply: Callable[[Expr], Expr]

    def __call__(self, expr: Expr) -> Expr:
        return self.apply(expr)


#: The laws the steps use: plain text (for ``Step.law``) and LaTeX (for the report).
LAWS: dict[str, tuple[str, str]] = {
    "definition": ("substitute the definition", r"substitute the definition"),
    "distributivity": (
        "a * sum_k f_k = sum_k a f_k",
        r"$a\sum_k f_k = \sum_k a f_k$ (distributivity)",
    ),
    "interchange": (
        "finite sums with independent ranges commute",
        r"finite sums with independent ranges commute",
    ),
    "sifting": (
        "sum_{j=lo}^{hi} f(j) [j = c] = f(c) [lo <= c <= hi]",
        r"$\sum_{j=a}^{b} f(j)\,\delta_{j,c} = f(c)\,[a \le c \le b]$ (sifting)",
    ),
    "sifting with a coefficient": (
        "sum_i f(i) [a i = c] = f(c/a) [a divides c] [lo <= c/a <= hi]",
        r"$\sum_{i} f(i)\,\delta_{a i, c} = f(c/a)\,[a \mid c]\,[\ldots]$ "
        r"(sifting; the coefficient keeps a divisibility bracket)",
    ),
    "in range": (
        "a bracket whose condition holds for every index in range is 1",
        r"the bracket holds for every index in range, so it is 1",
    ),
    "derivative": (
        "differentiate term by term: an entry's derivative by an entry is a Kronecker delta, "
        "d w_k / d w_q = [k = q]",
        r"differentiate term by term: an entry's derivative by an entry is a Kronecker "
        r"delta, $\partial w_k / \partial w_q = \delta_{k,q}$",
    ),
    "monotone taps": (
        "the taps i*s + k*d - p increase with k (d > 0): the window lies inside exactly "
        "when its first and last taps do",
        r"the taps $i s + k d - p$ increase with $k$ ($d > 0$): the window lies inside "
        r"exactly when its first and last taps do",
    ),
    "integer floor": (
        "for integers i and s > 0: i*s <= y exactly when i <= floor(y/s)",
        r"for integers $i$ and $s > 0$: $i s \le y \iff i \le \lfloor y/s \rfloor$",
    ),
    "cut the range": (
        "a bracket on the index cuts the range of the sum",
        r"a bracket on the index cuts the range of the sum",
    ),
    "count": ("sum_{i=0}^{N} 1 = N + 1", r"$\sum_{i=0}^{N} 1 = N + 1$"),
    "division": (
        "0 <= y - s*floor(y/s) <= s - 1 for integers y and s > 0",
        r"$0 \le y - s\lfloor y/s \rfloor \le s - 1$ for integers $y$ and $s > 0$",
    ),
    "symmetric padding": ("set p_l = p_r = p", r"set $p_l = p_r = p$"),
    "chain rule": (
        "chain rule through U = T(w): dL/dw_q = sum_{i,j} dL/dU_ij * dT_ij/dw_q",
        r"chain rule through $U = T(w)$: "
        r"$\frac{\partial L}{\partial w_q} = \sum_{i,j} \frac{\partial L}{\partial U_{ij}}"
        r"\frac{\partial T_{ij}}{\partial w_q}$",
    ),
    "specialise": ("substitute the sizes", r"substitute the sizes"),
    "reverse the index": (
        "substitute k -> n - 1 - k (the sum runs over the same range backwards)",
        r"substitute $k \to n - 1 - k$ (the same range, backwards)",
    ),
    "product of sums": (
        "a product of sums is the double sum",
        r"a product of sums is the double sum",
    ),
}


def law(key: str) -> tuple[str, str]:
    """The (text, LaTeX) pair of a law in :data:`LAWS` (KeyError naming the known ones)."""
    if key not in LAWS:
        raise KeyError(f"no law {key!r}; known laws are {sorted(LAWS)}")
    return LAWS[key]


def describe_case(case: Case) -> str:
    return ", ".join(f"{symbol}={value}" for symbol, value in case.items())


def derive(
    name: str,
    before: Expr,
    after: Expr,
    rule: Rule,
    law_key: str,
    cases: Sequence[Case] = (),
    *,
    cap: int = 64,
) -> Step:
    """The step ``before = after``: ``rule(before)`` must equal ``after``
    (:func:`symconv.summation.sums_equal`), and both sides, instantiated at every case
    (sizes and free indices), must agree with every sum carried out.

    >>> from sympy import symbols
    >>> a = symbols("a")
    >>> step = derive("expand", (a + 1)**2, a**2 + 2*a + 1, Rule("expand", sympy.expand),
    ...               "definition")
    >>> step.holds, step.method
    (True, 'expand, then identical')
    """
    text, latex_law = law(law_key)
    result = rule(before)
    holds, how = sums_equal(result, after)
    mismatch: tuple[Any, Expr, Expr] | None = None if holds else ("symbolic", result, after)
    agreed = 0
    if holds:
        for case in cases:
            left, right = instantiate(before, case, cap), instantiate(after, case, cap)
            if not same(left, right)[0]:
                holds, mismatch = False, (describe_case(case), left, right)
                break
            agreed += 1
    method = f"{rule.name}, then {how}"
    if cases:
        method += f"; both sides agree at {agreed} of {len(cases)} instances"
    return Step(
        name,
        (before,),
        (after,),
        holds,
        method,
        text,
        (),
        mismatch,
        {"rule": rule.name, "result": result, "law_latex": latex_law, "instances": agreed},
    )


@dataclass(frozen=True)
class GeneralProof(Proof):
    """A :class:`~symconv.proof.Proof` for every size: its statement as equations
    (``claims``), the abbreviations it uses (``definitions``) and its assumptions in
    LaTeX, so it renders as a proof a reader can follow (:func:`general_proof_latex`)."""

    claims: tuple[tuple[Expr, Expr], ...] = ()
    definitions: tuple[tuple[Expr, Expr], ...] = ()
    assumptions_latex: tuple[str, ...] = ()
    statement_latex: str = ""

    def to_latex(self, **options: Any) -> str:
        """The proof as a LaTeX fragment: statement, assumptions, numbered steps."""
        return general_proof_latex(self, **options)


def assumptions_for(
    layer: Layer, *, two_sided: bool = False
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The standing assumptions, as (text, LaTeX)."""
    if layer.dims == 1:
        pad = "p_l, p_r" if two_sided else "p"
        pad_tex = r"p_l, p_r" if two_sided else "p"
        room = "m + p_l + p_r >= d(n-1) + 1" if two_sided else "m + 2p >= d(n-1) + 1"
        room_tex = r"m + p_l + p_r \ge d(n-1) + 1" if two_sided else r"m + 2p \ge d(n-1) + 1"
        text = (
            f"m, n, s, d are integers >= 1 and {pad} integers >= 0",
            f"{room}: the padded input holds at least one window",
            "x_j, w_k, g_i are arbitrary (symbolic) entries",
        )
        tex = (
            rf"$m, n, s, d \in \mathbb{{Z}}_{{\ge 1}}$ and ${pad_tex} \in \mathbb{{Z}}_{{\ge 0}}$",
            rf"${room_tex}$: the padded input holds at least one window",
            r"$x_j$, $w_k$, $g_i$ are arbitrary (symbolic) entries",
        )
        return text, tex
    text = (
        "on each axis a: m_a, n_a, s_a, d_a are integers >= 1 and p_a an integer >= 0",
        "m_a + 2 p_a >= d_a (n_a - 1) + 1 on each axis: at least one window fits",
        "x, w, g are arbitrary (symbolic) 2-D arrays",
    )
    tex = (
        r"on each axis $a$: $m_a, n_a, s_a, d_a \in \mathbb{Z}_{\ge 1}$, "
        r"$p_a \in \mathbb{Z}_{\ge 0}$",
        r"$m_a + 2 p_a \ge d_a (n_a - 1) + 1$ on each axis: at least one window fits",
        r"$x$, $w$, $g$ are arbitrary (symbolic) 2-D arrays",
    )
    return text, tex


#: Each theorem's statement in LaTeX (the plain-text one is in ``Proof.statement``).
STATEMENTS: dict[str, str] = {
    "length": (
        r"Output $i$ reads the padded input at $i s + k d - p_l$, $k = 0, \dots, n - 1$ "
        r"(the input is $0, \dots, m - 1$; $p_l$ zeros precede it and $p_r$ follow). Its "
        r"window lies inside the padded input exactly when "
        r"$0 \le i \le \lfloor (m + p_l + p_r - d(n-1) - 1)/s \rfloor$, so the layer has "
        r"$L_{\mathrm{out}} = \lfloor (m + p_l + p_r - d(n-1) - 1)/s \rfloor + 1$ outputs; "
        r"with $p_l = p_r = p$, $\lfloor (m + 2p - d(n-1) - 1)/s \rfloor + 1$."
    ),
    "banded": (
        r"With the banded matrix $T_{ij} = \sum_k w_k\,[j = i s + k d - p]$, every output "
        r"$i$ satisfies $\sum_j T_{ij} x_j = \sum_k w_k\, x_{i s + k d - p}$ over the taps "
        r"that land in the input ($0 \le i s + k d - p \le m - 1$; the others read padding "
        r"zeros). With $p = 0$ every tap of every output $0 \le i \le L - 1$ lands in the input."
    ),
    "tied": (
        r"For the loss $\ell = \sum_i g_i y_i$ of the layer $y = T(w)\,x$: "
        r"$\partial \ell / \partial w_q = \sum_i g_i\, x_{i s + q d - p}$ (taps in range), and "
        r"this is the sum of the untied gradients $\partial \ell / \partial U_{ij} = g_i x_j$ "
        r"over the tie set $\{(i, j) : j = i s + q d - p\}$ of $w_q$."
    ),
    "input": (
        r"For $\ell = \sum_i g_i y_i$: $\partial \ell / \partial x_r = \sum_i T_{ir}\, g_i = "
        r"(T^{\mathsf T} g)_r$. Summed over the outputs first, only $i = (r - k d + p)/s$ "
        r"with $s \mid r - k d + p$ remains (the transposed, strided convolution); for "
        r"$s = d = 1$, $p = 0$ it is the full cross-correlation of $g$ (length $m - n + 1$) "
        r"with the flipped kernel $w_{n-1-k}$."
    ),
    "flip": (
        r"Convolution runs the kernel index against the input index: "
        r"$\sum_k w_k\, x_{i s + (n-1-k) d - p} = \sum_k w_{n-1-k}\, x_{i s + k d - p}$ "
        r"(taps in range), the cross-correlation with the reversed kernel. For $s = d = 1$, "
        r"$p = n - 1$ it is the text-book full convolution $(x * w)_t = \sum_j x_j w_{t-j}$."
    ),
}

#: How a 2-D statement reads the 1-D one.
IN_2D = (
    r"In 2-D every index is a pair, one per axis, and every bracket and delta a product "
    r"over the axes. "
)


def statement_for(key: str, layer: Layer) -> str:
    return (IN_2D if layer.dims == 2 else "") + STATEMENTS[key]


# --- sizes to instantiate -----------------------------------------------------------------

#: Concrete layers every theorem is instantiated at: (m, n, s, d, p) per axis.
SIZES_1D: tuple[tuple[int, int, int, int, int], ...] = (
    (5, 3, 1, 1, 0),
    (7, 3, 2, 1, 1),
    (6, 2, 2, 2, 2),
)
SIZES_2D: tuple[tuple[tuple[int, int], ...], ...] = (
    ((3, 4), (2, 2), (1, 2), (1, 1), (0, 1)),
    ((4, 3), (2, 2), (2, 1), (1, 2), (1, 0)),
)


def size_grid(layer: Layer) -> list[dict[Symbol, int]]:
    """The sizes of :data:`SIZES_1D` or :data:`SIZES_2D` as substitutions, ``L`` included."""
    grid = []
    rows: Iterable[Sequence[Sequence[int]]]
    if layer.dims == 1:
        rows = [[(v,) for v in row] for row in SIZES_1D]
    else:
        rows = SIZES_2D
    for m, n, s, d, p in rows:
        values: dict[Symbol, int] = {}
        for a in layer.axes:
            values.update(
                {
                    layer.m[a]: m[a],
                    layer.n[a]: n[a],
                    layer.s[a]: s[a],
                    layer.d[a]: d[a],
                    layer.p[a]: p[a],
                }
            )
            values[layer.L[a]] = int(layer.length(a).subs(values))
        grid.append(values)
    return grid


def resized(
    layer: Layer, grid: Sequence[Case], **per_axis: Callable[[Case, int], int]
) -> list[dict[Expr, int]]:
    """The grid with some sizes replaced on every axis (``stride=lambda sizes, axis: 1``;
    keys ``stride``, ``dilation``, ``padding``) and the output lengths ``L`` recomputed,
    so a specialisation (valid padding, ``s = d = 1``...) is checked at every size."""
    names = {"stride": layer.s, "dilation": layer.d, "padding": layer.p}
    unknown = sorted(set(per_axis) - set(names))
    if unknown:
        raise TypeError(f"resized takes {sorted(names)}, got {unknown}")
    changed = []
    for sizes in grid:
        values = dict(sizes)
        for name, value in per_axis.items():
            for a in layer.axes:
                values[names[name][a]] = value(sizes, a)
        for a in layer.axes:
            values[layer.L[a]] = int(layer.length(a).subs(values))
        changed.append(values)
    return changed


def _spread(last: int) -> list[int]:
    """First, middle and last of ``0..last``."""
    return sorted({0, last // 2, last})


#: At most this many spot-check instances per step: instantiating a 2-D sum of sums
#: term by term is what a proof spends its time on.
MAX_CASES = {1: 24, 2: 12}


def evenly(cases: Sequence[dict[Expr, int]], limit: int) -> list[dict[Expr, int]]:
    """At most ``limit`` of ``cases``, spread evenly and keeping the first and last."""
    if len(cases) <= limit:
        return list(cases)
    positions = {round(e * (len(cases) - 1) / (limit - 1)) for e in range(limit)}
    return [cases[e] for e in sorted(positions)]


def cases_for(
    layer: Layer, free: Mapping[str, str], grid: Sequence[Case] | None = None
) -> list[dict[Expr, int]]:
    """Substitutions for the spot checks: every size of the grid, with each free index
    (``free`` maps an index name to the size it runs below: "L", "n" or "m") at its first,
    middle and last value; at most :data:`MAX_CASES` of them, spread evenly."""
    cases = []
    for sizes in grid if grid is not None else size_grid(layer):
        ranges = []
        for name, bound in free.items():
            for a in layer.axes:
                top = sizes[getattr(layer, bound)[a]] - 1
                ranges.append([(getattr(layer, name)[a], v) for v in _spread(top)])
        for choice in itertools.product(*ranges):
            cases.append({**sizes, **dict(choice)})
    return evenly(cases, MAX_CASES[layer.dims])


def as_columns(
    layer: Layer, value: Expr | Sequence[Expr] | None, default: Sequence[Expr]
) -> tuple[Expr, ...]:
    if value is None:
        return tuple(default)
    columns = (value,) if isinstance(value, Expr) else tuple(value)
    if len(columns) != layer.dims:
        raise ValueError(
            f"need one index expression per axis ({layer.dims}), got {len(columns)}: {columns}"
        )
    return columns


# --- concrete references -----------------------------------------------------------------


def concrete_arrays(layer: Layer, sizes: Case) -> tuple[Matrix, Matrix, Matrix]:
    """Symbolic x, w, g of the instantiated sizes, named as the instantiated proof names
    them (``x0`` or ``x0_1``)."""
    m = [sizes[v] for v in layer.m]
    n = [sizes[v] for v in layer.n]
    L = [sizes[v] for v in layer.L]
    if layer.dims == 1:
        return symbolic_vector("x", m[0]), symbolic_vector("w", n[0]), symbolic_vector("g", L[0])

    def grid(name: str, rows: int, cols: int) -> Matrix:
        return Matrix(rows, cols, lambda u, v: Symbol(f"{name}{u}_{v}"))

    return grid("x", *m), grid("w", *n), grid("g", *L)


def options(layer: Layer, sizes: Case) -> dict[str, Any]:
    """Stride, padding and dilation for the concrete functions: ints in 1-D, pairs in 2-D."""

    def value(symbols: tuple[Symbol, ...]) -> Any:
        values = tuple(sizes[v] for v in symbols)
        return values[0] if layer.dims == 1 else values

    return {"stride": value(layer.s), "padding": value(layer.p), "dilation": value(layer.d)}


def reference_outputs(layer: Layer, sizes: Case, x: Matrix, w: Matrix, **extra: Any) -> Matrix:
    """The layer's outputs from the concrete machinery: :func:`symconv.conv1d` or
    :func:`symconv.conv2d`."""
    settings = {**options(layer, sizes), **extra}
    return conv1d(x, w, **settings) if layer.dims == 1 else conv2d(x, w, **settings)


def reference_gradients(
    layer: Layer, sizes: Case, x: Matrix, w: Matrix, g: Matrix
) -> tuple[Matrix, Matrix]:
    """``(dL/dx, dL/dw)`` of ``L = sum g * y`` from :func:`symconv.conv1d_grads` or
    :func:`symconv.conv2d_grads`."""
    if layer.dims == 1:
        return conv1d_grads(x, w, g, **options(layer, sizes))
    return conv2d_grads(x, w, g, **options(layer, sizes))


def reference_band(layer: Layer, sizes: Case, w: Matrix) -> BandedMatrix:
    """The band of T from :func:`symconv.band` or :func:`symconv.band2d` (2-D indices
    flattened row-major)."""
    if layer.dims == 1:
        return band(w, sizes[layer.m[0]], **options(layer, sizes))
    return band2d(w, (sizes[layer.m[0]], sizes[layer.m[1]]), **options(layer, sizes))


def flat(layer: Layer, index: Sequence[int], shape: Sequence[Symbol], sizes: Case) -> int:
    """Row-major position of a (1- or 2-D) index in an array of the given symbolic shape."""
    position = 0
    for a in layer.axes:
        position = position * sizes[shape[a]] + index[a]
    return position


def entry_of(array: Matrix, index: Sequence[int]) -> Expr:
    return array[index[0]] if len(index) == 1 else array[index[0], index[1]]


def index_grid(layer: Layer, name: str, sizes: Case) -> list[tuple[int, ...]]:
    """Every value of the index ``name`` ("i", "q" or "r") at these sizes."""
    bound = {"i": layer.L, "q": layer.n, "r": layer.m}[name]
    return list(itertools.product(*[range(sizes[v]) for v in bound]))


def concrete_step(
    name: str,
    layer: Layer,
    index: str,
    statement: Expr,
    reference: Callable[[Case], Matrix],
    description: str,
    grid: Sequence[Case] | None = None,
) -> Step:
    """Instantiate ``statement`` (free in the index ``index``) at every size of the grid
    and every index value, and compare with ``reference(sizes)``, the concrete result."""
    left, right, labels = [], [], []
    for sizes in grid if grid is not None else size_grid(layer):
        expected = reference(sizes)
        for value in index_grid(layer, index, sizes):
            case = {**sizes, **dict(zip(getattr(layer, index), value, strict=True))}
            left.append(indexed_to_symbols(instantiate(statement, case)))
            right.append(entry_of(expected, value))
            labels.append(describe_case(case))
    return check(name, left, right, law=description, labels=labels)


# --- rules ---------------------------------------------------------------------------------


def expand_definition(base: IndexedBase, meaning: Callable[..., Expr]) -> Rule:
    """Replace every ``base[...]`` by ``meaning(*indices)``."""

    def apply(expr: Expr) -> Expr:
        return expr.replace(
            lambda e: isinstance(e, Indexed) and e.base == base,
            lambda e: meaning(*e.indices),
        )

    return Rule(f"definition of {base}", apply)


def sift(indices: Sequence[Symbol]) -> Rule:
    def apply(expr: Expr) -> Expr:
        for index in reversed(indices):
            expr = sum_kronecker(expr, index)
        return expr

    return Rule(f"sum_kronecker over {', '.join(map(str, indices))}", apply)


def refine_with(bounds: Mapping[Expr, tuple[Expr, Expr]], facts: Sequence[Expr] = ()) -> Rule:
    shown = ", ".join(f"{lo} <= {v} <= {hi}" for v, (lo, hi) in bounds.items())
    return Rule(f"refine_brackets({shown})", lambda e: refine_brackets(e, bounds, facts))


def swap(outer: Sequence[Symbol], inner: Sequence[Symbol]) -> Rule:
    return Rule(
        f"swap_sums({', '.join(map(str, outer))} <-> {', '.join(map(str, inner))})",
        lambda e: swap_sums(e, outer, inner),
    )


def substitute(values: Mapping[Expr, Expr]) -> Rule:
    shown = ", ".join(f"{k} = {v}" for k, v in values.items())
    return Rule(f"subs({shown})", lambda e: e.subs(dict(values)))


def reverse_kernel(layer: Layer) -> Rule:
    def apply(expr: Expr) -> Expr:
        for a in layer.axes:
            expr = reindex(expr, layer.k[a], layer.n[a] - 1 - layer.k[a])
        return expr

    return Rule("Sum.change_index(k, n - 1 - k)", apply)


DIFFERENTIATE = Rule("Derivative.doit(deep=False)", lambda e: e.doit(deep=False))
DISTRIBUTE = Rule("absorb_factors", absorb_factors)
IDENTITY = Rule("normal_form", lambda e: e)
DOIT = Rule("Sum.doit", lambda e: e.doit())


# --- theorem 1: the output length ---------------------------------------------------------


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
    text, tex = assumptions_for(layer, two_sided=True)
    return GeneralProof(
        statement_latex=statement_for("length", layer),
        title="Output length" + (" in 2-D" if dims == 2 else ""),
        statement=(
            "Output i reads the padded input at i*s + k*d - p_l for k = 0..n-1. The outputs "
            "whose window lies inside the padded input are i = 0..floor((m + p_l + p_r - "
            "d(n-1) - 1)/s), so there are L_out = floor((m + p_l + p_r - d(n-1) - 1)/s) + 1 "
            "of them; with p_l = p_r = p, floor((m + 2p - d(n-1) - 1)/s) + 1."
        ),
        steps=steps,
        assumptions=text,
        claims=tuple(claims),
        assumptions_latex=tex,
    )


# --- theorem 2: sliding dot product == banded matrix product ------------------------------


def prove_banded_product(
    dims: int = 1, *, column: Expr | Sequence[Expr] | None = None
) -> GeneralProof:
    """Theorem 2: with ``T[i, j] = sum_k w_k [j = i*s + k*d - p]``,
    ``sum_j T[i, j] x_j == sum_k w_k x_{i*s + k*d - p} [0 <= i*s + k*d - p <= m - 1]``
    for every output ``i``: the banded product is the sliding dot product over the
    in-range taps (padding reads zeros). With ``p = 0`` every tap is in range.

    ``column`` is the claimed input index of tap ``k`` of output ``i`` (default the true
    ``i*s + k*d - p``).

    >>> proof = prove_banded_product()
    >>> proof.step("sifting over j").holds
    True
    """
    layer = proof_symbols(dims)
    i, j, k = layer.i, layer.j, layer.k
    cols = as_columns(layer, column, layer.tap(i, k))
    last_j = [m - 1 for m in layer.m]
    last_k = [n - 1 for n in layer.n]
    deltas = Mul(*[KroneckerDelta(j[a], c) for a, c in enumerate(layer.tap(i, k))])
    product = layer.total(layer.T[i + j] * layer.x[j], j, last_j)
    defined = layer.total(layer.entry(i, j) * layer.x[j], j, last_j)
    distributed = layer.total(layer.total(layer.w[k] * deltas * layer.x[j], k, last_k), j, last_j)
    swapped = layer.total(layer.total(layer.w[k] * deltas * layer.x[j], j, last_j), k, last_k)
    sliding = layer.sliding(layer.w[k], layer.x, i, layer.m, column=cols)
    cases = cases_for(layer, {"i": "L"})
    valid = {v: 0 for v in layer.p}
    valid_lengths = {a_: length.subs(valid) for a_, length in layer.lengths.items()}
    valid_bounds = {i[a]: (0, valid_lengths[layer.L[a]] - 1) for a in layer.axes}
    valid_sliding = layer.total(layer.w[k] * layer.x[tuple(c.subs(valid) for c in cols)], k, last_k)
    valid_grid = resized(layer, size_grid(layer), padding=lambda sizes, a: 0)
    valid_cases = cases_for(layer, {"i": "L"}, valid_grid)
    steps = [
        derive(
            "definition of T",
            product,
            defined,
            expand_definition(layer.T, lambda *ij: layer.entry(ij[: layer.dims], ij[layer.dims :])),
            "definition",
        ),
        derive("distributivity", defined, distributed, DISTRIBUTE, "distributivity", cases),
        derive("interchange the sums", distributed, swapped, swap(j, k), "interchange", cases),
        derive("sifting over j", swapped, sliding, sift(j), "sifting", cases),
        derive(
            "valid padding: every tap is in range",
            sliding.subs(valid),
            valid_sliding,
            refine_with(valid_bounds, [f.subs(valid) for f in layer.facts]),
            "in range",
            valid_cases,
        ),
    ]

    def outputs(sizes: Case) -> Matrix:
        x, w, _ = concrete_arrays(layer, sizes)
        return reference_outputs(layer, sizes, x, w)

    def banded(sizes: Case) -> Matrix:
        x, w, _ = concrete_arrays(layer, sizes)
        product = reference_band(layer, sizes, w).matvec(list(x))
        return Matrix(*[sizes[v] for v in layer.L], product) if dims == 2 else Matrix(product)

    steps.append(
        concrete_step(
            "agrees with the sliding dot product",
            layer,
            "i",
            sliding,
            outputs,
            f"symconv.{CONV[dims]} at concrete sizes",
        )
    )
    steps.append(
        concrete_step(
            "agrees with the banded matrix",
            layer,
            "i",
            defined,
            banded,
            f"symconv.{BAND[dims]}(w, m) times x at concrete sizes",
        )
    )
    text, tex = assumptions_for(layer)
    return GeneralProof(
        statement_latex=statement_for("banded", layer),
        title="Sliding dot product = banded matrix product" + (" in 2-D" if dims == 2 else ""),
        statement=(
            "For every output i: sum_j T[i,j] x_j equals the sliding dot product "
            "sum_k w_k x_{i*s + k*d - p} over the taps that land in 0..m-1, where "
            "T[i,j] = sum_k w_k [j = i*s + k*d - p]; with p = 0 no tap is dropped."
        ),
        steps=steps,
        assumptions=text,
        claims=((product, sliding), (sliding.subs(valid), valid_sliding)),
        definitions=((layer.T[i + j], layer.entry(i, j)),),
        assumptions_latex=tex,
    )


# --- theorem 3: tied weights -------------------------------------------------------------


def prove_tied_gradient(dims: int = 1, *, tie: Callable[..., Expr] | None = None) -> GeneralProof:
    """Theorem 3: for ``L = sum_i g_i y_i``, ``y = T(w) x``,
    ``dL/dw_q == sum_i g_i x_{i*s + q*d - p}`` (in-range taps), and this is the sum of
    ``dL/dU_ij = g_i x_j`` over the tie set ``{(i, j): j = i*s + q*d - p}`` of ``w_q``.

    ``tie(i, j, q)`` is the claimed indicator of the tie set (tuples of indices per axis;
    default the product of ``KroneckerDelta(j, i*s + q*d - p)``).

    >>> proof = prove_tied_gradient()
    >>> proof.step("the chain rule sums over the tie set").holds
    True
    """
    layer = proof_symbols(dims)
    i, j, k, q, a, b = layer.i, layer.j, layer.k, layer.q, layer.a, layer.b
    last_i = [length - 1 for length in layer.L]
    last_j = [m - 1 for m in layer.m]
    last_k = [n - 1 for n in layer.n]

    def true_tie(i_: Sequence[Expr], j_: Sequence[Expr], q_: Sequence[Expr]) -> Expr:
        return Mul(*[KroneckerDelta(j_[x], c) for x, c in enumerate(layer.tap(i_, q_))])

    claimed_tie = tie if tie is not None else true_tie
    loss = layer.loss(layer.entry)
    untied_loss = layer.loss(lambda i_, j_: layer.U[tuple(i_) + tuple(j_)])
    delta_kq = Mul(*[KroneckerDelta(k[x], q[x]) for x in layer.axes])
    taps = Mul(*[KroneckerDelta(j[x], c) for x, c in enumerate(layer.tap(i, k))])
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
            *[between(c, 0, layer.m[x] - 1) for x, c in enumerate(layer.tap(i, q))],
        ),
        i,
        last_i,
    )
    delta_ia = Mul(*[KroneckerDelta(i[x], a[x]) for x in layer.axes])
    delta_jb = Mul(*[KroneckerDelta(j[x], b[x]) for x in layer.axes])
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
                    left.append(claimed_tie(u, v, weight).subs(sizes))
                    entry = (flat(layer, u, layer.L, sizes), flat(layer, v, layer.m, sizes))
                    right.append(S.One if entry in members else S.Zero)
                    labels.append(
                        describe_case(
                            {**sizes, **dict(zip((*q, *i, *j), (*weight, *u, *v), strict=True))}
                        )
                    )
    steps.append(
        check(
            "agrees with the band's tie sets",
            left,
            right,
            law=f"symconv.{BAND[dims]}(w, m).tie_sets() at concrete sizes",
            labels=labels,
        )
    )
    text, tex = assumptions_for(layer)
    return GeneralProof(
        statement_latex=statement_for("tied", layer),
        title="Tied-weight gradient summation" + (" in 2-D" if dims == 2 else ""),
        statement=(
            "For the loss l = sum_i g_i y_i with y = T(w) x: dl/dw_q = sum_i g_i "
            "x_{i*s + q*d - p} (taps in range), which is the sum of dl/dU_ij = g_i x_j over "
            "the tie set {(i, j): j = i*s + q*d - p} of w_q."
        ),
        steps=steps,
        assumptions=text,
        claims=(
            (Derivative(loss, layer.w[q]), correlation),
            (Derivative(untied_loss, layer.U[a + b]), untied),
            (Derivative(loss, layer.w[q]), chained),
        ),
        definitions=((layer.T[i + j], layer.entry(i, j)),),
        assumptions_latex=tex,
    )


# --- theorem 4: the input gradient is the transposed matrix -------------------------------


def prove_input_gradient(dims: int = 1, *, gradient: Expr | None = None) -> GeneralProof:
    """Theorem 4: ``dL/dx_r == sum_i T[i, r] g_i`` (``T^T g``); with the stride, the
    sum over outputs keeps only ``i = (r - k*d + p)/s`` when ``s`` divides ``r - k*d + p``;
    and for ``s = 1, d = 1, p = 0`` it is the full cross-correlation of ``g`` with the
    flipped kernel.

    ``gradient`` is the claimed ``dL/dx_r`` (in ``r``, summing over ``i``); the default is
    ``sum_i T[i, r] g_i``.

    >>> proof = prove_input_gradient()
    >>> proof.step("the gradient is T^T g").holds
    True
    """
    layer = proof_symbols(dims)
    i, j, k, r = layer.i, layer.j, layer.k, layer.r
    last_i = [length - 1 for length in layer.L]
    last_j = [m - 1 for m in layer.m]
    last_k = [n - 1 for n in layer.n]
    loss = layer.loss(layer.entry)
    transposed = layer.total(layer.entry(i, r) * layer.g[i], i, last_i)
    claimed = transposed if gradient is None else gradient
    delta_jr = Mul(*[KroneckerDelta(j[x], r[x]) for x in layer.axes])
    differentiated = layer.total(
        layer.g[i] * layer.total(delta_jr * layer.entry(i, j), j, last_j), i, last_i
    )
    sifted = layer.total(
        layer.g[i]
        * bracket(layer.entry(i, r), *[between(r[x], 0, layer.m[x] - 1) for x in layer.axes]),
        i,
        last_i,
    )
    deltas_r = Mul(*[KroneckerDelta(r[x], c) for x, c in enumerate(layer.tap(i, k))])
    by_tap = layer.total(layer.w[k] * layer.total(layer.g[i] * deltas_r, i, last_i), k, last_k)
    source = tuple((r[x] - k[x] * layer.d[x] + layer.p[x]) / layer.s[x] for x in layer.axes)
    conditions = []
    for x in layer.axes:
        conditions += [
            between(source[x], 0, layer.L[x] - 1),
            divides(layer.s[x], r[x] - k[x] * layer.d[x] + layer.p[x]),
        ]
    strided = layer.total(layer.w[k] * bracket(layer.g[source], *conditions), k, last_k)
    r_cases = cases_for(layer, {"r": "m"})
    r_bounds = {r[x]: (0, layer.m[x] - 1) for x in layer.axes}
    plain = {**{v: 1 for v in layer.s}, **{v: 1 for v in layer.d}, **{v: 0 for v in layer.p}}
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
    full = {**{v: 1 for v in layer.s}, **{v: 1 for v in layer.d}}
    full.update({layer.p[x]: layer.n[x] - 1 for x in layer.axes})
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
            "the gradient is T^T g", sifted, claimed, refine_with(r_bounds), "in range", r_cases
        ),
        derive(
            "sum over the outputs first", transposed, by_tap, swap(i, k), "interchange", r_cases
        ),
        derive(
            "stride: only outputs with s | r - k d + p",
            by_tap,
            strided,
            sift(i),
            "sifting with a coefficient",
            r_cases,
        ),
        derive(
            "s = d = 1, p = 0", transposed, special, substitute(plain), "specialise", plain_cases
        ),
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
            sift(i),
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
            "agrees with T^T g",
            layer,
            "r",
            claimed,
            transposed_band,
            f"symconv.{BAND[dims]}(w, m).rmatvec(g) at concrete sizes",
        )
    )

    def transposed_convolution(sizes: Case) -> Matrix:
        _, w, g = concrete_arrays(layer, sizes)
        # output_padding restores the input length the floor in L dropped: m - ((L-1)s -
        # 2p + d(n-1) + 1), the remainder of (m + 2p - d(n-1) - 1) by s.
        extra = tuple(
            sizes[layer.m[x]]
            - (
                (sizes[layer.L[x]] - 1) * sizes[layer.s[x]]
                - 2 * sizes[layer.p[x]]
                + sizes[layer.d[x]] * (sizes[layer.n[x]] - 1)
                + 1
            )
            for x in layer.axes
        )
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
            f"symconv.{CONV[dims]}(g, reversed w, padding='full') at s = d = 1, p = 0",
            plain_grid,
        )
    )
    text, tex = assumptions_for(layer)
    return GeneralProof(
        statement_latex=statement_for("input", layer),
        title="Input gradient = transposed matrix" + (" in 2-D" if dims == 2 else ""),
        statement=(
            "For l = sum_i g_i y_i with y = T(w) x: dl/dx_r = sum_i T[i, r] g_i = (T^T g)_r; "
            "summed over the outputs first it keeps the taps with s | r - k*d + p, and for "
            "s = 1, d = 1, p = 0 it is the full cross-correlation of g with the flipped kernel."
        ),
        steps=steps,
        assumptions=text,
        claims=(
            (Derivative(loss, layer.x[r]), claimed),
            (transposed, strided),
            (special, full_correlation),
        ),
        definitions=((layer.T[i + r], layer.entry(i, r)),),
        assumptions_latex=tex,
    )


# --- theorem 5: convolution is cross-correlation with the reversed kernel -----------------


def prove_flip(
    dims: int = 1, *, reversed_index: Expr | Sequence[Expr] | None = None
) -> GeneralProof:
    """Theorem 5: convolution, whose kernel index runs against the input index,
    ``sum_k w_k x_{i*s + (n-1-k)*d - p}``, equals the cross-correlation with the reversed
    kernel ``sum_k w_{n-1-k} x_{i*s + k*d - p}``; for ``s = d = 1``, ``p = n - 1`` it is
    the text-book full convolution ``(x * w)_t = sum_j x_j w_{t-j}``.

    ``reversed_index`` is the claimed index of the reversed kernel (default ``n - 1 - k``).

    >>> prove_flip().holds, prove_flip(reversed_index=proof_symbols().k[0]).holds
    (True, False)
    """
    layer = proof_symbols(dims)
    i, j, k, t = layer.i, layer.j, layer.k, layer.t
    last_j = [m - 1 for m in layer.m]
    last_k = [n - 1 for n in layer.n]
    back = tuple(layer.n[x] - 1 - k[x] for x in layer.axes)
    claimed = as_columns(layer, reversed_index, back)
    reversed_taps = tuple(i[x] * layer.s[x] + back[x] * layer.d[x] - layer.p[x] for x in layer.axes)
    convolution_ = layer.sliding(layer.w[k], layer.x, i, layer.m, column=reversed_taps)
    correlation = layer.sliding(layer.w[claimed], layer.x, i, layer.m)
    full = {**{v: 1 for v in layer.s}, **{v: 1 for v in layer.d}}
    full.update({layer.p[x]: layer.n[x] - 1 for x in layer.axes})
    zero_extended = Mul(*[KroneckerDelta(t[x] - j[x], k[x]) for x in layer.axes])
    textbook = layer.total(
        layer.x[j] * layer.total(layer.w[k] * zero_extended, k, last_k), j, last_j
    )
    swapped = layer.total(
        layer.w[k] * layer.total(layer.x[j] * zero_extended, j, last_j), k, last_k
    )
    sifted = layer.total(
        layer.w[k]
        * bracket(
            layer.x[tuple(t[x] - k[x] for x in layer.axes)],
            *[between(t[x] - k[x], 0, layer.m[x] - 1) for x in layer.axes],
        ),
        k,
        last_k,
    )
    at_full = convolution_.subs(full).xreplace(dict(zip(i, t, strict=True)))
    to_full = {**full, **dict(zip(i, t, strict=True))}
    cases = cases_for(layer, {"i": "L"})
    full_grid = resized(
        layer,
        size_grid(layer),
        stride=lambda sizes, a: 1,
        dilation=lambda sizes, a: 1,
        padding=lambda sizes, a: sizes[layer.n[a]] - 1,
    )
    t_cases = [
        {**c, **{t[x]: c[i[x]] for x in layer.axes}}
        for c in cases_for(layer, {"i": "L"}, full_grid)
    ]
    steps = [
        derive(
            "reverse the kernel index",
            convolution_,
            correlation,
            reverse_kernel(layer),
            "reverse the index",
            cases,
        ),
        derive(
            "text-book convolution: interchange the sums",
            textbook,
            swapped,
            swap(j, k),
            "interchange",
            t_cases,
        ),
        derive("sift the input index", swapped, sifted, sift(j), "sifting", t_cases),
        derive(
            "at s = d = 1, p = n - 1 the convolution is the text-book one",
            convolution_,
            sifted,
            substitute(to_full),
            "specialise",
            t_cases,
        ),
    ]

    def flipped(sizes: Case) -> Matrix:
        x, w, _ = concrete_arrays(layer, sizes)
        return reference_outputs(layer, sizes, x, w, flip=True)

    steps.append(
        concrete_step(
            "agrees with the flipped convolution",
            layer,
            "i",
            correlation,
            flipped,
            f"symconv.{CONV[dims]}(x, w, flip=True) at concrete sizes",
        )
    )

    def textbook_reference(sizes: Case) -> Matrix:
        """Coefficients of the product of the generating polynomials of x and w: the
        definition of convolution, independent of any sliding window."""
        x, w, _ = concrete_arrays(layer, sizes)
        u, v = sympy.symbols("u v")
        if dims == 1:
            poly = sympy.Poly(
                sum(x[e] * u**e for e in range(len(x))) * sum(w[e] * u**e for e in range(len(w))), u
            )
            return Matrix([poly.coeff_monomial(u**e) for e in range(len(x) + len(w) - 1)])
        poly = sympy.Poly(
            sum(x[e, f] * u**e * v**f for e in range(x.rows) for f in range(x.cols))
            * sum(w[e, f] * u**e * v**f for e in range(w.rows) for f in range(w.cols)),
            u,
            v,
        )
        return Matrix(
            x.rows + w.rows - 1, x.cols + w.cols - 1, lambda e, f: poly.coeff_monomial(u**e * v**f)
        )

    textbook_t = textbook
    left, right, labels = [], [], []
    for sizes in full_grid:
        expected = textbook_reference(sizes)
        for value in itertools.product(*[range(sizes[layer.L[x]]) for x in layer.axes]):
            case = {**sizes, **dict(zip(t, value, strict=True))}
            left.append(indexed_to_symbols(instantiate(textbook_t, case)))
            right.append(entry_of(expected, value))
            labels.append(describe_case(case))
    steps.append(
        check(
            "agrees with the text-book convolution",
            left,
            right,
            law="coefficients of the product of the generating polynomials of x and w",
            labels=labels,
        )
    )
    text, tex = assumptions_for(layer)
    return GeneralProof(
        statement_latex=statement_for("flip", layer),
        title="Convolution = cross-correlation with the reversed kernel"
        + (" in 2-D" if dims == 2 else ""),
        statement=(
            "sum_k w_k x_{i*s + (n-1-k)*d - p} = sum_k w_{n-1-k} x_{i*s + k*d - p} (taps in "
            "range): convolving is cross-correlating with the reversed kernel; for s = d = 1 "
            "and p = n - 1 it is the text-book (x * w)_t = sum_j x_j w_{t-j}."
        ),
        steps=steps,
        assumptions=text,
        claims=((convolution_, correlation), (at_full, textbook)),
        assumptions_latex=tex,
    )


# --- theorem 6: all of it in 2-D ----------------------------------------------------------

#: The 1-D theorems, in order; :func:`prove_2d` runs each with ``dims=2``.
THEOREMS: tuple[Callable[..., GeneralProof], ...] = (
    prove_output_length,
    prove_banded_product,
    prove_tied_gradient,
    prove_input_gradient,
    prove_flip,
)


def prove_2d(**claims: Any) -> TwoDimensionalProof:
    """Theorem 6: theorems 1-5 for 2-D convolutions (two index sets), as one proof.

    Keyword arguments go to the theorem that takes them (``length``, ``column``, ``tie``,
    ``gradient``, ``reversed_index``), so a wrong 2-D claim can be tested.

    >>> proof = prove_2d()
    >>> proof.holds, len(proof.parts)
    (True, 5)
    """
    known = {"length": 0, "column": 1, "tie": 2, "gradient": 3, "reversed_index": 4}
    unknown = sorted(set(claims) - set(known))
    if unknown:
        raise TypeError(f"prove_2d got unknown claims {unknown}; it takes {sorted(known)}")
    parts = []
    for position, theorem in enumerate(THEOREMS):
        given = {name: value for name, value in claims.items() if known[name] == position}
        parts.append(theorem(2, **given))
    steps = [
        Step(
            f"{part.title}: {step.name}",
            step.lhs,
            step.rhs,
            step.holds,
            step.method,
            step.law,
            step.labels,
            step.mismatch,
            step.details,
        )
        for part in parts
        for step in part.steps
    ]
    return TwoDimensionalProof(
        title="The identities in 2-D",
        statement=(
            "Theorems 1-5 hold for 2-D convolutions: every index becomes a pair (one per "
            "axis), every delta a product of per-axis deltas, and every step runs per axis."
        ),
        steps=steps,
        assumptions=parts[0].assumptions,
        claims=tuple(c for part in parts for c in part.claims),
        definitions=parts[1].definitions,
        assumptions_latex=parts[0].assumptions_latex,
        parts=tuple(parts),
    )


@dataclass(frozen=True)
class TwoDimensionalProof(GeneralProof):
    """Theorem 6: the 2-D proofs of theorems 1-5, kept whole in ``parts``."""

    parts: tuple[GeneralProof, ...] = ()

    def to_latex(self, **options: Any) -> str:
        return "\n".join(part.to_latex(**options) for part in self.parts)


def all_proofs() -> list[GeneralProof]:
    """Theorems 1-6 with their default (true) statements."""
    return [theorem() for theorem in THEOREMS] + [prove_2d()]


# --- LaTeX ----------------------------------------------------------------------------------

#: Widest line (em) of a proof step: the report's budget less the list's indent and the
#: ``={}`` column.
STEP_BUDGET = LINE_BUDGET - 5.0


def _limits_latex(expr: Sum | Product) -> str:
    symbol = r"\sum" if isinstance(expr, Sum) else r"\prod"
    return " ".join(
        rf"{symbol}_{{{sympy.latex(v)}={sympy.latex(lo)}}}^{{{sympy.latex(hi)}}}"
        for v, lo, hi in reversed(expr.limits)
    )


def _prefixed(prefix: str, chunks: list[str]) -> list[str]:
    return [f"{prefix} {chunks[0]}"] + chunks[1:]


def latex_chunks(expr: Expr) -> list[str]:
    """``expr`` in LaTeX as pieces that may go on separate lines: the factors of a product
    (sums last), the terms of a sum, a sum's summand after its limits. Anything inside
    brackets or parentheses stays in one piece.

    >>> from sympy import IndexedBase, symbols
    >>> k, n = symbols("k n", integer=True)
    >>> w, x = IndexedBase("w"), IndexedBase("x")
    >>> j = symbols("j", integer=True)
    >>> for chunk in latex_chunks(Sum(x[j] * Sum(w[k] * x[k], (k, 0, n - 1)), (j, 0, n))):
    ...     print(chunk)
    \\sum_{j=0}^{n} {x}_{j}
    \\sum_{k=0}^{n - 1} {w}_{k} {x}_{k}
    """
    if isinstance(expr, (Sum, Product)):
        return _prefixed(_limits_latex(expr), latex_chunks(expr.function))
    if isinstance(expr, Derivative) and len(expr.variables) == 1:
        prefix = rf"\frac{{\partial}}{{\partial {sympy.latex(expr.variables[0])}}}"
        inner = expr.expr
        if isinstance(inner, sympy.Add):
            return [rf"{prefix} \left({sympy.latex(inner)}\right)"]
        return _prefixed(prefix, latex_chunks(inner))
    if isinstance(expr, sympy.Add):
        chunks: list[str] = []
        for position, term in enumerate(expr.as_ordered_terms()):
            negative = term.could_extract_minus_sign()
            pieces = latex_chunks(-term if negative else term)
            sign = "-" if negative else ("+" if position else "")
            chunks += _prefixed(sign, pieces) if sign else pieces
        return chunks
    if isinstance(expr, Mul):
        coefficient, rest = expr.as_coeff_Mul()
        if coefficient == -1:
            return _prefixed("-", latex_chunks(rest))
        factors = list(Mul.make_args(rest))
        if coefficient != 1:
            return [sympy.latex(expr)]
        brackets = [f for f in factors if isinstance(f, Iverson)]
        plain = [f for f in factors if not isinstance(f, (Sum, Product, sympy.Add, Iverson))]
        grouped = [f for f in factors if isinstance(f, sympy.Add)]
        sums = [f for f in factors if isinstance(f, (Sum, Product))]
        # [a and b] = [a][b]: one bracket per part, so a line may break between them.
        chunks = [
            rf"\left[{part}\right]"
            for bracket_ in brackets
            for part in condition_latex(bracket_.condition).split(r",\ ")
        ]
        chunks += [sympy.latex(Mul(*plain))] if plain else []
        chunks += [rf"\left({sympy.latex(f)}\right)" for f in grouped]
        chunks += [rf"\left({sympy.latex(f)}\right)" for f in sums[:-1]]
        if sums:
            chunks += latex_chunks(sums[-1])
        return chunks
    return [sympy.latex(expr)]


def latex_lines(expr: Expr, budget: float = STEP_BUDGET) -> list[str]:
    """``expr`` in LaTeX as lines of at most ``budget`` em (by
    :func:`symconv.latex.estimate_width`) where it can be broken; a piece wider than the
    budget gets a line of its own."""
    lines: list[str] = []
    current = ""
    for chunk in latex_chunks(expr):
        candidate = f"{current} {chunk}".strip()
        if current and estimate_width(candidate) > budget:
            lines.append(current)
            current = chunk
        else:
            current = candidate
    lines.append(current)
    return lines


def equation_rows(lhs: Expr, rhs: Expr, relation: str = "=") -> str:
    """``lhs relation rhs`` as ``align*`` rows: one row if it fits, else each side on
    its own lines."""
    one_row = rf"{sympy.latex(lhs)} &{relation} {sympy.latex(rhs)}"
    if estimate_width(one_row) <= STEP_BUDGET:
        return "\\begin{align*}\n" + one_row + "\n\\end{align*}"
    rows = []
    for position, line in enumerate(latex_lines(lhs)):
        rows.append(("&" if position == 0 else r"&\quad ") + line)
    for position, line in enumerate(latex_lines(rhs)):
        rows.append((rf"{relation}{{}}&" if position == 0 else r"&\quad ") + line)
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"


def breakable(text: str) -> str:
    r"""Text escaped for LaTeX, with break points after dots, underscores, commas and
    opening parentheses, so code names like ``symconv.conv_transpose1d(g, w)`` can wrap.

    >>> breakable("a.b_c")
    'a.\\allowbreak{}b\\_\\allowbreak{}c'
    """
    escaped = escape_text(text)
    for mark in (".", ",", "(", r"\_"):
        escaped = escaped.replace(mark, mark + r"\allowbreak{}")
    return escaped


def general_proof_latex(proof: GeneralProof, *, heading: str = "subsection*") -> str:
    """A proof for every size as LaTeX: statement (with its equations), definitions,
    assumptions, then the numbered steps ``before = after``, each with the law it uses
    and how it was checked.

    >>> tex = prove_flip().to_latex()
    >>> tex.count(r"\\item \\textbf{"), r"\\begin{enumerate}" in tex
    (6, True)
    """
    verdict = "holds" if proof.holds else "fails"
    parts = [rf"\{heading}{{{escape_text(proof.title)}}}"]
    statement = proof.statement_latex or escape_text(proof.statement)
    parts.append(r"\noindent\textbf{Statement.} " + statement)
    parts += [equation_rows(lhs, rhs) for lhs, rhs in proof.claims]
    for lhs, rhs in proof.definitions:
        parts.append(r"\noindent where" + "\n" + equation_rows(lhs, rhs, ":="))
    assumptions = proof.assumptions_latex or tuple(escape_text(a) for a in proof.assumptions)
    if assumptions:
        parts.append(
            r"\noindent\textbf{Assumptions.}"
            + "\n\\begin{itemize}\n"
            + "\n".join(rf"\item {a}" for a in assumptions)
            + "\n\\end{itemize}"
        )
    items = []
    for step in proof.steps:
        law_tex = step.details.get("law_latex") or breakable(step.law)
        status = "holds" if step.holds else r"\textbf{fails}"
        item = rf"\item \textbf{{{breakable(step.name)}}}: {law_tex}."
        if step.lhs and "rule" in step.details:
            item += "\n" + equation_rows(step.lhs[0], step.rhs[0])
        elif step.lhs:
            item += f" Compared at {len(step.lhs)} concrete entries."
        item += rf" \emph{{Checked: {breakable(step.method)}; {status}.}}"
        if step.mismatch is not None:
            where, left, right = step.mismatch
            item += (
                rf" First difference ({escape_text(str(where))}):"
                + "\n"
                + equation_rows(
                    left if left is not None else S.NaN,
                    right if right is not None else S.NaN,
                    r"\neq",
                )
            )
        items.append(item)
    parts.append(
        r"\noindent\textbf{Proof.}"
        + "\n\\begin{enumerate}\n"
        + "\n".join(items)
        + "\n\\end{enumerate}"
    )
    parts.append(rf"\noindent\textbf{{Verdict:}} the statement {verdict} for every size.")
    return "\n\n".join(parts) + "\n"


__all__ = [
    "GeneralProof",
    "LAWS",
    "Layer",
    "Rule",
    "THEOREMS",
    "TwoDimensionalProof",
    "all_proofs",
    "derive",
    "general_proof_latex",
    "proof_symbols",
    "prove_2d",
    "prove_banded_product",
    "prove_flip",
    "prove_input_gradient",
    "prove_output_length",
    "prove_tied_gradient",
]
