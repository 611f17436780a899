"""The ``symconv`` command line: derive a layer and print it, or write it as LaTeX.

Every user value goes through :mod:`symconv.core.parsing` (a strict grammar, never
``eval``); a bad value exits with status 2 and one line on stderr, no traceback. Every
refusal comes before any work and before anything is written: the values, the names, the
size of the layer and the files to write are all checked first.

Examples
========

>>> main(["derive", "--input", "1,2,3,4", "--kernel", "5,6,7", "--padding", "full",
...       "--flip", "--values"])  # doctest: +ELLIPSIS
Layer: x in R^4, w in R^3, convolution (flipped kernel), stride 1, padding (2, 2), dilation 1 -> 6 outputs
...
Values: [5, 16, 34, 52, 45, 28]
...
0
>>> main(["derive", "--input", "1,2,3,4", "--kernel", "-1,0,1", "--values"])  # doctest: +ELLIPSIS
Layer: ...
Values: [2, 2]
...
0
"""

from __future__ import annotations

import argparse
import atexit
import os
import re
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

import sympy
from sympy import Matrix

from symconv.core.files import check_output, describe_os_error, write_output
from symconv.core.parsing import RESERVED_NAMES, parse_padding, parse_vector, vector_length
from symconv.core.vectors import check_name
from symconv.derivation import Derivation, TextPrinter, derive
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

#: A list of values longer than this (as text) is printed one value per line.
VALUES_LINE = 200

#: Exit status after the reader of stdout went away (128 + SIGPIPE, as a shell reports it).
BROKEN_PIPE = 141

#: Options whose value is a vector or a padding: a value starting with '-' is theirs.
VALUE_OPTIONS = frozenset({"--input", "--kernel", "--upstream", "--padding"})

#: A value that starts like a negative number: "-1,0,1", "-0.5", "-1/2,a", "-.5".
NEGATIVE_VALUE = re.compile(r"-\.?\d")

#: Activations known by name, in any case (PyTorch's ReLU, Sigmoid, Tanh, Identity).
ACTIVATION_NAMES = ("relu", "sigmoid", "tanh", "identity")

#: The prefix that marks an activation name as an unknown function f.
UNKNOWN_FUNCTION = "unknown:"

TOP_EXAMPLES = """\
examples:
  symconv derive                                   the question's layer, symbolic then numbers
  symconv derive --input 1,2,3,4 --kernel -1,0,1   a kernel with negative values
  symconv report --input x:6 --kernel w:3 --grad -o layer.tex --pdf
  symconv catalogue out/ --only 01                 one report of the catalogue

Every bad value exits with status 2 and one line on stderr, before any work."""

LAYER_EXAMPLES = """\
examples:
  symconv {cmd} --input 1,2,3,4 --kernel 5,6,7
  symconv {cmd} --input x:9 --kernel w:3 --stride 2 --padding 1 --dilation 2
  symconv {cmd} --input 1,-2,0.5 --kernel -1,1 --flip --padding full
  symconv {cmd} --input x:6 --kernel w:3 --activation ReLU --grad --upstream 1,-1,2,0
  symconv {cmd} --input x:6 --kernel w:3 --activation unknown:f --index-base 1
{extra}

Vectors: integers, fractions (2/3), decimals (0.5), names (a, w1), or NAME:LENGTH for fresh
symbols (x:4 is x0..x3). A value may start with a minus sign (--kernel -1,0,1)."""

DERIVE_EXAMPLES = LAYER_EXAMPLES.format(
    cmd="derive",
    extra="  symconv derive --input x:4 --kernel w:3 --tex layer.tex   also write the LaTeX",
)

REPORT_EXAMPLES = LAYER_EXAMPLES.format(
    cmd="report",
    extra="  symconv report -o -                        the question's report on stdout\n"
    "  symconv report --grad -o layer.tex --pdf   write layer.tex and compile layer.pdf",
)

CATALOGUE_EXAMPLES = """\
examples:
  symconv catalogue out/                 every report, .tex and (with pdflatex) .pdf
  symconv catalogue out/ --only 01 --only 06_backward --no-pdf

The scripts ship with symconv (also after a plain pip install); --scripts DIR runs others."""


class UsageError(Exception):
    """A bad value on the command line: exit status 2 with one line."""


class Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"symconv: error: {message}\n")


