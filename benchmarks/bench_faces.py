"""The faces' cells: what a user waits for around the derivation itself.

- **report / derive**: ``symconv report --grad -o FILE`` against ``symconv derive --grad``
  on the same layer, each a fresh console process (the report's target is 1.3x);
- **exit**: ``symconv derive --grad`` through the console entry point (flush, then
  ``os._exit``) against ``main(argv)`` followed by a raw ``os._exit`` (the floor of
  leaving) and by a normal interpreter exit (what the console avoids);
- **import**: ``import symconv`` against ``import sympy``, fresh processes;
- **theorems**: each all-size proof of ``symconv.general.all_proofs``, in its own process
  after the imports (the target is 2 s each);
- **catalogue**: ``symconv catalogue --no-pdf`` of every entry but the all-size one.

Every cell runs once per round, in interleaved rounds (``rounds.py``), and is read as its
fastest run. ``python benchmarks/bench_faces.py --repeat R [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from rounds import fastest, in_rounds

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TIMEOUT = 1800
FACE_SIZES = [(4096, 9), (4096, 64)]
QUICK_SIZES = [(1024, 9)]

#: Leave after ``main`` without tearing the heap down, as the console does, but without
#: its flushing: the floor of leaving.
RAW_EXIT = "import os, sys; from symconv.cli import main; s = main(sys.argv[1:]); os._exit(s)"
#: Leave the ordinary way, tearing down every object the derivation made.
NORMAL_EXIT = "import sys; from symconv.cli import main; sys.exit(main(sys.argv[1:]))"
CONSOLE = (
    "import sys; sys.argv[0] = 'symconv'; from symconv.cli import console_main; console_main()"
)

THEOREM = """
import json, sys, time
from symconv.general import collection
name = sys.argv[1]
start = time.perf_counter()
proof = {p.__name__: p for p in collection.PROVERS}[name]()
print(json.dumps({"seconds": time.perf_counter() - start, "holds": bool(proof.holds)}))
"""


def timed(command: Sequence[str], cwd: str | None = None) -> dict[str, Any]:
    """Wall time of one fresh process; its output is discarded, its status checked."""
    start = time.perf_counter()
    done = subprocess.run(
        command,
        cwd=cwd or ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=TIMEOUT,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()}")
    return {"seconds": seconds}


def layer_args(m: int, n: int) -> list[str]:
    return ["--input", f"x:{m}", "--kernel", f"w:{n}", "--grad"]


def face_cells(sizes: Sequence[tuple[int, int]], out: str) -> dict[tuple[Any, ...], list[str]]:
    py = sys.executable
    cells: dict[tuple[Any, ...], list[str]] = {}
    for m, n in sizes:
        derive = ["derive", *layer_args(m, n)]
        report = ["report", *layer_args(m, n), "--force", "-o", os.path.join(out, f"r{m}_{n}.tex")]
        cells[("derive", m, n)] = [py, "-c", CONSOLE, *derive]
        cells[("report", m, n)] = [py, "-c", CONSOLE, *report]
        cells[("raw exit", m, n)] = [py, "-c", RAW_EXIT, *derive]
        cells[("normal exit", m, n)] = [py, "-c", NORMAL_EXIT, *derive]
    cells[("import sympy",)] = [py, "-c", "import sympy"]
    cells[("import symconv",)] = [py, "-c", "import symconv"]
    return cells


def theorem_names() -> list[str]:
    code = "from symconv.general import collection; print(' '.join(p.__name__ for p in collection.PROVERS))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return done.stdout.split()


def theorem_run(name: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", THEOREM, name],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=TIMEOUT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed: {done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def catalogue_command(out: str) -> list[str]:
    scripts = sorted(f for f in os.listdir(os.path.join(ROOT, "derivations")) if f[:2].isdigit())
    only = [arg for f in scripts if "all_sizes" not in f for arg in ("--only", f[:2])]
    return [sys.executable, "-c", CONSOLE, "catalogue", out, "--no-pdf", "--force", *only]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="one small layer only")
    args = parser.parse_args(argv)
    sizes = QUICK_SIZES if args.quick else FACE_SIZES
    with tempfile.TemporaryDirectory() as out:
        cells = face_cells(sizes, out)
        cells[("catalogue",)] = catalogue_command(os.path.join(out, "catalogue"))
        runs = in_rounds(list(cells), args.repeat, lambda cell: timed(cells[cell]))
    best = {cell: fastest(r)["seconds"] for cell, r in runs.items()}

    print(f"\nfaces (each cell the fastest of {args.repeat} fresh processes, interleaved rounds)")
    print(
        f"{'(m, n)':>12} {'derive':>9} {'report':>9} {'rep/der':>8} {'raw exit':>9} {'console':>9} "
        f"{'cons/raw':>9} {'normal':>9} {'norm/raw':>9}"
    )
    for m, n in sizes:
        der, rep = best[("derive", m, n)], best[("report", m, n)]
        raw, normal = best[("raw exit", m, n)], best[("normal exit", m, n)]
        print(
            f"{str((m, n)):>12} {der:8.2f}s {rep:8.2f}s {rep / der:7.2f}x {raw:8.2f}s {der:8.2f}s "
            f"{der / raw:8.3f}x {normal:8.2f}s {normal / raw:8.3f}x"
        )
    sympy_s, symconv_s = best[("import sympy",)], best[("import symconv",)]
    print(
        f"import: sympy {sympy_s:.3f}s, symconv {symconv_s:.3f}s, ratio {symconv_s / sympy_s:.3f}x"
    )
    print(f"catalogue --no-pdf without the all-size entry: {best[('catalogue',)]:.2f}s")

    names = theorem_names()
    theorem_runs = in_rounds(names, args.repeat, theorem_run)
    print(f"\nall-size theorems (in-process seconds after the imports, fastest of {args.repeat})")
    for name in names:
        row = fastest(theorem_runs[name])
        verdict = "holds" if all(r["holds"] for r in theorem_runs[name]) else "FAILS"
        print(f"{name:>36} {row['seconds']:6.2f}s  {verdict}")
    total = sum(fastest(theorem_runs[name])["seconds"] for name in names)
    print(f"{'total':>36} {total:6.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
