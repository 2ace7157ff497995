"""The transparent refresh: an expired cookie token and a refresh cookie, one token-endpoint call.

The request is served with the new tokens and its response sets their cookies; a refused
refresh clears the cookies and the request goes on as one without a token.
"""

from __future__ import annotations

import re
import time

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from signin_helpers import (
    BROWSER,
    TokenCalls,
    cookie_value,
    make_signin_app,
    refresh_token_of,
    set_cookie_headers,
    sign_in,
)
from werkzeug.test import TestResponse

from flask_revstack_cognito import CognitoUser, tokens_refreshed
from flask_revstack_cognito.testing import LocalUserPool
from flask_revstack_cognito.tokens import parse_token


@pytest.fixture
def expired(client: FlaskClient, signin_pool: LocalUserPool, calls: TokenCalls) -> FlaskClient:
    """A signed-in browser whose ID and access cookies have expired; ``calls`` counts from 0."""
    sign_in(client)
    client.set_cookie("id_token", signin_pool.id_token(expires_in=-10))
    client.set_cookie("access_token", signin_pool.access_token(expires_in=-10))
    calls.reset()
    return client


def assert_cleared(response: TestResponse, client: FlaskClient) -> None:
    headers = set_cookie_headers(response)
    for name in ("id_token", "access_token", "refresh_token"):
        assert "Max-Age=0" in headers[name]
        assert cookie_value(client, name) is None


def test_an_expired_id_cookie_is_refreshed_transparently(
    expired: FlaskClient, signin_app: Flask, calls: TokenCalls
) -> None:
    old_id = cookie_value(expired, "id_token")
    refreshed: list[CognitoUser] = []
    with tokens_refreshed.connected_to(
        lambda sender, user: refreshed.append(user), sender=signin_app
    ):
        before = time.time()
        page = expired.get("/private", headers=BROWSER)
        after = time.time()
    assert page.status_code == 200
    assert page.text == "hello admin"
    assert calls.count("/oauth2/token") == 1
    headers = set_cookie_headers(page)
    assert sorted(headers) == ["access_token", "id_token"]  # no rotation: the refresh cookie stays
    assert "HttpOnly" in headers["id_token"]
    new_id = cookie_value(expired, "id_token")
    assert new_id is not None
    assert new_id != old_id
    # The cookie lives until the new token expires: its lifetime as of the response, however
    # long the request took on a busy machine.
    claims = parse_token(new_id).claims
    assert claims["exp"] - claims["iat"] == 3600
    max_age = re.search(r"; Max-Age=(\d+);", headers["id_token"])
    assert max_age is not None
    assert int(claims["exp"] - after) <= int(max_age[1]) <= int(claims["exp"] - before)
    assert page.headers["Cache-Control"] == "private, no-store"
    assert [user.username for user in refreshed] == ["admin"]
    again = expired.get("/private", headers=BROWSER)
    assert (again.status_code, calls.count("/oauth2/token")) == (200, 1)
    assert "Set-Cookie" not in again.headers


def test_an_api_call_is_refreshed_too(expired: FlaskClient, calls: TokenCalls) -> None:
    answer = expired.get("/api/me")
    assert answer.get_json() == {"username": "admin"}
    assert calls.count() == 1


def test_a_view_needing_both_tokens_refreshes_once(
    expired: FlaskClient, calls: TokenCalls
) -> None:
    page = expired.get("/both", headers=BROWSER)
    assert (page.status_code, page.text) == (200, "id and access")
    assert calls.count() == 1


def test_an_access_token_view_reads_the_access_cookie(
    expired: FlaskClient, calls: TokenCalls
) -> None:
    assert expired.get("/orders").get_json() == {"token_use": "access"}
    assert calls.count() == 1


def test_a_cookie_the_browser_dropped_at_expiry_is_refreshed(
    client: FlaskClient, calls: TokenCalls
) -> None:
    sign_in(client)
    client.delete_cookie("id_token")
    client.delete_cookie("access_token")
    calls.reset()
    page = client.get("/private", headers=BROWSER)
    assert (page.status_code, calls.count()) == (200, 1)
    assert sorted(set_cookie_headers(page)) == ["access_token", "id_token"]


def test_a_refused_refresh_clears_the_cookies(
    expired: FlaskClient, signin_pool: LocalUserPool, calls: TokenCalls
) -> None:
    refresh_token = refresh_token_of(expired)
    revoked = requests.post(
        f"{signin_pool.domain}/oauth2/revoke",
        data={"token": refresh_token, "client_id": signin_pool.client_id},
        timeout=5,
    )
    assert revoked.status_code == 200
    page = expired.get("/private", headers=BROWSER)
    assert page.status_code == 302
    assert page.headers["Location"] == "/auth/login?next=/private"
    assert calls.count() == 1
    assert_cleared(page, expired)


