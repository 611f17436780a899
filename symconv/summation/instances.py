"""Sums carried out term by term at concrete sizes and indices (the spot checks)."""

from __future__ import annotations

import functools
import itertools
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from fractions import Fraction
from typing import Any

import sympy
from sympy import (
    Basic,
    Expr,
    Indexed,
    Mul,
    S,
    Sum,
    Symbol,
)

from symconv.core.engine import same
from symconv.summation.brackets import Iverson


def _evaluate(expr: Expr, env: dict[Expr, Expr], cap: int) -> Expr:
    if not isinstance(expr, Basic):
        return expr
    if not expr.has(Sum, sympy.Product, sympy.Derivative):
        return expr.xreplace(env)  # also the atoms: an Indexed x[j] is an atom to SymPy
    if isinstance(expr, (Sum, sympy.Product)):
        return _over_limits(expr, list(reversed(expr.limits)), env, cap)
    if isinstance(expr, sympy.Derivative):
        inner = _evaluate(expr.expr, env, cap)
        return sympy.diff(inner, *[_evaluate(v, env, cap) for v in expr.variables])
    return expr.func(*[_evaluate(a, env, cap) for a in expr.args])


def expand_sums(expr: Expr, values: Mapping[Expr, int] | None = None, cap: int = 64) -> Expr:
    """``expr`` at ``values`` with every ``Sum`` and ``Product`` carried out term by term
    and every ``Derivative`` taken; limits must become integers (``oo`` becomes ``cap``).

    Empty and reversed ranges follow SymPy's ``doit``: ``Sum(f, (i, a, a - 1))`` is 0,
    and for ``b < a - 1`` ``Sum(f, (i, a, b))`` is ``-Sum(f, (i, b + 1, a - 1))`` and
    ``Product(f, (i, a, b))`` is ``1/Product(f, (i, b + 1, a - 1))``.

    Term by term on purpose: ``Sum.doit`` hands a summand with a ``KroneckerDelta`` to
    ``deltasummation`` even when the limits are numbers, and inherits its missing
    divisibility condition (see the module docstring). The expression is compiled once
    (and cached) for exact integer and rational arithmetic, brackets and deltas decided
    on integers, so nested sums cost their number of terms; what has sums comes out
    multiplied out. Whatever the compiled form does not handle exactly (floats, a
    division by zero, a compound key in ``values``, a product too large to multiply out)
    goes through SymPy term by term, with the same convention.

    >>> from sympy import IndexedBase, KroneckerDelta, Sum, symbols
    >>> i, j = symbols("i j", integer=True)
    >>> g = IndexedBase("g")
    >>> expand_sums(Sum(KroneckerDelta(j, 2*i) * g[i], (i, 0, 5)), {j: 3})
    0
    >>> Sum(KroneckerDelta(j, 2*i) * g[i], (i, 0, 5)).doit().subs(j, 3)   # SymPy's answer
    g[3/2]
    >>> expand_sums(Sum(i, (i, 0, j)), {j: -3}), Sum(i, (i, 0, -3)).doit()
    (3, 3)
    """
    env = {key: sympy.Integer(v) for key, v in (values or {}).items()}
    if isinstance(expr, Basic):
        value = _fast(expr, env, cap)
        # Free of sums, only a number is taken: a symbolic instance keeps its form
        # (xreplace), where the fast evaluator would multiply it out.
        carried = expr.has(Sum, sympy.Product, sympy.Derivative)
        if value is not _MISSING and (carried or _is_number(value) or type(value) is bool):
            return _to_basic(value)
    return _evaluate(expr, env, cap)


def _over_limits(
    node: Sum | sympy.Product, limits: list[Any], env: dict[Expr, Expr], cap: int
) -> Expr:
    """The terms of ``node`` over ``limits`` (outermost first), at ``env``."""
    if not limits:
        return _evaluate(node.function, env, cap)
    (variable, low, high), rest = limits[0], limits[1:]
    first = low.xreplace(env)
    last = sympy.Integer(cap) if high is S.Infinity else high.xreplace(env)
    if not (first.is_Integer and last.is_Integer):
        raise ValueError(
            f"the limits ({variable}, {low}, {high}) of {node} are {first}..{last} here; give "
            "every size a value first"
        )
    start, stop, reversed_ = int(first), int(last), False
    if stop < start - 1:
        # SymPy's convention (Karr's), as in Sum.doit and Product.doit: a reversed range
        # is the gap between its limits, negated for a sum, inverted for a product.
        start, stop, reversed_ = stop + 1, start - 1, True
    terms = [
        _over_limits(node, rest, {**env, variable: sympy.Integer(v)}, cap)
        for v in range(start, stop + 1)
    ]
    if isinstance(node, Sum):
        total = sympy.Add(*terms)
        return -total if reversed_ else total
    product = Mul(*terms)
    return 1 / product if reversed_ else product


