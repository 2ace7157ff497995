"""The memory and Redis stores exactly: bounds, boundaries, defaults, messages, what Redis sees.

Memory: ``max_entries`` 1 is accepted and 0 refused (whole message); a denial whose end is now
is not held; expired ids are dropped only when the store is full; an id never denied is not
denied at the epoch. Redis (a real ``redis-server`` from the ``redis_server`` fixture): the
default timeout of 1.0 s; the whole message for another scheme; a blank ``?key_prefix=`` is an
empty prefix; a timeout is not retried (a broken connection is, see
``test_revocation_outage.py``); a denial of 1 ms is still written; one ``SET`` per id with the
value ``1`` and no ``MULTI``, read from Redis's own command statistics.
"""

from __future__ import annotations

import time

import pytest
import redis
from conftest import START, FakeClock
from redis_helpers import CountingListener

from benchmarks.redis_server import RedisServer
from flask_revstack_cognito.revocation import (
    MemoryRevocationStore,
    RedisRevocationStore,
    RevocationStoreError,
)
from flask_revstack_cognito.revocation.redis_store import DEFAULT_KEY_PREFIX

# -- memory --------------------------------------------------------------------------------------


def test_a_memory_store_of_one_id_holds_one(clock: FakeClock) -> None:
    store = MemoryRevocationStore(max_entries=1, clock=clock)
    store.revoke(["a"], START + 10)

    assert store.is_revoked(["a"])
    assert repr(store) == "<MemoryRevocationStore 1 of 1 ids>"
    with pytest.raises(RevocationStoreError) as full:
        store.revoke(["b"], START + 10)
    assert str(full.value) == "the memory revocation store is full (1 ids): use a Redis store"


@pytest.mark.parametrize("max_entries", [0, -1])
def test_a_memory_store_without_room_is_refused_whole(max_entries: int) -> None:
    with pytest.raises(ValueError) as refused:  # noqa: PT011 - the whole message is checked
        MemoryRevocationStore(max_entries=max_entries)

    assert str(refused.value) == "max_entries must be at least 1"


def test_a_denial_ending_now_is_not_held(clock: FakeClock) -> None:
    store = MemoryRevocationStore(clock=clock)
    store.revoke(["a"], START)

    assert len(store) == 0
    assert not store.is_revoked(["a"])
    store.revoke(["a"], START + 0.001)
    assert len(store) == 1


def test_expired_ids_are_dropped_only_when_the_store_is_full(clock: FakeClock) -> None:
    store = MemoryRevocationStore(max_entries=3, clock=clock)
    store.revoke(["a"], START + 10)
    clock.advance(10)  # "a" is over, still held

    store.revoke(["b"], START + 100)
    assert len(store) == 2  # room was left: nothing dropped
    store.revoke(["c"], START + 100)
    assert len(store) == 3

    store.revoke(["d"], START + 100)  # full: "a" makes room
    assert len(store) == 3
    assert repr(store) == "<MemoryRevocationStore 3 of 3 ids>"
    assert not store.is_revoked(["a"])


def test_an_id_never_denied_is_not_denied_at_the_epoch() -> None:
    store = MemoryRevocationStore(clock=FakeClock(0.0))

    assert not store.is_revoked(["never-denied"])
    store.revoke(["a"], 0.5)
    assert store.is_revoked(["x", "a"])
    assert not store.is_revoked(["x"])


# -- Redis: building the store -------------------------------------------------------------------


def test_the_default_redis_timeout_is_one_second() -> None:
    store = RedisRevocationStore.from_url("redis://127.0.0.1:1/0")
    options = store.client.connection_pool.connection_kwargs

    assert (options["socket_timeout"], options["socket_connect_timeout"]) == (1.0, 1.0)
    assert store.key_prefix == DEFAULT_KEY_PREFIX


@pytest.mark.parametrize("url", ["unix:///run/redis.sock", "http://127.0.0.1:6379/0", "127.0.0.1"])
def test_another_scheme_is_refused_with_the_whole_message(url: str) -> None:
    with pytest.raises(ValueError) as refused:  # noqa: PT011 - the whole message is checked
        RedisRevocationStore.from_url(url)

    assert str(refused.value) == "expected a redis:// or rediss:// URL"


def test_a_blank_key_prefix_in_the_url_is_an_empty_prefix(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    store = RedisRevocationStore.from_url(f"{redis_server.url}?key_prefix=")
    assert store.key_prefix == ""

    store.revoke(["a"], time.time() + 60)
    assert redis_client.keys("*") == [b"a"]
    assert store.is_revoked(["a"])


def test_a_redis_that_does_not_answer_is_asked_once_not_retried() -> None:
    with CountingListener(hold=True) as listener:
        store = RedisRevocationStore.from_url(f"redis://127.0.0.1:{listener.port}/0", timeout=0.2)
        with pytest.raises(RevocationStoreError) as failed:
            store.is_revoked(["a"])

    assert str(failed.value) == "Redis could not answer: Timeout reading from socket"
    assert listener.accepted == 1  # a retry on timeout would double the wait


# -- Redis: what a denial writes -----------------------------------------------------------------


def command_calls(client: redis.Redis) -> dict[str, int]:
    """Redis's own count of each command it ran, by name (``info commandstats``)."""
    stats = client.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(stat["calls"]) for name, stat in stats.items()}


def test_a_denial_of_one_millisecond_is_written(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    store = RedisRevocationStore(redis_client, clock=lambda: 1000.0)
    store.revoke(["a"], 1000.0)  # over: nothing written
    store.revoke(["a"], 999.0)
    assert "set" not in command_calls(redis_client)

    store.revoke(["a"], 1000.0005)  # 0.5 ms: a PX of 1

    assert command_calls(redis_client)["set"] == 1


def test_a_denial_sets_each_key_to_1_without_a_transaction(
    redis_server: RedisServer, redis_client: redis.Redis
) -> None:
    store = RedisRevocationStore(redis_client, clock=time.time)
    store.revoke(["sign-in-1", "token-1"], time.time() + 60)

    calls = command_calls(redis_client)
    assert calls["set"] == 2
    assert "multi" not in calls
    assert "exec" not in calls
    assert redis_client.get(f"{DEFAULT_KEY_PREFIX}sign-in-1") == b"1"
    assert redis_client.get(f"{DEFAULT_KEY_PREFIX}token-1") == b"1"
    assert 59_000 < redis_client.pttl(f"{DEFAULT_KEY_PREFIX}token-1") <= 60_000
