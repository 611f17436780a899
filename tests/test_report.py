"""Reports: documents and fragments, reference definitions checked, elision, determinism,
real pdflatex compiles without an overfull line, and safe failures."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sympy

from symconv import ACTIVATIONS, derive, prove_matrix_form, symbolic_vector
from symconv.core.files import MARKER, write_output
from symconv.report import (
    ACTIVATION_REFERENCES,
    PARTS,
    SLIDING_REFERENCES,
    CompileError,
    IndexedFrom,
    Report,
    activation_step,
    compile_pdf,
    derivation_report,
    derivation_sections,
    derivations_document,
    document,
    evaluated,
    fragment,
    gathered_sum,
    layer_report,
    overfull_boxes,
    reference_latex,
    reference_step,
    z_xcorr_0,
)


def assert_compiles(tex: str, folder: Path, name: str = "report") -> str:
    """Write ``tex``, compile it with pdflatex, and fail on any error or overfull line."""
    path = write_output(folder / f"{name}.tex", tex)
    pdf = compile_pdf(path)
    assert pdf.exists() and pdf.stat().st_size > 1000
    log = path.with_suffix(".log").read_text(errors="replace")
    assert "LaTeX Warning" not in log or "Rerun" in log, log[-3000:]
    assert overfull_boxes(log) == [], overfull_boxes(log)
    return log


# --- documents ---------------------------------------------------------------------------


def test_document_is_a_plain_article_with_ams_packages_only() -> None:
    tex = document("A & B", [r"\section{One}", "Text."])
    packages = [line for line in tex.splitlines() if line.startswith(r"\usepackage")]
    assert tex.startswith("\\documentclass{article}\n")
    assert packages == [r"\usepackage{amsmath}", r"\usepackage{amssymb}", r"\usepackage{tikz}"]
    assert r"\title{A \& B}" in tex and r"\date{}" in tex and r"\today" not in tex
    assert tex.endswith("\\end{document}\n")


def test_document_escapes_a_hostile_title() -> None:
    tex = document(r"\input{/etc/passwd}", [])
    assert r"\title{\textbackslash{}input\{/etc/passwd\}}" in tex
    assert r"\input{" not in tex


def test_fragment_has_no_preamble() -> None:
    text = fragment([r"\section{A}"])
    assert r"\documentclass" not in text and r"\begin{document}" not in text
    assert text.startswith("% symconv fragment")


# --- reference definitions -------------------------------------------------------------


def test_latexify_renders_the_reference_sliding_dot_product() -> None:
    assert reference_latex(SLIDING_REFERENCES[(1, False, False)], "z") == (
        r"z(x, w, n, i) = \sum_{k = 1}^{n} \mathopen{}\left({w_{k} x_{i + k - 1}}"
        r"\mathclose{}\right)"
    )
    assert reference_latex(SLIDING_REFERENCES[(0, True, True)], "z") == (
        r"z(x, w, n, i, s, d) = \sum_{k = 0}^{n - 1} \mathopen{}\left({w_{n - 1 - k} "
        r"x_{s i + d k}}\mathclose{}\right)"
    )


LAYERS = [
    {},
    {"padding": "full", "flip": True},
    {"padding": "same"},
    {"padding": (2, 1), "flip": True},
    {"stride": 2},
    {"dilation": 2, "padding": 1},
    {"stride": 3, "dilation": 2, "padding": (0, 3), "flip": True},
]


@pytest.mark.parametrize("index_base", [0, 1])
@pytest.mark.parametrize("options", LAYERS)
def test_reference_definition_agrees_with_symconv(options: dict, index_base: int) -> None:
    d = derive(symbolic_vector("x", 7), symbolic_vector("w", 3), **options)
    step = reference_step(d, index_base)
    assert step.holds, step.describe()
    assert len(step.lhs) == d.settings.output_length


def test_a_wrong_reference_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    d = derive(symbolic_vector("x", 5), symbolic_vector("w", 3), flip=True)
    monkeypatch.setitem(SLIDING_REFERENCES, (1, True, False), SLIDING_REFERENCES[(1, False, False)])
    step = reference_step(d, 1)
    assert not step.holds and step.mismatch is not None
    assert "does NOT agree" in derivation_report(d, index_base=1)


def test_a_large_layer_checks_its_reference_at_the_outputs_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    d = derive(symbolic_vector("x", 40), symbolic_vector("w", 5), flip=True)
    step = reference_step(d, 0, [0, 35])
    assert step.holds and step.labels == ((0,), (35,)) and len(step.lhs) == 2
    assert "at the 8 outputs shown below it agrees" in derivation_report(d, index_base=0)
    monkeypatch.setitem(SLIDING_REFERENCES, (0, True, False), SLIDING_REFERENCES[(0, False, False)])
    assert not reference_step(d, 0, [35]).holds
    assert "at the 8 outputs shown below it does NOT agree" in derivation_report(d, index_base=0)


def test_the_reference_is_evaluated_by_its_own_code_with_one_sum_per_output() -> None:
    x, w = symbolic_vector("x", 70), symbolic_vector("w", 64)
    gathered = evaluated(z_xcorr_0)(list(x), list(w), 64, 3)
    assert gathered == z_xcorr_0(list(x), list(w), 64, 3)
    assert gathered_sum(iter([x[0], 2, x[0]])) == 2 * x[0] + 2


def test_indexed_view_refuses_other_indices() -> None:
    view = IndexedFrom([10, 20], 1)
    assert view[1] == 10 and view[2] == 20
    with pytest.raises(IndexError, match="index 0 is outside 1..2"):
        view[0]


def test_activation_references_cover_and_match_every_named_activation() -> None:
    assert set(ACTIVATION_REFERENCES) == set(ACTIVATIONS)
    for name in ACTIVATIONS:
        step = activation_step(name)
        assert step is not None and step.holds, name


def test_a_wrong_activation_reference_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ACTIVATION_REFERENCES, "relu", ACTIVATION_REFERENCES["identity"])
    step = activation_step("relu")
    assert step is not None and not step.holds


# --- the report's content ----------------------------------------------------------------


def test_question_report_rows_in_the_book_notation() -> None:
    tex = derivation_report(derive([1, 2, 3, 4], [5, 6, 7], activation="relu"), index_base=1)
    assert r"z_{1} &= (1, 2, 3) \cdot w' = 1 \cdot 5 + 2 \cdot 6 + 3 \cdot 7 = 38" in tex
    assert r"z_{2} &= (2, 3, 4) \cdot w' = 2 \cdot 5 + 3 \cdot 6 + 4 \cdot 7 = 56" in tex
    assert (
        r"\begin{bmatrix} 5 & 6 & 7 & \scriptstyle 0 \\ \scriptstyle 0 & 5 & 6 & 7 \end{bmatrix}"
        in tex
    )
    assert "relu}(z) = \\mathrm{max}" in tex
    assert r"a = f(X w') = f\left(\begin{bmatrix} 38 \\ 56 \end{bmatrix}\right)" in tex


def without_pictures(tex: str) -> str:
    return re.sub(r"\\begin\{tikzpicture\}.*?\\end\{tikzpicture\}", "", tex, flags=re.S)


def test_index_base_zero_and_one() -> None:
    d = derive(symbolic_vector("x", 4), symbolic_vector("w", 3))
    one = derivation_report(d, index_base=1)
    zero = derivation_report(d, index_base=0)
    assert (
        r"z_{1} &= (x_{1}, x_{2}, x_{3}) \cdot w' = w_{1} x_{1} + w_{2} x_{2} + w_{3} x_{3}" in one
    )
    assert (
        r"z_{0} &= (x_{0}, x_{1}, x_{2}) \cdot w' = w_{0} x_{0} + w_{1} x_{1} + w_{2} x_{2}" in zero
    )
    # The pictures keep the API's 0-based labels and say so; the text follows the base.
    text_one, text_zero = without_pictures(one), without_pictures(zero)
    assert "x_{0}" not in text_one and "x_{4}" not in text_zero
    assert "Indices start at $1$" in one and "Indices start at $0$" in zero
    assert "In the pictures indices start at $0$" in one


def test_padding_shows_the_trimmed_edges() -> None:
    tex = layer_report([1, 2, 3, 4], [5, 6, 7], padding="full", flip=True, index_base=1)
    assert r"z_{1} &= (0, 0, 1) \cdot w' = 0 \cdot 7 + 0 \cdot 6 + 1 \cdot 5 = 5" in tex
    assert r"z_{6} &= (4, 0, 0) \cdot w' = 4 \cdot 7 + 0 \cdot 6 + 0 \cdot 5 = 28" in tex
    assert r"(\texttt{full})" in tex


def test_gradients_section_lists_tie_sets() -> None:
    d = derive(symbolic_vector("x", 4), symbolic_vector("w", 3), grad=True)
    tex = derivation_report(d, index_base=1)
    assert r"S_{1} &= \{(1, 1), (2, 2)\}, & |S_{1}| &= 2" in tex
    assert (
        r"\frac{\partial L}{\partial w_{1}} &= \sum_{(i,j) \in S_{1}} g_i\, x_j = "
        r"g_{1} x_{1} + g_{2} x_{2}"
    ) in tex
    assert r"\frac{\partial L}{\partial x_{2}} &= \sum_{i \in \{1, 2\}} T_{i2}\, g_i" in tex


def test_sections_can_be_chosen() -> None:
    d = derive([1, 2, 3], [1, 1], grad=True)
    sections = derivation_sections(d, parts=("band", "gradients"), level=1)
    assert [s.splitlines()[0] for s in sections] == [
        r"\subsection{The banded matrix $T$}",
        r"\subsection{Gradients and tie sets}",
    ]
    assert len(derivation_sections(d)) == len(PARTS)
    with pytest.raises(ValueError, match=r"unknown report parts \['band matrix'\]"):
        derivation_sections(d, parts=("band matrix",))
    with pytest.raises(ValueError, match="needs derive"):
        derivation_sections(derive([1, 2], [1]), parts=("gradients",))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"index_base": 2}, "index_base must be 0 or 1, got 2"),
        ({"max_size": 1}, "max_size must be an integer >= 2, got 1"),
        ({"max_size": True}, "max_size must be an integer >= 2, got True"),
    ],
)
def test_report_option_errors(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        derivation_report(derive([1, 2], [1]), **options)


def test_report_needs_a_derivation() -> None:
    with pytest.raises(TypeError, match="expected a symconv Derivation"):
        derivation_report(prove_matrix_form([1, 2], [1]))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one derivation"):
        derivations_document([])
    with pytest.raises(TypeError, match="entry 2 is a list, not a Derivation"):
        derivations_document([derive([1], [1]), [1]])  # type: ignore[list-item]


def test_layer_report_passes_options_to_derive() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        layer_report([1, 2], [1], colour="red")
    with pytest.raises(ValueError, match="padding 'middle' is not a padding word"):
        layer_report([1, 2], [1], padding="middle")


def test_big_layer_is_elided_and_fast() -> None:
    start = time.perf_counter()
    tex = layer_report(symbolic_vector("x", 1024), symbolic_vector("w", 3), index_base=1)
    elapsed = time.perf_counter() - start
    assert elapsed < 5, f"a 1024-long report took {elapsed:.1f} s"
    assert r"\cdots" in tex and r"\vdots" in tex and r"\ddots" in tex
    assert "x_{1024}" in tex and "x_{500}" not in tex and "z_{1022}" in tex
    assert len(tex) < 40_000


# --- determinism -------------------------------------------------------------------------


def test_same_request_gives_identical_bytes(tmp_path: Path) -> None:
    d = derive(symbolic_vector("x", 6), symbolic_vector("w", 3), grad=True, activation="sigmoid")
    first = write_output(tmp_path / "a.tex", derivation_report(d)).read_bytes()
    again = derive(
        symbolic_vector("x", 6), symbolic_vector("w", 3), grad=True, activation="sigmoid"
    )
    second = write_output(tmp_path / "b.tex", derivation_report(again)).read_bytes()
    assert first == second


def test_identical_bytes_across_processes_and_hash_seeds(tmp_path: Path) -> None:
    code = (
        "from symconv import layer_report, symbolic_vector as v\n"
        "import sys\n"
        "sys.stdout.write(layer_report(v('x', 9), v('w', 4), padding='same', grad=True,"
        " activation='f'))\n"
    )
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, env=env, check=True
        )
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1] and len(outputs[0]) > 5000


# --- the report object and Jupyter -------------------------------------------------------


def test_report_object(tmp_path: Path) -> None:
    d = derive([1, 2, 3, 4], [5, 6, 7])
    report = Report.of(d, title="Mine")
    assert report.to_latex() == derivation_report(d, title="Mine")
    assert report.to_latex(standalone=False) == d.to_latex()
    shown = report._repr_latex_()
    assert shown.startswith(r"$\displaystyle z = T x = \begin{bmatrix} 5 & 6 & 7")
    assert r"\text{all proofs hold}" in shown
    path = report.write(tmp_path / "r.tex")
    assert path.read_text().splitlines()[0].startswith(MARKER + ", sha256 ")
    foreign = tmp_path / "mine.tex"
    foreign.write_text("my notes\n")
    with pytest.raises(FileExistsError, match="was not written by symconv"):
        report.write(foreign)
    assert foreign.read_text() == "my notes\n"


def test_derivation_to_latex_is_a_fragment() -> None:
    text = derive([1, 2, 3], [1, 1]).to_latex(index_base=0)
    assert text.startswith("% symconv fragment") and r"\documentclass" not in text
    assert "z_{0}" in text


# --- compiling ---------------------------------------------------------------------------

COMPILED = {
    "question": (([1, 2, 3, 4], [5, 6, 7]), {"activation": "relu", "grad": True}),
    "full-flip": (([1, 2, 3, 4], [5, 6, 7]), {"padding": "full", "flip": True}),
    "symbolic-base0": (("x:6", "w:3"), {"grad": True, "activation": "f", "index_base": 0}),
    "strided": (("x:11", "w:3"), {"stride": 2, "dilation": 2, "padding": 2, "grad": True}),
    "long-kernel": (("x:40", "w:12"), {"padding": "full", "grad": True, "activation": "sigmoid"}),
    "mixed": (
        ([1, -2, sympy.Rational(1, 2), "a", 0.25], "w:2"),
        {"padding": (1, 2), "grad": True, "activation": "tanh"},
    ),
    "big": (("x:1024", "w:3"), {"grad": True}),
}


def vector(spec: object) -> object:
    from symconv.core.parsing import parse_vector

    if isinstance(spec, str):
        return parse_vector(spec)
    return [sympy.Symbol(v) if isinstance(v, str) else v for v in spec]  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", list(COMPILED))
def test_reports_compile_without_overfull_lines(name: str, pdflatex: str, tmp_path: Path) -> None:
    (x, w), options = COMPILED[name]
    options = dict(options)
    tex = layer_report(vector(x), vector(w), title=f"Case {name}", **options)
    assert_compiles(tex, tmp_path)


def test_several_layers_and_a_hostile_title_compile(pdflatex: str, tmp_path: Path) -> None:
    ds = [derive([1, 2, 3, 4], [5, 6, 7]), derive(symbolic_vector("x", 5), symbolic_vector("w", 2))]
    tex = derivations_document(ds, title=r"\input{/etc/passwd} 100% $x$ #1 ~ ^ _ {")
    log = assert_compiles(tex, tmp_path)
    assert "/etc/passwd" not in log.split("(./report.tex")[-1].split(".tex")[0]


def test_failed_compile_keeps_the_tex_and_names_the_log(pdflatex: str, tmp_path: Path) -> None:
    path = write_output(tmp_path / "broken.tex", document("Broken", [r"\undefinedcommand"]))
    before = path.read_bytes()
    with pytest.raises(
        CompileError, match=r"Undefined control sequence.*log is kept at .*broken\.log"
    ) as error:
        compile_pdf(path)
    assert error.value.log == tmp_path / "broken.log" and error.value.log.exists()
    assert path.read_bytes() == before
    assert not (tmp_path / "broken.pdf").exists()


def test_compile_refuses_to_read_files_outside_its_folder(pdflatex: str, tmp_path: Path) -> None:
    path = tmp_path / "sneaky.tex"
    path.write_text(
        "\\documentclass{article}\\begin{document}\\input{/etc/hostname}\\end{document}\n"
    )
    with pytest.raises(CompileError, match="log is kept at"):
        compile_pdf(path)
    log = (tmp_path / "sneaky.log").read_text(errors="replace")
    # Without openin_any=p pdflatex reads /etc/hostname here and succeeds.
    assert "File `/etc/hostname.tex' not found" in log


def test_compile_has_no_shell(pdflatex: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "shell.tex"
    path.write_text(
        "\\documentclass{article}\\begin{document}"
        f"\\immediate\\write18{{touch {marker}}}x\\end{{document}}\n"
    )
    compile_pdf(path)
    assert not marker.exists()


def test_compile_times_out(pdflatex: str, tmp_path: Path) -> None:
    path = tmp_path / "loop.tex"
    path.write_text("\\documentclass{article}\\begin{document}\\def\\a{\\a}\\a\\end{document}\n")
    with pytest.raises(CompileError, match="did not finish .* within 2 s"):
        compile_pdf(path, timeout=2)
    assert path.exists()


def test_compile_keeps_a_foreign_pdf(pdflatex: str, tmp_path: Path) -> None:
    path = write_output(tmp_path / "r.tex", document("T", ["x"]))
    foreign = tmp_path / "r.pdf"
    foreign.write_bytes(b"%PDF-1.4 not ours")
    with pytest.raises(FileExistsError, match="was not compiled by symconv"):
        compile_pdf(path)
    assert foreign.read_bytes() == b"%PDF-1.4 not ours"
    compile_pdf(path, force=True)
    compile_pdf(path)  # now ours: replacing it needs no force
    assert b"/Creator (symconv)" in foreign.read_bytes()


def test_compile_needs_the_tex(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist; write the .tex first"):
        compile_pdf(tmp_path / "missing.tex")


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_a_padding_mode_report_reads_the_mode_and_agrees(mode: str) -> None:
    d = derive(symbolic_vector("x", 5), symbolic_vector("w", 3), padding=1, padding_mode=mode)
    tex = derivation_report(d)
    assert "does NOT agree" not in tex
    assert rf"PyTorch's \texttt{{{mode}}} mode" in tex


def test_symbol_names_are_latex_safe(pdflatex: str, tmp_path) -> None:
    """A name is data, never markup: a user's \\input{...} is escaped, a Greek letter in
    Unicode is set as text, and both documents compile (issue 16)."""
    from sympy import Symbol

    hostile = Report.of(derive([Symbol(r"\input{/etc/passwd}"), 2, 3, 4], [5, 6, 7])).to_latex()
    assert r"\input{" not in hostile and r"\textbackslash{}input\{/etc/passwd\}" in hostile
    greek = Report.of(derive([Symbol("α"), 2, 3, 4], [5, 6, 7])).to_latex()
    for name, text in (("hostile", hostile), ("greek", greek)):
        path = write_output(tmp_path / f"{name}.tex", text)
        compile_pdf(path)
        assert "root:" not in path.with_suffix(".log").read_text(errors="replace")
