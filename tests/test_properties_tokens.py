"""Properties of ``auth.verify`` and ``auth.validate`` over altered, odd and re-signed tokens.

- ``verify`` raises only :class:`CognitoAuthError` subclasses with a documented code: never
  another exception, never ``UNKNOWN_ERROR`` (an unexpected failure);
- ``validate`` never raises, whatever it is given;
- nothing altered is accepted: any change to a valid token's header, payload or signature bytes,
  or to its text, is refused;
- the header rules of SPEC section 4, step 3 (and the key of step 5) decide exactly as an oracle
  written from the SPEC says, whatever the attacker puts in ``jwk``, ``jku``, ``x5u``, ``x5c``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from property_kit import (
    ATTACKER_KEY,
    KNOWN_CODES,
    OTHER_POOL,
    POOL,
    alter,
    examples,
    make_app,
    not_tokens,
    sign_text,
)
from property_kit import verify_code as kit_verify_code

from flask_revstack_cognito import AuthSession
from flask_revstack_cognito.testing import b64url, encode_token

_FETCHED: list[str] = []


def _recording_fetcher(url: str, *, timeout: float, max_bytes: int) -> bytes:
    _FETCHED.append(url)
    return POOL.fetcher(url, timeout=timeout, max_bytes=max_bytes)


APP, AUTH = make_app(fetcher=_recording_fetcher)

#: Valid tokens of several shapes, with ``token_use="any"`` each one verifies.
VALID_TOKENS = (
    POOL.id_token(),
    POOL.id_token(groups=["admins", "staff"], custom={"tenant": "acme"}, sub="user-7"),
    POOL.access_token(scopes=["orders/read", "orders/write"]),
)


def verify_code(token: Any, *, token_use: str = "any") -> str | None:
    """``None`` when ``auth.verify`` accepts ``token``, else its (checked) refusal code."""
    return kit_verify_code(APP, AUTH, token, token_use=token_use)


def validate(value: Any, *, token_use: str = "any") -> AuthSession:
    with APP.app_context():
        session = AUTH.validate(value, token_use=token_use)
    assert isinstance(session, AuthSession)
    assert session.is_valid == (session.error_code is None)
    return session


def test_the_valid_tokens_verify() -> None:
    """The base of the alteration property: unaltered, every one of them passes."""
    for token in VALID_TOKENS:
        assert verify_code(token) is None
        assert validate(f"Bearer {token}").is_valid


@examples(200)
@given(text=not_tokens)
def test_verify_refuses_anything_that_is_not_a_token_with_a_known_code(text: str) -> None:
    code = verify_code(text)
    assert code is not None
    session = validate(text)
    assert not session.is_valid
    assert session.error_code in KNOWN_CODES


@examples(120)
@given(text=not_tokens)
def test_validate_reads_a_bearer_header_as_verify_reads_the_bare_token(text: str) -> None:
    stripped = text.strip()
    expected = verify_code(stripped) if stripped else "MISSING_TOKEN"
    assert validate(f"Bearer {text}").error_code == expected
    assert validate(f"bEaReR {text}").error_code == expected


@examples(400)
@given(index=st.integers(0, len(VALID_TOKENS) - 1), data=st.data())
def test_nothing_altered_is_accepted(index: int, data: st.DataObject) -> None:
    token = VALID_TOKENS[index]
    altered = alter(token, data)
    assert verify_code(altered.token) is not None, altered.kind
    # validate() takes a raw header value: surrounding whitespace is not part of the token.
    unchanged = altered.token.strip() == token
    assert validate(altered.token).is_valid == unchanged, altered.kind
    assert validate(f"Bearer {altered.token}").is_valid == unchanged, altered.kind


_ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=50),
    st.binary(max_size=50),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
    st.tuples(st.text(max_size=5)),
    st.builds(object),
    st.sampled_from(VALID_TOKENS).map(lambda token: f"Bearer {token}".encode()),
    st.sampled_from(VALID_TOKENS).map(lambda token: [token]),
)


@examples(300)
@given(value=_ANY_VALUE)
def test_validate_never_raises(value: object) -> None:
    """Whatever the type: ``validate`` promises an :class:`AuthSession`, never an exception."""
    session = validate(value)
    if not session.is_valid:
        assert session.error_code in (
            "MISSING_TOKEN",
            "INVALID_FORMAT",
            "UNSUPPORTED_ALGORITHM",
            "UNKNOWN_KEY",
            "INVALID_SIGNATURE",
        )


@examples(200)
@given(value=_ANY_VALUE.filter(lambda value: not isinstance(value, str)))
def test_verify_refuses_any_non_string_with_a_known_code(value: object) -> None:
    assert verify_code(value) == "INVALID_FORMAT"


# -- the header rules, against an oracle written from SPEC section 4 ---------------------------

_ABSENT = object()
_PUBLIC_PEM = POOL.signing_key.as_pem(private=False)

_ALGS = st.sampled_from(
    ["RS256", "RS256", "RS256", "none", "None", "HS256", "RS512", "PS256", "ES256", "rs256"]
) | st.sampled_from([_ABSENT, None, 1, ["RS256"], "RS256 ", ""])
_KIDS = st.sampled_from(
    [
        POOL.kid,
        POOL.kid,
        POOL.kid,
        OTHER_POOL.kid,
        "attacker",
        "",
        "../../../dev/null",
        "' OR '1'='1",
        POOL.kid + "\x00",
    ]
) | st.sampled_from([_ABSENT, None, 1, [POOL.kid], {"kid": POOL.kid}])
_SIGNERS = st.sampled_from(["pool", "pool", "attacker", "other-pool", "hs256-public-key", "none"])
_INJECTED = st.fixed_dictionaries(
    {},
    optional={
        "jwk": st.just(ATTACKER_KEY.as_dict(private=False)),
        "jku": st.just("http://127.0.0.1:9/attacker/jwks.json"),
        "x5u": st.just("http://127.0.0.1:9/attacker.pem"),
        "x5c": st.just(["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"]),
        "crit": st.sampled_from([["exp"], [], "b64"]),
        "typ": st.sampled_from(["JWT", "at+jwt", 7]),
        "b64": st.just(False),
    },
)


def _sign(header: dict[str, Any], claims: dict[str, Any], signer: str) -> str:
    if signer in ("pool", "attacker", "other-pool"):
        key = {"pool": POOL.signing_key, "attacker": ATTACKER_KEY}.get(signer)
        return encode_token(header, claims, key or OTHER_POOL.signing_key)
    signing_input = f"{b64url(header)}.{b64url(claims)}"
    if signer == "none":
        return f"{signing_input}."
    # Algorithm confusion: the pool's public key used as an HMAC secret.
    mac = hmac.new(_PUBLIC_PEM, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def header_oracle(header: dict[str, Any], signer: str) -> str | None:
    """SPEC section 4: the code for a token with valid claims under ``header``, or ``None``."""
    if header.get("alg") != "RS256":  # step 3
        return "UNSUPPORTED_ALGORITHM"
    kid = header.get("kid")
    if not isinstance(kid, str) or kid == "" or "crit" in header:
        return "INVALID_FORMAT"
    if kid != POOL.kid:  # step 5: the only key of the pool's JWKS
        return "UNKNOWN_KEY"
    if signer != "pool":  # step 6; jwk/jku/x5u/x5c are never a key
        return "INVALID_SIGNATURE"
    return None


@examples(250)
@given(alg=_ALGS, kid=_KIDS, signer=_SIGNERS, injected=_INJECTED)
def test_header_rules_match_the_spec(
    alg: Any, kid: Any, signer: str, injected: dict[str, Any]
) -> None:
    header = {name: value for name, value in (("alg", alg), ("kid", kid)) if value is not _ABSENT}
    header.update(injected)
    claims = POOL.claims("id")
    token = _sign(header, claims, signer)
    fetched_before = len(_FETCHED)
    assert verify_code(token, token_use="id") == header_oracle(header, signer)
    assert set(_FETCHED[fetched_before:]) <= {POOL.jwks_uri}, "a URL from the token was fetched"


# -- deep nesting ---------------------------------------------------------------------------


def _nested(depth: int, kind: str) -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


@examples(40)
@given(depth=st.integers(1, 4000) | st.integers(400, 1100), kind=st.sampled_from(["list", "dict"]))
def test_deeply_nested_claims_are_accepted_or_refused_as_malformed(depth: int, kind: str) -> None:
    """SPEC step 2: excessive nesting is ``INVALID_FORMAT``, at any depth, never a crash.

    A claim of depth 3 (``identities``: a list of objects) is what Cognito itself sends, so
    that much nesting must pass; beyond 1,000 levels nothing is a sane claim.
    """
    claims = json.dumps(POOL.claims("id"), separators=(",", ":"))
    payload = claims[:-1] + f',"x-nested":{_nested(depth, kind)}}}'
    token = sign_text(json.dumps({"alg": "RS256", "kid": POOL.kid}), payload)
    code = verify_code(token, token_use="id")
    if depth <= 3:
        assert code is None
    elif depth > 1000:
        assert code == "INVALID_FORMAT"
    else:
        assert code in (None, "INVALID_FORMAT")