def instance_mismatch(
    lhs: Expr, rhs: Expr, values: Mapping[Expr, int], cap: int = 64
) -> tuple[Expr, Expr] | None:
    """None when ``lhs`` and ``rhs``, instantiated at ``values``, agree
    (:func:`symconv.core.engine.same` of their :func:`instantiate`); else both sides there.

    Faster than instantiating both: equal expanded forms agree without building them.

    >>> from sympy import IndexedBase, Sum, symbols
    >>> k, n = symbols("k n", integer=True)
    >>> w = IndexedBase("w")
    >>> instance_mismatch(Sum(w[k], (k, 0, n - 1)), w[0] + Sum(w[k], (k, 1, n - 1)), {n: 3})
    >>> instance_mismatch(Sum(w[k], (k, 0, n - 1)), Sum(w[k], (k, 1, n)), {n: 2})
    (w[0] + w[1], w[1] + w[2])
    """
    env = {key: sympy.Integer(v) for key, v in values.items()}
    fast = [_fast(side, env, cap) if isinstance(side, Basic) else _MISSING for side in (lhs, rhs)]
    if all(value is not _MISSING for value in fast):
        left, right = fast
        if _is_value(left) and _is_value(right) and left == right:
            return None
        instances = (_to_basic(left), _to_basic(right))
    else:
        instances = (expand_sums(lhs, values, cap), expand_sums(rhs, values, cap))
    return None if same(*instances)[0] else instances


def _is_value(value: Any) -> bool:
    return isinstance(value, dict) or _is_number(value)


def instantiate(expr: Expr, values: Mapping[Expr, int], cap: int = 64) -> Expr:
    """``expr`` at concrete sizes and indices: :func:`expand_sums`.

    An infinite upper limit is replaced by ``cap``, so the result is a truncation: use it
    only where the summand vanishes beyond ``cap`` for these values. Reversed ranges
    follow SymPy's convention (see :func:`expand_sums`).

    >>> from sympy import symbols, IndexedBase
    >>> k, n = symbols("k n", integer=True)
    >>> w = IndexedBase("w")
    >>> instantiate(Sum(w[k], (k, 0, n - 1)), {n: 3})
    w[0] + w[1] + w[2]
    >>> instantiate(Sum(w[k], (k, 0, n - 1)), {n: -2})   # k runs over n..-1, negated
    -w[-1] - w[-2]
    """
    return expand_sums(expr, values, cap)


def indexed_to_symbols(expr: Expr) -> Expr:
    """Name every ``x[2]`` ``x2`` and every ``x[1, 2]`` ``x1_2`` (symconv's vector and
    matrix symbols), so an instantiated proof compares with the concrete machinery.

    >>> from sympy import IndexedBase
    >>> x = IndexedBase("x")
    >>> indexed_to_symbols(x[2] + x[1, 0])
    x1_0 + x2
    """
    mapping = {}
    for atom in expr.atoms(sympy.Indexed):
        if not all(i.is_Integer for i in atom.indices):
            raise ValueError(f"{atom} has a non-integer index; instantiate every size first")
        name = str(atom.base.label) + "_".join(str(int(i)) for i in atom.indices)
        mapping[atom] = Symbol(name)
    return expr.xreplace(mapping)


# --- the fast evaluator -----------------------------------------------------------------
#
# The spot checks instantiate the same few expressions at many cases, so an expression
# is compiled once (per ``cap``) into nested closures over an environment of plain ints,
# and its value is kept as exact Python numbers (``int``, ``Fraction``) or a polynomial
# over its atoms (``x[0, 1]``, a free symbol, an undecided bracket): a dict from a
# monomial (a frozenset of (atom number, exponent)) to its nonzero coefficient. Brackets and
# deltas with integer arguments are decided in Python, and a product stops at its first
# zero factor, so a sum over a delta costs little more than its loop. Whatever it does
# not handle exactly (a float, a division by zero, a non-commutative symbol, a product
# that would expand past MAX_TERMS monomials) raises ``_Slow`` and the expression is
# carried out by the SymPy walk above instead.

