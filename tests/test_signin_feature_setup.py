"""The sign-in feature's setup and answers: its warning about a Strict session cookie, the
OAuth client it is given, the sign-in redirect's ``next`` and the caching of cookie answers."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from signin_helpers import BROWSER, make_signin_app, set_cookie_headers

from flask_revstack_cognito import CognitoAuth, login_required
from flask_revstack_cognito.appstate import get_extension
from flask_revstack_cognito.signin import SignInFeature
from flask_revstack_cognito.signin.blueprint import make_blueprint
from flask_revstack_cognito.signin.client import CognitoOAuthClient
from flask_revstack_cognito.signin.cookies import RefreshCookieCodec
from flask_revstack_cognito.testing import LocalUserPool

STRICT_WARNING = (
    "SESSION_COOKIE_SAMESITE is 'Strict': browsers coming back from Cognito's sign-in page do "
    "not send the session cookie, so every sign-in fails; use 'Lax'"
)


def app_with(**config: Any) -> Flask:
    app = Flask("setup_app")
    app.config.update(
        SECRET_KEY="s3cret-key-for-tests",
        COGNITO_USER_POOL_ID="us-east-1_Setup1",
        COGNITO_CLIENT_ID="setupclient",
        COGNITO_DOMAIN="https://auth.example.com",
    )
    app.config.update(config)
    return app


@pytest.mark.parametrize("samesite", ["Strict", "strict", "STRICT"])
def test_a_strict_session_cookie_is_warned_about_in_full(
    caplog: pytest.LogCaptureFixture, samesite: str
) -> None:
    with caplog.at_level(logging.DEBUG, logger="flask_revstack_cognito"):
        CognitoAuth(app_with(SESSION_COOKIE_SAMESITE=samesite))
    warnings = [
        (record.levelno, record.getMessage())
        for record in caplog.records
        if record.module == "feature"
    ]
    assert warnings == [(logging.WARNING, STRICT_WARNING)]


@pytest.mark.parametrize("config", [{}, {"SESSION_COOKIE_SAMESITE": "Lax"}])
def test_another_session_cookie_is_not_warned_about(
    caplog: pytest.LogCaptureFixture, config: dict[str, Any]
) -> None:
    with caplog.at_level(logging.DEBUG, logger="flask_revstack_cognito"):
        CognitoAuth(app_with(**config))
    assert [record for record in caplog.records if record.module == "feature"] == []


def test_the_feature_uses_the_oauth_client_it_is_given() -> None:
    app = app_with()
    CognitoAuth(app)
    built = get_extension(app)[1].feature(SignInFeature)
    assert built is not None
    assert isinstance(built.client, CognitoOAuthClient)
    assert repr(built) == "<SignInFeature https://auth.example.com>"
    client = CognitoOAuthClient(built.settings)
    feature = SignInFeature(
        built.settings, get_extension(app)[1].settings, built.codec, make_blueprint, client
    )
    assert feature.client is client
    assert isinstance(built.codec, RefreshCookieCodec)


@pytest.fixture
def files_client(signin_pool: LocalUserPool) -> FlaskClient:
    app = make_signin_app(signin_pool)

    @app.get("/files/<path:name>")
    @login_required
    def files(name: str) -> str:
        return name

    return app.test_client()


def test_the_next_path_keeps_the_characters_a_path_may_hold(files_client: FlaskClient) -> None:
    page = files_client.get("/files/a:b@c!$&'()*+,;=-._~", headers=BROWSER)
    assert page.status_code == 302
    # next is "/files/a:b@c!$&'()*+,;=-._~", then encoded as a query value by url_for.
    assert page.headers["Location"] == "/auth/login?next=/files/a:b@c!$%26'()*%2B,;%3D-._~"


def test_the_next_path_quotes_what_a_path_may_not_hold(files_client: FlaskClient) -> None:
    page = files_client.get("/files/a%20b%22c", headers=BROWSER)
    assert page.headers["Location"] == "/auth/login?next=/files/a%2520b%2522c"


def test_the_next_path_quotes_a_literal_percent_sign(files_client: FlaskClient) -> None:
    page = files_client.get("/files/c%2541", headers=BROWSER)  # the view's name is "c%41"
    location = page.headers["Location"]
    assert location == "/auth/login?next=/files/c%252541"
    # After sign-in the browser asks for next as written: it must decode to the same path.
    (next_path,) = parse_qs(urlsplit(location).query)["next"]
    assert unquote(next_path) == "/files/c%41"


def test_the_next_path_keeps_the_query_as_sent(files_client: FlaskClient) -> None:
    page = files_client.get("/files/x?q=%C3%A9&r=1", headers=BROWSER)
    assert page.headers["Location"] == "/auth/login?next=/files/x?q%3D%25C3%25A9%26r%3D1"


def test_the_next_path_of_an_app_under_a_prefix_holds_the_prefix(
    files_client: FlaskClient,
) -> None:
    page = files_client.get(
        "/files/a:b", headers=BROWSER, environ_overrides={"SCRIPT_NAME": "/app"}
    )
    assert page.status_code == 302
    assert page.headers["Location"] == "/app/auth/login?next=/app/files/a:b"


def test_a_response_clearing_the_cookies_is_not_cached(client: FlaskClient) -> None:
    client.set_cookie("refresh_token", "v1.changed")
    answer = client.get("/api/me")
    assert answer.status_code == 401
    assert sorted(set_cookie_headers(answer)) == ["access_token", "id_token", "refresh_token"]
    assert answer.headers["Cache-Control"] == "private, no-store"


def test_a_response_that_sets_no_cookie_is_left_alone(client: FlaskClient) -> None:
    answer = client.get("/api/me")
    assert answer.status_code == 401
    assert "Set-Cookie" not in answer.headers
    assert "Cache-Control" not in answer.headers
