"""``COGNITO_REVOCATION_STORE`` and ``COGNITO_REVOCATION_TTL``: what ``init_app`` accepts."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from flask import Flask

from flask_revstack_cognito import CognitoAuth, CognitoConfigError
from flask_revstack_cognito.revocation import (
    MemoryRevocationStore,
    RedisRevocationStore,
    RevocationFeature,
)
from flask_revstack_cognito.revocation.feature import MAX_REDIS_TIMEOUT


def init(**config: Any) -> Flask:
    app = Flask("config_app")
    app.config.update(COGNITO_USER_POOL_ID="us-east-1_Abc123", COGNITO_CLIENT_ID="client123")
    app.config.update(config)
    CognitoAuth(app)
    return app


def feature_of(app: Flask) -> RevocationFeature | None:
    found = app.extensions["revstack_cognito"].state(app).feature(RevocationFeature)
    assert found is None or isinstance(found, RevocationFeature)
    return found


@pytest.mark.parametrize("value", [None, "", "  "], ids=["none", "empty", "blank"])
def test_no_store_means_no_feature(value: object) -> None:
    assert feature_of(init(COGNITO_REVOCATION_STORE=value)) is None


def test_a_redis_url_makes_a_redis_store_with_short_timeouts() -> None:
    app = init(COGNITO_REVOCATION_STORE="redis://127.0.0.1:1/3", COGNITO_JWKS_TIMEOUT=0.4)
    feature = feature_of(app)
    assert feature is not None
    assert isinstance(feature.store, RedisRevocationStore)
    options = feature.store.client.connection_pool.connection_kwargs
    assert (options["host"], options["port"], options["db"]) == ("127.0.0.1", 1, 3)
    assert options["socket_timeout"] == options["socket_connect_timeout"] == 0.4
    assert feature.timeout == 0.4  # GlobalSignOut's

    capped = feature_of(init(COGNITO_REVOCATION_STORE="rediss://:secret@example.invalid:6380"))
    assert capped is not None
    assert isinstance(capped.store, RedisRevocationStore)
    tls = capped.store.client.connection_pool.connection_kwargs
    assert tls["socket_timeout"] == MAX_REDIS_TIMEOUT
    assert tls["password"] == "secret"
    assert "secret" not in repr(capped) + repr(capped.store)


def test_the_ttl_is_read_as_a_number() -> None:
    feature = feature_of(init(COGNITO_REVOCATION_STORE="memory", COGNITO_REVOCATION_TTL="3600"))
    assert feature is not None
    assert isinstance(feature.store, MemoryRevocationStore)
    assert feature.ttl == 3600


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (42, "or an object with revoke(keys, until) and is_revoked(keys), got int"),
        (object(), "got object"),
        ("memcached://:pw@cache:11211", "got a memcached:// URL"),
        ("redis", "expected 'memory' or a redis:// or rediss:// URL, got 'redis'"),
        ("redis://127.0.0.1:6379?bogus=1", "an option of the URL is not known"),
        ("redis://127.0.0.1:6379?socket_timeout=soon", "Invalid value for 'socket_timeout'"),
        ("redis://127.0.0.1:notaport", "Port could not be cast"),
    ],
    ids=["int", "object", "other-scheme", "no-scheme", "unknown-option", "bad-option", "port"],
)
def test_a_bad_store_names_the_key(value: object, problem: str) -> None:
    with pytest.raises(CognitoConfigError) as refused:
        init(COGNITO_REVOCATION_STORE=value)

    assert refused.value.key == "COGNITO_REVOCATION_STORE"
    assert problem in refused.value.problem
    assert "pw" not in str(refused.value)
    assert "'memory' or 'redis://localhost:6379/0'" in str(refused.value)


@pytest.mark.parametrize("value", [0, -5, "soon", 3650 * 86400 + 1, True])
def test_a_bad_ttl_names_the_key_even_without_a_store(value: object) -> None:
    with pytest.raises(CognitoConfigError) as refused:
        init(COGNITO_REVOCATION_TTL=value)
    assert refused.value.key == "COGNITO_REVOCATION_TTL"


def test_a_redis_url_without_the_client_library_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)  # import redis now raises ImportError

    with pytest.raises(CognitoConfigError) as refused:
        init(COGNITO_REVOCATION_STORE="redis://127.0.0.1:6379/0")

    assert refused.value.key == "COGNITO_REVOCATION_STORE"
    assert "pip install flask-revstack-cognito[redis]" in refused.value.problem
    # The memory store needs no library.
    assert feature_of(init(COGNITO_REVOCATION_STORE="memory")) is not None
