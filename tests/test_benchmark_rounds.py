"""The benchmarks' rounds: order of the runs, the fastest run, growth read round by round."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "benchmarks"))

from rounds import fastest, in_rounds, paired_growth  # noqa: E402


def test_every_cell_runs_once_per_round_in_order():
    order: list[str] = []
    finished: list[int] = []

    def run(cell: str) -> dict[str, float]:
        order.append(cell)
        return {"seconds": float(len(order))}

    runs = in_rounds(["small", "large"], 3, run, finished.append)
    assert order == ["small", "large"] * 3 and finished == [1, 2, 3]
    assert [r["seconds"] for r in runs["small"]] == [1.0, 3.0, 5.0]
    assert [r["seconds"] for r in runs["large"]] == [2.0, 4.0, 6.0]
    with pytest.raises(ValueError, match="repeat must be at least 1, got 0"):
        in_rounds(["small"], 0, run)


def test_fastest_and_growth_round_by_round():
    small = [{"seconds": s} for s in (1.0, 2.0, 1.5)]
    large = [{"seconds": s} for s in (4.4, 8.2, 5.7)]
    assert fastest(small)["seconds"] == 1.0 and fastest(large)["seconds"] == 4.4
    # Ratios 4.4, 4.1, 3.8: the median pairs each large run with its own round's small run.
    assert paired_growth(small, large) == pytest.approx(4.1)
    shuffled = [large[1], large[2], large[0]]  # paired with other rounds' small runs
    assert paired_growth(small, shuffled) == pytest.approx(4.4 / 1.5)
    with pytest.raises(ValueError, match="same rounds of both sizes, got 3 and 2"):
        paired_growth(small, large[:2])


def test_a_marked_process_splits_its_time_at_the_mark():
    import bench_faces

    code = (
        "import sys, time; print('progress', file=sys.stderr); "
        "print('\\nbench-mark', time.monotonic(), file=sys.stderr, flush=True); time.sleep(0.3)"
    )
    row = bench_faces.timed([sys.executable, "-c", code])
    assert row["exit"] >= 0.3  # the sleep comes after the mark: it is the exit's
    assert row["work"] > 0 and row["work"] + row["exit"] == pytest.approx(row["seconds"])
    assert "exit" not in bench_faces.timed([sys.executable, "-c", "pass"])  # unmarked
    for code in bench_faces.EXITS.values():  # each cell derives, marks and leaves, status 0
        layer = ["derive", "--input", "x:4", "--kernel", "w:2"]
        assert bench_faces.timed([sys.executable, "-c", code, *layer])["exit"] >= 0
