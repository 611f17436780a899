from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import Matrix

from symconv import conv1d, symbolic_vector, windows
from symconv.ops.sliding import settings_for, sliding_outputs
from tests.helpers import as_floats, torch_conv1d

X, W = [1, 2, 3, 4], [5, 6, 7]


def test_the_questions_numbers():
    assert list(conv1d(X, W, padding="full", flip=True)) == [5, 16, 34, 52, 45, 28]
    assert list(conv1d(X, W)) == [38, 56]  # sliding dot products: 1*5 + 2*6 + 3*7 = 38
    assert list(conv1d(X, W, flip=True)) == [34, 52]  # valid true convolution
    assert list(conv1d(X, W, padding="full")) == [7, 20, 38, 56, 39, 20]  # full xcorr


def test_the_questions_symbolic_windows():
    x, w = symbolic_vector("x", 4), symbolic_vector("w", 3)
    x0, x1, x2, x3 = x
    w0, w1, w2 = w
    assert windows(x, 3) == [[x0, x1, x2], [x1, x2, x3]]
    z = conv1d(x, w)
    assert z == Matrix([w0 * x0 + w1 * x1 + w2 * x2, w0 * x1 + w1 * x2 + w2 * x3])
    # a single output: input and filter of the same length
    assert conv1d([x0, x1, x2], w) == Matrix([w0 * x0 + w1 * x1 + w2 * x2])


def test_outputs_are_what_sympy_builds():
    x, w = symbolic_vector("x", 9), symbolic_vector("w", 4)
    z = conv1d(x, w, stride=2, padding=(1, 3), dilation=2)
    xp = [0] + list(x) + [0, 0, 0]
    expected = [sympy.Add(*[w[k] * xp[i * 2 + 2 * k] for k in range(4)]) for i in range(len(z))]
    assert list(z) == expected
    assert all(a.args == b.args for a, b in zip(z, expected))


# Even kernels are left out of 'same': numpy/scipy centre them differently from PyTorch
# (see test_even_kernel_same_is_pytorchs).
SHAPES = [
    (mode, m, n)
    for mode in ("full", "valid", "same")
    for m, n in [(4, 3), (7, 3), (8, 5), (5, 1), (6, 6), (6, 2)]
    if not (mode == "same" and n % 2 == 0)
]


@pytest.mark.parametrize(("mode", "m", "n"), SHAPES)
def test_against_numpy_and_scipy(mode, m, n):
    rng = np.random.default_rng(m * 10 + n)
    x = rng.integers(-9, 10, m).tolist()
    w = rng.integers(-9, 10, n).tolist()
    flipped = as_floats(conv1d(x, w, padding=mode, flip=True))
    correlated = as_floats(conv1d(x, w, padding=mode))
    np.testing.assert_array_equal(flipped, np.convolve(x, w, mode=mode))
    np.testing.assert_array_equal(flipped, scipy.signal.convolve(x, w, mode=mode))
    np.testing.assert_array_equal(correlated, np.correlate(x, w, mode=mode))
    np.testing.assert_array_equal(correlated, scipy.signal.correlate(x, w, mode=mode))


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")
def test_even_kernel_same_is_pytorchs(torch):
    x, w = [1, 2, 3, 4, 5], [1, 10, 100, 1000]
    ours = as_floats(conv1d(x, w, padding="same"))
    theirs = (
        torch.nn.functional.conv1d(
            torch.tensor([x], dtype=torch.float64).reshape(1, 1, -1),
            torch.tensor([w], dtype=torch.float64).reshape(1, 1, -1),
            padding="same",
        )
        .reshape(-1)
        .numpy()
    )
    np.testing.assert_array_equal(ours, theirs)
    # numpy.correlate's 'same' puts the extra zero on the left: a different convention.
    assert not np.array_equal(ours, np.correlate(x, w, mode="same"))


