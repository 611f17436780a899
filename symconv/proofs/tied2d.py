"""Tied-weight gradients of a 2-D layer, proved: each kernel entry's gradient is the sum
over its tie set in the doubly-block Toeplitz matrix.

Examples
========

>>> from symconv import prove_tied_gradients2d, symbolic_matrix
>>> x, k, g = symbolic_matrix("x", 3, 3), symbolic_matrix("k", 2, 2), symbolic_matrix("g", 2, 2)
>>> prove_tied_gradients2d(x, k, g).holds
True
"""

from __future__ import annotations

from collections.abc import Sequence

from sympy import Expr

from symconv.core.engine import dot, in_session
from symconv.core.images import as_image
from symconv.layout.grid import ConvSettings2D, layout, settings_for_images
from symconv.ops.conv2d import upstream_image
from symconv.ops.gradients import derive_gradients
from symconv.proofs.definition import as_requested, gradient_definition_steps, layer_pairs
from symconv.proofs.proof import Proof
from symconv.proofs.tied import tied_weight_steps


def weight_gradient_closed_form(
    x: Sequence[Expr], g: Sequence[Expr], settings: ConvSettings2D
) -> list[Expr]:
    """``dL/dk = X^T g``, rotated back when flipped: column ``(a, b)`` of the data matrix
    holds ``x[i*s_h + a*d_h - top, j*s_w + b*d_w - left]`` in row ``(i, j)``.

    Read from the per-axis window positions (as :func:`im2col2d` defines X), not from
    the tap lists the gradient was differentiated over; the upstream factor is put first
    because that is the product's canonical order for names like ``g``/``x``, which
    lets the engine reuse the products the derivation built.
    """
    (height, width), (kh, kw) = settings.input_shape, settings.kernel_shape
    wo = settings.cols.output_length
    across = [
        [settings.rows.input_index(i, a) for a in range(kh)]
        for i in range(settings.rows.output_length)
    ]
    along = [[settings.cols.input_index(j, b) for b in range(kw)] for j in range(wo)]
    closed = []
    for a in range(kh):
        for b in range(kw):
            pairs = []
            for i, rows in enumerate(across):
                r = rows[a]
                if not 0 <= r < height:
                    continue
                for j, cols in enumerate(along):
                    c = cols[b]
                    if 0 <= c < width:
                        pairs.append((g[i * wo + j], x[r * width + c]))
            closed.append(dot(pairs))
    return closed[::-1] if settings.flip else closed


@in_session
def prove_tied_gradients2d(
    x: object,
    k: object,
    upstream: object,
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    padding_mode: object = "zeros",
) -> Proof:
    """Prove what backpropagation does with the tied doubly-block Toeplitz matrix.

    The claims of :func:`symconv.prove_tied_gradients` over flattened images: each
    kernel weight's gradient (differentiated) is the sum of the untied entries'
    gradients over its tie set, ``dL/dk = X^T g``, ``dL/dx = T^T g``, and a step on k
    keeps zeros zero and ties tied where dense and masked steps do not.

    >>> from symconv import symbolic_matrix
    >>> x, k, g = symbolic_matrix("x", 3, 3), symbolic_matrix("k", 2, 2), symbolic_matrix("g", 2, 2)
    >>> proof = prove_tied_gradients2d(x, k, g)
    >>> proof.holds
    True
    >>> proof.step("tied gradient is the sum over its entries").details["tie sets"][0]
    [(0, 0), (1, 1), (2, 3), (3, 4)]
    """
    image, kernel = as_image(x, "image x"), as_image(k, "kernel k")
    settings = settings_for_images(image, kernel, stride, padding, dilation, flip, padding_mode)
    g = upstream_image(upstream, settings)
    x_list, k_list, g_list = list(image), list(kernel), list(g)
    flat = layout(settings)
    derived = derive_gradients(x_list, k_list, g_list, flat)
    kw, width = settings.cols.kernel_size, settings.cols.input_length
    request = as_requested(stride, padding, dilation, flip, padding_mode)
    # Checked first, shown last (as in the 1-D proof): the definition's pairs are freed
    # before the tied steps build theirs.
    definition = gradient_definition_steps(
        layer_pairs(image.shape, kernel.shape, request),
        derived.grad_w,
        derived.grad_x,
        x_list,
        k_list,
        g_list,
        weight_labels=[divmod(n, kw) for n in range(len(k_list))],
        input_labels=[divmod(n, width) for n in range(len(x_list))],
    )
    steps = (
        tied_weight_steps(
            x_list,
            k_list,
            g_list,
            flat,
            derived.grad_x,
            derived.grad_w,
            weight_gradient_closed_form(x_list, g_list, settings),
            weight_labels=[divmod(n, kw) for n in range(len(k_list))],
            input_labels=[divmod(n, width) for n in range(len(x_list))],
            weight_name=(
                r"weight gradient is $\operatorname{rot180}(X^{\top} g)$"
                if settings.flip
                else r"weight gradient is $X^{\top} g$"
            ),
        )
        + definition
    )
    return Proof(
        title="Tied-weight gradients of a 2-D convolution layer",
        statement=(
            r"For $L = \sum_{i,j} g_{ij} y_{ij}$ with $y = T(k) \operatorname{vec}(x)$, "
            f"{settings.describe()}: "
            r"$\partial L/\partial k_{ab}$ is the sum of $\partial L/\partial u$ over the "
            r"entries of $T$ holding $k_{ab}$, $\partial L/\partial x = T^{\top} g$, and a "
            r"gradient step on $k$ keeps $T$ doubly-block Toeplitz and tied."
        ),
        steps=steps,
        assumptions=(
            r"the upstream gradient $g$ does not depend on $x$ or $k$",
            r"$\eta$ is the learning rate",
        ),
    )
