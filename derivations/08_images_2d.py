"""Images: a 2-D convolution layer is a doubly-block Toeplitz matrix, its blocks the 1-D
banded matrices of the kernel rows, and im2col turns it into one product X k."""

from __future__ import annotations

import sympy
from sympy import Matrix

from symconv import (
    band2d,
    conv2d,
    conv2d_grads,
    conv2d_matrix,
    conv_matrix,
    im2col2d,
    prove_matrix_form2d,
    prove_tied_gradients2d,
    settings2d,
    symbolic_matrix,
    toeplitz_blocks,
)
from symconv.report import (
    align,
    document,
    equation,
    expr_latex,
    matrix_latex,
    proof_latex,
    section,
    table,
    verified,
)

TITLE = "Images: the doubly-block Toeplitz matrix and im2col"

#: The worked example: a 3 x 3 image and a 2 x 2 kernel (so T is 4 x 9, printed whole).
IMAGE, KERNEL = (3, 3), (2, 2)
#: A larger layer whose T is shown elided, with its block layout.
BIG_IMAGE, BIG_KERNEL = (6, 6), (3, 3)
#: (image, kernel) rows of the parameter-count table.
SIZES = [((8, 8), (3, 3)), ((28, 28), (3, 3)), ((28, 28), (5, 5)), ((64, 64), (3, 3))]


def partial(name: str, value: object) -> str:
    """One row ``dL/d(name) = value`` of an align, indices from 1."""
    return rf"\frac{{\partial L}}{{\partial {name}}} &= {expr_latex(value, index_base=1)}"


def kronecker_sum(k: Matrix, shape: tuple[int, int]) -> Matrix:
    """sum_a P_a (x) T(k[a, :]): P_a marks which input row kernel row a meets."""
    s = settings2d(k.shape, shape)
    total = sympy.zeros(s.output_length, s.input_length)
    for a in range(k.rows):
        pattern = sympy.zeros(s.rows.output_length, s.rows.input_length)
        for i in range(s.rows.output_length):
            pattern[i, i + a] = 1
        total += sympy.kronecker_product(pattern, conv_matrix(list(k[a, :]), shape[1]))
    return total


