"""The derivations catalogue: one script per topic in ``derivations/``, regenerated at once.

The contract every script keeps (other developers add scripts in parallel):

* its file is ``NN_topic.py`` (two digits, lowercase words joined by ``_``);
* it uses only symconv's public API (``import symconv``, ``from symconv import ...``,
  ``from symconv.report import ...``);
* it defines ``TITLE: str`` and ``build() -> str``, a complete standalone LaTeX document
  (built with :func:`symconv.report.document`);
* it ends with ``if __name__ == "__main__": run_script(__file__)`` so that
  ``python derivations/NN_topic.py [OUTDIR]`` writes that one report.

``python -m symconv.catalogue OUTDIR`` (or ``symconv catalogue OUTDIR``) writes every
``NN_topic.tex`` atomically and, when pdflatex is installed, its ``.pdf``.

Examples
========

>>> import tempfile, pathlib
>>> scripts = pathlib.Path(tempfile.mkdtemp())
>>> _ = (scripts / "01_demo.py").write_text(
...     "from symconv.report import document\\n"
...     "TITLE = 'Demo'\\n"
...     "def build():\\n"
...     "    return document(TITLE, ['Hello.'])\\n")
>>> [script.name for script in discover(scripts)]
['01_demo.py']
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> [p.name for p in build_catalogue(out, scripts=scripts, pdf=False, say=lambda m: None)]
['01_demo.tex']
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from symconv.core.files import (
    OutputError,
    check_output,
    describe_os_error,
    probe_folder,
    write_output,
)

#: A catalogue script's file name: two digits, an underscore, a lowercase topic.
SCRIPT_NAME = re.compile(r"(\d{2})_([a-z0-9]+(?:_[a-z0-9]+)*)\.py\Z")

Say = Callable[[str], None]


#: Where the wheel carries the scripts (hatch's force-include of ``derivations/``).
SHIPPED = "_derivations"


def default_scripts() -> Path:
    """The catalogue scripts: the copy a wheel ships inside the package
    (``symconv/_derivations``, so ``pip install .`` has them), else ``derivations/``
    beside the package (a checkout, or an editable install)."""
    package = Path(__file__).resolve().parent
    places = (package / SHIPPED, package.parent / "derivations")
    for folder in places:
        if folder.is_dir() and any(SCRIPT_NAME.match(p.name) for p in folder.iterdir()):
            return folder
    raise FileNotFoundError(
        f"no catalogue scripts in {places[0]} or {places[1]}; pass --scripts DIR "
        "(scripts=...) to name a folder of NN_topic.py scripts"
    )


def discover(folder: Path | str | None = None) -> list[Path]:
    """The catalogue scripts in ``folder``, in number order; other files are ignored."""
    root = Path(folder) if folder is not None else default_scripts()
    if not root.is_dir():
        raise FileNotFoundError(f"scripts folder {root} does not exist")
    found = sorted(p for p in root.iterdir() if p.is_file() and SCRIPT_NAME.match(p.name))
    numbers: dict[str, Path] = {}
    for path in found:
        number = path.name[:2]
        if number in numbers:
            raise ValueError(
                f"two catalogue scripts share number {number}: {numbers[number].name} and "
                f"{path.name}; give each topic its own number"
            )
        numbers[number] = path
    return found


@dataclass(frozen=True)
class Script:
    """A loaded catalogue script: where it is, its title and its ``build``."""

    path: Path
    title: str
    build: Callable[[], str]

    @property
    def stem(self) -> str:
        return self.path.stem


def load(path: Path | str) -> Script:
    """Import one script from its file and check that it keeps the contract."""
    path = Path(path)
    match = SCRIPT_NAME.match(path.name)
    if match is None:
        raise ValueError(
            f"{path.name} is not a catalogue script name; use NN_topic.py "
            "(two digits, lowercase words joined by _)"
        )
    module_name = f"symconv_catalogue_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py file always has one
        raise ImportError(f"cannot load {path}")
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    title = getattr(module, "TITLE", None)
    build = getattr(module, "build", None)
    if not isinstance(title, str) or not title.strip():
        raise TypeError(f"{path.name} must define TITLE as a non-empty string, got {title!r}")
    if not callable(build):
        raise TypeError(f"{path.name} must define build() returning a LaTeX document")
    return Script(path, title, build)


def render(script: Script) -> str:
    """Run the script's ``build`` and check it returned a complete document."""
    text = script.build()
    if not isinstance(text, str):
        raise TypeError(f"{script.path.name}: build() returned {type(text).__name__}, not str")
    if not text.lstrip().startswith(r"\documentclass") or r"\end{document}" not in text:
        raise ValueError(
            f"{script.path.name}: build() must return a standalone document "
            "(use symconv.report.document)"
        )
    return text


