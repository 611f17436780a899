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

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import InitVar, dataclass, field
from types import MappingProxyType
from typing import Any

import sympy
from sympy import Expr, Matrix
from sympy.printing.str import StrPrinter

from symconv.core.engine import forget_pairs, in_session
from symconv.core.vectors import as_vector, symbol_list, symbolic_vector, vector_entries
from symconv.layout.axis import ConvSettings
from symconv.ops.banded import BandedMatrix
from symconv.ops.datamatrix import DataRows
from symconv.ops.gradients import activation_function, identity, layer_gradients
from symconv.ops.sliding import settings_for
from symconv.proofs.definition import as_requested
from symconv.proofs.matrix_form import MatrixForm, matrix_form
from symconv.proofs.proof import Proof
from symconv.proofs.tied import tied_gradients
from symconv.render.latex import check_index_base, kept

Progress = Callable[[str], None]

#: How an expression becomes text (``str``, or a :class:`TextPrinter`'s ``doprint``).
Show = Callable[[Any], str]


@dataclass
class Derivation:
    """One layer, derived: inputs, settings, windows, outputs, matrices, proofs, gradients."""

    input_entries: InitVar[Sequence[Expr]]
    kernel_entries: InitVar[Sequence[Expr]]
    settings: ConvSettings
    windows: Sequence[list[Expr]]  # X's rows (DataRows: held flat, a row read as a list)
    output_entries: InitVar[Sequence[Expr]]
    band: BandedMatrix
    activation: str | None
    activated: Matrix | None
    proofs: list[Proof]
    notes: dict[str, Any] = field(default_factory=dict)
    #: dL/dz_i = g_i f'(z_i) when an activation follows the convolution (the chain rule);
    #: None when the loss is taken on z itself (no activation, or the identity).
    deltas: Matrix | None = None
    #: The columns as the stages gave them, under "input" and "kernel" (the layer's x
    #: and w), "z" (the outputs), "g" (the upstream), "w" and "x" (the gradients): a
    #: tuple, list or Matrix, or for a big layer's gradients a side differentiated again
    #: a block at a time when read (they hold as many products as the outputs; the proof
    #: kept their verdicts). Each becomes a Matrix when first read as one: a column
    #: Matrix keeps a dict per entry, 4.5 MB for 16,384 entries.
    columns: dict[str, Sequence[Expr]] = field(default_factory=dict, repr=False)

    def __post_init__(
        self,
        input_entries: Sequence[Expr],
        kernel_entries: Sequence[Expr],
        output_entries: Sequence[Expr],
    ) -> None:
        self.columns.update(input=input_entries, kernel=kernel_entries, z=output_entries)

    @property
    def x(self) -> Matrix:
        """The input ``x`` as a column Matrix (built on first read)."""
        return self._held("input")

    @property
    def w(self) -> Matrix:
        """The kernel ``w`` as a column Matrix (built on first read)."""
        return self._held("kernel")

    def gradient(self, of: str) -> Sequence[Expr] | None:
        """``dL/dw`` (``of="w"``) or ``dL/dx`` (``"x"``) read entry by entry, without
        building the rest; None without a backward pass."""
        if of not in ("w", "x"):
            raise ValueError(f"gradient of {of!r}: use 'w' or 'x'")
        return self.columns.get(of)

    def _held(self, of: str) -> Matrix:
        """:meth:`_whole` of a column every derivation has (x, w, the outputs)."""
        whole = self._whole(of)
        assert whole is not None
        return whole

    def _whole(self, of: str) -> Matrix | None:
        side = self.columns.get(of)
        if side is None or isinstance(side, Matrix):
            return side
        whole = self.columns[of] = Matrix(list(side))  # built once, on request
        return whole

    @property
    def outputs(self) -> Matrix:
        """The outputs ``z`` as a column Matrix (built on first read)."""
        return self._held("z")

    @property
    def upstream(self) -> Matrix | None:
        """The upstream gradient ``g`` as a column Matrix (built on first read); None
        without a backward pass."""
        return self._whole("g")

    @upstream.setter
    def upstream(self, value: Sequence[Expr] | None) -> None:
        self._set_column("g", value)

    @property
    def grad_w(self) -> Matrix | None:
        """``dL/dw`` as a column Matrix (differentiated on first read for a big layer)."""
        return self._whole("w")

    @grad_w.setter
    def grad_w(self, value: Matrix | None) -> None:
        self._set_column("w", value)

    @property
    def grad_x(self) -> Matrix | None:
        """``dL/dx`` as a column Matrix (differentiated on first read for a big layer)."""
        return self._whole("x")

    @grad_x.setter
    def grad_x(self, value: Matrix | None) -> None:
        self._set_column("x", value)

    def _set_column(self, of: str, value: Sequence[Expr] | None) -> None:
        if value is None:
            self.columns.pop(of, None)
        else:
            self.columns[of] = value

    @property
    def holds(self) -> bool:
        return all(p.holds for p in self.proofs)

    @property
    def data_matrix(self) -> Matrix:
        return Matrix(list(self.windows))

    def to_text(self, max_rows: int = 8, index_base: int = 0) -> str:
        return derivation_text(self, max_rows, index_base)

    def to_latex(self, **options: Any) -> str:
        from symconv.report import derivation_report

        return derivation_report(self, standalone=False, **options)

    def figure(self, kind: str = "tie pattern", **options: Any) -> Any:
        """A picture of this layer (:mod:`symconv.figures`): ``"tie pattern"``,
        ``"sliding window"`` (``i=`` picks an output), ``"tie set"`` (``k=`` picks a
        weight) or ``"connections"``; it shows itself as SVG in Jupyter."""
        import symconv.figures as figures

        s = self.settings
        layer: dict[str, Any] = {
            "stride": s.stride,
            "padding": s.padding_pair,
            "dilation": s.dilation,
        }
        if kind == "tie pattern":
            return figures.tie_pattern(list(self.w), len(self.x), flip=s.flip, **layer, **options)
        if kind == "sliding window":
            return figures.sliding_window(
                list(self.x), list(self.w), flip=s.flip, **layer, **options
            )
        if kind == "tie set":
            k = options.pop("k", 0)
            return figures.tie_set(list(self.w), len(self.x), k, flip=s.flip, **layer, **options)
        if kind == "connections":
            return figures.connections(len(self.x), len(self.w), **layer, **options)
        kinds = ["tie pattern", "sliding window", "tie set", "connections"]
        raise ValueError(f"figure kind {kind!r} is not one of {kinds}")

    def _repr_latex_(self) -> str:
        from symconv.render.latex import vector_latex

        return rf"$\displaystyle z = {vector_latex(list(self.outputs))}$"


