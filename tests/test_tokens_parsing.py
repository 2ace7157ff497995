"""Parsing a token (SPEC section 4, steps 2 and 3): the fast paths refuse what the slow ones did.

The parser checks base64url by the unused bits of each segment's last character, parses JSON
with one shared decoder that builds read-only claims, and bounds the nesting depth. These tests
pin each rule with literal numbers and correctly signed tokens, so that a refusal can only come
from the rule under test.
"""

from __future__ import annotations

import json
import logging

import pytest
from joserfc.jws import JWSRegistry

from flask_revstack_cognito import TokenVerifier
from flask_revstack_cognito import tokens as tokens_module
from flask_revstack_cognito.errors import (
    CognitoAuthError,
    InvalidSignatureError,
    MalformedTokenError,
)
from flask_revstack_cognito.frozen import FrozenDict
from flask_revstack_cognito.testing import LocalUserPool, b64url
from flask_revstack_cognito.tokens import MAX_NESTING_DEPTH, parse_token

_RS256 = JWSRegistry.algorithms["RS256"]


def signed(pool: LocalUserPool, payload: str, header: str | None = None) -> str:
    """A token whose header and payload are exactly the given JSON texts, correctly signed."""
    header = header or json.dumps({"kid": pool.kid, "alg": "RS256"})
    signing_input = f"{b64url(header.encode())}.{b64url(payload.encode())}"
    signature = _RS256.sign(signing_input.encode("ascii"), pool.signing_key)
    return f"{signing_input}.{b64url(signature)}"


def claims_text(pool: LocalUserPool, extra: str = "") -> str:
    """The JSON text of fresh ID token claims, with ``extra`` members spliced in at the end."""
    text = json.dumps(pool.claims())
    return text[:-1] + (", " + extra if extra else "") + "}"


def refused(verifier: TokenVerifier, token: str) -> MalformedTokenError:
    with pytest.raises(MalformedTokenError) as caught:
        verifier.verify(token)
    assert caught.value.code == "INVALID_FORMAT"
    return caught.value


def token_of_length(pool: LocalUserPool, length: int) -> str:
    """A correctly signed token of exactly ``length`` characters."""
    for header_pad in range(4):
        header = json.dumps({"kid": pool.kid, "alg": "RS256", "x": "p" * header_pad})
        base = len(signed(pool, claims_text(pool, '"custom:pad": ""'), header))
        guess = (length - base) * 3 // 4
        for extra in range(max(0, guess - 4), guess + 4):
            payload = claims_text(pool, f'"custom:pad": "{"x" * extra}"')
            token = signed(pool, payload, header)
            if len(token) == length:
                return token
    raise AssertionError(f"no token of length {length}")


# -- the size limit: 16 KiB, as documented ------------------------------------------------------