def positive_int(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be an integer >= 1")
    return int(text)


def symconv_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("symconv")
    except PackageNotFoundError:  # pragma: no cover - run from a bare checkout
        from symconv import __version__

        return __version__


def add_layer_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--input",
        metavar="VECTOR",
        help="the input x: 1,2,3,4 or x:4 (default: the question's layer, symbolic then numbers)",
    )
    parser.add_argument("--kernel", metavar="VECTOR", help="the kernel w: 5,6,7, -1,0,1 or w:3")
    parser.add_argument(
        "--stride",
        type=positive_int,
        default=1,
        metavar="S",
        help="step between consecutive windows, as in PyTorch (default 1: every position)",
    )
    parser.add_argument(
        "--padding",
        default="0",
        help="padding at the edges: N (both sides), LEFT,RIGHT, valid (0), same (PyTorch, "
        "stride 1), same_upper (TensorFlow/JAX/ONNX SAME, any stride), same_lower (JAX/ONNX "
        "SAME_LOWER) or full",
    )
    parser.add_argument(
        "--padding-mode",
        default="zeros",
        choices=["zeros", "reflect", "replicate", "circular"],
        help="what the padding reads, as PyTorch's nn.Conv1d (default zeros; the others "
        "read the input; --grad with --activation needs zeros)",
    )
    parser.add_argument(
        "--dilation",
        type=positive_int,
        default=1,
        metavar="D",
        help="spacing between the kernel's taps, as in PyTorch (default 1: adjacent entries)",
    )
    parser.add_argument("--flip", action="store_true", help="true convolution (reverse the kernel)")
    parser.add_argument(
        "--activation",
        metavar="NAME",
        help="relu, sigmoid, tanh or identity, in any case (PyTorch's ReLU, Sigmoid, Tanh); "
        "unknown:NAME for an unknown function, e.g. unknown:f",
    )
    parser.add_argument(
        "--grad",
        action="store_true",
        help="derive the backward pass and prove the tied-weight gradients",
    )
    parser.add_argument(
        "--upstream",
        metavar="VECTOR",
        help="with --grad: the upstream gradients g, one per output (default: symbolic g)",
    )
    parser.add_argument(
        "--index-base",
        type=int,
        choices=(0, 1),
        default=0,
        help="first index of z, x, w and g in what is printed: 0 (the default, as Python, "
        "PyTorch and the API) or 1 (the book's)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="symconv",
        description="Convolution as matrix multiplication, exactly.",
        epilog=TOP_EXAMPLES,
    )
    parser.add_argument("--version", action="version", version=f"symconv {symconv_version()}")
    commands = parser.add_subparsers(dest="command", parser_class=Parser)
    derive_cmd = commands.add_parser(
        "derive",
        help="derive one layer and print it",
        description="Derive one layer and print it: windows, T, X, gradients and proofs.",
        epilog=DERIVE_EXAMPLES,
    )
    add_layer_options(derive_cmd)
    derive_cmd.add_argument("--values", action="store_true", help="print the numeric outputs")
    derive_cmd.add_argument(
        "--tex", metavar="FILE", help="also write the derivation as a LaTeX document"
    )
    derive_cmd.add_argument(
        "--force",
        action="store_true",
        help="overwrite a file symconv did not write, or one edited since",
    )
    derive_cmd.set_defaults(handler=run_derive)
    add_report_commands(commands)
    return parser


def report_text(
    args: argparse.Namespace,
    derivations: list[Derivation],
    standalone: bool,
    base: int,
    size: int,
) -> str:
    """The report's LaTeX: one layer's document, or the question's layers together."""
    from symconv.report import derivation_report, derivations_document

    if len(derivations) == 1:
        return derivation_report(
            derivations[0],
            title=args.title,
            standalone=standalone,
            index_base=base,
            max_size=size,
            figures=args.figures,
        )
    return derivations_document(
        derivations,
        title=args.title or "The question's layer",
        standalone=standalone,
        index_base=base,
        figures=args.figures,
        max_size=size,
    )


def add_report_commands(commands: argparse._SubParsersAction) -> None:
    """``symconv report`` (one layer as LaTeX) and ``symconv catalogue OUTDIR``."""
    from symconv.catalogue import add_catalogue_options, run_catalogue

    report_cmd = commands.add_parser(
        "report",
        help="write one layer's derivation as LaTeX",
        description="Write one layer's derivation as a LaTeX document (or a fragment).",
        epilog=REPORT_EXAMPLES,
    )
    add_layer_options(report_cmd)
    report_cmd.add_argument(
        "--output", "-o", metavar="FILE", help="write here; - or nothing: stdout"
    )
    report_cmd.add_argument(
        "--force",
        action="store_true",
        help="overwrite a file symconv did not write, or one edited since",
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
        "--figures",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="pictures of the layer (window strip and tie pattern, TikZ; default on; "
        "the labelled window strip only for layers small enough to label)",
    )
    report_cmd.add_argument(
        "--pdf", action="store_true", help="also compile the written FILE with pdflatex"
    )
    report_cmd.set_defaults(handler=run_report)
    catalogue_cmd = commands.add_parser(
        "catalogue",
        help="regenerate the derivations/ reports",
        description="Regenerate the catalogue of derivations, one report per topic.",
        epilog=CATALOGUE_EXAMPLES,
    )
    add_catalogue_options(catalogue_cmd)
    catalogue_cmd.set_defaults(handler=run_catalogue)
    # Listed here for --help; main() hands its arguments to symconv.checking's own parser.
    commands.add_parser(
        "check",
        help="check your own convolution code symbolically (symconv check --help)",
        add_help=False,
    )


