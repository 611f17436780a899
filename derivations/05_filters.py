"""Several filters at once: the data matrix X and A = f(XW), one column per filter."""

from __future__ import annotations

import sympy
from sympy import Matrix

from symconv import conv1d, feature_maps, filter_bank_grads, im2col, symbolic_vector
from symconv.report import align, document, equation, matrix_latex, section, verified

TITLE = "Multiple filters: the data matrix and A = f(XW)"


def build() -> str:
    x = symbolic_vector("x", 6)
    u, v = symbolic_vector("u", 3), symbolic_vector("v", 3)
    bank = Matrix.hstack(u, v)
    data = im2col(x, 3)
    product = data * bank
    f = sympy.Function("f")
    maps = feature_maps(x, bank, f)
    columns_hold = all(
        (product[:, c] - conv1d(x, bank[:, c])).expand().is_zero_matrix for c in range(2)
    )
    symbolic = section(
        "Stacking windows and filters",
        r"Row $i$ of the data matrix $X$ is window $i$ of $x$; column $c$ of the filter bank "
        r"$W = [\,u \;\; v\,]$ is filter $c$. One matrix product gives every sliding dot "
        r"product of every filter:",
        align(
            [
                rf"X &= {matrix_latex(data, index_base=1)}, & "
                rf"W &= {matrix_latex(bank, index_base=1)}",
            ]
        ),
        equation(rf"XW = {matrix_latex(product, index_base=1)}"),
        verified(
            columns_hold,
            r"Column $c$ of $XW$ is the feature map $\operatorname{conv1d}(x, W_{:,c})$ of "
            r"filter $c$ (checked symbolically, entry by entry).",
        ),
        r"The activation is applied entry by entry, giving one feature map per column:",
        equation(rf"A = f(XW) = {matrix_latex(maps, index_base=1, max_terms=3)}"),
        r"Row $i$ alone is $a = f(x_{i:i+n-1} W)$, the question's $\sigma(xW)$ for one "
        r"window: a dense layer whose input is the window and whose weight vectors are the "
        r"filters.",
    )

    xs = [1, 2, 3, 4]
    numbers_bank = Matrix([[5, 1], [6, 0], [7, -1]])
    relu = sympy.Lambda(sympy.Symbol("s"), sympy.Max(0, sympy.Symbol("s")))
    z = im2col(xs, 3) * numbers_bank
    a = feature_maps(xs, numbers_bank, relu)
    numeric = section(
        "The question's numbers",
        r"With $x = (1, 2, 3, 4)$, the question's filter $(5, 6, 7)$ and a second filter "
        r"$(1, 0, -1)$ (a difference), and $f = \operatorname{relu}$:",
        equation(
            verified(
                list(z[:, 0]) == [38, 56] and list(a) == [38, 0, 56, 0],
                rf"XW = {matrix_latex(im2col(xs, 3))} {matrix_latex(numbers_bank)} = "
                rf"{matrix_latex(z)}, \qquad A = {matrix_latex(a)}",
            )
        ),
    )

    delta = Matrix(4, 2, lambda i, c: sympy.Symbol(f"d{i}_{c}"))
    grads = filter_bank_grads(x, bank, delta)
    gradient = section(
        "Gradient of the filter bank",
        r"For upstream gradients $\Delta$ (one row per output, one column per filter), "
        r"differentiating $L = \sum_{i,c} \Delta_{ic} (XW)_{ic}$ term by term gives "
        r"$\partial L / \partial W = X^{\top} \Delta$:",
        equation(
            verified(
                (grads - data.T * delta).expand().is_zero_matrix,
                r"\frac{\partial L}{\partial W} = "
                + matrix_latex(grads, index_base=1, max_terms=3),
            )
        ),
        r"Each filter's weight $k$ collects one contribution per output: the tied-weight "
        r"sum of the backward pass, once per column.",
    )
    return document(TITLE, [symbolic, numeric, gradient])


if __name__ == "__main__":
    from symconv.catalogue import run_script

    raise SystemExit(run_script(__file__))
