from __future__ import annotations

import pytest
import sympy
from sympy import Matrix, Max, zeros

from symconv import conv1d, feature_maps, im2col, symbolic_vector


def test_the_questions_data_matrix():
    x = symbolic_vector("x", 4)
    x0, x1, x2, x3 = x
    assert im2col(x, 3) == Matrix([[x0, x1, x2], [x1, x2, x3]])
    assert im2col([1, 2, 3, 4], 3) * Matrix([5, 6, 7]) == Matrix([38, 56])


@pytest.mark.parametrize(
    ("m", "n", "s", "p", "d"),
    [
        (m, n, s, p, d)
        for m in (3, 6)
        for n in (1, 2, 3)
        for s in (1, 2)
        for p in (0, 1, (0, 3), "same")
        for d in (1, 2)
        if not (p == "same" and s > 1)
    ],
)
def test_data_matrix_times_w_is_the_convolution(m, n, s, p, d):
    x, w = symbolic_vector("x", m), symbolic_vector("w", n)
    try:
        z = conv1d(x, w, stride=s, padding=p, dilation=d)
    except ValueError:
        return
    X = im2col(x, n, stride=s, padding=p, dilation=d)
    assert X.shape == (len(z), n)
    assert (X * w - z).expand() == zeros(len(z), 1)


def test_filter_bank_stacks_feature_maps():
    x = symbolic_vector("x", 5)
    w1, w2 = symbolic_vector("u", 3), symbolic_vector("v", 3)
    W = w1.row_join(w2)
    XW = im2col(x, 3) * W
    assert (XW[:, 0] - conv1d(x, w1)).expand() == zeros(3, 1)
    assert (XW[:, 1] - conv1d(x, w2)).expand() == zeros(3, 1)
    f = sympy.Function("f")
    A = feature_maps(x, W, f)
    assert A[2, 1] == f(XW[2, 1])


def test_feature_maps_with_relu_on_numbers():
    A = feature_maps([1, 2, 3, 4], Matrix([[5, -5], [6, -6], [7, -7]]), lambda z: Max(0, z))
    assert A == Matrix([[38, 0], [56, 0]])


def test_errors():
    with pytest.raises(ValueError, match="kernel size must be an integer >= 1, got 0"):
        im2col([1, 2, 3], 0)
    with pytest.raises(ValueError, match="there is no output"):
        im2col([1, 2, 3], 4)
