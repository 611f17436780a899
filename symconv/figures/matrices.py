"""Tie patterns and tie sets: the matrix T of a layer drawn cell by cell.

Every stored entry of T is a cell coloured by the kernel weight it holds (its index
printed in it when the cell is big enough, a stripe pattern past the palette's seven
colours); structural zeros stay blank. A big band is drawn whole at a smaller cell size.

>>> figure = tie_pattern([5, 6, 7], 4)
>>> figure.cells
((0, 0, 0), (0, 1, 1), (0, 2, 2), (1, 1, 0), (1, 2, 1), (1, 3, 2))
>>> tie_set([5, 6, 7], 4, 1).highlighted
((0, 1), (1, 2))
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from math import ceil

import sympy

from symconv.figures.figure import Figure
from symconv.figures.shapes import (
    MAX_HEIGHT,
    MAX_WIDTH,
    Paint,
    Shape,
    cell,
    describe_layer,
    label,
    layer_options,
    math,
    plain_label,
    subscript,
    tex_index,
    tex_label,
    text_colour,
    text_height,
    text_width,
    tier_marks,
    weight_tier,
)

#: Largest and smallest side of a cell (mm), and the smallest that carries its label.
CELL_MAX = 6.0
LABELLED = 3.5
GRID = 2.5
#: A band with more entries than this is refused rather than written as a huge file.
MAX_ENTRIES = 100_000


@dataclass(frozen=True)
class WeightName:
    """How a kernel weight is named: its index, in SVG text and in TeX."""

    index: tuple[int, ...]
    text: str
    tex: str


@dataclass(frozen=True)
class MatrixView:
    """What a matrix figure draws: T's entries ``(row, col, weight)``, the weights'
    names, the caption lines, and the block size of a doubly-block matrix."""

    name: str
    name_tex: str
    shape: tuple[int, int]
    entries: Sequence[tuple[int, int, int]]
    weights: Sequence[WeightName]
    values: Sequence[sympy.Expr]
    layer: str
    blocks: tuple[int, int] | None = None


def weight_label(name: WeightName, value: sympy.Expr) -> tuple[str, str]:
    """``w₁`` when the weight is the symbol named so (``w1``), else ``w₁ = 6``."""
    if tex_label(value) == name.tex:
        return name.text, math(name.tex)
    return f"{name.text} = {plain_label(value)}", math(f"{name.tex} = {tex_label(value)}")


def legend(
    names: Sequence[WeightName],
    values: Sequence[sympy.Expr],
    top: float,
    unit: float,
    edges: bool = False,
) -> tuple[list[Shape], float, float]:
    """A key for each weight and its name, flowed into rows no wider than
    :data:`MAX_WIDTH`: a swatch (colour, index, stripes), or with ``edges`` a short edge
    as the connections draw it (colour, dashes). Returns the shapes, their width and
    height (mm)."""
    swatch, gap, size = 3.5, 1.0, 7.0
    if edges:
        swatch = 5.0
    row_height = 5.0
    shapes: list[Shape] = []
    x = y = widest = 0.0
    for k, (name, value) in enumerate(zip(names, values)):
        text, tex = weight_label(name, value)
        width = swatch + gap + text_width(text, size) + 1.5
        if x > 0 and x + width > MAX_WIDTH:
            x, y = 0.0, y + row_height
        left, upper = x / unit, (top + y) / unit
        side, middle = swatch / unit, upper + 1.75 / unit
        if edges:
            paint = Paint(stroke=f"w{k}", line=1.0, dashed=weight_tier(k) > 0)
            shapes.append(Shape("line", "legend", left, middle, side, 0, paint, k, (k,)))
        else:
            square = Paint(fill=f"w{k}")
            shapes.append(Shape("rect", "legend", left, upper, side, side, square, k, (k,)))
            shapes += tier_marks(left, upper, side, k, "legend")
            colour = text_colour(f"w{k}")
            shapes.append(label(left + side / 2, middle, str(k), str(k), 5.0, "legend", colour))
        start = left + side + gap / unit
        shapes.append(label(start, middle, text, tex, size, "legend", anchor="west"))
        x += width
        widest = max(widest, x)
    return shapes, widest, y + row_height


def wrap(text: str, size: float, room: float = MAX_WIDTH) -> list[str]:
    """``text`` broken after its commas, semicolons and colons into lines that fit."""
    pieces = re.split(r"(?<=[,;:]) ", text)
    lines = [pieces[0]]
    for piece in pieces[1:]:
        if text_width(lines[-1] + " " + piece, size) > room:
            lines.append(piece)
        else:
            lines[-1] += " " + piece
    return lines


def caption(
    lines: Sequence[tuple[str, str, float]], unit: float
) -> tuple[list[Shape], float, float]:
    """Caption lines ``(text, tex, size)`` from the top-left; returns shapes, width and
    height (mm). A line whose TeX is its text is wrapped to fit."""
    shapes, y, widest = [], 0.0, 0.0
    for text, tex, size in lines:
        parts = wrap(text, size) if text == tex else [text]
        for part in parts:
            height = text_height(size) + 1.0
            shown = part if text == tex else tex
            shapes.append(
                label(0.0, (y + height / 2) / unit, part, shown, size, "caption", anchor="west")
            )
            y += height
            widest = max(widest, text_width(part, size))
    return shapes, widest, y + 1.0


def cell_size(view: MatrixView, room_height: float) -> tuple[float, float]:
    """The side of a cell (mm) and the left margin for row numbers (mm)."""
    m, n = view.shape
    size = min(CELL_MAX, MAX_WIDTH / n, room_height / m)
    if size < LABELLED:
        return size, 0.0
    margin = text_width(str(m - 1), 5.0) + 1.5
    size = min(CELL_MAX, (MAX_WIDTH - margin) / n, room_height / m)
    return (
        (size, margin) if size >= LABELLED else (min(CELL_MAX, MAX_WIDTH / n, room_height / m), 0.0)
    )


def matrix_figure(
    view: MatrixView,
    kind: str,
    heading: Sequence[tuple[str, str, float]],
    highlight: int | None = None,
    footer: Sequence[tuple[str, str, float]] = (),
) -> Figure:
    """Draw ``view``: caption, T cell by cell (grid, blocks, row and column numbers when
    cells are big enough), then the legend, or ``footer`` lines for a tie set."""
    if len(view.entries) > MAX_ENTRIES:
        raise ValueError(
            f"T has {len(view.entries)} entries, more than {MAX_ENTRIES} can be drawn into a "
            "reasonable file; draw a smaller layer"
        )
    m, n = view.shape
    reserve = 12.0 + (len(footer) * 6.0 if footer else 6.0 * ceil(len(view.weights) / 6))
    size, margin = cell_size(view, MAX_HEIGHT - reserve - 12.0)
    unit = size  # one figure unit is one cell
    shapes, head_width, head_height = caption(heading, unit)
    labelled = size >= LABELLED
    left = ceil(margin / unit)
    top = ceil((head_height + (text_height(5.0) + 0.5 if labelled else 0.0)) / unit)
    if labelled:
        for j in range(n):
            shapes.append(label(left + j + 0.5, top - 0.6, str(j), str(j), 5.0, "index"))
        for i in range(m):
            shapes.append(
                label(left - 0.3, top + i + 0.5, str(i), str(i), 5.0, "index", anchor="east")
            )
    entries = sorted(view.entries, key=lambda e: (e[2] != highlight, e[2], e[0], e[1]))
    for i, j, k in entries:
        fill = "pale" if highlight is not None and k != highlight else f"w{k}"
        shapes.append(cell("entry", left + j, top + i, Paint(fill=fill), k, (i, j)))
    for i, j, k in entries:
        if highlight is None or k == highlight:
            shapes += tier_marks(left + j, top + i, 1.0, k)
    if labelled:
        number_size = 7.0 if size >= 5.0 else 5.0
        for i, j, k in entries:
            if highlight is None or k == highlight:
                colour = text_colour(f"w{k}")
                shapes.append(
                    label(
                        left + j + 0.5,
                        top + i + 0.5,
                        str(k),
                        str(k),
                        number_size,
                        "entry label",
                        colour,
                    )
                )
    if size >= GRID:
        grid = Paint(stroke="grid", line=0.2)
        shapes += [Shape("line", "grid", left, top + i, n, 0, grid) for i in range(1, m)]
        shapes += [Shape("line", "grid", left + j, top, 0, m, grid) for j in range(1, n)]
    if view.blocks is not None:
        rows, cols = view.blocks
        rule = Paint(stroke="rule", line=0.4)
        shapes += [Shape("line", "block", left, top + i, n, 0, rule) for i in range(rows, m, rows)]
        shapes += [Shape("line", "block", left + j, top, 0, m, rule) for j in range(cols, n, cols)]
    shapes.append(Shape("rect", "frame", left, top, n, m, Paint(stroke="ink", line=0.5)))
    below = (top + m) * unit + 3.0
    if footer:
        more, more_width, more_height = caption(footer, unit)
        shapes += [
            Shape(
                s.geometry,
                "formula",
                s.x,
                s.y + below / unit,
                s.width,
                s.height,
                s.paint,
                text=s.text,
                tex=s.tex,
                size=s.size,
                anchor=s.anchor,
            )
            for s in more
        ]
    else:
        more, more_width, more_height = legend(view.weights, view.values, below, unit)
        shapes += more
    width = max(head_width, (left + n) * unit, more_width) + 1.0
    height = below + more_height
    title = " ".join(text for text, _, _ in heading)
    return Figure(kind, title, width / unit, height / unit, unit, tuple(shapes))


# --- 1-D -------------------------------------------------------------------------------


def transposed_flag(options: dict[str, object]) -> bool:
    """Take ``transposed`` out of the options, refusing anything but a bool."""
    transposed = options.pop("transposed", False)
    if not isinstance(transposed, bool):
        raise TypeError(f"transposed must be True or False, got {transposed!r}")
    return transposed


def view1d(
    w: object, input_length: object, options: dict[str, object], transposed: bool = False
) -> MatrixView:
    """T (or T^T) of the 1-D layer, with its weights and a line describing it."""
    from symconv.layout.axis import conv_settings
    from symconv.ops.banded import band

    t = band(w, input_length, **options)  # type: ignore[arg-type]
    s = conv_settings(len(t.weights), t.shape[1], **options)
    names = [
        WeightName((k,), f"w{subscript(k)}", f"w_{tex_index(k)}") for k in range(len(t.weights))
    ]
    layer = f"L = {s.input_length}, K = {s.kernel_size}: " + describe_layer(
        s.stride, s.padding_pair, s.dilation, s.flip
    )
    entries = [(i, j, k) for (i, j), k in t.ties.items()]
    if transposed:
        entries = sorted((j, i, k) for i, j, k in entries)
        return MatrixView(
            "Tᵀ", "T^{\\top}", (t.shape[1], t.shape[0]), entries, names, t.weights, layer
        )
    return MatrixView("T", "T", t.shape, entries, names, t.weights, layer)


def heading(view: MatrixView, what: str, what_tex: str) -> list[tuple[str, str, float]]:
    """The caption: T's size, entries and weights, then the layer."""
    m, n = view.shape
    count = len(view.entries)
    return [
        (
            f"{view.name}: {m} × {n}, {count} entries, {len(view.weights)} weights; {what}",
            f"${view.name_tex}$: ${m}\\times {n}$, {count} entries, {len(view.weights)} weights; {what_tex}",
            8.0,
        ),
        (view.layer, view.layer, 7.0),
    ]


