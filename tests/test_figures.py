"""Figures: what is drawn is the layer (read back from the shapes, the SVG and the TikZ),
and every picture compiles with only ``\\usepackage{tikz}``."""

from __future__ import annotations

import re
import subprocess
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import sympy

from symconv import (
    band,
    band2d,
    conv1d_grads,
    conv2d,
    conv2d_grads,
    conv_transpose_matrix,
    symbolic_matrix,
    symbolic_vector,
    windows,
)
from symconv.figures import (
    Figure,
    Shape,
    connections,
    sliding_window,
    sliding_window2d,
    tie_pattern,
    tie_pattern2d,
    tie_set,
    tie_set2d,
)
from symconv.figures.printers import SvgPrinter
from symconv.figures.shapes import PALETTE

SVG = "{http://www.w3.org/2000/svg}"

# (kernel size, input length, options): stride, dilation, every kind of padding, flip, and
# kernels longer than the palette (weights 7 and 8 share colours 0 and 1, striped).
LAYERS_1D = [
    (3, 4, {}),
    (1, 3, {}),
    (3, 7, {"stride": 2}),
    (2, 6, {"dilation": 2}),
    (3, 5, {"padding": 1}),
    (3, 5, {"padding": (0, 2)}),
    (4, 6, {"padding": "same"}),
    (3, 4, {"padding": "full", "flip": True}),
    (3, 9, {"stride": 2, "dilation": 2, "padding": "full"}),
    (9, 20, {"padding": "valid"}),
]
LAYERS_2D = [
    ((2, 2), (3, 3), {}),
    ((2, 3), (4, 5), {"stride": (1, 2)}),
    ((3, 3), (5, 5), {"padding": "same"}),
    ((2, 2), (3, 4), {"padding": (1, 0)}),
    ((3, 3), (4, 4), {"padding": 1, "stride": 2}),
    ((2, 2), (4, 4), {"dilation": 2}),
    ((3, 3), (3, 3), {"padding": "full", "flip": True}),
]


def layer_id(layer: tuple) -> str:
    return "-".join(str(part) for part in layer).replace(" ", "")


def band_entries(t) -> list[tuple[int, int, int]]:
    return sorted((i, j, k) for (i, j), k in t.ties.items())


def by_weight(cells) -> dict[int, set[tuple[int, int]]]:
    sets: dict[int, set[tuple[int, int]]] = {}
    for i, j, k in cells:
        sets.setdefault(k, set()).add((i, j))
    return sets


def frame_origin(figure: Figure) -> tuple[float, float]:
    (frame,) = [s for s in figure.shapes if s.role == "frame"]
    return frame.x, frame.y


def svg_cells(figure: Figure) -> dict[int, tuple[str, set[tuple[int, int]]]]:
    """Read the SVG back: for each weight, the fill of its entry paths and the cells
    they cover, as (row, col) of T."""
    left, top = frame_origin(figure)
    root = ElementTree.fromstring(figure.to_svg())
    found: dict[int, tuple[str, set[tuple[int, int]]]] = {}
    for path in root.iter(f"{SVG}path"):
        classes = path.get("class", "").split()
        if classes[:1] != ["entry"]:
            continue
        k = int(classes[1][1:])
        cells = {
            (round(float(y) - top), round(float(x) - left))
            for x, y in re.findall(r"M([\d.]+) ([\d.]+)h1v1h-1z", path.get("d", ""))
        }
        fill, already = found.get(k, (path.get("fill", ""), set()))
        assert path.get("fill") == fill  # one colour per weight
        found[k] = (fill, already | cells)
    return found


def tikz_cells(figure: Figure) -> dict[str, set[tuple[int, int]]]:
    """Read the TikZ back: for each fill colour, the unit cells it fills, as (row, col)."""
    left, top = frame_origin(figure)
    found: dict[str, set[tuple[int, int]]] = {}
    for colour, body in re.findall(r"\\fill\[(sc\w+)\] ([^;]*);", figure.to_tikz()):
        for x, y in re.findall(r"\(([\d.]+),([\d.]+)\)rectangle\+\(1,1\)", body):
            found.setdefault(colour, set()).add((round(float(y) - top), round(float(x) - left)))
    return found


