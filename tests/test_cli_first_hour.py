"""Issue 16, "What a new user hits in the first hour": each item reproduced as a user meets
it, through a real ``symconv`` process."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import sympy

from symconv.core.files import MARKER, header_line

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, cwd: Path | None = None, **options) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "symconv.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        **options,
    )


def refused(result: subprocess.CompletedProcess[str], message: str) -> None:
    """Exit 2 with one line on stderr that says ``message``, and no traceback."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("symconv: error: ")
    assert message in result.stderr, result.stderr


# --- 1. a vector that starts with a minus sign -----------------------------------------------


def test_a_vector_may_start_with_a_minus_sign():
    result = run("derive", "--input", "1,2,3,4", "--kernel", "-1,0,1")
    assert result.returncode == 0, result.stderr
    assert "z0 = [1, 2, 3] . [-1, 0, 1] = 2" in result.stdout
    assert "Values: [2, 2]" in result.stdout
    assert run("derive", "--input", "1,2,3,4", "--kernel=-1,0,1").stdout == result.stdout
    decimals = run("derive", "--input", "-.5,-1/2,a", "--kernel", "-0.5", "--values")
    assert "Values: [0.25, 0.25, -0.5*a]" in decimals.stdout, decimals.stderr
    grad = run("derive", "--input", "1,2,3", "--kernel", "1,1", "--grad", "--upstream", "-1,2")
    assert "dL/dw0 = 3" in grad.stdout, grad.stderr
    refused(run("derive", "--padding", "-1,2"), "padding '-1,2' must be an integer >= 0")


# --- 2. the catalogue after a plain `pip install .` -------------------------------------------

FORCE_INCLUDE = (
    '[tool.hatch.build.targets.wheel.force-include]\n"derivations" = "symconv/_derivations"\n'
)


@pytest.mark.slow
def test_the_catalogue_runs_from_a_wheel_installed_in_a_fresh_venv(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("symconv", "derivations"):
        shutil.copytree(ROOT / folder, source / folder, ignore=ignore)
    pyproject = (source / "pyproject.toml").read_text()
    if '"symconv/_derivations"' not in pyproject:  # until pyproject.toml ships the scripts
        (source / "pyproject.toml").write_text(pyproject + "\n" + FORCE_INCLUDE)
    wheels = tmp_path / "whl"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-w", str(wheels)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if build.returncode != 0:
        pytest.skip(f"cannot build a wheel here (no hatchling?): {build.stderr[-300:]}")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    wheel = next(wheels.glob("symconv-*.whl"))
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [str(python), "-c", "import symconv; print(symconv.__file__)"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        check=True,
    ).stdout
    assert str(venv) in where  # the wheel's copy, not the checkout
    result = subprocess.run(
        [str(venv / "bin" / "symconv"), "catalogue", "out", "--only", "01", "--no-pdf"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "out" / "01_question.tex").read_text().startswith(MARKER)


# --- 3. an unwritable output: one line, no traceback ------------------------------------------

#: Runs the command line with one OS call failing as a read-only folder, a read-only file
#: system or a full disk makes it fail (we run as root, whom file modes do not stop).
FAILING = textwrap.dedent(
    """
    import errno, os, shutil, sys, tempfile
    from unittest import mock
    from symconv.cli import main

    code = getattr(errno, sys.argv[1])
    where = sys.argv[2]
    real_copy = shutil.copyfile

    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code), str(args[0]) if args else None)

    def copy(source, target, *args, **kwargs):
        name = os.path.basename(str(target))
        if ".pdf." in name and name.endswith(".tmp"):  # the PDF's copy into its folder
            fail(target)
        return real_copy(source, target, *args, **kwargs)

    patches = {
        "create": mock.patch.object(tempfile, "mkstemp", fail),
        "rename": mock.patch.object(os, "replace", fail),
        "copy": mock.patch.object(shutil, "copyfile", copy),
    }
    with patches[where]:
        sys.exit(main(sys.argv[3:]))
    """
)


def run_failing(code: str, where: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", FAILING, code, where, *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


REASONS = {
    "EACCES": "Permission denied",
    "EROFS": "Read-only file system",
    "ENOSPC": "No space left on device",
}


@pytest.mark.parametrize("code", list(REASONS))
def test_an_unwritable_folder_is_refused_before_any_work(tmp_path, code):
    for args, path in [
        (["derive", "--tex", "out.tex"], "out.tex"),
        (["report", "-o", "out.tex"], "out.tex"),
        (["report", "-o", "out.tex", "--pdf"], "out.tex"),
        (["catalogue", "cat", "--only", "01", "--no-pdf"], "cat"),
    ]:
        result = run_failing(code, "create", *args, cwd=tmp_path)
        refused(result, f"cannot write {path}: {REASONS[code]}")
        assert result.stdout == ""  # refused before deriving anything
        assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("code", ["ENOSPC", "EROFS"])
def test_a_write_failing_after_the_work_is_one_line(tmp_path, code):
    result = run_failing(code, "rename", "derive", "--tex", "out.tex", cwd=tmp_path)
    refused(result, f"cannot write out.tex: {REASONS[code]}")
    assert "Values: [38, 56]" in result.stdout  # the work was done and shown
    assert list(tmp_path.iterdir()) == []  # no file, no temporary left behind
    catalogue = run_failing(
        code, "rename", "catalogue", "cat", "--only", "01", "--no-pdf", cwd=tmp_path
    )
    refused(catalogue, f"cannot write {Path('cat') / '01_question.tex'}: {REASONS[code]}")


def test_a_pdf_that_cannot_be_written_is_one_line(tmp_path, pdflatex):
    result = run_failing("ENOSPC", "copy", "report", "-o", "out.tex", "--pdf", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "wrote out.tex",
        "symconv: error: cannot write out.pdf: No space left on device",
    ]
    assert not (tmp_path / "out.pdf").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux's sysfs")
def test_a_real_folder_that_refuses_new_files_even_to_root():
    # sysfs never takes a new regular file: as root too, where file modes do not help.
    refused(
        run("derive", "--tex", "/sys/kernel/symconv.tex"), "cannot write /sys/kernel/symconv.tex"
    )


# --- 4. output problems are found before the work ---------------------------------------------


def test_a_foreign_pdf_beside_the_tex_is_refused_before_anything_is_written(tmp_path):
    (tmp_path / "my.pdf").write_bytes(b"%PDF-1.5 my own")
    result = run(
        "report", "--input", "x:6", "--kernel", "w:3", "-o", "my.tex", "--pdf", cwd=tmp_path
    )
    if shutil.which("pdflatex") is None:
        refused(result, "--pdf needs pdflatex")
    else:
        refused(result, "my.pdf exists and was not compiled by symconv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my.pdf"]


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["report", "-o", "layer.pdf"],
            "--output layer.pdf is LaTeX, not a PDF: name it layer.tex",
        ),
        (["report", "-o", "layer.PDF", "--pdf"], "add --pdf to compile layer.pdf beside it"),
        (["derive", "--tex", "layer.pdf"], "symconv report -o layer.tex --pdf writes layer.pdf"),
    ],
)
def test_latex_named_as_a_pdf_is_refused_and_nothing_is_written(tmp_path, args, message):
    refused(run(*args, cwd=tmp_path), message)
    assert list(tmp_path.iterdir()) == []


