"""Key rotation and the unknown-``kid`` cooldown (SPEC section 6).

The cooldown limits refetches *caused by unknown kids*: a flood of random kids costs at most one
fetch per cooldown, while a fetch for another reason (first use, prefetch, TTL) never delays the
first unknown ``kid`` after it, so a key Cognito has just published verifies at once. Keys are
served on loopback HTTP by the test kit's :class:`JWKSServer`; time is a :class:`FakeClock`.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator

import pytest
from conftest import FakeClock
from flask import Flask
from jwks_helpers import COOLDOWN, TTL, no_jitter

from flask_revstack_cognito import CognitoAuth, UnknownKeyError, login_required
from flask_revstack_cognito.jwks import JWKSCache, JWKSOptions
from flask_revstack_cognito.testing import JWKSServer, LocalUserPool

# A longer timeout than jwks_helpers.OPTIONS: these tests fetch real keys, they inject no fault.
OPTIONS = JWKSOptions(ttl=TTL, timeout=2.0, refresh_cooldown=COOLDOWN)
THREADS = 8


@pytest.fixture
def server(pool: LocalUserPool) -> Iterator[JWKSServer]:
    with pool.serve() as served:
        yield served


@pytest.fixture
def cache(server: JWKSServer, clock: FakeClock) -> JWKSCache:
    return JWKSCache(server.url, OPTIONS, clock=clock, jitter=no_jitter)


def random_kid() -> str:
    return secrets.token_urlsafe(16)


def flood(cache: JWKSCache, count: int = 20) -> None:
    for _ in range(count):
        with pytest.raises(UnknownKeyError):
            cache.get_key(random_kid())


# -- a fetch for another reason does not delay the first unknown kid ------------------------


def test_a_key_published_right_after_first_use_verifies_at_once(
    cache: JWKSCache, server: JWKSServer, pool: LocalUserPool
) -> None:
    cache.get_key(pool.kid)
    new_kid = pool.rotate_key()

    assert cache.get_key(new_kid) is not None
    assert cache.fetch_count == server.request_count == 2


def test_a_key_published_right_after_a_prefetch_verifies_at_once(
    cache: JWKSCache, server: JWKSServer, pool: LocalUserPool
) -> None:
    assert cache.refresh() == (pool.kid,)
    new_kid = pool.rotate_key(keep_old=False)

    assert cache.get_key(new_kid) is not None
    assert cache.key_ids == (new_kid,)
    assert cache.fetch_count == server.request_count == 2


def test_a_key_published_right_after_a_ttl_refresh_verifies_at_once(
    cache: JWKSCache, server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    cache.get_key(pool.kid)
    clock.advance(TTL)
    cache.get_key(pool.kid)  # a held kid: the TTL causes this fetch
    assert cache.fetch_count == 2
    new_kid = pool.rotate_key()

    assert cache.get_key(new_kid) is not None
    assert cache.fetch_count == server.request_count == 3


def test_a_key_published_right_after_a_recovered_failure_verifies_at_once(
    cache: JWKSCache, server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    """A successful fetch ends the cooldown of the failure before it."""
    cache.get_key(pool.kid)
    server.fail_with(500)
    clock.advance(TTL)
    cache.get_key(pool.kid)  # the TTL refresh fails: stale-if-error
    server.recover()
    clock.advance(1)
    cache.refresh()
    new_kid = pool.rotate_key()

    assert cache.get_key(new_kid) is not None
    assert cache.fetch_count == server.request_count == 4


# -- the flood limit -------------------------------------------------------------------------


def test_a_random_kid_flood_after_first_use_costs_one_fetch_per_cooldown(
    cache: JWKSCache, server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    cache.get_key(pool.kid)
    flood(cache)
    assert cache.fetch_count == server.request_count == 2  # the first unknown kid refetches

    clock.advance(COOLDOWN - 1)
    flood(cache)
    assert cache.fetch_count == 2
    clock.advance(1)
    flood(cache)
    assert cache.fetch_count == server.request_count == 3
    assert cache.get_key(pool.kid) is not None


def test_a_rotation_after_an_unknown_kid_waits_for_the_cooldown(
    cache: JWKSCache, server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    """The refetch an unknown kid caused starts the cooldown, even when it finds the key."""
    cache.get_key(pool.kid)
    first_new = pool.rotate_key()
    assert cache.get_key(first_new) is not None
    second_new = pool.rotate_key()

    with pytest.raises(UnknownKeyError):
        cache.get_key(second_new)
    assert cache.fetch_count == 2
    clock.advance(COOLDOWN)
    assert cache.get_key(second_new) is not None
    assert cache.fetch_count == server.request_count == 3


@pytest.mark.parametrize("cause", ["first-use", "ttl"])
def test_a_fetch_that_lacks_the_callers_kid_starts_the_cooldown(
    cache: JWKSCache, server: JWKSServer, pool: LocalUserPool, clock: FakeClock, cause: str
) -> None:
    """A random kid that causes the first-use or TTL fetch is that flood's one fetch."""
    if cause == "ttl":
        cache.get_key(pool.kid)
        clock.advance(TTL)
    before = cache.fetch_count

    flood(cache)
    assert cache.fetch_count == server.request_count == before + 1
    clock.advance(COOLDOWN)
    flood(cache)
    assert cache.fetch_count == server.request_count == before + 2


def test_a_concurrent_random_kid_flood_costs_one_refetch(
    cache: JWKSCache, server: JWKSServer, pool: LocalUserPool
) -> None:
    cache.get_key(pool.kid)
    barrier = threading.Barrier(THREADS, timeout=10)
    refused: list[bool] = []

    def worker() -> None:
        barrier.wait()
        for _ in range(10):
            try:
                cache.get_key(random_kid())
            except UnknownKeyError:
                refused.append(True)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert len(refused) == THREADS * 10
    assert cache.fetch_count == server.request_count == 2


def test_a_failed_fetch_holds_back_the_unknown_kid_refetch_for_the_cooldown(
    cache: JWKSCache, server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    """Failures of any kind must not hammer the server: after one, nothing is fetched for the
    cooldown, not even for an unknown kid (which a successful TTL refresh would not hold)."""
    cache.get_key(pool.kid)
    server.fail_with(503)
    clock.advance(TTL)
    cache.get_key(pool.kid)  # the TTL refresh fails: stale-if-error
    assert cache.fetch_count == server.request_count == 2
    new_kid = pool.rotate_key()
    server.recover()

    flood(cache)
    with pytest.raises(UnknownKeyError):
        cache.get_key(new_kid)
    clock.advance(COOLDOWN - 1)
    with pytest.raises(UnknownKeyError):
        cache.get_key(new_kid)
    assert cache.fetch_count == 2
    clock.advance(1)
    assert cache.get_key(new_kid) is not None
    assert cache.fetch_count == server.request_count == 3


# -- as a user meets it ---------------------------------------------------------------------


def test_a_request_with_a_token_of_a_key_rotated_in_just_now_passes(
    cognito_pool: LocalUserPool,
) -> None:
    app = Flask(__name__)
    app.config.update(cognito_pool.config())
    CognitoAuth(app)

    @app.get("/me")
    @login_required
    def me() -> dict[str, str]:
        return {"ok": "yes"}

    client = app.test_client()
    first = client.get("/me", headers={"Authorization": f"Bearer {cognito_pool.id_token()}"})
    assert first.status_code == 200

    cognito_pool.rotate_key()
    token = cognito_pool.id_token()
    second = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert second.status_code == 200, second.get_json()
