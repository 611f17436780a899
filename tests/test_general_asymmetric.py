"""Two-sided padding in the theorems for all sizes (symconv.general): the taps read
``i*s + k*d - p_l``, the length counts ``m + p_l + p_r``, every theorem holds with
``p_l != p_r`` and refuses a tap that subtracts ``p_r``; the length theorem takes any
closed form equal by the floor and ceiling identities; a specialisation shows its
substitution.
"""

from __future__ import annotations

import itertools

import pytest
import sympy
from sympy import KroneckerDelta, Sum, ceiling, floor

from symconv import conv1d, conv1d_grads, conv2d, conv_settings, symbolic_matrix, symbolic_vector
from symconv.general import (
    GeneralProof,
    options,
    proof_symbols,
    prove_2d,
    prove_banded_product,
    prove_flip,
    prove_input_gradient,
    prove_output_length,
    prove_tied_gradient,
    size_grid,
)
from symconv.general.cases import specialise
from symconv.summation import indexed_to_symbols, instantiate

ONE = proof_symbols(1)
TWO = proof_symbols(2)
m, n, s, d = ONE.m[0], ONE.n[0], ONE.s[0], ONE.d[0]
p_l, p_r, p = ONE.p_l[0], ONE.p_r[0], ONE.p_both[0]
i, j, k, q, r = ONE.i[0], ONE.j[0], ONE.k[0], ONE.q[0], ONE.r[0]
ROOM = m + p_l + p_r - d * (n - 1) - 1

#: Layers (m, n, s, d, p_l, p_r) with the paddings unequal both ways, and zero on a side.
ASYMMETRIC = [
    (5, 2, 1, 1, 0, 1),
    (5, 3, 1, 1, 2, 0),
    (7, 3, 2, 1, 1, 2),
    (6, 2, 2, 2, 2, 1),
    (4, 3, 3, 1, 0, 2),
    (3, 2, 1, 2, 1, 0),
]


# --- the layer ------------------------------------------------------------------------------


def test_the_tap_subtracts_the_left_padding_and_the_length_counts_both() -> None:
    assert ONE.tap(ONE.i, ONE.k) == (i * s + k * d - p_l,)
    assert ONE.length(0) == floor(ROOM / s) + 1
    assert ONE.p == ONE.p_l  # the old name of the one padding is the left one
    assert ONE.length(0).subs(ONE.symmetric) == floor((m + 2 * p - d * (n - 1) - 1) / s) + 1


def test_the_size_grids_pad_unequally_both_ways_and_with_zeros() -> None:
    for layer in (ONE, TWO):
        pairs = {
            (sizes[layer.p_l[a]], sizes[layer.p_r[a]])
            for sizes in size_grid(layer)
            for a in layer.axes
        }
        assert any(left < right for left, right in pairs), pairs
        assert any(left > right for left, right in pairs), pairs
        assert any(0 in pair and pair != (0, 0) for pair in pairs), pairs


def test_the_concrete_options_carry_the_padding_pair() -> None:
    for sizes in size_grid(ONE):
        assert options(ONE, sizes)["padding"] == (sizes[p_l], sizes[p_r])
    first = size_grid(TWO)[0]
    assert options(TWO, first)["padding"] == ((0, 1), (1, 0))


# --- every theorem holds with two-sided padding and agrees with the concrete layer ----------


@pytest.fixture(scope="module")
def proofs() -> dict[str, GeneralProof]:
    return {
        "length": prove_output_length(),
        "banded": prove_banded_product(),
        "tied": prove_tied_gradient(),
        "input": prove_input_gradient(),
        "flip": prove_flip(),
    }


def test_every_theorem_holds_with_two_sided_padding(proofs: dict[str, GeneralProof]) -> None:
    for name, proof in proofs.items():
        assert proof.holds, f"{name}: {proof.first_failure}"


def at(sizes: tuple[int, ...], **indices: int) -> dict[sympy.Expr, int]:
    case = dict(zip((m, n, s, d, p_l, p_r), sizes, strict=True))
    case[ONE.L[0]] = int(ONE.length(0).subs(case))
    case.update({getattr(ONE, name)[0]: value for name, value in indices.items()})
    return case


