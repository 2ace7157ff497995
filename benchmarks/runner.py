"""Run every measurement of issue 8 in one process and print the table (always exit 0).

make bench                       (installs the ``bench`` extra, then runs this)
.venv/bin/python -m benchmarks [--quick] [--profile] [--stages] [--rounds N] [--batch N] ...
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from importlib import metadata

from .apps import cognitojwt_keys_from
from .cases import cold_cases, hit_case, limit_case, peer_case, revocation_case, route_cases
from .fetches import count_flask_cognito, count_ours
from .harness import run_rounds
from .memory import measure
from .peers import authlib_peer, cognitojwt_peer, joserfc_peer, pyjwt_peer
from .profiling import profile_cold_verify
from .redis_server import RedisServer
from .report import Measurements, render
from .revocation_cost import measure_revocation_cost
from .stages import measure_stages
from .world import World

_FULL = {
    "rounds": 15,
    "batch": 300,
    "requests": 10_000,
    "threads": 8,
    "memory_tokens": 100_000,
    "revocation_pairs": 3_000,
}
_QUICK = {
    "rounds": 3,
    "batch": 40,
    "requests": 800,
    "threads": 8,
    "memory_tokens": 4_500,
    "revocation_pairs": 200,
}
_DISTRIBUTIONS = (
    "Flask-Revstack-Cognito",
    "Flask",
    "cryptography",
    "joserfc",
    "Authlib",
    "PyJWT",
    "cognitojwt",
    "Flask-Cognito",
    "python-jose",
)


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smoke run: few rounds and tokens")
    parser.add_argument(
        "--profile", action="store_true", help="also profile the cold auth.verify (cProfile)"
    )
    parser.add_argument(
        "--stages",
        action="store_true",
        help="also time the cold verification step by step, as ratios to L",
    )
    parser.add_argument("--rounds", type=int, help="timed rounds (interleaved)")
    parser.add_argument(
        "--batch", type=int, help="distinct tokens (and requests) per case and round"
    )
    parser.add_argument("--requests", type=int, help="requests of the JWKS-fetch count (f)")
    parser.add_argument("--threads", type=int, help="threads of the JWKS-fetch count (f)")
    parser.add_argument(
        "--memory-tokens", type=int, help="distinct tokens of the memory count (g)"
    )
    parser.add_argument(
        "--revocation-pairs",
        type=int,
        help="interleaved request pairs timing the Redis revocation check (h)",
    )
    arguments = parser.parse_args(argv)
    for name, default in (_QUICK if arguments.quick else _FULL).items():
        if getattr(arguments, name) is None:
            setattr(arguments, name, default)
    return arguments


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> str:
    """The lines that say where and with what the numbers were measured."""
    versions = ", ".join(f"{name} {_version(name)}" for name in _DISTRIBUTIONS)
    return (
        f"machine: {os.cpu_count()} cores (nproc), {_cpu_model()}, "
        f"Python {platform.python_version()}\n{versions}"
    )


def _progress(message: str, started: float) -> None:
    print(f"[{time.perf_counter() - started:5.0f} s] {message}", file=sys.stderr, flush=True)


def _start_redis() -> tuple[RedisServer | None, str]:
    """A ``redis-server`` for the revocation row, or why there is none."""
    try:
        return RedisServer().start(), ""
    except RuntimeError as error:
        return None, str(error).split(":", 1)[0]


def main(argv: list[str]) -> int:
    """Measure (a) to (g) and print the table; the exit status is 0 whatever the numbers."""
    arguments = _arguments(argv)
    started = time.perf_counter()
    print("Flask-Revstack-Cognito benchmark (issue 8)")
    print(machine())
    print(
        f"{arguments.rounds} interleaved rounds (one more to warm up), {arguments.batch} distinct "
        "ID tokens per case and round; medians; ratios to L taken within each round",
        flush=True,
    )
    _progress("minting tokens, starting the loopback JWKS server ...", started)
    world = World.create(arguments.batch)
    redis_server, redis_missing = _start_redis()
    try:
        with cognitojwt_keys_from(world.server.url):
            peers = [joserfc_peer(world), authlib_peer(world), pyjwt_peer(world)]
            peers.append(cognitojwt_peer(world))
            cases = [limit_case(world), *cold_cases(world), hit_case(world)]
            cases += [peer_case(world, peer) for peer in peers]
            cases += route_cases(world)
            redis_url = redis_server.url if redis_server is not None else None
            cases.append(revocation_case(world, redis_url, redis_missing))
            _progress(f"timing {len(cases)} cases over {arguments.rounds} rounds ...", started)
            results = run_rounds(cases, arguments.rounds)
        _progress(f"counting JWKS fetches over {arguments.requests:,} requests ...", started)
        ours = count_ours(world, arguments.requests, arguments.threads)
        theirs = count_flask_cognito(world, arguments.requests, arguments.threads)
        _progress(f"minting {arguments.memory_tokens:,} tokens, tracing memory ...", started)
        memory = measure(world, arguments.memory_tokens)
        revocation = None
        if redis_server is not None:
            _progress(
                f"timing {arguments.revocation_pairs:,} request pairs with and without Redis ...",
                started,
            )
            revocation = measure_revocation_cost(
                world, redis_server.url, arguments.revocation_pairs
            )
        profile = profile_cold_verify(world) if arguments.profile else ""
        stages = ""
        if arguments.stages:
            _progress(
                f"timing the cold verification's steps over {arguments.rounds} rounds ...", started
            )
            stages = measure_stages(world, arguments.rounds)
    finally:
        world.stop()
        if redis_server is not None:
            redis_server.close()
    measured = Measurements(
        results, ours, theirs, memory, arguments.requests, arguments.threads, revocation
    )
    print()
    print(render(measured))
    if profile:
        print(f"\n{profile}")
    if stages:
        print(f"\n{stages}")
    print(f"\n(run took {time.perf_counter() - started:.0f} s)")
    return 0
