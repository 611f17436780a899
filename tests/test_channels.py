"""Channels, groups and bias: PyTorch's layout, gradients, the *Deep Learning* book's
strided multi-channel gradients (eqs. 9.11 and 9.13), and the block-matrix proofs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import sympy
from sympy import Array, Matrix, S, Symbol

from symconv import (
    conv1d,
    conv1d_channel_grads,
    conv1d_grads,
    conv2d,
    conv2d_channel_grads,
    prove_channel_gradients,
    prove_channels,
    symbolic_vector,
)
from symconv.core.tensors import as_tensor, rank_of
from symconv.layout.channels import ChannelLayout, channel_layer, flat
from symconv.ops.banded import band_from_settings
from symconv.ops.channels import derive_channel_gradients
from symconv.proofs.channels import bias_gradient_step, block_steps

RNG = np.random.default_rng(7)


def ints(*shape: int) -> np.ndarray:
    return RNG.integers(-3, 4, size=shape)


def symbols_array(name: str, shape: tuple[int, ...]) -> Array:
    size = int(np.prod(shape))
    return Array(sympy.symbols(f"{name}0:{size}"), shape)


def numbers(value: Any) -> np.ndarray:
    if isinstance(value, sympy.MatrixBase):
        return np.array(value.tolist(), dtype=float)
    return np.array(value.tolist(), dtype=float)


#: (C_in, C_out, groups, spatial input, kernel, stride, padding, dilation, bias)
GRID_1D = [
    (1, 1, 1, 5, 2, 1, 0, 1, False),
    (2, 3, 1, 6, 3, 2, 1, 1, True),
    (4, 2, 2, 7, 2, 1, (2, 0), 2, True),
    (3, 3, 3, 5, 3, 1, "same", 1, False),
    (2, 4, 2, 4, 2, 3, "full", 1, True),
    (4, 4, 4, 6, 1, 2, 0, 1, True),
]
GRID_2D = [
    (1, 2, 1, (4, 5), (2, 3), 1, 0, 1, True),
    (2, 2, 2, (5, 4), (3, 2), (2, 1), (1, 0), 1, False),
    (4, 2, 2, (4, 4), (2, 2), 1, "same", (1, 2), True),
    (3, 3, 1, (5, 5), (3, 3), 2, ((1, 0), (0, 2)), 1, True),
    (2, 4, 2, (3, 4), (2, 2), 1, "full", 1, False),
]


def torch_padding(torch: Any, x: Any, padding: Any, kernel: tuple[int, ...], dilation: Any):
    """PyTorch's padding argument, with "full" and (before, after) pairs made explicit."""
    dims = len(kernel)
    dil = dilation if isinstance(dilation, tuple) else (dilation,) * dims
    if padding == "full":
        return x, tuple(d * (k - 1) for d, k in zip(dil, kernel, strict=True))
    if isinstance(padding, tuple) and any(isinstance(p, tuple) for p in padding):
        pairs = [p if isinstance(p, tuple) else (p, p) for p in padding]
        explicit = [v for pair in reversed(pairs) for v in pair]
        return torch.nn.functional.pad(x, explicit), 0
    if dims == 1 and isinstance(padding, tuple):
        return torch.nn.functional.pad(x, list(padding)), 0
    return x, padding


