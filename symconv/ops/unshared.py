"""Unshared and tiled convolution: the convolution's band, holding other weights.

A locally connected layer (the *Deep Learning* book's unshared convolution, eq. 9.9)
gives every output position its own kernel; a tiled convolution (eq. 9.10) cycles
through ``t`` kernels, output position ``j`` using kernel ``j mod t`` (0-based: the first
output uses the first kernel). Both read exactly the windows the convolution reads, so
their matrix has the convolution's band; only the tie map differs, which weight each
entry of the band holds. Flattened (:class:`UnsharedLayout`, over the weight vector of
all distinct weights), each is a 1-D layout once more, and the sliding, band, gradient
stages apply unchanged; a convolution is the kind that has one kernel.

The weight vector is the weights in the order they are given, flattened row-major:
locally connected in the book's order ``(out channel o, output position p, in channel c,
kernel offset k)``, index ``((o*P + p)*C_in + c)*K + k``; tiled a sequence (a ``t x t``
grid in 2-D) of kernels ``(o, c, k)``, index ``((r*C_out + o)*C_in + c)*K + k`` for kernel
``r``; the convolution its one kernel. Offsets and positions are flattened row-major in
2-D.

Examples
========

>>> from sympy import Matrix
>>> from symconv import symbolic_vector
>>> x = symbolic_vector("x", 4)
>>> locally_connected1d(x, Matrix([[1, 2], [3, 4], [5, 6]])).T
Matrix([[x0 + 2*x1, 3*x1 + 4*x2, 5*x2 + 6*x3]])
>>> tiled_conv1d(x, [[1, 2], [3, 4]]).T       # outputs 0, 2 use kernel 0; output 1 kernel 1
Matrix([[x0 + 2*x1, 3*x1 + 4*x2, x2 + 2*x3]])
>>> unshared_band(tiled_layer(x, [[1, 2], [3, 4]])).to_matrix()
Matrix([
[1, 2, 0, 0],
[0, 3, 4, 0],
[0, 0, 1, 2]])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

import sympy
from sympy import Array, Expr, Matrix

from symconv.core.images import as_image
from symconv.core.tensors import as_tensor, rank_of
from symconv.core.vectors import as_vector
from symconv.layout.axis import ConvSettings, conv_settings
from symconv.layout.grid import ConvSettings2D, settings2d
from symconv.ops.banded import BandedMatrix, band_from_settings
from symconv.ops.datamatrix import rows_from_settings
from symconv.ops.gradients import derive_gradients
from symconv.ops.sliding import sliding_outputs

Spatial = ConvSettings | ConvSettings2D


def dims_of(spatial: Spatial) -> int:
    return 2 if isinstance(spatial, ConvSettings2D) else 1


def tile_of(layout: UnsharedLayout, p: int) -> int:
    """The kernel output position ``p`` uses in a tiled layer: ``p mod t`` in 1-D, and in
    2-D the kernel ``(i mod t, j mod t)`` of the ``t x t`` grid, numbered row-major."""
    t, spatial = layout.period, layout.spatial
    if isinstance(spatial, ConvSettings2D):
        i, j = divmod(p, spatial.cols.output_length)
        return (i % t) * t + j % t
    return p % t


class Sharing(NamedTuple):
    """How a kind of layer shares its kernels: which kernel output position ``p`` uses,
    how many distinct kernels there are, and whether the kernel is the weights' outermost
    axis (a sequence of kernels) or comes after the output channel (the book's order for
    a locally connected layer)."""

    kernel_of: Callable[[UnsharedLayout, int], int]
    kernels: Callable[[UnsharedLayout], int]
    kernel_outermost: bool


#: The kinds of layer, from most to least shared: only the kernel each output position
#: uses differs (eq. 9.7, 9.10 and 9.9 of the *Deep Learning* book).
SHARING: dict[str, Sharing] = {
    "convolution": Sharing(lambda layout, p: 0, lambda layout: 1, True),
    "tiled": Sharing(tile_of, lambda layout: layout.period**layout.dims, True),
    "locally connected": Sharing(lambda layout, p: p, lambda layout: layout.positions, False),
}


@dataclass(frozen=True)
class UnsharedLayout:
    """A convolution's windows with a kernel chosen per output position, flattened.

    Offers what the 1-D stages read (``output_length``, ``input_length``,
    ``kernel_size`` = how many weights, ``flip``, ``taps``): output ``(o, p)`` is flat
    ``o*P + p``, input ``(c, q)`` is ``c*Q + q``, weight as in the module's docstring.

    >>> layout = UnsharedLayout(conv_settings(2, 4), "locally connected")
    >>> layout.output_length, layout.kernel_size, layout.taps(1)
    (3, 6, [(2, 1), (3, 2)])
    >>> UnsharedLayout(conv_settings(2, 4), "tiled", period=2).taps(2)
    [(0, 2), (1, 3)]
    """

    spatial: Spatial
    sharing: str
    period: int = 1
    in_channels: int = 1
    out_channels: int = 1

    def __post_init__(self) -> None:
        if self.sharing not in SHARING:
            raise ValueError(f"sharing {self.sharing!r} is not one of {sorted(SHARING)}")

    @property
    def dims(self) -> int:
        return dims_of(self.spatial)

    @property
    def positions(self) -> int:
        """Output positions per channel (``P``; ``Ho*Wo`` in 2-D)."""
        return self.spatial.output_length

    @property
    def window(self) -> int:
        """Taps of one kernel per input channel (``K``; ``kh*kw`` in 2-D)."""
        return self.spatial.kernel_size

    @property
    def kernels(self) -> int:
        """Distinct kernels ``R`` (each ``C_out x C_in x K``)."""
        return SHARING[self.sharing].kernels(self)

    def kernel_of(self, p: int) -> int:
        return SHARING[self.sharing].kernel_of(self, p)

    @property
    def output_length(self) -> int:
        return self.out_channels * self.positions

    @property
    def input_length(self) -> int:
        return self.in_channels * self.spatial.input_length

    @property
    def kernel_size(self) -> int:
        """How many distinct weights: the length of the flat weight vector."""
        return self.out_channels * self.kernels * self.in_channels * self.window

    @property
    def flip(self) -> bool:
        return self.spatial.flip

    @property
    def folds(self) -> bool:
        return bool(getattr(self.spatial, "folds", False))

    def weight_index(self, o: int, p: int, c: int, k: int) -> int:
        """The flat weight output ``(o, p)`` multiplies by input channel ``c`` at tap ``k``."""
        r = self.kernel_of(p)
        if SHARING[self.sharing].kernel_outermost:
            return ((r * self.out_channels + o) * self.in_channels + c) * self.window + k
        return ((o * self.kernels + r) * self.in_channels + c) * self.window + k

    @cached_property
    def flat_taps(self) -> list[list[tuple[int, int]]]:
        q_size = self.spatial.input_length
        spatial_taps = [self.spatial.taps(p) for p in range(self.positions)]
        return [
            [
                (self.weight_index(o, p, c, k), c * q_size + j)
                for c in range(self.in_channels)
                for k, j in along
            ]
            for o in range(self.out_channels)
            for p, along in enumerate(spatial_taps)
        ]

    def taps(self, n: int) -> list[tuple[int, int]]:
        """The ``(weight index, input index)`` pairs of flat output ``n``."""
        return self.flat_taps[n]


@dataclass(frozen=True)
class DenseLayout:
    """The fully connected layer ``z = U x`` as a layout: entry ``(i, j)`` of ``U`` is
    weight ``i*L + j``, every entry its own weight (the other end from the convolution).

    >>> DenseLayout(2, 3).taps(1), DenseLayout(2, 3).kernel_size
    ([(3, 0), (4, 1), (5, 2)], 6)
    """

    output_length: int
    input_length: int
    flip: bool = False

    @property
    def kernel_size(self) -> int:
        return self.output_length * self.input_length

    def taps(self, i: int) -> list[tuple[int, int]]:
        length = self.input_length
        return [(i * length + j, j) for j in range(length)]


@dataclass(frozen=True)
class UnsharedLayer:
    """A resolved layer: its layout, flat input and weights, and the shapes they came in.

    ``weight_shape`` is the shape the weights were given in: ``(P, K)`` or
    ``(C_out, P, C_in, K)`` locally connected (``(Ho, Wo, kh, kw)``,
    ``(C_out, Ho, Wo, C_in, kh, kw)`` in 2-D); ``(t, K)`` or ``(t, C_out, C_in, K)`` tiled
    (``(t, t, kh, kw)``, ``(t, t, C_out, C_in, kh, kw)``); ``(K,)`` a convolution.
    """

    layout: UnsharedLayout
    x: list[Expr]
    w: list[Expr]
    input_shape: tuple[int, ...]
    weight_shape: tuple[int, ...]
    channels: bool

    @property
    def kind(self) -> str:
        return self.layout.sharing

    @property
    def dims(self) -> int:
        return self.layout.dims

    @property
    def output_shape(self) -> tuple[int, ...]:
        s = self.layout.spatial
        spatial = s.output_shape if isinstance(s, ConvSettings2D) else (s.output_length,)
        return (self.layout.out_channels, *spatial) if self.channels else spatial

    def describe(self) -> str:
        period = f" (period {self.layout.period})" if self.kind == "tiled" else ""
        return (
            f"{self.dims}-D {self.kind} layer{period}: input {self.input_shape}, weights "
            f"{self.weight_shape} ({len(self.w)} distinct), output {self.output_shape}"
        )


# --- reading what users pass --------------------------------------------------------------


def items_of(values: object, name: str) -> list[Any]:
    """The items along the first axis of ``values`` (rows of a Matrix, sub-arrays of an
    Array, entries of a list), never evaluating text."""
    if isinstance(values, (str, bytes)):
        raise TypeError(
            f"{name} is the string {values!r}; strings are never evaluated: pass a sequence "
            "of kernels (lists, sympy Matrices or Arrays)"
        )
    if isinstance(values, (Mapping, Set)):
        raise TypeError(f"{name} is a {type(values).__name__}, which has no order: pass a list")
    if isinstance(values, (sympy.MatrixBase, sympy.NDimArray)):
        return list(values.tolist())
    tolist = getattr(values, "tolist", None)
    if getattr(values, "shape", None) is not None and callable(tolist):
        return list(tolist())  # numpy arrays, torch tensors
    if isinstance(values, Sequence):
        return list(values)
    raise TypeError(f"{name} must be a sequence of kernels, got {type(values).__name__}")


def read_kernel(
    value: object, dims: int, channels: bool, name: str
) -> tuple[tuple[int, ...], list[Expr]]:
    """One kernel: a vector (1-D) or an image (2-D), or with channels a tensor
    ``(C_out, C_in, *spatial)``; its shape and entries, row-major."""
    if channels:
        return as_tensor(value, dims + 2, name)
    if dims == 1:
        entries = list(as_vector(value, name))
        return (len(entries),), entries
    image = as_image(value, name)
    return image.shape, list(image)


def read_grid(
    values: object, leading: int, dims: int, channels: bool, name: str
) -> tuple[tuple[int, ...], list[tuple[int, ...]], list[list[Expr]]]:
    """``leading`` structural axes (output positions or tiles), then one kernel per item:
    the structure's shape, each kernel's shape and entries (in row-major order)."""
    if leading == 0:
        shape, entries = read_kernel(values, dims, channels, name)
        return (), [shape], [entries]
    rows = items_of(values, name)
    if not rows:
        raise ValueError(f"{name} is empty; it needs at least one kernel")
    outer: list[tuple[int, ...]] = []
    shapes: list[tuple[int, ...]] = []
    kernels: list[list[Expr]] = []
    for n, row in enumerate(rows):
        inner, row_shapes, row_kernels = read_grid(row, leading - 1, dims, channels, f"{name}[{n}]")
        outer.append(inner)
        shapes += row_shapes
        kernels += row_kernels
    if len(set(outer)) != 1:
        raise ValueError(
            f"{name} is ragged: its rows hold {[o[0] if o else 1 for o in outer]} kernels; "
            "every row needs the same number"
        )
    return (len(rows), *outer[0]), shapes, kernels


def same_shapes(shapes: Sequence[tuple[int, ...]], name: str) -> tuple[int, ...]:
    for n, shape in enumerate(shapes):
        if shape != shapes[0]:
            raise ValueError(
                f"kernel {n} of {name} has shape {shape} but kernel 0 has {shapes[0]}; "
                "every kernel needs the same shape"
            )
    return shapes[0]


def read_input(x: object, dims: int, channels: bool) -> tuple[tuple[int, ...], list[Expr]]:
    if channels:
        return as_tensor(x, dims + 1, "input x")
    if dims == 1:
        entries = list(as_vector(x, "input x"))
        return (len(entries),), entries
    image = as_image(x, "image x")
    return image.shape, list(image)


def check_dims(dims: object) -> int:
    if isinstance(dims, bool) or dims not in (1, 2):
        raise ValueError(f"dims must be 1 or 2 (spatial axes of the layer), got {dims!r}")
    return int(dims)  # type: ignore[call-overload]


def spatial_settings(
    kernel: tuple[int, ...],
    length: tuple[int, ...],
    stride: object,
    padding: object,
    dilation: object,
) -> Spatial:
    if len(kernel) == 1:
        return conv_settings(
            kernel[0], length[0], stride=stride, padding=padding, dilation=dilation
        )
    return settings2d(
        (kernel[0], kernel[1]),
        (length[0], length[1]),
        stride=stride,
        padding=padding,
        dilation=dilation,
    )


class Weights(NamedTuple):
    """Weights as given: their shape, the structural part of it (output positions or
    tiles), one kernel's spatial shape, the channel counts, and the entries row-major."""

    shape: tuple[int, ...]
    structure: tuple[int, ...]
    kernel: tuple[int, ...]
    out_channels: int
    in_channels: int
    entries: list[Expr]
    channels: bool


