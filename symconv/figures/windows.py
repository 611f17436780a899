"""Sliding windows: which inputs an output reads, drawn after Dumoulin & Visin's
convolution-arithmetic figures.

The padded input is a row (a grid in 2-D) of cells, the zero padding grey, dashed and
labelled 0; the cells output ``i`` reads are outlined (in 2-D filled with the colour of
the weight that reads them), the kernel's taps sit over them, and the output made is
highlighted. Without ``i``, the first few outputs are drawn one under the other.

>>> figure = sliding_window([1, 2, 3], [5, 6], 0, padding=1)
>>> [(t.padded, t.input, t.weight) for t in figure.window]
[(0, None, 0), (1, 0, 1)]
"""

from __future__ import annotations

from collections.abc import Sequence
from math import ceil

import sympy

from symconv.figures.figure import Figure, WindowTap
from symconv.figures.matrices import WeightName, caption, check_index, kernel_entries, legend
from symconv.figures.shapes import (
    MAX_HEIGHT,
    MAX_WIDTH,
    Paint,
    Shape,
    cell,
    describe_layer,
    fitting_size,
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
)

#: How many outputs a strip shows when no output is chosen.
STRIP = 3
CELL_MAX = 8.0

PADDING = Paint(fill="pad", stroke="faint", line=0.3, dashed=True)
INPUT = Paint(fill="white", stroke="ink", line=0.3)
OUTPUT = Paint(fill="white", stroke="ink", line=0.3)
CHOSEN = Paint(fill="output", stroke="ink", line=1.2)
READ = Paint(stroke="ink", line=1.2)


def cell_label(
    x: float,
    y: float,
    value: sympy.Expr | str,
    room: float,
    colour: str = "ink",
    role: str = "label",
    height: float = 1.0,
) -> list[Shape]:
    """The value's label centred in a cell of ``room`` mm, if it fits at 7 or 5 pt."""
    text = value if isinstance(value, str) else plain_label(value)
    tex = value if isinstance(value, str) else math(tex_label(value))
    size = fitting_size(text, room * 0.92)
    return [] if size is None else [label(x + 0.5, y + height / 2, text, tex, size, role, colour)]


def term(weight: sympy.Expr, value: sympy.Expr) -> tuple[str, str]:
    """One product of a sliding dot product, as text and TeX."""

    def wrap(e: sympy.Expr, tex: bool) -> str:
        s = tex_label(e) if tex else plain_label(e)
        return f"({s})" if isinstance(e, sympy.Add) or (e.is_number and e.is_negative) else s

    return (
        f"{wrap(weight, False)}·{wrap(value, False)}",
        f"{wrap(weight, True)}\\cdot {wrap(value, True)}",
    )


def panel_title(
    what: tuple[str, str], output: tuple[str, str], terms: Sequence[tuple[str, str]]
) -> tuple[str, str]:
    """``output i = 2: z₂ = w₀·x₁ + …`` (text and TeX) when it fits the figure's width,
    else ``output i = 2: z₂``; taps on the padding are left out of the sum."""
    products = terms or [("0", "0")]
    text = f"{what[0]}: {output[0]} = " + " + ".join(t for t, _ in products)
    tex = f"{what[1]}: " + math(f"{output[1]} = " + " + ".join(t for _, t in products))
    if text_width(text, 8.0) <= MAX_WIDTH:
        return text, tex
    return f"{what[0]}: {output[0]}", f"{what[1]}: " + math(output[1])


# --- 1-D -------------------------------------------------------------------------------


