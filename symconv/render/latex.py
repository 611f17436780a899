r"""LaTeX for symconv's objects: expressions with 0- or 1-based indices, elided matrices,
and proofs as ``align`` environments.

Big objects are elided *before* printing: only the kept corners of a matrix (and the kept
terms of a long sum) are ever passed to ``sympy.latex``; printing a 1024-column band whole
costs seconds. How much is kept is decided by width where a line could overflow: a
matrix, row or tuple given a ``width`` shows as many entries as :func:`estimate_width`
says fit, and a sum too wide even when elided is broken into rows between its terms
(:func:`packed_rows`). What a proof step says about its law is the step's own
:class:`~symconv.proofs.law.Law`, attached by its prover; nothing here is chosen by a
step's name. :class:`symconv.render.printer.SymconvPrinter` dispatches to these functions.

Examples
========

>>> from sympy import symbols, Matrix
>>> from symconv.render.latex import expr_latex, matrix_latex
>>> x0, w2 = symbols("x0 w2")
>>> expr_latex(x0 * w2, index_base=1)
'w_{3} x_{1}'
>>> print(matrix_latex(Matrix(5, 5, lambda i, j: i + j), max_rows=2, max_cols=2))
\begin{bmatrix} 0 & \cdots & 4 \\ \vdots & \ddots & \vdots \\ 4 & \cdots & 8 \end{bmatrix}
>>> expr_latex(sum(symbols("a0:9")), max_terms=3)
'a_{0} + a_{1} + \\cdots + a_{8}'
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sympy
from sympy import Expr
from sympy.printing.latex import LatexPrinter

from symconv.proofs.law import as_law

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
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
    # The default OT1 text font prints these three as other glyphs (¡, ¿, an em dash).
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}


#: Non-Latin-1 characters that library or user text may carry, with a LaTeX spelling.
UNICODE_TEXT = {
    "\u2013": "--",
    "\u2014": "---",
    "\u2018": "`",
    "\u2019": "'",
    "\u201c": "``",
    "\u201d": "''",
    "\u2026": r"\ldots{}",
    "\u2218": r"\ensuremath{\circ}",
    "\u2264": r"\ensuremath{\leq}",
    "\u2265": r"\ensuremath{\geq}",
    "\u2260": r"\ensuremath{\neq}",
    "\u2192": r"\ensuremath{\to}",
    "\u2208": r"\ensuremath{\in}",
    "\u2211": r"\ensuremath{\sum}",
    "\u2202": r"\ensuremath{\partial}",
}


#: Latin-1 characters that pdflatex's default fonts (OT1) cannot print (checked by
#: compiling every one of U+00A0..U+00FF); the other Latin-1 letters and signs are fine.
LATIN1_MISSING = frozenset("\u00ab\u00bb\u00d0\u00de\u00f0\u00fe")


#: Greek letters spelled by name in LaTeX (the capitals that look Latin are not).
GREEK_CAPITALS = frozenset("GAMMA DELTA THETA LAMDA XI PI SIGMA UPSILON PHI PSI OMEGA".split())


def greek(ch: str) -> str | None:
    """``\\ensuremath{\\alpha}`` for a Greek letter LaTeX names, else None."""
    name = unicodedata.name(ch, "")
    match = re.fullmatch(r"GREEK (SMALL|CAPITAL) LETTER ([A-Z]+)", name)
    if match is None:
        return None
    case, letter = match.groups()
    if letter == "OMICRON" or (case == "CAPITAL" and letter not in GREEK_CAPITALS):
        return None
    command = letter.lower().replace("lamda", "lambda")
    return rf"\ensuremath{{\{command.capitalize() if case == 'CAPITAL' else command}}}"


def escape_text(text: str) -> str:
    r"""Make user or library text safe inside LaTeX text mode.

    Every character that means something to TeX is printed literally, runs of white space
    (newlines included: a blank line would end a heading's argument) become one space, and
    a character the default fonts cannot print is refused rather than left to break the
    compile.

    >>> escape_text(r"50% of $x_1$ \input{f}")
    '50\\% of \\$x\\_1\\$ \\textbackslash{}input\\{f\\}'
    >>> escape_text("a\n\nb  <c>")
    'a b \\textless{}c\\textgreater{}'
    >>> escape_text("M\u2218dL, \u03b7")
    'M\\ensuremath{\\circ}dL, \\ensuremath{\\eta}'
    >>> escape_text("\u2603")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: character '☃' (U+2603) in '☃' cannot be printed by pdflatex's default fonts; ...
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}")
    out: list[str] = []
    for ch in " ".join(text.split()):
        if ch in TEXT_ESCAPES:
            out.append(TEXT_ESCAPES[ch])
        elif " " <= ch <= "~" or ("\u00a0" <= ch <= "\u00ff" and ch not in LATIN1_MISSING):
            out.append(ch)
        elif ch in UNICODE_TEXT:
            out.append(UNICODE_TEXT[ch])
        elif (spelled := greek(ch)) is not None:
            out.append(spelled)
        else:
            raise ValueError(
                f"character {ch!r} (U+{ord(ch):04X}) in {text!r} cannot be printed by "
                "pdflatex's default fonts; use ASCII, Latin-1 letters or Greek letters"
            )
    return "".join(out)


#: Characters of text that MathJax and LaTeX both take literally inside ``\text{}``.
DISPLAY_SAFE = re.compile(r"[A-Za-z0-9 .,;:!?()\[\]'/*+=@-]+")


#: How :func:`display_text` prints the other characters, in math mode.
DISPLAY_ESCAPES = {
    "\\": r"\backslash",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\hat{}",
    "~": r"\sim",
    "<": "<",
    ">": ">",
    "|": r"\vert",
    "\u2218": r"\circ",
}


