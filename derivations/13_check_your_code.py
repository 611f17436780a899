"""Check your own convolution: three classic bugs, run on symbols, and what symconv says.

Each implementation below is the kind a course assignment or a new framework's reference
kernel contains. Run on NumPy arrays of SymPy symbols, every output (or gradient) comes
out as the exact sum of products the code computes; symconv compares it with the layer's
derivation term by term and names the terms that are missing and extra, and the index
rule that explains them.
"""

from __future__ import annotations

from typing import Any

from symconv import check_conv, check_conv_backward
from symconv.report import document, section, verified

TITLE = "Check your own convolution: three classic bugs"


def im2col_wrong_columns(x: Any, w: Any, b: Any) -> Any:
    """im2col whose columns run (tap, channel) while the kernel is reshaped (channel, tap)."""
    import numpy as np

    n, c, length = x.shape
    out_channels, _, k = w.shape
    positions = length - k + 1
    cols = np.zeros((n, positions, c * k))
    for s in range(n):
        for i in range(positions):
            cols[s, i] = x[s, :, i : i + k].T.reshape(-1)
    out = cols @ w.reshape(out_channels, -1).T
    return out.transpose(0, 2, 1) + b.reshape(1, out_channels, 1)


def backward_not_summed(dy: Any, x: Any, w: Any, b: Any) -> tuple[Any, Any, Any]:
    """A backward pass whose dw keeps only the last output position (= instead of +=)."""
    import numpy as np

    n, c, length = x.shape
    out_channels, _, k = w.shape
    dx, dw = np.zeros(x.shape), np.zeros(w.shape)
    for s in range(n):
        for o in range(out_channels):
            for i in range(dy.shape[2]):
                for ch in range(c):
                    for t in range(k):
                        dx[s, ch, i + t] += dy[s, o, i] * w[o, ch, t]
                        dw[o, ch, t] = dy[s, o, i] * x[s, ch, i + t]  # the bug: = not +=
    db = dy.sum(axis=(0, 2))
    return dx, dw, db


def transposed_flipped(x: Any, w: Any, b: Any) -> Any:
    """A transposed convolution that flips the kernel, as if it were the zero-insertion
    convolution's kernel (PyTorch's scatter does not flip)."""
    import numpy as np

    n, c, length = x.shape
    _, out_channels, k = w.shape
    out = np.zeros((n, out_channels, length + k - 1))
    for s in range(n):
        for ch in range(c):
            for o in range(out_channels):
                for i in range(length):
                    for t in range(k):
                        out[s, o, i + t] += x[s, ch, i] * w[ch, o, k - 1 - t]
    return out + b.reshape(1, out_channels, 1)


def report_part(title: str, what: str, result: Any) -> str:
    return section(
        title,
        what,
        verified(not result.holds, r"symconv finds the bug (the check fails):"),
        result.to_latex(),
    )


def build() -> str:
    forward = check_conv(im2col_wrong_columns, x_shape=(1, 2, 5), w_shape=(1, 2, 3))
    backward = check_conv_backward(backward_not_summed, x_shape=(1, 1, 5), w_shape=(1, 1, 2))
    transposed = check_conv(
        transposed_flipped, x_shape=(1, 1, 3), w_shape=(1, 1, 3), transposed=True
    )
    sections = [
        section(
            "How the check works",
            r"Your function receives NumPy object arrays of symbols, $x_{n,c,i}$ and "
            r"$w_{o,c,k}$; the numbers it would compute become the exact sums of products it "
            r"computes. symconv derives the same layer and compares every entry term by "
            r"term: a term the layer has and your code lacks is \emph{missing}, one your "
            r"code has and the layer lacks is \emph{extra}.",
        ),
        report_part(
            "An im2col with the wrong column order",
            r"The data matrix's columns run (tap, channel) while the kernel is reshaped "
            r"(channel, tap): every product pairs the right input with the wrong weight.",
            forward,
        ),
        report_part(
            "A backward pass that forgets to sum over positions",
            r"$\partial L/\partial w_k = \sum_i g_i x_{i+k}$ sums over every output position "
            r"(the weight is tied across them); this code keeps only the last one.",
            backward,
        ),
        report_part(
            "A transposed convolution that flips the kernel",
            r"PyTorch's transposed convolution scatters $y_i w_k$ to position $i + k$, no "
            r"flip; flipping belongs to the zero-insertion view's forward convolution.",
            transposed,
        ),
    ]
    return document(TITLE, sections)


if __name__ == "__main__":
    from symconv.catalogue import run_script

    raise SystemExit(run_script(__file__))
