"""No step holds by construction (issue 15, item 2).

A step whose two sides come from the same data cannot fail, whatever the layer's code
does: it is shown as an observation (kind "structure"), not as a compared claim. The
steps that stay compared claims fail under a planted error in the code one side comes
from.
"""

from __future__ import annotations

import dataclasses
from unittest import mock

import sympy
from sympy import Array

from symconv import prove_channels, prove_transposed, symbolic_vector
from symconv.layout import transposed as transposed_module
from symconv.layout.channels import channel_layer, flat
from symconv.layout.transposed import transposed_layer
from symconv.ops.banded import band_from_settings
from symconv.proofs.channels import block_steps
from symconv.proofs.transposed import transposed_steps


def test_block_weights_are_an_observation() -> None:
    # T and every block hold slices of w as given: the two lists are w itself twice.
    x = sympy.Matrix(2, 4, sympy.symbols("x0:8"))
    w = Array(sympy.symbols("w0:4"), (2, 1, 2))
    proof = prove_channels(x, w, groups=2)
    step = proof.step("block entries are the single-channel weights")
    assert step.kind == "structure"
    assert str(step.law).startswith("Observation:")
    assert step.holds and not step.lhs and not step.rhs


def test_block_claims_still_fail_on_a_wrong_band() -> None:
    # The observation is still decided, not asserted: a T given with two weights swapped
    # breaks it, and a T reading across groups breaks the tie claim it leans on.
    x = sympy.Matrix(4, 5, sympy.symbols("x0:20"))
    w = Array(sympy.symbols("w0:8"), (2, 2, 2))
    layer = channel_layer(
        x, w, bias=None, groups=2, dims=1, stride=1, padding=0, dilation=1, flip=False
    )
    t = band_from_settings(layer.w, flat(layer.layout))
    assert all(step.holds for step in block_steps(layer, t))
    swapped = t.with_weights([layer.w[1], layer.w[0], *layer.w[2:]])
    step = block_steps(layer, swapped)[2]
    assert step.kind == "structure" and not step.holds
    crossing = type(t)(t.shape, t.weights, {**t.ties, (0, 3 * 5): 0})
    assert not block_steps(layer, crossing)[1].holds


def layer_1d():  # type: ignore[no-untyped-def]
    y, w = symbolic_vector("y", 3), symbolic_vector("w", 3)
    return transposed_layer(
        y, w, dims=1, bias=None, groups=1, stride=2, padding=1, output_padding=1, dilation=1
    )


def test_length_from_the_resolved_axes_is_an_observation() -> None:
    # Without the request the output padding is read back from the resolved length, so
    # the scattered length is the resolved one by construction.
    step = transposed_steps(layer_1d())[0]
    assert step.name == "output length"
    assert step.kind == "structure"
    assert str(step.law).startswith("Observation:")
    assert step.holds and not step.lhs
    assert step.details["resolved"] == step.details["scattered"] == (6,)


def test_length_from_the_request_is_a_claim_that_fails_when_planted() -> None:
    y, w = symbolic_vector("y", 3), symbolic_vector("w", 3)
    step = prove_transposed(y, w, stride=2, padding=1).step("output length")
    assert step.kind == "entries" and step.holds
    original = transposed_module.transposed_axis

    def longer(*args, **kwargs):  # type: ignore[no-untyped-def]
        axis = original(*args, **kwargs)
        return dataclasses.replace(axis, input_length=axis.input_length + 1)

    with mock.patch.object(transposed_module, "transposed_axis", longer):
        wrong = prove_transposed(y, w, stride=2, padding=1).step("output length")
    assert wrong.kind == "entries"
    assert not wrong.holds