def display_text(text: str) -> str:
    r"""Text for *math mode* that Jupyter's MathJax and real LaTeX read the same way.

    MathJax prints the inside of ``\text{}`` verbatim, so an escape such as ``\%`` there
    would show its backslash; the special characters are therefore printed in math mode
    between ``\text{}`` runs of plain characters.

    >>> display_text("50% of x_1")
    '\\text{50}\\%\\text{ of x}\\_\\text{1}'
    """
    out: list[str] = []
    position = 0
    flat = " ".join(text.split())
    while position < len(flat):
        run = DISPLAY_SAFE.match(flat, position)
        if run:
            out.append(rf"\text{{{run.group()}}}")
            position = run.end()
            continue
        ch = flat[position]
        if ch in DISPLAY_ESCAPES:
            out.append(DISPLAY_ESCAPES[ch])
        else:
            spelled = greek(ch)
            out.append(spelled[len(r"\ensuremath{") : -1] if spelled else r"\text{?}")
        position += 1
    return "".join(out)


#: LaTeX that SymPy prints for a symbol and that may stand as it is: letters, digits,
#: sub- and superscripts in braces, and Greek letters' commands. Anything else (a user's
#: ``\input{...}``, a space, a non-ASCII letter) is set as escaped text instead.
GREEK_COMMANDS = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma "
    "tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi "
    "Omega varepsilon vartheta varphi varrho varsigma ell"
).split()
SAFE_SYMBOL_LATEX = re.compile(
    r"(?:[A-Za-z0-9_^{}' ]|\\(?:" + "|".join(GREEK_COMMANDS) + r")(?![A-Za-z]))+"
)


def symbol_latex(symbol: sympy.Symbol) -> str:
    r"""The one LaTeX-safe naming rule for a symbol that is not an indexed entry: SymPy's
    LaTeX where it is plain (``alpha`` as ``\alpha``, ``x_1`` as ``x_{1}``), else the name
    as escaped text (a name is data, never markup).

    >>> print(symbol_latex(sympy.Symbol("alpha")), symbol_latex(sympy.Symbol(r"\input{f}")))
    \alpha \text{\textbackslash{}input\{f\}}
    """
    tex = sympy.latex(symbol)
    if SAFE_SYMBOL_LATEX.fullmatch(tex) and tex.count("{") == tex.count("}"):
        return tex
    return r"\text{" + escape_text(symbol.name) + "}"


def symbol_name(symbol: sympy.Symbol, index_base: int = 0) -> str:
    """A symbol's LaTeX name: an ``x12``-style entry with its index shifted to
    ``index_base``, any other name by :func:`symbol_latex`.

    >>> symbol_name(sympy.Symbol("x12"), 1), symbol_name(sympy.Symbol("g3_4"))
    ('x_{13}', 'g_{3,4}')
    """
    match = INDEXED_NAME.match(symbol.name)
    if match is None:
        return symbol_latex(symbol)
    base, first, second = match.groups()
    index = str(int(first) + index_base)
    if second is not None:
        index += "," + str(int(second) + index_base)
    return f"{sympy.latex(sympy.Symbol(base))}_{{{index}}}"


class SymbolNames(dict[sympy.Symbol, str]):
    """LaTeX names of symbols, each made by :func:`symbol_name` when first asked for
    (``get``, as SymPy's printer asks): a report names only the symbols it prints, not
    every symbol of the elided sums it shows a few terms of.

    >>> names = SymbolNames(1)
    >>> names.get(sympy.Symbol("w0")), dict(names)
    ('w_{1}', {w0: 'w_{1}'})
    """

    def __init__(self, index_base: int = 0) -> None:
        super().__init__()
        self.index_base = index_base

    def get(self, key: Any, default: Any = None) -> Any:
        name = super().get(key)
        if name is None and isinstance(key, sympy.Symbol):
            name = self[key] = symbol_name(key, self.index_base)
        return default if name is None else name


def symbol_names(expressions: Iterable[Any], index_base: int = 0) -> SymbolNames:
    """LaTeX names for every symbol of ``expressions`` (and, on first use, of any other
    expression printed with them): see :func:`symbol_name`."""
    names = SymbolNames(index_base)
    for e in expressions:
        if not isinstance(e, sympy.Basic):
            continue
        for s in e.free_symbols:
            if isinstance(s, sympy.Symbol):
                names.get(s)
    return names


def check_index_base(index_base: object) -> int:
    """Indices start at 0 (Python, PyTorch) or 1 (the book's notation); nothing else."""
    if isinstance(index_base, bool) or index_base not in (0, 1):
        raise ValueError(f"index_base must be 0 or 1, got {index_base!r}")
    return int(index_base)  # type: ignore[call-overload]


@functools.lru_cache(maxsize=1 << 16)
def symbol_key(symbol: sympy.Symbol) -> tuple[str, int, int]:
    """Sort key of a symbol: its base name, then its indices as numbers (x2 before x10)."""
    match = INDEXED_NAME.match(symbol.name)
    if match is None:
        return (symbol.name, -1, -1)
    base, first, second = match.groups()
    return (base, int(first), int(second) if second is not None else -1)