def describe_settings(d: Derivation) -> str:
    s = d.settings
    kind = "convolution (flipped kernel)" if s.flip else "cross-correlation"
    return (
        f"Layer: x in R^{s.input_length}, w in R^{s.kernel_size}, {kind}, stride {s.stride}, "
        f"padding {s.padding_pair}"
        + (f" ({s.padding_mode})" if s.padding_mode != "zeros" else "")
        + f", dilation {s.dilation} -> {s.output_length} outputs"
    )


@dataclass(frozen=True)
class Layer:
    """A 1-D layer resolved once, as every stage of :func:`derive` takes it: the input
    and kernel as vectors, the validated settings, and the options as the user gave them
    (the literal definition resolves those again, by the frameworks' rule, to check the
    settings).

    >>> layer = resolve([1, 2, 3, 4], [5, 6, 7], padding="same")
    >>> layer.settings.padding_pair, layer.request["padding"]
    ((1, 1), 'same')
    """

    x: tuple[Expr, ...]
    w: tuple[Expr, ...]
    settings: ConvSettings
    request: Mapping[str, object]

    @property
    def resolved(self) -> dict[str, object]:
        """The options as the settings resolved them (the padding as its pair)."""
        s = self.settings
        return {
            "stride": s.stride,
            "padding": s.padding_pair,
            "dilation": s.dilation,
            "flip": s.flip,
            "padding_mode": s.padding_mode,
        }


def resolve(
    x: object,
    w: object,
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    padding_mode: object = "zeros",
) -> Layer:
    """Validate the vectors and options of a 1-D layer once (a built-in exception naming
    the value otherwise)."""
    xs = vector_entries(x, "input x")
    ws = vector_entries(w, "kernel w")
    settings = settings_for(xs, ws, stride, padding, dilation, flip, padding_mode)
    request = as_requested(stride, padding, dilation, flip, padding_mode)
    return Layer(xs, ws, settings, MappingProxyType(request))


