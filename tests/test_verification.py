"""TokenVerifier: every check of SPEC section 4, steps 2 to 11, in order, and its error codes.

Each failure test signs its token with the pool's real key unless the signature is what it
tests, so that only the check under test can refuse it: removing that check makes the test fail.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import pytest
from conftest import FakeClock, MakeVerifier
from joserfc.jwk import ECKey, RSAKey
from joserfc.jws import JWSRegistry

import flask_revstack_cognito.verifier as verifier_module
from flask_revstack_cognito import (
    AudienceMismatchError,
    CognitoAuthError,
    CognitoConfigError,
    CognitoUser,
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
    TokenVerifier,
    UnknownKeyError,
    UnsupportedAlgorithmError,
    build_auth_contract,
)
from flask_revstack_cognito.jwks import JWKSFetchError
from flask_revstack_cognito.testing import LocalUserPool, b64url, encode_token
from flask_revstack_cognito.tokens import MAX_TOKEN_LENGTH, parse_token

E = TypeVar("E", bound=CognitoAuthError)

_REAL_RS256 = JWSRegistry.algorithms["RS256"]
ATTACKER_JKU = "https://attacker.example/.well-known/jwks.json"


# -- helpers ------------------------------------------------------------------------------------


def refused(
    verifier: TokenVerifier,
    token: object,
    error: type[E],
    code: str,
    status: int = 401,
    *,
    token_use: str | None = None,
) -> E:
    """Verify ``token``, expecting exactly ``error`` with ``code`` and ``status``."""
    with pytest.raises(error) as info:
        verifier.verify(cast(str, token), token_use=token_use)
    assert type(info.value) is error, repr(info.value)
    assert info.value.code == code
    assert info.value.status == status
    return info.value


def now(clock: FakeClock) -> int:
    return int(clock())


def segments(token: str) -> list[str]:
    return token.split(".")


def with_segment(token: str, index: int, value: str) -> str:
    parts = segments(token)
    parts[index] = value
    return ".".join(parts)


def signature_of(token: str) -> bytes:
    value = segments(token)[2]
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def signed(pool: LocalUserPool, changes: Mapping[str, Any], token_use: str = "id") -> str:
    """A token of ``pool`` whose claims are changed exactly as given (``None`` stays ``null``)."""
    claims = pool.claims(token_use)
    claims.update(changes)
    return pool.sign(claims)


def without(pool: LocalUserPool, *names: str, token_use: str = "id") -> str:
    """A token of ``pool`` lacking the claims ``names``."""
    claims = pool.claims(token_use)
    for name in names:
        del claims[name]
    return pool.sign(claims)


def forge(
    header: Mapping[str, Any] | str, payload: Mapping[str, Any] | str, signature: bytes
) -> str:
    """Assemble a compact token from raw parts (a ``str`` part is the JSON text itself)."""
    return f"{b64url(header)}.{b64url(payload)}.{b64url(signature)}"


def attacker_key(kid: str = "attacker-key") -> RSAKey:
    key: RSAKey = RSAKey.generate_key(
        2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"}, private=True
    )
    return key


class RecordingFetcher:
    """A fetcher that records every URL and answers for the given pools only."""

    def __init__(self, *pools: LocalUserPool) -> None:
        self.pools = {pool.jwks_uri: pool for pool in pools}
        self.urls: list[str] = []

    def __call__(self, url: str, *, timeout: float, max_bytes: int) -> bytes:
        self.urls.append(url)
        pool = self.pools.get(url)
        if pool is None:
            raise JWKSFetchError(f"HTTP status 404 for {url}")
        return pool.fetcher(url, timeout=timeout, max_bytes=max_bytes)


class CountingRS256:
    """Stands in for the verifier's RS256 algorithm, counting the signature checks."""

    def __init__(self) -> None:
        self.calls = 0

    def verify(self, msg: bytes, sig: bytes, key: RSAKey) -> bool:
        self.calls += 1
        return bool(_REAL_RS256.verify(msg, sig, key))


