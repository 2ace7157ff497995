"""The user id claim (SPEC section 4 step 11): ``sub``, ``username`` or a custom claim."""

from __future__ import annotations

import pytest
from conftest import MakeVerifier
from verification_helpers import refused

from flask_revstack_cognito import MissingClaimError, TokenVerifier
from flask_revstack_cognito.testing import LocalUserPool

# -- step 11: user id claim ----------------------------------------------------------------------


def test_sub_missing_is_missing_claim(verifier: TokenVerifier, pool: LocalUserPool) -> None:
    error = refused(
        verifier, pool.id_token(claims={"sub": None}), MissingClaimError, "MISSING_CLAIM"
    )
    assert error.claim == "sub"
    assert error.message == "claim not found in token: sub"


def test_sub_empty_is_missing_claim(verifier: TokenVerifier, pool: LocalUserPool) -> None:
    refused(verifier, pool.id_token(sub=""), MissingClaimError, "MISSING_CLAIM")


def test_user_id_claim_username_uses_the_token_types_claim(
    make_verifier: MakeVerifier, pool: LocalUserPool
) -> None:
    verifier = make_verifier(user_id_claim="username", token_use="any")
    assert verifier.verify(pool.id_token(username="jane-id")).user_id == "jane-id"
    assert verifier.verify(pool.access_token(username="jane-access")).user_id == "jane-access"


@pytest.mark.parametrize(
    ("token_use", "missing", "present"),
    [
        pytest.param("id", "cognito:username", "username", id="id-token"),
        pytest.param("access", "username", "cognito:username", id="access-token"),
    ],
)
def test_user_id_claim_username_missing(
    make_verifier: MakeVerifier,
    pool: LocalUserPool,
    token_use: str,
    missing: str,
    present: str,
) -> None:
    verifier = make_verifier(user_id_claim="username", token_use="any")
    claims = pool.claims(token_use)
    claims.pop("username", None)
    claims.pop("cognito:username", None)
    claims[present] = "jane"
    error = refused(verifier, pool.sign(claims), MissingClaimError, "MISSING_CLAIM")
    assert error.claim == missing


def test_custom_user_id_claim(make_verifier: MakeVerifier, pool: LocalUserPool) -> None:
    verifier = make_verifier(user_id_claim="custom:tenant")
    assert verifier.verify(pool.id_token(custom={"tenant": "acme"})).user_id == "acme"
    error = refused(verifier, pool.id_token(), MissingClaimError, "MISSING_CLAIM")
    assert error.claim == "custom:tenant"
