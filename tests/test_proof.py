from __future__ import annotations

import sympy

from symconv.proofs.proof import Proof, check, observe


def test_check_reports_first_mismatch_and_methods():
    a, b = sympy.symbols("a b")
    ok = check("ok", [a * b, (a + b) ** 2], [b * a, a**2 + 2 * a * b + b**2])
    assert ok.holds and ok.method == "expand + identical"
    bad = check("bad", [a, b, a], [a, a, b], labels=["first", "second", "third"])
    assert not bad.holds and bad.mismatch == ("second", b, a)
    short = check("short", [a, b], [a])
    assert not short.holds and "length 2 != 1" in short.mismatch[0]


def test_proof_truth_is_all_steps():
    a = sympy.Symbol("a")
    good = Proof("t", "s", [check("x", [a], [a]), observe("y", True)])
    assert good.holds and bool(good)
    bad = Proof("t", "s", [check("x", [a], [a]), observe("y", False)])
    assert not bad.holds and bad.first_failure.name == "y"
    assert "FAILS" in str(bad)
    assert bad._repr_latex_().startswith("$")
