"""Counted, not timed: each route's cost per request under cachegrind (``make bench-cachegrind``).

.venv/bin/python -m benchmarks.cachegrind [--requests N] [--cases open,repeated,...]

On a shared 2-core machine the wall-clock ratios of ``make bench`` move by several hundredths
from one run to the next, so a change worth 1 or 2% cannot be seen there. Instruction counts and
simulated cache misses do not move. Each route runs in a process of its own under
``valgrind --tool=cachegrind --cache-sim=yes``, twice: N requests, then 2N. Both processes load
the same :class:`~benchmarks.world.Snapshot` (no key to make, no token to mint) and warm the same
way, so the difference of their totals, divided by N, is what one request costs. The estimated
cycles weigh a first-level cache miss 10 and a last-level miss 100 (a common rough weighting):
a model, good for comparing two routes of the same kind, such as this package's and
flask-cognito's. It says nothing of the processor's own stalls, so it is no stand-in for the
ratios to L, which compare the interpreter with compiled RSA code.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask.testing import FlaskClient

from flask_revstack_cognito.testing import JWKSServer

from .apps import cognitojwt_keys_from, flask_cognito_app, optional_module, warm_app
from .cases import (
    DISTINCT,
    FLASK_COGNITO,
    FLOOR_ROUTES,
    OPEN,
    REPEATED,
    bearer,
    floor_app,
    floor_label,
    get_each,
)
from .report import FLASK_COGNITO_MIN, REPEATED_MIN
from .runner import machine
from .world import Snapshot, World

ROOT = Path(__file__).resolve().parent.parent

#: Requests made before counting starts, on tokens the counted requests never use.
WARM_REQUESTS = 20

#: The rows, in the order printed: key and label.
ROUTES = {
    OPEN: "GET /open (same header, unread)",
    REPEATED: "GET /protected, repeated token",
    DISTINCT: "GET /protected, distinct tokens",
    **{key: floor_label(key) for key in FLOOR_ROUTES},
    FLASK_COGNITO: "flask-cognito cognito_auth_required, distinct",
}
#: The width of the label column: the longest label.
WIDTH = max(map(len, ROUTES.values()))
#: Weights of the estimated cycles: a first-level and a last-level cache miss.
L1_MISS_CYCLES = 10
LL_MISS_CYCLES = 100


@dataclass(frozen=True)
class Counts:
    """Cachegrind's totals for one process, or their difference per request."""

    instructions: float
    l1_misses: float
    ll_misses: float

    @property
    def cycles(self) -> float:
        """The estimated cycles: instructions plus the weighted cache misses."""
        return (
            self.instructions + L1_MISS_CYCLES * self.l1_misses + LL_MISS_CYCLES * self.ll_misses
        )

    def per_request(self, fewer: Counts, requests: int) -> Counts:
        """What one of the ``requests`` more than ``fewer``'s run made cost."""
        return Counts(
            (self.instructions - fewer.instructions) / requests,
            (self.l1_misses - fewer.l1_misses) / requests,
            (self.ll_misses - fewer.ll_misses) / requests,
        )


def read_counts(text: str) -> Counts:
    """The totals of a cachegrind output file (its ``events:`` and ``summary:`` lines).

    :raises ValueError: when the file has no cache simulation's events.
    """
    fields: dict[str, list[str]] = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        if name in ("events", "summary"):
            fields[name] = rest.split()
    totals = dict(zip(fields.get("events", ()), map(int, fields.get("summary", ())), strict=True))
    try:
        return Counts(
            totals["Ir"],
            totals["I1mr"] + totals["D1mr"] + totals["D1mw"],
            totals["ILmr"] + totals["DLmr"] + totals["DLmw"],
        )
    except KeyError as missing:
        raise ValueError(f"not a cachegrind output with --cache-sim=yes: no {missing}") from None


# --- the child: one route, N requests, inside valgrind ------------------------------------------