def has_channels(weights: object, sharing: str, dims: int, name: str) -> bool:
    """Whether the weights carry channel axes, by their rank (a tiled layer's by the rank
    of its first kernel)."""
    if sharing == "locally connected":
        return rank_of(weights) == 2 * dims + 2
    first: Any = weights
    for _ in range(dims if sharing == "tiled" else 0):
        items = items_of(first, name)
        if not items:
            raise ValueError(f"{name} is empty; it needs at least one kernel")
        first = items[0]
    return rank_of(first) == dims + 2


def read_weights(weights: object, sharing: str, dims: int, name: str) -> Weights:
    """The weights of a layer of this kind. The structural axes (output positions, or the
    tiles) come first in what a single-channel call passes; with channels, a locally
    connected layer's weights are one tensor in the book's order and a tiled layer's
    kernels are each ``(C_out, C_in, *spatial)``."""
    channels = has_channels(weights, sharing, dims, name)
    if sharing == "locally connected" and channels:
        shape, entries = as_tensor(weights, 2 * dims + 2, name)
        return Weights(
            shape,
            shape[1 : 1 + dims],
            shape[2 + dims :],
            shape[0],
            shape[1 + dims],
            entries,
            True,
        )
    leading = 0 if sharing == "convolution" else dims
    structure, shapes, kernels = read_grid(weights, leading, dims, channels, name)
    kernel = same_shapes(shapes, name)
    entries = [v for values in kernels for v in values]
    if channels:
        return Weights(
            (*structure, *kernel), structure, kernel[2:], kernel[0], kernel[1], entries, True
        )
    return Weights((*structure, *kernel), structure, kernel, 1, 1, entries, False)