def tie_pattern(w: object, input_length: int, **layer_options_: object) -> Figure:
    """The tie pattern of T (``z = T x``): each entry coloured by the weight it holds.

    Options are the layer's (``stride``, ``padding``, ``dilation``, ``flip``) and
    ``transposed=True``, which draws ``T^T``, the matrix of the transposed convolution.

    >>> figure = tie_pattern([5, 6], 3, stride=2, padding=1)
    >>> figure.cells
    ((0, 0, 1), (1, 1, 0), (1, 2, 1))
    >>> tie_pattern([5, 6], 3, transposed=True).cells
    ((0, 0, 0), (1, 0, 1), (1, 1, 0), (2, 1, 1))
    """
    options = layer_options(layer_options_, ("transposed",))
    transposed = transposed_flag(options)
    view = view1d(w, input_length, options, transposed)
    what = (
        ("the transposed convolution", "the transposed convolution")
        if transposed
        else ("z = T x", "$z = Tx$")
    )
    return matrix_figure(view, "tie pattern", heading(view, *what))


def check_index(value: object, count: int, name: str, what: str) -> int:
    """``value`` as an index in ``range(count)``; the errors name it and the range."""
    if isinstance(value, bool) or not isinstance(value, (int, sympy.Integer)):
        raise TypeError(f"{name} must be an integer in 0..{count - 1} ({what}), got {value!r}")
    if not 0 <= int(value) < count:
        raise ValueError(f"{name}={value} is out of range: {what} are 0..{count - 1}")
    return int(value)