@contextmanager
def _route(snapshot: Snapshot, key: str) -> Iterator[tuple[FlaskClient, str]]:
    """A warmed test client for the route ``key``, and its path.

    The JWKS is served only while the app warms up: no server thread runs while counting.
    """
    body = snapshot.jwks_bytes()
    with JWKSServer(lambda: body, snapshot.pool_id) as server:
        server.start()
        settings = snapshot.settings
        if key == FLASK_COGNITO:
            module = optional_module("flask_cognito")
            if module is None:
                raise SystemExit("flask-cognito is not installed (the bench extra)")
            with cognitojwt_keys_from(server.url):
                pool_id, client_id = (
                    settings["COGNITO_USER_POOL_ID"],
                    settings["COGNITO_CLIENT_ID"],
                )
                app = flask_cognito_app(module, snapshot.region, pool_id, client_id)
                client = app.test_client()
                _warm(client, "/protected", snapshot, server)
                yield client, "/protected"
            return
        if key in FLOOR_ROUTES:
            app = floor_app(snapshot.public_key(), snapshot.tokens)
            path = FLOOR_ROUTES[key][0]
        else:
            config = {**settings, "COGNITO_JWKS_URI": server.url}
            app = warm_app(config, snapshot.repeated if key == REPEATED else snapshot.warmup)[0]
            path = "/open" if key == OPEN else "/protected"
        client = app.test_client()
        _warm(client, path, snapshot, server, repeated=key in (OPEN, REPEATED))
        yield client, path


def _warm(
    client: FlaskClient,
    path: str,
    snapshot: Snapshot,
    server: JWKSServer,
    *,
    repeated: bool = False,
) -> None:
    """Make the warm-up requests (the repeated token, or tokens never counted); stop serving."""
    tokens = [snapshot.repeated] * WARM_REQUESTS if repeated else snapshot.tokens[-WARM_REQUESTS:]
    get_each(client, path, [bearer(token) for token in tokens])()
    server.stop()


def run_child(key: str, requests: int, snapshot_path: Path) -> None:
    """Make ``requests`` requests to the route ``key``; each must answer 200."""
    snapshot = Snapshot.load(snapshot_path)
    if key in (OPEN, REPEATED):
        headers = [bearer(snapshot.repeated)] * requests
    else:
        headers = [bearer(token) for token in snapshot.tokens[:requests]]
    with _route(snapshot, key) as (client, path):
        get_each(client, path, headers)()


# --- the parent: two children per route, the table ----------------------------------------------


