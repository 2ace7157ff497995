"""The whole pages the sign-in routes answer with: every failure's status, title and words, and
the page that moves a ``Strict`` sign-in on.

A failure page is what a user sees when sign-in goes wrong: its text is pinned whole, as the
JSON refusals' messages are.
"""

from __future__ import annotations

import dataclasses

import pytest
from flask.testing import FlaskClient
from signin_helpers import (
    PASSWORD,
    assert_page,
    callback_path,
    error_page,
    make_signin_app,
    set_cookie_headers,
    sign_in,
    start_sign_in,
)

from flask_revstack_cognito.signin.blueprint import SESSION_KEY
from flask_revstack_cognito.testing import (
    Grant,
    LocalPoolBackend,
    LocalUserPool,
    SignIn,
    browser_sign_in,
)

FAILED = "Sign-in failed"


def started_state(client: FlaskClient) -> str:
    """Start a sign-in; return its state."""
    start_sign_in(client)
    with client.session_transaction() as session:
        (state,) = session[SESSION_KEY]
    return str(state)


@pytest.mark.parametrize(
    ("error", "status", "words"),
    [
        ("access_denied", 401, "Cognito refused the sign-in."),
        ("invalid_request", 400, "Cognito found the sign-in request invalid."),
        ("unauthorized_client", 400, "This app client may not sign users in with the code flow."),
        (
            "unsupported_response_type",
            400,
            "Cognito does not support the requested response type.",
        ),
        ("invalid_scope", 400, "The app asked Cognito for a scope its app client may not use."),
        ("server_error", 400, "Cognito failed to complete the sign-in."),
        ("temporarily_unavailable", 400, "Cognito is temporarily unavailable."),
        ("ACCESS_DENIED", 400, "Cognito sent back an error."),
        ("something_else", 400, "Cognito sent back an error."),
    ],
)
def test_each_error_from_cognito_has_its_page(
    client: FlaskClient, error: str, status: int, words: str
) -> None:
    state = started_state(client)
    response = client.get("/auth/callback", query_string={"error": error, "state": state})
    assert_page(response, status, error_page(FAILED, words))


def test_an_error_without_a_state_has_the_same_page(client: FlaskClient) -> None:
    response = client.get("/auth/callback?error=access_denied")
    assert_page(response, 401, error_page(FAILED, "Cognito refused the sign-in."))


def test_an_answer_without_a_state(client: FlaskClient) -> None:
    response = client.get("/auth/callback?code=c")
    assert_page(response, 400, error_page(FAILED, "The answer from Cognito carries no state."))
    empty = client.get("/auth/callback?code=c&state=")
    assert_page(empty, 400, error_page(FAILED, "The answer from Cognito carries no state."))


def test_an_answer_with_a_state_this_browser_did_not_start(client: FlaskClient) -> None:
    started_state(client)
    response = client.get("/auth/callback?code=c&state=forged")
    words = (
        "This sign-in is not one this browser started, it was already used, or it took too "
        "long. Please sign in again."
    )
    assert_page(response, 400, error_page(FAILED, words))


def test_an_answer_without_a_code(client: FlaskClient) -> None:
    state = started_state(client)
    response = client.get(f"/auth/callback?state={state}")
    assert_page(response, 400, error_page(FAILED, "The answer from Cognito carries no code."))
    empty = client.get(f"/auth/callback?state={started_state(client)}&code=")
    assert_page(empty, 400, error_page(FAILED, "The answer from Cognito carries no code."))


def test_a_code_cognito_refuses(client: FlaskClient) -> None:
    state = started_state(client)
    response = client.get(f"/auth/callback?state={state}&code=not-a-code")
    words = "Cognito refused the sign-in code (invalid_grant). Please sign in again."
    assert_page(response, 401, error_page(FAILED, words))


def test_a_token_endpoint_that_fails(client: FlaskClient, signin_pool: LocalUserPool) -> None:
    back = callback_path(browser_sign_in(start_sign_in(client), "admin", PASSWORD))
    signin_pool.serve().fail_with(503, b"", path="/oauth2/token")
    words = "Cognito could not be reached. Please try again."
    assert_page(client.get(back), 502, error_page(FAILED, words))


