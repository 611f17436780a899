"""``python -m symconv``: the ``symconv`` command line (:mod:`symconv.cli`)."""

from __future__ import annotations

from symconv.cli import console_main

if __name__ == "__main__":
    console_main()
