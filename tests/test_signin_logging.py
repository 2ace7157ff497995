"""No token, code or PKCE verifier is written to any log: sign-in, refresh, sign-out."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient
from signin_helpers import (
    BROWSER,
    PASSWORD,
    callback_path,
    cookie_value,
    query_of,
    refresh_token_of,
    start_sign_in,
)

from flask_revstack_cognito.signin.blueprint import SESSION_KEY
from flask_revstack_cognito.testing import LocalUserPool, browser_sign_in


def test_the_logs_hold_no_secret(
    client: FlaskClient, signin_pool: LocalUserPool, caplog: pytest.LogCaptureFixture
) -> None:
    secrets: list[str] = []
    with caplog.at_level(logging.DEBUG):
        back = callback_path(browser_sign_in(start_sign_in(client), "admin", PASSWORD))
        with client.session_transaction() as session:
            (entry,) = session[SESSION_KEY].values()
        # state and nonce travel in the browser's URL anyway; the code and verifier must not.
        secrets += [query_of(back)["code"], entry[1]]
        client.get(back)
        secrets += [cookie_value(client, "id_token") or "", refresh_token_of(client)]
        client.get(back)  # a reused state: refused, and logged
        client.set_cookie("id_token", signin_pool.id_token(expires_in=-10))
        client.delete_cookie("access_token")
        assert client.get("/private", headers=BROWSER).status_code == 200
        secrets += [
            cookie_value(client, "id_token") or "",
            cookie_value(client, "access_token") or "",
        ]
        signin_pool.serve().fail_with(500, b"", path="/oauth2/revoke")
        client.post("/auth/logout")
        client.get("/auth/callback?error=access_denied&error_description=x")
    text = caplog.text
    assert "revocation at Cognito failed" in text  # something was logged
    for secret in secrets:
        assert secret
        assert secret not in text
