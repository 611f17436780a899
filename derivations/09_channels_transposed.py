"""Channels, groups and bias as one block matrix; the transposed convolution of a decoder
as the transpose of the forward layer's matrix."""

from __future__ import annotations

import sympy
from sympy import Array, Matrix

from symconv import (
    conv1d,
    conv1d_channel_grads,
    conv2d,
    conv2d_matrix,
    conv_matrix,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose_matrix,
    prove_channel_gradients,
    prove_channels,
    prove_transposed,
    prove_transposed2d,
    symbolic_matrix,
    symbolic_vector,
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

TITLE = "Channels, groups, bias and the transposed convolution"

#: Input channels, output channels, input length and kernel length of the 1-D example.
C_IN, C_OUT, LENGTH, K = 2, 2, 4, 2


def partial(name: str, value: object) -> str:
    """One row ``dL/d(name) = value`` of an align, indices from 1."""
    return rf"\frac{{\partial L}}{{\partial {name}}} &= {expr_latex(value, index_base=1)}"


def kernel(groups: int) -> Array:
    """Output channel 0's weights are u, channel 1's are v: (C_out, C_in/groups, K)."""
    per_group = C_IN // groups
    rows = [symbolic_matrix(name, per_group, K).tolist() for name in ("u", "v")]
    return Array(rows)


def channels_section() -> str:
    x = symbolic_matrix("x", C_IN, LENGTH)
    b = list(sympy.symbols(f"b0:{C_OUT}"))
    dense, grouped = kernel(1), kernel(2)
    y1 = conv1d(x, dense, bias=b)
    y2 = conv1d(x, grouped, bias=b, groups=2)
    t1 = prove_channels(x, dense, bias=b).step("block matrix product").details["band"]
    proof2 = prove_channels(x, grouped, bias=b, groups=2)
    t2 = proof2.step("block matrix product").details["band"]
    out = y1.cols
    by_channel = all(
        y2[o, p] == conv1d(list(x.row(o)), [grouped[o, 0, k] for k in range(K)])[p] + b[o]
        for o in range(C_OUT)
        for p in range(out)
    )
    counts = [
        [f"${g}$", rf"$({C_OUT}, {C_IN // g}, {K})$", f"${C_OUT * (C_IN // g) * K}$", f"${C_OUT}$"]
        for g in (1, 2)
    ]
    return section(
        "Channels, groups and bias",
        rf"An input of ${C_IN}$ channels of length ${LENGTH}$ (rows of $x$) and ${C_OUT}$ "
        r"output channels, in PyTorch's layout: the kernel is $(C_{out}, C_{in}/g, K)$ and "
        r"output channel $o$ reads only the input channels of its group.",
        equation(rf"x = {matrix_latex(x, index_base=1)}"),
        r"With one group ($u$ and $v$ each hold a $2 \times 2$ kernel, one row per input "
        r"channel) every output channel sums over every input channel, plus its bias:",
        equation(rf"y_{{1,1}} = {expr_latex(y1[0, 0], index_base=1)}"),
        r"With two groups each output channel reads one input channel:",
        equation(rf"y_{{2,1}} = {expr_latex(y2[1, 0], index_base=1)}"),
        verified(
            by_channel,
            r"With groups $= 2$, channel $o$ of the output is the single-channel "
            r"convolution of input channel $o$ with its own kernel, plus $b_o$.",
        ),
        r"Read channel by channel, each layer is $\operatorname{vec}(y) = T "
        r"\operatorname{vec}(x) + b$, $T$ made of blocks, one per (output, input) channel "
        r"pair, here for one group and for two groups:",
        equation(rf"T_{{g=1}} = {matrix_latex(t1, index_base=1, mark_band=True)}"),
        equation(rf"T_{{g=2}} = {matrix_latex(t2, index_base=1, mark_band=True)}"),
        verified(
            proof2.holds
            and not proof2.step("zero blocks across groups").details["crossing entries"],
            r"Groups make the off-diagonal blocks structural zeros: a grouped layer is a "
            r"block-diagonal dense-layer matrix whose blocks are banded and tied.",
        ),
        table("rrrr", ["groups", "kernel shape", "weights", "biases"], counts),
    )


def channel_gradients_section() -> str:
    x = symbolic_matrix("x", C_IN, LENGTH)
    w = kernel(2)
    b = list(sympy.symbols(f"b0:{C_OUT}"))
    g = symbolic_matrix("g", C_OUT, LENGTH - K + 1)
    grad_x, grad_w, grad_b = conv1d_channel_grads(x, w, g, bias=b, groups=2)
    proof = prove_channel_gradients(x, w, g, bias=b, groups=2)
    assert grad_b is not None
    return section(
        "Their gradients",
        r"For $L = \sum_{o,p} g_{o,p} y_{o,p}$, differentiated term by term:",
        align(
            [
                partial("b_{1}", grad_b[0]),
                partial("u_{1,1}", grad_w[0, 0, 0]),
                partial("x_{2,2}", grad_x[1, 1]),
            ]
        ),
        verified(
            proof.holds,
            r"Each weight's gradient is the sum over its tie set inside its block, the "
            r"bias gradient sums its channel's upstream gradients, and a gradient step "
            r"keeps the zero blocks across groups zero (the proof below).",
        ),
        proof_latex(proof, index_base=1, max_entries=2, heading="subsection*"),
    )


def images_section() -> str:
    x = Array([symbolic_matrix(name, 3, 3).tolist() for name in ("p", "q")])
    w = Array([[symbolic_matrix(name, 2, 2).tolist() for name in ("u", "v")]])
    y = conv2d(x, w)
    per_channel = conv2d(x[0, :, :].tomatrix(), w[0, 0, :, :].tomatrix()) + conv2d(
        x[1, :, :].tomatrix(), w[0, 1, :, :].tomatrix()
    )
    return section(
        "Images with channels",
        r"A two-channel $3 \times 3$ image ($p$ and $q$) and one output channel whose "
        r"kernel has a $2 \times 2$ slice per input channel ($u$ and $v$):",
        equation(rf"y_{{1,1,1}} = {expr_latex(y[0, 0, 0], index_base=1)}"),
        verified(
            Matrix(y[0, :, :].tolist()) == per_channel,
            r"Each output channel is the sum over input channels of single-channel 2-D "
            r"convolutions, so its matrix is a row of doubly-block Toeplitz blocks.",
        ),
    )


def transposed_section() -> str:
    y, w = symbolic_vector("y", 3), symbolic_vector("w", 3)
    out = conv_transpose1d(y, w, stride=2)
    length = out.rows
    forward = conv_matrix(w, length, stride=2)
    transposed = conv_transpose_matrix(w, 3, stride=2)
    stuffed = [y[0], 0, y[1], 0, y[2]]
    proof = prove_transposed(y, w, stride=2)
    y2, k2 = symbolic_matrix("y", 2, 2), symbolic_matrix("k", 2, 2)
    out2 = conv_transpose2d(y2, k2, stride=2)
    big_t = conv2d_matrix(k2, out2.shape, stride=2)
    return section(
        "The transposed convolution",
        r"A decoder's layer goes the other way: each input $y_i$ scatters a copy of the "
        rf"kernel, scaled by $y_i$, into the output at $i s$. With $y \in \mathbb{{R}}^3$, "
        rf"$w \in \mathbb{{R}}^3$ and stride $2$ the output has length "
        rf"$(3 - 1) \cdot 2 + 3 = {length}$ (PyTorch's \texttt{{conv\_transpose1d}}):",
        equation(rf"\operatorname{{conv\_transpose}}(y, w) = {matrix_latex(out, index_base=1)}"),
        r"Its matrix beside the forward convolution's, stride $2$ on inputs of length "
        rf"${length}$:",
        equation(
            rf"C = {matrix_latex(forward, index_base=1, max_cols=7)}, \qquad "
            rf"C^{{\top}} = {matrix_latex(transposed, index_base=1)}"
        ),
        verified(
            transposed == forward.T and transposed * y == out,
            r"$\operatorname{conv\_transpose}(y, w) = C^{\top} y$: the transposed "
            r"convolution is the transpose of the convolution matrix (Dumoulin and Visin), "
            r"which is why it is the forward layer's input gradient.",
        ),
        verified(
            conv1d(stuffed, w, padding="full", flip=True) == out,
            r"Equivalently, it is the full convolution of the zero-stuffed input "
            r"$(y_1, 0, y_2, 0, y_3)$ with $w$: the transposed convolution upsamples.",
        ),
        r"In 2-D, a $2 \times 2$ input with stride $2$ tiles the output with scaled copies "
        r"of the kernel:",
        equation(rf"\operatorname{{conv\_transpose2d}}(y, k) = {matrix_latex(out2, index_base=1)}"),
        verified(
            big_t.T * y2.reshape(4, 1) == out2.reshape(16, 1)
            and prove_transposed2d(y2, k2, stride=2).holds,
            rf"It is $T^{{\top}} \operatorname{{vec}}(y)$ for the ${big_t.rows} \times "
            rf"{big_t.cols}$ doubly-block Toeplitz matrix $T$ of the forward stride-$2$ "
            r"convolution.",
        ),
        proof_latex(proof, index_base=1, max_entries=2, heading="subsection*"),
    )


def build() -> str:
    return document(
        TITLE,
        [channels_section(), channel_gradients_section(), images_section(), transposed_section()],
    )


if __name__ == "__main__":
    from symconv.catalogue import run_script

    raise SystemExit(run_script(__file__))
