"""Shared fixtures: PyTorch and pdflatex are required in CI and optional elsewhere.

In CI (``CI=true``) a missing PyTorch or TeX fails the test that needs it: nothing skips
there. Outside CI such a test skips and says what to install.
"""

from __future__ import annotations

import importlib
import os
import shutil
from typing import Any

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def need(what: str, why: str) -> None:
    """Fail in CI, skip elsewhere, naming what is missing."""
    message = f"{what} is not available: {why}"
    if IN_CI:
        pytest.fail(message + " (CI=true: required)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def torch() -> Any:
    """The torch module, float64 by default for exact-enough cross-checks."""
    try:
        module = importlib.import_module("torch")
    except ImportError:
        need("PyTorch", "pip install torch==2.13.0")
    return module


@pytest.fixture(scope="session")
def pdflatex() -> str:
    """Path of pdflatex."""
    path = shutil.which("pdflatex")
    if path is None:
        need(
            "pdflatex",
            "apt-get install -y --no-install-recommends texlive-latex-base "
            "texlive-latex-recommended latexmk",
        )
    return str(path)
