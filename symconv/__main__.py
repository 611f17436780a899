"""``python -m symconv``: the ``symconv`` command line (:mod:`symconv.cli`)."""

from __future__ import annotations

import sys

from symconv.cli import main

if __name__ == "__main__":
    sys.exit(main())
