"""``auth.revoke``: what it accepts and denies, its signal, and ``verify``/``validate`` after."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from redis_helpers import auth_of, bearer, make_host

from flask_revstack_cognito import (
    CognitoUser,
    InvalidSignatureError,
    MissingClaimError,
    TokenExpiredError,
    TokenRevokedError,
    token_revoked,
)
from flask_revstack_cognito.revocation import MemoryRevocationStore, RevocationFeature
from flask_revstack_cognito.testing import LocalUserPool


def memory_of(app: Flask) -> MemoryRevocationStore:
    feature = app.extensions["revstack_cognito"].state(app).feature(RevocationFeature)
    assert isinstance(feature.store, MemoryRevocationStore)
    return feature.store


def test_revoking_a_token_string_sends_the_signal_and_returns_the_user(
    live_pool: LocalUserPool,
) -> None:
    app = make_host(live_pool, "memory")
    sent: list[tuple[Any, CognitoUser]] = []
    token = live_pool.access_token(origin_jti="sign-in-1")

    with (
        token_revoked.connected_to(lambda sender, user: sent.append((sender, user)), app),
        app.app_context(),
    ):
        user = auth_of(app).revoke(token)

    assert user.token_use == "access"
    assert sent == [(app, user)]
    assert memory_of(app).is_revoked(["sign-in-1"])


def test_a_revoked_token_fails_verify_and_validate(live_pool: LocalUserPool) -> None:
    app = make_host(live_pool, "memory")
    token = live_pool.id_token()
    auth = auth_of(app)
    with app.app_context():
        auth.revoke(token)
        with pytest.raises(TokenRevokedError):
            auth.verify(token)
        session = auth.validate(f"Bearer {token}")
        again = auth.revoke(token)  # the bare verifier accepts it: revoking twice is harmless

    assert (session.is_valid, session.error_code) == (False, "TOKEN_REVOKED")
    assert again.token_use == "id"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [({"expires_in": -60}, TokenExpiredError), ({"forged": True}, InvalidSignatureError)],
    ids=["expired", "forged"],
)
def test_a_token_that_does_not_verify_is_not_revoked(
    live_pool: LocalUserPool, overrides: dict[str, Any], error: type[Exception]
) -> None:
    app = make_host(live_pool, "memory")
    # A copy: the parameter's dict is shared by every run of the test in this process (mutmut
    # runs the suite several times in one process), so popping from it would unforge the token.
    overrides = dict(overrides)
    if overrides.pop("forged", False):  # the pool's kid, signed by another key
        overrides.update(key=LocalUserPool().signing_key, header={"kid": live_pool.kid})
    token = live_pool.id_token(origin_jti="sign-in-1", **overrides)
    sent: list[object] = []

    with (
        token_revoked.connected_to(lambda sender, user: sent.append(user), app),
        app.app_context(),
        pytest.raises(error),
    ):
        auth_of(app).revoke(token)

    assert sent == []
    assert len(memory_of(app)) == 0


def test_a_token_with_neither_id_cannot_be_revoked(live_pool: LocalUserPool) -> None:
    app = make_host(live_pool, "memory")
    with app.app_context(), pytest.raises(MissingClaimError, match="jti"):
        auth_of(app).revoke(live_pool.id_token(origin_jti=None, jti=None))


def test_a_view_revokes_the_current_user(live_pool: LocalUserPool) -> None:
    app = make_host(live_pool, "memory")
    client = app.test_client()
    token = live_pool.id_token()

    assert client.post("/revoke", headers=bearer(token)).status_code == 204
    refused = client.post("/revoke", headers=bearer(token))
    assert refused.status_code == 401
    assert refused.get_json()["code"] == "TOKEN_REVOKED"


def test_a_user_without_sign_in_or_expiry_is_denied_for_the_ttl(live_pool: LocalUserPool) -> None:
    app = make_host(live_pool, "memory", COGNITO_REVOCATION_TTL=60)
    user = CognitoUser.from_claims({"sub": "someone", "jti": "handmade-1"})
    with app.app_context():
        auth_of(app).revoke(user)

    store = memory_of(app)
    assert store.is_revoked(["handmade-1"])
    assert 0 < store._until["handmade-1"] - time.time() <= 60