def test_a_token_of_16384_characters_is_accepted(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    token = token_of_length(pool, 16384)
    assert verifier.verify(token).user_id == pool.claims()["sub"]


def test_a_token_of_16385_characters_is_refused_before_any_key_is_fetched(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    token = token_of_length(pool, 16385)
    assert refused(verifier, token).message == "malformed token: too large"
    assert pool.fetch_count == 0


# -- canonical base64url ------------------------------------------------------------------------

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@pytest.mark.parametrize("part", [0, 1, 2], ids=["header", "payload", "signature"])
def test_unused_bits_set_in_the_last_character_are_refused(
    verifier: TokenVerifier, pool: LocalUserPool, part: int
) -> None:
    # The last character of a segment of 4n+2 characters carries 4 unused bits, of 4n+3
    # characters 2: every other character with the same data bits must be refused.
    remainders = set()
    for pad in range(3):  # gives each segment length modulo 4 of 2 and 3 in turn
        header = json.dumps({"kid": pool.kid, "alg": "RS256", "x": "p" * pad})
        token = signed(pool, claims_text(pool, f'"custom:p": "{"p" * pad}"'), header)
        assert verifier.verify(token)
        segments = token.split(".")
        remainder = len(segments[part]) % 4
        remainders.add(remainder)
        if remainder == 0:
            continue
        last = _ALPHABET.index(segments[part][-1])
        unused = 0b1111 if remainder == 2 else 0b11
        variants = [
            character
            for value, character in enumerate(_ALPHABET)
            if value & ~unused == last & ~unused and value != last
        ]
        assert len(variants) == unused  # 15 or 3 other spellings of the same bytes
        for character in variants:
            forged = list(segments)
            forged[part] = segments[part][:-1] + character
            error = refused(verifier, ".".join(forged))
            assert error.message.endswith("is not canonical base64url")
    assert remainders & {2, 3}


@pytest.mark.parametrize("character", ["+", "/", "=", "?", "é", " ", "\n"])
@pytest.mark.parametrize("part", [0, 1, 2], ids=["header", "payload", "signature"])
def test_characters_outside_base64url_are_refused(
    verifier: TokenVerifier, pool: LocalUserPool, character: str, part: int
) -> None:
    segments = pool.id_token().split(".")
    segments[part] = segments[part][:8] + character + segments[part][9:]
    error = refused(verifier, ".".join(segments))
    assert (
        error.message
        == f"malformed token: {('header', 'payload', 'signature')[part]} is not base64url"
    )


def test_a_segment_of_4n_plus_1_characters_is_refused(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    header, payload, signature = pool.id_token().split(".")
    extra = "A" * ((1 - len(signature)) % 4)
    error = refused(verifier, f"{header}.{payload}.{signature}{extra}")
    assert len(signature + extra) % 4 == 1
    assert error.message == "malformed token: signature is not base64url"


# -- JSON ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param('"sub": "admin"', id="top-level"),
        pytest.param('"identities": {"userId": "1", "userId": "2"}', id="nested object"),
        pytest.param('"identities": [{"userId": "1", "userId": "2"}]', id="object in array"),
        pytest.param('"x": [[{"a": 1, "b": 2, "a": 1}]]', id="deep in arrays"),
    ],
)
def test_a_duplicate_member_name_is_always_refused(
    verifier: TokenVerifier, pool: LocalUserPool, extra: str
) -> None:
    error = refused(verifier, signed(pool, claims_text(pool, extra)))
    assert error.message == "malformed token: payload is not JSON"


def test_a_duplicate_name_in_the_header_is_refused(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    header = f'{{"kid": "{pool.kid}", "alg": "RS256", "alg": "RS256"}}'
    error = refused(verifier, signed(pool, claims_text(pool), header))
    assert error.message == "malformed token: header is not JSON"


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param('{"sub": ', id="truncated after a name"),
        pytest.param('{"sub": "s", ', id="truncated after a member"),
        pytest.param('{"sub": [1, ', id="truncated in an array"),
        pytest.param('{"sub": }', id="no value"),
        pytest.param('{"exp": NaN}', id="NaN"),
        pytest.param('{"exp": -Infinity}', id="Infinity"),
        pytest.param('{"sub": "s"}{}', id="two objects"),
        pytest.param('{"sub": "s"} x', id="trailing text"),
        pytest.param("\ufeff{}", id="byte order mark"),
        pytest.param("", id="empty"),
    ],
)
def test_what_is_not_one_json_object_is_not_json(
    verifier: TokenVerifier, pool: LocalUserPool, payload: str
) -> None:
    error = refused(verifier, signed(pool, payload))
    assert error.message == "malformed token: payload is not JSON"


@pytest.mark.parametrize("payload", ["[1]", '"text"', "null", " [] "])
def test_json_that_is_not_an_object_is_refused(
    verifier: TokenVerifier, pool: LocalUserPool, payload: str
) -> None:
    error = refused(verifier, signed(pool, payload))
    assert error.message == "malformed token: payload is not a JSON object"


