"""The printer: every proof typeset as mathematics, through one SymPy LatexPrinter."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy
from sympy import Array, Matrix

from symconv import (
    derive,
    prove_channel_gradients,
    prove_channels,
    prove_matrix_form,
    prove_matrix_form2d,
    prove_tied_gradients,
    prove_tied_gradients2d,
    prove_transposed,
    prove_transposed2d,
    symbolic_matrix,
    symbolic_vector,
)
from symconv.core.files import write_output
from symconv.general import all_proofs, prove_banded_product
from symconv.general import rules as general_rules
from symconv.proofs.law import Law
from symconv.render.printer import SymconvPrinter, latex
from symconv.report import compile_pdf, document, overfull_boxes


def concrete_proofs() -> dict[str, object]:
    x, w, g = symbolic_vector("x", 5), symbolic_vector("w", 3), symbolic_vector("g", 3)
    img, k, g2 = symbolic_matrix("x", 3, 3), symbolic_matrix("k", 2, 2), symbolic_matrix("g", 2, 2)
    xc = Matrix(2, 4, sympy.symbols("x0:8"))
    wc = Array(sympy.symbols("w0:8"), (2, 2, 2))
    gc = Matrix(2, 3, sympy.symbols("g0:6"))
    return {
        "1-D matrix form": prove_matrix_form(x, w, padding=1, stride=2),
        "1-D flipped": prove_matrix_form(x, w, padding="full", flip=True),
        "1-D tied": prove_tied_gradients(x, w, g),
        "1-D tied flipped": prove_tied_gradients(x, w, g, flip=True),
        "2-D matrix form": prove_matrix_form2d(img, k, padding=1),
        "2-D tied": prove_tied_gradients2d(img, k, g2),
        "channels": prove_channels(xc, wc, bias=[1, 2]),
        "channels grouped": prove_channels(xc, Array(sympy.symbols("w0:4"), (2, 1, 2)), groups=2),
        "channel gradients": prove_channel_gradients(xc, wc, gc, bias=[1, 2]),
        "transposed": prove_transposed(symbolic_vector("y", 3), symbolic_vector("w", 2), stride=2),
        "transposed 2-D": prove_transposed2d(symbolic_matrix("y", 2, 2), k, stride=2),
    }


PROOFS = concrete_proofs()
GENERAL = {proof.title: proof for proof in all_proofs()}

#: What escaped ASCII mathematics turns into, outside math: none may appear.
ASCII_PATTERNS = [
    re.compile(r"\\textasciicircum"),
    re.compile(r"\\textgreater"),
    re.compile(r"dL/d"),
    re.compile(r"sum_"),
    re.compile(r"\b" + "eta" + r"\b"),  # a bare word eta: the learning rate as text
]
MATH = re.compile(
    r"\$[^$]*\$|\\\[.*?\\\]|\\begin\{(align\*?|equation\*?|multline\*?|gather\*?)\}.*?\\end\{\1\}",
    re.S,
)


def outside_math(tex: str) -> str:
    return MATH.sub(" ", tex)


def ascii_maths(tex: str) -> list[str]:
    text = outside_math(tex)
    return [p.pattern for p in ASCII_PATTERNS if p.search(text)]


def identical_lines(tex: str) -> list[str]:
    """Displayed rows ``a &= a``: both sides the same text."""
    found = []
    for line in tex.splitlines():
        m = re.match(r"\s*(.+?)\s*&=\s*(.+?)\s*(\\tag\*\{[^}]*\})?\s*(\\\\)?\s*$", line)
        if m and m.group(1) == m.group(2):
            found.append(line)
    return found


@pytest.mark.parametrize("name", sorted(PROOFS) + sorted(GENERAL))
def test_latex_is_mathematics_not_ascii(name: str) -> None:
    proof = PROOFS.get(name) or GENERAL[name]
    for tex in (proof.to_latex(), proof.to_latex(index_base=1)):  # type: ignore[attr-defined]
        assert ascii_maths(tex) == [], name
        assert identical_lines(tex) == [], name
    assert ascii_maths(proof._repr_latex_()) == []  # type: ignore[attr-defined]


def test_the_scan_catches_ascii_maths() -> None:
    found = ascii_maths(r"For L = sum_i g \textasciicircum{} T \textgreater{} 0, dL/dw, eta")
    assert len(found) == len(ASCII_PATTERNS)
    assert ascii_maths(r"$\sum_i \eta$ and $dL/dw$") == []
    assert identical_lines(r"38 &= 38 \tag*{entry (1)} \\") != []


def test_every_proof_compiles(pdflatex: str, tmp_path: Path) -> None:
    sections = [proof.to_latex(index_base=1) for proof in PROOFS.values()]  # type: ignore[attr-defined]
    sections += [proof.to_latex() for proof in GENERAL.values()]
    sections += [
        r"\[" + proof._repr_latex_().strip("$") + r"\]"  # type: ignore[attr-defined]
        for proof in list(PROOFS.values()) + list(GENERAL.values())
    ]
    path = write_output(tmp_path / "all.tex", document("Every proof", sections))
    pdf = compile_pdf(path)
    assert pdf.stat().st_size > 0
    log = (tmp_path / "all.log").read_text(errors="replace")
    assert "Undefined control sequence" not in log


def test_a_laws_wording_changes_its_text_and_latex_together(monkeypatch) -> None:
    law = Law(r"a sum moves: $a\sum_k f_k = \sum_k a f_k$ (distributivity)")
    monkeypatch.setitem(general_rules.LAWS, "distributivity", law)
    step = prove_banded_product().step("distributivity")
    assert step.law == "a sum moves: a sum_k f_k = sum_k a f_k (distributivity)"
    assert step.law.latex() == r"a sum moves: $a\sum_k f_k = \sum_k a f_k$ (distributivity)"


def test_the_printer_dispatches_by_class_with_declared_settings() -> None:
    for kind in ("Proof", "GeneralProof", "Step", "Law", "BandedMatrix", "Derivation"):
        assert hasattr(SymconvPrinter, f"_print_{kind}")
    assert {"index_base", "max_entries", "heading", "display"} <= set(
        SymconvPrinter._default_settings
    )
    proof = PROOFS["1-D tied"]
    assert latex(proof, heading="section*").startswith(r"\section*{")
    assert latex(proof.steps[0]).startswith(r"\paragraph{weight gradient is $X^{\top} g$.}")  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="Unknown setting 'colour'"):
        latex(proof, colour=1)
    shown = derive([1, 2, 3, 4], [5, 6, 7])._repr_latex_()
    assert shown == r"$\displaystyle z = \begin{bmatrix} 38 \\ 56 \end{bmatrix}$"


def test_catalogue_fragment_has_no_overfull_boxes(pdflatex: str, tmp_path: Path) -> None:
    sections = [PROOFS["channel gradients"].to_latex(), PROOFS["transposed 2-D"].to_latex()]  # type: ignore[attr-defined]
    path = write_output(tmp_path / "c.tex", document("Channels", sections))
    compile_pdf(path)
    assert overfull_boxes((tmp_path / "c.log").read_text(errors="replace")) == []
