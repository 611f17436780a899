"""The step every concrete proof ends its forward (or gradient) claims with: the derived
entries agree with the layer's literal definition (:mod:`symconv.proofs.references`).

Examples
========

>>> from symconv import conv1d, symbolic_vector
>>> from symconv.proofs.definition import definition_step
>>> from symconv.proofs.references import literal_pairs
>>> x, w = symbolic_vector("x", 4), symbolic_vector("w", 3)
>>> shape, pairs = literal_pairs((4,), (3,), stride=(1,), padding=(0,), dilation=(1,), flip=False)
>>> definition_step(list(conv1d(x, w)), pairs, list(x), list(w)).holds
True
>>> wrong = definition_step([x[0] * w[0], x[1] * w[0]], pairs, list(x), list(w))
>>> wrong.holds, wrong.mismatch[0]
(False, (0,))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sympy import Expr

from symconv.proofs.proof import Positions, Step, kept_labels
from symconv.proofs.references import (
    GradientTriples,
    Pairs,
    agreement,
    gradient_pairs,
    gradients_agree,
    literal_pairs,
    per_axis,
)

DEFINITION_LAW = (
    r"the literal definition: the input padded explicitly, the kernel dilated explicitly, "
    r"a window at every position (stride $1$), every $s$-th kept, channels grouped by "
    r"slicing; each entry's pairs (input, weight) compared with the factors of its terms"
)


def definition_step(
    derived: Sequence[Expr],
    expected: Sequence[Pairs],
    left: Sequence[Expr],
    right: Sequence[Expr],
    *,
    labels: Sequence[Any] | None = None,
    extra: Sequence[Sequence[Expr]] | None = None,
    name: str = "agrees with the definition",
    law: str = DEFINITION_LAW,
) -> Step:
    """``derived[n]`` is the sum of ``left[j] * right[k]`` over the definition's pairs of
    entry n (plus ``extra[n]``, a bias), compared index by index."""
    names = labels if labels is not None else Positions(len(derived))
    found = agreement(derived, expected, left, right, extra)
    mismatch: tuple[Any, Expr | None, Expr | None] | None = found
    if found is not None and isinstance(found[0], int):
        mismatch = (names[found[0]], found[1], found[2])
    return Step(
        name=name,
        holds=mismatch is None,
        method="index pairs" if mismatch is None else "index pairs: differ",
        kind="entries",
        law=law,
        labels=kept_labels(names),
        mismatch=mismatch,
        details={"entries": len(derived)},
    )


WEIGHT_NAME = "weight gradient agrees with the definition"
WEIGHT_LAW = (
    r"the literal loss $L = \sum_i g_i z_i$: $w_k$ multiplies $x_j$ in output $i$ exactly "
    r"for the definition's pairs, so $\partial L/\partial w_k$ is the sum of $g_i x_j$ "
    r"over them"
)
INPUT_NAME = "input gradient agrees with the definition"
INPUT_LAW = (
    r"the literal loss $L = \sum_i g_i z_i$: $\partial L/\partial x_j$ is the sum of "
    r"$g_i w_k$ over the definition's pairs that read $x_j$"
)


def as_requested(
    stride: object, padding: object, dilation: object, flip: object, padding_mode: object
) -> dict[str, object]:
    """A layer's options as the user gave them (a padding word stays a word), for the
    literal definition to resolve again by the frameworks' rule.

    >>> as_requested(1, "same", 1, False, "zeros")["padding"]
    'same'
    """
    return {
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "flip": flip,
        "padding_mode": padding_mode,
    }


def layer_pairs(
    input_shape: Sequence[int],
    kernel_shape: Sequence[int],
    request: dict[str, Any],
    channels: tuple[int, int, int] | None = None,
) -> Sequence[Pairs]:
    """The definition's pairs for a layer requested with ``stride``, ``padding``,
    ``dilation`` and ``flip`` as the user gave them (per axis or for all)."""
    dims = len(input_shape)
    _, pairs = literal_pairs(
        input_shape,
        kernel_shape,
        stride=[int(s) for s in per_axis(request.get("stride", 1), dims)],  # type: ignore[call-overload]
        padding=per_axis(request.get("padding", 0), dims),
        dilation=[int(d) for d in per_axis(request.get("dilation", 1), dims)],  # type: ignore[call-overload]
        flip=bool(request.get("flip", False)),
        channels=channels,
        mode=str(request.get("padding_mode", "zeros")),
    )
    return pairs


def gradient_definition_steps(
    forward: Sequence[Pairs] | Callable[[], Sequence[Pairs]],
    grad_w: Sequence[Expr],
    grad_x: Sequence[Expr],
    x: Sequence[Expr],
    w: Sequence[Expr],
    g: Sequence[Expr],
    *,
    weight_labels: Sequence[Any] | None = None,
    input_labels: Sequence[Any] | None = None,
    triples: GradientTriples | None = None,
) -> list[Step]:
    """``dL/dw`` and ``dL/dx`` of ``L = sum_i g_i z_i`` against the definition's pairs:
    the literal loss, differentiated by reading which products hold each symbol.

    ``forward`` is the pairs, or a function giving them when they are needed; ``triples``
    is the fast comparison already fed the gradients by a caller that built them a block
    at a time (then the gradients are read again only if it fails)."""

    def pairs() -> Sequence[Pairs]:
        return forward() if callable(forward) else forward

    if triples is None:
        agreed = gradients_agree(pairs(), grad_w, grad_x, x, w, g)
    else:
        agreed = triples.agree()
    if agreed:
        return [
            Step(
                name=name,
                holds=True,
                method="index triples",
                kind="entries",
                law=law,
                labels=kept_labels(labels) if labels is not None else (),
                details={"entries": len(entries)},
            )
            for name, law, entries, labels in (
                (WEIGHT_NAME, WEIGHT_LAW, grad_w, weight_labels),
                (INPUT_NAME, INPUT_LAW, grad_x, input_labels),
            )
        ]
    by_weight, by_input = gradient_pairs(pairs(), len(x), len(w))
    return [
        definition_step(
            grad_w,
            by_weight,
            g,
            x,
            labels=weight_labels,
            name=WEIGHT_NAME,
            law=WEIGHT_LAW,
        ),
        definition_step(
            grad_x,
            by_input,
            g,
            w,
            labels=input_labels,
            name=INPUT_NAME,
            law=INPUT_LAW,
        ),
    ]