def forward_stage(layer: Layer) -> MatrixForm:
    """The outputs as sliding dot products, the band T, and the proof that
    ``z == T x == X w`` (:func:`~symconv.proofs.matrix_form.matrix_form`)."""
    # The user's padding request, not its resolved pair: the proof's literal definition
    # resolves the padding word again, by the frameworks' rule, to check the layout's.
    request = {**layer.resolved, "padding": layer.request["padding"]}
    return matrix_form(layer.x, layer.w, layer.settings, request)


@dataclass(frozen=True)
class Backward:
    """What the backward stage gives: the tied-gradient proof, the upstream gradient,
    ``dL/dw`` and ``dL/dx``, and the deltas ``dL/dz_i`` after an activation (else None)."""

    proof: Proof
    upstream: Sequence[Expr]  # a list of symbols, or the Matrix the caller gave
    grad_w: Sequence[Expr]  # a Matrix, or Rebuilt (differentiated again when read)
    grad_x: Sequence[Expr]
    deltas: Matrix | None


def backward_stage(
    layer: Layer,
    activation: Callable[[Expr], Expr] | None,
    upstream: object,
    windows: Sequence[list[Expr]] | None = None,
    band: BandedMatrix | None = None,
) -> Backward:
    """The backward pass of ``L = sum_i g_i f(z_i)`` (upstream ``g`` symbolic unless
    given) and the tied-gradient proof of the convolution, with the deltas as its
    upstream after an activation; ``windows`` and ``band``, the rows of X and the band T
    if the caller holds them."""
    settings = layer.settings
    gs: Sequence[Expr] = (
        symbol_list("g", settings.output_length)
        if upstream is None
        else as_vector(upstream, "upstream")
    )
    if activation is None or activation is identity:
        tied = tied_gradients(layer.x, layer.w, gs, settings, layer.resolved, windows, band)
        return Backward(tied.proof, gs, tied.grad_w, tied.grad_x, None)
    chain = layer_gradients(
        layer.x, layer.w, activation=activation, upstream=gs, settings=settings, **layer.resolved
    )
    held = as_vector(proof_upstream(chain.deltas, layer.x, layer.w), "upstream")
    tied = tied_gradients(layer.x, layer.w, held, settings, layer.resolved, windows, band)
    return Backward(tied.proof, gs, chain.grad_w, chain.grad_x, chain.deltas)


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
    padding_mode: object = "zeros",
) -> Derivation:
    """Derive one layer: outputs as sliding dot products, T, X, the proofs, and with
    ``grad`` the backward pass and the tied-gradient proof (upstream ``g`` symbolic
    unless given).

    With an ``activation`` f the loss is ``L = sum_i g_i f(z_i)``: the gradients come from
    :func:`~symconv.ops.gradients.layer_gradients` (the chain rule,
    ``dL/dz_i = g_i f'(z_i)``, kept as ``deltas``), and the tied-gradient proof is the
    convolution's, with those deltas as its upstream gradient.

    The layer is resolved once (:func:`resolve`); each stage takes it and returns
    its results with its proof (:func:`forward_stage`, :func:`backward_stage`).

    >>> d = derive([1, 2, 3, 4], [5, 6, 7], activation="relu", grad=True, upstream=[1, 1])
    >>> d.deltas.T, d.grad_w.T
    (Matrix([[1, 1]]), Matrix([[3, 5, 7]]))
    """
    say = progress or (lambda message: None)
    layer = resolve(
        x,
        w,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
        padding_mode=padding_mode,
    )
    settings = layer.settings
    say("windows and sliding dot products with the proof of the matrix form")
    forward = forward_stage(layer)
    f = activation_function(activation) if activation is not None else None
    d = Derivation(
        layer.x,
        layer.w,
        settings,
        DataRows.from_settings(layer.x, settings),
        forward.outputs,
        forward.band,
        None if activation is None else getattr(activation, "__name__", str(activation)),
        None,
        [forward.proof],
    )
    if f is not None:
        d.activated = d.outputs.applyfunc(f)
    if grad:
        say("gradients and the tied-weight proof")
        if f is None or f is identity:
            forget_products()
        backward = backward_stage(layer, f, upstream, d.windows, d.band)
        d.upstream = backward.upstream
        d.columns.update(w=backward.grad_w, x=backward.grad_x)
        d.deltas = backward.deltas
        d.proofs.append(backward.proof)
    return d


