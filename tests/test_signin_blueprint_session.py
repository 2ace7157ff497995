"""What the sign-in routes keep in the session and send: the secrets' sizes, the sign-ins kept,
the ones read back, the signals' users and the user a sign-out names."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from signin_helpers import (
    PASSWORD,
    assert_page,
    callback_path,
    error_page,
    query_of,
    sign_in,
    start_sign_in,
)

from flask_revstack_cognito import CognitoUser, user_signed_in, user_signed_out
from flask_revstack_cognito.testing import LocalUserPool, browser_sign_in

#: The session key of the sign-ins in progress, as an app (or its operator) sees it.
SESSION_KEY = "_cognito_signin"
NOT_STARTED = (
    "This sign-in is not one this browser started, it was already used, or it took too long. "
    "Please sign in again."
)


def pending(client: FlaskClient) -> dict[str, list[object]]:
    with client.session_transaction() as session:
        return dict(session.get(SESSION_KEY, {}))


def test_a_sign_in_keeps_256_bit_secrets_under_its_state(client: FlaskClient) -> None:
    query = query_of(start_sign_in(client, "/orders"))
    ((state, entry),) = pending(client).items()
    nonce, verifier, next_path, started = entry
    assert query["state"] == state
    assert query["nonce"] == nonce
    assert len(state) == len(nonce) == 43  # 32 random bytes, base64url
    assert isinstance(verifier, str)
    assert len(verifier) == 43  # RFC 7636: 43 to 128 characters
    assert len({state, nonce, verifier}) == 3
    assert next_path == "/orders"
    assert isinstance(started, float)
    assert time.time() - 60 < started <= time.time()


def test_a_sign_in_without_next_returns_home(client: FlaskClient) -> None:
    start_sign_in(client, None)
    ((_, entry),) = pending(client).items()
    assert entry[2] == "/"


def test_the_oldest_sign_in_goes_first(client: FlaskClient) -> None:
    # Five sign-ins whose state, nonce, verifier and next all sort after any new one's: only
    # their start times say which is the oldest.
    now = time.time()
    seeded = {f"~{age}": ["~", "~", "/~", now - age] for age in (50, 40, 30, 20, 10)}
    with client.session_transaction() as session:
        session[SESSION_KEY] = seeded
    new_state = query_of(start_sign_in(client, "/orders"))["state"]
    assert set(pending(client)) == {"~40", "~30", "~20", "~10", new_state}


def test_five_sign_ins_are_kept(client: FlaskClient) -> None:
    states = [query_of(start_sign_in(client))["state"] for _ in range(6)]
    assert set(pending(client)) == set(states[1:])


def test_a_sign_in_of_almost_an_hour_still_completes(client: FlaskClient) -> None:
    back = callback_path(browser_sign_in(start_sign_in(client), "admin", PASSWORD))
    with client.session_transaction() as session:
        ((state, entry),) = session[SESSION_KEY].items()
        session[SESSION_KEY] = {state: [*entry[:3], time.time() - 3540]}
    assert client.get(back).status_code == 302


@pytest.mark.parametrize(
    "entry",
    [
        ["nonce", "verifier", 0.0],  # three fields, the last a time
        ["nonce", "verifier", "/", "extra", 0.0],  # five fields
        {"nonce": 1, "verifier": 2, "next": 3, "started": 4},  # four fields, not a list
    ],
)
def test_a_sign_in_of_another_shape_is_not_one(client: FlaskClient, entry: object) -> None:
    if isinstance(entry, list):
        entry[-1] = time.time()
    with client.session_transaction() as session:
        session[SESSION_KEY] = {"s": entry}
    assert_page(
        client.get("/auth/callback?state=s&code=c"), 400, error_page("Sign-in failed", NOT_STARTED)
    )


def test_signed_in_is_sent_with_the_app_and_the_id_tokens_user(
    client: FlaskClient, signin_app: Flask
) -> None:
    received: list[tuple[object, CognitoUser]] = []
    with user_signed_in.connected_to(
        lambda sender, user: received.append((sender, user)), sender=signin_app
    ):
        assert sign_in(client).status_code == 302
    [(sender, user)] = received
    assert sender is signin_app
    assert (user.username, user.token_use, user.groups) == ("admin", "id", ("admins",))


def test_a_failed_sign_in_sends_no_signal(client: FlaskClient, signin_app: Flask) -> None:
    received: list[CognitoUser] = []
    with user_signed_in.connected_to(lambda sender, user: received.append(user)):
        client.get("/auth/callback?error=access_denied")
    assert received == []


def test_signed_out_is_sent_with_the_app(client: FlaskClient, signin_app: Flask) -> None:
    sign_in(client)
    received: list[tuple[object, CognitoUser | None]] = []
    with user_signed_out.connected_to(lambda sender, user: received.append((sender, user))):
        client.post("/auth/logout")
    [(sender, user)] = received
    assert sender is signin_app
    assert user is not None
    assert (user.username, user.token_use) == ("admin", "id")


def test_an_expired_id_cookie_leaves_the_access_cookie_to_name_the_user(
    client: FlaskClient, signin_app: Flask, signin_pool: LocalUserPool
) -> None:
    sign_in(client)
    client.set_cookie("id_token", signin_pool.id_token(expires_in=-10))
    received: list[CognitoUser | None] = []
    with user_signed_out.connected_to(lambda sender, user: received.append(user)):
        client.post("/auth/logout")
    [user] = received
    assert user is not None
    assert (user.username, user.token_use) == ("admin", "access")