@pytest.mark.parametrize("sizes", ASYMMETRIC)
def test_instantiated_statements_agree_with_conv1d_padded_by_a_pair(
    proofs: dict[str, GeneralProof], sizes: tuple[int, ...]
) -> None:
    mm, nn, ss, dd, left, right = sizes
    settings = {"stride": ss, "padding": (left, right), "dilation": dd}
    x, w = symbolic_vector("x", mm), symbolic_vector("w", nn)
    outputs = conv1d(x, w, **settings)
    assert at(sizes)[ONE.L[0]] == len(outputs) == conv_settings(nn, mm, **settings).output_length
    g = symbolic_vector("g", len(outputs))
    grad_x, grad_w = conv1d_grads(x, w, g, **settings)

    def value(claim: sympy.Expr, **index: int) -> sympy.Expr:
        return indexed_to_symbols(instantiate(claim, at(sizes, **index)))

    sliding = proofs["banded"].claims[0][1]
    convolution_, flipped = proofs["flip"].claims[0]
    for out in range(len(outputs)):
        assert value(sliding, i=out) == outputs[out]
        assert value(convolution_, i=out) == value(flipped, i=out)
        assert value(flipped, i=out) == conv1d(x, w, flip=True, **settings)[out]
    for tap in range(nn):
        assert value(proofs["tied"].claims[0][1], q=tap) == grad_w[tap]
    for position in range(mm):
        assert value(proofs["input"].claims[0][1], r=position) == grad_x[position]
        assert value(proofs["input"].claims[1][1], r=position) == grad_x[position]


def test_the_2d_statement_instantiates_to_conv2d_padded_by_pairs() -> None:
    sliding = prove_banded_product(2).claims[0][1]
    x, w = symbolic_matrix("x", 4, 3), symbolic_matrix("w", 2, 2)
    expected = conv2d(x, w, stride=(2, 1), padding=((2, 0), (0, 1)), dilation=(1, 2))
    values = dict(zip((*TWO.m, *TWO.n, *TWO.s, *TWO.d), (4, 3, 2, 2, 2, 1, 1, 2), strict=True))
    values.update(zip((*TWO.p_l, *TWO.p_r), (2, 0, 0, 1), strict=True))
    for u, v in itertools.product(range(expected.rows), range(expected.cols)):
        case = {**values, TWO.i[0]: u, TWO.i[1]: v}
        assert indexed_to_symbols(instantiate(sliding, case)) == expected[u, v]


# --- a tap that subtracts the right padding is refused ---------------------------------------


def right_tie(i_, j_, q_):  # noqa: ANN001, ANN202 - the claim's signature
    return KroneckerDelta(j_[0], i_[0] * s + q_[0] * d - p_r)


def test_a_tap_using_the_right_padding_is_refused_by_the_banded_product() -> None:
    proof = prove_banded_product(column=i * s + k * d - p_r)
    assert proof.holds is False
    assert proof.first_failure is not None and proof.first_failure.name == "sifting over j"
    # The spot check sees it too: the grid pads unequally.
    assert proof.step("agrees with the sliding dot product").holds is False


def test_a_tie_set_using_the_right_padding_is_refused() -> None:
    proof = prove_tied_gradient(tie=right_tie)
    assert proof.holds is False
    assert proof.step("the tie set of w_q").holds is False
    assert proof.step("agrees with the band's tie sets").holds is False


def test_an_input_gradient_using_the_right_padding_is_refused() -> None:
    entry = Sum(ONE.w[k] * KroneckerDelta(r, i * s + k * d - p_r), (k, 0, n - 1))
    proof = prove_input_gradient(gradient=Sum(entry * ONE.g[i], (i, 0, ONE.L[0] - 1)))
    assert proof.holds is False
    assert proof.step("the gradient is T^T g").holds is False
    assert proof.step("agrees with the input gradient").holds is False


def test_a_2d_tap_using_the_right_padding_on_one_axis_is_refused() -> None:
    c1, _ = TWO.tap(TWO.i, TWO.k)
    c2 = TWO.i[1] * TWO.s[1] + TWO.k[1] * TWO.d[1] - TWO.p_r[1]
    proof = prove_2d(column=(c1, c2))
    assert proof.holds is False
    part = "Sliding dot product = banded matrix product in 2-D: "
    assert not proof.step(part + "agrees with the sliding dot product").holds


def test_the_true_tap_holds_where_the_right_padding_one_fails() -> None:
    assert prove_banded_product(column=i * s + k * d - p_l).holds


# --- the output length: closed forms equal by floor and ceiling identities --------------------


@pytest.mark.parametrize(
    "form",
    [ceiling((ROOM + 1) / s), floor((ROOM + s) / s), floor(ROOM / s) + 1],
    ids=["ceiling((y+1)/s)", "floor((y+s)/s)", "floor(y/s)+1"],
)
def test_each_closed_form_of_the_length_is_proved(form: sympy.Expr) -> None:
    proof = prove_output_length(length=form)
    assert proof.holds, str(proof.first_failure)
    assert proof.claims[0][1] == form
    assert proof.step("the claimed closed form").details["instances"] >= 3