def forget_products() -> None:
    """Drop the session's table of two-symbol products (:class:`~symconv.core.engine.Memo`)
    between the forward and the backward stage.

    The forward products ``w_k x_j`` are kept by the outputs that hold them; the backward
    pass without an activation builds none of them again (its products are ``g_i x_j``
    and ``g_i w_k``), so their table entries, about 70 bytes a product, would only add
    to the peak: 21 MB of 274 at (4096, 64), measured. After an activation
    :func:`~symconv.ops.gradients.layer_gradients` rebuilds the outputs, and finds them
    in the table, so it is kept then.
    """
    forget_pairs()


def proof_upstream(deltas: Matrix, x: Sequence[Expr], w: Sequence[Expr]) -> Matrix:
    """The upstream gradient the tied-gradient proof runs with after an activation.

    The proof's law needs an upstream that does not depend on x or w. The deltas are
    used as they are when they do not (numbers, or g times a constant derivative);
    otherwise each is held as a symbol ``delta_i``, as the chain rule holds it:
    ``dL/dw_k = sum_i (dL/dz_i) (dz_i/dw_k)`` with ``dL/dz_i`` fixed.
    """
    layer = set().union(*(e.free_symbols for e in list(x) + list(w)))
    if not any(e.free_symbols & layer for e in deltas):
        return deltas
    return symbolic_vector("delta", len(deltas))


def derivation_text(d: Derivation, max_rows: int = 8, index_base: int = 0) -> str:
    """The derivation as plain text for a terminal, elided past ``max_rows``, with
    indices (``z0``, ``x0``, ``dL/dw0``) counted from ``index_base`` (0 or 1)."""
    index_base = check_index_base(index_base)
    show = TextPrinter(index_base).doprint
    b = index_base
    s = d.settings
    lines = [describe_settings(d), ""]
    lines.append(f"Windows and sliding dot products ({b}-based indices):")
    kernel = list(d.w)[::-1] if s.flip else list(d.w)
    for i in kept(s.output_length, max_rows):
        if i is None:
            lines.append("  ...")
            continue
        lines.append(
            f"  z{i + b} = [{short_list(d.windows[i], show=show)}] . "
            f"[{short_list(kernel, show=show)}] = {short_text(d.outputs[i], show=show)}"
        )
    if s.flip:
        lines.append("  (flip: the kernel is reversed, so this is a true convolution)")
    lines.append("")
    lines.append(
        f"Banded matrix T ({d.band.shape[0]} x {d.band.shape[1]}, "
        f"{d.band.nnz} tied entries, {len(d.w)} distinct weights), z = T x:"
    )
    lines += ["  " + line for line in matrix_text(d.band, max_rows, show).splitlines()]
    lines.append("")
    lines.append(f"Data matrix X ({s.output_length} x {s.kernel_size}), z = X w:")
    rows = matrix_text(RowsView(d.windows), max_rows, show)
    lines += ["  " + line for line in rows.splitlines()]
    if d.activated is not None:
        lines.append("")
        lines.append(f"Activation: a_i = {d.activation}(z_i)")
        for i in kept(s.output_length, max_rows):
            lines.append(
                "  ..." if i is None else f"  a{i + b} = {short_text(d.activated[i], show=show)}"
            )
    grad_w, grad_x = d.gradient("w"), d.gradient("x")
    if grad_w is not None and grad_x is not None and d.upstream is not None:
        lines.append("")
        if d.deltas is None:
            lines.append("Backward pass, L = sum_i g_i z_i:")
        else:
            lines.append(
                f"Backward pass, L = sum_i g_i a_i with a_i = {d.activation}(z_i); by the chain "
                f"rule dL/dz_i = g_i * {d.activation}'(z_i):"
            )
            for i in kept(s.output_length, max_rows):
                lines.append(
                    "  ..."
                    if i is None
                    else f"  dL/dz{i + b} = {short_text(d.deltas[i], show=show)}"
                )
        for k in kept(len(d.w), max_rows):
            lines.append(
                "  ..." if k is None else f"  dL/dw{k + b} = {short_text(grad_w[k], show=show)}"
            )
        for j in kept(len(d.x), max_rows):
            lines.append(
                "  ..." if j is None else f"  dL/dx{j + b} = {short_text(grad_x[j], show=show)}"
            )
        tied = d.band.tie_set_view()  # the tie sets the tied-gradient proof summed over
        lines.append("  Tie sets (entries (i, j) of T holding each weight):")
        for k in range(len(d.w)):
            entries = tied[k]
            shown = ", ".join(f"({i + b},{j + b})" for i, j in entries[:6]) + (
                " ..." if len(entries) > 6 else ""
            )
            lines.append(f"    w{k + b}: {shown}")
        if d.deltas is not None:
            lines.append(
                "  The tied-gradient proof below is the convolution's, with dL/dz_i as its "
                "upstream gradient (held as delta_i where it depends on x or w)."
            )
    lines.append("")
    lines.append("Proofs:")
    for proof in d.proofs:
        lines += ["  " + line for line in str(proof).splitlines()]
    return "\n".join(lines)