def write_script(
    script: Script, outdir: Path, *, force: bool = False, pdf: bool | None = None, say: Say = print
) -> list[Path]:
    """Write one script's ``.tex`` (and ``.pdf`` when pdflatex is there, or ``pdf=True``)."""
    from symconv.report import compile_pdf

    start = time.perf_counter()
    text = render(script)
    tex = write_output(outdir / f"{script.stem}.tex", text, force=force)
    written = [tex]
    if pdf is None:
        pdf = shutil.which("pdflatex") is not None
    if pdf:
        written.append(compile_pdf(tex, force=force))
    say(f"wrote {', '.join(str(p) for p in written)} ({time.perf_counter() - start:.1f} s)")
    return written


def build_catalogue(
    outdir: Path | str,
    *,
    scripts: Path | str | None = None,
    force: bool = False,
    pdf: bool | None = None,
    only: Sequence[str] = (),
    say: Say = print,
) -> list[Path]:
    """Regenerate every catalogue report into ``outdir`` (created if missing).

    ``only`` keeps the scripts whose number or stem is listed. Returns the files written.
    """
    target = Path(outdir)
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"{target} is a file; give an output folder")
    found = discover(scripts)
    if only:
        found = [p for p in found if p.name[:2] in only or p.stem in only]
        if not found:
            raise ValueError(f"no catalogue script matches {list(only)}")
    if not found:
        raise FileNotFoundError("the scripts folder holds no NN_topic.py script")
    if pdf is None:
        pdf = shutil.which("pdflatex") is not None
    check_outputs(target, [p.stem for p in found], force=force, pdf=pdf)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot create folder {target}: {error.strerror}", error.errno) from None
    written: list[Path] = []
    for path in found:
        written += write_script(load(path), target, force=force, pdf=pdf, say=say)
    return written


def check_outputs(target: Path, stems: Sequence[str], *, force: bool, pdf: bool) -> None:
    """Before any script runs: every file the catalogue would write may be written."""
    from symconv.report import check_compile_outputs

    if not target.exists():
        existing = next(p for p in target.absolute().parents if p.exists())
        if not existing.is_dir():
            raise NotADirectoryError(f"{existing} is a file, so {target} cannot be created")
        probe_folder(existing, target)
        return
    for stem in stems:
        tex = check_output(target / f"{stem}.tex", force=force)
        if pdf:
            check_compile_outputs(tex, force=force)


def run_script(path: str | Path, argv: Sequence[str] | None = None) -> int:
    """What ``python derivations/NN_topic.py [OUTDIR] [--force] [--no-pdf]`` does."""
    parser = argparse.ArgumentParser(prog=Path(path).name, description="Write this report.")
    parser.add_argument("outdir", nargs="?", default=".", help="output folder (default: here)")
    parser.add_argument(
        "--force", action="store_true", help="overwrite files symconv did not write"
    )
    parser.add_argument("--no-pdf", action="store_true", help="write the .tex only")
    args = parser.parse_args(argv)
    from symconv.report import CompileError

    try:
        outdir = Path(args.outdir)
        outdir.mkdir(parents=True, exist_ok=True)
        write_script(load(path), outdir, force=args.force, pdf=False if args.no_pdf else None)
    except CompileError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except (ValueError, TypeError, OSError) as error:
        print(
            f"error: {describe_os_error(error) if isinstance(error, OSError) else error}",
            file=sys.stderr,
        )
        return 2
    return 0


def add_catalogue_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("outdir", metavar="OUTDIR", help="folder for the .tex and .pdf files")
    parser.add_argument(
        "--scripts", metavar="DIR", help="catalogue scripts (default: derivations/)"
    )
    parser.add_argument(
        "--force", action="store_true", help="overwrite files symconv did not write"
    )
    parser.add_argument("--no-pdf", action="store_true", help="write the .tex files only")
    parser.add_argument(
        "--only",
        metavar="NN",
        action="append",
        default=[],
        help="only this script (number or stem); repeatable",
    )


def run_catalogue(args: argparse.Namespace) -> int:
    """The ``catalogue`` command: exit 0 when every report was written (and compiled)."""
    from symconv.report import CompileError

    try:
        build_catalogue(
            args.outdir,
            scripts=args.scripts,
            force=args.force,
            pdf=False if args.no_pdf else None,
            only=args.only,
        )
    except CompileError as error:
        print(f"symconv: error: {error}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m symconv.catalogue", description="Regenerate the derivations catalogue."
    )
    add_catalogue_options(parser)
    args = parser.parse_args(argv)
    try:
        return run_catalogue(args)
    except (ValueError, TypeError) as error:
        print(f"symconv: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"symconv: error: {describe_os_error(error)}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = ["Script", "build_catalogue", "discover", "load", "main", "run_script"]
