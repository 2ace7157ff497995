"""What the callback says and logs: an outage in its own words, Cognito's error cut and clean."""

from __future__ import annotations

import logging

import pytest
from flask.testing import FlaskClient
from signin_helpers import make_signin_app, set_cookie_headers, sign_in

from flask_revstack_cognito.testing import LocalUserPool


class StoreDown:
    """A revocation store that cannot answer."""

    def revoke(self, keys: tuple[str, ...], until: float) -> None:
        raise ConnectionError("down")

    def is_revoked(self, keys: tuple[str, ...]) -> bool:
        raise ConnectionError("down")


def test_a_revocation_store_outage_is_not_called_missing_keys(
    signin_pool: LocalUserPool,
) -> None:
    client = make_signin_app(signin_pool, COGNITO_REVOCATION_STORE=StoreDown()).test_client()
    answer = sign_in(client)
    assert answer.status_code == 503
    assert "the revocation list could not be checked" in answer.text
    assert "keys" not in answer.text
    assert set(set_cookie_headers(answer)) <= {"session"}


def test_unreachable_keys_are_named_in_the_page(
    client: FlaskClient, signin_pool: LocalUserPool
) -> None:
    server = signin_pool.serve()
    server.fail_with(500, path=server.path)
    answer = sign_in(client)
    assert answer.status_code == 503
    assert "keys could not be fetched" in answer.text


def test_cognitos_error_description_is_logged_cut_and_clean(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    description = "PreAuthentication\x1b[31m failed\r\nFAKE log line " + "x" * 5000
    with caplog.at_level(logging.INFO, logger="flask_revstack_cognito"):
        client.get(
            "/auth/callback",
            query_string={
                "error": "access_denied\n" + "e" * 100,
                "error_description": description,
            },
        )
    [record] = [r for r in caplog.records if r.getMessage().startswith("sign-in refused")]
    assert isinstance(record.args, tuple)
    error, logged = record.args
    assert isinstance(logged, str)
    assert error == "access_denied" + "e" * 50  # 64 characters cut, then the newline dropped
    assert logged.startswith("PreAuthentication[31m failedFAKE log line xxx")
    assert len(logged) <= 256
    assert all(char.isprintable() for char in logged)


def test_a_missing_error_description_is_logged_empty(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="flask_revstack_cognito"):
        client.get("/auth/callback?error=access_denied")
    assert "sign-in refused by Cognito: 'access_denied' ('')" in caplog.messages
