"""``CognitoAuth.verify`` and ``validate`` outside a protected view."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from extension_helpers import CLIENT_A
from flask import Flask

from flask_revstack_cognito import (
    AudienceMismatchError,
    AuthSession,
    CognitoAuth,
    CognitoAuthError,
    CognitoUser,
    IssuerMismatchError,
    MalformedTokenError,
    TokenExpiredError,
    TokenUseMismatchError,
    UnknownKeyError,
)
from flask_revstack_cognito.extension import EXTENSION_KEY
from flask_revstack_cognito.testing import LocalUserPool

# -- verify and validate ------------------------------------------------------------------------


def auth_of(app: Flask) -> CognitoAuth:
    auth = app.extensions[EXTENSION_KEY]
    assert isinstance(auth, CognitoAuth)
    return auth


def test_verify_returns_the_user(app_a: Flask, pool_a: LocalUserPool) -> None:
    auth = auth_of(app_a)
    token = pool_a.id_token(sub="u-42", groups=["admins"], custom={"tenant": "acme"})
    with app_a.app_context():
        user = auth.verify(token)
        again = auth.verify(token)  # from the verified-token cache
    assert isinstance(user, CognitoUser)
    assert again is user
    assert user.user_id == "u-42"
    assert user.sub == "u-42"
    assert user.groups == ("admins",)
    assert user.custom == {"tenant": "acme"}
    assert user.client_id == CLIENT_A
    assert user.issuer == pool_a.issuer
    assert user.token_use == "id"


def test_verify_accepts_an_access_token_when_asked(app_a: Flask, pool_a: LocalUserPool) -> None:
    auth = auth_of(app_a)
    token = pool_a.access_token(sub="svc", scopes=["orders/read"])
    with app_a.app_context():
        user = auth.verify(token, token_use="access")
        assert user.scopes == ("orders/read",)
        assert auth.verify(token, token_use="any").user_id == "svc"
        assert auth.validate(f"Bearer {token}", token_use="access").is_valid
        session = auth.validate(f"Bearer {token}")
    assert session.error_code == "TOKEN_USE_MISMATCH"
    assert session.error == "expected an ID token, got an access token"


@pytest.mark.parametrize(
    ("make_token", "error_type", "code"),
    [
        (lambda p: p.id_token(expires_in=-60), TokenExpiredError, "TOKEN_EXPIRED"),
        (lambda p: p.id_token(aud="otherclient"), AudienceMismatchError, "AUDIENCE_MISMATCH"),
        (lambda p: p.access_token(), TokenUseMismatchError, "TOKEN_USE_MISMATCH"),
        (
            lambda p: p.id_token(iss="https://example.com/x"),
            IssuerMismatchError,
            "ISSUER_MISMATCH",
        ),
        (lambda p: p.id_token(header={"kid": "nope"}), UnknownKeyError, "UNKNOWN_KEY"),
        (lambda p: "not.a.jwt", MalformedTokenError, "INVALID_FORMAT"),
    ],
    ids=["expired", "audience", "token-use", "issuer", "kid", "malformed"],
)
def test_verify_raises_the_subclass_of_the_failed_check(
    app_a: Flask,
    pool_a: LocalUserPool,
    make_token: Callable[[LocalUserPool], str],
    error_type: type[CognitoAuthError],
    code: str,
) -> None:
    auth = auth_of(app_a)
    token = make_token(pool_a)
    with app_a.app_context():
        with pytest.raises(error_type) as info:
            auth.verify(token)
        assert type(info.value) is error_type
        assert info.value.code == code
        session = auth.validate(f"Bearer {token}")
    assert session == AuthSession(is_valid=False, error=info.value.message, error_code=code)


@pytest.mark.parametrize(
    "template",
    ["Bearer {}", "bearer {}", "BEARER {}", "BeArEr {}", "{}", "  Bearer   {}  ", " {} "],
)
def test_validate_accepts_every_form_of_the_header(
    template: str, app_a: Flask, pool_a: LocalUserPool
) -> None:
    auth = auth_of(app_a)
    token = pool_a.id_token(sub="u-7", email="u7@example.com")
    with app_a.app_context():
        session = auth.validate(template.format(token))
    assert isinstance(session, AuthSession)
    assert session.is_valid is True
    assert session.user_id == "u-7"
    assert session.claims["sub"] == "u-7"
    assert session.claims["email"] == "u7@example.com"
    assert isinstance(session.user, CognitoUser)
    assert session.user.user_id == "u-7"
    assert session.user.claims == session.claims
    assert session.error is None
    assert session.error_code is None


@pytest.mark.parametrize(
    "authorization",
    [None, "", "   ", "Bearer", "bearer ", "Bearer    ", "Basic abc", "Basic dXNlcjpwYXNz"],
)
def test_validate_without_a_token_is_missing_token(
    authorization: str | None, app_a: Flask
) -> None:
    auth = auth_of(app_a)
    with app_a.app_context():
        session = auth.validate(authorization)
    # "Basic abc" is another scheme: no bearer token, and the message names the expected form.
    expected = "missing bearer token"
    if authorization and authorization.strip():
        expected += ': expected "Authorization: Bearer <token>"'
    assert session == AuthSession(is_valid=False, error=expected, error_code="MISSING_TOKEN")
    assert session.user is None
    assert session.user_id is None
    assert dict(session.claims) == {}


def test_validate_a_lone_word_is_taken_as_a_bare_token(app_a: Flask) -> None:
    auth = auth_of(app_a)
    with app_a.app_context():
        session = auth.validate("Basic")
    assert session.is_valid is False
    assert session.error_code == "INVALID_FORMAT"


def test_validate_an_expired_token(app_a: Flask, pool_a: LocalUserPool) -> None:
    auth = auth_of(app_a)
    with app_a.app_context():
        session = auth.validate(f"Bearer {pool_a.id_token(expires_in=-1)}")
    assert session.is_valid is False
    assert session.error_code == "TOKEN_EXPIRED"
    assert session.error == "token expired"
    assert session.user is None
    assert session.user_id is None


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        ("Bearer " + "a" * 1_000_000, "INVALID_FORMAT"),
        ("a" * 1_000_000, "INVALID_FORMAT"),
        ("Bearer " + "a." * 500_000, "INVALID_FORMAT"),
        ("Bearer a.b.c", "INVALID_FORMAT"),
        ("Bearer ...", "INVALID_FORMAT"),
        ("Bearer \x00\xff", "INVALID_FORMAT"),
        ("Bearer eyJhbGciOiJub25lIn0.e30.", "UNSUPPORTED_ALGORITHM"),
    ],
    ids=["1MB-bearer", "1MB-bare", "1MB-dots", "abc", "dots", "binary", "alg-none"],
)
def test_validate_never_raises(authorization: str, code: str, app_a: Flask) -> None:
    auth = auth_of(app_a)
    with app_a.app_context():
        session = auth.validate(authorization)
    assert session.is_valid is False
    assert session.error_code == code
    assert session.user is None
    assert session.error is not None
    assert authorization.split()[-1] not in session.error
