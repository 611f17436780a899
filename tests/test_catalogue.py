"""The derivations catalogue: discovery, the script contract, every report compiled, the
same-mode conventions checked against numpy, scipy and torch, and safe writes."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.signal

from symconv import conv1d
from symconv.catalogue import build_catalogue, default_scripts, discover, load, main
from symconv.core.files import MARKER
from symconv.report import overfull_boxes

SCRIPTS = discover()
OWN_TOPICS = {
    "01": "question",
    "02": "modes",
    "03": "flip",
    "04": "banded",
    "05": "filters",
    "06": "backward",
    "07": "stride_dilation",
}

#: Modules a catalogue script may import: symconv's public API and plain libraries.
ALLOWED_IMPORTS = {
    "__future__",
    "symconv",
    "symconv.report",
    "symconv.catalogue",
    "sympy",
    "collections.abc",
    "typing",
    "fractions",
    "itertools",
    "math",
    "numpy",  # the user code that symconv check examines (13_check_your_code) is NumPy
}


def test_the_seven_topics_are_there() -> None:
    found = {p.name[:2]: p.stem[3:] for p in SCRIPTS}
    for number, topic in OWN_TOPICS.items():
        assert found.get(number) == topic


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_scripts_use_only_the_public_api(script: Path) -> None:
    tree = ast.parse(script.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            assert name in ALLOWED_IMPORTS, f"{script.name} imports {name}"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_every_report_compiles_and_is_deterministic(
    script: Path, pdflatex: str, tmp_path: Path
) -> None:
    loaded = load(script)
    assert loaded.title.strip()
    written = build_catalogue(tmp_path, only=[script.name[:2]], pdf=True, say=lambda m: None)
    tex = tmp_path / f"{script.stem}.tex"
    assert written == [tex, tex.with_suffix(".pdf")]
    text = tex.read_text()
    assert text.startswith(MARKER + ", sha256 ") and text.split("\n", 1)[1].startswith(
        "\\documentclass{article}"
    )
    log = tex.with_suffix(".log").read_text(errors="replace")
    assert overfull_boxes(log) == []
    assert "! " not in log
    assert loaded.build() == text.split("\n", 1)[1]


def test_question_report_states_the_answer() -> None:
    text = load(default_scripts() / "01_question.py").build()
    assert r"x * w = (5, 16, 34, 52, 45, 28)." in text
    assert r"$z = (38, 56)$" in text
    assert r"$a = (f(38), f(56))$" in text
    assert "Indices start at" not in text or "Indices start at $1$" in text
    # The pictures keep the API's 0-based labels and say so; the text is 1-based.
    words = re.sub(r"\\begin\{tikzpicture\}.*?\\end\{tikzpicture\}", "", text, flags=re.S)
    assert "In the pictures indices start at $0$" in text
    assert "x_{0}" not in words and "z_{0}" not in words


# --- the even-kernel same conventions, checked against the libraries ----------------------


def same_conventions() -> list:
    return load(default_scripts() / "02_modes.py").build.__globals__["SAME_CONVENTIONS"]


def octave_same(x: list[int], w: list[int]) -> list[int]:
    """MATLAB's conv(x, w, 'same') as Octave implements it (scripts/polynomial/conv.m):
    the full convolution from index ceil((ly - la) / 2), la = length(x), ly = la + lb - 1."""
    full = list(np.convolve(x, w))
    start = -(-(len(full) - len(x)) // 2)
    return full[start : start + len(x)]


def library_same(library: str, x: list[int], w: list[int], torch) -> list[list[float]]:
    """What each library's own 'same' gives (every library of the row)."""
    if library == "PyTorch conv1d":
        t = torch.nn.functional.conv1d(
            torch.tensor([[x]], dtype=torch.float64),
            torch.tensor([[w]], dtype=torch.float64),
            padding="same",
        )
        return [t.flatten().tolist()]
    if library == "SciPy/NumPy correlate":
        return [list(scipy.signal.correlate(x, w, "same")), list(np.correlate(x, w, "same"))]
    if library == "SciPy/NumPy convolve":
        return [list(scipy.signal.convolve(x, w, "same")), list(np.convolve(x, w, "same"))]
    if library == "MATLAB conv":
        return [octave_same(x, w)]
    raise AssertionError(f"no check for {library}")


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
def test_same_conventions_match_the_libraries(n: int, torch) -> None:
    x = [3, -1, 4, 1, -5, 9, 2, 6]
    w = [2, 7, -1, 8, 2, 8][:n]
    conventions = same_conventions()
    assert len(conventions) == 4
    for library, _call, flips, rule in conventions:
        ours = [float(v) for v in conv1d(x, w, padding=rule(n), flip=flips)]
        for theirs in library_same(library, x, w, torch):
            assert ours == [float(v) for v in theirs], (library, n)


