"""How a user's convolution is called, in the two signatures people write.

``"plain"``
    ``forward(x, w, b) -> y`` and ``backward(dy, x, w, b) -> (dx, dw, db)``. Without a
    bias, ``b`` is an object array of zeros, or left out when the function takes one
    argument fewer; the ``db`` a backward returns is then ignored (it may return two).
``"cache"`` (the CS231n assignments)
    ``forward(x, w, b, conv_param) -> (out, cache)`` with ``conv_param = {"stride": s,
    "pad": p}`` (plus ``"dilation"`` and ``"groups"`` when they are not 1), and
    ``backward(dout, cache) -> (dx, dw, db)``. Without a bias, ``b`` is zeros.

Examples
========

>>> import numpy as np
>>> calling = Calling("plain", lambda x, w: x * w[0], None, False, None)
>>> run_calling(calling, np.array([1, 2], dtype=object), np.array([3], dtype=object),
...             np.zeros(1, dtype=object), None).y
array([3, 6], dtype=object)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from symconv.checking.running import FileFunction, UserCodeFailure, describe_failure

if TYPE_CHECKING:
    import numpy as np

STYLES = ("plain", "cache")


@dataclass(frozen=True)
class Calling:
    """The user's functions and the convention to call them with (pickles for a child
    process when the functions are :class:`~symconv.checking.running.FileFunction`)."""

    style: str
    forward: Callable[..., Any] | None
    backward: Callable[..., Any] | None
    bias: bool
    conv_param: dict[str, Any] | None


@dataclass(frozen=True)
class UserOutputs:
    """What the user's code returned, each as a NumPy array (None: not asked for)."""

    y: np.ndarray | None = None
    dx: np.ndarray | None = None
    dw: np.ndarray | None = None
    db: np.ndarray | None = None


def _takes(function: Callable[..., Any], count: int) -> bool:
    try:
        inspect.signature(function).bind(*range(count))
    except TypeError:
        return False
    except ValueError:  # no signature (a builtin): assume it does
        return True
    return True


def _named(function: Callable[..., Any], role: str) -> str:
    name = getattr(function, "__name__", None)
    shown = f" {name}()" if name and name != "<lambda>" else ""
    return f"your {role} function{shown}"


def _call(function: Callable[..., Any], args: tuple[Any, ...], what: str) -> Any:
    try:
        return function(*args)
    except UserCodeFailure:
        raise
    except (Exception, SystemExit) as error:
        raise UserCodeFailure(describe_failure(error, what)) from None


def as_array(value: Any, what: str) -> np.ndarray:
    """A returned value as a NumPy array: arrays, nested lists, SymPy matrices and arrays."""
    import numpy as np
    import sympy

    if value is None:
        raise UserCodeFailure(f"{what} returned None where an array was expected")
    if isinstance(value, (sympy.MatrixBase, sympy.NDimArray)):
        value = value.tolist()
    if isinstance(value, np.ndarray):
        return value
    try:
        if isinstance(value, (list, tuple)):
            return np.array(value, dtype=object)
        return np.asarray(value)
    except (ValueError, TypeError) as error:
        raise UserCodeFailure(
            f"{what} returned a {type(value).__name__} that is no array ({error})"
        ) from None


def _parts(value: Any, count: int, names: str, what: str) -> tuple[Any, ...]:
    if not isinstance(value, (tuple, list)) or len(value) != count:
        got = f"a {type(value).__name__}" + (
            f" of length {len(value)}" if isinstance(value, (tuple, list)) else ""
        )
        raise UserCodeFailure(f"{what} returned {got}; it should return ({names})")
    return tuple(value)


def _gradients(value: Any, bias: bool, what: str) -> tuple[Any, Any, Any]:
    if not bias and isinstance(value, (tuple, list)) and len(value) == 2:
        dx, dw = value
        return dx, dw, None
    dx, dw, db = _parts(value, 3, "dx, dw, db", what)
    return dx, dw, db if bias else None


def _loaded(function: Callable[..., Any] | None) -> Callable[..., Any] | None:
    return function.load() if isinstance(function, FileFunction) else function


def run_calling(
    calling: Calling, x: np.ndarray, w: np.ndarray, b: np.ndarray, g: np.ndarray | None
) -> UserOutputs:
    """Call the user's forward and backward on the symbolic arrays (``b`` is zeros without
    a bias); runs where the user's code runs: this process, a thread or a child process."""
    forward, backward = _loaded(calling.forward), _loaded(calling.backward)
    y: Any = None
    grads: tuple[Any, Any, Any] | None = None
    if calling.style == "cache":
        assert forward is not None and calling.conv_param is not None
        what = _named(forward, "forward")
        y, cache = _parts(
            _call(forward, (x, w, b, dict(calling.conv_param)), what), 2, "out, cache", what
        )
        if backward is not None and g is not None:
            grads = _gradients(
                _call(backward, (g, cache), _named(backward, "backward")),
                calling.bias,
                _named(backward, "backward"),
            )
    else:
        if forward is not None:
            inputs: tuple[Any, ...] = (x, w, b) if calling.bias or _takes(forward, 3) else (x, w)
            y = _call(forward, inputs, _named(forward, "forward"))
        if backward is not None and g is not None:
            what = _named(backward, "backward")
            args: tuple[Any, ...] = (g, x, w, b)
            if not calling.bias and not _takes(backward, 4):
                args = (g, x, w)
            grads = _gradients(_call(backward, args, what), calling.bias, what)
    outputs = UserOutputs()
    if forward is not None:
        outputs = UserOutputs(y=as_array(y, _named(forward, "forward")))
    if grads is not None and backward is not None:
        what = _named(backward, "backward")
        dx, dw, db = grads
        outputs = UserOutputs(
            y=outputs.y,
            dx=as_array(dx, f"{what} (its dx)"),
            dw=as_array(dw, f"{what} (its dw)"),
            db=as_array(db, f"{what} (its db)") if calling.bias else None,
        )
    return outputs
