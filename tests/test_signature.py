"""Algorithm, kid, crit, embedded keys, key lookup and signature (SPEC section 4 steps 3, 5, 6).

No key ever comes from the token: only RS256 with a key of the trusted JWKS verifies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from conftest import FakeClock
from joserfc.jwk import ECKey, RSAKey
from joserfc.jws import JWSRegistry
from verification_helpers import (
    RecordingFetcher,
    _flip_byte,
    refused,
    segments,
    signature_of,
    with_segment,
)

from flask_revstack_cognito import (
    InvalidSignatureError,
    JWKSUnavailableError,
    MalformedTokenError,
    TokenVerifier,
    UnknownKeyError,
    UnsupportedAlgorithmError,
)
from flask_revstack_cognito.testing import LocalUserPool, b64url, encode_token

ATTACKER_JKU = "https://attacker.example/.well-known/jwks.json"


# -- helpers ------------------------------------------------------------------------------------


def attacker_key(kid: str = "attacker-key") -> RSAKey:
    key: RSAKey = RSAKey.generate_key(
        2048, parameters={"kid": kid, "alg": "RS256", "use": "sig"}, private=True
    )
    return key


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
