"""The error classes (SPEC section 5): codes, statuses, messages and ``Retry-After``."""

from __future__ import annotations

import pytest

from flask_revstack_cognito import (
    AudienceMismatchError,
    CognitoAuthError,
    CognitoConfigError,
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

# -- errors (SPEC section 5) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "code", "status", "message"),
    [
        pytest.param(
            MissingTokenError(), "MISSING_TOKEN", 401, "missing bearer token", id="missing-token"
        ),
        pytest.param(MalformedTokenError(), "INVALID_FORMAT", 401, "malformed token", id="format"),
        pytest.param(
            UnsupportedAlgorithmError(),
            "UNSUPPORTED_ALGORITHM",
            401,
            "only RS256 is accepted",
            id="alg",
        ),
        pytest.param(
            UnknownKeyError(),
            "UNKNOWN_KEY",
            401,
            "signing key not found in the pool's JWKS",
            id="key",
        ),
        pytest.param(
            InvalidSignatureError(), "INVALID_SIGNATURE", 401, "Invalid signature", id="signature"
        ),
        pytest.param(TokenExpiredError(), "TOKEN_EXPIRED", 401, "token expired", id="expired"),
        pytest.param(
            TokenNotYetValidError(),
            "TOKEN_NOT_YET_VALID",
            401,
            "token not valid yet",
            id="not-yet-valid",
        ),
        pytest.param(
            IssuerMismatchError(), "ISSUER_MISMATCH", 401, "Issuer mismatch", id="issuer"
        ),
        pytest.param(
            TokenUseMismatchError("id", "access"),
            "TOKEN_USE_MISMATCH",
            401,
            "expected an ID token, got an access token",
            id="token-use",
        ),
        pytest.param(
            TokenUseMismatchError("refresh", 5),
            "TOKEN_USE_MISMATCH",
            401,
            "expected refresh, got a token with an unknown token_use",
            id="token-use-unknown",
        ),
        pytest.param(
            AudienceMismatchError(),
            "AUDIENCE_MISMATCH",
            401,
            "Audience validation failed",
            id="audience",
        ),
        pytest.param(
            MissingClaimError("sub"),
            "MISSING_CLAIM",
            401,
            "claim not found in token: sub",
            id="claim",
        ),
        pytest.param(
            InsufficientScopeError(groups=["a"]),
            "INSUFFICIENT_SCOPE",
            403,
            "lacks a required group or scope",
            id="scope",
        ),
        pytest.param(
            JWKSUnavailableError(), "NETWORK_ERROR", 503, "keys could not be fetched", id="network"
        ),
        pytest.param(
            CognitoAuthError(), "UNKNOWN_ERROR", 401, "an unexpected failure", id="unknown"
        ),
    ],
)
def test_error_codes_statuses_and_messages(
    error: CognitoAuthError, code: str, status: int, message: str
) -> None:
    assert isinstance(error, CognitoAuthError)
    assert error.code == code
    assert error.status == status
    assert error.message == message
    assert str(error) == message
    assert repr(error) == f"{type(error).__name__}(code={code!r}, message={message!r})"


def test_error_custom_message_and_retry_after() -> None:
    assert CognitoAuthError("custom reason").message == "custom reason"
    assert JWKSUnavailableError().retry_after == 10
    assert JWKSUnavailableError("down", retry_after=3).retry_after == 3


def test_config_error_names_the_key() -> None:
    error = CognitoConfigError("COGNITO_LEEWAY", "must be a number", "5")
    assert isinstance(error, ValueError)
    assert (error.key, error.problem, error.example) == ("COGNITO_LEEWAY", "must be a number", "5")
    assert str(error) == "COGNITO_LEEWAY: must be a number (for example 5)"
    assert str(CognitoConfigError("COGNITO_REGION", "is wrong")) == "COGNITO_REGION: is wrong"
