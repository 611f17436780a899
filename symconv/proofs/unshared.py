"""Unshared and tiled convolution proved: ``z = T x`` over the convolution's band with its
own tie map, and each weight's gradient the sum over its tie set (one entry, unshared).

Every claim is also compared with a literal definition written from the *Deep Learning*
book's eq. 9.9 (locally connected) and 9.10 (tiled) by plain loops: the input padded
explicitly, the window read at ``i*s + k*d``, the kernel chosen by the output position,
the loss differentiated by reading which products hold each symbol. :func:`compare_layers`
sets the four layers of one shape side by side: dense, locally connected, tiled,
convolution.

Examples
========

>>> from sympy import Matrix
>>> from symconv import symbolic_vector, symbolic_matrix
>>> x, g = symbolic_vector("x", 4), symbolic_vector("g", 3)
>>> proof = prove_locally_connected(x, symbolic_matrix("W", 3, 2), g)
>>> proof.holds, proof.step("tie sets").details["sizes"]
(True, {1: 6})
>>> print(compare_layers(4, 2, tile=2))
layer              parameters  nonzeros       tie sets  gradient of the first weight
dense                      12        12         12 x 1  dL/dU0_0 = g0*x0
locally connected           6         6          6 x 1  dL/dW0_0 = g0*x0
tiled (t = 2)               4         6  2 x 2 + 2 x 1  dL/dK0_0 = g0*x0 + g2*x2
convolution                 2         6          2 x 3  dL/dw0 = g0*x0 + g1*x1 + g2*x2
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sympy
from sympy import Dummy, Expr, MatrixBase, S, Symbol

from symconv.core.engine import dot, in_session, pair_product, total
from symconv.core.images import symbolic_matrix
from symconv.core.numbers import as_int
from symconv.core.vectors import as_entry, symbolic_vector
from symconv.layout.grid import ConvSettings2D
from symconv.ops.banded import BandedMatrix, band_from_settings
from symconv.ops.gradients import derive_gradients
from symconv.ops.sliding import sliding_outputs
from symconv.ops.unshared import (
    DenseLayout,
    UnsharedLayer,
    convolution_layer,
    data_rows,
    locally_connected_layer,
    read_upstream,
    tiled_layer,
    unshared_band,
)
from symconv.proofs.proof import Proof, Step, check, observe
from symconv.proofs.references import literal_padding, per_axis
from symconv.proofs.tied import untied_gradients

# --- the literal definitions, eq. 9.9 and 9.10 by plain loops --------------------------------
#
# Written from the book's equations on purpose, sharing no index rule with symconv.layout
# or symconv.ops: the padding words resolved by each framework's stated rule, the input
# padded with explicit zeros, the window read at i*s + k*d of the padded input, the kernel
# picked by the output position (its own, or the one of its residue mod t), and the loss
# L = sum g z differentiated by collecting, for each symbol, the products that hold it.


def nested(flat: Sequence[Any], shape: Sequence[int]) -> Any:
    """Flat row-major entries as nested lists of the shape.

    >>> nested([1, 2, 3, 4, 5, 6], (2, 3))
    [[1, 2, 3], [4, 5, 6]]
    """
    if len(shape) <= 1:
        return list(flat)
    size = len(flat) // shape[0]
    return [nested(flat[a * size : (a + 1) * size], shape[1:]) for a in range(shape[0])]


@dataclass(frozen=True)
class Literal:
    """What the literal definition gives: outputs, weight gradients (in the order the
    weights were given) and input gradients, each flat."""

    outputs: list[Expr]
    grad_w: list[Expr]
    grad_x: list[Expr]


def literal_layer(layer: UnsharedLayer, g: Sequence[Expr], request: dict[str, Any]) -> Literal:
    """Eq. 9.9 (locally connected) or 9.10 (tiled, 0-based: kernel ``j mod t``) by loops,
    from the input and weights as given and the options as requested."""
    dims, channels = layer.dims, layer.channels
    c_in = layer.input_shape[0] if channels else 1
    spatial_in = layer.input_shape[1:] if channels else layer.input_shape
    x = nested(layer.x, (c_in, *spatial_in))
    shape = layer.weight_shape
    if layer.kind == "locally connected":
        kernel = shape[-dims:]
        if not channels:  # (positions, offsets) -> (1, positions, 1, offsets)
            shape = (1, *shape[:dims], 1, *kernel)
    else:
        lead = 0 if layer.kind == "convolution" else dims
        kernel = shape[-dims:]
        if not channels:  # (tiles, offsets) -> (tiles, 1, 1, offsets)
            shape = (*shape[:lead], 1, 1, *kernel)
    weights = nested(list(range(len(layer.w))), shape)  # each slot holds its flat index
    c_out = shape[0] if layer.kind == "locally connected" else shape[-dims - 2]
    period = layer.weight_shape[0] if layer.kind == "tiled" else 1
    strides = [int(v) for v in per_axis(request["stride"], dims)]  # type: ignore[call-overload]
    dilations = [int(v) for v in per_axis(request["dilation"], dims)]  # type: ignore[call-overload]
    paddings = per_axis(request["padding"], dims)
    pads = [
        literal_padding(paddings[a], kernel[a], dilations[a], spatial_in[a], strides[a])
        for a in range(dims)
    ]
    outputs: list[list[Expr]] = []
    by_weight: list[list[Expr]] = [[] for _ in layer.w]
    by_input: list[list[Expr]] = [[] for _ in layer.x]
    spatial_size = 1
    for length in spatial_in:
        spatial_size *= length
    if dims == 1:
        (left, right), (K,), (s,), (d,), (L,) = pads[0], kernel, strides, dilations, spatial_in
        padded = [[None] * left + list(range(L)) + [None] * right for _ in range(c_in)]
        count = (left + L + right - (K - 1) * d - 1) // s + 1
        for o in range(c_out):
            for i in range(count):
                terms = []
                for c in range(c_in):
                    for k in range(K):
                        q = padded[c][i * s + k * d]
                        if layer.kind == "locally connected":
                            slot = weights[o][i][c][k]
                        elif layer.kind == "tiled":
                            slot = weights[i % period][o][c][k]
                        else:
                            slot = weights[o][c][k]
                        if q is None:
                            continue  # a zero of the padding
                        n = len(outputs)
                        terms.append(x[c][q] * layer.w[slot])
                        by_weight[slot].append(g[n] * x[c][q])
                        by_input[c * spatial_size + q].append(g[n] * layer.w[slot])
                outputs.append(terms)
    else:
        (top, bottom), (lft, rgt) = pads
        (kh, kw), (sh, sw), (dh, dw), (H, W) = kernel, strides, dilations, spatial_in
        rows_ = [None] * top + list(range(H)) + [None] * bottom
        cols_ = [None] * lft + list(range(W)) + [None] * rgt
        out_h = (top + H + bottom - (kh - 1) * dh - 1) // sh + 1
        out_w = (lft + W + rgt - (kw - 1) * dw - 1) // sw + 1
        for o in range(c_out):
            for i in range(out_h):
                for j in range(out_w):
                    terms = []
                    for c in range(c_in):
                        for m in range(kh):
                            for n_ in range(kw):
                                r, q = rows_[i * sh + m * dh], cols_[j * sw + n_ * dw]
                                if layer.kind == "locally connected":
                                    slot = weights[o][i][j][c][m][n_]
                                elif layer.kind == "tiled":
                                    slot = weights[i % period][j % period][o][c][m][n_]
                                else:
                                    slot = weights[o][c][m][n_]
                                if r is None or q is None:
                                    continue
                                n = len(outputs)
                                terms.append(x[c][r][q] * layer.w[slot])
                                by_weight[slot].append(g[n] * x[c][r][q])
                                by_input[c * spatial_size + r * W + q].append(g[n] * layer.w[slot])
                    outputs.append(terms)
    return Literal(
        [sympy.Add(*t) for t in outputs],
        [sympy.Add(*t) for t in by_weight],
        [sympy.Add(*t) for t in by_input],
    )


# --- the steps ------------------------------------------------------------------------------


def claimed_product(matrix: object, vector: Sequence[Expr], shape: tuple[int, int]) -> list[Expr]:
    """``matrix * vector`` for a matrix someone claims (dense or banded), over its nonzero
    entries."""
    if isinstance(matrix, BandedMatrix):
        if matrix.shape != shape:
            raise ValueError(
                f"the claimed matrix has shape {matrix.shape}; this layer needs {shape}"
            )
        return matrix.matvec(vector)
    if not isinstance(matrix, MatrixBase):
        raise TypeError(
            f"matrix must be a sympy Matrix or a BandedMatrix, got {type(matrix).__name__}"
        )
    if matrix.shape != shape:
        raise ValueError(f"the claimed matrix has shape {matrix.shape}; this layer needs {shape}")
    rows: list[list[tuple[Expr, Expr]]] = [[] for _ in range(shape[0])]
    for (i, j), entry in sorted(matrix.todok().items()):
        rows[i].append((entry, vector[j]))
    return [dot(row) for row in rows]


def flat_entries(value: object, name: str) -> list[Expr]:
    """Every entry of a (nested) claimed value, row-major: a Matrix, an Array, a list of
    kernels, a flat list."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} is the string {value!r}; strings are never evaluated")
    if isinstance(value, (MatrixBase, sympy.NDimArray)):
        return [as_entry(v, f"an entry of {name}") for v in sympy.flatten(value.tolist())]
    if isinstance(value, (list, tuple)):
        return [e for item in value for e in flat_entries(item, name)]
    return [as_entry(value, f"an entry of {name}")]


