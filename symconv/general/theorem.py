"""A theorem for all sizes: steps ``before = after``, each carried out by a rule, and
the :class:`GeneralProof` that holds them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy
from sympy import (
    Basic,
    Expr,
    Product,
    Sum,
    default_sort_key,
)

from symconv.general.layer import Case, Layer
from symconv.general.rules import Rule, law
from symconv.proofs.proof import Proof, Step
from symconv.summation import (
    linear_coefficient,
    sums_equal,
)
from symconv.summation.instances import instance_mismatch


def describe_case(case: Case) -> str:
    """A case as ``m=5, n=3, i=0``.

    >>> from sympy import symbols
    >>> m, n = symbols("m n", integer=True)
    >>> describe_case({m: 5, n: sympy.Integer(3)})
    'm=5, n=3'
    """
    return ", ".join(f"{_label(symbol)}={_label(value)}" for symbol, value in case.items())


def _label(item: Any) -> str:
    try:
        return _name(item)
    except TypeError:  # unhashable
        return str(item)


@functools.lru_cache(maxsize=4096, typed=True)
def _name(item: Any) -> str:
    # str() of a SymPy object runs the printer, and the spot checks label every instance.
    return str(item)


#: A row of a theorem's table of steps: name, before, after, rule, law and the cases both
#: sides are carried out at (the arguments of :func:`derive`).
Row = tuple[str, Expr, Expr, Rule, str, Sequence[Case]]


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
    (sizes and free indices) and at the boundary instances (:func:`boundary_cases`:
    the ranges of the step made empty and reversed), must agree with every sum carried
    out by SymPy's convention.

    >>> import sympy
    >>> from sympy import Sum, symbols
    >>> a = symbols("a")
    >>> step = derive("expand", (a + 1)**2, a**2 + 2*a + 1, Rule("expand", sympy.expand),
    ...               "definition")
    >>> step.holds, step.method
    (True, 'expand, then identical')
    >>> from symconv.summation import Iverson
    >>> i, u = symbols("i u", integer=True)   # a rule that "counts" is caught at u = -2
    >>> claim = derive("count", Sum(Iverson(i >= 0), (i, 0, u)), u + 1,
    ...                Rule("claim", lambda e: u + 1), "count", [{u: v} for v in range(5)])
    >>> claim.holds, claim.mismatch
    (False, ('u=-2 (boundary: an empty or reversed range)', 0, -1))
    """
    stated = law(law_key)
    result = rule(before)
    holds, how = sums_equal(result, after)
    mismatch: tuple[Any, Expr, Expr] | None = None if holds else ("symbolic", result, after)
    agreed = 0
    boundary = boundary_cases(before, after, cases)
    if holds:
        checks = [(case, False) for case in cases] + [(case, True) for case in boundary]
        # Only the free symbols of the step matter: cases that differ elsewhere (a free
        # index of another step) are one instance, carried out once.
        free = _free_symbols(before) | _free_symbols(after)
        done: dict[frozenset[tuple[Basic, Any]], tuple[Expr, Expr] | None | ValueError] = {}
        for case, extra in checks:
            key = frozenset((s, v) for s, v in case.items() if s in free)
            if key not in done:
                try:
                    done[key] = instance_mismatch(before, after, case, cap)
                except ValueError as error:
                    done[key] = error
            outcome = done[key]
            if isinstance(outcome, ValueError):
                if not extra:
                    raise outcome
                continue  # a boundary instance a symbol of the step has no value at
            if outcome is not None:
                label = describe_case(case)
                if extra:
                    label += " (boundary: an empty or reversed range)"
                holds, mismatch = False, (label, *outcome)
                break
            agreed += 1
    method = f"{rule.name}, then {how}"
    if cases or boundary:
        method += f"; both sides agree at {agreed} of {len(cases) + len(boundary)} instances"
        if boundary:
            method += f" ({len(boundary)} with an empty or reversed range)"
    return Step(
        name=name,
        lhs=(before,),
        rhs=(after,),
        holds=holds,
        method=method,
        kind="rewrite",
        law=stated,
        mismatch=mismatch,
        details={"rule": rule.name, "result": result, "instances": agreed},
    )


