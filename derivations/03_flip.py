"""Convolution or cross-correlation: the kernel flip, in numbers, in matrices and in a proof."""

from __future__ import annotations

from symconv import band, conv1d, prove_matrix_form, symbolic_vector
from symconv.report import (
    SLIDING_REFERENCES,
    document,
    equation,
    itemize,
    matrix_latex,
    proof_latex,
    reference_latex,
    section,
    table,
    tuple_latex,
    verified,
)

TITLE = "Convolution or cross-correlation: the kernel flip"

X = [1, 2, 3, 4]
W = [5, 6, 7]


def build() -> str:
    xcorr = reference_latex(SLIDING_REFERENCES[(1, False, False)], "z")
    conv = reference_latex(SLIDING_REFERENCES[(1, True, False)], "z")
    definitions = section(
        "Two sliding dot products",
        r"What CNN libraries call convolution slides the kernel as it is "
        r"(cross-correlation); the textbook convolution slides it reversed. With $x$ the "
        r"padded input, in the book's 1-based indices (both formulas rendered by "
        r"latexify-py from symconv's Python reference definitions):",
        equation(r"\text{cross-correlation:}\quad " + xcorr),
        equation(r"\text{convolution:}\quad " + conv),
        r"So $\operatorname{xcorr}(x, w) = \operatorname{conv}(x, \operatorname{rev} w)$: "
        r"reversing the kernel turns one into the other.",
    )

    rows = []
    reverse_holds = True
    for mode in ("valid", "full"):
        c = list(conv1d(X, W, padding=mode))
        v = list(conv1d(X, W, padding=mode, flip=True))
        reverse_holds &= c == list(conv1d(X, W[::-1], padding=mode, flip=True))
        rows.append([mode, f"${tuple_latex(c)}$", f"${tuple_latex(v)}$"])
    numbers = section(
        "The question's numbers",
        rf"For $x = {tuple_latex(X)}$ and $w = {tuple_latex(W)}$, computed by symconv:",
        table("lll", ["mode", "cross-correlation (PyTorch)", "convolution (NumPy, MATLAB)"], rows),
        verified(
            reverse_holds,
            r"In both modes the cross-correlation equals the convolution with "
            r"$\operatorname{rev} w = (7, 6, 5)$. The question's $(5, 16, 34, 52, 45, 28)$ is "
            r"the full \emph{convolution}; a layer's valid output $(38, 56)$ is a "
            r"\emph{cross-correlation}.",
        ),
    )

    w = symbolic_vector("w", 3)
    t_xcorr = band(w, 5)
    t_conv = band(w, 5, flip=True)
    same_pattern = set(t_xcorr.ties) == set(t_conv.ties)
    mirrored = all(t_conv.ties[e] == 2 - k for e, k in t_xcorr.ties.items())
    matrices = section(
        "In the banded matrix",
        r"The flip does not move the band; it reverses the kernel inside every row:",
        "\\begin{align*}\n"
        + rf"T_{{\text{{xcorr}}}} &= {matrix_latex(t_xcorr, index_base=1, mark_band=True)} \\"
        + "\n"
        + rf"T_{{\text{{conv}}}} &= {matrix_latex(t_conv, index_base=1, mark_band=True)}"
        + "\n\\end{align*}",
        verified(
            same_pattern and mirrored,
            r"Same entries, same structural zeros; entry $(i, j)$ holds $w_k$ in one and "
            r"$w_{n+1-k}$ in the other.",
        ),
    )

    learning = section(
        "Why a network does not care",
        itemize(
            [
                r"The kernel is learned: whatever a convolution layer would learn, a "
                r"cross-correlation layer learns reversed, with the same outputs, "
                r"the same gradients (reversed) and the same number of parameters.",
                r"The flip matters when comparing with \texttt{numpy.convolve}, MATLAB's "
                r"\texttt{conv} or the textbook definition, or when reusing a kernel across "
                r"libraries.",
            ]
        ),
    )

    proof = prove_matrix_form(symbolic_vector("x", 5), w, flip=True)
    proved = section(
        "Proof",
        verified(
            proof.holds,
            r"symconv proves the flip identity and the textbook definition "
            r"for symbolic $x$ of length $5$ and $w$ of length $3$:",
        ),
        proof_latex(proof, index_base=1, max_entries=3, heading="subsection*"),
    )
    return document(TITLE, [definitions, numbers, matrices, learning, proved])


if __name__ == "__main__":
    from symconv.catalogue import run_script

    raise SystemExit(run_script(__file__))
