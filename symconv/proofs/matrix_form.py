"""The matrix form of a 1-D convolution layer, proved: sliding sums == T x == X w.

Examples
========

>>> from symconv import prove_matrix_form, symbolic_vector
>>> proof = prove_matrix_form(symbolic_vector("x", 4), symbolic_vector("w", 3))
>>> proof.holds
True
>>> [step.name for step in proof.steps]
['banded product', 'data-matrix product', 'dense banded product', 'flip', 'agrees with the definition']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial

from sympy import Expr, Matrix, MatrixBase

from symconv.core.engine import dot, in_session, row_blocks
from symconv.core.vectors import as_vector
from symconv.layout.axis import ConvSettings, WindowLayout
from symconv.ops.banded import BandedMatrix, band_from_settings, band_times
from symconv.ops.datamatrix import data_times_by_rows
from symconv.ops.sliding import settings_for, sliding_outputs
from symconv.proofs.definition import as_requested, definition_step, layer_pairs
from symconv.proofs.proof import Positions, Proof, Step, check
from symconv.proofs.references import textbook_convolution

#: Above this many dense entries the public dense ``conv_matrix(w, L) * x`` is not
#: multiplied out for the proof; the band carries the proof at every size.
DENSE_CHECK_LIMIT = 4096


def claimed_product(
    matrix: object, vector: list[Expr], shape: tuple[int, int], what: str
) -> list[Expr]:
    """``matrix * vector`` for a matrix a user claims, over its nonzero entries only."""
    if isinstance(matrix, BandedMatrix):
        if matrix.shape != shape:
            raise ValueError(f"{what} has shape {matrix.shape}; this layer needs {shape}")
        return matrix.matvec(vector)
    if not isinstance(matrix, MatrixBase):
        raise TypeError(
            f"{what} must be a sympy Matrix or a BandedMatrix, got {type(matrix).__name__}"
        )
    if matrix.shape != shape:
        raise ValueError(f"{what} has shape {matrix.shape}; this layer needs {shape}")
    rows: list[list[tuple[Expr, Expr]]] = [[] for _ in range(shape[0])]
    for (i, j), entry in sorted(matrix.todok().items()):
        rows[i].append((entry, vector[j]))
    return [dot(row) for row in rows]


def derived_outputs(
    x: list[Expr],
    w: list[Expr],
    settings: WindowLayout,
    mirrored: WindowLayout,
    flip: bool,
    *,
    band: BandedMatrix | None,
    data: bool = True,
) -> dict[str, list[Expr]]:
    """A layer's outputs derived up to four ways, a block of rows at a time (see
    :func:`~symconv.engine.row_blocks`: they build the same products): the sliding sums
    ``"z"``, the reversed kernel's sums over the ``mirrored`` layout ``"flip"``, and, if
    asked for, ``band`` times x ``"T x"`` and the data matrix times w ``"X w"`` (``w``
    reversed when ``flip``)."""
    derivations: dict[str, Callable[[range], list[Expr]]] = {
        "z": partial(sliding_outputs, x, w, settings),
        "flip": partial(sliding_outputs, x, w[::-1], mirrored),
    }
    if band is not None:
        derivations["T x"] = band_times(band, x)
    if data:
        derivations["X w"] = data_times_by_rows(x, settings, w, flip)
    return row_blocks(settings.output_length, len(w), derivations)


def matrix_form_steps(
    x: list[Expr],
    w: list[Expr],
    settings: ConvSettings,
    matrix: object = None,
    data_matrix: object = None,
) -> list[Step]:
    """The steps of :func:`prove_matrix_form` for resolved settings (plain lists in)."""
    return checked_forms(x, w, settings, matrix, data_matrix)[0]


def checked_forms(
    x: list[Expr],
    w: list[Expr],
    settings: ConvSettings,
    matrix: object = None,
    data_matrix: object = None,
) -> tuple[list[Step], list[Expr], BandedMatrix]:
    """:func:`matrix_form_steps`, with the sliding outputs and the band they were checked
    against."""
    t = band_from_settings(w, settings)
    built = derived_outputs(
        x,
        w,
        settings,
        dataclasses.replace(settings, flip=not settings.flip),
        settings.flip,
        band=t if matrix is None else None,
        data=data_matrix is None,
    )
    z, by_flip = built["z"], built["flip"]
    banded = (
        built["T x"] if matrix is None else claimed_product(matrix, x, t.shape, "the claimed T")
    )
    kernel = w[::-1] if settings.flip else w
    by_data = (
        built["X w"]
        if data_matrix is None
        else claimed_product(data_matrix, kernel, (len(z), len(w)), "the claimed X")
    )
    labels = Positions(len(z))
    steps = [
        check(
            "banded product",
            z,
            banded,
            law=(
                r"Law: $(Tx)_i = \sum_j T_{ij} x_j$, and row $i$ of $T$ holds $w'_k$ in the "
                r"column of padded position $\tap$ and $0$ elsewhere, so $(Tx)_i$ "
                r"collects exactly the products of window $i$"
            ),
            labels=labels,
            details={"band": t},
        )
    ]
    steps.append(
        check(
            "data-matrix product",
            z,
            by_data,
            law=(
                r"Law: $(Xw')_i = \sum_k X_{ik} w'_k$, and row $i$ of $X$ is window $i$, "
                r"$X_{ik} = \tilde x_{\tap}$ (the padded input)"
            ),
            labels=labels,
        )
    )
    if matrix is None and t.shape[0] * t.shape[1] <= DENSE_CHECK_LIMIT:
        dense = t.to_matrix() * as_vector(x)
        steps.append(
            check(
                "dense banded product",
                z,
                list(dense),
                law=r"Cross-check: the dense $T$, structural zeros included, multiplied by $x$ in SymPy",
                labels=labels,
            )
        )
    if settings.flip:
        # The text-book definition pads with zeros: a padding mode reads inputs there.
        zeros = getattr(settings, "padding_mode", "zeros") == "zeros"
        reference = textbook_convolution(x, w, settings) if zeros else None
        if reference is not None:
            steps.append(
                check(
                    "true convolution",
                    z,
                    reference,
                    law=(
                        r"Law: the textbook definition $(x * w)_t = \sum_j x_j\, w_{t-j}$ "
                        r"(a sum over the input index, independent of the windows)"
                    ),
                    labels=labels,
                )
            )
        steps.append(
            check(
                "flip",
                z,
                by_flip,
                law=(
                    r"Law: $\operatorname{conv}(x, w) = \operatorname{xcorr}(x, "
                    r"\operatorname{rev} w)$: reversing the kernel turns one into the other"
                ),
                labels=labels,
            )
        )
    else:
        steps.append(
            check(
                "flip",
                by_flip,
                z,
                law=(
                    r"Law: $\operatorname{xcorr}(x, w) = \operatorname{conv}(x, "
                    r"\operatorname{rev} w)$: reversing the kernel turns one into the other"
                ),
                labels=labels,
            )
        )
    return steps, z, t


@dataclass(frozen=True)
class MatrixForm:
    """What the matrix-form stage gives: its proof, the sliding outputs ``z`` it derived
    and the band ``T`` it checked them against (``z == T x == X w``)."""

    proof: Proof
    outputs: list[Expr]
    band: BandedMatrix


@in_session
def matrix_form(
    x: Matrix,
    w: Matrix,
    settings: ConvSettings,
    request: Mapping[str, object],
    *,
    matrix: object = None,
    data_matrix: object = None,
) -> MatrixForm:
    """The matrix-form stage for a resolved layer: the proof of
    :func:`prove_matrix_form` with the outputs and the band it built.

    ``request`` is the layer as the user asked for it (``stride``, ``padding``,
    ``dilation``, ``flip``, ``padding_mode``): the literal definition resolves it again,
    by the frameworks' rule, to check the layout's resolution.

    >>> from symconv import symbolic_vector
    >>> from symconv.layout.axis import conv_settings
    >>> x, w = symbolic_vector("x", 4), symbolic_vector("w", 3)
    >>> stage = matrix_form(x, w, conv_settings(3, 4), {})
    >>> stage.proof.holds, stage.outputs[0], stage.band.nnz
    (True, w0*x0 + w1*x1 + w2*x2, 6)
    """
    xs, ws = list(x), list(w)
    steps, outputs, t = checked_forms(xs, ws, settings, matrix, data_matrix)
    steps.append(
        definition_step(steps[0].lhs, layer_pairs((len(xs),), (len(ws),), dict(request)), xs, ws)
    )
    kind = "convolution (flipped kernel)" if settings.flip else "cross-correlation"
    proof = Proof(
        title="Matrix form of a 1-D convolution layer",
        statement=(
            rf"For the {kind} of $x \in \mathbb{{R}}^{{{len(xs)}}}$ with "
            rf"$w \in \mathbb{{R}}^{{{len(ws)}}}$ (stride ${settings.stride}$, padding "
            rf"${settings.padding_pair}$, dilation ${settings.dilation}$): every output is "
            + (
                r"one sliding dot product with $w' = \operatorname{rev} w$, and "
                r"$\operatorname{conv1d}(x, w) = T(w)\, x = X(x)\, w'$"
                if settings.flip
                else r"one sliding dot product, and $\operatorname{conv1d}(x, w) = T(w)\, x = X(x)\, w$"
            )
            + f", entry by entry: ${settings.output_length}$ outputs."
        ),
        steps=steps,
        assumptions=(
            rf"${settings.left}$ zeros on the left and ${settings.right}$ on the right, "
            r"folded into $T$"
            if settings.padding_mode == "zeros"
            else rf"${settings.left}$ on the left and ${settings.right}$ on the right padded "
            rf"by the {settings.padding_mode} mode, each tap's weight folded into the "
            r"column of the input it reads",
        ),
    )
    return MatrixForm(proof, outputs, t)


@in_session
def prove_matrix_form(
    x: object,
    w: object,
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    matrix: object = None,
    data_matrix: object = None,
    padding_mode: object = "zeros",
    settings: ConvSettings | None = None,
) -> Proof:
    """Prove ``conv1d(x, w) == conv_matrix(w, len(x)) * x == im2col(x, K) * w``.

    Entry by entry, with the flip identity (convolution is cross-correlation with the
    reversed kernel). Costs ``O(L_out * K)`` terms: the band, not a dense product, carries
    the proof (the dense product is added as a cross-check for small layers).

    ``matrix`` / ``data_matrix`` put a claimed T or X (yours, from a paper, from another
    library) in place of symconv's: the proof then says whether *that* matrix is right,
    and names the first output it gets wrong.

    >>> proof = prove_matrix_form([1, 2, 3, 4], [5, 6, 7], padding="full", flip=True)
    >>> proof.holds, [str(s.lhs[i]) for s in proof.steps[:1] for i in range(6)]
    (True, ['5', '16', '34', '52', '45', '28'])
    >>> from sympy import Matrix
    >>> wrong = prove_matrix_form([1, 2, 3, 4], [5, 6, 7], matrix=Matrix([[5, 6, 7, 0], [5, 6, 7, 0]]))
    >>> wrong.holds, wrong.first_failure.mismatch
    (False, ((1,), 56, 38))

    ``settings``, the layer already resolved from these options (as
    :func:`symconv.derive` resolves it once), saves resolving it again; the options
    themselves still go to the literal definition.
    """
    xs = as_vector(x, "input x")
    ws = as_vector(w, "kernel w")
    if settings is None:
        settings = settings_for(xs, ws, stride, padding, dilation, flip, padding_mode)
    request = as_requested(stride, padding, dilation, flip, padding_mode)
    return matrix_form(xs, ws, settings, request, matrix=matrix, data_matrix=data_matrix).proof
