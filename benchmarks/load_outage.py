"""Load and outage test: gunicorn serves the example app while its JWKS server dies and returns.

    .venv/bin/python -m benchmarks.load_outage --seconds 60      (or: make load)

What runs, all on 127.0.0.1 and all stopped at the end (also on failure):

- a JWKS server in its own process (``benchmarks/jwks_process.py``), serving the JWKS of the
  test kit's :class:`~flask_revstack_cognito.testing.LocalUserPool` and logging every request;
- gunicorn (2 workers x 4 threads, ``gthread``) serving ``example_app:create_app()``, configured
  by ``FLASK_COGNITO_*`` variables to trust that pool, with a 2 s JWKS TTL and a 1 s cooldown;
- a bounded number of client threads sending a mixed load for the whole run, one new connection
  per request so that every worker gets its share.

The run has three phases of equal length: before the outage, during it (the JWKS server is
killed with SIGKILL: connections are refused), and after it is restored on the same port.

Each request's expected status and code are known in advance and do not depend on the phase:
every worker fetches the keys at start-up (``benchmarks/gunicorn_hooks.py`` prefetches, and the
run starts only once the JWKS server has seen a fetch from each worker), and a worker that holds
keys keeps verifying with them while refreshes fail (stale-if-error). So a valid token gets 200
during the outage too, and a 503 (no keys held) is always a wrong decision. The run fails if a
worker was replaced meanwhile, since a new worker would start without keys and the expectations
would no longer hold.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joserfc.jwk import RSAKey

from flask_revstack_cognito.testing import LocalUserPool

ROOT = Path(__file__).resolve().parent.parent
PHASES = ("before outage", "during outage", "after restore")
WORKERS = 2
THREADS = 4
JWKS_TTL = 2
JWKS_COOLDOWN = 1
JWKS_TIMEOUT = 1
REQUEST_TIMEOUT = 10.0
START_TIMEOUT = 60.0


# -- the mixed load -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One kind of request and the answer it must get, whatever the phase."""

    name: str
    path: str
    authorization: str | None
    status: int
    code: str | None


def make_cases(pool: LocalUserPool, variants: int = 16) -> list[Case]:
    """The mixed load: ``variants`` requests of each kind, interleaved."""
    attacker = RSAKey.generate_key(2048, private=True)
    other_pool = LocalUserPool(user_pool_id=f"{pool.region}_OtherPool")
    kinds: list[list[Case]] = []

    def kind(
        name: str, path: str, tokens: Sequence[str | None], status: int, code: str | None
    ) -> None:
        headers = [None if token is None else f"Bearer {token}" for token in tokens]
        kinds.append([Case(name, path, header, status, code) for header in headers])

    many = range(variants)
    kind("valid", "/api/me", [pool.id_token(sub=f"user-{i}") for i in many], 200, None)
    kind(
        "valid admin",
        "/api/admin",
        [pool.id_token(sub=f"admin-{i}", groups=["admins"]) for i in many],
        200,
        None,
    )
    kind(
        "valid access",
        "/api/orders",
        [pool.access_token(sub=f"buyer-{i}") for i in many],
        200,
        None,
    )
    kind(
        "expired",
        "/api/me",
        [pool.id_token(expires_in=-60 - i) for i in many],
        401,
        "TOKEN_EXPIRED",
    )
    kind(
        "forged signature",
        "/api/me",
        [pool.id_token(sub=f"forged-{i}", key=attacker, header={"kid": pool.kid}) for i in many],
        401,
        "INVALID_SIGNATURE",
    )
    kind(
        "malformed",
        "/api/me",
        ["not-a-jwt", "a.b.c", "eyJ.eyJ.", "x" * 6000, "..", "a.b", "Zm9v", "a.b.c.d"] * 2,
        401,
        "INVALID_FORMAT",
    )
    kind("missing", "/api/me", [None], 401, "MISSING_TOKEN")
    kind(
        "unknown kid",  # a fresh kid each: a flood of random kids costs one fetch per cooldown
        "/api/me",
        [pool.id_token(key=attacker, header={"kid": uuid.uuid4().hex}) for _ in many],
        401,
        "UNKNOWN_KEY",
    )
    kind("other pool", "/api/me", [other_pool.id_token() for _ in many], 401, "UNKNOWN_KEY")
    kind(
        "other audience",
        "/api/me",
        [pool.id_token(aud=f"otherclient{i}") for i in many],
        401,
        "AUDIENCE_MISMATCH",
    )
    kind(
        "wrong group",
        "/api/admin",
        [pool.id_token(sub=f"user-{i}", groups=["staff"]) for i in many],
        403,
        "INSUFFICIENT_SCOPE",
    )
    kind("id token for access", "/api/orders", [pool.id_token()], 401, "TOKEN_USE_MISMATCH")
    width = max(len(cases) for cases in kinds)
    return [cases[i % len(cases)] for i in range(width) for cases in kinds]


