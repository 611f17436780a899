"""Planted errors: each proof must fail, naming the entry, when the machinery is wrong.

Every plant is applied with ``unittest.mock.patch`` where the ops read it (the index rule,
lengths, padding words, groups, the transposed length, the engine's dot product); each
test first asserts that the proof holds without the plant, so it cannot pass by failing
always. The proofs catch them through their literal reference
(:mod:`symconv.proofs.references`), which restates the layer without the layout code.
"""

from __future__ import annotations

import dataclasses
from unittest import mock

import pytest
import sympy
from sympy import Array, Matrix

from symconv import (
    prove_channel_gradients,
    prove_channels,
    prove_matrix_form,
    prove_matrix_form2d,
    prove_tied_gradients,
    prove_transposed,
    symbolic_matrix,
    symbolic_vector,
)
from symconv.layout import axis as axis_module
from symconv.layout import transposed as transposed_module
from symconv.layout.axis import ConvSettings
from symconv.layout.channels import ChannelLayout

X, W, G = symbolic_vector("x", 7), symbolic_vector("w", 3), symbolic_vector("g", 5)


def failure(proof):
    """The first failing step and the entry it names."""
    assert not proof.holds
    step = proof.first_failure
    assert step.mismatch is not None
    return step, step.mismatch[0]


def one_too_far(original):
    def input_index(self, i: int, k: int) -> int:
        return original(self, i, k) + 1

    return input_index


@pytest.mark.parametrize("padding", [0, 1, "full"])
def test_input_index_one_too_far_1d(padding) -> None:
    assert prove_matrix_form(X, W, padding=padding).holds
    g = symbolic_vector("g", len(prove_matrix_form(X, W, padding=padding).steps[0].lhs))
    assert prove_tied_gradients(X, W, g, padding=padding).holds
    with mock.patch.object(ConvSettings, "input_index", one_too_far(ConvSettings.input_index)):
        step, where = failure(prove_matrix_form(X, W, padding=padding))
        assert step.name == "agrees with the definition"
        assert where == (0,)


def test_input_index_one_too_far_2d() -> None:
    x, k = symbolic_matrix("x", 4, 4), symbolic_matrix("k", 2, 2)
    assert prove_matrix_form2d(x, k).holds
    with mock.patch.object(ConvSettings, "input_index", one_too_far(ConvSettings.input_index)):
        step, where = failure(prove_matrix_form2d(x, k))
        assert step.name == "agrees with the definition"
        assert where == (0, 0)


@pytest.mark.parametrize("change", [1, -1])
def test_output_length_off_by_one(change: int) -> None:
    original = ConvSettings.output_length

    def wrong(self) -> int:
        return original.fget(self) + change  # type: ignore[attr-defined]

    assert prove_matrix_form(X, W, stride=2).holds
    with mock.patch.object(ConvSettings, "output_length", property(wrong)):
        step, where = failure(prove_matrix_form(X, W, stride=2))
        assert step.name == "agrees with the definition"
        assert str(where).startswith("length")


def test_same_padding_on_the_wrong_side() -> None:
    w4 = symbolic_vector("w", 4)
    assert prove_matrix_form(X, w4, padding="same").holds
    same = axis_module.PADDING_RULES["same"]
    swapped = lambda k, d, length, s: tuple(reversed(same(k, d, length, s)))  # noqa: E731
    with mock.patch.dict(axis_module.PADDING_RULES, {"same": swapped}):
        step, where = failure(prove_matrix_form(X, w4, padding="same"))
        assert step.name == "agrees with the definition"
        assert where == (0,)
        _, _, expected = step.mismatch
        assert expected == w4[1] * X[0] + w4[2] * X[1] + w4[3] * X[2]


def test_full_padding_one_zero_short() -> None:
    assert prove_matrix_form(X, W, padding="full", flip=True).holds
    short = lambda k, d, length, s: (d * (k - 1) - 1, d * (k - 1))  # noqa: E731
    with mock.patch.dict(axis_module.PADDING_RULES, {"full": short}):
        step, where = failure(prove_matrix_form(X, W, padding="full", flip=True))
        assert step.name == "agrees with the definition"
        assert str(where).startswith("length") or where == (0,)


def grouped_layer():
    x = Matrix(4, 3, sympy.symbols("x0:12"))
    w = Array(sympy.symbols("w0:16"), (4, 2, 2))
    g = Matrix(4, 2, sympy.symbols("g0:8"))
    return x, w, g


def test_group_of_wrong() -> None:
    x, w, g = grouped_layer()
    assert prove_channels(x, w, groups=2).holds
    assert prove_channel_gradients(x, w, g, groups=2).holds
    with mock.patch.object(ChannelLayout, "group_of", lambda self, o: o % self.groups):
        step, where = failure(prove_channels(x, w, groups=2))
        assert step.name == "agrees with the definition"
        assert where == (1, 0)  # output channel 1 belongs to group 0, not 1
        step, where = failure(prove_channel_gradients(x, w, g, groups=2))
        assert "agrees with the definition" in step.name
        assert where is not None


def test_transposed_length_one_too_long() -> None:
    y, w = symbolic_vector("y", 3), symbolic_vector("w", 3)
    assert prove_transposed(y, w, stride=2, padding=1).holds
    original = transposed_module.transposed_axis

    def longer(*args, **kwargs):
        axis = original(*args, **kwargs)
        return dataclasses.replace(axis, input_length=axis.input_length + 1)

    with mock.patch.object(transposed_module, "transposed_axis", longer):
        step, where = failure(prove_transposed(y, w, stride=2, padding=1))
        assert step.name == "output length"
        assert where == "output shape"
        assert step.details["scattered"] == step.details["formula"] == (5,)


def test_dot_dropping_a_term_at_m_5000() -> None:
    from symconv.core import engine
    from symconv.ops import banded, datamatrix, sliding
    from symconv.proofs import matrix_form

    x, w = symbolic_vector("x", 5000), symbolic_vector("w", 3)
    victim = x[4321]
    assert prove_matrix_form(x, w).holds

    def dropping_one(pairs):
        pairs = list(pairs)
        kept = [p for p in pairs if p[0] is not victim and p[1] is not victim]
        if len(kept) < len(pairs):  # drop the victim's term once per output that reads it
            return engine.dot(kept)
        return engine.dot(pairs)

    modules = (sliding, banded, datamatrix, matrix_form)
    patches = [mock.patch.object(m, "dot", dropping_one) for m in modules]
    for p in patches:
        p.start()
    try:
        proof = prove_matrix_form(x, w)
    finally:
        for p in patches:
            p.stop()
    step, where = failure(proof)
    assert step.name == "agrees with the definition"
    assert where == (4319,)  # the first output that reads x4321: windows 4319..4321


def test_reflect_that_repeats_the_edge() -> None:
    from symconv.layout import padding as padding_module

    assert prove_matrix_form(X, W, padding=2, padding_mode="reflect").holds
    symmetric = lambda j, n: -j - 1 if j < 0 else 2 * n - 1 - j  # noqa: E731  (repeats x0)
    with mock.patch.dict(padding_module.PADDING_MODES, {"reflect": symmetric}):
        step, where = failure(prove_matrix_form(X, W, padding=2, padding_mode="reflect"))
        assert step.name == "agrees with the definition"
        assert where == (0,)
        _, _, expected = step.mismatch
        assert expected == W[0] * X[2] + W[1] * X[1] + W[2] * X[0]
