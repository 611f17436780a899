"""All-size theorems for grouped channels (symconv.general.channels) and transposed
convolution (symconv.general.transposed): each holds, fails on a wrong statement at a
named step and against the concrete machinery, agrees with the concrete ops (and PyTorch)
at sizes outside its own grid, and renders to LaTeX that pdflatex compiles.
"""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sympy
from sympy import Array, Matrix, Symbol, floor

from symconv.core.files import write_output
from symconv.core.vectors import symbolic_vector
from symconv.general.channels import (
    GROUPED_SIZES,
    concrete_layer,
    floor_quotient,
    grouped_symbols,
    prove_channel_groups,
    settings,
    size_cases,
)
from symconv.general.theorem import GeneralProof
from symconv.general.transposed import (
    prove_transposed_is_input_gradient,
    prove_transposed_length,
    transposed_symbols,
)
from symconv.ops.channels import conv1d_channel_grads, conv1d_channels
from symconv.ops.gradients import conv1d_grads
from symconv.ops.transposed import conv_transpose1d
from symconv.report import compile_pdf, document, overfull_boxes
from symconv.summation import between, bracket, indexed_to_symbols, instantiate

GROUPED = grouped_symbols()
TRANSPOSED = transposed_symbols()


@pytest.fixture(scope="module")
def proofs() -> dict[str, GeneralProof]:
    return {
        "channels": prove_channel_groups(),
        "length": prove_transposed_length(),
        "gradient": prove_transposed_is_input_gradient(),
    }


# --- the theorems hold ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["channels", "length", "gradient"])
def test_every_step_holds_and_ends_with_concrete_checks(
    proofs: dict[str, GeneralProof], name: str
) -> None:
    proof = proofs[name]
    assert proof.holds, proof.first_failure
    rewrites = [step for step in proof.steps if step.kind == "rewrite"]
    spots = [step for step in proof.steps if step.kind == "spot check"]
    assert rewrites and spots and proof.steps[-1].kind == "spot check"
    for step in spots:
        assert len(step.lhs) == len(step.rhs) > 0
    # Every rewrite but the symbolic substitution is also checked at concrete instances.
    instanced = [step for step in rewrites if step.details["instances"] > 0]
    assert len(instanced) >= len(rewrites) - 1


def test_the_channel_statements() -> None:
    proof = prove_channel_groups()
    L = GROUPED
    o = L.gamma * L.c_out + L.f
    gradient = {str(lhs.variables[0]): rhs for lhs, rhs in proof.claims}
    column = L.tap(L.i, L.q)
    expected = sympy.Sum(
        bracket(L.g[o, L.i] * L.x[L.gamma * L.c_in + L.e, column], between(column, 0, L.m - 1)),
        (L.i, 0, L.L - 1),
    )
    assert gradient[str(L.w[o, L.e, L.q])] == expected
    assert gradient[str(L.b[o])] == sympy.Sum(L.g[o, L.i], (L.i, 0, L.L - 1))
    assert proof.step("a later group is not read").rhs == (sympy.S.Zero,)
    assert proof.step("an earlier group is not read").rhs == (sympy.S.Zero,)


def test_the_transposed_length_is_pytorchs_formula() -> None:
    proof = prove_transposed_length()
    L = TRANSPOSED
    p = Symbol("p", integer=True, nonnegative=True)
    symmetric = proof.step("symmetric padding").rhs[0]
    assert sympy.expand(symmetric - ((L.m - 1) * L.s - 2 * p + L.d * (L.n - 1) + L.p_o + 1)) == 0
    assert proof.claims[1][1] == L.length()


def test_floor_quotient_needs_the_remainder_in_range() -> None:
    gamma, f = sympy.symbols("gamma f", integer=True)
    c = Symbol("c", integer=True, positive=True)
    assert floor_quotient({f: (0, c - 1)})(floor((gamma * c + f) / c)) == gamma
    unchanged = floor((gamma * c + f) / c)
    assert floor_quotient({f: (0, c)})(unchanged) == unchanged
    assert floor_quotient({f: (-1, c - 1)})(unchanged) == unchanged
    assert floor_quotient({f: (0, c - 1)})(sympy.Mod(gamma * c + f, 3)) == sympy.Mod(
        gamma * c + f, 3
    )