#: The most monomials the fast evaluator multiplies out; beyond, the SymPy walk (which
#: keeps products unexpanded) carries the expression out.
MAX_TERMS = 20_000

_ONE: frozenset[tuple[int, int]] = frozenset()
_MISSING = object()


class _Slow(Exception):
    """The fast evaluator cannot carry this out exactly; use the SymPy walk."""


#: Every atom met, numbered: monomials hold the numbers, so that hashing and comparing
#: them never reaches SymPy's structural ``==``. Atoms are immutable; the table only grows
#: by the distinct entries and brackets the spot checks meet.
_ATOM_NUMBERS: dict[Basic, int] = {}
_ATOMS: dict[int, Basic] = {}
_FRESH = itertools.count()

Monomial = frozenset[tuple[int, int]]
Poly = dict[Monomial, Any]  # monomial -> nonzero int or Fraction
Env = dict[Basic, int]
Code = Callable[[Env], Any]  # int | Fraction | Poly, or bool | Basic for a condition


# Type tests by ``type(...) is``: Fraction's metaclass is ABCMeta, whose isinstance is slow.


def _number(value: Any) -> Any:
    if type(value) is Fraction and value.denominator == 1:
        return value.numerator
    return value


def _is_number(value: Any) -> bool:
    kind = type(value)
    return kind is int or kind is Fraction


def _normal(poly: Poly) -> Any:
    if not poly:
        return 0
    if len(poly) == 1 and _ONE in poly:
        return _number(poly[_ONE])
    return poly


def _atom(obj: Basic) -> Any:
    if isinstance(obj, sympy.Rational):
        return int(obj) if obj.is_Integer else Fraction(int(obj.p), int(obj.q))
    if obj.is_Number or not obj.is_commutative:
        raise _Slow(obj)  # a float, an infinity, zoo, nan; or a non-commuting factor
    number = _ATOM_NUMBERS.get(obj)
    if number is None:
        fresh = next(_FRESH)  # one number per call, also across threads
        _ATOMS[fresh] = obj
        number = _ATOM_NUMBERS.setdefault(obj, fresh)
    return {frozenset({(number, 1)}): 1}


def _add_into(poly: Poly, monomial: Monomial, coefficient: Any) -> None:
    total = poly.get(monomial, 0) + coefficient
    if total:
        poly[monomial] = total
    else:
        poly.pop(monomial, None)


def _sum(values: Iterable[Any]) -> Any:
    number: Any = 0
    poly: Poly | None = None
    for value in values:
        if isinstance(value, dict):
            if poly is None:
                poly = dict(value)
            else:
                for monomial, coefficient in value.items():
                    _add_into(poly, monomial, coefficient)
        else:
            number += value
    if poly is None:
        return _number(number)
    if number:
        _add_into(poly, _ONE, number)
    return _normal(poly)


def _negate(value: Any) -> Any:
    if isinstance(value, dict):
        return {monomial: -coefficient for monomial, coefficient in value.items()}
    return -value


def _monomial_product(left: Monomial, right: Monomial) -> Monomial:
    if not left:
        return right
    if not right:
        return left
    exponents = dict(left)
    for atom, exponent in right:
        total = exponents.get(atom, 0) + exponent
        if total:
            exponents[atom] = total
        else:
            del exponents[atom]
    return frozenset(exponents.items())


def _multiply(left: Any, right: Any) -> Any:
    if type(left) is int and type(right) is int:
        return left * right
    if not isinstance(left, dict):
        if not isinstance(right, dict):
            return _number(left * right)
        left, right = right, left
    if not isinstance(right, dict):
        if not right:
            return 0
        if right == 1:
            return left
        return {monomial: coefficient * right for monomial, coefficient in left.items()}
    if len(left) * len(right) > MAX_TERMS:
        raise _Slow("too many terms")
    out: Poly = {}
    for one, a in left.items():
        for other, b in right.items():
            _add_into(out, _monomial_product(one, other), a * b)
    return _normal(out)


def _power(base: Any, exponent: int) -> Any:
    if _is_number(base):
        if base == 0 and exponent < 0:
            raise _Slow("division by zero")  # SymPy's zoo
        return _number(Fraction(base) ** exponent)
    if exponent == 0:
        return 1
    if len(base) == 1:
        ((monomial, coefficient),) = base.items()
        raised = frozenset((atom, e * exponent) for atom, e in monomial)
        return {raised: _number(Fraction(coefficient) ** exponent)}
    if exponent < 0:
        return _atom(sympy.Pow(_to_basic(base), exponent))
    result: Any = 1
    for _ in range(exponent):
        result = _multiply(result, base)
    return result


