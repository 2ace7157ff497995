"""Sign-out revokes too: the signed-out sign-in's tokens are refused, even sent as a header."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient
from signin_helpers import cookie_value, make_signin_app, sign_in

from flask_revstack_cognito import CognitoUser, token_revoked
from flask_revstack_cognito.revocation import MemoryRevocationStore
from flask_revstack_cognito.revocation.store import RevocationStoreError
from flask_revstack_cognito.testing import LocalUserPool


class BrokenStore:
    """A store that answers questions but cannot record a denial."""

    def revoke(self, keys: tuple[str, ...], until: float) -> None:
        raise RevocationStoreError("the store is read-only")

    def is_revoked(self, keys: tuple[str, ...]) -> bool:
        return False


def signed_in_tokens(client: FlaskClient) -> tuple[str, str]:
    sign_in(client)
    id_token, access_token = cookie_value(client, "id_token"), cookie_value(client, "access_token")
    assert id_token is not None
    assert access_token is not None
    return id_token, access_token


def test_sign_out_denies_the_sign_ins_tokens(signin_pool: LocalUserPool) -> None:
    app = make_signin_app(signin_pool, COGNITO_REVOCATION_STORE="memory")
    client = app.test_client()
    id_token, access_token = signed_in_tokens(client)
    bearer = {"Authorization": f"Bearer {id_token}"}
    assert app.test_client().get("/api/me", headers=bearer).status_code == 200
    revoked: list[CognitoUser] = []
    with token_revoked.connected_to(lambda sender, user: revoked.append(user), sender=app):
        assert client.post("/auth/logout").status_code == 303
    assert [user.username for user in revoked] == ["admin"]
    # Copies of the tokens taken before the sign-out (another tab, a stolen cookie) are refused.
    other = app.test_client()
    refused = other.get("/api/me", headers=bearer)
    assert refused.status_code == 401
    assert refused.get_json()["code"] == "TOKEN_REVOKED"
    refused = other.get("/orders", headers={"Authorization": f"Bearer {access_token}"})
    assert refused.get_json()["code"] == "TOKEN_REVOKED"


def test_sign_out_without_a_store_revokes_nothing_here(signin_pool: LocalUserPool) -> None:
    app = make_signin_app(signin_pool)
    client = app.test_client()
    id_token, _ = signed_in_tokens(client)
    assert client.post("/auth/logout").status_code == 303
    bearer = {"Authorization": f"Bearer {id_token}"}
    assert app.test_client().get("/api/me", headers=bearer).status_code == 200


def test_sign_out_goes_on_when_the_store_cannot_record(
    signin_pool: LocalUserPool, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_signin_app(signin_pool, COGNITO_REVOCATION_STORE=BrokenStore())
    client = app.test_client()
    id_token, _ = signed_in_tokens(client)
    with caplog.at_level(logging.ERROR, logger="flask_revstack_cognito"):
        response = client.post("/auth/logout")
    assert response.status_code == 303
    assert cookie_value(client, "id_token") is None
    assert [record.getMessage() for record in caplog.records] == [
        "sign-out could not revoke the session's tokens: the store is read-only"
    ]
    assert id_token not in caplog.text


def test_a_memory_store_is_shared_by_sign_out_and_requests(signin_pool: LocalUserPool) -> None:
    store = MemoryRevocationStore()
    app = make_signin_app(signin_pool, COGNITO_REVOCATION_STORE=store)
    client = app.test_client()
    signed_in_tokens(client)
    assert client.get("/private").status_code == 200
    client.post("/auth/logout")
    assert len(store) == 1
