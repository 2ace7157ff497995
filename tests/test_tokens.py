"""Parsing a token on its own (SPEC section 4 step 2): length, structure, JSON and claim types."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from verification_helpers import _REAL_RS256, refused, segments, signature_of, with_segment

from flask_revstack_cognito import InvalidSignatureError, MalformedTokenError, TokenVerifier
from flask_revstack_cognito.testing import LocalUserPool, b64url
from flask_revstack_cognito.tokens import parse_token

# -- helpers ------------------------------------------------------------------------------------


def signed(pool: LocalUserPool, changes: Mapping[str, Any], token_use: str = "id") -> str:
    """A token of ``pool`` whose claims are changed exactly as given (``None`` stays ``null``)."""
    claims = pool.claims(token_use)
    claims.update(changes)
    return pool.sign(claims)


# -- step 2: structure --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(None, id="none"),
        pytest.param(123, id="int"),
        pytest.param(b"a.b.c", id="bytes"),
        pytest.param(["a", "b", "c"], id="list"),
        pytest.param("", id="empty"),
    ],
)
def test_not_a_string_or_empty_is_malformed(verifier: TokenVerifier, token: object) -> None:
    refused(verifier, token, MalformedTokenError, "INVALID_FORMAT")


def test_one_megabyte_token_is_refused_before_decoding(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    valid = pool.id_token()
    header, payload, signature = segments(valid)
    huge = f"{header}.{payload}{'A' * 1_000_000}.{signature}"
    error = refused(verifier, huge, MalformedTokenError, "INVALID_FORMAT")
    assert error.message == "malformed token: too large"
    error = refused(verifier, "a" * 1_048_576, MalformedTokenError, "INVALID_FORMAT")
    assert error.message == "malformed token: too large"
    assert pool.fetch_count == 0


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param(lambda h, p, s: h, id="1-segment"),
        pytest.param(lambda h, p, s: f"{h}.{p}", id="2-segments"),
        pytest.param(lambda h, p, s: f"{h}.{p}.{s}.{s}", id="4-segments"),
        pytest.param(lambda h, p, s: f"{h}.{p}.{s}..", id="5-segments"),
        pytest.param(lambda h, p, s: f".{p}.{s}", id="empty-header"),
        pytest.param(lambda h, p, s: f"{h}..{s}", id="empty-payload"),
        pytest.param(lambda h, p, s: "..", id="all-empty"),
        pytest.param(lambda h, p, s: f"{h}.{p}.{s}=", id="padding-on-signature"),
        pytest.param(lambda h, p, s: f"{h}=.{p}.{s}", id="padding-on-header"),
        pytest.param(lambda h, p, s: f"{h}.{p}==.{s}", id="padding-on-payload"),
        pytest.param(lambda h, p, s: f"{h}.{p}.{s[:-2]}+/", id="standard-base64-chars"),
        pytest.param(lambda h, p, s: f"{h}.{p}.{s[:-1]}!", id="punctuation"),
        pytest.param(lambda h, p, s: f"{h}.{p} .{s}", id="space"),
        pytest.param(lambda h, p, s: f"{h}.{p}.{s}\n", id="trailing-newline"),
        pytest.param(lambda h, p, s: f"{h}.{p}.{s[:-1]}\u00e9", id="non-ascii"),
        pytest.param(lambda h, p, s: f"{h}.{p}.AAAAA", id="signature-length-4n+1"),
        pytest.param(lambda h, p, s: f"A.{p}.{s}", id="header-length-1"),
        pytest.param(lambda h, p, s: f"{h}.{p}{'A' * ((1 - len(p)) % 4)}.{s}", id="length-4n+1"),
    ],
)
def test_malformed_structure(
    verifier: TokenVerifier, pool: LocalUserPool, shape: Callable[[str, str, str], str]
) -> None:
    header, payload, signature = segments(pool.id_token())
    refused(verifier, shape(header, payload, signature), MalformedTokenError, "INVALID_FORMAT")
    assert pool.fetch_count == 0


def test_empty_signature_segment_is_refused(verifier: TokenVerifier, pool: LocalUserPool) -> None:
    # An empty segment is the base64url of no bytes: either a format or a signature failure.
    token = with_segment(pool.id_token(), 2, "")
    with pytest.raises((MalformedTokenError, InvalidSignatureError)):
        verifier.verify(token)


def _raw(text: bytes) -> str:
    return base64.urlsafe_b64encode(text).rstrip(b"=").decode("ascii")


@pytest.mark.parametrize(
    "part",
    [pytest.param(0, id="header"), pytest.param(1, id="payload")],
)
@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"", id="empty-bytes"),
        pytest.param(b'{"alg": "RS256"', id="truncated-json"),
        pytest.param(b'["RS256"]', id="list"),
        pytest.param(b'"RS256"', id="string"),
        pytest.param(b"42", id="number"),
        pytest.param(b"null", id="null"),
        pytest.param(b"true", id="bool"),
        pytest.param(b'{"a": "\xff\xfe"}', id="invalid-utf8"),
        pytest.param(b"\xef\xbb\xbf{}", id="utf8-bom"),
        pytest.param(b'{"exp": NaN}', id="NaN"),
        pytest.param(b'{"exp": Infinity}', id="Infinity"),
        pytest.param(b'{"exp": -Infinity}', id="minus-Infinity"),
        pytest.param(b'{"kid": "a", "kid": "b"}', id="duplicate-names"),
        pytest.param(b'{"a": {"b": 1, "b": 2}}', id="nested-duplicate-names"),
        pytest.param(b"[" * 5000 + b"]" * 5000, id="deeply-nested"),
    ],
)
def test_header_or_payload_not_a_json_object(
    verifier: TokenVerifier, pool: LocalUserPool, part: int, raw: bytes
) -> None:
    token = with_segment(pool.id_token(), part, _raw(raw))
    refused(verifier, token, MalformedTokenError, "INVALID_FORMAT")
    assert pool.fetch_count == 0


def test_duplicate_claim_is_refused_even_when_validly_signed(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    claims = json.dumps(pool.claims())
    payload = claims[:-1] + ', "sub": "admin"}'
    header = b64url({"kid": pool.kid, "alg": "RS256"})
    signing_input = f"{header}.{b64url(payload)}"
    signature = _REAL_RS256.sign(signing_input.encode("ascii"), pool.signing_key)
    token = f"{signing_input}.{b64url(signature)}"
    refused(verifier, token, MalformedTokenError, "INVALID_FORMAT")


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        pytest.param("exp", "1900000000", id="exp-string"),
        pytest.param("exp", True, id="exp-bool"),
        pytest.param("exp", None, id="exp-null"),
        pytest.param("exp", [1900000000], id="exp-list"),
        pytest.param("exp", {"at": 1}, id="exp-object"),
        pytest.param("nbf", "0", id="nbf-string"),
        pytest.param("iat", [1], id="iat-list"),
        pytest.param("iat", False, id="iat-bool"),
        pytest.param("auth_time", "yesterday", id="auth_time-string"),
        pytest.param("iss", 5, id="iss-number"),
        pytest.param("iss", None, id="iss-null"),
        pytest.param("iss", ["https://cognito-idp"], id="iss-list"),
        pytest.param("sub", 42, id="sub-number"),
        pytest.param("token_use", 1, id="token_use-number"),
        pytest.param("token_use", ["id"], id="token_use-list"),
        pytest.param("client_id", 7, id="client_id-number"),
        pytest.param("scope", ["openid"], id="scope-list"),
        pytest.param("username", 3, id="username-number"),
        pytest.param("cognito:username", {"a": 1}, id="cognito:username-object"),
        pytest.param("email", True, id="email-bool"),
        pytest.param("jti", 99, id="jti-number"),
        pytest.param("aud", 5, id="aud-number"),
        pytest.param("aud", None, id="aud-null"),
        pytest.param("aud", ["testclient1234567890abcdef", 1], id="aud-list-with-number"),
        pytest.param("aud", {"client": 1}, id="aud-object"),
        pytest.param("cognito:groups", "admins", id="groups-string"),
        pytest.param("cognito:groups", ["admins", 2], id="groups-list-with-number"),
        pytest.param("cognito:groups", None, id="groups-null"),
    ],
)
def test_claim_of_the_wrong_type_is_malformed(
    verifier: TokenVerifier, pool: LocalUserPool, claim: str, value: object
) -> None:
    refused(verifier, signed(pool, {claim: value}), MalformedTokenError, "INVALID_FORMAT")
    assert pool.fetch_count == 0


@pytest.mark.parametrize(
    "literal",
    [
        pytest.param("1e400", id="float-overflow-1e400"),
        pytest.param("-1e400", id="float-overflow-minus-1e400"),
        pytest.param("1" + "0" * 400, id="integer-10**400"),
    ],
)
def test_huge_exp_is_malformed(verifier: TokenVerifier, pool: LocalUserPool, literal: str) -> None:
    claims = json.dumps({**pool.claims(), "exp": 0})
    payload = claims.replace('"exp": 0', f'"exp": {literal}')
    header = b64url({"kid": pool.kid, "alg": "RS256"})
    signing_input = f"{header}.{b64url(payload)}"
    signature = _REAL_RS256.sign(signing_input.encode("ascii"), pool.signing_key)
    refused(
        verifier, f"{signing_input}.{b64url(signature)}", MalformedTokenError, "INVALID_FORMAT"
    )


def test_parse_token_returns_the_parts(pool: LocalUserPool) -> None:
    token = pool.id_token()
    parsed = parse_token(token)
    assert parsed.kid == pool.kid
    assert parsed.header == {"kid": pool.kid, "alg": "RS256"}
    assert parsed.claims == json.loads(base64.urlsafe_b64decode(segments(token)[1] + "=="))
    assert parsed.signing_input == token.rsplit(".", 1)[0].encode("ascii")
    assert parsed.signature == signature_of(token)


# -- errors (SPEC section 5) ---------------------------------------------------------------------


def test_a_signature_spelled_non_canonically_is_malformed(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    """Unused trailing bits would give one signature several spellings (several tokens)."""
    token = pool.id_token()
    head, payload, signature = token.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    respelled = signature[:-1] + alphabet[last | 1]  # a 2048-bit signature leaves 4 bits unused
    assert respelled != signature
    assert base64.urlsafe_b64decode(respelled + "==") == base64.urlsafe_b64decode(signature + "==")
    with pytest.raises(MalformedTokenError, match="canonical") as caught:
        verifier.verify(f"{head}.{payload}.{respelled}")
    assert caught.value.code == "INVALID_FORMAT"
    assert verifier.verify(token).user_id
