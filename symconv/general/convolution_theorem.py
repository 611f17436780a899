"""Theorem: the DFT diagonalises every circulant, for every size n at once.

With ``omega = exp(-2 pi i / n)``, ``F[m, j] = omega^(m j)`` and
``F^-1[i, m] = omega^(-i m) / n``, entry ``(i, j)`` of ``F^-1 diag(F c) F`` is carried
out for a symbolic ``n`` and symbolic entries ``c_r``: distribute, interchange the sums,
multiply the powers of ``omega``, sum the geometric series of the roots of unity
(``sum_{m<n} omega^(m t) = n [n | t]``) and keep the one residue in range. The result is
``c_{(i - j) mod n}``: the circulant ``circ(c)``. Circular cross-correlation is that
circulant for ``c = w~``, the placed kernel (:mod:`symconv.ops.circulant`), so its
eigenvalues are ``F w~``.

Examples
========

>>> from symconv.general.convolution_theorem import circulant_symbols, prove_convolution_theorem
>>> proof = prove_convolution_theorem()
>>> proof.holds
True
>>> s = circulant_symbols()
>>> wrong = prove_convolution_theorem(index=s.i - s.j + 1)     # not reduced, and shifted
>>> wrong.holds, str(wrong.first_failure.name)
(False, 'one residue in range')
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy import Expr, IndexedBase, Mod, Sum, Symbol, exp, pi

from symconv.core.vectors import symbolic_vector
from symconv.general.rules import DISTRIBUTE, LAWS, Rule, expand_definition, swap
from symconv.general.theorem import GeneralProof, derive
from symconv.ops.circulant import circulant_kernel, circulant_matrix
from symconv.proofs.convolution_theorem import prove_convolution_theorem as prove_at
from symconv.proofs.proof import Step, check, observe
from symconv.summation import Iverson, divides, linear_coefficient

#: The sizes the general statement is compared with the concrete machinery at.
CONCRETE_SIZES = range(1, 7)

#: The sizes the concrete factorisation (exact roots of unity) is proved at.
FACTORED_SIZES = range(1, 6)


@dataclass(frozen=True)
class CirculantSymbols:
    """The symbols of the theorem: size ``n``, entry ``(i, j)``, frequency ``m``, the
    circulant's first column ``c`` (summed over ``r``), and the kernel ``w`` of length
    ``K`` with ``p`` taps before its centre (summed over ``k``)."""

    n: Symbol
    i: Symbol
    j: Symbol
    m: Symbol
    r: Symbol
    k: Symbol
    K: Symbol
    p: Symbol
    c: IndexedBase
    w: IndexedBase

    def omega(self, exponent: Expr) -> Expr:
        """``omega^exponent`` with ``omega = exp(-2 pi i / n)``."""
        return exp(-2 * pi * sympy.I * exponent / self.n)


def circulant_symbols() -> CirculantSymbols:
    """The theorem's symbols (integers; ``n`` and ``K`` positive)."""
    n, K = sympy.symbols("n K", integer=True, positive=True)
    i, j, m, r, k, p = sympy.symbols("i j m r k p", integer=True)
    return CirculantSymbols(n, i, j, m, r, k, K, p, IndexedBase("c"), IndexedBase("w"))


def multiply_powers(s: CirculantSymbols) -> Rule:
    """Collect ``omega``'s powers in the inner sum over ``m`` into one and take the factors
    free of ``m`` out of it: ``sum_m a * omega^u * omega^v = a * sum_m omega^(u + v)``.

    SymPy writes ``Sum(Sum(f, (m, ...)), (r, ...))`` as ``Sum(f, (m, ...), (r, ...))``;
    the sum over ``m`` is its first limit."""

    def apply(expr: Expr) -> Expr:
        def rewrite(total: Sum) -> Expr:
            (index, low, high), *outer = total.limits
            outside, powers = [], []
            for factor in sympy.Mul.make_args(total.function):
                if isinstance(factor, exp):
                    powers.append(factor.args[0])
                elif factor.has(index):
                    return total  # refuse: a factor in m that is not a power of omega
                else:
                    outside.append(factor)
            exponent = sympy.factor(sympy.Add(*powers) / (-2 * pi * sympy.I / s.n))
            summand = sympy.Mul(*outside) * Sum(s.omega(exponent), (index, low, high))
            return Sum(summand, *outer) if outer else summand

        return expr.replace(lambda e: isinstance(e, Sum) and e.limits[0][0] == s.m, rewrite)

    return Rule("add the exponents of omega, factor out of the sum over m", apply)