# --- wrong statements fail ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "group",
    [
        lambda o: o % GROUPED.G,  # round-robin instead of slices
        lambda o: floor(o / GROUPED.c_in),  # the wrong channel count
        lambda o: floor(o / GROUPED.c_out) + 1,  # the next group
    ],
    ids=["o mod G", "o // c_in", "next group"],
)
def test_a_wrong_group_assignment_fails(group: Any) -> None:
    proof = prove_channel_groups(group=group)
    assert not proof.holds
    assert proof.first_failure is not None
    assert proof.first_failure.name == "output channel o = gamma c_out + f reads group gamma"
    # ... and the layer it defines is not PyTorch's grouped layer.
    assert not proof.step("the layer agrees with conv1d").holds


def test_round_robin_groups_fail_exactly_where_they_differ() -> None:
    where = prove_channel_groups(group=lambda o: o % GROUPED.G).step("the layer agrees with conv1d")
    assert where.mismatch is not None
    # With one output channel per group (c_out = 1), o % G is floor(o / c_out): the first
    # difference is at a size with c_out >= 2.
    assert "c_out=2" in where.mismatch[0]


@pytest.mark.parametrize("shift", [1, -1])
def test_a_length_off_by_one_fails(shift: int) -> None:
    proof = prove_transposed_length(length=TRANSPOSED.length() + shift)
    assert not proof.holds
    assert proof.first_failure is not None and proof.first_failure.name == "count the outputs"
    assert not proof.step("agrees with conv_transpose1d").holds


def test_a_length_without_output_padding_fails() -> None:
    proof = prove_transposed_length(length=TRANSPOSED.length() - TRANSPOSED.p_o)
    assert not proof.step("count the outputs").holds


@pytest.mark.parametrize(
    "position",
    [
        lambda i, k: TRANSPOSED.tap(i, k) + 1,
        lambda i, k: TRANSPOSED.tap(i, k) - 1,
        lambda i, k: TRANSPOSED.tap(i, TRANSPOSED.n - 1 - k),  # a flipped kernel
        lambda i, k: i * TRANSPOSED.s + k * TRANSPOSED.d + TRANSPOSED.p_l,  # padding added
    ],
    ids=["shift +1", "shift -1", "flipped", "padding sign"],
)
def test_a_wrong_scatter_index_fails(position: Any) -> None:
    proof = prove_transposed_is_input_gradient(position=position)
    assert not proof.holds
    assert proof.first_failure is not None
    assert proof.first_failure.name == "T^T g is the scatter"
    assert not proof.step("the scatter agrees with conv_transpose1d").holds
    assert not proof.step("the scatter agrees with the input gradient").holds


# --- the statements at other sizes ----------------------------------------------------------


#: Grouped layers outside the proof's grid: G, c_in, c_out, m, n, s, d, p_l, p_r.
OTHER_GROUPED = [
    (3, 2, 1, 4, 2, 1, 1, 1, 0),
    (2, 1, 3, 5, 3, 2, 1, 0, 2),
    (1, 3, 2, 3, 1, 1, 1, 2, 0),
    (2, 2, 2, 4, 2, 1, 2, 1, 2),
]


@pytest.mark.parametrize("row", OTHER_GROUPED)
def test_the_channel_statements_at_other_sizes(row: tuple[int, ...]) -> None:
    L = GROUPED
    (sizes,) = size_cases(L, [row])
    x, w, b, g = concrete_layer(L, sizes)
    y = conv1d_channels(x, w, bias=b, **settings(L, sizes))
    _, grad_w, grad_b = conv1d_channel_grads(x, w, g, bias=b, **settings(L, sizes))
    o, i, e, q = L.o, L.i, L.e, L.q
    weight = sympy.Sum(
        L.g[o, i]
        * L.x[floor(o / L.c_out) * L.c_in + e, L.tap(i, q)]
        * bracket(sympy.S.One, between(L.tap(i, q), 0, L.m - 1)),
        (i, 0, L.L - 1),
    )
    assert grad_b is not None
    for u in range(g.rows):
        assert grad_b[u] == sum(g[u, :])
        for v, r in itertools.product(range(sizes[L.c_in]), range(sizes[L.n])):
            value = indexed_to_symbols(instantiate(weight, {**sizes, o: u, e: v, q: r}))
            assert sympy.expand(value - grad_w[u, v, r]) == 0
        for t, v, r in itertools.product(range(y.cols), range(x.rows), range(x.cols)):
            derivative = sympy.diff(y[u, t], x[v, r])
            if v // sizes[L.c_in] != u // sizes[L.c_out]:
                assert derivative == 0  # the block structure: another group is not read
            else:
                k_ = [k for k in range(sizes[L.n]) if r == t * row[5] + k * row[6] - row[7]]
                assert derivative == sum(w[u, v % sizes[L.c_in], k] for k in k_)


