"""Running a user's code on symbols: object arrays, readable failures, and a time limit.

Three things stand between a user's NumPy convolution and symbolic inputs, and each is
handled here, in one place:

* ``np.zeros(shape)`` makes a float array that cannot hold a symbol. While the user's code
  runs, :func:`object_allocation` makes NumPy's allocation functions return object arrays
  (filled with ``0``) where the user's own line calls them for a float or complex array
  (or an uninitialised object one); integer and boolean arrays (index arrays) are left
  alone, and so are the calls of compiled code, which would write raw floats into them.
* Anything the user's code raises becomes one message naming the exception and the last
  line of the user's own code (:func:`describe_failure`), with the line to change when a
  symbol was converted to a float.
* ``timeout``: without one the code runs in this thread. With one it runs in a forked
  child process (where the platform can fork), killed at the limit; elsewhere in a daemon
  thread, which Python cannot stop, so a runaway thread is abandoned and says so. The
  command line always runs the code in a fresh interpreter (``spawn``) that it kills.

Examples
========

>>> import numpy as np
>>> with object_allocation():
...     np.zeros(2), np.zeros(2, dtype=int).dtype
(array([0, 0], dtype=object), dtype('int64'))
>>> np.zeros(2)
array([0., 0.])
>>> def conv(x):
...     return float(x)
>>> from sympy import Symbol
>>> run_user(lambda: conv(Symbol("x")), timeout=None)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
symconv.checking.running.UserCodeFailure: line 2 of <doctest ...> (in conv) turns a SymPy expression into a number: `return float(x)`...
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import itertools
import linecache
import os
import re
import site
import sys
import sysconfig
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

#: NumPy functions that allocate arrays and are made to allocate object arrays.
ALLOCATORS = (
    "zeros",
    "zeros_like",
    "empty",
    "empty_like",
    "ones",
    "ones_like",
    "full",
    "full_like",
)

#: Seconds a fresh interpreter may take to start and unpickle its task before the user's
#: code runs (the time limit counts from there).
STARTUP_LIMIT = 120.0

#: Messages of the errors SymPy raises when a symbolic expression is made a number.
NUMBER_CONVERSIONS = (
    "Cannot convert expression to float",
    "Cannot convert complex to float",
    "Cannot convert symbols to int",
    "can't convert expression to",
)


class UserCodeFailure(Exception):
    """The user's code failed (raised, hung, returned the wrong thing); ``str`` says how.

    ``bad_argument`` marks a failure to find the code at all (a function a file does not
    define), which the command line reports as a usage error.
    """

    def __init__(self, message: str, *, bad_argument: bool = False) -> None:
        super().__init__(message)
        self.bad_argument = bad_argument

    def __reduce__(self) -> Any:  # keep bad_argument across a process boundary
        return (_failure, (str(self), self.bad_argument))


def _failure(message: str, bad_argument: bool) -> UserCodeFailure:
    return UserCodeFailure(message, bad_argument=bad_argument)


# --- object arrays while the user's code runs --------------------------------------------


def _call_text(frame: Any) -> str | None:
    """The source text of the call ``frame`` is making now, or None without a source."""
    code = frame.f_code
    lines = linecache.getlines(code.co_filename)
    positions = getattr(code, "co_positions", None)  # Python 3.11+
    if positions is not None:
        found = next(itertools.islice(positions(), frame.f_lasti // 2, None), None)
        if found is not None and None not in found and lines:
            start, end, col, end_col = found
            text = "".join(lines[start - 1 : end])
            last = len(text) - len(lines[end - 1]) + end_col if end <= len(lines) else None
            return text[col:last]
    return lines[frame.f_lineno - 1] if 0 < frame.f_lineno <= len(lines) else None


def _called_by_user(name: str) -> bool:
    """Whether the user's own code called ``np.<name>`` itself, right here.

    Compiled code (NumPy's random generators, say) allocates with the same module
    functions and then writes raw floats into the buffer: an object array there would
    crash the interpreter. Such a call has no Python frame of its own, so the nearest frame
    is the user's line calling something else; only a call whose text names ``name`` is
    the user's allocation.
    """
    frame = sys._getframe(3)  # _called_by_user <- _objects <- the wrapper <- its caller
    if not is_user_file(frame.f_code.co_filename):
        return False
    text = _call_text(frame)
    return text is None or re.search(rf"\b{name}\b", text) is not None


def _objects(name: str, dtype: Any, default: Any) -> bool:
    """Whether this allocation of ``dtype`` (None: ``default``) should hold objects."""
    import numpy as np

    resolved = np.dtype(default if dtype is None else dtype)
    return resolved.kind in "fcO" and _called_by_user(name)


def _like_dtype(a: Any) -> Any:
    import numpy as np

    return a.dtype if hasattr(a, "dtype") else np.asarray(a).dtype


def _wrappers(np: ModuleType) -> dict[str, Callable[..., Any]]:
    zeros, zeros_like = np.zeros, np.zeros_like
    ones, ones_like = np.ones, np.ones_like
    full, full_like = np.full, np.full_like
    empty, empty_like = np.empty, np.empty_like

    def shaped(original: Callable[..., Any], objects: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def allocate(shape: Any, dtype: Any = None, *args: Any, **kwargs: Any) -> Any:
            if _objects(original.__name__, dtype, float):
                return objects(shape, object, *args, **kwargs)
            return original(shape, dtype if dtype is not None else float, *args, **kwargs)

        return allocate

    def like(original: Callable[..., Any], objects: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def allocate(a: Any, dtype: Any = None, *args: Any, **kwargs: Any) -> Any:
            if _objects(original.__name__, dtype, _like_dtype(a)):
                return objects(a, object, *args, **kwargs)
            return original(a, dtype, *args, **kwargs)

        return allocate

    @functools.wraps(full)
    def full_objects(shape: Any, fill_value: Any, dtype: Any = None, *a: Any, **k: Any) -> Any:
        if _objects("full", dtype, _like_dtype(fill_value)):
            dtype = object
        return full(shape, fill_value, dtype, *a, **k)

    @functools.wraps(full_like)
    def full_like_objects(a: Any, fill_value: Any, dtype: Any = None, *r: Any, **k: Any) -> Any:
        if _objects("full_like", dtype, _like_dtype(a)):
            dtype = object
        return full_like(a, fill_value, dtype, *r, **k)

    # An uninitialised object array holds None, which no sum accepts: empty means zeros.
    wrappers: dict[str, Callable[..., Any]] = {
        "zeros": shaped(zeros, zeros),
        "zeros_like": like(zeros_like, zeros_like),
        "empty": shaped(empty, zeros),
        "empty_like": like(empty_like, zeros_like),
        "ones": shaped(ones, ones),
        "ones_like": like(ones_like, ones_like),
        "full": full_objects,
        "full_like": full_like_objects,
    }
    for name, wrapper in wrappers.items():
        wrapper._symconv_original = getattr(np, name)  # type: ignore[attr-defined]
    return wrappers


@contextlib.contextmanager
def object_allocation() -> Iterator[None]:
    """Make NumPy allocate object arrays instead of float ones inside the ``with`` block.

    NumPy's functions are module attributes, so this is visible to every thread while it
    lasts; the originals are put back in ``finally``.
    """
    import numpy as np

    originals = {name: getattr(np, name) for name in ALLOCATORS}
    if any(hasattr(f, "_symconv_original") for f in originals.values()):
        yield  # already inside a check (a check of a check): the wrappers are in place
        return
    for name, wrapper in _wrappers(np).items():
        setattr(np, name, wrapper)
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(np, name, original)


def restore_allocation() -> None:
    """Put NumPy's own allocation functions back (after abandoning a runaway thread)."""
    import numpy as np

    for name in ALLOCATORS:
        f = getattr(np, name)
        while hasattr(f, "_symconv_original"):
            f = f._symconv_original
        setattr(np, name, f)


# --- one message per failure --------------------------------------------------------------

#: symconv itself is never the user's code.
_SYMCONV = str(Path(__file__).resolve().parents[1])


@functools.cache
def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    with contextlib.suppress(AttributeError):
        roots.update(site.getsitepackages())
    with contextlib.suppress(AttributeError):
        roots.add(site.getusersitepackages())
    roots.add(_SYMCONV)
    for module in ("numpy", "sympy", "scipy", "torch"):
        loaded = sys.modules.get(module)
        if loaded is not None and getattr(loaded, "__file__", None):
            roots.add(str(Path(loaded.__file__).resolve().parent))  # type: ignore[arg-type]
    return tuple(os.path.realpath(root) for root in roots)


@functools.lru_cache(maxsize=1024)
def is_user_file(filename: str) -> bool:
    """Code the user wrote, as opposed to Python's, NumPy's, SymPy's or this checker's."""
    if filename.startswith("<frozen"):
        return False
    if filename.startswith("<"):
        return True  # a doctest, a notebook cell, python -c
    path = os.path.realpath(filename)
    return not any(path == root or path.startswith(root + os.sep) for root in _library_roots())


def _place(frame: traceback.FrameSummary, does: str = "") -> str:
    """``line 12 of conv.py (in conv) <does>: `the line```."""
    line = (frame.line or linecache.getline(frame.filename, frame.lineno or 0)).strip()
    shown = f"{' ' + does if does else ''}: `{line}`" if line else (f" {does}" if does else "")
    return f"line {frame.lineno} of {frame.filename} (in {frame.name}){shown}"


def _module_of(filename: str) -> str:
    """``sympy.core.relational`` for a file inside packages, else the file's stem."""
    path = Path(filename)
    parts = [path.stem]
    folder = path.parent
    while (folder / "__init__.py").exists():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts)