# --- tie patterns ------------------------------------------------------------------------


@pytest.mark.parametrize("layer", LAYERS_1D, ids=layer_id)
def test_tie_pattern_draws_the_band_one_colour_per_tie_set(layer):
    size, length, options = layer
    w = symbolic_vector("w", size)
    t = band(w, length, **options)
    figure = tie_pattern(w, length, **options)
    assert list(figure.cells) == band_entries(t)
    assert len(figure.cells) == t.nnz
    assert by_weight(figure.cells) == {k: set(s) for k, s in t.tie_sets().items() if s}
    drawn = svg_cells(figure)
    assert {k: cells for k, (_, cells) in drawn.items()} == by_weight(figure.cells)
    first_round = [fill for k, (fill, _) in sorted(drawn.items()) if k < len(PALETTE)]
    assert len(set(first_round)) == len(first_round)  # distinct colours before the stripes
    tikz = tikz_cells(figure)
    for k, cells in by_weight(figure.cells).items():
        assert tikz[f"scw{k}"] == cells
        marks = [s for s in figure.shapes if s.role == "mark" and s.weight == k]
        assert len(marks) == (0 if k < len(PALETTE) else len(cells))  # the stripe pattern


@pytest.mark.parametrize("layer", LAYERS_2D, ids=layer_id)
def test_tie_pattern2d_draws_the_doubly_block_band(layer):
    kernel_shape, image_shape, options = layer
    k = symbolic_matrix("k", *kernel_shape)
    t = band2d(k, image_shape, **options)
    figure = tie_pattern2d(k, image_shape, **options)
    assert list(figure.cells) == band_entries(t)
    assert len(figure.cells) == t.nnz
    assert by_weight(figure.cells) == {w: set(s) for w, s in t.tie_sets().items() if s}
    assert {w: cells for w, (_, cells) in svg_cells(figure).items()} == by_weight(figure.cells)
    output_rows, output_cols = conv2d(symbolic_matrix("x", *image_shape), k, **options).shape
    blocks = [s for s in figure.shapes if s.role == "block"]
    horizontal = [s.y for s in blocks if s.height == 0]
    vertical = [s.x for s in blocks if s.width == 0]
    left, top = frame_origin(figure)
    assert [y - top for y in horizontal] == [output_cols * r for r in range(1, output_rows)]
    assert [x - left for x in vertical] == [image_shape[1] * r for r in range(1, image_shape[0])]


def test_transposed_tie_pattern_is_the_transposed_convolutions_matrix():
    w = symbolic_vector("w", 3)
    figure = tie_pattern(w, 6, stride=2, transposed=True)
    forward = band(w, 6, stride=2)
    assert sorted((i, j, k) for j, i, k in figure.cells) == band_entries(forward)
    # conv_transpose1d of the 2 outputs back to length 6 needs output_padding 1
    matrix = conv_transpose_matrix(w, 2, stride=2, output_padding=1)
    assert matrix.shape == (6, 2)
    assert {(i, j): w[k] for i, j, k in figure.cells} == {
        (i, j): matrix[i, j] for i in range(6) for j in range(2) if matrix[i, j] != 0
    }


def test_small_cells_carry_their_weight_index_and_big_bands_drop_the_labels():
    small = tie_pattern([5, 6, 7], 4)
    numbers = [s for s in small.shapes if s.role == "entry label"]
    assert sorted((s.text, s.tex) for s in numbers) == sorted(
        (str(k), str(k)) for _, _, k in small.cells
    )
    big = tie_pattern(symbolic_vector("w", 9), 256)
    assert not [s for s in big.shapes if s.role in ("entry label", "index", "grid")]
    assert len(big.cells) == 248 * 9  # the whole band, not elided
    assert big.size_mm[0] <= 112


