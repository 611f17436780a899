"""The question itself: x = (1, 2, 3, 4), w = (5, 6, 7), and what the layer computes.

Every number in the report is computed by symconv when the report is built; a claim that
does not hold stops the build (``verified``).
"""

from __future__ import annotations

from symconv import band, conv1d, derive, symbolic_vector
from symconv.report import (
    derivation_sections,
    document,
    equation,
    itemize,
    matrix_latex,
    section,
    tuple_latex,
    verified,
)

TITLE = "The question: what a 1-D convolutional layer computes, and whether W is still a matrix"

X = [1, 2, 3, 4]
W = [5, 6, 7]


def build() -> str:
    n = len(W)
    full = list(conv1d(X, W, padding="full", flip=True))
    valid_conv = list(conv1d(X, W, flip=True))
    layer = list(conv1d(X, W))
    full_reversed = list(conv1d(X, W[::-1], padding="full", flip=True))
    trimmed = full[n - 1 : len(full) - (n - 1)]
    t = band(W, len(X))
    rows, cols = t.shape

    question = section(
        "The question",
        r"A dense layer is $z = W a$, $a' = f(z)$: row $i$ of $W$ is the weight vector of "
        r"output $i$, so every output is one dot product. A convolutional layer replaces "
        r"$W a$ by a convolution $w * a$. With",
        equation(rf"x = {tuple_latex(X)}, \qquad w = {tuple_latex(W)}"),
        r"the full convolution (\texttt{numpy.convolve(x, w)}, MATLAB's \texttt{conv(x, w)}) is",
        equation(
            verified(
                full == [5, 16, 34, 52, 45, 28],
                rf"x * w = {tuple_latex(full)}.",
            )
        ),
        r"Is the layer's output $f$ of these six numbers? Should the edges be trimmed? "
        r"Is $w$ still a vector, and is there still a matrix $W$?",
    )

    answer = section(
        "The answer",
        itemize(
            [
                verified(
                    layer == [38, 56],
                    r"A convolutional layer (PyTorch's \texttt{conv1d}, padding $0$) computes "
                    r"the \emph{valid} sliding dot products, one per position where the whole "
                    rf"kernel fits: $z = {tuple_latex(layer)}$, with "
                    r"$z_1 = 1 \cdot 5 + 2 \cdot 6 + 3 \cdot 7 = 38$. There are "
                    rf"$m - n + 1 = {len(X) - n + 1}$ of them.",
                ),
                r"$f$ is applied to those outputs, entry by entry: "
                rf"$a = (f({layer[0]}), f({layer[1]}))$, not $f$ of all six numbers of $x * w$.",
                verified(
                    trimmed == valid_conv,
                    rf"The edges of $x * w$ are its first and last $n - 1 = {n - 1}$ entries, "
                    r"where the kernel hangs over the ends of $x$ and reads padding zeros. "
                    rf"Trimming them leaves ${tuple_latex(trimmed)}$: the valid \emph{{true}} "
                    r"convolution, with the kernel flipped.",
                ),
                verified(
                    full_reversed[n - 1 : len(full_reversed) - (n - 1)] == layer,
                    r"A layer does not flip its kernel (it is a cross-correlation), so its "
                    rf"${tuple_latex(layer)}$ is the trimmed full convolution of $x$ with the "
                    rf"reversed kernel $(7, 6, 5)$: ${tuple_latex(full_reversed)}$ trimmed.",
                ),
                verified(
                    t.nnz == 6 and rows * cols == 8,
                    r"$W$ is still a matrix: $z = Tx$ with the banded "
                    rf"$T = {matrix_latex(t, mark_band=True)}$, "
                    rf"whose ${t.nnz}$ band entries share ${len(W)}$ weights and whose other "
                    rf"${rows * cols - t.nnz}$ entries are fixed at zero. A dense layer of the "
                    rf"same shape would have ${rows * cols}$ free weights.",
                ),
            ]
        ),
    )

    layer_derivation = derive(X, W, activation="f")
    layer_part = section(
        "The layer, step by step",
        r"Valid cross-correlation of the "
        r"question's numbers, with an unknown activation $f$.",
    )
    layer_sections = derivation_sections(
        layer_derivation,
        index_base=1,
        level=1,
        parts=("windows", "figures", "band", "data", "proofs"),
    )

    full_derivation = derive(X, W, padding="full", flip=True)
    full_part = section(
        "The full convolution and its edges",
        r"The six numbers of the question, as a layer with $n - 1 = 2$ zeros of padding on "
        r"each side and a flipped kernel. The first two and the last two windows read "
        r"padding: those are the edges a tutorial trims.",
    )
    full_sections = derivation_sections(
        full_derivation, index_base=1, level=1, parts=("setup", "windows", "band")
    )

    symbolic = derive(symbolic_vector("x", 4), symbolic_vector("w", 3), activation="f")
    symbolic_part = section(
        "The same layer with symbols",
        r"With $x$ and $w$ symbolic, each output shows which entries of $x$ and $w$ it "
        r"multiplies, and each entry of $T$ shows which weight it holds.",
    )
    symbolic_sections = derivation_sections(
        symbolic, index_base=1, level=1, parts=("windows", "band", "data")
    )

    return document(
        TITLE,
        [
            question,
            answer,
            layer_part,
            *layer_sections,
            full_part,
            *full_sections,
            symbolic_part,
            *symbolic_sections,
        ],
    )


if __name__ == "__main__":
    from symconv.catalogue import run_script

    raise SystemExit(run_script(__file__))
