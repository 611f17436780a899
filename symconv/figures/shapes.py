"""The drawing vocabulary of a figure: paints, colours, shapes and their labels.

A figure is a list of :class:`Shape` records in the figure's own units (``unit`` mm
each, y pointing down), each saying what it draws (``geometry``) and what it shows
(``role``, ``weight``, ``key``), so tests read the content and the printers read only
geometry and paint. Colours are named; a kernel weight ``k`` is the colour ``"w{k}"``.

>>> weight_rgb(0), weight_rgb(7), weight_tier(7)
((230, 159, 0), (230, 159, 0), 1)
>>> subscript(12), tex_label(__import__("sympy").Symbol("w0"))
('₁₂', 'w_{0}')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import sympy

#: Millimetres in a TeX point.
MM_PER_PT = 25.4 / 72.27

#: Widest and tallest a figure may be (mm): inside an article's text block after the
#: paragraph indent, so a picture dropped into a document never runs into the margin.
MAX_WIDTH = 110.0
MAX_HEIGHT = 180.0

#: Okabe & Ito's colour-blind-safe palette without black, ordered so that neighbouring
#: weights (neighbouring diagonals of T, and the last and first) differ by at least 12 in
#: CIE lightness L* (apart in greyscale) and by at least 33 in CIELAB under a simulated
#: deuteranopia (Machado et al. 2009). Weight k takes colour ``k % 7``; the tier
#: ``k // 7`` adds a white stripe pattern (:func:`weight_tier`), and cells big enough
#: carry k itself.
PALETTE: tuple[tuple[int, int, int], ...] = (
    (230, 159, 0),  # orange, L* 71
    (0, 158, 115),  # bluish green, L* 58
    (86, 180, 233),  # sky blue, L* 70
    (213, 94, 0),  # vermillion, L* 54
    (240, 228, 66),  # yellow, L* 89
    (204, 121, 167),  # reddish purple, L* 61
    (0, 114, 178),  # blue, L* 46
)

#: The colours that are not weights.
COLOURS: Mapping[str, tuple[int, int, int]] = {
    "ink": (0, 0, 0),
    "white": (255, 255, 255),
    "grid": (190, 190, 190),
    "rule": (110, 110, 110),
    "pad": (215, 215, 215),
    "pale": (236, 236, 236),
    "faint": (150, 150, 150),
    "output": (255, 246, 200),
}


def weight_rgb(k: int) -> tuple[int, int, int]:
    """The RGB colour of kernel weight ``k``."""
    return PALETTE[k % len(PALETTE)]


def weight_tier(k: int) -> int:
    """How many times the palette has come round before weight ``k``: 0 plain, 1 a
    diagonal stripe, 2 the other diagonal, 3 both, then again."""
    return (k // len(PALETTE)) % 4


def rgb(name: str) -> tuple[int, int, int]:
    """The RGB of a colour name: ``"w3"`` for weight 3, or a name in :data:`COLOURS`."""
    if name.startswith("w") and name[1:].isdigit():
        return weight_rgb(int(name[1:]))
    return COLOURS[name]


def luminance(colour: tuple[int, int, int]) -> float:
    """Relative luminance (WCAG), 0 black to 1 white."""

    def linear(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = map(linear, colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_colour(fill: str) -> str:
    """Black or white, whichever reads better on ``fill`` (white only on dark blue)."""
    return "white" if luminance(rgb(fill)) < 0.18 else "ink"


@dataclass(frozen=True)
class Paint:
    """How a shape is painted: fill and stroke colour names, line width (pt), dashes."""

    fill: str | None = None
    stroke: str | None = None
    line: float = 0.4
    dashed: bool = False


FILLED = Paint()
OUTLINE = Paint(stroke="ink")


@dataclass(frozen=True)
class Shape:
    """One thing drawn, in figure units with y down.

    ``geometry`` is ``"rect"`` (x, y, width, height), ``"line"`` (from (x, y) by
    (width, height)), ``"circle"`` (centre (x, y), radius ``width``) or ``"text"``
    (anchored at (x, y); ``text`` for SVG, ``tex`` for TikZ, ``size`` in pt).
    ``role`` says what it shows (``"entry"`` of T, ``"padding"`` cell, ``"edge"`` ...),
    ``weight`` the kernel index it holds, ``key`` its indices (e.g. ``(row, col)``).
    """

    geometry: str
    role: str
    x: float
    y: float
    width: float = 0.0
    height: float = 0.0
    paint: Paint = FILLED
    weight: int | None = None
    key: tuple[int, ...] = ()
    text: str = ""
    tex: str = ""
    size: float = 7.0
    anchor: str = "center"
    backdrop: bool = False


def cell(
    role: str,
    x: float,
    y: float,
    paint: Paint,
    weight: int | None = None,
    key: tuple = (),
    height: float = 1.0,
) -> Shape:
    """A cell one unit wide (and ``height`` tall) with its top-left corner at (x, y)."""
    return Shape("rect", role, x, y, 1.0, height, paint, weight, key)


def label(
    x: float,
    y: float,
    text: str,
    tex: str,
    size: float,
    role: str = "label",
    colour: str = "ink",
    anchor: str = "center",
    backdrop: bool = False,
) -> Shape:
    """A text at (x, y); its colour travels as the paint's fill."""
    return Shape(
        "text",
        role,
        x,
        y,
        paint=Paint(fill=colour),
        text=text,
        tex=tex,
        size=size,
        anchor=anchor,
        backdrop=backdrop,
    )


