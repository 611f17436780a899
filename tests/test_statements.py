"""Every proof's ``statement`` is a sentence that is true: read it, then evaluate it.

Each prover symconv exports, and each theorem of :func:`symconv.general.all_proofs`, has
an evaluator in a table here (:data:`CONCRETE`, :data:`GENERAL`). An evaluator reads the
numbers and the claims out of the statement's plain text (sizes, settings, output counts,
which kernel multiplies the data matrix) and checks each claim independently, with the
public operations (``conv1d``, ``conv_matrix``, ``im2col``, ``conv2d``, ``convnd``,
``conv_transpose1d``, ...) and ``sympy.diff``, symbolically (expand to zero). A prover
without an entry fails :func:`test_every_prover_has_a_statement_check`, so a new prover
cannot ship a sentence no test reads. Negative tests change one word or number of a true
statement and require its evaluator to reject it, so the evaluators can fail.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import Any

import pytest
import sympy
from sympy import Array, Matrix, Symbol, cyclotomic_poly, symbols

import symconv
from symconv import (
    circulant,
    circular_correlation,
    conv1d,
    conv2d,
    conv2d_matrix,
    conv_matrix,
    conv_transpose1d,
    conv_transpose2d,
    convnd,
    convnd_matrix,
    im2col,
    im2col2d,
    locally_connected1d,
    locally_connected2d,
    locally_connected_layer,
    symbolic_matrix,
    symbolic_vector,
    tiled_conv1d,
    tiled_layer,
    unshared_band,
    unshared_im2col,
    windows,
)
from symconv.general import all_proofs
from symconv.proofs.proof import Proof

# --- helpers -------------------------------------------------------------------------------


def text_of(proof: Proof) -> str:
    return str(proof.statement)


def found(pattern: str, text: str) -> re.Match[str]:
    """The match of ``pattern`` in the statement, or a failure quoting the statement."""
    match = re.search(pattern, text)
    assert match is not None, f"the statement does not say {pattern!r}: {text!r}"
    return match


def says(phrase: str, text: str) -> None:
    assert phrase in text, f"the statement does not claim {phrase!r}: {text!r}"


def numbers(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in re.findall(r"\d+", text))


def flat(values: Any) -> list[Any]:
    """Entries of a Matrix or Array (row-major, channel-major), or of a nested list."""
    if isinstance(values, (Matrix, sympy.ImmutableMatrix)):
        return list(values)
    if isinstance(values, sympy.NDimArray):
        return list(Array(values).reshape(len(values)))
    if isinstance(values, (list, tuple)):
        return [e for v in values for e in flat(v)]
    return [values]


def is_zero(expr: Any) -> bool:
    return sympy.expand(expr) == 0


def assert_same(left: Sequence[Any], right: Sequence[Any], what: str) -> None:
    left, right = list(left), list(right)
    assert len(left) == len(right), f"{what}: {len(left)} entries != {len(right)}"
    for n, (a, b) in enumerate(zip(left, right)):
        assert is_zero(a - b), f"{what}: entry {n}: {a} != {b}"


def differs(left: Sequence[Any], right: Sequence[Any]) -> bool:
    left, right = list(left), list(right)
    return len(left) != len(right) or any(not is_zero(a - b) for a, b in zip(left, right))


def array(name: str, shape: tuple[int, ...]) -> Array:
    """A symbolic array ``name_<indices>`` of ``shape``."""
    entries = [
        Symbol(f"{name}_{''.join(map(str, idx))}")
        for idx in itertools.product(*(range(n) for n in shape))
    ]
    return Array(entries, shape)


def shape_of(values: Any) -> tuple[int, ...]:
    """The shape as plain ints (a SymPy Array's shape is a SymPy Tuple)."""
    return tuple(int(n) for n in values.shape)


def ties(T: Matrix, weight: Symbol) -> list[tuple[int, int]]:
    """The entries of T that hold ``weight``; each must hold it once (coefficient 1)."""
    held = []
    for i in range(T.rows):
        for j in range(T.cols):
            coefficient = sympy.expand(T[i, j]).coeff(weight)
            if coefficient != 0:
                assert coefficient == 1, (
                    f"T[{i},{j}] = {T[i, j]} holds {weight} {coefficient} times"
                )
                held.append((i, j))
    return held


def gradient_step_keeps_ties(
    T: Matrix, T_new: Matrix, weights: Sequence[Symbol], new_weights: Sequence[Any]
) -> None:
    """``T(w - eta dL/dw)`` has T's zeros and T's tie map (each entry the same weights)."""
    for i in range(T.rows):
        for j in range(T.cols):
            if T[i, j] == 0:
                assert is_zero(T_new[i, j]), f"the step fills the zero T[{i},{j}]"
    expected = T.xreplace(dict(zip(weights, new_weights)))
    assert_same(flat(T_new), flat(expected), "T(w') has the tie map of T(w)")


ETA = Symbol("eta")


# --- the concrete provers: one evaluator each ----------------------------------------------

PADDING_1D = r"\(stride (\d+), padding \((\d+), (\d+)\), dilation (\d+)\)"


def padding_mode_of(proof: Proof) -> str:
    for assumption in proof.assumptions:
        match = re.search(r"padded by the (\w+) mode", str(assumption))
        if match:
            return match.group(1)
    return "zeros"


def check_matrix_form(proof: Proof, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """'For the <kind> of x in R^m with w in R^n (stride s, padding (l, r), dilation d):
    every output is one sliding dot product [with w' = rev w], and
    conv1d(x, w) = T(w) x = X(x) w[']: L outputs.'"""
    x, w = args
    text = text_of(proof)
    m, n = numbers(found(r"x in R\^(\d+) with w in R\^(\d+)", text).group(0))[:2]
    s, left, right, d = numbers(found(PADDING_1D, text).group(0))
    assert (m, n) == (len(x), len(w)), f"sizes {(m, n)} are not the layer's"
    kind = found(r"For the (convolution \(flipped kernel\)|cross-correlation)", text).group(1)
    flipped = kind.startswith("convolution")
    reversed_w = "w' = rev w" in text
    assert reversed_w == flipped, "w' = rev w is stated exactly for the flipped kernel"
    claimed = found(r"= T\(w\) x = X\(x\) (w'?)[,.]", text).group(1)
    assert claimed != "w'" or reversed_w, "w' is used but not defined"
    weights = list(w)[::-1] if claimed == "w'" else list(w)
    settings: dict[str, Any] = {
        "stride": s,
        "padding": (left, right),
        "dilation": d,
        "padding_mode": padding_mode_of(proof),
    }
    z = conv1d(x, w, **kwargs)  # the layer the prover was asked about
    T = conv_matrix(w, m, flip=flipped, **settings)
    X = im2col(x, n, **settings)
    assert_same(flat(z), flat(T * Matrix(x)), "conv1d(x, w) = T(w) x")
    assert_same(flat(z), flat(X * Matrix(weights)), f"conv1d(x, w) = X(x) {claimed}")
    for i, window in enumerate(windows(x, n, **settings)):
        assert is_zero(z[i] - sum(a * b for a, b in zip(window, weights))), f"output {i}"
    (count,) = numbers(found(r"(\d+) outputs", text).group(0))
    assert count == len(z), f"{count} outputs stated, the layer has {len(z)}"
    if flipped:  # the sentence matters: X(x) w, unreversed, is not the layer
        assert differs(flat(z), flat(X * Matrix(w))), "X(x) w would be true as well"


def check_tied_gradients(proof: Proof, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """'For L = sum_i g_i z_i with z = T(w) x: dL/dw_k is the sum of dL/du_ij over the
    entries of T holding w_k, dL/dx = T^T g, and a gradient step on w keeps T banded and
    tied.' With flip, also the step's 'weight gradient is rev(X^T g)'."""
    x, w, g = args
    text = text_of(proof)
    says("z = T(w) x", text)
    says("dL/dw_k is the sum of dL/du_ij over the entries of T holding w_k", text)
    says("dL/dx = T^T g", text)
    says("a gradient step on w keeps T banded and tied", text)
    z = conv1d(x, w, **kwargs)
    loss = sum(gi * zi for gi, zi in zip(g, z))
    T = conv_matrix(w, len(x), **kwargs)
    assert_same(flat(z), flat(T * Matrix(x)), "z = T(w) x")
    grad_w = [sympy.diff(loss, wk) for wk in w]
    for k, wk in enumerate(w):
        untied = sum(g[i] * x[j] for i, j in ties(T, wk))  # dL/du_ij = g_i x_j
        assert is_zero(grad_w[k] - untied), f"dL/dw_{k} is not its tie set's sum"
    assert_same([sympy.diff(loss, xj) for xj in x], flat(T.T * Matrix(g)), "dL/dx = T^T g")
    new = [wk - ETA * gk for wk, gk in zip(w, grad_w)]
    gradient_step_keeps_ties(T, conv_matrix(new, len(x), **kwargs), list(w), new)
    if kwargs.get("flip"):
        keys = ("stride", "padding", "dilation", "padding_mode")
        X = im2col(x, len(w), **{key: kwargs[key] for key in keys if key in kwargs})
        data = flat(X.T * Matrix(g))
        assert_same(grad_w, data[::-1], "dL/dw = rev(X^T g)")
        assert differs(grad_w, data), "X^T g, unreversed, would be true as well"
        assert "weight gradient is rev(X^T g)" in [str(step.name) for step in proof.steps]


PADDING_2D = (
    r"of a (\d+)x(\d+) image with a (\d+)x(\d+) kernel \(stride \((\d+), (\d+)\), "
    r"padding \(\((\d+), (\d+)\), \((\d+), (\d+)\)\), dilation \((\d+), (\d+)\)\): "
    r"(\d+)x(\d+) outputs"
)


def read_2d(
    text: str,
) -> tuple[bool, tuple[int, int], tuple[int, int], dict[str, Any], tuple[int, int]]:
    kind = found(r"the 2-D (convolution \(kernel rotated 180 degrees\)|cross-correlation)", text)
    values = numbers(found(PADDING_2D, text).group(0))
    h, wd, kh, kw, s1, s2, t, b, le, r, d1, d2, oh, ow = values
    settings = {"stride": (s1, s2), "padding": ((t, b), (le, r)), "dilation": (d1, d2)}
    return kind.group(1).startswith("convolution"), (h, wd), (kh, kw), settings, (oh, ow)


def rot180(k: Matrix) -> Matrix:
    return Matrix(k.rows, k.cols, lambda a, b: k[k.rows - 1 - a, k.cols - 1 - b])


def check_matrix_form2d(proof: Proof, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """'For the 2-D <kind> of a hxw image with a khxkw kernel (...): oh x ow outputs:
    conv2d(x, k) = T(k) vec(x) = X(x) vec(k') [with k' = rot180(k)], with T doubly-block
    Toeplitz and vec row-major.'"""
    x, k = args
    text = text_of(proof)
    flipped, shape, kshape, settings, out = read_2d(text)
    assert (shape, kshape) == (shape_of(x), k.shape)
    claimed = found(r"= X\(x\) vec\((k'?)\)", text).group(1)
    defined = "k' = rot180(k)" in text
    assert defined == flipped, "k' = rot180(k) is stated exactly for the flipped kernel"
    assert claimed != "k'" or defined, "the statement uses k' without saying what k' is"
    kernel = rot180(k) if claimed == "k'" else k
    z = conv2d(x, k, **kwargs)
    T = conv2d_matrix(k, shape, flip=flipped, **settings)
    X = im2col2d(x, kshape, **settings)
    assert z.shape == out, f"{out} outputs stated, the layer has {z.shape}"
    assert_same(flat(z), flat(T * Matrix(flat(x))), "conv2d(x, k) = T(k) vec(x)")
    assert_same(flat(z), flat(X * Matrix(flat(kernel))), "conv2d(x, k) = X(x) vec(k')")
    says("T doubly-block Toeplitz", text)
    blocks_are_toeplitz(T, shape, out, settings["stride"])
    if flipped:
        assert differs(flat(z), flat(X * Matrix(flat(k)))), "X(x) vec(k) would be true too"


def blocks_are_toeplitz(
    T: Matrix, shape: tuple[int, int], out: tuple[int, int], stride: tuple[int, int]
) -> None:
    """Doubly-block Toeplitz: the entry for output (a, i) and input (b, j) depends only on
    the offsets (b - s_1 a, j - s_2 i) (one weight, or zero, per offset pair)."""
    (_, w), (_, ow) = shape, out
    seen: dict[tuple[int, int], Any] = {}
    for row in range(T.rows):
        a, i = divmod(row, ow)
        for col in range(T.cols):
            b, j = divmod(col, w)
            key = (b - stride[0] * a, j - stride[1] * i)
            value = seen.setdefault(key, T[row, col])
            assert is_zero(value - T[row, col]), f"T is not doubly-block Toeplitz at {key}"


def check_tied_gradients2d(proof: Proof, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """'For L = sum_{i,j} g_ij y_ij with y = T(k) vec(x), <layer>: dL/dk_ab is the sum of
    dL/du over the entries of T holding k_ab, dL/dx = T^T g, and a gradient step on k
    keeps T doubly-block Toeplitz and tied.'"""
    x, k, g = args
    text = text_of(proof)
    flipped, shape, kshape, settings, out = read_2d(text)
    assert flipped == bool(kwargs.get("flip")) and shape == shape_of(x) and kshape == k.shape
    says("dL/dk_ab is the sum of dL/du over the entries of T holding k_ab", text)
    says("dL/dx = T^T g", text)
    says("keeps T doubly-block Toeplitz and tied", text)
    z = conv2d(x, k, **kwargs)
    assert z.shape == out
    loss = sum(a * b for a, b in zip(flat(g), flat(z)))
    T = conv2d_matrix(k, shape, flip=flipped, **settings)
    xs, gs, ks = flat(x), flat(g), flat(k)
    assert_same(flat(z), flat(T * Matrix(xs)), "y = T(k) vec(x)")
    grads = [sympy.diff(loss, kab) for kab in ks]
    for n, kab in enumerate(ks):
        untied = sum(gs[i] * xs[j] for i, j in ties(T, kab))
        assert is_zero(grads[n] - untied), f"dL/d{kab} is not its tie set's sum"
    assert_same([sympy.diff(loss, v) for v in xs], flat(T.T * Matrix(gs)), "dL/dx = T^T g")
    new = Matrix(k.rows, k.cols, [v - ETA * gv for v, gv in zip(ks, grads)])
    T_new = conv2d_matrix(new, shape, flip=flipped, **settings)
    gradient_step_keeps_ties(T, T_new, ks, flat(new))
    blocks_are_toeplitz(T_new, shape, out, settings["stride"])


CHANNELS = (
    r"(\d+) -> (\d+) channels in (\d+) group\(s\), input \(([\d, ]+)\), "
    r"kernel \(([\d, ]+)\), output \(([\d, ]+)\)(, with bias)?"
)


def read_channels(
    text: str, x: Array, w: Array, bias: Any
) -> tuple[int, int, int, tuple[int, ...]]:
    match = found(CHANNELS, text)
    c_in, c_out, groups = (int(match.group(n)) for n in (1, 2, 3))
    assert numbers(match.group(4)) == shape_of(x), f"input {match.group(4)} is not {shape_of(x)}"
    assert numbers(match.group(5)) == shape_of(w), f"kernel {match.group(5)} is not {shape_of(w)}"
    assert (match.group(7) is not None) == (bias is not None), "'with bias' is wrong"
    return c_in, c_out, groups, numbers(match.group(6))


def zero_blocks_across_groups(
    T: Matrix, c_in: int, c_out: int, groups: int, p_size: int, q_size: int
) -> None:
    for o in range(c_out):
        for c in range(c_in):
            if o // (c_out // groups) != c // (c_in // groups):
                block = T[o * p_size : (o + 1) * p_size, c * q_size : (c + 1) * q_size]
                assert block.is_zero_matrix, f"block ({o}, {c}) across groups is not zero"


def check_channels(proof: Proof, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """'For C_in -> C_out channels in G group(s), input (...), kernel (...), output (...)
    [, with bias]: y = T(w) x + b with T block-structured by groups.'"""
    x, w = args
    text = text_of(proof)
    c_in, c_out, groups, out = read_channels(text, x, w, kwargs.get("bias"))
    assert (c_in, c_out, groups) == (shape_of(x)[0], shape_of(w)[0], kwargs.get("groups", 1))
    says("y = T(w) x + b with T block-structured by groups", text)
    y = convnd(x, w, **kwargs)
    assert shape_of(y) == out, f"output {out} stated, the layer gives {shape_of(y)}"
    keys = ("groups", "stride", "padding", "dilation", "flip")
    T = convnd_matrix(w, shape_of(x), **{key: kwargs[key] for key in keys if key in kwargs})
    p_size = len(flat(y)) // c_out
    b = kwargs.get("bias") or [0] * c_out
    offset = [b[n // p_size] for n in range(len(flat(y)))]
    assert_same(flat(y), [e + o for e, o in zip(flat(T * Matrix(flat(x))), offset)], "y = T x + b")
    zero_blocks_across_groups(T, c_in, c_out, groups, p_size, len(flat(x)) // c_in)


def check_channel_gradients(proof: Proof, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """'For L = sum g y, <layer>: dL/dw is the sum over each tie set, dL/dx = T^T g,
    dL/db_o = sum_p g_{o,p}, and a step on w keeps the zero blocks of T and its ties.'"""
    x, w, g = args
    text = text_of(proof)
    bias = kwargs.get("bias")
    c_in, c_out, groups, out = read_channels(text, x, w, bias)
    for phrase in (
        "dL/dw is the sum over each tie set",
        "dL/dx = T^T g",
        "dL/db_o = sum_p g_{o,p}",
        "a step on w keeps the zero blocks of T and its ties",
    ):
        says(phrase, text)
    y = convnd(x, w, **kwargs)
    assert shape_of(y) == out == shape_of(g)
    keys = ("groups", "stride", "padding", "dilation", "flip")
    settings = {key: kwargs[key] for key in keys if key in kwargs}
    T = convnd_matrix(w, shape_of(x), **settings)
    xs, gs, ws = flat(x), flat(g), flat(w)
    loss = sum(a * b for a, b in zip(gs, flat(y)))
    grads = [sympy.diff(loss, v) for v in ws]
    for n, v in enumerate(ws):
        untied = sum(gs[i] * xs[j] for i, j in ties(T, v))
        assert is_zero(grads[n] - untied), f"dL/d{v} is not its tie set's sum"
    assert_same([sympy.diff(loss, v) for v in xs], flat(T.T * Matrix(gs)), "dL/dx = T^T g")
    if bias is not None:
        p_size = len(gs) // c_out
        sums = [sum(gs[o * p_size : (o + 1) * p_size]) for o in range(c_out)]
        assert_same([sympy.diff(loss, bo) for bo in bias], sums, "dL/db_o = sum_p g_op")
    new = [v - ETA * gv for v, gv in zip(ws, grads)]
    T_new = convnd_matrix(Array(new, shape_of(w)), shape_of(x), **settings)
    gradient_step_keeps_ties(T, T_new, ws, new)
    zero_blocks_across_groups(T_new, c_in, c_out, groups, len(gs) // c_out, len(xs) // c_in)


def check_batch_gradients(proof: Proof, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """'For a batch of N samples, <layer>, and L = sum_n g_n . y_n: dL/dw = sum_n dL_n/dw
    and dL/dx_n depends on sample n only.'"""
    x, w, g = args
    text = text_of(proof)
    (batch,) = numbers(found(r"For a batch of (\d+) samples", text).group(0))
    assert batch == shape_of(x)[0]
    match = found(CHANNELS, text)
    assert numbers(match.group(4)) == shape_of(x) and numbers(match.group(6)) == shape_of(g)
    says("dL/dw = sum_n dL_n/dw and dL/dx_n depends on sample n only", text)
    y = convnd(x, w, **kwargs)  # the batched layer
    loss = sum(a * b for a, b in zip(flat(g), flat(y)))
    ws = flat(w)
    per_sample = []
    for n in range(batch):
        sample = convnd(Array(x[n]), w, **kwargs)  # one sample alone
        per_sample.append(sum(a * b for a, b in zip(flat(Array(g[n])), flat(sample))))
    assert_same(
        [sympy.diff(loss, v) for v in ws],
        [sum(sympy.diff(part, v) for part in per_sample) for v in ws],
        "dL/dw = sum_n dL_n/dw",
    )
    for n in range(batch):
        others = set()
        for m in range(batch):
            if m != n:
                others |= set(flat(Array(x[m]))) | set(flat(Array(g[m])))
        for v in flat(Array(x[n])):
            grad = sympy.diff(loss, v)
            assert not grad.free_symbols & others, f"dL/d{v} reads another sample"
            assert is_zero(grad - sympy.diff(per_sample[n], v)), f"dL/d{v} is not sample {n}'s"


TRANSPOSED = (
    r"For y of shape \(([\d, ]+)\) with kernel \(([\d, ]+)\) \(stride (.+?), padding (.+?), "
    r"dilation (.+?)\) -> output \(([\d, ]+)\)(; (\d+) -> (\d+) channels in (\d+) group\(s\))?"
)


def check_transposed(proof: Proof, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """'For y of shape (...) with kernel (...) (stride, padding, dilation) -> output (...)
    [; channels]: conv_transpose(y, w) = C(w)^T y with C the matrix of the forward
    convolution with the same stride, padding and dilation on inputs of the output's
    shape.'"""
    y, w = args
    text = text_of(proof)
    match = found(TRANSPOSED, text)
    bias = kwargs.get("bias")
    tail = r" \+ b \(each output channel's bias" if bias is not None else " with C the matrix"
    found(r"conv\\?_transpose\(y, w\) = C\(w\)\^T y" + tail, text)
    out = numbers(match.group(6))
    keys = ("stride", "padding", "dilation")
    settings = {key: kwargs[key] for key in keys if key in kwargs}
    channels = match.group(7) is not None
    two_d = len(out) == 2
    transposed = conv_transpose2d if two_d else conv_transpose1d
    result = transposed(y, w, **kwargs)
    if channels:
        c_out_t, groups = int(match.group(9)), int(match.group(10))
        assert groups == kwargs.get("groups", 1)
        C = convnd_matrix(w, (c_out_t, *out), groups=groups, **settings)
        assert tuple(shape_of(result)) == (c_out_t, *out)
    elif two_d:
        C = conv2d_matrix(w, (out[0], out[1]), **settings)
        assert shape_of(result) == out
    else:
        C = conv_matrix(w, out[0], **settings)
        assert (len(result),) == out
    expected = flat(C.T * Matrix(flat(y)))
    if bias is not None:
        per_channel = len(expected) // len(bias)
        expected = [e + bias[n // per_channel] for n, e in enumerate(expected)]
    assert_same(flat(result), expected, "conv_transpose(y, w) = C(w)^T y (+ b)")


def dft_identity(c: Sequence[Any], n: int, z: Symbol) -> tuple[Matrix, Matrix]:
    """``F^-1 diag(F c) F`` with ``omega`` a symbol ``z``, every entry reduced modulo the
    n-th cyclotomic polynomial (so equal entries are equal for omega = e^{-2 pi i/n}),
    and ``diag(F c)``'s entries (the claimed eigenvalues)."""
    F = Matrix(n, n, lambda m, j: z ** ((m * j) % n))
    F_inv = Matrix(n, n, lambda i, m: z ** ((-i * m) % n)) / n
    eigen = F * Matrix(c)
    product = F_inv * sympy.diag(*eigen) * F
    modulus = sympy.Poly(cyclotomic_poly(n, z), z)
    reduced = product.applyfunc(lambda e: sympy.Poly(sympy.expand(e), z).rem(modulus).as_expr())
    return reduced, eigen


def check_circulant_is_diagonalised(C: Matrix, n: int) -> None:
    """C circulant, ``C = circ(c)`` with c its first column, and ``C = F^-1 diag(F c) F``
    entry by entry with omega a primitive n-th root of unity."""
    c = [C[i, 0] for i in range(n)]
    for i in range(n):
        for j in range(n):
            assert is_zero(C[i, j] - c[(i - j) % n]), f"C[{i},{j}] breaks circulant form"
    assert_same(flat(circulant(c)), flat(C), "C = circ(w~)")
    reduced, _ = dft_identity(c, n, Symbol("omega"))
    assert_same(flat(reduced), flat(C), "C = F^-1 diag(F w~) F")


def check_convolution_theorem(proof: Proof, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """'For w in R^K and n = N: circular cross-correlation (PyTorch's padding mode
    circular, same, stride 1) is z = C x with C = circ(w~) circulant, and
    C = F^-1 diag(F w~) F with F_mj = omega^{m j}, omega = e^{-2pi i/n}: the
    eigenvalues of C are the DFT of w~'."""
    w, n = args
    text = text_of(proof)
    size, count = numbers(found(r"w in R\^(\d+) and n = (\d+)", text).group(0))
    assert (size, count) == (len(w), n)
    says("padding mode circular, same, stride 1", text)
    says("C = F^{-1} diag(F w~) F with F_mj = omega^{m j}, omega = e^{-2pi i/n}", text)
    x = symbolic_vector("x", n)
    z = conv1d(x, w, padding="same", padding_mode="circular")  # PyTorch's convention
    assert_same(flat(z), flat(circular_correlation(x, w)), "the op is circular correlation")
    C = Matrix(z).jacobian(Matrix(x))
    assert_same(flat(z), flat(C * Matrix(x)), "z = C x")
    check_circulant_is_diagonalised(C, n)


def shifted(x: Sequence[Any], shift: int) -> list[Any]:
    return list(symbolic_vector("u", shift)) + list(x)[: len(x) - shift] if shift else list(x)


def check_translation_equivariance(
    proof: Proof, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """'Shifting the input by sigma = s * tau positions (x'_j = x_{j - sigma}, with sigma
    new entries at the left) shifts the outputs by tau: z'_i = z_{i - tau} exactly for the
    outputs defined on both sides, i in {...} of 0, ..., L-1.'"""
    x, w = args
    text = text_of(proof)
    sigma, s, tau = numbers(found(r"Shifting the input by (\d+) = (\d+) \* (\d+)", text).group(0))
    assert sigma == s * tau and s == kwargs.get("stride", 1)
    match = found(r"i in \{([\d, ]*)\} of 0, \.\.\., (\d+)", text)
    both = set(numbers(match.group(1)))
    last = int(match.group(2))
    found(rf"x'_j = x_{{j - {sigma}}}, with {sigma} new entries at the left", text)
    settings = {k: v for k, v in kwargs.items() if k in ("stride", "padding", "dilation")}
    z = conv1d(x, w, **settings)
    z_shifted = conv1d(shifted(x, sigma), w, **settings)
    assert len(z) == len(z_shifted) == last + 1, f"outputs 0..{last} stated, {len(z)} found"
    exact = {
        i for i in range(len(z)) if 0 <= i - tau < len(z) and is_zero(z_shifted[i] - z[i - tau])
    }
    assert exact == both, f"z'_i = z_(i-tau) exactly for {sorted(exact)}, stated {sorted(both)}"


def check_strided_is_subsampled(
    proof: Proof, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """'With stride s, z^(s)_i = z^(1)_{s i} for i = 0, ..., N-1: the stride-1
    convolution with the same zeros, keeping every s-th of its M outputs.'"""
    x, w, stride = args
    text = text_of(proof)
    match = found(
        r"With stride (\d+), z\^\{\((\d+)\)\}_i = z\^\{\(1\)\}_\{(\d+) i\} for i = 0, \.\.\., (\d+)",
        text,
    )
    s, s1, s2, last = (int(match.group(n)) for n in (1, 2, 3, 4))
    assert s == s1 == s2 == stride
    (total,) = numbers(found(rf"keeping every {s}-th of its (\d+) outputs", text).group(1))
    (assumption,) = proof.assumptions
    pl, pr, d = numbers(
        found(r"padding \((\d+), (\d+)\) zeros, dilation (\d+)", str(assumption)).group(0)
    )
    z_s = conv1d(x, w, stride=s, padding=(pl, pr), dilation=d)
    z_1 = conv1d(x, w, stride=1, padding=(pl, pr), dilation=d)
    assert_same(flat(z_s), flat(conv1d(x, w, stride=stride, **kwargs)), "the layer")
    assert len(z_s) == last + 1 and len(z_1) == total
    assert_same(flat(z_s), [z_1[s * i] for i in range(len(z_s))], "z^(s)_i = z^(1)_(s i)")
    assert len(range(0, total, s)) == len(z_s), "every s-th output, and no more"


def check_dilated_is_zero_inserted(
    proof: Proof, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """'With dilation d, the layer equals the convolution (dilation 1) with the kernel of
    length K that has d-1 zeros between taps, and both have the same matrix T.'"""
    x, w, dilation = args
    text = text_of(proof)
    match = found(
        r"With dilation (\d+), the layer equals the convolution \(dilation 1\) with the "
        r"kernel of length (\d+) that has (\d+) zeros between taps",
        text,
    )
    d, size, gaps = (int(match.group(n)) for n in (1, 2, 3))
    assert d == dilation and gaps == d - 1
    spread: list[Any] = []
    for k, v in enumerate(w):
        spread += ([0] * gaps if k else []) + [v]
    assert len(spread) == size
    settings = {key: kwargs[key] for key in ("stride", "padding") if key in kwargs}
    assert_same(
        flat(conv1d(x, w, dilation=d, **settings)), flat(conv1d(x, spread, **settings)), "layers"
    )
    says("both have the same matrix T", text)
    assert_same(
        flat(conv_matrix(w, len(x), dilation=d, **settings)),
        flat(conv_matrix(spread, len(x), **settings)),
        "same T",
    )


def tap_reads_input(i: int, k: int, m: int, s: int, d: int, pl: int) -> bool:
    return 0 <= i * s + k * d - pl <= m - 1


def check_tied_is_convolution(proof: Proof, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """'A locally connected layer with W_{i,k} = w_k for every output i is the convolution
    with w; the outputs agree for every x only when W_{i,k} = w_k on every tap that reads
    the input; and dL/dw_k = sum_i dL/dW_{i,k}.'"""
    x, w = args
    text = text_of(proof)
    says("A locally connected layer with W_{i,k} = w_k for every output i is the convolution", text)
    says("only when W_{i,k} = w_k on every tap that reads the input", text)
    says("dL/dw_k = sum_i dL/dW_{i,k}", text)
    (assumption,) = proof.assumptions
    s, pl, pr, d = numbers(
        found(
            r"stride (\d+), padding \((\d+), (\d+)\) zeros, dilation (\d+)", str(assumption)
        ).group(0)
    )
    settings = {"stride": s, "padding": (pl, pr), "dilation": d}
    z = conv1d(x, w, **settings)
    count, n = len(z), len(w)
    W = symbolic_matrix("W", count, n)
    tied = Matrix(count, n, lambda i, k: w[k])
    assert_same(flat(locally_connected1d(x, tied, **settings)), flat(z), "tied = convolution")
    difference = Matrix(locally_connected1d(x, W, **settings)) - Matrix(z)
    for i in range(count):
        for k in range(n):
            # the outputs depend on W[i,k] - w_k exactly when that tap reads the input
            moved = difference.xreplace({W[i, k]: w[k] + Symbol("e")})
            reads = any(not is_zero(sympy.diff(e, Symbol("e"))) for e in moved)
            assert reads == tap_reads_input(i, k, len(x), s, d, pl), f"tap ({i}, {k})"
    g = symbolic_vector("g", count)
    loss_local = sum(a * b for a, b in zip(g, locally_connected1d(x, W, **settings)))
    loss_conv = sum(a * b for a, b in zip(g, z))
    at_w = {W[i, k]: w[k] for i in range(count) for k in range(n)}
    for k in range(n):
        summed = sum(sympy.diff(loss_local, W[i, k]) for i in range(count)).xreplace(at_w)
        assert is_zero(sympy.diff(loss_conv, w[k]) - summed), f"dL/dw_{k}"


LAYER = r"\((\d)-D (locally connected|tiled) layer(?: \(period (\d+)\))?: input \(([\d, ]+)\), weights \(([\d, ]+)\) \((\d+) distinct\), output \(([\d, ]+)\)\)"


def unshared_settings(proof: Proof) -> dict[str, Any]:
    first = str(proof.assumptions[0])
    s = numbers(found(r"stride (\d+)", first).group(0))[0]
    d = numbers(found(r"dilation (\d+)", first).group(0))[0]
    pads = numbers(found(r"padding (.*) zeros", first).group(1))
    padding: Any = (
        (pads[0], pads[1]) if len(pads) == 2 else ((pads[0], pads[1]), (pads[2], pads[3]))
    )
    return {"stride": s, "padding": padding, "dilation": d}


def check_unshared_common(
    proof: Proof, x: Any, weights: Any, layer: Any, z: Any, dims: int
) -> tuple[list[Any], list[Any], Any]:
    """'z = T x = X~ w with T on the convolution's band' and the layer's description."""
    text = text_of(proof)
    says("z = T x = X~ w with T on the convolution's band", text)
    match = found(LAYER, text)
    assert int(match.group(1)) == dims
    assert numbers(match.group(4)) == tuple(Matrix(x).shape if dims == 2 else (len(x),))
    assert numbers(match.group(7)) == (tuple(z.shape) if dims == 2 else (len(z),))
    ws = flat(weights)
    assert int(match.group(6)) == len(set(ws) - {0}), "distinct weights"
    xs, zs = flat(x), flat(z)
    T = unshared_band(layer).to_matrix()
    assert_same(zs, flat(T * Matrix(xs)), "z = T x")
    assert_same(zs, flat(unshared_im2col(layer) * Matrix(ws)), "z = X~ w")
    settings = unshared_settings(proof)
    generic = symbolic_vector("v", Matrix(weights).shape[-1]) if dims == 1 else None
    band = (
        conv_matrix(generic, len(xs), **settings)
        if dims == 1
        else conv2d_matrix(
            symbolic_matrix("v", *layer_kernel(weights)), Matrix(x).shape, **settings
        )
    )
    for i in range(T.rows):
        for j in range(T.cols):
            if T[i, j] != 0:
                assert band[i, j] != 0, f"T[{i},{j}] is off the convolution's band"
    return xs, zs, settings


def layer_kernel(weights: Array) -> tuple[int, int]:
    return tuple(Array(weights).shape[-2:])  # type: ignore[return-value]


def check_locally_connected(proof: Proof, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """'Every output i has its own kernel W_(i): z = T x = X~ w with T on the convolution's
    band, and each weight's gradient is its one entry's g_i x_j (<layer>).'"""
    x, W = args
    dims = kwargs.get("dims", 1)
    text = text_of(proof)
    says("Every output i has its own kernel W_{(i)}", text)
    says("each weight's gradient is its one entry's g_i x_j", text)
    layer = locally_connected_layer(x, W, **kwargs)
    z = (locally_connected2d if dims == 2 else locally_connected1d)(
        x, W, **{k: v for k, v in kwargs.items() if k != "dims"}
    )
    xs, zs, _ = check_unshared_common(proof, x, W, layer, z, dims)
    g = symbolic_vector("g", len(zs))
    loss = sum(a * b for a, b in zip(g, zs))
    settings = unshared_settings(proof)
    strides = settings["stride"], settings["stride"]
    dilations = settings["dilation"], settings["dilation"]
    pads = settings["padding"] if dims == 2 else (settings["padding"],)
    shape = shape_of(Array(W))
    image = Matrix(x) if dims == 2 else Matrix([list(x)])
    for index in itertools.product(*(range(n) for n in shape)):
        outputs, taps = index[:dims], index[dims:]
        read = [outputs[a] * strides[a] + taps[a] * dilations[a] - pads[a][0] for a in range(dims)]
        row = (outputs[0] * shape[1] + outputs[1]) if dims == 2 else outputs[0]
        grad = sympy.diff(loss, Array(W)[index])
        inside = all(in_range(read[a], image.shape[a + 2 - dims]) for a in range(dims))
        entry = image[read[0], read[1]] if dims == 2 else image[0, read[0]]
        expected = g[row] * entry if inside else 0
        assert is_zero(grad - expected), f"dL/dW{index} = {grad}, not one entry's {expected}"


def check_tiled(proof: Proof, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """'Output i uses kernel i mod t: z = T x = X~ w with T on the convolution's band, and
    each kernel weight's gradient is the sum of g_i x_j over the outputs i with
    i mod t = r that use it (<layer>).'"""
    x, kernels = args
    text = text_of(proof)
    says("Output i uses kernel i mod t", text)
    says("the sum of g_i x_j over the outputs i with i mod t = r that use it", text)
    (t,) = numbers(found(r"period (\d+)", text).group(0))
    assert t == Matrix(kernels).rows
    layer = tiled_layer(x, kernels, **kwargs)
    z = tiled_conv1d(x, kernels, **kwargs)
    xs, zs, settings = check_unshared_common(proof, x, kernels, layer, z, 1)
    K = Matrix(kernels)
    for i in range(len(zs)):
        own = conv1d(x, list(K.row(i % t)), **settings)
        assert is_zero(zs[i] - own[i]), f"output {i} does not use kernel {i % t}"
    g = symbolic_vector("g", len(zs))
    loss = sum(a * b for a, b in zip(g, zs))
    s, d = settings["stride"], settings["dilation"]
    pl = settings["padding"][0]
    for r in range(t):
        for k in range(K.cols):
            expected = sum(
                g[i] * xs[i * s + k * d - pl]
                for i in range(len(zs))
                if i % t == r and tap_reads_input(i, k, len(xs), s, d, pl)
            )
            assert is_zero(sympy.diff(loss, K[r, k]) - expected), f"dL/dK[{r},{k}]"


#: Every concrete prover symconv exports, and the evaluator of its statement.
CONCRETE: dict[str, Callable[[Proof, tuple[Any, ...], dict[str, Any]], None]] = {
    "prove_matrix_form": check_matrix_form,
    "prove_tied_gradients": check_tied_gradients,
    "prove_matrix_form2d": check_matrix_form2d,
    "prove_tied_gradients2d": check_tied_gradients2d,
    "prove_channels": check_channels,
    "prove_channel_gradients": check_channel_gradients,
    "prove_batch_gradients": check_batch_gradients,
    "prove_transposed": check_transposed,
    "prove_transposed2d": check_transposed,
    "prove_convolution_theorem": check_convolution_theorem,
    "prove_translation_equivariance": check_translation_equivariance,
    "prove_strided_is_subsampled": check_strided_is_subsampled,
    "prove_dilated_is_zero_inserted": check_dilated_is_zero_inserted,
    "prove_tied_is_convolution": check_tied_is_convolution,
    "prove_locally_connected": check_locally_connected,
    "prove_tiled": check_tiled,
}


def v(name: str, n: int) -> Matrix:
    return symbolic_vector(name, n)


def m(name: str, rows: int, cols: int) -> Matrix:
    return symbolic_matrix(name, rows, cols)


#: Small concrete layers for every prover: (prover, arguments, keywords), flipped and not,
#: with stride, dilation and padding (two-sided, and by mode) where the prover takes them.
CASES: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("prove_matrix_form", (v("x", 5), v("w", 3)), {}),
    ("prove_matrix_form", (v("x", 5), v("w", 3)), {"flip": True}),
    ("prove_matrix_form", (v("x", 7), v("w", 3)), {"stride": 2, "padding": 1, "dilation": 2}),
    (
        "prove_matrix_form",
        (v("x", 7), v("w", 3)),
        {"stride": 2, "padding": (1, 2), "dilation": 2, "flip": True},
    ),
    ("prove_matrix_form", (v("x", 5), v("w", 3)), {"padding": 2, "padding_mode": "reflect"}),
    (
        "prove_matrix_form",
        (v("x", 4), v("w", 2)),
        {"padding": (1, 0), "padding_mode": "circular", "flip": True},
    ),
    ("prove_tied_gradients", (v("x", 5), v("w", 3), v("g", 3)), {}),
    ("prove_tied_gradients", (v("x", 5), v("w", 3), v("g", 3)), {"flip": True}),
    (
        "prove_tied_gradients",
        (v("x", 7), v("w", 2), v("g", 3)),
        {"stride": 2, "padding": (1, 0), "dilation": 2, "flip": True},
    ),
    (
        "prove_tied_gradients",
        (v("x", 4), v("w", 3), v("g", 4)),
        {"padding": 1, "padding_mode": "replicate"},
    ),
    ("prove_matrix_form2d", (m("x", 3, 4), m("k", 2, 2)), {}),
    ("prove_matrix_form2d", (m("x", 3, 4), m("k", 2, 2)), {"flip": True, "padding": 1}),
    (
        "prove_matrix_form2d",
        (m("x", 4, 5), m("k", 2, 2)),
        {"stride": (2, 1), "dilation": (1, 2), "padding": ((1, 0), (0, 1))},
    ),
    ("prove_tied_gradients2d", (m("x", 3, 3), m("k", 2, 2), m("g", 2, 2)), {}),
    (
        "prove_tied_gradients2d",
        (m("x", 3, 4), m("k", 2, 2), m("g", 2, 2)),
        {"flip": True, "stride": (1, 2), "padding": ((0, 0), (1, 0))},
    ),
    ("prove_channels", (array("x", (2, 5)), array("w", (2, 2, 3))), {}),
    (
        "prove_channels",
        (array("x", (2, 6)), array("w", (2, 2, 3))),
        {"flip": True, "bias": list(v("b", 2)), "stride": 2, "padding": 1},
    ),
    (
        "prove_channels",
        (array("x", (4, 3, 3)), array("w", (2, 2, 2, 2))),
        {"groups": 2, "flip": True, "dilation": 1},
    ),
    (
        "prove_channel_gradients",
        (array("x", (2, 5)), array("w", (2, 2, 3)), array("g", (2, 3))),
        {"flip": True, "bias": list(v("b", 2))},
    ),
    (
        "prove_channel_gradients",
        (array("x", (2, 6)), array("w", (2, 1, 2)), array("g", (2, 3))),
        {"groups": 2, "stride": 2, "padding": 1, "dilation": 2},
    ),
    (
        "prove_batch_gradients",
        (array("x", (2, 1, 5)), array("w", (1, 1, 3)), array("g", (2, 1, 3))),
        {},
    ),
    (
        "prove_batch_gradients",
        (array("x", (2, 2, 4)), array("w", (2, 1, 2)), array("g", (2, 2, 2))),
        {"groups": 2, "flip": True, "bias": list(v("b", 2)), "stride": 2},
    ),
    ("prove_transposed", (v("y", 3), v("w", 3)), {"stride": 2}),
    (
        "prove_transposed",
        (v("y", 3), v("w", 3)),
        {"stride": 2, "padding": 1, "output_padding": 1, "dilation": 2},
    ),
    (
        "prove_transposed",
        (array("y", (2, 3)), array("w", (2, 1, 3))),
        {"stride": 2, "padding": 1, "output_padding": 1},
    ),
    (
        "prove_transposed",
        (array("y", (2, 3)), array("w", (2, 1, 3))),
        {"stride": 2, "bias": list(v("b", 1))},
    ),
    ("prove_transposed2d", (m("y", 2, 2), m("w", 2, 2)), {"stride": 2}),
    ("prove_transposed2d", (m("y", 2, 3), m("w", 2, 2)), {"stride": (1, 2), "padding": 1}),
    ("prove_convolution_theorem", (v("w", 3), 5), {}),
    ("prove_convolution_theorem", (v("w", 2), 4), {}),
    ("prove_convolution_theorem", (v("w", 4), 4), {}),
    ("prove_translation_equivariance", (v("x", 6), v("w", 2)), {"shift": 1}),
    ("prove_translation_equivariance", (v("x", 8), v("w", 2)), {"shift": 2, "stride": 2}),
    (
        "prove_translation_equivariance",
        (v("x", 7), v("w", 3)),
        {"shift": 1, "padding": 1, "dilation": 2},
    ),
    ("prove_strided_is_subsampled", (v("x", 7), v("w", 3), 2), {"padding": 1}),
    ("prove_strided_is_subsampled", (v("x", 9), v("w", 2), 3), {"dilation": 2}),
    ("prove_dilated_is_zero_inserted", (v("x", 7), v("w", 3), 2), {}),
    ("prove_dilated_is_zero_inserted", (v("x", 9), v("w", 2), 3), {"stride": 2, "padding": 1}),
    ("prove_tied_is_convolution", (v("x", 5), v("w", 2)), {}),
    ("prove_tied_is_convolution", (v("x", 6), v("w", 3)), {"stride": 2, "padding": 1}),
    ("prove_locally_connected", (v("x", 4), m("W", 3, 2)), {}),
    ("prove_locally_connected", (v("x", 5), m("W", 3, 2)), {"stride": 2, "padding": 1}),
    ("prove_locally_connected", (m("x", 3, 3), array("W", (2, 2, 2, 2))), {"dims": 2}),
    ("prove_tiled", (v("x", 5), m("k", 2, 2)), {}),
    ("prove_tiled", (v("x", 7), m("k", 3, 2)), {"stride": 1, "padding": 1, "dilation": 2}),
]


def case_id(case: tuple[str, tuple[Any, ...], dict[str, Any]]) -> str:
    name, _, kwargs = case
    return name + "".join(
        f"-{key}" if key == "bias" else f"-{key}={value}" for key, value in kwargs.items()
    )


def build(case: tuple[str, tuple[Any, ...], dict[str, Any]]) -> Proof:
    name, args, kwargs = case
    return getattr(symconv, name)(*args, **kwargs)


def provers() -> set[str]:
    return {name for name in symconv.__all__ if name.startswith("prove_")}


def test_every_prover_has_a_statement_check() -> None:
    assert provers() == set(CONCRETE), (
        f"provers without a statement check: {sorted(provers() - set(CONCRETE))}; "
        f"checks of no prover: {sorted(set(CONCRETE) - provers())}"
    )
    assert {name for name, _, _ in CASES} == set(CONCRETE), "a prover has no case"


def concrete_params() -> list[Any]:
    params = []
    for case in CASES:
        params.append(pytest.param(case, id=case_id(case)))
    return params


@pytest.mark.parametrize("case", concrete_params())
def test_concrete_statement_is_true(case: tuple[str, tuple[Any, ...], dict[str, Any]]) -> None:
    proof = build(case)
    assert proof.holds, proof.first_failure
    name, args, kwargs = case
    CONCRETE[name](proof, args, kwargs)


# --- the theorems for all sizes: each statement evaluated at concrete sizes ----------------


def in_range(j: int, m: int) -> bool:
    return 0 <= j <= m - 1


def sizes_1d(*, padded: bool = True) -> list[tuple[int, int, int, int, int]]:
    """(m, n, s, d, p) with at least one window: small, with every setting above 1."""
    grid = []
    for m, n, s, d in itertools.product(range(1, 6), range(1, 4), (1, 2, 3), (1, 2)):
        for p in (0, 1, 2) if padded else (0,):
            if m + 2 * p >= d * (n - 1) + 1:
                grid.append((m, n, s, d, p))
    return grid[::7] + [(5, 3, 2, 2, 1), (4, 2, 1, 1, 0), (6, 3, 3, 1, 2)]


def sizes_two_sided(text: str) -> list[tuple[int, int, int, int, int, int]]:
    """(m, n, s, d, p_l, p_r): two-sided paddings when the statement writes p_l and p_r,
    else p_l = p_r = p."""
    if "p_l" not in text:
        return [(m, n, s, d, p, p) for m, n, s, d, p in sizes_1d()]
    grid = []
    for m, n, s, d in itertools.product(range(1, 6), range(1, 4), (1, 2, 3), (1, 2)):
        for pl, pr in itertools.product((0, 1, 2), repeat=2):
            if m + pl + pr >= d * (n - 1) + 1:
                grid.append((m, n, s, d, pl, pr))
    return grid[::11] + [(5, 3, 2, 2, 1, 0), (4, 2, 1, 1, 0, 2), (6, 3, 3, 1, 2, 1)]


def padding_symbols(text: str) -> tuple[str, str]:
    """How the statement writes the left padding and the total padding."""
    return ("p_l", "p_l + p_r") if "p_l" in text else ("p", "2p")


def general_output_length(text: str) -> None:
    """'... Its window lies inside the padded input exactly when
    0 <= i <= floor((m + p_l + p_r - d(n-1) - 1)/s), so the layer has
    L_out = floor((m + p_l + p_r - d(n-1) - 1)/s) + 1 outputs; with p_l = p_r = p,
    floor((m + 2p - d(n-1) - 1)/s) + 1.'"""
    says("Output i reads the padded input at i s + k d - p_l, k = 0, ..., n - 1", text)
    says("exactly when 0 <= i <= floor((m + p_l + p_r - d(n-1) - 1)/s)", text)
    says("= floor((m + p_l + p_r - d(n-1) - 1)/s) + 1 outputs", text)
    says("with p_l = p_r = p, floor((m + 2p - d(n-1) - 1)/s) + 1", text)
    for m, n, s, d in itertools.product(range(1, 6), range(1, 4), (1, 2, 3), (1, 2)):
        for pl, pr in itertools.product((0, 1, 2), repeat=2):
            if m + pl + pr < d * (n - 1) + 1:
                continue
            last = (m + pl + pr - d * (n - 1) - 1) // s
            z = conv1d(list(range(1, m + 1)), [1] * n, stride=s, padding=(pl, pr), dilation=d)
            assert len(z) == last + 1, f"L_out at m={m} n={n} s={s} d={d} p=({pl},{pr})"
            for i in range(last + 3):
                inside = all(-pl <= i * s + k * d - pl <= m + pr - 1 for k in range(n))
                assert inside == (0 <= i <= last), f"window {i} at m={m}"
            if pl == pr:
                assert (m + 2 * pl - d * (n - 1) - 1) // s + 1 == len(z)


def general_banded(text: str) -> None:
    """'With T_ij = sum_k w_k [j = i s + k d - p_l], every output i satisfies
    sum_j T_ij x_j = sum_k w_k x_{i s + k d - p_l} over the taps that land in the input;
    with p_l = p_r = 0 every tap of every output 0 <= i <= L - 1 lands in the input.'"""
    says("T_ij = sum_k w_k [j = i s + k d - p_l]", text)
    says("sum_j T_ij x_j = sum_k w_k x_{i s + k d - p_l} over the taps that land in", text)
    says("With p_l = p_r = 0 every tap of every output 0 <= i <= L - 1 lands in", text)
    for m, n, s, d, pl, pr in sizes_two_sided(text):
        x, w = v("x", m), v("w", n)
        z = conv1d(x, w, stride=s, padding=(pl, pr), dilation=d)
        T = conv_matrix(w, m, stride=s, padding=(pl, pr), dilation=d)
        stated = Matrix(
            [
                [sum(w[k] for k in range(n) if j == i * s + k * d - pl) for j in range(m)]
                for i in range(len(z))
            ]
        )
        assert_same(flat(T), flat(stated), f"T_ij at {(m, n, s, d, pl, pr)}")
        for i in range(len(z)):
            taps = [
                w[k] * x[i * s + k * d - pl] for k in range(n) if in_range(i * s + k * d - pl, m)
            ]
            assert is_zero((T * Matrix(x))[i] - sum(taps)) and is_zero(z[i] - sum(taps))
            if pl == pr == 0:
                assert all(in_range(i * s + k * d, m) for k in range(n))


def linear_loss(g: Sequence[Any], z: Sequence[Any]) -> Any:
    return sum(a * b for a, b in zip(g, z))


def general_tied(text: str) -> None:
    """'For the loss l = sum_i g_i y_i of the layer y = T(w) x: dl/dw_q =
    sum_i g_i x_{i s + q d - p_l} (taps in range), and this is the sum of the untied
    gradients dl/dU_ij = g_i x_j over the tie set {(i, j) : j = i s + q d - p_l} of w_q.'"""
    says("d\u2113 / dw_q = sum_i g_i x_{i s + q d - p_l} (taps in range)", text)
    says("d\u2113 / dU_ij = g_i x_j over the tie set {(i, j) : j = i s + q d - p_l} of w_q", text)
    for m, n, s, d, pl, pr in sizes_two_sided(text):
        x, w = v("x", m), v("w", n)
        z = conv1d(x, w, stride=s, padding=(pl, pr), dilation=d)
        g = v("g", len(z))
        T = conv_matrix(w, m, stride=s, padding=(pl, pr), dilation=d)
        U = m_("U", len(z), m)
        untied = linear_loss(g, U * Matrix(x))
        for i, j in itertools.product(range(len(z)), range(m)):
            assert is_zero(sympy.diff(untied, U[i, j]) - g[i] * x[j])
        for q in range(n):
            grad = sympy.diff(linear_loss(g, z), w[q])
            taps = [(i, i * s + q * d - pl) for i in range(len(z))]
            stated = sum(g[i] * x[j] for i, j in taps if in_range(j, m))
            assert is_zero(grad - stated), f"dl/dw_{q} at {(m, n, s, d, pl, pr)}"
            tie_set = [(i, j) for i, j in taps if in_range(j, m)]
            assert sorted(tie_set) == sorted(ties(T, w[q])), "the tie set of w_q"


def m_(name: str, rows: int, cols: int) -> Matrix:
    return symbolic_matrix(name, rows, cols)


def general_input(text: str) -> None:
    """'dl/dx_r = sum_i T_ir g_i = (T^T g)_r. Summed over the outputs first, only
    i = (r - k d + p_l)/s with s | r - k d + p_l remains; for s = d = 1, p_l = p_r = 0 it
    is the full cross-correlation of g (length m - n + 1) with the flipped kernel.'"""
    says("d\u2113 / dx_r = sum_i T_ir g_i", text)
    says("only i = (r - k d + p_l)/s with s | r - k d + p_l remains", text)
    says("for s = d = 1, p_l = p_r = 0 it is the full cross-correlation of g", text)
    for m, n, s, d, pl, pr in sizes_two_sided(text):
        x, w = v("x", m), v("w", n)
        z = conv1d(x, w, stride=s, padding=(pl, pr), dilation=d)
        g = v("g", len(z))
        T = conv_matrix(w, m, stride=s, padding=(pl, pr), dilation=d)
        grads = [sympy.diff(linear_loss(g, z), xr) for xr in x]
        assert_same(grads, flat(T.T * Matrix(g)), "dl/dx = T^T g")
        for r in range(m):
            stated = sum(
                g[(r - k * d + pl) // s] * w[k]
                for k in range(n)
                if (r - k * d + pl) % s == 0 and 0 <= (r - k * d + pl) // s <= len(z) - 1
            )
            assert is_zero(grads[r] - stated), f"dl/dx_{r} at {(m, n, s, d, pl, pr)}"
        if s == d == 1 and pl == pr == 0:
            assert len(g) == m - n + 1
            full = conv1d(g, list(w)[::-1], padding=n - 1)
            assert_same(grads, flat(full), "full cross-correlation with the flipped kernel")


def general_flip(text: str) -> None:
    """'sum_k w_k x_{i s + (n-1-k) d - p_l} = sum_k w_{n-1-k} x_{i s + k d - p_l} (taps
    in range), the cross-correlation with the reversed kernel. For s = d = 1,
    p_l = p_r = n - 1 it is the text-book full convolution (x * w)_t = sum_j x_j w_{t-j}.'"""
    says("sum_k w_k x_{i s + (n-1-k) d - p_l} = sum_k w_{n-1-k} x_{i s + k d - p_l}", text)
    says("For s = d = 1, p_l = p_r = n - 1 it is the text-book full convolution", text)
    for m, n, s, d, pl, pr in sizes_two_sided(text):
        x, w = v("x", m), v("w", n)
        settings = {"stride": s, "padding": (pl, pr), "dilation": d}
        z = conv1d(x, w, flip=True, **settings)
        assert_same(flat(z), flat(conv1d(x, list(w)[::-1], **settings)), "reversed kernel")
        for i in range(len(z)):
            left = sum(
                w[k] * x[i * s + (n - 1 - k) * d - pl]
                for k in range(n)
                if in_range(i * s + (n - 1 - k) * d - pl, m)
            )
            assert is_zero(z[i] - left), f"output {i} at {(m, n, s, d, pl, pr)}"
        full = conv1d(x, w, flip=True, padding=n - 1)
        textbook = [
            sum(x[j] * w[t - j] for j in range(m) if 0 <= t - j <= n - 1) for t in range(m + n - 1)
        ]
        assert_same(flat(full), textbook, "(x * w)_t = sum_j x_j w_(t-j)")


def general_2d(text: str) -> None:
    """'Theorems 1-5 hold for 2-D convolutions: every index becomes a pair (one per axis),
    every delta a product of per-axis deltas, and every step runs per axis.'"""
    says("Theorems 1-5 hold for 2-D convolutions", text)
    for shape, kshape, s, d, pads in [
        ((3, 4), (2, 2), (1, 2), (1, 1), ((0, 1), (1, 0))),
        ((4, 3), (2, 1), (2, 1), (1, 2), ((1, 1), (0, 0))),
    ]:
        x, k = m_("x", *shape), m_("k", *kshape)
        settings = {"stride": s, "dilation": d, "padding": pads}
        z = conv2d(x, k, **settings)
        # theorem 1 per axis: the output shape is the product of the two lengths
        lengths = tuple(
            (shape[a] + sum(pads[a]) - d[a] * (kshape[a] - 1) - 1) // s[a] + 1 for a in (0, 1)
        )
        assert z.shape == lengths
        # theorem 2: T is the product of per-axis deltas
        T = conv2d_matrix(k, shape, **settings)
        for row, col in itertools.product(range(T.rows), range(T.cols)):
            (i1, i2), (j1, j2) = divmod(row, lengths[1]), divmod(col, shape[1])
            stated = sum(
                k[a, b]
                for a, b in itertools.product(range(kshape[0]), range(kshape[1]))
                if j1 == i1 * s[0] + a * d[0] - pads[0][0]
                and j2 == i2 * s[1] + b * d[1] - pads[1][0]
            )
            assert is_zero(T[row, col] - stated), f"T at {(row, col)}"
        # theorems 3 and 4: tied and input gradients
        g = m_("g", *lengths)
        loss = linear_loss(flat(g), flat(z))
        for q in flat(k):
            untied = sum(flat(g)[i] * flat(x)[j] for i, j in ties(T, q))
            assert is_zero(sympy.diff(loss, q) - untied)
        grads = [sympy.diff(loss, e) for e in flat(x)]
        assert_same(grads, flat(T.T * Matrix(flat(g))), "dl/dx = T^T g in 2-D")
        # theorem 5: the flip per axis is the 180-degree rotation
        assert_same(
            flat(conv2d(x, k, flip=True, **settings)),
            flat(conv2d(x, rot180(k), **settings)),
            "flip",
        )


def general_convolution_theorem(text: str) -> None:
    """'For every n >= 1, omega = e^{-2pi i/n}, F_mj = omega^{m j} and every c in C^n:
    (F^{-1} diag(F c) F)_ij = c_{(i - j) bmod n}, so circ(c) = F^{-1} diag(F c) F has the
    eigenvalues F c. Circular cross-correlation with w (output i reads x_{(i + k - p) bmod
    n}) is circ(w~) with w~_r = sum_k w_k [n | p - k - r]'."""
    says("(F^{-1} diag(F c) F)_ij = c_{(i - j) bmod n}", text)
    says("circ(c) = F^{-1} diag(F c) F has the eigenvalues F c", text)
    says("is circ(w~) with w~_r = sum_k w_k [n | p - k - r]", text)
    z = Symbol("omega")
    for n in range(1, 7):
        c = v("c", n)
        reduced, eigen = dft_identity(c, n, z)
        stated = Matrix([[c[(i - j) % n] for j in range(n)] for i in range(n)])
        assert_same(flat(reduced), flat(stated), f"F^-1 diag(F c) F at n={n}")
        assert_same(flat(circulant(c)), flat(stated), f"circ(c) at n={n}")
        modulus = sympy.Poly(cyclotomic_poly(n, z), z)
        for col in range(n):  # circ(c) v = (F c)_m v for v the m-th column of F^-1
            vec = Matrix([z ** ((-j * col) % n) for j in range(n)])
            residue = [
                sympy.Poly(sympy.expand(e), z).rem(modulus).as_expr()
                for e in circulant(c) * vec - eigen[col] * vec
            ]
            assert all(e == 0 for e in residue), f"eigenvector {col} at n={n}"
        for size in range(1, 5):
            w, x = v("w", size), v("x", n)
            p = (size - 1) // 2  # the op's offset: PyTorch's left "same" padding
            C = Matrix(circular_correlation(x, w)).jacobian(Matrix(x))
            placed = [sum(w[k] for k in range(size) if (p - k - r) % n == 0) for r in range(n)]
            assert_same(flat(C), flat(circulant(placed)), f"circ(w~) at n={n}, K={size}")
            reads = [sum(w[k] * x[(i + k - p) % n] for k in range(size)) for i in range(n)]
            assert_same(flat(C * Matrix(x)), reads, "output i reads x_((i + k - p) mod n)")


def general_translation(text: str) -> None:
    """'With no padding (p = 0), let x'_j = x_{j - tau s} for tau s <= j <= m - 1 and
    x'_j = u_j for 0 <= j <= tau s - 1. Then z'_i = z_{i - tau} for tau <= i <= L - 1, and
    for no other i: the outputs i < tau of x' read an entry u, and the outputs
    i > L - 1 - tau of x have no counterpart in x'.'"""
    says("Then z'_i = z_{i - tau} for tau <= i <= L - 1, and for no other i", text)
    says("the outputs i < tau of x' read an entry u", text)
    for m, n, s, d, _ in sizes_1d(padded=False):
        for tau in range(0, 3):
            if tau * s > m:
                continue
            x, w = v("x", m), v("w", n)
            u = set(symbolic_vector("u", tau * s)) if tau * s else set()
            z = conv1d(x, w, stride=s, dilation=d)
            z_shifted = conv1d(shifted(x, tau * s), w, stride=s, dilation=d)
            assert len(z_shifted) == len(z)
            for i in range(len(z)):
                if i >= tau:
                    assert is_zero(z_shifted[i] - z[i - tau]), f"z'_{i} at {(m, n, s, d, tau)}"
                else:
                    assert z_shifted[i].free_symbols & u, f"z'_{i} reads no u"


def general_strided(text: str) -> None:
    """'z^{(s)}_i = sum_k w_k x~_{i s + k d - p} = z^{(1)}_{i s} for 0 <= i <= L_s - 1,
    L_s = floor((m + 2p - d(n-1) - 1)/s) + 1' (p_l and p_r when two-sided)."""
    left, total = padding_symbols(text)
    says(f"z^{{(s)}}_i = sum_k w_k x~_{{i s + k d - {left}}} = z^{{(1)}}_{{i s}}", text)
    says(f"for 0 <= i <= L_s - 1, L_s = floor((m + {total} - d(n-1) - 1)/s) + 1", text)
    for m, n, s, d, pl, pr in sizes_two_sided(text):
        x, w = v("x", m), v("w", n)
        z_s = conv1d(x, w, stride=s, padding=(pl, pr), dilation=d)
        z_1 = conv1d(x, w, padding=(pl, pr), dilation=d)
        assert len(z_s) == (m + pl + pr - d * (n - 1) - 1) // s + 1
        for i in range(len(z_s)):
            taps = [
                w[k] * x[i * s + k * d - pl] for k in range(n) if in_range(i * s + k * d - pl, m)
            ]
            assert is_zero(z_s[i] - sum(taps)) and is_zero(z_s[i] - z_1[i * s]), f"z_{i}"


def general_dilated(text: str) -> None:
    """'With w^{(d)}_r = sum_k w_k [r = k d] for 0 <= r <= d(n-1): sum_r w^{(d)}_r
    x~_{i s + r - p} = sum_k w_k x~_{i s + k d - p}, the convolution with dilation d.'"""
    left, _ = padding_symbols(text)
    says("w^{(d)}_r = sum_k w_k [r = k d] for 0 <= r <= d(n-1)", text)
    says(f"sum_r w^{{(d)}}_r x~_{{i s + r - {left}}} = sum_k w_k x~_{{i s + k d - {left}}}", text)
    for m, n, s, d, pl, pr in sizes_two_sided(text):
        x, w = v("x", m), v("w", n)
        spread = [sum(w[k] for k in range(n) if r == k * d) for r in range(d * (n - 1) + 1)]
        assert_same(
            flat(conv1d(x, spread, stride=s, padding=(pl, pr))),
            flat(conv1d(x, w, stride=s, padding=(pl, pr), dilation=d)),
            f"at {(m, n, s, d, pl, pr)}",
        )


def general_tied_is_convolution(text: str) -> None:
    """'sum_k W_{i,k} x~_{i s + k d - p} = sum_k w_k x~_{i s + k d - p} when W_{i,k} = w_k;
    and the coefficient of x_{i s + q d - p} in the difference is (W_{i,q} - w_q)
    [0 <= i s + q d - p <= m - 1]' (p_l when two-sided)."""
    left, _ = padding_symbols(text)
    says(
        f"the coefficient of x_{{i s + q d - {left}}} in the difference is (W_{{i,q}} - w_q) "
        f"[0 <= i s + q d - {left} <= m - 1]",
        text,
    )
    for m, n, s, d, pl, pr in sizes_two_sided(text):
        x, w = v("x", m), v("w", n)
        settings = {"stride": s, "padding": (pl, pr), "dilation": d}
        z = conv1d(x, w, **settings)
        W = m_("W", len(z), n)
        local = locally_connected1d(x, W, **settings)
        tied = {W[i, k]: w[k] for i in range(len(z)) for k in range(n)}
        assert_same([e.xreplace(tied) for e in flat(local)], flat(z), "W_ik = w_k")
        for i, q in itertools.product(range(len(z)), range(n)):
            j = i * s + q * d - pl
            if in_range(j, m):
                difference = sympy.expand(local[i] - z[i])
                assert is_zero(difference.coeff(x[j]) - (W[i, q] - w[q])), f"({i}, {q})"


#: Every theorem of all_proofs() (by title), and the evaluator of its statement.


def general_channel_groups(text: str) -> None:
    """'... output channel o reads the input channels of its group floor(o / c_out) ...
    dy_{o,i} / dx_{c,j} ... is 0 when floor(c / c_in) != floor(o / c_out) ...
    dl / dw_{o,e,q} = sum_i g_{o,i} x_{floor(o / c_out) c_in + e, i s + q d - p_l} over the
    taps in range, and dl / db_o = sum_i g_{o,i}.'"""
    says("output channel o reads the input channels of its group floor(o / c_out)", text)
    says("is 0 when floor(c / c_in) != floor(o / c_out)", text)
    says(
        "sum_i g_{o,i} x_{floor(o / c_out) c_in + e, i s + q d - p_l} over the taps in range", text
    )
    says("/ db_o = sum_i g_{o,i}", text)
    for groups, c_in, c_out, (p_l, p_r), s in itertools.product(
        (1, 2), (1, 2), (1, 2), ((0, 0), (1, 0), (0, 2)), (1, 2)
    ):
        length, n, d = 4, 2, 1
        x = Array(symbols(f"x0:{groups * c_in * length}"), (groups * c_in, length))
        w = Array(symbols(f"w0:{groups * c_out * c_in * n}"), (groups * c_out, c_in, n))
        b = list(symbols(f"b0:{groups * c_out}"))
        y = Matrix(conv1d(x, w, bias=b, groups=groups, stride=s, padding=(p_l, p_r)))
        g = Matrix(y.rows, y.cols, symbols(f"g0:{y.rows * y.cols}"))
        loss = sum(g[o, i] * y[o, i] for o in range(y.rows) for i in range(y.cols))
        for o, i, c, j in itertools.product(
            range(y.rows), range(y.cols), range(groups * c_in), range(length)
        ):
            if c // c_in != o // c_out:
                assert sympy.diff(y[o, i], x[c, j]) == 0, f"y[{o},{i}] reads x[{c},{j}]"
        for o, e, q in itertools.product(range(groups * c_out), range(c_in), range(n)):
            stated = sum(
                g[o, i] * x[(o // c_out) * c_in + e, i * s + q * d - p_l]
                for i in range(y.cols)
                if 0 <= i * s + q * d - p_l <= length - 1
            )
            assert is_zero(sympy.diff(loss, w[o, e, q]) - stated), f"dl/dw[{o},{e},{q}]"
        for o in range(groups * c_out):
            assert is_zero(sympy.diff(loss, b[o]) - sum(g[o, :])), f"dl/db[{o}]"


def transposed_sizes() -> list[tuple[int, int, int, int, int, int]]:
    """(m, n, s, d, p, p_o) with PyTorch's limits: p_o < max(s, d), a positive length."""
    grid = []
    for m, n, s, d, p in itertools.product(range(1, 4), range(1, 4), (1, 2, 3), (1, 2), (0, 1)):
        for p_o in range(max(s, d)):
            if (m - 1) * s - 2 * p + d * (n - 1) + p_o + 1 >= 1:
                grid.append((m, n, s, d, p, p_o))
    return grid


def general_transposed_length(text: str) -> None:
    """'... the output has M = (m-1)s - p_l - p_r + d(n-1) + p_o + 1 entries; with
    p_l = p_r = p, (m-1)s - 2p + d(n-1) + p_o + 1.'"""
    says("M = (m-1)s - p_l - p_r + d(n-1) + p_o + 1 entries", text)
    says("with p_l = p_r = p, (m-1)s - 2p + d(n-1) + p_o + 1", text)
    for m, n, s, d, p, p_o in transposed_sizes():
        out = conv_transpose1d(
            list(symbols(f"y0:{m}")),
            list(symbols(f"w0:{n}")),
            stride=s,
            padding=p,
            dilation=d,
            output_padding=p_o,
        )
        assert len(out) == (m - 1) * s - 2 * p + d * (n - 1) + p_o + 1, (m, n, s, d, p, p_o)


def general_transposed_gradient(text: str) -> None:
    """'For 0 <= p_o <= s - 1 the forward layer y = T(w) x on M = ... inputs ... has m
    outputs, and for l = sum_i g_i y_i: dl / dx_r = (T^T g)_r = ... = z_r, the output of
    the transposed layer on g.'"""
    says("For 0 <= p_o <= s - 1 the forward layer y = T(w) x on M", text)
    says("has m outputs", text)
    says("/ dx_r = (T^T g)_r", text)
    says("the output of the transposed layer on g", text)
    for m, n, s, d, p, p_o in transposed_sizes():
        if p_o > s - 1:
            continue
        size = (m - 1) * s - 2 * p + d * (n - 1) + p_o + 1
        x, w, g = v("x", size), list(symbols(f"w0:{n}")), list(symbols(f"g0:{m}"))
        z = conv1d(x, w, stride=s, padding=p, dilation=d)
        assert len(z) == m, f"the forward layer has {len(z)} outputs, not m = {m}"
        grads = [sympy.diff(linear_loss(g, z), xr) for xr in x]
        scattered = conv_transpose1d(g, w, stride=s, padding=p, dilation=d, output_padding=p_o)
        assert_same(grads, flat(scattered), f"dl/dx = conv_transpose(g) at {(m, n, s, d, p, p_o)}")


GENERAL: dict[str, Callable[[str], None]] = {
    "Output length": general_output_length,
    "Sliding dot product = banded matrix product": general_banded,
    "Tied-weight gradient summation": general_tied,
    "Input gradient = transposed matrix": general_input,
    "Convolution = cross-correlation with the reversed kernel": general_flip,
    "The identities in 2-D": general_2d,
    "The convolution theorem: the DFT diagonalises every circulant": general_convolution_theorem,
    "Equivariance to translation": general_translation,
    "A strided convolution is the convolution subsampled": general_strided,
    "A dilated convolution is the convolution with zeros in its kernel": general_dilated,
    "Tying a locally connected layer gives the convolution": general_tied_is_convolution,
    "Grouped channels: block structure and gradients": general_channel_groups,
    "Output length of a transposed convolution": general_transposed_length,
    "Transposed convolution = input gradient": general_transposed_gradient,
}


@pytest.fixture(scope="module")
def general_proofs() -> dict[str, Proof]:
    return {proof.title: proof for proof in all_proofs()}


def test_every_theorem_has_a_statement_check(general_proofs: dict[str, Proof]) -> None:
    assert set(general_proofs) == set(GENERAL), (
        f"theorems without a statement check: {sorted(set(general_proofs) - set(GENERAL))}; "
        f"checks of no theorem: {sorted(set(GENERAL) - set(general_proofs))}"
    )


@pytest.mark.parametrize("title", sorted(GENERAL))
def test_general_statement_is_true(title: str, general_proofs: dict[str, Proof]) -> None:
    proof = general_proofs[title]
    assert proof.holds
    GENERAL[title](text_of(proof))


# --- the evaluators can fail: one word or number of a true statement changed ---------------


def restated(proof: Proof, old: str, new: str) -> Proof:
    text = text_of(proof)
    assert old in text, f"{old!r} is not in {text!r}"
    return dataclasses.replace(proof, statement=text.replace(old, new))


WRONG_WORDS: list[tuple[int, str, str]] = [
    # (index into CASES, text in the true statement, the wrong text put in its place);
    # ``restated`` fails loudly if CASES moves and the text is not in that case's sentence
    (1, "X(x) w',", "X(x) w,"),  # flipped: the unreversed kernel is false
    (1, "3 outputs", "4 outputs"),
    (2, "stride 2", "stride 1"),
    (3, "padding (1, 2)", "padding (2, 1)"),
    (11, "k' = rot180(k)", "k' = k"),
    (11, "4x5 outputs", "5x5 outputs"),
    (17, "2 group(s)", "1 group(s)"),
    (16, ", with bias", ""),
    (20, "batch of 2", "batch of 3"),
    (22, "-> output (7,)", "-> output (8,)"),
    (28, "n = 5", "n = 6"),
    (31, "i in {1, 2, 3, 4}", "i in {0, 1, 2, 3, 4}"),
    (31, "i in {1, 2, 3, 4}", "i in {1, 2, 3}"),
    (34, "of its 7 outputs", "of its 8 outputs"),
    (36, "kernel of length 5", "kernel of length 4"),
    (40, "(6 distinct)", "(5 distinct)"),
    (43, "(period 2)", "(period 3)"),
]


@pytest.mark.parametrize(("index", "old", "new"), WRONG_WORDS)
def test_a_wrong_statement_is_rejected(index: int, old: str, new: str) -> None:
    case = CASES[index]
    proof = build(case)
    name, args, kwargs = case
    CONCRETE[name](proof, args, kwargs)  # the true sentence passes
    with pytest.raises(AssertionError):
        CONCRETE[name](restated(proof, old, new), args, kwargs)


WRONG_GENERAL_WORDS: list[tuple[str, str, str]] = [
    (
        "Grouped channels: block structure and gradients",
        "its group floor(o / c_out)",
        "its group o mod G",
    ),
    (
        "Output length of a transposed convolution",
        "d(n-1) + p_o + 1 entries",
        "d(n-1) + p_o entries",
    ),
    ("Transposed convolution = input gradient", "has m outputs", "has m + 1 outputs"),
]


@pytest.mark.parametrize(("title", "old", "new"), WRONG_GENERAL_WORDS)
def test_a_wrong_general_statement_is_rejected(
    title: str, old: str, new: str, general_proofs: dict[str, Proof]
) -> None:
    text = text_of(general_proofs[title])
    GENERAL[title](text)  # the true sentence passes
    assert old in text, f"{old!r} is not in {text!r}"
    with pytest.raises(AssertionError):
        GENERAL[title](text.replace(old, new))


def test_a_wrong_layer_is_rejected() -> None:
    """The evaluators compare with the layer asked for: the flipped proof's sentence is
    false of the unflipped layer, and the tied gradients' of the flipped one."""
    (_, args, _), (_, tied_args, _) = CASES[1], CASES[7]
    with pytest.raises(AssertionError):
        check_matrix_form(build(CASES[1]), args, {})
    with pytest.raises(AssertionError):
        check_tied_gradients(build(CASES[6]), tied_args, {"flip": True})


def test_the_dft_check_tells_the_order_of_the_factors() -> None:
    """F diag(F c) F^-1 (the factors swapped) is not circ(c) for n >= 3, and a matrix one
    entry off circulant is rejected."""
    n, z = 4, Symbol("omega")
    c = v("c", n)
    reduced, _ = dft_identity(c, n, z)
    assert_same(flat(reduced), flat(circulant(c)), "F^-1 diag(F c) F")
    F = Matrix(n, n, lambda a, b: z ** ((a * b) % n))
    F_inv = Matrix(n, n, lambda a, b: z ** ((-a * b) % n)) / n
    modulus = sympy.Poly(cyclotomic_poly(n, z), z)
    swapped = (F * sympy.diag(*(F * c)) * F_inv).applyfunc(
        lambda e: sympy.Poly(sympy.expand(e), z).rem(modulus).as_expr()
    )
    assert differs(flat(swapped), flat(circulant(c)))
    off = circulant(c).copy()
    off[0, 1] += 1
    with pytest.raises(AssertionError):
        check_circulant_is_diagonalised(off, n)


# --- the statements print as clean text -----------------------------------------------------


def clean_text_params() -> list[Any]:
    params = []
    for index, case in enumerate(CASES):
        name = case_id(case)
        params.append(pytest.param(index, id=f"{name}#{index}"))
    for title in sorted(GENERAL):
        params.append(pytest.param(title, id=title))
    return params


def assert_clean(text: str) -> None:
    """Plain text: no backslash, braces balanced, no LaTeX command's name left over."""
    assert "\\" not in text, f"a backslash is left in {text!r}"
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0, f"an unopened '}}' in {text!r}"
    assert depth == 0, f"an unclosed '{{' in {text!r}"
    for command in ("mathrm", "mathsf", "mathbb", "operatorname", "frac", "tilde"):
        assert not re.search(rf"\b{command}\b", text), f"{command!r} is left in {text!r}"


@pytest.mark.parametrize("which", clean_text_params())
def test_statement_prints_as_clean_text(which: int | str, general_proofs: dict[str, Proof]) -> None:
    proof = build(CASES[which]) if isinstance(which, int) else general_proofs[which]
    assert_clean(text_of(proof))


def test_clean_text_check_can_fail() -> None:
    for bad in ("L_out}", "a \\b", "{x", "T^{mathsf T}"):
        with pytest.raises(AssertionError):
            assert_clean(bad)


# --- the CLI's sentences agree with the numbers it prints ---------------------------------


def linear_form(text: str) -> dict[str, int]:
    """``3*g0 + 4*g1`` as ``{"g0": 3, "g1": 4}`` (the CLI's gradients are linear in g)."""
    terms: dict[str, int] = {}
    for sign, coefficient, name in re.findall(r"([+-]?)\s*(?:(\d+)\*)?([a-z]\d+)", text):
        value = int(coefficient or 1) * (-1 if sign == "-" else 1)
        terms[name] = terms.get(name, 0) + value
    return terms


def test_cli_flipped_gradients_agree_with_the_printed_numbers() -> None:
    """``derive --flip --grad``: the windows read rev(w), T and X are the printed
    matrices, and the printed dL/dw is rev(X^T g) (not X^T g) and dL/dx is T^T g."""
    command = [sys.executable, "-m", "symconv.cli", "derive", "--input", "1,2,3,4"]
    command += ["--kernel", "5,6,7", "--flip", "--grad"]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300).stdout
    x, w = [1, 2, 3, 4], [5, 6, 7]
    says("convolution (flipped kernel)", out)
    says("the kernel is reversed", out)
    rows = re.findall(r"z(\d+) = \[([\d, ]+)\] \. \[([\d, ]+)\] = (-?\d+)", out)
    assert len(rows) == 2
    values = []
    for position, (i, window, kernel, value) in enumerate(rows):
        assert int(i) == position
        window_, kernel_ = numbers(window), numbers(kernel)
        assert list(kernel_) == w[::-1], "the windows read rev(w)"
        assert sum(a * b for a, b in zip(window_, kernel_)) == int(value)
        values.append(int(value))
    assert values == [int(e) for e in conv1d(x, w, flip=True)]
    T = Matrix(
        [
            numbers(r)
            for r in re.findall(r"\[([\d ]+)\]", out.split("Banded matrix T")[1].split("Data")[0])
        ]
    )
    X = Matrix(
        [
            numbers(r)
            for r in re.findall(r"\[([\d ]+)\]", out.split("Data matrix X")[1].split("Backward")[0])
        ]
    )
    assert list(T * Matrix(x)) == values
    assert list(X * Matrix(w[::-1])) == values and list(X * Matrix(w)) != values
    g = symbols("g0 g1")
    printed_w = [linear_form(t) for t in re.findall(r"dL/dw\d = (.+)", out)]
    printed_x = [linear_form(t) for t in re.findall(r"dL/dx\d = (.+)", out)]
    assert (len(printed_w), len(printed_x)) == (len(w), len(x))
    data = list(X.T * Matrix(g))
    as_form = [{str(s): int(e.coeff(s)) for s in g if e.coeff(s) != 0} for e in data]
    assert printed_w == as_form[::-1], "dL/dw = rev(X^T g)"
    assert printed_w != as_form, "X^T g, unreversed, would be true as well"
    assert printed_x == [
        {str(s): int(e.coeff(s)) for s in g if e.coeff(s) != 0} for e in T.T * Matrix(g)
    ], "dL/dx = T^T g"
    says("weight gradient is rev(X^T g): holds", out)
    says("with w' = rev w, and conv1d(x, w) = T(w) x = X(x) w', entry by entry: 2 outputs", out)
    tie_sets = re.findall(r"w(\d): ((?:\(\d,\d\)(?:, )?)+)", out)
    assert len(tie_sets) == len(w)
    for k, cells in tie_sets:
        for i, j in re.findall(r"\((\d),(\d)\)", cells):
            assert T[int(i), int(j)] == w[int(k)], f"tie set of w{k}"