def gradient_lines(
    k_text: str, k_tex: str, terms: Sequence[tuple[str, str]], room: float
) -> list[tuple[str, str, float]]:
    """``dL/dw_k`` as the sum over its tie set, then its terms wrapped to ``room`` mm; past
    three lines the middle terms are elided, and the count is always said."""
    size = 8.0
    lines = [
        (
            f"∂L/∂{k_text} = Σ g_i x_j over the highlighted entries (i, j) of T",
            f"$\\partial L/\\partial {k_tex} = \\sum_{{(i,j)}} g_i\\, x_j$ over the highlighted entries $(i, j)$ of $T$",
            size,
        ),
    ]
    rows: list[list[tuple[str, str]]] = [[]]
    for term in terms:
        candidate = rows[-1] + [term]
        if rows[-1] and text_width("= " + " + ".join(t for t, _ in candidate), size) > room:
            rows.append([term])
        else:
            rows[-1] = candidate
    if len(rows) > 3:
        rows = rows[:2] + [[("⋯", "\\cdots"), terms[-1]]]
    for r, row in enumerate(rows):
        lead = "= " if r == 0 else "+ "
        text = lead + " + ".join(t for t, _ in row)
        tex = math("{}" + lead + " + ".join(t for _, t in row))  # {} keeps + binary
        lines.append((text, tex, size))
    lines.append(
        (
            f"({len(terms)} terms, one per highlighted entry)",
            f"({len(terms)} terms, one per highlighted entry)",
            7.0,
        )
    )
    return lines


