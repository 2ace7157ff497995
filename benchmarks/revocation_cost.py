"""The Redis revocation check's cost per request, from interleaved pairs of requests.

Two apps serve the repeated-token route, one without a store and one with the Redis store (a
``redis-server`` on 127.0.0.1); every request of both is a verified-token cache hit. Requests
alternate between them, one of each per pair, in an order that flips every pair, and each is
timed alone: a busy moment of a shared machine falls on both sides of a pair alike, which
the timed rounds of whole batches cannot promise.
"""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass

from flask.testing import FlaskClient

from .apps import warm_app
from .world import World


@dataclass(frozen=True)
class RevocationCost:
    """Medians over the pairs, in seconds per request."""

    #: The repeated-token route without a store.
    without: float
    #: The same route with the Redis store.
    with_redis: float
    #: The median of the pairs' differences: what the check adds to a request.
    added: float
    #: The median of the pairs' ratios (with / without).
    ratio: float
    pairs: int


def _timed(client: FlaskClient, header: dict[str, str]) -> float:
    start = time.perf_counter()
    status = client.get("/protected", headers=header).status_code
    elapsed = time.perf_counter() - start
    if status != 200:
        raise RuntimeError(f"GET /protected answered {status}")
    return elapsed


def measure_revocation_cost(world: World, redis_url: str, pairs: int) -> RevocationCost:
    """Time ``pairs`` interleaved pairs of requests, without and with the Redis check."""
    header = {"Authorization": f"Bearer {world.repeated}"}
    plain = warm_app(world.config(), world.repeated)[0].test_client()
    checked_config = world.config(COGNITO_REVOCATION_STORE=redis_url)
    checked = warm_app(checked_config, world.repeated)[0].test_client()
    for _ in range(min(pairs, 50)):  # connect to Redis, warm both paths
        _timed(plain, header)
        _timed(checked, header)
    without: list[float] = []
    with_redis: list[float] = []
    gc.collect()
    for number in range(pairs):
        if number % 2:
            without.append(_timed(plain, header))
            with_redis.append(_timed(checked, header))
        else:
            with_redis.append(_timed(checked, header))
            without.append(_timed(plain, header))
    return RevocationCost(
        without=statistics.median(without),
        with_redis=statistics.median(with_redis),
        added=statistics.median(b - a for a, b in zip(without, with_redis, strict=True)),
        ratio=statistics.median(b / a for a, b in zip(without, with_redis, strict=True)),
        pairs=pairs,
    )
