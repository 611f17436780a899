"""``symconv report``, ``symconv catalogue`` and ``symconv derive --tex``: output, safety,
exit codes, and real compiles of a spread of reports."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from symconv.cli import main
from symconv.core.files import MARKER
from symconv.report import compile_pdf, overfull_boxes


def test_report_to_stdout_defaults_to_the_question(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\\documentclass{article}")
    assert out.count(r"\section{Layer") == 2
    # Indices start at 0 by default, as in the API and `symconv derive` (issue 16).
    assert r"z_{0} &= (1, 2, 3) \cdot w' = 1 \cdot 5 + 2 \cdot 6 + 3 \cdot 7 = 38" in out


def test_index_base_and_fragment(capsys: pytest.CaptureFixture[str]) -> None:
    layer = ["--input", "x:4", "--kernel", "w:3"]
    assert main(["report", *layer, "--fragment"]) == 0  # 0 is the default (issue 16)
    zero = capsys.readouterr().out
    assert main(["report", *layer, "--index-base", "1"]) == 0
    one = capsys.readouterr().out
    assert r"\documentclass" not in zero and zero.startswith("% symconv fragment")
    one_text = re.sub(r"\\begin\{tikzpicture\}.*?\\end\{tikzpicture\}", "", one, flags=re.S)
    assert "z_{0} &= (x_{0}, x_{1}, x_{2})" in zero and "z_{0}" not in one_text
    assert "z_{1} &= (x_{1}, x_{2}, x_{3})" in one


def test_hostile_title_is_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--title", r"\input{/etc/passwd}"]) == 0
    out = capsys.readouterr().out
    assert r"\title{\textbackslash{}input\{/etc/passwd\}}" in out
    assert r"\input{" not in out


def test_report_file_is_written_atomically_and_foreign_files_are_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "layer.tex"
    assert main(["report", "--input", "1,2,3", "--kernel", "1,1", "-o", str(target)]) == 0
    header, body = target.read_text().split("\n", 1)
    assert header.startswith(MARKER + ", sha256 ") and body.startswith("\\documentclass{article}")
    assert [p.name for p in tmp_path.iterdir()] == ["layer.tex"]  # no temporary left behind
    assert main(["report", "-o", str(target)]) == 0  # ours: replaced without --force
    foreign = tmp_path / "notes.tex"
    foreign.write_text("my notes\n")
    capsys.readouterr()
    assert main(["report", "-o", str(foreign)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "was not written by symconv; pass --force" in err
    assert foreign.read_text() == "my notes\n"
    assert main(["report", "-o", str(foreign), "--force"]) == 0
    assert foreign.read_text().startswith(MARKER)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--input", "1,2+3", "--kernel", "1"], "cannot read '2+3'"),
        (["--input", "1,2"], "give both --input and --kernel"),
        (["--padding", "middle"], "padding 'middle' is not a padding word"),
        (["--pdf"], "--pdf needs --output FILE"),
        (["--activation", "f(x)"], "symbol name 'f(x)' is not allowed"),
    ],
)
def test_bad_values_exit_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_index_base_must_be_0_or_1(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--index-base", "2"])
    assert exit_info.value.code == 2
    assert "invalid choice: 2" in capsys.readouterr().err


CLI_REPORTS = {
    "question-default": [],
    "symbolic-grad": ["--input", "x:6", "--kernel", "w:3", "--grad", "--activation", "relu"],
    "full-flip-base0": [
        "--input",
        "1,2,3,4",
        "--kernel",
        "5,6,7",
        "--padding",
        "full",
        "--flip",
        "--index-base",
        "0",
    ],
    "stride-dilation": [
        "--input",
        "x:12",
        "--kernel",
        "w:3",
        "--stride",
        "3",
        "--dilation",
        "2",
        "--padding",
        "1,3",
        "--grad",
        "--upstream",
        "1,-1,2,0",
    ],
    "long-elided": [
        "--input",
        "x:300",
        "--kernel",
        "w:9",
        "--padding",
        "same",
        "--activation",
        "sigmoid",
        "--max-size",
        "5",
        "--grad",
    ],
    "fractions": [
        "--input",
        "1/2,-3,0.25,a,b",
        "--kernel",
        "2/3,w",
        "--activation",
        "tanh",
        "--title",
        "Fractions & names: 100% {safe}",
    ],
}


@pytest.mark.parametrize("name", list(CLI_REPORTS))
def test_cli_reports_compile(
    name: str, pdflatex: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / f"{name}.tex"
    assert main(["report", *CLI_REPORTS[name], "-o", str(target), "--pdf"]) == 0
    assert f"wrote {target.with_suffix('.pdf')}" in capsys.readouterr().err
    log = target.with_suffix(".log").read_text(errors="replace")
    assert overfull_boxes(log) == [] and "! " not in log


def test_derive_tex_writes_a_document_that_compiles(
    pdflatex: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "derived.tex"
    assert (
        main(["derive", "--input", "x:5", "--kernel", "w:2", "--grad", "--tex", str(target)]) == 0
    )
    assert f"wrote {target}" in capsys.readouterr().out
    compile_pdf(target)
    assert overfull_boxes(target.with_suffix(".log").read_text(errors="replace")) == []


def test_catalogue_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", str(tmp_path), "--only", "01", "--only", "03_flip", "--no-pdf"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["01_question.tex", "03_flip.tex"]
    assert main(["catalogue", str(tmp_path / "x"), "--scripts", str(tmp_path / "nowhere")]) == 2
    assert "scripts folder" in capsys.readouterr().err


def test_report_on_a_big_layer_shows_its_stages(tmp_path) -> None:
    import subprocess
    import sys

    out = tmp_path / "big.tex"
    result = subprocess.run(
        [sys.executable, "-m", "symconv", "report", "--input", "x:20000", "--kernel", "w:3"]
        + ["-o", str(out), "--no-figures"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "windows and sliding dot products" in result.stderr
    assert "writing the report" in result.stderr
    assert out.read_text().rstrip().endswith(r"\end{document}")
