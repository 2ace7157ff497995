"""What an ``INVALID_FORMAT`` refusal says: the exact message of each header and claim fault.

The message is the ``error_description`` a client reads, so each names the part at fault. The
parser is called on its own: these faults are found before any key or signature is looked at.
"""

from __future__ import annotations

from typing import Any

import pytest

from flask_revstack_cognito import MalformedTokenError
from flask_revstack_cognito.testing import b64url
from flask_revstack_cognito.tokens import parse_token

HEADER = {"kid": "key-1", "alg": "RS256"}
CLAIMS = {"sub": "user-1", "token_use": "id", "exp": 1_900_000_000}


def unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    """A token of ``header`` and ``claims`` with a placeholder signature."""
    return f"{b64url(header)}.{b64url(claims)}.{b64url(b'sig')}"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        pytest.param({"alg": "RS256"}, "kid must be a non-empty string", id="no-kid"),
        pytest.param({**HEADER, "kid": ""}, "kid must be a non-empty string", id="empty-kid"),
        pytest.param({**HEADER, "kid": 7}, "kid must be a non-empty string", id="number-kid"),
        pytest.param({**HEADER, "crit": ["exp"]}, "crit header is not supported", id="crit"),
    ],
)
def test_a_header_fault_is_named(header: dict[str, Any], message: str) -> None:
    with pytest.raises(MalformedTokenError) as caught:
        parse_token(unsigned(header, CLAIMS))
    assert caught.value.message == f"malformed token: {message}"


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        pytest.param({"exp": "soon"}, "exp must be a number", id="exp"),
        pytest.param({"iat": None}, "iat must be a number", id="iat"),
        pytest.param({"sub": 42}, "sub must be a string", id="sub"),
        pytest.param({"token_use": ["id"]}, "token_use must be a string", id="token_use"),
        pytest.param({"aud": 5}, "aud must be a string or list of strings", id="aud"),
        pytest.param(
            {"cognito:groups": "admins"},
            "cognito:groups must be a list of strings",
            id="cognito:groups",
        ),
    ],
)
def test_a_claim_of_the_wrong_type_is_named(claims: dict[str, Any], message: str) -> None:
    with pytest.raises(MalformedTokenError) as caught:
        parse_token(unsigned(HEADER, {**CLAIMS, **claims}))
    assert caught.value.message == f"malformed token: {message}"


@pytest.mark.parametrize("value", [2**63, 2**64, -(2**63), 10**300], ids=str)
def test_an_integer_time_beyond_64_bits_but_within_a_double_is_a_number(value: int) -> None:
    """Only an integer too large for a float is no time; the 64-bit bound is a fast path."""
    assert parse_token(unsigned(HEADER, {**CLAIMS, "exp": value})).claims["exp"] == value


@pytest.mark.parametrize("token", [None, 123, b"a.b.c", ""], ids=repr)
def test_what_is_no_token_at_all_is_named(token: object) -> None:
    with pytest.raises(MalformedTokenError) as caught:
        parse_token(token)
    assert caught.value.message == "malformed token: not a string"
