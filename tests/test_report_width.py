"""Reports elide by width, not by entry count (issue 16, item 8): long names such as
``inputsignalvalue`` fit the page, short ones keep every entry they showed before."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import sympy

from symconv import band, derive, symbolic_vector
from symconv.core.files import write_output
from symconv.proofs.proof import Proof, check
from symconv.render.latex import (
    LINE_BUDGET,
    estimate_width,
    matrix_latex,
    packed_rows,
    proof_latex,
    row_latex,
    top_terms,
    vector_latex,
)
from symconv.report import (
    chain_rows,
    compile_pdf,
    derivation_report,
    document,
    overfull_boxes,
)

#: CLI reports with long names (the issue's two), strided and dilated with padding, and
#: activations whose entries wrap each long sum.
LONG_NAME_REPORTS = {
    "input-weight": ["--input", "input:12", "--kernel", "weight:5", "--grad"],
    "long-names": ["--input", "inputsignalvalue:12", "--kernel", "filterweight:5", "--grad"],
    "strided": [
        "--input",
        "inputsignalvalue:12",
        "--kernel",
        "filterweight:5",
        "--stride",
        "2",
        "--padding",
        "1",
        "--dilation",
        "2",
        "--grad",
    ],
    "flip-full-1-based": [
        "--input",
        "inputsignalamplitude:12",
        "--kernel",
        "convolutionweight:5",
        "--flip",
        "--padding",
        "full",
        "--index-base",
        "1",
        "--grad",
    ],
    "sigmoid": [
        "--input",
        "inputsignalvalue:12",
        "--kernel",
        "filterweight:5",
        "--activation",
        "sigmoid",
        "--grad",
    ],
    "unknown-activation": [
        "--input",
        "inputsignalvalue:8",
        "--kernel",
        "filterweight:3",
        "--activation",
        "unknown:f",
        "--grad",
        "--upstream",
        "1,-1,2,0,1,1",
    ],
}


def cli_report(arguments: list[str], target: Path) -> str:
    """Run ``python -m symconv.cli report ... -o target --pdf``; return the TeX log."""
    result = subprocess.run(
        [sys.executable, "-m", "symconv.cli", "report", *arguments, "-o", str(target), "--pdf"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert target.with_suffix(".pdf").exists()
    return target.with_suffix(".log").read_text(errors="replace")


@pytest.mark.parametrize("name", list(LONG_NAME_REPORTS))
def test_long_name_reports_have_no_overfull_line(name: str, pdflatex: str, tmp_path: Path) -> None:
    log = cli_report(LONG_NAME_REPORTS[name], tmp_path / "r.tex")
    assert "Overfull \\hbox" not in log, overfull_boxes(log)


def test_the_overfull_check_sees_a_matrix_elided_by_count(pdflatex: str, tmp_path: Path) -> None:
    """The check above can fail: the same band elided by count alone (eight columns of
    ``filterweight``) overflows the page."""
    t = band(symbolic_vector("filterweight", 5), 12)
    tex = document("count", [rf"\[ T = {matrix_latex(t, mark_band=True)} \]"])
    path = write_output(tmp_path / "count.tex", tex)
    compile_pdf(path)
    assert overfull_boxes(path.with_suffix(".log").read_text(errors="replace"))


def test_a_long_step_splits_its_sides_and_fits(pdflatex: str, tmp_path: Path) -> None:
    """Sides that differ (so both print) and are too wide even at two terms go on several
    rows, broken between terms."""
    x = symbolic_vector("inputsignalvalue", 6)
    w = symbolic_vector("filterweight", 6)
    left = [sympy.Add(*[w[k] * x[k] for k in range(6)])]
    right = [w[0] * (x[0] + x[1] / w[0] * w[1]) + sum(w[k] * x[k] for k in range(2, 6))]
    step = check("long sides", left, right, law="Law: expand.", labels=[(0,)])
    assert not step.identical_sides and step.holds
    text = proof_latex(Proof("long", "statement", [step]))
    assert r"\notag \\" in text  # split over rows
    path = write_output(tmp_path / "step.tex", document("step", [text]))
    compile_pdf(path)
    assert overfull_boxes(path.with_suffix(".log").read_text(errors="replace")) == []


# --- the width estimate --------------------------------------------------------------------


def test_width_grows_with_the_name() -> None:
    widths = [estimate_width(f"{'inputsignalvalue'[:n]}_{{1}}") for n in range(1, 17)]
    assert all(a < b for a, b in zip(widths, widths[1:], strict=False))
    assert estimate_width("inputsignalvalue_{11}") > 3 * estimate_width("x_{11}")
    # Subscripts are set small; \cdots and operators carry their own widths.
    assert estimate_width("x_{123}") < estimate_width("x123")
    assert estimate_width(r"a + \cdots + b") > estimate_width("a b") + 3


def test_width_estimate_matches_tex_for_long_names(pdflatex: str, tmp_path: Path) -> None:
    samples = [
        "inputsignalvalue_{11}",
        r"filterweight_{0}\,inputsignalvalue_{0} + \cdots + filterweight_{4}\,inputsignalvalue_{4}",
        r"\begin{bmatrix} filterweight_{0} & \cdots & \scriptstyle 0 \\ \scriptstyle 0 & "
        r"\cdots\,{\scriptstyle (\text{band at } 1..5)} & \scriptstyle 0 \end{bmatrix}",
        "mmmmmmmm + iiiiiiii",
    ]
    lines = "\n".join(
        rf"\settowidth{{\dimen0}}{{$\displaystyle {s}$}}\typeout{{W:\the\dimen0}}" for s in samples
    )
    source = tmp_path / "widths.tex"
    source.write_text(
        "\\documentclass{article}\\usepackage{amsmath}\\begin{document}\n"
        + lines
        + "\n\\end{document}\n"
    )
    result = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", source.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    measured = [float(v) / 10 for v in re.findall(r"W:([\d.]+)pt", result.stdout)]
    assert len(measured) == len(samples)
    for sample, width in zip(samples, measured, strict=True):
        assert 0.9 * width <= estimate_width(sample) <= 1.15 * width, (sample, width)


# --- elision by width ----------------------------------------------------------------------


def test_long_names_show_fewer_columns_and_keep_the_band_visible() -> None:
    t = band(symbolic_vector("filterweight", 5), 12)
    by_count = matrix_latex(t, 8, 8, mark_band=True)
    by_width = matrix_latex(t, 8, 8, mark_band=True, width=LINE_BUDGET - 2)
    assert estimate_width(by_count) > LINE_BUDGET
    assert estimate_width(by_width) <= LINE_BUDGET - 2
    assert by_width.count("&") < by_count.count("&")
    rows = by_width.split(r" \\ ")
    # Every shown row whose band is elided says where it is (rows 1..6; row 0 shows w_0).
    assert all(r"\text{band at }" in row for row in rows[1:7]), rows
    assert r"\text{band at }" not in rows[0]


def test_short_names_are_not_elided_further() -> None:
    x, w = symbolic_vector("x", 12), symbolic_vector("w", 3)
    t = band(w, 12)
    assert matrix_latex(t, 8, 8, mark_band=True, width=LINE_BUDGET - 2) == matrix_latex(
        t, 8, 8, mark_band=True
    )
    assert row_latex(list(x), 8, width=LINE_BUDGET - 7) == row_latex(list(x), 8)
    report = derivation_report(derive(x, w, grad=True))
    assert rf"x &= {row_latex(list(x), 8)} \in" in report  # x_0 .. x_6, \cdots, x_11
    assert matrix_latex(t, 8, 8, mark_band=True) in report  # T with all 8 columns
    assert report.count(r"\\ &\quad") == 0  # no row broken


def test_question_report_is_unchanged_by_width_fitting() -> None:
    report = derivation_report(derive([1, 2, 3, 4], [5, 6, 7], grad=True), index_base=1)
    assert r"z_{1} &= (1, 2, 3) \cdot w' = 1 \cdot 5 + 2 \cdot 6 + 3 \cdot 7 = 38" in report
    assert r"\begin{bmatrix} 5 & 6 & 7 & \scriptstyle 0 \\" in report


def test_vector_entries_lose_terms_to_fit() -> None:
    x, w = symbolic_vector("inputsignalvalue", 12), symbolic_vector("filterweight", 5)
    outputs = list(derive(x, w).outputs)
    wide = vector_latex(outputs, 8, 0, 4)
    narrow = vector_latex(outputs, 8, 0, 4, width=LINE_BUDGET)
    assert estimate_width(narrow) < estimate_width(wide)
    assert r"\cdots" in narrow and "filterweight_{4}" in narrow


# --- breaking long sums --------------------------------------------------------------------


def test_top_terms_cut_only_between_top_level_terms() -> None:
    assert top_terms(r"a + b - \eta \left(c + d\right) + \frac{e + f}{2}") == [
        "a",
        "+ b",
        r"- \eta \left(c + d\right)",
        r"+ \frac{e + f}{2}",
    ]


def test_rows_break_before_a_term_or_a_relation() -> None:
    assert chain_rows("z", ["a + b", "c"]) == "z &= a + b = c"
    long = " + ".join(f"filterweight_{{{k}}}\\,inputsignalvalue_{{{k}}}" for k in range(3))
    rows = chain_rows("z_{0}", [long]).split(r" \\ ")
    assert len(rows) == 3 and rows[1].startswith(r"&\quad + filterweight_{1}")
    assert all(estimate_width(r.replace("&", "")) <= LINE_BUDGET for r in rows)
    assert packed_rows("&", ["= a", "= b"], width=1.0) == r"&= a \\ &= b"


def test_the_printer_fits_a_banded_matrix_to_the_page_but_not_a_notebook() -> None:
    from symconv.render.printer import latex

    t = band(symbolic_vector("filterweight", 5), 12)
    assert estimate_width(latex(t)) <= LINE_BUDGET
    assert latex(t, display=True).count("&") > latex(t).count("&")
    short = band(symbolic_vector("w", 3), 12)
    assert latex(short) == matrix_latex(short, 8, 8)
