"""A figure: its shapes, what they show, and the files it prints to (TikZ, SVG, PDF).

>>> from symconv.figures.shapes import Paint, cell
>>> figure = Figure("demo", "one entry", 2.0, 2.0, 5.0, (cell("entry", 0.5, 0.5, Paint(fill="w0"), 0, (0, 0)),))
>>> figure.cells
((0, 0, 0),)
>>> print(figure.to_tikz())
\\begin{tikzpicture}[x=5mm,y=-5mm]
\\definecolor{scw0}{RGB}{230,159,0}
\\fill[scw0] (0.5,0.5)rectangle+(1,1);
\\end{tikzpicture}
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from symconv.figures.printers import SvgPrinter, TikzPrinter
from symconv.figures.shapes import Shape


@dataclass(frozen=True)
class WindowTap:
    """One tap of a sliding window: output ``output`` reads padded position ``padded``
    with kernel weight ``weight`` (tap ``tap`` before any flip); ``input`` is the real
    input index there, or None on the zero padding. Indices are ints in 1-D and
    ``(row, col)`` pairs in 2-D."""

    output: int | tuple[int, int]
    tap: int | tuple[int, int]
    weight: int | tuple[int, int]
    padded: int | tuple[int, int]
    input: int | tuple[int, int] | None

    @property
    def padding(self) -> bool:
        return self.input is None


@dataclass(frozen=True)
class Figure:
    """A drawn layer: shapes in units of ``unit`` mm (y down) in a ``width`` x ``height``
    box, and what they show.

    ``cells`` lists T's entries as ``(row, col, weight)``, ``highlighted`` the entries
    of a tie set (both sorted by row, then column), ``edges`` the connections as ``(panel, output, input, weight)``,
    ``window`` the taps of a sliding window; all are read from what is drawn.
    """

    kind: str
    title: str
    width: float
    height: float
    unit: float
    shapes: tuple[Shape, ...]
    window: tuple[WindowTap, ...] = ()
    formula: str = ""
    formula_tex: str = ""

    @property
    def cells(self) -> tuple[tuple[int, int, int], ...]:
        return tuple(
            sorted(
                (s.key[0], s.key[1], s.weight)
                for s in self.shapes
                if s.role == "entry" and s.weight is not None
            )
        )

    @property
    def highlighted(self) -> tuple[tuple[int, int], ...]:
        return tuple(
            (s.key[0], s.key[1])
            for s in self.shapes
            if s.role == "entry" and s.paint.fill == f"w{s.weight}" and self.kind == "tie set"
        )

    @property
    def edges(self) -> tuple[tuple[int, int, int, int | None], ...]:
        return tuple(
            (s.key[0], s.key[1], s.key[2], s.weight) for s in self.shapes if s.role == "edge"
        )

    @property
    def size_mm(self) -> tuple[float, float]:
        return (self.width * self.unit, self.height * self.unit)

    def to_tikz(self) -> str:
        """A complete ``tikzpicture`` that needs only ``\\usepackage{tikz}``."""
        return TikzPrinter(self.unit).picture(self.shapes)

    def to_svg(self) -> str:
        """A standalone SVG document (its size in mm)."""
        return SvgPrinter(self.unit).document(self.shapes, self.width, self.height, self.title)

    def _repr_svg_(self) -> str:
        return self.to_svg()

    def to_document(self) -> str:
        """A compilable LaTeX document holding only this picture, its page cropped to it."""
        return standalone_document(self.to_tikz())

    def save(self, path: os.PathLike[str] | str) -> Path:
        """Write the figure as ``.tex`` (a standalone document), ``.svg`` or ``.pdf`` (via
        pdflatex), chosen by the extension; written atomically (temporary file, then
        rename). Returns the path."""
        target = Path(path)
        suffix = target.suffix.lower()
        if suffix not in SAVERS:
            allowed = ", ".join(SAVERS)
            raise ValueError(
                f"cannot save a figure as {target.name!r}: unknown extension "
                f"{target.suffix or '(none)'!r}; use one of {allowed}"
            )
        if suffix == ".pdf":
            data = compile_picture(self.to_document())
        elif suffix == ".tex":
            data = self.to_document().encode("utf-8")
        else:
            data = self.to_svg().encode("utf-8")
        write_atomically(target, data)
        return target


SAVERS = (".tex", ".svg", ".pdf")


def standalone_document(picture: str) -> str:
    """An article that typesets ``picture`` in a box and ships that box out on a page of
    its own size plus 2 mm each side (what the standalone class does, without it)."""
    return "\n".join(
        [
            r"\documentclass{article}",
            r"\usepackage{tikz}",
            r"\newsavebox{\symconvfigure}",
            r"\begin{document}",
            r"\sbox{\symconvfigure}{%",
            picture + "%",
            "}",
            r"\hoffset=-1in \voffset=-1in",
            r"\pdfpagewidth=\dimexpr\wd\symconvfigure+4mm\relax",
            r"\pdfpageheight=\dimexpr\ht\symconvfigure+\dp\symconvfigure+4mm\relax",
            r"\shipout\vbox{\vskip2mm\hbox{\hskip2mm\usebox{\symconvfigure}}}",
            r"\end{document}",
            "",
        ]
    )


def compile_picture(document: str, timeout: float = 120) -> bytes:
    """The PDF of a LaTeX document, compiled by pdflatex in a temporary folder."""
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        raise FileNotFoundError(
            "pdflatex is not installed, and saving a figure as .pdf needs it; save as .tex "
            "or .svg, or install TeX (Debian: apt-get install texlive-latex-base "
            "texlive-pictures)"
        )
    with tempfile.TemporaryDirectory(prefix="symconv-figure-") as work:
        folder = Path(work)
        (folder / "figure.tex").write_text(document, encoding="utf-8")
        command = [pdflatex, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error"]
        try:
            result = subprocess.run(
                [*command, "figure.tex"],
                cwd=folder,
                capture_output=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise RuntimeError(f"pdflatex did not finish within {timeout} s") from error
        pdf = folder / "figure.pdf"
        if result.returncode != 0 or not pdf.exists():
            log = folder / "figure.log"
            lines = log.read_text(errors="replace").splitlines() if log.exists() else []
            errors = [line for line in lines if line.startswith("!")] or lines[-20:]
            raise RuntimeError(
                f"pdflatex failed on the figure (exit status {result.returncode}): "
                + "\n".join(errors[:5])
            )
        return pdf.read_bytes()


def write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``target``, then rename it over."""
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or Path(".")
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
