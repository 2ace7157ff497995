"""Fetch faults (SPEC section 6): stale keys while held, the cooldown after a failed fetch."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from conftest import FakeClock
from jwks_helpers import (
    COOLDOWN,
    MAX_BYTES,
    OPTIONS,
    TTL,
    jwks_body,
    modulus,
    no_jitter,
    padded,
    recording_cache,
)

from flask_revstack_cognito import JWKSUnavailableError, UnknownKeyError
from flask_revstack_cognito.jwks import JWKSCache, JWKSFetchError
from flask_revstack_cognito.testing import JWKSServer, LocalUserPool

pytestmark = pytest.mark.usefixtures("direct_loopback")


# -- faults ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """One way the JWKS endpoint fails. Served bodies hold the pool's *current* JWKS where
    possible, so a cache that ignored the fault would load the rotated keys and be caught."""

    name: str
    status: int = 200
    body: Callable[[LocalUserPool], bytes] = jwks_body
    delay: float = 0.0
    refused: bool = False

    def inject(self, pool: LocalUserPool, server: JWKSServer, cache: JWKSCache, url: str) -> None:
        if self.refused:
            cache.jwks_uri = url
        else:
            server.fail_with(self.status, self.body(pool), delay=self.delay)

    def repair(self, server: JWKSServer, cache: JWKSCache) -> None:
        if self.refused:
            cache.jwks_uri = server.url
        else:
            server.recover()

    @property
    def requests(self) -> int:
        """HTTP requests the server receives per failed fetch."""
        return 0 if self.refused else 1


FAULTS = [
    Fault("connection-refused", refused=True),
    Fault("timeout", delay=1.0),
    Fault("http-500", status=500),
    Fault("http-404", status=404),
    Fault("html-body", body=lambda _: b"<!DOCTYPE html><html><body>Bad gateway</body></html>"),
    Fault("invalid-json", body=lambda pool: jwks_body(pool)[:-2]),
    Fault("json-list", body=lambda pool: json.dumps([pool.jwks()]).encode()),
    Fault("object-without-keys", body=lambda pool: json.dumps(pool.jwks()["keys"][0]).encode()),
    Fault(
        "keys-not-a-list",
        body=lambda pool: json.dumps({"keys": {pool.kid: pool.jwks()["keys"][-1]}}).encode(),
    ),
    Fault("oversize-body", body=lambda pool: padded(jwks_body(pool), MAX_BYTES + 1)),
]


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS])
def test_fault_without_held_keys_is_network_error(
    fault: Fault, server: JWKSServer, pool: LocalUserPool, clock: FakeClock, refused_url: str
) -> None:
    cache, refreshes, failures = recording_cache(server.url, clock)
    fault.inject(pool, server, cache, refused_url)

    with pytest.raises(JWKSUnavailableError) as caught:
        cache.get_key(pool.kid)

    error = caught.value
    assert (error.code, error.status) == ("NETWORK_ERROR", 503)
    assert error.retry_after >= 1
    assert cache.fetch_count == 1
    assert server.request_count == fault.requests
    assert len(failures) == 1
    assert isinstance(failures[0], JWKSFetchError)
    assert refreshes == []
    assert not cache.key_ids
    assert not cache.holds(pool.kid)


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS])
def test_fault_with_held_keys_serves_stale_keys_until_recovery(
    fault: Fault, server: JWKSServer, pool: LocalUserPool, clock: FakeClock, refused_url: str
) -> None:
    cache, refreshes, failures = recording_cache(server.url, clock)
    old_kid = pool.kid
    held = cache.get_key(old_kid)
    assert refreshes == [(old_kid,)]
    new_kid = pool.rotate_key(keep_old=False)
    fault.inject(pool, server, cache, refused_url)

    clock.advance(TTL)
    assert cache.get_key(old_kid) is held  # stale-if-error
    assert cache.fetch_count == 2
    assert server.request_count == 1 + fault.requests
    assert len(failures) == 1
    assert isinstance(failures[0], JWKSFetchError)
    with pytest.raises(UnknownKeyError):  # keys are held: a missing kid is 401, not 503
        cache.get_key(new_kid)

    clock.advance(COOLDOWN - 1)  # the failed fetch is not retried within the cooldown
    assert cache.get_key(old_kid) is held
    assert cache.fetch_count == 2
    clock.advance(1)
    assert cache.get_key(old_kid) is held
    assert cache.fetch_count == 3
    assert len(failures) == 2

    fault.repair(server, cache)
    clock.advance(COOLDOWN)
    assert modulus(cache.get_key(new_kid)) == modulus(pool.signing_key)
    assert cache.fetch_count == 4
    assert refreshes == [(old_kid,), (new_kid,)]
    assert not cache.holds(old_kid)
    assert len(failures) == 2


def test_failed_cold_fetch_is_retried_only_after_the_cooldown(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    server.fail_with(500)
    cache = JWKSCache(server.url, OPTIONS, clock=clock, jitter=no_jitter)  # no listeners

    with pytest.raises(JWKSUnavailableError) as caught:
        cache.get_key(pool.kid)
    assert caught.value.retry_after == 10
    clock.advance(3)
    with pytest.raises(JWKSUnavailableError) as caught:
        cache.get_key(pool.kid)
    assert caught.value.retry_after == 7  # the time left of the cooldown
    clock.advance(2.5)
    with pytest.raises(JWKSUnavailableError) as caught:
        cache.get_key(pool.kid)
    assert caught.value.retry_after == 5  # 4.5 s, rounded up
    assert cache.fetch_count == server.request_count == 1

    clock.advance(4.5)
    with pytest.raises(JWKSUnavailableError):
        cache.get_key(pool.kid)
    assert cache.fetch_count == server.request_count == 2

    server.recover()
    clock.advance(COOLDOWN - 1)
    with pytest.raises(JWKSUnavailableError):
        cache.get_key(pool.kid)
    assert cache.fetch_count == 2
    clock.advance(1)
    assert modulus(cache.get_key(pool.kid)) == modulus(pool.signing_key)
    assert cache.fetch_count == server.request_count == 3


def test_the_cooldown_runs_from_the_end_of_a_slow_fetch(clock: FakeClock) -> None:
    """A failing fetch that takes longer than the cooldown is not retried back to back."""
    calls: list[float] = []

    def slow_and_failing(url: str, *, timeout: float, max_bytes: int) -> bytes:
        calls.append(clock.now)
        clock.advance(COOLDOWN + 5)
        raise JWKSFetchError("timed out")

    cache = JWKSCache(
        "https://example.invalid/jwks.json", OPTIONS, fetcher=slow_and_failing, clock=clock
    )
    with pytest.raises(JWKSUnavailableError) as caught:
        cache.get_key("kid")
    assert caught.value.retry_after == COOLDOWN
    clock.advance(COOLDOWN - 1)
    with pytest.raises(JWKSUnavailableError) as caught:
        cache.get_key("kid")
    assert caught.value.retry_after == 1
    assert len(calls) == 1
    clock.advance(1)
    with pytest.raises(JWKSUnavailableError):
        cache.get_key("kid")
    assert len(calls) == 2


def test_body_of_exactly_max_bytes_is_accepted(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    server.fail_with(200, padded(jwks_body(pool), MAX_BYTES))
    cache = JWKSCache(server.url, OPTIONS, clock=clock, jitter=no_jitter)

    assert cache.refresh() == (pool.kid,)


def test_fetch_failure_is_logged_as_warning(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    server.fail_with(503)
    cache = JWKSCache(server.url, OPTIONS, clock=clock, jitter=no_jitter)

    with (
        caplog.at_level(logging.INFO, logger="flask_revstack_cognito"),
        pytest.raises(JWKSUnavailableError),
    ):
        cache.get_key(pool.kid)

    warnings_logged = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings_logged) == 1
    assert warnings_logged[0].name == "flask_revstack_cognito"
    assert server.url in warnings_logged[0].getMessage()
    assert "503" in warnings_logged[0].getMessage()
