"""Padding modes: what the padding reads (zeros, reflect, replicate, circular), the folded
banded matrix whose boundary entries are sums of weights, the gradients through it, and
circular padding as a circulant matrix that the DFT diagonalises.

The modes are PyTorch's ``padding_mode`` (``nn.Conv1d``, ``nn.Conv2d``): pad the input by
the mode, then slide a valid convolution. The tests compare every stage with PyTorch's
forward pass and autograd, in 1-D and 2-D.
"""

from __future__ import annotations

import sympy
from sympy import Matrix

from symconv import (
    conv1d,
    conv1d_grads,
    conv_matrix,
    im2col,
    prove_matrix_form,
    symbolic_vector,
    windows,
)
from symconv.report import (
    align,
    document,
    itemize,
    section,
    table,
    tuple_latex,
    verified,
)

TITLE = "Padding modes: zeros, reflect, replicate and circular, folded into the matrix"

#: (mode, what a padded position reads, PyTorch's limit on each side's padding p).
MODES: list[tuple[str, str, str]] = [
    ("zeros", r"a zero", r"none"),
    ("reflect", r"the mirror image about the edge sample, not repeated", r"$p < m$"),
    ("replicate", r"the edge sample", r"none"),
    ("circular", r"the input wrapped round, $x_{j \bmod m}$", r"$p \le m$"),
]

M = 4


def padded_row(mode: str, x: Matrix, p: int) -> str:
    """The padded input as PyTorch's F.pad builds it: windows of one sample each."""
    padded = [row[0] for row in windows(x, 1, padding=p, padding_mode=mode)]
    return tuple_latex(padded, max_cols=len(padded))


def reads_section() -> str:
    x = symbolic_vector("x", M)
    p = 3
    rows = [[rf"\texttt{{{mode}}}", f"${padded_row(mode, x, p)}$"] for mode, _r, _l in MODES]
    return section(
        "What the padding reads",
        rf"For $x$ of length $m = {M}$ (indices from $0$) and $p = {p}$ positions of padding "
        r"on each side, the padded input is:",
        table("ll", ["mode", r"padded $\tilde x$"], rows),
        itemize(
            [rf"\texttt{{{mode}}}: {reads}; limit on $p$: {limit}." for mode, reads, limit in MODES]
        ),
        r"A layer pads by its mode and slides a valid convolution, so a window at the edge "
        r"reads real inputs where zero padding would read zeros.",
    )


def folded_section() -> str:
    w = symbolic_vector("w", 3)
    w0, w1, w2 = w
    matrices = [
        rf"T_{{\text{{{mode}}}}} &= " + sympy.latex(conv_matrix(w, 5, padding=1, padding_mode=mode))
        for mode, _r, _l in MODES
    ]
    t_reflect = conv_matrix(w, 5, padding=1, padding_mode="reflect")
    t_replicate = conv_matrix(w, 5, padding=1, padding_mode="replicate")
    every_tap = all(
        sympy.expand(sum(conv_matrix(w, 5, padding=1, padding_mode=mode).row(i)) - sum(w)) == 0
        for mode in ("reflect", "replicate", "circular")
        for i in range(5)
    )
    return section(
        "The folded banded matrix",
        r"With zero padding a tap on the padding has no column in $T$. With a mode it reads "
        r"a real input, so its weight joins that input's column: an entry of $T$ can hold a "
        r"sum of weights. For $m = 5$, a kernel of length $3$ and $p = 1$ (symbols from $0$):",
        align(matrices),
        itemize(
            [
                verified(
                    t_reflect[0, 1] == w0 + w2 and t_reflect[4, 3] == w0 + w2,
                    r"reflect: the first window reads $(x_1, x_0, x_1)$, so row $0$ holds "
                    r"$w_0 + w_2$ in column $1$ (and the last row in column $3$);",
                ),
                verified(
                    t_replicate[0, 0] == w0 + w1 and t_replicate[4, 4] == w1 + w2,
                    r"replicate: the first window reads $(x_0, x_0, x_1)$, so row $0$ holds "
                    r"$w_0 + w_1$ in column $0$;",
                ),
                verified(
                    every_tap,
                    r"with any mode every tap reads an input, so every row of $T$ sums to "
                    r"$w_0 + w_1 + w_2$.",
                ),
            ]
        ),
    )


