"""LaTeX for symconv's objects: expressions with 0- or 1-based indices, elided matrices,
and proofs as ``align`` environments.

Big objects are elided *before* printing: only the kept corners of a matrix are ever
passed to ``sympy.latex`` (printing a 1024-column band whole costs seconds).

Examples
========

>>> from sympy import symbols, Matrix
>>> from symconv.latex import expr_latex, matrix_latex
>>> x0, w2 = symbols("x0 w2")
>>> expr_latex(x0 * w2, index_base=1)
'w_{3} x_{1}'
>>> print(matrix_latex(Matrix(5, 5, lambda i, j: i + j), max_rows=3, max_cols=3))
\\begin{bmatrix} 0 & 1 & \\cdots & 4 \\\\ 1 & 2 & \\cdots & 5 \\\\ \\vdots & \\vdots & \\ddots & \\vdots \\\\ 4 & 5 & \\cdots & 8 \\end{bmatrix}
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sympy
from sympy import Expr

INDEXED_NAME = re.compile(r"([A-Za-z]+?)(\d+)(?:_(\d+))?\Z")

#: Characters that end or change LaTeX text, with what prints them literally.
TEXT_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
}


def escape_text(text: str) -> str:
    r"""Make user or library text safe inside LaTeX text mode.

    >>> escape_text(r"50% of $x_1$ \input{f}")
    '50\\% of \\$x\\_1\\$ \\textbackslash{}input\\{f\\}'
    """
    return "".join(TEXT_ESCAPES.get(ch, ch) for ch in text)


def symbol_names(expressions: Sequence[Any], index_base: int = 0) -> dict[sympy.Symbol, str]:
    """LaTeX names for ``x12``-style symbols with the index shifted to ``index_base``."""
    names: dict[sympy.Symbol, str] = {}
    for e in expressions:
        if not isinstance(e, sympy.Basic):
            continue
        for s in e.free_symbols:
            if s in names or not isinstance(s, sympy.Symbol):
                continue
            match = INDEXED_NAME.match(s.name)
            if match is None:
                continue
            base, first, second = match.groups()
            index = str(int(first) + index_base)
            if second is not None:
                index += "," + str(int(second) + index_base)
            names[s] = f"{sympy.latex(sympy.Symbol(base))}_{{{index}}}"
    return names


def expr_latex(expr: Any, index_base: int = 0) -> str:
    """One expression in LaTeX, indices printed from ``index_base``."""
    expr = sympy.sympify(expr, strict=True) if not isinstance(expr, sympy.Basic) else expr
    return sympy.latex(expr, symbol_names=symbol_names([expr], index_base))


def kept(n: int, limit: int) -> list[int | None]:
    """Positions to show out of ``n``: all, or the first ``limit-1`` and the last with a
    ``None`` where the ellipsis goes."""
    if n <= limit:
        return list(range(n))
    head = max(limit - 1, 1)
    return list(range(head)) + [None, n - 1]


def matrix_latex(
    matrix: Any, max_rows: int = 8, max_cols: int = 8, index_base: int = 0, env: str = "bmatrix"
) -> str:
    """A matrix (SymPy ``Matrix``, :class:`~symconv.banded.BandedMatrix` or anything with
    ``shape`` and ``[i, j]``), elided with ``\\cdots``/``\\vdots``/``\\ddots`` past the limits."""
    rows, cols = matrix.shape
    row_keep, col_keep = kept(rows, max_rows), kept(cols, max_cols)
    entries = [matrix[i, j] for i in row_keep if i is not None for j in col_keep if j is not None]
    names = symbol_names(entries, index_base)
    lines = []
    for i in row_keep:
        cells = []
        for j in col_keep:
            if i is None and j is None:
                cells.append(r"\ddots")
            elif i is None:
                cells.append(r"\vdots")
            elif j is None:
                cells.append(r"\cdots")
            else:
                cells.append(sympy.latex(matrix[i, j], symbol_names=names))
        lines.append(" & ".join(cells))
    return rf"\begin{{{env}}} " + r" \\ ".join(lines) + rf" \end{{{env}}}"


def vector_latex(entries: Sequence[Any], max_rows: int = 8, index_base: int = 0) -> str:
    """A column vector, elided like :func:`matrix_latex`."""
    column = sympy.Matrix(len(entries), 1, [sympy.S.Zero] * len(entries))
    shown = kept(len(entries), max_rows)
    for i in shown:
        if i is not None:
            column[i, 0] = entries[i]
    return matrix_latex(column, max_rows=max_rows, max_cols=1, index_base=index_base)


def label_latex(label: Any, index_base: int = 0) -> str:
    if isinstance(label, tuple):
        return "(" + ", ".join(str(v + index_base) if isinstance(v, int) else escape_text(str(v)) for v in label) + ")"
    return escape_text(str(label))


def step_latex(step: Any, index_base: int = 0, max_entries: int = 4) -> str:
    """One step: its claim, law and verdict, and an ``align*`` of its first entries."""
    verdict = "holds" if step.holds else "fails"
    parts = [
        rf"\paragraph{{{escape_text(step.name)}}} "
        rf"{escape_text(step.law)}. Checked by {escape_text(step.method)}: \emph{{{verdict}}}"
        + (f" over {len(step.lhs)} entries." if step.lhs else ".")
    ]
    if step.lhs:
        show = kept(len(step.lhs), max_entries)
        rows = []
        names = symbol_names([step.lhs[i] for i in show if i is not None] + [step.rhs[i] for i in show if i is not None and i < len(step.rhs)], index_base)
        for i in show:
            if i is None:
                rows.append(r"&\;\;\vdots")
                continue
            left = sympy.latex(step.lhs[i], symbol_names=names)
            right = sympy.latex(step.rhs[i], symbol_names=names) if i < len(step.rhs) else r"\text{(missing)}"
            where = label_latex(step.labels[i], index_base) if i < len(step.labels) else str(i)
            relation = "=" if step.holds or step.mismatch is None or step.mismatch[0] != step.labels[i] else r"\neq"
            rows.append(rf"{left} &{relation} {right} && \text{{entry {where}}}")
        parts.append("\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}")
    if step.mismatch is not None:
        where, left, right = step.mismatch
        parts.append(
            rf"First difference at {label_latex(where, index_base)}: "
            rf"${expr_latex(left, index_base) if left is not None else '?'} \neq "
            rf"{expr_latex(right, index_base) if right is not None else '?'}$."
        )
    return "\n".join(parts)


def proof_latex(proof: Any, index_base: int = 0, max_entries: int = 4, display: bool = False) -> str:
    """A :class:`~symconv.proof.Proof` as a LaTeX fragment (``display`` for Jupyter)."""
    verdict = "holds" if proof.holds else "fails"
    if display:
        # Jupyter renders math, not text-mode LaTeX: show the verdicts as an array.
        rows = [
            rf"\text{{{escape_text(s.name)}}} & \text{{{'holds' if s.holds else 'fails'}}}"
            for s in proof.steps
        ]
        return (
            rf"$\displaystyle \begin{{array}}{{ll}} \textbf{{{escape_text(proof.title)}}} & "
            rf"\text{{{verdict}}} \\ " + r" \\ ".join(rows) + r" \end{array}$"
        )
    parts = [
        rf"\subsection*{{{escape_text(proof.title)}}}",
        escape_text(proof.statement),
    ]
    if proof.assumptions:
        parts.append(
            r"\begin{itemize}" + "".join(rf"\item {escape_text(a)}" for a in proof.assumptions) + r"\end{itemize}"
        )
    parts += [step_latex(step, index_base, max_entries) for step in proof.steps]
    parts.append(rf"\noindent\textbf{{Verdict:}} the claim {verdict}.")
    return "\n\n".join(parts) + "\n"
