"""ALB data tokens: the exact refusal messages, the size limit and the time boundaries.

Each message here is the ``message`` of the error the verifier raises, which an app answers
as its JSON body and ``WWW-Authenticate`` description: a client sees it, so it is pinned
word for word. Tokens are minted by the test kit's :class:`LocalLoadBalancer` and verified with
their key fetched over loopback HTTP; the time checks run on a clock the test sets.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import pytest
from alb_helpers import CountingKeys
from conftest import FakeClock
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from flask import Flask

from flask_revstack_cognito import CognitoAuthError
from flask_revstack_cognito.alb_keys import AlbKeyCache
from flask_revstack_cognito.alb_tokens import AlbTokenVerifier, parse_alb_token
from flask_revstack_cognito.errors import MalformedTokenError
from flask_revstack_cognito.testing import LocalLoadBalancer

# The size limit of a token, in characters (tokens.MAX_TOKEN_LENGTH), written out on purpose.
LIMIT = 16384


def refusal(verifier: AlbTokenVerifier, token: object) -> tuple[str, str]:
    """The code and message of the error ``verifier`` raises for ``token``."""
    with pytest.raises(CognitoAuthError) as caught:
        verifier.verify(token)  # type: ignore[arg-type]
    return caught.value.code, caught.value.message


def parse_message(token: object) -> str:
    """The message of the :class:`MalformedTokenError` ``parse_alb_token`` raises."""
    with pytest.raises(MalformedTokenError) as caught:
        parse_alb_token(token)
    assert str(caught.value) == caught.value.message
    return caught.value.message


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def timed_verifier(
    alb: LocalLoadBalancer, key_cache: AlbKeyCache, clock: FakeClock, **options: Any
) -> AlbTokenVerifier:
    """A verifier of ``alb``'s tokens on ``clock``, without a cache (each call checks all)."""
    return AlbTokenVerifier(
        {alb.arn: key_cache}, issuers=[alb.pool.issuer], clock=clock, cache_size=0, **options
    )


# -- structure -------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["", 42, None, b"a.b.c", ["a", "b", "c"]])
def test_a_token_that_is_not_a_string_says_so(token: object) -> None:
    assert parse_message(token) == "malformed token: not a string"


def test_an_unhashable_token_is_malformed_not_an_unexpected_failure(
    alb_verifier: AlbTokenVerifier,
) -> None:
    # The verified-token cache is asked about strings only: a list is refused by the parser.
    tokens: list[object] = [[], {}, ["a.b.c"]]
    for token in tokens:
        assert refusal(alb_verifier, token) == (
            "INVALID_FORMAT",
            "malformed token: not a string",
        )


def test_the_size_limit_is_16384_characters() -> None:
    assert parse_message("x" * LIMIT) == "malformed token: expected three segments"
    assert parse_message("x" * (LIMIT + 1)) == "malformed token: too large"
    assert parse_message("." * (LIMIT + 1)) == "malformed token: too large"


def test_a_token_of_exactly_the_limit_is_parsed(alb: LocalLoadBalancer) -> None:
    # A long claim brings a real token to the limit exactly: it is parsed, not refused. Each 3
    # characters of the claim are 4 of the token; a header member of 0 to 2 characters makes
    # up for a payload length base64url cannot have.
    token = ""
    for pad in range(3):
        base = alb.data_token(padding=False, header={"x": "p" * pad}, note="")
        target = (LIMIT - len(base)) * 3 // 4
        for extra in range(target - 4, target + 5):
            candidate = alb.data_token(padding=False, header={"x": "p" * pad}, note="n" * extra)
            if len(candidate) == LIMIT:
                token = candidate
    assert len(token) == LIMIT
    assert len(token) == LIMIT
    assert parse_alb_token(token).claims["note"].startswith("nnn")
    assert parse_message(token + "A") == "malformed token: too large"


@pytest.mark.parametrize("token", ["a.b", "a.b.c.d", "abc", "....", "e30.e30"])
def test_a_token_without_three_segments_says_so(token: str) -> None:
    assert parse_message(token) == "malformed token: expected three segments"


