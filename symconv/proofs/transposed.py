"""The transposed-convolution proofs: PyTorch's scatter is C^T y, the forward layer's
input gradient, and (one channel) Dumoulin and Visin's zero-insertion convolution.

Examples
========

>>> from symconv import prove_transposed, symbolic_vector
>>> prove_transposed(symbolic_vector("y", 3), symbolic_vector("w", 2), stride=2).holds
True
"""

from __future__ import annotations

import itertools
from math import prod
from typing import Any

import sympy
from sympy import Dummy, Expr, Matrix, S

from symconv.core.engine import in_session
from symconv.core.images import as_image
from symconv.core.tensors import as_tensor, rank_of
from symconv.core.vectors import as_vector
from symconv.layout.axis import conv_settings
from symconv.layout.channels import ChannelLayer
from symconv.layout.grid import ConvSettingsND
from symconv.layout.transposed import TransposedLayer, transposed_layer
from symconv.ops.banded import BandedMatrix, band_from_settings
from symconv.ops.channels import derive_channel_gradients
from symconv.ops.sliding import sliding_outputs
from symconv.ops.transposed import padded_upstream
from symconv.proofs.matrix_form import DENSE_CHECK_LIMIT
from symconv.proofs.proof import Proof, Step, check
from symconv.proofs.references import per_axis, scatter, scattered_length


def zero_insertion(layer: TransposedLayer) -> list[Expr] | None:
    """Dumoulin and Visin's direct form: insert ``stride - 1`` zeros between the inputs,
    pad by ``d*(K-1) - left`` and ``d*(K-1) - right + output_padding`` (cropping where
    negative) and convolve with the flipped kernel (single channel only)."""
    if layer.channels:
        return None
    in_shape = layer.in_shape
    stuffed_shape = tuple(
        (n - 1) * axis.stride + 1 for n, axis in zip(in_shape, layer.axes, strict=True)
    )
    stuffed = [S.Zero] * prod(stuffed_shape)
    for index in itertools.product(*[range(n) for n in in_shape]):
        source = target = 0
        for n, (i, axis) in enumerate(zip(index, layer.axes, strict=True)):
            source = source * in_shape[n] + i
            target = target * stuffed_shape[n] + i * axis.stride
        stuffed[target] = layer.y[source]
    settings, crops = [], []
    for n, axis in enumerate(layer.axes):
        reach = axis.dilation * (axis.kernel_size - 1)
        extra = axis.input_length - 1 - (in_shape[n] - 1) * axis.stride + axis.left
        extra += axis.right - reach  # the output_padding, from L's formula
        before, after = reach - axis.left, reach - axis.right + extra
        settings.append(
            conv_settings(
                axis.kernel_size,
                stuffed_shape[n],
                padding=(max(before, 0), max(after, 0)),
                dilation=axis.dilation,
                flip=True,
            )
        )
        crops.append((max(-before, 0), max(-after, 0)))
    spatial: Any = settings[0] if len(settings) == 1 else ConvSettingsND.of(settings)
    full = sliding_outputs(stuffed, layer.w, spatial)
    full_shape = tuple(s.output_length for s in settings)
    kept = []
    for index in itertools.product(*[range(n) for n in full_shape]):
        if all(lo <= i < n - hi for i, n, (lo, hi) in zip(index, full_shape, crops, strict=True)):
            flat = 0
            for i, n in zip(index, full_shape, strict=True):
                flat = flat * n + i
            kept.append(full[flat])
    if layer.bias is not None:
        kept = [sympy.Add(v, layer.bias[0]) for v in kept]
    return kept


