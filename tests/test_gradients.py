from __future__ import annotations

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import Matrix, zeros

from symconv import (
    conv1d,
    conv1d_grads,
    conv_matrix,
    filter_bank_grads,
    im2col,
    layer_gradients,
    symbolic_vector,
)
from tests.helpers import as_floats


def test_the_questions_weight_gradient_written_out():
    x, w, g = symbolic_vector("x", 4), symbolic_vector("w", 3), symbolic_vector("g", 2)
    grad_x, grad_w = conv1d_grads(x, w, g)
    for k in range(3):  # dL/dw_k = sum_{i=0}^{1} g_i x_{i+k}
        assert grad_w[k] == sum(g[i] * x[i + k] for i in range(2))
    g0, g1 = g
    w0, w1, w2 = w
    assert list(grad_x) == [g0 * w0, g0 * w1 + g1 * w0, g0 * w2 + g1 * w1, g1 * w2]


GRID = [
    (m, n, s, p, d, f)
    for m in (3, 5)
    for n in (1, 2, 3)
    for s in (1, 2)
    for p in (0, 1, (2, 0))
    for d in (1, 2)
    for f in (False, True)
]


@pytest.mark.parametrize(("m", "n", "s", "p", "d", "flip"), GRID)
def test_termwise_gradients_equal_sympy_diff(m, n, s, p, d, flip):
    x, w = symbolic_vector("x", m), symbolic_vector("w", n)
    opts = dict(stride=s, padding=p, dilation=d, flip=flip)
    try:
        z = conv1d(x, w, **opts)
    except ValueError:
        return
    g = symbolic_vector("g", len(z))
    loss = sum((g[i] * z[i] for i in range(len(z))), sympy.S.Zero)
    grad_x, grad_w = conv1d_grads(x, w, g, **opts)
    assert Matrix([sympy.diff(loss, v) for v in x]) - grad_x == zeros(m, 1) or (
        (Matrix([sympy.diff(loss, v) for v in x]) - grad_x).expand() == zeros(m, 1)
    )
    assert (Matrix([sympy.diff(loss, v) for v in w]) - grad_w).expand() == zeros(n, 1)
    # the closed forms
    X = im2col(x, n, stride=s, padding=p, dilation=d)
    closed_w = X.T * g
    if flip:
        closed_w = Matrix(list(closed_w)[::-1])
    assert (grad_w - closed_w).expand() == zeros(n, 1)
    T = conv_matrix(w, m, **opts)
    assert (grad_x - T.T * g).expand() == zeros(m, 1)


def test_repeated_and_compound_entries_differentiate_by_slot():
    a, b = sympy.symbols("a b")
    grad_x, grad_w = conv1d_grads([a, a, b], [a, 2], [1, 1])
    # slot-wise: dL/dx_j with x = [a, a, b] held as three separate inputs
    assert list(grad_x) == [a, a + 2, 2]
    assert list(grad_w) == [2 * a, a + b]


def torch_grads(torch, x, w, g, b=None, s=1, p=0, d=1, activation=None):
    import torch.nn.functional as F

    xt = torch.tensor([float(v) for v in x], dtype=torch.float64, requires_grad=True)
    wt = torch.tensor([float(v) for v in w], dtype=torch.float64, requires_grad=True)
    bt = None if b is None else torch.tensor([float(b)], dtype=torch.float64, requires_grad=True)
    inp = xt.reshape(1, 1, -1)
    if isinstance(p, tuple):
        inp = F.pad(inp, p)
        p = 0
    y = F.conv1d(inp, wt.reshape(1, 1, -1), bias=bt, stride=s, padding=p, dilation=d).reshape(-1)
    if activation is not None:
        y = activation(y)
    (y * torch.tensor([float(v) for v in g], dtype=torch.float64)).sum().backward()
    return xt.grad.numpy(), wt.grad.numpy(), None if bt is None else bt.grad.numpy()


