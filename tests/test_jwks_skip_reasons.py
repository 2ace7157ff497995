"""Why ``parse_jwks`` skipped a JWKS entry: one INFO line each, naming the key and the reason.

An operator reads these lines when the pool's keys are refused; each names what is wrong.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from joserfc.jwk import RSAKey

from flask_revstack_cognito.jwks import parse_jwks


@pytest.fixture(scope="module")
def good() -> dict[str, Any]:
    """A public 2048-bit RSA JWK with the kid ``good``."""
    return dict(RSAKey.generate_key(2048, parameters={"kid": "good"}).as_dict(private=False))


def changed(jwk: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``jwk`` with ``changes`` made; a member changed to ``None`` is left out."""
    return {name: value for name, value in {**jwk, **changes}.items() if value is not None}


#: Each bad entry, made from the good JWK, and the line that says why it is skipped.
SKIPPED: dict[str, tuple[Any, str]] = {
    "string-entry": ("not a key", "JWKS key '' skipped: not a JSON object"),
    "list-entry": ([], "JWKS key '' skipped: not a JSON object"),
    "kid-missing": ({"kid": None}, "JWKS key '' skipped: kid must be a non-empty string"),
    "kty-missing": ({"kid": "a", "kty": None}, "JWKS key 'a' skipped: kty None is not RSA"),
    "kty-EC": ({"kid": "a", "kty": "EC"}, "JWKS key 'a' skipped: kty 'EC' is not RSA"),
    "use-enc": ({"kid": "b", "use": "enc"}, "JWKS key 'b' skipped: use 'enc' is not sig"),
    "alg-RS512": ({"kid": "c", "alg": "RS512"}, "JWKS key 'c' skipped: alg 'RS512' is not RS256"),
    "n-number": ({"kid": "d", "n": 7}, "JWKS key 'd' skipped: n and e must be strings"),
    "n-not-base64url": (
        {"kid": "e", "n": "!!not base64!!"},
        "JWKS key 'e' skipped: modulus of 0 bits is below 2048",
    ),
    "n-1024-bits": (
        {"kid": "f", "n": "_" * 170 + "w"},
        "JWKS key 'f' skipped: modulus of 1024 bits is below 2048",
    ),
    "n-2047-bits": (
        {"kid": "g", "n": "f" + "_" * 341},
        "JWKS key 'g' skipped: modulus of 2047 bits is below 2048",
    ),
    "e-zero": (
        {"kid": "h", "e": "AA"},
        "JWKS key 'h' skipped: not a valid RSA public key (ValueError)",
    ),
}


@pytest.mark.parametrize("case", list(SKIPPED))
def test_a_skipped_entry_is_logged_with_its_reason(
    case: str, good: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    changes, line = SKIPPED[case]
    entry = changed(good, changes) if isinstance(changes, dict) else changes
    with caplog.at_level(logging.INFO, logger="flask_revstack_cognito"):
        keys = parse_jwks(json.dumps({"keys": [entry, good]}).encode())
    assert list(keys) == ["good"]
    assert [record.getMessage() for record in caplog.records] == [line]


def test_a_duplicate_kid_is_logged(good: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="flask_revstack_cognito"):
        parse_jwks(json.dumps({"keys": [good, good]}).encode())
    assert [record.getMessage() for record in caplog.records] == [
        "JWKS key 'good' skipped: duplicate kid"
    ]
