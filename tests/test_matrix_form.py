from __future__ import annotations

import dataclasses

import pytest
import sympy
from sympy import Matrix

from symconv import band, conv_matrix, im2col, prove_matrix_form, symbolic_vector
from symconv.core import engine
from symconv.ops.banded import BandedMatrix, band_from_settings
from symconv.ops.datamatrix import rows_from_settings
from symconv.ops.sliding import settings_for, sliding_outputs
from symconv.proofs.matrix_form import DENSE_CHECK_LIMIT

GRID = [
    (m, n, s, p, d, f)
    for m in (4, 6)
    for n in (1, 2, 3)
    for s in (1, 2, 3)
    for p in (0, 1, (0, 2), "full")
    for d in (1, 2)
    for f in (False, True)
]


@pytest.mark.parametrize(("m", "n", "s", "p", "d", "flip"), GRID)
def test_matrix_form_holds(m, n, s, p, d, flip):
    x, w = symbolic_vector("x", m), symbolic_vector("w", n)
    try:
        proof = prove_matrix_form(x, w, stride=s, padding=p, dilation=d, flip=flip)
    except ValueError as error:
        assert "there is no output" in str(error)
        return
    assert proof.holds, str(proof)
    names = [step.name for step in proof.steps]
    assert names[:3] == ["banded product", "data-matrix product", "dense banded product"]
    assert "flip" in names
    if flip and s == 1 and d == 1 and p in (0, "full"):
        assert "true convolution" in names


def test_the_question_full_and_valid():
    full = prove_matrix_form([1, 2, 3, 4], [5, 6, 7], padding="full", flip=True)
    assert full.holds
    assert list(full.step("banded product").lhs) == [5, 16, 34, 52, 45, 28]
    assert full.step("true convolution").holds
    valid = prove_matrix_form([1, 2, 3, 4], [5, 6, 7])
    assert list(valid.step("data-matrix product").lhs) == [38, 56]


def test_expressions_as_entries_are_expanded():
    a, b, c = sympy.symbols("a b c")
    proof = prove_matrix_form([a + b, 2 * c, sympy.Rational(1, 3), a], [c, a - 1])
    assert proof.holds
    assert all(step.holds for step in proof.steps)


def test_a_wrong_matrix_fails_and_names_the_entry():
    x, w = symbolic_vector("x", 5), symbolic_vector("w", 3)
    wrong = conv_matrix(w, 5)
    wrong[2, 3], wrong[2, 4] = wrong[2, 4], wrong[2, 3]  # swap two weights in row 2
    proof = prove_matrix_form(x, w, matrix=wrong)
    assert not proof.holds
    step = proof.first_failure
    assert step is not None and step.name == "banded product"
    where, left, right = step.mismatch
    assert where == (2,)
    assert sympy.expand(left - right) != 0
    assert "first difference at (2,)" in str(proof)


def test_a_right_claimed_matrix_passes():
    x, w = symbolic_vector("x", 5), symbolic_vector("w", 2)
    assert prove_matrix_form(x, w, stride=2, matrix=conv_matrix(w, 5, stride=2)).holds
    assert prove_matrix_form(x, w, data_matrix=im2col(x, 2)).holds


def test_a_wrong_tie_map_fails():
    x, w = symbolic_vector("x", 4), symbolic_vector("w", 3)
    right = band(w, 4)
    ties = dict(right.ties)
    ties[(1, 2)] = 0  # row 1 reads w0 where w1 belongs
    proof = prove_matrix_form(x, w, matrix=BandedMatrix(right.shape, right.weights, ties))
    assert not proof.holds
    assert proof.first_failure.mismatch[0] == (1,)


def test_a_wrong_data_matrix_fails():
    x, w = symbolic_vector("x", 4), symbolic_vector("w", 3)
    wrong = im2col(x, 3)
    wrong[0, 0] = x[3]
    proof = prove_matrix_form(x, w, data_matrix=wrong)
    assert not proof.step("data-matrix product").holds
    assert proof.step("banded product").holds


def test_claimed_matrix_shape_and_type_errors():
    x, w = symbolic_vector("x", 4), symbolic_vector("w", 3)
    with pytest.raises(
        ValueError, match=r"the claimed T has shape \(2, 3\); this layer needs \(2, 4\)"
    ):
        prove_matrix_form(x, w, matrix=Matrix.zeros(2, 3))
    with pytest.raises(
        TypeError, match="the claimed X must be a sympy Matrix or a BandedMatrix, got list"
    ):
        prove_matrix_form(x, w, data_matrix=[[1]])


def test_big_layers_are_proved_on_the_band_only():
    x, w = symbolic_vector("x", 300), symbolic_vector("w", 20)
    assert 281 * 300 > DENSE_CHECK_LIMIT
    proof = prove_matrix_form(x, w)
    assert proof.holds
    assert "dense banded product" not in [s.name for s in proof.steps]
    assert proof.step("banded product").method == "identical"


def test_proof_is_truthy_and_renders():
    proof = prove_matrix_form(symbolic_vector("x", 4), symbolic_vector("w", 3))
    assert bool(proof) is True
    assert r"\begin{align*}" in proof.to_latex()
    with pytest.raises(KeyError, match="no step 'nope'"):
        proof.step("nope")


@pytest.mark.parametrize(
    ("m", "n", "s", "p", "d", "flip"),
    [
        (23, 3, 1, 0, 1, False),
        (23, 3, 2, "full", 1, True),
        (24, 4, 3, (1, 2), 2, False),
        (20, 2, 1, "same", 3, True),
    ],
)
def test_outputs_derived_in_row_blocks_equal_the_whole_derivations(
    monkeypatch, m, n, s, p, d, flip
):
    """T x, X w and the flipped sums are derived a block of rows at a time; blocks of two
    or three rows give exactly the lists of the whole derivations, row for row."""
    monkeypatch.setattr(engine, "TERMS_PER_BLOCK", 7)
    x, w = list(symbolic_vector("x", m)), list(symbolic_vector("w", n))
    proof = prove_matrix_form(x, w, stride=s, padding=p, dilation=d, flip=flip)
    assert proof.holds
    settings = settings_for(x, w, s, p, d, flip)
    z = sliding_outputs(x, w, settings)
    assert len(z) > 3 * (7 // n)  # several blocks and a part of one
    mirrored = sliding_outputs(x, w[::-1], dataclasses.replace(settings, flip=not flip))
    flip_step = proof.step("flip")
    assert list(flip_step.lhs if not flip else flip_step.rhs) == z
    assert list(flip_step.rhs if not flip else flip_step.lhs) == mirrored
    banded = proof.step("banded product")
    assert list(banded.lhs) == z
    assert list(banded.rhs) == band_from_settings(w, settings).matvec(x)
    assert list(proof.step("data-matrix product").rhs) == [
        sympy.Add(*[w_k * x_j for w_k, x_j in zip(w[::-1] if flip else w, row)])
        for row in rows_from_settings(x, settings)
    ]
