"""Circular cross-correlation as a circulant matrix, and the convolution theorem.

C(w) is compared with PyTorch's conv1d with padding_mode="circular", with SymPy's cyclic
convolution of the placed kernel w~, and with a plain loop; the DFT eigenvalues with
numpy's FFT; the theorem's factorisation with the dense product at small n. Every proof
has negative tests (wrong placements of the kernel, a shifted index).
"""

from __future__ import annotations

import time

import numpy as np
import pytest
import sympy
from sympy import Matrix, symbols
from sympy.discrete.convolutions import convolution

from symconv import symbolic_vector
from symconv.general.convolution_theorem import (
    circulant_symbols,
    geometric_series,
    multiply_powers,
    one_residue,
)
from symconv.general.convolution_theorem import prove_convolution_theorem as prove_all_sizes
from symconv.ops.circulant import (
    circulant,
    circulant_kernel,
    circulant_matrix,
    circular_correlation,
    circular_offset,
)
from symconv.proofs.convolution_theorem import (
    omega,
    plain_circular_correlation,
    prove_convolution_theorem,
)
from symconv.summation import Iverson, divides

RNG = np.random.default_rng(2017)

#: (kernel size, n): odd and even kernels, kernels longer than the input (taps meet).
SIZES = [(k, n) for k in (1, 2, 3, 4, 5) for n in (1, 2, 3, 4, 5, 7, 8)]


def ints(count: int) -> list[int]:
    return [int(v) for v in RNG.integers(-5, 6, size=count)]


# --- the matrix ---------------------------------------------------------------------------


def test_the_question_kernel_as_a_circulant():
    a, b, c = symbols("a b c")
    assert circulant_matrix([a, b, c], 4) == Matrix(
        [[b, c, 0, a], [a, b, c, 0], [0, a, b, c], [c, 0, a, b]]
    )
    assert circulant_kernel([a, b, c], 4) == Matrix([b, a, 0, c])
    assert circulant([1, 2, 3]) == Matrix([[1, 3, 2], [2, 1, 3], [3, 2, 1]])


@pytest.mark.parametrize(("k", "n"), SIZES)
def test_circulant_matrix_is_circ_of_the_placed_kernel(k, n):
    w = symbolic_vector("w", k)
    C = circulant_matrix(w, n)
    assert C == circulant(circulant_kernel(w, n))
    assert C[:, 0] == circulant_kernel(w, n)
    # Circulant: constant along the wrapped diagonals.
    assert all(C[i, j] == C[(i + 1) % n, (j + 1) % n] for i in range(n) for j in range(n))
    # Folding: every weight appears exactly once in each row.
    assert all(sympy.expand(sum(C.row(i)) - sum(w)) == 0 for i in range(n))


@pytest.mark.parametrize(("k", "n"), SIZES)
def test_c_x_is_the_loop_and_the_cyclic_convolution_of_the_placed_kernel(k, n):
    w, x = symbolic_vector("w", k), symbolic_vector("x", n)
    z = (circulant_matrix(w, n) * x).expand()
    assert z == Matrix(plain_circular_correlation(list(x), list(w)))
    assert z == circular_correlation(x, w).expand()
    # SymPy's cyclic convolution takes numbers (it runs an FFT or an NTT).
    wn, xn = ints(k), ints(n)
    placed = [int(v) for v in circulant_kernel(wn, n)]
    assert circulant_matrix(wn, n) * Matrix(xn) == Matrix(convolution(placed, xn, cycle=n))


@pytest.mark.parametrize(
    ("k", "n"),
    [(k, n) for k, n in SIZES if circular_offset(k) <= n and (k - 1) - circular_offset(k) <= n],
)
def test_circulant_matrix_is_pytorch_circular_conv1d(torch, k, n):
    w, x = ints(k), ints(n)
    layer = torch.nn.Conv1d(1, 1, k, padding="same", padding_mode="circular", bias=False)
    layer = layer.double()
    with torch.no_grad():
        layer.weight[:] = torch.tensor(w, dtype=torch.float64).reshape(1, 1, k)
        expected = layer(torch.tensor(x, dtype=torch.float64).reshape(1, 1, n)).reshape(-1)
    ours = circulant_matrix(w, n) * Matrix(x)
    assert np.array_equal(np.array([float(v) for v in ours]), expected.numpy())