def _free_symbols(expr: Any) -> set[Basic]:
    return set(expr.free_symbols) if isinstance(expr, Basic) else set()


#: Lengths ``high - low + 1`` the boundary instances give a range: empty, and reversed by
#: one and by two (SymPy's sum over a reversed range is a negated sum, not zero).
BOUNDARY_LENGTHS = (0, -1, -2)


def boundary_cases(before: Expr, after: Expr, cases: Sequence[Case] = ()) -> list[dict[Expr, int]]:
    """Instances where a range of the step is empty or reversed: for every finite range
    of a ``Sum`` or ``Product`` in ``before`` or ``after`` whose length is linear in an
    integer symbol of unknown sign, the values of that symbol giving the lengths of
    :data:`BOUNDARY_LENGTHS`, the other symbols as in the first and last case.

    Only symbols of unknown sign are moved: the smallest value their assumptions allow is
    no bound at all, so the step must hold below any range's end. A size declared
    positive or nonnegative is tied to the theorem's other sizes by facts ``derive`` does
    not see (``L = floor((m + p_l + p_r - d(n - 1) - 1)/s) + 1``, ``m + p_l + p_r >= d(n - 1) + 1``,
    free indices in range): its smallest and boundary instances belong in the
    theorem's own cases.

    >>> from sympy import Sum, symbols
    >>> i, u = symbols("i u", integer=True)
    >>> n = symbols("n", integer=True, positive=True)
    >>> boundary_cases(Sum(i, (i, 0, u - 1)), u**2, [{u: 3}])
    [{u: 0}, {u: -1}, {u: -2}]
    >>> boundary_cases(Sum(i, (i, 0, n - 1)), n**2, [{n: 3}])   # n >= 1: not moved
    []
    """
    bases = list(cases) or [{}]
    bases = [bases[0]] if len(bases) == 1 else [bases[0], bases[-1]]
    # Keys by value, not by str(): printing SymPy objects is what this would spend its time on.
    seen = {frozenset(c.items()) for c in cases}
    found: list[dict[Expr, int]] = []
    for expr in (before, after):
        if not isinstance(expr, Basic):
            continue
        nodes = sorted(expr.atoms(Sum, Product), key=default_sort_key)
        bound = set().union(*(node.variables for node in nodes)) if nodes else set()
        for node in nodes:
            for _, low, high in node.limits:
                if low.is_infinite or high.is_infinite:
                    continue
                length = sympy.expand(high - low + 1)
                if length.free_symbols & bound:
                    continue
                for symbol in sorted(length.free_symbols, key=default_sort_key):
                    if not symbol.is_integer or symbol.is_nonnegative or symbol.is_nonpositive:
                        continue
                    slope = linear_coefficient(length, symbol)
                    if slope is None or not slope.is_Integer or slope == 0:
                        continue
                    for base in bases:
                        at = {key: sympy.Integer(value) for key, value in base.items()}
                        rest = sympy.expand(length - slope * symbol).xreplace(at)
                        if not rest.is_Integer:
                            continue
                        for target in BOUNDARY_LENGTHS:
                            value = (target - rest) / slope
                            if not value.is_Integer:
                                continue
                            case = {**base, symbol: int(value)}
                            key = frozenset(case.items())
                            if key not in seen:
                                seen.add(key)
                                found.append(case)
    return found