def tie_rows_expected(layer: UnsharedLayer, request: dict[str, Any]) -> dict[int, set[int]]:
    """For each weight, the outputs whose product holds it, by the literal definition:
    the symbolic loss's terms read for that weight."""
    # Fresh symbols for the input and one mark per output: which outputs' products hold a
    # weight is a matter of structure, not of the values (a zero input must not hide one).
    symbolic = dataclasses.replace(layer, x=[Dummy(f"x{j}") for j in range(len(layer.x))])
    marks = [Dummy(f"o{n}") for n in range(layer.layout.output_length)]
    literal = literal_layer(symbolic, marks, request)
    index = {mark: n for n, mark in enumerate(marks)}
    found: dict[int, set[int]] = {}
    for q, gradient in enumerate(literal.grad_w):
        found[q] = {index[s] for s in gradient.free_symbols if s in index}
    return found


def transpose_times(
    rows: list[list[tuple[int, Expr]]], g: Sequence[Expr], width: int
) -> list[Expr]:
    """``X~^T g`` from the sparse rows of ``X~``, gathered row by row."""
    columns: list[list[Expr]] = [[] for _ in range(width)]
    for n, row in enumerate(rows):
        if g[n] is S.Zero:
            continue
        for column, value in row:
            if value is not S.Zero:
                columns[column].append(pair_product(g[n], value))
    return [total(c) for c in columns]