def _to_basic(value: Any) -> Basic:
    """A value of the fast evaluator as a SymPy object."""
    if isinstance(value, bool):
        return S.true if value else S.false
    if isinstance(value, int):
        return sympy.Integer(value)
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    if isinstance(value, dict):
        terms = []
        for monomial, coefficient in value.items():
            factors = [_ATOMS[a] if e == 1 else sympy.Pow(_ATOMS[a], e) for a, e in monomial]
            terms.append(Mul(_to_basic(coefficient), *factors))
        return sympy.Add(*terms)
    return value  # an undecided condition, or another SymPy object


def _from_basic(obj: Basic) -> Any:
    """A SymPy result as a value of the fast evaluator."""
    if obj is S.true or obj is True:
        return True
    if obj is S.false or obj is False:
        return False
    if not isinstance(obj, Expr):
        return obj  # an undecided condition, a Tuple
    if isinstance(obj, sympy.Add):
        return _sum(_from_basic(a) for a in obj.args)
    if isinstance(obj, Mul):
        product: Any = 1
        for factor in obj.args:
            product = _multiply(product, _from_basic(factor))
        return product
    if isinstance(obj, sympy.Pow) and obj.exp.is_Integer:
        return _power(_from_basic(obj.base), int(obj.exp))
    return _atom(obj)


def _integer(value: Any) -> int | None:
    value = _number(value)
    return value if type(value) is int else None


#: Nodes that never come out undefined (zoo, nan) when their arguments are defined, so
#: a product may skip them after a zero factor.
_TOTAL = (
    Symbol,
    sympy.Number,
    sympy.Add,
    Mul,
    Indexed,
    sympy.IndexedBase,
    Sum,
    sympy.KroneckerDelta,
    Iverson,
    sympy.Tuple,
    sympy.Derivative,
    sympy.floor,
    sympy.ceiling,
    sympy.logic.boolalg.BooleanAtom,
    sympy.And,
    sympy.Or,
    sympy.Not,
    sympy.core.relational.Relational,
)


def _total(node: Basic) -> bool:
    if isinstance(node, Iverson):
        return True  # 0 or 1 wherever it is decided
    if isinstance(node, sympy.Pow):
        return bool(node.exp.is_Integer and node.exp >= 0) and _total(node.base)
    if isinstance(node, sympy.Number):
        return bool(node.is_Rational)
    return isinstance(node, _TOTAL) and all(_total(a) for a in node.args)


_RELATIONS: dict[type, Callable[[Any, Any], bool]] = {
    sympy.Equality: operator.eq,
    sympy.Unequality: operator.ne,
    sympy.StrictLessThan: operator.lt,
    sympy.LessThan: operator.le,
    sympy.StrictGreaterThan: operator.gt,
    sympy.GreaterThan: operator.ge,
}


@functools.lru_cache(maxsize=2048)
def _compiled(expr: Basic, cap: int) -> Code | None:
    """``expr`` compiled for the fast evaluator, or None where it cannot be."""
    try:
        return _compile(expr, cap)
    except _Slow:
        return None


def _compile(node: Basic, cap: int) -> Code:
    if isinstance(node, sympy.Rational):
        constant = _atom(node)
        return lambda env: constant
    if isinstance(node, Symbol):
        atom = _atom(node)
        return lambda env: env.get(node, atom)
    if isinstance(node, sympy.logic.boolalg.BooleanAtom):
        truth = bool(node)
        return lambda env: truth
    kind = type(node)
    handler = _HANDLERS.get(kind)
    if handler is None:
        for base, candidate in _HANDLERS.items():
            if isinstance(node, base):
                handler = candidate
                break
    return (handler or _generic)(node, cap)


def _generic(node: Basic, cap: int) -> Code:
    """Arguments carried out, the node rebuilt by SymPy (which evaluates what it can)."""
    if isinstance(node, sympy.Atom):
        constant = _from_basic(node)
        return lambda env: constant
    codes = [_compile(a, cap) for a in node.args]
    func = node.func

    def run(env: Env) -> Any:
        return _from_basic(func(*[_to_basic(code(env)) for code in codes]))

    return run


def _compile_add(node: Basic, cap: int) -> Code:
    codes = [_compile(a, cap) for a in node.args]
    return lambda env: _sum([code(env) for code in codes])