class BrokenRS256:
    """An RS256 algorithm with an internal bug."""

    def verify(self, msg: bytes, sig: bytes, key: RSAKey) -> bool:
        raise RuntimeError("internal bug in the signature check")


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> CountingRS256:
    counter = CountingRS256()
    monkeypatch.setattr(verifier_module, "_RS256", counter)
    return counter


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


# -- step 3: algorithm, kid, crit, embedded keys -------------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_with_empty_signature_is_unsupported(
    verifier: TokenVerifier, pool: LocalUserPool, alg: str
) -> None:
    token = f"{b64url({'alg': alg, 'kid': pool.kid})}.{b64url(pool.claims())}."
    refused(verifier, token, UnsupportedAlgorithmError, "UNSUPPORTED_ALGORITHM")
    assert pool.fetch_count == 0


@pytest.mark.parametrize(
    "alg",
    [
        pytest.param("none", id="none"),
        pytest.param("None", id="None"),
        pytest.param("NONE", id="NONE"),
        pytest.param("nOnE", id="nOnE"),
        pytest.param("HS256", id="HS256"),
        pytest.param("RS384", id="RS384"),
        pytest.param("RS512", id="RS512"),
        pytest.param("PS256", id="PS256"),
        pytest.param("ES256", id="ES256"),
        pytest.param("EdDSA", id="EdDSA"),
        pytest.param("rs256", id="lowercase-rs256"),
        pytest.param("RS256 ", id="trailing-space"),
        pytest.param("", id="empty"),
        pytest.param(256, id="number"),
        pytest.param(["RS256"], id="list"),
        pytest.param({"RS256": True}, id="object"),
        pytest.param(True, id="bool"),
    ],
)
def test_any_alg_but_rs256_is_unsupported(
    verifier: TokenVerifier, pool: LocalUserPool, alg: object
) -> None:
    # Signed with the pool's real RS256 key: only the label is wrong.
    token = pool.id_token(header={"alg": alg})
    refused(verifier, token, UnsupportedAlgorithmError, "UNSUPPORTED_ALGORITHM")
    assert pool.fetch_count == 0


def test_alg_missing_is_unsupported(verifier: TokenVerifier, pool: LocalUserPool) -> None:
    refused(
        verifier,
        pool.id_token(header={"alg": None}),
        UnsupportedAlgorithmError,
        "UNSUPPORTED_ALGORITHM",
    )


def test_alg_null_is_unsupported(verifier: TokenVerifier, pool: LocalUserPool) -> None:
    token = encode_token({"alg": None, "kid": pool.kid}, pool.claims(), pool.signing_key)
    refused(verifier, token, UnsupportedAlgorithmError, "UNSUPPORTED_ALGORITHM")


@pytest.mark.parametrize(
    ("alg", "make_key"),
    [
        pytest.param("RS512", None, id="RS512"),
        pytest.param("RS384", None, id="RS384"),
        pytest.param("PS256", None, id="PS256"),
        pytest.param("ES256", lambda: ECKey.generate_key("P-256"), id="ES256"),
    ],
)
def test_really_signed_with_another_algorithm_is_unsupported(
    verifier: TokenVerifier,
    pool: LocalUserPool,
    alg: str,
    make_key: Callable[[], ECKey] | None,
) -> None:
    key: RSAKey | ECKey = make_key() if make_key is not None else pool.signing_key
    signing_input = f"{b64url({'alg': alg, 'kid': pool.kid})}.{b64url(pool.claims())}"
    signature = JWSRegistry.algorithms[alg].sign(signing_input.encode("ascii"), key)
    refused(
        verifier,
        f"{signing_input}.{b64url(signature)}",
        UnsupportedAlgorithmError,
        "UNSUPPORTED_ALGORITHM",
    )


