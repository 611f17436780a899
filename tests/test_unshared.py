"""Locally connected (unshared) and tiled convolution: outputs, band, expanded data matrix,
gradients and proofs, against PyTorch's unfold with a weight per position (forward and
autograd), against eq. 9.10 written here by plain loops, and with planted errors."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path
from typing import Any

import pytest
import sympy
from sympy import Array, Matrix, S, symbols

from symconv import conv1d, conv_settings, im2col, settings2d, symbolic_matrix, symbolic_vector
from symconv.ops.unshared import (
    DenseLayout,
    UnsharedLayout,
    convolution_layer,
    locally_connected1d,
    locally_connected2d,
    locally_connected_layer,
    tiled_conv1d,
    tiled_conv2d,
    tiled_layer,
    unshared_band,
    unshared_grads,
    unshared_im2col,
    unshared_outputs,
)
from symconv.proofs.proof import Proof, Step
from symconv.proofs.unshared import compare_layers, prove_locally_connected, prove_tiled
from symconv.report import document, table

#: (input length, kernel, stride, padding, dilation) of the 1-D layers checked.
GRID_1D = [
    (6, 3, 1, 0, 1),
    (7, 3, 2, 1, 1),
    (8, 2, 1, (0, 2), 2),
    (5, 3, 1, "same", 1),
    (6, 2, 3, "full", 1),
    (9, 3, 2, 2, 2),
]

#: (image shape, kernel shape, stride, padding, dilation) of the 2-D layers checked.
GRID_2D = [
    ((3, 4), (2, 2), 1, 0, 1),
    ((4, 5), (2, 3), (1, 2), (0, 1), 1),
    ((5, 4), (2, 2), 2, 1, (1, 2)),
]


def failing(proof: Proof) -> Step:
    """The first step that fails (the test fails if none does)."""
    step = proof.first_failure
    assert step is not None, str(proof)
    return step


def mismatch(step: Step) -> tuple[Any, Any, Any]:
    """Where the step's claim breaks, and its two sides there."""
    assert step.mismatch is not None
    return step.mismatch


def where(step: Step) -> Any:
    return mismatch(step)[0]


def ints(rng: random.Random, shape: tuple[int, ...]) -> Any:
    """Nested lists of small integers (exact in float64)."""
    if len(shape) == 1:
        return [rng.randint(-4, 4) for _ in range(shape[0])]
    return [ints(rng, shape[1:]) for _ in range(shape[0])]


def spatial1d(m: int, k: int, s: int, p: Any, d: int):
    return conv_settings(k, m, stride=s, padding=p, dilation=d)


def padded(torch: Any, x: Any, pairs: list[tuple[int, int]]) -> Any:
    """``x`` (channels first) with explicit zeros, last axis first as F.pad wants them."""
    flat = [v for pair in reversed(pairs) for v in pair]
    return torch.nn.functional.pad(x, flat)


def unfold1d(torch: Any, x: Any, settings: Any) -> Any:
    """``(C_in, P, K)`` windows by ``Tensor.unfold`` (the padded input, the dilated span,
    every ``d``-th entry of it)."""
    xp = padded(torch, x, [settings.padding_pair])
    span = settings.dilation * (settings.kernel_size - 1) + 1
    return xp.unfold(1, span, settings.stride)[:, :, :: settings.dilation]


def unfold2d(torch: Any, x: Any, settings: Any) -> Any:
    """``(C_in*kh*kw, Ho*Wo)`` windows by ``F.unfold`` after explicit padding."""
    xp = padded(torch, x, [settings.rows.padding_pair, settings.cols.padding_pair])
    return torch.nn.functional.unfold(
        xp[None],
        settings.kernel_shape,
        dilation=settings.dilation,
        stride=settings.stride,
    )[0]


def values(result: Any) -> list[float]:
    return [
        float(v) for v in sympy.flatten(result.tolist() if hasattr(result, "tolist") else result)
    ]


def flat(value: Any) -> list[float]:
    if isinstance(value, (list, tuple)):
        return [v for item in value for v in flat(item)]
    return values(value)


# --- locally connected against unfold -------------------------------------------------------