def resolve(
    x: object,
    weights: object,
    *,
    sharing: str,
    dims: object,
    stride: object,
    padding: object,
    dilation: object,
) -> UnsharedLayer:
    """Read the input and the weights of a layer of this kind, check that they fit one
    another, and resolve the layout."""
    dims = check_dims(dims)
    name = "w" if sharing == "locally connected" else "kernels"
    given = read_weights(weights, sharing, dims, name)
    input_shape, xs = read_input(x, dims, given.channels)
    in_channels = input_shape[0] if given.channels else 1
    spatial_in = input_shape[1:] if given.channels else input_shape
    if given.in_channels != in_channels:
        raise ValueError(
            f"{name} has shape {given.shape}: {given.in_channels} input channel(s), but the "
            f"input has shape {input_shape} with {in_channels}; they must agree"
        )
    spatial = spatial_settings(given.kernel, spatial_in, stride, padding, dilation)
    period = 1
    if sharing == "tiled":
        period = given.structure[0]
        if dims == 2 and given.structure[1] != period:
            raise ValueError(
                f"kernels is a {given.structure[0]} x {given.structure[1]} grid; a tiled 2-D "
                "layer needs a t x t grid of kernels, indexed (j mod t, k mod t)"
            )
    if sharing == "locally connected":
        wanted = (
            spatial.output_shape
            if isinstance(spatial, ConvSettings2D)
            else (spatial.output_length,)
        )
        if tuple(given.structure) != tuple(wanted):
            raise ValueError(
                f"w has kernels for output positions {tuple(given.structure)} but the layer "
                f"has outputs {tuple(wanted)} (input {tuple(spatial_in)}, kernel "
                f"{tuple(given.kernel)}); give one kernel per output position"
            )
    layout = UnsharedLayout(spatial, sharing, period, in_channels, given.out_channels)
    return UnsharedLayer(layout, xs, given.entries, input_shape, given.shape, given.channels)


