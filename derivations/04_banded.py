"""The banded matrix: which row, which entry, and how many distinct parameters against a
dense layer of the same shape."""

from __future__ import annotations

from symconv import band, conv_matrix, figures, prove_matrix_form, symbolic_vector
from symconv.report import (
    align,
    document,
    equation,
    matrix_latex,
    proof_latex,
    section,
    table,
    verified,
)

TITLE = "The banded matrix: which row, which entry, how many parameters"

M, N = 6, 3

#: (input length, kernel length) pairs of the parameter-count table.
SIZES = [(4, 3), (8, 3), (32, 3), (1024, 3), (1024, 11)]


def entry_rule_holds(m: int, n: int) -> bool:
    """T_ij (1-based) is w_{j-i+1} when 1 <= j-i+1 <= n and 0 otherwise: every entry."""
    w = symbolic_vector("w", n)
    t = conv_matrix(w, m)
    for i in range(t.rows):
        for j in range(t.cols):
            k = j - i  # 0-based j - i + 1 - 1
            expected = w[k] if 0 <= k < n else 0
            if t[i, j] != expected:
                return False
    return True


def build() -> str:
    w = symbolic_vector("w", N)
    t = band(w, M)
    rows, cols = t.shape
    entries = section(
        "Which row, which entry",
        rf"For $x$ of length $m = {M}$ and $w$ of length $n = {N}$ (valid, stride $1$), "
        rf"$z = Tx$ with $T$ of shape ${rows} \times {cols}$:",
        equation(rf"T = {matrix_latex(t, index_base=1, mark_band=True)}"),
        verified(
            all(entry_rule_holds(m, n) for m in range(1, 9) for n in range(1, m + 1)),
            r"Row $i$ is output $i$: the kernel starting at column $i$. Entry $(i, j)$ "
            r"holds $w_{j-i+1}$ when $1 \le j - i + 1 \le n$ and is $0$ otherwise "
            r"(checked on every entry for all $1 \le n \le m \le 8$).",
        ),
    )

    ties = t.tie_sets()
    tie_rows = [
        rf"S_{{{k + 1}}} &= \{{"
        + ", ".join(f"({i + 1}, {j + 1})" for i, j in ties[k])
        + rf"\}}, & |S_{{{k + 1}}}| &= {len(ties[k])}"
        for k in range(N)
    ]
    tied = section(
        "Tied entries",
        r"Weight $w_k$ is shared by the entries of its tie set $S_k$, one per output:",
        align(tie_rows),
        verified(
            sum(len(v) for v in ties.values()) == t.nnz == rows * N,
            rf"The ${t.nnz}$ band entries are the ${rows}$ outputs times the ${N}$ taps; the "
            rf"other ${rows * cols - t.nnz}$ entries are structural zeros.",
        ),
    )

    count_rows = []
    for m, n in SIZES:
        b = band(list(range(1, n + 1)), m)
        out = b.shape[0]
        count_rows.append(
            [f"${m}$", f"${n}$", rf"${out} \times {m}$", f"${out * m}$", f"${b.nnz}$", f"${n}$"]
        )
    counts = section(
        "Parameters against a dense layer",
        r"A dense layer with the same input and output sizes has one free weight per entry "
        r"of $T$; the convolution has $n$, whatever the sizes:",
        table(
            "rrrrrr",
            ["$m$", "$n$", "shape", "dense weights", "band entries", "distinct"],
            count_rows,
        ),
        r"So a convolutional layer is a strict subset of a fully connected one: the same "
        r"matrix product, with most weights fixed at zero and the rest tied.",
    )

    proof = prove_matrix_form(symbolic_vector("x", M), w)
    proved = section(
        "Proof that T is the layer",
        proof_latex(proof, index_base=1, max_entries=3, heading="subsection*"),
    )
    pictures = section(
        "The tie pattern, drawn",
        r"Each entry of $T$ coloured by the weight it holds (and labelled with its index, "
        r"counted from $0$ as in the API), structural zeros blank: the band and the tying "
        r"at a glance, and beside it the connections of a dense, a locally connected and a "
        r"convolutional layer of the same shape (the Deep Learning book's figure 9.14).",
        r"\begin{center}" + figures.tie_pattern(w, M).to_tikz() + r"\end{center}",
        r"\begin{center}\resizebox{!}{0.45\textheight}{"
        + figures.connections(M, N).to_tikz()
        + r"}\end{center}",
    )
    return document(TITLE, [entries, tied, pictures, counts, proved])


if __name__ == "__main__":
    from symconv.catalogue import run_script

    raise SystemExit(run_script(__file__))
