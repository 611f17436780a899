"""Batches: one kernel tied across samples as across positions, one loss over the batch.

A batch ``(B, C_in, ...)`` is the channel layout repeated down the diagonal
(:class:`~symconv.layout.channels.ChannelLayout` with ``batch=B``), so its matrix is
block diagonal with the same blocks. With ``L = sum_n sum g_n y_n`` the weight (and
bias) gradient is the sum of the per-sample gradients, and the input gradient of a
sample is that sample's own: it reads no symbol of another sample.

Examples
========

>>> import sympy
>>> from sympy import Array
>>> from symconv import prove_batch_gradients
>>> x = Array(sympy.symbols("x0:6"), (2, 1, 3))
>>> w = Array(sympy.symbols("w0:2"), (1, 1, 2))
>>> g = Array(sympy.symbols("g0:4"), (2, 1, 2))
>>> prove_batch_gradients(x, w, g).holds
True
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence

import sympy
from sympy import Expr

from symconv.core.engine import in_session
from symconv.core.tensors import as_tensor, rank_of
from symconv.layout.channels import ChannelLayer, channel_layer
from symconv.ops.channels import derive_channel_gradients, outputs, upstream_entries
from symconv.proofs.channels import channel_pairs
from symconv.proofs.definition import as_requested, definition_step, gradient_definition_steps
from symconv.proofs.proof import Proof, Step, check, observe


def samples_of(layer: ChannelLayer) -> list[ChannelLayer]:
    """Each sample of a batched layer as its own unbatched layer (the same w and b)."""
    single = dataclasses.replace(layer.layout, batch=0)
    q_all = single.input_length
    return [
        ChannelLayer(
            single,
            layer.x[n * q_all : (n + 1) * q_all],
            layer.w,
            layer.bias,
            layer.sample_shape,
            layer.kernel_shape,
        )
        for n in range(layer.layout.batch)
    ]


def symbols_of(values: Sequence[Expr]) -> set[sympy.Basic]:
    return set().union(*(sympy.sympify(v, strict=True).free_symbols for v in values))


def independence_step(
    grad_x: Sequence[Expr], samples: Sequence[ChannelLayer], g: Sequence[Expr]
) -> Step:
    """Claim: sample n's dL/dx contains no symbol that only another sample's x or g holds."""
    q_all, p_all = len(samples[0].x), len(g) // len(samples)
    own = [
        symbols_of(s.x) | symbols_of(g[n * p_all : (n + 1) * p_all]) for n, s in enumerate(samples)
    ]
    shared = symbols_of(samples[0].w) | symbols_of(samples[0].bias or [])
    leaks: list[tuple[int, tuple[int, ...], str]] = []
    for n in range(len(samples)):
        others = set().union(*(own[m] for m in range(len(samples)) if m != n)) - own[n] - shared
        for q in range(q_all):
            found = sympy.sympify(grad_x[n * q_all + q], strict=True).free_symbols & others
            if found:
                leaks.append((n, (q,), ", ".join(sorted(map(str, found)))))
    return observe(
        "a sample's input gradient reads that sample only",
        not leaks,
        law=(
            r"$y_n$ depends on $x_n$ alone, so $\partial L/\partial x_n = "
            r"\partial (g_n \cdot y_n)/\partial x_n$ holds no symbol of $x_m$ or $g_m$, $m \ne n$"
        ),
        details={"samples": len(samples), "leaks": leaks[:3]},
    )


@in_session
def prove_batch_gradients(
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
    grad_w: object = None,
) -> Proof:
    """Prove, for a batch x ``(B, C_in, ...)``, kernel w ``(C_out, C_in/groups, k...)``
    and upstream ``(B, C_out, ...)``, with ``L = sum_n sum g_n y_n``: the batch output is
    each sample's output; ``dL/dw`` (and ``dL/db``) is the sum of the per-sample
    gradients; ``dL/dx_n`` is sample n's own gradient and reads no other sample; the
    outputs and both gradients agree with the literal definition, sample by sample.

    ``grad_w`` is a weight gradient you claim (shaped as w); it is checked against the
    sum of the per-sample gradients instead of the derived one.

    >>> import sympy
    >>> from sympy import Array
    >>> x = Array(sympy.symbols("x0:4"), (2, 1, 2))
    >>> w, g = Array([[[sympy.Symbol("w")]]]), Array(sympy.symbols("g0:4"), (2, 1, 2))
    >>> proof = prove_batch_gradients(x, w, g)
    >>> proof.holds, proof.step("weight gradient is the sum over samples").lhs
    (True, (g0*x0 + g1*x1 + g2*x2 + g3*x3,))
    >>> prove_batch_gradients(x, w, g, grad_w=[[[g[0, 0, 0] * x[0, 0, 0]]]]).holds
    False
    """
    rank = rank_of(w)
    if rank < 3 or rank_of(x) != rank:
        raise ValueError(
            f"a batch needs x of rank {max(rank, 3)} (B, C_in, ...) and a channel kernel w "
            f"(C_out, C_in/groups, ...) of the same rank; got x of rank {rank_of(x)} and "
            f"w of rank {rank}"
        )
    layer = channel_layer(
        x,
        w,
        bias=bias,
        groups=groups,
        dims=rank - 2,
        stride=stride,
        padding=padding,
        dilation=dilation,
        flip=flip,
        padding_mode=padding_mode,
    )
    g = upstream_entries(upstream, layer)
    derived = derive_channel_gradients(layer, g)
    samples = samples_of(layer)
    p_all = len(g) // len(samples)
    per_sample = [
        derive_channel_gradients(s, g[n * p_all : (n + 1) * p_all]) for n, s in enumerate(samples)
    ]
    claimed = derived.grad_w
    if grad_w is not None:
        shape, claimed = as_tensor(grad_w, rank, "grad_w")
        if shape != layer.kernel_shape:
            raise ValueError(
                f"grad_w has shape {shape} but the kernel has shape {layer.kernel_shape}"
            )
    weight_labels = list(itertools.product(*[range(n) for n in layer.kernel_shape]))
    input_labels = list(itertools.product(*[range(n) for n in layer.input_shape]))
    output_labels = list(itertools.product(*[range(n) for n in layer.output_shape]))
    y = outputs(layer)
    # The definition's pairs of one sample, moved to each sample's inputs: the literal
    # definition knows channels, not batches, and a batch is its samples side by side.
    request = as_requested(stride, padding, dilation, flip, padding_mode)
    q_all = layer.layout.sample_input_length
    forward = [
        [(n * q_all + j, k) for j, k in pairs]
        for n in range(layer.layout.batch)
        for pairs in channel_pairs(samples[0], request)
    ]
    bias_of = layer.layout.channel_of_output
    steps = [
        check(
            "batch output is each sample's output",
            y,
            [v for s in samples for v in outputs(s)],
            law=r"the batch's matrix is $\operatorname{diag}(T, \dots, T)$: $y_n = T x_n + b$",
            labels=output_labels,
        ),
        definition_step(
            y,
            forward,
            layer.x,
            layer.w,
            labels=output_labels,
            extra=(
                [[layer.bias[bias_of(n)]] for n in range(len(y))]
                if layer.bias is not None
                else None
            ),
        ),
        *gradient_definition_steps(
            forward,
            derived.grad_w,
            derived.grad_x,
            layer.x,
            layer.w,
            g,
            weight_labels=weight_labels,
            input_labels=input_labels,
        ),
        check(
            "weight gradient is the sum over samples",
            claimed,
            [sympy.Add(*[p.grad_w[k] for p in per_sample]) for k in range(len(layer.w))],
            law=(
                r"$w$ is tied across samples as across positions: "
                r"$\partial L/\partial w = \sum_n \partial (g_n \cdot y_n)/\partial w$"
            ),
            labels=weight_labels,
        ),
        check(
            "input gradient is the sample's own",
            derived.grad_x,
            [v for p in per_sample for v in p.grad_x],
            law=r"$\partial L/\partial x_n = T^{\top} g_n$",
            labels=input_labels,
        ),
        independence_step(derived.grad_x, samples, g),
    ]
    if derived.grad_b is not None:
        steps.append(
            check(
                "bias gradient is the sum over samples",
                derived.grad_b,
                [
                    sympy.Add(*[p.grad_b[o] for p in per_sample if p.grad_b is not None])
                    for o in range(layer.layout.out_channels)
                ],
                law=r"$\partial L/\partial b = \sum_n \partial (g_n \cdot y_n)/\partial b$",
                labels=[(o,) for o in range(layer.layout.out_channels)],
            )
        )
    return Proof(
        title=f"Gradients of a batch through a {layer.dims}-D convolution layer",
        statement=(
            f"For a batch of {layer.layout.batch} samples, {layer.describe()}, and "
            r"$L = \sum_n g_n \cdot y_n$: $\partial L/\partial w = \sum_n "
            r"\partial L_n/\partial w$ and $\partial L/\partial x_n$ depends on sample $n$ only."
        ),
        steps=steps,
        assumptions=(r"the upstream gradient $g$ does not depend on $x$, $w$ or $b$",),
    )