def test_output_checks_come_before_a_long_derivation(tmp_path):
    (tmp_path / "notes.tex").write_text("mine\n")
    (tmp_path / "folder.tex").mkdir()
    big = ["--input", "x:200000", "--kernel", "w:9", "--grad"]  # a minute of work
    for args, message in [
        (["derive", *big, "--tex", "notes.tex"], "was not written by symconv; pass --force"),
        (["derive", *big, "--tex", "folder.tex"], "folder.tex is a folder"),
        (["report", *big, "-o", "missing/a.tex"], "folder missing does not exist"),
        (["report", *big, "-o", "notes.tex/a.tex"], "notes.tex is not a folder"),
    ]:
        start = time.perf_counter()
        result = run(*args, cwd=tmp_path)
        refused(result, message)
        assert result.stdout == "" and time.perf_counter() - start < 30


# --- 5. --activation with --grad goes through the chain rule ----------------------------------


def test_grad_goes_through_the_activation():
    result = run("derive", "--input", "1,2,3,4", "--kernel", "5,6,-6", "--activation", "relu",
                 "--grad", "--upstream", "1,1")  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # z = [-1, 4]: relu'(z) = [0, 1], so dL/dz = g * f'(z) = [0, 1].
    assert "by the chain rule dL/dz_i = g_i * relu'(z_i)" in out
    assert "dL/dz0 = 0" in out and "dL/dz1 = 1" in out
    assert "dL/dw0 = 2" in out  # 0*1 + 1*2; without the activation it would be 1 + 2
    assert "Tied-weight gradients of a 1-D convolution layer: holds" in out


def test_the_report_states_the_chain_rule(tmp_path):
    result = run("report", "--input", "x:5", "--kernel", "w:2", "--activation", "Sigmoid", "--grad")
    assert result.returncode == 0, result.stderr
    assert r"\delta_{0} = \frac{\partial L}{\partial z_{0}} &= g_{0}\, f'(z_{0})" in result.stdout
    assert r"\sum_{(i,j) \in S_{0}} \delta_i\, x_j" in result.stdout


# --- 6. limits from the sizes alone -----------------------------------------------------------


