"""The ``symconv`` command line: derive a layer and print it, or write it as LaTeX.

Every user value goes through :mod:`symconv.parsing` (a strict grammar, never ``eval``);
a bad value exits with status 2 and one line on stderr, no traceback.

Examples
========

>>> main(["derive", "--input", "1,2,3,4", "--kernel", "5,6,7", "--padding", "full",
...       "--flip", "--values"])  # doctest: +ELLIPSIS
Layer: x in R^4, w in R^3, convolution (flipped kernel), stride 1, padding (2, 2), dilation 1 -> 6 outputs
...
Values: [5, 16, 34, 52, 45, 28]
...
0
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

from sympy import Matrix

from symconv.core.files import write_output
from symconv.core.parsing import parse_padding, parse_vector
from symconv.derivation import Derivation, derive
from symconv.ops.sliding import conv1d

#: The question's layer (QUESTION.md): symbolic first, then its numbers.
DEFAULT_LAYERS = (("x:4", "w:3"), ("1,2,3,4", "5,6,7"))

#: Printed after the question's numbers when `symconv derive` runs on its default.
QUESTION_ANSWER = """
Answer: a CNN layer computes sliding dot products (cross-correlation, no flip), so its
pre-activations are the valid outputs {valid}, and the layer is a = f({valid}) applied
entry by entry. The full convolution {full} flips the kernel and
also slides it over the zero padding at both edges; trimming those edges leaves the valid
convolution {valid_flipped}, and not flipping gives the layer's {valid}. w is still a
vector, and W is still a matrix: the banded T above, with w in every row (tied weights)
and zeros elsewhere, so z = T x."""

#: Above this many products the command line reports its stages on stderr.
PROGRESS_THRESHOLD = 50_000


class UsageError(Exception):
    """A bad value on the command line: exit status 2 with one line."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"symconv: error: {message}\n")


