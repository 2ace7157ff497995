"""The callback route: state once, the code exchanged with its verifier, the tokens verified.

Every refusal is an HTML page with a 4xx (or 5xx when Cognito cannot be asked), sets no token
cookie and redirects nowhere.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask.testing import FlaskClient
from signin_helpers import (
    PASSWORD,
    callback_path,
    query_of,
    set_cookie_headers,
    sign_in,
    start_sign_in,
)
from werkzeug.test import TestResponse

from flask_revstack_cognito.signin.blueprint import MAX_PENDING, SESSION_KEY
from flask_revstack_cognito.testing import LocalUserPool, browser_sign_in


def assert_refused(response: TestResponse, status: int, words: str) -> None:
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert "Location" not in response.headers
    assert set(set_cookie_headers(response)) <= {"session"}  # no token cookie
    assert words in response.text


def pending(client: FlaskClient) -> dict[str, Any]:
    with client.session_transaction() as session:
        return dict(session.get(SESSION_KEY, {}))


def edit_pending(client: FlaskClient, state: str, index: int, value: object) -> None:
    """Change one field (nonce 0, verifier 1, next 2, started 3) of a pending sign-in."""
    with client.session_transaction() as session:
        entries = dict(session[SESSION_KEY])
        entries[state] = [*entries[state]]
        entries[state][index] = value
        session[SESSION_KEY] = entries


def back_from_stand_in(client: FlaskClient, username: str = "admin") -> str:
    """Start a sign-in and sign in at the stand-in; return the callback path, not yet visited."""
    return callback_path(browser_sign_in(start_sign_in(client), username, PASSWORD))


def test_the_login_route_sends_the_browser_to_cognito_with_pkce(
    client: FlaskClient, signin_pool: LocalUserPool
) -> None:
    location = start_sign_in(client, "/private")
    assert location.startswith(f"{signin_pool.domain}/oauth2/authorize?")
    query = query_of(location)
    assert query["response_type"] == "code"
    assert query["client_id"] == signin_pool.client_id
    assert query["redirect_uri"] == "http://localhost/auth/callback"
    assert query["scope"] == "openid email profile"
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    (state, entry), *_ = pending(client).items()
    assert query["state"] == state
    assert query["nonce"] == entry[0]
    assert entry[2] == "/private"
    assert query["code_challenge"] != entry[1]  # the verifier never leaves the session


def test_a_wrong_state_is_refused(client: FlaskClient) -> None:
    back = back_from_stand_in(client)
    forged = back.replace(f"state={query_of(back)['state']}", "state=forged")
    assert_refused(client.get(forged), 400, "not one this browser started")


def test_a_missing_state_is_refused(client: FlaskClient) -> None:
    back = back_from_stand_in(client)
    assert_refused(
        client.get(f"/auth/callback?code={query_of(back)['code']}"), 400, "carries no state"
    )


def test_a_state_works_once(client: FlaskClient) -> None:
    back = back_from_stand_in(client)
    assert client.get(back).status_code == 302
    assert_refused(client.get(back), 400, "already used")


def test_a_callback_in_another_browser_is_refused(
    client: FlaskClient, signin_pool: LocalUserPool
) -> None:
    # The attacker's own code and state, sent to the victim's browser (login CSRF).
    back = back_from_stand_in(client)
    victim = client.application.test_client()
    assert_refused(victim.get(back), 400, "not one this browser started")


def test_a_replayed_code_is_refused_by_cognito(client: FlaskClient) -> None:
    back = back_from_stand_in(client)
    kept = pending(client)
    assert client.get(back).status_code == 302
    with client.session_transaction() as session:
        session[SESSION_KEY] = kept  # the state again, so only the code's single use is left
    assert_refused(client.get(back), 401, "Cognito refused the sign-in code (invalid_grant)")


def test_a_wrong_pkce_verifier_is_refused_by_cognito(client: FlaskClient) -> None:
    back = back_from_stand_in(client)
    edit_pending(client, query_of(back)["state"], 1, "another-verifier-" + "x" * 40)
    assert_refused(client.get(back), 401, "Cognito refused the sign-in code (invalid_grant)")


def test_an_id_token_with_another_nonce_is_refused(client: FlaskClient) -> None:
    back = back_from_stand_in(client)
    edit_pending(client, query_of(back)["state"], 0, "another-nonce")
    assert_refused(client.get(back), 401, "nonce is not this sign-in")


def test_cognitos_access_denied_is_a_401_page(client: FlaskClient) -> None:
    start_sign_in(client)
    (state,) = pending(client)
    response = client.get(
        f"/auth/callback?error=access_denied&error_description=PreAuthentication+failed"
        f"&state={state}"
    )
    assert_refused(response, 401, "Cognito refused the sign-in.")
    assert "PreAuthentication" not in response.text
    assert pending(client) == {}  # the state is used up


def test_access_denied_from_the_stand_in(client: FlaskClient, signin_pool: LocalUserPool) -> None:
    signin_pool.add_user("blocked", PASSWORD, access_denied="PreAuthentication failed")
    back = back_from_stand_in(client, "blocked")
    assert query_of(back)["error"] == "access_denied"
    assert_refused(client.get(back), 401, "Cognito refused the sign-in.")


def test_other_cognito_errors_are_a_400_page_that_echoes_nothing(client: FlaskClient) -> None:
    response = client.get("/auth/callback?error=<script>x</script>&error_description=<b>hi</b>")
    assert_refused(response, 400, "Cognito sent back an error.")
    assert "<script>" not in response.text
    assert "<b>" not in response.text
    invalid_scope = client.get("/auth/callback?error=invalid_scope")
    assert_refused(invalid_scope, 400, "a scope its app client may not use")


def test_a_missing_code_is_refused(client: FlaskClient) -> None:
    start_sign_in(client)
    (state,) = pending(client)
    assert_refused(client.get(f"/auth/callback?state={state}"), 400, "carries no code")


def test_an_old_sign_in_is_refused(client: FlaskClient) -> None:
    back = back_from_stand_in(client)
    edit_pending(client, query_of(back)["state"], 3, time.time() - 3601)
    assert_refused(client.get(back), 400, "took too long")


def test_a_token_endpoint_that_fails_is_a_502_page(
    client: FlaskClient, signin_pool: LocalUserPool
) -> None:
    back = back_from_stand_in(client)
    signin_pool.serve().fail_with(500, b"{}", path="/oauth2/token")
    assert_refused(client.get(back), 502, "Cognito could not be reached")


def test_a_token_endpoint_without_json_is_a_502_page(
    client: FlaskClient, signin_pool: LocalUserPool
) -> None:
    back = back_from_stand_in(client)
    signin_pool.serve().fail_with(400, b"<html>rate limited</html>", path="/oauth2/token")
    assert_refused(client.get(back), 502, "Cognito could not be reached")


def test_unreachable_keys_are_a_503_page(client: FlaskClient, signin_pool: LocalUserPool) -> None:
    back = back_from_stand_in(client)
    server = signin_pool.serve()
    server.fail_with(500, path=server.path)
    assert_refused(client.get(back), 503, "keys could not be fetched")


@pytest.mark.parametrize(
    "stored", ["not a dict", {"s": "not a list"}, {"s": [1, 2]}, {"s": [1, 2, 3, "4"]}]
)
def test_a_session_of_another_shape_holds_no_sign_in(client: FlaskClient, stored: object) -> None:
    with client.session_transaction() as session:
        session[SESSION_KEY] = stored
    assert_refused(client.get("/auth/callback?state=s&code=c"), 400, "not one this browser")
    assert start_sign_in(client)  # and a new sign-in starts afresh


def test_several_tabs_may_sign_in_at_once(client: FlaskClient) -> None:
    first = back_from_stand_in(client)
    second = back_from_stand_in(client)
    assert client.get(second).status_code == 302
    assert client.get(first).status_code == 302


def test_only_the_latest_sign_ins_are_kept(client: FlaskClient) -> None:
    oldest = back_from_stand_in(client)
    for _ in range(MAX_PENDING):
        start_sign_in(client)
    assert len(pending(client)) == MAX_PENDING
    assert_refused(client.get(oldest), 400, "not one this browser started")


def test_the_session_never_holds_a_token(client: FlaskClient) -> None:
    back = back_from_stand_in(client)
    with client.session_transaction() as session:
        before = dict(session)
    response = client.get(back)
    tokens = [client.get_cookie(name) for name in ("id_token", "access_token")]
    with client.session_transaction() as session:
        after = dict(session)
    assert after == {SESSION_KEY: {}}
    assert before.keys() == {SESSION_KEY}
    for cookie in tokens:
        assert cookie is not None
        assert cookie.value not in str(before)
        assert cookie.value not in response.headers["Location"]


@pytest.mark.parametrize("username", ["admin", "member"])
def test_sign_in_redirects_to_next(client: FlaskClient, username: str) -> None:
    response = sign_in(client, username, next="/orders?page=2")
    assert response.headers["Location"] == "/orders?page=2"
    assert response.headers["Cache-Control"] == "no-store"
