"""Check a user's convolution against symconv's derivation: one pipeline for every way in.

``check_conv`` and ``check_conv_backward`` resolve the layer once (:func:`layer_spec`),
build the symbolic inputs, derive the layer's outputs (and, for a backward pass, the
gradients of ``L = sum(g * y)``), run the user's code where it can be stopped, and compare
every entry term by term (:func:`compare`).

Examples
========

>>> import numpy as np
>>> def conv(x, w, b):
...     n, c, length = x.shape
...     out = np.zeros((n, w.shape[0], length - w.shape[2] + 1))
...     for i in np.ndindex(*out.shape):
...         s, o, j = i
...         out[i] = np.sum(x[s, :, j:j + w.shape[2]] * w[o]) + b[o]
...     return out
>>> check_conv(conv, x_shape=(1, 2, 5), w_shape=(3, 2, 3)).holds
True
>>> def shifted(x, w, b):
...     return conv(np.concatenate([x[:, :, 1:], x[:, :, :1]], axis=2), w, b)
>>> result = check_conv(shifted, x_shape=(1, 1, 4), w_shape=(1, 1, 2), bias=False)
>>> for line in result.summary:  # doctest: +NORMALIZE_WHITESPACE
...     print(line)
3 of 3 outputs differ
in all 3 wrong outputs: your input index is one past on axis 2 (position), wrapping around
at the edge (a negative index reads from the end)
>>> result.first_wrong.missing, result.first_wrong.extra
((w[0, 0, 0]*x[0, 0, 0], w[0, 0, 1]*x[0, 0, 1]), (w[0, 0, 0]*x[0, 0, 1], w[0, 0, 1]*x[0, 0, 2]))
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sympy

from symconv.checking.conventions import STYLES, Calling, UserOutputs, run_calling
from symconv.checking.diagnosis import (
    Context,
    diagnose_entry,
    preferred_array,
    summarise,
)
from symconv.checking.layer import LayerSpec, layer_spec
from symconv.checking.reference import (
    LayerSymbols,
    layer_symbols,
    reference_outputs,
    symbol_array,
)
from symconv.checking.result import CheckResult, WrongEntry
from symconv.checking.running import UserCodeFailure, run_user
from symconv.checking.terms import (
    Terms,
    compare_terms,
    gradient_terms,
    sorted_terms,
    sum_expr,
    term_expr,
    terms_of,
)

if TYPE_CHECKING:
    import numpy as np

#: Nouns for the compared quantities.
NOUNS = {"y": "outputs", "dx": "dx entries", "dw": "dw entries", "db": "db entries"}


def _timeout(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"timeout must be a number of seconds or None, got {value!r}")
    if not value > 0:
        raise ValueError(f"timeout={value!r}: give a positive number of seconds, or None")
    return float(value)


def _function(name: str, value: Any) -> Callable[..., Any]:
    if not callable(value):
        raise TypeError(f"{name} must be a function, got {type(value).__name__} {value!r}")
    return value  # type: ignore[no-any-return]


def calling_for(spec: LayerSpec, style: Any, forward: Any, backward: Any = None) -> Calling:
    """The calling convention for ``style``, with CS231n's ``conv_param`` for ``"cache"``."""
    if style not in STYLES:
        raise ValueError(f"style={style!r} is not one of {', '.join(map(repr, STYLES))}")
    if style == "plain":
        return Calling(style, forward, backward, spec.bias, None)
    if forward is None:
        raise ValueError('style="cache" needs forward: backward(dout, cache) takes its cache')
    stride, padding = set(spec.per_axis(spec.stride)), spec.padding
    if len(stride) != 1 or not isinstance(padding, int):
        raise ValueError(
            f'style="cache" passes conv_param = {{"stride": s, "pad": p}} with one integer '
            f"each; stride={spec.stride!r}, padding={padding!r} cannot be written so"
        )
    param: dict[str, Any] = {"stride": stride.pop(), "pad": padding}
    if spec.dilation != 1:
        param["dilation"] = spec.dilation
    if spec.groups != 1:
        param["groups"] = spec.groups
    return Calling(style, forward, backward, spec.bias, param)