def geometric_series(s: CirculantSymbols) -> Rule:
    """``sum_{m<n} omega^(m t) = n [n | t]`` for an integer ``t``: ``Sum.doit`` gives the
    geometric series ``Piecewise((n, omega^t = 1), ((1 - omega^(n t))/(1 - omega^t),
    True))``; ``omega^(n t) = exp(-2 pi i t) = 1`` makes the second branch 0, and
    ``exp(-2 pi i t / n) = 1`` exactly when ``t/n`` is an integer. Refuses (leaves the
    sum) when any of that does not come out."""

    def apply(expr: Expr) -> Expr:
        def rewrite(inner: Sum) -> Expr:
            (index, low, high), *rest = inner.limits
            power = inner.function
            if rest or (low, high) != (0, s.n - 1) or not isinstance(power, exp):
                return inner
            t = sympy.cancel(power.args[0] / (-2 * pi * sympy.I * index / s.n))
            if t.has(index) or not t.is_integer:
                return inner
            held = sympy.Dummy("t", integer=True)
            done = Sum(s.omega(index * held), (index, low, high)).doit()
            if not isinstance(done, sympy.Piecewise) or len(done.args) != 2:
                return inner
            (ones, condition), (otherwise, _) = done.args
            if ones != s.n or sympy.simplify(otherwise) != 0:
                return inner
            if condition != sympy.Eq(s.omega(held), 1):
                return inner
            return s.n * Iverson(divides(s.n, t))

        return expr.replace(lambda e: isinstance(e, Sum) and e.variables == [s.m], rewrite)

    return Rule("Sum.doit of the geometric series, exp(2 pi i y) = 1 iff y is an integer", apply)


def one_residue(s: CirculantSymbols) -> Rule:
    """``sum_{r=0}^{n-1} f(r) [n | r + a] = f((-a) mod n)``: exactly one ``r`` in range
    has ``r = -a (mod n)``. Refuses unless the bracket is ``[n | r + a]`` with ``a`` free
    of ``r``."""

    def apply(expr: Expr) -> Expr:
        def rewrite(total: Sum) -> Expr:
            (index, low, high), *rest = total.limits
            if rest or (low, high) != (0, s.n - 1):
                return total
            brackets = [f for f in sympy.Mul.make_args(total.function) if isinstance(f, Iverson)]
            if len(brackets) != 1:
                return total
            condition = brackets[0].args[0]
            if not (
                isinstance(condition, sympy.Eq)
                and condition.rhs == 0
                and isinstance(condition.lhs, Mod)
                and condition.lhs.args[1] == s.n
            ):
                return total
            congruence = condition.lhs.args[0]
            if linear_coefficient(congruence, index) != 1:
                return total
            shift = congruence - index
            rest_of_summand = total.function / brackets[0]
            return rest_of_summand.xreplace({index: Mod(-shift, s.n)})

        return expr.replace(lambda e: isinstance(e, Sum) and e.variables == [s.r], rewrite)

    return Rule("the one r in 0..n-1 with n | r + a is (-a) mod n", apply)


def rewrite_step(name: str, before: Expr, after: Expr, rule: Rule, law: str) -> Step:
    """A step whose law is not in :data:`~symconv.general.rules.LAWS`: ``rule(before)``
    must be ``after`` (entry-by-entry check of the one entry)."""
    return check(
        name,
        [rule(before)],
        [after],
        law=law,
        labels=[f"by {rule.name}"],
        details={"rule": rule.name},
    )