def tier_marks(
    x: float, y: float, size: float, k: int, role: str = "mark", height: float | None = None
) -> list[Shape]:
    """White diagonals over a cell of weight ``k`` past the palette's first round, so
    weights sharing a colour still differ (in greyscale and for every reader)."""
    tier = weight_tier(k)
    tall = size if height is None else height
    paint = Paint(stroke="white", line=0.6)
    marks = []
    if tier in (1, 3):
        marks.append(Shape("line", role, x, y + tall, size, -tall, paint, k))
    if tier in (2, 3):
        marks.append(Shape("line", role, x, y, size, tall, paint, k))
    return marks


# --- text ------------------------------------------------------------------------------

SUBSCRIPTS = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")


def subscript(*indices: int) -> str:
    """Unicode subscript digits for SVG text: ``subscript(1, 2) == '₁,₂'``."""
    return ",".join(str(i).translate(SUBSCRIPTS) for i in indices)


def tex_index(*indices: int) -> str:
    """``{1,2}`` for a TeX subscript."""
    return "{" + ",".join(map(str, indices)) + "}"


NARROW = frozenset("il.,:;|!'()[]1 ⋯·")
WIDE = frozenset("mwMW%#@&<>=+∂Σ")


def text_width(text: str, size: float) -> float:
    """A generous estimate of a text's width in mm: 0.55 em a character, 0.35 for narrow
    ones, 0.7 for capitals, 0.85 for wide letters and signs (set in Computer Modern)."""
    ems = sum(
        0.35 if c in NARROW else 0.85 if c in WIDE else 0.7 if c.isupper() else 0.55 for c in text
    )
    return ems * size * MM_PER_PT


def text_height(size: float) -> float:
    """The height a line of text at ``size`` pt takes, in mm."""
    return 1.3 * size * MM_PER_PT


TEX_COMMANDS = frozenset(
    "frac cdot left right sqrt times infty pi ldots cdots dots mathrm mathit mathbf "
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda "
    "mu nu xi omicron rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta "
    "Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split()
)
SAFE_TEX = re.compile(r"[A-Za-z0-9_{}\\ .,+\-*/()=^|']*")
TEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}


