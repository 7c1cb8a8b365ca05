"""How every comparison is sampled: variants take turns in a shuffled order per round,
and each is summarised as a median, with the median of its per-round ratios."""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable
from typing import Any


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _interleaved(
    names: list[str], run_block: Callable[[str], float], rounds: int, rng: random.Random
) -> dict[str, list[float]]:
    """Per name, one measurement per round; the order is shuffled in every round."""
    samples: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(rounds):
        order = names[:]
        rng.shuffle(order)
        for name in order:
            samples[name].append(run_block(name))
    return samples


def _summarise(
    samples: dict[str, list[float]], baselines: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Median per variant, and the median of its per-round ratios to its baseline."""
    out: dict[str, dict[str, Any]] = {}
    for name, values in samples.items():
        base = samples[baselines[name]]
        pairs = [value / ref for value, ref in zip(values, base, strict=True)]
        out[name] = {
            "median": _median(values),
            "ratio": _median(pairs),
            "baseline": baselines[name],
            "rounds": len(values),
        }
    return out
