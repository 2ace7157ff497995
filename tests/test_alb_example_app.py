"""The example app works behind an ALB unchanged: only its configuration says so."""

from __future__ import annotations

import pytest
from flask import Flask

from example_app import create_app
from flask_revstack_cognito.testing import AlbKeyServer, LocalLoadBalancer, LocalUserPool


@pytest.fixture
def app(
    served_pool: LocalUserPool,
    alb: LocalLoadBalancer,
    key_server: AlbKeyServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Flask:
    """The example app configured through the environment, as a deployment would."""
    for key, value in {**served_pool.config(), **alb.config()}.items():
        monkeypatch.setenv(f"FLASK_{key}", value)
    monkeypatch.setenv("FLASK_EXAMPLE_ORDERS_SCOPE", "orders/read")
    return create_app()


def test_me_answers_an_alb_authenticated_request(app: Flask, alb: LocalLoadBalancer) -> None:
    response = app.test_client().get("/api/me", headers=alb.headers(sub="user-1"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["user_id"] == "user-1"
    assert body["token_use"] == "alb"
    assert body["username"] == "jane"
    assert body["email_verified"] is True


def test_orders_take_the_access_token_the_alb_passes_on(
    app: Flask, alb: LocalLoadBalancer, served_pool: LocalUserPool
) -> None:
    access = served_pool.access_token(sub="user-1", scopes=["orders/read"])
    response = app.test_client().get("/api/orders", headers=alb.headers(access_token=access))
    assert response.status_code == 200
    assert response.get_json()["owner"] == "user-1"


def test_groups_behind_the_alb_are_in_the_access_token_only(
    app: Flask, alb: LocalLoadBalancer
) -> None:
    # /api/admin checks groups on the ID token, which the ALB never passes on: the data
    # token carries none, so the group check fails.
    response = app.test_client().get("/api/admin", headers=alb.headers())
    assert response.status_code == 403


def test_a_forged_data_token_is_refused(app: Flask, alb: LocalLoadBalancer) -> None:
    forged = LocalLoadBalancer(alb.pool, arn=alb.arn)  # the same ARN, its own keys
    response = app.test_client().get("/api/me", headers={"X-Amzn-Oidc-Data": forged.data_token()})
    assert response.status_code == 401
    assert response.get_json()["code"] == "UNKNOWN_KEY"