def describe_failure(error: BaseException, what: str = "your function") -> str:
    """One message for an exception from the user's code: which, and at which of its lines.

    The line is the last frame in the user's own files. An error raised inside NumPy,
    SymPy or another library names that operation as refusing symbols, and a symbol made
    a number (``float(x)``, a float array) says which line to change.
    """
    if isinstance(error, SyntaxError) and error.filename and is_user_file(error.filename):
        text = (error.text or "").strip()
        return (
            f"{what}: line {error.lineno} of {error.filename} has a syntax error "
            f"({error.msg}): `{text}`"
        )
    frames = traceback.extract_tb(error.__traceback__)
    user = [i for i, frame in enumerate(frames) if is_user_file(frame.filename)]
    kind = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    if not user:
        return f"{what} raised {kind}"
    last = frames[user[-1]]
    if any(message in str(error) for message in NUMBER_CONVERSIONS):
        return (
            f"{_place(last, 'turns a SymPy expression into a number')}\n  ({kind})\n"
            "  change that line to keep SymPy objects: allocate the array it writes to with "
            "dtype=object (np.zeros(shape, dtype=object)), and do not convert with float(), "
            "int(), .astype(float) or dtype=float"
        )
    if user[-1] == len(frames) - 1:
        return f"{what} raised {kind}\n  at {_place(last)}"
    inner = frames[user[-1] + 1]
    operation = f"{_module_of(inner.filename)}.{inner.name}"
    # A TypeError or AttributeError from inside a library is an operation that has no rule
    # for a SymPy object (a ufunc without a method, a truth value of a comparison).
    refused = isinstance(error, (TypeError, AttributeError))
    does = "refused SymPy expressions:" if refused else "raised"
    return f"{operation} {does} {kind}\n  called at {_place(last)}"