def join_negative_values(argv: Sequence[str]) -> list[str]:
    """``--kernel -1,0,1`` as ``--kernel=-1,0,1``: argparse takes a value starting with '-'
    for an option unless it is one plain negative number.

    >>> join_negative_values(["derive", "--kernel", "-1,0,1", "--stride", "2"])
    ['derive', '--kernel=-1,0,1', '--stride', '2']
    """
    joined: list[str] = []
    pending: str | None = None
    for position, token in enumerate(argv):
        if token == "--":
            return joined + list(argv[position:])
        if pending is not None and NEGATIVE_VALUE.match(token):
            joined[-1] = f"{pending}={token}"
            pending = None
            continue
        pending = token if token in VALUE_OPTIONS else None
        joined.append(token)
    return joined


def run_report(args: argparse.Namespace) -> int:
    """Derive the layer (or the question's two layers) and write the LaTeX report."""
    from symconv.report import CompileError, compile_pdf

    to_stdout = args.output is None or args.output == "-"
    if args.output is not None and not args.output.strip():
        raise UsageError("--output needs a file name (or - for stdout)")
    if args.pdf and to_stdout:
        raise UsageError("--pdf needs --output FILE")
    if args.pdf and args.fragment:
        raise UsageError(
            "--fragment writes sections without \\documentclass, which pdflatex cannot "
            "compile; drop --pdf, or --fragment for a standalone document"
        )
    if args.max_size < 2:
        raise UsageError(f"--max-size must be at least 2, got {args.max_size}")
    check_layer_options(args)
    if not to_stdout:
        check_latex_name(args.output, "--output", "add --pdf to compile {pdf} beside it")
        check_output(args.output, force=args.force)
        if args.pdf:
            check_pdf_outputs(Path(args.output), args.force)
    derivations: list[Derivation] = []
    progress: StageProgress | None = None
    for x, w in layers(args):
        # A big layer shows its stages on stderr, as derive does (issue 16).
        progress = StageProgress(
            stages=4 if args.grad else 3, enabled=len(x) * len(w) > PROGRESS_THRESHOLD
        )
        derivations.append(derive_layer(args, x, w, progress))
    if progress is not None:
        progress("writing the report")
    standalone, base, size = not args.fragment, args.index_base, args.max_size
    try:
        text = report_text(args, derivations, standalone, base, size)
    finally:
        if progress is not None:
            progress.close()
    if to_stdout:
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


def check_latex_name(name: str, option: str, compiling: str) -> None:
    """Refuse a LaTeX output named as a PDF: its text would sit in a file a viewer cannot
    open (and ``--pdf`` would compile it onto itself). ``compiling`` says how to get the
    PDF, naming it ``{pdf}`` and the LaTeX ``{tex}``.

    >>> check_latex_name("layer.tex", "--output", "add --pdf to compile {pdf} beside it")
    >>> check_latex_name("out/layer.PDF", "--output", "add --pdf to compile {pdf} beside it")
    Traceback (most recent call last):
    ...
    symconv.cli.UsageError: --output out/layer.PDF is LaTeX, not a PDF: name it layer.tex (add --pdf to compile layer.pdf beside it)
    """
    path = Path(name)
    if path.suffix.lower() == ".pdf":
        tex = path.with_suffix(".tex")
        raise UsageError(
            f"{option} {name} is LaTeX, not a PDF: name it {tex.name} "
            f"({compiling.format(tex=tex, pdf=tex.with_suffix('.pdf').name)})"
        )


def check_pdf_outputs(tex: Path, force: bool) -> None:
    """Before any work: pdflatex is there, and the .pdf and .log may be written."""
    from symconv.report import check_compile_outputs

    if shutil.which("pdflatex") is None:
        raise UsageError(
            "--pdf needs pdflatex, which is not installed; on Debian: apt-get install "
            "texlive-latex-base texlive-latex-recommended"
        )
    check_compile_outputs(tex, force=force)  # the folder was checked with the .tex


