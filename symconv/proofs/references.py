"""Independent constructions the proofs compare against: textbook convolution and
PyTorch's scatter definition of the transposed convolution.

These restate the index rule on purpose, by the input index rather than by the
window, so that a proof compares two things that were built apart. They must not
import the layout or ops layers (an import-linter contract keeps it so).
"""

from __future__ import annotations

import itertools
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import islice, repeat
from math import prod
from operator import attrgetter, eq
from typing import TYPE_CHECKING, overload

import sympy
from sympy import Expr

from symconv.core.engine import dot, same
from symconv.core.numbers import code_array

if TYPE_CHECKING:  # annotations only: a reference reads the layer's numbers, not its rule
    from symconv.layout.axis import ConvSettings
    from symconv.layout.grid import ConvSettings2D
    from symconv.layout.transposed import TransposedLayer


def textbook_convolution(x: list[Expr], w: list[Expr], settings: ConvSettings) -> list[Expr] | None:
    """``(x * w)[n] = sum_k x[k] w[n - k]``, the definition of true convolution.

    Written with the *input* index running, independent of the sliding-window code;
    defined here for stride 1, dilation 1 and the full/valid shapes (the text-book ones).
    Returns None where the definition does not apply.
    """
    m, n = len(x), len(w)
    if settings.stride != 1 or settings.dilation != 1:
        return None
    if settings.padding_pair == (n - 1, n - 1):
        outputs = range(0, m + n - 1)
    elif settings.padding_pair == (0, 0):
        outputs = range(n - 1, m)
    else:
        return None
    return [dot((x[k], w[t - k]) for k in range(m) if 0 <= t - k < n) for t in outputs]


def textbook_convolution2d(
    x: Sequence[Expr], k: Sequence[Expr], settings: ConvSettings2D
) -> list[Expr] | None:
    """``S(i, j) = sum_m sum_n I(m, n) K(i - m, j - n)`` (the *Deep Learning* book's
    eq. 9.4), with the input index running, independent of the tap lists.

    Defined for stride and dilation 1 with each axis "full" or "valid"; None elsewhere.
    """
    ranges = []
    for axis in (settings.rows, settings.cols):
        n, m = axis.kernel_size, axis.input_length
        if axis.stride != 1 or axis.dilation != 1:
            return None
        if axis.padding_pair == (n - 1, n - 1):
            ranges.append(range(0, m + n - 1))
        elif axis.padding_pair == (0, 0):
            ranges.append(range(n - 1, m))
        else:
            return None
    (height, width), (kh, kw) = settings.input_shape, settings.kernel_shape
    return [
        dot(
            (x[p * width + q], k[(i - p) * kw + (j - q)])
            for p in range(max(0, i - kh + 1), min(height, i + 1))
            for q in range(max(0, j - kw + 1), min(width, j + 1))
        )
        for i in ranges[0]
        for j in ranges[1]
    ]


