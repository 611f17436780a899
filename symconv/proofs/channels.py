"""Proofs for channels, groups and bias: the layer is one block matrix of tied bands.

Examples
========

>>> import sympy
>>> from sympy import Array, Matrix
>>> from symconv import prove_channels
>>> x = Matrix(2, 3, sympy.symbols("x0:6"))
>>> w = Array(sympy.symbols("w0:4"), (1, 2, 2))
>>> prove_channels(x, w).holds
True
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import sympy
from sympy import Expr, S

from symconv.core.engine import in_session, total
from symconv.core.tensors import rank_of
from symconv.layout.channels import ChannelLayer, ChannelLayout, channel_layer, flat
from symconv.ops.banded import BandedMatrix, band_from_settings
from symconv.ops.channels import biased, derive_channel_gradients, plus_bias, upstream_entries
from symconv.ops.datamatrix import data_transpose_times, rows_from_settings
from symconv.ops.sliding import sliding_outputs
from symconv.proofs.definition import (
    as_requested,
    definition_step,
    gradient_definition_steps,
    layer_pairs,
)
from symconv.proofs.proof import Proof, Step, check, observe
from symconv.proofs.references import Pairs
from symconv.proofs.tied import tied_weight_steps


def proof_dims(x: object, w: object) -> int:
    """The spatial axes of a channel kernel of rank >= 3; a batch goes to
    :func:`~symconv.proofs.batches.prove_batch_gradients`."""
    rank = rank_of(w)
    if rank < 3:
        raise ValueError(
            f"kernel w must have rank 3 (C_out, C_in/groups, K) or more: rank N + 2 for N "
            f"spatial axes (4 for 2-D, 5 for 3-D); got rank {rank}"
        )
    if rank_of(x) == rank:
        raise ValueError(
            f"input x of rank {rank} is a batch (B, C_in, ...); prove one sample "
            f"(C_in, ...) of rank {rank - 1} here, or the batch with prove_batch_gradients"
        )
    return rank - 2


def sum_of(parts: Sequence[Expr]) -> Expr:
    """``Add(*parts)`` built from the parts' terms: Add flattens nested sums into their
    terms and collects like ones, which :func:`~symconv.core.engine.total` does too (a
    sum of the same terms built before in the session is found, not sorted again).

    >>> from sympy import symbols
    >>> a, b, c, d = symbols("a b c d")
    >>> sum_of([a * b + c * d, a * c]) == sympy.Add(a * b + c * d, a * c)
    True
    """
    return total(
        [term for part in parts for term in sympy.Add.make_args(part) if term is not S.Zero]
    )


def single_channel_outputs(layer: ChannelLayer, o: int, c: int) -> list[Expr]:
    """conv(x[group(o)*C_in/groups + c], w[o, c]): one single-channel layer."""
    s = layer.layout
    k_size, q_size = s.spatial.kernel_size, s.spatial.input_length
    channel = s.group_of(o) * s.group_in + c
    kernel = layer.w[(o * s.group_in + c) * k_size : (o * s.group_in + c + 1) * k_size]
    image = layer.x[channel * q_size : (channel + 1) * q_size]
    return sliding_outputs(image, kernel, s.spatial)


def block_steps(layer: ChannelLayer, t: BandedMatrix) -> list[Step]:
    """Claims that T is ``C_out x C_in`` blocks: block ``(o, c)`` is the single-channel
    band of ``w[o, c - group(o)*C_in/groups]`` inside o's group and zero across groups,
    each block built afresh by the single-channel code and compared with T's entries."""
    s = layer.layout
    p_size, q_size, k_size = (
        s.spatial.output_length,
        s.spatial.input_length,
        s.spatial.kernel_size,
    )
    # Compared as ints: each entry with the index of a weight it holds (a folded entry
    # of a padding mode once per weight it sums), as one int, T's against the blocks'
    # moved to their place in T; then the weights those indices name, once per weight.
    columns, count = t.shape[1], len(layer.w)
    group_in = s.group_in
    group = [s.group_of(o) for o in range(s.out_channels)]
    held: set[int] = set()
    crossing: list[tuple[int, int]] = []
    for (i, j), k in t.ties.items():
        held.add((i * columns + j) * count + k)
        if group[i // p_size] != j // q_size // group_in:
            crossing.append((i, j))
    assembled: set[int] = set()
    weights: list[Expr] = list(layer.w)
    for o in range(s.out_channels):
        for c in range(group_in):
            channel = group[o] * group_in + c
            start = (o * group_in + c) * k_size
            block = band_from_settings(layer.w[start : start + k_size], s.spatial)
            row, column = o * p_size, channel * q_size
            assembled.update(
                ((row + i) * columns + column + j) * count + start + k
                for (i, j), k in block.ties.items()
            )
            weights[start : start + k_size] = block.weights
    same_ties = assembled == held
    return [
        observe(
            "zero blocks across groups",
            not crossing,
            law=r"output channel $o$ reads only the input channels of its group",
            details={"groups": s.groups, "crossing entries": crossing[:3]},
        ),
        observe(
            "blocks hold the single-channel bands",
            same_ties,
            law=(
                r"block $(o, c)$ of $T$ is $T(w_{o,c'})$ where "
                r"$c = \operatorname{group}(o)\, C_{\mathrm{in}}/G + c'$: the same entries, "
                r"each tied to the same weight index"
            ),
            details={"band entries": len(held)},
        ),
        # Both sides are w's own entries in w's order (T and every block are built from
        # slices of layer.w, kept as given): an observation, not a proof. What the blocks
        # are is proved by the tie indices above and by the products' steps.
        observe(
            "block entries are the single-channel weights",
            list(t.weights) == weights,
            law=(
                r"Observation: $T_{(o, p), (c, q)} = T(w_{o,c'})_{p, q}$: the tied entries "
                r"agree (above), and $T$ and the blocks hold the same weights, each read "
                r"from $w$ as given"
            ),
            details={"weights": len(weights)},
        ),
    ]


@in_session
def prove_channels(
    x: object,
    w: object,
    *,
    bias: object = None,
    groups: object = 1,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    padding_mode: object = "zeros",
) -> Proof:
    """Prove the matrix form of a multi-channel layer (N-D for a kernel of rank N + 2):
    ``y = T x + b`` with T block-structured by groups, and each output channel the sum
    of single-channel convolutions over its group. With a ``padding_mode`` each channel
    is padded by the mode, and an entry of T may be a sum of weights of its block.

    >>> import sympy
    >>> from sympy import Array, Matrix
    >>> from symconv.proofs.channels import prove_channels
    >>> w = Array(sympy.symbols("w0:8"), (2, 2, 2))
    >>> x = Matrix(2, 3, sympy.symbols("x0:6"))
    >>> prove_channels(x, w, bias=sympy.symbols("b0:2")).holds
    True
    """
    dims = proof_dims(x, w)
    layer = channel_layer(
        x,
        w,
        bias=bias,
        groups=groups,
        dims=dims,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
        padding_mode=padding_mode,
    )
    s = layer.layout
    z = sliding_outputs(layer.x, layer.w, flat(s))
    y = biased(z, layer)
    t = band_from_settings(layer.w, flat(s))
    p_size = s.spatial.output_length
    biases = layer.bias
    # T x built row by row; where a row's sum is the very sum the windows built (the
    # session's products and sums are shared), its biased output is y's, not rebuilt.
    product = t.matvec(layer.x)
    if biases is not None:
        product = [
            y[n] if v is z[n] else plus_bias(v, biases[n // p_size]) for n, v in enumerate(product)
        ]
    summed: list[Expr] = []
    for o in range(s.out_channels):
        per_channel = [single_channel_outputs(layer, o, c) for c in range(s.group_in)]
        for p in range(p_size):
            value = sum_of([part[p] for part in per_channel])
            summed.append(plus_bias(value, biases[o]) if biases is not None else value)
    labels = [divmod(n, p_size) for n in range(len(y))]
    steps = [
        check(
            "block matrix product",
            y,
            product,
            law=r"$y = T(w) \operatorname{vec}(x) + b$, $\operatorname{vec}$ channel-major",
            labels=labels,
            details={"band": t},
        ),
        check(
            "sum of single-channel convolutions",
            y,
            summed,
            law=(
                r"$y_o = b_o + \sum_{c'} \operatorname{conv}(x_{\operatorname{group}(o) "
                r"C_{\mathrm{in}}/G + c'}, w_{o,c'})$"
            ),
            labels=labels,
        ),
        *block_steps(layer, t),
        definition_step(
            y,
            channel_pairs(
                layer,
                as_requested(stride, padding, dilation, flip, padding_mode),
            ),
            layer.x,
            layer.w,
            labels=labels,
            extra=[[biases[n // p_size]] for n in range(len(y))] if biases is not None else None,
        ),
    ]
    return Proof(
        title=f"Matrix form of a multi-channel {dims}-D convolution layer",
        statement=(
            f"For {layer.describe()}: "
            r"$y = T(w)\, x + b$ with $T$ block-structured by groups."
        ),
        steps=steps,
        assumptions=(r"$\operatorname{vec}$ flattens channel-major, then row-major",),
    )


def channel_pairs(layer: ChannelLayer, request: dict[str, object]) -> Sequence[Pairs]:
    """The definition's pairs of a multi-channel layer (groups assigned by slicing)."""
    s = layer.layout
    return layer_pairs(
        layer.input_shape[1:],
        layer.kernel_shape[2:],
        request,
        channels=(s.in_channels, s.out_channels, s.groups),
    )


def bias_gradient_step(grad_b: Sequence[Expr], g: Sequence[Expr], layout: ChannelLayout) -> Step:
    """Claim: ``dL/db_o == sum_p g[o, p]``, the upstream summed over o's positions."""
    p_size = layout.spatial.output_length
    return check(
        "bias gradient is the channel's upstream sum",
        grad_b,
        [sympy.Add(*g[o * p_size : (o + 1) * p_size]) for o in range(layout.out_channels)],
        law=(
            r"$y_{o,p} = \dots + b_o$ for every $p$: "
            r"$\partial L/\partial b_o = \sum_p g_{o,p}$"
        ),
        labels=[(o,) for o in range(layout.out_channels)],
    )


@in_session
def prove_channel_gradients(
    x: object,
    w: object,
    upstream: object,
    *,
    bias: object = None,
    groups: object = 1,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    padding_mode: object = "zeros",
) -> Proof:
    """The tied-weight proof for a multi-channel layer: each weight's gradient is the sum
    over its tie set (inside its block), ``dL/dx = T^T g``, ``dL/dw[o, c'] = X_c^T g_o``
    (the im2col of its input channel against its output channel's upstream),
    ``dL/db_o = sum_p g[o, p]``, and a step keeps every zero (across groups too) zero.

    >>> import sympy
    >>> from sympy import Array, Matrix
    >>> w = Array(sympy.symbols("w0:4"), (2, 1, 2))
    >>> x = Matrix(2, 3, sympy.symbols("x0:6"))
    >>> g = Matrix(2, 2, sympy.symbols("g0:4"))
    >>> proof = prove_channel_gradients(x, w, g, groups=2, bias=sympy.symbols("b0:2"))
    >>> proof.holds, proof.step("bias gradient is the channel's upstream sum").lhs
    (True, (g0 + g1, g2 + g3))
    """
    dims = proof_dims(x, w)
    layer = channel_layer(
        x,
        w,
        bias=bias,
        groups=groups,
        dims=dims,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
        padding_mode=padding_mode,
    )
    g = upstream_entries(upstream, layer)
    derived = derive_channel_gradients(layer, g)
    s = layer.layout
    p_size, q_size = s.spatial.output_length, s.spatial.input_length
    spatial = s.spatial
    closed_w: list[Expr] = []
    data: dict[int, list[list[Expr]]] = {}  # X of each input channel, read by C_out/G outputs
    for o in range(s.out_channels):
        g_o = g[o * p_size : (o + 1) * p_size]
        for c in range(s.group_in):
            channel = s.group_of(o) * s.group_in + c
            rows = data.get(channel)
            if rows is None:
                image = layer.x[channel * q_size : (channel + 1) * q_size]
                rows = data[channel] = rows_from_settings(image, spatial)
            column = data_transpose_times(rows, g_o)
            closed_w += column[::-1] if s.flip else column
    weight_labels = list(itertools.product(*[range(n) for n in layer.kernel_shape]))
    input_labels = list(itertools.product(*[range(n) for n in layer.input_shape]))
    steps = tied_weight_steps(
        layer.x,
        layer.w,
        g,
        flat(s),
        derived.grad_x,
        derived.grad_w,
        closed_w,
        weight_labels=weight_labels,
        input_labels=input_labels,
        weight_name=(
            r"weight gradient is $\operatorname{rev}(X^{\top} g)$"
            if s.flip
            else r"weight gradient is $X^{\top} g$"
        ),
    )
    request = as_requested(stride, padding, dilation, flip, padding_mode)
    steps += gradient_definition_steps(
        channel_pairs(layer, request),
        derived.grad_w,
        derived.grad_x,
        layer.x,
        layer.w,
        g,
        weight_labels=weight_labels,
        input_labels=input_labels,
    )
    if derived.grad_b is not None:
        steps.append(bias_gradient_step(derived.grad_b, g, s))
    return Proof(
        title=f"Tied-weight gradients of a multi-channel {dims}-D convolution layer",
        statement=(
            r"For $L = \sum g y$, "
            f"{layer.describe()}: "
            r"$\partial L/\partial w$ is the sum over each tie set, "
            r"$\partial L/\partial x = T^{\top} g$, "
            r"$\partial L/\partial b_o = \sum_p g_{o,p}$, and a step on $w$ keeps the zero "
            r"blocks of $T$ and its ties."
        ),
        steps=steps,
        assumptions=(
            r"the upstream gradient $g$ does not depend on $x$, $w$ or $b$",
            r"$\eta$ is the learning rate",
        ),
    )
