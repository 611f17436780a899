"""``symconv check FILE.py:FUNCTION``: the command line of a check.

The user's file is imported, and its functions run, in a fresh interpreter that is killed
at ``--timeout`` (default 60 s); this process never imports it. Exit status 0: the code
computes the layer; 1: it does not, or it raised, hung or returned the wrong thing (the
diagnosis on stdout); 2: bad arguments (one line on stderr).

Examples
========

>>> main_check(["conv.py:f", "--input-shape", "1,2,x", "--kernel-shape", "3,2,3"])
2
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any, NoReturn

from symconv.checking.checks import calling_for, run_check
from symconv.checking.layer import LAYOUTS, PADDING_NAMES, layer_spec
from symconv.checking.running import FileFunction, UserCodeFailure

PROG = "symconv check"
DEFAULT_TIMEOUT = 60.0

_INTS = re.compile(r"\s*\d+(\s*,\s*\d+)*\s*")
_SECONDS = re.compile(r"\s*(\d+(\.\d*)?|\.\d+)\s*")


class UsageError(Exception):
    """A bad command-line argument; the message is the one line printed."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _ints(option: str, text: str) -> tuple[int, ...]:
    """Comma-separated non-negative integers, by a strict grammar (nothing is evaluated)."""
    if not _INTS.fullmatch(text):
        raise UsageError(f"{option} {text!r}: expected integers separated by commas, like 1,2,6")
    return tuple(int(part) for part in text.split(","))


def _per_axis(option: str, text: str) -> int | tuple[int, ...]:
    values = _ints(option, text)
    return values[0] if len(values) == 1 else values


def _padding(text: str) -> Any:
    if text.strip() in PADDING_NAMES:
        return text.strip()
    values = _ints("--padding", text)
    return values[0] if len(values) == 1 else values


def _seconds(text: str) -> float:
    if not _SECONDS.fullmatch(text) or float(text) <= 0:
        raise UsageError(f"--timeout {text!r}: expected a positive number of seconds, like 10")
    return float(text)


def _target(text: str) -> tuple[str, str]:
    path, colon, name = text.rpartition(":")
    if not colon or not path or not name.isidentifier():
        raise UsageError(f"{text!r}: expected FILE.py:FUNCTION, like my_conv.py:conv_forward")
    if not Path(path).is_file():
        raise UsageError(f"{path!r}: no such file")
    return path, name


def parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog=PROG,
        description="Run your convolution on symbols and prove it right, or show the first "
        "wrong term.",
    )
    p.add_argument("target", metavar="FILE.py:FUNCTION", help="your forward function")
    p.add_argument("--input-shape", required=True, metavar="N,C,L", help="x's shape")
    p.add_argument("--kernel-shape", required=True, metavar="O,I,K", help="w's shape")
    p.add_argument("--stride", default="1", metavar="S")
    p.add_argument(
        "--padding",
        default="0",
        metavar="P",
        help="P, L,R (1-D), PH,PW (2-D), " + ", ".join(PADDING_NAMES),
    )
    p.add_argument("--dilation", default="1", metavar="D")
    p.add_argument("--groups", default="1", metavar="G")
    p.add_argument("--output-padding", default="0", metavar="P")
    p.add_argument("--layout", choices=list(LAYOUTS), default=None)
    p.add_argument("--no-bias", action="store_true")
    p.add_argument("--flip", action="store_true", help="true convolution (kernel reversed)")
    p.add_argument("--transposed", action="store_true", help="a transposed convolution")
    p.add_argument("--backward", metavar="FN", help="your backward function in the same file")
    p.add_argument("--style", choices=["plain", "cache"], default="plain")
    p.add_argument("--timeout", default=str(DEFAULT_TIMEOUT), metavar="SECONDS")
    return p


def main_check(argv: list[str]) -> int:
    """Run ``symconv check`` with ``argv`` (the arguments after ``check``); the exit status."""
    try:
        args = parser().parse_args(argv)
        path, name = _target(args.target)
        x_shape = _ints("--input-shape", args.input_shape)
        w_shape = _ints("--kernel-shape", args.kernel_shape)
        groups = _ints("--groups", args.groups)
        if len(groups) != 1:
            raise UsageError(f"--groups {args.groups!r}: expected one integer")
        if args.backward is not None and not args.backward.isidentifier():
            raise UsageError(f"--backward {args.backward!r}: expected a function name")
        spec = layer_spec(
            x_shape=x_shape,
            w_shape=w_shape,
            bias=not args.no_bias,
            stride=_per_axis("--stride", args.stride),
            padding=_padding(args.padding),
            dilation=_per_axis("--dilation", args.dilation),
            groups=groups[0],
            layout=args.layout,
            flip=args.flip,
            transposed=args.transposed,
            output_padding=_per_axis("--output-padding", args.output_padding),
        )
        backward = FileFunction(path, args.backward) if args.backward else None
        calling = calling_for(spec, args.style, FileFunction(path, name), backward)
        result = run_check(spec, calling, timeout=_seconds(args.timeout), isolation="spawn")
    except SystemExit as stop:  # --help
        return int(stop.code or 0)
    except (UsageError, ValueError, TypeError) as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except UserCodeFailure as failure:  # bad_argument: the file lacks the function
        print(f"{PROG}: error: {failure}", file=sys.stderr)
        return 2
    print(result)
    return 0 if result.holds else 1