def scatter(layer: TransposedLayer) -> list[Expr]:
    """PyTorch's definition, by the input index: ``y[c, i]`` adds ``w[c, o', k] * y[c, i]``
    to output ``(o, i*s + k*d - left)`` (per axis), for every o of c's group.

    Written without the band so that the proof compares two constructions.
    """
    per_axis = []
    for axis, length_in in zip(layer.axes, layer.in_shape, strict=True):
        per_axis.append(
            [
                (i, k, j)
                for i in range(length_in)
                for k in range(axis.kernel_size)
                if 0 <= (j := i * axis.stride + k * axis.dilation - axis.left) < axis.input_length
            ]
        )
    in_shape, out_shape, kernel_shape = layer.in_shape, layer.out_shape, layer.kernel_shape
    triples = []
    for combo in itertools.product(*per_axis):
        i = k = j = 0
        for n, (i_n, k_n, j_n) in enumerate(combo):
            i, k, j = i * in_shape[n] + i_n, k * kernel_shape[n] + k_n, j * out_shape[n] + j_n
        triples.append((i, k, j))
    size_in, size_out, size_k = prod(in_shape), prod(out_shape), prod(kernel_shape)
    group_in = layer.in_channels // layer.groups
    group_out = layer.out_channels // layer.groups
    pairs: list[list[tuple[Expr, Expr]]] = [[] for _ in range(layer.out_channels * size_out)]
    for c in range(layer.in_channels):
        for local in range(group_out):
            o = (c // group_in) * group_out + local
            base = (c * group_out + local) * size_k
            for i, k, j in triples:
                pairs[o * size_out + j].append((layer.w[base + k], layer.y[c * size_in + i]))
    result = [dot(p) for p in pairs]
    if layer.bias is not None:
        result = [sympy.Add(v, layer.bias[n // size_out]) for n, v in enumerate(result)]
    return result


# --- the literal definition, at the level of indices ---------------------------------------
#
# Everything below restates the layer from its definition, on purpose, sharing no code
# with symconv.layout or symconv.ops: the padding words are resolved again from the
# frameworks' rules, the input is padded explicitly (a longer index array with the zeros
# written in), the kernel is dilated explicitly (holes between its taps), the window slides
# at stride 1 by a plain double loop and every s-th output is kept, and channels are
# assigned to groups by slicing. What comes out is, for each output, the multiset of
# (input index, weight index) pairs it multiplies, as plain ints: comparing them with the
# factors of each derived output costs a pass over its terms, never another SymPy sum.

Pairs = list[tuple[int, int]]

#: A SymPy object's arguments without the ``args`` property's Python call.
ARGS = attrgetter("_args")


def literal_padding(
    request: object, kernel_size: int, dilation: int, length: int, stride: int
) -> tuple[int, int]:
    """(left, right) zeros of a padding request, by each framework's stated rule."""
    reach = dilation * (kernel_size - 1)
    if isinstance(request, str):
        if request == "valid":
            return 0, 0
        if request == "full":
            return reach, reach
        if request == "same":  # PyTorch: the odd zero goes on the right
            return reach // 2, reach - reach // 2
        if request in ("same_upper", "same_lower"):  # ONNX auto_pad, TensorFlow, JAX
            outputs = -(-length // stride)
            total = max((outputs - 1) * stride + reach + 1 - length, 0)
            small, big = total // 2, total - total // 2
            return (small, big) if request == "same_upper" else (big, small)
        raise ValueError(f"the literal definition does not know the padding word {request!r}")
    if isinstance(request, (tuple, list)):
        return int(request[0]), int(request[1])
    return int(request), int(request)  # type: ignore[call-overload]


#: What a padded position outside the input reads, per PyTorch padding mode (``F.pad``):
#: nothing (a zero), the mirror image without the edge, the edge, or the other end.
MODE_READS: dict[str, Callable[[int, int], int | None]] = {
    "zeros": lambda j, n: None,
    "reflect": lambda j, n: -j if j < 0 else 2 * (n - 1) - j,
    "replicate": lambda j, n: 0 if j < 0 else n - 1,
    "circular": lambda j, n: j % n,
}


def literal_axis(
    length: int,
    kernel_size: int,
    stride: int,
    padding: object,
    dilation: int,
    flip: bool,
    mode: str = "zeros",
) -> LiteralWindows:
    """Per output of one axis, its (input index, kernel index) pairs, by the definition:
    the padded input written out as an index array (``None`` for a zero)."""
    left, right = literal_padding(padding, kernel_size, dilation, length, stride)
    read = MODE_READS[mode]
    padded: list[int | None] = (
        [read(j, length) for j in range(-left, 0)]
        + list(range(length))
        + [read(j, length) for j in range(length, length + right)]
    )
    dilated: list[int | None] = []
    for k in range(kernel_size):
        dilated.append(kernel_size - 1 - k if flip else k)
        if k < kernel_size - 1:
            dilated += [None] * (dilation - 1)
    return LiteralWindows(padded, dilated, stride)


class LiteralWindows(Sequence[Pairs]):
    """The windows of :func:`literal_axis`: the dilated kernel laid on the padded input
    at every start, every ``stride``-th start kept, each window's pairs listed when read.
    Listed all at once they were a list per output and a tuple per pair, 15 MB at
    (16384, 9), held while the definition's proof reads them once.

    >>> windows = LiteralWindows([None, 0, 1, 2, None], [0, None, 1], 2)
    >>> len(windows), windows[0], list(windows)
    (2, [(1, 1)], [[(1, 1)], [(1, 0)]])
    """

    def __init__(self, padded: list[int | None], dilated: list[int | None], stride: int) -> None:
        self.padded, self.dilated, self.stride = padded, dilated, stride
        self.size = len(range(0, len(padded) - len(dilated) + 1, stride))

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, index: int) -> Pairs: ...

    @overload
    def __getitem__(self, index: slice) -> list[Pairs]: ...

    def __getitem__(self, index: int | slice) -> Pairs | list[Pairs]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.size))]
        if not -self.size <= index < self.size:
            raise IndexError(f"window {index} of {self.size}")
        start = (index % self.size) * self.stride
        return [
            (j, k)
            for j, k in zip(self.padded[start : start + len(self.dilated)], self.dilated)
            if j is not None and k is not None
        ]


def literal_pairs(
    input_shape: Sequence[int],
    kernel_shape: Sequence[int],
    *,
    stride: Sequence[int],
    padding: Sequence[object],
    dilation: Sequence[int],
    flip: bool,
    channels: tuple[int, int, int] | None = None,
    mode: str = "zeros",
) -> tuple[tuple[int, ...], Sequence[Pairs]]:
    """The output shape and, per output (row-major, channel first), its pairs of flat
    input index (channel-major, row-major) and flat weight index (PyTorch's
    ``(C_out, C_in/groups, k...)`` order). ``channels`` is ``(C_in, C_out, groups)``."""
    axes = [
        literal_axis(n, k, s, p, d, flip, mode)
        for n, k, s, p, d in zip(input_shape, kernel_shape, stride, padding, dilation)
    ]
    spatial_out = tuple(len(a) for a in axes)
    grid: list[Pairs] = []
    for combo in itertools.product(*axes) if len(axes) > 1 else ():
        pairs = []
        for taps in itertools.product(*combo):
            j = k = 0
            for axis, (j_a, k_a) in enumerate(taps):
                j, k = j * input_shape[axis] + j_a, k * kernel_shape[axis] + k_a
            pairs.append((j, k))
        grid.append(pairs)
    # One axis: the flat indices are the axis's own, its windows listed as read.
    spatial: Sequence[Pairs] = axes[0] if len(axes) == 1 else grid
    if channels is None:
        return spatial_out, spatial
    c_in, c_out, groups = channels
    size_in, size_k = prod(input_shape), prod(kernel_shape)
    per_group_in, per_group_out = c_in // groups, c_out // groups
    result: list[Pairs] = []
    for o in range(c_out):
        group = range(c_in)[o // per_group_out * per_group_in :][:per_group_in]  # slicing
        for window in spatial:
            result.append(
                [
                    (c * size_in + j, ((o * per_group_in) + n) * size_k + k)
                    for n, c in enumerate(group)
                    for j, k in window
                ]
            )
    return (c_out, *spatial_out), result


def factor_pairs(
    expr: Expr, left: dict[int, int], right: dict[int, int], extra: dict[int, int]
) -> Counter[tuple[int, int]] | None:
    """The multiset of (left index, right index) pairs of a sum of products ``l * r``
    (and of single ``extra`` symbols, as ``(-1, index)``), or None if a term is anything
    else. The index maps are keyed by ``id`` of the symbols: a term's factors are the
    very objects the layer was given, and an ``id`` is hashed without running SymPy code.
    Reads each term's factors; builds nothing."""
    found: Counter[tuple[int, int]] = Counter()
    for term in sympy.Add.make_args(expr):
        args = term.args
        if type(term) is sympy.Mul and len(args) == 2:
            coefficient, (a, b) = 1, args
        elif id(term) in extra:
            found[(-1, extra[id(term)])] += 1
            continue
        elif term == 0:
            continue
        else:
            number, factors = term.as_coeff_mul()
            if len(factors) != 2 or not number.is_Integer or number < 1:
                return None
            coefficient, (a, b) = int(number), factors
        j, k = left.get(id(a)), right.get(id(b))
        if j is None or k is None:
            j, k = left.get(id(b)), right.get(id(a))
            if j is None or k is None:
                return None
        found[(j, k)] += coefficient
    return found


def symbol_indices(
    expr: Expr, left: dict[int, int], right: dict[int, int]
) -> tuple[list[int], list[int]] | None:
    """The fast path of :func:`factor_pairs`: for a sum whose every term is a product of
    one left and one right symbol, their indices as two aligned lists (read with C-level
    ``map``, no Python loop per term); None when any term is something else (a number,
    a coefficient, a bias), for :func:`factor_pairs` to read term by term."""
    if expr is sympy.S.Zero:
        return [], []
    terms = expr._args if type(expr) is sympy.Add else (expr,)
    if set(map(type, terms)) != {sympy.Mul}:
        return None
    factors = list(map(ARGS, terms))
    if set(map(len, factors)) != {2}:
        return None
    firsts, seconds = zip(*factors)
    for a, b in ((firsts, seconds), (seconds, firsts)):
        # SymPy orders a product's factors by name: the right symbol may come first.
        try:
            return list(map(left.__getitem__, map(id, a))), list(map(right.__getitem__, map(id, b)))
        except KeyError:
            continue
    return None


def distinct_symbols(values: Sequence[Expr]) -> dict[int, int] | None:
    """Index of each entry, keyed by ``id``, if all are distinct plain symbols (else None)."""
    # Keyed by id: two equal symbols made apart would get two indices, but then their
    # products merge into one term with a coefficient, and the fast path refuses it.
    index = {id(v): n for n, v in enumerate(values) if isinstance(v, sympy.Symbol)}
    return index if len(index) == len(values) else None


def agreement(
    derived: Sequence[Expr],
    expected: Sequence[Pairs],
    left: Sequence[Expr],
    right: Sequence[Expr],
    extra: Sequence[Sequence[Expr]] | None = None,
) -> tuple[int, Expr, Expr] | tuple[str, Expr | None, Expr | None] | None:
    """The first output whose terms differ from the definition's pairs, as a mismatch
    ``(position, derived, definition)``, or None. Symbolic entries are compared by
    their index pairs; numbers by the value of the definition's sum, built only then."""
    if len(derived) != len(expected):
        where = min(len(derived), len(expected))
        return (
            f"length {len(derived)} != {len(expected)}",
            derived[where] if where < len(derived) else None,
            written_out(expected[where], left, right, extra, where)
            if where < len(expected)
            else None,
        )
    left_index, right_index = distinct_symbols(left), distinct_symbols(right)
    symbolic = (
        left_index is not None
        and right_index is not None
        and not set(left_index) & set(right_index)
    )
    extra_index: dict[int, int] = {}
    if extra is not None and symbolic:
        # A bias symbol appears in every output of its channel: index the distinct ones.
        distinct = list(dict.fromkeys(v for values in extra for v in values))
        extra_index = {id(v): n for n, v in enumerate(distinct) if isinstance(v, sympy.Symbol)}
        symbolic = len(extra_index) == len(distinct) and not set(extra_index) & (
            set(left_index or ()) | set(right_index or ())
        )
    for n, (value, pairs) in enumerate(zip(derived, expected)):
        if symbolic:
            assert left_index is not None and right_index is not None
            if extra is None:
                found_pairs = symbol_indices(value, left_index, right_index)
                if found_pairs is not None and len(found_pairs[0]) == len(pairs):
                    wanted_set = set(pairs)
                    if len(wanted_set) == len(pairs) and wanted_set == set(zip(*found_pairs)):
                        continue  # as many distinct terms as pairs, the same pairs: a match
            found = factor_pairs(value, left_index, right_index, extra_index)
            wanted = Counter(pairs)
            if extra is not None:
                for symbol in extra[n]:
                    wanted[(-1, extra_index[id(symbol)])] += 1
            if found == wanted:
                continue
        else:
            literal = written_out(pairs, left, right, extra, n)
            if same(value, literal)[0]:
                continue
        return n, value, written_out(pairs, left, right, extra, n)
    return None


def written_out(
    pairs: Pairs,
    left: Sequence[Expr],
    right: Sequence[Expr],
    extra: Sequence[Sequence[Expr]] | None,
    n: int,
) -> Expr:
    """The definition's sum for one output, built with SymPy's own ``Add`` (to show it)."""
    terms = [left[j] * right[k] for j, k in pairs]
    if extra is not None:
        terms += list(extra[n])
    return sympy.Add(*terms)


def per_axis(value: object, dims: int) -> tuple[object, ...]:
    """A request's value for each axis: one value for all, or one per axis (restated from
    PyTorch's convention, not read from the layout)."""
    if dims == 1:
        return (value,)
    if isinstance(value, str) or not isinstance(value, (tuple, list)):
        return (value,) * dims
    return tuple(value)


def gradient_pairs(
    forward: Sequence[Pairs], inputs: int, weights: int
) -> tuple[list[Pairs], list[Pairs]]:
    """From the forward pairs of each output i, the pairs of ``dL/dw_k = sum g_i x_j``
    (``(i, j)`` for each k) and of ``dL/dx_j = sum g_i w_k`` (``(i, k)`` for each j)."""
    by_weight: list[Pairs] = [[] for _ in range(weights)]
    by_input: list[Pairs] = [[] for _ in range(inputs)]
    for i, pairs in enumerate(forward):
        for j, k in pairs:
            by_weight[k].append((i, j))
            by_input[j].append((i, k))
    return by_weight, by_input


def scattered_length(
    in_length: int, kernel_size: int, stride: int, padding: object, dilation: int, extra: int
) -> tuple[int, int]:
    """The output length of a transposed convolution two ways, from the request alone:
    scattering every ``y[i] w[k]`` to ``i*s + k*d`` literally (the furthest position
    written, less the cropped padding, plus ``output_padding`` zeros), and PyTorch's
    formula ``(L_in - 1)*s - p_l - p_r + d*(K - 1) + output_padding + 1``."""
    if isinstance(padding, int):
        left = right = padding
    else:
        left, right = padding  # type: ignore[misc]
    written = {i * stride + k * dilation for i in range(in_length) for k in range(kernel_size)}
    scattered = max(written) + 1 - left - right + extra
    formula = (in_length - 1) * stride - left - right + dilation * (kernel_size - 1) + extra + 1
    return scattered, formula


def gradients_agree(
    forward: Sequence[Pairs],
    grad_w: Sequence[Expr],
    grad_x: Sequence[Expr],
    x: Sequence[Expr],
    w: Sequence[Expr],
    g: Sequence[Expr],
) -> bool:
    """The fast, whole-layer form of the gradient comparison: the triples (i, j, k) of
    the definition (output i multiplies x_j by w_k) are exactly those read off the
    derived gradients, ``g_i x_j`` in ``dL/dw_k`` and ``g_i w_k`` in ``dL/dx_j``, each
    once. False sends the caller to the entry-by-entry comparison, which names the first
    entry that differs. (:class:`GradientTriples`, fed all at once.)
    """
    triples = GradientTriples(forward, x, w, g)
    triples.weights(0, grad_w)
    triples.inputs(0, grad_x)
    return triples.agree()


class GradientTriples:
    """:func:`gradients_agree` fed a block of gradients at a time, so a caller that
    builds them in blocks never holds them all: only ints are kept.

    Each triple is one int, ``(i * len(x) + j) * len(w) + k``, and each side an array of
    them, sorted when compared: 4 bytes a triple (8 past 2**32), where sets of tuples took
    48.5 MB at (4096, 64) (measured with tracemalloc). The definition's pairs are read
    once, here, and not kept.

    >>> from symconv import conv1d_grads, symbolic_vector
    >>> x, w, g = symbolic_vector("x", 4), symbolic_vector("w", 3), symbolic_vector("g", 2)
    >>> gx, gw = conv1d_grads(x, w, g)
    >>> _, pairs = literal_pairs((4,), (3,), stride=(1,), padding=(0,), dilation=(1,), flip=False)
    >>> triples = GradientTriples(pairs, list(x), list(w), list(g))
    >>> triples.weights(1, list(gw)[1:]); triples.weights(0, list(gw)[:1])
    >>> triples.inputs(0, list(gx)); triples.agree()
    True
    """

    def __init__(
        self, forward: Sequence[Pairs], x: Sequence[Expr], w: Sequence[Expr], g: Sequence[Expr]
    ) -> None:
        self.expected: array[int] | None = None
        self.found: dict[str, array[int]] = {}
        g_index, x_index, w_index = distinct_symbols(g), distinct_symbols(x), distinct_symbols(w)
        if g_index is None or x_index is None or w_index is None:
            return
        if set(g_index) & (set(x_index) | set(w_index)) or set(x_index) & set(w_index):
            return
        self.g_index = g_index
        #: Each side's inner symbols' index: dL/dw_k's terms are g_i x_j, dL/dx_j's
        #: g_i w_k. A side's goes when that side is compared (1.5 MB at (16384, 9)).
        self.inner = {"w": x_index, "x": w_index}
        inputs, weights = self.inputs_count, self.weights_count = len(x), len(w)
        top = max(len(forward), len(g)) * inputs * weights
        if top >= 2**63:
            return  # codes beyond int64: compare entry by entry
        # Output i's codes lie between i * inputs * weights and the next output's, so the
        # outputs' codes, each output's sorted, are all sorted: no list of all of them.
        expected = code_array(top)
        for i, pairs in enumerate(forward):
            base = i * inputs
            expected.extend(sorted((base + j) * weights + k for j, k in pairs))
        if any(map(eq, expected, islice(expected, 1, None))):
            return  # a pair read twice (a padding mode): compare entry by entry
        self.expected = expected
        self.found = {"w": code_array(top), "x": code_array(top)}

    def weights(self, start: int, values: Sequence[Expr]) -> None:
        """Read ``dL/dw_k`` for k from ``start`` on."""
        if self.expected is None:
            return
        inputs, weights = self.inputs_count, self.weights_count

        def code(i: int, j: int, k: int) -> int:
            return (i * inputs + j) * weights + k

        self.read(values, start, self.inner["w"], code, "w")

    def inputs(self, start: int, values: Sequence[Expr]) -> None:
        """Read ``dL/dx_j`` for j from ``start`` on."""
        if self.expected is None:
            return
        inputs, weights = self.inputs_count, self.weights_count

        def code(i: int, k: int, j: int) -> int:
            return (i * inputs + j) * weights + k

        self.read(values, start, self.inner["x"], code, "x")

    def read(
        self,
        values: Sequence[Expr],
        start: int,
        inner: dict[Expr, int],
        code: Callable[[int, int, int], int],
        side: str,
    ) -> None:
        found = self.found[side]
        for n, value in enumerate(values, start):
            read = symbol_indices(value, self.g_index, inner)
            if read is None:
                self.expected = None  # not a sum of g_i * symbol: entry by entry
                return
            found.extend(map(code, read[0], read[1], repeat(n)))

    def finish(self, side: str) -> None:
        """Compare one side (``"w"`` or ``"x"``) once all of it is read, and let its
        codes and its inner index go (:func:`same_codes` compares the codes in runs, so
        a caller reading in blocks spends little when its blocks are gone). Once both
        sides agree, only the verdict stays."""
        found = self.found.pop(side, None)
        if found is None or self.expected is None:
            return
        del self.inner[side]
        if not same_codes(found, self.expected):
            self.expected = None
        elif not self.found:  # both sides compared and agreed: the verdict stays
            del self.g_index
            self.expected = code_array(1)

    def agree(self) -> bool:
        """Every triple read, each once, and no other: False when they differ or could
        not be read (then compare entry by entry)."""
        for side in list(self.found):
            self.finish(side)
        return self.expected is not None


#: Codes sorted at a time by :func:`same_codes`.
CODES_AT_ONCE = 1 << 13


def same_codes(found: array[int], expected: array[int]) -> bool:
    """Whether ``found`` holds exactly the codes of ``expected`` (sorted, each once),
    sorting ``found`` in place a run at a time.

    Sorting all the codes at once made a list of them, 40 bytes a code (5.9 MB passing
    through at (16384, 9)). Here ``found`` is sorted a run of :data:`CODES_AT_ONCE`
    codes at a time, then compared with one slice of ``expected`` at a time: the
    slice's range cuts a piece from each sorted run (bisected), and the pieces, sorted
    together, must be the slice. The ranges cover every int, so a code outside
    ``expected`` lands in some piece and breaks it.

    >>> same_codes(array("q", [5, 1, 3]), array("q", [1, 3, 5]))
    True
    >>> same_codes(array("q", [5, 1, 1]), array("q", [1, 3, 5]))
    False
    """
    if len(found) != len(expected):
        return False
    step = CODES_AT_ONCE
    runs = range(0, len(found), step)
    for a in runs:
        found[a : a + step] = array(found.typecode, sorted(found[a : a + step]))
    for p in range(0, len(expected), step):
        part = expected[p : p + step]
        low = part[0] if p else None
        high = expected[p + step] if p + step < len(expected) else None
        pieces = array(found.typecode)
        for a in runs:
            b = min(a + step, len(found))
            lo = a if low is None else bisect_left(found, low, a, b)
            hi = b if high is None else bisect_left(found, high, lo, b)
            pieces += found[lo:hi]
        if sorted(pieces) != part.tolist():
            return False
    return True