def test_legend_names_each_weight_and_its_value():
    figure = tie_pattern([5, 6, 7], 4)
    names = [s.text for s in figure.shapes if s.role == "legend" and s.anchor == "west"]
    assert names == ["w₀ = 5", "w₁ = 6", "w₂ = 7"]
    symbolic = tie_pattern(symbolic_vector("w", 2), 3)
    names = [s.tex for s in symbolic.shapes if s.role == "legend" and s.anchor == "west"]
    assert names == ["$w_{0}$", "$w_{1}$"]


# --- tie sets ----------------------------------------------------------------------------


def gradient_pairs(expression: sympy.Expr) -> set[tuple[str, str]]:
    """The (g, x) symbol names of each product in a gradient."""
    pairs = set()
    for term in sympy.Add.make_args(sympy.expand(expression)):
        g, x = sorted(term.free_symbols, key=lambda s: s.name)
        pairs.add((g.name, x.name))
    return pairs


@pytest.mark.parametrize("layer", LAYERS_1D, ids=layer_id)
def test_tie_set_highlights_the_set_and_sums_its_gradient(layer):
    size, length, options = layer
    w, x = symbolic_vector("w", size), symbolic_vector("x", length)
    t = band(w, length, **options)
    g = symbolic_vector("g", t.shape[0])
    _, grad_w = conv1d_grads(x, w, g, **options)
    for k in range(size):
        figure = tie_set(w, length, k, **options)
        assert list(figure.highlighted) == t.tie_sets()[k]
        assert list(figure.cells) == band_entries(t)  # the rest of the band, pale
        pale = {(s.key[0], s.key[1]) for s in figure.shapes if s.paint.fill == "pale"}
        assert pale == {(i, j) for i, j, kk in figure.cells if kk != k}
        pairs = re.findall(r"g_\{(\d+)\}\\, x_\{(\d+)\}", figure.formula_tex)
        assert {(f"g{i}", f"x{j}") for i, j in pairs} == gradient_pairs(grad_w[k])
        assert figure.formula.startswith(f"∂L/∂w{'₀₁₂₃₄₅₆₇₈'[k]} = ")


@pytest.mark.parametrize("layer", LAYERS_2D, ids=layer_id)
def test_tie_set2d_highlights_the_set_and_sums_its_gradient(layer):
    kernel_shape, image_shape, options = layer
    kernel, image = symbolic_matrix("k", *kernel_shape), symbolic_matrix("x", *image_shape)
    t = band2d(kernel, image_shape, **options)
    g = symbolic_matrix("g", *conv2d(image, kernel, **options).shape)
    _, grad_k = conv2d_grads(image, kernel, g, **options)
    a, b = kernel_shape[0] - 1, 0
    figure = tie_set2d(kernel, image_shape, (a, b), **options)
    assert list(figure.highlighted) == t.tie_sets()[a * kernel_shape[1] + b]
    pairs = re.findall(r"g_\{(\d+),(\d+)\}\\, x_\{(\d+),(\d+)\}", figure.formula_tex)
    expected = gradient_pairs(grad_k[a, b])
    assert {(f"g{i}_{j}", f"x{r}_{c}") for i, j, r, c in pairs} == expected


def test_a_long_tie_set_is_elided_in_the_middle_and_says_how_many_terms():
    figure = tie_set(symbolic_vector("w", 9), 256, 4)
    lines = [s.text for s in figure.shapes if s.role == "formula"]
    assert lines[-1] == "(248 terms, one per highlighted entry)"
    assert lines[-2].startswith("+ ⋯ + g₂₄₇x₂₅₁")
    assert len(figure.formula.split(" + ")) == 248  # the whole sum is kept as data


# --- sliding windows ---------------------------------------------------------------------