def term_key(term: Expr) -> tuple[Any, ...]:
    """Sort key of a term of a sum: terms with fewer symbols first (``w - eta * (...)``,
    the update before the correction), then by their symbols in index order; numbers last."""
    # Ties keep SymPy's canonical argument order (the sort is stable), so the printed order
    # is deterministic without SymPy's costly default_sort_key.
    args = term.args
    if len(args) == 2 and isinstance(term, sympy.Mul):
        a, b = args  # g_i x_j, w_k x_j: nearly every term of a layer's long sums
        if isinstance(a, sympy.Symbol) and isinstance(b, sympy.Symbol):
            first, second = symbol_key(a), symbol_key(b)
            return (0, 2, [first, second] if first <= second else [second, first])
    symbols = sorted(symbol_key(s) for s in term_symbols(term))
    return (0 if symbols else 1, len(symbols), symbols)


def term_symbols(term: Expr) -> Iterable[sympy.Symbol]:
    """The symbols of one term: read off a symbol or a product of symbols and numbers
    (nearly every term of a layer's sums) without SymPy's generic ``free_symbols`` walk."""
    if isinstance(term, sympy.Symbol):
        return (term,)
    if isinstance(term, sympy.Mul) and all(a.is_Symbol or a.is_Number for a in term.args):
        return [a for a in term.args if isinstance(a, sympy.Symbol)]
    return [s for s in term.free_symbols if isinstance(s, sympy.Symbol)]


@functools.lru_cache(maxsize=64)
def ordered_terms(expr: Expr) -> tuple[Expr, ...]:
    """A sum's terms in :func:`term_key` order, remembered for the few sums a report
    prints again while it fits a line (each try elides more of the same sum)."""
    return tuple(sorted(expr.args, key=term_key))


def long_name(symbol: sympy.Symbol) -> bool:
    """Whether a symbol's base name is a word of several letters (not a Greek letter),
    which math mode sets as a run of letters.

    >>> long_name(sympy.Symbol("weight3")), long_name(sympy.Symbol("w3"))
    (True, False)
    """
    base = symbol_key(symbol)[0]
    return len(base) > 1 and base.isalpha() and base.isascii() and base not in GREEK_COMMANDS


class ReportPrinter(LatexPrinter):
    """SymPy's LaTeX printer with the terms of every sum in index order (``x_2`` before
    ``x_10``, where SymPy's string order puts ``x_10`` first) and sums of more than
    ``max_terms`` terms elided at any depth, *before* the elided terms are printed."""

    def __init__(self, names: dict[sympy.Symbol, str], max_terms: int | None = None) -> None:
        # order "none": the printer keeps the canonical argument order instead of sorting
        # every nested sum again (seconds for a 1024-term sum inside a product).
        super().__init__({"symbol_names": names, "order": "none"})
        self.max_terms = max_terms

    def _print_Mul(self, expr: Expr) -> str:
        # Multi-letter names multiplied (filterweight_0 inputsignalvalue_0) would run
        # together in math mode: a thin space keeps the factors apart.
        args = expr.args
        if all(isinstance(a, sympy.Symbol) for a in args) and any(map(long_name, args)):
            return r"\,".join(self._print(a) for a in args)
        return str(super()._print_Mul(expr))

    def _print_Add(self, expr: Expr, order: str | None = None) -> str:
        terms: list[Expr | None] = list(ordered_terms(expr))
        if self.max_terms is not None and len(terms) > self.max_terms:
            head = max(self.max_terms - 1, 1)
            terms = [*terms[:head], None, terms[-1]]
        tex = ""
        for position, term in enumerate(terms):
            if term is None:
                tex += r" + \cdots"
                continue
            if position == 0:
                pass
            elif term.could_extract_minus_sign():
                tex += " - "
                term = -term
            else:
                tex += " + "
            term_tex = self._print(term)
            if self._needs_add_brackets(term):
                term_tex = rf"\left({term_tex}\right)"
            tex += term_tex
        return tex


def terms_latex(expr: Any, names: dict[sympy.Symbol, str], max_terms: int | None = None) -> str:
    r"""``expr`` printed with ``names``; every sum of more than ``max_terms`` terms keeps
    its first ``max_terms - 1`` terms and its last, with ``\\cdots`` between.

    >>> from sympy import symbols
    >>> a = symbols("a0:12")
    >>> terms_latex(a[10] + a[2], {})
    'a_{2} + a_{10}'
    >>> terms_latex(-symbols("eta") * sum(a) + a[0], {}, max_terms=3)
    'a_{0} - \\eta \\left(a_{0} + a_{1} + \\cdots + a_{11}\\right)'
    """
    return ReportPrinter(names, max_terms).doprint(expr)


def expr_latex(expr: Any, index_base: int = 0, max_terms: int | None = None) -> str:
    """One expression in LaTeX, indices printed from ``index_base``, long sums elided."""
    expr = sympy.sympify(expr, strict=True) if not isinstance(expr, sympy.Basic) else expr
    return terms_latex(expr, symbol_names([expr], index_base), max_terms)


def kept(n: int, limit: int) -> list[int | None]:
    """Positions to show out of ``n``: all, or the first ``limit-1`` and the last with a
    ``None`` where the ellipsis goes.

    >>> kept(3, 8), kept(10, 4)
    ([0, 1, 2], [0, 1, 2, None, 9])
    """
    if n <= limit:
        return list(range(n))
    head = max(limit - 1, 1)
    return list(range(head)) + [None, n - 1]


#: How a structural zero of a banded matrix is printed when the band is to stand out.
STRUCTURAL_ZERO = r"\scriptstyle 0"


