"""symconv's benchmarks: the floor, symconv's derivations and the naive SymPy way, in one run.

For symbolic x (length m), w (length n) and upstream gradients g, valid cross-correlation:

- **floor**: merely building the m·n-term outputs with public SymPy,
  ``Add(*[w[k]*x[i+k] for k in range(n)])`` for every i (issue 7's yardstick);
- **matrix form**: ``prove_matrix_form(x, w)`` (outputs, band, T x, X w, flip);
- **tied**: ``prove_tied_gradients(x, w, g)`` (dL/dw and dL/dx by differentiation,
  X^T g, T^T g, the untied U, tie-set sums, the tied and the dense steps);
- **whole**: both, as a user runs them;
- **naive forward**: a dense ``Matrix`` T, ``T*x`` and ``expand`` of each difference from
  the floor's outputs;
- **naive gradient**: ``sympy.diff`` of the whole expanded loss by every weight and input,
  checked against the dense ``X^T g`` and ``T^T g`` with ``expand``.

Each measurement runs in a fresh Python process so SymPy's cache and the memory peak
belong to it alone; memory is the growth of ``ru_maxrss`` over the process after imports.
The 2-D, 3-D, channel and faces sections come from ``benchmarks/bench2d.py``,
``bench3d.py``, ``bench_channels.py`` and ``bench_faces.py`` (report against derive, the
CLI's exit, ``import symconv``, each all-size theorem and the catalogue). Run ``python benchmarks/run.py``
(``--quick`` for the small sizes only).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from typing import Any

from rounds import fastest, in_rounds, paired_growth

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

SIZES_1D = [(256, 9), (1024, 9), (4096, 9), (16384, 9), (1024, 64), (4096, 64)]
QUICK_1D = [(256, 9), (1024, 9), (4096, 9)]
#: The naive ways are run only where they finish in minutes on 2 cores.
NAIVE_FORWARD = {(256, 9), (1024, 9), (4096, 9), (4096, 64)}
NAIVE_GRADIENT = {(256, 9)}
TIMEOUT = 1800


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(kind: str, m: int, n: int) -> dict[str, Any]:
    """One measurement in this process (called in a child by :func:`child`)."""
    import sympy
    from sympy import Add, expand

    from symconv import (
        conv_matrix,
        im2col,
        prove_matrix_form,
        prove_tied_gradients,
        symbolic_vector,
    )

    x, w, g = symbolic_vector("x", m), symbolic_vector("w", n), symbolic_vector("g", m - n + 1)
    xs, ws, gs = list(x), list(w), list(g)
    before = peak_mb()
    start = time.perf_counter()
    holds = True
    if kind == "floor":
        [Add(*[ws[k] * xs[i + k] for k in range(n)]) for i in range(m - n + 1)]
    elif kind == "matrix_form":
        holds = prove_matrix_form(x, w).holds
    elif kind == "tied":
        holds = prove_tied_gradients(x, w, g).holds
    elif kind == "whole":
        holds = prove_matrix_form(x, w).holds and prove_tied_gradients(x, w, g).holds
    elif kind == "naive_forward":
        z = [Add(*[ws[k] * xs[i + k] for k in range(n)]) for i in range(m - n + 1)]
        tx = conv_matrix(w, m) * x
        holds = all(expand(tx[i] - z[i]) == 0 for i in range(len(z)))
    elif kind == "naive_gradient":
        z = [Add(*[ws[k] * xs[i + k] for k in range(n)]) for i in range(m - n + 1)]
        loss = expand(Add(*[gs[i] * z[i] for i in range(len(z))]))
        grad_w = [sympy.diff(loss, s) for s in ws]
        grad_x = [sympy.diff(loss, s) for s in xs]
        closed_w = im2col(x, n).T * g
        closed_x = conv_matrix(w, m).T * g
        holds = all(expand(grad_w[k] - closed_w[k]) == 0 for k in range(n)) and all(
            expand(grad_x[j] - closed_x[j]) == 0 for j in range(m)
        )
    else:
        raise ValueError(f"unknown measurement {kind!r}")
    seconds = time.perf_counter() - start
    return {
        "kind": kind,
        "m": m,
        "n": n,
        "seconds": seconds,
        "mb": peak_mb() - before,
        "holds": holds,
    }


def child(kind: str, m: int, n: int) -> dict[str, Any]:
    """Run :func:`measure` in a fresh interpreter and return its result."""
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--one", kind, str(m), str(n)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        return {
            "kind": kind,
            "m": m,
            "n": n,
            "seconds": float("inf"),
            "mb": float("nan"),
            "holds": None,
        }
    if done.returncode != 0:
        raise RuntimeError(f"{kind} at ({m}, {n}) failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


KINDS = ("floor", "matrix_form", "tied", "whole")


def bench_1d(sizes: list[tuple[int, int]], repeat: int = 3) -> list[dict[str, Any]]:
    """Each cell's fastest of ``repeat`` fresh-process runs, taken in rounds (see
    ``rounds.py``); each row also keeps every round's whole run (``whole_rounds``) for
    the growth read round by round."""
    cells = [(m, n, kind) for m, n in sizes for kind in KINDS]
    runs = in_rounds(
        cells,
        repeat,
        lambda cell: child(cell[2], cell[0], cell[1]),
        lambda number: print(f"  (round {number} of {repeat} done)", file=sys.stderr, flush=True),
    )
    rows = []
    for m, n in sizes:
        row: dict[str, Any] = {"m": m, "n": n}
        row.update({kind: fastest(runs[m, n, kind]) for kind in KINDS})
        row.update({f"{kind}_rounds": runs[m, n, kind] for kind in KINDS})
        if (m, n) in NAIVE_FORWARD:
            row["naive_forward"] = child("naive_forward", m, n)
        if (m, n) in NAIVE_GRADIENT:
            row["naive_gradient"] = child("naive_gradient", m, n)
        rows.append(row)
        print_row(row, flush=True)
    return rows


def fmt(seconds: float) -> str:
    return f"{seconds:8.2f}s" if seconds != float("inf") else "  timeout"


HEADER = (
    f"{'(m, n)':>12} {'floor':>9} {'matrix':>9} {'tied':>9} {'whole':>9} {'whole/floor':>11} "
    f"{'peak MB':>8} {'naive fwd':>10} {'fwd/naive':>9} {'naive grad':>10} {'tied/naive':>10}"
)


def print_row(row: dict[str, Any], flush: bool = False) -> None:
    floor = row["floor"]["seconds"]
    whole = row["whole"]["seconds"]
    forward = row.get("naive_forward")
    gradient = row.get("naive_gradient")
    cells = [
        f"{str((row['m'], row['n'])):>12}",
        fmt(floor),
        fmt(row["matrix_form"]["seconds"]),
        fmt(row["tied"]["seconds"]),
        fmt(whole),
        f"{whole / floor:10.2f}x",
        f"{row['whole']['mb']:8.0f}",
        fmt(forward["seconds"]) + " " if forward else f"{'-':>10}",
        f"{row['matrix_form']['seconds'] / forward['seconds']:8.3f}x" if forward else f"{'-':>9}",
        fmt(gradient["seconds"]) + " " if gradient else f"{'-':>10}",
        f"{row['tied']['seconds'] / gradient['seconds']:9.4f}x" if gradient else f"{'-':>10}",
    ]
    print(" ".join(cells), flush=flush)
    if not all(row[k]["holds"] for k in ("matrix_form", "tied", "whole")):
        print("   !! a proof did not hold", flush=flush)


def growth(rows: list[dict[str, Any]], kind: str) -> list[str]:
    """Time growth per quadrupling of m at fixed n: the fastest run over the fastest run,
    the exponent it implies and the growth per term (a valid layer has
    (m - n + 1) * n terms, which grow more than 4x), then the median of the same-round
    ratios (see rounds.paired_growth)."""
    import math

    lines = []
    by_size = {(r["m"], r["n"]): r for r in rows}
    for (m, n), small in sorted(by_size.items()):
        large = by_size.get((4 * m, n))
        if large is None:
            continue
        factor = large[kind]["seconds"] / small[kind]["seconds"]
        terms = (4 * m - n + 1) / (m - n + 1)
        paired = paired_growth(small[f"{kind}_rounds"], large[f"{kind}_rounds"])
        lines.append(
            f"  {kind:>11}: ({m}, {n}) -> ({4 * m}, {n}): x{factor:.2f} (exponent "
            f"{math.log(factor, 4):.2f}); terms x{terms:.2f}, time per term "
            f"x{factor / terms:.2f}; same-round median x{paired:.2f}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only")
    parser.add_argument("--no-2d", action="store_true", help="skip the 2-D section")
    parser.add_argument("--no-3d", action="store_true", help="skip the 3-D cell")
    parser.add_argument("--no-channels", action="store_true", help="skip the channel cell")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory cells")
    parser.add_argument(
        "--no-faces", action="store_true", help="skip report, exit, import and theorem cells"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="fresh runs per cell; the fastest counts"
    )
    parser.add_argument("--one", nargs=3, metavar=("KIND", "M", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        kind, m, n = args.one
        print(json.dumps(measure(kind, int(m), int(n))))
        return 0
    import sympy

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, SymPy {sympy.__version__}"
    )
    print(
        "\n1-D, valid cross-correlation, symbolic x, w, g "
        f"(each cell the fastest of {args.repeat} fresh processes, in interleaved rounds; naive ways run once)"
    )
    print(HEADER)
    rows = bench_1d(QUICK_1D if args.quick else SIZES_1D, args.repeat)
    print("\ngrowth when m quadruples:")
    for kind in ("floor", "whole"):
        print("\n".join(growth(rows, kind)))
    if not args.no_memory:
        import bench_memory

        sizes = ["1024", "9", "4096", "9"] if args.quick else []
        bench_memory.main([*sizes, "--repeat", str(args.repeat)])
    if not args.no_2d:
        import bench2d

        print(
            "\n2-D, valid cross-correlation, symbolic image, kernel, g "
            f"(floor, forward and whole the fastest of {args.repeat} fresh processes)"
        )
        sizes = [] if not args.quick else ["16,3", "32,3"]
        bench2d.main([*sizes, "--repeat", str(args.repeat)])
    if not args.no_3d:
        import bench3d

        print(
            "\n3-D, valid cross-correlation, one channel, symbolic input, kernel, g "
            f"(whole = prove_channels + prove_channel_gradients; fastest of {args.repeat})"
        )
        bench3d.main(["8", "3"] if args.quick else ["--repeat", str(args.repeat)])
    if not args.no_channels:
        import bench_channels

        print(
            "\nChannels, valid cross-correlation, symbolic image, kernel, bias, g "
            f"(whole = prove_channels + prove_channel_gradients; fastest of {args.repeat})"
        )
        sizes = ["3", "8", "16", "3"] if args.quick else []
        bench_channels.main([*sizes, "--repeat", str(args.repeat)])
    if not args.no_faces:
        import bench_faces

        bench_faces.main([*(["--quick"] if args.quick else []), "--repeat", str(args.repeat)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
