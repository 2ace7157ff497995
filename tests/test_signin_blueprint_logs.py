"""The log lines of the sign-in routes, whole: level and text of each failure an operator sees.

A successful sign-in or sign-out logs nothing of the routes' own.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from signin_helpers import (
    PASSWORD,
    callback_path,
    make_signin_app,
    sign_in,
    start_sign_in,
)

from flask_revstack_cognito.signin.blueprint import SESSION_KEY
from flask_revstack_cognito.signin.cookies import MAX_COOKIE_BYTES
from flask_revstack_cognito.testing import (
    Grant,
    LocalPoolBackend,
    LocalUserPool,
    SignIn,
    browser_sign_in,
)

INFO, WARNING, ERROR = logging.INFO, logging.WARNING, logging.ERROR


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[list[tuple[int, str]]]:
    """The routes' own log lines, as (level, text), filled in as the test runs."""
    lines: list[tuple[int, str]] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.module == "blueprint":
                lines.append((record.levelno, record.getMessage()))

    handler = Collect(logging.DEBUG)
    logger = logging.getLogger("flask_revstack_cognito")
    logger.addHandler(handler)
    with caplog.at_level(logging.DEBUG, logger="flask_revstack_cognito"):
        yield lines
    logger.removeHandler(handler)


def back_from_stand_in(client: FlaskClient, username: str = "admin") -> str:
    return callback_path(browser_sign_in(start_sign_in(client), username, PASSWORD))


def test_a_sign_in_and_a_sign_out_log_nothing(
    client: FlaskClient, logged: list[tuple[int, str]]
) -> None:
    assert sign_in(client).status_code == 302
    assert client.post("/auth/logout").status_code == 303
    assert logged == []


def test_an_error_from_cognito(client: FlaskClient, logged: list[tuple[int, str]]) -> None:
    client.get(
        "/auth/callback",
        query_string={"error": "access_denied", "error_description": "PreAuthentication failed"},
    )
    assert logged == [
        (INFO, "sign-in refused by Cognito: 'access_denied' ('PreAuthentication failed')")
    ]


def test_an_error_from_cognito_is_cut_to_fit_a_log_line(
    client: FlaskClient, logged: list[tuple[int, str]]
) -> None:
    client.get(
        "/auth/callback",
        query_string={"error": "e" * 100, "error_description": "d" * 300},
    )
    assert logged == [(INFO, f"sign-in refused by Cognito: '{'e' * 64}' ('{'d' * 256}')")]


def test_a_code_cognito_refuses(client: FlaskClient, logged: list[tuple[int, str]]) -> None:
    start_sign_in(client)
    with client.session_transaction() as session:
        (state,) = session[SESSION_KEY]
    client.get(f"/auth/callback?state={state}&code=not-a-code")
    assert logged == [(INFO, "sign-in code refused by Cognito: invalid_grant")]


def test_a_token_endpoint_that_fails(
    client: FlaskClient, signin_pool: LocalUserPool, logged: list[tuple[int, str]]
) -> None:
    back = back_from_stand_in(client)
    signin_pool.serve().fail_with(503, b"", path="/oauth2/token")
    client.get(back)
    assert logged == [(WARNING, "sign-in code exchange failed: Cognito answered HTTP 503")]


def test_keys_that_cannot_be_fetched(
    client: FlaskClient, signin_pool: LocalUserPool, logged: list[tuple[int, str]]
) -> None:
    back = back_from_stand_in(client)
    server = signin_pool.serve()
    server.fail_with(500, path=server.path)
    client.get(back)
    assert logged == [(WARNING, "sign-in tokens could not be checked: keys could not be fetched")]


class AccessTokenAsIdToken(LocalPoolBackend):
    """Sends the access token in the ID token's place: the app's verifier refuses it."""

    def sign_in(self, username: str, password: str, grant: Grant) -> SignIn:
        signed = super().sign_in(username, password, grant)
        tokens = dataclasses.replace(signed.tokens, id_token=signed.tokens.access_token)
        return dataclasses.replace(signed, tokens=tokens)


def test_tokens_the_verifier_refuses(
    client: FlaskClient, signin_pool: LocalUserPool, logged: list[tuple[int, str]]
) -> None:
    signin_pool.managed_login.backend = AccessTokenAsIdToken(signin_pool)
    sign_in(client)
    assert logged == [(INFO, "sign-in tokens refused: expected an ID token, got an access token")]


def test_tokens_sign_in_refuses(client: FlaskClient, logged: list[tuple[int, str]]) -> None:
    back = back_from_stand_in(client)
    with client.session_transaction() as session:
        ((state, entry),) = session[SESSION_KEY].items()
        session[SESSION_KEY] = {state: ["another-nonce", *entry[1:]]}
    client.get(back)
    assert logged == [(INFO, "sign-in tokens refused: the ID token's nonce is not this sign-in's")]


def test_tokens_too_large_for_a_cookie(
    client: FlaskClient, signin_pool: LocalUserPool, logged: list[tuple[int, str]]
) -> None:
    signin_pool.add_user("verbose", PASSWORD, custom={"bio": "x" * 4000})
    sign_in(client, "verbose")
    [(level, text)] = logged
    assert level == WARNING
    pattern = (
        rf"sign-in refused: the id_token cookie would be \d+ bytes; "
        rf"browsers keep at most {MAX_COOKIE_BYTES}"
    )
    assert re.fullmatch(pattern, text), text


def test_a_refresh_token_cognito_cannot_revoke(
    client: FlaskClient, signin_pool: LocalUserPool, logged: list[tuple[int, str]]
) -> None:
    sign_in(client)
    signin_pool.serve().fail_with(500, b"oops", path="/oauth2/revoke")
    assert client.post("/auth/logout").status_code == 303
    assert logged == [
        (WARNING, "refresh token revocation at Cognito failed: Cognito answered HTTP 500")
    ]


def test_a_sign_out_with_a_store_and_nobody_signed_in_logs_nothing(
    signin_pool: LocalUserPool, logged: list[tuple[int, str]]
) -> None:
    client = make_signin_app(signin_pool, COGNITO_REVOCATION_STORE="memory").test_client()
    assert client.post("/auth/logout").status_code == 303
    assert logged == []


def test_a_sign_out_without_a_store_logs_nothing(
    client: FlaskClient, logged: list[tuple[int, str]]
) -> None:
    sign_in(client)
    assert client.post("/auth/logout").status_code == 303
    assert logged == []