def matrix_latex(
    matrix: Any,
    max_rows: int = 8,
    max_cols: int = 8,
    index_base: int = 0,
    env: str = "bmatrix",
    *,
    mark_band: bool = False,
    max_terms: int | None = None,
    width: float | None = None,
) -> str:
    """A matrix (SymPy ``Matrix``, :class:`~symconv.banded.BandedMatrix` or anything with
    ``shape`` and ``[i, j]``), elided with ``\\cdots``/``\\vdots``/``\\ddots`` past the limits.

    With ``mark_band`` (a banded matrix only) the entries off the band print small, so the
    band stands out; entries in the band that happen to be 0 print normally. With
    ``width`` (em) the matrix shows fewer columns, then fewer terms of each entry's sums,
    until its estimated width fits (first column, ``\\cdots``, last column at the least):
    long names elide by width, not by count.

    >>> from symconv import band
    >>> print(matrix_latex(band([5, 0, 7], 4), mark_band=True))
    \\begin{bmatrix} 5 & 0 & 7 & \\scriptstyle 0 \\\\ \\scriptstyle 0 & 5 & 0 & 7 \\end{bmatrix}
    >>> from sympy import Matrix, symbols
    >>> print(matrix_latex(Matrix([symbols("longname0:9")]), width=12))
    \\begin{bmatrix} longname_{0} & \\cdots & longname_{8} \\end{bmatrix}
    """
    if width is not None:
        return fitted_matrix(
            matrix, max_rows, max_cols, index_base, env, mark_band, max_terms, width
        )
    rows, cols = matrix.shape
    row_keep, col_keep = kept(rows, max_rows), kept(cols, max_cols)
    entries = [matrix[i, j] for i in row_keep if i is not None for j in col_keep if j is not None]
    names = symbol_names(entries, index_base)
    ties = getattr(matrix, "ties", None) if mark_band else None
    lines = []
    for i in row_keep:
        cells = []
        for j in col_keep:
            if i is None and j is None:
                cells.append(r"\ddots")
            elif i is None:
                cells.append(r"\vdots")
            elif j is None:
                cells.append(hidden_band(matrix, i, col_keep, index_base) if ties else r"\cdots")
            elif ties is not None and (i, j) not in ties:
                cells.append(STRUCTURAL_ZERO)
            else:
                cells.append(terms_latex(matrix[i, j], names, max_terms))
        lines.append(" & ".join(cells))
    return rf"\begin{{{env}}} " + r" \\ ".join(lines) + rf" \end{{{env}}}"


def fitted_matrix(
    matrix: Any,
    max_rows: int,
    max_cols: int,
    index_base: int,
    env: str,
    mark_band: bool,
    max_terms: int | None,
    width: float,
) -> str:
    """:func:`matrix_latex` within ``width`` em: columns go first, then terms of sums."""

    def with_columns(columns: int) -> str:
        return matrix_latex(
            matrix, max_rows, columns, index_base, env, mark_band=mark_band, max_terms=max_terms
        )

    tex = fitted(with_columns, min(max_cols, matrix.shape[1]), width)
    if estimate_width(tex) <= width:
        return tex

    def with_terms(terms: int) -> str:
        return matrix_latex(
            matrix, max_rows, 2, index_base, env, mark_band=mark_band, max_terms=terms
        )

    return fitted(with_terms, max_terms if max_terms is not None else 6, width)


def fitted(render: Callable[[int], str], limit: int, width: float | None, least: int = 2) -> str:
    """``render(n)`` for the largest ``n`` from ``limit`` down to ``least`` whose estimated
    width fits ``width`` em (``render(least)`` when none does; ``render(limit)`` when
    ``width`` is None): how symconv elides by width, never by count alone.

    >>> fitted(lambda n: "m" * n, 9, 3.0)
    'mmm'
    """
    n = max(limit, least)
    while True:
        tex = render(n)
        if width is None or n <= least or estimate_width(tex) <= width:
            return tex
        n -= 1


def hidden_band(matrix: Any, i: int, col_keep: list[int | None], index_base: int) -> str:
    """The ``\\cdots`` of an elided banded row, saying where the row's band is when all of
    it falls in the hidden columns (a row of shown zeros would read as an empty row)."""
    shown = {j for j in col_keep if j is not None}
    ties = matrix.ties
    if hasattr(ties, "row_columns"):
        columns = list(ties.row_columns(i))
    else:  # a plain dict of ties
        columns = [j for (r, j) in ties if r == i]
    if not columns or any(j in shown for j in columns):
        return r"\cdots"
    lo, hi = min(columns) + index_base, max(columns) + index_base
    where = f"{lo}" if lo == hi else f"{lo}..{hi}"
    return rf"\cdots\,{{\scriptstyle (\text{{band at }} {where})}}"


def vector_latex(
    entries: Sequence[Any],
    max_rows: int = 8,
    index_base: int = 0,
    max_terms: int | None = None,
    *,
    width: float | None = None,
) -> str:
    """A column vector, elided like :func:`matrix_latex` (``width``: fewer terms of each
    entry's sums until the column fits)."""
    if width is not None:
        whole = vector_latex(entries, max_rows, index_base, max_terms)
        if estimate_width(whole) <= width:
            return whole
        return fitted(
            lambda terms: vector_latex(entries, max_rows, index_base, terms),
            max_terms if max_terms is not None else 6,
            width,
        )
    column = sympy.Matrix(len(entries), 1, [sympy.S.Zero] * len(entries))
    shown = kept(len(entries), max_rows)
    for i in shown:
        if i is not None:
            column[i, 0] = entries[i]
    return matrix_latex(
        column, max_rows=max_rows, max_cols=1, index_base=index_base, max_terms=max_terms
    )