def circulant_steps(s: CirculantSymbols, index: Expr) -> list[Step]:
    """Circular cross-correlation is ``circ(w~)``: its tap bracket depends on ``i - j``."""
    tap = Sum(s.w[s.k] * Iverson(divides(s.n, s.j - s.i - s.k + s.p)), (s.k, 0, s.K - 1))
    placed_at = Sum(
        s.w[s.k] * Iverson(divides(s.n, s.p - s.k - index)),
        (s.k, 0, s.K - 1),
    )
    step = check(
        "circular cross-correlation is circulant",
        [tap],
        [placed_at],
        law=(
            r"$C_{ij} = \sum_k w_k\,[n \mid j - (i + k - p)]$ and "
            r"$\tilde w_r = \sum_k w_k\,[n \mid p - k - r]$ at $r = (i - j) \bmod n$: "
            r"a congruence mod $n$ depends only on residues"
        ),
        labels=["C_ij = w~_((i-j) mod n)"],
    )
    return [step]


def concrete_steps(s: CirculantSymbols, index: Expr) -> list[Step]:
    """The statement at concrete sizes: against :func:`symconv.circulant_matrix` (with a
    symbolic kernel of length 3, placed by :func:`symconv.circulant_kernel`), and the
    factorisation with exact roots of unity (:func:`symconv.prove_convolution_theorem`)."""
    left, right, labels = [], [], []
    w = symbolic_vector("w", 3)
    for n in CONCRETE_SIZES:
        placed = circulant_kernel(w, n)
        C = circulant_matrix(w, n)
        for i in range(n):
            for j in range(n):
                at = index.xreplace({s.i: i, s.j: j, s.n: n})
                left.append(placed[int(at)] if at.is_Integer and 0 <= at < n else s.c[at])
                right.append(C[i, j])
                labels.append(f"n={n}, i={i}, j={j}")
    spot = check(
        "agrees with circulant_matrix at concrete sizes",
        left,
        right,
        law="symconv.circulant_matrix(w, n) with c = circulant_kernel(w, n)",
        labels=labels,
    )
    proved = [prove_at(symbolic_vector("w", 3), n).holds for n in FACTORED_SIZES]
    factored = observe(
        "the factorisation holds with exact roots of unity",
        all(proved),
        law=(
            "symconv.prove_convolution_theorem(w, n) for n = "
            f"{FACTORED_SIZES.start}..{FACTORED_SIZES.stop - 1}, symbolic w"
        ),
        details={"sizes": list(FACTORED_SIZES), "holds": proved},
    )
    return [spot, factored]


def dft_definitions(
    s: CirculantSymbols, F_inverse: IndexedBase, F: IndexedBase, spectrum: IndexedBase
) -> Rule:
    """Replace ``F^-1[a, b]`` by ``omega^(-a b) / n``, ``F[a, b]`` by ``omega^(a b)`` and the
    spectrum ``lambda[a]`` by ``(F c)_a = sum_r c_r omega^(r a)``, in that order."""
    entries = (
        expand_definition(F_inverse, lambda a, b: s.omega(-a * b) / s.n),
        expand_definition(F, lambda a, b: s.omega(a * b)),
        expand_definition(spectrum, lambda a: Sum(s.c[s.r] * s.omega(s.r * a), (s.r, 0, s.n - 1))),
    )

    def definitions(expr: Expr) -> Expr:
        for rule in entries:
            expr = rule(expr)
        return expr

    return Rule("replace F, its inverse and the spectrum by their entries", definitions)


#: A row of the theorem's table of steps: name, before, after, rule and law, a key of
#: :data:`~symconv.general.rules.LAWS` or a law of the step's own (:func:`carry_out`).
Row = tuple[str, Expr, Expr, Rule, str]


def carry_out(name: str, before: Expr, after: Expr, rule: Rule, law: str) -> Step:
    """The step ``before = after`` by ``rule``: :func:`~symconv.general.theorem.derive`
    when ``law`` is a key of :data:`~symconv.general.rules.LAWS`, else
    :func:`rewrite_step` with ``law`` as its own law."""
    if law in LAWS:
        return derive(name, before, after, rule, law)
    return rewrite_step(name, before, after, rule, law)