def check_conv(
    forward: Callable[..., Any],
    *,
    x_shape: Any,
    w_shape: Any,
    bias: bool = True,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    layout: str | None = None,
    flip: bool = False,
    transposed: bool = False,
    output_padding: Any = 0,
    style: str = "plain",
    timeout: float | None = None,
) -> CheckResult:
    """Run ``forward`` on symbols and compare every output with the layer's derivation.

    ``forward(x, w, b)`` receives NumPy object arrays of symbols named by their index
    (``x[0, 1, 3]``) in ``layout``: ``"NCL"``/``"NCHW"`` with PyTorch's weights
    ``(out, in/groups, k...)``, ``"NLC"``/``"NHWC"`` with TensorFlow's ``(k..., in/groups,
    out)``; ``transposed=True`` checks a transposed convolution (PyTorch's
    ``(in, out/groups, k...)`` weights), ``flip=True`` a true convolution (kernel
    reversed). ``stride``, ``padding``, ``dilation`` and ``groups`` follow
    ``torch.nn.functional.conv1d``/``conv2d``. ``style="cache"`` calls CS231n's
    ``forward(x, w, b, conv_param)`` and uses ``out`` (see
    :mod:`symconv.checking.conventions`). While ``forward`` runs, ``np.zeros`` and its
    kin make object arrays.

    ``timeout`` (seconds): None runs ``forward`` here; a number runs it in a forked child
    process killed at the limit (a daemon thread where processes cannot fork).

    Bad options raise ValueError or TypeError; whatever the user's code does (raise, hang,
    return the wrong shape or numbers) comes back as ``result.error``.

    >>> import numpy as np
    >>> def conv(x, w, b):
    ...     return np.stack([np.sum(x[:, :, i:i + 2] * w[0], axis=(1, 2))
    ...                      for i in range(x.shape[2] - 1)], axis=1)[:, None, :]
    >>> result = check_conv(conv, x_shape=(1, 1, 3), w_shape=(1, 1, 2))
    >>> result.holds, result.first_wrong.missing
    (False, (b[0],))
    """
    spec = layer_spec(
        x_shape=x_shape,
        w_shape=w_shape,
        bias=bias,
        stride=stride,
        padding=padding,
        dilation=dilation,
        groups=groups,
        layout=layout,
        flip=flip,
        transposed=transposed,
        output_padding=output_padding,
    )
    calling = calling_for(spec, style, _function("forward", forward))
    return run_check(spec, calling, timeout=_timeout(timeout))


def check_conv_backward(
    backward: Callable[..., Any],
    *,
    forward: Callable[..., Any] | None = None,
    x_shape: Any,
    w_shape: Any,
    bias: bool = True,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    layout: str | None = None,
    flip: bool = False,
    transposed: bool = False,
    output_padding: Any = 0,
    style: str = "plain",
    timeout: float | None = None,
) -> CheckResult:
    """Check a backward pass: ``dx``, ``dw``, ``db`` for symbolic upstream gradients ``g``.

    ``g`` has the output's shape (symbols ``g[0, 1, 3]``); the layer's gradients are those
    of ``L = sum(g * y)``. ``style="plain"`` calls ``backward(dy, x, w, b)`` and checks
    ``forward(x, w, b)`` too when given; ``style="cache"`` calls CS231n's
    ``out, cache = forward(x, w, b, conv_param)`` then ``backward(dout, cache)`` and
    checks both. Options as for :func:`check_conv`.

    >>> def backward(dy, x, w, b):  # a valid 1-D layer with one channel
    ...     dx = np.zeros_like(x)
    ...     dw = np.zeros_like(w)
    ...     for i in range(dy.shape[2]):
    ...         dx[0, 0, i:i + 2] += dy[0, 0, i] * w[0, 0]
    ...         dw[0, 0] += dy[0, 0, i] * x[0, 0, i:i + 2]
    ...     return dx, dw, dy.sum(axis=(0, 2))
    >>> import numpy as np
    >>> check_conv_backward(backward, x_shape=(1, 1, 4), w_shape=(1, 1, 2)).holds
    True
    """
    spec = layer_spec(
        x_shape=x_shape,
        w_shape=w_shape,
        bias=bias,
        stride=stride,
        padding=padding,
        dilation=dilation,
        groups=groups,
        layout=layout,
        flip=flip,
        transposed=transposed,
        output_padding=output_padding,
    )
    if forward is not None:
        forward = _function("forward", forward)
    calling = calling_for(spec, style, forward, _function("backward", backward))
    return run_check(spec, calling, timeout=_timeout(timeout))