def row_latex(
    entries: Sequence[Any],
    max_cols: int = 8,
    index_base: int = 0,
    transpose: bool = True,
    *,
    width: float | None = None,
) -> str:
    r"""A column vector written as a transposed row, the compact form for running text
    (``width``: fewer entries until the row fits that many em).

    >>> row_latex([1, 2, 3, 4, 5], max_cols=3)
    '\\begin{bmatrix} 1 & 2 & \\cdots & 5 \\end{bmatrix}^{\\top}'
    """
    if width is not None:
        return fitted(lambda n: row_latex(entries, n, index_base, transpose), max_cols, width)
    shown = kept(len(entries), max_cols)
    values = [entries[i] for i in shown if i is not None]
    names = symbol_names(values, index_base)
    cells = [r"\cdots" if i is None else terms_latex(entries[i], names) for i in shown]
    body = r"\begin{bmatrix} " + " & ".join(cells) + r" \end{bmatrix}"
    return body + (r"^{\top}" if transpose else "")


def tuple_latex(
    entries: Sequence[Any],
    index_base: int = 0,
    max_cols: int = 8,
    *,
    breakable: bool = False,
    width: float | None = None,
) -> str:
    r"""Entries as a parenthesised tuple, ``(x_{1}, x_{2}, x_{3})``, elided past ``max_cols``
    (and, with ``width``, past what fits that many em).

    ``breakable`` lets TeX break a line after a comma, which it never does in math by
    itself: use it for tuples in running text.

    >>> tuple_latex([1, 2, 3]), tuple_latex([1, 2], breakable=True)
    ('(1, 2, 3)', '(1,\\allowbreak 2)')
    """
    if width is not None:
        return fitted(
            lambda n: tuple_latex(entries, index_base, n, breakable=breakable), max_cols, width
        )
    shown = kept(len(entries), max_cols)
    names = symbol_names([entries[i] for i in shown if i is not None], index_base)
    cells = [r"\ldots" if i is None else terms_latex(entries[i], names) for i in shown]
    return "(" + (",\\allowbreak " if breakable else ", ").join(cells) + ")"


def label_latex(label: Any, index_base: int = 0) -> str:
    """An entry label in text mode: integer indices shifted to ``index_base``."""
    if isinstance(label, tuple):
        return (
            "("
            + ", ".join(
                str(v + index_base) if isinstance(v, int) else escape_text(str(v)) for v in label
            )
            + ")"
        )
    return escape_text(str(label))


#: Width in em (10 pt Computer Modern) of the commands the estimator knows; others count
#: as one letter. Measured with TeX's \settowidth on the shapes symconv prints.
# fmt: off
COMMAND_WIDTHS = {
    "cdots": 1.35, "ldots": 1.35, "vdots": 0.3, "ddots": 1.2, "cdot": 0.78, "quad": 1.0,
    "qquad": 2.0, ";": 0.28, ",": 0.17, ":": 0.22, "!": -0.17, "top": 0.78, "neq": 1.33,
    "leq": 1.33, "geq": 1.33, "in": 1.22, "to": 1.55, "times": 1.22, "partial": 0.56,
    "sum": 1.1, "circ": 0.72, "eta": 0.5, "max": 1.9, "min": 1.6, "tanh": 2.2, "exp": 1.5,
    "sigma": 0.57, "scriptstyle": 0.0, "displaystyle": 0.0, "left": 0.0, "right": 0.0,
    "mathopen": 0.0, "mathclose": 0.0, "tilde": 0.0, "hat": 0.0, "operatorname": 0.0,
    "mathrm": 0.0, "mathbf": 0.0, "boldsymbol": 0.0, "limits": 0.0, "nolimits": 0.0,
    "allowbreak": 0.0,
}


#: Per letter: Computer Modern math italic (cmmi10), as TeX sets a symbol's name, a touch
#: wider for the italic correction. A long name (``inputsignalvalue``) is as wide as its
#: letters, ``m`` nearly three times ``i``.
LETTER_WIDTHS = {
    **dict(zip("abcdefghijklmnopqrstuvwxyz", (
        0.55, 0.45, 0.45, 0.54, 0.49, 0.51, 0.50, 0.60, 0.36, 0.43, 0.54, 0.32, 0.90,
        0.62, 0.51, 0.53, 0.47, 0.47, 0.49, 0.38, 0.59, 0.51, 0.74, 0.59, 0.51, 0.49,
    ), strict=True)),
    **dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (
        0.77, 0.78, 0.74, 0.85, 0.76, 0.67, 0.81, 0.85, 0.46, 0.58, 0.87, 0.70, 0.99,
        0.83, 0.79, 0.67, 0.81, 0.78, 0.64, 0.61, 0.70, 0.61, 0.97, 0.85, 0.61, 0.70,
    ), strict=True)),
}


#: Per character: binary operators and relations carry their spacing.
CHAR_WIDTHS = {"+": 1.22, "-": 1.22, "=": 1.33, "<": 1.33, ">": 1.33, ",": 0.45, "(": 0.39,
               ")": 0.39, "[": 0.28, "]": 0.28, "|": 0.28, "/": 0.5, " ": 0.0, "'": 0.3,
               ".": 0.28, ";": 0.45, ":": 0.5}


def group_end(text: str, start: int) -> int:
    """Index just past the brace group opening at ``text[start] == '{'``."""
    depth = 0
    for position in range(start, len(text)):
        if text[position] == "{":
            depth += 1
        elif text[position] == "}":
            depth -= 1
            if depth == 0:
                return position + 1
    return len(text)


def matrix_width(body: str) -> float:
    """Width of a matrix environment's body: widest cell per column, plus column gaps."""
    widths: dict[int, float] = {}
    for line in split_top(body, r"\\"):
        for column, cell in enumerate(split_top(line, "&")):
            widths[column] = max(widths.get(column, 0.0), estimate_width(cell))
    return sum(widths.values()) + 1.0 * len(widths) + 0.9


