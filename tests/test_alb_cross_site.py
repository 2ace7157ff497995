"""The ALB's headers come from its session cookie: a cross-site POST may not use them (CSRF)."""

from __future__ import annotations

import pytest
from flask import Flask

from flask_revstack_cognito import login_required
from flask_revstack_cognito.testing import AlbKeyServer, LocalLoadBalancer, LocalUserPool

CROSS_SITE = (
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": "https://evil.example"},
)


@pytest.fixture
def app(alb_app: Flask) -> Flask:
    @alb_app.post("/transfer")
    @login_required
    def transfer() -> dict[str, str]:
        return {"done": "yes"}

    @alb_app.post("/transfer-access")
    @login_required(token_use="access")
    def transfer_access() -> dict[str, str]:
        return {"done": "yes"}

    return alb_app


@pytest.mark.parametrize("path", ["/transfer", "/transfer-access"])
@pytest.mark.parametrize("site", CROSS_SITE)
def test_a_cross_site_post_is_not_served_by_the_alb_headers(
    app: Flask, alb: LocalLoadBalancer, key_server: AlbKeyServer, path: str, site: dict[str, str]
) -> None:
    answer = app.test_client().post(path, headers={**alb.headers(), **site})
    assert answer.status_code == 401
    assert answer.get_json()["code"] == "MISSING_TOKEN"


@pytest.mark.parametrize("path", ["/transfer", "/transfer-access"])
def test_a_same_site_post_is_served_by_the_alb_headers(
    app: Flask, alb: LocalLoadBalancer, key_server: AlbKeyServer, path: str
) -> None:
    headers = {**alb.headers(), "Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}
    assert app.test_client().post(path, headers=headers).get_json() == {"done": "yes"}


def test_a_cross_site_get_is_still_served_by_the_alb_headers(
    app: Flask, alb: LocalLoadBalancer, key_server: AlbKeyServer
) -> None:
    headers = {**alb.headers(), "Sec-Fetch-Site": "cross-site"}
    assert app.test_client().get("/me", headers=headers).get_json()["token_use"] == "alb"


def test_a_cross_site_post_takes_the_authorization_header(
    app: Flask, alb: LocalLoadBalancer, key_server: AlbKeyServer, served_pool: LocalUserPool
) -> None:
    headers = {
        **alb.headers(),
        "Sec-Fetch-Site": "cross-site",
        "Authorization": f"Bearer {served_pool.id_token()}",
    }
    assert app.test_client().post("/transfer", headers=headers).status_code == 200
