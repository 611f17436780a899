"""The term engine: canonical sums of products built and differentiated term by term.

Every derivation in symconv is a sum of products (a sliding dot product, a loss by
linearity, a gradient). Building them with ``Add(*...)``/``Mul(*...)`` makes SymPy
re-flatten and re-sort what is already flat; here the terms are built once, in SymPy's
own canonical order, so two derivations of the same expression come out structurally
identical and are compared with ``==`` instead of ``expand(a - b) == 0``.

Only products of plain symbols take the fast road; anything else (numbers, compound
expressions, repeated factors) goes through ``Mul``/``Add`` so the result is always
exactly what SymPy itself would build. ``tests/test_engine.py`` checks both roads agree.

Examples
========

>>> from sympy import symbols
>>> from symconv.engine import product, total, derivative
>>> a, b, c = symbols("a b c")
>>> total([product((b, a)), product((c, a))])
a*b + a*c
>>> derivative((a, b, a), a)   # exact product rule on the factors a*b*a
2*a*b
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

import sympy
from sympy import Add, Expr, Mul, S, Symbol

# SymPy's own sort for the arguments of Mul and Add (the order Mul.flatten/Add.flatten
# produce). Private, but stable across SymPy releases since 1.0; the public fallback
# keeps the engine correct if they ever move.
try:
    from sympy.core.add import _addsort
    from sympy.core.mul import _mulsort
except ImportError:  # pragma: no cover - depends on SymPy internals
    _addsort = _mulsort = None

Factors = Sequence[Expr]


def is_plain_symbol(factor: object) -> bool:
    """A commutative symbol: the only factor whose place in a product SymPy fixes by sorting."""
    return isinstance(factor, Symbol) and bool(factor.is_commutative)


def product(factors: Factors) -> Expr:
    """The product of ``factors`` exactly as ``Mul(*factors)`` builds it.

    >>> from sympy import symbols
    >>> x, w = symbols("x w")
    >>> product((x, w)) == Mul(x, w)
    True
    """
    if _mulsort is not None and all(is_plain_symbol(f) for f in factors):
        if len(factors) == 1:
            return factors[0]
        if len(set(factors)) == len(factors):
            args = list(factors)
            _mulsort(args)
            return Mul._from_args(args)
    return Mul(*factors)


def total(terms: Sequence[Expr]) -> Expr:
    """The sum of ``terms`` exactly as ``Add(*terms)`` builds it.

    The fast road takes distinct products of two or more symbols, the shape of every
    sliding dot product over symbols; anything else is left to ``Add``.
    """
    if not terms:
        return S.Zero
    if len(terms) == 1:
        return terms[0]
    if _addsort is not None and all(
        type(t) is Mul and all(is_plain_symbol(a) for a in t.args) for t in terms
    ):
        if len(set(terms)) == len(terms):
            args = list(terms)
            _addsort(args)
            return Add._from_args(args)
    return Add(*terms)


def dot(pairs: Iterable[tuple[Expr, Expr]]) -> Expr:
    """``sum(a*b for a, b in pairs)`` in canonical form, dropping structural zeros."""
    return total([product((a, b)) for a, b in pairs if a is not S.Zero and b is not S.Zero])


def factor_atoms(factor: Expr) -> Iterable[Expr]:
    """The symbols a factor depends on (the keys of the term index)."""
    if isinstance(factor, Symbol):
        return (factor,)
    if factor.is_Number:
        return ()
    return factor.free_symbols


def factor_derivative(factor: Expr, symbol: Symbol) -> Expr:
    """d(factor)/d(symbol): 1 or 0 for atoms, SymPy's ``diff`` for anything compound."""
    if isinstance(factor, Symbol):
        return S.One if factor == symbol else S.Zero
    if factor.is_Number:
        return S.Zero
    return sympy.diff(factor, symbol)


def derivative(factors: Factors, symbol: Symbol) -> Expr:
    """d/d(symbol) of the product of ``factors`` by the product rule.

    ``sum_a (d f_a / d symbol) * prod_{b != a} f_b``: exact for any factors, and for a
    product of distinct symbols it is the product of the remaining ones.
    """
    parts = []
    for position, factor in enumerate(factors):
        inner = factor_derivative(factor, symbol)
        if inner is S.Zero:
            continue
        rest = list(factors[:position]) + list(factors[position + 1 :])
        if inner is S.One:
            parts.append(product(rest) if rest else S.One)
        else:
            parts.append(Mul(inner, *rest))
    return total(parts) if len(parts) != 1 else parts[0]


class TermIndex:
    """A sum of products with an index from each symbol to the terms that contain it.

    Differentiating the sum by a symbol visits only those terms: a loss of ``m*n`` terms
    is differentiated by all its ``m + n`` symbols in ``O(m*n)`` work, where
    ``sympy.diff`` of the whole sum per symbol costs ``O(m*n)`` for each of them.

    >>> from sympy import symbols
    >>> g, w, x, y = symbols("g w x y")
    >>> index = TermIndex([(g, w, x), (g, w, y)])
    >>> index.gradient(w)
    g*x + g*y
    """

    def __init__(self, terms: Iterable[Factors]) -> None:
        self.terms: list[tuple[Expr, ...]] = [tuple(t) for t in terms]
        self.containing: dict[Expr, list[int]] = defaultdict(list)
        for position, factors in enumerate(self.terms):
            seen: set[Expr] = set()
            for factor in factors:
                for atom in factor_atoms(factor):
                    if atom not in seen:
                        seen.add(atom)
                        self.containing[atom].append(position)

    def gradient(self, symbol: Symbol) -> Expr:
        """d(sum of terms)/d(symbol), term by term."""
        parts = [derivative(self.terms[p], symbol) for p in self.containing.get(symbol, ())]
        parts = [p for p in parts if p is not S.Zero]
        return total(parts)

    def expression(self) -> Expr:
        """The whole sum as one SymPy expression (costly for big sums: build on demand)."""
        return Add(*[Mul(*t) for t in self.terms])


def same(lhs: Expr, rhs: Expr) -> tuple[bool, str]:
    """Decide ``lhs == rhs`` symbolically and say how.

    Canonical forms that are identical need nothing more ("identical"); otherwise the
    difference is expanded and cancelled to zero ("expand"), which is decisive for the
    rational expressions convolution produces.

    >>> from sympy import symbols
    >>> a, b, w = symbols("a b w")
    >>> same((a + b) * w, a*w + b*w)
    (True, 'expand')
    >>> same(a*w, b*w)
    (False, 'expand')
    """
    if lhs == rhs:
        return True, "identical"
    difference = sympy.expand(lhs - rhs)
    if difference == 0:
        return True, "expand"
    if sympy.cancel(sympy.together(difference)) == 0:
        return True, "cancel"
    return False, "expand"