def test_keys_that_cannot_be_fetched(client: FlaskClient, signin_pool: LocalUserPool) -> None:
    server = signin_pool.serve()
    server.fail_with(500, path=server.path)
    words = (
        "The tokens from Cognito could not be checked: keys could not be fetched. "
        "Please try again."
    )
    assert_page(sign_in(client), 503, error_page(FAILED, words))


class AccessTokenAsIdToken(LocalPoolBackend):
    """Sends the access token in the ID token's place: the app's verifier refuses it."""

    def sign_in(self, username: str, password: str, grant: Grant) -> SignIn:
        signed = super().sign_in(username, password, grant)
        tokens = dataclasses.replace(signed.tokens, id_token=signed.tokens.access_token)
        return dataclasses.replace(signed, tokens=tokens)


def test_tokens_the_verifier_refuses(client: FlaskClient, signin_pool: LocalUserPool) -> None:
    signin_pool.managed_login.backend = AccessTokenAsIdToken(signin_pool)
    words = "The tokens from Cognito were refused: expected an ID token, got an access token."
    assert_page(sign_in(client), 401, error_page(FAILED, words))


def test_tokens_sign_in_refuses(client: FlaskClient) -> None:
    back = callback_path(browser_sign_in(start_sign_in(client), "admin", PASSWORD))
    with client.session_transaction() as session:
        ((state, entry),) = session[SESSION_KEY].items()
        session[SESSION_KEY] = {state: ["another-nonce", *entry[1:]]}
    words = "The tokens from Cognito were refused: the ID token's nonce is not this sign-in's."
    assert_page(client.get(back), 401, error_page(FAILED, words))


def test_tokens_too_large_for_a_cookie(client: FlaskClient, signin_pool: LocalUserPool) -> None:
    signin_pool.add_user("verbose", PASSWORD, custom={"bio": "x" * 4000})
    words = (
        "The tokens from Cognito are too large for a browser cookie: the user has too many "
        "groups or attributes for this app."
    )
    assert_page(sign_in(client, "verbose"), 502, error_page(FAILED, words))


def test_a_cross_site_sign_out(client: FlaskClient) -> None:
    response = client.post("/auth/logout", headers={"Sec-Fetch-Site": "cross-site"})
    assert_page(
        response,
        403,
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        "<title>Sign-out refused</title></head>\n<body><h1>Sign-out refused</h1>\n"
        "<p>A sign-out must come from this site&#39;s pages.</p>\n"
        '<p><a href="/auth/login">Sign in</a> &middot; <a href="/">Home</a></p>'
        "\n</body></html>\n",
    )


def test_the_pages_link_to_the_app_under_its_script_root(client: FlaskClient) -> None:
    response = client.get("/auth/callback?code=c", base_url="http://localhost/shop")
    words = "The answer from Cognito carries no state."
    assert_page(response, 400, error_page(FAILED, words, root="/shop"))
    assert '<a href="/shop/">Home</a>' in response.text


def test_a_strict_sign_in_moves_on_with_a_page(signin_pool: LocalUserPool) -> None:
    client = make_signin_app(signin_pool, COGNITO_COOKIE_SAMESITE="Strict").test_client()
    response = sign_in(client, next="/orders?page=2%26sort=new")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Location" not in response.headers
    assert response.text == (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        '<meta http-equiv="refresh" content="0;url=/orders?page=2&amp;sort=new">'
        "<title>Signed in</title></head>\n"
        '<body><p>Signed in. <a href="/orders?page=2&amp;sort=new">Continue</a></p>'
        "</body></html>\n"
    )
    cookies = set_cookie_headers(response)
    assert {"id_token", "access_token", "refresh_token"} <= set(cookies)
    assert "SameSite=Strict" in cookies["id_token"]
    assert client.get("/orders").status_code == 200


def test_a_lax_sign_in_redirects(client: FlaskClient) -> None:
    response = sign_in(client, next="/orders?page=2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/orders?page=2"
    assert response.headers["Cache-Control"] == "no-store"