@dataclass(frozen=True)
class Outcome:
    """What one request got."""

    started: float
    case: str
    status: int
    code: str | None
    right: bool


def send(port: int, case: Case) -> tuple[int, str | None]:
    """Send ``case`` on a new connection; return the status and the body's ``code``."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        headers = {"Connection": "close"}
        if case.authorization is not None:
            headers["Authorization"] = case.authorization
        connection.request("GET", case.path, headers=headers)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    code: str | None = None
    if response.status != 200:
        with contextlib.suppress(ValueError):
            code = json.loads(body).get("code")
    return response.status, code


def client(port: int, cases: list[Case], offset: int, stop_at: float) -> list[Outcome]:
    """Send ``cases`` round-robin from ``offset`` until ``stop_at`` (monotonic seconds)."""
    outcomes: list[Outcome] = []
    index = offset
    while (started := time.monotonic()) < stop_at:
        case = cases[index % len(cases)]
        index += 1
        try:
            status, code = send(port, case)
        except OSError as error:  # a refused or reset connection is a failure of the server
            status, code = 599, type(error).__name__
        right = status == case.status and code == case.code
        outcomes.append(Outcome(started, case.name, status, code, right))
    return outcomes


# -- processes ------------------------------------------------------------------------------


def free_port() -> int:
    """A port free on 127.0.0.1 now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait until ``port`` accepts connections.

    :raises RuntimeError: when ``process`` exits first or ``timeout`` passes.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:g} s")


@dataclass
class Processes:
    """Every process the run started, to stop them all whatever happens."""

    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, command: list[str], **options: Any) -> subprocess.Popen[bytes]:
        # Its own session: stopping the group stops gunicorn's workers with their master.
        # The command is this module's own: sys.executable and fixed arguments.
        process: subprocess.Popen[bytes] = subprocess.Popen(  # noqa: S603
            command, start_new_session=True, **options
        )
        self.started.append(process)
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in reversed(self.started):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.kill(process)
            with contextlib.suppress(ProcessLookupError):  # a worker left behind by its master
                os.killpg(process.pid, signal.SIGKILL)


# -- the run ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseRow:
    """One line of the table."""

    name: str
    seconds: float
    requests: int
    server_errors: int
    wrong: int
    #: JWKS requests the server answered, per worker (in :attr:`Result.workers` order).
    served: tuple[int, ...]
    #: Fetches the worker logged as failed (connection refused while the server was down).
    failed: tuple[int, ...]