def tex_escape(text: str) -> str:
    """Plain text made safe for TeX's text mode; characters outside ASCII become ``?``
    (a document with only tikz loaded has no fonts for them)."""
    return "".join(TEX_SPECIALS.get(c, c if 32 <= ord(c) < 127 else "?") for c in text)


INDEXED = re.compile(r"([A-Za-z]+)(\d+)(?:_(\d+))?")


def indices_of(value: sympy.Expr) -> tuple[str, tuple[int, ...]] | None:
    """``("x", (1, 2))`` for the symbol ``x1_2`` that symconv names entries with."""
    if not isinstance(value, sympy.Symbol):
        return None
    match = INDEXED.fullmatch(value.name)
    if match is None:
        return None
    base, first, second = match.groups()
    return base, tuple(int(i) for i in (first, second) if i is not None)


def plain_label(value: sympy.Expr) -> str:
    """``value`` as SVG text: ``x₁,₂`` for the symbol ``x1_2``, else ``str(value)``."""
    indexed = indices_of(value)
    return str(value) if indexed is None else indexed[0] + subscript(*indexed[1])


def tex_label(value: sympy.Expr) -> str:
    """``value`` as math-mode LaTeX (``x_{1,2}`` for the symbol ``x1_2``), or as escaped
    text in an ``\\mbox`` when its LaTeX holds anything beyond plain math (a symbol named
    ``a<&>`` is data, not markup)."""
    indexed = indices_of(value)
    if indexed is not None:
        return indexed[0] + "_" + tex_index(*indexed[1])
    tex = sympy.latex(value)
    commands = re.findall(r"\\([A-Za-z]+|.)", tex)
    balanced = tex.count("{") == tex.count("}")
    if SAFE_TEX.fullmatch(tex) and balanced and all(c in TEX_COMMANDS for c in commands):
        return tex
    return r"\mbox{" + tex_escape(str(value)) + "}"


def math(tex: str) -> str:
    """``tex`` in math mode."""
    return f"${tex}$"


def fitting_size(text: str, room: float, sizes: tuple[float, ...] = (7.0, 5.0)) -> float | None:
    """The largest font size (pt) at which ``text`` fits in ``room`` mm, or None."""
    for size in sizes:
        if text_width(text, size) <= room and text_height(size) <= room * 1.1:
            return size
    return None


# --- options ---------------------------------------------------------------------------

LAYER_OPTIONS = ("stride", "padding", "dilation", "flip")


def layer_options(options: Mapping[str, object], extra: tuple[str, ...] = ()) -> dict[str, object]:
    """The layer options, refusing a name symconv's layers do not take.

    >>> layer_options({"stride": 2})
    {'stride': 2}
    >>> layer_options({"strides": 2})
    Traceback (most recent call last):
    ...
    TypeError: unknown option 'strides'; allowed: stride, padding, dilation, flip
    """
    allowed = LAYER_OPTIONS + extra
    for name in options:
        if name not in allowed:
            raise TypeError(f"unknown option {name!r}; allowed: {', '.join(allowed)}")
    return dict(options)


def collapse(value: object) -> object:
    """A pair of equal values as one, inside out: ``((1, 1), (1, 1))`` is ``1``."""
    if isinstance(value, tuple):
        items = tuple(collapse(v) for v in value)
        return items[0] if len(items) == 2 and items[0] == items[1] else items
    return value


def describe_layer(stride: object, padding: object, dilation: object, flip: bool) -> str:
    """One line naming a layer's stride, padding, dilation and flip; a value the same on
    both sides (or both axes) is said once.

    >>> describe_layer(2, (1, 2), 1, True)
    'stride 2, padding (1, 2), dilation 1, kernel flipped'
    >>> describe_layer((1, 1), ((1, 1), (0, 0)), (1, 1), False)
    'stride 1, padding (1, 0), dilation 1'
    """
    flipped = ", kernel flipped" if flip else ""
    parts = (collapse(stride), collapse(padding), collapse(dilation))
    return "stride {}, padding {}, dilation {}".format(*parts) + flipped
