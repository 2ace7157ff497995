"""Where tokens are found (SPEC section 2): headers, cookies, their order, the cookie CSRF rule."""

from __future__ import annotations

import pytest
from decorator_helpers import (
    NO_TOKEN_CHALLENGE,
    UNSAFE_METHODS,
    assert_failed_once,
    assert_not_echoed,
    assert_refused,
    bearer,
    invalid_token,
    make_app,
    recording,
)
from flask import Flask

from flask_revstack_cognito import MissingTokenError, TokenExpiredError, locate
from flask_revstack_cognito.locate import token_from_authorization, token_from_header
from flask_revstack_cognito.testing import LocalUserPool

CROSS_SITE = "https://evil.example"


# -- where tokens are found -------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_header_scheme_is_case_insensitive(
    app: Flask, user_pool: LocalUserPool, scheme: str
) -> None:
    token = user_pool.id_token(sub="cased")
    response = app.test_client().get("/me", headers={"Authorization": f"{scheme} {token}"})
    assert response.status_code == 200
    assert response.get_json()["user"] == "cased"


def test_blanks_around_the_header_value_are_ignored(app: Flask, user_pool: LocalUserPool) -> None:
    token = user_pool.id_token(sub="spaced")
    response = app.test_client().get("/me", headers={"Authorization": f"  Bearer   {token}  "})
    assert response.get_json()["user"] == "spaced"


def test_bare_token_header_type(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool, COGNITO_HEADER_TYPE="")
    client = app.test_client()
    token = user_pool.id_token(sub="bare")
    assert client.get("/me", headers={"Authorization": token}).get_json()["user"] == "bare"
    # With no scheme configured, "Bearer <jwt>" is not a JWT.
    prefixed = client.get("/me", headers=bearer(token))
    assert prefixed.status_code == 401
    assert prefixed.get_json()["code"] == "INVALID_FORMAT"
    assert_not_echoed(prefixed, token)
    missing = client.get("/me", headers={"Authorization": "   "})
    assert missing.get_json()["code"] == "MISSING_TOKEN"


def test_custom_header_type(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool, COGNITO_HEADER_TYPE="JWT")
    client = app.test_client()
    token = user_pool.id_token(sub="jwt-scheme")
    ok = client.get("/me", headers={"Authorization": f"jwt {token}"})
    assert ok.get_json()["user"] == "jwt-scheme"
    assert client.get("/me", headers=bearer(token)).get_json()["code"] == "MISSING_TOKEN"


def test_custom_header_name(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool, COGNITO_HEADER_NAME="X-Cognito-Token")
    client = app.test_client()
    token = user_pool.id_token(sub="custom-header")
    ok = client.get("/me", headers={"X-Cognito-Token": f"Bearer {token}"})
    assert ok.get_json()["user"] == "custom-header"
    # The Authorization header is not looked at any more.
    assert client.get("/me", headers=bearer(token)).get_json()["code"] == "MISSING_TOKEN"


def test_cookie_location(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool, COGNITO_TOKEN_LOCATION="cookies", COGNITO_COOKIE_NAME="cognito_id")
    client = app.test_client()
    token = user_pool.id_token(sub="cookie-user")
    assert client.get("/me").get_json()["code"] == "MISSING_TOKEN"
    client.set_cookie("id_token", token)  # the default name is not the configured one
    assert client.get("/me").get_json()["code"] == "MISSING_TOKEN"
    client.set_cookie("cognito_id", token)
    response = client.get("/me")
    assert response.get_json()["user"] == "cookie-user"
    assert_not_echoed(response, token)
    # Headers are no location any more.
    headers_only = app.test_client().get("/me", headers=bearer(token))
    assert headers_only.get_json()["code"] == "MISSING_TOKEN"
    # An empty cookie is no token.
    client.set_cookie("cognito_id", "")
    assert client.get("/me").get_json()["code"] == "MISSING_TOKEN"


def test_bad_cookie_token_is_refused(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool, COGNITO_TOKEN_LOCATION="cookies")
    client = app.test_client()
    client.set_cookie("id_token", user_pool.id_token(expires_in=-60))
    response = client.get("/me")
    assert_refused(response, TokenExpiredError, "token expired", invalid_token("token expired"))


def test_headers_then_cookies(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool, COGNITO_TOKEN_LOCATION=["headers", "cookies"])
    client = app.test_client()
    client.set_cookie("id_token", user_pool.id_token(sub="from-cookie"))
    header = user_pool.id_token(sub="from-header")
    assert client.get("/me", headers=bearer(header)).get_json()["user"] == "from-header"
    assert client.get("/me").get_json()["user"] == "from-cookie"
    # A header of another scheme is no token: the cookie is used.
    basic = client.get("/me", headers={"Authorization": "Basic eDp5"})
    assert basic.get_json()["user"] == "from-cookie"
    # The first location holding a token decides, even when its token is bad.
    expired = client.get("/me", headers=bearer(user_pool.id_token(expires_in=-60)))
    assert expired.get_json()["code"] == "TOKEN_EXPIRED"


def test_cookies_then_headers(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool, COGNITO_TOKEN_LOCATION="cookies,headers")
    client = app.test_client()
    header = user_pool.id_token(sub="from-header")
    assert client.get("/me", headers=bearer(header)).get_json()["user"] == "from-header"
    client.set_cookie("id_token", user_pool.id_token(sub="from-cookie"))
    assert client.get("/me", headers=bearer(header)).get_json()["user"] == "from-cookie"
    # A cross-site POST ignores the cookie but still reads the header.
    cross = client.post("/cookie", headers={**bearer(header), "Sec-Fetch-Site": "cross-site"})
    assert cross.get_json()["user"] == "from-header"


