"""The ``symconv`` command leaves through ``os._exit``: its output must still be complete
and its status right, so each case runs the entry point in a fresh process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from symconv.cli import exit_status, main


def run_console(*argv: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    """``symconv ARGV`` through :func:`symconv.cli.console_main`, stdout block-buffered
    into a pipe (so nothing reaches it unless the exit flushes it)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    code = (
        "import sys\n"
        f"{prelude}\n"
        "from symconv.cli import console_main\n"
        f"sys.argv = ['symconv', *{list(argv)!r}]\n"
        "console_main()\n"
        "raise AssertionError('console_main returned')\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )


def test_output_is_complete_and_status_zero() -> None:
    done = run_console("derive", "--input", "1,2,3,4", "--kernel", "5,6,7", "--values")
    assert done.returncode == 0, done.stderr
    assert "Values: [38, 56]" in done.stdout
    assert done.stdout.rstrip().endswith("(numpy.convolve): [5, 16, 34, 52, 45, 28]")
    assert "console_main returned" not in done.stderr


def test_long_output_is_flushed_whole() -> None:
    done = run_console("derive", "--input", "x:3000", "--kernel", "w:3", "--values")
    assert done.returncode == 0, done.stderr
    expected = subprocess.run(
        [sys.executable, "-m", "symconv", "derive", "--input", "x:3000", "--kernel", "w:3"]
        + ["--values"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert len(done.stdout) > 50_000 and done.stdout == expected.stdout


@pytest.mark.parametrize(
    ("argv", "status", "stream", "text"),
    [
        (("derive", "--input", "1,2,,4"), 2, "stderr", "symconv: error:"),
        (("derive", "--bogus"), 2, "stderr", "unrecognized arguments"),
        (("--version",), 0, "stdout", "0.1.0"),
        ((), 2, "stdout", "usage:"),
    ],
)
def test_status_and_messages(argv: tuple[str, ...], status: int, stream: str, text: str) -> None:
    done = run_console(*argv)
    assert done.returncode == status, (done.stdout, done.stderr)
    assert text in getattr(done, stream)


def test_exit_handlers_still_run() -> None:
    prelude = "import atexit; atexit.register(lambda: print('handler ran', file=sys.stderr))"
    done = run_console("derive", "--input", "1,2", "--kernel", "3", prelude=prelude)
    assert done.returncode == 0 and "handler ran" in done.stderr


def test_main_still_returns_its_status_in_process() -> None:
    assert main(["derive", "--input", "1,2,3,4", "--kernel", "5,6,7"]) == 0
    assert main(["derive", "--input", "1,2,,4"]) == 2


def test_exit_status_follows_sys_exit() -> None:
    assert (exit_status(None), exit_status(0), exit_status(3)) == (0, 0, 3)
