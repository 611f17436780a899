"""The circulant matrix C(w) of circular cross-correlation: ``C * x`` wraps the input around.

The convention is PyTorch's ``nn.Conv1d(1, 1, K, padding="same", padding_mode="circular",
bias=False)`` on ``n`` inputs (stride 1, ``n`` outputs): the input is padded by copies of
its own ends, ``p = (K - 1) // 2`` on the left (PyTorch's "same" split: an even kernel's
extra zero goes on the right), so output ``i`` is

    ``z_i = sum_k w_k * x[(i + k - p) mod n]``.

As a matrix ``z = C x`` with ``C[i, j] = sum_k w_k [i + k - p = j (mod n)]``, and that
depends on ``(i - j) mod n`` only: ``C = circ(w~)``, ``C[i, j] = w~[(i - j) mod n]``, with

    ``w~[r] = sum_k w_k [r = p - k (mod n)]``,

the kernel *reversed* and placed in a length-``n`` vector so that its tap ``p`` (the
centre) sits at index 0, the taps before it at 1, 2, ..., p and the taps after it wrapped
round to the end (``n - 1``, ``n - 2``, ...); taps that meet (``K > n``) add up. ``w~`` is
C's first column, so circular cross-correlation with ``w`` is circular *convolution* with
``w~`` (``sympy.discrete.convolutions.convolution(w~, x, cycle=n)``), and the DFT
diagonalises it: ``C = F^-1 diag(F w~) F`` (``numpy.fft.fft(w~)`` are C's eigenvalues; see
:func:`symconv.prove_convolution_theorem`).

Examples
========

>>> from sympy import symbols
>>> from symconv.ops.circulant import circulant_kernel, circulant_matrix
>>> a, b, c = symbols("a b c")
>>> circulant_matrix([a, b, c], 5)          # p = 1: w_0 reads x[i-1], wrapped in row 0
Matrix([
[b, c, 0, 0, a],
[a, b, c, 0, 0],
[0, a, b, c, 0],
[0, 0, a, b, c],
[c, 0, 0, a, b]])
>>> circulant_kernel([a, b, c], 5).T        # the first column: b at 0, a at 1, c wrapped
Matrix([[b, a, 0, 0, c]])
"""

from __future__ import annotations

from collections.abc import Sequence

from sympy import Expr, Matrix, S

from symconv.core.engine import dot
from symconv.core.numbers import as_int
from symconv.core.vectors import as_vector


def circular_offset(kernel_size: int) -> int:
    """``p``: how many taps precede the centre, PyTorch's left "same" padding ``(K-1)//2``.

    >>> circular_offset(3), circular_offset(4)
    (1, 1)
    """
    return (kernel_size - 1) // 2


def circular_taps(i: int, kernel_size: int, n: int) -> list[tuple[int, int]]:
    """Output ``i``'s ``(kernel index, input index)`` pairs: ``x[(i + k - p) mod n]``.

    >>> circular_taps(0, 3, 4)
    [(0, 3), (1, 0), (2, 1)]
    """
    p = circular_offset(kernel_size)
    return [(k, (i + k - p) % n) for k in range(kernel_size)]


def circulant(c: object) -> Matrix:
    """``circ(c)``: ``C[i, j] = c[(i - j) mod n]``, each column the one before shifted down.

    >>> circulant([1, 2, 3])
    Matrix([
    [1, 3, 2],
    [2, 1, 3],
    [3, 2, 1]])
    """
    cs = as_vector(c, "first column c")
    n = len(cs)
    return Matrix(n, n, lambda i, j: cs[(i - j) % n])


def circulant_kernel(w: object, n: int) -> Matrix:
    """``w~``, the kernel placed in a length-``n`` column: ``w~[(p - k) mod n] += w_k``.

    >>> circulant_kernel([1, 2, 3, 4], 6).T     # p = 1: w_1 at 0, w_0 at 1, w_2, w_3 wrapped
    Matrix([[2, 1, 0, 0, 4, 3]])
    >>> circulant_kernel([1, 2, 3], 2).T        # K > n: w_0 and w_2 meet
    Matrix([[2, 4]])
    """
    ws = as_vector(w, "kernel w")
    length = as_int(n, "circulant size n", 1)
    p = circular_offset(len(ws))
    placed: list[list[Expr]] = [[] for _ in range(length)]
    for k, weight in enumerate(ws):
        placed[(p - k) % length].append(weight)
    return Matrix([sum(entries, S.Zero) for entries in placed])


def circulant_rows(w: Sequence[Expr], n: int) -> list[list[tuple[int, Expr]]]:
    """Row ``i`` of C as ``(column, weight)`` pairs read off the tap rule (columns that two
    taps meet appear twice; :func:`circulant_matrix` adds them)."""
    return [[(j, w[k]) for k, j in circular_taps(i, len(w), n)] for i in range(n)]


def circulant_matrix(w: object, n: int) -> Matrix:
    """The ``n x n`` matrix of circular cross-correlation: ``C * x`` is PyTorch's
    ``conv1d`` with ``padding="same"``, ``padding_mode="circular"`` (stride 1) on ``x``.

    Built from the tap rule ``x[(i + k - p) mod n]``, not from :func:`circulant_kernel`, so
    the two can be compared (:func:`symconv.prove_convolution_theorem` does).

    >>> from sympy import Matrix
    >>> circulant_matrix([5, 6, 7], 4) * Matrix([1, 2, 3, 4])   # row 0: 6*1 + 7*2 + 5*4
    Matrix([
    [40],
    [38],
    [56],
    [46]])
    """
    ws = list(as_vector(w, "kernel w"))
    length = as_int(n, "circulant size n", 1)
    entries: list[list[list[Expr]]] = [[[] for _ in range(length)] for _ in range(length)]
    for i, row in enumerate(circulant_rows(ws, length)):
        for j, weight in row:
            entries[i][j].append(weight)
    return Matrix(length, length, lambda i, j: sum(entries[i][j], S.Zero))


def circular_correlation(x: object, w: object) -> Matrix:
    """``z_i = sum_k w_k x[(i + k - p) mod n]`` as a column (the sliding dot products).

    >>> circular_correlation([1, 2, 3, 4], [5, 6, 7]).T
    Matrix([[40, 38, 56, 46]])
    """
    xs = as_vector(x, "input x")
    ws = as_vector(w, "kernel w")
    n = len(xs)
    return Matrix([dot((ws[k], xs[j]) for k, j in circular_taps(i, len(ws), n)) for i in range(n)])