#: Transposed layers outside the proof's grid: m, n, s, d, p_l, p_r, p_o.
OTHER_TRANSPOSED = [(2, 3, 2, 1, 0, 1, 1), (4, 2, 3, 1, 1, 1, 2), (3, 2, 1, 3, 2, 0, 0)]


@pytest.mark.parametrize("row", OTHER_TRANSPOSED)
def test_the_transposed_statements_at_other_sizes(row: tuple[int, ...]) -> None:
    L = TRANSPOSED
    m, n, s, d, p_l, p_r, p_o = row
    values = dict(zip((L.m, L.n, L.s, L.d, L.p_l, L.p_r, L.p_o), row, strict=True))
    length = int(L.length().subs(values))
    g, w = symbolic_vector("g", m), symbolic_vector("w", n)
    out = conv_transpose1d(g, w, stride=s, padding=(p_l, p_r), output_padding=p_o, dilation=d)
    assert out.rows == length
    grad_x, _ = conv1d_grads(
        symbolic_vector("x", length), w, g, stride=s, padding=(p_l, p_r), dilation=d
    )
    scatter = L.scatter(L.r, L.tap)
    for r in range(length):
        value = indexed_to_symbols(instantiate(scatter, {**values, L.r: r}))
        assert value == out[r] == grad_x[r]


@pytest.mark.parametrize("row", [(3, 2, 2, 1, 1, 1), (4, 3, 2, 2, 2, 0), (2, 2, 3, 1, 0, 2)])
def test_the_transposed_theorems_agree_with_torch(torch: Any, row: tuple[int, ...]) -> None:
    import torch.nn.functional as F

    L = TRANSPOSED
    m, n, s, d, p, p_o = row
    gs = [float(v) for v in range(1, m + 1)]
    ws = [float(v) for v in range(2, n + 2)]
    expected = F.conv_transpose1d(
        torch.tensor(gs, dtype=torch.float64).reshape(1, 1, -1),
        torch.tensor(ws, dtype=torch.float64).reshape(1, 1, -1),
        stride=s,
        padding=p,
        output_padding=p_o,
        dilation=d,
    ).reshape(-1)
    values = dict(zip((L.m, L.n, L.s, L.d, L.p_l, L.p_r, L.p_o), (m, n, s, d, p, p, p_o)))
    assert len(expected) == L.length().subs(values)
    scatter = L.scatter(L.r, L.tap)
    numbers = {**{sympy.Symbol(f"g{u}"): v for u, v in enumerate(gs)}}
    numbers.update({sympy.Symbol(f"w{u}"): v for u, v in enumerate(ws)})
    for r in range(len(expected)):
        value = indexed_to_symbols(instantiate(scatter, {**values, L.r: r})).xreplace(numbers)
        assert float(value) == pytest.approx(float(expected[r]))


def test_the_channel_statement_agrees_with_torch(torch: Any) -> None:
    import torch.nn.functional as F

    L = GROUPED
    (sizes,) = size_cases(L, [(2, 2, 2, 4, 2, 1, 1, 1, 1)])
    x, w, b, g = concrete_layer(L, sizes)
    numbers = {
        symbol: float(index + 1)
        for index, symbol in enumerate(
            sorted(
                set().union(*(sympy.Matrix(a).free_symbols for a in (x, g))) | set(b),
                key=str,
            )
        )
    }
    numbers.update({symbol: float(-index) for index, symbol in enumerate(Array(w).free_symbols)})
    xt = torch.tensor([[float(v.xreplace(numbers)) for v in row] for row in x.tolist()])
    wt = torch.tensor(
        [[[float(v.xreplace(numbers)) for v in taps] for taps in rows] for rows in w.tolist()]
    )
    bt = torch.tensor([float(v.xreplace(numbers)) for v in b])
    expected = F.conv1d(F.pad(xt.unsqueeze(0), (1, 1)), wt, bt, groups=2).squeeze(0)
    layer = L.output(L.o, L.i, L.true_group(L.o))
    for u, t in itertools.product(range(expected.shape[0]), range(expected.shape[1])):
        value = indexed_to_symbols(instantiate(layer, {**sizes, L.o: u, L.i: t}))
        assert float(value.xreplace(numbers)) == pytest.approx(float(expected[u, t]))