@pytest.mark.parametrize(("part", "index"), [("header", 0), ("payload", 1), ("signature", 2)])
def test_wrong_padding_names_the_segment(alb: LocalLoadBalancer, part: str, index: int) -> None:
    segments = alb.data_token(padding=False).split(".")
    bare = segments[index]
    needed = -len(bare) % 4
    wrong = "=" * (needed + 1 if needed else 1)
    segments[index] = bare + wrong
    assert parse_message(".".join(segments)) == f"malformed token: {part} has wrong padding"


@pytest.mark.parametrize(("part", "index"), [("header", 0), ("payload", 1)])
def test_a_segment_that_is_not_json_names_the_segment(
    alb: LocalLoadBalancer, part: str, index: int
) -> None:
    segments = alb.data_token(padding=False).split(".")
    segments[index] = b64(b"{not json")
    assert parse_message(".".join(segments)) == f"malformed token: {part} is not JSON"


@pytest.mark.parametrize(("part", "index"), [("header", 0), ("payload", 1)])
def test_a_segment_that_is_not_an_object_names_the_segment(
    alb: LocalLoadBalancer, part: str, index: int
) -> None:
    segments = alb.data_token(padding=False).split(".")
    segments[index] = b64(b"[1, 2]")
    assert parse_message(".".join(segments)) == f"malformed token: {part} is not a JSON object"


@pytest.mark.parametrize(("part", "index"), [("header", 0), ("payload", 1), ("signature", 2)])
@pytest.mark.parametrize("stranger", ["+", "/", "!", "~"])
def test_a_character_outside_base64url_names_the_segment(
    alb: LocalLoadBalancer, part: str, index: int, stranger: str
) -> None:
    # Standard base64's "+" and "/" too: a data token is base64url. The character is put
    # before the last four, so that the segment's length and its last character stay valid.
    segments = alb.data_token(padding=False).split(".")
    segment = segments[index]
    segments[index] = segment[:-5] + stranger + segment[-4:]
    assert parse_message(".".join(segments)) == f"malformed token: {part} is not base64url"


def test_the_signature_decodes_from_a_segment_ending_in_x(alb: LocalLoadBalancer) -> None:
    # Only "=" is padding: a segment's own last character, such as "X", is kept.
    head, payload, _ = alb.data_token(padding=False).split(".")
    for signature in ("AAAX", "AAXX", "AAAAAAAX"):
        parsed = parse_alb_token(f"{head}.{payload}.{signature}")
        assert parsed.signature == base64.urlsafe_b64decode(signature)
    assert parse_alb_token(f"{head}.{payload}.AAAX").signature == b"\x00\x00\x17"


# -- header ----------------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["RS256", "es256", None, 256])
def test_another_algorithm_says_only_es256(alb: LocalLoadBalancer, alg: object) -> None:
    with pytest.raises(CognitoAuthError) as caught:
        parse_alb_token(alb.data_token(header={"alg": alg}))
    assert caught.value.code == "UNSUPPORTED_ALGORITHM"
    assert caught.value.message == "only ES256 is accepted"


@pytest.mark.parametrize("name", ["kid", "signer", "client", "iss", "typ"])
def test_a_header_string_of_another_type_is_named(alb: LocalLoadBalancer, name: str) -> None:
    token = alb.data_token(header={name: 7})
    assert parse_message(token) == f"malformed token: {name} must be a string"


@pytest.mark.parametrize("kid", ["", "not-a-uuid", "XXXX", "0000000g-0000-0000-0000-000000000000"])
def test_a_kid_that_is_not_a_uuid_says_so(alb: LocalLoadBalancer, kid: str) -> None:
    assert (
        parse_message(alb.data_token(header={"kid": kid})) == "malformed token: kid must be a UUID"
    )


def test_a_missing_kid_is_not_a_uuid(alb: LocalLoadBalancer) -> None:
    token = alb.data_token(header={"kid": None})
    assert parse_message(token) == "malformed token: kid must be a UUID"