def test_whitespace_around_the_object_is_json(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    for payload in (
        " " + claims_text(pool),
        claims_text(pool) + "\n",
        "\t" + claims_text(pool) + " ",
    ):
        assert verifier.verify(signed(pool, payload)).user_id == pool.claims()["sub"]


def test_parsed_claims_are_deeply_read_only(pool: LocalUserPool) -> None:
    extra = '"identities": [{"userId": "1", "tags": [["a"], {"b": [1]}]}], "cognito:groups": ["g"]'
    parsed = parse_token(signed(pool, claims_text(pool, extra)))
    assert parsed.claims["cognito:groups"] == ("g",)
    identity = parsed.claims["identities"][0]
    assert isinstance(identity, FrozenDict)
    assert identity["tags"] == (("a",), {"b": (1,)})
    assert isinstance(identity["tags"][1], FrozenDict)
    with pytest.raises(TypeError, match="read-only"):
        identity["userId"] = "2"
    with pytest.raises(TypeError, match="read-only"):
        parsed.claims["sub"] = "admin"
    assert isinstance(parsed.header, FrozenDict)


# -- nesting depth ------------------------------------------------------------------------------


def test_the_documented_depth_limit_is_32() -> None:
    assert MAX_NESTING_DEPTH == 32


def _nested(kind: str, depth: int) -> str:
    """A JSON value nested ``depth`` levels deep, in arrays or in objects."""
    if kind == "arrays":
        return "[" * depth + "]" * depth
    return '{"a": ' * (depth - 1) + "{}" + "}" * (depth - 1)


@pytest.mark.parametrize("kind", ["arrays", "objects"])
def test_nesting_up_to_the_limit_is_accepted(
    verifier: TokenVerifier, pool: LocalUserPool, kind: str
) -> None:
    # The claims object is level 1: a member nested 31 levels reaches 32.
    token = signed(pool, claims_text(pool, f'"deep": {_nested(kind, 31)}'))
    assert verifier.verify(token).claims["deep"] is not None


@pytest.mark.parametrize(
    ("kind", "depth"),
    [
        *[("arrays", depth) for depth in (32, 100, 500, 700, 990, 1500, 5000)],
        *[("objects", depth) for depth in (32, 100, 500, 700, 990, 1500)],
    ],
)
def test_deeper_nesting_is_invalid_format_at_any_depth(
    verifier: TokenVerifier,
    pool: LocalUserPool,
    caplog: pytest.LogCaptureFixture,
    kind: str,
    depth: int,
) -> None:
    caplog.set_level(logging.DEBUG, logger="flask_revstack_cognito")
    token = signed(pool, claims_text(pool, f'"deep": {_nested(kind, depth)}'))
    assert len(token) <= 16384  # within the size limit: the depth is what is refused
    error = refused(verifier, token)
    assert error.message in (
        "malformed token: payload is nested too deeply",
        "malformed token: payload is not JSON",  # beyond the parser's own recursion limit
    )
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert pool.fetch_count == 0  # refused before any key is looked up


@pytest.mark.parametrize("depth", [32, 100, 500, 990])
def test_deep_nesting_in_the_header_is_invalid_format(
    verifier: TokenVerifier, pool: LocalUserPool, depth: int
) -> None:
    header = f'{{"kid": "{pool.kid}", "alg": "RS256", "x": {_nested("arrays", depth)}}}'
    error = refused(verifier, signed(pool, claims_text(pool), header))
    assert error.message in (
        "malformed token: header is nested too deeply",
        "malformed token: header is not JSON",  # beyond the parser's own recursion limit
    )
    assert pool.fetch_count == 0


def test_brackets_inside_strings_do_not_count_as_nesting(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    text = "[{" * 40
    token = signed(pool, claims_text(pool, f'"custom:text": "{text}"'))
    assert verifier.verify(token).custom["text"] == text


# -- headers that passed are remembered, and only those -----------------------------------------


def test_a_refused_header_is_refused_every_time(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    for header in (
        {"kid": pool.kid, "alg": "HS256"},
        {"kid": "", "alg": "RS256"},
        {"kid": pool.kid, "alg": "RS256", "crit": ["exp"]},
    ):
        token = signed(pool, claims_text(pool), json.dumps(header))
        for _ in range(2):
            with pytest.raises(CognitoAuthError) as caught:
                verifier.verify(token)
            assert caught.value.code in ("UNSUPPORTED_ALGORITHM", "INVALID_FORMAT")


def test_a_remembered_header_still_needs_a_good_payload_and_signature(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    token = pool.id_token()
    verifier.verify(token)
    header, payload, signature = token.split(".")
    assert refused(verifier, f"{header}.{payload[:-2]}!!.{signature}").message == (
        "malformed token: payload is not base64url"
    )
    with pytest.raises(InvalidSignatureError):
        verifier.verify(f"{header}.{b64url(claims_text(pool).encode())}.{signature}")


def test_the_remembered_headers_are_bounded(pool: LocalUserPool) -> None:
    for number in range(150):
        header = json.dumps({"kid": pool.kid, "alg": "RS256", "n": number})
        assert parse_token(signed(pool, claims_text(pool), header)).header["n"] == number
        assert len(tokens_module._GOOD_HEADERS) <= 64


@pytest.mark.parametrize("kind", ["arrays", "objects"])
def test_the_depth_walk_accepts_the_limit_itself(
    verifier: TokenVerifier, pool: LocalUserPool, kind: str
) -> None:
    # More brackets in all than the limit, so the depth walk runs (not only the bracket count),
    # and the deepest member reaches exactly level 32: accepted.
    extra = f'"deep": {_nested(kind, 31)}, "wide": [[1], [2], {{"a": [3]}}]'
    token = signed(pool, claims_text(pool, extra))
    assert verifier.verify(token).claims["wide"][2]["a"] == (3,)