def check_layer_options(args: argparse.Namespace) -> None:
    """The options' combinations and names, before any work."""
    if args.upstream is not None and not args.grad:
        raise UsageError(
            "--upstream needs --grad: it is the upstream gradient g of the backward pass"
        )
    args.activation = resolve_activation(args.activation)


def resolve_activation(text: str | None) -> str | None:
    """The activation's name for :func:`~symconv.derive`: a known one in lowercase, or the
    name of an unknown function given as ``unknown:NAME``.

    >>> resolve_activation("ReLU"), resolve_activation("unknown:f")
    ('relu', 'f')
    """
    if text is None:
        return None
    if text.lower() in ACTIVATION_NAMES:
        return text.lower()
    if text.startswith(UNKNOWN_FUNCTION):
        name = check_name(text[len(UNKNOWN_FUNCTION) :])
        if name.lower() in RESERVED_NAMES or hasattr(sympy, name):
            raise UsageError(
                f"activation {text!r}: {name!r} is the name of a SymPy constant or function; "
                "give the unknown function another name, like unknown:f"
            )
        return name
    check_name(text)  # a name that cannot be a function name is refused as such
    raise UsageError(
        f"activation {text!r} is not known; use {', '.join(ACTIVATION_NAMES)} (any case, so "
        f"PyTorch's ReLU too), or unknown:{text} for an unknown function {text}"
    )


def layers(args: argparse.Namespace) -> list[tuple[Matrix, Matrix]]:
    """The layers asked for, parsed after their sizes were checked and before any work."""
    if (args.input is None) != (args.kernel is None):
        raise UsageError("give both --input and --kernel, or neither for the question's layer")
    pairs = DEFAULT_LAYERS if args.input is None else ((args.input, args.kernel),)
    grad = bool(getattr(args, "grad", False))
    for x, w in pairs:  # from the text's shape alone: no symbol is made yet
        check_memory(vector_length(x), vector_length(w), grad)
    vectors = [(parse_vector(x), parse_vector(w)) for x, w in pairs]
    for x, w in vectors:
        check_names(x, w, args)
    return vectors


def symbol_names(vector: Matrix) -> set[str]:
    return {s.name for s in set().union(*(e.free_symbols for e in vector))}


def check_names(x: Matrix, w: Matrix, args: argparse.Namespace) -> None:
    """Refuse names that would silently stand for two things."""
    in_x, in_w = symbol_names(x), symbol_names(w)
    shared = sorted(in_x & in_w)
    if shared:
        raise UsageError(
            f"--input and --kernel share the name{'s' if len(shared) > 1 else ''} "
            f"{', '.join(shared[:4])}{' ...' if len(shared) > 4 else ''}; give the kernel "
            "another name (e.g. --kernel w:3)"
        )
    if getattr(args, "grad", False):
        made = ["delta"] if args.activation not in (None, "identity") else []
        if args.upstream is None:
            made.append("g")
        pattern = re.compile(rf"({'|'.join(made)})\d+\Z") if made else None
        taken = sorted(n for n in in_x | in_w if pattern is not None and pattern.match(n))
        if taken:
            raise UsageError(
                f"{taken[0]} is also the name of the backward pass's "
                f"{'upstream g' if taken[0].startswith('g') else 'dL/dz (delta)'}; "
                "give the input or kernel another name"
                + (", or pass --upstream" if taken[0].startswith("g") else "")
            )
    if args.activation is not None and args.activation in in_x | in_w:
        raise UsageError(
            f"activation {args.activation!r} is also the name of an entry; give the "
            "function another name"
        )


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
        padding_mode=args.padding_mode,
        dilation=args.dilation,
        flip=args.flip,
        activation=args.activation,
        grad=args.grad,
        upstream=parse_vector(args.upstream) if args.upstream else None,
        progress=progress,
    )


def values_text(label: str, values: Sequence[Any], index_base: int, name: str = "z") -> str:
    """``label: [v0, v1, ...]`` on one line when short; one value per line when long.

    >>> print(values_text("Values", [38, 56], 0))
    Values: [38, 56]
    >>> print(values_text("Values", list(range(100)), 1))  # doctest: +ELLIPSIS
    Values (100, one per line):
      z1 = 0
    ...
      z100 = 99
    """
    show = TextPrinter(index_base).doprint
    shown = [show(v) for v in values]
    line = f"{label}: [{', '.join(shown)}]"
    if len(line) <= VALUES_LINE:
        return line
    rows = [f"  {name}{i + index_base} = {text}" for i, text in enumerate(shown)]
    return "\n".join([f"{label} ({len(shown)}, one per line):", *rows])