# --- where the code runs ------------------------------------------------------------------


def call_user(task: Callable[[], Any]) -> Any:
    """``task()`` with object allocation; any exception it lets out becomes a failure."""
    try:
        with object_allocation():
            return task()
    except UserCodeFailure:
        raise
    except (Exception, SystemExit) as error:
        raise UserCodeFailure(describe_failure(error)) from None


def run_user(
    task: Callable[[], Any], *, timeout: float | None, isolation: str | None = None
) -> Any:
    """Run ``task`` (which calls the user's code) and return what it returns.

    ``isolation`` is ``"fork"``, ``"spawn"`` (a fresh interpreter: ``task`` must pickle),
    ``"thread"`` or None: in this thread without a timeout, else a forked child where the
    platform can fork and a daemon thread where it cannot. Raises :class:`UserCodeFailure`.
    """
    import multiprocessing

    if isolation is None:
        if timeout is None:
            return call_user(task)
        can_fork = "fork" in multiprocessing.get_all_start_methods()
        isolation = "fork" if can_fork else "thread"
    if isolation == "thread":
        return _in_thread(task, timeout)
    return _in_process(task, timeout, isolation)


def _late(timeout: float | None) -> str:
    return f"your function did not return within {timeout:g} s"


def _in_thread(task: Callable[[], Any], timeout: float | None) -> Any:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = call_user(task)
        except UserCodeFailure as failure:
            box["failure"] = failure

    thread = threading.Thread(target=target, name="symconv-check", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        restore_allocation()
        raise UserCodeFailure(
            f"{_late(timeout)}; it keeps running in a background thread (Python cannot "
            "stop a thread: give a timeout where processes can fork, or use the command line)"
        )
    if "failure" in box:
        raise box["failure"]
    return box["value"]


def _child(sender: Any, task: Callable[[], Any]) -> None:
    sender.send(("ready", None))
    try:
        result: tuple[str, Any] = ("value", call_user(task))
    except UserCodeFailure as failure:
        result = ("failure", failure)
    try:
        sender.send(result)
    except Exception as error:  # pickling failed before anything was written
        message = f"your code returned something that cannot leave its process: {error}"
        sender.send(("failure", UserCodeFailure(message)))
    sender.close()


def _in_process(task: Callable[[], Any], timeout: float | None, method: str) -> Any:
    import multiprocessing

    context: Any = multiprocessing.get_context(method)
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, task), name="symconv-check")
    process.start()
    sender.close()
    try:
        if not receiver.poll(STARTUP_LIMIT):
            raise UserCodeFailure(
                f"the process to run your code did not start in {STARTUP_LIMIT:g} s"
            )
        receiver.recv()
        if not receiver.poll(timeout):
            raise UserCodeFailure(f"{_late(timeout)}; its process was stopped")
        kind, value = receiver.recv()
    except EOFError:
        process.join()
        raise UserCodeFailure(
            f"the process running your code ended (exit code {process.exitcode}) before it returned"
        ) from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()
    if kind == "failure":
        raise value
    return value