KIND_LAW = {
    "locally connected": (
        r"Law: eq. 9.9, $z_i = \sum_k \tilde x_{i s + k d}\, W_{i,k}$ (summed over the "
        r"input channels too): output $i$ has its own kernel"
    ),
    "tiled": (
        r"Law: eq. 9.10 (0-based), $z_i = \sum_k \tilde x_{i s + k d}\, "
        r"K^{(r)}_k$ with $r = i \operatorname{mod} t$ (summed over the input channels too): "
        r"output $i$ uses kernel $i \operatorname{mod} t$"
    ),
    "convolution": (
        r"Law: eq. 9.8, $z_i = \sum_k \tilde x_{i s + k d}\, w_k$ (summed over the input "
        r"channels too): one kernel"
    ),
}


SUM_LAW = {
    "locally connected": (
        r"Law: the chain rule through $u_{ij} = W_q$; the tie set $S_q$ of a weight of an "
        r"unshared layer is one entry (none where its tap reads padding), so "
        r"$\partial L/\partial W_q = \partial L/\partial u_{ij} = g_i x_j$, no sum"
    ),
    "tiled": (
        r"Law: the chain rule through $u_{ij} = K^{(r)}_k$; the tie set of "
        r"$K^{(r)}_k$ holds one entry per output $i$ with $i \operatorname{mod} t = r$, so "
        r"$\partial L/\partial K^{(r)}_k = \sum_{(i,j) \in S} g_i x_j$ over those outputs"
    ),
    "convolution": (
        r"Law: the chain rule through $u_{ij} = w_k$: $\partial L/\partial w_k = "
        r"\sum_{(i,j) \in S_k} g_i x_j$, one entry per output"
    ),
}


