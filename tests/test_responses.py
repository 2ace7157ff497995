"""The default error response (SPEC section 5): ``www_authenticate`` and ``error_response``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from flask_revstack_cognito import (
    AudienceMismatchError,
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
)
from flask_revstack_cognito.responses import error_response, www_authenticate


@pytest.fixture
def app_context() -> Iterator[Flask]:
    app = Flask("responses")
    with app.app_context():
        yield app


def invalid(description: str, realm: str = "api") -> str:
    return f'Bearer realm="{realm}", error="invalid_token", error_description="{description}"'


# -- www_authenticate -------------------------------------------------------------------------


def test_missing_token_has_no_error_attribute() -> None:
    assert www_authenticate(MissingTokenError(), "api") == 'Bearer realm="api"'
    assert www_authenticate(MissingTokenError("other words"), "api") == 'Bearer realm="api"'


@pytest.mark.parametrize(
    ("error", "description"),
    [
        (MalformedTokenError(), "malformed token"),
        (MalformedTokenError("malformed token: too large"), "malformed token: too large"),
        (UnsupportedAlgorithmError(), "only RS256 is accepted"),
        (UnknownKeyError(), "signing key not found in the pool's JWKS"),
        (InvalidSignatureError(), "Invalid signature"),
        (TokenExpiredError(), "token expired"),
        (TokenNotYetValidError(), "token not valid yet"),
        (IssuerMismatchError(), "Issuer mismatch"),
        (TokenUseMismatchError("id", "access"), "expected an ID token, got an access token"),
        (AudienceMismatchError(), "Audience validation failed"),
        (MissingClaimError("sub"), "claim not found in token: sub"),
        (CognitoAuthError(), "an unexpected failure"),
    ],
)
def test_invalid_token_errors(error: CognitoAuthError, description: str) -> None:
    assert www_authenticate(error, "api") == invalid(description)


def test_insufficient_scope_names_the_required_scopes() -> None:
    error = InsufficientScopeError(groups=["admins"], scopes=["orders/read", "orders/write"])
    assert www_authenticate(error, "api") == (
        'Bearer realm="api", error="insufficient_scope", '
        'error_description="lacks a required group or scope", scope="orders/read orders/write"'
    )


@pytest.mark.parametrize(
    "error", [InsufficientScopeError(groups=["admins"]), InsufficientScopeError()]
)
def test_insufficient_scope_without_scopes_has_no_scope_attribute(
    error: InsufficientScopeError,
) -> None:
    assert www_authenticate(error, "api") == (
        'Bearer realm="api", error="insufficient_scope", '
        'error_description="lacks a required group or scope"'
    )


def test_unavailable_keys_have_no_challenge() -> None:
    assert www_authenticate(JWKSUnavailableError(), "api") is None
    assert www_authenticate(JWKSUnavailableError("down", retry_after=3), "api") is None


@pytest.mark.parametrize(
    ("realm", "quoted"),
    [
        ("api", '"api"'),
        ("", '""'),
        ('my "quoted" api', '"my \\"quoted\\" api"'),
        ("back\\slash", '"back\\\\slash"'),
        ('\\"', '"\\\\\\""'),
        ("caf\u00e9 api", '"caf\u00e9 api"'),
        ("API \u65e5\u672c", '"API ??"'),
        ("nbsp\u00a0and\u0085next-line", '"nbspandnext-line"'),
        ("a,b=c;d", '"a,b=c;d"'),
    ],
)
def test_realm_is_a_quoted_string(realm: str, quoted: str) -> None:
    assert www_authenticate(MissingTokenError(), realm) == f"Bearer realm={quoted}"


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("line\r\nInjected: yes", "lineInjected: yes"),
        ("tab\there", "tabhere"),
        ("nul\x00byte", "nulbyte"),
        ("del\x7fete", "delete"),
        ("".join(chr(code) for code in range(32)) + "ok", "ok"),
        ("bell\x07 \x1b[31mred", "bell [31mred"),
    ],
)
def test_control_characters_are_stripped_from_realm_and_message(raw: str, cleaned: str) -> None:
    assert www_authenticate(MissingTokenError(), raw) == f'Bearer realm="{cleaned}"'
    challenge = www_authenticate(CognitoAuthError(raw), "api")
    assert challenge == invalid(cleaned)
    assert challenge is not None
    assert "\r" not in challenge
    assert "\n" not in challenge


def test_quotes_and_backslashes_in_messages_are_escaped() -> None:
    error = CognitoAuthError('bad "token" \\ here')
    assert www_authenticate(error, "api") == invalid('bad \\"token\\" \\\\ here')
    scoped = InsufficientScopeError(scopes=['a"b', "c\\d"])
    assert www_authenticate(scoped, 'r"') == (
        'Bearer realm="r\\"", error="insufficient_scope", '
        'error_description="lacks a required group or scope", scope="a\\"b c\\\\d"'
    )


def test_control_characters_are_stripped_before_escaping() -> None:
    # Stripping must not join a backslash to the quote that follows it unescaped.
    assert www_authenticate(MissingTokenError(), '\\\n"') == 'Bearer realm="\\\\\\""'


# -- error_response ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "status", "code", "message"),
    [
        (MissingTokenError(), 401, "MISSING_TOKEN", "missing bearer token"),
        (MalformedTokenError(), 401, "INVALID_FORMAT", "malformed token"),
        (UnsupportedAlgorithmError(), 401, "UNSUPPORTED_ALGORITHM", "only RS256 is accepted"),
        (
            UnknownKeyError(),
            401,
            "UNKNOWN_KEY",
            "signing key not found in the pool's JWKS",
        ),
        (InvalidSignatureError(), 401, "INVALID_SIGNATURE", "Invalid signature"),
        (TokenExpiredError(), 401, "TOKEN_EXPIRED", "token expired"),
        (TokenNotYetValidError(), 401, "TOKEN_NOT_YET_VALID", "token not valid yet"),
        (IssuerMismatchError(), 401, "ISSUER_MISMATCH", "Issuer mismatch"),
        (
            TokenUseMismatchError("access", "id"),
            401,
            "TOKEN_USE_MISMATCH",
            "expected an access token, got an ID token",
        ),
        (AudienceMismatchError(), 401, "AUDIENCE_MISMATCH", "Audience validation failed"),
        (MissingClaimError("sub"), 401, "MISSING_CLAIM", "claim not found in token: sub"),
        (
            InsufficientScopeError(groups=["admins"]),
            403,
            "INSUFFICIENT_SCOPE",
            "lacks a required group or scope",
        ),
        (CognitoAuthError(), 401, "UNKNOWN_ERROR", "an unexpected failure"),
    ],
)
def test_error_response_status_body_and_challenge(
    app_context: Flask, error: CognitoAuthError, status: int, code: str, message: str
) -> None:
    response = error_response(error, realm="api")
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert response.get_json() == {"code": code, "message": message}
    assert response.headers["WWW-Authenticate"] == www_authenticate(error, "api")
    assert "Retry-After" not in response.headers


def test_error_response_of_a_403_names_the_scopes(app_context: Flask) -> None:
    response = error_response(InsufficientScopeError(scopes=["orders/read"]), realm="shop")
    assert response.status_code == 403
    assert response.headers["WWW-Authenticate"] == (
        'Bearer realm="shop", error="insufficient_scope", '
        'error_description="lacks a required group or scope", scope="orders/read"'
    )


def test_error_response_of_a_missing_token(app_context: Flask) -> None:
    response = error_response(MissingTokenError(), realm="shop")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="shop"'


@pytest.mark.parametrize(("retry_after", "header"), [(10, "10"), (1, "1"), (42, "42")])
def test_error_response_of_unavailable_keys(
    app_context: Flask, retry_after: int, header: str
) -> None:
    response = error_response(JWKSUnavailableError(retry_after=retry_after), realm="api")
    assert response.status_code == 503
    assert response.get_json() == {"code": "NETWORK_ERROR", "message": "keys could not be fetched"}
    assert response.headers["Retry-After"] == header
    assert "WWW-Authenticate" not in response.headers


def test_error_response_body_holds_only_code_and_message(app_context: Flask) -> None:
    error = TokenUseMismatchError("id", "access")
    response = error_response(error, realm="api")
    body = response.get_json()
    assert set(body) == {"code", "message"}
    assert set(response.headers.keys()) == {"Content-Type", "Content-Length", "WWW-Authenticate"}


def test_error_response_needs_an_app_context() -> None:
    with pytest.raises(RuntimeError, match="application context"):
        error_response(MissingTokenError(), realm="api")


def test_a_403_for_a_group_says_so_and_names_no_group(app_context: Flask) -> None:
    error = InsufficientScopeError(groups=["payroll-admins"], missing="group")
    response = error_response(error, realm="shop")
    assert response.status_code == 403
    assert response.get_json() == {
        "code": "INSUFFICIENT_SCOPE",
        "message": "lacks a required group",
    }
    assert response.headers["WWW-Authenticate"] == (
        'Bearer realm="shop", error="insufficient_scope", '
        'error_description="lacks a required group"'
    )
    assert b"payroll-admins" not in response.get_data()
    assert "payroll-admins" not in str(response.headers)


def test_a_403_for_a_scope_says_so_and_lists_the_scopes(app_context: Flask) -> None:
    error = InsufficientScopeError(
        groups=["payroll-admins"], scopes=["orders/read"], missing="scope"
    )
    response = error_response(error, realm="shop")
    assert response.get_json() == {
        "code": "INSUFFICIENT_SCOPE",
        "message": "lacks a required scope",
    }
    assert response.headers["WWW-Authenticate"] == (
        'Bearer realm="shop", error="insufficient_scope", '
        'error_description="lacks a required scope", scope="orders/read"'
    )
    assert "payroll-admins" not in str(response.headers)