def test_a_crit_header_says_so(alb: LocalLoadBalancer) -> None:
    token = alb.data_token(header={"crit": ["exp"]})
    assert parse_message(token) == "malformed token: crit header is not supported"


@pytest.mark.parametrize("exp", ["soon", True, [1]])
def test_a_header_exp_that_is_not_a_number_says_so(alb: LocalLoadBalancer, exp: object) -> None:
    token = alb.data_token(header={"exp": exp})
    assert parse_message(token) == "malformed token: exp must be a number"


# -- the checks after the signature -----------------------------------------------------------


def test_another_load_balancer_says_so(
    alb: LocalLoadBalancer, alb_verifier: AlbTokenVerifier
) -> None:
    other = alb.arn.replace("/test-alb/", "/other-alb/")
    expected = ("ISSUER_MISMATCH", "Issuer mismatch: signed by another load balancer")
    assert refusal(alb_verifier, alb.data_token(header={"signer": other})) == expected
    assert refusal(alb_verifier, alb.data_token(header={"signer": None})) == expected


def test_another_issuer_has_the_plain_message(
    alb: LocalLoadBalancer, alb_verifier: AlbTokenVerifier
) -> None:
    token = alb.data_token(header={"iss": "https://issuer.example"})
    assert refusal(alb_verifier, token) == ("ISSUER_MISMATCH", "Issuer mismatch")


@pytest.mark.parametrize("value", [None, ""])
def test_an_absent_or_empty_user_id_names_the_claim(
    alb: LocalLoadBalancer, alb_verifier: AlbTokenVerifier, value: str | None
) -> None:
    token = alb.data_token(sub=value)
    assert refusal(alb_verifier, token) == ("MISSING_CLAIM", "claim not found in token: sub")


def test_an_empty_username_names_its_claim(alb: LocalLoadBalancer, key_cache: AlbKeyCache) -> None:
    verifier = AlbTokenVerifier(
        {alb.arn: key_cache}, issuers=[alb.pool.issuer], user_id_claim="username"
    )
    token = alb.data_token(username="")
    assert refusal(verifier, token) == ("MISSING_CLAIM", "claim not found in token: username")


def test_the_username_of_a_data_token_is_its_username_claim_whatever_its_token_use(
    alb: LocalLoadBalancer, key_cache: AlbKeyCache
) -> None:
    # A payload that calls itself an ID token still has its user id in "username", the claim
    # of the user info the load balancer sends, not in an ID token's "cognito:username".
    verifier = AlbTokenVerifier(
        {alb.arn: key_cache}, issuers=[alb.pool.issuer], user_id_claim="username"
    )
    claims: dict[str, Any] = {"token_use": "id", "username": "jane", "cognito:username": "x"}
    token = alb.data_token(**claims)
    user = verifier.verify(token)
    assert user.user_id == "jane"
    assert user.token_use == "alb"


