"""Equivariance to translation and its companions (stride is subsampling, dilation is a
zero-inserted kernel, tying gives the convolution): concrete proofs over grids, the
boundary checked by brute force, PyTorch as an outside reference, planted errors, and the
theorems for all sizes (each timed: under 2 s)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sympy import Dummy, Matrix, S, Symbol

from symconv import conv1d, symbolic_vector
from symconv.core.engine import same
from symconv.general import proof_symbols, size_grid
from symconv.general.equivariance import EQUIVARIANCE_THEOREMS
from symconv.general.equivariance import (
    prove_dilated_is_zero_inserted as general_dilated,
)
from symconv.general.equivariance import (
    prove_strided_is_subsampled as general_strided,
)
from symconv.general.equivariance import (
    prove_tied_is_convolution as general_tied,
)
from symconv.general.equivariance import (
    prove_translation_equivariance as general_translation,
)
from symconv.proofs.equivariance import (
    prove_dilated_is_zero_inserted,
    prove_strided_is_subsampled,
    prove_tied_is_convolution,
    prove_translation_equivariance,
    zero_inserted,
)
from symconv.proofs.proof import Proof, Step

#: (input length, kernel, shift, stride, padding, dilation).
SHIFTS = [
    (6, 3, 1, 1, 0, 1),
    (8, 3, 2, 1, 0, 1),
    (8, 3, 1, 1, 1, 1),
    (8, 3, 1, 1, "full", 1),
    (9, 2, 2, 2, 0, 1),
    (9, 3, 4, 2, 1, 2),
    (7, 2, 1, 1, (0, 3), 1),
    (7, 3, 3, 1, "same", 2),
]

#: (input length, kernel, stride or dilation, padding).
LAYERS = [(7, 3, 2, 0), (8, 2, 3, 1), (9, 3, 2, "full"), (6, 2, 1, (1, 2)), (10, 3, 3, 2)]


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


def brute_force_defined(m, n, shift, stride, padding, dilation) -> list[int]:
    """The outputs i with z'_i == z_{i - tau} for every x, u and w: tried on symbols, one
    output at a time, with conv1d alone (no boundary rule)."""
    x, w = [Dummy(f"x{j}") for j in range(m)], [Dummy(f"w{k}") for k in range(n)]
    u = [Dummy(f"u{j}") for j in range(shift)]
    opts = dict(stride=stride, padding=padding, dilation=dilation)
    z, z_shifted = conv1d(x, w, **opts), conv1d(u + x[: m - shift], w, **opts)
    tau = shift // stride
    return [i for i in range(tau, len(z)) if same(z_shifted[i], z[i - tau])[0]]


@pytest.mark.parametrize(("m", "n", "shift", "s", "p", "d"), SHIFTS)
def test_translation_equivariance_holds_exactly_where_stated(m, n, shift, s, p, d) -> None:
    x, w = symbolic_vector("x", m), symbolic_vector("w", n)
    proof = prove_translation_equivariance(x, w, shift=shift, stride=s, padding=p, dilation=d)
    assert proof.holds, str(proof)
    defined = proof.step("shifted outputs").details["defined on both sides"]
    assert defined == brute_force_defined(m, n, shift, s, p, d)
    if p == 0:  # no padding: from tau to the last output
        assert defined == list(range(shift // s, len(conv1d(x, w, stride=s, dilation=d))))


def test_translation_boundary_details() -> None:
    x, w = symbolic_vector("x", 6), symbolic_vector("w", 3)
    step = prove_translation_equivariance(x, w, shift=2).step("shifted outputs")
    assert step.details["reads an entered entry"] == [0, 1]
    assert step.details["no counterpart in z'"] == [2, 3]
    assert step.details["entered"] == [Symbol("u0"), Symbol("u1")]
    # Fresh names: a user's "u" is not taken for an entry that entered.
    u = symbolic_vector("u", 5)
    entered = prove_translation_equivariance(u, w).step("shifted outputs").details["entered"]
    assert entered == [Symbol("uu0")]


def test_translation_with_numbers_against_torch(torch: Any) -> None:
    x, w, shift = [3, 1, 4, 1, 5, 9, 2, 6], [2, 7, 1], 2
    proof = prove_translation_equivariance(x, w, shift=shift)
    assert proof.holds
    tx = torch.tensor([x], dtype=torch.float64)
    tw = torch.tensor([[w]], dtype=torch.float64)
    z = torch.nn.functional.conv1d(tx, tw)[0]
    z_shifted = torch.nn.functional.conv1d(torch.roll(tx, shift, dims=1), tw)[0]
    # roll wraps the last entries round to the front: those are the entered ones.
    assert z_shifted[shift:].tolist() == z[:-shift].tolist()
    assert [float(v) for v in proof.step("shifted outputs").lhs] == z_shifted[shift:].tolist()


def test_a_shift_by_two_claimed_as_a_shift_by_one_fails() -> None:
    x, w = symbolic_vector("x", 7), symbolic_vector("w", 3)
    proof = prove_translation_equivariance(x, w, shift=2, output_shift=1)
    assert proof.holds is False
    failure = failing(proof)
    assert failure.name == "shifted outputs"
    assert where(failure) == (2,)
    assert proof.step("defined exactly there").holds  # the boundary itself is right


@pytest.mark.parametrize(("m", "n", "s", "p"), LAYERS)
def test_strided_is_subsampled(torch: Any, m, n, s, p) -> None:
    x, w = symbolic_vector("x", m), symbolic_vector("w", n)
    try:
        proof = prove_strided_is_subsampled(x, w, s, padding=p)
    except ValueError:
        return  # too little input for this kernel
    assert proof.holds, str(proof)
    numbers = list(range(1, m + 1))
    kernel = [2, -1, 3][:n]
    ours = prove_strided_is_subsampled(numbers, kernel, s, padding=p).step("subsampled").lhs
    pad = p if isinstance(p, tuple) else None
    tx = torch.tensor([[numbers]], dtype=torch.float64)
    if pad is not None:
        tx = torch.nn.functional.pad(tx, pad)
    tw = torch.tensor([[kernel]], dtype=torch.float64)
    opts = {"padding": 0 if pad is not None else (n - 1 if p == "full" else p)}
    strided = torch.nn.functional.conv1d(tx, tw, stride=s, **opts)[0, 0]
    unit = torch.nn.functional.conv1d(tx, tw, stride=1, **opts)[0, 0]
    assert [float(v) for v in ours] == strided.tolist() == unit[::s].tolist()


def test_wrongly_kept_outputs_fail() -> None:
    proof = prove_strided_is_subsampled(
        symbolic_vector("x", 7), symbolic_vector("w", 2), 2, kept=[1, 3, 5]
    )
    assert proof.holds is False and failing(proof).name == "subsampled"


@pytest.mark.parametrize(("m", "n", "d", "p"), LAYERS)
def test_dilated_is_zero_inserted(torch: Any, m, n, d, p) -> None:
    x, w = symbolic_vector("x", m), symbolic_vector("w", n)
    try:
        proof = prove_dilated_is_zero_inserted(x, w, d, padding=p)
    except ValueError:
        return
    assert proof.holds, str(proof)
    kernel = [2, -1, 3][:n]
    spread = zero_inserted(kernel, d)
    tx = torch.tensor([[list(range(1, m + 1))]], dtype=torch.float64)
    pair = p if isinstance(p, tuple) else ((d * (n - 1),) * 2 if p == "full" else (p, p))
    tx = torch.nn.functional.pad(tx, pair)
    dilated = torch.nn.functional.conv1d(
        tx, torch.tensor([[kernel]], dtype=torch.float64), dilation=d
    )
    inserted = torch.nn.functional.conv1d(tx, torch.tensor([[spread]], dtype=torch.float64))
    assert dilated.tolist() == inserted.tolist()


def test_a_kernel_without_its_zeros_fails() -> None:
    proof = prove_dilated_is_zero_inserted([1, 2, 3, 4, 5, 6], [1, 10], 2, kernel=[1, 10])
    assert proof.holds is False and failing(proof).name == "zero-inserted kernel"
    assert where(failing(proof)) == "length 4 != 5"


@pytest.mark.parametrize(("m", "n", "s", "p"), LAYERS)
def test_tied_locally_connected_is_the_convolution(m, n, s, p) -> None:
    x, w = symbolic_vector("x", m), symbolic_vector("w", n)
    try:
        proof = prove_tied_is_convolution(x, w, stride=s, padding=p)
    except ValueError:
        return
    assert proof.holds, str(proof)
    constraint = proof.step("tying is exactly this constraint")
    assert constraint.details["solutions"] == 1
    count = len(conv1d(x, w, stride=s, padding=p))
    free = constraint.details["unconstrained (tap on padding)"]
    assert len(constraint.lhs) + len(free) == count * n  # every weight: tied, or on padding


def test_one_untied_position_fails() -> None:
    proof = prove_tied_is_convolution([1, 2, 3, 4], [5, 6], weights=[[5, 6], [6, 5], [5, 6]])
    assert proof.holds is False
    assert failing(proof).name == "tied locally connected is the convolution"
    assert where(failing(proof)) == (1,)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: prove_translation_equivariance([1, 2, 3], [1, 1], shift=3),
            ValueError,
            r"shift 3 moves every entry of x \(length 3\) out; use a shift from 1 to 2",
        ),
        (
            lambda: prove_translation_equivariance([1, 2, 3, 4, 5], [1, 1], shift=1, stride=2),
            ValueError,
            r"shift 1 is not a multiple of the stride 2",
        ),
        (
            lambda: prove_translation_equivariance([1, 2, 3], [1, 1], shift=0),
            ValueError,
            r"shift must be an integer >= 1, got 0",
        ),
        (
            lambda: prove_translation_equivariance([1, 2, 3], [1, 1], output_shift=-1),
            ValueError,
            r"output shift must be an integer >= 0, got -1",
        ),
        (
            lambda: prove_strided_is_subsampled([1, 2, 3], [1, 1], 0),
            ValueError,
            r"stride must be an integer >= 1, got 0",
        ),
        (
            lambda: prove_dilated_is_zero_inserted([1, 2, 3], [1, 1], 2.0),
            TypeError,
            r"dilation must be an integer >= 1, got 2.0 of type float",
        ),
        (
            lambda: prove_tied_is_convolution([1, 2, 3], [1, 1], weights=[[1, 1]]),
            ValueError,
            r"w has kernels for output positions \(1,\) but the layer has outputs \(2,\)",
        ),
    ],
)
def test_errors_name_the_value_and_what_is_allowed(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()


# --- for all sizes --------------------------------------------------------------------------


@pytest.mark.parametrize("theorem", EQUIVARIANCE_THEOREMS, ids=lambda f: f.__name__)
def test_each_theorem_holds_in_under_two_seconds(theorem) -> None:
    start = time.perf_counter()
    proof = theorem()
    elapsed = time.perf_counter() - start
    assert proof.holds, str(proof)
    assert elapsed < 2.0, f"{theorem.__name__} took {elapsed:.2f} s"
    assert proof.to_latex().count(r"\item \textbf{") == len(proof.steps)


def test_general_translation_states_the_boundary() -> None:
    proof = general_translation()
    names = [str(step.name) for step in proof.steps]
    assert "the first tau outputs read an entry that entered" in names
    assert "the last tau outputs have no counterpart" in names
    assert proof.step("agrees with the concrete proof").holds
    assert len(proof.step("agrees with conv1d of the shifted input").lhs) >= 5


def test_general_shift_by_two_claimed_as_one_fails() -> None:
    proof = general_translation(shift=2, output_shift=1)
    assert proof.holds is False
    assert failing(proof).name == "the earlier output"
    assert proof.step("agrees with the earlier output of conv1d").holds is False
    assert general_translation(shift=2, output_shift=2).holds


def test_general_planted_errors_fail_at_their_step() -> None:
    layer = proof_symbols()
    i, s, d, k = layer.i[0], layer.s[0], layer.d[0], layer.k[0]
    strided = general_strided(kept=i * s + 1)
    assert strided.holds is False
    assert failing(strided).name == "eq. 9.8 is eq. 9.7 at t = i s"
    dilated = general_dilated(inserted=lambda k_: k_)
    assert dilated.holds is False and failing(dilated).name == "every tap has its place"
    assert general_dilated(inserted=lambda k_: k_ * d + 1).holds is False
    tied = general_tied(tie=lambda i_, k_: layer.w[k_ + 1])
    assert tied.holds is False and failing(tied).name == "tie the weights"
    assert mismatch(failing(tied))[1].has(layer.w[k + 1])  # the claimed tie, carried out


def test_general_spot_checks_cover_the_size_grid() -> None:
    proof = general_dilated()
    grid = size_grid(proof_symbols())
    compared = proof.step("agrees with the zero-inserted convolution")
    assert len(compared.lhs) == sum(sizes[proof_symbols().L[0]] for sizes in grid)
    assert compared.kind == "spot check"
    tied = general_tied()
    assert tied.step("at the tap r = i s + q d - p").holds
    assert Matrix(tied.step("agrees with the tied locally connected layer").lhs) != Matrix([S.Zero])
