"""The 3-D benchmark cell: a 16x16x16 symbolic input, 3x3x3 kernel, valid, one channel.

- **floor**: merely building the outputs with public SymPy,
  ``Add(*[w[a, b, c]*x[i+a, j+b, k+c] for a, b, c])`` for every output;
- **forward**: ``symconv.conv3d`` on the ``(1, D, H, W)`` input;
- **whole**: ``prove_channels(x, w)`` then ``prove_channel_gradients(x, w, g)``, as a
  user calls them (sliding sums, the three-level block Toeplitz band, blocks, the
  definition's index pairs, gradients by differentiation, X^T g, T^T g, tie sets).

Each measurement runs in a fresh Python process, in interleaved rounds (``rounds.py``);
``python benchmarks/bench3d.py [D K] --repeat R`` prints the row.
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


def symbols_for(n: int, k: int) -> tuple[Any, Any, Any]:
    import sympy
    from sympy import Array

    m = n - k + 1
    x = Array(sympy.symbols(f"x0:{n**3}"), (1, n, n, n))
    w = Array(sympy.symbols(f"w0:{k**3}"), (1, 1, k, k, k))
    g = Array(sympy.symbols(f"g0:{m**3}"), (1, m, m, m))
    return x, w, g


def floor(x: Any, w: Any, n: int, k: int) -> list[Any]:
    from sympy import Add

    m = n - k + 1
    # Nested lists: a SymPy Array's __getitem__ would dominate the floor.
    xs, ws = x.tolist()[0], w.tolist()[0][0]
    return [
        Add(
            *[
                ws[a][b][c] * xs[i + a][j + b][l + c]
                for a in range(k)
                for b in range(k)
                for c in range(k)
            ]
        )
        for i in range(m)
        for j in range(m)
        for l in range(m)  # noqa: E741
    ]


def measure(kind: str, n: int, k: int) -> dict[str, Any]:
    """Run one measurement in this process (called in the child)."""
    import gc

    import symconv

    x, w, g = symbols_for(n, k)
    gc.collect()
    base = peak_mb()
    start = time.perf_counter()
    result: dict[str, Any] = {}
    if kind == "floor":
        floor(x, w, n, k)
    elif kind == "forward":
        symconv.conv3d(x, w)
    elif kind == "whole":
        result["holds"] = (
            symconv.prove_channels(x, w).holds and symconv.prove_channel_gradients(x, w, g).holds
        )
    else:
        raise ValueError(f"unknown measurement {kind!r}")
    result["seconds"] = time.perf_counter() - start
    result["peak_mb"] = max(peak_mb() - base, 0.0)
    return result


def run_child(kind: str, n: int, k: int) -> dict[str, Any]:
    command = [sys.executable, os.path.abspath(__file__), "--child", kind, str(n), str(k)]
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=TIMEOUT, env=env, check=True
        )
    except subprocess.TimeoutExpired:
        return {"timed_out": True, "seconds": float("inf")}
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", nargs="*", type=int, help="D K (default 16 3)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, n, k = args.child
        print(json.dumps(measure(kind, int(n), int(k))))
        return 0
    n, k = args.size if args.size else (16, 3)
    runs = in_rounds(["floor", "forward", "whole"], args.repeat, lambda kind: run_child(kind, n, k))
    best = {kind: fastest(found) for kind, found in runs.items()}
    m = n - k + 1
    print(
        f"{'size':>16} {'terms':>8} {'floor s':>8} {'fwd s':>7} {'whole s':>8} "
        f"{'x floor':>8} {'peak MB':>8} {'holds':>6}"
    )
    print(
        f"{f'{n}^3, {k}^3':>16} {m**3 * k**3:>8} {best['floor']['seconds']:>8.2f} "
        f"{best['forward']['seconds']:>7.2f} {best['whole']['seconds']:>8.2f} "
        f"{best['whole']['seconds'] / best['floor']['seconds']:>8.2f} "
        f"{best['whole']['peak_mb']:>8.1f} {str(best['whole'].get('holds')):>6}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