TORCH_GRID = [
    (m, n, s, p, d)
    for m in (4, 7)
    for n in (1, 2, 3)
    for s in (1, 2, 3)
    for p in (0, 1, (0, 2))
    for d in (1, 2)
]


@pytest.mark.parametrize(("m", "n", "s", "p", "d"), TORCH_GRID)
def test_against_autograd_grid(torch, m, n, s, p, d):
    rng = np.random.default_rng(hash((m, n, s, str(p), d)) % 2**32)
    x = rng.integers(-5, 6, m).tolist()
    w = rng.integers(-5, 6, n).tolist()
    try:
        n_out = len(conv1d(x, w, stride=s, padding=p, dilation=d))
    except ValueError:
        return
    g = rng.integers(-3, 4, n_out).tolist()
    r = layer_gradients(x, w, bias=2, upstream=g, stride=s, padding=p, dilation=d)
    tx, tw, tb = torch_grads(torch, x, w, g, 2, s, p, d)
    np.testing.assert_array_equal(as_floats(r.grad_x), tx)
    np.testing.assert_array_equal(as_floats(r.grad_w), tw)
    assert float(r.grad_b) == tb[0]


@given(
    x=st.lists(st.integers(-9, 9), min_size=2, max_size=10),
    w=st.lists(st.integers(-9, 9), min_size=1, max_size=4),
    s=st.integers(1, 3),
    left=st.integers(0, 3),
    right=st.integers(0, 3),
    d=st.integers(1, 3),
    seed=st.integers(0, 1000),
)
@settings(max_examples=80, deadline=None)
def test_against_autograd_hypothesis(torch, x, w, s, left, right, d, seed):
    if len(x) + left + right < d * (len(w) - 1) + 1:
        return
    n_out = len(conv1d(x, w, stride=s, padding=(left, right), dilation=d))
    g = np.random.default_rng(seed).integers(-3, 4, n_out).tolist()
    gx, gw = conv1d_grads(x, w, g, stride=s, padding=(left, right), dilation=d)
    tx, tw, _ = torch_grads(torch, x, w, g, None, s, (left, right), d)
    np.testing.assert_array_equal(as_floats(gx), tx)
    np.testing.assert_array_equal(as_floats(gw), tw)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_activations_against_autograd(torch, name):
    x, w, g = [0.5, -1.0, 2.0, 0.25, -0.75], [0.3, -0.2, 0.1], [1.0, -2.0, 0.5]
    r = layer_gradients(x, w, bias=0.1, activation=name, upstream=g)
    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}[name]
    tx, tw, tb = torch_grads(torch, x, w, g, 0.1, activation=act)
    np.testing.assert_allclose(as_floats(r.grad_x), tx, rtol=1e-12)
    np.testing.assert_allclose(as_floats(r.grad_w), tw, rtol=1e-12)
    np.testing.assert_allclose(float(r.grad_b), tb[0], rtol=1e-12)


def test_unknown_activation_carries_f_prime_and_matches_diff():
    x, w = symbolic_vector("x", 4), symbolic_vector("w", 2)
    b = sympy.Symbol("b")
    r = layer_gradients(x, w, bias=b, activation="f", loss="squared_error")
    f = sympy.Function("f")
    t = symbolic_vector("t", 3)
    z = conv1d(x, w)
    loss = sum(((f(z[i] + b) - t[i]) ** 2 for i in range(3)), sympy.S.Zero) / 2
    assert r.deltas[0].has(sympy.Derivative) or r.deltas[0].has(sympy.Subs)
    for k in range(2):
        assert sympy.expand(sympy.diff(loss, w[k]) - r.grad_w[k]) == 0
    assert sympy.expand(sympy.diff(loss, b) - r.grad_b) == 0
    assert sympy.expand(sympy.diff(loss, x[1]) - r.grad_x[1]) == 0