def test_an_unexpected_failure_logs_its_exact_line(
    alb: LocalLoadBalancer, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken:
        def get_key(self, kid: str) -> EllipticCurvePublicKey:
            raise RuntimeError("boom")

    verifier = AlbTokenVerifier({alb.arn: Broken()}, issuers=[alb.pool.issuer])
    with caplog.at_level(logging.ERROR, logger="flask_revstack_cognito"):
        assert refusal(verifier, alb.data_token()) == ("UNKNOWN_ERROR", "an unexpected failure")
    [record] = [r for r in caplog.records if r.name == "flask_revstack_cognito"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "unexpected failure while verifying an ALB data token"
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)


# -- times -----------------------------------------------------------------------------------


def test_a_header_without_exp_says_so(
    alb: LocalLoadBalancer, alb_verifier: AlbTokenVerifier
) -> None:
    token = alb.data_token(header={"exp": None})
    assert refusal(alb_verifier, token) == ("TOKEN_EXPIRED", "token has no expiry")


@pytest.mark.parametrize("where", ["header", "payload"])
def test_a_token_expires_at_its_exp_second_without_leeway(
    alb: LocalLoadBalancer, key_cache: AlbKeyCache, where: str
) -> None:
    exp = int(alb.clock()) + 60
    late = exp + 1000
    if where == "header":
        token = alb.data_token(header={"exp": exp}, exp=late)
    else:
        token = alb.data_token(header={"exp": late}, exp=exp)
    clock = FakeClock(exp - 0.5)
    verifier = timed_verifier(alb, key_cache, clock)  # the default leeway: none
    assert verifier.verify(token).token_use == "alb"
    clock.now = exp
    assert refusal(verifier, token) == ("TOKEN_EXPIRED", "token expired")


def test_the_leeway_extends_exp_exactly(alb: LocalLoadBalancer, key_cache: AlbKeyCache) -> None:
    exp = int(alb.clock()) + 60
    token = alb.data_token(header={"exp": exp}, exp=exp)
    clock = FakeClock(exp + 9.5)
    verifier = timed_verifier(alb, key_cache, clock, leeway=10)
    assert verifier.verify(token).token_use == "alb"
    clock.now = exp + 10
    assert refusal(verifier, token) == ("TOKEN_EXPIRED", "token expired")


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_a_start_is_valid_from_its_own_second(
    alb: LocalLoadBalancer, key_cache: AlbKeyCache, claim: str
) -> None:
    start = int(alb.clock()) + 30
    claims: dict[str, Any] = {claim: start}
    token = alb.data_token(expires_in=600, **claims)
    clock = FakeClock(start - 0.5)
    verifier = timed_verifier(alb, key_cache, clock)
    assert refusal(verifier, token) == ("TOKEN_NOT_YET_VALID", "token not valid yet")
    clock.now = start
    assert verifier.verify(token).token_use == "alb"


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_the_leeway_moves_a_start_earlier_exactly(
    alb: LocalLoadBalancer, key_cache: AlbKeyCache, claim: str
) -> None:
    start = int(alb.clock()) + 30
    claims: dict[str, Any] = {claim: start}
    token = alb.data_token(expires_in=600, **claims)
    clock = FakeClock(start - 10.5)
    verifier = timed_verifier(alb, key_cache, clock, leeway=10)
    assert refusal(verifier, token) == ("TOKEN_NOT_YET_VALID", "token not valid yet")
    clock.now = start - 10
    assert verifier.verify(token).token_use == "alb"
    clock.now = start + 5
    assert verifier.verify(token).token_use == "alb"


# -- the verified-token cache ---------------------------------------------------------------


def test_the_verified_token_cache_holds_1024_tokens_by_default(
    alb: LocalLoadBalancer, key_cache: AlbKeyCache
) -> None:
    keys = CountingKeys(key_cache)
    verifier = AlbTokenVerifier({alb.arn: keys}, issuers=[alb.pool.issuer])
    tokens = [alb.data_token(sub=f"user-{number}") for number in range(1025)]
    for token in tokens[:1024]:
        verifier.verify(token)
    assert keys.asked == 1024
    verifier.verify(tokens[0])  # still held: only the times are checked
    assert keys.asked == 1024
    verifier.verify(tokens[1024])  # the 1025th: the least recently used (tokens[1]) goes
    assert keys.asked == 1025
    verifier.verify(tokens[0])
    assert keys.asked == 1025
    assert verifier.verify(tokens[1]).user_id == "user-1"  # verified again
    assert keys.asked == 1026


# -- through an app ---------------------------------------------------------------------------


def test_the_message_is_the_client_s_answer(alb_app: Flask, alb: LocalLoadBalancer) -> None:
    head, payload, signature = alb.data_token(padding=False).split(".")
    needed = -len(payload) % 4
    token = f"{head}.{payload}{'=' * (needed + 1 if needed else 1)}.{signature}"
    response = alb_app.test_client().get("/me", headers={"X-Amzn-Oidc-Data": token})
    assert response.status_code == 401
    assert response.get_json() == {
        "code": "INVALID_FORMAT",
        "message": "malformed token: payload has wrong padding",
    }