@pytest.mark.parametrize("channels", [None, (2, 3)])
@pytest.mark.parametrize(("m", "k", "s", "p", "d"), GRID_1D)
def test_locally_connected1d_equals_unfold_with_a_weight_per_position(
    torch: Any, m, k, s, p, d, channels
) -> None:
    rng = random.Random(f"{m}{k}{s}{p}{d}{channels}")
    settings = spatial1d(m, k, s, p, d)
    positions = settings.output_length
    c_in, c_out = channels or (1, 1)
    x = ints(rng, (c_in, m))
    w = ints(rng, (c_out, positions, c_in, k))
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    tw = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    cols = unfold1d(torch, tx, settings)  # (C_in, P, K)
    theirs = torch.einsum("cpk,opck->op", cols, tw)
    g = ints(rng, (c_out, positions))
    (theirs * torch.tensor(g, dtype=torch.float64)).sum().backward()
    if channels is None:
        ours = locally_connected1d(x[0], [row[0] for row in w[0]], stride=s, padding=p, dilation=d)
        layer = locally_connected_layer(
            x[0], [row[0] for row in w[0]], stride=s, padding=p, dilation=d
        )
        gx, gw = unshared_grads(layer, g[0])
        assert isinstance(gw, Matrix) and gw.shape == (positions, k)
    else:
        ours = locally_connected1d(x, Array(w), stride=s, padding=p, dilation=d)
        layer = locally_connected_layer(x, Array(w), stride=s, padding=p, dilation=d)
        gx, gw = unshared_grads(layer, g)
        assert gw.shape == (c_out, positions, c_in, k)
    assert values(ours) == theirs.detach().reshape(-1).tolist()
    assert values(gx) == tx.grad.reshape(-1).tolist()
    assert values(gw) == tw.grad.reshape(-1).tolist()


@pytest.mark.parametrize("channels", [None, (2, 2)])
@pytest.mark.parametrize(("shape", "kernel", "s", "p", "d"), GRID_2D)
def test_locally_connected2d_equals_unfold_with_a_weight_per_position(
    torch: Any, shape, kernel, s, p, d, channels
) -> None:
    rng = random.Random(f"{shape}{kernel}{s}{p}{d}{channels}")
    settings = settings2d(kernel, shape, stride=s, padding=p, dilation=d)
    ho, wo = settings.output_shape
    c_in, c_out = channels or (1, 1)
    x = ints(rng, (c_in, *shape))
    w = ints(rng, (c_out, ho, wo, c_in, *kernel))
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    tw = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    cols = unfold2d(torch, tx, settings)  # (C_in*kh*kw, P)
    per_position = tw.reshape(c_out, ho * wo, -1)
    theirs = torch.einsum("ep,ope->op", cols, per_position)
    g = ints(rng, (c_out, ho, wo))
    (theirs.reshape(c_out, ho, wo) * torch.tensor(g, dtype=torch.float64)).sum().backward()
    if channels is None:
        single = [[w[0][i][j][0] for j in range(wo)] for i in range(ho)]  # (Ho, Wo, kh, kw)
        ours = locally_connected2d(x[0], single, stride=s, padding=p, dilation=d)
        layer = locally_connected_layer(x[0], single, dims=2, stride=s, padding=p, dilation=d)
        gx, gw = unshared_grads(layer, g[0])
        assert isinstance(ours, Matrix) and ours.shape == (ho, wo)
    else:
        ours = locally_connected2d(Array(x), Array(w), stride=s, padding=p, dilation=d)
        layer = locally_connected_layer(Array(x), Array(w), dims=2, stride=s, padding=p, dilation=d)
        gx, gw = unshared_grads(layer, Array(g))
        assert ours.shape == (c_out, ho, wo)
    assert values(ours) == theirs.detach().reshape(-1).tolist()
    assert values(gx) == tx.grad.reshape(-1).tolist()
    assert values(gw) == tw.grad.reshape(-1).tolist()


# --- tiled against eq. 9.10 written here, and against unfold --------------------------------


def tiled_loops_1d(x, kernels, s, left, right, d):
    """Eq. 9.10 (0-based), one channel: ``z_i = sum_k xpad[i*s + k*d] K^(i mod t)_k``."""
    xpad = [0] * left + list(x) + [0] * right
    t, k = len(kernels), len(kernels[0])
    out = []
    i = 0
    while i * s + (k - 1) * d < len(xpad):
        out.append(sum(xpad[i * s + a * d] * kernels[i % t][a] for a in range(k)))
        i += 1
    return out


