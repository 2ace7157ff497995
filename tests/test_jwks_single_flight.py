"""The JWKS cache under concurrency: a cold start and a refetch make exactly one fetch."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import pytest
from conftest import FakeClock
from joserfc.jwk import RSAKey
from jwks_helpers import COOLDOWN, TTL, jwks_body, modulus, no_jitter

import flask_revstack_cognito.jwks as jwks_module
from flask_revstack_cognito import JWKSUnavailableError
from flask_revstack_cognito.flight import Flight
from flask_revstack_cognito.jwks import HTTPFetcher, JWKSCache, JWKSOptions
from flask_revstack_cognito.testing import JWKSServer, LocalUserPool

pytestmark = pytest.mark.usefixtures("direct_loopback")


THREADS = 16
#: Long enough for a held-back fetch: the gate waits at most 5 s for the followers.
SLOW_OPTIONS = JWKSOptions(timeout=10.0)


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


@contextmanager
def serving(document: Callable[[], bytes], pool: LocalUserPool) -> Iterator[JWKSServer]:
    """A :class:`JWKSServer` for ``document`` on loopback, stopped on exit."""
    with JWKSServer(document, pool.user_pool_id).start() as server:
        yield server


@pytest.fixture
def joined(monkeypatch: pytest.MonkeyPatch) -> threading.Semaphore:
    """Released once by each caller that joins the fetch in flight instead of starting one.

    A caller is counted as it starts waiting for the flight to end: from then on it cannot
    start a fetch of its own.
    """
    joins = threading.Semaphore(0)

    class CountedEvent(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            joins.release()
            return super().wait(timeout)

    class CountedFlight(Flight):
        def __init__(self) -> None:
            super().__init__()
            self.done = CountedEvent()

    monkeypatch.setattr(jwks_module, "Flight", CountedFlight)
    return joins


class GatedFetcher:
    """The real :class:`HTTPFetcher`, held back while armed until ``followers`` callers joined.

    So the one fetch certainly overlaps every other caller, however slow the machine.
    ``all_joined`` records, for each held-back fetch, whether every follower came in time.
    """

    def __init__(self, joined: threading.Semaphore, followers: int = THREADS - 1) -> None:
        self.joined = joined
        self.followers = followers
        self.armed = True
        self.all_joined: list[bool] = []
        self._http = HTTPFetcher()

    def __call__(self, url: str, *, timeout: float, max_bytes: int) -> bytes:
        if self.armed:
            self.all_joined.append(
                all(self.joined.acquire(timeout=5) for _ in range(self.followers))
            )
        return self._http(url, timeout=timeout, max_bytes=max_bytes)


# -- single flight and cold start -----------------------------------------------------------


def test_cold_start_under_concurrency_makes_exactly_one_fetch(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock, joined: threading.Semaphore
) -> None:
    fetcher = GatedFetcher(joined)
    cache = JWKSCache(server.url, SLOW_OPTIONS, fetcher=fetcher, clock=clock, jitter=no_jitter)

    outcomes = run_together(lambda: cache.get_key(pool.kid))

    assert fetcher.all_joined == [True]
    assert server.request_count == 1
    assert cache.fetch_count == 1
    keys = [outcome for outcome in outcomes if isinstance(outcome, RSAKey)]
    assert len(keys) == THREADS, outcomes
    assert {modulus(key) for key in keys} == {modulus(pool.signing_key)}


def test_failing_cold_start_under_concurrency_shares_one_failed_fetch(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock, joined: threading.Semaphore
) -> None:
    server.fail_with(500)
    fetcher = GatedFetcher(joined)
    cache = JWKSCache(server.url, SLOW_OPTIONS, fetcher=fetcher, clock=clock, jitter=no_jitter)

    outcomes = run_together(lambda: cache.get_key(pool.kid))

    assert fetcher.all_joined == [True]
    assert server.request_count == 1
    assert cache.fetch_count == 1
    assert all(isinstance(outcome, JWKSUnavailableError) for outcome in outcomes), outcomes


def test_concurrent_misses_after_rotation_share_one_refetch(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock, joined: threading.Semaphore
) -> None:
    fetcher = GatedFetcher(joined)
    fetcher.armed = False
    cache = JWKSCache(
        server.url,
        JWKSOptions(ttl=TTL, timeout=SLOW_OPTIONS.timeout, refresh_cooldown=COOLDOWN),
        fetcher=fetcher,
        clock=clock,
        jitter=no_jitter,
    )
    cache.get_key(pool.kid)
    new_kid = pool.rotate_key()
    clock.advance(COOLDOWN)
    fetcher.armed = True

    outcomes = run_together(lambda: cache.get_key(new_kid))

    assert fetcher.all_joined == [True]
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


def test_refresh_during_a_fetch_waits_for_it(pool: LocalUserPool) -> None:
    """A prefetch that finds a fetch in flight shares it: it waits and returns its keys."""
    entered = threading.Event()
    release = threading.Event()
    calls: list[str] = []

    def held_fetcher(url: str, *, timeout: float, max_bytes: int) -> bytes:
        calls.append(url)
        entered.set()
        assert release.wait(10)
        return jwks_body(pool)

    cache = JWKSCache("https://pool.example/jwks", JWKSOptions(timeout=10), fetcher=held_fetcher)
    results: dict[str, object] = {}

    def refresh(name: str) -> None:
        try:
            results[name] = cache.refresh()
        except JWKSUnavailableError as error:
            results[name] = error

    leader = threading.Thread(target=refresh, args=("leader",))
    leader.start()
    assert entered.wait(10)
    joiner = threading.Thread(target=refresh, args=("joiner",))
    try:
        joiner.start()
        joiner.join(0.2)
        assert joiner.is_alive()  # waiting for the fetch in flight, not failing at once
    finally:
        release.set()
    leader.join(10)
    joiner.join(10)
    assert results == {"leader": (pool.kid,), "joiner": (pool.kid,)}
    assert len(calls) == 1