def transposed_steps(
    layer: TransposedLayer,
    t: BandedMatrix | None = None,
    request: dict[str, object] | None = None,
) -> list[Step]:
    """The claims of :func:`prove_transposed` for a resolved layer, against the forward
    layer's band ``t`` (built from the layer unless given, so a test can give a wrong one).

    ``request`` is the call as the user made it (``in_shape`` of y, ``stride``,
    ``padding``, ``dilation``, ``output_padding``): the output length is compared with
    the length a literal scatter writes and with PyTorch's formula, both from it alone;
    without it the layer's own axes stand in (an observation, not a proof)."""
    out = scatter(layer)
    forward = layer.forward_layout
    if t is None:
        t = band_from_settings(layer.w, forward)
    g = padded_upstream(layer)

    def plus_bias(values: list[Expr]) -> list[Expr]:
        if layer.bias is None:
            return values
        size = prod(layer.out_shape)
        return [sympy.Add(v, layer.bias[n // size]) for n, v in enumerate(values)]

    labels = list(itertools.product(*[range(n) for n in layer.result_shape()]))
    if not layer.channels and len(layer.axes) == 1:
        labels = [(j,) for j in range(len(out))]
    steps = [
        length_step(layer, request),
        check(
            r"transposed convolution is $C^{\top} y$",
            out,
            plus_bias(t.rmatvec(g)),
            law=(
                r"PyTorch's definition, scattering $y_i w$ into the output, is $C^{\top} y$ "
                r"for the forward band $C$ (Dumoulin and Visin)"
            ),
            labels=labels,
            details={"band": t},
        ),
    ]
    if t.shape[0] * t.shape[1] <= DENSE_CHECK_LIMIT:
        steps.append(
            check(
                r"dense $C^{\top} y$",
                out,
                plus_bias(list(t.to_matrix().T * Matrix(g))),
                law=r"Cross-check: the dense $C^{\top}$ times $y$, multiplied by SymPy",
                labels=labels,
            )
        )
    placeholders = [Dummy(f"x{n}") for n in range(forward.input_length)]
    spatial_in = tuple(axis.input_length for axis in layer.axes)
    source = ChannelLayer(
        forward,
        placeholders,
        layer.w,
        None,
        (layer.out_channels,) + spatial_in,
        (layer.in_channels, layer.out_channels // layer.groups) + layer.kernel_shape,
    )
    derived = derive_channel_gradients(source, g)
    steps.append(
        check(
            "input gradient of the forward layer",
            out,
            plus_bias(derived.grad_x),
            law=(
                r"$\partial/\partial x$ of $\sum_i y_i \operatorname{conv}(x, w)_i$, "
                r"differentiated term by term: the transposed convolution is the forward "
                r"layer's backward pass"
            ),
            labels=labels,
        )
    )
    direct = zero_insertion(layer)
    if direct is not None:
        steps.append(
            check(
                "zero insertion",
                out,
                direct,
                law=(
                    r"insert $s - 1$ zeros between the inputs, pad by $d(K-1) - p$ (and the "
                    r"output padding after) and convolve with the flipped kernel"
                ),
                labels=labels,
            )
        )
    return steps


@in_session
def prove_transposed(
    y: object,
    w: object,
    *,
    bias: object = None,
    groups: object = 1,
    stride: object = 1,
    padding: object = 0,
    output_padding: object = 0,
    dilation: object = 1,
) -> Proof:
    """Prove ``conv_transpose1d(y, w) == conv_matrix(w, L, ...).T * y`` for the output
    length L, that it is the forward layer's input gradient, and (one channel) that it is
    the direct convolution of the zero-stuffed input with the flipped kernel.

    A rank-3 kernel ``(C_in, C_out/groups, K)`` proves the multi-channel layer; a kernel
    of rank N + 2 >= 4 with y ``(C_in, ...)`` the N-D one (``conv_transpose3d`` for 5).

    >>> from symconv import symbolic_vector
    >>> proof = prove_transposed(symbolic_vector("y", 3), symbolic_vector("w", 2), stride=2)
    >>> proof.holds
    True
    >>> for step in proof.steps:
    ...     print(step.name)
    output length
    transposed convolution is C^T y
    dense C^T y
    input gradient of the forward layer
    zero insertion
    """
    dims = rank_of(w) - 2 if rank_of(w) >= 4 else 1
    layer = transposed_layer(
        y,
        w,
        dims=dims,
        bias=bias,
        groups=groups,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
    )
    if layer.batch:
        raise ValueError(
            f"input y of shape {(layer.batch, layer.in_channels) + layer.in_shape} is a batch; "
            "prove one sample (C_in, ...) at a time"
        )
    request = {
        "in_shape": spatial_shape(y, w, dims),
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "output_padding": output_padding,
    }
    return transposed_proof(layer, f"{dims}-D", request)


@in_session
def prove_transposed2d(
    y: object,
    w: object,
    *,
    bias: object = None,
    groups: object = 1,
    stride: object = 1,
    padding: object = 0,
    output_padding: object = 0,
    dilation: object = 1,
) -> Proof:
    """The claims of :func:`prove_transposed` for ``conv_transpose2d``, against the
    doubly-block Toeplitz matrix:
    ``conv_transpose2d(y, k) == conv2d_matrix(k, (H, W), ...).T vec(y)``.

    >>> from symconv import symbolic_matrix
    >>> prove_transposed2d(symbolic_matrix("y", 2, 2), symbolic_matrix("k", 2, 2), stride=2).holds
    True
    """
    layer = transposed_layer(
        y,
        w,
        dims=2,
        bias=bias,
        groups=groups,
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
    )
    if layer.batch:
        raise ValueError(
            f"input y of shape {(layer.batch, layer.in_channels) + layer.in_shape} is a batch; "
            "prove one sample (C_in, ...) at a time"
        )
    request = {
        "in_shape": spatial_shape(y, w, 2),
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "output_padding": output_padding,
    }
    return transposed_proof(layer, "2-D", request)


def spatial_shape(y: object, w: object, dims: int) -> tuple[int, ...]:
    """y's spatial shape read from the input itself (not from the resolved axes)."""
    if rank_of(w) == dims + 2:
        return as_tensor(y, dims + 1, "input y")[0][1:]
    if dims == 1:
        return (len(as_vector(y, "input y")),)
    return tuple(as_image(y, "input y").shape)


def length_step(layer: TransposedLayer, request: dict[str, object] | None) -> Step:
    """The output shape the layer was resolved to, against the literal scatter's length
    and PyTorch's formula, per axis."""
    law = (
        r"$L = (L_{\mathrm{in}} - 1)\, s - p_l - p_r + d(K - 1) + a + 1$ with $a$ the "
        r"output padding: the length a literal scatter of every $y_i w_k$ writes, and "
        r"PyTorch's formula"
    )
    machinery = layer.out_shape
    if request is None:
        # The output padding is not kept per axis: read back from the resolved length,
        # which makes this an observation of the axes, not a proof of them.
        axes = [
            (
                n,
                a.kernel_size,
                a.stride,
                a.padding_pair,
                a.dilation,
                a.input_length
                - ((n - 1) * a.stride - a.left - a.right + a.dilation * (a.kernel_size - 1) + 1),
            )
            for a, n in zip(layer.axes, layer.in_shape, strict=True)
        ]
        # The padding read back makes the scattered length the resolved one whatever the
        # axes hold: the step is kind "structure", not a comparison of entries.
        law = "Observation: " + law + " (read from the resolved axes)"
    else:
        dims = len(layer.axes)
        shape = request["in_shape"]
        axes = list(
            zip(
                shape,  # type: ignore[call-overload]
                layer.kernel_shape,
                per_axis(request["stride"], dims),
                per_axis(request["padding"], dims) if dims > 1 else (request["padding"],),
                per_axis(request["dilation"], dims),
                per_axis(request["output_padding"], dims),
                strict=True,
            )
        )
    lengths = [scattered_length(*axis) for axis in axes]  # type: ignore[arg-type]
    scattered = tuple(s for s, _ in lengths)
    formula = tuple(f for _, f in lengths)
    holds = machinery == scattered == formula
    compared = request is not None  # else an observation: no sides to compare
    return Step(
        name="output length",
        lhs=tuple(sympy.Integer(n) for n in machinery) if compared else (),
        rhs=tuple(sympy.Integer(n) for n in scattered) if compared else (),
        holds=holds,
        method="integers" if compared else "structure",
        kind="entries" if compared else "structure",
        law=law,
        labels=tuple((axis,) for axis in range(len(machinery))) if compared else (),
        mismatch=None
        if holds
        else ("output shape", sympy.Tuple(*machinery), sympy.Tuple(*scattered, *formula)),
        details={
            "resolved": machinery,
            "scattered": scattered,
            "formula": formula,
            "forward outputs past y": layer.extras,
        },
    )


def transposed_proof(
    layer: TransposedLayer, kind: str, request: dict[str, object] | None = None
) -> Proof:
    return Proof(
        title=f"A {kind} transposed convolution is the transpose of the convolution matrix",
        statement=(
            f"For {layer.describe()}: "
            r"$\operatorname{conv\_transpose}(y, w) = C(w)^{\top} y"
            + (
                r" + b$ (each output channel's bias $b$ added to all its entries)"
                if layer.bias is not None
                else "$"
            )
            + r" with $C$ the matrix of "
            r"the forward convolution with the same stride, padding and dilation on inputs "
            r"of the output's shape."
        ),
        steps=transposed_steps(layer, request=request),
        assumptions=(
            ("vec flattens channel-major, then row-major",)
            if layer.channels or len(layer.axes) > 1
            else ()
        ),
    )