@pytest.mark.parametrize(
    ("method", "headers", "accepted"),
    [
        *((method, {"Sec-Fetch-Site": "cross-site"}, False) for method in UNSAFE_METHODS),
        *((method, {"Origin": CROSS_SITE}, False) for method in UNSAFE_METHODS),
        ("POST", {"Origin": "null"}, False),
        # Any method that is not GET, HEAD or OPTIONS may change state.
        ("PROPFIND", {"Sec-Fetch-Site": "cross-site"}, False),
        ("REPORT", {"Origin": CROSS_SITE}, False),
        ("REPORT", {"Origin": "http://localhost"}, True),
        # An Origin that is no URL cannot be this site (and must not crash the request).
        ("POST", {"Origin": "http://[::1"}, False),
        ("POST", {"Origin": "https://a]b"}, False),
        ("POST", {"Origin": "http://localhost.evil.example"}, False),
        ("POST", {"Origin": "http://localhost:8080"}, False),
        ("POST", {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"}, False),
        ("GET", {"Sec-Fetch-Site": "cross-site"}, True),
        ("GET", {"Origin": CROSS_SITE}, True),
        ("HEAD", {"Sec-Fetch-Site": "cross-site"}, True),
        ("POST", {"Origin": "http://localhost"}, True),
        ("DELETE", {"Origin": "http://localhost"}, True),
        ("POST", {"Sec-Fetch-Site": "same-origin"}, True),
        ("POST", {"Sec-Fetch-Site": "same-site"}, True),
        ("PUT", {"Sec-Fetch-Site": "same-site"}, True),
        ("POST", {"Sec-Fetch-Site": "none"}, True),
        # Sec-Fetch-Site, when present, decides; Origin is looked at only without it.
        ("POST", {"Sec-Fetch-Site": "same-origin", "Origin": CROSS_SITE}, True),
        ("POST", {}, True),
        ("PATCH", {}, True),
    ],
)
def test_cookie_csrf_rule(
    user_pool: LocalUserPool, method: str, headers: dict[str, str], accepted: bool
) -> None:
    app = make_app(user_pool, COGNITO_TOKEN_LOCATION="cookies")
    client = app.test_client()
    client.set_cookie("id_token", user_pool.id_token(sub="cookie-user"))
    with recording(app) as signals:
        response = client.open("/cookie", method=method, headers=headers)
    if accepted:
        assert response.status_code == 200
        if method != "HEAD":
            assert response.get_json()["user"] == "cookie-user"
        assert len(signals.verified) == 1
    else:
        assert_refused(response, MissingTokenError, "missing bearer token", NO_TOKEN_CHALLENGE)
        assert_failed_once(signals, app, MissingTokenError)


def test_header_token_is_not_subject_to_the_csrf_rule(
    app: Flask, user_pool: LocalUserPool
) -> None:
    token = user_pool.id_token(sub="api-client")
    headers = {**bearer(token), "Sec-Fetch-Site": "cross-site", "Origin": CROSS_SITE}
    response = app.test_client().post("/cookie", headers=headers)
    assert response.get_json()["user"] == "api-client"


@pytest.mark.parametrize(
    ("value", "header_type", "expected"),
    [
        (None, "Bearer", None),
        ("Bearer abc", "Bearer", "abc"),
        ("bearer abc", "Bearer", "abc"),
        ("  BEARER   abc  ", "Bearer", "abc"),
        ("Bearer", "Bearer", None),
        ("Bearer   ", "Bearer", None),
        ("Basic abc", "Bearer", None),
        ("Bearerabc", "Bearer", None),
        ("abc", "Bearer", None),
        ("", "Bearer", None),
        ("JWT abc", "JWT", "abc"),
        ("abc", "", "abc"),
        ("  abc  ", "", "abc"),
        ("Bearer abc", "", "Bearer abc"),
        ("", "", None),
        ("   ", "", None),
        (None, "", None),
    ],
)
def test_token_from_header(value: str | None, header_type: str, expected: str | None) -> None:
    assert token_from_header(value, header_type) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("Bearer abc", "abc"),
        ("bearer abc", "abc"),
        ("BEARER abc", "abc"),
        ("abc.def.ghi", "abc.def.ghi"),
        ("  abc.def.ghi  ", "abc.def.ghi"),
        ("", None),
        ("   ", None),
        ("Bearer", None),
        ("bearer", None),
        ("Bearer   ", None),
        ("Basic abc", None),
        ("a b", None),
    ],
)
def test_token_from_authorization(value: str | None, expected: str | None) -> None:
    assert token_from_authorization(value) == expected


@pytest.mark.parametrize(
    ("header_name", "environ_key"),
    [
        ("Authorization", "HTTP_AUTHORIZATION"),
        ("X-Amzn-Oidc-Accesstoken", "HTTP_X_AMZN_OIDC_ACCESSTOKEN"),
        ("Content-Type", "CONTENT_TYPE"),  # PEP 3333: the two headers without HTTP_
        ("Content-Length", "CONTENT_LENGTH"),
    ],
)
def test_a_header_is_read_from_its_wsgi_environ_key(header_name: str, environ_key: str) -> None:
    assert locate._environ_key(header_name) == environ_key