def tiled_loops_2d(x, grid, strides, pads, dilations):
    """Eq. 9.10 in 2-D: ``z_{i,j} = sum_{a,b} xpad[i*s_h + a*d_h, j*s_w + b*d_w]
    K^(i mod t, j mod t)_{a,b}``."""
    (top, bottom), (lft, rgt) = pads
    (sh, sw), (dh, dw) = strides, dilations
    width = len(x[0]) + lft + rgt
    xpad = (
        [[0] * width for _ in range(top)]
        + [[0] * lft + list(row) + [0] * rgt for row in x]
        + [[0] * width for _ in range(bottom)]
    )
    t, kh, kw = len(grid), len(grid[0][0]), len(grid[0][0][0])
    out_h = (len(xpad) - (kh - 1) * dh - 1) // sh + 1
    out_w = (width - (kw - 1) * dw - 1) // sw + 1
    return [
        [
            sum(
                xpad[i * sh + a * dh][j * sw + b * dw] * grid[i % t][j % t][a][b]
                for a in range(kh)
                for b in range(kw)
            )
            for j in range(out_w)
        ]
        for i in range(out_h)
    ]


@pytest.mark.parametrize("t", [1, 2, 3])
@pytest.mark.parametrize(("m", "k", "s", "p", "d"), GRID_1D)
def test_tiled_conv1d_equals_eq_9_10_by_loops(m, k, s, p, d, t) -> None:
    rng = random.Random(f"{m}{k}{s}{p}{d}{t}")
    x = ints(rng, (m,))
    kernels = ints(rng, (t, k))
    left, right = spatial1d(m, k, s, p, d).padding_pair
    ours = tiled_conv1d(x, kernels, stride=s, padding=p, dilation=d)
    assert list(ours) == tiled_loops_1d(x, kernels, s, left, right, d)
    if t == 1:
        assert ours == conv1d(x, kernels[0], stride=s, padding=p, dilation=d)


@pytest.mark.parametrize("t", [1, 2])
@pytest.mark.parametrize(("shape", "kernel", "s", "p", "d"), GRID_2D)
def test_tiled_conv2d_equals_eq_9_10_by_loops(shape, kernel, s, p, d, t) -> None:
    rng = random.Random(f"{shape}{kernel}{s}{p}{d}{t}")
    x = ints(rng, shape)
    grid = [[ints(rng, kernel) for _ in range(t)] for _ in range(t)]
    settings = settings2d(kernel, shape, stride=s, padding=p, dilation=d)
    ours = tiled_conv2d(x, grid, stride=s, padding=p, dilation=d)
    expected = tiled_loops_2d(x, grid, settings.stride, settings.padding, settings.dilation)
    assert ours.tolist() == expected


@pytest.mark.parametrize(("m", "k", "s", "p", "d"), GRID_1D)
def test_tiled_gradients_equal_autograd_through_unfold(torch: Any, m, k, s, p, d) -> None:
    rng = random.Random(f"grad{m}{k}{s}{p}{d}")
    settings = spatial1d(m, k, s, p, d)
    t = 2
    x, kernels = ints(rng, (2, m)), ints(rng, (t, 3, 2, k))  # channels: 2 in, 3 out
    g = ints(rng, (3, settings.output_length))
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    tk = torch.tensor(kernels, dtype=torch.float64, requires_grad=True)
    cols = unfold1d(torch, tx, settings)  # (C_in, P, K)
    chosen = tk[[i % t for i in range(settings.output_length)]]  # (P, C_out, C_in, K)
    theirs = torch.einsum("cpk,pock->op", cols, chosen)
    (theirs * torch.tensor(g, dtype=torch.float64)).sum().backward()
    layer = tiled_layer(x, [Array(kk) for kk in kernels], stride=s, padding=p, dilation=d)
    assert values(unshared_outputs(layer)) == theirs.detach().reshape(-1).tolist()
    gx, gk = unshared_grads(layer, g)
    assert len(gk) == t and all(kernel.shape == (3, 2, k) for kernel in gk)
    assert values(gx) == tx.grad.reshape(-1).tolist()
    assert flat(gk) == tk.grad.reshape(-1).tolist()


def test_tiled_with_every_position_its_own_kernel_is_locally_connected() -> None:
    x, w = symbolic_vector("x", 6), symbolic_matrix("w", 4, 3)
    rows = [list(w.row(i)) for i in range(4)]
    assert tiled_conv1d(x, rows) == locally_connected1d(x, w)


def test_tiled2d_uses_the_kernel_of_both_residues() -> None:
    x = symbolic_matrix("x", 3, 3)
    grid = [[[[1]], [[2]]], [[[3]], [[4]]]]
    assert tiled_conv2d(x, grid) == Matrix(
        [
            [x[0, 0], 2 * x[0, 1], x[0, 2]],
            [3 * x[1, 0], 4 * x[1, 1], 3 * x[1, 2]],
            [x[2, 0], 2 * x[2, 1], x[2, 2]],
        ]
    )


