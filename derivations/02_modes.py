"""Full, valid and same: output lengths, the padding each implies, and the even-kernel
"same" conventions of PyTorch, NumPy/SciPy and MATLAB side by side.

The conventions are data (:data:`SAME_CONVENTIONS`): how many zeros each library puts on
the left and on the right of x for a kernel of length n. PyTorch's is symconv's own
``padding="same"``; the tests check every row against numpy, scipy and torch (and MATLAB's
against the slicing rule of its documented and Octave-implemented ``conv(..., 'same')``).

With a stride, PyTorch refuses "same"; ONNX's ``auto_pad`` (TensorFlow's and JAX's
``"SAME"``, JAX's ``"SAME_LOWER"``) keeps ``ceil(m / s)`` outputs instead, which symconv
calls ``padding="same_upper"`` and ``"same_lower"`` (:data:`STRIDED_SAME`).
"""

from __future__ import annotations

from collections.abc import Callable

from symconv import band, conv1d, conv_settings, symbolic_vector
from symconv.report import (
    document,
    itemize,
    matrix_latex,
    section,
    table,
    tuple_latex,
    verified,
)

TITLE = "Full, valid and same convolutions: lengths, padding, and the even-kernel conventions"

MODES = ("valid", "same", "full")


def torch_same(n: int) -> tuple[int, int]:
    """PyTorch's padding='same' (symconv's own rule): extra zero on the right."""
    return conv_settings(kernel_size=n, input_length=n, padding="same").padding_pair