def test_a_refused_refresh_on_an_api_call_is_a_401_json(
    expired: FlaskClient, signin_pool: LocalUserPool
) -> None:
    signin_pool.managed_login.backend.revoke(refresh_token_of(expired), signin_pool.client_id)
    answer = expired.get("/api/me")
    assert answer.status_code == 401
    assert answer.get_json()["code"] == "MISSING_TOKEN"  # as a request without a token
    assert_cleared(answer, expired)


def test_a_tampered_refresh_cookie_is_never_sent_and_clears_the_cookies(
    expired: FlaskClient, calls: TokenCalls
) -> None:
    sealed = cookie_value(expired, "refresh_token")
    assert sealed is not None
    last = "A" if sealed[-1] != "A" else "B"
    expired.set_cookie("refresh_token", sealed[:-1] + last)
    answer = expired.get("/api/me")
    assert answer.status_code == 401
    assert calls.count() == 0
    assert_cleared(answer, expired)


def test_a_refresh_cookie_sealed_under_another_secret_key_is_refused(
    expired: FlaskClient, signin_pool: LocalUserPool, calls: TokenCalls
) -> None:
    other = make_signin_app(signin_pool, secret="another-secret-key").test_client()
    for name in ("id_token", "refresh_token"):
        value = cookie_value(expired, name)
        assert value is not None
        other.set_cookie(name, value)
    answer = other.get("/api/me")
    assert answer.status_code == 401
    assert calls.count() == 0
    assert_cleared(answer, other)


def test_an_unreachable_token_endpoint_keeps_the_cookies(
    expired: FlaskClient, signin_pool: LocalUserPool, caplog: pytest.LogCaptureFixture
) -> None:
    signin_pool.serve().fail_with(503, b"", path="/oauth2/token")
    with caplog.at_level("WARNING", logger="flask_revstack_cognito"):
        answer = expired.get("/api/me")
    assert answer.status_code == 401
    assert "Set-Cookie" not in answer.headers
    assert "token refresh failed: Cognito answered HTTP 503" in caplog.text


def test_refreshed_tokens_that_do_not_verify_clear_the_cookies(
    expired: FlaskClient, signin_pool: LocalUserPool
) -> None:
    signin_pool.rotate_key(keep_old=True)  # new tokens are signed by a key the app lacks...
    server = signin_pool.serve()
    server.fail_with(500, path=server.path)  # ...and cannot fetch
    answer = expired.get("/api/me")
    assert answer.status_code == 401
    assert_cleared(answer, expired)


def test_refreshed_tokens_without_keys_are_a_503_that_keeps_the_cookies(
    signin_pool: LocalUserPool, client: FlaskClient
) -> None:
    sign_in(client)
    fresh = make_signin_app(signin_pool).test_client()  # a new worker: no keys held yet
    sealed = cookie_value(client, "refresh_token")
    assert sealed is not None
    fresh.set_cookie("refresh_token", sealed)
    server = signin_pool.serve()
    server.fail_with(500, path=server.path)
    answer = fresh.get("/api/me")
    assert answer.status_code == 503
    assert "Set-Cookie" not in answer.headers


def test_a_header_token_is_never_refreshed(
    expired: FlaskClient, signin_pool: LocalUserPool, calls: TokenCalls
) -> None:
    token = signin_pool.id_token(expires_in=-10)
    answer = expired.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
    assert answer.get_json()["code"] == "TOKEN_EXPIRED"
    assert calls.count() == 0


def test_a_cross_site_post_does_not_refresh(expired: FlaskClient, calls: TokenCalls) -> None:
    answer = expired.post("/api/orders", headers={"Sec-Fetch-Site": "cross-site"})
    assert answer.status_code == 401
    assert answer.get_json()["code"] == "MISSING_TOKEN"
    assert calls.count() == 0
    same_site = expired.post("/api/orders", headers={"Sec-Fetch-Site": "same-origin"})
    assert same_site.get_json() == {"placed": True}
    assert calls.count() == 1


def test_an_expired_cookie_without_a_refresh_cookie_is_refused(
    expired: FlaskClient, calls: TokenCalls
) -> None:
    expired.delete_cookie("refresh_token")
    answer = expired.get("/api/me")
    assert answer.get_json()["code"] == "TOKEN_EXPIRED"
    assert calls.count() == 0