def locally_connected_layer(
    x: object,
    w: object,
    *,
    dims: object = 1,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
) -> UnsharedLayer:
    """Resolve a locally connected layer (eq. 9.9): one kernel per output position.

    ``w`` is ``(positions, K)`` (a Matrix or a list of kernels) for one channel, or a
    tensor ``(C_out, positions, C_in, K)`` in the book's order, with x ``(C_in, L)``; in
    2-D positions and K are pairs: ``(Ho, Wo, kh, kw)`` or ``(C_out, Ho, Wo, C_in, kh, kw)``.

    >>> layer = locally_connected_layer([1, 2, 3], [[1, 1], [1, -1]])
    >>> layer.describe()
    '1-D locally connected layer: input (3,), weights (2, 2) (4 distinct), output (2,)'
    >>> locally_connected_layer([1, 2, 3], [[1, 1]])
    Traceback (most recent call last):
    ...
    ValueError: w has kernels for output positions (1,) but the layer has outputs (2,) (input (3,), kernel (2,)); give one kernel per output position
    """
    return resolve(
        x,
        w,
        sharing="locally connected",
        dims=dims,
        stride=stride,
        padding=padding,
        dilation=dilation,
    )


def tiled_layer(
    x: object,
    kernels: object,
    *,
    dims: object = 1,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
) -> UnsharedLayer:
    """Resolve a tiled convolution (eq. 9.10, 0-based): output ``j`` uses kernel ``j mod t``.

    ``kernels`` is a sequence of ``t`` kernels in 1-D, a ``t x t`` grid (nested
    sequence) in 2-D indexed ``(j mod t, k mod t)``; each kernel a vector or image, or
    with channels a tensor ``(C_out, C_in, *spatial)``.

    >>> tiled_layer([1, 2, 3, 4], [[1, 0], [0, 1], [1, 1]]).layout.period
    3
    >>> tiled_layer([1, 2, 3], [[1, 0], [1]])
    Traceback (most recent call last):
    ...
    ValueError: kernel 1 of kernels has shape (1,) but kernel 0 has (2,); every kernel needs the same shape
    """
    return resolve(
        x,
        kernels,
        sharing="tiled",
        dims=dims,
        stride=stride,
        padding=padding,
        dilation=dilation,
    )


