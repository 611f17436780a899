"""2-D benchmarks: the floor, symconv's whole derivation and the naive SymPy way.

For a symbolic H x W image, kh x kw kernel and upstream gradients g (valid
cross-correlation, stride 1):

- **floor**: merely building the outputs with public SymPy,
  ``Add(*[k[a, b]*x[i+a, j+b] for a, b])`` for every output (the issue's yardstick);
- **forward**: ``symconv.conv2d``;
- **whole**: ``prove_matrix_form2d(x, k)`` then ``prove_tied_gradients2d(x, k, g)``,
  as a user calls them (sliding sums, doubly-block Toeplitz band, block structure,
  im2col, flip, gradients by differentiation, X^T g, T^T g, the untied and tied steps);
- **naive**: the dense doubly-block Toeplitz ``Matrix``, ``T * vec(x)`` and ``expand`` of
  each difference from the floor's outputs (forward part), and, where it finishes,
  ``sympy.diff`` of the whole loss by every symbol checked against the dense
  ``T^T g`` and ``X^T g`` with ``expand`` (gradient part).

Each measurement runs in a fresh Python process, so SymPy's cache and the memory peak
(``ru_maxrss``, reported as the growth over the process after imports) belong to that
measurement alone. ``bench_2d`` returns one dict per size; ``python
benchmarks/bench2d.py`` prints them as a table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any

from rounds import fastest, in_rounds, paired_growth

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

#: The sizes of issues 5 and 7 and the small ones where the naive way finishes.
DEFAULT_SIZES: list[tuple[int, int]] = [(16, 3), (32, 3), (64, 3), (64, 5), (128, 3)]

#: Dense entries of T above which the naive forward part is not attempted (64x64 with a
#: 5x5 kernel, 14.7 million entries, takes about 20 s).
NAIVE_FORWARD_LIMIT = 16_000_000
#: (loss terms) x (symbols) above which naive differentiation is not attempted.
NAIVE_GRADIENT_LIMIT = 3_000_000
#: Seconds a single child measurement may take before it is reported as timed out.
TIMEOUT = 900


def peak_mb() -> float:
    """This process's peak resident memory in MB (Linux reports ru_maxrss in kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def symbols_for(shape: tuple[int, int, int, int]) -> tuple[Any, Any, Any]:
    from symconv import symbolic_matrix

    h, w, kh, kw = shape
    x, k = symbolic_matrix("x", h, w), symbolic_matrix("k", kh, kw)
    g = symbolic_matrix("g", h - kh + 1, w - kw + 1)
    return x, k, g


def floor(x: Any, k: Any) -> list[Any]:
    from sympy import Add

    kh, kw = k.shape
    ho, wo = x.rows - kh + 1, x.cols - kw + 1
    return [
        Add(*[k[a, b] * x[i + a, j + b] for a in range(kh) for b in range(kw)])
        for i in range(ho)
        for j in range(wo)
    ]


def naive_forward(x: Any, k: Any, outputs: list[Any]) -> bool:
    """Dense T built entry by entry, multiplied by SymPy, each difference expanded."""
    from sympy import expand, zeros

    h, w = x.shape
    kh, kw = k.shape
    ho, wo = h - kh + 1, w - kw + 1
    t = zeros(ho * wo, h * w)
    for i in range(ho):
        for j in range(wo):
            for a in range(kh):
                for b in range(kw):
                    t[i * wo + j, (i + a) * w + (j + b)] = k[a, b]
    product = t * x.reshape(h * w, 1)
    return all(expand(product[n] - outputs[n]) == 0 for n in range(len(outputs)))


def naive_gradients(x: Any, k: Any, g: Any, outputs: list[Any]) -> bool:
    """``sympy.diff`` of the whole loss by every symbol against dense T^T g and X^T g."""
    from sympy import Add, Matrix, diff, expand, zeros

    h, w = x.shape
    kh, kw = k.shape
    ho, wo = h - kh + 1, w - kw + 1
    loss = Add(*[g[n] * outputs[n] for n in range(len(outputs))])
    t = zeros(ho * wo, h * w)
    cols = zeros(ho * wo, kh * kw)
    for i in range(ho):
        for j in range(wo):
            for a in range(kh):
                for b in range(kw):
                    t[i * wo + j, (i + a) * w + (j + b)] = k[a, b]
                    cols[i * wo + j, a * kw + b] = x[i + a, j + b]
    gv = Matrix(list(g))
    by_x, by_k = t.T * gv, cols.T * gv
    ok = all(expand(diff(loss, s) - by_x[n]) == 0 for n, s in enumerate(x))
    return ok and all(expand(diff(loss, s) - by_k[n]) == 0 for n, s in enumerate(k))


