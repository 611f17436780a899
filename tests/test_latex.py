"""LaTeX of symconv's objects: escaping, indices, elision, widths, proofs and Jupyter display."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import sympy
from sympy import Matrix, symbols

from symconv import band, derive, prove_matrix_form, prove_tied_gradients, symbolic_vector
from symconv.proofs.proof import Proof, check
from symconv.render.latex import (
    display_text,
    escape_text,
    estimate_width,
    expr_latex,
    label_latex,
    matrix_latex,
    proof_latex,
    row_latex,
    step_latex,
    terms_latex,
    tuple_latex,
    vector_latex,
)

# --- escaping ---------------------------------------------------------------------------


def test_hostile_title_is_printed_not_run() -> None:
    assert escape_text(r"\input{/etc/passwd}") == r"\textbackslash{}input\{/etc/passwd\}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50% & $5 #1 a_b", r"50\% \& \$5 \#1 a\_b"),
        ("x^2 ~ y", r"x\textasciicircum{}2 \textasciitilde{} y"),
        ("a<b>c|d", r"a\textless{}b\textgreater{}c\textbar{}d"),
        ("line\n\nbreak\tand  spaces", "line break and spaces"),
        ("Faltung \u2014 \u00dcbersicht", "Faltung --- \u00dcbersicht"),
        ("\u03b7 and \u0394", r"\ensuremath{\eta} and \ensuremath{\Delta}"),
        ("M\u2218dL", r"M\ensuremath{\circ}dL"),
    ],
)
def test_escape_text(text: str, expected: str) -> None:
    assert escape_text(text) == expected


@pytest.mark.parametrize("bad", ["\u2603", "\u00ab", "\u200b", "\u4e2d"])
def test_escape_text_refuses_characters_the_fonts_lack(bad: str) -> None:
    with pytest.raises(ValueError, match=r"cannot be printed by pdflatex's default fonts"):
        escape_text(f"title {bad}")


def test_escape_text_refuses_non_strings() -> None:
    with pytest.raises(TypeError, match="text must be a string, got int"):
        escape_text(3)  # type: ignore[arg-type]


def test_display_text_keeps_specials_outside_text() -> None:
    assert display_text("a_b 50%") == r"\text{a}\_\text{b 50}\%"
    assert display_text("M\u2218dL") == r"\text{M}\circ\text{dL}"


def test_every_latin1_letter_allowed_by_escape_text_compiles(pdflatex: str, tmp_path: Path) -> None:
    allowed = "".join(ch for ch in map(chr, range(0xA0, 0x100)) if not ch.isspace() and safe(ch))
    source = tmp_path / "latin.tex"
    source.write_text(
        "\\documentclass{article}\\begin{document}" + escape_text(allowed) + "\\end{document}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", source.name],
        cwd=tmp_path,
        capture_output=True,
        check=False,
    )
    log = source.with_suffix(".log").read_text(errors="replace")
    assert result.returncode == 0, log[-2000:]
    assert "Missing character" not in log


def safe(ch: str) -> bool:
    try:
        escape_text(ch)
    except ValueError:
        return False
    return True


# --- expressions, indices, elision -------------------------------------------------------


def test_index_base_shifts_every_index() -> None:
    x0, w2, u1_3 = symbols("x0 w2 u1_3")
    assert expr_latex(x0 * w2, index_base=0) == "w_{2} x_{0}"
    assert expr_latex(x0 * w2, index_base=1) == "w_{3} x_{1}"
    assert expr_latex(u1_3, index_base=1) == "u_{2,4}"


def test_sums_print_in_index_order() -> None:
    x = symbols("x0:12")
    assert terms_latex(x[10] + x[2] + x[1], {}) == "x_{1} + x_{2} + x_{10}"
    # SymPy's own printer orders by the string, x10 before x2.
    assert sympy.latex(x[10] + x[2]) == "x_{10} + x_{2}"


def test_long_sums_are_elided_at_every_depth() -> None:
    g, x = symbolic_vector("g", 50), symbolic_vector("x", 50)
    eta, w = symbols("eta w0")
    inner = sum(g[i] * x[i] for i in range(50))
    printed = expr_latex(w - eta * inner, index_base=1, max_terms=3)
    assert printed == (
        r"w_{1} - \eta \left(g_{1} x_{1} + g_{2} x_{2} + \cdots + g_{50} x_{50}\right)"
    )
    assert "x_{25}" not in printed


def test_negative_terms_keep_their_sign_when_elided() -> None:
    a = symbols("a0:6")
    assert expr_latex(a[0] - a[1] - a[2] - a[3] - a[5], max_terms=3) == (
        r"a_{0} - a_{1} + \cdots - a_{5}"
    )


def test_matrix_elision_keeps_first_and_last_rows_and_columns() -> None:
    m = Matrix(6, 7, lambda i, j: 10 * i + j)
    assert matrix_latex(m, max_rows=3, max_cols=3) == (
        r"\begin{bmatrix} 0 & 1 & \cdots & 6 \\ 10 & 11 & \cdots & 16 \\ "
        r"\vdots & \vdots & \ddots & \vdots \\ 50 & 51 & \cdots & 56 \end{bmatrix}"
    )


def test_band_marks_structural_zeros_but_not_zero_weights() -> None:
    assert matrix_latex(band([5, 0, 7], 4), mark_band=True) == (
        r"\begin{bmatrix} 5 & 0 & 7 & \scriptstyle 0 \\ "
        r"\scriptstyle 0 & 5 & 0 & 7 \end{bmatrix}"
    )


def test_big_band_prints_only_its_corners() -> None:
    t = band(symbolic_vector("w", 3), 4096)
    printed = matrix_latex(t, index_base=1, mark_band=True)
    assert printed.count(r"\\") == 8  # 7 kept rows, the \vdots row, the last row
    assert r"\ddots" in printed and "w_{3}" in printed
    assert printed.count("&") == 9 * 8


def test_vectors_rows_and_tuples() -> None:
    x = symbolic_vector("x", 10)
    assert vector_latex(list(x)[:2], index_base=1) == (
        r"\begin{bmatrix} x_{1} \\ x_{2} \end{bmatrix}"
    )
    assert row_latex(list(x), max_cols=3, index_base=1) == (
        r"\begin{bmatrix} x_{1} & x_{2} & \cdots & x_{10} \end{bmatrix}^{\top}"
    )
    assert tuple_latex(list(x), index_base=1, max_cols=3) == r"(x_{1}, x_{2}, \ldots, x_{10})"
    assert label_latex((0, 2), index_base=1) == "(1, 3)"


def test_assumptions_are_laws_printed_as_latex() -> None:
    proof = prove_matrix_form([1, 2, 3], [1, 2], padding=(1, 2))
    assert proof.assumptions[0].latex() == (
        "$1$ zeros on the left and $2$ on the right, folded into $T$"
    )
    assert Proof("p", "s", [], assumptions=("g_i > 0",)).assumptions[0].latex() == (r"g\_i $>$ 0")


# --- widths -------------------------------------------------------------------------------

WIDTH_SAMPLES = [
    r"w_{1} x_{1} + w_{2} x_{2} + w_{3} x_{3}",
    r"z_{1} = (1, 2, 3) \cdot w' = 1 \cdot 5 + 2 \cdot 6 + 3 \cdot 7 = 38",
    r"\frac{\partial L}{\partial w_{1}} = g_{1} x_{1} + g_{2} x_{2} + \cdots + g_{1022} x_{1024}",
    r"\begin{bmatrix} x_{1} & x_{2} & x_{3} \\ x_{1022} & x_{1023} & x_{1024} \end{bmatrix}",
    r"- \eta \left(g_{1} x_{1} + g_{2} x_{2}\right) + w_{12}",
]


def test_width_estimate_is_close_to_what_tex_sets(pdflatex: str, tmp_path: Path) -> None:
    lines = "\n".join(
        rf"\settowidth{{\dimen0}}{{$\displaystyle {s}$}}\typeout{{W:\the\dimen0}}"
        for s in WIDTH_SAMPLES
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
    assert len(measured) == len(WIDTH_SAMPLES)
    for sample, width in zip(WIDTH_SAMPLES, measured, strict=True):
        assert 0.85 * width <= estimate_width(sample) <= 1.25 * width, sample


# --- proofs -------------------------------------------------------------------------------


def test_step_latex_reads_the_law_not_the_name() -> None:
    a, b = symbols("a0 a1")
    law = r"Law: $(Tx)_i = \sum_j T_{ij} x_j$"
    for name in ("banded product", "any other name"):
        text = step_latex(check(name, [a + b], [b + a], law=law, labels=[(0,)]), index_base=1)
        assert text.startswith(rf"\paragraph{{{name}.}} Law: $(Tx)_i = \sum_j T_{{ij}} x_j$.")
        assert r"\emph{holds}" in text
    plain = step_latex(check("banded product", [a], [a], law="made up"), index_base=1)
    assert r"\sum_j" not in plain and "made up." in plain


@pytest.mark.parametrize("index_base", [0, 1])
def test_laws_write_the_tap_position_of_their_base(index_base: int) -> None:
    x, w = symbolic_vector("x", 4), symbolic_vector("w", 3)
    law = prove_matrix_form(x, w).step("data-matrix product").law.latex(index_base)
    assert ("s(i-1) + d(k-1) + 1" in law) == (index_base == 1)
    assert (r"s\,i + d\,k" in law) == (index_base == 0)


def test_identical_sides_are_shown_once() -> None:
    a, b = symbols("a0 a1")
    text = step_latex(check("same", [a + b], [a + b], labels=[(0,)]), index_base=1)
    assert "shown once" in text and "&= a_{1} + a_{2}" not in text
    assert r"&a_{1} + a_{2} \tag*{entry (1)}" in text


def test_step_latex_of_a_failing_step_shows_where() -> None:
    a, b = symbols("a0 a1")
    step = check("my claim 50%", [a, b], [a, a], law="made up", labels=[(0,), (1,)])
    text = step_latex(step, index_base=1)
    assert r"\paragraph{my claim 50\%.} made up." in text
    assert r"\emph{fails}" in text
    assert r"a_{2} &\neq a_{1} \tag*{entry (2)}" in text
    assert r"First difference at (2): $a_{2} \neq a_{1}$." in text


def test_wide_rows_are_split_under_each_other() -> None:
    g, x = symbolic_vector("g", 40), symbolic_vector("x", 40)
    long = sum(g[i] * x[i] for i in range(6))
    reordered = sympy.Add(*reversed(long.args), evaluate=False)  # equal, not identical
    step = check("wide", [long], [reordered], labels=[(0,)])
    text = step_latex(step, index_base=1)
    assert r"\notag \\ &\quad = " in text


def test_proof_latex_structure_and_verdict() -> None:
    proof = prove_matrix_form([1, 2, 3, 4], [5, 6, 7], padding="full", flip=True)
    text = proof_latex(proof, index_base=1, heading="section*")
    assert text.startswith(r"\section*{Matrix form of a 1-D convolution layer}")
    assert "$2$ zeros on the left and $2$ on the right, folded into $T$" in text
    assert text.count(r"\paragraph{") == len(proof.steps)
    assert r"\paragraph{true convolution.}" in text
    assert text.rstrip().endswith(r"\noindent\textbf{Verdict:} the claim holds.")


def test_proof_latex_rejects_other_index_bases() -> None:
    with pytest.raises(ValueError, match="index_base must be 0 or 1, got 2"):
        proof_latex(prove_matrix_form([1, 2], [1]), index_base=2)


def test_failing_proof_says_so() -> None:
    a, b = symbols("a b")
    proof = Proof("Wrong", "a equals b", [check("a is b", [a], [b])])
    assert "the claim fails." in proof.to_latex()
    assert r"\text{fails}" in proof._repr_latex_()


# --- Jupyter ------------------------------------------------------------------------------


def test_proof_repr_latex_is_math_for_jupyter() -> None:
    proof = prove_tied_gradients([1, 2, 3, 4], [5, 6, 7], [1, -1])
    shown = proof._repr_latex_()
    assert shown.startswith(r"$\displaystyle \begin{array}{ll}") and shown.endswith("$")
    assert (
        r"\text{masked step }T - \eta\, M\circ\partial L/\partial U\text{ unties the weights}"
        in shown
    )
    assert shown.count(r"\text{holds}") == 1 + len(proof.steps) == 1 + 12


def test_derivation_repr_latex_shows_the_outputs() -> None:
    shown = derive([1, 2, 3, 4], [5, 6, 7])._repr_latex_()
    assert shown == r"$\displaystyle z = \begin{bmatrix} 38 \\ 56 \end{bmatrix}$"


def test_proof_to_latex_passes_options() -> None:
    proof = prove_matrix_form(symbolic_vector("x", 3), symbolic_vector("w", 2))
    assert "x_{0}" in proof.to_latex() and "x_{0}" not in proof.to_latex(index_base=1)
    assert "x_{3}" in proof.to_latex(index_base=1)


def test_a_2d_step_sharing_a_name_prints_its_own_law() -> None:
    from symconv import prove_tied_gradients2d, symbolic_matrix

    x, k, g = symbolic_matrix("x", 3, 3), symbolic_matrix("k", 2, 2), symbolic_matrix("g", 2, 2)
    step = prove_tied_gradients2d(x, k, g).step("weight gradient is X^T g")
    text = step_latex(step)
    assert "tap $k$ of output $i$" in text
    assert r"\tilde x_{s\,i + d\,k}" not in text


def test_an_elided_row_says_where_its_band_is() -> None:
    """Row 5 of this T has its band in columns 8..10, all elided: it must not read as a
    row of zeros (issue 16)."""
    from symconv import band

    t = band(symbolic_vector("w", 3), 12, stride=2, dilation=2, padding=2)
    last = matrix_latex(t, 8, 8, 0, mark_band=True).split(r" \\ ")[-1]
    assert r"\text{band at } 8..10" in last
    first = matrix_latex(t, 8, 8, 0, mark_band=True).split(r" \\ ")[0]
    assert "band at" not in first  # its band is shown
