"""Pictures of a convolution layer, written by hand as TikZ and SVG.

Sliding windows, tie patterns of T, tie sets with their gradient sums, and the graphs of
dense, locally connected and convolutional layers, in 1-D and 2-D, for any stride,
padding, dilation and flip. Each function returns a :class:`Figure`: its shapes and what
they show (``cells``, ``highlighted``, ``window``, ``edges``), printed by ``to_tikz()``
(a ``tikzpicture`` needing only ``\\usepackage{tikz}``), ``to_svg()`` or ``save(path)``
(``.tex``, ``.svg``, ``.pdf``). Colours are Okabe & Ito's colour-blind-safe palette, and
every weight also carries its index or a stripe pattern, so greyscale prints read too.

>>> from symconv.figures import tie_pattern
>>> figure = tie_pattern([5, 6, 7], 4)
>>> figure.cells[:3]
((0, 0, 0), (0, 1, 1), (0, 2, 2))
>>> figure.to_tikz().splitlines()[0]
'\\\\begin{tikzpicture}[x=6mm,y=-6mm]'
"""

from __future__ import annotations

from symconv.figures.figure import Figure, WindowTap
from symconv.figures.graphs import connections
from symconv.figures.matrices import tie_pattern, tie_pattern2d, tie_set, tie_set2d
from symconv.figures.shapes import Paint, Shape
from symconv.figures.windows import sliding_window, sliding_window2d

__all__ = [
    "connections",
    "Figure",
    "Paint",
    "Shape",
    "sliding_window",
    "sliding_window2d",
    "tie_pattern",
    "tie_pattern2d",
    "tie_set",
    "tie_set2d",
    "WindowTap",
]
