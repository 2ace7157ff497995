"""TokenVerifier as a whole (SPEC section 4): valid tokens, the order of the checks, bugs.

Each failure test signs its token with the pool's real key unless the signature is what it
tests, so that only the check under test can refuse it: removing that check makes the test fail.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from conftest import FakeClock, MakeVerifier
from joserfc.jwk import RSAKey
from verification_helpers import _flip_byte, now, refused, segments, signature_of, with_segment

import flask_revstack_cognito.verifier as verifier_module
from flask_revstack_cognito import (
    AudienceMismatchError,
    CognitoAuthError,
    CognitoUser,
    InvalidSignatureError,
    IssuerMismatchError,
    MalformedTokenError,
    TokenExpiredError,
    TokenNotYetValidError,
    TokenUseMismatchError,
    TokenVerifier,
    UnknownKeyError,
    UnsupportedAlgorithmError,
)
from flask_revstack_cognito.testing import LocalUserPool, b64url
from flask_revstack_cognito.tokens import MAX_TOKEN_LENGTH

# -- helpers ------------------------------------------------------------------------------------


class BrokenRS256:
    """An RS256 algorithm with an internal bug."""

    def verify(self, msg: bytes, sig: bytes, key: RSAKey) -> bool:
        raise RuntimeError("internal bug in the signature check")


# -- valid tokens -------------------------------------------------------------------------------


def test_valid_id_token_returns_its_user(
    verifier: TokenVerifier, pool: LocalUserPool, clock: FakeClock
) -> None:
    token = pool.id_token(sub="user-1", groups=["admins"], custom={"tenant": "acme"})
    user = verifier.verify(token)
    assert isinstance(user, CognitoUser)
    assert user.user_id == "user-1"
    assert user.sub == "user-1"
    assert user.token_use == "id"
    assert user.username == "jane"
    assert user.email == "jane@example.com"
    assert user.groups == ("admins",)
    assert user.custom == {"tenant": "acme"}
    assert user.client_id == pool.client_id
    assert user.issuer == pool.issuer
    assert user.claims["exp"] == now(clock) + 3600
    assert pool.fetch_count == 1


def test_valid_access_token_returns_its_user(
    make_verifier: MakeVerifier, pool: LocalUserPool
) -> None:
    verifier = make_verifier(token_use="access")
    user = verifier.verify(pool.access_token(sub="user-2", scopes=["orders/read", "openid"]))
    assert user.user_id == "user-2"
    assert user.token_use == "access"
    assert user.username == "jane"
    assert user.scopes == ("orders/read", "openid")
    assert user.client_id == pool.client_id


def test_verifier_exposes_its_key_sources_and_prefetches(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    assert repr(verifier) == f"<TokenVerifier issuers={[pool.issuer]!r}>"
    assert list(verifier.key_sources) == [pool.issuer]
    assert verifier.key_sources[pool.issuer].jwks_uri == pool.jwks_uri
    assert verifier.prefetch() == {pool.issuer: (pool.kid,)}
    assert pool.fetch_count == 1
    verifier.verify(pool.id_token())
    assert pool.fetch_count == 1


def test_token_exactly_max_length_is_accepted(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    token = _token_of_length(pool, MAX_TOKEN_LENGTH)
    assert len(token) == MAX_TOKEN_LENGTH
    assert verifier.verify(token).user_id == pool.claims()["sub"]


def test_token_just_over_max_length_is_refused(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    token = _token_of_length(pool, MAX_TOKEN_LENGTH + 1)
    assert len(token) == MAX_TOKEN_LENGTH + 1
    error = refused(verifier, token, MalformedTokenError, "INVALID_FORMAT")
    assert error.message == "malformed token: too large"
    assert pool.fetch_count == 0


def _token_of_length(pool: LocalUserPool, length: int) -> str:
    """A validly signed token of exactly ``length`` characters (padding claim and header)."""
    for header_pad in range(4):
        header = {"x-pad": "p" * header_pad} if header_pad else None
        base = len(pool.id_token(header=header, claims={"custom:pad": ""}))
        for extra in range(max(0, (length - base) * 3 // 4 - 4), (length - base) * 3 // 4 + 4):
            token = pool.id_token(header=header, claims={"custom:pad": "x" * extra})
            if len(token) == length:
                return token
    raise AssertionError(f"no token of length {length}")


# -- the first failing check decides -------------------------------------------------------------


def _order_cases() -> list[Any]:
    past = {"exp": 1_700_000_000}
    wrong_iss = {"iss": "https://attacker.example/pool"}
    return [
        pytest.param(
            {"alg": "HS256", "kid": None}, {}, "sign", UnsupportedAlgorithmError, id="alg+no-kid"
        ),
        pytest.param(
            {"alg": "none", "kid": 5}, {}, "sign", UnsupportedAlgorithmError, id="alg+bad-kid"
        ),
        pytest.param(
            {"alg": "HS256", "crit": ["x"]}, {}, "sign", UnsupportedAlgorithmError, id="alg+crit"
        ),
        pytest.param(
            {"alg": "HS256", "kid": "unknown"},
            past,
            "sign",
            UnsupportedAlgorithmError,
            id="alg+unknown-kid+expired",
        ),
        pytest.param(
            {"alg": "HS256"}, {"exp": "soon"}, "sign", MalformedTokenError, id="claim-type+alg"
        ),
        pytest.param({"kid": None}, past, "sign", MalformedTokenError, id="no-kid+expired"),
        pytest.param({"kid": "unknown"}, past, "sign", UnknownKeyError, id="unknown-kid+expired"),
        pytest.param(
            {"kid": "unknown"}, {}, "tamper", UnknownKeyError, id="unknown-kid+bad-signature"
        ),
        pytest.param({}, past, "tamper", InvalidSignatureError, id="bad-signature+expired"),
        pytest.param(
            {},
            {**past, **wrong_iss},
            "tamper",
            InvalidSignatureError,
            id="bad-signature+expired+issuer",
        ),
        pytest.param({}, {**past, **wrong_iss}, "sign", TokenExpiredError, id="expired+issuer"),
        pytest.param(
            {}, {**past, "iat": 1_900_000_000}, "sign", TokenExpiredError, id="expired+future-iat"
        ),
        pytest.param(
            {}, {**past, "token_use": "access"}, "sign", TokenExpiredError, id="expired+token-use"
        ),
        pytest.param(
            {},
            {"nbf": 1_900_000_000, **wrong_iss},
            "sign",
            TokenNotYetValidError,
            id="not-yet-valid+issuer",
        ),
        pytest.param(
            {},
            {**wrong_iss, "token_use": "access"},
            "sign",
            IssuerMismatchError,
            id="issuer+token-use",
        ),
        pytest.param(
            {}, {**wrong_iss, "aud": "other"}, "sign", IssuerMismatchError, id="issuer+audience"
        ),
        pytest.param(
            {},
            {"token_use": "access", "aud": "other"},
            "sign",
            TokenUseMismatchError,
            id="token-use+audience",
        ),
        pytest.param(
            {},
            {"aud": "other", "sub": None},
            "sign",
            AudienceMismatchError,
            id="audience+missing-sub",
        ),
    ]


@pytest.mark.parametrize(("header", "changes", "signature", "expected"), _order_cases())
def test_first_failing_check_decides(
    verifier: TokenVerifier,
    pool: LocalUserPool,
    header: dict[str, Any],
    changes: dict[str, Any],
    signature: str,
    expected: type[CognitoAuthError],
) -> None:
    claims = {**pool.claims(), **changes}
    claims = {name: value for name, value in claims.items() if value is not None}
    token = pool.sign(claims, header=header)
    if signature == "tamper":
        token = with_segment(token, 2, b64url(_flip_byte(signature_of(token), 0)))
    refused(verifier, token, expected, expected.code)


# -- unexpected failures -------------------------------------------------------------------------


def test_internal_bug_is_unknown_error_logged_without_the_token(
    verifier: TokenVerifier,
    pool: LocalUserPool,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(verifier_module, "_RS256", BrokenRS256())
    caplog.set_level(logging.DEBUG, logger="flask_revstack_cognito")
    token = pool.id_token()

    error = refused(verifier, token, CognitoAuthError, "UNKNOWN_ERROR")

    assert error.message == "an unexpected failure"
    assert error.__cause__ is None
    assert error.__suppress_context__
    records = [record for record in caplog.records if record.exc_info]
    assert len(records) == 1
    assert records[0].name == "flask_revstack_cognito"
    assert records[0].levelno == logging.ERROR
    assert records[0].getMessage() == "unexpected failure while verifying a token"
    exc_info = records[0].exc_info
    assert exc_info is not None
    assert exc_info[0] is RuntimeError
    assert "RuntimeError: internal bug in the signature check" in caplog.text
    assert "Traceback" in caplog.text
    for part in (token, *segments(token)):
        assert part not in caplog.text
