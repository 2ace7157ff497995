"""OPTIONS requests, async views, wrapped view metadata and ``verify_request`` in a blueprint."""

from __future__ import annotations

import pytest
from decorator_helpers import (
    NO_TOKEN_CHALLENGE,
    assert_failed_once,
    assert_refused,
    bearer,
    insufficient,
    invalid_token,
    recording,
)
from flask import Flask

from flask_revstack_cognito import (
    InsufficientScopeError,
    MissingTokenError,
    TokenExpiredError,
    login_required,
)
from flask_revstack_cognito.testing import LocalUserPool

# -- OPTIONS, async views --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/preflight", "/async-admins"])
def test_options_passes_without_a_token_and_without_running_the_view(
    app: Flask, path: str
) -> None:
    with recording(app) as signals:
        response = app.test_client().options(path)
    assert response.status_code == 200
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert response.get_data() == b""  # the default answer, not the protected view's body
    assert signals.verified == []
    assert signals.failed == []
    # The same views still refuse a GET without a token.
    assert app.test_client().get(path).status_code == 401


def test_async_view(app: Flask, user_pool: LocalUserPool) -> None:
    client = app.test_client()
    with recording(app) as signals:
        response = client.get("/async", headers=bearer(user_pool.id_token(sub="async-user")))
    assert response.status_code == 200
    assert response.get_json() == {
        "async": True,
        "user": "async-user",
        "token_use": "id",
        "groups": [],
        "scopes": [],
    }
    assert len(signals.verified) == 1

    missing = client.get("/async")
    assert_refused(missing, MissingTokenError, "missing bearer token", NO_TOKEN_CHALLENGE)
    forbidden = client.get("/async-admins", headers=bearer(user_pool.id_token()))
    assert forbidden.status_code == 403
    admin = client.get("/async-admins", headers=bearer(user_pool.id_token(groups=["admins"])))
    assert admin.status_code == 200
    assert admin.get_json()["async"] is True


def test_decorator_keeps_the_view_name_and_docstring() -> None:
    def view() -> str:
        """The doc."""
        return "ok"

    for decorated in (login_required(view), login_required(groups=["a"])(view)):
        assert decorated.__name__ == "view"
        assert decorated.__doc__ == "The doc."
        assert decorated.__wrapped__ is view  # type: ignore[attr-defined]


# -- verify_request in a blueprint -----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/admin/reports"), ("POST", "/admin/settings"), ("GET", "/admin/decorated")],
)
def test_blueprint_before_request_protects_every_route(
    app: Flask, user_pool: LocalUserPool, method: str, path: str
) -> None:
    client = app.test_client()
    with recording(app) as signals:
        missing = client.open(path, method=method)
    assert_refused(missing, MissingTokenError, "missing bearer token", NO_TOKEN_CHALLENGE)
    assert_failed_once(signals, app, MissingTokenError)

    member = client.open(path, method=method, headers=bearer(user_pool.id_token()))
    message = "lacks a required group"
    assert_refused(member, InsufficientScopeError, message, insufficient())

    expired = user_pool.id_token(groups=["admins"], expires_in=-60)
    refused = client.open(path, method=method, headers=bearer(expired))
    assert_refused(refused, TokenExpiredError, "token expired", invalid_token("token expired"))

    admin = user_pool.id_token(sub="the-admin", groups=["admins"])
    with recording(app) as signals:
        allowed = client.open(path, method=method, headers=bearer(admin))
    assert allowed.status_code == 200
    assert allowed.get_json()["user"] == "the-admin"
    assert len(signals.verified) == 1
    assert signals.failed == []


def test_blueprint_guard_lets_options_through_and_leaves_other_routes_alone(app: Flask) -> None:
    client = app.test_client()
    with recording(app) as signals:
        preflight = client.options("/admin/reports")
        public = client.get("/public")
    assert preflight.status_code == 200
    assert "GET" in preflight.headers["Allow"]
    assert public.status_code == 200
    assert public.get_json() == {"user": None}
    assert signals.verified == []
    assert signals.failed == []
