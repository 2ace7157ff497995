"""The JWKS cache under concurrency: a cold start and a refetch make exactly one fetch."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import pytest
from conftest import FakeClock
from joserfc.jwk import RSAKey
from jwks_helpers import COOLDOWN, TTL, jwks_body, modulus, no_jitter

from flask_revstack_cognito import (
    JWKSUnavailableError,
)
from flask_revstack_cognito.jwks import (
    JWKSCache,
    JWKSOptions,
)
from flask_revstack_cognito.testing import JWKSServer, LocalUserPool

pytestmark = pytest.mark.usefixtures("direct_loopback")


THREADS = 16


T = TypeVar("T")


def run_together(task: Callable[[], T], count: int = THREADS) -> list[T | Exception]:
    """Run ``task`` in ``count`` threads released at once by a barrier; join them all."""
    barrier = threading.Barrier(count, timeout=5)
    outcomes: list[T | Exception] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        try:
            outcome: T | Exception = task()
        except Exception as error:
            outcome = error
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in threads)
    assert len(outcomes) == count
    return outcomes


class SlowDocument:
    """A JWKS document callable that answers after ``delay`` seconds, so callers overlap."""

    def __init__(self, pool: LocalUserPool, delay: float) -> None:
        self.pool = pool
        self.delay = delay

    def __call__(self) -> bytes:
        time.sleep(self.delay)
        return jwks_body(self.pool)


@contextmanager
def serving(document: Callable[[], bytes], pool: LocalUserPool) -> Iterator[JWKSServer]:
    """A :class:`JWKSServer` for ``document`` on loopback, stopped on exit."""
    with JWKSServer(document, pool.user_pool_id).start() as server:
        yield server


# -- single flight and cold start -----------------------------------------------------------


def test_cold_start_under_concurrency_makes_exactly_one_fetch(
    pool: LocalUserPool, clock: FakeClock
) -> None:
    with serving(SlowDocument(pool, 0.2), pool) as server:
        cache = JWKSCache(server.url, clock=clock, jitter=no_jitter)

        outcomes = run_together(lambda: cache.get_key(pool.kid))

        assert server.request_count == 1
        assert cache.fetch_count == 1
    keys = [outcome for outcome in outcomes if isinstance(outcome, RSAKey)]
    assert len(keys) == THREADS, outcomes
    assert {modulus(key) for key in keys} == {modulus(pool.signing_key)}


def test_failing_cold_start_under_concurrency_shares_one_failed_fetch(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    server.fail_with(500, delay=0.2)
    cache = JWKSCache(server.url, clock=clock, jitter=no_jitter)

    outcomes = run_together(lambda: cache.get_key(pool.kid))

    assert server.request_count == 1
    assert cache.fetch_count == 1
    assert all(isinstance(outcome, JWKSUnavailableError) for outcome in outcomes), outcomes


def test_concurrent_misses_after_rotation_share_one_refetch(
    pool: LocalUserPool, clock: FakeClock
) -> None:
    with serving(SlowDocument(pool, 0.2), pool) as server:
        cache = JWKSCache(
            server.url,
            JWKSOptions(ttl=TTL, refresh_cooldown=COOLDOWN),
            clock=clock,
            jitter=no_jitter,
        )
        cache.get_key(pool.kid)
        new_kid = pool.rotate_key()
        clock.advance(COOLDOWN)

        outcomes = run_together(lambda: cache.get_key(new_kid))

        assert server.request_count == 2
        assert cache.fetch_count == 2
    assert all(isinstance(outcome, RSAKey) for outcome in outcomes), outcomes


def test_requests_keep_the_held_keys_while_a_refresh_runs(
    pool: LocalUserPool, clock: FakeClock
) -> None:
    """Only the caller that starts the TTL refresh waits for it; the others do not."""
    entered, release = threading.Event(), threading.Event()
    released_in_time: list[bool] = []
    gated = False

    def document() -> bytes:
        if gated:
            entered.set()
            released_in_time.append(release.wait(timeout=5))
        return jwks_body(pool)

    with serving(document, pool) as server:
        cache = JWKSCache(server.url, JWKSOptions(ttl=TTL), clock=clock, jitter=no_jitter)
        held = cache.get_key(pool.kid)
        gated = True
        clock.advance(TTL)
        refresher = threading.Thread(target=cache.get_key, args=(pool.kid,))
        refresher.start()
        try:
            assert entered.wait(timeout=5)
            assert cache.get_key(pool.kid) is held  # answered while the refresh is blocked
        finally:
            release.set()
            refresher.join(timeout=5)
        assert not refresher.is_alive()
        assert released_in_time == [True]
        assert cache.fetch_count == 2
        assert server.request_count == 2
