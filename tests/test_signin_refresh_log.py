"""The log lines of a refresh that gives nothing, whole: what an operator reads about sign-outs.

A changed refresh cookie, a refresh Cognito refuses, refreshed tokens that fail verification,
an unreachable token endpoint and refreshed tokens too large for a cookie each log one line of
their own, at their own level; none of them holds a token.
"""

from __future__ import annotations

import logging
import re

import pytest
import requests
from flask.testing import FlaskClient
from signin_helpers import (
    BROWSER,
    PASSWORD,
    TokenCalls,
    cookie_value,
    refresh_token_of,
    sign_in,
)

from flask_revstack_cognito.testing import LocalUserPool

LOGGER = "flask_revstack_cognito"


@pytest.fixture
def expired(client: FlaskClient, signin_pool: LocalUserPool, calls: TokenCalls) -> FlaskClient:
    """A signed-in browser whose ID and access cookies have expired."""
    sign_in(client)
    client.set_cookie("id_token", signin_pool.id_token(expires_in=-10))
    client.set_cookie("access_token", signin_pool.access_token(expires_in=-10))
    calls.reset()
    return client


def records(caplog: pytest.LogCaptureFixture) -> list[tuple[str, int, str]]:
    """The sign-in feature's log records (not the decorators' "request refused" line)."""
    return [
        (record.name, record.levelno, record.getMessage())
        for record in caplog.records
        if record.module == "feature"
    ]


def test_a_changed_refresh_cookie_is_logged_as_such(
    expired: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    sealed = cookie_value(expired, "refresh_token")
    assert sealed is not None
    expired.set_cookie("refresh_token", sealed[:-1] + ("A" if sealed[-1] != "A" else "B"))
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        assert expired.get("/api/me").status_code == 401
    assert records(caplog) == [
        (
            LOGGER,
            logging.INFO,
            "refresh cookie refused: changed, or sealed under another SECRET_KEY",
        )
    ]


def test_a_refresh_cognito_refuses_is_logged_with_cognitos_error(
    expired: FlaskClient, signin_pool: LocalUserPool, caplog: pytest.LogCaptureFixture
) -> None:
    revoked = requests.post(
        f"{signin_pool.domain}/oauth2/revoke",
        data={"token": refresh_token_of(expired), "client_id": signin_pool.client_id},
        timeout=5,
    )
    assert revoked.status_code == 200
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        assert expired.get("/api/me").status_code == 401
    assert records(caplog) == [
        (LOGGER, logging.INFO, "token refresh refused: Cognito refused the request: invalid_grant")
    ]


def test_refreshed_tokens_that_fail_verification_are_logged_with_the_code(
    expired: FlaskClient, signin_pool: LocalUserPool, caplog: pytest.LogCaptureFixture
) -> None:
    signin_pool.rotate_key(keep_old=True)  # new tokens are signed by a key the app lacks...
    server = signin_pool.serve()
    server.fail_with(500, path=server.path)  # ...and cannot fetch
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert expired.get("/api/me").status_code == 401
    assert records(caplog) == [(LOGGER, logging.INFO, "token refresh refused: UNKNOWN_KEY")]


def test_an_unreachable_token_endpoint_is_a_warning(
    expired: FlaskClient, signin_pool: LocalUserPool, caplog: pytest.LogCaptureFixture
) -> None:
    signin_pool.serve().fail_with(503, b"", path="/oauth2/token")
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        assert expired.get("/api/me").status_code == 401
    assert records(caplog) == [
        (LOGGER, logging.WARNING, "token refresh failed: Cognito answered HTTP 503")
    ]


def test_refreshed_tokens_too_large_for_a_cookie_are_a_warning(
    client: FlaskClient, signin_pool: LocalUserPool, caplog: pytest.LogCaptureFixture
) -> None:
    user = signin_pool.add_user("growing", PASSWORD)
    sign_in(client, "growing")
    signin_pool.add_user("growing", PASSWORD, sub=user.sub, custom={"bio": "x" * 4000})
    client.delete_cookie("id_token")
    client.delete_cookie("access_token")
    with caplog.at_level(logging.DEBUG, logger=LOGGER):
        page = client.get("/private", headers=BROWSER)
    assert page.status_code == 200
    ((name, level, message),) = records(caplog)
    assert (name, level) == (LOGGER, logging.WARNING)
    assert re.fullmatch(
        r"refreshed tokens dropped: the id_token cookie would be \d{4} bytes; "
        r"browsers keep at most 4093",
        message,
    ), message
    assert page.headers["Cache-Control"] == "private, no-store"
