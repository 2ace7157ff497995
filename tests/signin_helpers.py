"""Fixtures and helpers for the browser sign-in tests (SPEC section 11).

The app runs in Flask's test client; Cognito is the test kit's managed-login stand-in, served
over loopback HTTP by a pool on the real clock (the app verifies tokens with the real clock).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient
from markupsafe import escape
from werkzeug.test import TestResponse

from flask_revstack_cognito import (
    CognitoAuth,
    CognitoConfigError,
    current_cognito_user,
    login_required,
    verify_request,
)
from flask_revstack_cognito.appstate import get_extension
from flask_revstack_cognito.signin import SignInFeature
from flask_revstack_cognito.signin.cookies import RefreshCookieCodec
from flask_revstack_cognito.signin.settings import SignInSettings
from flask_revstack_cognito.testing import JWKSServer, LocalUserPool, browser_sign_in

APP_ROOT = "http://localhost/"
CALLBACK_URL = "http://localhost/auth/callback"
PASSWORD = "Passw0rd!"
SECRET = "a-test-secret-key-of-some-length-0123456789"
#: What a browser sends when it navigates to a page.
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
def signin_pool() -> Iterator[LocalUserPool]:
    """A pool on the real clock with an admin and a member, serving the managed login."""
    pool = LocalUserPool()
    pool.add_user("admin", PASSWORD, groups=["admins"], custom={"tenant": "acme"})
    pool.add_user("member", PASSWORD)
    pool.register_client(callback_urls=[CALLBACK_URL], logout_urls=[APP_ROOT])
    with pool.serve():
        yield pool


def make_signin_app(pool: LocalUserPool, *, secret: str = SECRET, **config: Any) -> Flask:
    """An app with sign-in against ``pool`` and pages: ``/private``, ``/admin``, ``/orders``
    (access token), ``/both`` (ID and access token), ``/profile`` (a template), ``/maybe``
    (both tokens, optional), ``/api/me``, ``POST /api/orders`` and ``/``
    (a template using the helpers)."""
    app = Flask("signin_app")
    app.config.update(SECRET_KEY=secret, TESTING=True)
    app.config.update(pool.config(**config))

    @app.get("/")
    def home() -> str:
        return render_template_string(
            "{% if current_cognito_user %}Signed in as {{ current_cognito_user.username }}"
            "{% else %}<a href='{{ cognito_login_url() }}'>Sign in</a>{% endif %}"
            "|{{ cognito_login_url(next='/private') }}"
        )

    @app.get("/private")
    @login_required
    def private() -> str:
        user = current_cognito_user
        assert user is not None
        return f"hello {user.username}"

    @app.get("/profile")
    @login_required
    def profile() -> str:
        return render_template_string("{{ current_cognito_user.email }}")

    @app.get("/admin")
    @login_required(groups=["admins"])
    def admin() -> str:
        return "admins only"

    @app.get("/orders")
    @login_required(token_use="access")
    def orders() -> dict[str, Any]:
        user = current_cognito_user
        assert user is not None
        return {"token_use": user.token_use}

    @app.get("/both")
    @login_required
    @login_required(token_use="access")
    def both() -> str:
        return "id and access"

    @app.get("/maybe")
    def maybe() -> dict[str, Any]:
        by_id = verify_request(optional=True)
        by_access = verify_request(optional=True, token_use="access")
        return {"id": bool(by_id), "access": bool(by_access)}

    @app.get("/api/me")
    @login_required
    def me() -> dict[str, Any]:
        user = current_cognito_user
        assert user is not None
        return {"username": user.username}

    @app.post("/api/orders")
    @login_required
    def place_order() -> dict[str, Any]:
        return {"placed": True}

    CognitoAuth(app)
    return app


@pytest.fixture
def signin_app(signin_pool: LocalUserPool) -> Flask:
    return make_signin_app(signin_pool)


@pytest.fixture
def client(signin_app: Flask) -> FlaskClient:
    return signin_app.test_client()


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def start_sign_in(client: FlaskClient, next: str | None = "/private") -> str:
    """GET the login route; return the authorize URL it redirected to."""
    path = "/auth/login" if next is None else f"/auth/login?next={next}"
    response = client.get(path)
    assert response.status_code == 302
    return response.headers["Location"]


def callback_path(url: str) -> str:
    """The app-relative callback of a URL the stand-in sent the browser back to."""
    assert url.startswith(CALLBACK_URL), url
    return url.removeprefix("http://localhost")


def sign_in(
    client: FlaskClient, username: str = "admin", next: str | None = "/private"
) -> TestResponse:
    """Go through login, the stand-in's form and the callback; return the callback's answer."""
    back = browser_sign_in(start_sign_in(client, next), username, PASSWORD)
    return client.get(callback_path(back))


def cookie_value(client: FlaskClient, name: str) -> str | None:
    cookie = client.get_cookie(name)
    return cookie.value if cookie is not None else None


def set_cookie_headers(response: TestResponse) -> dict[str, str]:
    """The response's ``Set-Cookie`` headers by cookie name."""
    headers = {}
    for header in response.headers.getlist("Set-Cookie"):
        headers[header.split("=", 1)[0]] = header
    return headers


