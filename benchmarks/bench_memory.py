"""The memory row: peak memory of the whole 1-D derivation against the floor's.

For symbolic x (length m), w (length n) and valid cross-correlation:

- **floor**: merely building the outputs with public SymPy,
  ``Add(*[w[k]*x[i+k] for k in range(n)])`` for every i (as in ``run.py``);
- **whole**: ``symconv.derive(x, w, grad=True)``, the whole derivation a user asks for
  (outputs, T, X, the matrix-form proof, the gradients and the tied-gradient proof),
  kept alive until the peak is read, as a user keeps it.

Memory is the growth of ``ru_maxrss`` (peak resident set) over the process after its
imports (symconv's derivation modules included, which load on first use of ``derive``)
and symbols, each measurement in a fresh interpreter so SymPy's cache and the peak
belong to it alone. Each cell runs ``--repeat`` times in interleaved rounds (``rounds.py``):
the table shows the least peak growth and the fastest time.
``python benchmarks/bench_memory.py [M N ...] --repeat R`` prints the rows;
``--against DIR`` also runs the whole derivation of the symconv package in DIR (a copy
of an earlier version) in the same rounds, for a before/after comparison.
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
SIZES = [(4096, 64), (16384, 9)]
KINDS = ("floor", "whole")
TIMEOUT = 1800
#: The target of issue 21: the whole derivation's peak growth within 2x the floor's.
TARGET = 2.0


def peak_mb() -> float:
    """This process's peak resident memory in MB (Linux reports ru_maxrss in kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(kind: str, m: int, n: int) -> dict[str, Any]:
    """One measurement in this process (called in a child by :func:`child`)."""
    import gc

    from sympy import Add

    import symconv

    x, w = symconv.symbolic_vector("x", m), symconv.symbolic_vector("w", n)
    xs, ws = list(x), list(w)
    # symconv loads its derivation's modules when derive is first asked for: they are
    # imports (2 MB, whatever the layer), loaded here, as the floor's Add is above.
    derive = symconv.derive
    gc.collect()
    before = peak_mb()
    start = time.perf_counter()
    holds = True
    if kind == "floor":
        kept: Any = [Add(*[ws[k] * xs[i + k] for k in range(n)]) for i in range(m - n + 1)]
    elif kind == "whole":
        kept = derive(x, w, grad=True)
        holds = kept.holds
    else:
        raise ValueError(f"unknown measurement {kind!r}; use one of {KINDS}")
    seconds = time.perf_counter() - start
    grown = peak_mb() - before
    del kept
    return {"kind": kind, "m": m, "n": n, "seconds": seconds, "mb": grown, "holds": holds}


def child(kind: str, m: int, n: int, against: str | None = None) -> dict[str, Any]:
    """Run :func:`measure` in a fresh interpreter and return its result; with
    ``against``, importing symconv from that directory."""
    env = dict(os.environ)
    if against is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [against, env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, __file__, "--one", kind, str(m), str(n)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=ROOT,
        env=env,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{kind} at ({m}, {n}) failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


HEADER = (
    f"{'(m, n)':>12} {'':>7} {'floor MB':>9} {'whole MB':>9} {'ratio':>7} {'floor s':>8} "
    f"{'whole s':>8} {'holds':>6}"
)


def row_text(m: int, n: int, label: str, runs: dict[str, list[dict[str, Any]]]) -> str:
    """One row: the least peak growth of each kind, their ratio, the fastest times."""
    floor_mb = min(r["mb"] for r in runs["floor"])
    whole_mb = min(r["mb"] for r in runs["whole"])
    ratio = whole_mb / floor_mb if floor_mb > 0 else float("inf")
    verdict = "" if ratio <= TARGET else f"  !! above {TARGET:g}x"
    return (
        f"{str((m, n)):>12} {label:>7} {floor_mb:9.0f} {whole_mb:9.0f} {ratio:6.2f}x "
        f"{fastest(runs['floor'])['seconds']:7.2f}s {fastest(runs['whole'])['seconds']:7.2f}s "
        f"{str(all(r['holds'] for r in runs['whole'])):>6}{verdict}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, help="pairs M N (default: issue 21's)")
    parser.add_argument("--repeat", type=int, default=3, help="fresh runs per cell")
    parser.add_argument(
        "--against", metavar="DIR", help="also run the symconv package in DIR (before/after)"
    )
    parser.add_argument("--one", nargs=3, metavar=("KIND", "M", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        kind, m, n = args.one
        print(json.dumps(measure(kind, int(m), int(n))))
        return 0
    if len(args.sizes) % 2:
        parser.error(f"sizes come in pairs M N, got {args.sizes}")
    sizes = list(zip(args.sizes[::2], args.sizes[1::2])) or SIZES
    versions: dict[str, str | None] = {"this": None}
    if args.against:
        if not os.path.isdir(os.path.join(args.against, "symconv")):
            parser.error(f"--against {args.against!r} holds no symconv package")
        versions["against"] = os.path.abspath(args.against)
    cells = [
        (m, n, kind, label)
        for m, n in sizes
        for kind in KINDS
        for label in (versions if kind == "whole" else ["this"])
    ]
    runs = in_rounds(
        cells, args.repeat, lambda cell: child(cell[2], cell[0], cell[1], versions[cell[3]])
    )
    print(
        "peak RSS growth after imports, whole = derive(x, w, grad=True), floor = the outputs "
        f"in plain SymPy (least of {args.repeat} fresh processes; time the fastest)"
    )
    print(HEADER)
    for m, n in sizes:
        for label in versions:
            cell = {"floor": runs[m, n, "floor", "this"], "whole": runs[m, n, "whole", label]}
            print(row_text(m, n, label, cell))
    return 0


if __name__ == "__main__":
    sys.exit(main())