def _selects(node: Basic) -> bool:
    return isinstance(node, (sympy.KroneckerDelta, Iverson, sympy.Number))


def _compile_mul(node: Basic, cap: int) -> Code:
    # Brackets and deltas first (cheap, often 0), then the rest; factors that may come
    # out undefined last, always evaluated (0 * zoo is nan, not 0: the SymPy walk decides).
    args = sorted(node.args, key=lambda a: 0 if _selects(a) else 1)
    total = [a for a in args if _total(a)]
    partial = [a for a in args if not _total(a)]
    codes = [_compile(a, cap) for a in total]
    rest = [_compile(a, cap) for a in partial]

    def run(env: Env) -> Any:
        product: Any = 1
        for code in codes:
            product = _multiply(product, code(env))
            if product == 0 and not isinstance(product, dict):
                for later in rest:
                    later(env)
                return 0
        for later in rest:
            product = _multiply(product, later(env))
        return product

    return run


def _compile_pow(node: Basic, cap: int) -> Code:
    base = _compile(node.base, cap)
    if node.exp.is_Integer:
        exponent = int(node.exp)
        return lambda env: _power(base(env), exponent)
    exp = _compile(node.exp, cap)

    def run(env: Env) -> Any:
        b, e = base(env), exp(env)
        if isinstance(e, int):
            return _power(b, e)
        return _from_basic(sympy.Pow(_to_basic(b), _to_basic(e)))

    return run


def _compile_indexed(node: Basic, cap: int) -> Code:
    base = node.base
    codes = [_compile(a, cap) for a in node.indices]
    atoms: dict[tuple[int, ...], Any] = {}

    def run(env: Env) -> Any:
        indices = tuple(code(env) for code in codes)
        found = atoms.get(indices) if all(type(i) is int for i in indices) else None
        if found is None:
            found = _atom(Indexed(base, *[_to_basic(i) for i in indices]))
            if all(type(i) is int for i in indices):
                atoms[indices] = found
        return found

    return run


def _compile_delta(node: Basic, cap: int) -> Code:
    if len(node.args) != 2:
        return _generic(node, cap)
    left, right = (_compile(a, cap) for a in node.args)

    def run(env: Env) -> Any:
        a, b = left(env), right(env)
        if _is_number(a) and _is_number(b):
            return int(a == b)
        return _from_basic(sympy.KroneckerDelta(_to_basic(a), _to_basic(b)))

    return run


def _compile_iverson(node: Basic, cap: int) -> Code:
    condition = _compile(node.args[0], cap)

    def run(env: Env) -> Any:
        holds = condition(env)
        if isinstance(holds, bool):
            return int(holds)
        return _atom(Iverson(holds))

    return run


def _compile_relation(node: Basic, cap: int) -> Code:
    relation = _RELATIONS.get(type(node))
    if relation is None:
        return _generic(node, cap)
    func = node.func
    left, right = _compile(node.lhs, cap), _compile(node.rhs, cap)

    def run(env: Env) -> Any:
        a, b = left(env), right(env)
        if _is_number(a) and _is_number(b):
            return relation(a, b)
        return _from_basic(func(_to_basic(a), _to_basic(b)))

    return run


def _compile_logic(node: Basic, cap: int) -> Code:
    func = node.func
    codes = [_compile(a, cap) for a in node.args]
    decisive = isinstance(node, sympy.Or)  # the value that settles the whole

    def run(env: Env) -> Any:
        open_ = []
        for code in codes:
            value = code(env)
            if value is decisive:
                return decisive
            if value is not (not decisive):
                open_.append(value)
        if not open_:
            return not decisive
        return _from_basic(func(*open_))

    return run


def _compile_not(node: Basic, cap: int) -> Code:
    inner = _compile(node.args[0], cap)

    def run(env: Env) -> Any:
        value = inner(env)
        return (not value) if isinstance(value, bool) else _from_basic(sympy.Not(value))

    return run


def _compile_rounding(node: Basic, cap: int) -> Code:
    inner = _compile(node.args[0], cap)
    func = node.func
    rounding = math.floor if isinstance(node, sympy.floor) else math.ceil

    def run(env: Env) -> Any:
        value = inner(env)
        if _is_number(value):
            return rounding(value)
        return _from_basic(func(_to_basic(value)))

    return run


def _compile_mod(node: Basic, cap: int) -> Code:
    left, right = (_compile(a, cap) for a in node.args)

    def run(env: Env) -> Any:
        a, b = left(env), right(env)
        if _is_number(a) and _is_number(b) and b != 0:
            return _number(a % b)  # SymPy's Mod: a - b*floor(a/b), Python's % too
        return _from_basic(sympy.Mod(_to_basic(a), _to_basic(b)))

    return run