def assert_conv_correct(
    forward: Callable[..., Any], *, backward: Callable[..., Any] | None = None, **options: Any
) -> CheckResult:
    """Assert in a test that ``forward`` (and ``backward``) compute the layer exactly.

    Takes :func:`check_conv`'s options; with ``backward`` it checks both passes like
    :func:`check_conv_backward`. A failure raises AssertionError with the diagnosis.

    >>> import numpy as np
    >>> assert_conv_correct(lambda x, w, b: x[:, :, :3] * w[0, 0, 0] + b[0],
    ...                     x_shape=(1, 1, 4), w_shape=(1, 1, 2))
    Traceback (most recent call last):
    ...
    AssertionError: conv1d, layout NCL: x (1, 1, 4), w (1, 1, 2), b (1,), stride 1, padding 0: WRONG
    ...
    """
    __tracebackhide__ = True
    if backward is None:
        result = check_conv(forward, **options)
    else:
        result = check_conv_backward(backward, forward=forward, **options)
    if not result.holds:
        raise AssertionError(str(result))
    return result


# --- the pipeline ----------------------------------------------------------------------------


def run_check(
    spec: LayerSpec,
    calling: Calling,
    *,
    timeout: float | None,
    isolation: str | None = None,
) -> CheckResult:
    """Derive, run the user's code, compare. A failure of the user's code becomes the
    result's ``error``, except one marked ``bad_argument`` (the code was not found)."""
    symbols = layer_symbols(spec)
    expected = reference_outputs(spec, symbols)
    g = None
    if calling.backward is not None:
        g = symbol_array("g", expected.shape, symbols.where)
    b = symbols.b
    if b is None:
        import numpy as np

        b = np.zeros(spec.out_channels, dtype=object)
    task = functools.partial(run_calling, calling, symbols.x, symbols.w, b, g)
    try:
        outputs = run_user(task, timeout=timeout, isolation=isolation)
        return compare(spec, symbols, expected, g, outputs)
    except UserCodeFailure as failure:
        if failure.bad_argument:
            raise
        return CheckResult(spec.describe(), (), error=str(failure))


def _label(quantity: str, index: tuple[int, ...]) -> str:
    if quantity == "y":
        return f"output {index}"
    return f"{quantity}[{', '.join(map(str, index))}]"


def _entries(
    quantity: str, actual: np.ndarray, shape: tuple[int, ...], what: str, axes: str
) -> list[Any]:
    """The user's entries as SymPy objects, after checking shape and that they are symbols."""
    import numpy as np

    if actual.shape != shape:
        raise UserCodeFailure(f"{what} has shape {actual.shape}; expected {shape} {axes}")
    if actual.dtype.kind != "O":
        raise UserCodeFailure(
            f"{what} is a {actual.dtype} array: numbers where SymPy expressions were "
            "expected. Keep the entries as objects (no .astype(float), no dtype=float)"
        )
    values = []
    for index in np.ndindex(*shape):
        value = actual[index]
        try:
            if isinstance(value, (bool, np.bool_)):
                raise sympy.SympifyError(value)
            values.append(sympy.sympify(value, strict=True))
        except sympy.SympifyError:
            raise UserCodeFailure(
                f"{what}: entry {_label(quantity, index)} is {type(value).__name__} "
                f"{value!r}, not a SymPy expression"
            ) from None
    return values


