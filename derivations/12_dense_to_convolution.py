"""From dense to convolution: the locally connected (unshared) and tiled layers between a
fully connected layer and a convolution, their matrices, gradients and proofs, and the
equivariance of convolution with its companions (stride, dilation, tying), proved for
concrete layers and for every size at once."""

from __future__ import annotations

from sympy import Matrix

from symconv import (
    compare_layers,
    general,
    locally_connected_layer,
    prove_dilated_is_zero_inserted,
    prove_locally_connected,
    prove_strided_is_subsampled,
    prove_tied_is_convolution,
    prove_tiled,
    prove_translation_equivariance,
    symbolic_matrix,
    symbolic_vector,
    tiled_layer,
    unshared_band,
    unshared_im2col,
)
from symconv.report import (
    align,
    document,
    equation,
    matrix_latex,
    proof_latex,
    section,
    verified,
)

TITLE = "From dense to convolution: unshared, tiled and tied layers, and equivariance"

#: The shape every layer of the comparison has: input length, kernel length, tiles.
M, N, T = 6, 3, 2


def comparison() -> str:
    c = compare_layers(M, N, tile=T)
    dense, local, tiled, conv = c.rows
    out = c.output_length
    return section(
        "Four layers of one shape",
        rf"Each layer below maps $x \in \mathbb{{R}}^{{{M}}}$ to ${out}$ outputs, "
        r"$z = T x$ for some matrix $T$. They differ only in which entries of $T$ are free "
        r"parameters, which are fixed at zero and which are tied together (eq. 9.9 and 9.10 "
        r"of \emph{Deep Learning}, ch. 9). Each row is derived on symbolic $x$ and upstream "
        r"gradient $g$; the last column is the gradient of the layer's first weight, by "
        r"differentiating $L = \sum_i g_i z_i$.",
        r"\begin{center}" + "\n" + c.to_latex() + "\n" + r"\end{center}",
        verified(
            dense.parameters > local.parameters > tiled.parameters > conv.parameters
            and local.nonzeros == tiled.nonzeros == conv.nonzeros == out * N,
            rf"From dense to convolution the parameters fall from ${dense.parameters}$ to "
            rf"${conv.parameters}$, while the last three share one band of ${conv.nonzeros}$ "
            r"entries: locally connected, tiled and convolution are the same sparse matrix "
            r"with different ties.",
        ),
        verified(
            local.tie_set_sizes == ((1, local.parameters),)
            and tiled.tie_set_sizes == ((out // T, tiled.parameters),),
            rf"An unshared weight holds one entry, so its gradient is one product "
            rf"$g_i x_j$ (no sum); a tiled weight holds the ${out // T}$ entries of the "
            rf"outputs $i$ with $i \operatorname{{mod}} {T}$ fixed, and its gradient sums "
            r"over them; a convolution weight sums over every output.",
        ),
    )


def matrices() -> str:
    x = symbolic_vector("x", M)
    out = M - N + 1
    local = locally_connected_layer(x, symbolic_matrix("W", out, N))
    tiled = tiled_layer(x, symbolic_matrix("K", T, N))
    t_local, t_tiled = unshared_band(local), unshared_band(tiled)
    expanded = unshared_im2col(tiled)
    return section(
        "The matrices",
        r"Indices are $0$-based, as in the API: output $i$ of the tiled layer uses kernel "
        rf"$i \operatorname{{mod}} {T}$ ($K_{{r,k}}$ is tap $k$ of kernel $r$), output $i$ "
        r"of the locally connected layer its own kernel $W_{i,\cdot}$:",
        align(
            [
                rf"T_{{\mathrm{{local}}}} &= {matrix_latex(t_local, mark_band=True)}",
                rf"T_{{\mathrm{{tiled}}}} &= {matrix_latex(t_tiled, mark_band=True)}",
            ]
        ),
        r"Both have the convolution's band; the tie map (which weight an entry holds) is "
        r"all that changes. The im2col form holds too, with the data matrix expanded: row "
        r"$i$ is window $i$ placed in the columns of the kernel output $i$ uses, so "
        r"$z = \tilde X w$ and $\partial L/\partial w = \tilde X^{\top} g$:",
        equation(rf"\tilde X_{{\mathrm{{tiled}}}} = {matrix_latex(expanded)}"),
        verified(
            expanded * Matrix(tiled.w) == t_tiled.to_matrix() * x,
            r"$\tilde X w = T x$ for the tiled layer, entry by entry.",
        ),
    )


def proofs() -> str:
    x, g = symbolic_vector("x", M), symbolic_vector("g", M - N + 1)
    local = prove_locally_connected(x, symbolic_matrix("W", M - N + 1, N), g)
    tiled = prove_tiled(x, symbolic_matrix("K", T, N), g)
    return section(
        "Proofs: outputs and gradients",
        r"Each proof compares the sliding sums with $T x$ and $\tilde X w$, reads the tie "
        r"sets off the band, differentiates the loss and compares each weight's gradient "
        r"with the sum over its tie set, and checks all of it against a literal definition "
        r"written from eq. 9.9 and 9.10 by plain loops.",
        verified(local.holds, proof_latex(local, max_entries=3, heading="subsection*")),
        verified(tiled.holds, proof_latex(tiled, max_entries=3, heading="subsection*")),
    )


def equivariance() -> str:
    x, w = symbolic_vector("x", 7), symbolic_vector("w", 3)
    concrete = [
        prove_translation_equivariance(x, w, shift=1),
        prove_strided_is_subsampled(x, w, 2),
        prove_dilated_is_zero_inserted(x, w, 2),
        prove_tied_is_convolution(x, w),
    ]
    return section(
        "Equivariance and its companions",
        r"Shifting the input shifts the outputs, on the outputs whose windows lie in the "
        r"part of the input both signals share (the rest read an entry that entered, or a "
        r"zero where an entry left, and differ); a strided convolution is the convolution "
        r"subsampled (eq. 9.8 against 9.7); a dilated one is the convolution with zeros "
        r"in its kernel; and tying the weights of a locally connected layer per kernel "
        r"offset is exactly what makes it the convolution.",
        *[
            verified(p.holds, proof_latex(p, max_entries=3, heading="subsection*"))
            for p in concrete
        ],
    )


def all_sizes() -> str:
    theorems = [
        general.prove_translation_equivariance(),
        general.prove_strided_is_subsampled(),
        general.prove_dilated_is_zero_inserted(),
        general.prove_tied_is_convolution(),
    ]
    return section(
        "For every size at once",
        r"The same four facts with symbolic lengths $m$, $n$, stride $s$, dilation $d$ and "
        r"padding $p$: each step is a rewriting SymPy carries out, checked at concrete "
        r"instances, and each theorem ends by comparing its statement with the concrete "
        r"layers.",
        *[
            verified(p.holds, general.general_proof_latex(p, heading="subsection"))
            for p in theorems
        ],
    )


def build() -> str:
    return document(TITLE, [comparison(), matrices(), proofs(), equivariance(), all_sizes()])


if __name__ == "__main__":
    from symconv.catalogue import run_script

    raise SystemExit(run_script(__file__))
