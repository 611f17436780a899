"""The command line, run as a user runs it: a subprocess."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from symconv.core.files import MARKER


def run(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "symconv.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def test_default_derives_the_questions_layer():
    result = run("derive")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "z0 = [x0, x1, x2] . [w0, w1, w2] = w0*x0 + w1*x1 + w2*x2" in out
    assert "z0 = [1, 2, 3] . [5, 6, 7] = 38" in out
    assert "Values: [38, 56]" in out
    assert "[5, 16, 34, 52, 45, 28]" in out
    assert "FAILS" not in out


def test_the_full_convolution_example():
    result = run("derive", "--input", "1,2,3,4", "--kernel", "5,6,7", "--padding", "full", "--flip")
    assert result.returncode == 0
    assert "Values: [5, 16, 34, 52, 45, 28]" in result.stdout


def test_symbolic_layer_with_options_and_grad():
    result = run(
        "derive",
        "--input",
        "x:6",
        "--kernel",
        "w:2",
        "--stride",
        "2",
        "--padding",
        "1,0",
        "--dilation",
        "2",
        "--activation",
        "relu",
        "--grad",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "stride 2, padding (1, 0), dilation 2 -> 3 outputs" in out
    assert "a0 = Max(0, w1*x1)" in out
    # The backward pass goes through the activation (issue 16): dL/dz_i = g_i relu'(z_i).
    assert "by the chain rule dL/dz_i = g_i * relu'(z_i)" in out
    # Heaviside(z, 0): relu'(0) = 0, PyTorch autograd's value at the kink.
    assert "dL/dz0 = g0*Heaviside(w1*x1, 0)" in out
    assert "dL/dw0 = g1*x1*Heaviside(w0*x1 + w1*x3, 0) + g2*x3*Heaviside(w0*x3 + w1*x5, 0)" in out
    assert "Tie sets" in out and "w1: (0,1), (1,3), (2,5)" in out
    assert "Tied-weight gradients of a 1-D convolution layer: holds" in out


def test_values_flag_and_upstream():
    result = run(
        "derive", "--input", "1,2,3,4", "--kernel", "5,6,7", "--grad", "--upstream", "1,-1"
    )
    assert "dL/dw0 = -1" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["derive", "--input", "1,2;3", "--kernel", "1"], "cannot read '2;3'"),
        (["derive", "--input", "__import__('os')", "--kernel", "1"], "an entry must be an integer"),
        (["derive", "--input", "1,2", "--kernel", "1,2,3"], "there is no output"),
        (["derive", "--input", "1,2,3"], "give both --input and --kernel"),
        (["derive", "--stride", "0"], "'0' must be an integer >= 1"),
        (["derive", "--dilation", "x"], "'x' must be an integer >= 1"),
        (["derive", "--padding", "-1"], "padding '-1' must be an integer >= 0"),
        (["derive", "--padding", "circular"], "padding 'circular' is not a padding word"),
        (["derive", "--padding", "same", "--stride", "2"], "padding 'same' needs stride 1"),
        (["derive", "--activation", "f(x)"], "symbol name 'f(x)' is not allowed"),
        (["derive", "--input", "x:0", "--kernel", "w:1"], "length 0 in 'x:0' must be between 1"),
        (["derive", "--grad", "--upstream", "1,2,3"], "upstream has 3 entries"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, message):
    result = run(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("symconv: error:") and message in result.stderr


def test_tex_output_is_written_and_foreign_files_are_kept(tmp_path):
    target = tmp_path / "layer.tex"
    result = run("derive", "--input", "1,2,3,4", "--kernel", "5,6,7", "--tex", str(target))
    assert result.returncode == 0, result.stderr
    text = target.read_text()
    assert text.startswith(MARKER) and r"\begin{document}" in text
    mine = tmp_path / "mine.tex"
    mine.write_text("precious\n")
    result = run("derive", "--tex", str(mine))
    assert result.returncode == 2 and "pass --force" in result.stderr
    assert mine.read_text() == "precious\n"
    assert run("derive", "--tex", str(mine), "--force").returncode == 0
    assert mine.read_text().startswith(MARKER)


def test_progress_for_big_layers():
    result = run("derive", "--input", "x:6000", "--kernel", "w:9")
    assert result.returncode == 0
    assert "windows and sliding dot products" in result.stderr
    assert "..." in result.stdout  # elided, not printed whole
    assert len(result.stdout) < 20_000


def test_layers_too_big_for_memory_are_refused_before_any_work():
    from symconv.cli import UsageError, check_memory

    check_memory(4096, 64, True, available=2**31)
    with pytest.raises(
        UsageError,
        match=r"needs about 2\.0 GiB with --grad but 1\.0 GiB is available.*symconv\.general",
    ):
        check_memory(4096, 256, True, available=2**30)
    result = run("derive", "--input", "x:1000000", "--kernel", "w:999", "--grad")
    assert result.returncode == 2 and "GiB" in result.stderr and "Traceback" not in result.stderr


def test_interrupt_is_clean(tmp_path):
    import signal
    import time

    target = tmp_path / "big.tex"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "symconv.cli",
            "derive",
            "--input",
            "x:100000",
            "--kernel",
            "w:9",
            "--grad",
            "--tex",
            str(target),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Python turns SIGINT into KeyboardInterrupt only if it starts with the default
        # disposition; a shell's background job inherits SIGINT ignored (and then so
        # would symconv, rightly). The child starts as a terminal's foreground job does.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert process.stderr is not None
    first = process.stderr.readline()  # the first progress line: work has started
    assert "windows and sliding dot products" in first
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130
    assert "interrupted; nothing was written" in err
    assert "Traceback" not in err
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_lines_in_a_log():
    from symconv.cli import StageProgress

    terminal = FakeTerminal()
    bar = StageProgress(stages=3, enabled=True, stream=terminal)
    for stage in ("matrix form", "gradients", "writing"):
        bar(stage)
    bar.close()
    shown = terminal.getvalue()
    assert "\r" in shown  # redrawn in place by tqdm
    assert "gradients" in shown and "2/3 stages" in shown

    log = io.StringIO()
    lines = StageProgress(stages=2, enabled=True, stream=log)
    lines("matrix form")
    lines("gradients")
    assert [line.split("] ")[1] for line in log.getvalue().splitlines()] == [
        "matrix form",
        "gradients",
    ]
    assert "\r" not in log.getvalue()

    quiet = io.StringIO()
    StageProgress(stages=2, enabled=False, stream=quiet)("matrix form")
    assert quiet.getvalue() == ""