def compare(
    spec: LayerSpec,
    symbols: LayerSymbols,
    expected: np.ndarray,
    g: np.ndarray | None,
    outputs: UserOutputs,
) -> CheckResult:
    """Every entry of the user's outputs against the layer's, term by term."""
    import numpy as np

    y_terms = [terms_of(e) for e in expected.flat]
    shapes = {"x": spec.x_shape, "w": spec.w_shape, "b": (spec.out_channels,), "g": expected.shape}
    context = Context(spec, symbols.where, shapes)
    wanted: list[tuple[str, np.ndarray, list[Terms]]] = []
    if outputs.y is not None:
        wanted.append(("y", outputs.y, y_terms))
    if g is not None and outputs.dx is not None and outputs.dw is not None:
        grads = gradient_terms(zip(g.flat, y_terms))
        wanted.append(("dx", outputs.dx, [grads.get(s, {}) for s in symbols.x.flat]))
        wanted.append(("dw", outputs.dw, [grads.get(s, {}) for s in symbols.w.flat]))
        if symbols.b is not None and outputs.db is not None:
            wanted.append(("db", outputs.db, [grads.get(s, {}) for s in symbols.b.flat]))
    shapes_of = {"y": expected.shape, "dx": spec.x_shape, "dw": spec.w_shape}
    shapes_of["db"] = (spec.out_channels,)
    wrong: list[WrongEntry] = []
    summary: list[str] = []
    checked = []
    for quantity, actual, expected_terms in wanted:
        shape = shapes_of[quantity]
        axes = ", ".join(spec.axis_names("x" if quantity != "dw" else "w"))
        if quantity == "db":
            axes = "channel"
        what = "your output" if quantity == "y" else f"your {quantity}"
        values = _entries(quantity, actual, shape, what, f"({spec.layout.name}: {axes})")
        if all(v.is_number for v in values):
            symbolic = (
                (index, want)
                for index, want in zip(np.ndindex(*shape), expected_terms)
                if any(monomial for monomial in want)
            )
            first = next(symbolic, None)
            if first is not None:
                index, want = first
                raise UserCodeFailure(
                    f"{what} holds only numbers where expressions in the symbols were "
                    f"expected ({_label(quantity, index)} is {actual[index]!r}; the layer's is "
                    f"{sum_expr(want)}): does your code write its results into the array it "
                    "returns?"
                )
        differing = []
        for index, value, want in zip(np.ndindex(*shape), values, expected_terms):
            have = terms_of(value)
            missing, extra, miscounted = compare_terms(want, have)
            if missing or extra:
                differing.append((index, value, want, missing, extra, miscounted))
        checked.append((NOUNS[quantity], len(values)))
        if not differing:
            continue
        entries = [d[0] if quantity == "y" else None for d in differing]
        prefer = preferred_array(
            ((d[3], d[4], entry) for d, entry in zip(differing, entries)), context
        )
        findings = []
        for (index, value, want, missing, extra, miscounted), entry in zip(differing, entries):
            label = _label(quantity, index)
            finding = diagnose_entry(
                label, want, missing, extra, miscounted, context, entry, prefer
            )
            findings.append(finding)
            wrong.append(
                WrongEntry(
                    quantity=quantity,
                    index=index,
                    label=label,
                    expected=sum_expr(want),
                    actual=value,
                    missing=tuple(term_expr(m, c) for m, c in sorted_terms(missing)),
                    extra=tuple(term_expr(m, c) for m, c in sorted_terms(extra)),
                    diagnosis=tuple(finding.lines),
                )
            )
        noun = NOUNS[quantity]
        summary.append(f"{len(findings)} of {len(values)} {noun} differ")
        summary += summarise("output" if quantity == "y" else quantity, noun, findings, context)
    names = _latex_names(wrong, symbols)
    return CheckResult(spec.describe(), tuple(checked), tuple(wrong), tuple(summary), None, names)


def _latex_names(wrong: list[WrongEntry], symbols: LayerSymbols) -> dict[Any, str]:
    """``x_{0,0,3}`` for each symbol the shown entries print (only those: it stays small)."""
    names = {}
    for entry in wrong:
        for expr in (entry.expected, entry.actual):
            for s in getattr(expr, "free_symbols", ()):
                found = symbols.where.get(s)
                if found is not None:
                    array, index = found
                    names[s] = f"{array}_{{{','.join(map(str, index))}}}"
    return names
