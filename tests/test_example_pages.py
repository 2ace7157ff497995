"""The example app's server-rendered pages, with tokens in the header (the sign-in aside)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from example_app import create_app
from flask_revstack_cognito.testing import LocalUserPool, browser_sign_in


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


def test_home_greets_a_signed_in_user_without_a_sign_out_when_sign_in_is_off(
    client: FlaskClient, cognito_pool: LocalUserPool
) -> None:
    """A bearer token's user has no browser session to end: there is no sign-out route."""
    page = client.get("/web/", headers=bearer(cognito_pool.id_token(username="alice")))
    assert "Welcome back, alice." in page.text
    assert 'id="sign-out"' not in page.text


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


BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
def signin_client(cognito_pool: LocalUserPool) -> FlaskClient:
    """The example app with browser sign-in against the test kit's managed-login stand-in."""
    cognito_pool.add_user("alice", "Passw0rd!", groups=["admins"], custom={"tenant": "acme"})
    cognito_pool.register_client(
        callback_urls=["http://localhost/auth/callback"],
        logout_urls=["http://localhost/"],
    )
    config = {"TESTING": True, "SECRET_KEY": "test only"}
    return create_app({**config, **cognito_pool.config()}).test_client()


def test_with_sign_in_the_home_page_offers_it_and_the_profile_asks_for_it(
    signin_client: FlaskClient,
) -> None:
    home = signin_client.get("/web/")
    assert 'href="/auth/login?next=/web/profile"' in home.text
    assert "Sign in with Cognito" in home.text
    profile = signin_client.get("/web/profile", headers=BROWSER)
    assert profile.status_code == 302
    assert profile.headers["Location"] == "/auth/login?next=/web/profile"
    api = signin_client.get("/api/me", headers={"Accept": "application/json"})
    assert api.status_code == 401  # an API call: never a redirect
    assert api.json == {"code": "MISSING_TOKEN", "message": "missing bearer token", "status": 401}


def test_signing_in_through_the_stand_in_comes_back_to_the_profile(
    signin_client: FlaskClient,
) -> None:
    login = signin_client.get("/auth/login?next=/web/profile")
    callback = browser_sign_in(login.headers["Location"], "alice", "Passw0rd!")
    back = signin_client.get(callback)
    assert back.headers["Location"].endswith("/web/profile")
    page = signin_client.get("/web/profile", headers=BROWSER)
    assert '<dd id="profile-tenant">acme</dd>' in page.text
    signed_out = signin_client.post("/auth/logout", headers={"Sec-Fetch-Site": "same-origin"})
    assert signed_out.status_code == 303
    domain = signin_client.application.config["COGNITO_DOMAIN"]
    assert signed_out.headers["Location"].startswith(f"{domain}/logout?")
    assert signin_client.get("/web/profile", headers=BROWSER).status_code == 302


def test_the_sign_out_form_posts_to_the_sign_in_routes_wherever_they_are(
    cognito_pool: LocalUserPool,
) -> None:
    cognito_pool.add_user("alice", "Passw0rd!")
    cognito_pool.register_client(
        callback_urls=["http://localhost/account/callback"], logout_urls=["http://localhost/"]
    )
    config = {"TESTING": True, "SECRET_KEY": "test only", "COGNITO_AUTH_URL_PREFIX": "/account"}
    client = create_app({**config, **cognito_pool.config()}).test_client()
    login = client.get("/account/login?next=/web/")
    client.get(browser_sign_in(login.headers["Location"], "alice", "Passw0rd!"))
    page = client.get("/web/", headers=BROWSER)
    assert '<form method="post" action="/account/logout" class="sign-out-form">' in page.text