def test_a_huge_layer_is_refused_at_once():
    start = time.perf_counter()
    refused(run("derive", "--input", "x:1000000", "--kernel", "w:1000"), "GiB")
    assert time.perf_counter() - start < 20  # no million symbols were made first


def test_the_limits_admit_the_benchmark_sizes():
    from symconv.cli import BYTES_PER_TERM, check_memory

    for m, n in [(16384, 9), (4096, 64), (128 * 128, 9)]:
        assert m * n * BYTES_PER_TERM[True] < 2**30  # with --grad, under 1 GiB
        check_memory(m, n, True, available=2**30)


# --- 9, 10. modes follow the umask; hand edits are kept ---------------------------------------


def test_written_files_follow_the_umask(tmp_path):
    result = run("report", "-o", "a.tex", cwd=tmp_path, preexec_fn=lambda: os.umask(0o022))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE((tmp_path / "a.tex").stat().st_mode) == 0o644


def test_a_file_edited_since_is_not_overwritten(tmp_path):
    assert run("derive", "--tex", "a.tex", cwd=tmp_path).returncode == 0
    target = tmp_path / "a.tex"
    header, body = target.read_text().split("\n", 1)
    assert header == header_line(body)
    target.write_text(header + "\n" + body.replace("\\section", "% my note\n\\section", 1))
    edited = target.read_text()
    refused(run("derive", "--tex", "a.tex", cwd=tmp_path), "was changed since symconv wrote it")
    assert "pass --force" in run("derive", "--tex", "a.tex", cwd=tmp_path).stderr
    assert target.read_text() == edited
    assert run("derive", "--tex", "a.tex", "--force", cwd=tmp_path).returncode == 0
    assert "% my note" not in target.read_text()


# --- 12. big value lists and a closed pipe ----------------------------------------------------


def test_big_value_lists_are_one_per_line():
    result = run("derive", "--input", "x:30", "--kernel", "w:3", "--values")
    lines = result.stdout.splitlines()
    start = lines.index("Values (28, one per line):")
    assert lines[start + 1] == "  z0 = w0*x0 + w1*x1 + w2*x2"
    assert lines[start + 28] == "  z27 = w0*x27 + w1*x28 + w2*x29"
    assert max(len(line) for line in lines) < 400


def test_a_closed_pipe_ends_quietly():
    process = subprocess.Popen(
        [sys.executable, "-m", "symconv.cli", "derive", "--input", "x:4000", "--kernel", "w:9",
         "--values"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline().startswith("Layer:")
    process.stdout.close()  # `| head -1`
    err = process.stderr.read()
    assert process.wait(timeout=300) == 141
    assert "Traceback" not in err and "BrokenPipe" not in err


# --- 13. --fragment --pdf ---------------------------------------------------------------------


def test_a_fragment_cannot_be_compiled(tmp_path):
    refused(
        run("report", "--fragment", "--pdf", "-o", "a.tex", cwd=tmp_path),
        "--fragment writes sections without \\documentclass",
    )
    assert list(tmp_path.iterdir()) == []


# --- 14. one index base -----------------------------------------------------------------------


def test_one_index_base_for_derive_tex_and_report(tmp_path):
    zero = run(
        "derive", "--input", "x:4", "--kernel", "w:3", "--grad", "--tex", "z.tex", cwd=tmp_path
    )
    assert "(0-based indices)" in zero.stdout and "z0 = [x0, x1, x2]" in zero.stdout
    assert "z_{0} &= (x_{0}, x_{1}, x_{2})" in (tmp_path / "z.tex").read_text()
    one = run("derive", "--input", "x:4", "--kernel", "w:3", "--grad", "--index-base", "1",
              "--tex", "o.tex", cwd=tmp_path)  # fmt: skip
    assert "(1-based indices)" in one.stdout and "z1 = [x1, x2, x3]" in one.stdout
    assert "dL/dw1 = g1*x1 + g2*x2" in one.stdout and "w1: (1,1), (2,2)" in one.stdout
    assert "z_{1} &= (x_{1}, x_{2}, x_{3})" in (tmp_path / "o.tex").read_text()
    assert "z_{0} &=" in run("report", "--input", "x:4", "--kernel", "w:3").stdout
    for command in ("derive", "report"):
        assert "0 (the default" in " ".join(run(command, "--help").stdout.split())


# --- 15. names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input", "x:3", "--kernel", "x:2"], "--input and --kernel share the names x0, x1"),
        (["--input", "a,b", "--kernel", "b"], "--input and --kernel share the name b;"),
        (["--input", "g:4", "--kernel", "w:2", "--grad"], "g0 is also the name of the backward"),
        (["--activation", "swish"], "activation 'swish' is not known; use relu, sigmoid"),
        (["--activation", "unknown:sin"], "'sin' is the name of a SymPy constant or function"),
        (["--input", "1,nan", "--kernel", "1"], "name 'nan' in '1,nan' is refused"),
        (["--input", "1,2", "--kernel", "inf"], "name 'inf' in 'inf' is refused"),
        (["--input", "oo,I", "--kernel", "1"], "name 'oo' in 'oo,I' is refused"),
        (["--input", "pi,E", "--kernel", "1"], "name 'pi' in 'pi,E' is refused"),
    ],
)
def test_names_that_collide_or_mislead_are_refused(args, message):
    refused(run("derive", *args), message)