def _pem(key: RSAKey) -> bytes:
    return key.as_pem(private=False)


def _jwk_json(key: RSAKey) -> bytes:
    return json.dumps(key.as_dict(private=False)).encode()


def _jwk_json_spaced(key: RSAKey) -> bytes:
    return json.dumps(key.as_dict(private=False), separators=(",", ":")).encode()


def _modulus(key: RSAKey) -> bytes:
    return str(key.as_dict(private=False)["n"]).encode()


@pytest.mark.parametrize(
    "secret_of",
    [
        pytest.param(_pem, id="public-pem"),
        pytest.param(_jwk_json, id="public-jwk-json"),
        pytest.param(_jwk_json_spaced, id="public-jwk-compact-json"),
        pytest.param(_modulus, id="modulus"),
    ],
)
def test_hs256_key_confusion_is_unsupported(
    verifier: TokenVerifier, pool: LocalUserPool, secret_of: Callable[[RSAKey], bytes]
) -> None:
    header = {"alg": "HS256", "kid": pool.kid, "typ": "JWT"}
    signing_input = f"{b64url(header)}.{b64url(pool.claims())}"
    mac = hmac.new(secret_of(pool.signing_key), signing_input.encode("ascii"), hashlib.sha256)
    token = f"{signing_input}.{b64url(mac.digest())}"
    refused(verifier, token, UnsupportedAlgorithmError, "UNSUPPORTED_ALGORITHM")


def test_hs256_signed_with_the_jwks_document_is_unsupported(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    secret = json.dumps(pool.jwks()).encode()
    header = {"alg": "HS256", "kid": pool.kid}
    signing_input = f"{b64url(header)}.{b64url(pool.claims())}"
    mac = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256)
    refused(
        verifier,
        f"{signing_input}.{b64url(mac.digest())}",
        UnsupportedAlgorithmError,
        "UNSUPPORTED_ALGORITHM",
    )


@pytest.mark.parametrize(
    "kid",
    [
        pytest.param("", id="empty"),
        pytest.param(123, id="number"),
        pytest.param(["kid"], id="list"),
        pytest.param({"kid": "x"}, id="object"),
        pytest.param(True, id="bool"),
    ],
)
def test_kid_must_be_a_non_empty_string(
    verifier: TokenVerifier, pool: LocalUserPool, kid: object
) -> None:
    refused(verifier, pool.id_token(header={"kid": kid}), MalformedTokenError, "INVALID_FORMAT")
    assert pool.fetch_count == 0


def test_kid_missing_is_malformed(verifier: TokenVerifier, pool: LocalUserPool) -> None:
    error = refused(
        verifier, pool.id_token(header={"kid": None}), MalformedTokenError, "INVALID_FORMAT"
    )
    assert "kid" in error.message
    assert pool.fetch_count == 0


def test_kid_null_is_malformed(verifier: TokenVerifier, pool: LocalUserPool) -> None:
    token = encode_token({"alg": "RS256", "kid": None}, pool.claims(), pool.signing_key)
    refused(verifier, token, MalformedTokenError, "INVALID_FORMAT")


@pytest.mark.parametrize(
    "crit",
    [
        pytest.param(["exp"], id="list"),
        pytest.param([], id="empty-list"),
        pytest.param(["b64"], id="b64"),
        pytest.param(None, id="null"),
    ],
)
def test_crit_header_is_refused(
    verifier: TokenVerifier, pool: LocalUserPool, crit: object
) -> None:
    header = {"alg": "RS256", "kid": pool.kid, "crit": crit}
    token = encode_token(header, pool.claims(), pool.signing_key)
    error = refused(verifier, token, MalformedTokenError, "INVALID_FORMAT")
    assert "crit" in error.message
    assert pool.fetch_count == 0