def build() -> str:
    x, k = symbolic_matrix("x", *IMAGE), symbolic_matrix("k", *KERNEL)
    y = conv2d(x, k)
    (h, w), (kh, kw), (ho, wo) = IMAGE, KERNEL, y.shape
    outputs = section(
        "The layer",
        rf"An image $x$ of ${h} \times {w}$ pixels and a kernel $k$ of ${kh} \times {kw}$ "
        r"(valid cross-correlation, stride $1$, as PyTorch's \texttt{conv2d}): output "
        r"$(i, j)$ is the dot product of $k$ with the window of $x$ under it.",
        equation(
            rf"x = {matrix_latex(x, index_base=1)}, \qquad k = {matrix_latex(k, index_base=1)}"
        ),
        equation(rf"y_{{1,1}} = {expr_latex(y[0, 0], index_base=1)}"),
        rf"so $y$ has ${ho} \times {wo}$ entries. Reading $x$ and $y$ row by row into "
        rf"vectors of length ${h * w}$ and ${ho * wo}$ (row-major $\operatorname{{vec}}$), "
        r"the layer is one matrix product.",
    )

    t = conv2d_matrix(k, IMAGE)
    layout, blocks = toeplitz_blocks(k, IMAGE)
    block_rows = [
        rf"T_{{{a + 1}}} &= {matrix_latex(blocks[a], index_base=1)} "
        rf"= \operatorname{{conv\_matrix}}(k_{{{a + 1},:}}, {w})"
        for a in range(kh)
    ]
    toeplitz = section(
        "The doubly-block Toeplitz matrix",
        rf"$T$ has ${t.rows} \times {t.cols}$ entries; split into blocks of "
        rf"${wo} \times {w}$ (one block row per output row, one block column per input "
        r"row) it is block Toeplitz, and every block is Toeplitz:",
        equation(rf"T = {matrix_latex(layout, index_base=1)}"),
        equation(rf"T = {matrix_latex(t, max_cols=9, index_base=1)}"),
        align(block_rows),
        verified(
            t * x.reshape(h * w, 1) == y.reshape(ho * wo, 1),
            r"$T \operatorname{vec}(x) = \operatorname{vec}(y)$, entry by entry.",
        ),
        verified(
            t == kronecker_sum(k, IMAGE),
            r"Block $(i, r)$ is $T_a$ exactly when kernel row $a$ meets input row $r$ from "
            r"output row $i$; so $T = \sum_a P_a \otimes T_a$, with $P_a$ the $0/1$ matrix "
            r"of those $(i, r)$: the 1-D banded matrix of each kernel row, placed by a "
            r"1-D pattern along the other axis.",
        ),
    )

    big_x_shape, big = BIG_IMAGE, symbolic_matrix("k", *BIG_KERNEL)
    big_layout, _ = toeplitz_blocks(big, big_x_shape)
    big_band = band2d(big, big_x_shape)
    rows, cols = big_band.shape
    elided = section(
        "A larger image, elided",
        rf"For a ${big_x_shape[0]} \times {big_x_shape[1]}$ image and a "
        rf"${BIG_KERNEL[0]} \times {BIG_KERNEL[1]}$ kernel, $T$ is ${rows} \times {cols}$; "
        r"its block layout and its first rows and columns:",
        equation(rf"T = {matrix_latex(big_layout, index_base=1)}"),
        equation(
            rf"T = {matrix_latex(big_band, max_rows=6, max_cols=9, index_base=1, mark_band=True)}"
        ),
        verified(
            big_band.nnz == rows * BIG_KERNEL[0] * BIG_KERNEL[1],
            rf"Every row holds all ${BIG_KERNEL[0] * BIG_KERNEL[1]}$ weights: "
            rf"${big_band.nnz}$ band entries out of ${rows * cols}$.",
        ),
    )

    cols_x = im2col2d(x, KERNEL)
    im2col = section(
        "im2col: the data matrix of an image",
        r"Row $(i, j)$ of $X$ is the window under output $(i, j)$ read row by row, so "
        r"the same layer is also $X \operatorname{vec}(k)$, one column per kernel entry:",
        equation(rf"X = {matrix_latex(cols_x, index_base=1)}"),
        verified(
            cols_x * k.reshape(kh * kw, 1) == y.reshape(ho * wo, 1),
            r"$X \operatorname{vec}(k) = \operatorname{vec}(y) = T \operatorname{vec}(x)$: "
            r"$T$ multiplies the image, $X$ the kernel.",
        ),
    )

    g = symbolic_matrix("g", ho, wo)
    grad_x, grad_k = conv2d_grads(x, k, g)
    gradients = section(
        "Gradients",
        r"For $L = \sum_{i,j} g_{i,j} y_{i,j}$, differentiated term by term:",
        align(
            [
                partial("k_{1,1}", grad_k[0, 0]),
                partial("x_{2,2}", grad_x[1, 1]),
            ]
        ),
        verified(
            Matrix(list(grad_k)) == cols_x.T * Matrix(list(g))
            and Matrix(list(grad_x)) == t.T * Matrix(list(g)),
            r"$\nabla_k L = X^{\top} \operatorname{vec}(g)$ (each weight collects every "
            r"output it touches) and $\nabla_x L = T^{\top} \operatorname{vec}(g)$ (a "
            r"transposed convolution).",
        ),
    )

    count_rows = []
    for shape, kernel in SIZES:
        s = settings2d(kernel, shape)
        nnz = sum(len(s.taps(o)) for o in range(s.output_length))
        count_rows.append(
            [
                rf"${shape[0]} \times {shape[1]}$",
                rf"${kernel[0]} \times {kernel[1]}$",
                rf"${s.output_length} \times {s.input_length}$",
                f"${s.output_length * s.input_length}$",
                f"${nnz}$",
                f"${kernel[0] * kernel[1]}$",
            ]
        )
    counts = section(
        "Parameters against a dense layer",
        table(
            "rrrrrr",
            ["image", "kernel", "shape of T", "dense weights", "band entries", "distinct"],
            count_rows,
        ),
    )

    proofs = section(
        "Proofs",
        proof_latex(prove_matrix_form2d(x, k), index_base=1, max_entries=2),
        proof_latex(prove_tied_gradients2d(x, k, g), index_base=1, max_entries=2),
    )
    return document(TITLE, [outputs, toeplitz, elided, im2col, gradients, counts, proofs])


if __name__ == "__main__":
    from symconv.catalogue import run_script

    raise SystemExit(run_script(__file__))
