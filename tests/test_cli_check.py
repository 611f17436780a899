"""``symconv check`` through the package's own command line, and the pytest helper."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

USER = Path(__file__).parent / "user_convs"


def symconv(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "symconv", *args], capture_output=True, text=True, timeout=300
    )


def test_check_a_right_and_a_wrong_convolution_from_the_command_line() -> None:
    shapes = ["--input-shape", "1,1,6", "--kernel-shape", "1,1,3"]
    right = symconv("check", f"{USER / 'user_loops.py'}:conv1d_loop", *shapes)
    assert right.returncode == 0, right.stdout + right.stderr
    wrong = symconv("check", f"{USER / 'user_bugs.py'}:off_by_one_window", *shapes)
    assert wrong.returncode == 1
    assert "misses" in wrong.stdout or "missing" in wrong.stdout
    bad = symconv("check", "nofile.py:f", "--input-shape", "1,x,6", "--kernel-shape", "1,1,3")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_assert_conv_correct_from_symconv_testing() -> None:
    sys.path.insert(0, str(USER))
    try:
        import user_bugs
        import user_loops
    finally:
        sys.path.remove(str(USER))
    from symconv.testing import assert_conv_correct

    assert assert_conv_correct(user_loops.conv1d_loop, x_shape=(1, 1, 6), w_shape=(1, 1, 3))
    with pytest.raises(AssertionError, match=r"output"):
        assert_conv_correct(user_bugs.off_by_one_window, x_shape=(1, 1, 6), w_shape=(1, 1, 3))
