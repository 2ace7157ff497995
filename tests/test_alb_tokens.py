"""ALB data tokens (``x-amzn-oidc-data``), verified as AWS documents (SPEC section 12).

Every token here is minted by the test kit's :class:`LocalLoadBalancer` and its key fetched
over loopback HTTP; the failures each change one thing of a good token.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from alb_helpers import make_alb_verifier
from cryptography.hazmat.primitives.asymmetric import ec

from flask_revstack_cognito import CognitoAuthError
from flask_revstack_cognito.alb_keys import AlbKeyCache
from flask_revstack_cognito.alb_tokens import AlbTokenVerifier, parse_alb_token
from flask_revstack_cognito.testing import AlbKeyServer, LocalLoadBalancer


def code_of(verifier: AlbTokenVerifier, token: str) -> str:
    with pytest.raises(CognitoAuthError) as caught:
        verifier.verify(token)
    return caught.value.code


def padded_token(alb: LocalLoadBalancer, **claims: Any) -> str:
    """A token whose three segments all end in ``=`` padding, as ALB tokens usually do."""
    for header_extra in range(3):
        for name_length in range(3):
            token = alb.data_token(
                header={"x-pad": "p" * header_extra}, name="J" * name_length, **claims
            )
            if all(segment.endswith("=") for segment in token.split(".")):
                return token
    raise AssertionError("no padded token")  # pragma: no cover


def test_a_token_padded_as_alb_sends_it_passes(
    alb: LocalLoadBalancer, alb_verifier: AlbTokenVerifier
) -> None:
    token = padded_token(alb, sub="user-1")
    user = alb_verifier.verify(token)
    assert user.user_id == "user-1"
    assert user.token_use == "alb"
    assert user.username == "jane"
    assert user.email == "jane@example.com"
    assert user.email_verified is True
    assert user.groups == ()
    assert repr(user) == "<CognitoUser 'user-1' token_use='alb'>"


def test_a_token_without_padding_passes_too(
    alb: LocalLoadBalancer, alb_verifier: AlbTokenVerifier
) -> None:
    token = alb.data_token(padding=False)
    assert "=" not in token
    assert alb_verifier.verify(token).token_use == "alb"


def test_the_signature_covers_the_text_as_sent_padding_included(
    alb: LocalLoadBalancer, alb_verifier: AlbTokenVerifier
) -> None:
    head, payload, signature = padded_token(alb).split(".")
    # The same claims and signature without the padding: other bytes than those signed.
    unpadded = f"{head.rstrip('=')}.{payload.rstrip('=')}.{signature}"
    assert code_of(alb_verifier, unpadded) == "INVALID_SIGNATURE"


@pytest.mark.parametrize("padding", ["===", "=", "=="])
def test_wrong_padding_is_malformed(
    alb: LocalLoadBalancer, alb_verifier: AlbTokenVerifier, padding: str
) -> None:
    head, payload, signature = alb.data_token().split(".")
    bare = payload.rstrip("=")
    needed = -len(bare) % 4
    if needed and len(padding) == needed:  # the right padding: use one too many instead
        padding += "="
    token = f"{head}.{bare}{padding}.{signature}"
    assert code_of(alb_verifier, token) == "INVALID_FORMAT"


@pytest.mark.parametrize("alg", ["RS256", "HS256", "none", "ES384", "es256", None])
def test_an_algorithm_other_than_es256_is_refused_before_any_fetch(
    alb: LocalLoadBalancer,
    alb_verifier: AlbTokenVerifier,
    key_server: AlbKeyServer,
    alg: str | None,
) -> None:
    token = alb.data_token(header={"alg": alg})
    assert code_of(alb_verifier, token) == "UNSUPPORTED_ALGORITHM"
    assert key_server.request_count == 0


@pytest.mark.parametrize(
    "kid",
    [
        "not-a-uuid",
        "",
        "../../etc/passwd",
        "00000000-0000-0000-0000-00000000000",  # one digit short
        "00000000-0000-0000-0000-000000000000/x",
        "0000000000000000000000000000000000000",
        "0000000g-0000-0000-0000-000000000000",
        "{00000000-0000-0000-0000-000000000000}",
        "00000000-0000-0000-0000-000000000000\n",
        7,
        None,
    ],
)
def test_a_kid_that_is_not_a_uuid_is_malformed_and_nothing_is_fetched(
    alb: LocalLoadBalancer,
    alb_verifier: AlbTokenVerifier,
    key_server: AlbKeyServer,
    kid: object,
) -> None:
    token = alb.data_token(header={"kid": kid})
    assert code_of(alb_verifier, token) == "INVALID_FORMAT"
    assert key_server.request_count == 0


def test_another_signer_is_an_issuer_mismatch_and_nothing_is_fetched(
    alb: LocalLoadBalancer, alb_verifier: AlbTokenVerifier, key_server: AlbKeyServer
) -> None:
    other = alb.arn.replace("/test-alb/", "/other-alb/")
    assert code_of(alb_verifier, alb.data_token(header={"signer": other})) == "ISSUER_MISMATCH"
    assert code_of(alb_verifier, alb.data_token(header={"signer": None})) == "ISSUER_MISMATCH"
    assert key_server.request_count == 0


def test_another_client_is_an_audience_mismatch(
    alb: LocalLoadBalancer, alb_verifier: AlbTokenVerifier
) -> None:
    assert code_of(alb_verifier, alb.data_token(header={"client": "other"})) == (
        "AUDIENCE_MISMATCH"
    )
    assert code_of(alb_verifier, alb.data_token(header={"client": None})) == "AUDIENCE_MISMATCH"


def test_the_client_is_not_checked_without_client_ids(
    alb: LocalLoadBalancer, key_cache: AlbKeyCache
) -> None:
    verifier = make_alb_verifier(alb, key_cache, client_ids=())
    assert verifier.verify(alb.data_token(header={"client": "other"})).token_use == "alb"


@pytest.mark.parametrize(
    ("header", "claims"),
    [
        ({"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"}, {}),
        ({"iss": None}, {}),
        ({}, {"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"}),
    ],
    ids=["header-iss", "no-header-iss", "payload-iss"],
)
def test_another_issuer_is_an_issuer_mismatch(
    alb: LocalLoadBalancer,
    alb_verifier: AlbTokenVerifier,
    header: dict[str, Any],
    claims: dict[str, Any],
) -> None:
    assert code_of(alb_verifier, alb.data_token(header=header, **claims)) == "ISSUER_MISMATCH"


def test_a_payload_without_iss_takes_the_header_s(
    alb: LocalLoadBalancer, alb_verifier: AlbTokenVerifier
) -> None:
    assert alb_verifier.verify(alb.data_token(iss=None)).token_use == "alb"


def test_an_expired_token_is_refused_unless_within_the_leeway(
    alb: LocalLoadBalancer, key_cache: AlbKeyCache, alb_verifier: AlbTokenVerifier
) -> None:
    expired = alb.data_token(expires_in=-30)
    assert code_of(alb_verifier, expired) == "TOKEN_EXPIRED"
    lenient = make_alb_verifier(alb, key_cache, leeway=300)
    assert lenient.verify(expired).token_use == "alb"


def test_each_exp_counts(alb: LocalLoadBalancer, alb_verifier: AlbTokenVerifier) -> None:
    past = int(alb.clock()) - 30
    assert code_of(alb_verifier, alb.data_token(header={"exp": past})) == "TOKEN_EXPIRED"
    assert code_of(alb_verifier, alb.data_token(exp=past)) == "TOKEN_EXPIRED"
    assert code_of(alb_verifier, alb.data_token(header={"exp": None})) == "TOKEN_EXPIRED"
    assert alb_verifier.verify(alb.data_token(exp=None)).token_use == "alb"


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_a_start_in_the_future_is_not_yet_valid(
    alb: LocalLoadBalancer, alb_verifier: AlbTokenVerifier, claim: str
) -> None:
    future = int(alb.clock()) + 600
    claims: dict[str, Any] = {claim: future}
    token = alb.data_token(**claims)
    assert code_of(alb_verifier, token) == "TOKEN_NOT_YET_VALID"


def test_a_tampered_payload_fails_the_signature(
    alb: LocalLoadBalancer, alb_verifier: AlbTokenVerifier
) -> None:
    head, _, signature = alb.data_token(sub="user-1").split(".")
    forged = base64.urlsafe_b64encode(json.dumps(alb.claims(sub="admin")).encode()).decode()
    assert code_of(alb_verifier, f"{head}.{forged}.{signature}") == "INVALID_SIGNATURE"


def test_a_signature_by_another_ec_key_fails(
    alb: LocalLoadBalancer, alb_verifier: AlbTokenVerifier
) -> None:
    stranger = ec.generate_private_key(ec.SECP256R1())
    assert code_of(alb_verifier, alb.data_token(key=stranger)) == "INVALID_SIGNATURE"


@pytest.mark.parametrize("size", [0, 63, 65, 72])
def test_a_signature_of_another_size_fails(
    alb: LocalLoadBalancer, alb_verifier: AlbTokenVerifier, size: int
) -> None:
    head, payload, _ = alb.data_token().split(".")
    signature = base64.urlsafe_b64encode(b"\x01" * size).decode()
    assert code_of(alb_verifier, f"{head}.{payload}.{signature}") == "INVALID_SIGNATURE"


def test_the_user_id_claim_is_required(
    alb: LocalLoadBalancer, key_cache: AlbKeyCache, alb_verifier: AlbTokenVerifier
) -> None:
    assert code_of(alb_verifier, alb.data_token(sub=None)) == "MISSING_CLAIM"
    by_username = make_alb_verifier(alb, key_cache, user_id_claim="username")
    assert by_username.verify(alb.data_token(username="jane")).user_id == "jane"
    assert code_of(by_username, alb.data_token(username=None)) == "MISSING_CLAIM"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "a.b",
        "a.b.c.d",
        "e30.e30",
        "x" * 20000,
        "é.e30.e30",
    ],
)
def test_structure_is_checked(alb_verifier: AlbTokenVerifier, token: str) -> None:
    assert code_of(alb_verifier, token) == "INVALID_FORMAT"


@pytest.mark.parametrize(
    "header",
    [
        {"crit": ["exp"]},
        {"signer": 5},
        {"client": ["a"]},
        {"iss": 1},
        {"exp": "soon"},
        {"exp": True},
    ],
)
def test_header_types_are_checked(
    alb: LocalLoadBalancer, alb_verifier: AlbTokenVerifier, header: dict[str, Any]
) -> None:
    assert code_of(alb_verifier, alb.data_token(header=header)) == "INVALID_FORMAT"


def test_claim_types_are_checked(alb: LocalLoadBalancer, alb_verifier: AlbTokenVerifier) -> None:
    assert code_of(alb_verifier, alb.data_token(sub=42)) == "INVALID_FORMAT"
    assert code_of(alb_verifier, alb.data_token(exp="never")) == "INVALID_FORMAT"


def test_a_non_string_is_malformed(alb_verifier: AlbTokenVerifier) -> None:
    assert code_of(alb_verifier, 42) == "INVALID_FORMAT"  # type: ignore[arg-type]


def test_an_upper_case_kid_is_a_uuid_too(
    alb: LocalLoadBalancer, key_server: AlbKeyServer, alb_verifier: AlbTokenVerifier
) -> None:
    token = alb.data_token(header={"kid": alb.kid.upper()})
    assert code_of(alb_verifier, token) == "UNKNOWN_KEY"  # fetched, and not found
    assert key_server.paths == [f"/{alb.kid.upper()}"]


def test_parse_keeps_the_signing_input_as_sent(alb: LocalLoadBalancer) -> None:
    token = padded_token(alb)
    parsed = parse_alb_token(token)
    assert parsed.signing_input == token.rsplit(".", 1)[0].encode()
    assert parsed.kid == alb.kid
    assert len(parsed.signature) == 64


def test_an_unexpected_failure_is_unknown_error(
    alb: LocalLoadBalancer, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken:
        def get_key(self, kid: str) -> ec.EllipticCurvePublicKey:
            raise RuntimeError("boom")

    verifier = AlbTokenVerifier({alb.arn: Broken()}, issuers=[alb.pool.issuer])
    assert code_of(verifier, alb.data_token()) == "UNKNOWN_ERROR"
    assert "unexpected failure while verifying an ALB data token" in caplog.text
    assert "AlbTokenVerifier" in repr(verifier)