@dataclass
class Result:
    """Everything measured in one run."""

    seconds: float
    boundaries: tuple[float, float, float, float]  # start, outage, restore, end (monotonic)
    outcomes: list[Outcome]
    workers: list[str]
    booted_workers: int
    served_fetches: list[tuple[float, str]]  # (monotonic time, worker) per JWKS request
    failed_fetches: list[tuple[float, str]]  # (monotonic time, worker) per failed fetch
    error_lines: list[str]

    def phase_of(self, moment: float) -> int | None:
        """The phase of ``moment``, ``None`` before the load started."""
        start, outage, restore, _ = self.boundaries
        if moment < start:
            return None
        return 0 if moment < outage else 1 if moment < restore else 2

    def rows(self) -> list[PhaseRow]:
        """One row per phase (and one for the start-up fetches)."""
        rows: list[PhaseRow] = []
        edges = self.boundaries
        for phase in (None, 0, 1, 2):
            outcomes = [o for o in self.outcomes if self.phase_of(o.started) == phase]
            served = Counter(w for t, w in self.served_fetches if self.phase_of(t) == phase)
            failed = Counter(w for t, w in self.failed_fetches if self.phase_of(t) == phase)
            rows.append(
                PhaseRow(
                    name="start-up" if phase is None else PHASES[phase],
                    seconds=edges[phase + 1] - edges[phase] if phase is not None else 0.0,
                    requests=len(outcomes),
                    server_errors=sum(o.status >= 500 for o in outcomes),
                    wrong=sum(not o.right for o in outcomes),
                    served=tuple(served[w] for w in self.workers),
                    failed=tuple(failed[w] for w in self.workers),
                )
            )
        return rows

    def table(self) -> str:
        """The rows as a text table."""
        workers = ", ".join(self.workers)
        lines = [
            f"gunicorn {WORKERS} workers x {THREADS} threads (gthread), pids {workers}; "
            f"JWKS TTL {JWKS_TTL} s, cooldown {JWKS_COOLDOWN} s",
            f"{'phase':<14} {'seconds':>7} {'requests':>8} {'rps':>7} {'5xx':>4} {'wrong':>5}"
            "  JWKS fetches served / failed, per worker",
        ]
        for row in self.rows():
            fetches = "  ".join(
                f"{s:>3} / {f:<3}" for s, f in zip(row.served, row.failed, strict=True)
            )
            rps = row.requests / row.seconds if row.seconds else 0.0
            lines.append(
                f"{row.name:<14} {row.seconds:>7.1f} {row.requests:>8} {rps:>7.1f} "
                f"{row.server_errors:>4} {row.wrong:>5}  {fetches}"
            )
        total = len(self.outcomes)
        lines.append(
            f"{'all':<14} {self.seconds:>7.1f} {total:>8} {total / self.seconds:>7.1f} "
            f"{sum(o.status >= 500 for o in self.outcomes):>4} "
            f"{sum(not o.right for o in self.outcomes):>5}"
        )
        return "\n".join(lines)

    def problems(self) -> list[str]:
        """What went wrong: empty when the run passed."""
        problems: list[str] = []
        wrong = [o for o in self.outcomes if not o.right]
        if wrong:
            kinds = Counter((o.case, o.status, o.code) for o in wrong)
            problems.append(f"{len(wrong)} wrong decisions: {dict(kinds)}")
        if self.booted_workers != WORKERS:
            problems.append(f"{self.booted_workers} workers booted: one was replaced mid-run")
        if self.error_lines:
            problems.append(f"errors logged by the workers: {self.error_lines[:3]}")
        for phase, name in enumerate(PHASES):
            in_phase = {o.case for o in self.outcomes if self.phase_of(o.started) == phase}
            if not in_phase:
                problems.append(f"no request during {name}")
            if phase == 1:
                served = [w for t, w in self.served_fetches if self.phase_of(t) == 1]
                if served:
                    problems.append(f"the JWKS server answered during the outage: {served}")
                tried = {w for t, w in self.failed_fetches if self.phase_of(t) == 1}
                if set(self.workers) - tried:  # else stale-if-error was not put to the test
                    problems.append(f"workers {sorted(set(self.workers) - tried)} never tried")
            if phase == 2:
                refetched = {w for t, w in self.served_fetches if self.phase_of(t) == 2}
                missing = set(self.workers) - refetched
                if missing:
                    problems.append(f"workers {sorted(missing)} never refetched after the restore")
        return problems


def run(seconds: float = 15.0, clients: int = 8) -> Result:
    """Run the load and outage test for ``seconds`` with ``clients`` client threads."""
    pool = LocalUserPool()
    cases = make_cases(pool)
    processes = Processes()
    with tempfile.TemporaryDirectory(prefix="revstack-load-") as scratch:
        directory = Path(scratch)
        (directory / "jwks.json").write_text(json.dumps(pool.jwks()))
        (directory / "jwks.log").touch()
        try:
            return _run(pool, cases, processes, directory, seconds, clients)
        finally:
            processes.stop_all()