def test_kid_not_in_the_jwks_is_unknown_key(verifier: TokenVerifier, pool: LocalUserPool) -> None:
    refused(verifier, pool.id_token(header={"kid": "no-such-kid"}), UnknownKeyError, "UNKNOWN_KEY")


def _embedded_key_headers(key: RSAKey) -> dict[str, Any]:
    public = key.as_dict(private=False)
    return {
        "jwk": public,
        "jku": ATTACKER_JKU,
        "x5u": "https://attacker.example/cert.pem",
        "x5c": [base64.b64encode(_pem(key)).decode("ascii")],
    }


@pytest.mark.parametrize(
    "members",
    [
        pytest.param(("jwk",), id="jwk"),
        pytest.param(("jku",), id="jku"),
        pytest.param(("x5u",), id="x5u"),
        pytest.param(("x5c",), id="x5c"),
        pytest.param(("jwk", "jku", "x5u", "x5c"), id="all"),
    ],
)
def test_embedded_attacker_key_is_never_used(
    pool: LocalUserPool, clock: FakeClock, members: tuple[str, ...]
) -> None:
    fetcher = RecordingFetcher(pool)
    verifier = TokenVerifier(pool.contract(), fetcher=fetcher, clock=clock)
    attacker = attacker_key()
    embedded = {
        name: value for name, value in _embedded_key_headers(attacker).items() if name in members
    }

    # The attacker's own kid: not in the pool's JWKS.
    token = pool.id_token(header={"kid": attacker.kid, **embedded}, key=attacker)
    refused(verifier, token, UnknownKeyError, "UNKNOWN_KEY")
    # The pool's kid: the pool's key does not verify the attacker's signature.
    token = pool.id_token(header={"kid": pool.kid, **embedded}, key=attacker)
    refused(verifier, token, InvalidSignatureError, "INVALID_SIGNATURE")

    assert fetcher.urls == [pool.jwks_uri]
    assert ATTACKER_JKU not in fetcher.urls
    assert pool.fetch_count == 1


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


# -- step 5: key lookup ------------------------------------------------------------------------


def test_jwks_fetch_failure_is_network_error(pool: LocalUserPool, clock: FakeClock) -> None:
    failures: list[tuple[str, Exception]] = []

    def odd_fetcher(url: str, *, timeout: float, max_bytes: int) -> bytes:
        raise ZeroDivisionError("something odd")

    verifier = TokenVerifier(
        pool.contract(),
        fetcher=odd_fetcher,
        clock=clock,
        on_jwks_fetch_failed=lambda issuer, error: failures.append((issuer, error)),
    )
    error = refused(verifier, pool.id_token(), JWKSUnavailableError, "NETWORK_ERROR", 503)
    assert error.retry_after >= 1
    assert [issuer for issuer, _ in failures] == [pool.issuer]
    assert isinstance(failures[0][1], ZeroDivisionError)


def test_jwks_refresh_callback_receives_issuer_and_key_ids(
    pool: LocalUserPool, clock: FakeClock
) -> None:
    refreshes: list[tuple[str, tuple[str, ...]]] = []
    verifier = TokenVerifier(
        pool.contract(),
        fetcher=pool.fetcher,
        clock=clock,
        on_jwks_refresh=lambda issuer, key_ids: refreshes.append((issuer, key_ids)),
    )
    verifier.verify(pool.id_token())
    assert refreshes == [(pool.issuer, (pool.kid,))]


def test_rotated_key_is_found_after_a_refetch(
    verifier: TokenVerifier, pool: LocalUserPool, clock: FakeClock
) -> None:
    verifier.verify(pool.id_token())
    pool.rotate_key()
    clock.advance(10)  # past the refresh cooldown that follows the first fetch
    assert verifier.verify(pool.id_token(sub="after-rotation")).user_id == "after-rotation"
    assert pool.fetch_count == 2


# -- step 6: signature ---------------------------------------------------------------------------