class TokenCalls:
    """Counts the requests the stand-in got at each path since :meth:`reset`."""

    def __init__(self, server: JWKSServer) -> None:
        self.server = server
        self._before = dict(server.path_counts)

    def reset(self) -> None:
        self._before = dict(self.server.path_counts)

    def count(self, path: str = "/oauth2/token") -> int:
        return self.server.path_counts[path] - self._before.get(path, 0)


@pytest.fixture
def calls(signin_pool: LocalUserPool) -> TokenCalls:
    """The stand-in's requests, counted by path."""
    return TokenCalls(signin_pool.serve())


def codec_of(app: Flask) -> RefreshCookieCodec:
    feature = get_extension(app)[1].feature(SignInFeature)
    assert feature is not None
    return feature.codec


def refresh_token_of(client: FlaskClient) -> str:
    """The refresh token in the client's refresh cookie, opened with the app's codec."""
    token = codec_of(client.application).open(cookie_value(client, "refresh_token"))
    assert token is not None
    return token


def error_page(title: str, message: str, *, root: str = "") -> str:
    """The whole HTML of a sign-in route's failure page, for an app served under ``root``."""
    return (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title></head>\n<body><h1>{escape(title)}</h1>\n"
        f"<p>{escape(message)}</p>\n"
        f'<p><a href="{root}/auth/login">Sign in</a> &middot; <a href="{root}/">Home</a></p>'
        "\n</body></html>\n"
    )


def assert_page(response: TestResponse, status: int, body: str) -> None:
    """``response`` is exactly this HTML page: status, type, body, not cached, no token cookie."""
    assert response.status_code == status
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Location" not in response.headers
    assert set(set_cookie_headers(response)) <= {"session"}
    assert response.text == body


def sign_in_settings(domain: str, **changes: Any) -> SignInSettings:
    """Sign-in settings as a typical config gives them, for ``domain``; ``changes`` replace
    fields (for the code that takes settings directly: the OAuth client, the cookies)."""
    settings = SignInSettings(
        domain=domain,
        client_id="client1",
        client_secret=None,
        scope="openid email",
        url_prefix="/auth",
        redirect_uri=None,
        logout_redirect_uri=None,
        id_cookie="id_token",
        access_cookie="access_token",
        refresh_cookie="refresh_token",
        cookie_secure=True,
        cookie_samesite="Lax",
        login_redirect=True,
        timeout=2.0,
        loopback=True,
    )
    return dataclasses.replace(settings, **changes)


#: The pool, app client and domain of the config tests: settings only, no server behind them.
CONFIG_POOL = "us-east-1_SignIn01"
CONFIG_CLIENT = "signinclient123456789"
CONFIG_DOMAIN = "https://myapp.auth.us-east-1.amazoncognito.com"


def config_of(**config: Any) -> dict[str, Any]:
    """A config that enables sign-in, with ``config`` added or replacing its keys."""
    return {
        "SECRET_KEY": "s3cret-key-for-tests",
        "COGNITO_USER_POOL_ID": CONFIG_POOL,
        "COGNITO_CLIENT_ID": CONFIG_CLIENT,
        "COGNITO_DOMAIN": CONFIG_DOMAIN,
        **config,
    }


def config_app(**config: Any) -> Flask:
    """An app with :func:`config_of` ``(**config)``, not yet initialised."""
    app = Flask("signin_config_app")
    app.config.update(config_of(**config))
    return app


def signin_settings(**config: Any) -> SignInSettings:
    """The sign-in settings that ``CognitoAuth`` reads from :func:`config_app`."""
    app = config_app(**config)
    CognitoAuth(app)
    feature = get_extension(app)[1].feature(SignInFeature)
    assert feature is not None
    return feature.settings


def refused(**config: Any) -> CognitoConfigError:
    """The error ``CognitoAuth`` raises for :func:`config_app` ``(**config)``."""
    with pytest.raises(CognitoConfigError) as caught:
        CognitoAuth(config_app(**config))
    return caught.value
