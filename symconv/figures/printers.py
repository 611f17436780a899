"""Printers that write a figure's shapes as TikZ or SVG, one method per geometry.

:class:`Printer` walks the shapes in order and hands each run of like shapes to
``_print_<geometry>`` (SymPy's printer pattern); a geometry without such a method is a
``TypeError``. Consecutive rectangles or lines with one role, weight and paint become one
path, each cell one short segment of it, which keeps a big band's files small.

>>> from symconv.figures.shapes import Paint, cell
>>> shapes = [cell("entry", 0, 0, Paint(fill="w1"), 1), cell("entry", 1, 1, Paint(fill="w1"), 1)]
>>> TikzPrinter(2.0).body(shapes)
['\\\\fill[scw1] (0,0)rectangle+(1,1) (1,1)rectangle+(1,1);']
>>> SvgPrinter(2.0).body(shapes)
['<path class="entry w1" fill="#009E73" d="M0 0h1v1h-1zM1 1h1v1h-1z"/>']
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from itertools import groupby
from xml.sax.saxutils import escape, quoteattr

from symconv.figures.shapes import MM_PER_PT, Shape, rgb, tex_escape, text_height, text_width

#: Segments per path command: long enough to keep files small, short enough for TeX.
BATCH = 400
#: Segments per line of TikZ source, so a diff or an editor stays readable.
PER_LINE = 8


def number(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def runs(shapes: Sequence[Shape]) -> Iterator[list[Shape]]:
    """Consecutive rectangles or lines sharing role, weight and paint, at most
    :data:`BATCH` together; every other shape alone."""

    def group(s: Shape) -> tuple[object, ...]:
        if s.geometry in ("rect", "line"):
            return (s.geometry, s.role, s.weight, s.paint)
        return (id(s),)

    for _, members in groupby(shapes, key=group):
        run = list(members)
        for start in range(0, len(run), BATCH):
            yield run[start : start + BATCH]


class Printer:
    """Walks shapes run by run; subclasses give ``_print_rect``, ``_print_line``,
    ``_print_circle`` and ``_print_text``."""

    def __init__(self, unit: float) -> None:
        self.unit = unit  # mm per figure unit

    def body(self, shapes: Sequence[Shape]) -> list[str]:
        lines = []
        for run in runs(shapes):
            geometry = run[0].geometry
            method: Callable[[list[Shape]], str] | None = getattr(self, f"_print_{geometry}", None)
            if method is None:
                raise TypeError(
                    f"{type(self).__name__} cannot draw a shape of geometry {geometry!r}; "
                    "use rect, line, circle or text"
                )
            lines.append(method(run))
        return lines


def used_colours(shapes: Sequence[Shape]) -> list[str]:
    """Every colour name the shapes paint with, in first-use order."""
    names: dict[str, None] = {}
    for s in shapes:
        for name in (s.paint.fill, s.paint.stroke):
            if name is not None:
                names[name] = None
        if s.geometry == "text" and s.paint.fill is None:
            names["ink"] = None  # text is ink unless painted
        if s.backdrop:
            names["white"] = None
    return list(names)


# --- TikZ ------------------------------------------------------------------------------

TEX_SIZES = ((5.5, r"\tiny"), (7.5, r"\scriptsize"), (8.5, r"\footnotesize"), (9.5, r"\small"))
TEX_ANCHORS = {"center": "center", "west": "west", "east": "east"}


class TikzPrinter(Printer):
    """Shapes as TikZ commands in a picture scaled ``x=unit mm, y=-unit mm``; colours
    are ``sc<name>``, defined inside the picture (only tikz need be loaded)."""

    def picture(self, shapes: Sequence[Shape]) -> str:
        u = number(self.unit)
        head = [rf"\begin{{tikzpicture}}[x={u}mm,y=-{u}mm]"]
        for name in used_colours(shapes):
            red, green, blue = rgb(name)
            head.append(rf"\definecolor{{sc{name}}}{{RGB}}{{{red},{green},{blue}}}")
        return "\n".join(head + self.body(shapes) + [r"\end{tikzpicture}"])

    @staticmethod
    def options(shape: Shape, *, fill: bool = True) -> str:
        paint = shape.paint
        parts = []
        if fill and paint.fill is not None:
            parts.append(f"fill=sc{paint.fill}")
        if paint.stroke is not None:
            parts.append(f"draw=sc{paint.stroke}")
            parts.append(f"line width={number(paint.line)}pt")
            if paint.dashed:
                parts.append("dash pattern=on 1.2pt off 1.2pt")
        return ",".join(parts)

    def command(self, shape: Shape, items: list[str], *, fill: bool = True) -> str:
        chunks = [" ".join(items[i : i + PER_LINE]) for i in range(0, len(items), PER_LINE)]
        return rf"\path[{self.options(shape, fill=fill)}] " + "\n  ".join(chunks) + ";"

    def _print_rect(self, run: list[Shape]) -> str:
        items = [
            f"({number(s.x)},{number(s.y)})rectangle+({number(s.width)},{number(s.height)})"
            for s in run
        ]
        first = run[0]
        if first.paint.stroke is None and first.paint.fill is not None:
            chunks = [" ".join(items[i : i + PER_LINE]) for i in range(0, len(items), PER_LINE)]
            return rf"\fill[sc{first.paint.fill}] " + "\n  ".join(chunks) + ";"
        return self.command(first, items)

    def _print_line(self, run: list[Shape]) -> str:
        items = [
            f"({number(s.x)},{number(s.y)})--+({number(s.width)},{number(s.height)})" for s in run
        ]
        return self.command(run[0], items, fill=False)

    def _print_circle(self, run: list[Shape]) -> str:
        s = run[0]
        return self.command(s, [f"({number(s.x)},{number(s.y)}) circle[radius={number(s.width)}]"])

    def _print_text(self, run: list[Shape]) -> str:
        s = run[0]
        font = next((command for limit, command in TEX_SIZES if s.size <= limit), r"\normalsize")
        options = [f"font={font}", f"anchor={TEX_ANCHORS[s.anchor]}"]
        options.append(f"text=sc{s.paint.fill or 'ink'}")
        options.append("fill=scwhite,inner sep=0.5pt" if s.backdrop else "inner sep=0pt")
        content = s.tex or tex_escape(s.text)
        return rf"\node[{','.join(options)}] at ({number(s.x)},{number(s.y)}) {{{content}}};"


# --- SVG -------------------------------------------------------------------------------

SVG_ANCHORS = {"center": "middle", "west": "start", "east": "end"}


def hex_colour(name: str) -> str:
    return "#{:02X}{:02X}{:02X}".format(*rgb(name))


class SvgPrinter(Printer):
    """Shapes as SVG elements in a ``viewBox`` of figure units; a run of cells is one
    ``<path>`` whose ``class`` names the role and weight (``"entry w3"``)."""

    def document(self, shapes: Sequence[Shape], width: float, height: float, title: str) -> str:
        w, h = number(width), number(height)
        head = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{number(width * self.unit)}mm" '
            f'height="{number(height * self.unit)}mm" viewBox="0 0 {w} {h}" '
            'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">',
            f"<title>{escape(title)}</title>",
            f'<rect width="{w}" height="{h}" fill="#FFFFFF"/>',
        ]
        return "\n".join(head + self.body(shapes) + ["</svg>", ""])

    def units(self, points: float) -> str:
        return number(points * MM_PER_PT / self.unit)

    def attributes(self, shape: Shape, *, fill: bool = True) -> str:
        paint = shape.paint
        classes = shape.role + ("" if shape.weight is None else f" w{shape.weight}")
        parts = [f"class={quoteattr(classes)}"]
        parts.append(
            f'fill="{hex_colour(paint.fill)}"' if fill and paint.fill is not None else 'fill="none"'
        )
        if paint.stroke is not None:
            parts.append(f'stroke="{hex_colour(paint.stroke)}"')
            parts.append(f'stroke-width="{self.units(paint.line)}"')
            if paint.dashed:
                parts.append(f'stroke-dasharray="{self.units(1.2)} {self.units(1.2)}"')
        return " ".join(parts)

    def _print_rect(self, run: list[Shape]) -> str:
        d = "".join(
            f"M{number(s.x)} {number(s.y)}h{number(s.width)}v{number(s.height)}h{number(-s.width)}z"
            for s in run
        )
        return f'<path {self.attributes(run[0])} d="{d}"/>'

    def _print_line(self, run: list[Shape]) -> str:
        d = "".join(
            f"M{number(s.x)} {number(s.y)}l{number(s.width)} {number(s.height)}" for s in run
        )
        return f'<path {self.attributes(run[0], fill=False)} d="{d}"/>'

    def _print_circle(self, run: list[Shape]) -> str:
        s = run[0]
        return (
            f'<circle {self.attributes(s)} cx="{number(s.x)}" cy="{number(s.y)}" '
            f'r="{number(s.width)}"/>'
        )

    def _print_text(self, run: list[Shape]) -> str:
        s = run[0]
        size = s.size * MM_PER_PT / self.unit
        text = (
            f'<text class={quoteattr(s.role)} x="{number(s.x)}" y="{number(s.y)}" '
            f'font-size="{number(size)}" text-anchor="{SVG_ANCHORS[s.anchor]}" '
            f'dominant-baseline="central" fill="{hex_colour(s.paint.fill or "ink")}">'
            f"{escape(s.text)}</text>"
        )
        if not s.backdrop:
            return text
        width = text_width(s.text, s.size) / self.unit * 0.8
        height = text_height(s.size) / self.unit
        left = {"center": s.x - width / 2, "west": s.x, "east": s.x - width}[s.anchor]
        box = (
            f'<rect x="{number(left)}" y="{number(s.y - height / 2)}" width="{number(width)}" '
            f'height="{number(height)}" fill="#FFFFFF"/>'
        )
        return box + text
