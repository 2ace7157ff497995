"""A whole app behind login_guard with browser sign-in: the sign-in routes need no token."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from signin_helpers import BROWSER, make_signin_app, query_of, sign_in

from flask_revstack_cognito import login_guard
from flask_revstack_cognito.testing import LocalUserPool


@pytest.fixture
def guarded(signin_pool: LocalUserPool) -> Flask:
    app = make_signin_app(signin_pool)
    app.before_request(login_guard)
    return app


def test_a_guarded_app_signs_in_end_to_end(guarded: Flask) -> None:
    browser = guarded.test_client()
    answer = sign_in(browser, next="/")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/"
    assert browser.get("/", headers=BROWSER).text.startswith("Signed in as admin")
    assert browser.get("/private", headers=BROWSER).text == "hello admin"
    assert browser.post("/auth/logout").status_code == 303
    assert browser.get("/private", headers=BROWSER).status_code == 302


def test_an_anonymous_navigation_is_redirected_once(
    guarded: Flask, signin_pool: LocalUserPool
) -> None:
    browser: FlaskClient = guarded.test_client()
    first = browser.get("/", headers=BROWSER)
    assert first.status_code == 302
    assert first.headers["Location"] == "/auth/login?next=/"
    to_cognito = browser.get(first.headers["Location"], headers=BROWSER)
    assert to_cognito.status_code == 302
    assert to_cognito.headers["Location"].startswith(f"{signin_pool.domain}/oauth2/authorize?")
    assert query_of(to_cognito.headers["Location"])["client_id"] == signin_pool.client_id


def test_the_callback_answers_itself_behind_the_guard(guarded: Flask) -> None:
    answer = guarded.test_client().get("/auth/callback?state=x&code=y", headers=BROWSER)
    assert answer.status_code == 400
    assert "not one this browser started" in answer.text


def test_an_api_call_is_still_refused_by_the_guard(guarded: Flask) -> None:
    answer = guarded.test_client().get("/api/me")
    assert answer.status_code == 401
    assert answer.get_json()["code"] == "MISSING_TOKEN"
