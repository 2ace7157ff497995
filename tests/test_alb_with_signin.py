"""An app with browser sign-in behind an ALB: a request with an ALB header is the ALB's alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from signin_helpers import make_signin_app, sign_in

from flask_revstack_cognito.alb import AlbFeature
from flask_revstack_cognito.appstate import get_extension
from flask_revstack_cognito.signin import SignInFeature
from flask_revstack_cognito.testing import LocalLoadBalancer, LocalUserPool


@pytest.fixture
def alb(signin_pool: LocalUserPool) -> LocalLoadBalancer:
    return LocalLoadBalancer(signin_pool)


@pytest.fixture
def browser(signin_pool: LocalUserPool, alb: LocalLoadBalancer) -> Iterator[FlaskClient]:
    """A browser signed in as the admin through the app's own sign-in."""
    with alb.serve():
        client = make_signin_app(signin_pool, **alb.config()).test_client()
        sign_in(client)
        yield client


def test_the_alb_wraps_outside_sign_in(browser: FlaskClient) -> None:
    features = get_extension(browser.application)[1].features
    assert [type(feature) for feature in features] == [SignInFeature, AlbFeature]


def test_an_expired_alb_token_is_refused_beside_sign_in_cookies(
    browser: FlaskClient, alb: LocalLoadBalancer
) -> None:
    assert browser.get("/api/me").get_json() == {"username": "admin"}
    expired = alb.data_token(expires_in=-60, username="jane")
    answer = browser.get("/api/me", headers={"X-Amzn-Oidc-Data": expired})
    assert answer.status_code == 401
    assert answer.get_json()["code"] == "TOKEN_EXPIRED"


def test_an_expired_alb_access_token_is_refused_beside_sign_in_cookies(
    browser: FlaskClient, signin_pool: LocalUserPool
) -> None:
    expired = signin_pool.access_token(expires_in=-60)
    answer = browser.get("/orders", headers={"X-Amzn-Oidc-Accesstoken": expired})
    assert answer.status_code == 401
    assert answer.get_json()["code"] == "TOKEN_EXPIRED"


def test_a_valid_alb_token_serves_its_own_user(
    browser: FlaskClient, alb: LocalLoadBalancer
) -> None:
    answer = browser.get("/api/me", headers={"X-Amzn-Oidc-Data": alb.data_token()})
    assert answer.get_json() == {"username": "jane"}


def test_without_alb_headers_the_cookies_serve(browser: FlaskClient) -> None:
    assert browser.get("/orders").get_json() == {"token_use": "access"}
