"""Sums of monomials as coefficient dictionaries: the exact currency of a check.

A convolution output is a sum of products ``w * x`` (and a bias); a gradient entry a sum
of products ``g * x`` or ``g * w``. Comparing the two sides' dictionaries term by term
makes a missing, an extra or a doubled term exact, which ``expand(a - b) == 0`` only
detects.

Examples
========

>>> from sympy import symbols
>>> a, b, c = symbols("a b c")
>>> sorted_terms(terms_of(2*a*b + c))
[((a, b), 2), ((c,), 1)]
>>> compare_terms(terms_of(a*b + a*c), terms_of(a*b + 2*b*c))
({(a, c): 1}, {(b, c): 2}, [])
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sympy

#: A product of factors (symbols, repeated for a power), sorted by name.
Monomial = tuple[sympy.Expr, ...]
#: A sum of monomials: ``{monomial: coefficient}``, no zero coefficients.
Terms = dict[Monomial, sympy.Expr]


def factor_key(factor: sympy.Expr) -> tuple[int, str]:
    """Symbols by name first, then any other factor by its text (a stable order)."""
    return (0, factor.name) if isinstance(factor, sympy.Symbol) else (1, str(factor))


def _factors(rest: sympy.Expr, opaque: bool) -> Monomial | None:
    """The factors of a product without its number, or None when it is not a monomial."""
    factors: list[sympy.Expr] = []
    for factor in sympy.Mul.make_args(rest):
        if factor is sympy.S.One:
            continue
        if isinstance(factor, sympy.Symbol):
            factors.append(factor)
        elif (
            isinstance(factor, sympy.Pow)
            and isinstance(factor.base, sympy.Symbol)
            and factor.exp.is_Integer
            and factor.exp > 0
        ):
            factors.extend([factor.base] * int(factor.exp))
        elif opaque:
            factors.append(factor)
        else:
            return None
    return tuple(sorted(factors, key=factor_key))


def terms_of(value: Any) -> Terms:
    """``value`` as ``{monomial: coefficient}``, expanding only when it is not yet a sum of
    products (a user's ``(x0 + x1) * w0``); a factor that is no product of symbols
    (``sin(x)``, ``1/w``) stays in its monomial as it is.
    """
    expr = sympy.sympify(value, strict=True)  # a user's string is data, never code
    for opaque in (False, True):
        terms: Terms = {}
        for term in sympy.Add.make_args(expr):
            coeff, rest = term.as_coeff_Mul()
            factors = _factors(rest, opaque)
            if factors is None:
                break
            terms[factors] = terms.get(factors, sympy.S.Zero) + coeff
        else:
            return {m: c for m, c in terms.items() if c != 0}
        expr = sympy.expand(expr)
    raise AssertionError("unreachable: the opaque pass accepts every term")


def term_expr(monomial: Monomial, coeff: Any = 1) -> sympy.Expr:
    return sympy.Mul(coeff, *monomial)


def sum_expr(terms: Terms) -> sympy.Expr:
    """The sum of ``terms`` as one SymPy expression."""
    return sympy.Add(*[term_expr(m, c) for m, c in sorted_terms(terms)])


def sorted_terms(terms: Terms) -> list[tuple[Monomial, sympy.Expr]]:
    return sorted(terms.items(), key=lambda item: [factor_key(f) for f in item[0]])


def _split(expected: Any, actual: Any) -> tuple[Any, Any]:
    """(missing, extra) coefficients of one monomial counted ``actual`` times for
    ``expected``: the share of the layer's count the user left out, or added."""
    try:
        if (expected > 0) == (actual > 0):
            if abs(actual) < abs(expected):
                return expected - actual, 0
            return 0, actual - expected
    except TypeError:  # complex or symbolic coefficients: no order, report both whole
        pass
    return expected, actual


def compare_terms(
    expected: Terms, actual: Terms
) -> tuple[Terms, Terms, list[tuple[Monomial, Any, Any]]]:
    """``(missing, extra, miscounted)`` of ``actual`` against ``expected``.

    ``missing`` holds the layer's terms the user lacks (or the lacking part of a term's
    count), ``extra`` the user's terms the layer does not have (or the surplus);
    ``miscounted`` lists ``(monomial, expected, actual)`` for a term both sides have with
    different coefficients.
    """
    missing: Terms = {}
    extra: Terms = {}
    miscounted: list[tuple[Monomial, Any, Any]] = []
    for monomial, e in expected.items():
        a = actual.get(monomial, 0)
        if a == e:
            continue
        if a == 0:
            missing[monomial] = e
            continue
        miscounted.append((monomial, e, a))
        lack, surplus = _split(e, a)
        if lack != 0:
            missing[monomial] = lack
        if surplus != 0:
            extra[monomial] = surplus
    for monomial, a in actual.items():
        if monomial not in expected:
            extra[monomial] = a
    return missing, extra, miscounted


def gradient_terms(outputs: Iterable[tuple[sympy.Symbol, Terms]]) -> dict[sympy.Expr, Terms]:
    """Gradients of ``L = sum_p g_p * y_p`` by every factor, from each output's terms.

    Linear in the number of terms: ``d(c * g * m)/ds`` is ``c * k * g * m / s`` for a
    factor ``s`` that ``m`` holds ``k`` times (the product rule on a monomial), gathered
    per factor.

    >>> from sympy import symbols
    >>> g0, g1, w, x0, x1 = symbols("g0 g1 w x0 x1")
    >>> grads = gradient_terms([(g0, terms_of(w*x0)), (g1, terms_of(w*x1))])
    >>> sum_expr(grads[w]), sum_expr(grads[x1])
    (g0*x0 + g1*x1, g1*w)
    """
    grads: dict[sympy.Expr, Terms] = {}
    for g, terms in outputs:
        for monomial, coeff in terms.items():
            for i, factor in enumerate(monomial):
                if i and monomial[i - 1] == factor:
                    continue  # a repeated factor is differentiated once, times its count
                count = monomial.count(factor)
                rest = (*monomial[:i], *monomial[i + 1 :], g)
                key = tuple(sorted(rest, key=factor_key))
                into = grads.setdefault(factor, {})
                into[key] = into.get(key, sympy.S.Zero) + coeff * count
    return grads