def unshared_steps(
    layer: UnsharedLayer,
    g: list[Expr],
    request: dict[str, Any],
    *,
    matrix: object = None,
    grad_w: object = None,
) -> list[Step]:
    """The claims of :func:`prove_locally_connected` and :func:`prove_tiled` for a
    resolved layer (any kind, 1-D or 2-D, channels or not)."""
    layout, x, w = layer.layout, layer.x, layer.w
    z = sliding_outputs(x, w, layout)
    t = unshared_band(layer)
    labels = [(n,) for n in range(len(z))]
    banded = t.matvec(x) if matrix is None else claimed_product(matrix, x, t.shape)
    rows = data_rows(layer)
    literal = literal_layer(layer, g, request)
    steps = [
        check(
            "banded product",
            z,
            banded,
            law=(
                r"Law: $(Tx)_i = \sum_j T_{ij} x_j$; row $i$ of $T$ is the convolution's band "
                r"row, holding the weights of output $i$'s own kernel"
            ),
            labels=labels,
            details={"band": t},
        ),
        check(
            r"data-matrix product",
            z,
            [dot((w[column], value) for column, value in row) for row in rows],
            law=(
                r"Law: $(\tilde X w)_i = \sum_q \tilde X_{iq} w_q$; row $i$ of $\tilde X$ is "
                r"the convolution's window $i$ in the columns of output $i$'s kernel, so "
                r"$z_i = X_i \cdot W_{(i)}$"
            ),
            labels=labels,
        ),
        check(
            "agrees with the definition",
            z,
            literal.outputs,
            law=KIND_LAW[layer.kind] + ", written out by plain loops",
            labels=labels,
        ),
    ]
    tie_sets = t.tie_sets()
    sizes = Counter(len(v) for v in tie_sets.values())
    expected_rows = tie_rows_expected(layer, request)
    rows_match = all({i for i, _ in tie_sets[q]} == expected_rows[q] for q in tie_sets)
    if layer.kind == "locally connected":
        shape_ok = max(sizes, default=0) <= 1
        claim = (
            r"Claim: every weight of an unshared layer holds at most one entry of $T$ (exactly "
            r"one unless its tap reads padding): the tie sets are single entries"
        )
    else:
        shape_ok = True
        claim = (
            r"Claim: kernel $r$'s weights hold the entries of the outputs $i$ with "
            r"$i \operatorname{mod} t = r$, one entry per output whose tap reads the input"
            if layer.kind == "tiled"
            else r"Claim: each weight holds one entry per output whose tap reads the input"
        )
    steps.append(
        observe(
            "tie sets",
            shape_ok and rows_match,
            law=claim + "; the rows of each tie set are the outputs the definition's loss "
            r"pairs with that weight",
            details={
                "tie sets": {k: list(v) for k, v in tie_sets.items()},
                "sizes": dict(sorted(sizes.items())),
                "pattern": t,
            },
        )
    )
    derived = derive_gradients(x, w, g, layout)
    claimed = derived.grad_w
    if grad_w is not None:
        claimed = flat_entries(grad_w, "the claimed weight gradient")
        if len(claimed) != len(w):
            raise ValueError(
                f"the claimed weight gradient has {len(claimed)} entries; the layer has "
                f"{len(w)} weights"
            )
    entries = [e for v in tie_sets.values() for e in v]
    entries.sort()
    dl_du = untied_gradients(x, g, entries)
    weight_labels = [(q,) for q in range(len(w))]
    steps.append(
        check(
            r"untied gradient is $g_i x_j$",
            [dl_du[e] for e in entries],
            [pair_product(g[i], x[j]) if g[i] is not S.Zero else S.Zero for i, j in entries],
            law=(
                r"Law: with every band entry of $T$ untied into a free $u_{ij}$, "
                r"$\partial L/\partial u_{ij} = g_i x_j$"
            ),
            labels=entries,
        )
    )
    steps.append(
        check(
            "weight gradient is the sum over its tie set",
            claimed,
            [total([dl_du[e] for e in tie_sets[q]]) for q in range(len(w))],
            law=SUM_LAW[layer.kind],
            labels=weight_labels,
            details={"tie sets": {k: list(v) for k, v in tie_sets.items()}},
        )
    )
    steps.append(
        check(
            r"weight gradient is $\tilde X^{\top} g$",
            claimed,
            transpose_times(rows, g, len(w)),
            law=(
                r"Law: $L = \sum_i g_i (\tilde X w)_i$, so $\partial L/\partial w = "
                r"\tilde X^{\top} g$: column $q$ of $\tilde X$ against $g$"
            ),
            labels=weight_labels,
        )
    )
    steps.append(
        check(
            r"input gradient is $T^{\top} g$",
            derived.grad_x,
            t.rmatvec(g),
            law=r"Law: $\partial L/\partial x_j = \sum_i T_{ij}\, g_i$",
            labels=[(j,) for j in range(len(x))],
        )
    )
    steps.append(
        check(
            "weight gradient agrees with the definition",
            claimed,
            literal.grad_w,
            law=(
                r"the literal loss $L = \sum_i g_i z_i$ of the definition: each weight's "
                r"gradient collects $g_i \tilde x$ over the products that hold it"
            ),
            labels=weight_labels,
        )
    )
    steps.append(
        check(
            "input gradient agrees with the definition",
            derived.grad_x,
            literal.grad_x,
            law=(
                r"the literal loss $L = \sum_i g_i z_i$: $\partial L/\partial x_j$ collects "
                r"$g_i W$ over the products that read $x_j$"
            ),
            labels=[(j,) for j in range(len(x))],
        )
    )
    return steps


