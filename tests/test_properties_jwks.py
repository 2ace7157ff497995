"""Any JWKS document a refresh may bring: the held keys change only for a usable key set.

A pool's keys are fetched, a token verifies; then the TTL passes and the next fetch answers with
a document drawn by Hypothesis (a JWKS with odd or unusable keys, another pool's keys, a key
injected under the pool's ``kid``, or no JWKS at all). SPEC section 6: a document with no usable
key at all is a failed fetch, so the held keys stay and the token still verifies; a usable key
set replaces them. SPEC section 4, step 5 says which key is usable. The token is verified from
the verified-token cache and without it: a cache hit honours the key cache's TTL too.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import assume, given
from hypothesis import strategies as st
from property_kit import ATTACKER_KEY, OTHER_POOL, POOL, decode, examples, refusal_code

from flask_revstack_cognito import JWKSOptions, TokenVerifier
from flask_revstack_cognito.testing import b64url

_ABSENT = object()
_NOW = 1_800_000_000.0
_OPTIONS = JWKSOptions(ttl=600, refresh_cooldown=10, timeout=1)
# A key too small to be trusted: made only to be refused.
_SMALL_NUMBERS = rsa.generate_private_key(65537, 1024).public_key().public_numbers()  # noqa: S505


def _integer(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


_POOL_KEY = POOL.signing_key.as_dict(private=False)
_MATERIALS: dict[str, dict[str, Any]] = {
    "pool": _POOL_KEY,
    "other-pool": OTHER_POOL.signing_key.as_dict(private=False),
    "attacker": ATTACKER_KEY.as_dict(private=False),
    "1024-bit": {"kty": "RSA", "n": _integer(_SMALL_NUMBERS.n), "e": _integer(_SMALL_NUMBERS.e)},
}


@st.composite
def key_entries(draw: st.DrawFn) -> Any:
    """One member of ``keys``: a real key with odd members, or no key at all."""
    if draw(st.integers(0, 9), label="junk?") == 0:
        return draw(
            st.sampled_from(
                [1, "key", None, [], {}, {"kty": "RSA", "kid": "x", "n": 1, "e": "AQAB"}]
            )
        )
    material = draw(st.sampled_from(sorted(_MATERIALS)), label="material")
    entry = {name: _MATERIALS[material][name] for name in ("kty", "n", "e")}
    members = {
        "kid": st.sampled_from([POOL.kid, str(_MATERIALS[material].get("kid", "k"))])
        | st.sampled_from([_ABSENT, "", 1, None]),
        "kty": st.just("RSA") | st.sampled_from(["rsa", "EC", "oct", _ABSENT]),
        "use": st.sampled_from([_ABSENT, "sig"]) | st.sampled_from(["enc", "SIG", ""]),
        "alg": st.sampled_from([_ABSENT, "RS256"])
        | st.sampled_from(["RS512", "PS256", "HS256", "none", "rs256"]),
    }
    for name, values in members.items():
        value = draw(values, label=name)
        if value is _ABSENT:
            entry.pop(name, None)
        else:
            entry[name] = value
    return entry


def _kid_of(entry: Any) -> object:
    return entry.get("kid", id(entry)) if isinstance(entry, dict) else id(entry)


_documents = st.one_of(
    st.lists(key_entries(), max_size=4, unique_by=_kid_of).map(lambda keys: {"keys": keys}),
    st.sampled_from(
        [
            b"<html><body>Service Unavailable</body></html>",
            b"",
            b"null",
            b"[]",
            b'{"keys": {}}',
            b'{"keys": null}',
            b'{"Keys": []}',
            b'{"keys": "' + POOL.kid.encode() + b'"}',
        ]
    ),
)


def usable(entry: Any) -> bool:
    """SPEC section 4, step 5: RSA, use absent or sig, alg absent or RS256, >= 2048 bits."""
    if not isinstance(entry, dict):
        return False
    kid, modulus = entry.get("kid"), entry.get("n")
    if not isinstance(kid, str) or not kid or not isinstance(modulus, str):
        return False
    return (
        entry.get("kty") == "RSA"
        and entry.get("use", "sig") == "sig"
        and entry.get("alg", "RS256") == "RS256"
        and int.from_bytes(decode(modulus), "big").bit_length() >= 2048
    )


def oracle(document: Any) -> str | None:
    """The outcome for the pool's token once ``document`` has been fetched after the TTL."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        return None  # not a JWKS: a failed fetch, the held keys stay
    keys = [entry for entry in document["keys"] if usable(entry)]
    if not keys:
        return None  # nothing usable: a failed fetch too
    matching = [entry for entry in keys if entry["kid"] == POOL.kid]
    if not matching:
        return "UNKNOWN_KEY"  # the pool withdrew the key
    return None if matching[0]["n"] == _POOL_KEY["n"] else "INVALID_SIGNATURE"


@examples(150)
@given(document=_documents, cache_size=st.sampled_from([0, 1024]))
def test_a_refresh_replaces_the_held_keys_only_with_usable_keys(
    document: Any, cache_size: int
) -> None:
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    expected = None if isinstance(document, bytes) else oracle(document)  # bytes: no JWKS
    # A key replaced under the same kid: SPEC section 6 drops a cached token when its *kid*
    # leaves the JWKS and says nothing of new material under the same kid. Not drawn cached.
    assume(not (cache_size and expected == "INVALID_SIGNATURE"))
    now = [_NOW]
    served = [json.dumps(POOL.jwks()).encode()]

    def fetcher(url: str, *, timeout: float, max_bytes: int) -> bytes:
        return served[0]

    verifier = TokenVerifier(
        POOL.contract(),
        fetcher=fetcher,
        clock=lambda: now[0],
        jitter=lambda: 0.0,
        jwks_options=_OPTIONS,
        token_cache_size=cache_size,
    )
    token = POOL.sign(POOL.claims("id", iat=int(_NOW), auth_time=int(_NOW), exp=int(_NOW) + 86400))
    assert outcome(verifier, token) is None
    served[0] = body
    now[0] += _OPTIONS.ttl + 1
    assert outcome(verifier, token) == expected, document


def outcome(verifier: TokenVerifier, token: str) -> str | None:
    """``None`` when ``token`` verifies, else its (checked) refusal code."""
    try:
        verifier.verify(token)
    except Exception as error:
        return refusal_code(error)
    return None