def test_the_grid_has_one_two_and_three_groups_and_asymmetric_padding() -> None:
    groups = {row[0] for row in GROUPED_SIZES}
    assert groups == {1, 2, 3}
    assert any(row[7] != row[8] for row in GROUPED_SIZES)


# --- timing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "theorem",
    [
        "symconv.general.channels:prove_channel_groups",
        "symconv.general.transposed:prove_transposed_length",
        "symconv.general.transposed:prove_transposed_is_input_gradient",
    ],
)
def test_each_theorem_in_a_fresh_process(theorem: str, record_property: Any) -> None:
    """Measured (wall and CPU seconds in a fresh interpreter, imports excluded) and
    recorded, not asserted: the machine's load decides the wall time."""
    module, name = theorem.split(":")
    code = (
        "import time, importlib\n"
        f"f = getattr(importlib.import_module({module!r}), {name!r})\n"
        "w, c = time.perf_counter(), time.process_time()\n"
        "proof = f()\n"
        "print(proof.holds, time.perf_counter() - w, time.process_time() - c)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600
    )
    holds, wall, cpu = result.stdout.split()
    record_property(f"{name} seconds", f"wall {float(wall):.2f}, cpu {float(cpu):.2f}")
    print(f"{name}: wall {float(wall):.2f} s, cpu {float(cpu):.2f} s")
    assert holds == "True"


# --- LaTeX -------------------------------------------------------------------------------------

#: Plain-text formulas that must not reach the LaTeX text: an escaped caret or comparison,
#: a derivative written dL/d..., a sum written sum_... outside mathematics.
ASCII_ESCAPES = re.compile(r"\\textasciicircum|\\textgreater|\\textless|dL/d|(?<!\\)sum_")


def test_latex_has_no_ascii_formulas(proofs: dict[str, GeneralProof]) -> None:
    for proof in proofs.values():
        tex = proof.to_latex()
        assert tex.startswith(r"\subsection*{")
        assert tex.count(r"\item \textbf{") == len(proof.steps)
        assert "the statement holds for every size" in tex
        assert ASCII_ESCAPES.search(tex) is None, ASCII_ESCAPES.search(tex)
        text = str(proof)
        assert text.splitlines()[0].endswith(": holds")


def test_the_ascii_check_would_see_an_escape() -> None:
    assert ASCII_ESCAPES.search(r"a \textasciicircum{} b") is not None
    assert ASCII_ESCAPES.search(r"the sum_i g_i") is not None
    assert ASCII_ESCAPES.search(r"$\sum_i g_i$") is None


def test_the_proofs_compile_without_overfull_lines(
    pdflatex: str, tmp_path: Path, proofs: dict[str, GeneralProof]
) -> None:
    failed = prove_transposed_is_input_gradient(position=lambda i, k: TRANSPOSED.tap(i, k) + 1)
    sections = [proof.to_latex() for proof in proofs.values()] + [failed.to_latex()]
    path = write_output(tmp_path / "channels_transposed.tex", document("All sizes", sections))
    pdf = compile_pdf(path)
    assert pdf.stat().st_size > 10_000
    log = path.with_suffix(".log").read_text(errors="replace")
    assert overfull_boxes(log) == [], overfull_boxes(log)
    for proof in proofs.values():
        assert ASCII_ESCAPES.search(proof.to_latex()) is None


@pytest.mark.parametrize(
    ("theorem", "argument", "message"),
    [
        (prove_channel_groups, {"group": "o % G"}, "group must be a function"),
        (prove_transposed_length, {"length": "m*s"}, "length must be a SymPy expression"),
        (prove_transposed_is_input_gradient, {"position": 3}, "position must be a function"),
    ],
)
def test_a_claim_of_the_wrong_kind_is_refused(
    theorem: Any, argument: dict[str, Any], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        theorem(**argument)


def test_a_matrix_of_symbols_is_named_as_the_proof_names_them() -> None:
    x, w, _, _ = concrete_layer(GROUPED, size_cases(GROUPED, [GROUPED_SIZES[1]])[0])
    assert x[1, 2] == indexed_to_symbols(GROUPED.x[1, 2])
    assert Matrix(x).shape == (2, 5)
    assert w[3, 0, 1] == indexed_to_symbols(GROUPED.w[3, 0, 1])