def upstream_for(layer: UnsharedLayer, upstream: object) -> list[Expr]:
    """The upstream gradient given, or fresh symbols ``g0, g1, ...`` (one per output)."""
    if upstream is None:
        return list(symbolic_vector("g", layer.layout.output_length))
    return read_upstream(layer, upstream)


def layer_proof(
    layer: UnsharedLayer,
    upstream: object,
    request: dict[str, Any],
    matrix: object,
    grad_w: object,
    title: str,
    statement: str,
) -> Proof:
    g = upstream_for(layer, upstream)
    steps = unshared_steps(layer, g, request, matrix=matrix, grad_w=grad_w)
    s = layer.layout.spatial
    zeros = s.padding if isinstance(s, ConvSettings2D) else s.padding_pair
    return Proof(
        title=title,
        statement=statement + f" ({layer.describe()}).",
        steps=steps,
        assumptions=(
            rf"stride ${request['stride']}$, dilation ${request['dilation']}$, padding "
            rf"${zeros}$ zeros (before, after)",
            r"the upstream gradient $g$ does not depend on $x$ or the weights",
        ),
    )


@in_session
def prove_locally_connected(
    x: object,
    w: object,
    upstream: object = None,
    *,
    dims: object = 1,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    matrix: object = None,
    grad_w: object = None,
) -> Proof:
    """Prove a locally connected layer (eq. 9.9): ``z = T x`` with the convolution's band
    and a weight per entry, ``z = X~ w``, and ``dL/dW_q`` is its one entry's ``g_i x_j``
    (no sum), all against the literal definition.

    ``upstream`` defaults to fresh symbols ``g0, g1, ...``. ``matrix`` (a claimed T) and
    ``grad_w`` (a claimed weight gradient, shaped like ``w`` or flat) put a claim in
    place of symconv's, so a wrong one is named where it fails.

    >>> from symconv import symbolic_vector, symbolic_matrix
    >>> x, W = symbolic_vector("x", 4), symbolic_matrix("W", 3, 2)
    >>> prove_locally_connected(x, W).holds
    True
    >>> summed = [[sum(symbolic_vector("g", 3)[i] * x[i + k] for i in range(3)) for k in range(2)]] * 3
    >>> wrong = prove_locally_connected(x, W, grad_w=summed)   # claimed to sum, as a convolution
    >>> wrong.holds, wrong.first_failure.name
    (False, 'weight gradient is the sum over its tie set')
    """
    request = {"stride": stride, "padding": padding, "dilation": dilation}
    layer = locally_connected_layer(
        x, w, dims=dims, stride=stride, padding=padding, dilation=dilation
    )
    return layer_proof(
        layer,
        upstream,
        request,
        matrix,
        grad_w,
        "Locally connected (unshared) layer",
        r"Every output $i$ has its own kernel $W_{(i)}$: $z = T x = \tilde X w$ with $T$ on "
        r"the convolution's band, and each weight's gradient is its one entry's $g_i x_j$",
    )