def _flip_byte(signature: bytes, index: int) -> bytes:
    flipped = bytearray(signature)
    flipped[index] ^= 0x01
    return bytes(flipped)


@pytest.mark.parametrize(
    "index",
    [
        pytest.param(0, id="first-byte"),
        pytest.param(128, id="middle"),
        pytest.param(-1, id="last-byte"),
    ],
)
def test_tampered_signature_is_invalid(
    verifier: TokenVerifier, pool: LocalUserPool, index: int
) -> None:
    token = pool.id_token()
    tampered = with_segment(token, 2, b64url(_flip_byte(signature_of(token), index)))
    refused(verifier, tampered, InvalidSignatureError, "INVALID_SIGNATURE")


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"sub": "admin"}, id="sub"),
        pytest.param({"cognito:groups": ["admins"]}, id="groups-added"),
        pytest.param({"exp": 1_900_000_000}, id="exp-extended"),
        pytest.param({"email_verified": False}, id="email_verified"),
    ],
)
def test_tampered_payload_is_invalid(
    verifier: TokenVerifier, pool: LocalUserPool, change: Mapping[str, Any]
) -> None:
    token = pool.id_token()
    claims = {**json.loads(base64.urlsafe_b64decode(segments(token)[1] + "==")), **change}
    tampered = with_segment(token, 1, b64url(claims))
    refused(verifier, tampered, InvalidSignatureError, "INVALID_SIGNATURE")


def test_tampered_header_is_invalid(verifier: TokenVerifier, pool: LocalUserPool) -> None:
    token = pool.id_token()
    tampered = with_segment(token, 0, b64url({"kid": pool.kid, "alg": "RS256", "typ": "JWT"}))
    refused(verifier, tampered, InvalidSignatureError, "INVALID_SIGNATURE")


def test_signature_of_another_pool_with_the_same_kid_is_invalid(
    verifier: TokenVerifier, pool: LocalUserPool, clock: FakeClock
) -> None:
    impostor = LocalUserPool(clock=clock)
    token = impostor.sign(pool.claims(), header={"kid": pool.kid})
    refused(verifier, token, InvalidSignatureError, "INVALID_SIGNATURE")


@pytest.mark.parametrize(
    "cut",
    [
        pytest.param(1, id="one-byte"),
        pytest.param(128, id="half"),
        pytest.param(255, id="one-left"),
    ],
)
def test_truncated_signature_is_invalid(
    verifier: TokenVerifier, pool: LocalUserPool, cut: int
) -> None:
    token = pool.id_token()
    truncated = with_segment(token, 2, b64url(signature_of(token)[:-cut]))
    refused(verifier, truncated, InvalidSignatureError, "INVALID_SIGNATURE")


def test_extended_signature_is_invalid(verifier: TokenVerifier, pool: LocalUserPool) -> None:
    token = pool.id_token()
    extended = with_segment(token, 2, b64url(signature_of(token) + b"\x00"))
    refused(verifier, extended, InvalidSignatureError, "INVALID_SIGNATURE")


def test_signature_of_another_token_is_invalid(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    token = pool.id_token(sub="victim")
    other = pool.id_token(sub="attacker")
    refused(
        verifier,
        with_segment(token, 2, segments(other)[2]),
        InvalidSignatureError,
        "INVALID_SIGNATURE",
    )


def test_bad_signature_is_not_cached(
    verifier: TokenVerifier, pool: LocalUserPool, counting: CountingRS256
) -> None:
    token = pool.id_token()
    tampered = with_segment(token, 2, b64url(_flip_byte(signature_of(token), 0)))
    refused(verifier, tampered, InvalidSignatureError, "INVALID_SIGNATURE")
    refused(verifier, tampered, InvalidSignatureError, "INVALID_SIGNATURE")
    assert counting.calls == 2


# -- step 7: time --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "offset",
    [
        pytest.param(0, id="exp-equals-now"),
        pytest.param(-1, id="one-second-ago"),
        pytest.param(-0.5, id="half-a-second-ago"),
        pytest.param(-86_400, id="a-day-ago"),
        pytest.param(-now(FakeClock()), id="epoch"),
    ],
)
def test_expired(
    verifier: TokenVerifier, pool: LocalUserPool, clock: FakeClock, offset: float
) -> None:
    error = refused(
        verifier, pool.id_token(exp=clock() + offset), TokenExpiredError, "TOKEN_EXPIRED"
    )
    assert error.message == "token expired"