# --- code named by a file and a function ---------------------------------------------------


@functools.cache
def load_module(path: str) -> ModuleType:
    """Import a user's ``.py`` file by its path (once per process), its folder on sys.path
    so that it can import its neighbours, as ``python FILE`` would."""
    file = Path(path).resolve()
    name = f"_symconv_user_{file.stem}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise UserCodeFailure(f"{path} cannot be imported as Python", bad_argument=True)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    if str(file.parent) not in sys.path:
        sys.path.insert(0, str(file.parent))
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as error:
        del sys.modules[name]
        raise UserCodeFailure(describe_failure(error, f"importing {path}")) from None
    return module


@dataclass(frozen=True)
class FileFunction:
    """A function named by a file and a name, imported where it runs (so it pickles)."""

    path: str
    name: str

    def load(self) -> Callable[..., Any]:
        module = load_module(self.path)
        function = getattr(module, self.name, None)
        if not callable(function):
            defined = sorted(
                n
                for n, v in vars(module).items()
                if callable(v)
                and not n.startswith("_")
                and getattr(v, "__module__", None) == module.__name__
            )
            raise UserCodeFailure(
                f"{self.path} defines no function {self.name!r} (it defines: "
                f"{', '.join(defined) or 'none'})",
                bad_argument=True,
            )
        return function  # type: ignore[no-any-return]