@in_session
def prove_tiled(
    x: object,
    kernels: object,
    upstream: object = None,
    *,
    dims: object = 1,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    matrix: object = None,
    grad_w: object = None,
) -> Proof:
    """Prove a tiled convolution (eq. 9.10, 0-based): ``z = T x`` with the convolution's
    band, output ``i`` holding kernel ``i mod t``; ``z = X~ w``; and a kernel weight's
    gradient is the sum of ``g_i x_j`` over the outputs ``i = r (mod t)`` that use it.

    >>> from symconv import symbolic_vector, symbolic_matrix
    >>> x, k = symbolic_vector("x", 5), symbolic_matrix("k", 2, 2)
    >>> prove_tiled(x, k).holds
    True
    >>> from symconv.ops.unshared import tiled_layer, unshared_band
    >>> period3 = unshared_band(tiled_layer(x, [k.row(0), k.row(1), k.row(0)])).to_matrix()
    >>> wrong = prove_tiled(x, k, matrix=period3)              # the wrong period
    >>> wrong.holds, wrong.first_failure.name, wrong.first_failure.mismatch[0]
    (False, 'banded product', (3,))
    """
    request = {"stride": stride, "padding": padding, "dilation": dilation}
    layer = tiled_layer(x, kernels, dims=dims, stride=stride, padding=padding, dilation=dilation)
    return layer_proof(
        layer,
        upstream,
        request,
        matrix,
        grad_w,
        "Tiled convolution",
        r"Output $i$ uses kernel $i \operatorname{mod} t$: $z = T x = \tilde X w$ with $T$ on the "
        r"convolution's band, and each kernel weight's gradient is the sum of $g_i x_j$ "
        r"over the outputs $i$ with $i \operatorname{mod} t = r$ that use it",
    )


# --- four layers of one shape, side by side ------------------------------------------------


@dataclass(frozen=True)
class LayerRow:
    """One layer of a comparison: its counts and the gradient of its first weight."""

    name: str
    name_latex: str
    parameters: int
    nonzeros: int
    tie_set_sizes: tuple[tuple[int, int], ...]  # (size, how many sets), larger sizes first
    weight: Symbol
    gradient: Expr

    @property
    def tie_sets(self) -> int:
        return sum(count for _, count in self.tie_set_sizes)

    def sizes_text(self) -> str:
        return " + ".join(f"{count} x {size}" for size, count in self.tie_set_sizes)

    def sizes_latex(self) -> str:
        return " + ".join(rf"{count} \times {size}" for size, count in self.tie_set_sizes)


@dataclass(frozen=True)
class LayerComparison:
    """Dense, locally connected, tiled and convolution layers of one shape: ``str`` is a
    text table, :meth:`to_latex` a plain ``tabular``."""

    input_length: int
    kernel_size: int
    output_length: int
    tile: int
    rows: tuple[LayerRow, ...]

    HEADER = ("layer", "parameters", "nonzeros", "tie sets", "gradient of the first weight")

    def row(self, name: str) -> LayerRow:
        for row in self.rows:
            if row.name.startswith(name):
                return row
        raise KeyError(f"no layer {name!r}; layers are {[r.name for r in self.rows]}")

    def __str__(self) -> str:
        cells = [
            [
                r.name,
                str(r.parameters),
                str(r.nonzeros),
                r.sizes_text(),
                f"dL/d{r.weight} = {r.gradient}",
            ]
            for r in self.rows
        ]
        widths = [max(len(self.HEADER[c]), *(len(row[c]) for row in cells)) for c in range(4)]
        lines = []
        for row in [list(self.HEADER), *cells]:
            left = row[0].ljust(widths[0])
            numbers = "  ".join(row[c].rjust(widths[c]) for c in range(1, 4))
            lines.append(f"{left}  {numbers}  {row[4]}")
        return "\n".join(lines)

    def to_latex(self) -> str:
        r"""The comparison as a plain ``tabular`` (no booktabs), rules by ``\hline``."""
        lines = [
            # The gradient may be long (a convolution's sums over every output): its column
            # has a width, so the formula breaks after a + instead of running off the page.
            r"\begin{tabular}{lrrlp{0.25\linewidth}}",
            r"\hline",
            r"layer & parameters & nonzeros & tie sets & gradient of the first weight \\",
            r"\hline",
        ]
        for r in self.rows:
            weight = weight_latex(r.weight)
            lines.append(
                f"{r.name_latex} & ${r.parameters}$ & ${r.nonzeros}$ & ${r.sizes_latex()}$ & "
                rf"$\partial L/\partial {weight} = {sympy.latex(r.gradient)}$ \\"
            )
        lines += [r"\hline", r"\end{tabular}"]
        return "\n".join(lines)


