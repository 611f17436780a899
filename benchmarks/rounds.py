"""Fresh-process measurements taken in rounds, and the growth read from them.

Shared by ``run.py`` (1-D) and ``bench2d.py`` (2-D). This VM's speed drifts 20-40 % from
minute to minute, so every cell runs once per round and the rounds repeat: a cell's
fastest run is its least disturbed one (timeit's advice), and the growth between two
sizes is also read round by round, from two runs taken within a minute of each other.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

Cell = TypeVar("Cell", bound=Hashable)


def in_rounds(
    cells: Sequence[Cell],
    repeat: int,
    run: Callable[[Cell], dict[str, Any]],
    after_round: Callable[[int], None] | None = None,
) -> dict[Cell, list[dict[str, Any]]]:
    """``{cell: [its run in round 1, round 2, ...]}``: every cell once per round, in the
    order given, ``repeat`` rounds. Each run is a dict with at least ``seconds``."""
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    runs: dict[Cell, list[dict[str, Any]]] = {cell: [] for cell in cells}
    for round_number in range(1, repeat + 1):
        for cell in cells:
            runs[cell].append(run(cell))
        if after_round is not None:
            after_round(round_number)
    return runs


def fastest(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The run with the fewest seconds."""
    return min(runs, key=lambda result: result["seconds"])


def paired_growth(small: Sequence[dict[str, Any]], large: Sequence[dict[str, Any]]) -> float:
    """The median over rounds of large / small seconds, each ratio from one round.

    The fastest large run over the fastest small run may pair runs from rounds minutes
    apart, when the machine ran at different speeds; within a round the two sizes run
    within a minute of each other.
    """
    if len(small) != len(large) or not small:
        raise ValueError(f"need the same rounds of both sizes, got {len(small)} and {len(large)}")
    return statistics.median(b["seconds"] / a["seconds"] for a, b in zip(small, large))