def split_top(text: str, separator: str) -> list[str]:
    """``text`` split at ``separator`` outside brace groups and environments."""
    parts, depth, start, position = [], 0, 0, 0
    while position < len(text):
        if text.startswith(r"\begin{", position):
            depth += 1
        elif text.startswith(r"\end{", position):
            depth -= 1
        ch = text[position]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and text.startswith(separator, position):
            parts.append(text[start:position])
            position += len(separator)
            start = position
            continue
        position += 1
    parts.append(text[start:])
    return parts


def estimate_width(latex: str, scale: float = 1.0) -> float:
    r"""A rough width in em of math-mode ``latex`` as TeX would set it in display style.

    Errs on the wide side; used to decide when a formula needs another line or more
    elision, so that no line of a report overflows the page.

    >>> round(estimate_width(r"w_{1} x_{1} + w_{2} x_{2}"), 1)
    5.3
    """
    width, position = 0.0, 0
    while position < len(latex):
        ch = latex[position]
        if ch in "_^":
            position += 1
            if position < len(latex) and latex[position] == "{":
                end = group_end(latex, position)
                width += estimate_width(latex[position + 1 : end - 1], scale * 0.7)
                position = end
            elif position < len(latex):
                width += 0.55 * scale * 0.7
                position += 1
            continue
        if ch == "\\":
            match = re.match(r"\\([A-Za-z]+|.)", latex[position:])
            name = match.group(1) if match else ""
            position += len(name) + 1
            if name == "begin":
                env_end = latex.find("}", position)
                environment = latex[position + 1 : env_end]
                close = latex.find(rf"\end{{{environment}}}", env_end)
                close = len(latex) if close < 0 else close
                width += matrix_width(latex[env_end + 1 : close]) * scale
                position = close + len(rf"\end{{{environment}}}")
                continue
            if name == "frac":
                top_end = group_end(latex, position)
                bottom_end = group_end(latex, top_end)
                width += (
                    max(
                        estimate_width(latex[position + 1 : top_end - 1], scale),
                        estimate_width(latex[top_end + 1 : bottom_end - 1], scale),
                    )
                    + 0.3 * scale
                )
                position = bottom_end
                continue
            if name == "text":
                end = group_end(latex, position)
                width += 0.5 * (end - position - 2) * scale
                position = end
                continue
            if name == "scriptstyle":  # the rest of the group, at script size
                width += estimate_width(latex[position:], scale * 0.7)
                break
            width += COMMAND_WIDTHS.get(name, 0.6) * scale
            continue
        if ch == "{":
            # A group keeps a \scriptstyle inside it to itself.
            end = group_end(latex, position)
            width += estimate_width(latex[position + 1 : end - 1], scale)
            position = end
            continue
        if ch == "}":
            position += 1
            continue
        default = 0.5 if ch.isdigit() else LETTER_WIDTHS.get(ch, 0.62)
        width += CHAR_WIDTHS.get(ch, default) * scale
        position += 1
    return width


#: Widest formula (em) a report puts on one line: the 10 pt article's text width is
#: 34.5 em; the rest is the margin an estimate needs.
LINE_BUDGET = 30.0


#: What opens and closes a group that a line must not break inside, besides braces.
DELIMITER_OPEN = re.compile(r"\\left(?![A-Za-z])|\\begin\{")
DELIMITER_CLOSE = re.compile(r"\\right(?![A-Za-z])|\\end\{")


def top_terms(latex: str) -> list[str]:
    r"""``latex`` cut before each ``+`` or ``-`` that joins terms at its top level (never
    inside braces, ``\left...\right`` or an environment); each later piece keeps its sign.

    >>> top_terms(r"a_{1} + \cdots - \eta \left(b + c\right)")
    ['a_{1}', '+ \\cdots', '- \\eta \\left(b + c\\right)']
    """
    pieces, depth, start, position = [], 0, 0, 0
    while position < len(latex):
        if DELIMITER_OPEN.match(latex, position):
            depth += 1
        elif DELIMITER_CLOSE.match(latex, position):
            depth -= 1
        ch = latex[position]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and latex.startswith((" + ", " - "), position) and position > start:
            pieces.append(latex[start:position])
            start = position + 1
            position += 3
            continue
        position += 1
    pieces.append(latex[start:])
    return [piece.strip() for piece in pieces if piece.strip()]


def side_pieces(relation: str, latex: str, width: float) -> list[str]:
    r"""One side of an equation after ``relation`` as pieces for :func:`packed_rows`:
    whole when it fits ``width`` em, else cut into its top-level terms.

    >>> side_pieces("=", "a + b", 30.0), side_pieces("=", "a + b", 1.0)
    (['= a + b'], ['= a', '+ b'])
    """
    whole = f"{relation} {latex}".strip()
    if estimate_width(whole) <= width:
        return [whole]
    terms = top_terms(latex)
    return [f"{relation} {terms[0]}".strip(), *terms[1:]]


def packed(pieces: Sequence[str], budget: float) -> list[str]:
    """``pieces`` joined by spaces into lines of at most ``budget`` em (by
    :func:`estimate_width`), greedily; a piece wider than the budget gets a line of its own.

    >>> packed(["mmmmm", "mmmmm", "x"], 7)
    ['mmmmm', 'mmmmm x']
    """
    lines: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current} {piece}".strip()
        if current and estimate_width(candidate) > budget:
            lines.append(current)
            current = piece
        else:
            current = candidate
    lines.append(current)
    return lines


