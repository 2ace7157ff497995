"""The memory store, a store object of the app's own, and an app without a store."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import pytest
from conftest import START, FakeClock
from redis_helpers import auth_of, bearer, make_host

from flask_revstack_cognito.revocation import (
    MemoryRevocationStore,
    RevocationFeature,
    RevocationStore,
    RevocationStoreError,
)
from flask_revstack_cognito.testing import LocalUserPool


def test_the_memory_store_denies_until_the_moment_then_forgets(clock: FakeClock) -> None:
    store = MemoryRevocationStore(clock=clock)
    store.revoke(["a"], START + 10)

    assert store.is_revoked(["x", "a"])
    assert not store.is_revoked(["x"])
    clock.advance(10)
    assert not store.is_revoked(["a"])


def test_the_memory_store_keeps_the_later_of_two_moments(clock: FakeClock) -> None:
    store = MemoryRevocationStore(clock=clock)
    store.revoke(["a"], START + 100)
    store.revoke(["a"], START + 10)
    store.revoke(["a"], START - 1)  # already over: ignored

    clock.advance(50)
    assert store.is_revoked(["a"])


def test_the_memory_store_is_bounded_and_never_forgets_a_live_denial(clock: FakeClock) -> None:
    store = MemoryRevocationStore(max_entries=2, clock=clock)
    store.revoke(["a"], START + 10)
    store.revoke(["b"], START + 100)
    with pytest.raises(RevocationStoreError, match=r"full \(2 ids\): use a Redis store"):
        store.revoke(["c"], START + 100)
    assert store.is_revoked(["a"])
    assert store.is_revoked(["b"])
    assert not store.is_revoked(["c"])

    store.revoke(["b"], START + 200)  # an id already held takes no room
    clock.advance(10)  # "a" is over: its room is taken back
    store.revoke(["c"], START + 100)

    assert len(store) == 2
    assert store.is_revoked(["b"])
    assert store.is_revoked(["c"])
    assert repr(store) == "<MemoryRevocationStore 2 of 2 ids>"


def test_the_memory_store_needs_room_for_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        MemoryRevocationStore(max_entries=0)


def test_the_memory_store_takes_denials_from_many_threads(clock: FakeClock) -> None:
    store = MemoryRevocationStore(max_entries=800, clock=clock)

    def deny(thread: int) -> None:
        for number in range(100):
            store.revoke([f"{thread}-{number}"], START + 60)

    threads = [threading.Thread(target=deny, args=(thread,)) for thread in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(store) == 800
    assert all(store.is_revoked([f"{t}-{n}"]) for t in range(8) for n in range(100))


def test_memory_is_a_store_for_one_process(live_pool: LocalUserPool) -> None:
    app = make_host(live_pool, "Memory")
    client = app.test_client()
    token = live_pool.id_token()
    assert client.post("/revoke", headers=bearer(token)).status_code == 204

    assert client.get("/me", headers=bearer(token)).get_json()["code"] == "TOKEN_REVOKED"
    feature = app.extensions["revstack_cognito"].state(app).feature(RevocationFeature)
    assert isinstance(feature.store, MemoryRevocationStore)
    # Another app (another process, in production) has its own memory: the token passes.
    assert (
        make_host(live_pool, "memory", "other")
        .test_client()
        .get("/me", headers=bearer(token))
        .status_code
        == 200
    )


class RecordingStore:
    """A store of the app's own: a dict, recording the questions it was asked."""

    def __init__(self) -> None:
        self.denied: dict[str, float] = {}
        self.questions: list[tuple[str, ...]] = []
        self.fail: Exception | None = None

    def revoke(self, keys: Sequence[str], until: float) -> None:
        self.denied.update(dict.fromkeys(keys, until))

    def is_revoked(self, keys: Sequence[str]) -> bool:
        self.questions.append(tuple(keys))
        if self.fail is not None:
            raise self.fail
        return any(key in self.denied for key in keys)


def test_an_object_with_the_two_methods_is_a_store(live_pool: LocalUserPool) -> None:
    store = RecordingStore()
    assert isinstance(store, RevocationStore)
    app = make_host(live_pool, store)
    client = app.test_client()
    token = live_pool.id_token(origin_jti="sign-in-1", jti="token-1")

    assert client.get("/me", headers=bearer(token)).status_code == 200
    assert client.post("/revoke", headers=bearer(token)).status_code == 204
    assert client.get("/me", headers=bearer(token)).status_code == 401

    assert list(store.denied) == ["sign-in-1"]
    assert store.questions == [("token-1", "sign-in-1")] * 3


@pytest.mark.parametrize(
    ("failure", "level"),
    [(RevocationStoreError("down"), logging.WARNING), (KeyError("bug"), logging.ERROR)],
    ids=["store-error", "unexpected"],
)
def test_a_store_that_fails_refuses_with_503(
    live_pool: LocalUserPool,
    caplog: pytest.LogCaptureFixture,
    failure: Exception,
    level: int,
) -> None:
    store = RecordingStore()
    store.fail = failure
    client = make_host(live_pool, store).test_client()

    with caplog.at_level(logging.WARNING, logger="flask_revstack_cognito"):
        answer = client.get("/me", headers=bearer(live_pool.id_token()))

    assert answer.status_code == 503
    assert answer.get_json()["code"] == "NETWORK_ERROR"
    assert [record.levelno for record in caplog.records] == [level]


def test_a_token_without_ids_is_not_asked_about(live_pool: LocalUserPool) -> None:
    store = RecordingStore()
    client = make_host(live_pool, store).test_client()
    token = live_pool.id_token(origin_jti=None, jti=None)

    assert client.get("/me", headers=bearer(token)).status_code == 200
    assert store.questions == []


def test_revoking_without_a_store_says_which_setting_is_missing(
    live_pool: LocalUserPool,
) -> None:
    app = make_host(live_pool, None)
    with app.app_context(), pytest.raises(RuntimeError, match="set COGNITO_REVOCATION_STORE"):
        auth_of(app).revoke(live_pool.id_token())
    with app.app_context(), pytest.raises(RuntimeError, match="needs a revocation store"):
        auth_of(app).sign_out_everywhere(live_pool.access_token())
    assert app.extensions["revstack_cognito"].state(app).features == ()
