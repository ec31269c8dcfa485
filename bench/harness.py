"""Timing harness: interleaved samples of a path and its baseline.

The machine this runs on is shared and noisy, so a path is never judged by a
wall-clock number alone: each row times the path and its baseline in the same
run, sample by sample in alternation (so a burst of load hits both), after a
warm-up, with the garbage collector paused. A sample is the mean of ``batch``
consecutive calls; ``batch=1`` times every call on its own, which is what a
per-message p99 needs, while a larger batch keeps the timer's own cost out of
the ratio of two sub-microsecond calls.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Row", "measure"]


@dataclass(slots=True)
class Row:
    """One line of the report (the JSON shape is fixed by DESIGN.md)."""

    name: str
    unit: str
    p50: float
    p99: float
    baseline: float | None
    ratio: float | None
    budget: str
    ok: bool
    samples: np.ndarray | None = field(default=None, repr=False, compare=False)
    """The path's per-call times (for the gate's distribution plot); not in the JSON."""
    baseline_samples: np.ndarray | None = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict:
        d = {k: getattr(self, k) for k in _FIELDS}
        for k in ("p50", "p99", "baseline", "ratio"):
            if d[k] is not None:
                d[k] = round(float(d[k]), 3)
        return d


_FIELDS = ("name", "unit", "p50", "p99", "baseline", "ratio", "budget", "ok")


def _sample(fn: Callable[[], object], batch: int) -> float:
    t0 = time.perf_counter_ns()
    for _ in range(batch):
        fn()
    return (time.perf_counter_ns() - t0) / batch / 1000.0


def measure(
    fn: Callable[[], object],
    baseline: Callable[[], object] | None,
    *,
    samples: int,
    batch: int = 1,
    warmup: int = 200,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Return per-call times in microseconds of ``fn`` and of ``baseline``."""
    for _ in range(warmup):
        fn()
        if baseline is not None:
            baseline()
    a = np.empty(samples)
    b = np.empty(samples) if baseline is not None else None
    enabled = gc.isenabled()
    gc.disable()
    try:
        for i in range(samples):
            a[i] = _sample(fn, batch)
            if b is not None:
                b[i] = _sample(baseline, batch)  # type: ignore[arg-type]
    finally:
        if enabled:
            gc.enable()
    return a, b