@pytest.mark.parametrize(("k", "n"), [(3, 4), (4, 6), (5, 8), (2, 16), (7, 16)])
def test_eigenvalues_are_numpys_fft_of_the_placed_kernel(k, n):
    w = ints(k)
    placed = np.array([float(v) for v in circulant_kernel(w, n)])
    C = np.array(circulant_matrix(w, n).tolist(), dtype=float)
    spectrum = np.fft.fft(placed)
    for m in range(n):
        v = np.exp(2j * np.pi * np.arange(n) * m / n)  # omega^(-j m), column m of n F^-1
        assert np.allclose(C @ v, spectrum[m] * v)
    x = RNG.normal(size=n)
    assert np.allclose(C @ x, np.fft.ifft(spectrum * np.fft.fft(x)).real)
    proof = prove_convolution_theorem(w, n)
    eigenvalues = proof.step("the eigenvalues are the DFT of w~").details["eigenvalues"]
    assert np.allclose([complex(sympy.N(e)) for e in eigenvalues], spectrum)


# --- the theorem at one size --------------------------------------------------------------


@pytest.mark.parametrize("n", range(1, 17))
def test_the_theorem_holds_for_symbolic_kernels(n):
    for k in {1, 2, 3, min(n + 2, 6)}:
        proof = prove_convolution_theorem(symbolic_vector("w", k), n)
        assert proof.holds, proof


def test_the_theorem_at_sixteen_takes_seconds_not_minutes():
    start = time.perf_counter()
    proof = prove_convolution_theorem(symbolic_vector("w", 5), 16)
    elapsed = time.perf_counter() - start
    assert proof.holds
    assert elapsed < 5, f"n = 16 took {elapsed:.1f} s"


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_the_factorisation_is_the_dense_product(n):
    w = symbolic_vector("w", 3)
    placed = circulant_kernel(w, n)
    F = Matrix(n, n, lambda m, j: omega(n) ** (m * j))
    F_inverse = Matrix(n, n, lambda i, m: omega(n) ** (-i * m) / n)
    dense = F_inverse * sympy.diag(*(F * placed)) * F
    difference = (dense - circulant_matrix(w, n)).applyfunc(
        lambda e: sympy.nsimplify(sympy.expand_complex(sympy.expand(e)))
    )
    assert difference == sympy.zeros(n, n)


def test_the_proof_names_its_steps_and_the_placement():
    proof = prove_convolution_theorem([5, 6, 7], 4)
    assert [str(s.name) for s in proof.steps] == [
        "omega is a primitive n-th root of unity",
        "geometric sums of the roots of unity",
        "circular cross-correlation is C x",
        "C is circulant",
        "C is the circulant of the placed kernel w~",
        "the eigenvalues are the DFT of w~",
        "C = F^{-1} diag(F w~) F",
    ]
    assert proof.step("C is the circulant of the placed kernel w~").details["w~"] == Matrix(
        [6, 5, 0, 7]
    )
    assert proof.step("geometric sums of the roots of unity").lhs == (4, 0, 0, 0)


def not_wrapped(w, n):
    """The kernel reversed at the start, its tail not wrapped round."""
    rev = list(w)[::-1]
    return rev + [0] * (n - len(rev))


def shifted(w, n):
    """The right placement moved one place down."""
    right = list(circulant_kernel(w, n))
    return right[-1:] + right[:-1]


def unreversed(w, n):
    """The kernel as it is (a convolution's placement, not a cross-correlation's)."""
    right = list(circulant_kernel(w, n))
    return [right[(-r) % n] for r in range(n)]