#: (library, call, flips the kernel, zeros (left, right) for a kernel of length n).
SAME_CONVENTIONS: list[tuple[str, str, bool, Callable[[int], tuple[int, int]]]] = [
    ("PyTorch conv1d", "conv1d(x, w, padding='same')", False, torch_same),
    ("SciPy/NumPy correlate", "correlate(x, w, 'same')", False, lambda n: (n // 2, (n - 1) // 2)),
    ("SciPy/NumPy convolve", "convolve(x, w, 'same')", True, lambda n: (n // 2, (n - 1) // 2)),
    ("MATLAB conv", "conv(x, w, 'same')", True, lambda n: ((n - 1) // 2, n // 2)),
]

#: Strided "same": (symconv's word, the libraries that use it, where the odd zero goes).
STRIDED_SAME: list[tuple[str, str, str]] = [
    ("same_upper", "ONNX SAME\\_UPPER, TensorFlow and JAX SAME", "right"),
    ("same_lower", "ONNX SAME\\_LOWER, JAX SAME\\_LOWER", "left"),
]

#: The example of the side-by-side table: an even kernel, where the conventions differ.
X_EVEN = [1, 2, 3, 4, 5]
W_EVEN = [1, 2, 3, 4]


def lengths_table(m: int) -> str:
    rows = []
    for mode in MODES:
        cells = [mode]
        for n in (3, 4):
            s = conv_settings(kernel_size=n, input_length=m, padding=mode)
            cells.append(rf"$({s.left}, {s.right})$")
            cells.append(rf"${s.output_length}$")
        rows.append(cells)
    header = ["mode", "zeros, $n = 3$", "length", "zeros, $n = 4$", "length"]
    return table("lcccc", header, rows)


def all_lengths_hold(limit: int) -> tuple[bool, int]:
    """valid gives m - n + 1, same gives m, full gives m + n - 1, for every 1 <= n <= m <= limit."""
    pairs = 0
    for m in range(1, limit + 1):
        for n in range(1, m + 1):
            got = [
                conv_settings(kernel_size=n, input_length=m, padding=mode).output_length
                for mode in MODES
            ]
            if got != [m - n + 1, m, m + n - 1]:
                return False, pairs
            pairs += 1
    return True, pairs


def conventions_table() -> str:
    n = len(W_EVEN)
    rows = []
    for library, _call, flips, rule in SAME_CONVENTIONS:
        left, right = rule(n)
        values = list(conv1d(X_EVEN, W_EVEN, padding=(left, right), flip=flips))
        rows.append(
            [
                library,
                "convolution" if flips else "correlation",
                rf"$({left}, {right})$",
                f"${tuple_latex(values)}$",
            ]
        )
    return table("llcc", ["library", "operation", "zeros", "output"], rows)


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def strided_table(m: int) -> str:
    """Zeros and lengths of the strided same words for x of length m, n = 3 and 4."""
    rows = []
    for s in (1, 2, 3):
        for word, _libraries, _side in STRIDED_SAME:
            cells = [rf"${s}$", rf"\texttt{{{word.replace('_', chr(92) + '_')}}}"]
            for n in (3, 4):
                settings = conv_settings(kernel_size=n, input_length=m, stride=s, padding=word)
                cells.append(rf"$({settings.left}, {settings.right})$")
                cells.append(rf"${settings.output_length}$")
            rows.append(cells)
    header = ["$s$", "padding", "zeros, $n = 3$", "length", "zeros, $n = 4$", "length"]
    return table("clcccc", header, rows)


def strided_same_holds(limit: int) -> tuple[bool, int]:
    """ceil(m/s) outputs from the fewest zeros, odd zero on the named side, for every
    1 <= m <= limit, 1 <= n <= 4, 1 <= s <= 3 and dilation 1 or 2."""
    cases = 0
    for m in range(1, limit + 1):
        for n in range(1, 5):
            for s in (1, 2, 3):
                for d in (1, 2):
                    total = max((ceil_div(m, s) - 1) * s + d * (n - 1) + 1 - m, 0)
                    for word, _libraries, side in STRIDED_SAME:
                        got = conv_settings(
                            kernel_size=n, input_length=m, stride=s, padding=word, dilation=d
                        )
                        small, large = total // 2, total - total // 2
                        expected = (small, large) if side == "right" else (large, small)
                        if got.output_length != ceil_div(m, s) or got.padding_pair != expected:
                            return False, cases
                        cases += 1
    return True, cases


def build() -> str:
    m = 8
    holds, pairs = all_lengths_hold(12)
    lengths = section(
        "Output lengths and padding",
        r"A mode is a choice of zeros around $x$ before the windows slide. For $x$ of length "
        rf"$m = {m}$ and kernels of length $3$ and $4$ (stride and dilation $1$), symconv's "
        r"settings give:",
        lengths_table(m),
        verified(
            holds,
            r"In general valid gives $m - n + 1$ outputs (it never grows the output), same "
            r"gives $m$ and full gives $m + n - 1$; symconv checks this for every "
            rf"$1 \le n \le m \le 12$ (${pairs}$ pairs). Valid pads nothing, full pads "
            r"$n - 1$ on each side, and same splits $n - 1$ zeros between the two sides.",
        ),
    )

    w = symbolic_vector("w", 3)
    matrices = []
    for mode in MODES:
        t = band(w, 5, padding=mode)
        matrices.append(
            rf"T_{{\text{{{mode}}}}} &= {matrix_latex(t, index_base=1, mark_band=True)}"
        )
    shapes = section(
        "The three matrices",
        r"For $m = 5$ and $n = 3$ the modes are three banded matrices. Padding adds no "
        r"column: a window tap that falls on a padding zero simply has no entry, so the "
        r"band is cut at the corners.",
        "\\begin{align*}\n" + " \\\\\n".join(matrices) + "\n\\end{align*}",
    )

    n = len(W_EVEN)
    by_library = {library: rule(n) for library, _call, _flips, rule in SAME_CONVENTIONS}
    torch_flipped = list(conv1d(X_EVEN, W_EVEN, padding=by_library["PyTorch conv1d"], flip=True))
    matlab = list(conv1d(X_EVEN, W_EVEN, padding=by_library["MATLAB conv"], flip=True))
    odd_agree = all(
        len({rule(k) for _l, _c, _f, rule in SAME_CONVENTIONS}) == 1 for k in (1, 3, 5, 7)
    )
    even = section(
        "Even kernels: where the extra zero goes",
        r"Same needs $n - 1$ zeros in all. For odd $n$ they split evenly; for even $n$ one "
        r"side gets one more, and libraries disagree about which. With "
        rf"$x = {tuple_latex(X_EVEN)}$ and $w = {tuple_latex(W_EVEN)}$:",
        conventions_table(),
        itemize(
            [
                r"PyTorch (\texttt{conv1d} with \texttt{padding='same'}, symconv's "
                r"\texttt{padding='same'}) puts $\lfloor (n-1)/2 \rfloor$ zeros on the left "
                r"and the extra one on the right.",
                r"SciPy and NumPy (\texttt{correlate} and \texttt{convolve} with mode "
                r"\texttt{'same'}) keep the centre of the full result from index "
                r"$\lfloor (n-1)/2 \rfloor$ on: $\lceil (n-1)/2 \rceil$ zeros on the left, "
                r"the extra one on the \emph{left}.",
                r"MATLAB (\texttt{conv} with \texttt{'same'}) keeps the full convolution from "
                r"index $\lfloor n/2 \rfloor + 1$ (1-based): the extra zero on the right, "
                r"like PyTorch.",
                verified(
                    odd_agree,
                    r"For odd $n$ (checked for $n = 1, 3, 5, 7$) all four agree.",
                ),
                verified(
                    torch_flipped == matlab,
                    r"PyTorch's same with the kernel flipped gives MATLAB's "
                    rf"${tuple_latex(matlab, breakable=True)}$: the two differ only by the flip.",
                ),
            ]
        ),
        r"Dilation $d$ widens the window to $d(n-1) + 1$ positions, so PyTorch's same "
        r"pads $d(n-1)$ zeros in all, split the same way.",
    )
    m_strided = 8
    strided_holds, strided_cases = strided_same_holds(12)
    xs = list(range(1, m_strided + 1))
    upper = list(conv1d(xs, W_EVEN, stride=2, padding="same_upper"))
    lower = list(conv1d(xs, W_EVEN, stride=2, padding="same_lower"))
    strided = section(
        "Same with a stride: ONNX, TensorFlow and JAX",
        r"PyTorch defines same for stride $1$ only. ONNX's \texttt{auto\_pad} (and "
        r"TensorFlow's and JAX's \texttt{'SAME'}) asks for $\lceil m/s \rceil$ outputs at "
        r"any stride $s$ and pads the fewest zeros that give them, "
        r"$\max\bigl((\lceil m/s \rceil - 1)s + d(n-1) + 1 - m,\ 0\bigr)$ in all; "
        r"\texttt{same\_upper} puts the odd zero at the end, \texttt{same\_lower} at the "
        rf"start. For $m = {m_strided}$:",
        strided_table(m_strided),
        itemize(
            [
                rf"\texttt{{{word.replace('_', chr(92) + '_')}}}: {libraries}; the odd zero "
                rf"goes on the {side}."
                for word, libraries, side in STRIDED_SAME
            ]
            + [
                verified(
                    strided_holds,
                    r"symconv checks the lengths and the split for every $1 \le m \le 12$, "
                    rf"$n \le 4$, $s \le 3$ and $d \le 2$ (${strided_cases}$ cases); its "
                    r"tests compare both words with onnxruntime's \texttt{Conv} in 1-D and "
                    r"2-D.",
                ),
                verified(
                    all(
                        conv_settings(
                            kernel_size=n, input_length=m_strided, padding=word
                        ).padding_pair
                        == torch_same(n)[:: 1 if word == "same_upper" else -1]
                        for n in range(1, 6)
                        for word, _l, _s in STRIDED_SAME
                    ),
                    r"At stride $1$ the total is $d(n-1)$ whatever $m$: \texttt{same\_upper} "
                    r"is PyTorch's same and \texttt{same\_lower} its mirror.",
                ),
                rf"With $x = {tuple_latex(xs)}$, $w = {tuple_latex(W_EVEN)}$ and $s = 2$: "
                rf"\texttt{{same\_upper}} gives ${tuple_latex(upper)}$ and "
                rf"\texttt{{same\_lower}} gives ${tuple_latex(lower)}$.",
            ]
        ),
    )
    return document(TITLE, [lengths, shapes, even, strided])


if __name__ == "__main__":
    from symconv.catalogue import run_script

    raise SystemExit(run_script(__file__))
