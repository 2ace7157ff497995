"""Sign-out revokes even when the revocation store misbehaves, and always signs the user out."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient
from signin_helpers import cookie_value, make_signin_app, set_cookie_headers, sign_in

from flask_revstack_cognito.testing import LocalUserPool


class CustomStore:
    """A custom store: records denials, and fails as its author's code fails when told to."""

    def __init__(self) -> None:
        self.denied: set[str] = set()
        self.reads_fail = False
        self.writes_fail = False

    def revoke(self, keys: tuple[str, ...], until: float) -> None:
        if self.writes_fail:
            raise ConnectionError("custom store write failed")
        self.denied.update(keys)

    def is_revoked(self, keys: tuple[str, ...]) -> bool:
        if self.reads_fail:
            raise ConnectionError("custom store read failed")
        return any(key in self.denied for key in keys)


def signed_in(pool: LocalUserPool, store: CustomStore) -> tuple[FlaskClient, str]:
    app = make_signin_app(pool, COGNITO_REVOCATION_STORE=store)
    app.config["TESTING"] = False  # an exception must become the 500 a user would see
    client = app.test_client()
    sign_in(client)
    id_token = cookie_value(client, "id_token")
    assert id_token is not None
    return client, id_token


def test_sign_out_denies_the_sign_in_while_the_store_cannot_be_read(
    signin_pool: LocalUserPool,
) -> None:
    store = CustomStore()
    client, id_token = signed_in(signin_pool, store)
    store.reads_fail = True
    assert client.post("/auth/logout").status_code == 303
    assert len(store.denied) == 1
    store.reads_fail = False
    thief = client.application.test_client()
    refused = thief.get("/api/me", headers={"Authorization": f"Bearer {id_token}"})
    assert refused.get_json()["code"] == "TOKEN_REVOKED"


def test_sign_out_goes_on_when_a_custom_store_raises(
    signin_pool: LocalUserPool, caplog: pytest.LogCaptureFixture
) -> None:
    store = CustomStore()
    client, id_token = signed_in(signin_pool, store)
    store.writes_fail = True
    with caplog.at_level(logging.ERROR, logger="flask_revstack_cognito"):
        response = client.post("/auth/logout")
    assert response.status_code == 303
    cleared = set_cookie_headers(response)
    assert {"id_token", "access_token", "refresh_token"} <= set(cleared)
    assert cookie_value(client, "id_token") is None
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert record.getMessage() == (
        "sign-out could not revoke the session's tokens: the store failed"
    )
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], ConnectionError)
    assert id_token not in caplog.text