@pytest.mark.parametrize(
    "offset", [pytest.param(1, id="one-second-left"), pytest.param(0.5, id="half-a-second-left")]
)
def test_just_before_expiry_is_accepted(
    verifier: TokenVerifier, pool: LocalUserPool, clock: FakeClock, offset: float
) -> None:
    assert verifier.verify(pool.id_token(exp=clock() + offset)).sub is not None


def test_exp_missing_is_expired(verifier: TokenVerifier, pool: LocalUserPool) -> None:
    error = refused(verifier, without(pool, "exp"), TokenExpiredError, "TOKEN_EXPIRED")
    assert error.message == "token has no expiry"


@pytest.mark.parametrize(
    ("offset", "accepted"),
    [
        pytest.param(-4, True, id="exp-4s-ago-accepted"),
        pytest.param(-4.5, True, id="exp-4.5s-ago-accepted"),
        pytest.param(-5, False, id="exp-5s-ago-rejected"),
        pytest.param(-6, False, id="exp-6s-ago-rejected"),
    ],
)
def test_expiry_leeway(
    make_verifier: MakeVerifier,
    pool: LocalUserPool,
    clock: FakeClock,
    offset: float,
    accepted: bool,
) -> None:
    verifier = make_verifier(leeway=5)
    token = pool.id_token(exp=clock() + offset)
    if accepted:
        assert verifier.verify(token).sub is not None
    else:
        refused(verifier, token, TokenExpiredError, "TOKEN_EXPIRED")


def test_expiry_follows_the_clock(
    verifier: TokenVerifier, pool: LocalUserPool, clock: FakeClock
) -> None:
    token = pool.id_token(expires_in=60)
    clock.advance(59)
    verifier.verify(token)
    clock.advance(1)
    refused(verifier, token, TokenExpiredError, "TOKEN_EXPIRED")


@pytest.mark.parametrize("claim", ["nbf", "iat"])
@pytest.mark.parametrize(
    ("leeway", "offset", "accepted"),
    [
        pytest.param(0, 0, True, id="now"),
        pytest.param(0, -100, True, id="past"),
        pytest.param(0, 0.5, False, id="half-a-second-ahead"),
        pytest.param(0, 1, False, id="one-second-ahead"),
        pytest.param(0, 3600, False, id="an-hour-ahead"),
        pytest.param(5, 5, True, id="leeway-5-at-5s"),
        pytest.param(5, 4, True, id="leeway-5-at-4s"),
        pytest.param(5, 6, False, id="leeway-5-at-6s"),
    ],
)
def test_not_yet_valid(
    make_verifier: MakeVerifier,
    pool: LocalUserPool,
    clock: FakeClock,
    claim: str,
    leeway: float,
    offset: float,
    accepted: bool,
) -> None:
    verifier = make_verifier(leeway=leeway)
    token = pool.id_token(claims={claim: clock() + offset})
    if accepted:
        assert verifier.verify(token).sub is not None
    else:
        error = refused(verifier, token, TokenNotYetValidError, "TOKEN_NOT_YET_VALID")
        assert error.message == "token not valid yet"


def test_nbf_and_iat_are_optional(verifier: TokenVerifier, pool: LocalUserPool) -> None:
    assert verifier.verify(without(pool, "iat")).sub is not None


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


# -- the verified-token cache -------------------------------------------------------------------