def test_relu_gives_heaviside_and_bias_gradient_is_sum_of_deltas():
    x, w, g = symbolic_vector("x", 3), symbolic_vector("w", 2), symbolic_vector("g", 2)
    b = sympy.Symbol("b")
    r = layer_gradients(x, w, bias=b, activation="relu", upstream=g)
    # relu'(0) = 0 as in PyTorch autograd: Heaviside with value 0 at 0, not SymPy's 1/2.
    assert r.deltas[0] == g[0] * sympy.Heaviside(r.pre_activations[0], 0)
    assert r.grad_b == r.deltas[0] + r.deltas[1]


def test_custom_loss_callable():
    r = layer_gradients([1, 2, 3], [1, 1], loss=lambda y: y[0] * y[1])
    assert list(r.output_gradients) == [5, 3]
    assert list(r.grad_w) == [1 * 5 + 2 * 3, 2 * 5 + 3 * 3]


def test_filter_bank_gradient_is_x_transpose_delta(torch):
    x = symbolic_vector("x", 5)
    W = Matrix(3, 2, sympy.symbols("a0:6"))
    D = Matrix(3, 2, sympy.symbols("d0:6"))
    grad = filter_bank_grads(x, W, D)
    loss = sum(
        ((im2col(x, 3) * W)[i, f] * D[i, f] for i in range(3) for f in range(2)), sympy.S.Zero
    )
    by_diff = Matrix(3, 2, lambda r, c: sympy.diff(loss, W[r, c]))
    assert (grad - im2col(x, 3).T * D).expand() == zeros(3, 2)
    assert (grad - by_diff).expand() == zeros(3, 2)
    # numbers against PyTorch with two output channels
    xn, Wn, Dn = (
        [1, -2, 3, 0, 4],
        Matrix([[1, 2], [0, -1], [3, 1]]),
        Matrix([[1, 0], [2, -1], [0, 3]]),
    )
    xt = torch.tensor([[xn]], dtype=torch.float64)
    wt = torch.tensor(
        [[[float(v) for v in Wn[:, f]]] for f in range(2)], dtype=torch.float64, requires_grad=True
    )
    y = torch.nn.functional.conv1d(xt, wt)
    (
        y[0] * torch.tensor([[float(v) for v in Dn[:, f]] for f in range(2)], dtype=torch.float64)
    ).sum().backward()
    np.testing.assert_array_equal(
        np.array(filter_bank_grads(xn, Wn, Dn).T.tolist(), dtype=float), wt.grad[:, 0, :].numpy()
    )


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: conv1d_grads([1, 2, 3], [1, 1], [1]),
            ValueError,
            "upstream has 1 entries but the layer has 2 outputs",
        ),
        (
            lambda: conv1d_grads(symbolic_vector("x", 3), [1, 1], [sympy.Symbol("x0"), 1]),
            ValueError,
            r"upstream gradients must not depend on x or w, but they contain \['x0'\]",
        ),
        (lambda: conv1d_grads([1, 2], [1], "1,2"), TypeError, "strings are never evaluated"),
        (
            lambda: layer_gradients([1, 2], [1], loss="hinge"),
            ValueError,
            "loss 'hinge' is not known",
        ),
        (
            lambda: layer_gradients([1, 2], [1], activation=3),
            TypeError,
            "activation 3 must be None",
        ),
        (
            lambda: layer_gradients([1, 2], [1], activation="f(x)"),
            ValueError,
            "symbol name 'f\\(x\\)' is not allowed",
        ),
        (
            lambda: layer_gradients([1, 2], [1], upstream=[1]),
            ValueError,
            "upstream has 1 entries; the layer has 2 outputs",
        ),
        (
            lambda: filter_bank_grads([1, 2, 3], Matrix([[1], [1]]), Matrix([[1]])),
            ValueError,
            r"upstream Delta has shape \(1, 1\); need \(2, 1\)",
        ),
    ],
)
def test_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