def convolution_layer(
    x: object,
    w: object,
    *,
    dims: object = 1,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
) -> UnsharedLayer:
    """The convolution as the kind with one kernel: a tiled layer with ``t = 1``.

    >>> convolution_layer([1, 2, 3], [1, 1]).layout.kernels
    1
    """
    return resolve(
        x, w, sharing="convolution", dims=dims, stride=stride, padding=padding, dilation=dilation
    )


# --- the stages -----------------------------------------------------------------------------


def shaped(entries: Sequence[Expr], shape: tuple[int, ...]) -> Any:
    """Flat entries back in a shape: a column vector, a Matrix, or an Array."""
    if len(shape) == 1:
        return Matrix(list(entries))
    if len(shape) == 2:
        return Matrix(shape[0], shape[1], list(entries))
    return Array(list(entries), shape)


def unshared_outputs(layer: UnsharedLayer) -> Any:
    """Every output as a sliding dot product with the kernel of its position, shaped as
    the output (a column vector, a ``(C_out, L_out)`` or ``(Ho, Wo)`` Matrix, or an Array).

    >>> unshared_outputs(locally_connected_layer([1, 2, 3], [[1, 1], [1, -1]])).T
    Matrix([[3, -1]])
    """
    return shaped(sliding_outputs(layer.x, layer.w, layer.layout), layer.output_shape)


