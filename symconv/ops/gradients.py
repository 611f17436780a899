"""Gradients of a 1-D convolution layer by genuine differentiation, organised by the band.

The loss ``L = sum_i g_i y_i`` is expanded by linearity into its ``L_out * K`` products
``g_i * w_k * x_j`` and each symbol's derivative is taken term by term (the exact
product rule, :mod:`symconv.engine`), visiting only the terms that contain the symbol.
Entries that are not distinct symbols (numbers, repeated symbols, expressions) are
differentiated through placeholder symbols, then substituted back: the derivative is
with respect to the *slot*, as autograd's is.

Examples
========

>>> from symconv import conv1d_grads, symbolic_vector
>>> x, w, g = symbolic_vector("x", 4), symbolic_vector("w", 3), symbolic_vector("g", 2)
>>> grad_x, grad_w = conv1d_grads(x, w, g)
>>> grad_w.T
Matrix([[g0*x0 + g1*x1, g0*x1 + g1*x2, g0*x2 + g1*x3]])
>>> grad_x.T
Matrix([[g0*w0, g0*w1 + g1*w0, g0*w2 + g1*w1, g1*w2]])
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import sympy
from sympy import Dummy, Expr, Matrix, S, Symbol

from symconv.core.engine import TermIndex, is_plain_symbol
from symconv.core.numbers import as_int, int_array
from symconv.core.vectors import as_vector, check_name, symbolic_vector
from symconv.layout.axis import ConvSettings, Layout
from symconv.ops.sliding import settings_for, sliding_outputs


def slots(values: Sequence[Expr], name: str) -> tuple[list[Symbol], dict[Symbol, Expr]]:
    """Symbols to differentiate by, one per entry, and how to put the entries back.

    Distinct plain symbols are their own slots; otherwise every entry gets a placeholder.
    """
    entries = list(values)
    if all(is_plain_symbol(v) for v in entries) and len(set(entries)) == len(entries):
        return entries, {}  # type: ignore[return-value]
    placeholders = [Dummy(f"{name}{i}") for i in range(len(entries))]
    return placeholders, dict(zip(placeholders, entries))


def loss_terms(
    x: Sequence[Expr], w: Sequence[Expr], g: Sequence[Expr], settings: Layout
) -> list[tuple[Expr, Expr, Expr]]:
    """``L = sum_i g_i (sum_k w'_k x_{i*s + k*d - left})`` expanded by linearity."""
    return [
        (g[i], w[k], x[j])
        for i in range(settings.output_length)
        if g[i] is not S.Zero
        for k, j in settings.taps(i)
    ]


def check_upstream(g: Sequence[Expr], settings: Layout, symbols: set[Expr]) -> None:
    if len(g) != settings.output_length:
        raise ValueError(
            f"upstream has {len(g)} entries but the layer has {settings.output_length} "
            "outputs; give one upstream gradient per output"
        )
    shared = {s for e in g for s in e.free_symbols if s in symbols}
    if shared:
        raise ValueError(
            f"upstream gradients must not depend on x or w, but they contain "
            f"{sorted(map(str, shared))}"
        )


def layer_symbols(*sides: Sequence[Expr]) -> set[Expr]:
    """Every free symbol of the entries (a plain symbol is its own), in one set built
    entry by entry: a set per entry, all held for one union, was 3.5 MB for 16k inputs."""
    found: set[Expr] = set()
    for side in sides:
        for e in side:
            if type(e) is Symbol:
                found.add(e)
            else:
                found.update(e.free_symbols)
    return found


class Filed:
    """Ints filed under ``count`` keys, each key's in the order given: one flat array
    and each key's start (compressed rows), not an array per key. For the loss's terms
    under 16,384 inputs, arrays per input were 4 MB; these are 0.7 MB.

    >>> filed = Filed(3, [2, 0, 2], [7, 8, 9], top=10)
    >>> list(filed[0]), list(filed[1]), list(filed[2])
    ([8], [], [7, 9])
    """

    __slots__ = ("starts", "values")

    def __init__(self, count: int, keys: Sequence[int], values: Iterable[int], top: int) -> None:
        """``values[n]`` filed under ``keys[n]``; every value lies in ``[0, top)``."""
        counts = [0] * (count + 1)  # counted in a list: an array's item is parsed per store
        for k in keys:
            counts[k + 1] += 1
        for k in range(count):
            counts[k + 1] += counts[k]
        ordered = int_array(top)
        ordered.frombytes(bytes(ordered.itemsize * len(keys)))
        place = counts[:-1]
        for k, v in zip(keys, values):
            ordered[place[k]] = v
            place[k] += 1
        self.starts, self.values = array("q", counts), ordered

    def __getitem__(self, key: int) -> array[int]:
        return self.values[self.starts[key] : self.starts[key + 1]]


@dataclass(frozen=True)
class GradientDerivation:
    """What :func:`derive_gradients` found: the slots differentiated by and both gradients.

    The term index of the loss is not kept: it is as large as the loss itself and, once
    the gradients are read off, a big derivation runs faster without it in memory.
    """

    settings: Layout
    x: list[Expr]
    w: list[Expr]
    g: list[Expr]
    x_slots: list[Symbol]
    w_slots: list[Symbol]
    grad_x: list[Expr]
    grad_w: list[Expr]


def derive_gradients(
    x: list[Expr], w: list[Expr], g: list[Expr], settings: Layout
) -> GradientDerivation:
    """Differentiate ``sum_i g_i y_i`` by every input and weight slot, term by term."""
    x_slots, x_back = slots(x, "x")
    w_slots, w_back = slots(w, "w")
    check_upstream(
        Matrix(g),
        settings,
        set(x_slots) | set(w_slots) | set().union(*(e.free_symbols for e in x + w)),
    )
    index = TermIndex(loss_terms(x_slots, w_slots, g, settings))
    back = {**x_back, **w_back}
    found = index.gradients(x_slots + w_slots)
    grad_x, grad_w = found[: len(x_slots)], found[len(x_slots) :]
    del index  # as large as the loss; nothing after this reads it
    if back:
        grad_x = [e.xreplace(back) for e in grad_x]
        grad_w = [e.xreplace(back) for e in grad_w]
    return GradientDerivation(settings, x, w, g, x_slots, w_slots, grad_x, grad_w)


class LossGradients:
    """``dL/dw`` and ``dL/dx`` of ``L = sum_i g_i y_i`` differentiated a block of weights
    or inputs at a time, term by term, as :func:`derive_gradients` does for all at once.

    A weight's derivative reads only the loss terms that hold it (the other terms are
    free of it), so differentiating the terms of a block of weights gives exactly those
    weights' gradients; likewise for inputs. Which terms hold which symbol is read once
    from the expanded loss, as ints (8 bytes a term): a big layer's gradients hold as
    many products as its outputs, and a caller that checks them a block at a time never
    holds them all.

    >>> from symconv.layout.axis import conv_settings
    >>> from symconv import symbolic_vector
    >>> x, w, g = symbolic_vector("x", 4), symbolic_vector("w", 3), symbolic_vector("g", 2)
    >>> loss = LossGradients(list(x), list(w), list(g), conv_settings(3, 4))
    >>> loss.weights(1, 3), loss.inputs(0, 2)
    ([g0*x1 + g1*x2, g0*x2 + g1*x3], [g0*w0, g0*w1 + g1*w0])
    """

    def __init__(self, x: list[Expr], w: list[Expr], g: list[Expr], settings: Layout) -> None:
        self.x_slots, x_back = slots(x, "x")
        self.w_slots, w_back = slots(w, "w")
        check_upstream(g, settings, layer_symbols(self.x_slots, self.w_slots, x, w))
        self.g, self.back = g, {**x_back, **w_back}
        self.whole: GradientDerivation | None = None
        self._ranking: TermIndex | None = None
        self._also: Sequence[Expr] = ()
        if set(self.x_slots) & set(self.w_slots):
            # A symbol both an input and a weight: its derivative reads the terms of both
            # roles, as one index of the whole loss gives it.
            self.whole = derive_gradients(x, w, g, settings)
            return
        inputs, weights = len(x), len(w)
        # Term (i, k, j) filed under weight k as i * inputs + j, under input j as
        # i * weights + k: in output order within each, as loss_terms lists them.
        tap_weights, tap_inputs, outputs = array("i"), array("i"), array("i")
        for i in range(settings.output_length):
            if g[i] is S.Zero:
                continue
            for k, j in settings.taps(i):
                tap_weights.append(k)
                tap_inputs.append(j)
                outputs.append(i)
        top = settings.output_length
        self.by_weight = Filed(
            weights,
            tap_weights,
            (i * inputs + j for i, j in zip(outputs, tap_inputs)),
            top * inputs,
        )
        self.by_input = Filed(
            inputs,
            tap_inputs,
            (i * weights + k for i, k in zip(outputs, tap_weights)),
            top * weights,
        )

    @property
    def ranking(self) -> TermIndex:
        """The loss's symbols ranked once in Mul's order, for every block's index to
        share; :meth:`release` lets it go between uses."""
        if self._ranking is None:
            self._ranking = TermIndex.ranking_of(
                [*self.g, *self.w_slots, *self.x_slots, *self._also]
            )
        return self._ranking

    def ranking_with(self, symbols: Sequence[Expr]) -> TermIndex:
        """:attr:`ranking`, holding ``symbols`` too: a caller differentiating other sums
        of the same inputs and upstream (the untied layer's) shares it, and two rankings
        of the layer's symbols are never held at once. The symbols are kept while the
        ranking is (it knows them by id)."""
        if self._also is not symbols:
            self._also, self._ranking = symbols, None
        return self.ranking

    def release(self) -> None:
        self._ranking, self._also = None, ()

    def weights(self, start: int, stop: int) -> list[Expr]:
        """``dL/dw_k`` for k from ``start`` to ``stop - 1``."""
        if self.whole is not None:
            return self.whole.grad_w[start:stop]
        g, w, x = self.g, self.w_slots, self.x_slots
        inputs = len(x)
        terms = [
            (g[code // inputs], w[k], x[code % inputs])
            for k in range(start, stop)
            for code in self.by_weight[k]
        ]
        return self.put_back(TermIndex(terms, ranking=self.ranking).gradients(w[start:stop]))

    def inputs(self, start: int, stop: int) -> list[Expr]:
        """``dL/dx_j`` for j from ``start`` to ``stop - 1``."""
        if self.whole is not None:
            return self.whole.grad_x[start:stop]
        g, w, x = self.g, self.w_slots, self.x_slots
        weights = len(w)
        terms = [
            (g[code // weights], w[code % weights], x[j])
            for j in range(start, stop)
            for code in self.by_input[j]
        ]
        return self.put_back(TermIndex(terms, ranking=self.ranking).gradients(x[start:stop]))

    def put_back(self, found: list[Expr]) -> list[Expr]:
        if not self.back:
            return found
        return [e.xreplace(self.back) for e in found]


def conv1d_grads(
    x: object,
    w: object,
    upstream: object,
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    padding_mode: object = "zeros",
) -> tuple[Matrix, Matrix]:
    """``(dL/dx, dL/dw)`` for ``L = sum_i upstream_i * conv1d(x, w)_i``, by differentiation.

    Equal to PyTorch autograd on ``conv1d`` with numbers; symbolically
    ``dL/dw == im2col(x, K)^T * upstream`` and ``dL/dx == conv_matrix(w, L)^T * upstream``
    (see :func:`symconv.prove_tied_gradients`).

    >>> gx, gw = conv1d_grads([1, 2, 3, 4], [5, 6, 7], [1, 1])
    >>> gx.T, gw.T
    (Matrix([[5, 11, 13, 7]]), Matrix([[3, 5, 7]]))
    """
    xs = as_vector(x, "input x")
    ws = as_vector(w, "kernel w")
    gs = as_vector(upstream, "upstream")
    settings = settings_for(xs, ws, stride, padding, dilation, flip, padding_mode)
    derived = derive_gradients(list(xs), list(ws), list(gs), settings)
    return Matrix(derived.grad_x), Matrix(derived.grad_w)


def relu(z: Expr) -> Expr:
    return sympy.Max(0, z)


def sigmoid(z: Expr) -> Expr:
    return 1 / (1 + sympy.exp(-z))


def identity(z: Expr) -> Expr:
    return z


#: The activations known by name; any other valid name becomes an unknown sympy Function.
ACTIVATIONS: dict[str, Callable[[Expr], Expr]] = {
    "identity": identity,
    "relu": relu,
    "sigmoid": sigmoid,
    "tanh": sympy.tanh,
}


def activation_function(activation: object) -> Callable[[Expr], Expr]:
    """Resolve an activation: None, a known name, another name (an unknown ``f``), or a callable.

    >>> activation_function("f")(sympy.Symbol("z"))
    f(z)
    """
    if activation is None:
        return identity
    if isinstance(activation, str):
        if activation in ACTIVATIONS:
            return ACTIVATIONS[activation]
        return sympy.Function(check_name(activation))
    if callable(activation):
        return activation  # type: ignore[return-value]
    raise TypeError(
        f"activation {activation!r} must be None, a name ({', '.join(ACTIVATIONS)} or "
        "any identifier for an unknown function), or a callable"
    )


@dataclass(frozen=True)
class LayerGradients:
    """The backward pass of ``y = f(conv1d(x, w) + b)`` under a loss, chain rule step by step."""

    pre_activations: Matrix  # s_i = conv1d(x, w)_i + b
    outputs: Matrix  # y_i = f(s_i)
    loss: Expr
    output_gradients: Matrix  # dL/dy_i
    deltas: Matrix  # dL/ds_i = dL/dy_i * f'(s_i)
    grad_x: Matrix
    grad_w: Matrix
    grad_b: Expr | None


def layer_gradients(
    x: object,
    w: object,
    *,
    bias: object = None,
    activation: object = None,
    loss: object = "linear",
    upstream: object = None,
    targets: object = None,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
    flip: object = False,
    padding_mode: object = "zeros",
    settings: ConvSettings | None = None,
) -> LayerGradients:
    """Backpropagate through ``y = f(conv1d(x, w) + b)`` by the chain rule.

    ``loss`` is ``"linear"`` (``sum_i g_i y_i``, upstream ``g`` symbolic unless given),
    ``"squared_error"`` (``sum_i (y_i - t_i)^2 / 2``, targets ``t`` symbolic unless given)
    or a callable taking the output vector ``y`` and returning a SymPy expression.
    The deltas ``dL/ds_i = dL/dy_i * f'(s_i)`` are differentiated with ``sympy.diff``
    and become the upstream gradient of the convolution: ``dL/db = sum_i delta_i``.

    >>> from symconv import symbolic_vector
    >>> r = layer_gradients([1, 2, 3, 4], [5, 6, 7], bias=-40, activation="relu",
    ...                     loss="linear", upstream=[1, 1])
    >>> r.pre_activations.T, r.deltas.T, r.grad_b
    (Matrix([[-2, 16]]), Matrix([[0, 1]]), 1)

    ``padding_mode`` is PyTorch's (the convolution pads by the mode; an input the padding
    reads twice collects both gradients). ``settings``, the layer already resolved from
    these options, saves resolving it again.
    """
    xs = as_vector(x, "input x")
    ws = as_vector(w, "kernel w")
    if settings is None:
        settings = settings_for(xs, ws, stride, padding, dilation, flip, padding_mode)
    n_out = settings.output_length
    conv = sliding_outputs(list(xs), list(ws), settings)
    b = None if bias is None else as_vector([bias], "bias")[0]
    pre = Matrix([c + b if b is not None else c for c in conv])
    f = activation_function(activation)
    s = sympy.Dummy("s")
    # PyTorch's convention at a kink: relu'(0) = 0. SymPy differentiates Max(0, s) to
    # Heaviside(s), whose value at 0 is 1/2; set it to 0 as autograd does.
    f_prime = sympy.diff(f(s), s).replace(
        sympy.Heaviside, lambda arg, *value: sympy.Heaviside(arg, 0)
    )
    outputs = pre.applyfunc(f)
    y = symbolic_vector("y", n_out)
    if loss == "linear":
        g = symbolic_vector("g", n_out) if upstream is None else as_vector(upstream, "upstream")
        if len(g) != n_out:
            raise ValueError(f"upstream has {len(g)} entries; the layer has {n_out} outputs")
        loss_of_y = sum((g[i] * y[i] for i in range(n_out)), S.Zero)
    elif loss == "squared_error":
        t = symbolic_vector("t", n_out) if targets is None else as_vector(targets, "targets")
        if len(t) != n_out:
            raise ValueError(f"targets has {len(t)} entries; the layer has {n_out} outputs")
        loss_of_y = sum(((y[i] - t[i]) ** 2 for i in range(n_out)), S.Zero) / 2
    elif callable(loss):
        loss_of_y = sympy.sympify(loss(y), strict=True)
    else:
        raise ValueError(
            f"loss {loss!r} is not known; use 'linear', 'squared_error' or a callable of y"
        )
    at_outputs = dict(zip(y, outputs))
    output_gradients = Matrix([sympy.diff(loss_of_y, yi).xreplace(at_outputs) for yi in y])
    deltas = Matrix([output_gradients[i] * f_prime.subs(s, pre[i]) for i in range(n_out)])
    # Chain rule: dL/dw_k = sum_i (dL/ds_i)(ds_i/dw_k). The deltas are held as opaque
    # symbols while the convolution is differentiated, then put back.
    held = [sympy.Dummy(f"delta{i}") for i in range(n_out)]
    derived = derive_gradients(list(xs), list(ws), held, settings)
    back = dict(zip(held, deltas))
    return LayerGradients(
        pre_activations=pre,
        outputs=outputs,
        loss=loss_of_y.xreplace(at_outputs),
        output_gradients=output_gradients,
        deltas=deltas,
        grad_x=Matrix([e.xreplace(back) for e in derived.grad_x]),
        grad_w=Matrix([e.xreplace(back) for e in derived.grad_w]),
        grad_b=None if b is None else sympy.Add(*deltas),
    )


def filter_bank_grads(
    x: object,
    filters: object,
    upstream: object,
    *,
    stride: object = 1,
    padding: object = 0,
    dilation: object = 1,
) -> Matrix:
    """``dL/dW`` for ``L = sum_{i,f} Delta_{i f} (X W)_{i f}``, one column per filter.

    Differentiated term by term; equals ``im2col(x, K)^T * Delta``.

    >>> from sympy import Matrix
    >>> filter_bank_grads([1, 2, 3, 4], Matrix([[5, 1], [6, 0], [7, 0]]), Matrix([[1, 0], [1, 1]]))
    Matrix([
    [3, 2],
    [5, 3],
    [7, 4]])
    """
    bank = filters if isinstance(filters, sympy.MatrixBase) else Matrix(filters)
    delta = upstream if isinstance(upstream, sympy.MatrixBase) else Matrix(upstream)
    xs = as_vector(x, "input x")
    k = as_int(bank.rows, "filter length", 1)
    columns = []
    for f in range(bank.cols):
        settings = settings_for(xs, bank[:, f], stride, padding, dilation, False)
        if delta.shape != (settings.output_length, bank.cols):
            raise ValueError(
                f"upstream Delta has shape {delta.shape}; need ({settings.output_length}, "
                f"{bank.cols}): one row per output, one column per filter"
            )
        derived = derive_gradients(list(xs), list(bank[:, f]), list(delta[:, f]), settings)
        columns.append(derived.grad_w)
    return Matrix(k, bank.cols, lambda r, c: columns[c][r])
