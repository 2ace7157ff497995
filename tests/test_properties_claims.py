"""Re-signed tokens with random claims: the verifier decides as an oracle written from the SPEC.

Every token here is correctly signed by the pool's key under a valid header, so steps 3 to 6 of
SPEC section 4 pass and the claims alone decide. Hypothesis draws each claim the verifier reads
(``exp``, ``nbf``, ``iat``, ``iss``, ``aud``, ``client_id``, ``token_use``, ``sub``, ``scope``)
absent, right, wrong in value, or of a wrong type; :func:`oracle` says what SPEC section 4 (steps
2 and 7 to 11) expects. It is written from the SPEC alone, not from the package's code.

Times are drawn relative to "now" and kept at least ``_MARGIN`` seconds away from every
boundary the verifier compares them with, so the test does not depend on how fast it runs.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st
from property_kit import (
    OTHER_POOL,
    POOL,
    examples,
    json_values,
    make_app,
    sign_text,
    verify_code,
)

LEEWAYS = (0, 120)
APPS = {leeway: make_app(COGNITO_LEEWAY=leeway) for leeway in LEEWAYS}
CLIENT = POOL.client_id
ISSUER = POOL.issuer
_MARGIN = 10.0


@dataclass(frozen=True)
class Relative:
    """A time claim ``seconds`` from the moment the token is made."""

    seconds: float


_ABSENT = object()

_past = st.floats(-1e7, -(120 + _MARGIN)) | st.sampled_from([-3600, -86400, -(10**9)])
_future = st.floats(120 + _MARGIN, 1e7) | st.sampled_from([3600, 86400, 10**9])
# Offsets near the leeway (120 s in one app, 0 in the other), still _MARGIN from each boundary.
_near = st.floats(-(120 - _MARGIN), -_MARGIN) | st.floats(_MARGIN, 120 - _MARGIN) | st.just(0)
_any_offset = _past | _future | _near
_wrong_numbers = st.sampled_from(
    ["1800000000", True, False, None, [1], {"t": 1}, math.nan, math.inf, -math.inf, 10**400]
)
_wrong_strings = st.sampled_from([None, 1, 1.5, True, [], ["x"], {"a": "b"}])
_wrong_clients = st.sampled_from([OTHER_POOL.client_id, CLIENT.upper(), CLIENT + " ", ""])
_absent = st.just(_ABSENT)


@dataclass(frozen=True)
class Claim:
    """How to draw one claim: a right value, and a fault (a wrong value, type, or absence)."""

    right: st.SearchStrategy[Any]
    fault: st.SearchStrategy[Any]


_CLAIMS = {
    "exp": Claim(_future.map(Relative), _absent | _any_offset.map(Relative) | _wrong_numbers),
    "nbf": Claim(_absent | _past.map(Relative), _any_offset.map(Relative) | _wrong_numbers),
    "iat": Claim(_past.map(Relative), _absent | _any_offset.map(Relative) | _wrong_numbers),
    "iss": Claim(
        st.just(ISSUER),
        _absent
        | _wrong_strings
        | st.sampled_from(
            [
                OTHER_POOL.issuer,
                ISSUER + "/",
                ISSUER.upper(),
                ISSUER.replace("https://", "http://"),
                ISSUER.replace("cognito-idp.", "issuer-cognito-idp."),
                ISSUER + "\x00",
                "",
            ]
        ),
    ),
    "aud": Claim(
        st.just(CLIENT) | st.lists(_wrong_clients, max_size=2).map(lambda a: [*a, CLIENT]),
        _absent
        | _wrong_clients
        | st.lists(_wrong_clients, max_size=3)
        | st.sampled_from([None, 1, [1], [CLIENT, 2], {"aud": CLIENT}, [[CLIENT]], True]),
    ),
    "client_id": Claim(st.just(CLIENT), _absent | _wrong_clients | _wrong_strings),
    "token_use": Claim(
        st.sampled_from(["id", "access"]),
        _absent | _wrong_strings | st.sampled_from(["ID", "refresh", "", "any", " id"]),
    ),
    "sub": Claim(st.text(min_size=1, max_size=20), _absent | st.just("") | _wrong_strings),
    "scope": Claim(
        _absent | st.sampled_from(["openid", "openid email"]),
        _wrong_strings | st.sampled_from(["", "a  b"]),
    ),
}
#: Claims the verifier does not read: anything goes (names prefixed so none is one it reads).
_extras = st.dictionaries(
    st.text(max_size=10).map(lambda name: "x-" + name), json_values, max_size=2
)


@st.composite
def claim_sets(draw: st.DrawFn) -> dict[str, Any]:
    """Claims right but for a few faults (none, one, two or three claims wrong)."""
    faulty = draw(st.sets(st.sampled_from(sorted(_CLAIMS)), max_size=3), label="faulty claims")
    claims = dict(draw(_extras, label="extras"))
    for name, claim in _CLAIMS.items():
        value = draw(claim.fault if name in faulty else claim.right, label=name)
        if value is not _ABSENT:
            claims[name] = value
    return claims


def materialise(claims: Mapping[str, Any], now: float) -> dict[str, Any]:
    """The claims with each relative time turned into seconds since the epoch."""
    return {
        name: now + value.seconds if isinstance(value, Relative) else value
        for name, value in claims.items()
    }


def _is_finite_number(value: object) -> bool:
    # A JSON number; an integer beyond a double's range is no finite time.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def oracle(claims: Mapping[str, Any], required_use: str, leeway: float, now: float) -> str | None:
    """SPEC section 4 for a well-signed token: the first failing step's code, or ``None``."""
    # Step 2: sane types.
    for name in ("exp", "nbf", "iat"):
        if name in claims and not _is_finite_number(claims[name]):
            return "INVALID_FORMAT"
    for name in ("iss", "sub", "token_use", "client_id", "scope"):
        if name in claims and not isinstance(claims[name], str):
            return "INVALID_FORMAT"
    if "aud" in claims:
        audience = claims["aud"]
        is_list = isinstance(audience, list) and all(isinstance(a, str) for a in audience)
        if not isinstance(audience, str) and not is_list:
            return "INVALID_FORMAT"
    # Step 7: exp required and exp + leeway > now; nbf and iat not beyond now + leeway.
    if "exp" not in claims or not claims["exp"] + leeway > now:
        return "TOKEN_EXPIRED"
    for name in ("nbf", "iat"):
        if name in claims and claims[name] > now + leeway:
            return "TOKEN_NOT_YET_VALID"
    # Step 8: iss exactly the trusted issuer.
    if claims.get("iss") != ISSUER:
        return "ISSUER_MISMATCH"
    # Step 9: token_use id or access, and the required one unless "any".
    use = claims.get("token_use")
    if use not in ("id", "access") or required_use not in ("any", use):
        return "TOKEN_USE_MISMATCH"
    # Step 10: the configured client in aud (ID token) or client_id (access token).
    if use == "id":
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else audience or []
        if CLIENT not in audiences:
            return "AUDIENCE_MISMATCH"
    elif claims.get("client_id") != CLIENT:
        return "AUDIENCE_MISMATCH"
    # Step 11: the user id claim (sub) present; an empty id identifies nobody.
    if not claims.get("sub"):
        return "MISSING_CLAIM"
    return None