def measure(kind: str, shape: tuple[int, int, int, int]) -> dict[str, Any]:
    """Run one measurement in this process (called in the child)."""
    import gc

    import sympy  # noqa: F401  (imports are not part of any measurement)

    import symconv

    x, k, g = symbols_for(shape)
    gc.collect()
    base = peak_mb()
    start = time.perf_counter()
    result: dict[str, Any] = {}
    if kind == "floor":
        floor(x, k)
    elif kind == "forward":
        symconv.conv2d(x, k)
    elif kind == "whole":
        mf = symconv.prove_matrix_form2d(x, k)
        result["matrix_form_s"] = time.perf_counter() - start
        tied = symconv.prove_tied_gradients2d(x, k, g)
        result["tied_s"] = time.perf_counter() - start - result["matrix_form_s"]
        result["holds"] = mf.holds and tied.holds
    elif kind == "naive_forward":
        outputs = floor(x, k)
        result["holds"] = naive_forward(x, k, outputs)
    elif kind == "naive_gradients":
        outputs = floor(x, k)
        result["holds"] = naive_gradients(x, k, g, outputs)
    else:
        raise ValueError(f"unknown measurement {kind!r}")
    result["seconds"] = time.perf_counter() - start
    result["peak_mb"] = max(peak_mb() - base, 0.0)
    return result


def run_child(kind: str, shape: tuple[int, int, int, int]) -> dict[str, Any]:
    """One measurement in a fresh interpreter; ``{"timed_out": True}`` past TIMEOUT."""
    command = [sys.executable, os.path.abspath(__file__), "--child", kind, *map(str, shape)]
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT, env=env, check=True
        )
    except subprocess.TimeoutExpired:
        return {"timed_out": True}
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def as_shape(size: Sequence[int]) -> tuple[int, int, int, int]:
    """``(H, K)`` for an H x H image and K x K kernel, or ``(H, W, kh, kw)``."""
    if len(size) == 2:
        return (size[0], size[0], size[1], size[1])
    if len(size) == 4:
        return (size[0], size[1], size[2], size[3])
    raise ValueError(f"size {size!r} must be (H, K) or (H, W, kh, kw)")


def runs_in_rounds(
    shapes: Sequence[tuple[int, int, int, int]], repeat: int, say: Any
) -> dict[tuple[tuple[int, int, int, int], str], list[dict[str, Any]]]:
    """Every round's run of floor, forward and whole for each shape (see ``rounds.py``)."""

    def run(cell: tuple[tuple[int, int, int, int], str]) -> dict[str, Any]:
        shape, kind = cell
        say(f"{shape[0]}x{shape[1]}, {shape[2]}x{shape[3]}: {kind}")
        return run_child(kind, shape)

    cells = [(shape, kind) for shape in shapes for kind in ("floor", "forward", "whole")]
    return in_rounds(cells, repeat, run, lambda number: say(f"round {number} of {repeat} done"))