@pytest.mark.parametrize("placement", [not_wrapped, shifted, unreversed])
@pytest.mark.parametrize(("k", "n"), [(3, 5), (4, 6), (3, 16)])
def test_a_wrong_placement_fails_where_it_breaks(placement, k, n):
    w = symbolic_vector("w", k)
    proof = prove_convolution_theorem(w, n, kernel_vector=placement(w, n))
    assert not proof.holds
    failure = proof.first_failure
    assert str(failure.name) == "C is the circulant of the placed kernel w~"
    (i, j), got, claimed = failure.mismatch
    assert got == circulant_matrix(w, n)[i, j] != claimed
    # The factorisation with the wrong w~ fails too: it is not C's spectrum.
    assert not proof.step("C = F^{-1} diag(F w~) F").holds
    assert not proof.step("the eigenvalues are the DFT of w~").holds


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: circulant_matrix([1, 2], 0),
            ValueError,
            "circulant size n must be an integer >= 1, got 0",
        ),
        (
            lambda: circulant_kernel([1, 2], 2.5),
            TypeError,
            "circulant size n must be an integer >= 1, got 2.5",
        ),
        (
            lambda: prove_convolution_theorem([1, 2], 3, kernel_vector=[1, 2]),
            ValueError,
            "kernel_vector has 2 entries; the kernel is placed in a vector of length n = 3",
        ),
        (lambda: circulant_matrix([], 3), ValueError, "kernel w"),
    ],
)
def test_bad_input_is_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_the_input_name_avoids_the_kernels_symbols():
    x = symbolic_vector("x", 3)
    proof = prove_convolution_theorem(x, 4)
    assert proof.holds
    inputs = proof.step("circular cross-correlation is C x").rhs
    names = {str(s) for e in inputs for s in e.free_symbols}
    assert names == {"x0", "x1", "x2", "u0", "u1", "u2", "u3"}


# --- the theorem for every size -----------------------------------------------------------


def test_the_all_size_theorem_holds_quickly():
    start = time.perf_counter()
    proof = prove_all_sizes()
    elapsed = time.perf_counter() - start
    assert proof.holds, proof
    assert elapsed < 2, f"the all-size theorem took {elapsed:.2f} s"


@pytest.mark.parametrize(
    ("claim", "fails_at"),
    [
        (lambda s: sympy.Mod(s.i - s.j + 1, s.n), "one residue in range"),
        (lambda s: sympy.Mod(s.j - s.i, s.n), "one residue in range"),
        (lambda s: s.i - s.j, "one residue in range"),
    ],
)
def test_the_all_size_theorem_refuses_a_shifted_index(claim, fails_at):
    s = circulant_symbols()
    proof = prove_all_sizes(index=claim(s))
    assert not proof.holds
    assert str(proof.first_failure.name) == fails_at
    # The circulant and the concrete sizes disagree with the wrong index as well.
    assert not proof.step("agrees with circulant_matrix at concrete sizes").holds


def test_the_all_size_rules_refuse_what_they_cannot_do():
    s = circulant_symbols()
    n, m, r = s.n, s.m, s.r
    # The geometric series needs the full range 0..n-1 and an integer exponent.
    short = sympy.Sum(s.omega(m * r), (m, 0, n - 2))
    assert geometric_series(s)(short) == short
    fractional = sympy.Sum(s.omega(m * r / 2), (m, 0, n - 1))
    assert geometric_series(s)(fractional) == fractional
    # One residue: the index must have coefficient 1 in the congruence.
    doubled = sympy.Sum(s.c[r] * Iverson(divides(n, 2 * r + s.i)), (r, 0, n - 1))
    assert one_residue(s)(doubled) == doubled
    # Multiplying powers: a factor in m other than a power of omega stays inside.
    mixed = sympy.Sum(m * s.omega(m * r), (m, 0, n - 1))
    assert multiply_powers(s)(mixed) == mixed