def unshared_band(layer: UnsharedLayer) -> BandedMatrix:
    """The layer's matrix as its band: the convolution's band, each entry holding the
    weight of its row's kernel (its tie map; the weights are all the distinct ones).

    >>> t = unshared_band(locally_connected_layer([1, 2, 3], [[5, 6], [7, 8]]))
    >>> t.to_matrix(), t.tie_sets()[2]
    (Matrix([
    [5, 6, 0],
    [0, 7, 8]]), [(1, 1)])
    """
    return band_from_settings(layer.w, layer.layout)


def data_rows(layer: UnsharedLayer) -> list[list[tuple[int, Expr]]]:
    """The rows of the expanded data matrix, sparse: row ``(o, p)`` holds window ``p`` of
    every input channel (the convolution's im2col row, padding zeros included) in the
    columns of the weights that output multiplies it by."""
    layout = layer.layout
    spatial, q_size = layout.spatial, layout.spatial.input_length
    windows = [
        rows_from_settings(layer.x[c * q_size : (c + 1) * q_size], spatial)
        for c in range(layout.in_channels)
    ]
    return [
        [
            (layout.weight_index(o, p, c, k), value)
            for c in range(layout.in_channels)
            for k, value in enumerate(windows[c][p])
        ]
        for o in range(layout.out_channels)
        for p in range(layout.positions)
    ]


def unshared_im2col(layer: UnsharedLayer) -> Matrix:
    """The expanded data matrix ``X~`` with ``X~ w == outputs`` and ``dL/dw = X~^T g``:
    row ``(o, p)`` is the convolution's window ``p`` placed in the columns of the kernel
    that position uses, zero elsewhere. Row by row, ``z_p = X_p . W_p``: the im2col row
    against its own kernel. With one kernel it is the convolution's ``im2col``.

    >>> from symconv import symbolic_vector
    >>> unshared_im2col(tiled_layer(symbolic_vector("x", 4), [[1, 2], [3, 4]]))
    Matrix([
    [x0, x1,  0,  0],
    [ 0,  0, x1, x2],
    [x2, x3,  0,  0]])
    """
    rows = data_rows(layer)
    dense = sympy.zeros(len(rows), len(layer.w))
    for n, row in enumerate(rows):
        for column, value in row:
            dense[n, column] = value
    return dense


def read_upstream(layer: UnsharedLayer, upstream: object) -> list[Expr]:
    """The upstream gradient, one per output, in the output's shape."""
    shape = layer.output_shape
    if len(shape) == 1:
        entries = list(as_vector(upstream, "upstream"))
        found: tuple[int, ...] = (len(entries),)
    elif len(shape) == 2 and not layer.channels:
        image = as_image(upstream, "upstream")
        found, entries = image.shape, list(image)
    else:
        found, entries = as_tensor(upstream, len(shape), "upstream")
    if tuple(found) != tuple(shape):
        raise ValueError(
            f"upstream has shape {tuple(found)} but the layer's output has shape {shape}; "
            "give one upstream gradient per output"
        )
    return entries


def weights_shaped(layer: UnsharedLayer, flat: Sequence[Expr]) -> Any:
    """Flat values over the weights, back in the shape the weights were given in: a
    Matrix or Array locally connected, a list (a ``t x t`` nested list in 2-D) of kernels
    tiled, one kernel for the convolution."""
    if layer.kind == "locally connected":
        return shaped(flat, layer.weight_shape)
    leading = 0 if layer.kind == "convolution" else layer.dims
    kernel_shape = layer.weight_shape[leading:]
    size = len(flat) // layer.layout.kernels
    kernels = [
        shaped(flat[r * size : (r + 1) * size], kernel_shape) for r in range(layer.layout.kernels)
    ]
    if leading == 0:
        return kernels[0]
    if leading == 1:
        return kernels
    t = layer.layout.period
    return [kernels[a * t : (a + 1) * t] for a in range(t)]


