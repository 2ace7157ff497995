"""Refused browser navigations go to sign-in; API calls keep the 401 JSON, never a redirect."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from signin_helpers import BROWSER, make_signin_app, sign_in

from flask_revstack_cognito.testing import LocalUserPool


def test_a_browser_navigation_goes_to_sign_in_with_its_path(client: FlaskClient) -> None:
    response = client.get("/private?tab=2&q=a%20b", headers=BROWSER)
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/private?tab%3D2%26q%3Da%2520b"
    login = client.get(response.headers["Location"])
    assert login.status_code == 302
    with client.session_transaction() as session:
        (entry,) = session["_cognito_signin"].values()
    assert entry[2] == "/private?tab=2&q=a%20b"


def test_a_head_navigation_goes_to_sign_in(client: FlaskClient) -> None:
    assert client.head("/private", headers=BROWSER).status_code == 302


@pytest.mark.parametrize(
    "accept",
    [
        None,
        "*/*",
        "application/json",
        "application/json, text/html;q=0.9",
        "text/html;q=0.5, application/json",
        "text/html, application/json",
    ],
)
def test_an_api_call_without_a_token_gets_the_401_json(
    client: FlaskClient, accept: str | None
) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    response = client.get("/api/me", headers=headers)
    assert response.status_code == 401
    assert response.get_json() == {"code": "MISSING_TOKEN", "message": "missing bearer token"}
    assert "Location" not in response.headers


def test_a_post_is_never_redirected(client: FlaskClient) -> None:
    response = client.post("/api/orders", headers=BROWSER)
    assert response.status_code == 401


def test_a_bad_header_token_is_never_redirected(client: FlaskClient) -> None:
    response = client.get("/private", headers={**BROWSER, "Authorization": "Bearer a.b.c"})
    assert response.status_code == 401
    assert response.get_json()["code"] == "INVALID_FORMAT"


def test_a_signed_in_user_lacking_a_group_gets_the_403(client: FlaskClient) -> None:
    sign_in(client, "member")
    response = client.get("/admin", headers=BROWSER)
    assert response.status_code == 403


def test_a_bad_cookie_on_a_navigation_goes_to_sign_in(client: FlaskClient) -> None:
    client.set_cookie("id_token", "not-a-token")
    response = client.get("/private", headers=BROWSER)
    assert response.status_code == 302


def test_login_redirect_can_be_turned_off(signin_pool: LocalUserPool) -> None:
    app = make_signin_app(signin_pool, COGNITO_LOGIN_REDIRECT=False)
    response = app.test_client().get("/private", headers=BROWSER)
    assert response.status_code == 401
    assert response.get_json()["code"] == "MISSING_TOKEN"


@pytest.mark.parametrize(
    "next_value",
    [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(document.cookie)",
    ],
)
def test_sign_in_never_sends_the_browser_to_another_site(
    client: FlaskClient, next_value: str
) -> None:
    from urllib.parse import quote

    response = sign_in(client, next=quote(next_value, safe=""))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_control_character_in_next_means_the_root(client: FlaskClient) -> None:
    response = sign_in(client, next="/%09/evil.example")  # a tab: browsers drop it
    assert response.headers["Location"] == "/"
