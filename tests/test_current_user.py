"""``current_cognito_user``: when it is set, when it is cleared, and one verification a request."""

from __future__ import annotations

import pytest
from decorator_helpers import assert_failed_once, bearer, insufficient, make_app, recording
from flask import Flask

from flask_revstack_cognito import (
    CognitoUser,
    InsufficientScopeError,
    TokenExpiredError,
    TokenVerifier,
    current_cognito_user,
    verify_request,
)
from flask_revstack_cognito.testing import LocalUserPool

# -- current_cognito_user --------------------------------------------------------------------


def test_current_user_is_falsy_outside_a_request(app: Flask) -> None:
    assert not current_cognito_user
    with app.app_context():
        assert not current_cognito_user
    with app.test_request_context("/me", headers={"Authorization": "Bearer x"}):
        assert not current_cognito_user


def test_current_user_is_set_by_the_check_and_not_before(
    app: Flask, user_pool: LocalUserPool
) -> None:
    client = app.test_client()
    token = user_pool.id_token(sub="imperative-user")
    response = client.get("/imperative", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json()["before"] is False
    assert response.get_json()["returned"] == "imperative-user"
    assert response.get_json()["user"] == "imperative-user"
    # A view without any check has no user, even with a valid token.
    assert client.get("/public", headers=bearer(token)).get_json() == {"user": None}


def test_current_user_is_falsy_in_the_error_handler_of_a_403(user_pool: LocalUserPool) -> None:
    seen: list[object] = []
    app = make_app(user_pool)

    @app.errorhandler(InsufficientScopeError)
    def forbidden(error: InsufficientScopeError) -> tuple[str, int]:
        seen.append(bool(current_cognito_user))
        return "forbidden", 403

    client = app.test_client()
    assert client.get("/any-group", headers=bearer(user_pool.id_token())).status_code == 403
    assert client.get("/orders", headers=bearer(user_pool.access_token())).status_code == 403
    assert client.get("/admin/reports", headers=bearer(user_pool.id_token())).status_code == 403
    assert seen == [False, False, False]


def test_a_later_failing_check_clears_the_user_an_earlier_check_set(
    user_pool: LocalUserPool,
) -> None:
    """A passing ``before_request`` check followed by a failing decorator leaves no user."""
    seen: list[object] = []
    app = make_app(user_pool)

    @app.before_request
    def any_signed_in_user() -> None:
        verify_request()

    @app.errorhandler(InsufficientScopeError)
    def forbidden(error: InsufficientScopeError) -> tuple[str, int]:
        seen.append(bool(current_cognito_user))
        return "forbidden", 403

    response = app.test_client().get("/any-group", headers=bearer(user_pool.id_token()))
    assert response.status_code == 403
    assert seen == [False]


def test_user_is_verified_once_per_request(
    user_pool: LocalUserPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = TokenVerifier.verify

    def counting(self: TokenVerifier, token: str, *, token_use: str | None = None) -> CognitoUser:
        calls.append(token)
        return original(self, token, token_use=token_use)

    monkeypatch.setattr(TokenVerifier, "verify", counting)
    app = make_app(user_pool)  # init_app takes the verifier's verify as it is now
    client = app.test_client()
    admin = user_pool.id_token(sub="admin-1", groups=["admins"])
    for path in ("/stacked", "/admin/decorated"):
        calls.clear()
        with recording(app) as signals:
            response = client.get(path, headers=bearer(admin))
        assert response.status_code == 200, path
        assert response.get_json()["user"] == "admin-1"
        assert calls == [admin], path
        assert len(signals.verified) == 1, path
        assert signals.verified[0][1].user_id == "admin-1"
        assert signals.failed == []

    # A bad token is verified once too, and refused once, whatever the number of checks.
    expired = user_pool.id_token(groups=["admins"], expires_in=-60)
    for path in ("/stacked", "/admin/decorated", "/two-failures"):
        calls.clear()
        with recording(app) as signals:
            response = client.get(path, headers=bearer(expired))
        assert response.get_json()["code"] == "TOKEN_EXPIRED", path
        assert calls == [expired], path
        assert_failed_once(signals, app, TokenExpiredError)


def test_two_failed_checks_in_one_request_signal_once(
    app: Flask, user_pool: LocalUserPool
) -> None:
    with recording(app) as signals:
        response = app.test_client().get("/two-failures", headers=bearer(user_pool.id_token()))
    # The response is the second failure; the signal was sent for the first one.
    assert response.status_code == 403
    sent = assert_failed_once(signals, app, InsufficientScopeError)
    assert isinstance(sent, InsufficientScopeError)
    assert sent.required_groups == ("nobody",)
    assert sent.required_scopes == ()
    assert response.headers["WWW-Authenticate"] == insufficient("orders/read")
