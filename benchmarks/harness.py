"""Interleaved rounds and medians: the timing discipline every table row shares.

Each round runs every case once, in an order rotated by one per round, so that no case always
follows the same neighbour and a slow moment of a shared machine falls on every case alike.
A case's setup (fresh app, cache priming) is never timed. Ratios are taken within a round, then
the median of those ratios is reported: L and the case ran seconds apart, under the same load.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

#: A case's timed part: runs ``calls`` operations.
Body = Callable[[], None]


@dataclass(frozen=True)
class Case:
    """One row of the table: what to time, and how many operations one body run makes.

    :param key: a short identifier, used to pair cases.
    :param label: the row's text.
    :param setup: untimed, once per round; returns the timed body.
    :param calls: operations per body run (the time is divided by it).
    :param missing: why the case cannot run (``"not installed"``); it is then never timed.
    """

    key: str
    label: str
    setup: Callable[[], Body]
    calls: int
    missing: str = ""


@dataclass
class Result:
    """The per-call seconds of one case, by round, or why it could not run."""

    case: Case
    times: dict[int, float] = field(default_factory=dict)
    error: str | None = None

    @property
    def median(self) -> float | None:
        """Median seconds per call over the rounds, ``None`` when it never ran."""
        return statistics.median(self.times.values()) if self.times else None


def paired_ratio(numerator: Result, denominator: Result) -> float | None:
    """Median over the rounds both ran of ``numerator``'s time / ``denominator``'s time."""
    rounds = numerator.times.keys() & denominator.times.keys()
    if not rounds:
        return None
    return statistics.median(numerator.times[r] / denominator.times[r] for r in rounds)


def run_rounds(cases: Sequence[Case], rounds: int) -> dict[str, Result]:
    """Time every case once per round, after one untimed warm-up round.

    A case that raises is dropped from later rounds; its error is kept for the table.

    :param cases: the cases, in their first round's order.
    :param rounds: timed rounds.
    """
    results = {case.key: Result(case, error=case.missing or None) for case in cases}
    for number in range(rounds + 1):  # round 0 warms up and is not kept
        shift = number % len(cases)
        for case in [*cases[shift:], *cases[:shift]]:
            result = results[case.key]
            if result.error is not None:
                continue
            try:
                body = case.setup()
                gc.collect()
                start = time.perf_counter()
                body()
                elapsed = time.perf_counter() - start
            except Exception as error:  # a peer's failure is a row, not a crash
                result.error = f"{type(error).__name__}: {error}"[:120]
                continue
            if number:
                result.times[number] = elapsed / case.calls
    return results
