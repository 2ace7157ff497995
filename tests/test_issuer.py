"""The issuer (SPEC section 4 steps 4 and 8): routing among several pools and the exact ``iss``."""

from __future__ import annotations

import pytest
from conftest import FakeClock, MakeVerifier
from verification_helpers import RecordingFetcher, refused

from flask_revstack_cognito import (
    InvalidSignatureError,
    IssuerMismatchError,
    TokenVerifier,
    UnknownKeyError,
    build_auth_contract,
)
from flask_revstack_cognito.testing import LocalUserPool

# -- step 4: issuer routing with several pools ---------------------------------------------------


@pytest.fixture
def other_pool(clock: FakeClock) -> LocalUserPool:
    return LocalUserPool(
        region="eu-west-1",
        user_pool_id="eu-west-1_Other1",
        client_id="otherclient1234567890",
        clock=clock,
    )


@pytest.fixture
def two_pool_fetcher(pool: LocalUserPool, other_pool: LocalUserPool) -> RecordingFetcher:
    return RecordingFetcher(pool, other_pool)


@pytest.fixture
def two_pool_verifier(
    pool: LocalUserPool,
    other_pool: LocalUserPool,
    clock: FakeClock,
    two_pool_fetcher: RecordingFetcher,
) -> TokenVerifier:
    contract = build_auth_contract(
        "cognito",
        user_pool_id=[pool.user_pool_id, other_pool.user_pool_id],
        client_id=[pool.client_id, other_pool.client_id],
    )
    return TokenVerifier(contract, fetcher=two_pool_fetcher, clock=clock, jitter=lambda: 0.0)


def test_several_pools_each_verify_with_their_own_keys(
    two_pool_verifier: TokenVerifier,
    two_pool_fetcher: RecordingFetcher,
    pool: LocalUserPool,
    other_pool: LocalUserPool,
) -> None:
    assert two_pool_verifier.verify(pool.id_token(sub="a")).issuer == pool.issuer
    assert two_pool_verifier.verify(other_pool.id_token(sub="b")).issuer == other_pool.issuer
    assert two_pool_fetcher.urls == [pool.jwks_uri, other_pool.jwks_uri]
    assert pool.fetch_count == other_pool.fetch_count == 1


@pytest.mark.parametrize(
    "iss",
    [
        pytest.param(
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Unknown9", id="unknown-pool"
        ),
        pytest.param("https://attacker.example/us-east-1_LocalPool1", id="attacker-host"),
        pytest.param(None, id="missing"),
    ],
)
def test_several_pools_unknown_iss_is_refused_before_any_fetch(
    two_pool_verifier: TokenVerifier,
    two_pool_fetcher: RecordingFetcher,
    pool: LocalUserPool,
    iss: str | None,
) -> None:
    refused(two_pool_verifier, pool.id_token(iss=iss), IssuerMismatchError, "ISSUER_MISMATCH")
    assert two_pool_fetcher.urls == []


def test_several_pools_unknown_iss_is_refused_before_the_expiry_check(
    two_pool_verifier: TokenVerifier, two_pool_fetcher: RecordingFetcher, pool: LocalUserPool
) -> None:
    token = pool.id_token(iss="https://attacker.example/pool", expires_in=-10)
    refused(two_pool_verifier, token, IssuerMismatchError, "ISSUER_MISMATCH")
    assert two_pool_fetcher.urls == []


def test_several_pools_token_claiming_other_iss_signed_by_this_pool_is_refused(
    two_pool_verifier: TokenVerifier,
    two_pool_fetcher: RecordingFetcher,
    pool: LocalUserPool,
    other_pool: LocalUserPool,
) -> None:
    # Pool A's key and kid, pool B's issuer: B's JWKS has no such key.
    token = pool.id_token(iss=other_pool.issuer, aud=other_pool.client_id)
    refused(two_pool_verifier, token, UnknownKeyError, "UNKNOWN_KEY")
    assert two_pool_fetcher.urls == [other_pool.jwks_uri]
    # Pool A's key under pool B's kid: B's key does not verify it.
    token = pool.id_token(
        iss=other_pool.issuer, aud=other_pool.client_id, header={"kid": other_pool.kid}
    )
    refused(two_pool_verifier, token, InvalidSignatureError, "INVALID_SIGNATURE")
    assert pool.fetch_count == 0


# -- step 8: issuer ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "iss",
    [
        pytest.param(
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other1", id="other-pool"
        ),
        pytest.param(
            "https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_LocalPool1", id="other-region"
        ),
        pytest.param(
            "http://cognito-idp.us-east-1.amazonaws.com/us-east-1_LocalPool1", id="http-scheme"
        ),
        pytest.param(
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_LocalPool1/",
            id="trailing-slash",
        ),
        pytest.param(
            "https://COGNITO-IDP.us-east-1.amazonaws.com/us-east-1_LocalPool1",
            id="upper-case-host",
        ),
        pytest.param(
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_localpool1",
            id="lower-case-pool",
        ),
        pytest.param(
            "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_LocalPool1",
            id="updated-form-not-trusted",
        ),
        pytest.param(
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_LocalPool1 ",
            id="trailing-space",
        ),
        pytest.param(
            "https://attacker.example/https://cognito-idp.us-east-1.amazonaws.com/us-east-1_LocalPool1",
            id="suffix",
        ),
        pytest.param("", id="empty"),
        pytest.param(None, id="missing"),
    ],
)
def test_wrong_issuer(verifier: TokenVerifier, pool: LocalUserPool, iss: str | None) -> None:
    error = refused(verifier, pool.id_token(iss=iss), IssuerMismatchError, "ISSUER_MISMATCH")
    assert error.message == "Issuer mismatch"


def test_issuer_override_is_the_trusted_issuer(
    make_verifier: MakeVerifier, pool: LocalUserPool
) -> None:
    verifier = make_verifier(
        issuer="http://localhost:9229/us-east-1_LocalPool1", jwks_uri=pool.jwks_uri
    )
    refused(verifier, pool.id_token(), IssuerMismatchError, "ISSUER_MISMATCH")
    user = verifier.verify(pool.id_token(iss="http://localhost:9229/us-east-1_LocalPool1"))
    assert user.issuer == "http://localhost:9229/us-east-1_LocalPool1"