@pytest.mark.parametrize(
    "form",
    [
        ceiling(ROOM / s),  # one too few when s divides the room
        ceiling((ROOM + 1) / s) + 1,  # one too many
        floor((ROOM + s + 1) / s),  # one too many when s = 1
        floor((m + p_l + p_l - d * (n - 1) - 1) / s) + 1,  # p_l twice: right when symmetric
    ],
    ids=["ceiling(y/s)", "ceiling((y+1)/s)+1", "floor((y+s+1)/s)", "2 p_l"],
)
def test_a_length_off_by_one_is_refused_with_its_reason(form: sympy.Expr) -> None:
    proof = prove_output_length(length=form)
    assert proof.holds is False
    failure = proof.first_failure
    assert failure is not None and failure.name == "the claimed closed form"
    assert failure.mismatch is not None and failure.mismatch[0] == "symbolic"
    assert proof.step("agrees with conv_settings").holds is False


def test_a_length_in_the_symmetric_padding_is_refused_as_bad_input() -> None:
    with pytest.raises(ValueError, match=r"may use only \(m, n, s, d, p_l, p_r\), not \['p'\]"):
        prove_output_length(length=floor((m + 2 * p - d * (n - 1) - 1) / s) + 1)


def test_a_length_that_is_not_an_expression_is_refused() -> None:
    with pytest.raises(TypeError, match=r"length must be a SymPy expression.*got 3"):
        prove_output_length(length=3)  # type: ignore[arg-type]


def test_a_2d_ceiling_form_on_one_axis_is_proved() -> None:
    room_2 = TWO.room(1)
    proof = prove_output_length(2, length=(TWO.length(0), ceiling((room_2 + 1) / TWO.s[1])))
    assert proof.holds, str(proof.first_failure)


# --- a specialisation shows its substitution --------------------------------------------------


def test_every_specialisation_states_what_it_substitutes(
    proofs: dict[str, GeneralProof],
) -> None:
    seen = 0
    for proof in proofs.values():
        for step in proof.steps:
            if "substitution" not in step.details:
                assert str(step.law) != "substitute the sizes", step.name
                continue
            seen += 1
            substitution = step.details["substitution"]
            # The left side is the general expression, the rule's result its substitution.
            assert step.lhs[0].free_symbols & set(substitution), step.name
            difference = step.details["result"] - step.lhs[0].subs(substitution)
            assert sympy.simplify(difference) == 0, step.name
            assert str(step.law).startswith("substitute "), step.law
            for symbol, value in substitution.items():
                assert str(symbol) in str(step.law) and str(value) in str(step.law)
    assert seen >= 4  # symmetric padding, no padding, s = d = 1 (twice)


def test_the_specialisations_read_as_substitutions(proofs: dict[str, GeneralProof]) -> None:
    step = proofs["input"].step("s = d = 1, p_l = p_r = 0")
    assert str(step.law) == "substitute s = d = 1, p_l = p_r = 0, L = m - n + 1"
    assert step.details["substitution"] == {s: 1, d: 1, p_l: 0, p_r: 0, ONE.L[0]: m - n + 1}
    symmetric = proofs["length"].step("symmetric padding")
    assert str(symmetric.law) == "substitute p_l = p_r = p"
    assert symmetric.lhs[0] == floor(ROOM / s) + 1
    tex = proofs["input"].to_latex()
    assert r"substitute $s = d = 1$, $p_{l} = p_{r} = 0$, $L = m - n + 1$" in tex


def test_a_wrong_specialisation_fails() -> None:
    step = specialise("wrong", ONE.length(0), {p_l: 0, p_r: 0}, after=floor(m / s) + 1)
    assert step.holds is False


def test_a_specialisation_step_is_typeset_with_its_substitution() -> None:
    """The displayed line of a substitution step is true as written: its left side is
    shown evaluated at the substitution (``|_{...}`` or "at ..."), never bare."""
    from symconv.general import prove_flip, prove_input_gradient
    from symconv.render.general_latex import equation_rows, general_proof_latex

    for proof in (prove_flip(), prove_input_gradient()):
        tex = general_proof_latex(proof)
        steps = [step for step in proof.steps if "substitution" in step.details]
        assert steps, f"{proof.title}: no substitution step"
        assert tex.count(r"\Big|_{") + tex.count(r"\text{at }") >= len(steps)
    lhs, rhs = sympy.Symbol("s") + 1, sympy.Integer(2)
    assert r"\Big|_{\substack{s = 1}}" in equation_rows(lhs, rhs, at=("s = 1",))
    assert r"\Big|" not in equation_rows(lhs, rhs)
