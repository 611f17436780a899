r"""LaTeX reports of a 1-D convolution layer: standalone documents, fragments and PDFs.

:func:`derivation_report` is the pipeline's last stage: it takes a
:class:`~symconv.derivation.Derivation` and writes the sections the question asks for
(setup, windows and sliding dot products, the banded matrix T, the data matrix X and
``a = f(X w)``, every proof step by step, the gradients with their tie sets). The Python
reference definitions of the sliding dot product and of the activations live here too:
latexify-py renders their source into the report and the report evaluates them on the
layer, so the code's formula and the derived one stand side by side and are checked equal.

The builders (:func:`document`, :func:`section`, :func:`align`, ...) are the public
vocabulary the ``derivations/`` catalogue scripts write with.

Examples
========

>>> from symconv import derive
>>> from symconv.report import derivation_report, document
>>> tex = derivation_report(derive([1, 2, 3, 4], [5, 6, 7]), index_base=1)
>>> tex.splitlines()[0]
'\\documentclass{article}'
>>> r"z_{1} &= (1, 2, 3) \cdot w' = 1 \cdot 5 + 2 \cdot 6 + 3 \cdot 7 = 38" in tex
True
>>> print(document("A & B", [r"\section{One}", "Text."]), end="")  # doctest: +ELLIPSIS
\documentclass{article}
...
\title{A \& B}
...
\end{document}
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
import types
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import latexify
import sympy
from sympy import Expr, Rational, S

from symconv.core.engine import session
from symconv.core.files import copy_output, write_output
from symconv.derivation import Derivation, RowsView, derive
from symconv.layout.axis import ConvSettings, padding_word
from symconv.ops.gradients import ACTIVATIONS
from symconv.proofs.proof import Step, check
from symconv.render.latex import (
    LINE_BUDGET,
    SymbolNames,
    check_index_base,
    escape_text,
    estimate_width,
    expr_latex,
    kept,
    matrix_latex,
    packed_rows,
    proof_latex,
    row_latex,
    side_pieces,
    terms_latex,
    tuple_latex,
    vector_latex,
)

# --- documents ---------------------------------------------------------------------------

#: The preamble every standalone report uses: the standard article class and the AMS
#: packages only, so any TeX installation compiles it. \emergencystretch lets TeX loosen a
#: paragraph holding long inline formulas rather than let a line overflow.
PREAMBLE = r"""\documentclass{article}
\usepackage{amsmath}
\usepackage{amssymb}
\usepackage{tikz}
\allowdisplaybreaks
\setlength{\emergencystretch}{3em}
\ifdefined\pdfinfo\pdfinfo{/Creator (symconv)}\fi"""

#: What a PDF that symconv compiled carries in its info dictionary (see PREAMBLE).
PDF_MARK = b"/Creator (symconv)"

#: Headings by nesting level: a report's parts are sections, or subsections when several
#: layers share one document.
HEADINGS = ("section", "subsection", "subsubsection", "paragraph")


def document(title: str, sections: Sequence[str], *, preamble_extra: str = "") -> str:
    r"""A complete ``article`` document: the title (escaped) and the sections in order.

    ``preamble_extra`` is LaTeX from the caller's own code, never user text. No date is
    printed, so the same request always gives the same bytes.

    >>> document("T", ["Hello."]).count(r"\begin{document}")
    1
    """
    parts = [PREAMBLE]
    if preamble_extra:
        parts.append(preamble_extra.strip())
    parts += [
        rf"\title{{{escape_text(title)}}}",
        r"\author{symconv}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
        "",
        "\n\n".join(s.strip() for s in sections),
        "",
        r"\end{document}",
    ]
    return "\n".join(parts) + "\n"


def fragment(sections: Sequence[str]) -> str:
    r"""The sections alone, to ``\input`` into a document that loads amsmath and amssymb.

    >>> print(fragment([r"\section{A}", "B."]))
    % symconv fragment: needs \usepackage{amsmath,amssymb}
    \section{A}
    <BLANKLINE>
    B.
    <BLANKLINE>
    """
    return (
        "% symconv fragment: needs \\usepackage{amsmath,amssymb}\n"
        + "\n\n".join(s.strip() for s in sections)
        + "\n"
    )


def heading(level: int) -> str:
    if not 0 <= level < len(HEADINGS):
        raise ValueError(f"heading level must be 0 to {len(HEADINGS) - 1}, got {level!r}")
    return HEADINGS[level]


def section(title: str, *parts: str, level: int = 0, math_title: str | None = None) -> str:
    r"""A heading (title escaped; ``math_title`` is trusted LaTeX) followed by its parts.

    >>> print(section("Setup", "Text.", level=1))
    \subsection{Setup}
    <BLANKLINE>
    Text.
    """
    title_tex = math_title if math_title is not None else escape_text(title)
    return "\n\n".join([rf"\{heading(level)}{{{title_tex}}}", *[p.strip() for p in parts if p]])


def text(value: str) -> str:
    """User or library text made safe for LaTeX (see :func:`symconv.latex.escape_text`)."""
    return escape_text(value)


def equation(latex: str) -> str:
    r"""One unnumbered displayed formula.

    >>> equation("a = b")
    '\\begin{equation*}\na = b\n\\end{equation*}'
    """
    return "\\begin{equation*}\n" + latex + "\n\\end{equation*}"


def align(rows: Sequence[str]) -> str:
    r"""An unnumbered ``align*`` of rows (each with its own ``&`` alignment points).

    >>> print(align(["a &= b", "c &= d"]))
    \begin{align*}
    a &= b \\
    c &= d
    \end{align*}
    """
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"


def itemize(items: Sequence[str]) -> str:
    """A bulleted list of LaTeX items."""
    return "\\begin{itemize}\n" + "\n".join(rf"\item {item}" for item in items) + "\n\\end{itemize}"


def table(columns: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    r"""A centred ``tabular`` (cells are LaTeX; escape text with :func:`text`).

    >>> print(table("lr", ["a", "b"], [["1", "2"]]))
    \begin{center}
    \begin{tabular}{lr}
    \hline
    a & b \\
    \hline
    1 & 2 \\
    \hline
    \end{tabular}
    \end{center}
    """
    lines = [r"\begin{center}", rf"\begin{{tabular}}{{{columns}}}", r"\hline"]
    lines.append(" & ".join(header) + r" \\")
    lines.append(r"\hline")
    lines += [" & ".join(row) + r" \\" for row in rows]
    lines += [r"\hline", r"\end{tabular}", r"\end{center}"]
    return "\n".join(lines)


def verified(claim: object, latex: str) -> str:
    r"""``latex`` if ``claim`` is exactly ``True``: a catalogue sentence stating a fact that
    symconv just computed; a false claim stops the build instead of printing a wrong fact.

    >>> verified(1 + 1 == 2, "$1 + 1 = 2$")
    '$1 + 1 = 2$'
    >>> verified(1 + 1 == 3, "$1 + 1 = 3$")
    Traceback (most recent call last):
    ...
    RuntimeError: symconv could not verify the claim: $1 + 1 = 3$
    """
    if claim is not True:
        raise RuntimeError(f"symconv could not verify the claim: {latex}")
    return latex


def verbatim(code: str) -> str:
    """Python source shown as typed (lines are the reference functions', all short)."""
    if r"\end{verbatim}" in code:
        raise ValueError("code must not contain \\end{verbatim}")
    return "\\begin{verbatim}\n" + code.rstrip() + "\n\\end{verbatim}"


# --- reference definitions, rendered by latexify-py ---------------------------------------
#
# latexify renders a function's *source*; it supports a sum over a generator but not a
# for-loop (LatexifyNotSupportedError: only assignments in multi-line functions), so each
# reference is one `return sum(... for k in range(...))`. The 1-based ones are written in
# the book's notation and evaluated on 1-based views of the vectors (IndexedFrom below).
# x stands for the zero-padded input x~; s is the stride, d the dilation.


# fmt: off
# The references are shown to readers as typed, so they keep the book's short names, no
# annotations, and lines short enough for the page.

def z_xcorr_1(x, w, n, i):
    return sum(w[k] * x[i + k - 1]
               for k in range(1, n + 1))


def z_conv_1(x, w, n, i):
    return sum(w[n - k + 1] * x[i + k - 1]
               for k in range(1, n + 1))


def z_xcorr_strided_1(x, w, n, i, s, d):
    return sum(w[k] * x[s * (i - 1) + d * (k - 1) + 1]
               for k in range(1, n + 1))


def z_conv_strided_1(x, w, n, i, s, d):
    return sum(w[n - k + 1] * x[s * (i - 1) + d * (k - 1) + 1]
               for k in range(1, n + 1))


def z_xcorr_0(x, w, n, i):
    return sum(w[k] * x[i + k]
               for k in range(n))


def z_conv_0(x, w, n, i):
    return sum(w[n - 1 - k] * x[i + k]
               for k in range(n))


def z_xcorr_strided_0(x, w, n, i, s, d):
    return sum(w[k] * x[s * i + d * k]
               for k in range(n))


def z_conv_strided_0(x, w, n, i, s, d):
    return sum(w[n - 1 - k] * x[s * i + d * k]
               for k in range(n))


def relu(z):
    return max(0, z)


def sigmoid(z):
    return 1 / (1 + sympy.exp(-z))


def tanh(z):
    return sympy.tanh(z)


def identity(z):
    return z

# fmt: on


#: The reference sliding dot product for (index base, flip, strided or dilated).
SLIDING_REFERENCES: dict[tuple[int, bool, bool], Callable[..., Any]] = {
    (1, False, False): z_xcorr_1,
    (1, True, False): z_conv_1,
    (1, False, True): z_xcorr_strided_1,
    (1, True, True): z_conv_strided_1,
    (0, False, False): z_xcorr_0,
    (0, True, False): z_conv_0,
    (0, False, True): z_xcorr_strided_0,
    (0, True, True): z_conv_strided_0,
}


#: Reference definitions of the named activations of :data:`symconv.ACTIVATIONS`.
ACTIVATION_REFERENCES: dict[str, Callable[[Any], Any]] = {
    "identity": identity,
    "relu": relu,
    "sigmoid": sigmoid,
    "tanh": tanh,
}

#: Where an activation's reference is compared with symconv's: ``max(0, z)`` cannot take
#: a symbol (Python's max asks for a truth value), so every activation is checked at the
#: same exact rational points, on both sides of the kink of relu.
SAMPLE_POINTS = (Rational(-2), Rational(-1, 2), S.Zero, Rational(1, 2), Rational(2))


class IndexedFrom:
    """A read-only view of a list indexed from ``base`` that refuses every other index
    (a plain list would quietly wrap a negative one)."""

    def __init__(self, values: Sequence[Any], base: int) -> None:
        self.values, self.base = list(values), base

    def __getitem__(self, index: int) -> Any:
        position = index - self.base
        if not 0 <= position < len(self.values):
            raise IndexError(
                f"index {index} is outside {self.base}..{len(self.values) - 1 + self.base}"
            )
        return self.values[position]


@functools.cache
def reference_latex(function: Callable[..., Any], name: str) -> str:
    """latexify-py's rendering of ``function``, shown under ``name``."""
    return str(
        latexify.get_latex(function, identifiers={function.__name__: name}, prefixes={"sympy"})
    )


def reference_source(function: Callable[..., Any], name: str) -> str:
    """The reference's source as a reader would type it, under ``name``."""
    import inspect

    source = inspect.getsource(function)
    return source.replace(f"def {function.__name__}(", f"def {name}(", 1)


def padded_input(d: Derivation) -> list[Expr]:
    """``x~``: the padded input as the windows read it: zeros, or the entries of x the
    padding mode reads (reflect, replicate, circular)."""
    s = d.settings
    x = list(d.x)
    if s.padding_mode == "zeros":
        return [S.Zero] * s.left + x + [S.Zero] * s.right
    from symconv.layout.padding import PADDING_MODES

    read = PADDING_MODES[s.padding_mode]
    n = len(x)
    before = [x[read(j, n)] for j in range(-s.left, 0)]  # type: ignore[index]
    after = [x[read(j, n)] for j in range(n, n + s.right)]  # type: ignore[index]
    return before + x + after


def sliding_reference(settings: ConvSettings, index_base: int) -> Callable[..., Any]:
    general = settings.stride != 1 or settings.dilation != 1
    return SLIDING_REFERENCES[(index_base, settings.flip, general)]


def gathered_sum(terms: Iterable[Any], start: Any = 0) -> Any:
    """Python's ``sum`` with its terms gathered into one ``Add``: the same value, but
    ``sum``'s left fold re-sorts the growing ``Add`` at every ``+``, quadratic in the
    kernel's length.

    >>> from sympy import symbols
    >>> a, b, c = symbols("a b c")
    >>> gathered_sum(t for t in (c, a, b)), gathered_sum([]), gathered_sum([1, 2], 3)
    (a + b + c, 0, 6)
    """
    return sympy.Add(start, *terms)


@functools.cache
def evaluated(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function``'s own code (the source latexify renders) with ``sum`` read as
    :func:`gathered_sum`: every other name means what it means in this module."""
    scope = {**function.__globals__, "sum": gathered_sum}
    return types.FunctionType(function.__code__, scope, function.__name__)


def reference_step(d: Derivation, index_base: int, outputs: Sequence[int] | None = None) -> Step:
    """Claim: the reference definition, evaluated at each of ``outputs`` (0-based
    positions; every output when None), equals SymPy's output there."""
    s = d.settings
    function = evaluated(sliding_reference(s, index_base))
    x = IndexedFrom(padded_input(d), index_base)
    w = IndexedFrom(list(d.w), index_base)
    extra = (s.stride, s.dilation) if s.stride != 1 or s.dilation != 1 else ()
    where = range(s.output_length) if outputs is None else list(outputs)
    values = [function(x, w, s.kernel_size, i + index_base, *extra) for i in where]
    return check(
        "reference definition",
        values,
        [d.outputs[i] for i in where],
        law="the latexified Python definition evaluated at every i"
        + ("" if outputs is None else " shown"),
        labels=[(i,) for i in where],
    )


def activation_step(name: str) -> Step | None:
    """Claim: the activation's reference definition equals symconv's at the sample points."""
    reference = ACTIVATION_REFERENCES.get(name)
    if reference is None:
        return None
    return check(
        f"reference {name}",
        [sympy.sympify(reference(p), strict=True) for p in SAMPLE_POINTS],
        [ACTIVATIONS[name](p) for p in SAMPLE_POINTS],
        law="the latexified Python definition at exact sample points",
        labels=list(SAMPLE_POINTS),
    )


# --- pieces of a layer report -------------------------------------------------------------


def mode_name(settings: ConvSettings) -> str | None:
    """The padding word whose rule gives these zeros, if any ("valid" first)."""
    return padding_word(settings)


def effective_kernel(d: Derivation) -> list[Expr]:
    """``w'``: the kernel as the windows meet it (reversed for a true convolution)."""
    return list(d.w)[::-1] if d.settings.flip else list(d.w)


def product_latex(weight: Expr, value: Expr, names: dict[sympy.Symbol, str]) -> str:
    """One tap ``w'_k * x~_j``, kept as a product: numbers with a visible dot."""

    def factor(e: Expr) -> str:
        printed = terms_latex(e, names)
        return (
            f"({printed})"
            if e.is_number and (e.is_negative or isinstance(e, sympy.Add))
            else printed
        )

    if weight.is_number or value.is_number:
        # The question's order: window entry times kernel entry, 1*5 + 2*6 + 3*7.
        return f"{factor(value)} \\cdot {factor(weight)}"
    return terms_latex(sympy.Mul(weight, value), names)


def tap_sum_latex(terms: Sequence[str], max_terms: int) -> str:
    """Tap products joined by ``+``, elided past ``max_terms`` like a long sum."""
    shown = (
        list(terms) if len(terms) <= max_terms else [*terms[: max_terms - 1], r"\cdots", terms[-1]]
    )
    return " + ".join(shown)


def output_row(
    d: Derivation, i: int, index_base: int, max_terms: int, names: dict[sympy.Symbol, str]
) -> str:
    """``z_i = (window) . w' = taps = value`` for one output, fitted to the line."""
    s = d.settings
    kernel = effective_kernel(d)
    window = d.windows[i]
    taps = [product_latex(kernel[k], window[k], names) for k in range(s.kernel_size)]
    value = d.outputs[i]
    nonzero = sum(1 for k in range(s.kernel_size) if window[k] != 0 and kernel[k] != 0)
    show_value = value.is_number or not isinstance(value, sympy.Add) or len(value.args) != nonzero
    name = f"z_{{{i + index_base}}}"
    terms = max_terms
    while True:
        pieces = [tap_sum_latex(taps, terms)]
        if show_value and (len(taps) > 1 or pieces[0] != terms_latex(value, names)):
            pieces.append(terms_latex(value, names, terms))
        with_window = [rf"{tuple_latex(window, index_base, terms)} \cdot w'", *pieces]
        for candidate in (with_window, pieces):
            row = rf"{name} &= " + " = ".join(candidate)
            if estimate_width(row) <= LINE_BUDGET:
                return row
        if terms <= 3:
            # Too wide even when elided (long names): the fewest terms, broken into rows.
            fewest = [tap_sum_latex(taps, 2)]
            if show_value and (len(taps) > 1 or fewest[0] != terms_latex(value, names)):
                fewest.append(terms_latex(value, names, 2))
            return chain_rows(name, fewest)
        terms -= 1


def chain_rows(lhs: str, sides: Sequence[str], width: float = LINE_BUDGET) -> str:
    r"""``lhs &= side = side ...`` as one ``align*`` row when it fits ``width`` em, else
    as several: a new row before an ``=``, and a side too wide for a row of its own broken
    between its terms.

    >>> chain_rows("z", ["a + b", "c"])
    'z &= a + b = c'
    >>> print(chain_rows("z", ["a + b", "c"], width=3.5))
    z &= a \\ &\quad + b \\ &= c
    """
    lead_width = estimate_width(lhs)
    pieces = [p for side in sides for p in side_pieces("=", side, width - lead_width)]
    return packed_rows(f"{lhs} &", pieces, width)


def setup_section(d: Derivation, index_base: int, max_size: int, level: int) -> str:
    s = d.settings
    m, n, out = s.input_length, s.kernel_size, s.output_length
    if s.flip:
        kind = (
            r"a true convolution: the kernel is reversed first, $w' = \operatorname{rev} w$, "
            r"as \texttt{numpy.convolve} and MATLAB's \texttt{conv} do"
        )
    else:
        kind = (
            r"a cross-correlation, what PyTorch's \texttt{conv1d} computes under the name "
            r"convolution: the kernel is not reversed, $w' = w$"
        )
    word = mode_name(s)
    padded = padded_input(d)
    filler = (
        "zeros"
        if s.padding_mode == "zeros"
        else rf"entries of $x$ read by PyTorch's \texttt{{{escape_text(s.padding_mode)}}} mode"
    )
    pad_text = rf"$(p_\ell, p_r) = ({s.left}, {s.right})$ {filler}" + (
        rf" (\texttt{{{escape_text(word)}}})" if word else ""
    )
    pad_text += (
        r" around $x$; the windows read the padded input $\tilde x$"
        if s.left or s.right
        else r", so the windows read $\tilde x = x$"
    )
    room = LINE_BUDGET - estimate_width(r"\tilde x = \in \mathbb{R}^{0000}")
    rows = [
        rf"x &= {row_latex(list(d.x), max_size, index_base, width=room)} \in \mathbb{{R}}^{{{m}}}",
        rf"w &= {row_latex(list(d.w), max_size, index_base, width=room)} \in \mathbb{{R}}^{{{n}}}",
    ]
    if s.flip:
        rows.append(rf"w' &= {row_latex(effective_kernel(d), max_size, index_base, width=room)}")
    if s.left or s.right:
        rows.append(
            rf"\tilde x &= {row_latex(padded, max_size, index_base, width=room)} "
            rf"\in \mathbb{{R}}^{{{len(padded)}}}"
        )
    rows += [
        r"L &= \left\lfloor \frac{m + p_\ell + p_r - d(n-1) - 1}{s} \right\rfloor + 1",
        rf"&= \left\lfloor \frac{{{m} + {s.left} + {s.right} - {s.dilation} \cdot {n - 1} - 1}}"
        rf"{{{s.stride}}} \right\rfloor + 1 = {out}",
    ]
    items = [
        rf"Operation: {kind}.",
        rf"Padding: {pad_text}.",
        rf"Stride $s = {s.stride}$ and dilation $d = {s.dilation}$: one window spans "
        rf"$d(n-1) + 1 = {s.span}$ positions of $\tilde x$.",
        (
            r"Indices start at $1$, the notation of the question and of the book."
            if index_base == 1
            else r"Indices start at $0$, as in Python and PyTorch."
        ),
    ]
    if d.activation is not None:
        items.append(rf"Activation: $f$ = {escape_text(d.activation)}, applied to each output.")
    intro = (
        rf"The layer reads an input $x$ of length $m = {m}$ with a kernel $w$ of length "
        rf"$n = {n}$ and has $L = {out}$ outputs $z_i$:"
    )
    return section("Setup", intro, align(rows), itemize(items), level=level)


def windows_section(d: Derivation, index_base: int, max_size: int, level: int) -> str:
    s = d.settings
    function = sliding_reference(s, index_base)
    formula = reference_latex(function, "z")
    shown = [i for i in kept(s.output_length, max_size) if i is not None]
    # The reference is checked at the outputs the section shows: every output of a
    # small layer, the first and the last of a large one (each evaluation builds its sum,
    # as much work as a derivation's output).
    step = reference_step(d, index_base, shown)
    names = SymbolNames(index_base)
    max_terms = max(3, min(max_size, 6))
    rows = []
    for i in kept(s.output_length, max_size):
        rows.append(r"&\;\;\vdots" if i is None else output_row(d, i, index_base, max_terms, names))
    general = s.stride != 1 or s.dilation != 1
    call = r"z(\tilde x, w, n, i, s, d)" if general else r"z(\tilde x, w, n, i)"
    explain = (
        r"Output $i$ is the dot product of window $i$ of $\tilde x$ with $w'$. The Python "
        r"reference definition below is rendered by latexify-py from its source; there "
        r"$x$ stands for the padded input $\tilde x$"
        + (r", $s$ for the stride and $d$ for the dilation" if general else "")
        + "."
    )
    verdict = "agrees" if step.holds else "does NOT agree"
    if len(shown) == s.output_length:
        evaluated_at = rf"for $i = {index_base}, \dots, {s.output_length - 1 + index_base}$"
    else:
        evaluated_at = rf"at the {len(shown)} outputs shown below"
    check_text = (
        rf"Evaluated as ${call}$ {evaluated_at} it {verdict} with SymPy's outputs entry by "
        rf"entry ({escape_text(step.method)}, {len(step.lhs)} entries)."
    )
    if step.mismatch is not None:
        where, got, expected = step.mismatch
        check_text += (
            rf" First difference at {escape_text(str(where))}: "
            rf"${expr_latex(got, index_base, 4)} \neq {expr_latex(expected, index_base, 4)}$."
        )
    windows_text = (
        r"Each row shows the window, the products of its taps and the value"
        + (r" (padding zeros included: they are the trimmed edges)" if s.left or s.right else "")
        + ":"
    )
    return section(
        "Windows and sliding dot products",
        explain,
        verbatim(reference_source(function, "z")),
        equation(formula),
        check_text,
        windows_text,
        align(rows),
        level=level,
    )


def fits(latex: str) -> bool:
    return estimate_width(latex) <= LINE_BUDGET


def alone(name: str, matrix: Any, index_base: int, max_size: int, mark_band: bool = False) -> str:
    """``name = matrix`` with as many columns as fit the line: what a section shows when
    the whole product is too wide."""
    return f"{name} = " + matrix_latex(
        matrix,
        max_size,
        max_size,
        index_base,
        mark_band=mark_band,
        width=LINE_BUDGET - estimate_width(f"{name} = "),
    )


def banded_section(d: Derivation, index_base: int, max_size: int, level: int) -> str:
    t = d.band
    rows, cols = t.shape
    matrix = matrix_latex(t, max_size, max_size, index_base, mark_band=True)
    if index_base == 1:
        column = r"j = s(i-1) + d(k-1) + 1 - p_\ell"
    else:
        column = r"j = s\,i + d\,k - p_\ell"
    rule = (
        rf"Row $i$ of $T$ holds $w'_k$ in column ${column}$ (when that column exists) and "
        r"$0$ everywhere else, so $(Tx)_i$ is exactly the sliding dot product $z_i$. "
        r"The band is the kernel; the small zeros are structural: no weight ever reaches them."
    )
    x_column = vector_latex(list(d.x), max_size, index_base)
    z_column = vector_latex(list(d.outputs), max_size, index_base, max_terms=4)
    candidates = [rf"z = T x = {matrix} {x_column} = {z_column}", rf"z = T x = {matrix} {x_column}"]
    display = equation(
        next((c for c in candidates if fits(c)), None)
        or alone("T", t, index_base, max_size, mark_band=True)
    )
    counts = (
        rf"$T$ is ${rows} \times {cols}$ with ${t.nnz}$ entries on the band, tied to only "
        rf"${len(t.weights)}$ distinct weights; a dense layer of the same shape has "
        rf"${rows * cols}$ free weights. So $W$ is still a matrix: $T$, with "
        rf"${rows * cols - t.nnz}$ entries fixed at zero and the rest shared."
    )
    return section(
        "The banded matrix T",
        rule,
        display,
        counts,
        level=level,
        math_title=r"The banded matrix $T$",
    )


def data_matrix_section(d: Derivation, index_base: int, max_size: int, level: int) -> str:
    s = d.settings
    # Only the shown corner of X is read: the windows seen as a matrix, not a SymPy one.
    matrix = matrix_latex(RowsView(d.windows), max_size, max_size, index_base)
    kernel = vector_latex(effective_kernel(d), max_size, index_base)
    z_column = vector_latex(list(d.outputs), max_size, index_base, max_terms=4)
    candidates = [rf"z = X w' = {matrix} {kernel} = {z_column}", rf"z = X w' = {matrix} {kernel}"]
    intro = (
        rf"Row $i$ of the data matrix $X$ (${s.output_length} \times {s.kernel_size}$) is "
        r"window $i$ of $\tilde x$, so the same outputs are $z = X w'$: the roles of data "
        r"and weights swap, and several filters at once are $Z = XW$, one column each."
    )
    shown = next((c for c in candidates if fits(c)), None)
    parts = [intro, equation(shown or alone("X", RowsView(d.windows), index_base, max_size))]
    if d.activated is not None and d.activation is not None:
        parts.append(activation_part(d, index_base, max_size))
    title = "The data matrix X" + (" and a = f(Xw')" if d.activated is not None else "")
    math_title = r"The data matrix $X$" + (r" and $a = f(Xw')$" if d.activated is not None else "")
    return section(title, *parts, level=level, math_title=math_title)


def activation_part(d: Derivation, index_base: int, max_size: int) -> str:
    name = d.activation or ""
    assert d.activated is not None
    out = d.settings.output_length
    values = vector_latex(list(d.activated), max_size, index_base, max_terms=4)
    applied = (
        rf"The activation is applied to each of the ${out}$ entries of $z = Tx$ and to "
        r"nothing else: "
        rf"$a_i = f(z_i)$ for $i = {index_base}, \dots, {out - 1 + index_base}$."
    )
    z_values = vector_latex(list(d.outputs), max_size, index_base, max_terms=4)
    candidates = [rf"a = f(X w') = f\left({z_values}\right) = {values}", rf"a = f(X w') = {values}"]
    candidates.append(rf"a = {values}")
    # Names too long for the sums inside f: a = f(z), entry by entry, in z's names (the
    # sums z_i are the windows section's).
    by_z = [S.Zero] * out
    for i in kept(out, max_size):
        if i is not None:
            z_i = d.outputs[i]
            by_z[i] = (
                d.activated[i] if z_i.is_number else d.activated[i].subs(z_i, sympy.Symbol(f"z{i}"))
            )
    by_z_tex = rf"a = {vector_latex(by_z, max_size, index_base, 4, width=LINE_BUDGET - 2)}"
    parts = [applied, equation(next((c for c in candidates if fits(c)), by_z_tex))]
    reference = ACTIVATION_REFERENCES.get(name)
    step = activation_step(name)
    if reference is not None and step is not None:
        points = ", ".join(sympy.latex(p) for p in SAMPLE_POINTS)
        verdict = "agrees" if step.holds else "does NOT agree"
        parts += [
            rf"The reference definition of {escape_text(name)}, rendered by latexify-py:",
            verbatim(reference_source(reference, name)),
            equation(reference_latex(reference, name)),
            rf"At $z = {points}$ it {verdict} with symconv's {escape_text(name)} "
            rf"({escape_text(step.method)}).",
        ]
    elif name not in ACTIVATIONS:
        parts.append(
            rf"Here $f$ (``{escape_text(name)}'') is an unknown function: the report keeps "
            r"$f(z_i)$ symbolic."
        )
    return "\n\n".join(parts)


def proofs_section(d: Derivation, index_base: int, max_size: int, level: int) -> str:
    max_entries = max(2, min(max_size, 4))
    star = heading(level + 1) + "*"
    bodies = [proof_latex(p, index_base, max_entries, heading=star) for p in d.proofs]
    verdict = "hold" if d.holds else "do NOT all hold"
    intro = (
        "Each claim is checked entry by entry with SymPy; every step names the law it uses "
        f"and shows its first and last entries. The claims {verdict}."
    )
    return section("Proofs", intro, *bodies, level=level)


def index_set_latex(pairs: Sequence[tuple[int, ...]], index_base: int, limit: int) -> str:
    """A set of index tuples, elided past ``limit`` with its size kept visible."""
    shown = kept(len(pairs), limit)

    def one(pair: tuple[int, ...]) -> str:
        numbers = [str(v + index_base) for v in pair]
        return numbers[0] if len(numbers) == 1 else "(" + ", ".join(numbers) + ")"

    cells = [r"\ldots" if p is None else one(pairs[p]) for p in shown]
    return r"\{" + ", ".join(cells) + r"\}"


def chain_rule_part(d: Derivation, index_base: int, max_size: int) -> str:
    r"""After an activation: ``\delta_i = dL/dz_i = g_i f'(z_i)``, each with its value
    when it fits on a line."""
    assert d.deltas is not None
    names = SymbolNames(index_base)
    rows = []
    for i in kept(len(d.deltas), max_size):
        if i is None:
            rows.append(r"&\;\;\vdots")
            continue
        ii = i + index_base
        form = rf"\delta_{{{ii}}} = \frac{{\partial L}}{{\partial z_{{{ii}}}}} &= g_{{{ii}}}\, f'(z_{{{ii}}})"
        candidates = [f"{form} = {terms_latex(d.deltas[i], names, n)}" for n in (6, 4, 2)]
        rows.append(next((c for c in candidates if fits(c)), form))
    return (
        rf"The loss is $L = \sum_i g_i a_i$ with $a_i = f(z_i)$ ({escape_text(d.activation or '')}) "
        r"and the upstream gradient"
        + equation(
            rf"g = {row_latex(list(d.upstream or []), max_size, index_base, width=LINE_BUDGET - 2)}"
        )
        + r"By the chain rule the gradient reaching the convolution's outputs is"
        + align(rows)
        + r"and the convolution's gradients below are those of $L = \sum_i \delta_i z_i$ "
        r"with $\delta$ held fixed. "
    )


def shown_ties(
    t: Any, weights: Sequence[int | None], inputs: Sequence[int | None]
) -> tuple[dict[int, list[tuple[int, int]]], dict[int, list[int]]]:
    """The tie sets of the shown weights and the rows reading each shown input, in one
    pass over the band (row-major, so each list comes out sorted for a band in arrays):
    a report shows a few of them, and building every one costs as much as the rest of
    the report.

    >>> from symconv import band
    >>> shown_ties(band([5, 6], 3), [1], [0, 2])
    ({1: [(0, 1), (1, 2)]}, {0: [0], 2: [1]})
    """
    ties: dict[int, list[tuple[int, int]]] = {k: [] for k in weights if k is not None}
    readers: dict[int, list[int]] = {j: [] for j in inputs if j is not None}
    for (i, j), k in t.ties.items():
        if k in ties:
            ties[k].append((i, j))
        if j in readers:
            readers[j].append(i)
    return {k: sorted(v) for k, v in ties.items()}, {j: sorted(v) for j, v in readers.items()}


def gradients_section(d: Derivation, index_base: int, max_size: int, level: int) -> str:
    assert d.gradient("w") is not None and d.upstream is not None
    t = d.band
    ties, readers_of = shown_ties(t, kept(len(d.w), max_size), kept(len(d.x), max_size))
    limit = max(2, min(max_size, 4))
    # After an activation the gradients are shown in the deltas (the tied-gradient proof's
    # own, whose upstream they are); the full expressions are Derivation.grad_w/grad_x.
    up = "g" if d.deltas is None else r"\delta"
    tied = d.proofs[-1]
    grad_w, grad_x = (
        (d.gradient("w"), d.gradient("x"))
        if d.deltas is None
        else (
            tied.steps[0].lhs,  # dL/dw (X^T g, or rev(X^T g) when flipped)
            tied.steps[1].lhs,  # dL/dx = T^T g
        )
    )
    assert grad_w is not None and grad_x is not None
    names = SymbolNames(index_base)  # only the printed terms' symbols are named
    tie_rows, weight_rows = [], []
    for k in kept(len(d.w), max_size):
        if k is None:
            tie_rows.append(r"&\;\;\vdots")
            weight_rows.append(r"&\;\;\vdots")
            continue
        kk = k + index_base
        tie_rows.append(
            rf"S_{{{kk}}} &= {index_set_latex(ties[k], index_base, limit)}, "
            rf"& |S_{{{kk}}}| &= {len(ties[k])}"
        )
        value = grad_w[k]
        terms = 6
        while True:
            row = (
                rf"\frac{{\partial L}}{{\partial w_{{{kk}}}}} &= \sum_{{(i,j) \in S_{{{kk}}}}} "
                rf"{up}_i\, x_j = {terms_latex(value, names, terms)}"
            )
            if fits(row):
                break
            if terms <= 2:
                row = chain_rows(
                    rf"\frac{{\partial L}}{{\partial w_{{{kk}}}}}",
                    [rf"\sum_{{(i,j) \in S_{{{kk}}}}} {up}_i\, x_j", terms_latex(value, names, 2)],
                )
                break
            terms -= 1
        weight_rows.append(row)
    x_rows = []
    x_names = names
    for j in kept(len(d.x), max_size):
        if j is None:
            x_rows.append(r"&\;\;\vdots")
            continue
        readers = [(i,) for i in readers_of[j]]
        terms = 6
        while True:
            row = (
                rf"\frac{{\partial L}}{{\partial x_{{{j + index_base}}}}} &= "
                rf"\sum_{{i \in {index_set_latex(readers, index_base, 3)}}} "
                rf"T_{{i{j + index_base}}}\, {up}_i"
                rf" = {terms_latex(grad_x[j], x_names, terms) if grad_x[j] != 0 else '0'}"
            )
            if fits(row):
                break
            if terms <= 2:
                row = chain_rows(
                    rf"\frac{{\partial L}}{{\partial x_{{{j + index_base}}}}}",
                    [
                        rf"\sum_{{i \in {index_set_latex(readers, index_base, 3)}}} "
                        rf"T_{{i{j + index_base}}}\, {up}_i",
                        terms_latex(grad_x[j], x_names, 2) if grad_x[j] != 0 else "0",
                    ],
                )
                break
            terms -= 1
        x_rows.append(row)
    rows_n, cols_n = t.shape
    intro = (
        (
            r"The loss is $L = \sum_i g_i z_i$ with the upstream gradient"
            + equation(
                rf"g = {row_latex(list(d.upstream), max_size, index_base, width=LINE_BUDGET - 2)}"
            )
            if d.deltas is None
            else chain_rule_part(d, index_base, max_size)
        )
        + r"Weight $w_k$ sits in every entry of its tie set $S_k$ (the entries $(i, j)$ of $T$ "
        r"that hold it), and its gradient is the sum of the contributions of all of them:"
    )
    zeros = (
        rf"The ${rows_n * cols_n - t.nnz}$ entries of $T$ off the band are constants, not "
        r"weights: no gradient reaches them, and the step $w' = w - \eta\, \partial L / "
        r"\partial w$ rebuilds $T(w')$ with its zeros in the same places (proved above)."
    )
    return section(
        "Gradients and tie sets",
        intro,
        align(tie_rows),
        align(weight_rows),
        rf"The input gradient is $T^{{\top}} {up}$; $x_j$ receives from every output $i$ whose "
        r"window reads it:",
        align(x_rows),
        zeros,
        level=level,
    )


#: The parts of a layer report, in the question's order, and the function writing each.
PARTS: dict[str, Callable[[Derivation, int, int, int], str]] = {}


def derivation_sections(
    d: Derivation,
    *,
    index_base: int = 0,
    max_size: int = 8,
    level: int = 0,
    parts: Sequence[str] | None = None,
    figures: bool = True,
) -> list[str]:
    """The report's sections for one derivation, in the question's order.

    >>> from symconv import derive
    >>> for part in derivation_sections(derive([1, 2, 3, 4], [5, 6, 7])):
    ...     print(part.splitlines()[0])
    \\section{Setup}
    \\section{Windows and sliding dot products}
    \\section{Pictures of the layer}
    \\section{The banded matrix $T$}
    \\section{The data matrix $X$}
    \\section{Proofs}
    """
    if not isinstance(d, Derivation):
        raise TypeError(f"expected a symconv Derivation (from derive()), got {type(d).__name__}")
    index_base = check_index_base(index_base)
    if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 2:
        raise ValueError(f"max_size must be an integer >= 2, got {max_size!r}")
    chosen = list(PARTS) if parts is None else list(parts)
    if not figures:
        chosen = [p for p in chosen if p != "figures"]
    unknown = [p for p in chosen if p not in PARTS]
    if unknown:
        raise ValueError(f"unknown report parts {unknown}; choose from {list(PARTS)}")
    if d.gradient("w") is None:
        if parts is not None and "gradients" in chosen:
            raise ValueError("the gradients part needs derive(..., grad=True)")
        chosen = [p for p in chosen if p != "gradients"]
    # The collector paused, as during the derivation: a full collection would walk every
    # object the derivation built (a third of the report's time at (4096, 9)).
    with session():
        made = [PARTS[p](d, index_base, max_size, level) for p in chosen]
    return [part for part in made if part]


#: Layers up to this many band entries get the labelled pictures (window strip and tie
#: pattern); bigger ones the tie pattern alone, drawn small, up to FIGURE_BAND_LIMIT.
FIGURE_LABEL_LIMIT = 120
FIGURE_BAND_LIMIT = 600


def figures_section(d: Derivation, index_base: int, max_size: int, level: int) -> str:
    """Pictures of the layer: the sliding window over the padded input for the first
    outputs, and the tie pattern of T, one colour (and label) per weight."""
    import symconv.figures as figures

    s = d.settings
    options: dict[str, Any] = {
        "stride": s.stride,
        "padding": s.padding_pair,
        "dilation": s.dilation,
        "flip": s.flip,
    }
    t = d.band
    if t.nnz > FIGURE_BAND_LIMIT or s.padding_mode != "zeros":
        return ""  # the pictures draw zero padding only
    parts = []
    if index_base:
        parts.append(r"In the pictures indices start at $0$, as in the API.")
    if t.nnz <= FIGURE_LABEL_LIMIT:
        strip = figures.sliding_window(list(d.x), list(d.w), **options).to_tikz()
        parts.append(
            r"The window of each output over the padded input (padding cells grey), and the "
            r"output it makes:"
            + "\n"
            + r"\begin{center}\resizebox{!}{0.55\textheight}{"
            + strip
            + r"}\end{center}"
        )
    picture = figures.tie_pattern(list(d.w), len(d.x), **options).to_tikz()
    parts.append(
        r"The tie pattern of $T$: each entry coloured by the weight it holds (and labelled "
        r"with its index where there is room), structural zeros blank. Every row holds the "
        r"same weights, shifted: the weights are tied, and the matrix is banded."
        + "\n"
        + r"\begin{center}\resizebox{0.8\linewidth}{!}{"
        + picture
        + r"}\end{center}"
    )
    return section("Pictures of the layer", *parts, level=level)


PARTS.update(
    setup=setup_section,
    windows=windows_section,
    figures=figures_section,
    band=banded_section,
    data=data_matrix_section,
    proofs=proofs_section,
    gradients=gradients_section,
)


def describe_layer(d: Derivation) -> str:
    """A one-line plain title for a layer."""
    s = d.settings
    kind = "convolution" if s.flip else "cross-correlation"
    word = mode_name(s)
    padding = word if word else f"padding ({s.left}, {s.right})"
    extras = "".join(
        f", {name} {value}"
        for name, value in (("stride", s.stride), ("dilation", s.dilation))
        if value != 1
    )
    return (
        f"1-D {kind} of length {s.input_length} with a kernel of length {s.kernel_size}, "
        f"{padding}{extras}"
    )


# --- the report object ---------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """A built report: its title, its sections, and a formula for notebooks.

    >>> from symconv import derive
    >>> r = Report.of(derive([1, 2, 3, 4], [5, 6, 7]))
    >>> r.title
    '1-D cross-correlation of length 4 with a kernel of length 3, valid'
    >>> r._repr_latex_().startswith("$\\\\displaystyle")
    True
    """

    title: str
    sections: tuple[str, ...]
    summary: str = ""

    @classmethod
    def of(
        cls,
        d: Derivation,
        *,
        title: str | None = None,
        index_base: int = 0,
        max_size: int = 8,
        figures: bool = True,
    ) -> Report:
        """The report of one derivation (``figures``: with pictures of the layer)."""
        sections = derivation_sections(d, index_base=index_base, max_size=max_size, figures=figures)
        return cls(
            title if title is not None else describe_layer(d),
            tuple(sections),
            summary_latex(d, index_base, min(max_size, 6)),
        )

    def to_latex(self, standalone: bool = True) -> str:
        """A standalone document, or a fragment to ``\\input``."""
        return document(self.title, self.sections) if standalone else fragment(self.sections)

    def __str__(self) -> str:
        return self.to_latex()

    def write(
        self, path: os.PathLike[str] | str, *, force: bool = False, standalone: bool = True
    ) -> Path:
        """Write the ``.tex`` atomically (never over a file symconv did not write)."""
        return write_output(path, self.to_latex(standalone), force=force)

    def _repr_latex_(self) -> str:
        return self.summary or rf"$\text{{{escape_text(self.title)}}}$"


def summary_latex(d: Derivation, index_base: int, max_size: int) -> str:
    """``z = T x = X w'`` with the matrices shown: what a notebook displays for a report."""
    t = matrix_latex(d.band, max_size, max_size, index_base, mark_band=True)
    x = vector_latex(list(d.x), max_size, index_base)
    z = vector_latex(list(d.outputs), max_size, index_base, max_terms=4)
    verdict = r"\text{all proofs hold}" if d.holds else r"\text{a proof FAILS}"
    return rf"$\displaystyle z = T x = {t} {x} = {z} \qquad {verdict}$"


# --- one call per request ------------------------------------------------------------------


def derivation_report(
    d: Derivation,
    *,
    standalone: bool = True,
    index_base: int = 0,
    max_size: int = 8,
    title: str | None = None,
    figures: bool = True,
) -> str:
    """One derivation as a standalone LaTeX document, or as a fragment to ``\\input``
    (a fragment's pictures need ``\\usepackage{tikz}`` in your preamble).

    >>> from symconv import derive
    >>> derivation_report(derive([1, 2], [3]), standalone=False).splitlines()[1]
    '\\\\section{Setup}'
    """
    return Report.of(
        d, title=title, index_base=index_base, max_size=max_size, figures=figures
    ).to_latex(standalone)


def derivations_document(
    ds: Sequence[Derivation],
    *,
    title: str = "symconv derivations",
    index_base: int = 0,
    max_size: int = 8,
    figures: bool = True,
    standalone: bool = True,
) -> str:
    """Several derivations in one document, one section per layer.

    >>> from symconv import derive
    >>> tex = derivations_document([derive([1, 2], [3]), derive([1, 2, 3], [4, 5])])
    >>> tex.count(r"\\section{Layer")
    2
    """
    if not ds:
        raise ValueError("derivations_document needs at least one derivation, got none")
    sections = []
    for number, d in enumerate(ds, start=1):
        if not isinstance(d, Derivation):
            raise TypeError(f"entry {number} is a {type(d).__name__}, not a Derivation")
        sections.append(rf"\section{{Layer {number}: {escape_text(describe_layer(d))}}}")
        sections += derivation_sections(
            d, index_base=index_base, max_size=max_size, level=1, figures=figures
        )
    return document(title, sections) if standalone else fragment(sections)


#: Options of :func:`layer_report` that go to the report rather than to :func:`derive`.
REPORT_OPTIONS = ("standalone", "index_base", "max_size", "title", "figures")


def layer_report(x: object, w: object, **options: Any) -> str:
    """Derive one layer and report it: ``options`` are :func:`~symconv.derive`'s
    (stride, padding, dilation, flip, activation, grad, upstream) and the report's
    (standalone, index_base, max_size, title).

    >>> tex = layer_report([1, 2, 3, 4], [5, 6, 7], padding="full", flip=True, index_base=0)
    >>> r"z_{0} &= (0, 0, 1) \\cdot w' = 0 \\cdot 7 + 0 \\cdot 6 + 1 \\cdot 5 = 5" in tex
    True
    """
    report_options = {k: options.pop(k) for k in REPORT_OPTIONS if k in options}
    return derivation_report(derive(x, w, **options), **report_options)


# --- compiling -------------------------------------------------------------------------------


class CompileError(RuntimeError):
    """pdflatex failed or timed out; ``log`` is where its log was kept."""

    def __init__(self, message: str, log: Path | None) -> None:
        super().__init__(message)
        self.log = log


def first_error(log_text: str) -> str:
    """The first ``! ...`` error of a TeX log with the line it names, or a fallback."""
    lines = log_text.splitlines()
    for position, line in enumerate(lines):
        if line.startswith("!") or re.match(r"^\S+:\d+: ", line):
            where = next(
                (ln for ln in lines[position + 1 : position + 6] if ln.startswith("l.")), ""
            )
            return (line.strip() + (" at " + where.strip() if where else "")).strip()
    return "no error line in the log"


def replace_file(source: Path, target: Path) -> None:
    """Copy ``source`` over ``target`` through a temporary file beside it and a rename
    (with the umask's permissions; an error names ``target``)."""
    copy_output(source, target)


def compiled_by_symconv(pdf: Path) -> bool:
    """Whether ``pdf`` carries symconv's creator mark (so compiling again may replace it)."""
    try:
        return PDF_MARK in pdf.read_bytes()
    except OSError:
        return False


def tex_log(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.readline().startswith("This is pdfTeX")
    except OSError:
        return False


def pdflatex_environment() -> dict[str, str]:
    """pdflatex's environment: paranoid file access, no shell, reproducible dates."""
    env = dict(os.environ)
    # Kpathsea: 'p' refuses to open dot files, parent folders and absolute paths outside
    # the working folder, so a document cannot read /etc/passwd or write beside itself.
    env.update({"openin_any": "p", "openout_any": "p", "shell_escape": "f"})
    env.setdefault("SOURCE_DATE_EPOCH", "315532800")
    env.setdefault("FORCE_SOURCE_DATE", "1")
    return env


def check_compile_outputs(tex: Path, *, force: bool = False) -> tuple[Path, Path]:
    """The ``.pdf`` and ``.log`` that compiling ``tex`` writes, refused up front when they
    are someone else's (unless ``force``): a command can check them before any work."""
    pdf, log = tex.with_suffix(".pdf"), tex.with_suffix(".log")
    if pdf.exists() and not force and not compiled_by_symconv(pdf):
        raise FileExistsError(
            f"{pdf} exists and was not compiled by symconv; pass force=True (--force)"
        )
    if log.exists() and not force and not tex_log(log):
        raise FileExistsError(f"{log} exists and is not a TeX log; pass force=True (--force)")
    return pdf, log


def compile_pdf(
    tex_path: os.PathLike[str] | str, *, timeout: float = 120, force: bool = False
) -> Path:
    """Compile ``tex_path`` with pdflatex in a temporary folder; return the ``.pdf`` beside it.

    pdflatex runs with ``-no-shell-escape -interaction=nonstopmode -halt-on-error`` and a
    timeout. Its log is kept beside the ``.tex`` (``name.log``); on failure the error
    names that log and the ``.tex`` is left as it was. An existing ``.pdf`` that symconv
    did not compile is not replaced unless ``force``.
    """
    tex = Path(tex_path)
    if not tex.is_file():
        raise FileNotFoundError(f"{tex} does not exist; write the .tex first")
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise FileNotFoundError(
            "pdflatex is not installed; on Debian: apt-get install texlive-latex-base "
            "texlive-latex-recommended"
        )
    pdf, log = check_compile_outputs(tex, force=force)
    with tempfile.TemporaryDirectory(prefix="symconv-tex-") as work:
        folder = Path(work)
        shutil.copyfile(tex, folder / "report.tex")
        command = [
            pdflatex,
            "-no-shell-escape",
            "-interaction=nonstopmode",
            "-halt-on-error",
            "-file-line-error",
            "report.tex",
        ]
        try:
            result = subprocess.run(
                command,
                cwd=folder,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                env=pdflatex_environment(),
                check=False,
            )
        except subprocess.TimeoutExpired:
            kept_log = keep_log(folder / "report.log", log)
            raise CompileError(
                f"pdflatex did not finish {tex} within {timeout} s; "
                + (f"the log is kept at {kept_log}" if kept_log else "it left no log"),
                kept_log,
            ) from None
        kept_log = keep_log(folder / "report.log", log)
        built = folder / "report.pdf"
        if result.returncode != 0 or not built.exists():
            text_of_log = (folder / "report.log").read_text("utf-8", "replace") if kept_log else ""
            raise CompileError(
                f"pdflatex failed on {tex} ({first_error(text_of_log)}); the .tex is kept and "
                + (f"the log is kept at {kept_log}" if kept_log else "it left no log"),
                kept_log,
            )
        replace_file(built, pdf)
    return pdf


def keep_log(source: Path, target: Path) -> Path | None:
    if not source.exists():
        return None
    replace_file(source, target)
    return target


def overfull_boxes(log_text: str) -> list[str]:
    r"""The ``Overfull \hbox`` lines of a TeX log (a report must have none).

    >>> overfull_boxes("x\nOverfull \\hbox (2.0pt too wide) in paragraph at lines 3--4\ny")
    ['Overfull \\hbox (2.0pt too wide) in paragraph at lines 3--4']
    """
    return [line for line in log_text.splitlines() if line.startswith("Overfull \\hbox")]


__all__ = [
    "ACTIVATION_REFERENCES",
    "CompileError",
    "IndexedFrom",
    "PREAMBLE",
    "Report",
    "SLIDING_REFERENCES",
    "align",
    "compile_pdf",
    "derivation_report",
    "derivation_sections",
    "derivations_document",
    "document",
    "equation",
    "escape_text",
    "expr_latex",
    "fragment",
    "itemize",
    "layer_report",
    "matrix_latex",
    "overfull_boxes",
    "PARTS",
    "proof_latex",
    "reference_latex",
    "row_latex",
    "section",
    "table",
    "text",
    "tuple_latex",
    "vector_latex",
    "verbatim",
    "verified",
]
