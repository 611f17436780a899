"""A proof for every size (:class:`~symconv.general.GeneralProof`) as LaTeX: statement,
definitions, assumptions and numbered steps, broken to fit the line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sympy
from sympy import (
    Derivative,
    Expr,
    Mul,
    Product,
    S,
    Sum,
)

from symconv.proofs.law import as_law
from symconv.render.latex import LINE_BUDGET, escape_text, estimate_width, packed
from symconv.summation import (
    Iverson,
    condition_latex,
)

#: Widest line (em) of a proof step: the report's budget less the list's indent and the
#: ``={}`` column.
STEP_BUDGET = LINE_BUDGET - 5.0

if TYPE_CHECKING:
    from symconv.general.theorem import GeneralProof
    from symconv.proofs.proof import Step


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
    >>> print(*latex_chunks(Sum(w[j] + x[j], (j, 0, n))), sep="\\n")
    \\sum_{j=0}^{n} \\left({w}_{j} + {x}_{j}\\right)
    """
    if isinstance(expr, (Sum, Product)):
        if isinstance(expr.function, sympy.Add):  # sum (a + b): its terms stay together
            return [rf"{_limits_latex(expr)} \left({sympy.latex(expr.function)}\right)"]
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
    return packed(latex_chunks(expr), budget)


def equation_rows(lhs: Expr, rhs: Expr, relation: str = "=", *, at: tuple[str, ...] = ()) -> str:
    """``lhs relation rhs`` as ``align*`` rows: one row if it fits, else each side on
    its own lines. ``at`` (LaTeX, e.g. ``("s = d = 1", "p_l = p_r = 0")``) is a
    substitution made in ``lhs``: shown after it as ``|_{...}`` where that fits, else on a
    row of its own, "at ...", before the relation."""
    bar = r" \Big|_{\substack{" + r" \\ ".join(at) + "}}" if at else ""
    one_row = rf"{sympy.latex(lhs)}{bar} &{relation} {sympy.latex(rhs)}"
    if estimate_width(one_row) <= STEP_BUDGET:
        return "\\begin{align*}\n" + one_row + "\n\\end{align*}"
    rows = []
    for position, line in enumerate(latex_lines(lhs)):
        rows.append(("&" if position == 0 else r"&\quad ") + line)
    if at and estimate_width(rows[-1] + bar) <= STEP_BUDGET:
        rows[-1] += bar
    elif at:  # "at a, b, c" on as many rows as its width needs
        current = r"&\quad \text{at } " + at[0]
        for part in at[1:]:
            if estimate_width(current + r",\ " + part) > STEP_BUDGET:
                rows.append(current + ",")
                current = r"&\qquad " + part
            else:
                current += r",\ " + part
        rows.append(current)
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


def substitution_latex(step: Step) -> tuple[str, ...]:
    """A specialisation step's substitution, symbols with equal values together
    (``("s = d = 1", "p_{l} = p_{r} = 0")``); empty for other steps."""
    values = step.details.get("substitution")
    if not values:
        return ()
    groups: dict[Expr, list[Expr]] = {}
    for symbol, value in values.items():
        groups.setdefault(value, []).append(symbol)
    return tuple(
        " = ".join(sympy.latex(v) for v in [*symbols, value]) for value, symbols in groups.items()
    )


def general_proof_latex(proof: GeneralProof, *, heading: str = "subsection*") -> str:
    """A proof for every size as LaTeX: statement (with its equations), definitions,
    assumptions, then the numbered steps ``before = after``, each with the law it uses
    and how it was checked.

    >>> from symconv.general import prove_flip
    >>> tex = prove_flip().to_latex()
    >>> tex.count(r"\\item \\textbf{"), r"\\begin{enumerate}" in tex
    (6, True)
    """
    verdict = "holds" if proof.holds else "fails"
    parts = [rf"\{heading}{{{escape_text(proof.title)}}}"]
    statement = as_law(proof.statement).latex()
    parts.append(r"\noindent\textbf{Statement.} " + statement)
    parts += [equation_rows(lhs, rhs) for lhs, rhs in proof.claims]
    for lhs, rhs in proof.definitions:
        parts.append(r"\noindent where" + "\n" + equation_rows(lhs, rhs, ":="))
    assumptions = tuple(as_law(a).latex() for a in proof.assumptions)
    if assumptions:
        parts.append(
            r"\noindent\textbf{Assumptions.}"
            + "\n\\begin{itemize}\n"
            + "\n".join(rf"\item {a}" for a in assumptions)
            + "\n\\end{itemize}"
        )
    items = []
    for step in proof.steps:
        law = as_law(step.law)
        # Words only (a code name such as symconv.conv_transpose1d) may break anywhere.
        law_tex = law.latex() if "$" in law.source else breakable(law)
        status = "holds" if step.holds else r"\textbf{fails}"
        item = rf"\item \textbf{{{as_law(step.name).latex()}}}: {law_tex}."
        if step.lhs and step.kind == "rewrite":
            item += "\n" + equation_rows(step.lhs[0], step.rhs[0], at=substitution_latex(step))
        elif step.lhs:
            item += f" Compared at {len(step.lhs)} concrete entries."
        # A rule's name shows its swap as "j <-> k": set the arrow as mathematics.
        method = breakable(step.method).replace(r"\textless{}-\textgreater{}", r"$\leftrightarrow$")
        item += rf" \emph{{Checked: {method}; {status}.}}"
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
