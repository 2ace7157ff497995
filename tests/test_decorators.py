"""Request-level checks through Flask's test client (SPEC sections 2, 4, 5 and 7).

Covers ``login_required`` (bare and with arguments, sync and async views), ``verify_request``
in a blueprint's ``before_request``, ``current_cognito_user``, where tokens are looked for
(headers, cookies and the cookie CSRF rule), every error code a request can meet with its
status, JSON body and ``WWW-Authenticate``/``Retry-After`` headers, and the
``token_verified``/``verification_failed`` signals.

The pool mints tokens with the real clock, the one the extension checks them against.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Blueprint, Flask, g, request
from werkzeug.test import TestResponse

from flask_revstack_cognito import (
    AudienceMismatchError,
    CognitoAuth,
    CognitoAuthError,
    CognitoUser,
    InsufficientScopeError,
    InvalidSignatureError,
    IssuerMismatchError,
    JWKSUnavailableError,
    MalformedTokenError,
    MissingClaimError,
    MissingTokenError,
    TokenExpiredError,
    TokenNotYetValidError,
    TokenUseMismatchError,
    TokenVerifier,
    UnknownKeyError,
    UnsupportedAlgorithmError,
    current_cognito_user,
    login_required,
    token_verified,
    verification_failed,
    verify_request,
)
from flask_revstack_cognito.jwks import Fetcher, JWKSFetchError
from flask_revstack_cognito.locate import token_from_authorization, token_from_header
from flask_revstack_cognito.responses import error_response
from flask_revstack_cognito.testing import LocalUserPool, b64url

APP_NAME = "orders_api"
OTHER_ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool"
CROSS_SITE = "https://evil.example"
NO_TOKEN_CHALLENGE = f'Bearer realm="{APP_NAME}"'
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
    value = (
        f'Bearer realm="{APP_NAME}", error="insufficient_scope", '
        'error_description="lacks a required group or scope"'
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


def now() -> int:
    return int(time.time())


def tampered(pool: LocalUserPool) -> str:
    """A real signature over other claims."""
    header, _, signature = pool.id_token().split(".")
    payload = b64url(pool.claims("id", sub="someone-else"))
    return f"{header}.{payload}.{signature}"


# -- every code a request can meet -----------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """One refused request: what is sent and what must come back."""

    error: type[CognitoAuthError]
    message: str
    www: str | None
    authorization: Callable[[LocalUserPool], str | None]
    path: str = "/me"


REFUSALS: dict[str, Refusal] = {
    "no header": Refusal(
        MissingTokenError, "missing bearer token", NO_TOKEN_CHALLENGE, lambda p: None
    ),
    "basic scheme": Refusal(
        MissingTokenError,
        "missing bearer token",
        NO_TOKEN_CHALLENGE,
        lambda p: "Basic dXNlcjpwYXNzd29yZA==",
    ),
    "bearer alone": Refusal(
        MissingTokenError, "missing bearer token", NO_TOKEN_CHALLENGE, lambda p: "Bearer"
    ),
    "bearer and blanks": Refusal(
        MissingTokenError,
        "missing bearer token",
        NO_TOKEN_CHALLENGE,
        lambda p: "Bearer    ",
    ),
    "empty header": Refusal(
        MissingTokenError, "missing bearer token", NO_TOKEN_CHALLENGE, lambda p: ""
    ),
    "not a jwt": Refusal(
        MalformedTokenError,
        "malformed token: expected three segments",
        invalid_token("malformed token: expected three segments"),
        lambda p: "Bearer not-a-jwt",
    ),
    "header not json": Refusal(
        MalformedTokenError,
        "malformed token: header is not JSON",
        invalid_token("malformed token: header is not JSON"),
        lambda p: "Bearer bm90IGpzb24.e30.c2ln",
    ),
    "hs256": Refusal(
        UnsupportedAlgorithmError,
        "only RS256 is accepted",
        invalid_token("only RS256 is accepted"),
        lambda p: "Bearer " + p.id_token(header={"alg": "HS256"}),
    ),
    "alg none": Refusal(
        UnsupportedAlgorithmError,
        "only RS256 is accepted",
        invalid_token("only RS256 is accepted"),
        lambda p: "Bearer " + p.id_token(header={"alg": "none"}),
    ),
    "unknown kid": Refusal(
        UnknownKeyError,
        "signing key not found in the pool's JWKS",
        invalid_token("signing key not found in the pool's JWKS"),
        lambda p: "Bearer " + p.id_token(header={"kid": "no-such-key"}),
    ),
    "tampered payload": Refusal(
        InvalidSignatureError,
        "Invalid signature",
        invalid_token("Invalid signature"),
        lambda p: "Bearer " + tampered(p),
    ),
    "expired": Refusal(
        TokenExpiredError,
        "token expired",
        invalid_token("token expired"),
        lambda p: "Bearer " + p.id_token(expires_in=-60),
    ),
    "nbf in the future": Refusal(
        TokenNotYetValidError,
        "token not valid yet",
        invalid_token("token not valid yet"),
        lambda p: "Bearer " + p.id_token(nbf=now() + 3600, expires_in=7200),
    ),
    "iat in the future": Refusal(
        TokenNotYetValidError,
        "token not valid yet",
        invalid_token("token not valid yet"),
        lambda p: "Bearer " + p.id_token(iat=now() + 3600, expires_in=7200),
    ),
    "other issuer": Refusal(
        IssuerMismatchError,
        "Issuer mismatch",
        invalid_token("Issuer mismatch"),
        lambda p: "Bearer " + p.id_token(iss=OTHER_ISSUER),
    ),
    "access token where an id token is required": Refusal(
        TokenUseMismatchError,
        "expected an ID token, got an access token",
        invalid_token("expected an ID token, got an access token"),
        lambda p: "Bearer " + p.access_token(),
    ),
    "id token where an access token is required": Refusal(
        TokenUseMismatchError,
        "expected an access token, got an ID token",
        invalid_token("expected an access token, got an ID token"),
        lambda p: "Bearer " + p.id_token(),
        path="/access-only",
    ),
    "other audience": Refusal(
        AudienceMismatchError,
        "Audience validation failed",
        invalid_token("Audience validation failed"),
        lambda p: "Bearer " + p.id_token(aud="another-client"),
    ),
    "other access client": Refusal(
        AudienceMismatchError,
        "Audience validation failed",
        invalid_token("Audience validation failed"),
        lambda p: "Bearer " + p.access_token(client_id="another-client"),
        path="/access-only",
    ),
    "no sub": Refusal(
        MissingClaimError,
        "claim not found in token: sub",
        invalid_token("claim not found in token: sub"),
        lambda p: "Bearer " + p.id_token(claims={"sub": None}),
    ),
    "no group": Refusal(
        InsufficientScopeError,
        "lacks a required group or scope",
        insufficient(),
        lambda p: "Bearer " + p.id_token(),
        path="/any-group",
    ),
    "no scope": Refusal(
        InsufficientScopeError,
        "lacks a required group or scope",
        insufficient("orders/read orders/write"),
        lambda p: "Bearer " + p.access_token(),
        path="/orders",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS.values()), ids=list(REFUSALS))
def test_refused_request_answers_with_code_message_headers_and_one_signal(
    app: Flask, user_pool: LocalUserPool, case: Refusal
) -> None:
    authorization = case.authorization(user_pool)
    headers = {} if authorization is None else {"Authorization": authorization}
    with recording(app) as signals:
        response = app.test_client().get(case.path, headers=headers)
    assert_refused(response, case.error, case.message, case.www)
    assert "Retry-After" not in response.headers
    assert_failed_once(signals, app, case.error)
    if authorization and " " in authorization:
        assert_not_echoed(response, authorization.split(" ", 1)[1])


def test_unreachable_keys_answer_503_with_retry_after(user_pool: LocalUserPool) -> None:
    def unreachable(url: str, *, timeout: float, max_bytes: int) -> bytes:
        raise JWKSFetchError("connection refused")

    app = make_app(user_pool, fetcher=unreachable)
    token = user_pool.id_token()
    with recording(app) as signals:
        response = app.test_client().get("/me", headers=bearer(token))
    assert_refused(response, JWKSUnavailableError, "keys could not be fetched", None)
    assert "WWW-Authenticate" not in response.headers
    retry_after = response.headers["Retry-After"]
    assert retry_after.isdigit()
    assert 1 <= int(retry_after) <= 10  # the default refresh cooldown
    assert_failed_once(signals, app, JWKSUnavailableError)
    assert_not_echoed(response, token)


def test_retry_after_follows_the_refresh_cooldown(user_pool: LocalUserPool) -> None:
    def unreachable(url: str, *, timeout: float, max_bytes: int) -> bytes:
        raise OSError("network is unreachable")

    app = make_app(user_pool, fetcher=unreachable, COGNITO_JWKS_REFRESH_COOLDOWN=42)
    response = app.test_client().get("/me", headers=bearer(user_pool.id_token()))
    assert response.status_code == 503
    assert response.headers["Retry-After"] in ("41", "42")  # the cooldown, less time spent


def test_unexpected_failure_is_unknown_error(
    app: Flask, user_pool: LocalUserPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(token: object) -> None:
        raise RuntimeError("parser exploded with a secret detail")

    monkeypatch.setattr("flask_revstack_cognito.verifier.parse_token", explode)
    token = user_pool.id_token()
    with recording(app) as signals:
        response = app.test_client().get("/me", headers=bearer(token))
    assert_refused(
        response, CognitoAuthError, "an unexpected failure", invalid_token("an unexpected failure")
    )
    assert "secret detail" not in response.get_data(as_text=True)
    assert_failed_once(signals, app, CognitoAuthError)
    assert_not_echoed(response, token)


def test_realm_comes_from_config_and_is_quoted(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool, COGNITO_REALM='the "orders" API')
    missing = app.test_client().get("/me")
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="the \\"orders\\" API"'
    expired = app.test_client().get("/me", headers=bearer(user_pool.id_token(expires_in=-60)))
    assert expired.headers["WWW-Authenticate"] == invalid_token(
        "token expired", realm='the \\"orders\\" API'
    )


# -- custom error handlers ------------------------------------------------------------------


@pytest.mark.parametrize("registered", ["before init_app", "after init_app"])
def test_app_error_handler_replaces_the_default_response(
    user_pool: LocalUserPool, registered: str
) -> None:
    app = Flask(APP_NAME)
    app.config.update(user_pool.config())

    def handler(error: CognitoAuthError) -> tuple[dict[str, Any], int]:
        return {"error": error.code, "custom": True, "user": bool(current_cognito_user)}, 418

    if registered == "before init_app":
        app.register_error_handler(CognitoAuthError, handler)
        CognitoAuth(app, fetcher=user_pool.fetcher)
    else:
        CognitoAuth(app, fetcher=user_pool.fetcher)
        app.register_error_handler(CognitoAuthError, handler)
    add_routes(app)
    client = app.test_client()

    with recording(app) as signals:
        expired = client.get("/me", headers=bearer(user_pool.id_token(expires_in=-60)))
    assert expired.status_code == 418
    assert expired.get_json() == {"error": "TOKEN_EXPIRED", "custom": True, "user": False}
    assert "WWW-Authenticate" not in expired.headers
    assert_failed_once(signals, app, TokenExpiredError)

    # A 403 case: the token verified, the group did not; the handler sees no current user.
    forbidden = client.get("/any-group", headers=bearer(user_pool.id_token()))
    assert forbidden.get_json() == {"error": "INSUFFICIENT_SCOPE", "custom": True, "user": False}


def test_app_error_handler_may_wrap_the_default_response(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool)

    @app.errorhandler(CognitoAuthError)
    def handler(error: CognitoAuthError) -> Any:
        response = error_response(error, realm="wrapped")
        response.headers["X-Auth-Code"] = error.code
        return response

    response = app.test_client().get("/any-group", headers=bearer(user_pool.id_token()))
    assert response.status_code == 403
    assert response.headers["X-Auth-Code"] == "INSUFFICIENT_SCOPE"
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="wrapped", ')


def test_handler_for_one_error_class_leaves_the_others_to_the_default(
    user_pool: LocalUserPool,
) -> None:
    app = make_app(user_pool)

    @app.errorhandler(TokenExpiredError)
    def expired(error: TokenExpiredError) -> tuple[str, int]:
        return "please sign in again", 401

    client = app.test_client()
    response = client.get("/me", headers=bearer(user_pool.id_token(expires_in=-60)))
    assert response.get_data(as_text=True) == "please sign in again"
    missing = client.get("/me")
    assert missing.get_json() == {"code": "MISSING_TOKEN", "message": "missing bearer token"}


# -- login_required: bare and with arguments ------------------------------------------------


@pytest.mark.parametrize("path", ["/me", "/me-called"])
def test_valid_id_token_reaches_the_view_with_its_user(
    app: Flask, user_pool: LocalUserPool, path: str
) -> None:
    token = user_pool.id_token(sub="user-42", groups=["readers"])
    with recording(app) as signals:
        response = app.test_client().get(path, headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json() == {
        "user": "user-42",
        "token_use": "id",
        "groups": ["readers"],
        "scopes": [],
    }
    assert signals.failed == []
    assert len(signals.verified) == 1
    sender, user = signals.verified[0]
    assert sender is app
    assert isinstance(user, CognitoUser)
    assert user.user_id == "user-42"
    assert_not_echoed(response, token)


@pytest.mark.parametrize(
    ("path", "groups", "status"),
    [
        ("/any-group", None, 403),
        ("/any-group", [], 403),
        ("/any-group", ["readers"], 403),
        ("/any-group", ["staff"], 200),
        ("/any-group", ["admins"], 200),
        ("/any-group", ["readers", "admins", "staff"], 200),
        ("/all-groups", ["admins"], 403),
        ("/all-groups", ["staff"], 403),
        ("/all-groups", ["admins", "staff"], 200),
        ("/all-groups", ["staff", "readers", "admins"], 200),
        ("/one-group", ["admins"], 200),
        # "admins" as a lone string is one group, not the letters a, d, m, i, n, s.
        ("/one-group", ["a"], 403),
        ("/one-group", ["a", "d", "m", "i", "n", "s"], 403),
    ],
)
def test_group_requirements(
    app: Flask, user_pool: LocalUserPool, path: str, groups: list[str] | None, status: int
) -> None:
    token = user_pool.id_token(sub="grouped", groups=groups)
    with recording(app) as signals:
        response = app.test_client().get(path, headers=bearer(token))
    assert response.status_code == status
    if status == 200:
        assert response.get_json()["user"] == "grouped"
        assert len(signals.verified) == 1
        assert signals.failed == []
    else:
        message = "lacks a required group or scope"
        assert_refused(response, InsufficientScopeError, message, insufficient())
        sent = assert_failed_once(signals, app, InsufficientScopeError)
        assert isinstance(sent, InsufficientScopeError)
        assert sent.required_groups in {("admins", "staff"), ("admins",)}


@pytest.mark.parametrize(
    ("path", "scopes", "status", "www"),
    [
        ("/orders", ["orders/read"], 200, None),
        ("/orders", ["orders/write", "profile"], 200, None),
        ("/orders", ["profile"], 403, insufficient("orders/read orders/write")),
        ("/orders", [], 403, insufficient("orders/read orders/write")),
        ("/one-scope", ["orders/read"], 200, None),
        ("/one-scope", ["o", "r", "d", "e", "s"], 403, insufficient("orders/read")),
    ],
)
def test_scope_requirements(
    app: Flask,
    user_pool: LocalUserPool,
    path: str,
    scopes: list[str],
    status: int,
    www: str | None,
) -> None:
    token = user_pool.access_token(sub="scoped", scopes=scopes)
    response = app.test_client().get(path, headers=bearer(token))
    assert response.status_code == status
    assert response.headers.get("WWW-Authenticate") == www
    if status == 200:
        assert response.get_json()["scopes"] == scopes


@pytest.mark.parametrize(
    ("path", "kind", "expected"),
    [
        ("/id-only", "id", None),
        ("/id-only", "access", "expected an ID token, got an access token"),
        ("/access-only", "access", None),
        ("/access-only", "id", "expected an access token, got an ID token"),
        ("/any-token", "id", None),
        ("/any-token", "access", None),
        ("/orders", "id", "expected an access token, got an ID token"),
    ],
)
def test_token_use_argument(
    app: Flask, user_pool: LocalUserPool, path: str, kind: str, expected: str | None
) -> None:
    scopes = ["orders/read"]
    token = user_pool.id_token() if kind == "id" else user_pool.access_token(scopes=scopes)
    response = app.test_client().get(path, headers=bearer(token))
    if expected is None:
        assert response.status_code == 200
        assert response.get_json()["token_use"] == kind
    else:
        assert_refused(response, TokenUseMismatchError, expected, invalid_token(expected))


def test_configured_token_use_is_the_default_of_the_decorator(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool, COGNITO_TOKEN_USE="access")
    client = app.test_client()
    assert client.get("/me", headers=bearer(user_pool.access_token())).status_code == 200
    refused = client.get("/me", headers=bearer(user_pool.id_token()))
    message = "expected an access token, got an ID token"
    assert_refused(refused, TokenUseMismatchError, message, invalid_token(message))
    # An explicit argument wins over the configured default.
    assert client.get("/id-only", headers=bearer(user_pool.id_token())).status_code == 200


def test_invalid_token_use_argument_raises_at_decoration_time() -> None:
    with pytest.raises(ValueError, match="token_use must be one of"):
        login_required(token_use="refresh")
    with pytest.raises(ValueError, match="'ID'"):
        login_required(token_use="ID")


def test_invalid_token_use_of_verify_request_raises(app: Flask) -> None:
    with app.test_request_context("/"), pytest.raises(ValueError, match="token_use"):
        verify_request(token_use="refresh")


def test_optional_lets_anonymous_requests_through(app: Flask) -> None:
    client = app.test_client()
    with recording(app) as signals:
        anonymous = client.get("/optional")
        wrong_scheme = client.get("/optional", headers={"Authorization": "Basic eDp5"})
        optional_admins = client.get("/optional-admins")
    for response in (anonymous, wrong_scheme, optional_admins):
        assert response.status_code == 200
        assert response.get_json() == {"user": None}
    assert signals.verified == []
    assert signals.failed == []


def test_optional_with_a_valid_token_gives_the_user(app: Flask, user_pool: LocalUserPool) -> None:
    with recording(app) as signals:
        response = app.test_client().get("/optional", headers=bearer(user_pool.id_token(sub="o")))
    assert response.status_code == 200
    assert response.get_json()["user"] == "o"
    assert len(signals.verified) == 1


@pytest.mark.parametrize(
    ("token_kind", "error", "message"),
    [
        ("expired", TokenExpiredError, "token expired"),
        ("garbage", MalformedTokenError, "malformed token: expected three segments"),
        ("access", TokenUseMismatchError, "expected an ID token, got an access token"),
    ],
)
def test_optional_with_an_invalid_token_is_refused(
    app: Flask,
    user_pool: LocalUserPool,
    token_kind: str,
    error: type[CognitoAuthError],
    message: str,
) -> None:
    if token_kind == "expired":
        token = user_pool.id_token(expires_in=-60)
    elif token_kind == "access":
        token = user_pool.access_token()
    else:
        token = "garbage"
    with recording(app) as signals:
        response = app.test_client().get("/optional", headers=bearer(token))
    assert_refused(response, error, message, invalid_token(message))
    assert_failed_once(signals, app, error)


def test_optional_still_checks_groups_of_a_present_token(
    app: Flask, user_pool: LocalUserPool
) -> None:
    client = app.test_client()
    refused = client.get("/optional-admins", headers=bearer(user_pool.id_token()))
    assert refused.status_code == 403
    admin = client.get("/optional-admins", headers=bearer(user_pool.id_token(groups=["admins"])))
    assert admin.status_code == 200


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
    message = "lacks a required group or scope"
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
    app: Flask, user_pool: LocalUserPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = TokenVerifier.verify

    def counting(self: TokenVerifier, token: str, *, token_use: str | None = None) -> CognitoUser:
        calls.append(token)
        return original(self, token, token_use=token_use)

    monkeypatch.setattr(TokenVerifier, "verify", counting)
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


# -- where tokens are found -------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_header_scheme_is_case_insensitive(
    app: Flask, user_pool: LocalUserPool, scheme: str
) -> None:
    token = user_pool.id_token(sub="cased")
    response = app.test_client().get("/me", headers={"Authorization": f"{scheme} {token}"})
    assert response.status_code == 200
    assert response.get_json()["user"] == "cased"


def test_blanks_around_the_header_value_are_ignored(app: Flask, user_pool: LocalUserPool) -> None:
    token = user_pool.id_token(sub="spaced")
    response = app.test_client().get("/me", headers={"Authorization": f"  Bearer   {token}  "})
    assert response.get_json()["user"] == "spaced"


def test_bare_token_header_type(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool, COGNITO_HEADER_TYPE="")
    client = app.test_client()
    token = user_pool.id_token(sub="bare")
    assert client.get("/me", headers={"Authorization": token}).get_json()["user"] == "bare"
    # With no scheme configured, "Bearer <jwt>" is not a JWT.
    prefixed = client.get("/me", headers=bearer(token))
    assert prefixed.status_code == 401
    assert prefixed.get_json()["code"] == "INVALID_FORMAT"
    assert_not_echoed(prefixed, token)
    missing = client.get("/me", headers={"Authorization": "   "})
    assert missing.get_json()["code"] == "MISSING_TOKEN"


def test_custom_header_type(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool, COGNITO_HEADER_TYPE="JWT")
    client = app.test_client()
    token = user_pool.id_token(sub="jwt-scheme")
    ok = client.get("/me", headers={"Authorization": f"jwt {token}"})
    assert ok.get_json()["user"] == "jwt-scheme"
    assert client.get("/me", headers=bearer(token)).get_json()["code"] == "MISSING_TOKEN"


def test_custom_header_name(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool, COGNITO_HEADER_NAME="X-Cognito-Token")
    client = app.test_client()
    token = user_pool.id_token(sub="custom-header")
    ok = client.get("/me", headers={"X-Cognito-Token": f"Bearer {token}"})
    assert ok.get_json()["user"] == "custom-header"
    # The Authorization header is not looked at any more.
    assert client.get("/me", headers=bearer(token)).get_json()["code"] == "MISSING_TOKEN"


def test_cookie_location(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool, COGNITO_TOKEN_LOCATION="cookies", COGNITO_COOKIE_NAME="cognito_id")
    client = app.test_client()
    token = user_pool.id_token(sub="cookie-user")
    assert client.get("/me").get_json()["code"] == "MISSING_TOKEN"
    client.set_cookie("id_token", token)  # the default name is not the configured one
    assert client.get("/me").get_json()["code"] == "MISSING_TOKEN"
    client.set_cookie("cognito_id", token)
    response = client.get("/me")
    assert response.get_json()["user"] == "cookie-user"
    assert_not_echoed(response, token)
    # Headers are no location any more.
    headers_only = app.test_client().get("/me", headers=bearer(token))
    assert headers_only.get_json()["code"] == "MISSING_TOKEN"
    # An empty cookie is no token.
    client.set_cookie("cognito_id", "")
    assert client.get("/me").get_json()["code"] == "MISSING_TOKEN"


def test_bad_cookie_token_is_refused(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool, COGNITO_TOKEN_LOCATION="cookies")
    client = app.test_client()
    client.set_cookie("id_token", user_pool.id_token(expires_in=-60))
    response = client.get("/me")
    assert_refused(response, TokenExpiredError, "token expired", invalid_token("token expired"))


def test_headers_then_cookies(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool, COGNITO_TOKEN_LOCATION=["headers", "cookies"])
    client = app.test_client()
    client.set_cookie("id_token", user_pool.id_token(sub="from-cookie"))
    header = user_pool.id_token(sub="from-header")
    assert client.get("/me", headers=bearer(header)).get_json()["user"] == "from-header"
    assert client.get("/me").get_json()["user"] == "from-cookie"
    # A header of another scheme is no token: the cookie is used.
    basic = client.get("/me", headers={"Authorization": "Basic eDp5"})
    assert basic.get_json()["user"] == "from-cookie"
    # The first location holding a token decides, even when its token is bad.
    expired = client.get("/me", headers=bearer(user_pool.id_token(expires_in=-60)))
    assert expired.get_json()["code"] == "TOKEN_EXPIRED"


def test_cookies_then_headers(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool, COGNITO_TOKEN_LOCATION="cookies,headers")
    client = app.test_client()
    header = user_pool.id_token(sub="from-header")
    assert client.get("/me", headers=bearer(header)).get_json()["user"] == "from-header"
    client.set_cookie("id_token", user_pool.id_token(sub="from-cookie"))
    assert client.get("/me", headers=bearer(header)).get_json()["user"] == "from-cookie"
    # A cross-site POST ignores the cookie but still reads the header.
    cross = client.post("/cookie", headers={**bearer(header), "Sec-Fetch-Site": "cross-site"})
    assert cross.get_json()["user"] == "from-header"


@pytest.mark.parametrize(
    ("method", "headers", "accepted"),
    [
        *((method, {"Sec-Fetch-Site": "cross-site"}, False) for method in UNSAFE_METHODS),
        *((method, {"Origin": CROSS_SITE}, False) for method in UNSAFE_METHODS),
        ("POST", {"Origin": "null"}, False),
        # Any method that is not GET, HEAD or OPTIONS may change state.
        ("PROPFIND", {"Sec-Fetch-Site": "cross-site"}, False),
        ("REPORT", {"Origin": CROSS_SITE}, False),
        ("REPORT", {"Origin": "http://localhost"}, True),
        # An Origin that is no URL cannot be this site (and must not crash the request).
        ("POST", {"Origin": "http://[::1"}, False),
        ("POST", {"Origin": "https://a]b"}, False),
        ("POST", {"Origin": "http://localhost.evil.example"}, False),
        ("POST", {"Origin": "http://localhost:8080"}, False),
        ("POST", {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"}, False),
        ("GET", {"Sec-Fetch-Site": "cross-site"}, True),
        ("GET", {"Origin": CROSS_SITE}, True),
        ("HEAD", {"Sec-Fetch-Site": "cross-site"}, True),
        ("POST", {"Origin": "http://localhost"}, True),
        ("DELETE", {"Origin": "http://localhost"}, True),
        ("POST", {"Sec-Fetch-Site": "same-origin"}, True),
        ("POST", {"Sec-Fetch-Site": "same-site"}, True),
        ("PUT", {"Sec-Fetch-Site": "same-site"}, True),
        ("POST", {"Sec-Fetch-Site": "none"}, True),
        # Sec-Fetch-Site, when present, decides; Origin is looked at only without it.
        ("POST", {"Sec-Fetch-Site": "same-origin", "Origin": CROSS_SITE}, True),
        ("POST", {}, True),
        ("PATCH", {}, True),
    ],
)
def test_cookie_csrf_rule(
    user_pool: LocalUserPool, method: str, headers: dict[str, str], accepted: bool
) -> None:
    app = make_app(user_pool, COGNITO_TOKEN_LOCATION="cookies")
    client = app.test_client()
    client.set_cookie("id_token", user_pool.id_token(sub="cookie-user"))
    with recording(app) as signals:
        response = client.open("/cookie", method=method, headers=headers)
    if accepted:
        assert response.status_code == 200
        if method != "HEAD":
            assert response.get_json()["user"] == "cookie-user"
        assert len(signals.verified) == 1
    else:
        assert_refused(response, MissingTokenError, "missing bearer token", NO_TOKEN_CHALLENGE)
        assert_failed_once(signals, app, MissingTokenError)


def test_header_token_is_not_subject_to_the_csrf_rule(
    app: Flask, user_pool: LocalUserPool
) -> None:
    token = user_pool.id_token(sub="api-client")
    headers = {**bearer(token), "Sec-Fetch-Site": "cross-site", "Origin": CROSS_SITE}
    response = app.test_client().post("/cookie", headers=headers)
    assert response.get_json()["user"] == "api-client"


@pytest.mark.parametrize(
    ("value", "header_type", "expected"),
    [
        (None, "Bearer", None),
        ("Bearer abc", "Bearer", "abc"),
        ("bearer abc", "Bearer", "abc"),
        ("  BEARER   abc  ", "Bearer", "abc"),
        ("Bearer", "Bearer", None),
        ("Bearer   ", "Bearer", None),
        ("Basic abc", "Bearer", None),
        ("Bearerabc", "Bearer", None),
        ("abc", "Bearer", None),
        ("", "Bearer", None),
        ("JWT abc", "JWT", "abc"),
        ("abc", "", "abc"),
        ("  abc  ", "", "abc"),
        ("Bearer abc", "", "Bearer abc"),
        ("", "", None),
        ("   ", "", None),
        (None, "", None),
    ],
)
def test_token_from_header(value: str | None, header_type: str, expected: str | None) -> None:
    assert token_from_header(value, header_type) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("Bearer abc", "abc"),
        ("bearer abc", "abc"),
        ("BEARER abc", "abc"),
        ("abc.def.ghi", "abc.def.ghi"),
        ("  abc.def.ghi  ", "abc.def.ghi"),
        ("", None),
        ("   ", None),
        ("Bearer", None),
        ("bearer", None),
        ("Bearer   ", None),
        ("Basic abc", None),
        ("a b", None),
    ],
)
def test_token_from_authorization(value: str | None, expected: str | None) -> None:
    assert token_from_authorization(value) == expected


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
