"""An app with protected routes and the assertions the request-level tests share.

The pool mints tokens with the real clock, the one the extension checks them against.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Blueprint, Flask, request
from werkzeug.test import TestResponse

from flask_revstack_cognito import (
    CognitoAuth,
    CognitoAuthError,
    CognitoUser,
    current_cognito_user,
    login_required,
    token_verified,
    verification_failed,
    verify_request,
)
from flask_revstack_cognito.jwks import Fetcher
from flask_revstack_cognito.testing import LocalUserPool

APP_NAME = "orders_api"


NO_TOKEN_CHALLENGE = f'Bearer realm="{APP_NAME}"'
EXPECTED_FORM = 'missing bearer token: expected "Authorization: Bearer <token>"'


UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


# -- fixtures and helpers --------------------------------------------------------------------


@pytest.fixture(scope="module")
def user_pool() -> LocalUserPool:
    """One pool (one RSA key) for the module, minting with the real clock."""
    return LocalUserPool()


def describe_user() -> dict[str, Any]:
    """What a view tells about ``current_cognito_user``."""
    user = current_cognito_user
    if not user:
        return {"user": None}
    return {
        "user": user.user_id,
        "token_use": user.token_use,
        "groups": list(user.groups),
        "scopes": list(user.scopes),
    }


def add_routes(app: Flask) -> None:
    """Every kind of protected view the tests call."""

    @app.get("/public")
    def public() -> dict[str, Any]:
        return describe_user()

    @app.get("/me")
    @login_required
    def me() -> dict[str, Any]:
        return describe_user()

    @app.get("/me-called")
    @login_required()
    def me_called() -> dict[str, Any]:
        return describe_user()

    @app.get("/any-group")
    @login_required(groups=["admins", "staff"])
    def any_group() -> dict[str, Any]:
        return describe_user()

    @app.get("/all-groups")
    @login_required(groups=["admins", "staff"], all_groups=True)
    def all_groups() -> dict[str, Any]:
        return describe_user()

    @app.get("/one-group")
    @login_required(groups="admins")
    def one_group() -> dict[str, Any]:
        return describe_user()

    @app.get("/orders")
    @login_required(token_use="access", scopes=["orders/read", "orders/write"])
    def orders() -> dict[str, Any]:
        return describe_user()

    @app.get("/one-scope")
    @login_required(token_use="access", scopes="orders/read")
    def one_scope() -> dict[str, Any]:
        return describe_user()

    @app.get("/id-only")
    @login_required(token_use="id")
    def id_only() -> dict[str, Any]:
        return describe_user()

    @app.get("/access-only")
    @login_required(token_use="access")
    def access_only() -> dict[str, Any]:
        return describe_user()

    @app.get("/any-token")
    @login_required(token_use="any")
    def any_token() -> dict[str, Any]:
        return describe_user()

    @app.get("/optional")
    @login_required(optional=True)
    def optional() -> dict[str, Any]:
        return describe_user()

    @app.get("/optional-admins")
    @login_required(optional=True, groups=["admins"])
    def optional_admins() -> dict[str, Any]:
        return describe_user()

    @app.route("/preflight", methods=["GET", "OPTIONS"])
    @login_required(groups=["admins"])
    def preflight() -> dict[str, Any]:
        return {"method": request.method, **describe_user()}

    @app.get("/async")
    @login_required
    async def async_view() -> dict[str, Any]:
        return {"async": True, **describe_user()}

    @app.route("/async-admins", methods=["GET", "OPTIONS"])
    @login_required(groups=["admins"])
    async def async_admins() -> dict[str, Any]:
        return {"async": True, "method": request.method, **describe_user()}

    @app.get("/stacked")
    @login_required
    @login_required(groups=["admins"])
    def stacked() -> dict[str, Any]:
        return describe_user()

    @app.get("/imperative")
    def imperative() -> dict[str, Any]:
        before = bool(current_cognito_user)
        user = verify_request()
        return {"before": before, "returned": user.user_id if user else None, **describe_user()}

    @app.get("/two-failures")
    def two_failures() -> dict[str, Any]:
        with suppress(CognitoAuthError):
            verify_request(groups=["nobody"])
        verify_request(scopes=["orders/read"])
        return describe_user()

    @app.route("/cookie", methods=["GET", *UNSAFE_METHODS, "PROPFIND", "REPORT"])
    @login_required
    def cookie() -> dict[str, Any]:
        return describe_user()

    admin = Blueprint("admin", __name__, url_prefix="/admin")

    @admin.before_request
    def require_admins() -> None:
        verify_request(groups=["admins"])

    @admin.get("/reports")
    def reports() -> dict[str, Any]:
        return describe_user()

    @admin.post("/settings")
    def settings() -> dict[str, Any]:
        return describe_user()

    @admin.get("/decorated")
    @login_required
    def decorated() -> dict[str, Any]:
        return describe_user()

    app.register_blueprint(admin)


def make_app(pool: LocalUserPool, *, fetcher: Fetcher | None = None, **config: Any) -> Flask:
    app = Flask(APP_NAME)
    app.config.update(pool.config(**config))
    CognitoAuth(app, fetcher=fetcher or pool.fetcher)
    add_routes(app)
    return app


@pytest.fixture
def app(user_pool: LocalUserPool) -> Flask:
    return make_app(user_pool)


@dataclass
class Signals:
    """What ``token_verified`` and ``verification_failed`` received, with their senders."""

    verified: list[tuple[object, CognitoUser]] = field(default_factory=list)
    failed: list[tuple[object, CognitoAuthError]] = field(default_factory=list)


@contextmanager
def recording(app: Flask) -> Iterator[Signals]:
    signals = Signals()

    def on_verified(sender: object, *, user: CognitoUser, **extra: object) -> None:
        signals.verified.append((sender, user))

    def on_failed(sender: object, *, error: CognitoAuthError, **extra: object) -> None:
        signals.failed.append((sender, error))

    with (
        token_verified.connected_to(on_verified, app),
        verification_failed.connected_to(on_failed, app),
    ):
        yield signals


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def invalid_token(description: str, realm: str = APP_NAME) -> str:
    return f'Bearer realm="{realm}", error="invalid_token", error_description="{description}"'


def insufficient(scope: str | None = None) -> str:
    missing = "group" if scope is None else "scope"
    value = (
        f'Bearer realm="{APP_NAME}", error="insufficient_scope", '
        f'error_description="lacks a required {missing}"'
    )
    return value if scope is None else f'{value}, scope="{scope}"'


def assert_not_echoed(response: TestResponse, secret: str | None) -> None:
    """Neither the token nor any long part of it is in the body or a header."""
    if not secret:
        return
    parts = [secret, *(part for part in secret.split(".") if len(part) >= 8)]
    body = response.get_data(as_text=True)
    for part in parts:
        assert part not in body
        for name, value in response.headers.items():
            assert part not in value, name


def assert_refused(
    response: TestResponse,
    error: type[CognitoAuthError],
    message: str,
    www: str | None,
) -> None:
    assert response.status_code == error.status
    assert response.get_json() == {"code": error.code, "message": message}
    assert response.headers.get("WWW-Authenticate") == www


def assert_failed_once(
    signals: Signals, app: Flask, error: type[CognitoAuthError]
) -> CognitoAuthError:
    assert len(signals.failed) == 1
    sender, sent = signals.failed[0]
    assert sender is app
    assert type(sent) is error
    assert sent.code == error.code
    assert signals.verified == []
    return sent
