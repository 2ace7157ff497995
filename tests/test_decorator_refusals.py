"""Every error code a request can meet (SPEC sections 5 and 7), and the app's own handlers.

Each refusal is checked for its status, JSON body, ``WWW-Authenticate``/``Retry-After`` headers
and the one ``verification_failed`` signal it sends.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import FakeClock, closed_port_url
from decorator_helpers import (
    APP_NAME,
    EXPECTED_FORM,
    NO_TOKEN_CHALLENGE,
    add_routes,
    assert_failed_once,
    assert_not_echoed,
    assert_refused,
    bearer,
    insufficient,
    invalid_token,
    make_app,
    recording,
)
from flask import Flask

import flask_revstack_cognito.verifier as verifier_module
from flask_revstack_cognito import (
    AudienceMismatchError,
    CognitoAuth,
    CognitoAuthError,
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
    UnknownKeyError,
    UnsupportedAlgorithmError,
    current_cognito_user,
)
from flask_revstack_cognito.jwks import HTTPFetcher
from flask_revstack_cognito.responses import error_response
from flask_revstack_cognito.testing import LocalUserPool, b64url

OTHER_ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool"


# -- fixtures and helpers --------------------------------------------------------------------


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
        EXPECTED_FORM,
        NO_TOKEN_CHALLENGE,
        lambda p: "Basic dXNlcjpwYXNzd29yZA==",
    ),
    "bearer alone": Refusal(
        MissingTokenError, EXPECTED_FORM, NO_TOKEN_CHALLENGE, lambda p: "Bearer"
    ),
    "bearer and blanks": Refusal(
        MissingTokenError,
        EXPECTED_FORM,
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
        "lacks a required group",
        insufficient(),
        lambda p: "Bearer " + p.id_token(),
        path="/any-group",
    ),
    "no scope": Refusal(
        InsufficientScopeError,
        "lacks a required scope",
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


@pytest.fixture
def key_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The monotonic clock of the key caches of the apps built next: it moves only when told.

    ``Retry-After`` is the cooldown left; on this clock no time passes during a request.
    """
    clock = FakeClock()
    monkeypatch.setattr(verifier_module, "time", SimpleNamespace(time=time.time, monotonic=clock))
    return clock


def test_unreachable_keys_answer_503_with_retry_after(
    user_pool: LocalUserPool, key_clock: FakeClock
) -> None:
    app = make_app(
        user_pool,
        fetcher=HTTPFetcher(),
        COGNITO_JWKS_URI=closed_port_url(user_pool.user_pool_id),
    )
    token = user_pool.id_token()
    with recording(app) as signals:
        response = app.test_client().get("/me", headers=bearer(token))
    assert_refused(response, JWKSUnavailableError, "keys could not be fetched", None)
    assert "WWW-Authenticate" not in response.headers
    assert response.headers["Retry-After"] == "10"  # the default refresh cooldown
    assert_failed_once(signals, app, JWKSUnavailableError)
    assert_not_echoed(response, token)


def test_retry_after_follows_the_refresh_cooldown(
    user_pool: LocalUserPool, key_clock: FakeClock
) -> None:
    app = make_app(
        user_pool,
        fetcher=HTTPFetcher(),
        COGNITO_JWKS_URI=closed_port_url(user_pool.user_pool_id),
        COGNITO_JWKS_REFRESH_COOLDOWN=42,
    )
    response = app.test_client().get("/me", headers=bearer(user_pool.id_token()))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "42"
    key_clock.advance(30.5)
    response = app.test_client().get("/me", headers=bearer(user_pool.id_token()))
    assert response.headers["Retry-After"] == "12"  # the cooldown left, rounded up


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
