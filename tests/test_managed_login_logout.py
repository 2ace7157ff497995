"""The stand-in's /logout: registered sign-out URLs only, and the session cookie cleared."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import requests
from managed_login_helpers import CALLBACK, PASSWORD, SIGNED_OUT, authorize_url, query_of

from flask_revstack_cognito.testing import (
    SESSION_COOKIE,
    JWKSServer,
    LocalUserPool,
    browser_sign_in,
)


def signed_in_browser(pool: LocalUserPool) -> requests.Session:
    browser = requests.Session()
    browser_sign_in(authorize_url(pool), "admin", PASSWORD, session=browser)
    assert browser.get(authorize_url(pool), allow_redirects=False, timeout=5).is_redirect
    return browser


def logout(browser: requests.Session, pool: LocalUserPool, **parameters: str) -> requests.Response:
    url = f"{pool.domain}/logout?{urlencode(parameters)}"
    return browser.get(url, allow_redirects=False, timeout=5)


def test_logout_clears_the_session_and_goes_to_the_sign_out_url(
    stand_in: JWKSServer, pool: LocalUserPool
) -> None:
    browser = signed_in_browser(pool)
    answer = logout(browser, pool, client_id=pool.client_id, logout_uri=SIGNED_OUT)
    assert (answer.status_code, answer.headers["Location"]) == (302, SIGNED_OUT)
    assert SESSION_COOKIE not in browser.cookies
    assert browser.get(authorize_url(pool), allow_redirects=False, timeout=5).status_code == 200


def test_the_old_session_cookie_is_dead_after_logout(
    stand_in: JWKSServer, pool: LocalUserPool
) -> None:
    browser = signed_in_browser(pool)
    stolen = browser.cookies[SESSION_COOKIE]
    logout(browser, pool, client_id=pool.client_id, logout_uri=SIGNED_OUT)
    replay = requests.get(
        authorize_url(pool), cookies={SESSION_COOKIE: stolen}, allow_redirects=False, timeout=5
    )
    assert replay.status_code == 200  # the form, not a code


@pytest.mark.parametrize(
    "parameters",
    [
        {"logout_uri": "https://evil.example/"},
        {"logout_uri": CALLBACK},  # a callback URL is not a sign-out URL
        {"logout_uri": SIGNED_OUT, "client_id": "someone-else"},
        {"client_id": None},
        {},
    ],
)
def test_an_unregistered_sign_out_url_is_an_error_page_and_signs_nobody_out(
    stand_in: JWKSServer, pool: LocalUserPool, parameters: dict[str, str | None]
) -> None:
    browser = signed_in_browser(pool)
    arguments = {"client_id": pool.client_id, **parameters}
    present = {name: value for name, value in arguments.items() if value is not None}
    answer = logout(browser, pool, **present)
    assert answer.status_code == 400
    assert "Location" not in answer.headers
    assert browser.get(authorize_url(pool), allow_redirects=False, timeout=5).is_redirect


def test_logout_with_a_redirect_uri_signs_in_again(
    stand_in: JWKSServer, pool: LocalUserPool
) -> None:
    browser = signed_in_browser(pool)
    answer = logout(
        browser,
        pool,
        client_id=pool.client_id,
        redirect_uri=CALLBACK,
        response_type="code",
        state="again",
    )
    assert answer.headers["Location"].startswith("/oauth2/authorize?")
    assert query_of(answer.headers["Location"]) == {
        "client_id": pool.client_id,
        "redirect_uri": CALLBACK,
        "response_type": "code",
        "state": "again",
    }
    form = browser.get(pool.domain + answer.headers["Location"], allow_redirects=False, timeout=5)
    assert form.status_code == 200