def _compile_derivative(node: Basic, cap: int) -> Code:
    inner = _compile(node.expr, cap)
    codes = [_compile(v, cap) for v in node.variables]

    def run(env: Env) -> Any:
        value = inner(env)
        for code in codes:
            value = _differentiate(value, _to_basic(code(env)))
        return value

    return run


@functools.lru_cache(maxsize=65536)
def _contains(atom: int, variable: Basic) -> bool:
    return bool(_ATOMS[atom].has(variable))


def _differentiate(value: Any, variable: Basic) -> Any:
    if not isinstance(variable, (Symbol, Indexed)):
        raise _Slow(variable)  # SymPy decides what a derivative by this means
    if not isinstance(value, dict):
        return 0
    number = _ATOM_NUMBERS.get(variable)
    atoms = {atom for monomial in value for atom, _ in monomial}
    if any(atom != number and _contains(atom, variable) for atom in atoms):
        raise _Slow(variable)  # e.g. x[a] by a: a derivative SymPy keeps unevaluated
    if number is None:
        return 0
    out: Poly = {}
    for monomial, coefficient in value.items():
        exponents = dict(monomial)
        power = exponents.get(number, 0)
        if not power:
            continue
        if power == 1:
            del exponents[number]
        else:
            exponents[number] = power - 1
        _add_into(out, frozenset(exponents.items()), coefficient * power)
    return _normal(out)


def _compile_limits(node: Sum | sympy.Product, cap: int) -> Code:
    body = _compile(node.function, cap)
    is_sum = isinstance(node, Sum)
    limits = []
    for variable, low, high in reversed(node.limits):  # outermost first
        if not isinstance(variable, Symbol):
            raise _Slow(variable)
        top = None if high is S.Infinity else _compile(high, cap)
        limits.append((variable, low, high, _compile(low, cap), top))

    def over(env: Env, level: int) -> Any:
        if level == len(limits):
            return body(env)
        variable, low, high, bottom, top = limits[level]
        first, last = bottom(env), cap if top is None else top(env)
        start, stop = _integer(first), _integer(last)
        if start is None or stop is None:
            raise ValueError(
                f"the limits ({variable}, {low}, {high}) of {node} are {_to_basic(first)}.."
                f"{_to_basic(last)} here; give every size a value first"
            )
        reversed_ = stop < start - 1
        if reversed_:
            start, stop = stop + 1, start - 1  # SymPy's convention, as in the walk above
        saved = env.get(variable, _MISSING)
        terms = []
        try:
            for value in range(start, stop + 1):
                env[variable] = value
                terms.append(over(env, level + 1))
        finally:
            if saved is _MISSING:
                env.pop(variable, None)
            else:
                env[variable] = saved  # type: ignore[assignment]
        if is_sum:
            total = _sum(terms)
            return _negate(total) if reversed_ else total
        product: Any = 1
        for term in terms:
            product = _multiply(product, term)
        return _power(product, -1) if reversed_ else product

    return lambda env: over(env, 0)


_HANDLERS: dict[type, Callable[[Basic, int], Code]] = {
    sympy.Add: _compile_add,
    Mul: _compile_mul,
    sympy.Pow: _compile_pow,
    Indexed: _compile_indexed,
    sympy.KroneckerDelta: _compile_delta,
    Iverson: _compile_iverson,
    sympy.core.relational.Relational: _compile_relation,
    sympy.And: _compile_logic,
    sympy.Or: _compile_logic,
    sympy.Not: _compile_not,
    sympy.floor: _compile_rounding,
    sympy.ceiling: _compile_rounding,
    sympy.Mod: _compile_mod,
    sympy.Derivative: _compile_derivative,
    Sum: _compile_limits,
    sympy.Product: _compile_limits,
}


def _fast(expr: Basic, env: dict[Expr, Expr], cap: int) -> Any:
    """``expr`` at ``env`` by the fast evaluator, or ``_MISSING`` where it cannot."""
    if not all(isinstance(key, Symbol) for key in env):
        return _MISSING  # xreplace of a compound key: the walk
    code = _compiled(expr, cap)
    if code is None:
        return _MISSING
    try:
        return code({key: int(value) for key, value in env.items()})
    except (_Slow, ZeroDivisionError):
        return _MISSING
