"""Token use and audience (SPEC section 4 steps 9, 10): ``token_use``, ``aud``, ``client_id``."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import MakeVerifier
from verification_helpers import refused, without

from flask_revstack_cognito import AudienceMismatchError, TokenUseMismatchError, TokenVerifier
from flask_revstack_cognito.testing import LocalUserPool

# -- step 9: token use ---------------------------------------------------------------------------


def test_access_token_when_id_required(verifier: TokenVerifier, pool: LocalUserPool) -> None:
    error = refused(verifier, pool.access_token(), TokenUseMismatchError, "TOKEN_USE_MISMATCH")
    assert error.message == "expected an ID token, got an access token"
    assert (error.expected, error.actual) == ("id", "access")


def test_id_token_when_access_required(make_verifier: MakeVerifier, pool: LocalUserPool) -> None:
    verifier = make_verifier(token_use="access")
    error = refused(verifier, pool.id_token(), TokenUseMismatchError, "TOKEN_USE_MISMATCH")
    assert error.message == "expected an access token, got an ID token"


@pytest.mark.parametrize(
    ("required", "token_use", "message"),
    [
        pytest.param(
            "id", None, "expected an ID token, got a token without token_use", id="id-missing"
        ),
        pytest.param(
            "access",
            None,
            "expected an access token, got a token without token_use",
            id="access-missing",
        ),
        pytest.param(
            "any",
            None,
            "expected an ID or access token, got a token without token_use",
            id="any-missing",
        ),
        pytest.param(
            "id",
            "refresh",
            "expected an ID token, got a token with an unknown token_use",
            id="id-refresh",
        ),
        pytest.param(
            "any",
            "refresh",
            "expected an ID or access token, got a token with an unknown token_use",
            id="any-refresh",
        ),
        pytest.param(
            "any",
            "",
            "expected an ID or access token, got a token with an unknown token_use",
            id="any-empty",
        ),
        pytest.param(
            "any",
            "any",
            "expected an ID or access token, got a token with an unknown token_use",
            id="any-any",
        ),
        pytest.param(
            "id",
            "ID",
            "expected an ID token, got a token with an unknown token_use",
            id="id-upper",
        ),
        pytest.param(
            "access",
            "id ",
            "expected an access token, got a token with an unknown token_use",
            id="access-trailing-space",
        ),
    ],
)
def test_missing_or_unknown_token_use(
    make_verifier: MakeVerifier,
    pool: LocalUserPool,
    required: str,
    token_use: str | None,
    message: str,
) -> None:
    verifier = make_verifier(token_use=required)
    token = (
        pool.sign({**pool.claims("id"), "token_use": token_use})
        if token_use is not None
        else without(pool, "token_use")
    )
    error = refused(verifier, token, TokenUseMismatchError, "TOKEN_USE_MISMATCH")
    assert error.message == message


def test_token_use_any_accepts_both(make_verifier: MakeVerifier, pool: LocalUserPool) -> None:
    verifier = make_verifier(token_use="any")
    assert verifier.verify(pool.id_token()).token_use == "id"
    assert verifier.verify(pool.access_token()).token_use == "access"


def test_token_use_per_call_overrides_the_contract(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    assert verifier.verify(pool.access_token(), token_use="access").token_use == "access"
    assert verifier.verify(pool.access_token(), token_use="any").token_use == "access"
    refused(
        verifier, pool.id_token(), TokenUseMismatchError, "TOKEN_USE_MISMATCH", token_use="access"
    )


# -- step 10: client -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token_use", "changes"),
    [
        pytest.param("id", {"aud": "otherclient"}, id="id-other-aud"),
        pytest.param("id", {"aud": ["a", "b"]}, id="id-aud-list-without-client"),
        pytest.param("id", {"aud": []}, id="id-empty-aud-list"),
        pytest.param("id", {"aud": ""}, id="id-empty-aud"),
        pytest.param("id", {"aud": "testclient1234567890abcdeF"}, id="id-aud-other-case"),
        pytest.param(
            "id",
            {"aud": "otherclient", "client_id": "testclient1234567890abcdef"},
            id="id-client_id-not-aud",
        ),
        pytest.param("access", {"client_id": "otherclient"}, id="access-other-client_id"),
        pytest.param("access", {"client_id": ""}, id="access-empty-client_id"),
        pytest.param(
            "access",
            {"client_id": None, "aud": "testclient1234567890abcdef"},
            id="access-aud-but-no-client_id",
        ),
    ],
)
def test_wrong_client(
    make_verifier: MakeVerifier,
    pool: LocalUserPool,
    token_use: str,
    changes: dict[str, Any],
) -> None:
    verifier = make_verifier(token_use="any")
    claims = {**pool.claims(token_use), **changes}
    token = pool.sign({name: value for name, value in claims.items() if value is not None})
    error = refused(verifier, token, AudienceMismatchError, "AUDIENCE_MISMATCH")
    assert error.message == "Audience validation failed"


def test_id_token_without_aud_is_refused(verifier: TokenVerifier, pool: LocalUserPool) -> None:
    refused(verifier, without(pool, "aud"), AudienceMismatchError, "AUDIENCE_MISMATCH")


def test_aud_list_holding_the_client_is_accepted(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    user = verifier.verify(pool.id_token(aud=["someone-else", pool.client_id]))
    assert user.claims["aud"] == ("someone-else", pool.client_id)


def test_several_client_ids_accept_each(make_verifier: MakeVerifier, pool: LocalUserPool) -> None:
    verifier = make_verifier(client_id=[pool.client_id, "secondclient42"], token_use="any")
    assert verifier.verify(pool.id_token()).client_id == pool.client_id
    assert verifier.verify(pool.id_token(aud="secondclient42")).client_id == "secondclient42"
    assert (
        verifier.verify(pool.access_token(client_id="secondclient42")).client_id
        == "secondclient42"
    )
    refused(verifier, pool.id_token(aud="thirdclient"), AudienceMismatchError, "AUDIENCE_MISMATCH")


def test_no_client_id_configured_accepts_any_client(
    make_verifier: MakeVerifier, pool: LocalUserPool
) -> None:
    verifier = make_verifier(client_id=None, token_use="any")
    assert verifier.verify(pool.id_token(aud="anyclient")).client_id == "anyclient"
    assert verifier.verify(pool.access_token(client_id="anyclient")).client_id == "anyclient"
    assert verifier.verify(without(pool, "aud")).client_id is None