def positive_int(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be an integer >= 1")
    return int(text)


def add_layer_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--input", metavar="VECTOR", help="1,2,3,4 or x:4 (default: the question's layer)"
    )
    parser.add_argument("--kernel", metavar="VECTOR", help="5,6,7 or w:3")
    parser.add_argument("--stride", type=positive_int, default=1)
    parser.add_argument("--padding", default="0", help="N, LEFT,RIGHT, valid, same or full")
    parser.add_argument("--dilation", type=positive_int, default=1)
    parser.add_argument("--flip", action="store_true", help="true convolution (reverse the kernel)")
    parser.add_argument(
        "--activation",
        metavar="NAME",
        help="relu, sigmoid, tanh, identity or a name for an unknown f",
    )
    parser.add_argument(
        "--grad",
        action="store_true",
        help="derive the backward pass and prove the tied-weight gradients",
    )
    parser.add_argument(
        "--upstream", metavar="VECTOR", help="upstream gradients (default: symbolic g)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="symconv", description="Convolution as matrix multiplication, exactly.")
    commands = parser.add_subparsers(dest="command", parser_class=Parser)
    derive_cmd = commands.add_parser("derive", help="derive one layer and print it")
    add_layer_options(derive_cmd)
    derive_cmd.add_argument("--values", action="store_true", help="print the numeric outputs")
    derive_cmd.add_argument(
        "--tex", metavar="FILE", help="also write the derivation as a LaTeX document"
    )
    derive_cmd.add_argument(
        "--force", action="store_true", help="overwrite a file symconv did not write"
    )
    add_report_commands(commands)
    return parser


def add_report_commands(commands: argparse._SubParsersAction) -> None:
    """``symconv report`` (one layer as LaTeX) and ``symconv catalogue OUTDIR``."""
    from symconv.catalogue import add_catalogue_options, run_catalogue

    report_cmd = commands.add_parser("report", help="write one layer's derivation as LaTeX")
    add_layer_options(report_cmd)
    report_cmd.add_argument("--output", "-o", metavar="FILE", help="write here (default: stdout)")
    report_cmd.add_argument(
        "--force", action="store_true", help="overwrite a file symconv did not write"
    )
    report_cmd.add_argument(
        "--index-base",
        type=int,
        choices=(0, 1),
        default=1,
        help="first index: 1 (the book's) or 0 (Python's and PyTorch's)",
    )
    report_cmd.add_argument(
        "--fragment", action="store_true", help="sections only, to \\input into your document"
    )
    report_cmd.add_argument(
        "--max-size",
        type=positive_int,
        default=8,
        help="elide vectors and matrices longer than this (default 8)",
    )
    report_cmd.add_argument("--title", help="document title (default: describes the layer)")
    report_cmd.add_argument(
        "--pdf", action="store_true", help="also compile the written FILE with pdflatex"
    )
    report_cmd.set_defaults(handler=run_report)
    catalogue_cmd = commands.add_parser("catalogue", help="regenerate the derivations/ reports")
    add_catalogue_options(catalogue_cmd)
    catalogue_cmd.set_defaults(handler=run_catalogue)


def run_report(args: argparse.Namespace) -> int:
    """Derive the layer (or the question's two layers) and write the LaTeX report."""
    from symconv.report import CompileError, compile_pdf, derivation_report, derivations_document

    if args.pdf and not args.output:
        raise UsageError("--pdf needs --output FILE")
    if args.max_size < 2:
        raise UsageError(f"--max-size must be at least 2, got {args.max_size}")
    derivations = [derive_layer(args, x, w) for x, w in layers(args)]
    standalone, base, size = not args.fragment, args.index_base, args.max_size
    if len(derivations) == 1:
        text = derivation_report(
            derivations[0], title=args.title, standalone=standalone, index_base=base, max_size=size
        )
    else:
        text = derivations_document(
            derivations,
            title=args.title or "The question's layer",
            standalone=standalone,
            index_base=base,
            max_size=size,
        )
    if args.output is None:
        sys.stdout.write(text)
    else:
        path = write_output(args.output, text, force=args.force)
        print(f"wrote {path}", file=sys.stderr)
        if args.pdf:
            try:
                print(f"wrote {compile_pdf(path, force=args.force)}", file=sys.stderr)
            except CompileError as error:
                print(f"symconv: error: {error}", file=sys.stderr)
                return 1
    return 0 if all(d.holds for d in derivations) else 1


def layers(args: argparse.Namespace) -> list[tuple[Matrix, Matrix]]:
    if (args.input is None) != (args.kernel is None):
        raise UsageError("give both --input and --kernel, or neither for the question's layer")
    pairs = DEFAULT_LAYERS if args.input is None else ((args.input, args.kernel),)
    vectors = [(parse_vector(x), parse_vector(w)) for x, w in pairs]
    for x, w in vectors:
        check_memory(len(x), len(w), bool(getattr(args, "grad", False)))
    return vectors


#: Peak bytes per product term x_j w_k of a derivation, measured at (4096, 64) as the
#: growth of the process's peak RSS: about 0.45 kB for the forward derivation and proofs,
#: 1.4 kB with the backward pass (with a margin for other sizes and settings).
BYTES_PER_TERM = {False: 600, True: 2_000}


def available_memory() -> int | None:
    """MemAvailable from /proc/meminfo in bytes, or None where it cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_memory(length: int, kernel_size: int, grad: bool, available: int | None = None) -> None:
    """Refuse, before any work, a layer whose derivation would not fit in memory."""
    free = available_memory() if available is None else available
    need = length * kernel_size * BYTES_PER_TERM[grad]
    if free is not None and need > free:
        raise UsageError(
            f"a layer with input length {length} and kernel size {kernel_size} needs about "
            f"{need / 2**30:.1f} GiB{' with --grad' if grad else ''} but {free / 2**30:.1f} GiB "
            "is available; use a smaller layer, or symconv.general for the identities at "
            "every size at once"
        )


class StageProgress:
    """The stages of a long derivation on stderr: a tqdm bar on a terminal, one line per
    stage with the elapsed time elsewhere (a log or a pipe, where a bar's carriage
    returns would be noise). Quiet for small layers."""

    def __init__(self, stages: int, enabled: bool, stream: TextIO | None = None) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.enabled = enabled
        self.start = time.perf_counter()
        self.bar: Any = None
        if enabled and self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(
                total=stages,
                desc="starting",
                file=self.stream,
                unit="stage",
                leave=False,
                bar_format="symconv: {desc} [{n_fmt}/{total_fmt} stages, {elapsed}]",
            )
        self.begun = 0

    def __call__(self, stage: str) -> None:
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.update(1 if self.begun else 0)
            self.bar.set_description_str(stage)
        else:
            elapsed = time.perf_counter() - self.start
            print(f"symconv: [{elapsed:7.1f} s] {stage}", file=self.stream, flush=True)
        self.begun += 1

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def derive_layer(
    args: argparse.Namespace, x: Matrix, w: Matrix, progress: StageProgress | None = None
) -> Derivation:
    """:func:`~symconv.derivation.derive` with the layer options of the command line."""
    return derive(
        x,
        w,
        stride=args.stride,
        padding=parse_padding(args.padding),
        dilation=args.dilation,
        flip=args.flip,
        activation=args.activation,
        grad=args.grad,
        upstream=parse_vector(args.upstream) if args.upstream else None,
        progress=progress,
    )


def run_derive(args: argparse.Namespace) -> int:
    derivations: list[Derivation] = []
    for x, w in layers(args):
        progress = StageProgress(
            stages=3 if args.grad else 2, enabled=len(x) * len(w) > PROGRESS_THRESHOLD
        )
        try:
            d = derive_layer(args, x, w, progress)
            progress("writing the derivation out")
            text = d.to_text()
        finally:
            progress.close()
        derivations.append(d)
        print(text)
        if args.values or all(e.is_number for e in list(x) + list(w)):
            values = [e for e in d.outputs]
            print(f"Values: {values}")
            if not args.flip and args.padding == "0":
                full = conv1d(x, w, padding="full", flip=True)
                print(f"Full convolution (numpy.convolve): {list(full)}")
                if args.input is None:
                    flipped = list(conv1d(x, w, flip=True))
                    print(
                        QUESTION_ANSWER.format(valid=values, full=list(full), valid_flipped=flipped)
                    )
        print()
    if args.tex:
        from symconv.report import derivations_document

        write_output(args.tex, derivations_document(derivations), force=args.force)
        print(f"wrote {args.tex}")
    return 0 if all(d.holds for d in derivations) else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "derive":
            return run_derive(args)
        handler = getattr(args, "handler", None)
        if handler is None:  # pragma: no cover - every subcommand sets one
            raise UsageError(f"unknown command {args.command!r}")
        return int(handler(args))
    except (
        UsageError,
        ValueError,
        TypeError,
        FileExistsError,
        FileNotFoundError,
        IsADirectoryError,
    ) as error:
        print(f"symconv: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("symconv: interrupted; nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