def test_cache_hit_does_not_fetch_or_check_the_signature_again(
    verifier: TokenVerifier, pool: LocalUserPool, counting: CountingRS256
) -> None:
    token = pool.id_token()
    first = verifier.verify(token)
    second = verifier.verify(token)
    assert second is first
    assert counting.calls == 1
    assert pool.fetch_count == 1


def test_cache_hit_rechecks_expiry(
    verifier: TokenVerifier, pool: LocalUserPool, clock: FakeClock, counting: CountingRS256
) -> None:
    token = pool.id_token(expires_in=3600)
    verifier.verify(token)
    clock.advance(3600)
    refused(verifier, token, TokenExpiredError, "TOKEN_EXPIRED")
    assert counting.calls == 1
    assert pool.fetch_count == 1


def test_cache_hit_rechecks_token_use(
    verifier: TokenVerifier, pool: LocalUserPool, counting: CountingRS256
) -> None:
    token = pool.id_token()
    verifier.verify(token)
    refused(verifier, token, TokenUseMismatchError, "TOKEN_USE_MISMATCH", token_use="access")
    assert counting.calls == 1


def test_expired_token_is_not_accepted_from_the_cache_on_a_later_call(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    token = pool.id_token(expires_in=0)
    refused(verifier, token, TokenExpiredError, "TOKEN_EXPIRED")
    refused(verifier, token, TokenExpiredError, "TOKEN_EXPIRED")


def test_cached_token_is_refused_once_its_key_leaves_the_jwks(
    verifier: TokenVerifier, pool: LocalUserPool, counting: CountingRS256
) -> None:
    token = pool.id_token()
    verifier.verify(token)
    old_kid = pool.kid
    new_kid = pool.rotate_key(keep_old=False)
    assert verifier.prefetch() == {pool.issuer: (new_kid,)}
    refused(verifier, token, UnknownKeyError, "UNKNOWN_KEY")
    assert counting.calls == 1
    assert not verifier.key_sources[pool.issuer].holds(old_kid)
    assert verifier.verify(pool.id_token(sub="new")).user_id == "new"


def test_cached_token_stays_valid_while_its_key_is_published(
    verifier: TokenVerifier, pool: LocalUserPool, counting: CountingRS256
) -> None:
    token = pool.id_token()
    verifier.verify(token)
    pool.rotate_key(keep_old=True)
    verifier.prefetch()
    verifier.verify(token)
    assert counting.calls == 1


def test_token_cache_size_zero_disables_the_cache(
    make_verifier: MakeVerifier, pool: LocalUserPool, counting: CountingRS256
) -> None:
    verifier = make_verifier(token_cache_size=0)
    token = pool.id_token()
    verifier.verify(token)
    verifier.verify(token)
    assert counting.calls == 2
    assert len(verifier._token_cache) == 0
    assert pool.fetch_count == 1


def test_token_cache_is_a_bounded_lru(
    make_verifier: MakeVerifier, pool: LocalUserPool, counting: CountingRS256
) -> None:
    verifier = make_verifier(token_cache_size=2)
    first, second, third = (pool.id_token(sub=f"user-{n}") for n in range(3))
    verifier.verify(first)
    verifier.verify(second)
    verifier.verify(first)  # a hit makes `first` the most recently used
    assert counting.calls == 2
    verifier.verify(third)  # evicts `second`, the least recently used
    assert counting.calls == 3
    assert len(verifier._token_cache) == 2
    verifier.verify(first)
    verifier.verify(third)
    assert counting.calls == 3
    verifier.verify(second)
    assert counting.calls == 4
    assert len(verifier._token_cache) == 2


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
    exc_info = records[0].exc_info
    assert exc_info is not None
    assert exc_info[0] is RuntimeError
    assert "RuntimeError: internal bug in the signature check" in caplog.text
    assert "Traceback" in caplog.text
    for part in (token, *segments(token)):
        assert part not in caplog.text


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
