"""The JWKS cache's holds, key ids, explicit refresh and listeners."""

from __future__ import annotations

import logging

import pytest
from conftest import FakeClock
from jwks_helpers import OPTIONS, TTL, no_jitter

from flask_revstack_cognito import JWKSUnavailableError
from flask_revstack_cognito.jwks import JWKSCache
from flask_revstack_cognito.testing import JWKSServer, LocalUserPool

pytestmark = pytest.mark.usefixtures("direct_loopback")


# -- holds, key_ids, refresh, listeners -----------------------------------------------------


def test_holds_and_key_ids_never_fetch(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    cache = JWKSCache(server.url, OPTIONS, clock=clock, jitter=no_jitter)
    assert not cache.key_ids
    assert not cache.holds(pool.kid)
    assert repr(cache) == f"<JWKSCache {server.url} (no keys)>"
    assert server.request_count == 0

    cache.get_key(pool.kid)
    assert cache.key_ids == (pool.kid,)
    assert cache.holds(pool.kid)
    assert not cache.holds("another-kid")
    assert repr(cache) == f"<JWKSCache {server.url} (1 keys)>"

    clock.advance(TTL * 2)  # expired keys are still reported; nothing is fetched
    assert cache.holds(pool.kid)
    assert cache.key_ids == (pool.kid,)
    assert cache.fetch_count == server.request_count == 1


def test_refresh_fetches_regardless_of_ttl_and_cooldown(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    refreshes: list[tuple[str, ...]] = []
    cache = JWKSCache(
        server.url, OPTIONS, clock=clock, jitter=no_jitter, on_refresh=refreshes.append
    )
    first_kid = pool.kid
    assert cache.refresh() == (first_kid,)
    second_kid = pool.rotate_key()
    assert cache.refresh() == (first_kid, second_kid)  # fresh and within the cooldown
    assert cache.fetch_count == server.request_count == 2
    assert refreshes == [(first_kid,), (first_kid, second_kid)]


def test_refresh_raises_when_the_fetch_fails_and_keeps_held_keys(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    cache = JWKSCache(server.url, OPTIONS, clock=clock, jitter=no_jitter)
    server.fail_with(500)
    with pytest.raises(JWKSUnavailableError) as caught:
        cache.refresh()
    assert caught.value.code == "NETWORK_ERROR"
    assert not cache.key_ids

    server.recover()
    assert cache.refresh() == (pool.kid,)
    server.fail_with(500)
    with pytest.raises(JWKSUnavailableError):
        cache.refresh()
    assert cache.holds(pool.kid)
    assert cache.get_key(pool.kid) is not None
    assert cache.fetch_count == server.request_count == 3


def test_raising_listeners_do_not_break_get_key(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(_: object) -> None:
        raise RuntimeError("listener bug")

    cache = JWKSCache(
        server.url,
        OPTIONS,
        clock=clock,
        jitter=no_jitter,
        on_refresh=explode,
        on_fetch_failed=explode,
    )
    with caplog.at_level(logging.INFO, logger="flask_revstack_cognito"):
        key = cache.get_key(pool.kid)  # on_refresh raised
        server.fail_with(500)
        clock.advance(TTL)
        assert cache.get_key(pool.kid) is key  # on_fetch_failed raised

    assert cache.fetch_count == 2
    listener_errors = [r for r in caplog.records if r.getMessage() == "a JWKS listener raised"]
    assert len(listener_errors) == 2
    assert all(r.exc_info is not None for r in listener_errors)


def test_raising_failure_listener_still_gives_network_error(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    def explode(_: Exception) -> None:
        raise RuntimeError("listener bug")

    server.fail_with(500)
    cache = JWKSCache(server.url, OPTIONS, clock=clock, jitter=no_jitter, on_fetch_failed=explode)
    with pytest.raises(JWKSUnavailableError):
        cache.get_key(pool.kid)


def test_custom_fetcher_raising_any_exception_is_a_failed_fetch(clock: FakeClock) -> None:
    def broken(url: str, *, timeout: float, max_bytes: int) -> bytes:
        raise KeyError(url)

    failures: list[Exception] = []
    cache = JWKSCache(
        "https://example.invalid/jwks.json",
        fetcher=broken,
        clock=clock,
        on_fetch_failed=failures.append,
    )
    with pytest.raises(JWKSUnavailableError):
        cache.get_key("kid")
    assert [type(failure) for failure in failures] == [KeyError]
