"""A theorem for all sizes: steps ``before = after``, each carried out by a rule, and
the :class:`GeneralProof` that holds them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sympy import (
    Expr,
)

from symconv.core.engine import same
from symconv.general.layer import Case, Layer
from symconv.general.rules import Rule, law
from symconv.proofs.proof import Proof, Step
from symconv.summation import (
    instantiate,
    sums_equal,
)


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

    >>> import sympy
    >>> from sympy import symbols
    >>> a = symbols("a")
    >>> step = derive("expand", (a + 1)**2, a**2 + 2*a + 1, Rule("expand", sympy.expand),
    ...               "definition")
    >>> step.holds, step.method
    (True, 'expand, then identical')
    """
    stated = law(law_key)
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