def _count(key: str, requests: int, snapshot_path: Path, directory: Path) -> Counts:
    output = directory / f"{key}.{requests}.out"
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=yes",
        f"--cachegrind-out-file={output}",
        sys.executable,
        "-m",
        "benchmarks.cachegrind",
        "--child",
        key,
        str(requests),
        str(snapshot_path),
    ]
    # The same hash seed in every child: dict and set layouts, and so the work, are the same.
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    completed = subprocess.run(  # noqa: S603 - valgrind and our own interpreter
        command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{key} with {requests} requests failed: {last}")
    return read_counts(output.read_text(encoding="utf-8"))


def measure(keys: list[str], requests: int, snapshot_path: Path) -> dict[str, Counts | str]:
    """Per-request counts of each route, or why it could not be counted (two processes at once)."""
    results: dict[str, Counts | str] = {}
    with tempfile.TemporaryDirectory() as directory, ThreadPoolExecutor(2) as pool:
        for key in keys:
            runs = [
                pool.submit(_count, key, number, snapshot_path, Path(directory))
                for number in (requests, 2 * requests)
            ]
            try:
                fewer, more = (run.result() for run in runs)
            except RuntimeError as error:
                results[key] = str(error)
                continue
            results[key] = more.per_request(fewer, requests)
    return results


def _ratio(results: dict[str, Counts | str], numerator: str, denominator: str) -> float | None:
    top, bottom = results.get(numerator), results.get(denominator)
    if isinstance(top, Counts) and isinstance(bottom, Counts):
        return top.cycles / bottom.cycles
    return None


def render(results: dict[str, Counts | str]) -> str:
    """The table: per-request counts, and the throughput ratios the targets of issue 8 use."""
    rows = [
        f"{'what':{WIDTH}s} {'instructions':>13s} {'L1 misses':>10s} {'LL misses':>10s} "
        f"{'est. cycles':>12s}  compared (throughput, from est. cycles)"
    ]
    rows.append("-" * len(rows[0]))
    for key, label in ROUTES.items():
        counts = results.get(key)
        if counts is None:
            continue
        if isinstance(counts, str):
            rows.append(f"{label:{WIDTH}s} {counts}")
            continue
        compared = []
        of_open = _ratio(results, OPEN, key)
        if key != OPEN and of_open is not None:
            compared.append(f"{of_open:.2f} x open")
        of_peer = _ratio(results, FLASK_COGNITO, key)
        if key not in (OPEN, REPEATED, FLASK_COGNITO) and of_peer is not None:
            compared.append(f"{of_peer:.2f} x flask-cognito")
        # A difference of two runs can come out a hair below zero: it is printed as 0.
        numbers = (counts.instructions, counts.l1_misses, counts.ll_misses, counts.cycles)
        widths = (13, 10, 10, 12)
        shown = " ".join(f"{max(0, round(n)):{w},}" for n, w in zip(numbers, widths, strict=True))
        rows.append(f"{label:{WIDTH}s} {shown}  {'; '.join(compared)}".rstrip())
    rows += ["", "the targets of issue 8 in this model (make bench's wall-clock run judges them)"]
    for what, value, target in (
        (
            "protected repeated token, x open throughput",
            _ratio(results, OPEN, REPEATED),
            f">= {REPEATED_MIN:.2f}",
        ),
        (
            "protected distinct tokens, x flask-cognito throughput",
            _ratio(results, FLASK_COGNITO, DISTINCT),
            f">= {FLASK_COGNITO_MIN:.2f}",
        ),
        *(
            (
                f"floor, {what}: x flask-cognito throughput",
                _ratio(results, FLASK_COGNITO, key),
                f">= {FLASK_COGNITO_MIN:.2f}",
            )
            for key, (_, what) in FLOOR_ROUTES.items()
        ),
    ):
        shown = "n/a" if value is None else f"{value:.2f}"
        rows.append(f"{what:62s} {shown:>6s}  {target}")
    return "\n".join(rows)


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cachegrind", description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="N: requests of the first run")
    parser.add_argument(
        "--cases", default=",".join(ROUTES), help=f"comma-separated, of: {', '.join(ROUTES)}"
    )
    parser.add_argument(
        "--child", nargs=3, metavar=("CASE", "N", "SNAPSHOT"), help=argparse.SUPPRESS
    )
    arguments = parser.parse_args(argv)
    arguments.keys = arguments.cases.split(",")
    unknown = [key for key in arguments.keys if key not in ROUTES]
    if unknown:
        parser.error(f"unknown cases {unknown}: choose from {list(ROUTES)}")
    if arguments.requests < 1:
        parser.error("--requests must be at least 1")
    return arguments


def main(argv: list[str]) -> int:
    """Count every route and print the table; 2 when valgrind is missing, else 0."""
    arguments = _arguments(argv)
    if arguments.child is not None:
        key, requests, snapshot_path = arguments.child
        run_child(key, int(requests), Path(snapshot_path))
        return 0
    if shutil.which("valgrind") is None:
        print(
            "make bench-cachegrind needs valgrind: run 'apt-get install -y valgrind'",
            file=sys.stderr,
        )
        return 2
    print("Flask-Revstack-Cognito route costs under cachegrind (issue 8)")
    print(machine())
    requests = arguments.requests
    print(
        f"each route in its own process under cachegrind, {requests} then {2 * requests} "
        f"requests after {WARM_REQUESTS} to warm up; per request = the difference / {requests}",
        flush=True,
    )
    world = World.create(2 * requests + WARM_REQUESTS)
    try:
        snapshot = world.snapshot()
    finally:
        world.stop()
    with tempfile.TemporaryDirectory() as directory:
        snapshot_path = Path(directory) / "snapshot.json"
        snapshot.save(snapshot_path)
        results = measure(arguments.keys, requests, snapshot_path)
    print()
    print(render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