def case_data(case: tuple, dims: int) -> dict[str, Any]:
    c_in, c_out, groups, spatial, kernel, stride, padding, dilation, bias = case
    spatial = spatial if isinstance(spatial, tuple) else (spatial,)
    kernel = kernel if isinstance(kernel, tuple) else (kernel,)
    return dict(
        x=ints(c_in, *spatial),
        w=ints(c_out, c_in // groups, *kernel),
        b=ints(c_out) if bias else None,
        groups=groups,
        kernel=kernel,
        options=dict(stride=stride, padding=padding, dilation=dilation),
    )


def torch_forward(torch: Any, data: dict[str, Any], dims: int, requires_grad: bool = False):
    tx = torch.tensor(data["x"], dtype=torch.float64, requires_grad=requires_grad)
    tw = torch.tensor(data["w"], dtype=torch.float64, requires_grad=requires_grad)
    tb = None
    if data["b"] is not None:
        tb = torch.tensor(data["b"], dtype=torch.float64, requires_grad=requires_grad)
    o = data["options"]
    padded, pad = torch_padding(torch, tx[None], o["padding"], data["kernel"], o["dilation"])
    conv = torch.nn.functional.conv1d if dims == 1 else torch.nn.functional.conv2d
    y = conv(
        padded,
        tw,
        tb,
        stride=o["stride"],
        padding=pad,
        dilation=o["dilation"],
        groups=data["groups"],
    )[0]
    return y, tx, tw, tb


def ours_forward(data: dict[str, Any], dims: int) -> Any:
    bias = None if data["b"] is None else list(data["b"])
    if dims == 1:
        return conv1d(
            Matrix(data["x"]),
            Array(data["w"].tolist()),
            bias=bias,
            groups=data["groups"],
            **data["options"],
        )
    return conv2d(
        Array(data["x"].tolist()),
        Array(data["w"].tolist()),
        bias=bias,
        groups=data["groups"],
        **data["options"],
    )


pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")


@pytest.mark.parametrize("dims, case", [(1, c) for c in GRID_1D] + [(2, c) for c in GRID_2D])
def test_forward_equals_pytorch(torch: Any, dims: int, case: tuple) -> None:
    data = case_data(case, dims)
    theirs, *_ = torch_forward(torch, data, dims)
    ours = ours_forward(data, dims)
    if dims == 1:
        assert isinstance(ours, sympy.MatrixBase)
    else:
        assert isinstance(ours, sympy.NDimArray) and ours.rank() == 3
    assert np.array_equal(numbers(ours), theirs.detach().numpy())


@pytest.mark.parametrize("dims, case", [(1, c) for c in GRID_1D] + [(2, c) for c in GRID_2D])
def test_gradients_equal_autograd(torch: Any, dims: int, case: tuple) -> None:
    data = case_data(case, dims)
    y, tx, tw, tb = torch_forward(torch, data, dims, requires_grad=True)
    g = ints(*y.shape)
    (y * torch.tensor(g, dtype=torch.float64)).sum().backward()
    bias = None if data["b"] is None else list(data["b"])
    grads = conv1d_channel_grads if dims == 1 else conv2d_channel_grads
    x = Matrix(data["x"]) if dims == 1 else Array(data["x"].tolist())
    gx, gw, gb = grads(
        x,
        Array(data["w"].tolist()),
        Array(g.tolist()),
        bias=bias,
        groups=data["groups"],
        **data["options"],
    )
    assert np.array_equal(numbers(gx), tx.grad.numpy())
    assert np.array_equal(numbers(gw), tw.grad.numpy())
    if tb is None:
        assert gb is None
    else:
        assert np.array_equal(numbers(gb).ravel(), tb.grad.numpy())


# --- the Deep Learning book, eqs. 9.8, 9.11 and 9.13 (1-based, as printed) ----------------


def book_c(K: Array, V: Array, s: int) -> dict[tuple[int, int, int], Any]:
    """Z_{i,j,k} = sum_{l,m,n} V_{l,(j-1)s+m,(k-1)s+n} K_{i,l,m,n} (eq. 9.8); the book's
    index l is spelled ell here."""
    c_out, c_in, kh, kw = K.shape
    _, h, w = V.shape
    rows, cols = (h - kh) // s + 1, (w - kw) // s + 1
    return {
        (i, j, k): sum(
            (
                V[ell - 1, (j - 1) * s + m - 1, (k - 1) * s + n - 1]
                * K[i - 1, ell - 1, m - 1, n - 1]
                for ell in range(1, c_in + 1)
                for m in range(1, kh + 1)
                for n in range(1, kw + 1)
            ),
            S.Zero,
        )
        for i in range(1, c_out + 1)
        for j in range(1, rows + 1)
        for k in range(1, cols + 1)
    }


def book_g(G: Array, V: Array, s: int, kernel: tuple[int, int]) -> Array:
    """g(G,V,s)_{i,j,k,ell} = sum_{m,n} G_{i,m,n} V_{j,(m-1)s+k,(n-1)s+ell} (eq. 9.11)."""
    c_out, rows, cols = G.shape
    c_in = V.shape[0]
    kh, kw = kernel
    entries = [
        sum(
            (
                G[i - 1, m - 1, n - 1] * V[j - 1, (m - 1) * s + k - 1, (n - 1) * s + ell - 1]
                for m in range(1, rows + 1)
                for n in range(1, cols + 1)
            ),
            S.Zero,
        )
        for i in range(1, c_out + 1)
        for j in range(1, c_in + 1)
        for k in range(1, kh + 1)
        for ell in range(1, kw + 1)
    ]
    return Array(entries, (c_out, c_in, kh, kw))


def book_h(K: Array, G: Array, s: int, image: tuple[int, int]) -> Array:
    """h(K,G,s)_{i,j,k} = sum over ell,m with (ell-1)s+m=j, n,p with (n-1)s+p=k, and q, of
    K_{q,i,m,p} G_{q,ell,n} (eq. 9.13)."""
    c_out, c_in, kh, kw = K.shape
    _, rows, cols = G.shape
    h, w = image
    entries = []
    for i in range(1, c_in + 1):
        for j in range(1, h + 1):
            for k in range(1, w + 1):
                total = S.Zero
                for ell in range(1, rows + 1):
                    for m in range(1, kh + 1):
                        if (ell - 1) * s + m != j:
                            continue
                        for n in range(1, cols + 1):
                            for p in range(1, kw + 1):
                                if (n - 1) * s + p != k:
                                    continue
                                for q in range(1, c_out + 1):
                                    total += (
                                        K[q - 1, i - 1, m - 1, p - 1] * G[q - 1, ell - 1, n - 1]
                                    )
                entries.append(total)
    return Array(entries, (c_in, h, w))


@pytest.mark.parametrize(
    "c_in, c_out, image, kernel, s",
    [(2, 3, (5, 5), (3, 3), 2), (1, 2, (4, 5), (2, 2), 1), (3, 2, (6, 5), (2, 3), 3)],
)
def test_book_equations_for_strided_multichannel_convolution(c_in, c_out, image, kernel, s):
    V = symbols_array("v", (c_in, *image))
    K = symbols_array("k", (c_out, c_in, *kernel))
    Z = conv2d(V, K, stride=s)
    reference = book_c(K, V, s)
    assert all(Z[i - 1, j - 1, k - 1] == z for (i, j, k), z in reference.items())
    G = symbols_array("g", Z.shape)
    grad_v, grad_k, grad_b = conv2d_channel_grads(V, K, G, stride=s)
    assert grad_b is None
    assert grad_k == book_g(G, V, s, kernel)
    assert grad_v == book_h(K, G, s, image)


# --- single channel and dispatch --------------------------------------------------------


def test_rank_one_kernel_keeps_the_single_channel_layer() -> None:
    x, w = symbolic_vector("x", 4), symbolic_vector("w", 2)
    assert conv1d(x, w) == Matrix([x[i] * w[0] + x[i + 1] * w[1] for i in range(3)])
    b = Symbol("b")
    assert conv1d(x, w, bias=b) == conv1d(x, w).applyfunc(lambda z: z + b)
    assert conv2d([[1, 2], [3, 4]], [[1]], bias=[10]) == Matrix([[11, 12], [13, 14]])


def test_one_channel_layer_equals_the_single_channel_one() -> None:
    x, w = symbolic_vector("x", 5), symbolic_vector("w", 3)
    options = dict(stride=2, padding=(1, 2), dilation=1)
    layered = conv1d(x.T, Array(list(w), (1, 1, 3)), **options)
    assert layered == conv1d(x, w, **options).T
    gx, gw, _ = conv1d_channel_grads(
        x.T, Array(list(w), (1, 1, 3)), layered.applyfunc(lambda _: Symbol("g")), **options
    )
    single_gx, single_gw = conv1d_grads(x, w, [Symbol("g")] * layered.cols, **options)
    assert gx == single_gx.T and [gw[0, 0, k] for k in range(3)] == list(single_gw)


def test_rank_of_and_as_tensor() -> None:
    assert rank_of(np.zeros((2, 3, 4))) == 3
    assert rank_of([[[1]]]) == 3 and rank_of(Symbol("a")) == 0
    assert as_tensor(np.arange(6).reshape(1, 2, 3), 3, "x") == ((1, 2, 3), list(range(6)))


# --- proofs -----------------------------------------------------------------------------


def symbolic_case(case: tuple, dims: int) -> dict[str, Any]:
    c_in, c_out, groups, spatial, kernel, stride, padding, dilation, bias = case
    spatial = spatial if isinstance(spatial, tuple) else (spatial,)
    kernel = kernel if isinstance(kernel, tuple) else (kernel,)
    x = symbols_array("x", (c_in, *spatial))
    return dict(
        x=Matrix(x.tolist()) if dims == 1 else x,
        w=symbols_array("w", (c_out, c_in // groups, *kernel)),
        bias=list(sympy.symbols(f"b0:{c_out}")) if bias else None,
        groups=groups,
        options=dict(stride=stride, padding=padding, dilation=dilation),
    )


@pytest.mark.parametrize("dims, case", [(1, c) for c in GRID_1D] + [(2, c) for c in GRID_2D])
def test_channel_proofs_hold(dims: int, case: tuple) -> None:
    data = symbolic_case(case, dims)
    kwargs = dict(bias=data["bias"], groups=data["groups"], **data["options"])
    assert prove_channels(data["x"], data["w"], **kwargs).holds
    y = (
        conv1d(data["x"], data["w"], **kwargs)
        if dims == 1
        else conv2d(data["x"], data["w"], **kwargs)
    )
    g = symbols_array("g", tuple(y.shape))
    proof = prove_channel_gradients(data["x"], data["w"], g, **kwargs)
    assert proof.holds, str(proof)
    assert proof.step("zeros stay zero").holds


def small_layer():
    data = symbolic_case((4, 2, 2, 5, 2, 1, 0, 1, True), 1)
    return channel_layer(
        data["x"],
        data["w"],
        bias=data["bias"],
        groups=2,
        dims=1,
        stride=1,
        padding=0,
        dilation=1,
        flip=False,
    )


def test_crossing_group_entry_fails_the_block_claims() -> None:
    layer = small_layer()
    t = band_from_settings(layer.w, flat(layer.layout))
    assert all(step.holds for step in block_steps(layer, t))
    # output channel 0 (group 0) reading input channel 3 (group 1)
    crossing = type(t)(t.shape, t.weights, {**t.ties, (0, 3 * 5): 0})
    failed = {step.name for step in block_steps(layer, crossing) if not step.holds}
    assert failed == {"zero blocks across groups", "blocks hold the single-channel bands"}
    swapped = t.with_weights([layer.w[1], layer.w[0], *layer.w[2:]])
    assert not block_steps(layer, swapped)[2].holds


def test_wrong_bias_gradient_fails() -> None:
    layer = small_layer()
    g = list(sympy.symbols("g0:8"))
    derived = derive_channel_gradients(layer, g)
    assert derived.grad_b is not None
    assert bias_gradient_step(derived.grad_b, g, layer.layout).holds
    assert not bias_gradient_step(derived.grad_b[::-1], g, layer.layout).holds


def test_gradient_of_the_other_group_fails_the_tied_claims() -> None:
    from symconv.proofs.tied import tied_weight_steps

    layer = small_layer()
    g = list(sympy.symbols("g0:8"))
    derived = derive_channel_gradients(layer, g)
    wrong = derived.grad_w[4:] + derived.grad_w[:4]  # channel 1's gradients given to 0
    steps = tied_weight_steps(
        layer.x,
        layer.w,
        g,
        flat(layer.layout),
        derived.grad_x,
        wrong,
        derived.grad_w,
        weight_labels=list(range(8)),
        input_labels=list(range(20)),
    )
    failed = {step.name for step in steps if not step.holds}
    assert {"weight gradient is X^T g", "tied gradient is the sum over its entries"} <= failed


def test_layout_taps_read_only_the_group() -> None:
    from symconv.layout.axis import conv_settings

    layout = ChannelLayout(conv_settings(1, 2), in_channels=4, out_channels=2, groups=2)
    # output channel 1, position 0 reads input channels 2 and 3 (group 1) only
    assert layout.taps(2) == [(2, 4), (3, 6)]


# --- errors -----------------------------------------------------------------------------


X2 = Matrix([[1, 2, 3], [4, 5, 6]])


@pytest.mark.parametrize(
    "call, error, match",
    [
        (
            lambda: conv1d(X2, Array([[[1]], [[1]]])),
            ValueError,
            r"kernel w has shape \(2, 1, 1\): 1 input channels per group, .* needs 2",
        ),
        (
            lambda: conv1d(Matrix([[1, 2, 3]] * 3), Array([[[1]]] * 2), groups=2),
            ValueError,
            "groups=2 must divide the 3 input channels",
        ),
        (
            lambda: conv1d(X2, Array([[[1]], [[1]], [[1]]]), groups=2),
            ValueError,
            "groups=2 must divide the 3 output channels",
        ),
        (
            lambda: conv1d(X2, Array([[[1], [1], [1]]])),
            ValueError,
            r"kernel w has shape \(1, 3, 1\): 3 input channels per group, but the input has 2 "
            r"channels in 1 group\(s\), so it needs 2",
        ),
        (
            lambda: conv1d(X2, Array([[[1], [1]]]), bias=[1, 2]),
            ValueError,
            "bias has 2 entries but the layer has 1 output channels",
        ),
        (
            lambda: conv1d(X2, Array([[[1], [1]]]), groups=0),
            ValueError,
            "groups must be an integer >= 1, got 0",
        ),
        (
            lambda: conv1d([1, 2, 3], [1, 1], groups=2),
            ValueError,
            "groups=2 needs a multi-channel kernel of rank 3",
        ),
        (
            lambda: conv2d([[1, 2]], [[1]], groups=2),
            ValueError,
            "groups=2 needs a multi-channel kernel of rank 4",
        ),
        (lambda: conv1d([1, 2, 3], [1, 1], bias=[1, 2]), ValueError, "bias has 2 entries"),
        (
            lambda: conv1d([1, 2, 3], Array([[[1]]])),
            ValueError,
            "input x must have rank 2, got rank 1",
        ),
        (
            lambda: conv2d(Array([[1, 2]]), Array([[[[1]]]])),
            ValueError,
            r"input x must have rank 3, got shape \(1, 2\)",
        ),
        (
            lambda: conv2d(Array([[[1, 2]]]), Array([[[[1, 1, 1]]]])),
            ValueError,
            "along the width axis: kernel of size 3",
        ),
        (lambda: conv1d([[1, 2], [3]], Array([[[1]], [[1]]])), ValueError, "ragged"),
        (
            lambda: conv1d([["a", "b"]], Array([[[1]]])),
            TypeError,
            r"entry \(0, 0\) of input x is the string 'a'",
        ),
        (lambda: conv1d("x0, x1", Array([[[1]]])), TypeError, "strings are never evaluated"),
        (
            lambda: conv1d_channel_grads(X2, Array([[[1], [1]]]), [[1, 1]]),
            ValueError,
            r"upstream has shape \(1, 2\) but the layer's output has shape \(1, 3\)",
        ),
        (lambda: prove_channels(X2, [1, 2]), ValueError, "kernel w must have rank 3"),
        (lambda: prove_channel_gradients(X2, [1, 2], [1]), ValueError, "kernel w must have rank 3"),
    ],
)
def test_errors_name_the_value(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()