def packed_rows(
    lead: str, pieces: Sequence[str], width: float = LINE_BUDGET, indent: str = r"\quad"
) -> str:
    r"""Rows of an ``align*`` holding ``lead`` (the left side and its ``&``) followed by
    ``pieces``, as many to a row as fit ``width`` em: a row that would overflow ends and
    the next starts under the ``&``, indented by ``\quad`` unless it starts with a
    relation. A piece wider than the line gets a row of its own.

    >>> print(packed_rows("z &", ["= a", "+ b", "= c"], width=4.5))
    z &= a + b \\ &= c
    >>> print(packed_rows("z &", ["= mmmmm", "+ mmmmm"], width=7))
    z &= mmmmm \\ &\quad + mmmmm
    """
    rows = packed(pieces, width - estimate_width(lead.replace("&", "")))
    lines = []
    for position, row in enumerate(rows):
        if position == 0:
            lines.append(f"{lead}{row}")
        elif row.startswith(("=", r"\neq", "<", ">", r"\leq", r"\geq")):
            lines.append(f"&{row}")
        else:
            lines.append(rf"&{indent} {row}")
    return r" \\ ".join(lines)


#: LaTeX for the padded-input position read by output ``i`` at tap ``k``, per index base.
def step_title(step: Any, index_base: int = 0) -> str:
    """The step's heading: its name's LaTeX (a :class:`~symconv.proofs.law.Law`)."""
    return as_law(step.name).latex(index_base)


def step_law(step: Any, index_base: int = 0) -> str:
    """What the step claims and by which law: the LaTeX of the law the prover attached."""
    law = as_law(step.law)
    if not law:
        return ""
    text = law.latex(index_base)
    return text if text.rstrip().endswith((".", ":")) else text + "."


def fit_sides(
    lhs: Expr, rhs: Expr | None, names: dict[sympy.Symbol, str], max_terms: int
) -> tuple[str, str]:
    """Both sides of one entry, eliding long sums further until each fits a line."""
    terms = max_terms
    while True:
        left = terms_latex(lhs, names, terms)
        right = terms_latex(rhs, names, terms) if rhs is not None else r"\text{(missing)}"
        if terms <= 2 or max(estimate_width(left), estimate_width(right)) <= LINE_BUDGET - 4:
            return left, right
        terms -= 1


def entries_align(step: Any, index_base: int = 0, max_entries: int = 4, max_terms: int = 6) -> str:
    """An ``align*`` of the step's first and last entries, one row per entry.

    Each row reads ``lhs = rhs`` tagged with the entry's label; a row too wide for the
    line puts ``= rhs`` under ``lhs``.
    """
    if step.identical_sides:
        return single_sides(step, index_base, max_entries, max_terms)
    show = kept(len(step.lhs), max_entries)
    names = SymbolNames(index_base)
    where_failed = step.mismatch[0] if step.mismatch is not None else None
    rows: list[tuple[str, str, str, str] | None] = []
    for i in show:
        if i is None:
            rows.append(None)
            continue
        left, right = fit_sides(
            step.lhs[i], step.rhs[i] if i < len(step.rhs) else None, names, max_terms
        )
        label = step.labels[i] if i < len(step.labels) else (i,)
        relation = r"\neq" if not step.holds and where_failed == label else "="
        rows.append((left, relation, right, label_latex(label, index_base)))
    widest = max(
        (estimate_width(r[0]) + estimate_width(r[2]) + 8 for r in rows if r is not None), default=0
    )
    split = widest > LINE_BUDGET
    lines = []
    for row in rows:
        if row is None:
            lines.append(r"&\;\;\vdots" if split else r"&\;\;\vdots \notag")
            continue
        left, relation, right, where = row
        tag = rf"\tag*{{entry {where}}}"
        if split:
            lines.append(split_sides(left, relation, right) + f" {tag}")
        else:
            lines.append(rf"{left} &{relation} {right} {tag}")
    return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"


def split_sides(left: str, relation: str, right: str) -> str:
    r"""``left`` on one row and ``relation right`` under it; a side too wide for the line
    goes on as many rows as it needs, broken between its terms.

    >>> print(split_sides("a + b", "=", "c"))
    &a + b \notag \\ &\quad = c
    """
    left_rows = packed_rows("&", side_pieces("", left, LINE_BUDGET), LINE_BUDGET, r"\qquad")
    right_rows = packed_rows(
        r"&\quad ", side_pieces(relation, right, LINE_BUDGET - 1), LINE_BUDGET, r"\qquad"
    )
    return left_rows.replace(r" \\ ", r" \notag \\ ") + r" \notag \\ " + right_rows


def fitted_terms(expr: Expr, names: dict[sympy.Symbol, str], max_terms: int, width: float) -> str:
    """``expr`` with its sums elided further (to two terms at the least) until it fits
    ``width`` em."""
    return fitted(lambda terms: terms_latex(expr, names, terms), max_terms, width)


def single_sides(step: Any, index_base: int, max_entries: int, max_terms: int) -> str:
    """Both sides of every entry are one expression (built once, found again): show each
    result once, after the sentence saying so, instead of ``a = a``."""
    show = kept(len(step.lhs), max_entries)
    names = SymbolNames(index_base)
    lines = []
    for i in show:
        if i is None:
            lines.append(r"&\;\;\vdots \notag")
            continue
        label = step.labels[i] if i < len(step.labels) else (i,)
        body = fitted_terms(step.lhs[i], names, max_terms, LINE_BUDGET)
        rows = packed_rows("&", side_pieces("", body, LINE_BUDGET), LINE_BUDGET, r"\qquad")
        lines.append(
            rows.replace(r" \\ ", r" \notag \\ ")
            + rf" \tag*{{entry {label_latex(label, index_base)}}}"
        )
    return (
        "Both sides come out as the identical expression, so each entry is shown once:\n"
        "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"
    )


