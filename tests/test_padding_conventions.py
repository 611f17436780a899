"""Strided "same" padding: ONNX's auto_pad SAME_UPPER / SAME_LOWER for every stride.

The zeros are checked against their definition (ceil(L / s) outputs, the least padding
that gives them, the odd zero at the end or the start), against onnxruntime's Conv with
``auto_pad`` in 1-D and 2-D, and through every stage that reads the resolved settings:
band, data matrix, gradients (against PyTorch autograd) and the provers.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sympy import Matrix

from symconv import (
    band2d,
    conv1d,
    conv1d_grads,
    conv2d,
    conv2d_grads,
    conv2d_matrix,
    conv_matrix,
    im2col,
    im2col2d,
    prove_matrix_form,
    prove_matrix_form2d,
    prove_tied_gradients,
    prove_tied_gradients2d,
    symbolic_matrix,
    symbolic_vector,
)
from symconv.layout.axis import PADDING_RULES, conv_settings, padding_pair, padding_word
from symconv.layout.grid import settings2d
from tests.conftest import need

RNG = np.random.default_rng(17)

WORDS = ("same_upper", "same_lower")

#: (input length, kernel size, stride, dilation), odd and even kernels and lengths.
CASES_1D = [
    (length, k, s, d)
    for length in (1, 4, 5, 7, 8)
    for k in (1, 2, 3, 4)
    for s in (1, 2, 3)
    for d in (1, 2)
]


@pytest.fixture(scope="module")
def ort() -> Any:
    """onnx and onnxruntime (required in CI, skipped elsewhere when missing)."""
    try:
        import onnx  # noqa: F401
        import onnxruntime
    except ImportError:
        need("onnx and onnxruntime", "pip install onnx onnxruntime")
    return onnxruntime


def onnx_conv(ort: Any, x: np.ndarray, w: np.ndarray, strides: list[int], auto_pad: str):
    """ONNX Conv with ``auto_pad``, built in memory; x is (1, 1, *spatial).

    onnxruntime's CPU Conv is float32 only; small integers keep every sum exact.
    """
    from onnx import TensorProto, helper

    node = helper.make_node("Conv", ["x", "w"], ["y"], auto_pad=auto_pad, strides=strides)
    graph = helper.make_graph(
        [node],
        "conv",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape)),
            helper.make_tensor_value_info("w", TensorProto.FLOAT, list(w.shape)),
        ],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = {"x": x.astype(np.float32), "w": w.astype(np.float32)}
    return session.run(None, feeds)[0].astype(np.float64)


def dilated(kernel: np.ndarray, dilation: tuple[int, ...]) -> np.ndarray:
    """The kernel with its zeros written in: onnxruntime refuses dilation with SAME_*."""
    shape = tuple((n - 1) * d + 1 for n, d in zip(kernel.shape, dilation))
    out = np.zeros(shape)
    out[tuple(slice(None, None, d) for d in dilation)] = kernel
    return out


def integers(*shape: int) -> np.ndarray:
    return RNG.integers(-4, 5, size=shape).astype(np.float64)


# --- the zeros themselves -----------------------------------------------------------------


@pytest.mark.parametrize(("length", "k", "s", "d"), CASES_1D)
@pytest.mark.parametrize("word", WORDS)
def test_strided_same_gives_ceil_outputs_with_the_least_zeros(word, length, k, s, d):
    settings = conv_settings(k, length, stride=s, padding=word, dilation=d)
    left, right = settings.padding_pair
    total = max((-(-length // s) - 1) * s + (k - 1) * d + 1 - length, 0)
    assert settings.output_length == -(-length // s)
    assert left + right == total
    # The least zeros: one fewer loses an output (or leaves none at all).
    if total:
        span = (k - 1) * d + 1
        fewer = length + total - 1
        assert fewer < span or (fewer - span) // s + 1 < settings.output_length
    odd = total % 2
    assert (left, right) == (
        (total // 2, total // 2 + odd) if word == "same_upper" else (total // 2 + odd, total // 2)
    )


@pytest.mark.parametrize(("k", "d"), [(k, d) for k in (1, 2, 3, 4, 5) for d in (1, 2, 3)])
@pytest.mark.parametrize("length", [1, 4, 7])
def test_at_stride_one_same_upper_is_pytorchs_same(k, d, length):
    same = padding_pair("same", k, d, 1, length)
    assert padding_pair("same_upper", k, d, 1, length) == same
    assert padding_pair("same_lower", k, d, 1, length) == same[::-1]


def test_the_table_lists_the_new_words():
    assert list(PADDING_RULES)[-2:] == ["same_upper", "same_lower"]
    # 7 inputs, kernel 4, stride 2: ceil(7/2) = 4 outputs need (4-1)*2 + 4 - 7 = 3 zeros.
    assert PADDING_RULES["same_upper"](4, 1, 7, 2) == (1, 2)
    assert PADDING_RULES["same_lower"](4, 1, 7, 2) == (2, 1)
    # Stride 2 on 8 inputs with kernel 2: 4 outputs need no zeros at all.
    assert PADDING_RULES["same_upper"](2, 1, 8, 2) == (0, 0)


@pytest.mark.parametrize(
    ("padding", "stride", "word"),
    [
        ("valid", 2, "valid"),
        ("same", 1, "same"),
        ("same_upper", 2, "same_upper"),
        ("same_lower", 3, "same_lower"),
        ((0, 3), 1, None),
    ],
)
def test_padding_word_names_the_rule(padding, stride, word):
    assert padding_word(conv_settings(4, 7, stride=stride, padding=padding)) == word


# --- against onnxruntime ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "k", "s", "d"),
    [(length, k, s, d) for length in (5, 8) for k in (2, 3, 4) for s in (1, 2, 3) for d in (1, 2)],
)
@pytest.mark.parametrize("word", WORDS)
def test_conv1d_matches_onnxruntime_auto_pad(ort, word, length, k, s, d):
    x, w = integers(length), integers(k)
    expected = onnx_conv(
        ort, x.reshape(1, 1, -1), dilated(w, (d,)).reshape(1, 1, -1), [s], word.upper()
    ).reshape(-1)
    ours = conv1d([int(v) for v in x], [int(v) for v in w], stride=s, padding=word, dilation=d)
    assert [int(v) for v in ours] == [int(round(v)) for v in expected]
    assert np.array_equal(np.array([float(v) for v in ours]), expected)


@pytest.mark.parametrize(
    ("shape", "kernel", "stride", "dilation"),
    [
        ((5, 6), (3, 2), (1, 1), (1, 1)),
        ((7, 5), (2, 3), (2, 3), (1, 1)),
        ((6, 7), (4, 3), (3, 2), (1, 1)),
        ((8, 6), (3, 2), (2, 1), (2, 1)),
        ((6, 8), (2, 4), (3, 2), (1, 2)),
        ((5, 5), (3, 3), (2, 2), (2, 2)),
    ],
)
@pytest.mark.parametrize("word", WORDS)
def test_conv2d_matches_onnxruntime_auto_pad(ort, word, shape, kernel, stride, dilation):
    x, k = integers(*shape), integers(*kernel)
    expected = onnx_conv(
        ort,
        x.reshape(1, 1, *shape),
        dilated(k, dilation).reshape(1, 1, *dilated(k, dilation).shape),
        list(stride),
        word.upper(),
    )[0, 0]
    ours = conv2d(
        Matrix(x.astype(int)), Matrix(k.astype(int)), stride=stride, padding=word, dilation=dilation
    )
    assert ours.shape == expected.shape == tuple(-(-n // s) for n, s in zip(shape, stride))
    assert np.array_equal(np.array(ours.tolist(), dtype=float), expected)


# --- every stage reads the resolved settings ----------------------------------------------


@pytest.mark.parametrize(
    ("length", "k", "s", "d"), [(7, 3, 2, 1), (8, 4, 3, 1), (6, 2, 2, 2), (5, 4, 1, 1)]
)
@pytest.mark.parametrize("word", WORDS)
def test_band_data_matrix_and_provers_take_the_word(word, length, k, s, d):
    x, w, pair = symbolic_vector("x", length), symbolic_vector("w", k), None
    pair = conv_settings(k, length, stride=s, padding=word, dilation=d).padding_pair
    options = {"stride": s, "dilation": d}
    z = conv1d(x, w, padding=word, **options)
    assert z == conv1d(x, w, padding=pair, **options)
    assert (conv_matrix(w, length, padding=word, **options) * x - z).expand() == Matrix.zeros(
        *z.shape
    )
    assert (im2col(x, k, padding=word, **options) * w - z).expand() == Matrix.zeros(*z.shape)
    g = symbolic_vector("g", len(z))
    assert prove_matrix_form(x, w, padding=word, **options).holds
    assert prove_tied_gradients(x, w, g, padding=word, **options).holds


@pytest.mark.parametrize(("length", "k", "s", "d"), [(7, 3, 2, 1), (8, 4, 3, 1), (6, 2, 2, 2)])
@pytest.mark.parametrize("word", WORDS)
def test_gradients_match_autograd(torch, word, length, k, s, d):
    import torch.nn.functional as F

    x, w = integers(length), integers(k)
    left, right = conv_settings(k, length, stride=s, padding=word, dilation=d).padding_pair
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    y = F.conv1d(
        F.pad(xt.reshape(1, 1, -1), (left, right)), wt.reshape(1, 1, -1), stride=s, dilation=d
    )
    g = integers(y.shape[-1])
    (y.reshape(-1) * torch.tensor(g, dtype=torch.float64)).sum().backward()
    gx, gw = conv1d_grads(
        [int(v) for v in x],
        [int(v) for v in w],
        [int(v) for v in g],
        stride=s,
        padding=word,
        dilation=d,
    )
    assert np.array_equal(np.array([float(v) for v in gx]), xt.grad.numpy())
    assert np.array_equal(np.array([float(v) for v in gw]), wt.grad.numpy())


@pytest.mark.parametrize(
    ("shape", "kernel", "stride"), [((5, 6), (3, 2), (2, 3)), ((4, 5), (2, 3), (3, 2))]
)
@pytest.mark.parametrize("word", WORDS)
def test_2d_stages_and_gradients_take_the_word(torch, word, shape, kernel, stride):
    import torch.nn.functional as F

    s = settings2d(kernel, shape, stride=stride, padding=word)
    assert s.output_shape == tuple(-(-n // t) for n, t in zip(shape, stride))
    x, k = symbolic_matrix("x", *shape), symbolic_matrix("k", *kernel)
    z = conv2d(x, k, stride=stride, padding=word).reshape(s.output_length, 1)
    flat = x.reshape(s.input_length, 1)
    assert (conv2d_matrix(k, shape, stride=stride, padding=word) * flat - z).expand().is_zero_matrix
    assert (
        (im2col2d(x, kernel, stride=stride, padding=word) * k.reshape(s.kernel_size, 1) - z)
        .expand()
        .is_zero_matrix
    )
    assert band2d(k, shape, stride=stride, padding=word).shape == (s.output_length, s.input_length)
    assert prove_matrix_form2d(x, k, stride=stride, padding=word).holds
    g = symbolic_matrix("g", *s.output_shape)
    assert prove_tied_gradients2d(x, k, g, stride=stride, padding=word).holds

    xs, ks = integers(*shape), integers(*kernel)
    (top, bottom), (left, right) = s.padding
    xt = torch.tensor(xs, requires_grad=True)
    kt = torch.tensor(ks, requires_grad=True)
    y = F.conv2d(F.pad(xt[None, None], (left, right, top, bottom)), kt[None, None], stride=stride)
    gs = integers(*s.output_shape)
    (y[0, 0] * torch.tensor(gs)).sum().backward()
    gx, gk = conv2d_grads(
        Matrix(xs.astype(int)),
        Matrix(ks.astype(int)),
        Matrix(gs.astype(int)),
        stride=stride,
        padding=word,
    )
    assert np.array_equal(np.array(gx.tolist(), dtype=float), xt.grad.numpy())
    assert np.array_equal(np.array(gk.tolist(), dtype=float), kt.grad.numpy())


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: conv_settings(3, 5, stride=1.5, padding="same_upper"),
            TypeError,
            "stride must be an integer >= 1, got 1.5",
        ),
        (
            lambda: padding_pair("same_upper", 3, 1, 1.5, 5),
            TypeError,
            r"stride \(with padding 'same_upper'\) must be an integer >= 1, got 1.5",
        ),
        (
            lambda: padding_pair("same_lower", 3, 1, 2),
            ValueError,
            "padding 'same_lower' with stride 2 depends on the input length",
        ),
        (
            lambda: conv_settings(3, 5, stride=2, padding="same"),
            ValueError,
            "padding 'same' needs stride 1.*got stride 2; 'same_upper' or 'same_lower'",
        ),
        (
            lambda: conv_settings(3, 5, padding="SAME"),
            ValueError,
            "padding 'SAME' is not a padding word.*'same_upper', 'same_lower'",
        ),
        (
            lambda: settings2d((3, 3), (5, 5), stride=(2, 2.5), padding="same_upper"),
            TypeError,
            "along the width axis: stride must be an integer >= 1, got 2.5",
        ),
    ],
)
def test_bad_strided_same_is_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_every_word_and_stride_resolves_for_every_length():
    for word, s, length, k in itertools.product(WORDS, (1, 2, 3, 4), range(1, 9), (1, 2, 3)):
        settings = conv_settings(k, length, stride=s, padding=word)
        assert settings.output_length == -(-length // s)


@given(
    length=st.integers(1, 200),
    k=st.integers(1, 9),
    stride=st.integers(1, 9),
    dilation=st.integers(1, 4),
    word=st.sampled_from(WORDS),
)
def test_strided_same_for_any_sizes(length, k, stride, dilation, word):
    settings = conv_settings(k, length, stride=stride, padding=word, dilation=dilation)
    left, right = settings.padding_pair
    assert settings.output_length == -(-length // stride)
    assert 0 <= right - left <= 1 if word == "same_upper" else 0 <= left - right <= 1
    # Every window starts inside the input or the left padding and ends within the right.
    last = (settings.output_length - 1) * stride + (k - 1) * dilation
    assert last <= length + left + right - 1
