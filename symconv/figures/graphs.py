"""Connections: a dense, a locally connected and a convolutional layer as graphs.

Three panels in the manner of Goodfellow, Bengio & Courville's figure 9.14: inputs and
outputs as two rows of nodes, an edge for each weight that links them. The dense layer
links every pair; the locally connected and the convolutional layer link exactly T's
stored entries, the first with a weight of its own on every edge, the second with the
kernel's K weights tied across outputs, each edge in its weight's colour (and dash
pattern past the palette's seven colours).

>>> figure = connections(4, 3)
>>> [sum(1 for e in figure.edges if e[0] == panel) for panel in range(3)]
[8, 6, 6]
"""

from __future__ import annotations

from symconv.figures.figure import Figure
from symconv.figures.matrices import WeightName, caption, legend
from symconv.figures.shapes import (
    MAX_WIDTH,
    Paint,
    Shape,
    describe_layer,
    label,
    layer_options,
    subscript,
    tex_index,
    weight_tier,
)

#: More inputs than this would leave nodes under a millimetre apart.
MAX_INPUTS = 64
DENSE = Paint(stroke="faint", line=0.3)
LOCAL = Paint(stroke="ink", line=0.5)
NODE = Paint(fill="white", stroke="ink", line=0.5)


def connections(input_length: int, kernel_size: int, **layer_options_: object) -> Figure:
    """Dense, locally connected and convolutional layers from ``input_length`` inputs to
    the convolution's outputs; ``figure.edges`` lists ``(panel, output, input, weight)``
    (weight None on untied edges).

    >>> figure = connections(3, 2, stride=2, padding=1)
    >>> [e for e in figure.edges if e[0] == 2]
    [(2, 0, 0, 1), (2, 1, 1, 0), (2, 1, 2, 1)]
    """
    from symconv.core.vectors import symbolic_vector
    from symconv.layout.axis import conv_settings
    from symconv.ops.banded import band

    options = layer_options(layer_options_)
    s = conv_settings(kernel_size, input_length, **options)  # type: ignore[arg-type]
    if s.input_length > MAX_INPUTS:
        raise ValueError(
            f"input_length={s.input_length} is too many nodes to draw apart; use at most {MAX_INPUTS}"
        )
    w = symbolic_vector("w", s.kernel_size)
    t = band(w, s.input_length, **options)  # type: ignore[arg-type]
    entries: list[tuple[int, int, int | None]] = [(i, j, k) for (i, j), k in t.ties.items()]
    m, n = t.shape
    centre = [i * s.stride - s.left + s.dilation * (s.kernel_size - 1) / 2 for i in range(m)]
    lowest, highest = min(0.0, centre[0]), max(n - 1.0, centre[-1])
    spacing = min(10.0, (MAX_WIDTH - 6.0) / (highest - lowest + 1))
    radius = min(2.4, 0.38 * spacing)

    def across(position: float) -> float:
        return 3.0 + (position - lowest + 0.5) * spacing

    layer = describe_layer(s.stride, s.padding_pair, s.dilation, s.flip)
    shapes, head_width, y = caption(
        [
            (
                f"{n} inputs, {m} outputs, kernel of {s.kernel_size}: {layer}",
                f"{n} inputs, {m} outputs, kernel of {s.kernel_size}: {layer}",
                7.0,
            )
        ],
        1.0,
    )
    panels: list[tuple[str, str, list[tuple[int, int, int | None]]]] = [
        (
            "dense",
            f"{m * n} weights, one per edge",
            [(i, j, None) for i in range(m) for j in range(n)],
        ),
        (
            "locally connected",
            f"{len(entries)} weights, one per edge",
            [(i, j, None) for i, j, _ in entries],
        ),
        ("convolutional", f"{s.kernel_size} weights, tied across outputs", entries),
    ]
    drop = 16.0
    # The convolution's edges carry their weight's index just below the output node (as
    # in the book's figure), when neighbouring labels stay apart there.
    along = (radius + 2.2) / drop
    fan = along * s.dilation * spacing
    labelled = fan >= 2.2 and spacing * s.stride - fan * (s.kernel_size - 1) >= 2.5
    for panel, (name, count, edges) in enumerate(panels):
        shapes.append(
            label(0.0, y + 2.5, f"{name}: {count}", f"{name}: {count}", 8.0, "title", anchor="west")
        )
        top, bottom = y + 6.0 + radius, y + 6.0 + radius + drop
        for i, j, k in edges:
            if k is None:
                paint = DENSE if panel == 0 else LOCAL
            else:
                paint = Paint(stroke=f"w{k}", line=1.0, dashed=weight_tier(k) > 0)
            x0, x1 = across(centre[i]), across(j)
            shapes.append(Shape("line", "edge", x0, top, x1 - x0, drop, paint, k, (panel, i, j)))
        if panel == 2 and labelled:
            for i, j, k in edges:
                x0, x1 = across(centre[i]), across(j)
                shapes.append(
                    label(
                        x0 + along * (x1 - x0),
                        top + along * drop,
                        str(k),
                        str(k),
                        5.0,
                        "edge label",
                        backdrop=True,
                    )
                )
        for i in range(m):
            shapes.append(
                Shape(
                    "circle", "output node", across(centre[i]), top, radius, 0, NODE, key=(panel, i)
                )
            )
            if radius >= 2.0:
                shapes.append(
                    label(
                        across(centre[i]),
                        top,
                        f"z{subscript(i)}",
                        f"$z_{tex_index(i)}$",
                        5.0,
                        "node label",
                    )
                )
        for j in range(n):
            shapes.append(
                Shape("circle", "input node", across(j), bottom, radius, 0, NODE, key=(panel, j))
            )
            if radius >= 2.0:
                shapes.append(
                    label(
                        across(j),
                        bottom,
                        f"x{subscript(j)}",
                        f"$x_{tex_index(j)}$",
                        5.0,
                        "node label",
                    )
                )
        y = bottom + radius + 3.0
    names = [
        WeightName((k,), f"w{subscript(k)}", f"w_{tex_index(k)}") for k in range(s.kernel_size)
    ]
    keys, key_width, key_height = legend(names, list(w), y, 1.0, edges=True)
    shapes += keys
    width = max(head_width, across(highest) + spacing / 2 + 3.0, key_width + 1.0)
    title = (
        f"Connections of dense, locally connected and convolutional layers: {n} inputs, {m} outputs"
    )
    return Figure("connections", title, width, y + key_height, 1.0, tuple(shapes))
