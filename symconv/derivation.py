"""A derivation of one 1-D layer: everything symconv says about it, in one object.

:func:`derive` is the pipeline (latexify's ``get_latex`` shape): take the vectors and
settings, build the windows and outputs, the band T and the data matrix X, run the
proofs, and optionally the backward pass. Each stage is a plain function elsewhere in the
package; this module only strings them together and renders the result as text.

Examples
========

>>> from symconv import derive, symbolic_vector
>>> d = derive([1, 2, 3, 4], [5, 6, 7])
>>> d.outputs.T, d.holds
(Matrix([[38, 56]]), True)
>>> print(d.to_text().splitlines()[0])
Layer: x in R^4, w in R^3, cross-correlation, stride 1, padding (0, 0), dilation 1 -> 2 outputs
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy
from sympy import Expr, Matrix

from symconv.core.engine import in_session
from symconv.core.vectors import as_vector, symbolic_vector
from symconv.layout.axis import ConvSettings
from symconv.ops.banded import BandedMatrix
from symconv.ops.datamatrix import rows_from_settings
from symconv.ops.gradients import activation_function
from symconv.ops.sliding import settings_for
from symconv.proofs.matrix_form import prove_matrix_form
from symconv.proofs.proof import Proof
from symconv.proofs.tied import prove_tied_gradients
from symconv.render.latex import kept

Progress = Callable[[str], None]


@dataclass
class Derivation:
    """One layer, derived: inputs, settings, windows, outputs, matrices, proofs, gradients."""

    x: Matrix
    w: Matrix
    settings: ConvSettings
    windows: list[list[Expr]]
    outputs: Matrix
    band: BandedMatrix
    activation: str | None
    activated: Matrix | None
    proofs: list[Proof]
    upstream: Matrix | None = None
    grad_x: Matrix | None = None
    grad_w: Matrix | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def holds(self) -> bool:
        return all(p.holds for p in self.proofs)

    @property
    def data_matrix(self) -> Matrix:
        return Matrix(self.windows)

    def to_text(self, max_rows: int = 8) -> str:
        return derivation_text(self, max_rows)

    def to_latex(self, **options: Any) -> str:
        from symconv.report import derivation_report

        return derivation_report(self, standalone=False, **options)

    def _repr_latex_(self) -> str:
        from symconv.render.latex import vector_latex

        return rf"$\displaystyle z = {vector_latex(list(self.outputs))}$"


def describe_settings(d: Derivation) -> str:
    s = d.settings
    kind = "convolution (flipped kernel)" if s.flip else "cross-correlation"
    return (
        f"Layer: x in R^{s.input_length}, w in R^{s.kernel_size}, {kind}, stride {s.stride}, "
        f"padding {s.padding_pair}, dilation {s.dilation} -> {s.output_length} outputs"
    )


@in_session
def derive(
    x: object,
    w: object,
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    activation: object = None,
    grad: bool = False,
    upstream: object = None,
    progress: Progress | None = None,
) -> Derivation:
    """Derive one layer: outputs as sliding dot products, T, X, the proofs, and with
    ``grad`` the backward pass and the tied-gradient proof (upstream ``g`` symbolic
    unless given)."""
    say = progress or (lambda message: None)
    xs = as_vector(x, "input x")
    ws = as_vector(w, "kernel w")
    settings = settings_for(xs, ws, stride, padding, dilation, flip)
    say("windows and sliding dot products with the proof of the matrix form")
    options = dict(
        stride=settings.stride,
        padding=settings.padding_pair,
        dilation=settings.dilation,
        flip=settings.flip,
    )
    matrix_form = prove_matrix_form(xs, ws, **options)
    # The proof's first step holds the sliding outputs and the band it checked them with.
    banded = matrix_form.step("banded product")
    outputs, t = Matrix(banded.lhs), banded.details["band"]
    rows = rows_from_settings(list(xs), settings)
    proofs = [matrix_form]
    f = activation_function(activation) if activation is not None else None
    activated = outputs.applyfunc(f) if f is not None else None
    d = Derivation(
        xs,
        ws,
        settings,
        rows,
        outputs,
        t,
        None if activation is None else getattr(activation, "__name__", str(activation)),
        activated,
        proofs,
    )
    if grad:
        gs = (
            symbolic_vector("g", settings.output_length)
            if upstream is None
            else as_vector(upstream, "upstream")
        )
        say("gradients and the tied-weight proof")
        tied = prove_tied_gradients(xs, ws, gs, **options)
        # The proof differentiated the loss; its first two steps hold dL/dw and dL/dx.
        d.upstream = gs
        d.grad_w = Matrix(tied.step("weight gradient is X^T g").lhs)
        d.grad_x = Matrix(tied.step("input gradient is T^T g").lhs)
        d.proofs.append(tied)
    return d


def derivation_text(d: Derivation, max_rows: int = 8) -> str:
    """The derivation as plain text for a terminal, elided past ``max_rows``."""
    s = d.settings
    lines = [describe_settings(d), ""]
    lines.append("Windows and sliding dot products (0-based indices):")
    kernel = list(d.w)[::-1] if s.flip else list(d.w)
    for i in kept(s.output_length, max_rows):
        if i is None:
            lines.append("  ...")
            continue
        lines.append(
            f"  z{i} = [{short_list(d.windows[i])}] . [{short_list(kernel)}] = {short_text(d.outputs[i])}"
        )
    if s.flip:
        lines.append("  (flip: the kernel is reversed, so this is a true convolution)")
    lines.append("")
    lines.append(
        f"Banded matrix T ({d.band.shape[0]} x {d.band.shape[1]}, "
        f"{d.band.nnz} tied entries, {len(d.w)} distinct weights), z = T x:"
    )
    lines += ["  " + line for line in matrix_text(d.band, max_rows).splitlines()]
    lines.append("")
    lines.append(f"Data matrix X ({s.output_length} x {s.kernel_size}), z = X w:")
    lines += ["  " + line for line in matrix_text(RowsView(d.windows), max_rows).splitlines()]
    if d.activated is not None:
        lines.append("")
        lines.append(f"Activation: a_i = {d.activation}(z_i)")
        for i in kept(s.output_length, max_rows):
            lines.append("  ..." if i is None else f"  a{i} = {short_text(d.activated[i])}")
    if d.grad_w is not None and d.grad_x is not None and d.upstream is not None:
        lines.append("")
        lines.append("Backward pass, L = sum_i g_i z_i:")
        for k in kept(len(d.w), max_rows):
            lines.append("  ..." if k is None else f"  dL/dw{k} = {short_text(d.grad_w[k])}")
        for j in kept(len(d.x), max_rows):
            lines.append("  ..." if j is None else f"  dL/dx{j} = {short_text(d.grad_x[j])}")
        tied = d.proofs[-1].step("tied gradient is the sum over its entries").details["tie sets"]
        lines.append("  Tie sets (entries (i, j) of T holding each weight):")
        for k in range(len(d.w)):
            entries = tied[k]
            shown = ", ".join(f"({i},{j})" for i, j in entries[:6]) + (
                " ..." if len(entries) > 6 else ""
            )
            lines.append(f"    w{k}: {shown}")
    lines.append("")
    lines.append("Proofs:")
    for proof in d.proofs:
        lines += ["  " + line for line in str(proof).splitlines()]
    return "\n".join(lines)


class RowsView:
    """A list of rows seen as a matrix (shape, ``[i, j]``) without building a SymPy one."""

    def __init__(self, rows: list[list[Expr]]) -> None:
        self.rows = rows
        self.shape = (len(rows), len(rows[0]) if rows else 0)

    def __getitem__(self, entry: tuple[int, int]) -> Expr:
        return self.rows[entry[0]][entry[1]]


#: Terms of a sum printed before the rest is elided; SymPy's str() sorts every term of a
#: sum first, which for a weight gradient of a long layer costs seconds per entry.
SHOWN_TERMS = 6


def short_text(expr: Expr, max_terms: int = SHOWN_TERMS) -> str:
    """``str(expr)``, with a long sum cut to its first and last terms (canonical order).

    >>> from sympy import symbols, Add
    >>> short_text(Add(*symbols("a0:10")), 4)
    'a0 + a1 + a2 + ... + a9  (10 terms)'
    """
    if isinstance(expr, sympy.Add) and len(expr.args) > max_terms:
        ordered = (
            sorted(expr.args, key=sympy.default_sort_key) if len(expr.args) <= 64 else expr.args
        )
        head = " + ".join(str(t) for t in ordered[: max_terms - 1])
        return f"{head} + ... + {ordered[-1]}  ({len(expr.args)} terms)"
    return str(expr)


def short_list(items: list[Any], max_items: int = 8) -> str:
    """Comma-separated items, the middle elided past ``max_items``."""
    shown = kept(len(items), max_items)
    return ", ".join("..." if k is None else str(items[k]) for k in shown)


def matrix_text(matrix: Any, max_rows: int = 8) -> str:
    """A matrix as aligned text, elided like the LaTeX one (only kept entries are printed)."""
    rows, cols = matrix.shape
    row_keep, col_keep = kept(rows, max_rows), kept(cols, max_rows)
    cells = [
        [
            ("..." if j is None else ":")
            if i is None
            else ("..." if j is None else str(matrix[i, j]))
            for j in col_keep
        ]
        for i in row_keep
    ]
    widths = [max(len(row[c]) for row in cells) for c in range(len(col_keep))]
    return "\n".join(
        "[" + "  ".join(cell.rjust(width) for cell, width in zip(row, widths)) + "]"
        for row in cells
    )


__all__ = ["Derivation", "derive", "derivation_text"]