def unshared_grads(layer: UnsharedLayer, upstream: object) -> tuple[Any, Any]:
    """``(dL/dx, dL/dw)`` for ``L = sum upstream * outputs``, by differentiating the loss
    term by term; ``dL/dw`` in the shape the weights were given in.

    Locally connected, each weight multiplies one input in one output: its gradient is
    that one entry's ``g_i x_j`` (no sum). Tiled, a kernel's gradient sums over the
    positions that use it.

    >>> from symconv import symbolic_vector
    >>> x, g = symbolic_vector("x", 3), symbolic_vector("g", 2)
    >>> _, gw = unshared_grads(locally_connected_layer(x, [[1, 2], [3, 4]]), g)
    >>> gw
    Matrix([
    [g0*x0, g0*x1],
    [g1*x1, g1*x2]])
    >>> _, (k0,) = unshared_grads(tiled_layer(x, [[1, 2]]), g)
    >>> k0.T
    Matrix([[g0*x0 + g1*x1, g0*x1 + g1*x2]])
    """
    g = read_upstream(layer, upstream)
    derived = derive_gradients(layer.x, layer.w, g, layer.layout)
    return shaped(derived.grad_x, layer.input_shape), weights_shaped(layer, derived.grad_w)


# --- the layers by name ---------------------------------------------------------------------


def locally_connected1d(
    x: object, w: object, *, stride: object = 1, padding: object = 0, dilation: object = 1
) -> Any:
    """A 1-D locally connected (unshared convolution) layer, eq. 9.9 of the *Deep
    Learning* book: ``z[o, i] = sum_{c, k} xpad[c, i*s + k*d] W[o, i, c, k]``.

    ``w`` is ``(L_out, K)`` for one channel (a column vector comes out), or
    ``(C_out, L_out, C_in, K)`` with x ``(C_in, L)`` (a ``(C_out, L_out)`` Matrix).

    >>> locally_connected1d([1, 2, 3, 4], [[1, 0], [0, 1], [1, 1]], stride=1).T
    Matrix([[1, 3, 7]])
    >>> locally_connected1d([1, 2, 3, 4], [[1, 1]], stride=3).T
    Matrix([[3]])
    """
    layer = locally_connected_layer(x, w, dims=1, stride=stride, padding=padding, dilation=dilation)
    return unshared_outputs(layer)


def locally_connected2d(
    x: object, w: object, *, stride: object = 1, padding: object = 0, dilation: object = 1
) -> Any:
    """A 2-D locally connected layer (eq. 9.9): output ``(i, j)`` has its own kernel.

    ``w`` is ``(Ho, Wo, kh, kw)`` for one channel (nested lists, or lists of Matrices),
    or ``(C_out, Ho, Wo, C_in, kh, kw)`` with x ``(C_in, H, W)`` (an Array comes out).

    >>> locally_connected2d([[1, 2, 3], [4, 5, 6]], [[[[1, 0], [0, 0]], [[0, 0], [0, 1]]]])
    Matrix([[1, 6]])
    """
    layer = locally_connected_layer(x, w, dims=2, stride=stride, padding=padding, dilation=dilation)
    return unshared_outputs(layer)


def tiled_conv1d(
    x: object, kernels: object, *, stride: object = 1, padding: object = 0, dilation: object = 1
) -> Any:
    """A 1-D tiled convolution (eq. 9.10, 0-based): output ``j`` uses ``kernels[j mod t]``.

    With ``t = 1`` it is :func:`symconv.conv1d`; with ``t`` the number of outputs it is
    locally connected.

    >>> tiled_conv1d([1, 2, 3, 4, 5], [[1, 0], [0, 1]]).T
    Matrix([[1, 3, 3, 5]])
    """
    layer = tiled_layer(x, kernels, dims=1, stride=stride, padding=padding, dilation=dilation)
    return unshared_outputs(layer)


def tiled_conv2d(
    x: object, kernels: object, *, stride: object = 1, padding: object = 0, dilation: object = 1
) -> Any:
    """A 2-D tiled convolution: output ``(j, k)`` uses ``kernels[j mod t][k mod t]`` of a
    ``t x t`` grid of kernels.

    >>> tiled_conv2d([[1, 2, 3], [4, 5, 6]], [[[[1]], [[10]]], [[[100]], [[1000]]]])
    Matrix([
    [  1,   20,   3],
    [400, 5000, 600]])
    """
    layer = tiled_layer(x, kernels, dims=2, stride=stride, padding=padding, dilation=dilation)
    return unshared_outputs(layer)
