"""Sign-out: POST only, same-site only; revoke, clear, signal, and on to Cognito's /logout."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from signin_helpers import (
    BROWSER,
    TokenCalls,
    cookie_value,
    query_of,
    refresh_token_of,
    set_cookie_headers,
    sign_in,
    start_sign_in,
)

from flask_revstack_cognito import CognitoUser, user_signed_out
from flask_revstack_cognito.signin.blueprint import SESSION_KEY
from flask_revstack_cognito.testing import LocalUserPool

SIGNED_IN = ("id_token", "access_token", "refresh_token")


def test_sign_out_revokes_clears_and_goes_to_cognitos_logout(
    client: FlaskClient, signin_app: Flask, signin_pool: LocalUserPool, calls: TokenCalls
) -> None:
    sign_in(client)
    refresh_token = refresh_token_of(client)
    start_sign_in(client)  # a sign-in in progress, kept in the session
    signed_out: list[CognitoUser | None] = []
    with user_signed_out.connected_to(
        lambda sender, user: signed_out.append(user), sender=signin_app
    ):
        response = client.post("/auth/logout", headers={"Origin": "http://localhost"})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(f"{signin_pool.domain}/logout?")
    assert query_of(location) == {
        "client_id": signin_pool.client_id,
        "logout_uri": "http://localhost/",
    }
    assert calls.count("/oauth2/revoke") == 1
    assert signin_pool.managed_login.is_revoked(refresh_token)
    headers = set_cookie_headers(response)
    for name in SIGNED_IN:
        assert "Max-Age=0" in headers[name]
        assert cookie_value(client, name) is None
    with client.session_transaction() as session:
        assert SESSION_KEY not in session
    assert [getattr(user, "username", None) for user in signed_out] == ["admin"]
    assert client.get("/private", headers=BROWSER).status_code == 302


def test_the_stand_in_signs_the_browser_out_too(
    client: FlaskClient, signin_pool: LocalUserPool
) -> None:
    import requests

    sign_in(client)
    location = client.post("/auth/logout").headers["Location"]
    answer = requests.get(location, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    assert answer.headers["Location"] == "http://localhost/"


def test_a_get_is_refused_with_405(client: FlaskClient) -> None:
    sign_in(client)
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert "Set-Cookie" not in response.headers
    assert cookie_value(client, "id_token") is not None


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
    ],
)
def test_a_cross_site_post_is_refused(
    client: FlaskClient, calls: TokenCalls, headers: dict[str, str]
) -> None:
    sign_in(client)
    calls.reset()
    response = client.post("/auth/logout", headers=headers)
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert "Location" not in response.headers
    assert "Set-Cookie" not in response.headers
    assert calls.count("/oauth2/revoke") == 0
    for name in SIGNED_IN:
        assert cookie_value(client, name) is not None


def test_a_failed_revocation_still_signs_out(
    client: FlaskClient, signin_pool: LocalUserPool, caplog: pytest.LogCaptureFixture
) -> None:
    sign_in(client)
    refresh_token = refresh_token_of(client)
    signin_pool.serve().fail_with(500, b"oops", path="/oauth2/revoke")
    with caplog.at_level("WARNING", logger="flask_revstack_cognito"):
        response = client.post("/auth/logout")
    assert response.status_code == 303
    assert cookie_value(client, "refresh_token") is None
    assert "refresh token revocation at Cognito failed: Cognito answered HTTP 500" in caplog.text
    assert refresh_token not in caplog.text


def test_signing_out_with_expired_tokens_sends_no_user(
    client: FlaskClient, signin_app: Flask, signin_pool: LocalUserPool
) -> None:
    sign_in(client)
    client.set_cookie("id_token", signin_pool.id_token(expires_in=-10))
    client.set_cookie("access_token", signin_pool.access_token(expires_in=-10))
    signed_out: list[CognitoUser | None] = []
    with user_signed_out.connected_to(
        lambda sender, user: signed_out.append(user), sender=signin_app
    ):
        assert client.post("/auth/logout").status_code == 303
    assert signed_out == [None]


def test_the_access_cookie_names_the_user_when_the_id_cookie_is_gone(
    client: FlaskClient, signin_app: Flask
) -> None:
    sign_in(client)
    client.delete_cookie("id_token")
    signed_out: list[CognitoUser | None] = []
    with user_signed_out.connected_to(
        lambda sender, user: signed_out.append(user), sender=signin_app
    ):
        client.post("/auth/logout")
    assert [getattr(user, "token_use", None) for user in signed_out] == ["access"]


def test_signing_out_without_a_sign_in_goes_to_cognito_all_the_same(
    client: FlaskClient, calls: TokenCalls
) -> None:
    response = client.post("/auth/logout")
    assert response.status_code == 303
    assert calls.count("/oauth2/revoke") == 0


def test_the_configured_logout_uri_is_sent(signin_pool: LocalUserPool) -> None:
    from signin_helpers import make_signin_app

    app = make_signin_app(signin_pool, COGNITO_LOGOUT_REDIRECT_URI="https://app.example.com/bye")
    location = app.test_client().post("/auth/logout").headers["Location"]
    assert query_of(location)["logout_uri"] == "https://app.example.com/bye"
