"""The rewriting rules a theorem's steps apply, each with its law."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sympy import (
    Add,
    Expr,
    Indexed,
    IndexedBase,
    S,
    Sum,
    Symbol,
    ceiling,
    expand,
    floor,
    latex,
    sympify,
    together,
)

from symconv.general.layer import Layer
from symconv.proofs.law import Law
from symconv.summation import (
    absorb_factors,
    refine_brackets,
    reindex,
    sum_kronecker,
    swap_sums,
)


@dataclass(frozen=True)
class Rule:
    """A rewriting a step applies to its left side: a name for the reader and the function."""

    name: str
    apply: Callable[[Expr], Expr]

    def __call__(self, expr: Expr) -> Expr:
        return self.apply(expr)


#: The laws the steps use, each written once (its text and its LaTeX both come from it).
LAWS: dict[str, Law] = {
    "definition": Law("substitute the definition"),
    "distributivity": Law("$a\\sum_k f_k = \\sum_k a f_k$ (distributivity)"),
    "interchange": Law("finite sums with independent ranges commute"),
    "sifting": Law("$\\sum_{j=a}^{b} f(j)\\,\\delta_{j,c} = f(c)\\,[a \\le c \\le b]$ (sifting)"),
    "sifting with a coefficient": Law(
        "$\\sum_{i} f(i)\\,\\delta_{a i, c} = f(c/a)\\,[a \\mid c]\\,[\\ldots]$ (sifting; the coefficient keeps a divisibility bracket)"
    ),
    "in range": Law("the bracket holds for every index in range, so it is 1"),
    "derivative": Law(
        "differentiate term by term: an entry's derivative by an entry is a Kronecker delta, $\\partial w_k / \\partial w_q = \\delta_{k,q}$"
    ),
    "monotone taps": Law(
        "the taps $i s + k d - p_l$ increase with $k$ ($d > 0$): the window lies inside exactly when its first and last taps do"
    ),
    "integer floor": Law(
        "for integers $i$ and $s > 0$: $i s \\le y \\iff i \\le \\lfloor y/s \\rfloor$"
    ),
    "cut the range": Law("a bracket on the index cuts the range of the sum"),
    "count": Law("$\\sum_{i=0}^{N} 1 = N + 1$"),
    "floor and ceiling": Law(
        "for integers $y$, $c$ and $s > 0$: $\\lceil y/s \\rceil = \\lfloor (y + s - 1)/s \\rfloor$ and $\\lfloor y/s + c \\rfloor = \\lfloor y/s \\rfloor + c$"
    ),
    "division": Law("$0 \\le y - s\\lfloor y/s \\rfloor \\le s - 1$ for integers $y$ and $s > 0$"),
    "symmetric padding": Law("set $p_l = p_r = p$"),
    "chain rule": Law(
        "chain rule through $U = T(w)$: $\\frac{\\partial L}{\\partial w_q} = \\sum_{i,j} \\frac{\\partial L}{\\partial U_{ij}}\\frac{\\partial T_{ij}}{\\partial w_q}$"
    ),
    "specialise": Law("substitute the sizes"),
    "reverse the index": Law("substitute $k \\to n - 1 - k$ (the same range, backwards)"),
    "product of sums": Law("a product of sums is the double sum"),
}


def law(key: str) -> Law:
    """The law called ``key`` in :data:`LAWS`: one source, printed as text (its value) and
    as LaTeX (``.latex()``); KeyError names the known ones."""
    if key not in LAWS:
        raise KeyError(f"no law {key!r}; known laws are {sorted(LAWS)}")
    return LAWS[key]


def expand_definition(
    base: IndexedBase, meaning: Callable[..., Expr], name: str | None = None
) -> Rule:
    """Replace every ``base[...]`` by ``meaning(*indices)`` (``name``: the rule's name in
    words, for a base whose name is mathematics such as ``w^{(d)}``)."""

    def apply(expr: Expr) -> Expr:
        return expr.replace(
            lambda e: isinstance(e, Indexed) and e.base == base,
            lambda e: meaning(*e.indices),
        )

    return Rule(name or f"definition of {base}", apply)


def sift(indices: Sequence[Symbol], facts: Sequence[Expr] = ()) -> Rule:
    """Sum out the deltas over ``indices``; ``facts`` (expressions ``>= 0``) may show a
    range ordered that the assumptions alone do not (``m - n`` for ``0..m-n``)."""

    def apply(expr: Expr) -> Expr:
        for index in reversed(indices):
            expr = sum_kronecker(expr, index, facts=facts)
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


def substitution_law(values: Mapping[Expr, Expr]) -> Law:
    """The law of a specialisation, naming what it substitutes: symbols given the same
    value are written as one chain.

    >>> from sympy import symbols
    >>> s, d, p_l = symbols("s d p_l")
    >>> str(substitution_law({s: 1, d: 1, p_l: 0}))
    'substitute s = d = 1, p_l = 0'
    """
    chains: dict[Expr, list[Expr]] = {}
    for symbol, value in values.items():
        chains.setdefault(sympify(value, strict=True), []).append(symbol)
    shown = ", ".join(
        "$" + " = ".join(latex(v) for v in [*symbols, value]) + "$"
        for value, symbols in chains.items()
    )
    return Law(f"substitute {shown}")


def floor_normal(expr: Expr) -> Expr:
    """``expr`` with every ``ceiling(y/s)`` written ``floor((y + s - 1)/s)`` and every
    ``floor(y/s + c)`` written ``floor(y/s) + c`` (``y``, ``c``, ``s`` integers,
    ``s > 0``): closed forms of one length become one expression.

    >>> from sympy import ceiling, floor, symbols
    >>> y = symbols("y", integer=True)
    >>> s = symbols("s", integer=True, positive=True)
    >>> floor_normal(ceiling((y + 1)/s)), floor_normal(floor((y + s)/s))
    (floor(y/s) + 1, floor(y/s) + 1)
    """

    def ratio(argument: Expr) -> tuple[Expr, Expr] | None:
        top, bottom = together(argument).as_numer_denom()
        if top.is_integer and bottom.is_integer and bottom.is_positive:
            return top, bottom
        return None

    def from_ceiling(node: Expr) -> Expr:
        parts = ratio(node.args[0])
        return node if parts is None else floor((parts[0] + parts[1] - 1) / parts[1])

    def whole_out(node: Expr) -> Expr:
        parts = ratio(node.args[0])
        if parts is None:
            return node
        terms = Add.make_args(expand(parts[0] / parts[1]))
        whole = [t for t in terms if t.is_integer]
        rest = [t for t in terms if not t.is_integer]
        return floor(together(Add(*rest))) + Add(*whole)

    expr = expr.replace(lambda e: isinstance(e, ceiling), from_ceiling)
    return expr.replace(lambda e: isinstance(e, floor), whole_out)


def reverse_kernel(layer: Layer) -> Rule:
    def apply(expr: Expr) -> Expr:
        for a in layer.axes:
            expr = reindex(expr, layer.k[a], layer.n[a] - 1 - layer.k[a])
        return expr

    return Rule("Sum.change_index(k, n - 1 - k)", apply)


DIFFERENTIATE = Rule("Derivative.doit(deep=False)", lambda e: e.doit(deep=False))


def drop_zero_sums(expr: Expr) -> Expr:
    """``Sum(0, ...) -> 0``: what ``Derivative.doit`` leaves for a factor free of the
    variable."""
    return expr.replace(lambda e: isinstance(e, Sum) and e.function == 0, lambda e: S.Zero)


#: Differentiate term by term, dropping the sums of zero the free terms leave.
DIFFERENTIATE_TERMS = Rule(
    "Derivative.doit(deep=False), sums of zero dropped",
    lambda e: drop_zero_sums(e.doit(deep=False)),
)


DISTRIBUTE = Rule("absorb_factors", absorb_factors)


IDENTITY = Rule("normal_form", lambda e: e)


DOIT = Rule("Sum.doit", lambda e: e.doit())
