"""The 1-D pipeline reads like its stages (issue 14 item 5): the layer is resolved once,
each stage takes it and returns its values with its proof, and the provers take the
resolved settings instead of resolving them again."""

from __future__ import annotations

import pytest
from sympy import Matrix, zeros

import symconv.derivation as derivation
from symconv import derive, prove_matrix_form, prove_tied_gradients, symbolic_vector
from symconv.derivation import Layer, backward_stage, forward_stage, resolve
from symconv.layout.axis import conv_settings
from symconv.ops.gradients import activation_function, layer_gradients
from symconv.proofs.matrix_form import MatrixForm, matrix_form
from symconv.proofs.tied import TiedGradients, tied_gradients

LAYERS = [
    {},
    {"stride": 2, "padding": "same_upper"},
    {"padding": "full", "flip": True},
    {"dilation": 2, "padding": 1},
    {"padding": 1, "padding_mode": "reflect"},
]


def test_the_layer_is_resolved_once_with_the_request_kept():
    layer = resolve([1, 2, 3, 4], [5, 6, 7], padding="same", flip=True)
    assert isinstance(layer, Layer)
    assert layer.settings == conv_settings(3, 4, padding="same", flip=True)
    assert layer.request["padding"] == "same" and layer.resolved["padding"] == (1, 1)
    with pytest.raises(TypeError):
        layer.request["padding"] = 0  # type: ignore[index]
    with pytest.raises(ValueError, match="stride"):
        resolve([1, 2, 3], [1, 1], stride=0)


def test_derive_resolves_the_settings_once(monkeypatch):
    calls = []
    real = derivation.settings_for

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(derivation, "settings_for", counted)
    import symconv.ops.gradients as gradients
    import symconv.proofs.matrix_form as mf
    import symconv.proofs.tied as tied

    def refused(*args, **kwargs):
        raise AssertionError("a stage resolved the settings again")

    for module in (mf, tied, gradients):
        monkeypatch.setattr(module, "settings_for", refused)
    d = derive(symbolic_vector("x", 6), symbolic_vector("w", 3), grad=True, padding=1)
    assert d.holds and len(calls) == 1
    d = derive([1, 2, 3, 4, 5], [1, 0, 1], grad=True, activation="relu", upstream=[1, 1, 1])
    assert d.holds and len(calls) == 2


@pytest.mark.parametrize("opts", LAYERS)
def test_the_stages_give_what_derive_keeps(opts):
    x, w = symbolic_vector("x", 7), symbolic_vector("w", 3)
    layer = resolve(x, w, **opts)
    forward = forward_stage(layer)
    assert isinstance(forward, MatrixForm) and forward.proof.holds
    d = derive(x, w, grad=True, **opts)
    assert Matrix(forward.outputs) == d.outputs and forward.band == d.band
    assert str(forward.proof) == str(d.proofs[0])
    backward = backward_stage(layer, None, None)
    assert backward.proof.holds and backward.deltas is None
    assert (Matrix(list(backward.grad_w)) - d.grad_w).expand() == zeros(3, 1)
    assert (Matrix(list(backward.grad_x)) - d.grad_x).expand() == zeros(7, 1)
    assert str(backward.proof) == str(d.proofs[1])


def test_the_stage_values_are_the_proved_ones_and_a_wrong_claim_still_fails():
    x, w, g = symbolic_vector("x", 6), symbolic_vector("w", 3), symbolic_vector("g", 4)
    settings = conv_settings(3, 6)
    stage = tied_gradients(x, w, g, settings, {})
    assert isinstance(stage, TiedGradients) and stage.proof.holds
    assert tuple(stage.grad_w) == stage.proof.steps[0].lhs
    assert tuple(stage.grad_x) == stage.proof.steps[1].lhs
    forward = matrix_form(x, w, settings, {})
    assert tuple(forward.outputs) == forward.proof.steps[0].lhs
    assert forward.proof.steps[0].details["band"] is forward.band
    wrong = Matrix([[w[0], w[1], w[2], 0, 0, 0]] * 4)
    assert not matrix_form(x, w, settings, {}, matrix=wrong).proof.holds


def test_provers_take_resolved_settings_and_agree_with_resolving():
    x, w, g = symbolic_vector("x", 8), symbolic_vector("w", 3), symbolic_vector("g", 4)
    opts = {"stride": 2, "padding": "same_upper"}
    settings = conv_settings(3, 8, **opts)
    given = prove_matrix_form(x, w, settings=settings, **opts)
    assert str(given) == str(prove_matrix_form(x, w, **opts)) and given.holds
    tied = prove_tied_gradients(x, w, g, settings=settings, **opts)
    assert str(tied) == str(prove_tied_gradients(x, w, g, **opts)) and tied.holds
    chain = layer_gradients(x, w, activation="relu", settings=settings, **opts)
    assert chain.grad_w == layer_gradients(x, w, activation="relu", **opts).grad_w


def test_backward_stage_after_an_activation_keeps_the_deltas():
    layer = resolve([1, 2, 3, 4], [5, 6, 7])
    backward = backward_stage(layer, activation_function("relu"), [1, 1])
    assert backward.deltas == Matrix([1, 1]) and backward.grad_w == Matrix([3, 5, 7])
    assert backward.proof.holds


def test_derivation_text_reads_tie_sets_from_the_band_not_a_step():
    d = derive(symbolic_vector("x", 4), symbolic_vector("w", 3), grad=True)
    renamed = [*d.proofs[:-1], derivation.Proof("other", "s", [])]
    d.proofs = renamed  # no step of that name is left to look up
    assert "    w0: (0,0), (1,1)" in d.to_text()


def test_the_chain_rule_stage_takes_a_padding_mode() -> None:
    """With reflect padding, x_1 is read by the padding too: its gradient collects the
    delta of output 0 through w_0 as well (PyTorch's F.pad, then conv1d)."""
    layer = resolve([1, 2, 3, 4], [5, 6, 7], padding=1, padding_mode="reflect")
    stage = backward_stage(layer, activation_function("relu"), [1, 1, 1, 1])
    assert stage.proof.holds
    assert stage.grad_x.T.tolist() == [[11, 23, 25, 13]]  # torch autograd: the same
    d = derive(
        [1, 2, 3, 4],
        [5, 6, 7],
        padding=1,
        padding_mode="reflect",
        grad=True,
        activation="relu",
        upstream=[1, 1, 1, 1],
    )
    assert d.holds and d.grad_x == stage.grad_x


def test_an_upstream_the_activation_zeroes_still_holds() -> None:
    """ReLU kills every output here, so every g_i x_j is zero and the dense step cannot
    move a structural zero: the contrast is not exhibited, and the derivation holds."""
    from symconv import derive

    d = derive([1, 2, 3, 4, 5], [1, 0, -1], activation="relu", grad=True, upstream=[1, 1, 1])
    assert d.deltas.T.tolist() == [[0, 0, 0]]
    assert d.holds, [p.first_failure for p in d.proofs if not p.holds]
    step = d.proofs[-1].step("dense step U - eta dL/dU leaves the band")
    assert step.details["a zero can move"] is False
    moving = derive([1, 2, 3, 4, 5], [1, 0, -1], grad=True, upstream=[1, 1, 1])
    contrast = moving.proofs[-1].step("dense step U - eta dL/dU leaves the band")
    assert contrast.details["a zero can move"] is True and contrast.details["exhibit"]
