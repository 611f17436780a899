"""The faces' cells: what a user waits for around the derivation itself.

- **report / derive**: ``symconv report --grad -o FILE`` against ``symconv derive --grad``
  on the same layer, each a fresh console process (the report's target is 1.3x);
- **exit**: ``main(argv)`` of ``symconv derive --grad``, then leaving three ways: as the
  console entry point does (``leave``: flush, exit handlers, ``os._exit``), by a raw
  ``os._exit`` (the floor of leaving) and by a normal interpreter exit (what the console
  avoids). Each process marks the moment ``main`` returned, so its exit is timed on its
  own (from the mark to the process's end, seen by this one), apart from the
  derivation's time, which drifts by more than the 5 % the target allows between fresh
  processes. The ratio the target reads is ``(work + exit) / (work + raw exit)``, with
  ``work`` the fastest derivation up to the mark;
- **import**: ``import symconv`` against ``import sympy``, fresh processes; and in one
  process, ``import sympy`` then ``import symconv`` timed apart (what symconv adds to
  SymPy's import, without the processes' start-up and drift between them);
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
from statistics import median
from typing import Any

from rounds import fastest, in_rounds

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TIMEOUT = 1800
FACE_SIZES = [(4096, 9), (4096, 64)]
QUICK_SIZES = [(1024, 9)]

#: ``main``, then the mark: the monotonic clock (shared by every process) on stderr.
MARKED = (
    "import os, sys, time; sys.argv[0] = 'symconv'; from symconv.cli import leave, main; "
    "s = main(sys.argv[1:]); sys.stdout.flush(); "
    "print('\\nbench-mark', time.monotonic(), file=sys.stderr, flush=True); "
)
#: Leave as the console entry point does (``console_main`` is ``main`` then ``leave``).
CONSOLE_EXIT = MARKED + "leave(s)"
#: Leave without tearing the heap down, as the console does, but without its flushing and
#: exit handlers: the floor of leaving.
RAW_EXIT = MARKED + "os._exit(s)"
#: Leave the ordinary way, tearing down every object the derivation made.
NORMAL_EXIT = MARKED + "sys.exit(s)"
#: The exit cells, by name.
EXITS = {"console exit": CONSOLE_EXIT, "raw exit": RAW_EXIT, "normal exit": NORMAL_EXIT}
CONSOLE = (
    "import sys; sys.argv[0] = 'symconv'; from symconv.cli import console_main; console_main()"
)

#: ``import sympy``, then ``import symconv``, each timed, in one fresh process.
IMPORTS = """
import json, time
start = time.perf_counter()
import sympy
middle = time.perf_counter()
import symconv
print(json.dumps({"seconds": time.perf_counter() - start, "sympy": middle - start}))
"""

THEOREM = """
import json, sys, time
from symconv.general import collection
name = sys.argv[1]
start = time.perf_counter()
proof = {p.__name__: p for p in collection.PROVERS}[name]()
print(json.dumps({"seconds": time.perf_counter() - start, "holds": bool(proof.holds)}))
"""


def timed(command: Sequence[str], cwd: str | None = None) -> dict[str, Any]:
    """Wall time of one fresh process; its output is discarded, its status checked. A
    process that marks the end of its work (:data:`MARKED`) also gives ``work`` (start
    to mark) and ``exit`` (mark to its end)."""
    start = time.monotonic()
    done = subprocess.run(
        command,
        cwd=cwd or ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=TIMEOUT,
        check=False,
    )
    end = time.monotonic()
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()}")
    row: dict[str, Any] = {"seconds": end - start}
    marks = [line for line in done.stderr.decode().splitlines() if line.startswith("bench-mark ")]
    if marks:
        mark = float(marks[-1].split()[1])
        row["work"], row["exit"] = mark - start, end - mark
    return row


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
        for name, code in EXITS.items():
            cells[(name, m, n)] = [py, "-c", code, *derive]
    cells[("import sympy",)] = [py, "-c", "import sympy"]
    cells[("import symconv",)] = [py, "-c", "import symconv"]
    return cells


def imports_run() -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", IMPORTS], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


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
    print(f"{'(m, n)':>12} {'derive':>9} {'report':>9} {'rep/der':>8}")
    for m, n in sizes:
        der, rep = best[("derive", m, n)], best[("report", m, n)]
        print(f"{str((m, n)):>12} {der:8.2f}s {rep:8.2f}s {rep / der:7.2f}x")
    print(
        "exit after main(): each the median from main's return to the process's end; "
        "work: the fastest derivation up to that mark; x raw: (work + exit) / (work + raw exit)"
    )
    print(
        f"{'(m, n)':>12} {'work':>8} {'raw exit':>9} {'console':>9} {'x raw':>7} "
        f"{'normal':>9} {'x raw':>7}"
    )
    for m, n in sizes:
        exits = {name: median([r["exit"] for r in runs[(name, m, n)]]) for name in EXITS}
        work = min(r["work"] for name in EXITS for r in runs[(name, m, n)])
        raw = work + exits["raw exit"]
        console, normal = exits["console exit"], exits["normal exit"]
        print(
            f"{str((m, n)):>12} {work:7.2f}s {exits['raw exit']:8.3f}s {console:8.3f}s "
            f"{(work + console) / raw:6.3f}x {normal:8.3f}s {(work + normal) / raw:6.3f}x"
        )
    sympy_s, symconv_s = best[("import sympy",)], best[("import symconv",)]
    print(
        f"import, fresh processes: sympy {sympy_s:.3f}s, symconv {symconv_s:.3f}s, "
        f"ratio {symconv_s / sympy_s:.3f}x"
    )
    both = [imports_run() for _ in range(3 * args.repeat)]  # cheap: more runs
    sympy_in, whole_in = median(r["sympy"] for r in both), median(r["seconds"] for r in both)
    print(
        f"import, one process (median of {len(both)}): sympy {sympy_in:.3f}s, then symconv "
        f"{whole_in - sympy_in:.3f}s more, ratio {whole_in / sympy_in:.3f}x"
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
