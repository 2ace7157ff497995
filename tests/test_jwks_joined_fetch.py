"""A caller that finds a JWKS fetch in flight joins it: how long it waits, and what it learns.

Each overlap is made certain with events: the fetch is held until the joiner waits for it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from types import TracebackType

import pytest
from conftest import FakeClock
from jwks_helpers import TTL, jwks_body, modulus, no_jitter

import flask_revstack_cognito.jwks as jwks_module
from flask_revstack_cognito import JWKSUnavailableError
from flask_revstack_cognito.flight import Flight
from flask_revstack_cognito.jwks import JWKSCache, JWKSFetchError, JWKSOptions
from flask_revstack_cognito.testing import LocalUserPool

URL = "https://pool.example/jwks"


@pytest.fixture
def joined(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Set as a caller starts waiting for the fetch in flight."""
    waiting = threading.Event()

    class WatchedEvent(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            waiting.set()
            return super().wait(timeout)

    class WatchedFlight(Flight):
        def __init__(self) -> None:
            super().__init__()
            self.done = WatchedEvent()

    monkeypatch.setattr(jwks_module, "Flight", WatchedFlight)
    return waiting


class HeldFetcher:
    """Gives ``outcome()`` once a caller joined its fetch; ``entered`` is set as it starts."""

    def __init__(self, joined: threading.Event, outcome: Callable[[], bytes]) -> None:
        self.joined = joined
        self.outcome = outcome
        self.entered = threading.Event()

    def __call__(self, url: str, *, timeout: float, max_bytes: int) -> bytes:
        self.entered.set()
        assert self.joined.wait(5)
        return self.outcome()


class Interrupted(BaseException):
    """What a Ctrl-C or a gevent timeout is to the fetch: not an ``Exception``."""


def in_thread(task: Callable[[], object]) -> threading.Thread:
    def run() -> None:
        with contextlib.suppress(JWKSUnavailableError, Interrupted):
            task()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_joiner_waits_for_the_fetch_even_with_a_short_timeout(
    pool: LocalUserPool, joined: threading.Event
) -> None:
    """With a timeout under half a second, a joiner still waits for the leader's fetch."""
    fetcher = HeldFetcher(joined, lambda: jwks_body(pool))
    cache = JWKSCache(URL, JWKSOptions(timeout=0.45), fetcher=fetcher, jitter=no_jitter)
    leader = in_thread(lambda: cache.get_key(pool.kid))
    try:
        assert fetcher.entered.wait(5)
        key = cache.get_key(pool.kid)
    finally:
        joined.set()
        leader.join(5)
    assert modulus(key) == modulus(pool.signing_key)
    assert cache.fetch_count == 1


def test_a_joiner_waits_as_long_as_the_leaders_timeout_allows(
    pool: LocalUserPool, joined: threading.Event
) -> None:
    """A fetch of 2 s within a 10 s timeout: the joiner waits for it, it does not give up."""

    def slow() -> bytes:
        threading.Event().wait(2.0)  # a slow endpoint, well within the timeout
        return jwks_body(pool)

    fetcher = HeldFetcher(joined, slow)
    cache = JWKSCache(URL, JWKSOptions(timeout=10.0), fetcher=fetcher, jitter=no_jitter)
    leader = in_thread(lambda: cache.get_key(pool.kid))
    try:
        assert fetcher.entered.wait(5)
        key = cache.get_key(pool.kid)
    finally:
        joined.set()
        leader.join(15)
    assert modulus(key) == modulus(pool.signing_key)
    assert cache.fetch_count == 1


def test_a_refresh_that_joins_a_failing_fetch_fails(
    pool: LocalUserPool, joined: threading.Event
) -> None:
    def refused() -> bytes:
        raise JWKSFetchError("HTTP status 500")

    fetcher = HeldFetcher(joined, refused)
    cache = JWKSCache(URL, fetcher=fetcher, jitter=no_jitter)
    leader = in_thread(lambda: cache.get_key(pool.kid))
    try:
        assert fetcher.entered.wait(5)
        with pytest.raises(JWKSUnavailableError):
            cache.refresh()
    finally:
        joined.set()
        leader.join(5)
    assert cache.fetch_count == 1


def test_a_refresh_that_joins_an_interrupted_fetch_fails(
    pool: LocalUserPool, joined: threading.Event
) -> None:
    def interrupted() -> bytes:
        raise Interrupted

    fetcher = HeldFetcher(joined, interrupted)
    cache = JWKSCache(URL, fetcher=fetcher, jitter=no_jitter)
    leader = in_thread(lambda: cache.get_key(pool.kid))
    try:
        assert fetcher.entered.wait(5)
        with pytest.raises(JWKSUnavailableError):
            cache.refresh()
    finally:
        joined.set()
        leader.join(5)
    assert cache.fetch_count == 1


def test_the_fetch_runs_in_a_daemon_thread_named_jwks_fetch(pool: LocalUserPool) -> None:
    """A hung fetch must not keep the process from exiting, and is easy to spot in a dump."""
    threads: list[threading.Thread] = []

    def fetcher(url: str, *, timeout: float, max_bytes: int) -> bytes:
        threads.append(threading.current_thread())
        return jwks_body(pool)

    JWKSCache(URL, fetcher=fetcher, jitter=no_jitter).get_key(pool.kid)
    assert [(thread.name, thread.daemon) for thread in threads] == [("jwks-fetch", True)]


class LockWithAHook:
    """A lock that first runs ``hook`` once, as if another thread had taken the lock first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.hook: Callable[[], object] | None = None

    def __enter__(self) -> None:
        hook, self.hook = self.hook, None
        if hook is not None:
            hook()
        self._lock.acquire()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._lock.release()


def test_keys_refreshed_just_before_the_lock_are_not_fetched_again(
    pool: LocalUserPool, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stale keys seen, then refreshed by another caller before this one takes the lock."""
    cache = JWKSCache(
        pool.jwks_uri, JWKSOptions(ttl=TTL), fetcher=pool.fetcher, clock=clock, jitter=no_jitter
    )
    cache.get_key(pool.kid)
    clock.advance(TTL)
    lock = LockWithAHook()
    monkeypatch.setattr(cache, "_lock", lock)
    lock.hook = cache.refresh
    assert modulus(cache.get_key(pool.kid)) == modulus(pool.signing_key)
    assert lock.hook is None
    assert cache.fetch_count == pool.fetch_count == 2