#: An indexed name: a base of letters and the index (``x12``, ``delta0``).
INDEXED = re.compile(r"([A-Za-z]+?)(\d+)\Z")


class TextPrinter(StrPrinter):
    """``str()`` for the terminal: decimals short (``0.1``, not ``0.100000000000000``;
    the value is SymPy's 15-digit Float either way) and the index of an ``x0``-style
    symbol counted from ``index_base``.

    >>> from sympy import Float, Symbol
    >>> TextPrinter(1).doprint(Float("0.1") * Symbol("x0") + Symbol("w2"))
    'w3 + 0.1*x1'
    """

    def __init__(self, index_base: int = 0) -> None:
        super().__init__({"full_prec": False})
        self.index_base = index_base

    def _print_Symbol(self, expr: sympy.Symbol) -> str:
        match = INDEXED.match(expr.name) if self.index_base else None
        if match is None:
            return str(super()._print_Symbol(expr))
        return f"{match.group(1)}{int(match.group(2)) + self.index_base}"


class RowsView:
    """A list of rows seen as a matrix (shape, ``[i, j]``) without building a SymPy one."""

    def __init__(self, rows: Sequence[list[Expr]]) -> None:
        self.rows = rows
        self.shape = (len(rows), len(rows[0]) if rows else 0)

    def __getitem__(self, entry: tuple[int, int]) -> Expr:
        return self.rows[entry[0]][entry[1]]


#: Terms of a sum printed before the rest is elided; SymPy's str() sorts every term of a
#: sum first, which for a weight gradient of a long layer costs seconds per entry.
SHOWN_TERMS = 6


def short_text(expr: Expr, max_terms: int = SHOWN_TERMS, show: Show = str) -> str:
    """``str(expr)``, with a long sum cut to its first and last terms (canonical order).

    >>> from sympy import symbols, Add
    >>> short_text(Add(*symbols("a0:10")), 4)
    'a0 + a1 + a2 + ... + a9  (10 terms)'
    """
    if isinstance(expr, sympy.Add) and len(expr.args) > max_terms:
        ordered = (
            sorted(expr.args, key=sympy.default_sort_key) if len(expr.args) <= 64 else expr.args
        )
        head = " + ".join(show(t) for t in ordered[: max_terms - 1])
        return f"{head} + ... + {show(ordered[-1])}  ({len(expr.args)} terms)"
    return show(expr)


def short_list(items: list[Any], max_items: int = 8, show: Show = str) -> str:
    """Comma-separated items, the middle elided past ``max_items``."""
    shown = kept(len(items), max_items)
    return ", ".join("..." if k is None else show(items[k]) for k in shown)


def matrix_text(matrix: Any, max_rows: int = 8, show: Show = str) -> str:
    """A matrix as aligned text, elided like the LaTeX one (only kept entries are printed)."""
    rows, cols = matrix.shape
    row_keep, col_keep = kept(rows, max_rows), kept(cols, max_rows)
    cells = [
        [
            ("..." if j is None else ":")
            if i is None
            else ("..." if j is None else show(matrix[i, j]))
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