def tie_sets_latex(
    tie_sets: dict[int, list[Any]], index_base: int = 0, max_sets: int = 4, max_entries: int = 4
) -> str:
    """Each weight's tie set ``S_k``, the entries of T holding ``w_k`` (elided when long)."""
    lines = []
    for k in kept(len(tie_sets), max_sets):
        if k is None:
            lines.append(r"&\;\;\vdots \notag")
            continue
        entries = tie_sets[k]
        shown = [
            label_latex(entries[e], index_base) if e is not None else r"\dots"
            for e in kept(len(entries), max_entries)
        ]
        members = ", ".join(shown) if entries else r"\emptyset"
        size = rf"|S_{{{k + index_base}}}| = {len(entries)}"
        lines.append(rf"S_{{{k + index_base}}} &= \{{{members}\}} && {size} \notag")
    return (
        r"The tie sets, with $\partial L/\partial w_k = \sum_{(i,j) \in S_k} "
        r"\partial L/\partial u_{ij}$:"
        "\n\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"
    )


def step_details(step: Any, index_base: int = 0) -> str:
    """The data a reader needs from a step: the loss, the tie sets and tie pattern,
    an exhibited entry."""
    if not step.details:
        return ""
    parts = []
    loss = step.details.get("loss")
    if loss is not None:
        written = expr_latex(loss, index_base, 6)
        if estimate_width(written) <= LINE_BUDGET - 6:
            parts.append(rf"The loss: $L = {written}$.")
    pattern = step.details.get("pattern")
    if pattern is not None:
        parts.append(
            r"The tie pattern (entry $(i,j)$ of $T$ shows the weight it holds, $0$ where it "
            rf"is no parameter): \[ T = {matrix_latex(pattern, 6, 6, index_base, width=LINE_BUDGET - 2)} \]"
        )
    tie_sets = step.details.get("tie sets")
    if tie_sets:
        parts.append(tie_sets_latex(tie_sets, index_base))
    exhibit = step.details.get("exhibit")
    if exhibit:
        parts.append(exhibit_latex(exhibit, index_base))
    return "\n".join(parts)


def exhibit_latex(exhibit: tuple[Any, Any, Any], index_base: int = 0) -> str:
    """An entry a contrasting update changes: where, what it becomes, what it should be."""
    where, got, expected = exhibit
    entry = label_latex(where, index_base)
    shown = rf"For instance entry {entry} becomes ${expr_latex(got, index_base, 4)}$"
    if expected == 0:
        return shown + r" instead of staying $0$."
    return shown + (
        rf", while the first entry of its tie set becomes ${expr_latex(expected, index_base, 4)}$."
    )


def step_latex(step: Any, index_base: int = 0, max_entries: int = 4) -> str:
    """One step: its heading, law and verdict, and an ``align*`` of its first entries."""
    verdict = "holds" if step.holds else "fails"
    checked = (
        f"Checked entry by entry ({escape_text(step.method)}) over {len(step.lhs)} entries: "
        if step.lhs
        else "Checked on the structure: "
    )
    law = step_law(step, index_base)
    title = step_title(step, index_base)
    parts = [rf"\paragraph{{{title}.}} {law} {checked}\emph{{{verdict}}}."]
    if step.lhs:
        parts.append(entries_align(step, index_base, max_entries))
    details = step_details(step, index_base)
    if details:
        parts.append(details)
    if step.mismatch is not None and step.lhs:
        where, left, right = step.mismatch
        parts.append(
            rf"First difference at {label_latex(where, index_base)}: "
            rf"${expr_latex(left, index_base, 4) if left is not None else '?'} \neq "
            rf"{expr_latex(right, index_base, 4) if right is not None else '?'}$."
        )
    return "\n".join(parts)


def step_display(step: Any, index_base: int = 0) -> str:
    """A step's row in display mathematics (Jupyter): its name, as math, and its verdict."""
    return rf"{as_law(step.name).display(index_base)} & \text{{{'holds' if step.holds else 'fails'}}}"


def proof_latex(
    proof: Any,
    index_base: int = 0,
    max_entries: int = 4,
    display: bool = False,
    heading: str = "subsection*",
) -> str:
    """A :class:`~symconv.proof.Proof` as a LaTeX fragment (``display`` for Jupyter).

    >>> from symconv import prove_matrix_form
    >>> text = prove_matrix_form([1, 2, 3, 4], [5, 6, 7]).to_latex(index_base=1)
    >>> text.splitlines()[0]
    '\\\\subsection*{Matrix form of a 1-D convolution layer}'
    >>> "&38 \\\\tag*{entry (1)}" in text and "38 &= 38" not in text
    True
    """
    index_base = check_index_base(index_base)
    verdict = "holds" if proof.holds else "fails"
    if display:
        # Jupyter renders math, not text-mode LaTeX: show the verdicts as an array.
        rows = [step_display(s, index_base) for s in proof.steps]
        return (
            rf"$\displaystyle \begin{{array}}{{ll}} {display_text(proof.title)} & "
            rf"\text{{{verdict}}} \\ " + r" \\ ".join(rows) + r" \end{array}$"
        )
    statement = as_law(proof.statement).latex(index_base)
    parts = [rf"\{heading}{{{escape_text(proof.title)}}}", statement]
    if proof.assumptions:
        parts.append(
            "Assumptions:\n\\begin{itemize}\n"
            + "".join(rf"\item {as_law(a).latex(index_base)}" + "\n" for a in proof.assumptions)
            + r"\end{itemize}"
        )
    parts += [step_latex(step, index_base, max_entries) for step in proof.steps]
    parts.append(rf"\noindent\textbf{{Verdict:}} the claim {verdict}.")
    return "\n\n".join(parts) + "\n"
