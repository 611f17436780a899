"""The channel benchmark cell: a 3 -> 8 channel layer on a 32x32 symbolic image, 3x3
kernel, bias, valid.

- **floor**: merely building the outputs with public SymPy,
  ``Add(b[o], *[w[o, c, a, b]*x[c, i+a, j+b] for c, a, b])`` for every output;
- **whole**: ``prove_channels(x, w, bias=b)`` then
  ``prove_channel_gradients(x, w, g, bias=b)``, as a user calls them.

Each measurement runs in a fresh Python process, in interleaved rounds (``rounds.py``);
``python benchmarks/bench_channels.py [C_IN C_OUT N K] --repeat R`` prints the row.
Wall-clock and CPU seconds are both kept: on a shared machine the CPU time of the
process is the steadier of the two. ``--compare DIR`` adds a third cell, the whole run
with the symconv package found in DIR (another checkout, e.g. the code before a change),
measured in the same rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from typing import Any

from rounds import fastest, in_rounds

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TIMEOUT = 900


def peak_mb() -> float:
    """This process's peak resident memory in MB (Linux reports ru_maxrss in kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def symbols_for(c_in: int, c_out: int, n: int, k: int) -> tuple[Any, Any, Any, Any]:
    import sympy
    from sympy import Array

    m = n - k + 1
    x = Array(sympy.symbols(f"x0:{c_in * n * n}"), (c_in, n, n))
    w = Array(sympy.symbols(f"w0:{c_out * c_in * k * k}"), (c_out, c_in, k, k))
    b = Array(sympy.symbols(f"b0:{c_out}"), (c_out,))
    g = Array(sympy.symbols(f"g0:{c_out * m * m}"), (c_out, m, m))
    return x, w, b, g


def floor(x: Any, w: Any, b: Any, k: int) -> list[Any]:
    from sympy import Add

    # Nested lists: a SymPy Array's __getitem__ would dominate the floor.
    xs, ws, bs = x.tolist(), w.tolist(), b.tolist()
    c_in, m = len(xs), len(xs[0]) - k + 1
    return [
        Add(
            bs[o],
            *[
                ws[o][c][p][q] * xs[c][i + p][j + q]
                for c in range(c_in)
                for p in range(k)
                for q in range(k)
            ],
        )
        for o in range(len(ws))
        for i in range(m)
        for j in range(m)
    ]


def measure(kind: str, c_in: int, c_out: int, n: int, k: int) -> dict[str, Any]:
    """Run one measurement in this process (called in the child)."""
    import gc

    import symconv

    x, w, b, g = symbols_for(c_in, c_out, n, k)
    gc.collect()
    base = peak_mb()
    start, cpu = time.perf_counter(), time.process_time()
    result: dict[str, Any] = {}
    if kind == "floor":
        floor(x, w, b, k)
    elif kind == "whole":
        result["holds"] = (
            symconv.prove_channels(x, w, bias=b).holds
            and symconv.prove_channel_gradients(x, w, g, bias=b).holds
        )
    else:
        raise ValueError(f"unknown measurement {kind!r}")
    result["seconds"] = time.perf_counter() - start
    result["cpu_seconds"] = time.process_time() - cpu
    result["symconv"] = os.path.dirname(os.path.dirname(os.path.abspath(symconv.__file__)))
    result["peak_mb"] = max(peak_mb() - base, 0.0)
    return result


def run_child(kind: str, sizes: tuple[int, int, int, int], root: str = ROOT) -> dict[str, Any]:
    """One measurement in a fresh process importing the symconv found in ``root``."""
    command = [sys.executable, os.path.abspath(__file__), "--child", kind, *map(str, sizes)]
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT, env=env, check=True
        )
    except subprocess.TimeoutExpired:
        return {"timed_out": True, "seconds": float("inf")}
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", nargs="*", type=int, help="C_IN C_OUT N K (default 3 8 32 3)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare", metavar="DIR", help="also time the symconv in DIR")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *numbers = args.child
        print(json.dumps(measure(kind, *map(int, numbers))))
        return 0
    c_in, c_out, n, k = args.size if args.size else (3, 8, 32, 3)
    sizes = (c_in, c_out, n, k)
    roots = {"floor": ROOT, "whole": ROOT}
    if args.compare:
        roots["compared"] = os.path.abspath(args.compare)
    cells = list(roots)
    runs = in_rounds(
        cells,
        args.repeat,
        lambda cell: run_child("floor" if cell == "floor" else "whole", sizes, roots[cell]),
    )
    best = {cell: fastest(found) for cell, found in runs.items()}
    cpu = {
        cell: min(r.get("cpu_seconds", float("inf")) for r in found) for cell, found in runs.items()
    }
    m = n - k + 1
    layer = f"{c_in}->{c_out} ch, {n}x{n}, {k}x{k}, bias"
    print(
        f"{'layer':>26} {'code':>10} {'terms':>8} {'floor s':>8} {'whole s':>8} {'x floor':>8} "
        f"{'cpu x':>6} {'peak MB':>8} {'holds':>6}"
    )
    for cell in cells[1:]:
        name = "this" if cell == "whole" else "compared"
        print(
            f"{layer:>26} {name:>10} {c_out * m * m * (c_in * k * k + 1):>8} "
            f"{best['floor']['seconds']:>8.2f} {best[cell]['seconds']:>8.2f} "
            f"{best[cell]['seconds'] / best['floor']['seconds']:>8.2f} "
            f"{cpu[cell] / cpu['floor']:>6.2f} "
            f"{best[cell]['peak_mb']:>8.1f} {str(best[cell].get('holds')):>6}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