def bench_2d(
    sizes: Iterable[Sequence[int]] = DEFAULT_SIZES,
    *,
    naive: bool = True,
    progress: Any = None,
    repeat: int = 1,
) -> list[dict[str, Any]]:
    """Time floor, forward, whole derivation and (where it finishes) the naive way.

    Floor, forward and whole are each the fastest of ``repeat`` fresh runs; the naive
    ways run once. Each returned dict has ``size``, ``outputs``, ``terms`` (outputs x
    kernel size), ``floor_s``, ``forward_s``, ``whole_s`` (``matrix_form_s`` +
    ``tied_s``), ``ratio_floor`` (whole / floor), ``whole_peak_mb``, ``holds``, and, when
    measured, ``naive_forward_s``, ``naive_gradients_s``, ``naive_s`` (their sum, or the
    forward part alone), ``ratio_naive`` (whole / naive), ``naive_parts``, ``growth``
    (whole time over the previous size with a quarter of the outputs),
    ``growth_per_term`` (that over the growth of the terms) and ``paired_growth`` (the
    median of the same-round ratios, see ``rounds.py``); ``whole_rounds`` holds every
    round's whole run.
    """
    say = progress or (lambda message: None)
    shapes = [as_shape(size) for size in sizes]
    runs = runs_in_rounds(shapes, repeat, say)
    best = {cell: fastest(cell_runs) for cell, cell_runs in runs.items()}
    rows: list[dict[str, Any]] = []
    for shape in shapes:
        h, w, kh, kw = shape
        outputs = (h - kh + 1) * (w - kw + 1)
        row: dict[str, Any] = {
            "size": f"{h}x{w}, {kh}x{kw}",
            "input": (h, w),
            "kernel": (kh, kw),
            "outputs": outputs,
            "terms": outputs * kh * kw,
        }
        row["whole_rounds"] = runs[(shape, "whole")]
        row["floor_s"] = best[(shape, "floor")]["seconds"]
        row["forward_s"] = best[(shape, "forward")]["seconds"]
        whole = best[(shape, "whole")]
        row.update(
            whole_s=whole["seconds"],
            matrix_form_s=whole["matrix_form_s"],
            tied_s=whole["tied_s"],
            whole_peak_mb=round(whole["peak_mb"], 1),
            holds=whole["holds"],
            ratio_floor=whole["seconds"] / row["floor_s"],
        )
        parts = []
        if naive and outputs * h * w <= NAIVE_FORWARD_LIMIT:
            say(f"{row['size']}: naive forward")
            result = run_child("naive_forward", shape)
            if not result.get("timed_out"):
                row["naive_forward_s"] = result["seconds"]
                parts.append("forward")
        if naive and row["terms"] * (h * w + kh * kw) <= NAIVE_GRADIENT_LIMIT:
            say(f"{row['size']}: naive gradients")
            result = run_child("naive_gradients", shape)
            if not result.get("timed_out"):
                row["naive_gradients_s"] = result["seconds"]
                parts.append("gradients")
        if parts:
            row["naive_parts"] = "+".join(parts)
            row["naive_s"] = row.get("naive_forward_s", 0.0) + row.get("naive_gradients_s", 0.0)
            row["ratio_naive"] = row["whole_s"] / row["naive_s"]
        previous = next(
            (
                r
                for r in rows
                if abs(r["outputs"] * 4 - outputs) <= 0.1 * outputs and r["kernel"] == row["kernel"]
            ),
            None,
        )
        if previous is not None:
            row["growth"] = row["whole_s"] / previous["whole_s"]
            row["growth_per_term"] = row["growth"] / (row["terms"] / previous["terms"])
            row["paired_growth"] = paired_growth(previous["whole_rounds"], row["whole_rounds"])
        rows.append(row)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as an aligned text table."""
    header = (
        f"{'size':>14} {'terms':>8} {'floor s':>8} {'fwd s':>7} {'whole s':>8} "
        f"{'x floor':>7} {'naive s':>9} {'x naive':>8} {'peak MB':>8} {'growth':>6} {'/term':>5} "
        f"{'rounds':>6}"
    )
    lines = [header]
    for r in rows:
        naive = f"{r['naive_s']:.2f}" if "naive_s" in r else "-"
        if "naive_parts" in r and r["naive_parts"] != "forward+gradients":
            naive += "*"
        vs_naive = f"{r['ratio_naive']:.3f}" if "ratio_naive" in r else "-"
        growth = f"{r['growth']:.2f}" if "growth" in r else "-"
        per_term = f"{r['growth_per_term']:.2f}" if "growth_per_term" in r else "-"
        paired = f"{r['paired_growth']:.2f}" if "paired_growth" in r else "-"
        lines.append(
            f"{r['size']:>14} {r['terms']:>8} {r['floor_s']:>8.2f} {r['forward_s']:>7.2f} "
            f"{r['whole_s']:>8.2f} {r['ratio_floor']:>7.2f} {naive:>9} {vs_naive:>8} "
            f"{r['whole_peak_mb']:>8.1f} {growth:>6} {per_term:>5} {paired:>6}"
        )
    lines.append("* naive forward part only (naive differentiation does not finish there)")
    lines.append(
        "growth: whole s over the size with a quarter of the outputs (fastest over fastest); "
        "/term: per term; rounds: median of the same-round ratios"
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        kind, *numbers = argv[1:]
        shape = as_shape([int(n) for n in numbers])
        print(json.dumps(measure(kind, shape)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", help="H,K or H,W,kh,kw (default: issue 7's sizes)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="fresh runs per cell; the fastest counts"
    )
    args = parser.parse_args(argv)
    sizes = DEFAULT_SIZES
    if args.sizes:
        sizes = [tuple(int(n) for n in arg.split(",")) for arg in args.sizes]  # type: ignore[misc]
    rows = bench_2d(
        sizes, progress=lambda message: print(message, file=sys.stderr), repeat=args.repeat
    )
    print(table(rows))
    return 0 if all(r["holds"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