def weight_latex(weight: Symbol) -> str:
    """A weight's LaTeX with its indices apart: ``U0_1`` as ``U_{0,1}``, ``w2`` as ``w_{2}``.

    >>> weight_latex(Symbol("U0_1")), weight_latex(Symbol("w2"))
    ('U_{0,1}', 'w_{2}')
    """
    found = re.fullmatch(r"([A-Za-z]+)(\d+(?:_\d+)*)", weight.name)
    if found is None:
        return sympy.latex(weight)
    return f"{found.group(1)}_{{{found.group(2).replace('_', ',')}}}"


def comparison_row(
    name: str,
    name_latex: str,
    t: BandedMatrix,
    layout: Any,
    x: list[Expr],
    w: list[Expr],
    g: list[Expr],
) -> LayerRow:
    sizes = Counter(len(v) for v in t.tie_sets().values())
    gradient = derive_gradients(x, w, g, layout).grad_w[0]
    return LayerRow(
        name=name,
        name_latex=name_latex,
        parameters=len(w),
        nonzeros=t.nnz,
        tie_set_sizes=tuple(sorted(sizes.items(), reverse=True)),
        weight=w[0],  # type: ignore[arg-type]
        gradient=gradient,
    )


@in_session
def compare_layers(
    input_length: object,
    kernel_size: object,
    *,
    tile: object = 2,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
) -> LayerComparison:
    """Four layers of one shape side by side, from least to most shared: dense (``U``),
    locally connected (``W``, a kernel per output), tiled (``t`` kernels ``K``) and the
    convolution (one kernel ``w``). Each is derived on symbolic ``x`` and ``g``: its free
    parameters, the nonzeros of its matrix, its tie sets (how many, and their sizes) and
    the gradient of its first weight.

    >>> c = compare_layers(6, 3, tile=2)
    >>> [r.parameters for r in c.rows], [r.nonzeros for r in c.rows]
    ([24, 12, 6, 3], [24, 12, 12, 12])
    >>> c.row("tiled").gradient
    g0*x0 + g2*x2
    >>> compare_layers(3, 2, tile=0)
    Traceback (most recent call last):
    ...
    ValueError: tile must be an integer >= 1, got 0
    """
    m = as_int(input_length, "input length", 1)
    n = as_int(kernel_size, "kernel size", 1)
    t = as_int(tile, "tile", 1)
    x = symbolic_vector("x", m)
    conv = convolution_layer(
        x, symbolic_vector("w", n), stride=stride, padding=padding, dilation=dilation
    )
    out = conv.layout.output_length
    g = list(symbolic_vector("g", out))
    local = locally_connected_layer(
        x, symbolic_matrix("W", out, n), stride=stride, padding=padding, dilation=dilation
    )
    tiled = tiled_layer(
        x, symbolic_matrix("K", t, n), stride=stride, padding=padding, dilation=dilation
    )
    dense_layout = DenseLayout(out, m)
    dense_w = list(symbolic_matrix("U", out, m))
    xs = list(x)
    dense_band = band_from_settings(dense_w, dense_layout)
    rows = (
        comparison_row("dense", "dense", dense_band, dense_layout, xs, dense_w, g),
        comparison_row(
            "locally connected",
            "locally connected",
            unshared_band(local),
            local.layout,
            xs,
            local.w,
            g,
        ),
        comparison_row(
            f"tiled (t = {t})",
            f"tiled ($t = {t}$)",
            unshared_band(tiled),
            tiled.layout,
            xs,
            tiled.w,
            g,
        ),
        comparison_row(
            "convolution", "convolution", unshared_band(conv), conv.layout, xs, conv.w, g
        ),
    )
    return LayerComparison(m, n, out, t, rows)