@pytest.mark.parametrize(("spelling", "name"), [("ReLU", "relu"), ("Sigmoid", "sigmoid"),
                                                ("TANH", "tanh"), ("unknown:f", "f")])  # fmt: skip
def test_activation_spellings(spelling, name):
    result = run("derive", "--input", "x:3", "--kernel", "w:2", "--activation", spelling)
    assert result.returncode == 0, result.stderr
    assert f"Activation: a_i = {name}(z_i)" in result.stdout
    if name == "f":
        help_text = " ".join(run("derive", "--help").stdout.split())
        assert "unknown:NAME for an unknown function, e.g. unknown:f" in help_text


# --- 18. small things --------------------------------------------------------------------------


def test_version_help_and_python_dash_m():
    from symconv import __version__

    assert run("--version").stdout.strip() == f"symconv {__version__}"
    for command in ([], ["derive"], ["report"], ["catalogue"]):
        help_text = run(*command, "--help").stdout
        assert "examples:" in help_text and "symconv " in help_text.split("examples:")[1]
    derive_help = " ".join(run("derive", "--help").stdout.split())
    assert "step between consecutive windows" in derive_help
    assert "spacing between the kernel's taps" in derive_help
    module = subprocess.run(
        [sys.executable, "-m", "symconv", "derive", "--input", "1,2", "--kernel", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert module.returncode == 0 and "Values: [1, 2]" in module.stdout


def test_every_example_in_the_help_runs(tmp_path):
    from symconv.cli import DERIVE_EXAMPLES, REPORT_EXAMPLES, TOP_EXAMPLES

    examples = [
        line.split("  ")[1].split()[1:]  # the command, without its comment
        for text in (TOP_EXAMPLES, DERIVE_EXAMPLES, REPORT_EXAMPLES)
        for line in text.splitlines()
        if line.startswith("  symconv ") and " catalogue " not in line
    ]
    assert len(examples) == 16
    for args in examples:
        if "--pdf" in args and shutil.which("pdflatex") is None:
            continue
        writes = "--tex" in args or ("-o" in args and "-" not in args)
        result = run(*args, *(["--force"] if writes else []), cwd=tmp_path)
        assert result.returncode == 0, (args, result.stderr)


def test_dash_writes_the_report_to_stdout(tmp_path):
    result = run("report", "-o", "-", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("\\documentclass")
    assert list(tmp_path.iterdir()) == []
    refused(run("report", "-o", "-", "--pdf"), "--pdf needs --output FILE")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["derive", "--tex", ""], "--tex needs a file name"),
        (["derive", "--tex", "-"], "use symconv report -o - for the LaTeX alone"),
        (["report", "-o", ""], "--output needs a file name"),
        (["derive", "--upstream", "1,2"], "--upstream needs --grad"),
        (["report", "--upstream", "1,2"], "--upstream needs --grad"),
    ],
)
def test_empty_names_and_upstream_without_grad_are_refused(tmp_path, args, message):
    refused(run(*args, cwd=tmp_path), message)
    assert list(tmp_path.iterdir()) == []


def test_decimals_print_short():
    # Decimals stay SymPy Floats (15 digits); the text prints them short.
    result = run("derive", "--input", "0.1,0.2,0.3", "--kernel", "1,0.5")
    assert "z0 = [0.1, 0.2] . [1, 0.5] = 0.2" in result.stdout
    assert "Values: [0.2, 0.35]" in result.stdout
    assert "0.100000000000000" not in result.stdout


def test_numpy_integers_torch_tensors_and_dicts_in_the_api(torch):
    from symconv import conv1d, derive

    assert list(conv1d([1, 2, 3, 4, 5], [1, 1], stride=np.int64(2))) == [3, 7]
    assert derive(torch.tensor([1, 2, 3, 4]), torch.tensor([5, 6, 7])).outputs.T.tolist() == [
        [38, 56]
    ]
    with pytest.raises(TypeError, match="is a dict, which has no entries in order"):
        conv1d({"a": 1, "b": 2}, [1])
    with pytest.raises(TypeError, match="must be an integer >= 1, got 2.0 of type float"):
        conv1d([1, 2, 3], [1], stride=2.0)
    assert list(conv1d([1, 2, 3], [1], stride=sympy.Integer(2))) == [1, 3]
