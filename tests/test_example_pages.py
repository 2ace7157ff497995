"""The example app's server-rendered pages, with tokens in the header (the sign-in aside)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from example_app import create_app
from flask_revstack_cognito.testing import LocalUserPool


@pytest.fixture
def app(cognito_pool: LocalUserPool) -> Flask:
    return create_app({**cognito_pool.config(), "TESTING": True})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_home_says_browser_sign_in_is_off_without_a_domain(client: FlaskClient) -> None:
    page = client.get("/web/")
    assert page.status_code == 200
    assert 'id="sign-in-disabled"' in page.text
    assert 'id="sign-out"' not in page.text


def test_home_greets_a_signed_in_user_and_offers_sign_out(
    client: FlaskClient, cognito_pool: LocalUserPool
) -> None:
    page = client.get("/web/", headers=bearer(cognito_pool.id_token(username="alice")))
    assert "Welcome back, alice." in page.text
    assert '<form method="post" action="/auth/logout"' in page.text
    assert 'id="sign-out"' in page.text


def test_profile_shows_claims_groups_and_tenant(
    client: FlaskClient, cognito_pool: LocalUserPool
) -> None:
    token = cognito_pool.id_token(username="alice", groups=["admins"], custom={"tenant": "acme"})
    page = client.get("/web/profile", headers=bearer(token))
    assert page.status_code == 200
    assert '<dd id="profile-tenant">acme</dd>' in page.text
    assert '<dd id="profile-groups">admins</dd>' in page.text
    assert '<td data-claim="cognito:username">alice</td>' in page.text


def test_the_admins_page_refuses_a_member_with_an_html_page(
    client: FlaskClient, cognito_pool: LocalUserPool
) -> None:
    page = client.get("/web/admin", headers=bearer(cognito_pool.id_token(username="bob")))
    assert page.status_code == 403
    assert page.mimetype == "text/html"
    assert "INSUFFICIENT_SCOPE" in page.text
    admin = cognito_pool.id_token(username="alice", groups=["admins"])
    assert "Welcome, admin alice" in client.get("/web/admin", headers=bearer(admin)).text


def test_the_api_still_answers_json(client: FlaskClient, cognito_pool: LocalUserPool) -> None:
    refused = client.get("/api/admin", headers=bearer(cognito_pool.id_token()))
    assert refused.status_code == 403
    assert refused.json == {
        "code": "INSUFFICIENT_SCOPE",
        "message": "lacks a required group",
        "status": 403,
    }


def test_the_single_page_sign_in_links_to_the_pages(client: FlaskClient) -> None:
    assert 'href="/web/"' in client.get("/").text
