"""A law, written once: words with ``$...$`` mathematics, printed as plain text and as LaTeX.

A :class:`Law` is a ``str`` whose value is its plain text, so ``step.law`` reads (and
compares) as text; its source is one line of markup in which the mathematics is LaTeX
between dollar signs. The plain text is *derived* from that source by the rules in
:data:`TEXT_RULES` (kept as data, apart from the code that applies them), so a law's
wording is changed in one place and both printings follow. Index formulas that depend
on the index base (0 as the API, or 1 as a book) are written as macros
(:data:`MACROS`), expanded per base.

Examples
========

>>> from symconv.proofs.law import Law
>>> law = Law(r"$\\partial L/\\partial x = T^{\\top} g$, a transposed convolution")
>>> str(law)
'dL/dx = T^T g, a transposed convolution'
>>> law == 'dL/dx = T^T g, a transposed convolution'
True
>>> law.latex()
'$\\\\partial L/\\\\partial x = T^{\\\\top} g$, a transposed convolution'
>>> tap = Law(r"row $i$ reads $\\tilde x_{\\tap}$")
>>> str(tap), tap.latex(1)
('row i reads x~_{i*s + k*d}', 'row $i$ reads $\\\\tilde x_{s(i-1) + d(k-1) + 1}$')
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: Macros in a law's mathematics: LaTeX for each index base, and the plain text.
MACROS: dict[str, tuple[Callable[[int], str], str]] = {
    r"\tap": (
        lambda base: r"s\,i + d\,k" if base == 0 else r"s(i-1) + d(k-1) + 1",
        "i*s + k*d",
    ),
}

#: How the LaTeX of a law's mathematics reads as plain text, applied in order.
TEXT_RULES: tuple[tuple[str, str], ...] = (
    (r"\\(?:left|right|displaystyle|quad|qquad)(?![A-Za-z])", ""),
    (r"\\circ(?![A-Za-z])", "\u2218"),
    (r"\\math(?:bb|sf|rm|bf)\s*(?:\{(\w+)\}|(\w))", r"\1\2"),
    (r"\\partial\s*", "d"),
    (r"\\ell(?![A-Za-z])", "\u2113"),
    (r"_\{(\w+)\}", r"_\1"),
    (r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"\1/\2 "),
    (r"(\w)\\(sum|prod|lfloor|lceil)(?![A-Za-z])", r"\1 \\\2"),
    (r"\^\{\\top\}|\^\\top(?![A-Za-z])", "^T"),
    (r"\\operatorname\{([^{}]*)\}|\\mathrm\{([^{}]*)\}|\\text\{([^{}]*)\}", r"\1\2\3"),
    (r"\\tilde\s*(\w)", r"\1~"),
    (r"\\(?:sum|prod)(?![A-Za-z])", "sum"),
    (r"\\(?:cdot|times)(?![A-Za-z])", "*"),
    (r"\\otimes(?![A-Za-z])", "(x)"),
    (r"\\(?:le|leq)(?![A-Za-z])", "<="),
    (r"\\(?:ge|geq)(?![A-Za-z])", ">="),
    (r"\\(?:ne|neq)(?![A-Za-z])", "!="),
    (r"\\iff(?![A-Za-z])", "<=>"),
    (r"\\(?:to|rightarrow|mapsto)(?![A-Za-z])", "->"),
    (r"\\in(?![A-Za-z])", "in"),
    (r"\\mid(?![A-Za-z])", "|"),
    (r"\\ldots\b|\\dots\b|\\cdots(?![A-Za-z])", "..."),
    (r"\\lfloor\s*", "floor("),
    (r"\s*\\rfloor", ")"),
    (r"\\lceil\s*", "ceiling("),
    (r"\\rceil", ")"),
    (r"\\delta_\{([^{}]*)\}", r"delta(\1)"),
    (r"\\([A-Za-z]+)", r"\1"),  # Greek letters and anything left: their names
    (r"\\[,;:!]\s*", " "),
    (r"\\([{}_])", r"\1"),
    (r"_\{(\w+)\}", r"_\1"),
    (r"\^\{(\w+)\}", r"^\1"),
    (r"  +", " "),
)

#: Characters of a law's words (outside mathematics) that LaTeX must see escaped; an
#: arrow in the words is set as the mathematical arrow.
WORD_ESCAPES = {
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "{": r"\{",
    "}": r"\}",
    "\\": r"\textbackslash{}",
    "^": r"\textasciicircum{}",
    "<": r"$<$",
    ">": r"$>$",
}


def escape_words(words: str) -> str:
    """Words of a law as LaTeX text: ``->`` as an arrow, special characters escaped."""
    pieces = words.split("->")
    escaped = ["".join(WORD_ESCAPES.get(ch, ch) for ch in piece) for piece in pieces]
    return r"$\to$".join(escaped)


MATH = re.compile(r"\$([^$]*)\$")


def math_text(latex: str) -> str:
    """The plain text of a piece of LaTeX mathematics, by :data:`TEXT_RULES`.

    >>> math_text(r"\\sum_{(i,j) \\in S_k} \\partial L/\\partial u_{ij}")
    'sum_{(i,j) in S_k} dL/du_ij'
    """
    for macro, (_, text) in MACROS.items():
        latex = latex.replace(macro, text)
    for pattern, replacement in TEXT_RULES:
        latex = re.sub(pattern, replacement, latex)
    return latex.strip()


def expand_macros(latex: str, index_base: int) -> str:
    for macro, (tex, _) in MACROS.items():
        latex = latex.replace(macro, tex(index_base))
    return latex


class Law(str):
    """One law: its value is the plain text; :meth:`latex` prints the same source as LaTeX.

    ``source`` is words with LaTeX mathematics between ``$...$``; a source with no
    dollar signs is words only (escaped for LaTeX, never read as mathematics).
    """

    source: str

    def __new__(cls, source: str) -> Law:
        if isinstance(source, Law):
            return source
        if source.count("$") % 2:
            raise ValueError(f"law {source!r} has an unmatched '$'")
        text = MATH.sub(lambda m: math_text(m.group(1)), source)
        law = super().__new__(cls, text)
        law.source = source
        return law

    def latex(self, index_base: int = 0) -> str:
        """The law as LaTeX: words escaped, mathematics as written (macros expanded)."""
        parts = MATH.split(self.source)
        out = []
        for n, part in enumerate(parts):
            if n % 2:
                out.append("$" + expand_macros(part, index_base) + "$")
            else:
                out.append(escape_words(part))
        return "".join(out)

    def display(self, index_base: int = 0) -> str:
        """The law inside display mathematics (Jupyter): words as ``\\text{...}``."""
        parts = MATH.split(self.source)
        out = []
        for n, part in enumerate(parts):
            if n % 2:
                out.append(expand_macros(part, index_base))
            elif part:
                out.append(r"\text{" + escape_words(part) + "}")
        return "".join(out)

    def __reduce__(self) -> tuple[type[Law], tuple[str]]:
        return (Law, (self.source,))


def as_law(value: str | Law) -> Law:
    """A law from its markup (a :class:`Law` is returned unchanged)."""
    if not isinstance(value, str):
        raise TypeError(f"a law is its markup as a str, got {value!r}")
    return Law(value)
