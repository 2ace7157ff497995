"""The checks sign-in adds to the app's verification: client, user, nonce and at_hash."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import START, MakeVerifier

from flask_revstack_cognito import AudienceMismatchError, TokenExpiredError
from flask_revstack_cognito.signin.client import TokenResponse
from flask_revstack_cognito.signin.tokens import (
    SignInTokenError,
    VerifiedTokens,
    access_token_hash,
    verify_token_response,
)
from flask_revstack_cognito.testing import LocalUserPool

OTHER_CLIENT = "otherclient0987654321"


def check(
    pool: LocalUserPool,
    make_verifier: MakeVerifier,
    *,
    id_claims: dict[str, Any] | None = None,
    access_claims: dict[str, Any] | None = None,
    nonce: str | None = "n-1",
    allow_missing_nonce: bool = False,
    with_id_token: bool = True,
) -> VerifiedTokens:
    access_token = pool.access_token(**(access_claims or {}))
    id_token = pool.id_token(**{"nonce": "n-1", **(id_claims or {})}) if with_id_token else None
    verifier = make_verifier(client_id=[pool.client_id, OTHER_CLIENT], token_use="any")
    return verify_token_response(
        TokenResponse(id_token, access_token, "refresh"),
        verifier.verify,
        client_id=pool.client_id,
        nonce=nonce,
        allow_missing_nonce=allow_missing_nonce,
    )


def test_good_tokens_give_both_users_and_the_cookies(
    pool: LocalUserPool, make_verifier: MakeVerifier
) -> None:
    verified = check(pool, make_verifier, access_claims={"expires_in": 600})
    assert (verified.id_user.token_use, verified.access_user.token_use) == ("id", "access")
    assert verified.cookies.id_expires_at == START + 3600
    assert verified.cookies.access_expires_at == START + 600
    assert verified.cookies.refresh_token == "refresh"


def test_an_id_token_with_another_nonce_is_refused(
    pool: LocalUserPool, make_verifier: MakeVerifier
) -> None:
    for allow_missing_nonce in (False, True):
        with pytest.raises(SignInTokenError, match="nonce is not this sign-in's"):
            check(
                pool,
                make_verifier,
                id_claims={"nonce": "n-2"},
                allow_missing_nonce=allow_missing_nonce,
            )


def test_a_nonce_that_is_not_a_string_is_refused(
    pool: LocalUserPool, make_verifier: MakeVerifier
) -> None:
    with pytest.raises(SignInTokenError, match="nonce"):
        check(pool, make_verifier, id_claims={"nonce": 1})


def test_a_missing_nonce_is_refused_unless_the_domain_is_a_loopback_emulator(
    pool: LocalUserPool, make_verifier: MakeVerifier
) -> None:
    with pytest.raises(SignInTokenError, match="carries no nonce"):
        check(pool, make_verifier, id_claims={"nonce": None})
    verified = check(pool, make_verifier, id_claims={"nonce": None}, allow_missing_nonce=True)
    assert "nonce" not in verified.id_user.claims


def test_a_refresh_checks_no_nonce(pool: LocalUserPool, make_verifier: MakeVerifier) -> None:
    assert check(pool, make_verifier, id_claims={"nonce": None}, nonce=None).id_user


def test_no_id_token_is_refused(pool: LocalUserPool, make_verifier: MakeVerifier) -> None:
    with pytest.raises(SignInTokenError, match="no ID token"):
        check(pool, make_verifier, with_id_token=False)


@pytest.mark.parametrize(
    ("id_claims", "access_claims"),
    [({"aud": OTHER_CLIENT}, {}), ({}, {"client_id": OTHER_CLIENT})],
)
def test_tokens_of_another_app_client_are_refused(
    pool: LocalUserPool,
    make_verifier: MakeVerifier,
    id_claims: dict[str, Any],
    access_claims: dict[str, Any],
) -> None:
    with pytest.raises(SignInTokenError, match="another app client"):
        check(pool, make_verifier, id_claims=id_claims, access_claims=access_claims)


def test_tokens_of_two_users_are_refused(pool: LocalUserPool, make_verifier: MakeVerifier) -> None:
    with pytest.raises(SignInTokenError, match="different users"):
        check(pool, make_verifier, access_claims={"sub": "someone-else"})


def test_the_at_hash_must_match_the_access_token(
    pool: LocalUserPool, make_verifier: MakeVerifier
) -> None:
    with pytest.raises(SignInTokenError, match="at_hash"):
        check(pool, make_verifier, id_claims={"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"})


def test_a_matching_at_hash_passes(pool: LocalUserPool, make_verifier: MakeVerifier) -> None:
    access_token = pool.access_token()
    id_token = pool.id_token(nonce="n", at_hash=access_token_hash(access_token))
    verifier = make_verifier(token_use="any")
    verified = verify_token_response(
        TokenResponse(id_token, access_token, None),
        verifier.verify,
        client_id=pool.client_id,
        nonce="n",
        allow_missing_nonce=False,
    )
    assert verified.cookies.refresh_token is None


def test_the_apps_own_verification_comes_first(
    pool: LocalUserPool, make_verifier: MakeVerifier
) -> None:
    with pytest.raises(TokenExpiredError):
        check(pool, make_verifier, access_claims={"expires_in": -1})
    verifier = make_verifier(client_id=OTHER_CLIENT, token_use="any")
    with pytest.raises(AudienceMismatchError):
        verify_token_response(
            TokenResponse(pool.id_token(nonce="n-1"), pool.access_token(), None),
            verifier.verify,
            client_id=pool.client_id,
            nonce="n-1",
            allow_missing_nonce=False,
        )


def test_access_token_hash_is_the_left_half_of_sha256() -> None:
    # OpenID Connect Core, section 3.1.3.6; the value computed by hand for "abc".
    assert access_token_hash("abc") == "ungWv48Bz-pBQUDeXa4iIw"
