"""The symbols of a layer for all sizes (m, n, s, d, p_l, p_r and indices), one set per axis."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sympy import (
    Expr,
    IndexedBase,
    KroneckerDelta,
    Mul,
    Sum,
    Symbol,
    floor,
)

from symconv.summation import (
    between,
    bracket,
)

Case = Mapping[Expr, int]


#: The concrete function names the checks cite, by number of axes.
CONV = {1: "conv1d", 2: "conv2d"}


GRADS = {1: "conv1d_grads", 2: "conv2d_grads"}


BAND = {1: "band", 2: "band2d"}


@dataclass(frozen=True)
class Layer:
    """The symbols of a convolution over ``dims`` axes, every size symbolic.

    One entry per axis in each tuple: input lengths ``m``, kernel lengths ``n``, strides
    ``s``, dilations ``d``, paddings ``p_l`` before and ``p_r`` after the input, output
    lengths ``L`` (an abbreviation whose value :func:`prove_output_length` proves), and
    the indices: output ``i``, input ``j``, tap ``k``, weight ``q`` and input ``r`` (of a
    gradient), row ``a`` and column ``b`` of the untied matrix ``U``, and ``t`` (of a
    text-book convolution).

    ``p_both`` is the padding of the symmetric special case ``p_l = p_r = p``
    (:attr:`symmetric`); ``p`` is kept as another name of ``p_l``, the padding a tap
    subtracts.
    """

    dims: int
    m: tuple[Symbol, ...]
    n: tuple[Symbol, ...]
    s: tuple[Symbol, ...]
    d: tuple[Symbol, ...]
    p_l: tuple[Symbol, ...]
    p_r: tuple[Symbol, ...]
    p_both: tuple[Symbol, ...]
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

    @property
    def p(self) -> tuple[Symbol, ...]:
        """The left padding ``p_l`` (the name of the one padding before it had two sides)."""
        return self.p_l

    def tap(self, i: Sequence[Expr], k: Sequence[Expr]) -> tuple[Expr, ...]:
        """The input index output ``i`` reads at tap ``k``: ``i*s + k*d - p_l`` per axis."""
        return tuple(i[a] * self.s[a] + k[a] * self.d[a] - self.p_l[a] for a in self.axes)

    def delta(self, u: Sequence[Expr], v: Sequence[Expr]) -> Expr:
        """``[u = v]`` on every axis: the product of ``KroneckerDelta(u_a, v_a)``."""
        return Mul(*[KroneckerDelta(u[a], v[a]) for a in self.axes])

    def inside(self, c: Sequence[Expr], sizes: Sequence[Expr]) -> list[Expr]:
        """``0 <= c_a <= sizes_a - 1`` on every axis: the conditions of a bracket."""
        return [between(c[a], 0, sizes[a] - 1) for a in self.axes]

    def last(self, sizes: Sequence[Expr]) -> list[Expr]:
        """The last index below each size: ``[size - 1 for size in sizes]``."""
        return [size - 1 for size in sizes]

    def room(self, axis: int) -> Expr:
        """``m + p_l + p_r - d(n-1) - 1``: how far the last window may start; ``>= 0``
        exactly when the layer has an output (assumed throughout)."""
        a = axis
        return self.m[a] + self.p_l[a] + self.p_r[a] - self.d[a] * (self.n[a] - 1) - 1

    def length(self, axis: int) -> Expr:
        """``L = floor((m + p_l + p_r - d(n-1) - 1)/s) + 1``, the output length on one axis."""
        return floor(self.room(axis) / self.s[axis]) + 1

    @property
    def symmetric(self) -> dict[Symbol, Symbol]:
        """The substitution ``p_l = p_r = p`` on every axis: symmetric padding."""
        return {side[a]: self.p_both[a] for side in (self.p_l, self.p_r) for a in self.axes}

    def padded(self, value: Callable[[int], Expr]) -> dict[Symbol, Expr]:
        """The substitution ``p_l = p_r = value(axis)`` on every axis (``lambda a: 0``:
        no padding)."""
        return {side[a]: value(a) for side in (self.p_l, self.p_r) for a in self.axes}

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
        """``T[i, j] = sum_k w_k [j = i*s + k*d - p_l]`` (a product of deltas, one per axis)."""
        return self.total(
            self.w[self.k] * self.delta(j, self.tap(i, self.k)), self.k, self.last(self.n)
        )

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
        tap ``i*s + k*d - p_l``): a sliding dot product whose padding reads zeros."""
        c = self.tap(i, self.k) if column is None else tuple(column)
        inside = self.inside(c, sizes)
        return self.total(kernel * bracket(signal[c], *inside), self.k, self.last(self.n))

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


def _side_symbols(name: str, dims: int) -> tuple[Symbol, ...]:
    """``p_l`` (one axis) or ``p_l1, p_l2``: a padding's side stays its subscript."""
    names = [name] if dims == 1 else [f"{name}{a + 1}" for a in range(dims)]
    return tuple(Symbol(v, integer=True, nonnegative=True) for v in names)


def proof_symbols(dims: int = 1) -> Layer:
    """The symbols the theorems use, for one axis (``m, n, s, d, p_l, p_r``...) or two
    (``m_1, m_2``, ``p_l1, p_l2``...).

    >>> layer = proof_symbols()
    >>> layer.tap(layer.i, layer.k), layer.length(0)
    ((d*k + i*s - p_l,), floor((-d*(n - 1) + m + p_l + p_r - 1)/s) + 1)
    >>> layer.length(0).subs(layer.symmetric)
    floor((-d*(n - 1) + m + 2*p - 1)/s) + 1
    >>> proof_symbols(2).m, proof_symbols(2).p_r
    ((m_1, m_2), (p_r1, p_r2))
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
        p_l=_side_symbols("p_l", dims),
        p_r=_side_symbols("p_r", dims),
        p_both=_axis_symbols("p", dims, integer=True, nonnegative=True),
        L=_axis_symbols("L", dims, **positive),
        **{
            name: _axis_symbols(name, dims, integer=True)
            for name in ("i", "j", "k", "q", "r", "a", "b", "t")
        },
    )
