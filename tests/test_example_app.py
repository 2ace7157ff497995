"""The example app through Flask's test client, against the test kit's pool."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient

from example_app import create_app
from flask_revstack_cognito.testing import LocalUserPool


@pytest.fixture
def app(cognito_pool: LocalUserPool, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The app configured through the environment, as ``make demo`` configures it."""
    for key, value in cognito_pool.config().items():
        monkeypatch.setenv(f"FLASK_{key}", value)
    monkeypatch.setenv("FLASK_EXAMPLE_ORDERS_SCOPE", "orders/read")
    return create_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_config_comes_from_the_environment(app: Flask, cognito_pool: LocalUserPool) -> None:
    assert app.config["COGNITO_USER_POOL_ID"] == cognito_pool.user_pool_id
    assert app.config["COGNITO_JWKS_URI"] == cognito_pool.jwks_uri
    assert app.config["EXAMPLE_ORDERS_SCOPE"] == "orders/read"


def test_me_shows_the_id_token_user(client: FlaskClient, cognito_pool: LocalUserPool) -> None:
    token = cognito_pool.id_token(sub="u-1", groups=["admins"], custom={"tenant": "acme"})
    body = client.get("/api/me", headers=bearer(token)).get_json()
    assert body["user_id"] == "u-1"
    assert body["email"] == "jane@example.com"
    assert body["email_verified"] is True
    assert body["groups"] == ["admins"]
    assert body["custom"] == {"tenant": "acme"}
    assert body["token_use"] == "id"


def test_admin_needs_the_admins_group(client: FlaskClient, cognito_pool: LocalUserPool) -> None:
    member = client.get("/api/admin", headers=bearer(cognito_pool.id_token()))
    assert member.status_code == 403
    assert member.get_json() == {
        "code": "INSUFFICIENT_SCOPE",
        "message": "lacks a required group",
        "status": 403,
    }
    admin = client.get("/api/admin", headers=bearer(cognito_pool.id_token(groups=["admins"])))
    assert admin.status_code == 200


def test_orders_need_an_access_token_with_the_scope(
    client: FlaskClient, cognito_pool: LocalUserPool
) -> None:
    with_scope = cognito_pool.access_token(scopes=["orders/read"])
    assert client.get("/api/orders", headers=bearer(with_scope)).status_code == 200
    without = client.get("/api/orders", headers=bearer(cognito_pool.access_token()))
    assert without.status_code == 403
    id_token = client.get("/api/orders", headers=bearer(cognito_pool.id_token()))
    assert id_token.get_json()["code"] == "TOKEN_USE_MISMATCH"


def test_public_is_optional(client: FlaskClient, cognito_pool: LocalUserPool) -> None:
    assert client.get("/api/public").get_json() == {"message": "hello, stranger"}
    signed_in = client.get("/api/public", headers=bearer(cognito_pool.id_token()))
    assert signed_in.get_json() == {"message": "hello, jane"}
    expired = client.get("/api/public", headers=bearer(cognito_pool.id_token(expires_in=-5)))
    assert expired.status_code == 401


def test_custom_error_handler_keeps_the_standard_headers(client: FlaskClient) -> None:
    response = client.get("/api/me", headers=bearer("not.a.token"))
    assert response.status_code == 401
    assert response.get_json()["code"] == "INVALID_FORMAT"
    assert response.get_json()["status"] == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="example-app", ')


def test_failures_are_logged_with_their_code(
    client: FlaskClient, cognito_pool: LocalUserPool, caplog: pytest.LogCaptureFixture
) -> None:
    token = cognito_pool.access_token()
    with caplog.at_level(logging.WARNING, logger="example_app"):
        client.get("/api/me", headers=bearer(token))
    messages = [record.getMessage() for record in caplog.records if record.name == "example_app"]
    assert messages == [
        "auth failed: TOKEN_USE_MISMATCH (expected an ID token, got an access token)"
    ]
    assert token not in caplog.text


def test_sign_in_page_names_the_pool_and_the_cognito_endpoint(
    client: FlaskClient, cognito_pool: LocalUserPool
) -> None:
    page = client.get("/").get_data(as_text=True)
    assert cognito_pool.user_pool_id in page
    assert '"endpoint": "https://cognito-idp.us-east-1.amazonaws.com/"' in page
    assert f'"clientId": "{cognito_pool.client_id}"' in page


@pytest.mark.parametrize(
    ("endpoint", "listed"),
    [
        (None, False),  # the pool's real endpoint, cognito-idp.<region>.amazonaws.com
        ("https://cognito.example.com/", False),
        ("http://127.0.0.1:9229/", True),
        ("http://localhost:4566/", True),
    ],
)
def test_demo_users_are_listed_only_for_a_pool_on_this_machine(
    cognito_pool: LocalUserPool,
    monkeypatch: pytest.MonkeyPatch,
    endpoint: str | None,
    listed: bool,
) -> None:
    for key, value in cognito_pool.config().items():
        monkeypatch.setenv(f"FLASK_{key}", value)
    config: dict[str, object] = {
        "EXAMPLE_DEMO_USERS": [
            {"username": "dora", "password": "Pw-0123456789!", "tenant": "initech", "groups": []}
        ]
    }
    if endpoint:
        config["EXAMPLE_COGNITO_ENDPOINT"] = endpoint

    page = create_app(config).test_client().get("/").get_data(as_text=True)

    assert ('id="demo-users"' in page) is listed
    assert ("Pw-0123456789!" in page) is listed
    assert ("badge-local" in page) is listed


def test_the_favicon_is_an_icon(client: FlaskClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data.startswith(b"\x00\x00\x01\x00")
    response.close()
