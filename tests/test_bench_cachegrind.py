"""``python -m benchmarks.cachegrind`` counts real requests under valgrind's cachegrind.

No count is judged against a number: only that each row is counted and that the protected
route, which does more than the open one, counts more.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.cachegrind import Counts, read_counts

ROOT = Path(__file__).resolve().parent.parent
COMMAND = [sys.executable, "-m", "benchmarks.cachegrind"]
ROW = re.compile(
    r"^(?P<label>.+?)\s+(?P<instructions>[\d,]+)\s+(?P<l1>[\d,]+)\s+(?P<ll>[\d,]+)\s+"
)


def _run(*arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [*COMMAND, *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=environment or None,
    )


def _instructions(output: str, label: str) -> int:
    rows = [ROW.match(line) for line in output.splitlines() if line.startswith(label)]
    assert len(rows) == 1, output
    row = rows[0]
    assert row is not None, output
    return int(row["instructions"].replace(",", ""))


def test_the_protected_route_counts_more_than_the_open_one() -> None:
    completed = _run("--requests", "20", "--cases", "open,repeated")

    assert completed.returncode == 0, completed.stderr
    output = completed.stdout
    assert "20 then 40 requests" in output
    open_route = _instructions(output, "GET /open")
    protected = _instructions(output, "GET /protected, repeated token")
    assert 0 < open_route < protected
    repeated_row = next(line for line in output.splitlines() if line.startswith("GET /protected"))
    ratio = re.search(r"(\d\.\d\d) x open$", repeated_row)
    assert ratio is not None
    assert float(ratio[1]) < 1.0
    assert re.search(r"^protected distinct tokens, x flask-cognito throughput\s+n/a", output, re.M)


def test_without_valgrind_it_names_the_install_command(tmp_path: Path) -> None:
    completed = _run("--cases", "open", PATH=str(tmp_path))

    assert completed.returncode == 2
    assert "apt-get install -y valgrind" in completed.stderr
    assert completed.stdout == ""


def test_an_unknown_case_is_refused() -> None:
    completed = _run("--cases", "open,closed")

    assert completed.returncode == 2
    assert "unknown cases ['closed']" in completed.stderr


def test_counts_come_from_the_events_and_summary_lines() -> None:
    text = (
        "desc: I1 cache: 32768 B, 64 B, 8-way associative\n"
        "cmd: python -m benchmarks.cachegrind\n"
        "events: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw\n"
        "fl=x.c\nfn=main\n1 5 1 0 2 1 0 1 0 0\n"
        "summary: 1000 10 1 400 20 2 300 5 3\n"
    )

    counts = read_counts(text)

    assert counts == Counts(1000, 35, 6)
    assert counts.cycles == 1000 + 10 * 35 + 100 * 6
    assert Counts(3000, 95, 10).per_request(counts, 2) == Counts(1000, 30, 2)


def test_an_output_without_the_cache_simulation_is_refused() -> None:
    with pytest.raises(ValueError, match="--cache-sim=yes: no 'I1mr'"):
        read_counts("events: Ir\nsummary: 1000\n")
