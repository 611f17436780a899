"""Proofs for every size (symconv.general): each theorem holds, fails on a wrong statement,
agrees with the concrete machinery and the concrete proofs over a grid of sizes, and
renders to LaTeX that pdflatex compiles without an overfull line.

The rewriting rules the proofs use are tested on their own in tests/test_summation.py.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import sympy
from sympy import KroneckerDelta, Sum, floor

from symconv import (
    conv1d,
    conv1d_grads,
    conv2d,
    conv_settings,
    prove_matrix_form,
    prove_tied_gradients,
    symbolic_matrix,
    symbolic_vector,
)
from symconv.core.files import write_output
from symconv.general import (
    GeneralProof,
    Rule,
    all_proofs,
    breakable,
    derive,
    equation_rows,
    general_proof_latex,
    latex_lines,
    proof_symbols,
    prove_2d,
    prove_banded_product,
    prove_flip,
    prove_input_gradient,
    prove_output_length,
    prove_tied_gradient,
    two_sided_length,
)
from symconv.render.latex import proof_latex
from symconv.report import compile_pdf, document, overfull_boxes
from symconv.summation import Iverson, indexed_to_symbols, instantiate

ONE = proof_symbols(1)
TWO = proof_symbols(2)
m, n, s, d, p = ONE.m[0], ONE.n[0], ONE.s[0], ONE.d[0], ONE.p_both[0]
i, j, k, q, r = ONE.i[0], ONE.j[0], ONE.k[0], ONE.q[0], ONE.r[0]
p_l, p_r = ONE.p_l[0], ONE.p_r[0]  # the paddings before and after; p is p_l = p_r


@pytest.fixture(scope="module")
def proofs_1d() -> dict[str, GeneralProof]:
    return {
        "length": prove_output_length(),
        "banded": prove_banded_product(),
        "tied": prove_tied_gradient(),
        "input": prove_input_gradient(),
        "flip": prove_flip(),
    }


@pytest.fixture(scope="module")
def proof_2d() -> GeneralProof:
    return prove_2d()


# --- the theorems hold ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["length", "banded", "tied", "input", "flip"])
def test_every_step_of_every_1d_theorem_holds(
    proofs_1d: dict[str, GeneralProof], name: str
) -> None:
    proof = proofs_1d[name]
    assert proof.holds, str(proof)
    assert all(step.holds for step in proof.steps)
    assert proof.first_failure is None


@pytest.mark.parametrize("name", ["length", "banded", "tied", "input", "flip"])
def test_rewriting_steps_are_checked_twice(proofs_1d: dict[str, GeneralProof], name: str) -> None:
    """Each rewriting step reproduces its right side by a rule, and (except pure
    definitions and substitutions of symbols) agrees at concrete instances too."""
    rewritings = [st for st in proofs_1d[name].steps if "rule" in st.details]
    assert len(rewritings) >= 4
    for step in rewritings:
        assert step.details["rule"] and step.details["result"] is not None
        if step.name not in UNINSTANTIATED:
            assert step.details["instances"] >= 3, step.describe()


@pytest.mark.parametrize("name", ["length", "banded", "tied", "input", "flip"])
def test_every_theorem_ends_with_concrete_comparisons(
    proofs_1d: dict[str, GeneralProof], name: str
) -> None:
    concrete = [st for st in proofs_1d[name].steps if st.name.startswith("agrees with")]
    assert concrete and all(len(st.lhs) >= 3 for st in concrete)


#: Steps that are a definition or a substitution of symbols: nothing to instantiate.
UNINSTANTIATED = ("definition of T", "symmetric padding")


def test_no_check_is_vacuous(proofs_1d: dict[str, GeneralProof], proof_2d: GeneralProof) -> None:
    """Every rewriting step (but a definition) was evaluated at instances, and every
    comparison with the concrete machinery compared entries, in 1-D and in 2-D."""
    steps = [step for proof in proofs_1d.values() for step in proof.steps] + proof_2d.steps
    for step in steps:
        name = step.name.split(": ")[-1]
        if "rule" in step.details and not name.startswith(UNINSTANTIATED):
            assert step.details["instances"] > 0, step.name
        if name.startswith("agrees with"):
            assert len(step.lhs) > 0, step.name


def test_the_2d_theorems_hold_and_keep_their_parts(proof_2d: GeneralProof) -> None:
    assert proof_2d.holds, str(proof_2d.first_failure)
    titles = [part.title for part in proof_2d.parts]
    assert titles == [
        "Output length in 2-D",
        "Sliding dot product = banded matrix product in 2-D",
        "Tied-weight gradient summation in 2-D",
        "Input gradient = transposed matrix in 2-D",
        "Convolution = cross-correlation with the reversed kernel in 2-D",
    ]
    assert len(proof_2d.steps) == sum(len(part.steps) for part in proof_2d.parts)
    assert any("band2d" in step.law for step in proof_2d.steps)


def test_the_output_length_is_the_issue_formula() -> None:
    proof = prove_output_length()
    assert proof.step("symmetric padding").rhs[0] == floor((m + 2 * p - d * (n - 1) - 1) / s) + 1
    assert proof.claims[0][1] == two_sided_length(ONE)


def test_the_banded_product_claims_the_sliding_sum_over_in_range_taps() -> None:
    claim = prove_banded_product().claims[0][1]
    c = i * s + k * d - p_l
    assert claim == Sum(ONE.w[k] * ONE.x[c] * Iverson((c >= 0) & (c <= m - 1)), (k, 0, n - 1))


# --- wrong statements fail ------------------------------------------------------------------


@pytest.mark.parametrize(
    "length, failing",
    [
        (floor((m + p_l + p_r - d * (n - 1)) / s) + 1, "the claimed closed form"),  # no "- 1"
        (floor((m + p_l + p_r - d * n) / s) + 1, "the claimed closed form"),  # d*n, not d*(n-1)
        (floor((m + p_l + p_r - d * (n - 1) - 1) / s), "the claimed closed form"),  # no "+ 1"
        ((m + p_l + p_r - d * (n - 1) - 1) / s + 1, "the claimed closed form"),  # no floor
    ],
)
def test_a_wrong_length_bound_fails(length: sympy.Expr, failing: str) -> None:
    proof = prove_output_length(length=length)
    assert proof.holds is False
    assert proof.first_failure is not None and proof.first_failure.name == failing
    assert proof.step("agrees with conv_settings").holds is False


def test_an_undercount_fails_where_the_next_output_still_fits() -> None:
    short = floor((m + p_l + p_r - d * (n - 1) - 1) / s)  # one output too few
    proof = prove_output_length(length=short)
    assert proof.step("the last output fits").holds is True
    assert proof.step("the next output does not").holds is False


def test_an_overcount_fails_where_the_last_output_does_not_fit() -> None:
    proof = prove_output_length(length=floor((m + p_l + p_r - d * (n - 1) - 1) / s) + 2)
    assert proof.step("the last output fits").holds is False


def test_a_wrong_index_shift_fails_symbolically_and_concretely() -> None:
    proof = prove_banded_product(column=i * s + k * d - p_l + 1)
    assert proof.holds is False
    assert proof.first_failure is not None and proof.first_failure.name == "sifting over j"
    assert proof.first_failure.mismatch is not None
    assert proof.first_failure.mismatch[0] == "symbolic"
    assert proof.step("agrees with the sliding dot product").holds is False


def test_forgetting_the_dilation_fails() -> None:
    assert prove_banded_product(column=i * s + k - p_l).holds is False


def test_a_missing_tie_fails() -> None:
    def missing_first_row(i_, j_, q_):  # drops the tie of output 0
        return KroneckerDelta(j_[0], i_[0] * s + q_[0] * d - p_l) * (1 - KroneckerDelta(i_[0], 0))

    proof = prove_tied_gradient(tie=missing_first_row)
    assert proof.holds is False
    assert proof.first_failure is not None and proof.first_failure.name == "the tie set of w_q"
    assert proof.step("the chain rule sums over the tie set").holds is False
    assert proof.step("agrees with the band's tie sets").holds is False
    assert proof.step("the gradient correlates x with g").holds is True  # the true part


def test_a_shifted_tie_set_fails() -> None:
    proof = prove_tied_gradient(tie=lambda i_, j_, q_: KroneckerDelta(j_[0], i_[0] * s + q_[0] * d))
    assert proof.holds is False
    assert proof.step("the tie set of w_q").holds is False


def test_the_untransposed_matrix_is_not_the_input_gradient() -> None:
    untransposed = Sum(ONE.entry((r,), (i,)) * ONE.g[i], (i, 0, ONE.L[0] - 1))
    proof = prove_input_gradient(gradient=untransposed)
    assert proof.holds is False
    assert proof.step("the gradient is T^T g").holds is False
    assert proof.step("agrees with the input gradient").holds is False


@pytest.mark.parametrize("wrong", [k, n - k, n - 2 - k])
def test_a_kernel_that_is_not_reversed_exactly_fails(wrong: sympy.Expr) -> None:
    proof = prove_flip(reversed_index=wrong)
    assert proof.holds is False
    assert proof.step("reverse the kernel index").holds is False
    assert proof.step("agrees with the flipped convolution").holds is False


def test_a_wrong_2d_statement_fails_on_its_axis() -> None:
    c1, c2 = TWO.tap(TWO.i, TWO.k)
    proof = prove_2d(column=(c1, c2 + 1))
    assert proof.holds is False
    failing = {step.name for step in proof.steps if not step.holds}
    part = "Sliding dot product = banded matrix product in 2-D: "
    assert failing == {
        part + "sifting over j",
        part + "valid padding: every tap is in range",
        part + "agrees with the sliding dot product",
    }


def test_a_wrong_2d_length_fails() -> None:
    right = two_sided_length(TWO, 0)
    proof = prove_output_length(2, length=(right, two_sided_length(TWO, 1) + 1))
    assert proof.holds is False
    assert proof.step("the claimed closed form (axis 1)").holds
    assert not proof.step("the claimed closed form (axis 2)").holds


def test_a_step_whose_rule_cheats_is_caught_at_the_instances() -> None:
    """The rule here returns the claim whatever it is given: only the instantiation
    notices that x_{k+1} is not x_k."""
    claimed = Sum(ONE.w[k] * ONE.x[k + 1], (k, 0, n - 1))
    before = Sum(ONE.w[k] * ONE.x[k], (k, 0, n - 1))
    step = derive(
        "cheat", before, claimed, Rule("cheat", lambda e: claimed), "definition", [{n: 2}, {n: 3}]
    )
    assert step.holds is False
    assert step.mismatch is not None and step.mismatch[0] == "n=2"


def test_a_step_whose_rule_lands_elsewhere_fails_symbolically() -> None:
    before = Sum(ONE.w[k] * ONE.x[k], (k, 0, n - 1))
    step = derive("identity", before, before + 1, Rule("nothing", lambda e: e), "definition")
    assert step.holds is False and step.mismatch is not None and step.mismatch[0] == "symbolic"


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dims", [0, 3, True, "2"])
def test_only_one_or_two_axes(dims: object) -> None:
    with pytest.raises(ValueError, match=r"dims must be 1 or 2 \(axes of the convolution\), got"):
        proof_symbols(dims)  # type: ignore[arg-type]


def test_one_column_per_axis() -> None:
    with pytest.raises(ValueError, match=r"need one index expression per axis \(1\), got 2"):
        prove_banded_product(column=(i, k))


def test_prove_2d_names_the_claims_it_takes() -> None:
    with pytest.raises(TypeError, match=r"unknown claims \['shift'\]; it takes \['column'"):
        prove_2d(shift=1)


# --- instantiation agrees with the concrete machinery and the concrete proofs ---------------

GRID = [
    (4, 1, 1, 1, 0),
    (5, 2, 1, 1, 0),
    (6, 3, 1, 1, 1),
    (7, 2, 2, 1, 0),
    (7, 3, 2, 2, 1),
    (8, 2, 3, 2, 2),
    (5, 3, 3, 1, 2),
    (3, 2, 1, 2, 1),
]


def at(values: tuple[int, int, int, int, int], **indices: int) -> dict[sympy.Expr, int]:
    mm, nn, ss, dd, pp = values
    case = {m: mm, n: nn, s: ss, d: dd, p_l: pp, p_r: pp}
    case[ONE.L[0]] = int(ONE.length(0).subs(case))
    case.update({getattr(ONE, name)[0]: value for name, value in indices.items()})
    return case


@pytest.mark.parametrize("sizes", GRID)
def test_instantiated_statements_agree_with_the_concrete_layer(
    proofs_1d: dict[str, GeneralProof], sizes: tuple[int, int, int, int, int]
) -> None:
    mm, nn, ss, dd, pp = sizes
    x, w = symbolic_vector("x", mm), symbolic_vector("w", nn)
    options = {"stride": ss, "padding": pp, "dilation": dd}
    outputs = conv1d(x, w, **options)
    L = conv_settings(nn, mm, **options).output_length
    assert at(sizes)[ONE.L[0]] == L
    g = symbolic_vector("g", L)
    grad_x, grad_w = conv1d_grads(x, w, g, **options)
    matrix_form = prove_matrix_form(x, w, **options)
    tied = prove_tied_gradients(x, w, g, **options)
    assert matrix_form.holds and tied.holds

    sliding = proofs_1d["banded"].claims[0][1]
    weight_gradient = proofs_1d["tied"].claims[0][1]
    input_gradient, strided = proofs_1d["input"].claims[0][1], proofs_1d["input"].claims[1][1]
    convolution_, flipped = proofs_1d["flip"].claims[0]
    for out in range(L):
        value = indexed_to_symbols(instantiate(sliding, at(sizes, i=out)))
        assert value == outputs[out] == matrix_form.step("banded product").lhs[out]
        conv = indexed_to_symbols(instantiate(convolution_, at(sizes, i=out)))
        assert conv == indexed_to_symbols(instantiate(flipped, at(sizes, i=out)))
        assert conv == conv1d(x, w, flip=True, **options)[out]
    for tap in range(nn):
        value = indexed_to_symbols(instantiate(weight_gradient, at(sizes, q=tap)))
        assert value == grad_w[tap] == tied.step("weight gradient is X^T g").lhs[tap]
    for position in range(mm):
        value = indexed_to_symbols(instantiate(input_gradient, at(sizes, r=position)))
        assert value == grad_x[position] == tied.step("input gradient is T^T g").lhs[position]
        assert indexed_to_symbols(instantiate(strided, at(sizes, r=position))) == value


@pytest.mark.parametrize("sizes", GRID)
def test_the_length_formula_counts_the_windows(sizes: tuple[int, int, int, int, int]) -> None:
    mm, nn, ss, dd, pp = sizes
    for left, right in itertools.product(range(pp + 1), repeat=2):
        if mm + left + right < dd * (nn - 1) + 1:
            continue
        case = {m: mm, n: nn, s: ss, d: dd, p_l: left, p_r: right}
        windows = sum(
            1
            for start in range(mm + left + right)
            if start * ss + (nn - 1) * dd - left <= mm - 1 + right
        )
        formula = two_sided_length(ONE).subs(case)
        settings = conv_settings(nn, mm, stride=ss, padding=(left, right), dilation=dd)
        assert formula == windows == settings.output_length


def test_the_2d_statement_instantiates_to_conv2d(proof_2d: GeneralProof) -> None:
    sliding = proof_2d.parts[1].claims[0][1]
    x, w = symbolic_matrix("x", 4, 3), symbolic_matrix("w", 2, 2)
    expected = conv2d(x, w, stride=(2, 1), padding=(1, 0), dilation=(1, 2))
    values = dict(zip(TWO.m, (4, 3), strict=True))
    values.update(zip(TWO.n, (2, 2), strict=True))
    values.update(zip(TWO.s, (2, 1), strict=True))
    values.update(zip(TWO.p_l, (1, 0), strict=True))
    values.update(zip(TWO.p_r, (1, 0), strict=True))
    values.update(zip(TWO.d, (1, 2), strict=True))
    for u, v in itertools.product(range(expected.rows), range(expected.cols)):
        case = {**values, TWO.i[0]: u, TWO.i[1]: v}
        assert indexed_to_symbols(instantiate(sliding, case)) == expected[u, v]


# --- LaTeX ------------------------------------------------------------------------------------


def test_latex_has_statement_assumptions_and_numbered_steps(
    proofs_1d: dict[str, GeneralProof],
) -> None:
    for proof in proofs_1d.values():
        tex = proof.to_latex()
        assert tex.startswith(r"\subsection*{")
        assert r"\textbf{Statement.}" in tex and r"\textbf{Assumptions.}" in tex
        assert tex.count(r"\item \textbf{") == len(proof.steps)
        assert r"\begin{enumerate}" in tex and tex.count(r"\begin{align*}") >= len(proof.claims)
        assert "the statement holds for every size" in tex
        for step in proof.steps:
            assert step.details.get("law_latex", "") in tex


def test_a_failed_proof_says_where_in_latex() -> None:
    tex = prove_flip(reversed_index=k).to_latex()
    assert r"\textbf{fails}" in tex and "First difference (symbolic)" in tex and r"\neq" in tex
    assert "the statement fails for every size" in tex


def test_the_generic_proof_renderer_also_works(proofs_1d: dict[str, GeneralProof]) -> None:
    tex = proof_latex(proofs_1d["banded"])
    assert "sifting over j" in tex


def test_equation_rows_break_long_sides() -> None:
    x, w = sympy.IndexedBase("x"), sympy.IndexedBase("w")
    short = equation_rows(w[k], x[k])
    assert short == "\\begin{align*}\n{w}_{k} &= {x}_{k}\n\\end{align*}"
    inner = Sum(w[k] * x[j + k] * w[i + k] * x[i + j + k], (k, 0, n - 1))
    lines = latex_lines(Sum(x[j] * w[j] * inner, (j, 0, m - 1)), budget=12)
    assert lines == [
        r"\sum_{j=0}^{m - 1} {w}_{j} {x}_{j}",
        r"\sum_{k=0}^{n - 1} {w}_{i + k} {w}_{k} {x}_{i + j + k} {x}_{j + k}",
    ]


def test_breakable_lets_code_names_wrap() -> None:
    assert breakable("symconv.conv1d") == r"symconv.\allowbreak{}conv1d"
    assert breakable("a_b") == r"a\_\allowbreak{}b"


def test_all_proofs_compile_without_overfull_lines(pdflatex: str, tmp_path: Path) -> None:
    proofs = all_proofs()
    # Theorems 1-5, the 2-D identities, the convolution theorem, the four of
    # equivariance and its companions, grouped channels and the two of the transposed
    # convolution.
    assert len(proofs) == 14 and all(proof.holds for proof in proofs)
    sections = [general_proof_latex(proof, heading="section*") for proof in proofs]
    path = write_output(tmp_path / "general.tex", document("For all sizes", sections))
    pdf = compile_pdf(path)
    assert pdf.stat().st_size > 10_000
    log = path.with_suffix(".log").read_text(errors="replace")
    assert overfull_boxes(log) == [], overfull_boxes(log)


def test_a_failed_proof_compiles_too(pdflatex: str, tmp_path: Path) -> None:
    proof = prove_banded_product(column=i * s + k * d - p_l + 1)
    path = write_output(tmp_path / "failed.tex", document("Failed", [proof.to_latex()]))
    compile_pdf(path)
    log = path.with_suffix(".log").read_text(errors="replace")
    assert overfull_boxes(log) == [], overfull_boxes(log)


def test_matrix_symbols_used_by_the_2d_checks_match_conv2d() -> None:
    # indexed_to_symbols names x[1, 2] as symconv.symbolic_matrix names its entries.
    assert indexed_to_symbols(sympy.IndexedBase("x")[1, 2]) == symbolic_matrix("x", 2, 3)[1, 2]
    assert indexed_to_symbols(sympy.IndexedBase("x")[2]) == symbolic_vector("x", 3)[2]
