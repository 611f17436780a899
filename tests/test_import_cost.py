"""``import symconv`` loads little more than SymPy; every public name loads on first use."""

from __future__ import annotations

import json
import subprocess
import sys

import symconv

#: Modules that ``import symconv`` must leave for first use: the reports (with latexify),
#: the theorems for all sizes, the printer and the derivation pipeline.
LAZY_MODULES = (
    "latexify",
    "symconv.report",
    "symconv.general",
    "symconv.summation",
    "symconv.figures",
    "symconv.render.latex",
    "symconv.derivation",
    "symconv.proofs.proof",
)


def modules_after(code: str) -> set[str]:
    """The names in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_import_symconv_loads_none_of_the_lazy_modules() -> None:
    loaded = modules_after("import symconv")
    assert "sympy" in loaded and "symconv" in loaded
    assert not loaded & set(LAZY_MODULES), sorted(loaded & set(LAZY_MODULES))


def test_a_name_loads_only_its_own_module() -> None:
    loaded = modules_after("from symconv import conv1d")
    assert "symconv.ops.sliding" in loaded
    assert not loaded & {"latexify", "symconv.report", "symconv.general", "symconv.derivation"}


def test_every_public_name_resolves() -> None:
    for name in symconv.__all__:
        assert getattr(symconv, name) is not None, name
    assert set(symconv.LAZY) <= set(symconv.__all__) | {"general", "summation", "testing"}


def test_star_import_gives_every_public_name() -> None:
    loaded = modules_after(
        "from symconv import *\nimport symconv\nassert all(n in globals() for n in symconv.__all__)"
    )
    assert "symconv.derivation" in loaded