def sliding_window(x: object, w: object, i: int | None = None, **layer_options_: object) -> Figure:
    """Output ``i`` of the layer as its window over the padded input; with ``i=None``
    a strip of the first few outputs. ``figure.window`` lists the taps drawn.

    >>> figure = sliding_window([1, 2, 3, 4], [5, 6, 7], 1)
    >>> [(t.output, t.tap, t.input) for t in figure.window]
    [(1, 0, 1), (1, 1, 2), (1, 2, 3)]
    >>> len({t.output for t in sliding_window([1, 2, 3, 4, 5], [5, 6]).window})
    3
    """
    from symconv.core.vectors import as_vector
    from symconv.layout.axis import conv_settings

    options = layer_options(layer_options_)
    xs, ws = list(as_vector(x, "input x")), list(as_vector(w, "kernel w"))
    s = conv_settings(len(ws), len(xs), **options)  # type: ignore[arg-type]
    count = s.output_length
    outputs = (
        range(min(STRIP, count))
        if i is None
        else [check_index(i, count, "i", f"the {count} outputs of this layer")]
    )
    padded = s.input_length + s.left + s.right
    names_width = text_width("output", 7.0) + 2.0
    u = min(CELL_MAX, (MAX_WIDTH - names_width) / padded)
    left = ceil(names_width / u)
    title_height = (text_height(8.0) + 2.0) / u
    # cells stay at least 3 mm tall, so a long input's rows (and their names) stay apart
    tall = max(1.0, 3.0 / u)
    gap = max(1.2, 6.0 / u)
    panel_height = title_height + 3.4 * tall + gap + 3.0 / u
    # below 1.5 mm a cell's border would be most of it: cells are flat colour, rows framed
    compact = u < 1.5
    about = f"Sliding window: input length {s.input_length}, {s.kernel_size} taps; "
    about += describe_layer(s.stride, s.padding_pair, s.dilation, s.flip)
    shapes, head_width, head_height = caption([(about, about, 7.0)], u)
    taps: list[WindowTap] = []
    y0 = head_height / u
    for o in outputs:
        kernel_row, input_row = y0 + title_height, y0 + title_height + 1.4 * tall
        output_row = input_row + tall + gap
        products = []
        window, spots = [], []
        for k in range(s.kernel_size):
            p = o * s.stride + k * s.dilation
            j = p - s.left
            real = 0 <= j < s.input_length
            window.append(WindowTap(o, k, s.kernel_index(k), p, j if real else None))
            spots.append((p, s.kernel_index(k)))
            if real:
                products.append(term(ws[s.kernel_index(k)], xs[j]))
        taps += window
        text, tex = panel_title(
            (f"output i = {o}", f"output $i = {o}$"),
            (f"z{subscript(o)}", f"z_{tex_index(o)}"),
            products,
        )
        shapes.append(label(0.0, y0 + title_height / 2, text, tex, 8.0, "title", anchor="west"))
        for row, name in ((kernel_row, "kernel"), (input_row, "input"), (output_row, "output")):
            shapes.append(
                label(left - 1.5 / u, row + tall / 2, name, name, 7.0, "row name", anchor="east")
            )
        plain, zero = (Paint(fill="white"), Paint(fill="pad")) if compact else (None, None)
        for p in range(padded):
            j = p - s.left
            if 0 <= j < s.input_length:
                shapes.append(
                    cell("input", left + p, input_row, plain or INPUT, None, (o, p), tall)
                )
                shapes += cell_label(left + p, input_row, xs[j], u, height=tall)
            else:
                shapes.append(
                    cell("padding", left + p, input_row, zero or PADDING, None, (o, p), tall)
                )
                shapes += cell_label(left + p, input_row, "0", u, "rule", height=tall)
        centre = (s.span - 1) / 2
        for q in range(count):
            paint = CHOSEN if q == o else plain or OUTPUT
            shapes.append(
                cell("output", left + q * s.stride + centre, output_row, paint, None, (q,), tall)
            )
            shapes += cell_label(
                left + q * s.stride + centre, output_row, sympy.Symbol(f"z{q}"), u, height=tall
            )
        for tap, (p, k) in zip(window, spots):
            link = (
                Paint(stroke="faint", line=0.5, dashed=True)
                if tap.padding
                else Paint(stroke=f"w{k}", line=0.9)
            )
            shapes.append(
                Shape(
                    "line",
                    "link",
                    left + p + 0.5,
                    input_row + tall,
                    o * s.stride + centre - p,
                    gap,
                    link,
                    k,
                )
            )
            shapes.append(cell("tap", left + p, kernel_row, Paint(fill=f"w{k}"), k, (o, p), tall))
            shapes += tier_marks(left + p, kernel_row, 1.0, k, height=tall)
            shapes += cell_label(left + p, kernel_row, ws[k], u, text_colour(f"w{k}"), height=tall)
            read = Paint(fill=f"w{k}") if compact else READ
            shapes.append(cell("read", left + p, input_row, read, k, (o, p), tall))
        if compact:
            edge = Paint(stroke="ink", line=0.4)
            last = (count - 1) * s.stride + 1
            shapes.append(Shape("rect", "row frame", left, input_row, padded, tall, edge))
            shapes.append(Shape("rect", "row frame", left + centre, output_row, last, tall, edge))
        y0 += panel_height
    names = [WeightName((k,), f"w{subscript(k)}", f"w_{tex_index(k)}") for k in range(len(ws))]
    keys, key_width, key_height = legend(names, ws, y0 * u, u)
    shapes += keys
    width = max(head_width, (left + padded) * u, key_width) + 1.0
    title = f"Sliding window of a 1-D layer: {about}"
    return Figure(
        "sliding window", title, width / u, (y0 * u + key_height) / u, u, tuple(shapes), tuple(taps)
    )