# --- band, expanded data matrix ---------------------------------------------------------------


@pytest.mark.parametrize(("m", "k", "s", "p", "d"), GRID_1D)
def test_band_is_the_convolutions_with_its_own_ties(m, k, s, p, d) -> None:
    x = symbolic_vector("x", m)
    opts = dict(stride=s, padding=p, dilation=d)
    conv = unshared_band(convolution_layer(x, symbolic_vector("w", k), **opts))
    positions = conv.shape[0]
    local = unshared_band(locally_connected_layer(x, symbolic_matrix("W", positions, k), **opts))
    tiled = unshared_band(tiled_layer(x, symbolic_matrix("K", 2, k), **opts))
    for t in (local, tiled):
        assert t.shape == conv.shape and set(t.ties.keys()) == set(conv.ties.keys())
        assert t.to_matrix() * x == Matrix(list(t.matvec(list(x))))
    assert max(len(v) for v in local.tie_sets().values()) == 1
    assert len(local.weights) == positions * k and len(tiled.weights) == 2 * k
    for q, entries in tiled.tie_sets().items():
        assert all(i % 2 == q // k for i, _ in entries)
    assert local.to_matrix() * x == locally_connected1d(
        x, symbolic_matrix("W", positions, k), **opts
    )


@pytest.mark.parametrize(("m", "k", "s", "p", "d"), GRID_1D)
def test_expanded_data_matrix_times_weights_is_the_layer(m, k, s, p, d) -> None:
    x = symbolic_vector("x", m)
    opts = dict(stride=s, padding=p, dilation=d)
    tiled = tiled_layer(x, symbolic_matrix("K", 3, k), **opts)
    assert unshared_im2col(tiled) * Matrix(tiled.w) == unshared_outputs(tiled)
    conv = convolution_layer(x, symbolic_vector("w", k), **opts)
    assert unshared_im2col(conv) == im2col(x, k, **opts)  # one kernel: the im2col
    positions = conv.layout.output_length
    local = locally_connected_layer(x, symbolic_matrix("W", positions, k), **opts)
    expanded = unshared_im2col(local)
    assert expanded * Matrix(local.w) == unshared_outputs(local)
    # Block diagonal: row i holds window i in the columns of kernel i, zeros elsewhere.
    windows = im2col(x, k, **opts)
    for i in range(positions):
        assert list(expanded.row(i)) == [
            windows[i, c % k] if c // k == i else 0 for c in range(positions * k)
        ]


def test_layouts_count_their_weights() -> None:
    settings = conv_settings(3, 6)
    assert (
        UnsharedLayout(settings, "tiled", period=2, in_channels=2, out_channels=3).kernel_size == 36
    )
    assert UnsharedLayout(settings, "locally connected").kernel_size == 12
    assert DenseLayout(4, 6).kernel_size == 24
    with pytest.raises(ValueError, match=r"sharing 'shared' is not one of"):
        UnsharedLayout(settings, "shared")


# --- proofs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("m", "k", "s", "p", "d"), GRID_1D)
def test_proofs_hold_in_1d(m, k, s, p, d) -> None:
    x = symbolic_vector("x", m)
    opts = dict(stride=s, padding=p, dilation=d)
    positions = spatial1d(m, k, s, p, d).output_length
    local = prove_locally_connected(x, symbolic_matrix("W", positions, k), **opts)
    assert local.holds, str(local)
    tiled = prove_tiled(x, symbolic_matrix("K", 2, k), **opts)
    assert tiled.holds, str(tiled)
    sizes = local.step("tie sets").details["sizes"]
    assert set(sizes) <= {0, 1}


def test_proofs_hold_with_channels_in_2d() -> None:
    x = Array(symbols("x0:24"), (2, 3, 4))
    w = Array(symbols("W0:96"), (2, 2, 3, 2, 2, 2))
    assert prove_locally_connected(x, w, dims=2).holds
    grid = [
        [Array(symbols(f"{n}0:16"), (2, 2, 2, 2)) for n in row] for row in (("a", "b"), ("c", "e"))
    ]
    proof = prove_tiled(x, grid, dims=2, padding=1)
    assert proof.holds, str(proof)


def test_proofs_hold_with_numbers() -> None:
    assert prove_tiled([1, 0, 2, 3, 0], [[1, 2], [0, 3]], [1, -1, 2, 0]).holds
    assert prove_locally_connected([1, 0, 2], [[1, 2], [0, 3]], [5, -1]).holds


def test_an_unshared_layer_claimed_to_sum_its_gradients_fails() -> None:
    x, g = symbolic_vector("x", 5), symbolic_vector("g", 3)
    w = symbolic_matrix("W", 3, 3)
    # The convolution's rule: every position's weight k gets sum_i g_i x_{i+k}.
    summed = [[sum(g[i] * x[i + k] for i in range(3)) for k in range(3)] for _ in range(3)]
    proof = prove_locally_connected(x, w, g, grad_w=summed)
    assert proof.holds is False
    failure = failing(proof)
    assert failure.name == "weight gradient is the sum over its tie set"
    assert where(failure) == (0,)
    assert mismatch(failure)[2] == g[0] * x[0]


def test_a_tiled_layer_with_the_wrong_period_fails() -> None:
    x, k = symbolic_vector("x", 6), symbolic_matrix("K", 2, 2)
    period3 = unshared_band(tiled_layer(x, [k.row(0), k.row(1), k.row(0)]))
    proof = prove_tiled(x, k, matrix=period3)
    assert proof.holds is False
    assert failing(proof).name == "banded product"
    assert where(failing(proof)) == (3,)  # output 3 uses kernel 1, not kernel 0
    dense = prove_tiled(x, k, matrix=period3.to_matrix())
    assert dense.holds is False and failing(dense).name == "banded product"


def test_a_tiled_gradient_claimed_unsummed_fails() -> None:
    x, k, g = symbolic_vector("x", 5), symbolic_matrix("K", 2, 2), symbolic_vector("g", 4)
    one_entry = [[g[r] * x[r + a] for a in range(2)] for r in range(2)]  # only output r
    proof = prove_tiled(x, k, g, grad_w=one_entry)
    assert proof.holds is False
    assert failing(proof).name == "weight gradient is the sum over its tie set"


def test_the_proof_reports_its_tie_sets() -> None:
    proof = prove_tiled(symbolic_vector("x", 5), symbolic_matrix("K", 2, 2))
    ties = proof.step("tie sets").details["tie sets"]
    assert ties == {
        0: [(0, 0), (2, 2)],
        1: [(0, 1), (2, 3)],
        2: [(1, 1), (3, 3)],
        3: [(1, 2), (3, 4)],
    }
    assert proof.step("weight gradient is the sum over its tie set").holds


# --- the comparison -------------------------------------------------------------------------


def test_compare_layers_counts() -> None:
    c = compare_layers(6, 3, tile=2)
    assert [r.name for r in c.rows] == [
        "dense",
        "locally connected",
        "tiled (t = 2)",
        "convolution",
    ]
    assert [r.parameters for r in c.rows] == [24, 12, 6, 3]
    assert [r.nonzeros for r in c.rows] == [24, 12, 12, 12]
    assert [r.tie_set_sizes for r in c.rows] == [((1, 24),), ((1, 12),), ((2, 6),), ((4, 3),)]
    x, g = symbolic_vector("x", 6), symbolic_vector("g", 4)
    assert c.row("dense").gradient == g[0] * x[0]
    assert c.row("locally").gradient == g[0] * x[0]
    assert c.row("tiled").gradient == g[0] * x[0] + g[2] * x[2]
    assert c.row("convolution").gradient == sum(g[i] * x[i] for i in range(4))
    with pytest.raises(KeyError, match="no layer 'pooling'"):
        c.row("pooling")


def test_compare_layers_with_padding_counts_empty_tie_sets() -> None:
    c = compare_layers(5, 3, tile=2, padding=1)
    local = c.row("locally connected")
    assert local.parameters == 15 and local.nonzeros == 13
    assert local.tie_set_sizes == ((1, 13), (0, 2))  # two taps read padding only
    assert local.gradient == 0  # the first weight's tap reads the left padding


def test_compare_layers_renders_text_and_plain_tabular(pdflatex: str, tmp_path: Path) -> None:
    c = compare_layers(4, 2, tile=2)
    text = str(c).splitlines()
    assert text[0].split()[:3] == ["layer", "parameters", "nonzeros"]
    assert text[3].startswith("tiled (t = 2)") and text[3].endswith("dL/dK0_0 = g0*x0 + g2*x2")
    tex = c.to_latex()
    assert tex.startswith(r"\begin{tabular}{lrrlp{0.25\linewidth}}") and r"\toprule" not in tex
    assert r"tiled ($t = 2$) & $4$ & $6$ & $2 \times 2 + 2 \times 1$" in tex
    source = tmp_path / "table.tex"
    source.write_text(document("Comparison", [tex, table("l", ["a"], [["b"]])]))
    subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", source.name],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert (tmp_path / "table.pdf").exists()


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: locally_connected1d([1, 2, 3], [[1, 1]]),
            ValueError,
            r"w has kernels for output positions \(1,\) but the layer has outputs \(2,\)",
        ),
        (
            lambda: tiled_conv1d([1, 2, 3], [[1, 0], [1]]),
            ValueError,
            r"kernel 1 of kernels has shape \(1,\) but kernel 0 has \(2,\)",
        ),
        (
            lambda: tiled_conv2d([[1, 2], [3, 4]], [[[[1]], [[2]]]]),
            ValueError,
            r"kernels is a 1 x 2 grid; a tiled 2-D layer needs a t x t grid",
        ),
        (
            lambda: tiled_conv2d([[1, 2], [3, 4]], [[[[1]], [[2]]], [[[3]]]]),
            ValueError,
            r"kernels is ragged: its rows hold \[2, 1\] kernels",
        ),
        (lambda: tiled_conv1d([1, 2], []), ValueError, r"kernels is empty"),
        (lambda: tiled_conv1d([1, 2], "ab"), TypeError, r"kernels is the string 'ab'"),
        (lambda: tiled_conv1d([1, 2], {1: 2}), TypeError, r"kernels is a dict, which has no order"),
        (
            lambda: tiled_conv1d([1, 2], 3),
            TypeError,
            r"kernels must be a sequence of kernels, got int",
        ),
        (
            lambda: locally_connected1d(
                Matrix([[1, 2, 3]]), Array([[[[1, 1]], [[1, 1]]]]).reshape(1, 2, 2, 1)
            ),
            ValueError,
            r"w has shape \(1, 2, 2, 1\): 2 input channel\(s\), but the input has shape \(1, 3\)",
        ),
        (
            lambda: locally_connected_layer([1, 2, 3], [[1, 1], [1, 1]], dims=3),
            ValueError,
            r"dims must be 1 or 2 \(spatial axes of the layer\), got 3",
        ),
        (
            lambda: locally_connected1d([1, 2, 3], [[1, 1], [1, 1]], stride=0),
            ValueError,
            r"stride must be an integer >= 1, got 0",
        ),
        (
            lambda: unshared_grads(locally_connected_layer([1, 2, 3], [[1, 1], [1, 1]]), [1, 2, 3]),
            ValueError,
            r"upstream has shape \(3,\) but the layer's output has shape \(2,\)",
        ),
        (
            lambda: prove_tiled([1, 2, 3], [[1, 1]], matrix=Matrix([[1, 1, 0]])),
            ValueError,
            r"the claimed matrix has shape \(1, 3\); this layer needs \(2, 3\)",
        ),
        (
            lambda: prove_tiled([1, 2, 3], [[1, 1]], matrix=[[1, 1, 0], [0, 1, 1]]),
            TypeError,
            r"matrix must be a sympy Matrix or a BandedMatrix, got list",
        ),
        (
            lambda: prove_locally_connected([1, 2, 3], [[1, 1], [1, 1]], grad_w=[1, 2, 3]),
            ValueError,
            r"the claimed weight gradient has 3 entries; the layer has 4 weights",
        ),
        (
            lambda: prove_locally_connected([1, 2, 3], [[1, 1], [1, 1]], grad_w="g"),
            TypeError,
            r"the claimed weight gradient is the string 'g'",
        ),
        (lambda: compare_layers(3, 2, tile=0), ValueError, r"tile must be an integer >= 1, got 0"),
        (
            lambda: compare_layers(3, 2, tile=1.5),
            TypeError,
            r"tile must be an integer >= 1, got 1.5 of type float",
        ),
    ],
)
def test_errors_name_the_value_and_what_is_allowed(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()


def test_entries_are_never_evaluated_from_text() -> None:
    with pytest.raises(TypeError, match="strings are never evaluated"):
        locally_connected1d("1,2,3", [[1, 1], [1, 1]])
    with pytest.raises(TypeError, match="strings are never evaluated"):
        tiled_conv1d([1, 2, 3], [["1", "2"]])
    assert tiled_conv1d([1, 2, 3], [[S.Half, 1]]).T == Matrix([[S(5) / 2, 4]])