def run_derive(args: argparse.Namespace) -> int:
    if args.tex is not None:
        if not args.tex.strip():
            raise UsageError("--tex needs a file name")
        if args.tex == "-":
            raise UsageError(
                "--tex - would mix LaTeX into the text on stdout; use symconv report -o - "
                "for the LaTeX alone"
            )
    check_layer_options(args)
    if args.tex is not None:
        check_latex_name(args.tex, "--tex", "symconv report -o {tex} --pdf writes {pdf} too")
        check_output(args.tex, force=args.force)
    base = args.index_base
    derivations: list[Derivation] = []
    for x, w in layers(args):
        progress = StageProgress(
            stages=3 if args.grad else 2, enabled=len(x) * len(w) > PROGRESS_THRESHOLD
        )
        try:
            d = derive_layer(args, x, w, progress)
            progress("writing the derivation out")
            text = d.to_text(index_base=base)
        finally:
            progress.close()
        derivations.append(d)
        print(text)
        if args.values or all(e.is_number for e in list(x) + list(w)):
            values = list(d.outputs)
            print(values_text("Values", values, base))
            if not args.flip and args.padding == "0":
                full = list(conv1d(x, w, padding="full", flip=True))
                print(values_text("Full convolution (numpy.convolve)", full, base))
                if args.input is None:
                    show = TextPrinter(base).doprint
                    flipped = list(conv1d(x, w, flip=True))
                    print(
                        QUESTION_ANSWER.format(
                            valid=listed(values, show),
                            full=listed(full, show),
                            valid_flipped=listed(flipped, show),
                        )
                    )
        print()
    if args.tex is not None:
        from symconv.report import derivations_document

        document = derivations_document(derivations, index_base=base)
        write_output(args.tex, document, force=args.force)
        print(f"wrote {args.tex}")
    return 0 if all(d.holds for d in derivations) else 1


def listed(values: Sequence[Any], show: Any) -> str:
    return "[" + ", ".join(show(v) for v in values) + "]"


def quiet_stdout() -> None:
    """After the reader of stdout went away: send what is left to /dev/null, so that
    Python's final flush does not print a second BrokenPipeError."""
    stream = sys.__stdout__
    if stream is None or sys.stdout is not stream:  # pragma: no cover - pytest's capture
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
    except (OSError, ValueError):  # pragma: no cover - no file descriptor to redirect
        pass


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["check"]:
        from symconv.checking import main_check

        return main_check(arguments[1:])
    parser = build_parser()
    args = parser.parse_args(join_negative_values(arguments))
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except BrokenPipeError:  # `symconv derive ... | head -1`: the reader has all it wants
        quiet_stdout()
        return BROKEN_PIPE
    except (UsageError, ValueError, TypeError) as error:
        print(f"symconv: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a file that cannot be read or written: name it and why
        print(f"symconv: error: {describe_os_error(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("symconv: interrupted; nothing was written", file=sys.stderr)
        return 130


def console_main() -> NoReturn:
    """The ``symconv`` command (``[project.scripts]``): :func:`main`, then leave at once.

    A big layer leaves millions of SymPy objects in SymPy's and the engine's caches, and a
    normal interpreter exit frees each of them only for the process to end (a second or
    more at (4096, 64)). Here the output is flushed and the exit handlers run (files are
    already closed: every one is written in a ``with``), then ``os._exit`` ends the
    process without that teardown. :func:`main` itself returns its status, for callers
    in the same process (tests, doctests, notebooks).
    """
    try:
        status = main()
    except SystemExit as stop:  # argparse's --help, --version and usage errors
        status = exit_status(stop.code)
    leave(status)


def exit_status(code: object) -> int:
    """The status ``sys.exit(code)`` would give: None is 0, an integer itself, anything
    else is printed on stderr and gives 1.

    >>> exit_status(None), exit_status(2)
    (0, 2)
    """
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def leave(status: int) -> NoReturn:
    """Flush stdout and stderr, run the exit handlers, and end the process with
    ``status`` without tearing down the interpreter's objects."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except BrokenPipeError:  # the reader went away before the last of the output
            quiet_stdout()
            status = status or BROKEN_PIPE
        except (OSError, ValueError):  # a stream already closed: nothing left to flush
            pass
    atexit._run_exitfuncs()  # what a normal exit runs first (logging, finalizers)
    os._exit(status)


if __name__ == "__main__":  # pragma: no cover
    console_main()