# --- 2-D -------------------------------------------------------------------------------


def image_entries(image: object) -> list[list[sympy.Expr]]:
    """An image's rows; a shape ``(height, width)`` gives symbols ``x{r}_{c}``."""
    if (
        isinstance(image, tuple)
        and len(image) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in image)
    ):
        from symconv.core.images import symbolic_matrix

        return symbolic_matrix("x", image[0], image[1]).tolist()  # type: ignore[no-any-return]
    return kernel_entries(image, "image")


def sliding_window2d(
    image: object, kernel: object, i: tuple[int, int] | None = None, **layer_options_: object
) -> Figure:
    """Output ``i = (row, col)`` of a 2-D layer as its window over the padded image, each
    read cell in the colour of the kernel weight reading it; ``image`` may be a matrix or
    a shape ``(height, width)``. With ``i=None``, the first few outputs (row-major).

    >>> figure = sliding_window2d((3, 3), [[1, 2], [3, 4]], (1, 0))
    >>> [t.input for t in figure.window]
    [(1, 0), (1, 1), (2, 0), (2, 1)]
    """
    from symconv.layout.grid import settings2d

    options = layer_options(layer_options_)
    xs, ks = image_entries(image), kernel_entries(kernel)
    s = settings2d((len(ks), len(ks[0])), (len(xs), len(xs[0])), **options)  # type: ignore[arg-type]
    (h, w), (ho, wo), (kh, kw) = s.input_shape, s.output_shape, s.kernel_shape
    rows, cols = s.rows, s.cols
    if i is None:
        outputs = [divmod(o, wo) for o in range(min(STRIP, ho * wo))]
    else:
        if not (isinstance(i, (tuple, list)) and len(i) == 2):
            raise TypeError(f"i must be a pair (row, col) of output indices, got {i!r}")
        outputs = [
            (
                check_index(i[0], ho, "i[0]", f"the {ho} output rows"),
                check_index(i[1], wo, "i[1]", f"the {wo} output columns"),
            )
        ]
    hp, wp = h + rows.left + rows.right, w + cols.left + cols.right
    gap_mm, below_mm, title_mm = 8.0, text_height(7.0) + 2.0, text_height(8.0) + 2.0
    legend_mm = 6.0 * ceil(kh * kw / 6) + 12.0
    per_panel = (MAX_HEIGHT - legend_mm) / len(outputs) - title_mm - below_mm - 3.0
    u = min(7.0, (MAX_WIDTH - gap_mm) / (wp + wo), per_panel / hp)
    gap = gap_mm / u
    about = f"Sliding window: {h} × {w} image, {kh} × {kw} kernel; "
    about += describe_layer(s.stride, s.padding, s.dilation, s.flip)
    shapes, head_width, head_height = caption([(about, about, 7.0)], u)
    taps: list[WindowTap] = []
    y0 = head_height / u
    for oi, oj in outputs:
        top = y0 + title_mm / u
        products, window = [], []
        for a in range(kh):
            for b in range(kw):
                p = (oi * rows.stride + a * rows.dilation, oj * cols.stride + b * cols.dilation)
                r, c = p[0] - rows.left, p[1] - cols.left
                real = 0 <= r < h and 0 <= c < w
                weight = (rows.kernel_index(a), cols.kernel_index(b))
                window.append(WindowTap((oi, oj), (a, b), weight, p, (r, c) if real else None))
                if real:
                    products.append(term(ks[weight[0]][weight[1]], xs[r][c]))
        taps += window
        text, tex = panel_title(
            (f"output ({oi}, {oj})", f"output $({oi}, {oj})$"),
            (f"z{subscript(oi, oj)}", f"z_{tex_index(oi, oj)}"),
            products,
        )
        shapes.append(label(0.0, y0 + title_mm / u / 2, text, tex, 8.0, "title", anchor="west"))
        read = {tap.padded: tap for tap in window}
        for pr in range(hp):
            for pc in range(wp):
                r, c = pr - rows.left, pc - cols.left
                real = 0 <= r < h and 0 <= c < w
                tap = read.get((pr, pc))
                if tap is None:
                    paint, colour = (INPUT, "ink") if real else (PADDING, "rule")
                    shapes.append(
                        cell(
                            "input" if real else "padding",
                            pc,
                            top + pr,
                            paint,
                            None,
                            (oi, oj, pr, pc),
                        )
                    )
                else:
                    assert isinstance(tap.weight, tuple)
                    k = tap.weight[0] * kw + tap.weight[1]
                    colour = text_colour(f"w{k}")
                    role = "read" if real else "read padding"
                    paint = Paint(fill=f"w{k}", stroke="ink", line=1.2, dashed=not real)
                    shapes.append(cell(role, pc, top + pr, paint, k, (oi, oj, pr, pc)))
                    shapes += tier_marks(pc, top + pr, 1.0, k)
                    if u >= 5.5:  # the weight's index in the corner, as Dumoulin & Visin do
                        shapes.append(
                            label(
                                pc + 0.86,
                                top + pr + 0.8,
                                str(k),
                                str(k),
                                5.0,
                                "weight label",
                                colour,
                            )
                        )
                shapes += cell_label(pc, top + pr, xs[r][c] if real else "0", u, colour)
        for qi in range(ho):
            for qj in range(wo):
                paint = CHOSEN if (qi, qj) == (oi, oj) else OUTPUT
                y = top + (hp - ho) / 2 + qi
                shapes.append(cell("output", wp + gap + qj, y, paint, None, (qi, qj)))
                shapes += cell_label(wp + gap + qj, y, sympy.Symbol(f"z{qi}_{qj}"), u)
        under = top + hp + below_mm / u / 2 + 0.2
        shapes.append(
            label(
                wp / 2,
                under,
                f"padded input {hp} × {wp}",
                f"padded input ${hp}\\times {wp}$",
                7.0,
                "caption",
            )
        )
        shapes.append(
            label(
                wp + gap + wo / 2,
                under,
                f"output {ho} × {wo}",
                f"output ${ho}\\times {wo}$",
                7.0,
                "caption",
            )
        )
        y0 = top + hp + (below_mm + 3.0) / u
    names = [
        WeightName((a, b), f"k{subscript(a, b)}", f"k_{tex_index(a, b)}")
        for a in range(kh)
        for b in range(kw)
    ]
    keys, key_width, key_height = legend(names, [v for row in ks for v in row], y0 * u + 2.0, u)
    shapes += keys
    width = max(head_width, (wp + gap + wo) * u, key_width) + 1.0
    title = f"Sliding window of a 2-D layer: {about}"
    return Figure(
        "sliding window",
        title,
        width / u,
        (y0 * u + 2.0 + key_height) / u,
        u,
        tuple(shapes),
        tuple(taps),
    )
