"""Browser sign-in end to end: login, the managed-login stand-in, callback, a protected page."""

from __future__ import annotations

from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient
from signin_helpers import (
    BROWSER,
    cookie_value,
    make_signin_app,
    set_cookie_headers,
    sign_in,
)

from flask_revstack_cognito import user_signed_in
from flask_revstack_cognito.testing import LocalUserPool


def test_a_browser_signs_in_and_sees_the_page_it_asked_for(
    client: FlaskClient, signin_app: Flask
) -> None:
    anonymous = client.get("/private", headers=BROWSER)
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"] == "/auth/login?next=/private"
    signed_in: list[object] = []
    with user_signed_in.connected_to(
        lambda sender, user: signed_in.append(user), sender=signin_app
    ):
        callback = sign_in(client, "admin", next="/private")
    assert callback.status_code == 302
    assert callback.headers["Location"] == "/private"
    assert [getattr(user, "username", None) for user in signed_in] == ["admin"]
    page = client.get("/private", headers=BROWSER)
    assert page.status_code == 200
    assert page.text == "hello admin"
    assert client.get("/admin", headers=BROWSER).status_code == 200
    assert client.get("/orders").get_json() == {"token_use": "access"}
    assert client.get("/").text.startswith("Signed in as admin")


def test_the_cookies_are_httponly_secure_lax_and_path_root(client: FlaskClient) -> None:
    callback = sign_in(client)
    headers = set_cookie_headers(callback)
    assert sorted(headers) == ["access_token", "id_token", "refresh_token", "session"]
    for name in ("access_token", "id_token", "refresh_token"):
        flags = headers[name].split("; ")[1:]
        assert {"HttpOnly", "Secure", "Path=/", "SameSite=Lax"} <= set(flags)
    refresh = cookie_value(client, "refresh_token")
    assert refresh is not None
    assert refresh.startswith("v1.")


def test_a_member_is_refused_the_admins_page(client: FlaskClient) -> None:
    sign_in(client, "member")
    assert client.get("/private", headers=BROWSER).status_code == 200
    refused = client.get("/admin", headers=BROWSER)
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "INSUFFICIENT_SCOPE"


def test_the_home_page_offers_sign_in_when_signed_out(
    client: FlaskClient, signin_pool: LocalUserPool
) -> None:
    assert client.get("/").text == ("<a href='/auth/login'>Sign in</a>|/auth/login?next=/private")


def test_with_strict_cookies_a_page_of_this_site_moves_on(signin_pool: LocalUserPool) -> None:
    # A redirect from the callback still belongs to the navigation that came from Cognito, on
    # which browsers send no SameSite=Strict cookie.
    browser = make_signin_app(signin_pool, COGNITO_COOKIE_SAMESITE="Strict").test_client()
    response = sign_in(browser, next=quote("/private?a=1&b=2", safe="/"))
    assert response.status_code == 200
    assert '<meta http-equiv="refresh" content="0;url=/private?a=1&amp;b=2">' in response.text
    assert "SameSite=Strict" in set_cookie_headers(response)["id_token"]
    assert browser.get("/private").text == "hello admin"