#: The theorem in LaTeX (its steps prove it; its spot checks try it at concrete sizes).
STATEMENT = (
    r"For every $n \ge 1$, $\omega = e^{-2\pi i/n}$, $F_{mj} = \omega^{m j}$ and "
    r"every $c \in \mathbb{C}^n$: $(F^{-1} \operatorname{diag}(F c) F)_{ij} = "
    r"c_{(i - j) \bmod n}$, so $\operatorname{circ}(c) = F^{-1} \operatorname{diag}(F c) F$ "
    r"has the eigenvalues $F c$. Circular cross-correlation with $w$ (output $i$ "
    r"reads $x_{(i + k - p) \bmod n}$) is $\operatorname{circ}(\tilde w)$ with "
    r"$\tilde w_r = \sum_k w_k [n \mid p - k - r]$"
)


def prove_convolution_theorem(*, index: Expr | None = None) -> GeneralProof:
    """Theorem: ``(F^-1 diag(F c) F)_{ij} = c_{(i - j) mod n}`` for every ``n >= 1`` and
    every ``c``, so every circulant is diagonalised by the DFT, with eigenvalues ``F c``;
    circular cross-correlation with ``w`` is the circulant of the placed kernel ``w~``.

    ``index`` is the claimed index of ``c`` in entry ``(i, j)`` (default
    ``Mod(i - j, n)``); a wrong one must fail.

    >>> s = circulant_symbols()
    >>> prove_convolution_theorem(index=Mod(s.i - s.j + 1, s.n)).holds
    False
    """
    s = circulant_symbols()
    claimed = Mod(s.i - s.j, s.n) if index is None else sympy.sympify(index, strict=True)
    n, i, j, m, r, c, omega = s.n, s.i, s.j, s.m, s.r, s.c, s.omega
    F_inverse, F, spectrum = IndexedBase("F^{-1}"), IndexedBase("F"), IndexedBase("lambda")
    over_m, over_r = (m, 0, n - 1), (r, 0, n - 1)
    product = Sum(F_inverse[i, m] * spectrum[m] * F[m, j], over_m)
    defined = Sum(omega(-i * m) / n * Sum(c[r] * omega(r * m), over_r) * omega(m * j), over_m)
    summand = c[r] * omega(-i * m) * omega(r * m) * omega(m * j) / n
    distributed = Sum(Sum(summand, over_r), over_m)
    interchanged = Sum(Sum(summand, over_m), over_r)
    multiplied = Sum(c[r] / n * Sum(omega(m * (r + j - i)), over_m), over_r)
    summed = Sum(c[r] * Iverson(divides(n, r + j - i)), over_r)
    entry = c[claimed]
    rows: list[Row] = [
        (r"definitions of $F$, $F^{-1}$ and the spectrum $F c$", product, defined,
         dft_definitions(s, F_inverse, F, spectrum), "definition"),
        ("distributivity", defined, distributed, DISTRIBUTE, "distributivity"),
        ("interchange the sums", distributed, interchanged, swap([m], [r]), "interchange"),
        (r"multiply the powers of $\omega$", interchanged, multiplied, multiply_powers(s),
         r"$\omega^a \omega^b = \omega^{a + b}$; $c_r / n$ does not depend on $m$"),
        ("geometric sums of the roots of unity", multiplied, summed, geometric_series(s),
         r"$\sum_{m=0}^{n-1} \omega^{m t} = n\,[n \mid t]$ for integer $t$: "
         r"$n$ ones, or $(1 - \omega^{n t})/(1 - \omega^t) = 0$ since "
         r"$\omega^{n t} = e^{-2\pi i t} = 1$, and $\omega^t = 1$ iff $n \mid t$"),
        ("one residue in range", summed, entry, one_residue(s),
         r"exactly one $r \in \{0, \ldots, n-1\}$ has $n \mid r + j - i$: $r = (i - j) \bmod n$"),
    ]  # fmt: skip
    steps = [carry_out(*row) for row in rows]
    steps += circulant_steps(s, claimed)
    steps += concrete_steps(s, claimed)
    return GeneralProof(
        title="The convolution theorem: the DFT diagonalises every circulant",
        statement=STATEMENT,
        steps=steps,
        assumptions=(
            r"$n, K \in \mathbb{Z}_{\ge 1}$; $i, j \in \{0, \ldots, n-1\}$; $p \in \mathbb{Z}$",
            r"$c_r$ and $w_k$ are arbitrary (symbolic) entries",
        ),
        claims=((product, entry),),
    )
