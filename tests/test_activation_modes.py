"""The chain rule through an activation with every padding mode, against PyTorch autograd.

``layer_gradients`` and ``derive(..., grad=True, activation=...)`` pad by the mode, then
differentiate ``L = sum_i g_i f(z_i + b)``: an input the padding reads twice collects both
gradients. PyTorch's ``F.pad`` with the mode, then ``conv1d``, then the activation, is the
reference; symconv's symbolic gradients are evaluated at the same numbers.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import sympy

from symconv import derive, layer_gradients, symbolic_vector

MODES = ["reflect", "replicate", "circular"]
LAYERS = [
    # x, w, bias, stride, padding (left, right), upstream
    ([3, -1, 4, 1, -5, 9], [2, -1, 1], 1, 1, (1, 1), [1, -2, 3, 1, 2, -1]),
    ([2, 7, -1, 8, 2, -8, 1], [1, 3], -2, 2, (1, 2), [2, 1, -1, 3, 1]),
]
ACTIVATIONS = {"relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh"}


def torch_gradients(torch, x, w, bias, stride, pads, upstream, mode, activation):
    xt = torch.tensor([x], dtype=torch.float64, requires_grad=True)
    wt = torch.tensor([[w]], dtype=torch.float64, requires_grad=True)
    padded = torch.nn.functional.pad(xt.unsqueeze(0), pads, mode=mode)
    z = torch.nn.functional.conv1d(padded, wt, stride=stride)[0, 0] + bias
    y = getattr(torch, activation)(z)
    (y * torch.tensor(upstream, dtype=torch.float64)).sum().backward()
    return xt.grad[0].tolist(), wt.grad[0, 0].tolist()


def numbers(column: sympy.Matrix) -> list[float]:
    return [float(sympy.N(v)) for v in column]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("layer", range(len(LAYERS)))
def test_layer_gradients_with_a_mode_match_autograd(torch, mode, activation, layer):
    x, w, bias, stride, pads, upstream = LAYERS[layer]
    r = layer_gradients(
        x,
        w,
        bias=bias,
        activation=activation,
        upstream=upstream,
        stride=stride,
        padding=pads,
        padding_mode=mode,
    )
    gx, gw = torch_gradients(torch, x, w, bias, stride, pads, upstream, mode, activation)
    assert numbers(r.grad_x) == pytest.approx(gx, abs=1e-12)
    assert numbers(r.grad_w) == pytest.approx(gw, abs=1e-12)


def test_the_mode_matters_for_the_chain_rule(torch):
    """The reference tells the modes apart: zero padding's gradients are not reflect's."""
    x, w, bias, stride, pads, upstream = LAYERS[0]
    zeros = layer_gradients(x, w, bias=bias, activation="sigmoid", upstream=upstream, padding=pads)
    gx, _ = torch_gradients(torch, x, w, bias, stride, pads, upstream, "reflect", "sigmoid")
    assert numbers(zeros.grad_x) != pytest.approx(gx, abs=1e-6)


@pytest.mark.parametrize("mode", MODES)
def test_derive_with_an_activation_and_a_mode_holds(mode):
    """Symbolic x and w: the derivation's gradients are the chain rule's, and its proofs
    (the convolution's, with the deltas as upstream) hold."""
    x, w = symbolic_vector("x", 5), symbolic_vector("w", 3)
    d = derive(x, w, padding=1, padding_mode=mode, activation="sigmoid", grad=True)
    assert d.holds, [p.first_failure for p in d.proofs if not p.holds]
    chain = layer_gradients(
        x, w, activation="sigmoid", upstream=d.upstream, padding=1, padding_mode=mode
    )
    assert all(sympy.simplify(a - b) == 0 for a, b in zip(d.grad_w, chain.grad_w))
    assert all(sympy.simplify(a - b) == 0 for a, b in zip(d.grad_x, chain.grad_x))


def test_the_cli_derives_the_chain_rule_with_a_mode():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "symconv.cli",
            "derive",
            "--input",
            "1,2,3,4,5",
            "--kernel=-1,0,1",
            "--padding",
            "1",
            "--padding-mode",
            "reflect",
            "--grad",
            "--activation",
            "relu",
            "--upstream",
            "1,1,1,1,1",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "reflect" in done.stdout
    # relu'(z) at z = conv(reflect-padded x) = [0, 2, 2, 2, 0]: the outer two are cut.
    assert "dL/dz" in done.stdout and "holds" in done.stdout


def test_relu_at_zero_has_autograds_derivative(torch):
    """z_0 = z_4 = 0 exactly here (reflect padding of a ramp under [-1, 0, 1]): PyTorch's
    relu'(0) is 0, not SymPy's Heaviside(0) = 1/2."""
    x, w, upstream = [1, 2, 3, 4, 5], [-1, 0, 1], [1, 1, 1, 1, 1]
    r = layer_gradients(
        x, w, activation="relu", upstream=upstream, padding=1, padding_mode="reflect"
    )
    assert r.pre_activations.T.tolist() == [[0, 2, 2, 2, 0]]
    assert r.deltas.T.tolist() == [[0, 1, 1, 1, 0]]
    gx, gw = torch_gradients(torch, x, w, 0, 1, (1, 1), upstream, "reflect", "relu")
    assert numbers(r.grad_x) == gx and numbers(r.grad_w) == gw