def gradients_section() -> str:
    x, w, g = symbolic_vector("x", M), symbolic_vector("w", 3), symbolic_vector("g", M)
    rows = []
    agree = True
    proved = True
    for mode, _r, _l in MODES:
        grad_x, grad_w = conv1d_grads(x, w, g, padding=1, padding_mode=mode)
        t = conv_matrix(w, M, padding=1, padding_mode=mode)
        data = im2col(x, 3, padding=1, padding_mode=mode)
        agree = agree and (t.T * g - grad_x).expand().is_zero_matrix
        agree = agree and (data.T * g - grad_w).expand().is_zero_matrix
        proved = proved and prove_matrix_form(x, w, padding=1, padding_mode=mode).holds
        rows.append([rf"\texttt{{{mode}}}", f"${sympy.latex(grad_x[0])}$"])
    return section(
        "Gradients through a padding mode",
        r"The loss $\ell = \sum_i g_i z_i$ is differentiated term by term. An input that "
        r"the padding repeats receives the gradient of every tap that reads it; for "
        rf"$m = {M}$, $p = 1$, the gradient of the first input:",
        table("ll", ["mode", r"$\partial \ell / \partial x_0$"], rows),
        verified(
            agree and proved,
            r"For every mode $\partial \ell/\partial x = T^{\mathsf T} g$ with the folded "
            r"$T$, $\partial \ell/\partial w = X^{\mathsf T} g$ with the data matrix of the "
            r"padded input, and $z = T x = X w$ holds entry by entry "
            r"(\texttt{prove\_matrix\_form} with \texttt{padding\_mode}).",
        ),
    )


def circular_section() -> str:
    n = 4
    w = symbolic_vector("w", 3)
    c = conv_matrix(w, n, padding="same", padding_mode="circular")
    placed = c[:, 0]
    omega = sympy.exp(-2 * sympy.pi * sympy.I / n)
    f = Matrix(n, n, lambda m, j: omega ** (m * j))
    f_inverse = Matrix(n, n, lambda i, m: omega ** (-i * m) / n)
    spectrum = f * placed
    factored = (f_inverse * sympy.diag(*spectrum) * f - c).applyfunc(sympy.expand)
    circulant = all(c[i, j] == c[(i + 1) % n, (j + 1) % n] for i in range(n) for j in range(n))
    x = symbolic_vector("x", n)
    return section(
        "Circular padding: a circulant matrix",
        r"With circular padding and PyTorch's same ($\lfloor (K-1)/2 \rfloor$ on the left) "
        rf"the layer maps $\mathbb{{R}}^{n}$ to $\mathbb{{R}}^{n}$ and its matrix is circulant, "
        r"$C_{ij} = \tilde w_{(i - j) \bmod n}$, where $\tilde w$ (the first column) is the "
        r"kernel reversed, its centre tap at index $0$ and the taps after it wrapped to the "
        rf"end. For $n = {n}$:",
        align(
            [
                rf"C &= {sympy.latex(c)}",
                rf"\tilde w &= {tuple_latex(list(placed))}",
            ]
        ),
        verified(
            c * x == conv1d(x, w, padding="same", padding_mode="circular"),
            r"$C x$ is the layer's output, \texttt{conv1d} with circular padding, same and "
            r"stride $1$.",
        ),
        verified(
            circulant and factored.is_zero_matrix,
            r"$C$ is circulant and $C = F^{-1} \operatorname{diag}(F \tilde w) F$ with "
            r"$F_{mj} = \omega^{m j}$, $\omega = e^{-2\pi i/n}$ (the dense product, exact): "
            r"the eigenvalues of $C$ are the DFT of $\tilde w$, "
            rf"${tuple_latex([sympy.expand(e) for e in spectrum])}$. "
            r"\texttt{prove\_convolution\_theorem} proves it for each $n$ up to $16$ by "
            r"geometric sums of the roots of unity, and for every $n$ at once.",
        ),
    )


def build() -> str:
    return document(
        TITLE, [reads_section(), folded_section(), gradients_section(), circular_section()]
    )


if __name__ == "__main__":
    from symconv.catalogue import run_script

    raise SystemExit(run_script(__file__))