def tie_set_figure(view: MatrixView, k: int, terms: Sequence[tuple[str, str]]) -> Figure:
    """T with weight k's entries highlighted, and ``dL/dw_k`` summed over them below."""
    name = view.weights[k]
    count = len(terms)
    head = heading(
        view,
        f"tie set of {name.text} ({count} entries)",
        f"tie set of ${name.tex}$ ({count} entries)",
    )
    footer = gradient_lines(name.text, name.tex, terms, MAX_WIDTH - 5.0)
    return matrix_figure(view, "tie set", head, highlight=k, footer=footer)


def tie_set(w: object, input_length: int, k: int, **layer_options_: object) -> Figure:
    """The entries of T holding weight ``w_k``, highlighted, beside ``dL/dw_k``: the sum
    of ``g_i x_j`` over those entries ``(i, j)``.

    >>> figure = tie_set([5, 6, 7], 4, 2)
    >>> figure.highlighted, figure.formula
    (((0, 2), (1, 3)), '∂L/∂w₂ = g₀x₂ + g₁x₃')
    """
    view = view1d(w, input_length, layer_options(layer_options_))
    k = check_index(
        k, len(view.weights), "k", f"the weights of this {len(view.weights)}-tap kernel"
    )
    terms = [
        (f"g{subscript(i)}x{subscript(j)}", f"g_{tex_index(i)}\\, x_{tex_index(j)}")
        for i, j, kk in view.entries
        if kk == k
    ]
    return with_formula(tie_set_figure(view, k, terms), view.weights[k], terms)


def with_formula(figure: Figure, name: WeightName, terms: Sequence[tuple[str, str]]) -> Figure:
    """The figure holding the whole gradient sum as data (the drawing may elide it)."""
    text = f"∂L/∂{name.text} = " + " + ".join(t for t, _ in terms)
    tex = f"\\frac{{\\partial L}}{{\\partial {name.tex}}} = " + " + ".join(t for _, t in terms)
    return replace(figure, formula=text, formula_tex=tex)


# --- 2-D -------------------------------------------------------------------------------


