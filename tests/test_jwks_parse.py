"""``parse_jwks``: which JWKS documents and entries are kept, skipped or refused."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc.jwk import ECKey, RSAKey
from jwks_helpers import modulus

from flask_revstack_cognito.jwks import JWKSFetchError, parse_jwks

pytestmark = pytest.mark.usefixtures("direct_loopback")


def b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_jwks() -> list[dict[str, Any]]:
    """Three public 2048-bit RSA JWKs, with kids ``k1``, ``k2``, ``k3`` and no use/alg."""
    keys = [RSAKey.generate_key(2048, parameters={"kid": f"k{i}"}) for i in (1, 2, 3)]
    return [dict(key.as_dict(private=False)) for key in keys]


# -- parse_jwks -----------------------------------------------------------------------------


def _small_rsa_jwk() -> dict[str, Any]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    public = private.public_key().public_numbers()
    return {"kty": "RSA", "kid": "small", "n": b64url_uint(public.n), "e": b64url_uint(public.e)}


def _ec_jwk() -> dict[str, Any]:
    return dict(ECKey.generate_key("P-256", parameters={"kid": "ec"}).as_dict(private=False))


def _without(jwk: dict[str, Any], member: str, **changes: Any) -> dict[str, Any]:
    return {name: value for name, value in jwk.items() if name != member} | changes


#: Entries parse_jwks must skip, each built from a valid 2048-bit public JWK.
BAD_ENTRIES: dict[str, Callable[[dict[str, Any]], object]] = {
    "ec-key": lambda good: _ec_jwk(),
    "use-enc": lambda good: {**good, "kid": "enc", "use": "enc"},
    "use-null": lambda good: {**good, "kid": "use-null", "use": None},
    "alg-RS512": lambda good: {**good, "kid": "rs512", "alg": "RS512"},
    "alg-none": lambda good: {**good, "kid": "none", "alg": "none"},
    "rsa-1024": lambda good: _small_rsa_jwk(),
    "kty-missing": lambda good: _without(good, "kty", kid="no-kty"),
    "kid-missing": lambda good: _without(good, "kid"),
    "kid-empty": lambda good: {**good, "kid": ""},
    "kid-not-a-string": lambda good: {**good, "kid": 7},
    "n-missing": lambda good: _without(good, "n", kid="no-n"),
    "n-not-base64url": lambda good: {**good, "kid": "n64", "n": "!!not base64!!"},
    "n-not-a-string": lambda good: {**good, "kid": "n-int", "n": 12345},
    "e-zero": lambda good: {**good, "kid": "e-zero", "e": "AA"},
    "e-empty": lambda good: {**good, "kid": "e-empty", "e": ""},
    "string-entry": lambda good: "not a key",
    "number-entry": lambda good: 42,
    "null-entry": lambda good: None,
    "list-entry": lambda good: [good],
}


@pytest.mark.parametrize("bad", list(BAD_ENTRIES))
def test_parse_jwks_skips_a_bad_entry_and_keeps_the_good_ones(
    bad: str, rsa_jwks: list[dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    first, second = rsa_jwks[0], {**rsa_jwks[1], "use": "sig", "alg": "RS256"}
    entry = BAD_ENTRIES[bad](rsa_jwks[2])
    document = json.dumps({"keys": [first, entry, second]}).encode()

    with caplog.at_level(logging.INFO, logger="flask_revstack_cognito"):
        keys = parse_jwks(document)

    assert list(keys) == ["k1", "k2"]
    assert modulus(keys["k1"]) == first["n"]
    assert modulus(keys["k2"]) == second["n"]
    assert any("skipped" in record.getMessage() for record in caplog.records)


def test_parse_jwks_keeps_the_first_of_duplicate_kids(rsa_jwks: list[dict[str, Any]]) -> None:
    first, impostor = rsa_jwks[0], {**rsa_jwks[1], "kid": rsa_jwks[0]["kid"]}
    keys = parse_jwks(json.dumps({"keys": [first, impostor, rsa_jwks[2]]}).encode())

    assert list(keys) == ["k1", "k3"]
    assert modulus(keys["k1"]) == first["n"]


def test_parse_jwks_accepts_an_empty_key_list() -> None:
    assert parse_jwks(b'{"keys": []}') == {}


@pytest.mark.parametrize(
    ("bits", "kept"), [(1024, False), (2047, False), (2048, True), (4096, True)], ids=str
)
def test_parse_jwks_requires_a_modulus_of_at_least_2048_bits(
    bits: int, kept: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """The modulus is measured before the import, so small keys raise no SecurityWarning
    (warnings are errors here), and an odd number of the right length stands in for n."""
    entry = {"kty": "RSA", "kid": "sized", "n": b64url_uint((1 << (bits - 1)) + 1), "e": "AQAB"}
    with caplog.at_level(logging.INFO, "flask_revstack_cognito"):
        keys = parse_jwks(json.dumps({"keys": [entry]}).encode())

    assert ("sized" in keys) is kept
    if not kept:
        assert any(f"modulus of {bits} bits" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html>Service Unavailable</html>",
        b'{"keys": [',
        b"\x80\x81 not utf-8",
        b"[]",
        b"null",
        b'"keys"',
        b"{}",
        b'{"keys": null}',
        b'{"keys": {}}',
        b'{"keys": "k1"}',
    ],
)
def test_parse_jwks_refuses_what_is_not_a_jwks(body: bytes) -> None:
    with pytest.raises(JWKSFetchError):
        parse_jwks(body)


def test_parse_jwks_refuses_deeply_nested_json_as_not_a_jwks() -> None:
    """A hostile or broken endpoint can send 100 KB of ``[`` (well under ``max_bytes``)."""
    with pytest.raises(JWKSFetchError):
        parse_jwks(b"[" * 100_000)
