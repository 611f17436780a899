"""Checking users' own convolutions: correct ones hold, planted bugs are named exactly,
and code that cannot be checked gets one clear message (in process and on the command line).

The implementations under test live in tests/user_convs/ as plain files, the way a user's
code would.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy
from sympy import Symbol

from symconv import conv1d_channel_grads
from symconv.checking import (
    CheckResult,
    assert_conv_correct,
    check_conv,
    check_conv_backward,
    main_check,
)
from symconv.checking.layer import layer_spec
from symconv.checking.reference import layer_symbols, reference_outputs, symbol_array
from symconv.checking.running import (
    UserCodeFailure,
    load_module,
    object_allocation,
    run_user,
)
from symconv.checking.terms import gradient_terms, sum_expr, terms_of

USER = Path(__file__).parent / "user_convs"
RUN = "import sys; from symconv.checking import main_check; sys.exit(main_check(sys.argv[1:]))"


def user(module: str) -> Any:
    return load_module(str(USER / f"{module}.py"))


loops, im2col, backward, bugs, errors = (
    user(name)
    for name in ("user_loops", "user_im2col", "user_backward", "user_bugs", "user_errors")
)


def s(array: str, *index: int) -> Symbol:
    """The symbol a check names ``array[index]``."""
    return Symbol(f"{array}[{', '.join(map(str, index))}]")


def terms(*products: tuple[Symbol, ...]) -> set[Any]:
    return {sympy.Mul(*p) for p in products}


def marker_line(module: str, marker: str) -> int:
    lines = (USER / f"{module}.py").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if f"# <- {marker}" in line)


# --- correct implementations hold ------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "options"),
    [
        (loops.conv1d_loop, {}),
        (functools.partial(loops.conv1d_loop, stride=2, pad=1), {"stride": 2, "padding": 1}),
        (functools.partial(loops.conv1d_loop, dilation=2), {"dilation": 2}),
        (functools.partial(loops.conv1d_loop, groups=2), {"groups": 2, "w_shape": (4, 1, 3)}),
    ],
)
def test_numpy_loop_1d_holds(function: Any, options: dict[str, Any]) -> None:
    options = {"x_shape": (2, 2, 7), "w_shape": (3, 2, 3)} | options
    result = check_conv(function, **options)
    assert result.holds and bool(result) and result.wrong == () and result.error is None
    assert "holds" in str(result)


def test_numpy_loop_and_im2col_2d_hold() -> None:
    shapes = {"x_shape": (2, 2, 5, 6), "w_shape": (3, 2, 3, 2)}
    assert check_conv(
        functools.partial(loops.conv2d_loop, stride=2, pad=1), stride=2, padding=1, **shapes
    ).holds
    assert check_conv(im2col.conv2d_im2col, **shapes).holds
    assert check_conv(
        functools.partial(im2col.conv2d_im2col, stride=2, pad=1), stride=2, padding=1, **shapes
    ).holds


def test_channels_last_layouts_hold_with_tensorflow_weights() -> None:
    assert check_conv(
        loops.conv2d_nhwc, x_shape=(2, 5, 4, 3), w_shape=(3, 2, 3, 4), layout="NHWC"
    ).holds
    assert check_conv(loops.conv1d_nlc, x_shape=(1, 6, 2), w_shape=(3, 2, 4), layout="NLC").holds


def test_transposed_and_true_convolutions_hold() -> None:
    transposed = functools.partial(loops.conv_transpose1d_loop, stride=2, pad=1)
    assert check_conv(
        transposed, x_shape=(2, 3, 4), w_shape=(3, 2, 3), transposed=True, stride=2, padding=1
    ).holds
    assert check_conv(loops.true_conv1d, x_shape=(1, 2, 6), w_shape=(2, 2, 3), flip=True).holds


def test_backward_passes_hold_plain_and_cache_style() -> None:
    shapes = {"x_shape": (2, 2, 6), "w_shape": (3, 2, 3)}
    result = check_conv_backward(
        backward.conv1d_backward_s2p1, forward=loops.conv1d_s2p1, stride=2, padding=1, **shapes
    )
    assert result.holds
    assert result.checked == (
        ("outputs", 18),
        ("dx entries", 24),
        ("dw entries", 18),
        ("db entries", 3),
    )
    assert check_conv_backward(backward.conv1d_backward, bias=False, **shapes).holds
    cache = check_conv_backward(
        backward.conv_backward_naive,
        forward=backward.conv_forward_naive,
        style="cache",
        x_shape=(1, 2, 5, 5),
        w_shape=(2, 2, 3, 3),
        padding=1,
        stride=2,
    )
    assert cache.holds and cache.checked[0] == ("outputs", 18)


def test_assert_conv_correct_passes_and_returns_the_result() -> None:
    result = assert_conv_correct(loops.conv1d_loop, x_shape=(1, 2, 5), w_shape=(3, 2, 3))
    assert isinstance(result, CheckResult) and result.holds
    assert_conv_correct(
        loops.conv1d_loop, backward=backward.conv1d_backward, x_shape=(1, 2, 5), w_shape=(3, 2, 3)
    )


def test_a_2d_layer_with_channels_and_a_batch_checks_quickly() -> None:
    start = time.perf_counter()
    result = check_conv(loops.conv2d_loop, x_shape=(2, 3, 8, 8), w_shape=(4, 3, 3, 3))
    elapsed = time.perf_counter() - start
    assert result.holds and result.checked == (("outputs", 288),)
    print(f"2-D, 3 -> 4 channels, 8x8, 3x3, batch 2: {elapsed:.2f} s")  # reported, not asserted


# --- planted bugs, each named exactly ----------------------------------------------------


def test_off_by_one_window() -> None:
    result = check_conv(bugs.off_by_one_window, x_shape=(1, 1, 5), w_shape=(1, 1, 3), bias=False)
    entry = result.first_wrong
    assert entry is not None and entry.index == (0, 0, 0) and entry.quantity == "y"
    x, w = (lambda *i: s("x", 0, 0, *i)), (lambda *i: s("w", 0, 0, *i))
    assert set(entry.missing) == terms((w(0), x(0)), (w(1), x(1)), (w(2), x(2)))
    assert set(entry.extra) == terms((w(0), x(1)), (w(1), x(2)), (w(2), x(3)))
    assert entry.diagnosis[0] == (
        "your output (0, 0, 0) reads x[0, 0, 1] with w[0, 0, 0]; the layer reads x[0, 0, 0] "
        "with w[0, 0, 0]: your input index is one past on axis 2 (position) (3 terms read "
        "this way)"
    )
    assert result.summary == (
        "3 of 3 outputs differ",
        "in all 3 wrong outputs: your input index is one past on axis 2 (position)",
    )
    last = result.wrong[-1]  # the last tap falls off the end: a term left out
    assert last.missing == (w(0) * x(2), w(1) * x(3), w(2) * x(4))
    assert last.extra == (w(0) * x(3), w(1) * x(4))
    assert last.diagnosis[1] == "your output (0, 0, 2) misses the term w[0, 0, 2]*x[0, 0, 4]"


def test_wrong_stride() -> None:
    result = check_conv(
        bugs.wrong_stride, x_shape=(1, 1, 7), w_shape=(1, 1, 3), bias=False, stride=2
    )
    entry = result.first_wrong
    assert entry is not None and entry.index == (0, 0, 1)
    x, w = (lambda i: s("x", 0, 0, i)), (lambda k: s("w", 0, 0, k))
    assert set(entry.missing) == terms((w(0), x(2)), (w(1), x(3)), (w(2), x(4)))
    assert set(entry.extra) == terms((w(0), x(1)), (w(1), x(2)), (w(2), x(3)))
    assert result.summary[1] == (
        "in all 2 wrong outputs: your input index moves 1 per output step on axis 2 (position) "
        "where the layer's moves 2 (a stride of 1 instead of 2)"
    )


def test_missing_padding() -> None:
    result = check_conv(
        bugs.missing_padding, x_shape=(1, 1, 5), w_shape=(1, 1, 3), bias=False, padding=1
    )
    entry = result.first_wrong
    x, w = (lambda i: s("x", 0, 0, i)), (lambda k: s("w", 0, 0, k))
    assert entry is not None and entry.index == (0, 0, 0)
    assert set(entry.missing) == terms((w(1), x(0)), (w(2), x(1)))
    assert set(entry.extra) == terms((w(0), x(0)), (w(1), x(1)), (w(2), x(2)))
    assert entry.diagnosis == (
        "your output (0, 0, 0) reads x[0, 0, 1] with w[0, 0, 1]; the layer reads x[0, 0, 0] "
        "with w[0, 0, 1]: your input index is one past on axis 2 (position) (as if the input "
        "were not padded) (2 terms read this way)",
        "your output (0, 0, 0) has the term w[0, 0, 0]*x[0, 0, 0], which the layer does not",
    )
    assert result.summary[1] == (
        "in all 5 wrong outputs: your input index is one past on axis 2 (position) (as if the "
        "input were not padded)"
    )


def test_kernel_read_with_output_and_input_channels_swapped() -> None:
    result = check_conv(bugs.swapped_channels, x_shape=(1, 2, 4), w_shape=(2, 2, 3), bias=False)
    entry = result.first_wrong
    assert entry is not None and entry.index == (0, 0, 0)
    assert set(entry.missing) == terms(*((s("w", 0, 1, k), s("x", 0, 1, k)) for k in range(3)))
    assert set(entry.extra) == terms(*((s("w", 1, 0, k), s("x", 0, 1, k)) for k in range(3)))
    assert result.summary[1] == (
        "in all 4 wrong outputs: your kernel index has axis 0 (output channel) and axis 1 "
        "(input channel) swapped"
    )


def test_2d_kernel_read_with_rows_and_columns_swapped() -> None:
    result = check_conv(
        bugs.swapped_kernel_axes, x_shape=(1, 1, 3, 3), w_shape=(1, 1, 2, 2), bias=False
    )
    entry = result.first_wrong
    x, w = (lambda i, j: s("x", 0, 0, i, j)), (lambda i, j: s("w", 0, 0, i, j))
    assert entry is not None and entry.index == (0, 0, 0, 0)
    assert set(entry.missing) == terms((w(0, 1), x(0, 1)), (w(1, 0), x(1, 0)))
    assert set(entry.extra) == terms((w(1, 0), x(0, 1)), (w(0, 1), x(1, 0)))
    assert entry.diagnosis[0].endswith(
        "your kernel index has axis 2 (kernel row) and axis 3 (kernel column) swapped "
        "(2 terms read this way)"
    )


def test_no_flip_where_a_true_convolution_is_asked_for() -> None:
    result = check_conv(
        bugs.cross_correlation, x_shape=(1, 1, 4), w_shape=(1, 1, 3), bias=False, flip=True
    )
    entry = result.first_wrong
    x, w = (lambda i: s("x", 0, 0, i)), (lambda k: s("w", 0, 0, k))
    assert entry is not None and entry.index == (0, 0, 0)
    assert set(entry.missing) == terms((w(0), x(2)), (w(2), x(0)))
    assert set(entry.extra) == terms((w(0), x(0)), (w(2), x(2)))
    assert result.summary[1] == (
        "in all 2 wrong outputs: your kernel index is reversed on axis 2 (kernel tap): one side "
        "flips the kernel, the other does not"
    )


def test_dw_keeps_only_the_last_position() -> None:
    result = check_conv_backward(bugs.dw_last_position, x_shape=(1, 1, 4), w_shape=(1, 1, 2))
    assert result.wrong_in("dx") == () and result.wrong_in("db") == ()
    entry = result.first_wrong
    g, x = (lambda i: s("g", 0, 0, i)), (lambda i: s("x", 0, 0, i))
    assert entry is not None and entry.label == "dw[0, 0, 0]"
    assert entry.missing == (g(0) * x(0), g(1) * x(1)) and entry.extra == ()
    assert entry.actual == g(2) * x(2)
    assert entry.diagnosis[0] == (
        "your dw[0, 0, 0] misses the term g[0, 0, 0]*x[0, 0, 0] from output position (0, 0, 0)"
    )
    assert result.summary[1] == (
        "your dw is not summed over the output's position axis: each wrong entry keeps the "
        "terms of one position only"
    )


def test_dx_misses_a_window() -> None:
    result = check_conv_backward(bugs.dx_missing_window, x_shape=(1, 1, 4), w_shape=(1, 1, 2))
    assert [e.label for e in result.wrong] == ["dx[0, 0, 2]", "dx[0, 0, 3]"]
    assert result.wrong[0].missing == (s("g", 0, 0, 2) * s("w", 0, 0, 0),)
    assert result.wrong[1].missing == (s("g", 0, 0, 2) * s("w", 0, 0, 1),)
    assert result.summary[1] == (
        "every missing term comes from output position (0, 0, 2): your dx leaves that window out"
    )


@pytest.mark.parametrize(
    ("function", "kept", "axis"),
    [
        ("db_last_position", [(0, 0, 2), (1, 0, 2)], "position"),
        ("db_first_sample", [(0, 0, 0), (0, 0, 1), (0, 0, 2)], "sample"),
    ],
)
def test_bias_gradient_not_summed(function: str, kept: list[tuple[int, ...]], axis: str) -> None:
    result = check_conv_backward(getattr(bugs, function), x_shape=(2, 1, 4), w_shape=(1, 1, 2))
    entry = result.first_wrong
    everything = {s("g", n, 0, i) for n in range(2) for i in range(3)}
    assert entry is not None and entry.label == "db[0]" and entry.extra == ()
    assert set(entry.missing) == everything - {s("g", *k) for k in kept}
    assert result.summary[1] == (
        f"your db is not summed over the output's {axis} axis: each wrong entry keeps the terms "
        f"of one {axis} only"
    )


def test_im2col_with_the_wrong_column_order() -> None:
    result = check_conv(
        im2col.conv2d_im2col_wrong_order, x_shape=(1, 2, 3, 3), w_shape=(1, 2, 2, 2), bias=False
    )
    entry = result.first_wrong
    assert entry is not None and entry.index == (0, 0, 0, 0)
    # Independently: row r of the columns holds x at (kh, kw, c), the kernel's row r is w
    # flattened (c, kh, kw).
    flat_w = [s("w", 0, c, i, j) for c in range(2) for i in range(2) for j in range(2)]
    rows = [s("x", 0, c, i, j) for i in range(2) for j in range(2) for c in range(2)]
    yours = {r * k for r, k in zip(rows, flat_w)}
    layer = {
        s("x", 0, c, i, j) * s("w", 0, c, i, j)
        for c in range(2)
        for i in range(2)
        for j in range(2)
    }
    assert set(entry.missing) == layer - yours and set(entry.extra) == yours - layer
    assert len(entry.missing) == 6
    assert result.summary[1] == (
        "in all 4 wrong outputs: your kernel index runs through (kernel row, kernel column, "
        "input channel) where the layer's runs through (input channel, kernel row, kernel "
        "column): the two are flattened in different orders (im2col columns against the "
        "reshaped kernel?)"
    )


def test_a_doubled_term_is_counted() -> None:
    def bias_twice(x: Any, w: Any, b: Any) -> Any:
        return loops.conv1d_loop(x, w, b) + b.reshape(1, -1, 1)

    result = check_conv(bias_twice, x_shape=(1, 1, 3), w_shape=(1, 1, 2))
    entry = result.first_wrong
    assert entry is not None and entry.missing == () and entry.extra == (s("b", 0),)
    assert entry.diagnosis == (
        "your output (0, 0, 0) counts b[0] 2 times; the layer counts it 1 time",
    )


def test_assert_conv_correct_fails_with_the_diagnosis() -> None:
    with pytest.raises(AssertionError, match=r"(?s)WRONG.*a stride of 1 instead of 2"):
        assert_conv_correct(bugs.wrong_stride, x_shape=(1, 1, 7), w_shape=(1, 1, 3), stride=2)


# --- the layer's own outputs and gradients, two ways -------------------------------------


@pytest.mark.parametrize(
    ("layout", "x_shape", "w_shape", "options"),
    [
        ("NCL", (2, 4, 7), (6, 2, 3), {"stride": 2, "padding": 1, "groups": 2, "dilation": 2}),
        ("NLC", (2, 7, 2), (3, 2, 3), {"padding": (2, 0)}),
        ("NCHW", (1, 2, 5, 4), (3, 2, 2, 3), {"stride": (2, 1), "padding": 1}),
        ("NHWC", (2, 5, 6, 2), (2, 3, 2, 3), {"dilation": (1, 2)}),
        ("NCL", (1, 2, 4), (2, 3, 3), {"transposed": True, "stride": 2, "padding": 1}),
        ("NCHW", (1, 2, 3, 3), (2, 2, 2, 2), {"transposed": True, "stride": 2}),
    ],
)
def test_reference_outputs_equal_pytorch(
    torch: Any,
    layout: str,
    x_shape: tuple[int, ...],
    w_shape: tuple[int, ...],
    options: dict[str, Any],
) -> None:
    spec = layer_spec(x_shape=x_shape, w_shape=w_shape, layout=layout, **options)
    symbols = layer_symbols(spec)
    expected = reference_outputs(spec, symbols)
    rng = np.random.default_rng(7)
    values = {sym: int(rng.integers(-5, 6)) for sym in symbols.where}
    x = np.vectorize(values.get, otypes=[float])(symbols.x)
    w = np.vectorize(values.get, otypes=[float])(symbols.w)
    b = torch.tensor([values[v] for v in symbols.b], dtype=torch.float64)
    channels_last = layout in ("NLC", "NHWC")
    xt = torch.tensor(x).movedim(-1, 1) if channels_last else torch.tensor(x)
    wt = torch.tensor(w.transpose(spec.layout.weight_order).copy())  # PyTorch's order
    function = getattr(
        torch.nn.functional, f"conv{'_transpose' if spec.transposed else ''}{spec.layout.spatial}d"
    )
    kwargs = {k: v for k, v in options.items() if k != "transposed"}
    if isinstance(kwargs.get("padding"), tuple) and spec.layout.spatial == 1:
        left, right = kwargs.pop("padding")
        xt = torch.nn.functional.pad(xt, (left, right))
    got = function(xt, wt, b, **kwargs)
    if channels_last:
        got = got.movedim(1, -1)
    exact = {sym: sympy.Integer(v) for sym, v in values.items()}
    numbers = np.vectorize(lambda e: float(e.xreplace(exact)), otypes=[float])(expected)
    assert numbers.shape == tuple(got.shape)
    assert np.array_equal(numbers, got.numpy())


def test_gradients_from_terms_equal_symconv_and_diff() -> None:
    spec = layer_spec(x_shape=(1, 2, 5), w_shape=(3, 2, 3), stride=2, padding=1)
    symbols = layer_symbols(spec)
    y = reference_outputs(spec, symbols)
    g = symbol_array("g", y.shape, symbols.where)
    grads = gradient_terms(zip(g.flat, (terms_of(e) for e in y.flat)))
    gx, gw, gb = conv1d_channel_grads(
        sympy.Matrix(symbols.x[0].tolist()),
        sympy.Array(symbols.w.tolist()),
        sympy.Matrix(g[0].tolist()),
        bias=list(symbols.b),
        stride=2,
        padding=1,
    )
    loss = sympy.Add(*[gi * yi for gi, yi in zip(g.flat, y.flat)]).expand()
    for (c, i), symbol in zip(np.ndindex(2, 5), symbols.x[0].flat):
        mine = sum_expr(grads.get(symbol, {}))
        assert (mine - gx[c, i]).expand() == 0
        assert (mine - sympy.diff(loss, symbol)).expand() == 0
    for index in np.ndindex(3, 2, 3):
        assert (sum_expr(grads[symbols.w[index]]) - gw[index]).expand() == 0
    for o in range(3):
        assert (sum_expr(grads[symbols.b[o]]) - gb[o]).expand() == 0


# --- code that cannot be checked -------------------------------------------------------

SMALL = {"x_shape": (1, 1, 4), "w_shape": (1, 1, 2)}


def test_a_raising_function_names_the_exception_and_its_line() -> None:
    result = check_conv(errors.raises, **SMALL)
    line = marker_line("user_errors", "raises")
    assert not result.holds and result.wrong == ()
    assert str(result) == result.error
    assert result.error.startswith(
        "your forward function raises() raised ValueError: kernel too large\n"
        f"  at line {line} of {USER / 'user_errors.py'} (in raises): `raise ValueError("
    )


@pytest.mark.parametrize(
    ("function", "message"),
    [
        (
            "wrong_shape",
            r"^your output has shape \(1, 1, 4\); expected \(1, 1, 3\) "
            r"\(NCL: sample, channel, position\)$",
        ),
        ("returns_numbers", r"^your output holds only numbers .*\(output \(0, 0, 0\) is 1;"),
        (
            "returns_float_array",
            r"^your output is a float64 array: numbers where SymPy "
            r"expressions were expected",
        ),
        (
            "returns_none",
            r"^your forward function returns_none\(\) returned None where an "
            r"array was expected$",
        ),
    ],
)
def test_wrong_returns_are_named(function: str, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        assert_conv_correct(getattr(errors, function), **SMALL)


def test_a_backward_pass_of_zeros_is_named() -> None:
    result = check_conv_backward(errors.backward_zeros, **SMALL)
    assert result.error == (
        "your dx holds only numbers where expressions in the symbols were expected "
        "(dx[0, 0, 0] is 0; the layer's is g[0, 0, 0]*w[0, 0, 0]): does your code write its "
        "results into the array it returns?"
    )


def test_a_float_array_names_the_line_to_change() -> None:
    result = check_conv(errors.float_array, **SMALL)
    line = marker_line("user_errors", "float")
    assert result.error is not None
    first, second, third = result.error.splitlines()
    assert first == (
        f"line {line} of {USER / 'user_errors.py'} (in float_array) turns a SymPy expression "
        "into a number: `out[0, 0, 0] = x[0, 0, 0] * w[0, 0, 0]  # <- float`"
    )
    assert second == "  (TypeError: Cannot convert expression to float)"
    assert "dtype=object" in third


def test_an_operation_that_refuses_symbols_is_named() -> None:
    result = check_conv(errors.relu_on_symbols, **SMALL)
    line = marker_line("user_errors", "relu")
    assert result.error is not None
    assert result.error.startswith(
        "sympy.core.relational.__bool__ refused SymPy expressions: TypeError: cannot "
        "determine truth value of Relational"
    )
    assert f"called at line {line} of {USER / 'user_errors.py'} (in relu_on_symbols)" in (
        result.error
    )


def test_a_function_that_never_returns_is_stopped() -> None:
    start = time.perf_counter()
    result = check_conv(errors.hangs, timeout=0.5, **SMALL)
    assert time.perf_counter() - start < 10
    assert result.error == "your function did not return within 0.5 s; its process was stopped"
    # a timeout runs the code in a child process: a correct one still holds
    assert check_conv(loops.conv1d_loop, timeout=30, **SMALL).holds


def test_a_thread_that_never_returns_is_abandoned_and_numpy_restored() -> None:
    zeros = np.zeros

    def slow() -> None:
        np.zeros(3)
        time.sleep(1.5)

    with pytest.raises(UserCodeFailure, match="keeps running in a background thread"):
        run_user(slow, timeout=0.2, isolation="thread")
    assert np.zeros is zeros


def test_numpy_allocation_is_objects_for_the_users_floats_only() -> None:
    zeros = np.zeros
    with object_allocation():
        assert np.zeros((2, 2)).dtype == object and np.zeros(2)[0] == 0
        assert np.empty(2).tolist() == [0, 0]  # no None in an uninitialised object array
        assert np.ones(2, dtype=np.float32).dtype == object
        assert np.full(2, 0.5).dtype == object
        assert np.zeros(2, dtype=int).dtype == np.int64  # index arrays stay integers
        assert np.zeros_like(np.arange(3)).dtype == np.int64
        assert np.random.default_rng(0).random(2).dtype == np.float64  # compiled callers
        assert np.random.randn(2).dtype == np.float64
    assert np.zeros is zeros
    with pytest.raises(UserCodeFailure), object_allocation():
        raise UserCodeFailure("restored on the way out")
    assert np.zeros is zeros and np.zeros(2).dtype == np.float64


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"layout": "NWC"}, ValueError, r"layout='NWC' is not one of 'NCL', 'NLC', 'NCHW', 'NHWC'"),
        ({"x_shape": (1, 2)}, ValueError, r"x_shape=\(1, 2\).*give 3 positive integers \(N"),
        ({"x_shape": (1, 2, 0)}, ValueError, r"x_shape=\(1, 2, 0\) is not a shape for layout NCL"),
        ({"w_shape": (3, 1, 3)}, ValueError, r"x has 2 channels \(axis 1 of layout NCL\)"),
        ({"padding": "half"}, ValueError, r"padding='half': give an integer >= 0, \(left, right\)"),
        ({"stride": 0}, ValueError, r"stride=0: give an integer >= 1"),
        ({"groups": 2}, ValueError, r"x has 2 channels .* with groups=2, which needs 4"),
        ({"style": "torch"}, ValueError, r"style='torch' is not one of 'plain', 'cache'"),
        ({"timeout": -1}, ValueError, r"timeout=-1: give a positive number of seconds"),
        ({"timeout": "5"}, TypeError, r"timeout must be a number of seconds or None, got '5'"),
        ({"bias": 1}, TypeError, r"bias must be True or False, got 1"),
        ({"flip": True, "transposed": True}, ValueError, r"flip=True applies to a forward"),
        ({"output_padding": 1}, ValueError, r"output_padding=1 applies only with transposed"),
        ({"x_shape": (1, 2, 2)}, ValueError, r"^conv1d, layout NCL: .*kernel of size 3"),
        ({"style": "cache", "padding": (1, 0)}, ValueError, r'style="cache" passes conv_param'),
    ],
)
def test_bad_options_are_refused(options: dict[str, Any], error: type, message: str) -> None:
    options = {"x_shape": (1, 2, 6), "w_shape": (3, 2, 3)} | options
    with pytest.raises(error, match=message):
        check_conv(loops.conv1d_loop, **options)


def test_a_forward_that_is_no_function_is_refused() -> None:
    with pytest.raises(TypeError, match=r"forward must be a function, got int 3"):
        check_conv(3, x_shape=(1, 1, 4), w_shape=(1, 1, 2))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r'style="cache" needs forward'):
        check_conv_backward(backward.conv_backward_naive, style="cache", **SMALL)


# --- rendering ---------------------------------------------------------------------------


def test_latex_of_a_wrong_result() -> None:
    def swapped(x: Any, w: Any, b: Any) -> Any:
        return x[:, :, ::-1] * w[0, 0, 0]

    result = check_conv(swapped, x_shape=(1, 1, 2), w_shape=(1, 1, 1), bias=False)
    assert (
        result.to_latex()
        == r"""\subsection*{Convolution check: conv1d, layout NCL: x (1, 1, 2), w (1, 1, 1), stride 1, padding 0: wrong}
