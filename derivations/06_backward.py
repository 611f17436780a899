"""The backward pass: a tied weight sums the gradients of every entry holding it, and the
structural zeros of T stay zero."""

from __future__ import annotations

from sympy import Matrix

from symconv import (
    band,
    conv1d_grads,
    derive,
    figures,
    layer_gradients,
    prove_tied_gradients,
    symbolic_vector,
)
from symconv.report import (
    derivation_sections,
    document,
    equation,
    itemize,
    matrix_latex,
    proof_latex,
    section,
    tuple_latex,
    verified,
)

TITLE = "The backward pass: tied gradients are summed, zeros stay zero"

X = [1, 2, 3, 4]
W = [5, 6, 7]
G = [1, -1]


def build() -> str:
    t = band(W, len(X))
    dense = Matrix(G) * Matrix([X])  # dL/dU = g x^T for the untied layer z = U x
    ties = t.tie_sets()
    diagonal_sums = [sum(dense[i, j] for i, j in ties[k]) for k in range(len(W))]
    grad_x, grad_w = conv1d_grads(X, W, G)
    off_band = [
        (i, j) for i in range(t.shape[0]) for j in range(t.shape[1]) if (i, j) not in t.ties
    ]
    numbers = section(
        "The question's layer, in numbers",
        rf"Take $x = {tuple_latex(X)}$, $w = {tuple_latex(W)}$ and the upstream gradient "
        rf"$g = \partial L / \partial z = {tuple_latex(G)}$. If the entries of $T$ were free "
        r"weights $u_{ij}$ (a dense layer $z = Ux$), their gradient would be "
        r"$\partial L / \partial U = g x^{\top}$:",
        equation(
            rf"\frac{{\partial L}}{{\partial U}} = g x^{{\top}} = {matrix_latex(dense)}, \qquad "
            rf"T = {matrix_latex(t, mark_band=True)}"
        ),
        itemize(
            [
                verified(
                    diagonal_sums == list(grad_w),
                    r"Weight $w_k$ holds the entries of its tie set $S_k$ (a diagonal of "
                    r"$T$), so its gradient is the sum of those entries of $g x^{\top}$: "
                    rf"$\partial L / \partial w = {tuple_latex(list(grad_w))}$, which is "
                    r"what differentiating the layer gives.",
                ),
                verified(
                    all(dense[e] != 0 for e in off_band),
                    r"The off-band entries of $g x^{\top}$ are not zero ("
                    + ", ".join(rf"${dense[e]}$ at $({e[0] + 1}, {e[1] + 1})$" for e in off_band)
                    + r"), but they are not weights of the layer: no update ever reaches the "
                    r"structural zeros, and $T(w - \eta\, \partial L/\partial w)$ has its zeros "
                    r"in the same places.",
                ),
                rf"The input gradient is $T^{{\top}} g = {tuple_latex(list(grad_x))}$.",
            ]
        ),
    )

    symbolic = derive(symbolic_vector("x", 4), symbolic_vector("w", 3), grad=True)
    symbolic_part = section(
        "The same with symbols",
        r"With $x$, $w$ and $g$ symbolic, every gradient shows where it comes from.",
    )
    symbolic_sections = derivation_sections(symbolic, index_base=1, level=1, parts=("gradients",))

    proof = prove_tied_gradients(
        symbolic_vector("x", 4), symbolic_vector("w", 3), symbolic_vector("g", 2)
    )
    proved = section(
        "Proof",
        verified(proof.holds, r"symconv proves, step by step:"),
        proof_latex(proof, index_base=1, max_entries=3, heading="subsection*"),
    )

    chain = layer_gradients(X, W, bias=-40, activation="relu", upstream=[1, 1])
    activation = section(
        "Through an activation",
        r"With a bias $b = -40$ and $f = \operatorname{relu}$, the chain rule multiplies the "
        r"upstream gradient by $f'(s_i)$ first; the tied sum then runs over these deltas:",
        itemize(
            [
                rf"pre-activations $s = z + b = {tuple_latex(list(chain.pre_activations))}$, "
                rf"deltas $\partial L / \partial s = {tuple_latex(list(chain.deltas))}$ "
                r"(relu passes no gradient where $s < 0$);",
                rf"$\partial L / \partial w = {tuple_latex(list(chain.grad_w))}$ and "
                rf"$\partial L / \partial b = \sum_i \delta_i = {chain.grad_b}$.",
            ]
        ),
    )
    tie_set = section(
        "A tie set, drawn",
        r"The entries of $T$ holding $w_1$ (counted from $0$, as in the API), highlighted: "
        r"its gradient is the sum of the untied gradients $g_i x_j$ over exactly these "
        r"entries.",
        r"\begin{center}"
        + figures.tie_set(symbolic_vector("w", 3), 6, 1).to_tikz()
        + r"\end{center}",
    )
    return document(
        TITLE, [numbers, symbolic_part, *symbolic_sections, tie_set, proved, activation]
    )


if __name__ == "__main__":
    from symconv.catalogue import run_script

    raise SystemExit(run_script(__file__))