@examples(250)
@given(
    drawn=claim_sets(),
    required_use=st.sampled_from(["id", "access", "any"]),
    leeway=st.sampled_from(LEEWAYS),
)
def test_resigned_claims_are_decided_as_the_spec_says(
    drawn: dict[str, Any], required_use: str, leeway: int
) -> None:
    now = time.time()
    claims = materialise(drawn, now)
    token = POOL.sign(claims)
    app, auth = APPS[leeway]
    expected = oracle(claims, required_use, leeway, now)
    event(expected or "accepted")
    assert verify_code(app, auth, token, token_use=required_use) == expected, claims
    with app.app_context():
        session = auth.validate(f"Bearer {token}", token_use=required_use)
        if expected is None:
            user = auth.verify(token, token_use=required_use)
            assert user.user_id == claims["sub"]
            assert dict(user.claims).keys() == claims.keys()
    assert session.error_code == expected
    assert session.is_valid == (expected is None)


@examples(150)
@given(
    name=st.sampled_from(["sub", "iss", "token_use", "aud", "exp", "cognito:groups", "kid"]),
    first=json_values,
    second=json_values,
)
def test_a_duplicated_claim_name_is_refused(name: str, first: Any, second: Any) -> None:
    """Two values for one name: parsers disagree on which wins, so the token is malformed."""
    text = json.dumps(POOL.claims("id"), separators=(",", ":"))
    member = json.dumps(name)
    payload = f"{text[:-1]},{member}:{json.dumps(first)},{member}:{json.dumps(second)}}}"
    token = sign_text(json.dumps({"alg": "RS256", "kid": POOL.kid}), payload)
    app, auth = APPS[0]
    assert verify_code(app, auth, token, token_use="id") == "INVALID_FORMAT"