\begin{itemize}
\item 2 of 2 outputs differ
\item in all 2 wrong outputs: your input index is reversed on axis 2 (position)
\end{itemize}
\paragraph{output (0, 0, 0)}
\begin{itemize}
\item expected: $w_{0,0,0} x_{0,0,0}$
\item yours: $w_{0,0,0} x_{0,0,1}$
\item missing: $w_{0,0,0} x_{0,0,0}$
\item extra: $w_{0,0,0} x_{0,0,1}$
\item your output (0, 0, 0) reads x[0, 0, 1] with w[0, 0, 0]; the layer reads x[0, 0, 0] with w[0, 0, 0]: your input index is one past on axis 2 (position)
\end{itemize}
\paragraph{output (0, 0, 1)}
\begin{itemize}
\item expected: $w_{0,0,0} x_{0,0,1}$
\item yours: $w_{0,0,0} x_{0,0,0}$
\item missing: $w_{0,0,0} x_{0,0,1}$
\item extra: $w_{0,0,0} x_{0,0,0}$
\item your output (0, 0, 1) reads x[0, 0, 0] with w[0, 0, 0]; the layer reads x[0, 0, 1] with w[0, 0, 0]: your input index is one short on axis 2 (position)
\end{itemize}
"""
    )
    assert result._repr_latex_().startswith(r"$\displaystyle \begin{array}{l} \text{conv1d")
    assert r"\text{missing: } w_{0,0,0} x_{0,0,0}" in result._repr_latex_()


def test_latex_fragments_compile(pdflatex: str, tmp_path: Path) -> None:
    fragments = [
        check_conv(bugs.swapped_kernel_axes, x_shape=(1, 1, 3, 3), w_shape=(1, 1, 2, 2)),
        check_conv_backward(bugs.dw_last_position, x_shape=(1, 1, 4), w_shape=(1, 1, 2)),
        check_conv(errors.float_array, **SMALL),
        check_conv(loops.conv1d_loop, **SMALL),
    ]
    body = "\n".join(f.to_latex() for f in fragments)
    (tmp_path / "check.tex").write_text(
        "\\documentclass{article}\n\\begin{document}\n" + body + "\\end{document}\n"
    )
    run = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "check.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-2000:]
    assert (tmp_path / "check.pdf").exists()


# --- the command line, through a real process --------------------------------------------


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=Path(__file__).parent.parent,
    )


def test_cli_exit_0_when_right_and_1_with_the_diagnosis_when_wrong() -> None:
    right = cli(
        f"{USER / 'user_loops.py'}:conv1d_s2p1",
        "--input-shape",
        "1,2,6",
        "--kernel-shape",
        "3,2,3",
        "--stride",
        "2",
        "--padding",
        "1",
    )
    assert right.returncode == 0, right.stderr
    assert right.stdout.startswith("conv1d, layout NCL: x (1, 2, 6), w (3, 2, 3), b (3,), stride 2")
    assert "holds" in right.stdout and right.stderr == ""
    wrong = cli(
        f"{USER / 'user_bugs.py'}:wrong_stride",
        "--input-shape",
        "1,1,7",
        "--kernel-shape",
        "1,1,3",
        "--stride",
        "2",
        "--no-bias",
    )
    assert wrong.returncode == 1 and wrong.stderr == ""
    assert "(a stride of 1 instead of 2)" in wrong.stdout and "output (0, 0, 1):" in wrong.stdout


def test_cli_checks_a_cache_style_backward_pass() -> None:
    run = cli(
        f"{USER / 'user_backward.py'}:conv_forward_naive",
        "--backward",
        "conv_backward_naive",
        "--style",
        "cache",
        "--input-shape",
        "1,2,5,5",
        "--kernel-shape",
        "2,2,3,3",
        "--padding",
        "1",
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "36 dw entries" in run.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--input-shape", "1,2,x", "--kernel-shape", "3,2,3"],
            "symconv check: error: --input-shape '1,2,x': expected integers separated by commas, "
            "like 1,2,6",
        ),
        (
            ["--input-shape", "1,2,6", "--kernel-shape", "3,2,3", "--timeout", "soon"],
            "symconv check: error: --timeout 'soon': expected a positive number of seconds, like 10",
        ),
    ],
)
def test_cli_bad_arguments_exit_2_with_one_line(args: list[str], message: str) -> None:
    run = cli(f"{USER / 'user_loops.py'}:conv1d_loop", *args)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr == message + "\n"


def test_cli_a_missing_function_is_a_bad_argument() -> None:
    run = cli(
        f"{USER / 'user_loops.py'}:conv9d", "--input-shape", "1,2,6", "--kernel-shape", "3,2,3"
    )
    assert run.returncode == 2 and len(run.stderr.splitlines()) == 1
    assert "defines no function 'conv9d' (it defines: conv1d_loop," in run.stderr


def test_cli_stops_a_function_that_never_returns_and_names_a_raise() -> None:
    hung = cli(
        f"{USER / 'user_errors.py'}:hangs",
        "--input-shape",
        "1,1,4",
        "--kernel-shape",
        "1,1,2",
        "--timeout",
        "1",
    )
    assert hung.returncode == 1
    assert hung.stdout == "your function did not return within 1 s; its process was stopped\n"
    raised = cli(
        f"{USER / 'user_errors.py'}:raises", "--input-shape", "1,1,4", "--kernel-shape", "1,1,2"
    )
    assert raised.returncode == 1 and "Traceback" not in raised.stdout + raised.stderr
    assert raised.stdout.startswith("your forward function raises() raised ValueError")


def test_main_check_in_process_refuses_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert main_check(["nowhere.py:conv", "--input-shape", "1,2,6", "--kernel-shape", "3,2,3"]) == 2
    assert capsys.readouterr().err == "symconv check: error: 'nowhere.py': no such file\n"
    assert (
        main_check(
            [f"{USER / 'user_loops.py'}", "--input-shape", "1,2,6", "--kernel-shape", "3,2,3"]
        )
        == 2
    )
    assert "expected FILE.py:FUNCTION" in capsys.readouterr().err
    assert main_check(["--help"]) == 0