def padding_sides(size: int, options: dict) -> tuple[int, int]:
    """Zeros before and after the input, by PyTorch's rules (written out again here)."""
    padding, dilation = options.get("padding", 0), options.get("dilation", 1)
    span = dilation * (size - 1)
    rules = {"valid": (0, 0), "same": (span // 2, span - span // 2), "full": (span, span)}
    if isinstance(padding, str):
        return rules[padding]
    return padding if isinstance(padding, tuple) else (padding, padding)


@pytest.mark.parametrize("layer", LAYERS_1D, ids=layer_id)
def test_window_covers_exactly_the_inputs_output_i_reads(layer):
    size, length, options = layer
    x, w = symbolic_vector("x", length), symbolic_vector("w", size)
    stride, dilation = options.get("stride", 1), options.get("dilation", 1)
    left, right = padding_sides(size, options)
    reads = windows(x, size, **{k: v for k, v in options.items() if k != "flip"})
    for i in range(len(reads)):
        figure = sliding_window(x, w, i, **options)
        positions = [i * stride + k * dilation for k in range(size)]
        assert [t.padded for t in figure.window] == positions
        assert [t.padding for t in figure.window] == [not 0 <= p - left < length for p in positions]
        values = [0 if t.input is None else x[t.input] for t in figure.window]
        assert values == list(reads[i])
        flipped = options.get("flip", False)
        assert [t.weight for t in figure.window] == [
            size - 1 - k if flipped else k for k in range(size)
        ]
        read = sorted(s.key[1] for s in figure.shapes if s.role == "read")
        assert read == positions
        padding = {s.key[1] for s in figure.shapes if s.role == "padding"}
        assert padding == set(range(left)) | set(range(left + length, left + length + right))
        assert all(
            s.paint.dashed and s.paint.fill == "pad" for s in figure.shapes if s.role == "padding"
        )
        zeros = [s for s in figure.shapes if s.role == "label" and s.text == "0"]
        assert len(zeros) == len(padding)
        chosen = [s.key for s in figure.shapes if s.role == "output" and s.paint.line > 1]
        assert chosen == [(i,)]


def test_a_strip_shows_the_first_three_outputs_one_panel_each():
    figure = sliding_window(symbolic_vector("x", 6), [1, 2, 3], stride=2, padding=1)
    assert sorted({t.output for t in figure.window}) == [0, 1, 2]
    titles = [s.text for s in figure.shapes if s.role == "title"]
    assert titles[0] == "output i = 0: z₀ = 2·x₀ + 3·x₁"
    assert len(titles) == 3
    short = sliding_window([1, 2], [1, 2])
    assert [t.output for t in short.window] == [0, 0]


@pytest.mark.parametrize("layer", LAYERS_2D, ids=layer_id)
def test_window2d_covers_exactly_the_pixels_output_i_reads(layer):
    kernel_shape, image_shape, options = layer
    kernel = symbolic_matrix("k", *kernel_shape)
    stride = options.get("stride", 1)
    stride = stride if isinstance(stride, tuple) else (stride, stride)
    dilation = options.get("dilation", 1)
    padding = options.get("padding", 0)
    tops = [
        padding_sides(kernel_shape[axis], {"padding": p, "dilation": dilation})[0]
        for axis, p in enumerate(padding if isinstance(padding, tuple) else (padding, padding))
    ]
    figure = sliding_window2d(image_shape, kernel, (0, 1) if layer[2] != {} else (1, 1), **options)
    (oi, oj) = figure.window[0].output
    expected = [
        (oi * stride[0] + a * dilation, oj * stride[1] + b * dilation)
        for a in range(kernel_shape[0])
        for b in range(kernel_shape[1])
    ]
    assert [t.padded for t in figure.window] == expected
    for t in figure.window:
        r, c = t.padded[0] - tops[0], t.padded[1] - tops[1]
        inside = 0 <= r < image_shape[0] and 0 <= c < image_shape[1]
        assert t.input == ((r, c) if inside else None)
    coloured = {(s.key[2], s.key[3]): s.weight for s in figure.shapes if s.role.startswith("read")}
    kw = kernel_shape[1]
    assert coloured == {t.padded: t.weight[0] * kw + t.weight[1] for t in figure.window}
    dashed = {(s.key[2], s.key[3]) for s in figure.shapes if s.role == "read padding"}
    assert dashed == {t.padded for t in figure.window if t.padding}


def test_window2d_takes_values_and_names_the_sum():
    figure = sliding_window2d([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0], [0, -1]], (1, 1))
    (title,) = [s.text for s in figure.shapes if s.role == "title"]
    assert title == "output (1, 1): z₁,₁ = 1·5 + 0·6 + 0·8 + (-1)·9"


# --- connections -------------------------------------------------------------------------


@pytest.mark.parametrize("layer", LAYERS_1D, ids=layer_id)
def test_connections_dense_local_and_convolutional(layer):
    size, length, options = layer
    t = band(symbolic_vector("w", size), length, **options)
    m, n = t.shape
    figure = connections(length, size, **options)
    panels = [sorted(e[1:] for e in figure.edges if e[0] == p) for p in range(3)]
    assert panels[0] == [(i, j, None) for i in range(m) for j in range(n)]
    assert panels[1] == [(i, j, None) for i, j, _ in band_entries(t)]
    assert panels[2] == band_entries(t)
    for s in figure.shapes:
        if s.role == "edge" and s.weight is not None:
            assert s.paint.stroke == f"w{s.weight}"
            assert s.paint.dashed == (s.weight >= len(PALETTE))


# --- SVG, TikZ and files -----------------------------------------------------------------


def every_figure() -> dict[str, Figure]:
    w, x = symbolic_vector("w", 3), symbolic_vector("x", 6)
    k = symbolic_matrix("k", 2, 2)
    return {
        "tie pattern": tie_pattern(w, 6, padding=1),
        "tie pattern, transposed": tie_pattern([5, 6, 7], 6, stride=2, transposed=True),
        "tie pattern 256x9": tie_pattern(symbolic_vector("w", 9), 256),
        "tie set": tie_set(w, 8, 1, stride=2, padding=1),
        "tie set 256x9": tie_set(symbolic_vector("w", 9), 256, 4),
        "sliding window strip": sliding_window(x, w, stride=2, padding=1),
        "sliding window": sliding_window([1, 2, 3, 4, 5], [5, 6, 7], 1, dilation=2, padding="same"),
        "connections": connections(6, 3, padding=1),
        "connections, 9 taps": connections(12, 9, padding="same"),
        "tie pattern 2-D": tie_pattern2d(k, (3, 4), padding=(1, 0)),
        "tie set 2-D": tie_set2d(symbolic_matrix("k", 3, 3), (4, 4), (1, 2), stride=2),
        "sliding window 2-D strip": sliding_window2d((4, 4), symbolic_matrix("k", 3, 3), padding=1),
        "sliding window 2-D": sliding_window2d([[1, 2], [3, 4]], [[5, 6], [7, 8]], (0, 0), padding="full"),
        "odd names": sliding_window([sympy.Symbol("a<&>"), 2, 3], [sympy.Symbol("w%$#_"), 1]),
    }  # fmt: skip


FIGURES = every_figure()


@pytest.mark.parametrize("name", FIGURES)
def test_svg_parses_and_fits_the_page(name):
    figure = FIGURES[name]
    root = ElementTree.fromstring(figure.to_svg())
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text == figure.title
    width, height = figure.size_mm
    assert root.get("width") == f"{round(width, 2):g}mm"
    assert width <= 112 and height <= 185
    assert figure.to_svg() == figure._repr_svg_()


def test_names_with_markup_characters_are_escaped():
    figure = FIGURES["odd names"]
    svg = figure.to_svg()
    assert "a&lt;&amp;&gt;" in svg and "a<&>" not in svg
    texts = [t.text for t in ElementTree.fromstring(svg).iter(f"{SVG}text")]
    assert "a<&>" in texts
    tikz = figure.to_tikz()
    assert r"\mbox{a\textless{}\&\textgreater{}}" in tikz
    assert r"\mbox{w\%\$\#\_}" in tikz


def test_figures_are_deterministic():
    again = every_figure()
    for name, figure in FIGURES.items():
        assert again[name] == figure
        assert again[name].to_tikz() == figure.to_tikz()


def compile_document(pdflatex: str, folder: Path, body: str) -> str:
    tex = folder / "figure.tex"
    tex.write_text(body, encoding="utf-8")
    result = subprocess.run(
        [pdflatex, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", tex.name],
        cwd=folder,
        capture_output=True,
        timeout=120,
        check=False,
    )
    log = (folder / "figure.log").read_text(errors="replace")
    assert result.returncode == 0, log[-3000:]
    return log


@pytest.mark.parametrize("name", FIGURES)
def test_tikz_compiles_with_only_tikz_loaded(name, pdflatex, tmp_path):
    document = (
        "\\documentclass{article}\n\\usepackage{tikz}\n\\begin{document}\n"
        + FIGURES[name].to_tikz()
        + "\n\\end{document}\n"
    )
    log = compile_document(pdflatex, tmp_path, document)
    assert "Overfull" not in log
    assert "Warning" not in log.replace("LaTeX Font Warning", "")
    assert (tmp_path / "figure.pdf").stat().st_size > 1000


def test_save_writes_tex_svg_and_pdf_atomically(pdflatex, tmp_path):
    figure = FIGURES["tie set"]
    out = tmp_path / "out"
    out.mkdir()
    for suffix in (".tex", ".svg", ".pdf"):
        path = figure.save(out / f"figure{suffix}")
        assert path == out / f"figure{suffix}"
    assert (out / "figure.pdf").read_bytes().startswith(b"%PDF")
    ElementTree.parse(out / "figure.svg")
    log = compile_document(pdflatex, tmp_path, (out / "figure.tex").read_text())
    assert "Overfull" not in log
    assert sorted(p.name for p in out.iterdir()) == ["figure.pdf", "figure.svg", "figure.tex"]


def test_a_picture_pdflatex_rejects_is_a_runtime_error_and_writes_nothing(pdflatex, tmp_path):
    broken = Figure("demo", "broken", 10, 10, 1.0, (Shape("text", "label", 1, 1, tex=r"\nosuch"),))
    with pytest.raises(
        RuntimeError,
        match=r"pdflatex failed on the figure \(exit status 1\): ! Undefined control sequence",
    ):
        broken.save(tmp_path / "figure.pdf")
    assert list(tmp_path.iterdir()) == []


def test_save_pdf_without_pdflatex_names_it(monkeypatch, tmp_path):
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(FileNotFoundError, match="pdflatex is not installed"):
        FIGURES["tie set"].save(tmp_path / "figure.pdf")
    assert list(tmp_path.iterdir()) == []


def test_save_refuses_an_unknown_extension(tmp_path):
    with pytest.raises(ValueError, match=r"'\.png'; use one of \.tex, \.svg, \.pdf"):
        FIGURES["tie set"].save(tmp_path / "figure.png")
    with pytest.raises(ValueError, match=r"'\(none\)'"):
        FIGURES["tie set"].save(tmp_path / "figure")


def test_a_256_input_9_tap_tie_pattern_is_fast_and_small():
    w = symbolic_vector("w", 9)
    start = time.perf_counter()
    figure = tie_pattern(w, 256)
    tikz, svg = figure.to_tikz(), figure.to_svg()
    assert time.perf_counter() - start < 1.0
    # 2232 cells at about 30 bytes of TikZ and 20 of SVG each, one path per weight
    assert len(tikz) < 80_000 and len(svg) < 60_000
    assert tikz.count(r"\fill[scw") <= 9 * 2


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: sliding_window([1, 2, 3], [1, 2], 2), ValueError, r"i=2 is out of range: the 2 outputs of this layer are 0\.\.1"),
        (lambda: sliding_window([1, 2, 3], [1, 2], -1), ValueError, r"i=-1 is out of range"),
        (lambda: sliding_window([1, 2, 3], [1, 2], "0"), TypeError, r"i must be an integer in 0\.\.1 .*got '0'"),
        (lambda: sliding_window([1, 2, 3], [1, 2], strides=2), TypeError, r"unknown option 'strides'; allowed: stride, padding, dilation, flip"),
        (lambda: sliding_window("abc", [1, 2]), TypeError, r"strings are never evaluated"),
        (lambda: tie_set([1, 2, 3], 4, 3), ValueError, r"k=3 is out of range: the weights of this 3-tap kernel are 0\.\.2"),
        (lambda: tie_set([1, 2, 3], 4, 0, transposed=True), TypeError, r"unknown option 'transposed'"),
        (lambda: tie_pattern([1, 2, 3], 4, transposed="yes"), TypeError, r"transposed must be True or False, got 'yes'"),
        (lambda: tie_pattern([1, 2, 3], 4, padding="sme"), ValueError, r"padding 'sme' is not a padding word"),
        (lambda: tie_pattern([1, 2, 3], 2), ValueError, r"spans 3 positions"),
        (lambda: tie_pattern2d([[1, 2], [3]], (3, 3)), ValueError, r"rows of different lengths"),
        (lambda: tie_set2d([[1, 2], [3, 4]], (3, 3), 1), TypeError, r"k must be a pair \(row, col\) of kernel indices, got 1"),
        (lambda: tie_set2d([[1, 2], [3, 4]], (3, 3), (0, 2)), ValueError, r"k\[1\]=2 is out of range: the kernel's columns are 0\.\.1"),
        (lambda: sliding_window2d((3, 3), [[1, 2], [3, 4]], (2, 0)), ValueError, r"i\[0\]=2 is out of range: the 2 output rows are 0\.\.1"),
        (lambda: sliding_window2d((3, 3), [[1, 2], [3, 4]], 3), TypeError, r"i must be a pair \(row, col\)"),
        (lambda: sliding_window2d((3, 3), 5), TypeError, r"kernel must be a sympy Matrix or a non-empty list of rows, got 5"),
        (lambda: connections(65, 3), ValueError, r"input_length=65 is too many nodes to draw apart; use at most 64"),
        (lambda: connections(8, 3, dilations=2), TypeError, r"unknown option 'dilations'"),
    ],
)  # fmt: skip
def test_bad_input_names_the_value_and_what_is_allowed(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_printer_refuses_a_shape_it_cannot_draw():
    with pytest.raises(TypeError, match=r"SvgPrinter cannot draw a shape of geometry 'star'"):
        SvgPrinter(1.0).body([Shape("star", "entry", 0, 0)])


def test_a_band_too_big_to_draw_is_refused():
    with pytest.raises(ValueError, match=r"T has 102400 entries, more than 100000"):
        tie_pattern(symbolic_vector("w", 25), 4120)


def test_neighbouring_weights_differ_in_greyscale():
    def lightness(colour: tuple[int, int, int]) -> float:
        r, g, b = (c / 255 for c in colour)
        r, g, b = (v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in (r, g, b))
        y = 0.2126 * r + 0.7152 * g + 0.0722 * b
        return 116 * y ** (1 / 3) - 16

    ring = list(PALETTE) + [PALETTE[0]]
    gaps = [abs(lightness(a) - lightness(b)) for a, b in zip(ring, ring[1:])]
    assert min(gaps) >= 12
    assert len(set(PALETTE)) == len(PALETTE) == 7


def test_convolutional_edges_carry_their_weight_index_when_there_is_room():
    figure = connections(6, 3, padding=1)
    labels = sorted(int(s.text) for s in figure.shapes if s.role == "edge label")
    assert labels == sorted(k for _, _, _, k in figure.edges if k is not None)
    crowded = connections(12, 9, padding="same")
    assert not [s for s in crowded.shapes if s.role == "edge label"]


def test_a_long_input_is_drawn_whole_with_flat_cells():
    x, w = symbolic_vector("x", 256), symbolic_vector("w", 9)
    figure = sliding_window(x, w, 100, padding="same")
    assert [t.padded for t in figure.window] == list(range(100, 109))
    cells = [s for s in figure.shapes if s.role in ("input", "padding")]
    assert len(cells) == 256 + 8
    assert {s.key[1] for s in cells if s.role == "padding"} == {0, 1, 2, 3, 260, 261, 262, 263}
    read = {s.key[1]: s.paint.fill for s in figure.shapes if s.role == "read"}
    assert read == {100 + k: f"w{k}" for k in range(9)}
    assert figure.size_mm[0] <= 112
