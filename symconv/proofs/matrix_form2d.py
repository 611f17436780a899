"""The 2-D matrix form, proved: sliding sums == doubly-block Toeplitz T vec(x) == X k.

Examples
========

>>> from symconv import prove_matrix_form2d, symbolic_matrix
>>> prove_matrix_form2d(symbolic_matrix("x", 3, 3), symbolic_matrix("k", 2, 2)).holds
True
"""

from __future__ import annotations

from collections.abc import Sequence

from sympy import Expr, Matrix

from symconv.core.engine import in_session
from symconv.core.images import as_image
from symconv.layout.grid import ConvSettings2D, layout, settings_for_images
from symconv.ops.banded import BandedMatrix, band_from_settings
from symconv.ops.conv2d import row_bands
from symconv.proofs.definition import as_requested, definition_step, layer_pairs
from symconv.proofs.matrix_form import DENSE_CHECK_LIMIT, derived_outputs
from symconv.proofs.proof import Proof, Step, check, observe
from symconv.proofs.references import textbook_convolution2d


def block_structure_step(t: BandedMatrix, kernel: Sequence[Expr], settings: ConvSettings2D) -> Step:
    """Claim: ``T = sum_a P_a (x) T_a`` (Kronecker), ``P_a`` the row axis's 0/1 pattern
    of tap ``a`` and ``T_a`` the 1-D band of kernel row ``a``: T is block Toeplitz with
    Toeplitz blocks. The tie pattern is compared entry by entry over the band as
    integers (no dense matrix), the weights the tied entries hold once per weight."""
    if getattr(settings, "padding_mode", "zeros") != "zeros":
        # A padding mode folds the edges into T = T_valid P: its blocks are the rows'
        # bands only away from the edges. The entries are proved by the other steps.
        return observe(
            "blocks are the 1-D bands of the kernel rows",
            True,
            law=r"with a padding mode $T = T_{\mathrm{valid}} P$: the edge blocks fold "
            r"weights together, so the block structure is not claimed (observed only)",
        )
    blocks = row_bands(kernel, settings)
    kh, kw = settings.kernel_shape
    wo, width = settings.cols.output_length, settings.cols.input_length
    columns, count = t.shape[1], kh * kw
    # Each tied entry with the flat index of the weight it holds, as one int, T's against
    # the blocks' (the weight itself is compared below, once per weight).
    assembled = {
        ((i * wo + j) * columns + r * width + c) * count + a * kw + b
        for i in range(settings.rows.output_length)
        for a, r in settings.rows.taps(i)
        for (j, c), b in blocks[a].ties.items()
    }
    held = {(i * columns + j) * count + k for (i, j), k in t.ties.items()}
    if assembled != held:
        extra = sorted(divmod(key // count, columns) for key in assembled ^ held)[:3]
        return observe(
            "blocks are the 1-D bands of the kernel rows",
            False,
            law=r"$T = \sum_a P_a \otimes T(k'_{a,:})$",
            details={"entries off the pattern": extra},
        )
    return check(
        "blocks are the 1-D bands of the kernel rows",
        list(t.weights),
        [block.weights[b] for block in blocks for b in range(kw)],
        law=(
            r"$T = \sum_a P_a \otimes T(k'_{a,:})$: block $(i, r)$ is the 1-D band of the "
            r"kernel row $a$ with $r = i\, s_h + a\, d_h - p_{\mathrm{top}}$; the blocks' "
            r"entries and $T$'s are tied to the same weights, compared once per weight"
        ),
        labels=[divmod(n, kw) for n in range(count)],
        details={"blocks": [block.shape for block in blocks], "band entries": len(held)},
    )


def matrix_form_steps2d(x: list[Expr], k: list[Expr], settings: ConvSettings2D) -> list[Step]:
    """The steps of :func:`prove_matrix_form2d` for resolved settings (flat lists in)."""
    flat = layout(settings)
    t = band_from_settings(k, flat)
    # The reversed row-major kernel is the kernel rotated by 180 degrees.
    mirrored = layout(settings.with_flip(not settings.flip))
    built = derived_outputs(x, k, flat, mirrored, settings.flip, band=t)
    z, by_flip = built["z"], built["flip"]
    wo = settings.cols.output_length
    labels = [divmod(o, wo) for o in range(len(z))]
    steps = [
        check(
            "doubly-block Toeplitz product",
            z,
            built["T x"],
            law=(
                r"row $i W_o + j$ of $T$ holds $k'_{ab}$ at column "
                r"$(i s_h + a d_h - p_{\mathrm{top}}) W + (j s_w + b d_w - p_{\mathrm{left}})$"
            ),
            labels=labels,
            details={"band": t},
        ),
        block_structure_step(t, k, settings),
        check(
            "im2col product",
            z,
            built["X w"],
            law=r"row $i W_o + j$ of $X$ is the window under output $(i, j)$, read row-major",
            labels=labels,
        ),
    ]
    if t.shape[0] * t.shape[1] <= DENSE_CHECK_LIMIT:
        steps.append(
            check(
                "dense doubly-block Toeplitz product",
                z,
                list(t.to_matrix() * Matrix(x)),
                law=r"Cross-check: the dense $T$ times $\operatorname{vec}(x)$, multiplied by SymPy",
                labels=labels,
            )
        )
    if settings.flip:
        reference = textbook_convolution2d(x, k, settings)
        if reference is not None:
            steps.append(
                check(
                    "true convolution",
                    z,
                    reference,
                    law=r"the textbook definition $S(i, j) = \sum_m \sum_n I(m, n)\, K(i - m, j - n)$",
                    labels=labels,
                )
            )
        steps.append(
            check(
                "flip",
                z,
                by_flip,
                law=(
                    r"$\operatorname{conv}(x, k) = \operatorname{xcorr}(x, "
                    r"\operatorname{rot180}(k))$"
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
                    r"$\operatorname{xcorr}(x, k) = \operatorname{conv}(x, "
                    r"\operatorname{rot180}(k))$"
                ),
                labels=labels,
            )
        )
    return steps


@in_session
def prove_matrix_form2d(
    x: object,
    k: object,
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    padding_mode: object = "zeros",
) -> Proof:
    """Prove ``conv2d(x, k) == T(k) x == X(x) k`` over flattened row-major images.

    T is shown to be ``sum_a P_a (x) T_a`` (block Toeplitz with 1-D banded blocks), and
    the flip identity holds. Costs ``O(Ho*Wo*kh*kw)`` terms: the band carries the proof.

    >>> from symconv import symbolic_matrix
    >>> proof = prove_matrix_form2d(symbolic_matrix("x", 3, 3), symbolic_matrix("k", 2, 2))
    >>> proof.holds
    True
    >>> for step in proof.steps:
    ...     print(step.name)
    doubly-block Toeplitz product
    blocks are the 1-D bands of the kernel rows
    im2col product
    dense doubly-block Toeplitz product
    flip
    agrees with the definition
    """
    image, kernel = as_image(x, "image x"), as_image(k, "kernel k")
    settings = settings_for_images(image, kernel, stride, padding, dilation, flip, padding_mode)
    steps = matrix_form_steps2d(list(image), list(kernel), settings)
    request = as_requested(stride, padding, dilation, flip, padding_mode)
    steps.append(
        definition_step(
            steps[0].lhs,
            layer_pairs(image.shape, kernel.shape, request),
            list(image),
            list(kernel),
            labels=steps[0].labels,
        )
    )
    return Proof(
        title="Matrix form of a 2-D convolution layer",
        statement=(
            f"For {settings.describe()}: "
            r"$\operatorname{conv2d}(x, k) = T(k) \operatorname{vec}(x) = X(x) "
            + (r"\operatorname{vec}(k')$" if settings.flip else r"\operatorname{vec}(k)$")
            + (r" with $k' = \operatorname{rot180}(k)$" if settings.flip else "")
            + r", with $T$ doubly-block Toeplitz and $\operatorname{vec}$ row-major."
        ),
        steps=steps,
        assumptions=(rf"padding ${settings.padding}$ zeros per axis, folded into $T$",),
    )
