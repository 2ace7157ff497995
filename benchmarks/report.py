"""The printed table: medians, throughput, ratios to L, the issue's targets with pass/miss."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .cases import (
    COLD,
    DISTINCT,
    FLASK_COGNITO,
    FLOOR_ROUTES,
    HIT,
    LIMIT,
    OPEN,
    REPEATED,
    REVOKED_REDIS,
)
from .fetches import Fetches
from .harness import Result, paired_ratio
from .memory import Memory
from .revocation_cost import RevocationCost

#: The targets of issue 8.
COLD_MAX = 2.0
REPEATED_MIN = 0.93
FLASK_COGNITO_MIN = 1.5

_SECTIONS = {LIMIT: "(a)", COLD: "(b)", HIT: "(c)", "joserfc": "(d)", OPEN: "(e)"}
_HEADINGS = ("what", "median", "per second", "x L", "compared", "target")


@dataclass(frozen=True)
class Measurements:
    """Everything one run measured."""

    results: Mapping[str, Result]
    fetches: Fetches
    flask_cognito_fetches: Fetches | None
    memory: Memory
    requests: int
    threads: int
    revocation: RevocationCost | None = None


def _mark(passed: bool | None) -> str:
    return {True: "pass", False: "miss", None: "n/a"}[passed]


def _kib(size: float) -> str:
    return f"{size / 1024:,.1f} KiB"


def _timed_row(result: Result, limit: Result, open_route: Result) -> list[str]:
    label = f"{_SECTIONS.get(result.case.key, '   ')} {result.case.label}"
    median = result.median
    if median is None:
        return [label, result.error or "no rounds", "", "", "", ""]
    ratio = paired_ratio(result, limit)
    compared = ""
    if result.case.key in (
        REPEATED,
        DISTINCT,
        FLASK_COGNITO,
        REVOKED_REDIS,
        *FLOOR_ROUTES,
    ):
        throughput = paired_ratio(open_route, result)
        compared = f"{throughput:.2f} x open" if throughput is not None else ""
    return [
        label,
        f"{median * 1e6:,.1f} us",
        f"{1 / median:,.0f}",
        f"{ratio:.2f}" if ratio is not None else "",
        compared,
        "",
    ]


def targets(measured: Measurements) -> list[tuple[str, str, str, str]]:
    """``(what, measured, target, mark)`` for each target of the issue."""
    results = measured.results
    cold = paired_ratio(results[COLD], results[LIMIT])
    repeated = paired_ratio(results[OPEN], results[REPEATED])
    versus = paired_ratio(results[FLASK_COGNITO], results[DISTINCT])
    memory = measured.memory
    per_entry = memory.per_entry
    held = _kib(memory.held_bytes)
    if per_entry is not None:
        held += f" ({_kib(per_entry)} per entry, cache size {memory.cache_size:,})"

    def shown(value: float | None) -> str:
        return f"{value:.2f}" if value is not None else "not measured"

    return [
        (
            "cold auth.verify, x L",
            shown(cold),
            f"<= {COLD_MAX:.2f}",
            _mark(_at_most(cold, COLD_MAX)),
        ),
        (
            "protected repeated token, x open throughput",
            shown(repeated),
            f">= {REPEATED_MIN:.2f}",
            _mark(_at_least(repeated, REPEATED_MIN)),
        ),
        (
            "protected distinct tokens, x flask-cognito throughput",
            shown(versus) if versus is not None else results[FLASK_COGNITO].error or "n/a",
            f">= {FLASK_COGNITO_MIN:.2f}",
            _mark(_at_least(versus, FLASK_COGNITO_MIN)),
        ),
        (
            f"JWKS fetches per process ({measured.requests:,} requests)",
            str(measured.fetches.fetches),
            "== 1",
            _mark(measured.fetches.fetches == 1 and measured.fetches.all_ok),
        ),
        (
            f"memory held after {memory.tokens:,} distinct tokens",
            held,
            "bounded",
            _mark(memory.bounded),
        ),
    ]


def _at_most(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def _at_least(value: float | None, limit: float) -> bool | None:
    return None if value is None else value >= limit


def _revocation_row(cost: RevocationCost | None, missing: str) -> list[str]:
    label = "(h) Redis revocation check, added per request"
    if cost is None:
        return [label, missing or "not measured", "", "", "", ""]
    return [
        label,
        f"{cost.added * 1e6:+,.1f} us",
        "",
        "",
        f"{cost.ratio:.2f} x repeated ({cost.with_redis * 1e6:,.1f} vs "
        f"{cost.without * 1e6:,.1f} us; {cost.pairs:,} interleaved pairs)",
        "",
    ]


def _extra_rows(measured: Measurements) -> list[list[str]]:
    fetches, theirs, memory = measured.fetches, measured.flask_cognito_fetches, measured.memory
    answers = "all 200" if fetches.all_ok else f"answers {fetches.statuses}"
    compared = "flask-cognito: not installed"
    if theirs is not None:
        their_answers = "all 200" if theirs.all_ok else f"answers {theirs.statuses}"
        compared = f"flask-cognito: {theirs.fetches} ({their_answers})"
    rows = [
        [
            f"(f) JWKS fetches, {measured.requests:,} requests from {measured.threads} threads",
            f"{fetches.fetches} ({answers})",
            "",
            "",
            compared,
            "== 1",
        ],
        [
            f"(g) memory held after {memory.tokens:,} distinct tokens",
            _kib(memory.held_bytes),
            "",
            "",
            f"{_kib(memory.early_bytes)} after {memory.early_tokens:,}",
            f"bounded by cache size {memory.cache_size:,}",
        ],
    ]
    if memory.per_entry is not None:
        rows.append(
            [
                f"    per cache entry (token of {memory.token_chars:,} chars included)",
                _kib(memory.per_entry),
                "",
                "",
                "",
                "",
            ]
        )
    rows.append(_revocation_row(measured.revocation, measured.results[REVOKED_REDIS].error or ""))
    return rows


def _render(rows: Sequence[Sequence[str]], left: tuple[int, ...]) -> list[str]:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.ljust(width) if column in left else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def render(measured: Measurements) -> str:
    """The table, then the targets with their marks."""
    results = measured.results
    limit, open_route = results[LIMIT], results[OPEN]
    rows: list[list[str]] = [list(_HEADINGS)]
    for key, result in results.items():
        row = _timed_row(result, limit, open_route)
        if key == COLD:
            row[5] = f"<= {COLD_MAX:.2f} x L"
        elif key == REPEATED:
            row[5] = f">= {REPEATED_MIN:.2f} x open"
        elif key == REVOKED_REDIS and result.median is not None:
            row[4] += "; see (h)"
        elif key == DISTINCT or key in FLOOR_ROUTES:
            versus = paired_ratio(results[FLASK_COGNITO], result)
            if versus is not None:
                row[4] += f"; {versus:.2f} x flask-cognito"
            if key == DISTINCT:
                row[5] = f">= {FLASK_COGNITO_MIN:.2f} x flask-cognito"
        rows.append(row)
    rows.extend(_extra_rows(measured))
    lines = _render(rows, left=(0, 4, 5))
    lines.insert(1, "-" * len(lines[0]))
    lines += ["", "targets (issue 8)"]
    lines += _render([("what", "measured", "target", "mark"), *targets(measured)], left=(0, 1))
    return "\n".join(lines)
