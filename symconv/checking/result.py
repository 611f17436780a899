r"""The outcome of a check: does the user's code compute the layer, and if not, where not.

Examples
========

>>> from sympy import Symbol
>>> x, w = Symbol("x[0, 0, 1]"), Symbol("w[0, 0, 0]")
>>> entry = WrongEntry("y", (0, 0, 0), "output (0, 0, 0)", w * x, 0, (w * x,), (),
...                    ("your output (0, 0, 0) misses the term w[0, 0, 0]*x[0, 0, 1]",))
>>> result = CheckResult("conv1d, layout NCL: x (1, 1, 2), w (1, 1, 1)", (("outputs", 2),),
...                      (entry,), ("1 of 2 outputs differ",))
>>> result.holds
False
>>> print(result)
conv1d, layout NCL: x (1, 1, 2), w (1, 1, 1): WRONG
  1 of 2 outputs differ
output (0, 0, 0):
  expected  w[0, 0, 0]*x[0, 0, 1]
  yours     0
  missing   w[0, 0, 0]*x[0, 0, 1]
  your output (0, 0, 0) misses the term w[0, 0, 0]*x[0, 0, 1]
>>> print(result.to_latex().splitlines()[0])
\subsection*{Convolution check: conv1d, layout NCL: x (1, 1, 2), w (1, 1, 1): wrong}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy

#: Wrong entries shown per quantity in the text and LaTeX forms.
SHOWN = 3

#: TeX's special characters in text mode and how to print them literally.
TEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "%": r"\%",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}


def escape_tex(text: str) -> str:
    r"""``text`` printed literally in LaTeX text mode; a character outside ASCII becomes
    ``?`` (the default fonts may not have it), white space one space.

    >>> escape_tex("line 3 of my_conv.py: `out[i] = 1 % 2`")
    'line 3 of my\\_conv.py: `out[i] = 1 \\% 2`'
    """
    out = []
    for char in " ".join(text.split()):
        if char in TEX_ESCAPES:
            out.append(TEX_ESCAPES[char])
        elif 32 <= ord(char) < 127:
            out.append(char)
        else:
            out.append("?")
    return "".join(out)


@dataclass(frozen=True)
class WrongEntry:
    """One entry of the user's result that differs from the layer's, and why.

    ``expected`` is the layer's sum of terms, ``actual`` the user's value, ``missing`` the
    layer's terms the user lacks and ``extra`` the user's terms the layer lacks (each a
    coefficient times a product of symbols), ``diagnosis`` the sentences naming the index
    rule that went wrong.
    """

    quantity: str  # "y", "dx", "dw" or "db"
    index: tuple[int, ...]
    label: str  # "output (0, 1, 2)", "dw[1, 0, 2]"
    expected: Any
    actual: Any
    missing: tuple[Any, ...]
    extra: tuple[Any, ...]
    diagnosis: tuple[str, ...]

    def lines(self) -> list[str]:
        out = [f"{self.label}:", f"  expected  {self.expected}", f"  yours     {self.actual}"]
        if self.missing:
            out.append(f"  missing   {', '.join(str(t) for t in self.missing)}")
        if self.extra:
            out.append(f"  extra     {', '.join(str(t) for t in self.extra)}")
        return out + [f"  {line}" for line in self.diagnosis]


@dataclass(frozen=True)
class CheckResult:
    """Whether a user's convolution computes the layer, entry by entry, exactly.

    ``holds`` (also ``bool(result)``) is True when every output and gradient entry has
    exactly the layer's terms. ``wrong`` lists the differing entries in order (outputs,
    then ``dx``, ``dw``, ``db``), ``summary`` what they share, and ``error`` replaces all of
    that when the user's code could not be checked (it raised, hung, or returned the wrong
    shape or numbers). ``str`` renders text, :meth:`to_latex` a LaTeX fragment.
    """

    layer: str
    checked: tuple[tuple[str, int], ...]
    wrong: tuple[WrongEntry, ...] = ()
    summary: tuple[str, ...] = ()
    error: str | None = None
    latex_names: Mapping[Any, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def holds(self) -> bool:
        return self.error is None and not self.wrong

    def __bool__(self) -> bool:
        return self.holds

    @property
    def first_wrong(self) -> WrongEntry | None:
        return self.wrong[0] if self.wrong else None

    def wrong_in(self, quantity: str) -> tuple[WrongEntry, ...]:
        """The wrong entries of ``"y"``, ``"dx"``, ``"dw"`` or ``"db"``."""
        return tuple(e for e in self.wrong if e.quantity == quantity)

    def _shown(self) -> list[tuple[str, list[WrongEntry], int]]:
        quantities = dict.fromkeys(e.quantity for e in self.wrong)
        return [
            (q, list(self.wrong_in(q)[:SHOWN]), len(self.wrong_in(q)) - SHOWN) for q in quantities
        ]

    def _checked_text(self) -> str:
        return ", ".join(f"{count} {what}" for what, count in self.checked)

    def __str__(self) -> str:
        if self.error is not None:
            return self.error
        if self.holds:
            return f"{self.layer}: holds ({self._checked_text()}, each exactly the layer's terms)"
        lines = [f"{self.layer}: WRONG"] + [f"  {line}" for line in self.summary]
        for quantity, entries, more in self._shown():
            for entry in entries:
                lines += entry.lines()
            if more > 0:
                noun = "outputs" if quantity == "y" else f"{quantity} entries"
                lines.append(f"... and {more} more wrong {noun}")
        return "\n".join(lines)

    # --- LaTeX ---

    def _math(self, expr: Any) -> str:
        names = {
            s: self.latex_names[s]
            for s in getattr(expr, "free_symbols", ())
            if s in self.latex_names
        }
        return sympy.latex(expr, symbol_names=names)

    def _terms(self, terms: Sequence[Any]) -> str:
        return ",\\ ".join(f"${self._math(t)}$" for t in terms)

    def to_latex(self) -> str:
        r"""The result as a LaTeX fragment for a plain ``article`` (no packages needed):
        a ``\subsection*`` with the verdict, what was compared and, for each shown wrong
        entry, the layer's sum, the user's, the missing and extra terms and the diagnosis.
        """
        verdict = "holds" if self.holds else "wrong"
        out = [rf"\subsection*{{Convolution check: {escape_tex(self.layer)}: {verdict}}}"]
        if self.error is not None:
            lines = [escape_tex(line) for line in self.error.splitlines()]
            out += [r"\begin{flushleft}\ttfamily", " \\\\\n".join(lines), r"\end{flushleft}"]
            return "\n".join(out) + "\n"
        if self.holds:
            out.append(
                f"Checked {escape_tex(self._checked_text())}: every entry has exactly the layer's terms."
            )
            return "\n".join(out) + "\n"
        out.append(r"\begin{itemize}")
        out += [rf"\item {escape_tex(line)}" for line in self.summary]
        out.append(r"\end{itemize}")
        for _, entries, more in self._shown():
            for e in entries:
                out.append(rf"\paragraph{{{escape_tex(e.label)}}}")
                out.append(r"\begin{itemize}")
                out.append(rf"\item expected: ${self._math(e.expected)}$")
                out.append(rf"\item yours: ${self._math(e.actual)}$")
                if e.missing:
                    out.append(rf"\item missing: {self._terms(e.missing)}")
                if e.extra:
                    out.append(rf"\item extra: {self._terms(e.extra)}")
                out += [rf"\item {escape_tex(line)}" for line in e.diagnosis]
                out.append(r"\end{itemize}")
            if more > 0:
                out.append(rf"\noindent\ldots\ and {more} more.")
        return "\n".join(out) + "\n"

    def _repr_latex_(self) -> str:
        """What Jupyter shows: the verdict, and the first wrong entry's terms."""
        verdict = "holds" if self.holds else "WRONG"
        rows = [rf"\text{{{escape_tex(self.layer)}: {verdict}}}"]
        if self.error is not None:
            rows += [rf"\text{{{escape_tex(line)}}}" for line in self.error.splitlines()]
        rows += [rf"\text{{{escape_tex(line)}}}" for line in self.summary]
        first = self.first_wrong
        if first is not None:
            rows.append(rf"\text{{{escape_tex(first.label)}: }} {self._math(first.expected)}")
            if first.missing:
                rows.append(
                    r"\text{missing: } " + ",\\ ".join(self._math(t) for t in first.missing)
                )
            if first.extra:
                rows.append(r"\text{extra: } " + ",\\ ".join(self._math(t) for t in first.extra))
        return r"$\displaystyle \begin{array}{l} " + r" \\ ".join(rows) + r" \end{array}$"