def _run(
    pool: LocalUserPool,
    cases: list[Case],
    processes: Processes,
    directory: Path,
    seconds: float,
    clients: int,
) -> Result:
    document, jwks_log, gunicorn_log = (directory / n for n in ("jwks.json", "jwks.log", "err"))
    jwks_port, app_port = free_port(), free_port()
    jwks_command = [
        sys.executable,
        "-m",
        "benchmarks.jwks_process",
        str(jwks_port),
        str(document),
        str(jwks_log),
    ]

    def start_jwks() -> subprocess.Popen[bytes]:
        process = processes.start(jwks_command, cwd=ROOT)
        wait_for_port(jwks_port, process, START_TIMEOUT)
        return process

    jwks = start_jwks()
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "FLASK_COGNITO_USER_POOL_ID": pool.user_pool_id,
        "FLASK_COGNITO_CLIENT_ID": pool.client_id,
        "FLASK_COGNITO_JWKS_URI": f"http://127.0.0.1:{jwks_port}/{pool.user_pool_id}"
        "/.well-known/jwks.json",
        "FLASK_COGNITO_JWKS_CACHE_TTL": str(JWKS_TTL),
        "FLASK_COGNITO_JWKS_REFRESH_COOLDOWN": str(JWKS_COOLDOWN),
        "FLASK_COGNITO_JWKS_TIMEOUT": str(JWKS_TIMEOUT),
    }
    with gunicorn_log.open("wb") as errors:
        gunicorn = processes.start(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "python:benchmarks.gunicorn_hooks",
                "--bind",
                f"127.0.0.1:{app_port}",
                "--workers",
                str(WORKERS),
                "--threads",
                str(THREADS),
                "--worker-class",
                "gthread",
                "--graceful-timeout",
                "5",
                "example_app:create_app()",
            ],
            cwd=ROOT,
            env=environment,
            stdout=errors,
            stderr=errors,
        )
    wait_for_port(app_port, gunicorn, START_TIMEOUT)
    workers = _wait_for_prefetch(jwks_log, gunicorn, START_TIMEOUT)

    start = time.monotonic()
    wall_offset = time.time() - start  # the logs carry epoch seconds
    outage, restore, end = start + seconds / 3, start + 2 * seconds / 3, start + seconds
    results: list[list[Outcome]] = [[] for _ in range(clients)]

    def load(number: int) -> None:
        results[number] = client(app_port, cases, number * 7, end)

    threads = [threading.Thread(target=load, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, outage - time.monotonic()))
    processes.kill(jwks)
    outage = time.monotonic()  # from here no JWKS request can be answered (or logged)
    answered_before = len(jwks_log.read_text().splitlines())  # the first server's, all of them
    time.sleep(max(0.0, restore - time.monotonic()))
    start_jwks()
    restore = time.monotonic()  # the outage lasts until the new server listens
    for thread in threads:
        thread.join(seconds + 2 * REQUEST_TIMEOUT)

    log_text = gunicorn_log.read_text(errors="replace")
    failed = [
        (float(match[1]) - wall_offset, match[2])
        for match in re.finditer(
            r"^(\d+\.\d+) (\d+) WARNING \S+ JWKS fetch from .*$", log_text, re.M
        )
    ]
    return Result(
        seconds=end - start,
        boundaries=(start, outage, restore, end),
        outcomes=[outcome for outcomes in results for outcome in outcomes],
        workers=workers,
        booted_workers=len(re.findall(r"Booting worker with pid", log_text)),
        # A fetch the restarted server answered belongs to the restore, even when it came
        # before this thread (slowed by the client threads) noted the restore's time.
        served_fetches=[
            (t - wall_offset if number < answered_before else max(t - wall_offset, restore), w)
            for number, (t, w) in enumerate(_read_jwks_log(jwks_log))
        ],
        failed_fetches=failed,
        # The package's errors (with time and pid), and gunicorn's own ("[ERROR]", "[CRITICAL]").
        error_lines=re.findall(
            r"^(?:\d+\.\d+ \d+ (?:ERROR|CRITICAL) |.*\[(?:ERROR|CRITICAL)\]).*$", log_text, re.M
        ),
    )


def _read_jwks_log(log: Path) -> Iterator[tuple[float, str]]:
    for line in log.read_text().splitlines():
        moment, worker = line.split()
        yield float(moment), worker


def _wait_for_prefetch(log: Path, gunicorn: subprocess.Popen[bytes], timeout: float) -> list[str]:
    """Wait until the JWKS server has seen a fetch from every worker; return their pids."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if gunicorn.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {gunicorn.returncode}")
        workers = sorted({worker for _, worker in _read_jwks_log(log)})
        if len(workers) >= WORKERS:
            return workers
        time.sleep(0.1)
    raise RuntimeError(f"not every worker fetched the keys within {timeout:g} s")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the long version and print the table; exit status 1 when a check failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the run")
    parser.add_argument("--clients", type=int, default=8, help="client threads")
    arguments = parser.parse_args(argv)
    result = run(arguments.seconds, arguments.clients)
    print(result.table())
    problems = result.problems()
    for problem in problems:
        print(f"FAILED: {problem}")
    if not problems:
        print("passed: 0 5xx, 0 wrong decisions, every worker refetched after the restore")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
