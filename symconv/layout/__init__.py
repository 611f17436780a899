"""The index rule of a layer, resolved once: per-axis settings, grids, channels, transposed.

:func:`resolve_layer` is the one entry point from a layer's options to its layout; it
loads on first use (PEP 562), so importing one layout module does not load them all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from symconv.layout.resolve import resolve_layer

__all__ = ["resolve_layer"]


def __getattr__(name: str) -> Any:
    if name != "resolve_layer":
        raise AttributeError(f"module 'symconv.layout' has no attribute {name!r}")
    from symconv.layout.resolve import resolve_layer

    return resolve_layer