GRID = [
    (m, n, s, p, d)
    for m in (3, 5, 8)
    for n in (1, 2, 3)
    for s in (1, 2, 3)
    for p in (0, 1, (0, 2), (2, 1))
    for d in (1, 2)
]


@pytest.mark.parametrize(("m", "n", "s", "p", "d"), GRID)
def test_against_torch_grid(torch, m, n, s, p, d):
    rng = np.random.default_rng(hash((m, n, s, str(p), d)) % 2**32)
    x = rng.integers(-5, 6, m).tolist()
    w = rng.integers(-5, 6, n).tolist()
    left, right = p if isinstance(p, tuple) else (p, p)
    if m + left + right < d * (n - 1) + 1:
        with pytest.raises(ValueError, match="there is no output"):
            conv1d(x, w, stride=s, padding=p, dilation=d)
        return
    for flip in (False, True):
        ours = as_floats(conv1d(x, w, stride=s, padding=p, dilation=d, flip=flip))
        theirs = torch_conv1d(torch, x, w, s, p, d, flip).numpy()
        np.testing.assert_array_equal(ours, theirs)


@given(
    x=st.lists(st.integers(-20, 20), min_size=1, max_size=12),
    w=st.lists(st.integers(-20, 20), min_size=1, max_size=5),
    s=st.integers(1, 4),
    left=st.integers(0, 4),
    right=st.integers(0, 4),
    d=st.integers(1, 3),
)
@settings(max_examples=150, deadline=None)
def test_against_torch_hypothesis(torch, x, w, s, left, right, d):
    if len(x) + left + right < d * (len(w) - 1) + 1:
        return
    ours = as_floats(conv1d(x, w, stride=s, padding=(left, right), dilation=d))
    theirs = torch_conv1d(torch, x, w, s, (left, right), d).numpy()
    np.testing.assert_array_equal(ours, theirs)


def test_flip_is_reversed_kernel():
    x, w = symbolic_vector("x", 6), symbolic_vector("w", 3)
    assert conv1d(x, w, flip=True, padding="full") == conv1d(x, list(w)[::-1], padding="full")


def test_same_with_pytorch_rule_keeps_length():
    for n in (1, 2, 3, 4, 5):
        assert len(conv1d(list(range(7)), [1] * n, padding="same")) == 7


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        (([], [1]), {}, ValueError, "input x is empty"),
        (([1], []), {}, ValueError, "kernel w is empty"),
        (([1, 2], [1, 2, 3]), {}, ValueError, "there is no output"),
        (([1, 2, 3], [1]), {"stride": 0}, ValueError, "stride must be an integer >= 1, got 0"),
        (
            ([1, 2, 3], [1]),
            {"dilation": 2.0},
            TypeError,
            "dilation must be an integer >= 1, got 2.0",
        ),
        (([1, 2, 3], [1]), {"padding": -1}, ValueError, "padding must be an integer >= 0, got -1"),
        (([1, 2, 3], [1]), {"padding": "half"}, ValueError, "padding 'half' is not a padding word"),
        (
            ([1, 2, 3], [1]),
            {"padding": "same", "stride": 2},
            ValueError,
            "padding 'same' needs stride 1",
        ),
        (("1,2,3", [1]), {}, TypeError, "strings are never evaluated"),
        (([1, "__import__('os')"], [1]), {}, TypeError, "entry 1 of input x is the string"),
    ],
)
def test_bad_input_is_named(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        conv1d(*args, **kwargs)


def test_sliding_outputs_of_chosen_rows():
    x, w = list(symbolic_vector("x", 9)), list(symbolic_vector("w", 3))
    s = settings_for(x, w, 2, "full", 1, False)
    every = sliding_outputs(x, w, s)
    assert len(every) == 6
    assert sliding_outputs(x, w, s, [3, 0, 3]) == [every[3], every[0], every[3]]
    assert sliding_outputs(x, w, s, range(2, 5)) == every[2:5]
    assert sliding_outputs(x, w, s, range(0)) == []