def test_a_wrong_convention_would_be_caught(torch) -> None:
    x, w = [3, -1, 4, 1, -5, 9, 2, 6], [2, 7, -1, 8]
    swapped = (len(w) // 2, (len(w) - 1) // 2)  # NumPy's split given to PyTorch
    ours = [float(v) for v in conv1d(x, w, padding=swapped)]
    assert ours != library_same("PyTorch conv1d", x, w, torch)[0]


# --- the contract and the commands ------------------------------------------------------


def write_script(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(body)
    return path


GOOD = (
    "from symconv.report import document\n"
    "TITLE = 'T'\n"
    "def build():\n"
    "    return document(TITLE, ['x'])\n"
)


def test_discover_ignores_other_files_and_refuses_duplicate_numbers(tmp_path: Path) -> None:
    write_script(tmp_path, "01_a.py", GOOD)
    write_script(tmp_path, "helper.py", GOOD)
    write_script(tmp_path, "1_b.py", GOOD)
    assert [p.name for p in discover(tmp_path)] == ["01_a.py"]
    write_script(tmp_path, "01_b.py", GOOD)
    with pytest.raises(ValueError, match="two catalogue scripts share number 01"):
        discover(tmp_path)


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        ("def build():\n    return ''\n", TypeError, "must define TITLE"),
        ("TITLE = 'T'\n", TypeError, "must define build"),
        ("TITLE = 'T'\ndef build():\n    return 'hello'\n", ValueError, "standalone document"),
        ("TITLE = 'T'\ndef build():\n    return 3\n", TypeError, "returned int, not str"),
    ],
)
def test_contract_violations_are_named(
    tmp_path: Path, body: str, error: type, message: str
) -> None:
    write_script(tmp_path, "01_bad.py", body)
    with pytest.raises(error, match=message):
        build_catalogue(tmp_path / "out", scripts=tmp_path, pdf=False, say=lambda m: None)


def test_catalogue_command_refuses_a_foreign_file(tmp_path: Path, capsys) -> None:
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    write_script(scripts, "01_a.py", GOOD)
    out = tmp_path / "out"
    out.mkdir()
    (out / "01_a.tex").write_text("my own notes\n")
    args = [str(out), "--scripts", str(scripts), "--no-pdf"]
    assert main(args) == 2
    assert "exists and was not written by symconv" in capsys.readouterr().err
    assert (out / "01_a.tex").read_text() == "my own notes\n"
    assert main([*args, "--force"]) == 0
    assert (out / "01_a.tex").read_text().startswith(MARKER)
    assert main(args) == 0  # ours now: no force needed


def test_module_and_script_entry_points(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "symconv.catalogue", str(out), "--only", "03", "--no-pdf"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert [p.name for p in out.iterdir()] == ["03_flip.tex"]
    script = default_scripts() / "04_banded.py"
    result = subprocess.run(
        [sys.executable, str(script), str(out), "--no-pdf"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (out / "04_banded.tex").read_text().startswith(MARKER)
    assert "wrote" in result.stdout


def test_only_must_match(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"no catalogue script matches \['99'\]"):
        build_catalogue(tmp_path, only=["99"], pdf=False)
