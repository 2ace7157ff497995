"""Where sign-in finds a browser's token: its cookies, after the header."""

from __future__ import annotations

from flask.testing import FlaskClient
from signin_helpers import TokenCalls, make_signin_app, refresh_token_of, sign_in

from flask_revstack_cognito.appstate import get_extension
from flask_revstack_cognito.signin import SignInFeature
from flask_revstack_cognito.testing import LocalUserPool


def signed_in_with_expired_id_cookie(pool: LocalUserPool, calls: TokenCalls) -> FlaskClient:
    browser = make_signin_app(pool).test_client()
    sign_in(browser)
    browser.set_cookie("id_token", pool.id_token(expires_in=-10))
    calls.reset()
    return browser


def test_an_expired_id_cookie_is_refreshed(signin_pool: LocalUserPool, calls: TokenCalls) -> None:
    browser = signed_in_with_expired_id_cookie(signin_pool, calls)
    assert browser.get("/api/me").get_json() == {"username": "admin"}
    assert calls.count() == 1


def test_a_refused_refresh_of_an_expired_id_cookie_is_no_token(
    signin_pool: LocalUserPool, calls: TokenCalls
) -> None:
    browser = signed_in_with_expired_id_cookie(signin_pool, calls)
    signin_pool.managed_login.backend.revoke(refresh_token_of(browser), signin_pool.client_id)
    answer = browser.get("/api/me")
    assert answer.get_json()["code"] == "MISSING_TOKEN"
    assert calls.count() == 1
    assert browser.get_cookie("id_token") is None


def test_an_expired_header_token_beside_the_cookies_is_not_refreshed(
    signin_pool: LocalUserPool, calls: TokenCalls
) -> None:
    browser = signed_in_with_expired_id_cookie(signin_pool, calls)
    expired = signin_pool.id_token(expires_in=-10)
    answer = browser.get("/api/me", headers={"Authorization": f"Bearer {expired}"})
    assert answer.get_json()["code"] == "TOKEN_EXPIRED"
    assert calls.count() == 0


def test_a_header_token_comes_before_the_cookies(
    client: FlaskClient, signin_pool: LocalUserPool
) -> None:
    sign_in(client, "member")
    token = signin_pool.id_token(username="header-user")
    answer = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.get_json() == {"username": "header-user"}


def test_a_refused_refresh_is_tried_once_per_request(
    client: FlaskClient, signin_pool: LocalUserPool, calls: TokenCalls
) -> None:
    sign_in(client)
    signin_pool.managed_login.backend.revoke(refresh_token_of(client), signin_pool.client_id)
    client.delete_cookie("id_token")
    client.delete_cookie("access_token")
    calls.reset()
    assert client.get("/maybe").get_json() == {"id": False, "access": False}
    assert calls.count() == 1
    assert client.get_cookie("refresh_token") is None


def test_a_cross_site_post_uses_no_cookie(client: FlaskClient) -> None:
    sign_in(client)
    answer = client.post("/api/orders", headers={"Origin": "https://evil.example"})
    assert answer.status_code == 401
    assert answer.get_json()["code"] == "MISSING_TOKEN"
    assert client.post("/api/orders", headers={"Origin": "http://localhost"}).status_code == 200


def test_templates_of_protected_views_see_the_verified_user(client: FlaskClient) -> None:
    sign_in(client)
    assert client.get("/profile").text == "admin@example.com"


def test_the_home_page_knows_the_signed_in_user_without_login_required(
    client: FlaskClient,
) -> None:
    sign_in(client, "member")
    assert client.get("/").text.startswith("Signed in as member")
    client.set_cookie("id_token", "garbage")
    assert client.get("/").text.startswith("<a href='/auth/login'>Sign in</a>")


def test_the_feature_names_its_domain(client: FlaskClient, signin_pool: LocalUserPool) -> None:
    feature = get_extension(client.application)[1].feature(SignInFeature)
    assert repr(feature) == f"<SignInFeature {signin_pool.domain}>"
