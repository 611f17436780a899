"""Stride and dilation in the banded matrix: stride removes rows of T, dilation spreads
the kernel across each row."""

from __future__ import annotations

from sympy import Matrix, S

from symconv import band, conv_matrix, conv_settings, derive, symbolic_vector
from symconv.report import (
    align,
    derivation_sections,
    document,
    equation,
    matrix_latex,
    section,
    verified,
)

TITLE = "Stride and dilation: rows removed from T, kernels spread across it"

M = 8


def build() -> str:
    w = symbolic_vector("w", 3)
    t1 = conv_matrix(w, M)
    t2 = conv_matrix(w, M, stride=2)
    kept_rows = Matrix([list(t1.row(i)) for i in range(0, t1.rows, 2)])
    stride = section(
        "Stride: every s-th row",
        rf"For $x$ of length $m = {M}$ and $w$ of length $3$, stride $1$ gives "
        rf"${t1.rows}$ outputs and stride $2$ gives ${t2.rows}$:",
        align(
            [
                rf"T_{{s=1}} &= {matrix_latex(band(w, M), index_base=1, mark_band=True)}",
                rf"T_{{s=2}} &= {matrix_latex(band(w, M, stride=2), index_base=1, mark_band=True)}",
            ]
        ),
        verified(
            t2 == kept_rows,
            r"$T_{s=2}$ is rows $1, 3, 5$ of $T_{s=1}$: a stride computes the same sliding "
            r"dot products and keeps every $s$-th one, so the band steps $s$ columns per row.",
        ),
    )

    spread = Matrix([w[0], S.Zero, w[1], S.Zero, w[2]])
    td = conv_matrix(w, M, dilation=2)
    dilation = section(
        "Dilation: the kernel spread out",
        r"Dilation $d$ places the taps $d$ positions apart, so a window spans "
        r"$d(n-1) + 1$ entries of $x$:",
        equation(
            rf"T_{{d=2}} = {matrix_latex(band(w, M, dilation=2), index_base=1, mark_band=True)}"
        ),
        verified(
            td == conv_matrix(spread, M),
            r"$T_{d=2}$ is the matrix of the kernel $(w_1, 0, w_2, 0, w_3)$; the zeros "
            r"between the taps are structural, not parameters: still $3$ distinct weights.",
        ),
    )

    both = conv_matrix(w, M, stride=2, dilation=2)
    lengths = [
        (s, d, conv_settings(kernel_size=3, input_length=M, stride=s, dilation=d).output_length)
        for s in (1, 2)
        for d in (1, 2)
    ]
    combined = section(
        "Both, and the output length",
        verified(
            both == Matrix([list(td.row(i)) for i in range(0, td.rows, 2)]),
            r"Stride and dilation combine: with $s = d = 2$, $T$ is every other row of "
            r"$T_{d=2}$.",
        ),
        r"The number of outputs is "
        r"$L = \lfloor (m + p_\ell + p_r - d(n-1) - 1)/s \rfloor + 1$; for $m = 8$, $n = 3$, "
        r"no padding: " + ", ".join(rf"$L_{{s={s},d={d}}} = {n}$" for s, d, n in lengths) + ".",
    )

    layer = derive(symbolic_vector("x", M), w, stride=2, dilation=2, grad=True)
    layer_part = section(
        "A strided, dilated layer in full",
        r"Each weight now sits in fewer entries, so its tie set, and the sum in its "
        r"gradient, is shorter.",
    )
    layer_sections = derivation_sections(
        layer, index_base=1, level=1, parts=("windows", "gradients")
    )
    return document(TITLE, [stride, dilation, combined, layer_part, *layer_sections])


if __name__ == "__main__":
    from symconv.catalogue import run_script

    raise SystemExit(run_script(__file__))