@dataclass(frozen=True)
class GeneralProof(Proof):
    """A :class:`~symconv.proof.Proof` for every size: its statement as equations
    (``claims``), the abbreviations it uses (``definitions``) and its assumptions in
    LaTeX, so it renders as a proof a reader can follow (:func:`general_proof_latex`)."""

    claims: tuple[tuple[Expr, Expr], ...] = ()
    definitions: tuple[tuple[Expr, Expr], ...] = ()

    def to_latex(self, **options: Any) -> str:
        """The proof as a LaTeX fragment: statement, assumptions, numbered steps."""
        # The display hook: the one edge from the theorems up to rendering, loaded late.
        from symconv.render.printer import latex

        return latex(self, **options)


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
    pad = "p_la, p_ra integers >= 0" if two_sided else "p_a an integer >= 0"
    pad_tex = (
        r"p_{la}, p_{ra} \in \mathbb{Z}_{\ge 0}" if two_sided else r"p_a \in \mathbb{Z}_{\ge 0}"
    )
    room = "m_a + p_la + p_ra" if two_sided else "m_a + 2 p_a"
    room_tex = "m_a + p_{la} + p_{ra}" if two_sided else "m_a + 2 p_a"
    text = (
        f"on each axis a: m_a, n_a, s_a, d_a are integers >= 1 and {pad}",
        f"{room} >= d_a (n_a - 1) + 1 on each axis: at least one window fits",
        "x, w, g are arbitrary (symbolic) 2-D arrays",
    )
    tex = (
        r"on each axis $a$: $m_a, n_a, s_a, d_a \in \mathbb{Z}_{\ge 1}$, " + rf"${pad_tex}$",
        rf"${room_tex} \ge d_a (n_a - 1) + 1$ on each axis: at least one window fits",
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
        r"With the banded matrix $T_{ij} = \sum_k w_k\,[j = i s + k d - p_l]$, every output "
        r"$i$ satisfies $\sum_j T_{ij} x_j = \sum_k w_k\, x_{i s + k d - p_l}$ over the taps "
        r"that land in the input ($0 \le i s + k d - p_l \le m - 1$; the others read padding "
        r"zeros). With $p_l = p_r = 0$ every tap of every output $0 \le i \le L - 1$ lands in "
        r"the input."
    ),
    "tied": (
        r"For the loss $\ell = \sum_i g_i y_i$ of the layer $y = T(w)\,x$: "
        r"$\partial \ell / \partial w_q = \sum_i g_i\, x_{i s + q d - p_l}$ (taps in range), and "
        r"this is the sum of the untied gradients $\partial \ell / \partial U_{ij} = g_i x_j$ "
        r"over the tie set $\{(i, j) : j = i s + q d - p_l\}$ of $w_q$."
    ),
    "input": (
        r"For $\ell = \sum_i g_i y_i$: $\partial \ell / \partial x_r = \sum_i T_{ir}\, g_i = "
        r"(T^{\mathsf T} g)_r$. Summed over the outputs first, only $i = (r - k d + p_l)/s$ "
        r"with $s \mid r - k d + p_l$ remains (the transposed, strided convolution); for "
        r"$s = d = 1$, $p_l = p_r = 0$ it is the full cross-correlation of $g$ "
        r"(length $m - n + 1$) "
        r"with the flipped kernel $w_{n-1-k}$."
    ),
    "flip": (
        r"Convolution runs the kernel index against the input index: "
        r"$\sum_k w_k\, x_{i s + (n-1-k) d - p_l} = \sum_k w_{n-1-k}\, x_{i s + k d - p_l}$ "
        r"(taps in range), the cross-correlation with the reversed kernel. For $s = d = 1$, "
        r"$p_l = p_r = n - 1$ it is the text-book full convolution "
        r"$(x * w)_t = \sum_j x_j w_{t-j}$."
    ),
}


#: How a 2-D statement reads the 1-D one.
IN_2D = (
    r"In 2-D every index is a pair, one per axis, and every bracket and delta a product "
    r"over the axes. "
)


def statement_for(key: str, layer: Layer) -> str:
    return (IN_2D if layer.dims == 2 else "") + STATEMENTS[key]
