"""The ``token_verified`` signal, and what a refused request logs."""

from __future__ import annotations

import logging

import pytest
from decorator_helpers import bearer, make_app, recording
from flask import Flask, g, request

from flask_revstack_cognito import (
    CognitoAuthError,
    CognitoUser,
    current_cognito_user,
    token_verified,
    verification_failed,
    verify_request,
)
from flask_revstack_cognito.testing import LocalUserPool

# -- token_verified ---------------------------------------------------------------------------


def test_token_verified_once_per_successful_request(app: Flask, user_pool: LocalUserPool) -> None:
    client = app.test_client()
    tokens = {
        "alice": user_pool.id_token(sub="alice"),
        "bob": user_pool.id_token(sub="bob", groups=["admins"]),
    }
    with recording(app) as signals:
        for path, sub in [("/me", "alice"), ("/stacked", "bob"), ("/me", "alice"), ("/me", "bob")]:
            assert client.get(path, headers=bearer(tokens[sub])).status_code == 200
        assert client.get("/me").status_code == 401
        assert client.get("/public", headers=bearer(tokens["alice"])).status_code == 200
    assert [(sender, user.user_id) for sender, user in signals.verified] == [
        (app, "alice"),
        (app, "bob"),
        (app, "alice"),
        (app, "bob"),
    ]
    assert len(signals.failed) == 1


def test_signals_of_another_app_are_not_received(app: Flask, user_pool: LocalUserPool) -> None:
    other = make_app(user_pool)
    with recording(app) as signals:
        assert other.test_client().get("/me").status_code == 401
        ok = other.test_client().get("/me", headers=bearer(user_pool.id_token()))
        assert ok.status_code == 200
    assert signals.verified == []
    assert signals.failed == []


def test_signal_receivers_run_inside_the_request(app: Flask, user_pool: LocalUserPool) -> None:
    seen: list[tuple[str, str, bool]] = []

    def on_failed(sender: Flask, *, error: CognitoAuthError, **extra: object) -> None:
        # Sent before the response is made, in the request: g and request are at hand.
        g.failure_seen = True
        seen.append(("failed", request.path, bool(current_cognito_user)))

    def on_verified(sender: Flask, *, user: CognitoUser, **extra: object) -> None:
        seen.append(("verified", request.path, bool(current_cognito_user)))

    with (
        verification_failed.connected_to(on_failed, app),
        token_verified.connected_to(on_verified, app),
    ):
        client = app.test_client()
        client.get("/any-group", headers=bearer(user_pool.id_token()))
        client.get("/me", headers=bearer(user_pool.id_token()))
    # The user is set before token_verified is sent; never on a refused request.
    assert seen == [("failed", "/any-group", False), ("verified", "/me", True)]


def test_the_logged_path_cannot_forge_log_lines(
    user_pool: LocalUserPool, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(user_pool)

    @app.before_request
    def everything_needs_a_user() -> None:
        verify_request()

    with caplog.at_level(logging.INFO, logger="flask_revstack_cognito"):
        response = app.test_client().get("/a%0AWARNING token verified for sub=admin")
    assert response.status_code == 401
    (record,) = [r for r in caplog.records if r.name == "flask_revstack_cognito"]
    assert "\n" not in record.getMessage()
    assert "MISSING_TOKEN" in record.getMessage()
