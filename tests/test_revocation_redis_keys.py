"""What the Redis store writes: one key per denied id, under a prefix, expiring by itself.

Expiry is read from Redis (``PTTL``), never waited for.
"""

from __future__ import annotations

import time

import pytest
import redis
from redis_helpers import DEFAULT_PREFIX, auth_of, make_host

from benchmarks.redis_server import RedisServer
from flask_revstack_cognito.revocation import RedisRevocationStore
from flask_revstack_cognito.testing import LocalUserPool

DAY = 86400


def test_a_sign_in_is_denied_for_the_revocation_ttl(
    live_pool: LocalUserPool, redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    app = make_host(live_pool, redis_server.url, COGNITO_REVOCATION_TTL=2 * DAY)
    with app.app_context():
        auth_of(app).revoke(live_pool.id_token(origin_jti="sign-in-1", jti="token-1"))

    assert redis_client.keys("*") == [f"{DEFAULT_PREFIX}sign-in-1".encode()]
    remaining = redis_client.pttl(f"{DEFAULT_PREFIX}sign-in-1")
    assert 2 * DAY * 1000 - 60_000 < remaining <= 2 * DAY * 1000


def test_a_token_without_sign_in_is_denied_until_it_expires_plus_the_leeway(
    live_pool: LocalUserPool, redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    app = make_host(live_pool, redis_server.url, COGNITO_LEEWAY=30)
    token = live_pool.access_token(origin_jti=None, jti="machine-1", expires_in=600)
    with app.app_context():
        auth_of(app).revoke(token)

    remaining = redis_client.pttl(f"{DEFAULT_PREFIX}machine-1")
    assert (600 + 30) * 1000 - 60_000 < remaining <= (600 + 30) * 1000


def test_the_key_prefix_comes_from_the_url(
    live_pool: LocalUserPool, redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    app = make_host(live_pool, f"{redis_server.url}?key_prefix=shop:revoked:")
    token = live_pool.id_token(origin_jti="sign-in-2")
    with app.app_context():
        auth_of(app).revoke(token)

    assert redis_client.keys("*") == [b"shop:revoked:sign-in-2"]
    # An app with the default prefix does not see that app's denials: another deny-list.
    other = make_host(live_pool, redis_server.url, "other")
    assert (
        other.test_client().get("/me", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )


def test_a_store_object_carries_its_own_prefix(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    store = RedisRevocationStore.from_url(redis_server.url, key_prefix="mine:")
    store.revoke(["a", "b"], time.time() + 60)

    assert sorted(redis_client.keys("*")) == [b"mine:a", b"mine:b"]
    assert store.is_revoked(["x", "b"])
    assert not store.is_revoked(["x", "y"])
    assert not store.is_revoked([])


@pytest.mark.parametrize("until", [-1.0, 0.0], ids=["past", "now"])
def test_a_denial_that_has_already_ended_writes_nothing(
    redis_server: RedisServer, redis_client: redis.Redis, until: float
) -> None:
    now = 1_800_000_000.0
    store = RedisRevocationStore(redis_client, clock=lambda: now)
    store.revoke(["a"], now + until)
    store.revoke([], now + 60)

    assert redis_client.keys("*") == []


def test_a_denial_is_one_round_trip_and_a_question_one_exists(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    store = RedisRevocationStore.from_url(redis_server.url)
    store.revoke(["warm"], time.time() + 60)  # connect first
    before = int(redis_client.info("stats")["total_commands_processed"])

    store.is_revoked(["jti", "origin"])

    after = int(redis_client.info("stats")["total_commands_processed"])
    assert after - before == 2  # our EXISTS, and the INFO that reads the count
    calls = redis_client.info("commandstats")
    assert calls["cmdstat_exists"]["calls"] == 1


def test_only_redis_and_rediss_urls_make_a_store() -> None:
    with pytest.raises(ValueError, match="expected a redis:// or rediss:// URL"):
        RedisRevocationStore.from_url("unix:///run/redis.sock")
