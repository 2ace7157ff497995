"""The stand-in's authorize endpoint and sign-in form behave like Cognito's managed login."""

from __future__ import annotations

import pytest
import requests
from managed_login_helpers import CALLBACK, PASSWORD, authorize_url, query_of

from flask_revstack_cognito.testing import (
    SESSION_COOKIE,
    JWKSServer,
    LocalUserPool,
    SignInFailed,
    browser_sign_in,
)


def get(url: str, session: requests.Session | None = None) -> requests.Response:
    return (session or requests.Session()).get(url, allow_redirects=False, timeout=5)


def test_the_form_carries_the_request_and_has_stable_inputs(
    stand_in: JWKSServer, pool: LocalUserPool
) -> None:
    page = get(authorize_url(pool))
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    for marker in ('id="username" name="username"', 'id="password" name="password"'):
        assert marker in page.text
    assert 'id="signin"' in page.text
    assert 'name="nonce" value="nonce-1"' in page.text
    assert 'name="state" value="state-1"' in page.text
    assert 'name="redirect_uri" value="http://app.test/auth/callback"' in page.text


@pytest.mark.parametrize(
    "redirect_uri",
    ["https://evil.example/callback", CALLBACK + "/", "http://app.test/auth/callback?x=1", ""],
)
def test_an_unregistered_callback_is_an_error_page_never_a_redirect(
    stand_in: JWKSServer, pool: LocalUserPool, redirect_uri: str
) -> None:
    page = get(authorize_url(pool, redirect_uri=redirect_uri))
    assert page.status_code == 400
    assert "Location" not in page.headers
    assert "redirect_mismatch" in page.text


def test_an_unknown_client_is_an_error_page(stand_in: JWKSServer, pool: LocalUserPool) -> None:
    page = get(authorize_url(pool, client_id="someone-else"))
    assert page.status_code == 400
    assert "Location" not in page.headers


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "openid admin:everything"}, "invalid_scope"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),
    ],
)
def test_a_bad_request_goes_back_to_the_app_with_cognitos_error(
    stand_in: JWKSServer, pool: LocalUserPool, overrides: dict[str, str | None], error: str
) -> None:
    answer = get(authorize_url(pool, **overrides))
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(CALLBACK + "?")
    assert query_of(answer.headers["Location"])["error"] == error
    assert query_of(answer.headers["Location"])["state"] == "state-1"


def test_a_client_without_the_code_grant_is_unauthorized(
    stand_in: JWKSServer, pool: LocalUserPool
) -> None:
    pool.register_client(callback_urls=[CALLBACK], oauth_flows=["implicit"])
    answer = get(authorize_url(pool, state=None))
    assert query_of(answer.headers["Location"]) == {"error": "unauthorized_client"}


def test_a_wrong_password_shows_the_form_again_and_sets_no_cookie(
    stand_in: JWKSServer, pool: LocalUserPool
) -> None:
    browser = requests.Session()
    with pytest.raises(SignInFailed, match="Incorrect username or password"):
        browser_sign_in(authorize_url(pool), "admin", "wrong", session=browser)
    with pytest.raises(SignInFailed, match="Incorrect username or password"):
        browser_sign_in(authorize_url(pool), "nobody", PASSWORD, session=browser)
    assert SESSION_COOKIE not in browser.cookies
    assert get(authorize_url(pool), browser).status_code == 200


def test_a_disabled_user_is_refused_at_the_form(stand_in: JWKSServer, pool: LocalUserPool) -> None:
    pool.add_user("gone", PASSWORD, enabled=False)
    with pytest.raises(SignInFailed, match="User is disabled"):
        browser_sign_in(authorize_url(pool), "gone", PASSWORD)


def test_a_refused_sign_in_goes_back_with_access_denied(
    stand_in: JWKSServer, pool: LocalUserPool
) -> None:
    pool.add_user("blocked", PASSWORD, access_denied="not this week")
    callback = browser_sign_in(authorize_url(pool), "blocked", PASSWORD)
    assert query_of(callback) == {
        "error": "access_denied",
        "error_description": "not this week",
        "state": "state-1",
    }


def test_sign_in_redirects_with_code_and_state_and_keeps_the_callbacks_query(
    stand_in: JWKSServer, pool: LocalUserPool
) -> None:
    pool.register_client(callback_urls=[CALLBACK + "?tenant=acme"])
    callback = browser_sign_in(
        authorize_url(pool, redirect_uri=CALLBACK + "?tenant=acme"), "admin", PASSWORD
    )
    assert callback.startswith(CALLBACK + "?tenant=acme&code=")
    assert query_of(callback)["state"] == "state-1"


def test_the_session_cookie_skips_the_form(stand_in: JWKSServer, pool: LocalUserPool) -> None:
    browser = requests.Session()
    first = browser_sign_in(authorize_url(pool), "admin", PASSWORD, session=browser)
    cookie = browser.cookies.get(SESSION_COOKIE)
    assert cookie
    again = get(authorize_url(pool, state="state-2"), browser)
    assert again.status_code == 302
    assert query_of(again.headers["Location"])["state"] == "state-2"
    assert query_of(again.headers["Location"])["code"] != query_of(first)["code"]
    assert get(authorize_url(pool)).status_code == 200  # another browser sees the form


def test_the_session_of_a_removed_user_shows_the_form(
    stand_in: JWKSServer, pool: LocalUserPool
) -> None:
    browser = requests.Session()
    browser_sign_in(authorize_url(pool), "member", PASSWORD, session=browser)
    del pool.users["member"]
    assert get(authorize_url(pool), browser).status_code == 200


def test_the_login_endpoint_shows_the_same_form(stand_in: JWKSServer, pool: LocalUserPool) -> None:
    url = authorize_url(pool).replace("/oauth2/authorize?", "/login?")
    assert 'id="signin"' in get(url).text


def test_a_wrong_method_is_405(stand_in: JWKSServer, pool: LocalUserPool) -> None:
    assert requests.post(authorize_url(pool), timeout=5).status_code == 405
    assert get(f"{pool.domain}/oauth2/token").status_code == 405