def kernel_entries(values: object, name: str = "kernel") -> list[list[sympy.Expr]]:
    """A matrix's rows as SymPy entries, each row validated by symconv's ``as_vector``
    (never evaluating text)."""
    from symconv.core.vectors import as_vector

    if isinstance(values, sympy.MatrixBase):
        rows: list[object] = values.tolist()
    elif isinstance(values, (list, tuple)) and values:
        rows = list(values)
    else:
        raise TypeError(
            f"{name} must be a sympy Matrix or a non-empty list of rows, got {values!r}"
        )
    entries = [list(as_vector(row, f"row {r} of {name}")) for r, row in enumerate(rows)]
    widths = [len(row) for row in entries]
    if len(set(widths)) != 1:
        raise ValueError(
            f"{name} has rows of different lengths {widths}; every row needs the same width"
        )
    return entries


def view2d(kernel: object, image_shape: object, options: dict[str, object]) -> MatrixView:
    """The doubly-block T of the 2-D layer, ruled into blocks of (Wo rows, W columns)."""
    from symconv.layout.grid import settings2d
    from symconv.ops.conv2d import band2d

    t = band2d(kernel, image_shape, **options)  # type: ignore[arg-type]
    rows = kernel_entries(kernel)
    kh, kw = len(rows), len(rows[0])
    s = settings2d((kh, kw), image_shape, **options)  # type: ignore[arg-type]
    names = [
        WeightName((a, b), f"k{subscript(a, b)}", f"k_{tex_index(a, b)}")
        for a in range(kh)
        for b in range(kw)
    ]
    (h, w), wo = s.input_shape, s.output_shape[1]
    layer = f"{h} × {w} image, {kh} × {kw} kernel: " + describe_layer(
        s.stride, s.padding, s.dilation, s.flip
    )
    entries = [(i, j, k) for (i, j), k in t.ties.items()]
    return MatrixView("T", "T", t.shape, entries, names, t.weights, layer, blocks=(wo, w))


def tie_pattern2d(kernel: object, image_shape: tuple[int, int], **layer_options_: object) -> Figure:
    """The doubly-block tie pattern of a 2-D layer over row-major flat indices (entry
    ``(i*Wo + j, r*W + c)``); its blocks are ruled. Cells carry the flat kernel index
    ``a*kw + b``, the legend its pair.

    >>> figure = tie_pattern2d([[1, 2], [3, 4]], (2, 3))
    >>> figure.cells[:4]
    ((0, 0, 0), (0, 1, 1), (0, 3, 2), (0, 4, 3))
    """
    view = view2d(kernel, image_shape, layer_options(layer_options_))
    return matrix_figure(
        view, "tie pattern", heading(view, "z = T x, row-major", "$z = Tx$, row-major")
    )


def tie_set2d(
    kernel: object, image_shape: tuple[int, int], k: tuple[int, int], **layer_options_: object
) -> Figure:
    """The tie set of kernel entry ``k = (row, col)`` in the doubly-block T, with
    ``dL/dk_{a,b}`` as the sum of ``g_{i,j} x_{r,c}`` over it.

    >>> tie_set2d([[1, 2], [3, 4]], (2, 3), (1, 1)).highlighted
    ((0, 4), (1, 5))
    """
    view = view2d(kernel, image_shape, layer_options(layer_options_))
    kh, kw = view.weights[-1].index[0] + 1, view.weights[-1].index[1] + 1
    if not (isinstance(k, (tuple, list)) and len(k) == 2):
        raise TypeError(f"k must be a pair (row, col) of kernel indices, got {k!r}")
    a = check_index(k[0], kh, "k[0]", "the kernel's rows")
    b = check_index(k[1], kw, "k[1]", "the kernel's columns")
    assert view.blocks is not None
    wo, width = view.blocks  # rows of T per output row, columns per image row
    terms = []
    for i, j, kk in view.entries:
        if kk == a * kw + b:
            (oi, oj), (r, c) = divmod(i, wo), divmod(j, width)
            terms.append(
                (
                    f"g{subscript(oi, oj)}x{subscript(r, c)}",
                    f"g_{tex_index(oi, oj)}\\, x_{tex_index(r, c)}",
                )
            )
    return with_formula(tie_set_figure(view, a * kw + b, terms), view.weights[a * kw + b], terms)
