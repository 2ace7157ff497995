"""What the property-based tests share: the Hypothesis profile, the pools, and token strategies.

The profile makes every run the same (``derandomize=True``, no example database), so a failure
in CI fails again on a laptop. ``REVSTACK_FUZZ_SCALE=50`` multiplies every test's example
count and draws fresh random examples: a longer fuzzing run, outside ``make test``.
"""

from __future__ import annotations

import base64
import json
import os
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from joserfc.jwk import RSAKey
from joserfc.jws import JWSRegistry

from flask_revstack_cognito import CognitoAuth, CognitoAuthError
from flask_revstack_cognito.testing import LocalUserPool, b64url

_SCALE = max(1, int(os.environ.get("REVSTACK_FUZZ_SCALE", "1")))

settings.register_profile(
    "revstack-ci",
    derandomize=_SCALE == 1,
    database=None,
    deadline=None,  # the machine is shared: a slow example is not a failure
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("revstack-ci")


def examples(count: int) -> settings:
    """The settings of one property: ``count`` examples in CI, more when fuzzing."""
    return settings(max_examples=count * _SCALE)


#: Every code a refusal may carry: ``UNKNOWN_ERROR`` (an unexpected failure) is not among them.
KNOWN_CODES = frozenset(
    {
        "MISSING_TOKEN",
        "INVALID_FORMAT",
        "UNSUPPORTED_ALGORITHM",
        "UNKNOWN_KEY",
        "INVALID_SIGNATURE",
        "TOKEN_EXPIRED",
        "TOKEN_NOT_YET_VALID",
        "ISSUER_MISMATCH",
        "TOKEN_USE_MISMATCH",
        "AUDIENCE_MISMATCH",
        "MISSING_CLAIM",
        "INSUFFICIENT_SCOPE",
        "NETWORK_ERROR",
    }
)

#: The pool every app trusts; its tokens are the valid ones.
POOL = LocalUserPool()
#: Another pool: its tokens must never pass.
OTHER_POOL = LocalUserPool(user_pool_id="us-east-1_OtherPool", client_id="otherclient0987654321")
#: A key nobody publishes, for forged signatures and injected keys.
ATTACKER_KEY: RSAKey = RSAKey.generate_key(2048, parameters={"kid": "attacker"}, private=True)


def make_app(*, fetcher: Any = None, **config: Any) -> tuple[Flask, CognitoAuth]:
    """A Flask app trusting :data:`POOL` (keys served in process unless ``fetcher`` is given)."""
    app = Flask(__name__)
    app.config.update(POOL.config(**config))
    auth = CognitoAuth(app, fetcher=fetcher or POOL.fetcher)
    return app, auth


def refusal_code(error: BaseException) -> str:
    """The code of a refusal, after checking that it is one of the documented ones.

    :raises AssertionError: for anything but a :class:`CognitoAuthError` subclass with a known
        code (the base class itself means an unexpected failure inside the verifier).
    """
    assert isinstance(error, CognitoAuthError), f"{type(error).__name__} escaped: {error!r}"
    assert type(error) is not CognitoAuthError, f"unexpected failure: {error!r}"
    assert error.code in KNOWN_CODES, error.code
    return error.code


_RS256 = JWSRegistry.algorithms["RS256"]


def sign_text(header: str, payload: str, key: RSAKey | None = None) -> str:
    """Sign the JSON texts ``header`` and ``payload`` as written (RS256, the pool's key)."""
    signing_input = f"{b64url(header)}.{b64url(payload)}"
    signature = _RS256.sign(signing_input.encode("ascii"), key or POOL.signing_key)
    return f"{signing_input}.{b64url(signature)}"


def verify_code(
    app: Flask, auth: CognitoAuth, token: Any, *, token_use: str = "any"
) -> str | None:
    """``None`` when ``auth.verify`` accepts ``token`` in ``app``, else its refusal code.

    :raises AssertionError: when anything but a documented refusal comes out.
    """
    with app.app_context():
        try:
            auth.verify(token, token_use=token_use)
        except Exception as error:
            return refusal_code(error)
    return None


# -- altering a valid token ---------------------------------------------------------------------


def segments(token: str) -> list[str]:
    """The three dot-separated segments of ``token``."""
    return token.split(".")


def decode(segment: str) -> bytes:
    """Decode one unpadded base64url segment."""
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


_TEXT_CHANGES = string.ascii_letters + string.digits + "-_.=+/ \t%\x00\xe9\u2028\U0001f600"


@dataclass(frozen=True)
class Alteration:
    """How a token was altered: a name for the failure report and the altered text."""

    kind: str
    token: str


def _flip_byte(token: str, data: st.DataObject) -> Alteration:
    parts = segments(token)
    index = data.draw(st.integers(0, 2), label="segment")
    raw = bytearray(decode(parts[index]))
    position = data.draw(st.integers(0, len(raw) - 1), label="byte")
    raw[position] ^= data.draw(st.integers(1, 255), label="mask")
    parts[index] = b64url(bytes(raw))
    return Alteration(f"byte {position} of segment {index} flipped", ".".join(parts))


def _replace_char(token: str, data: st.DataObject) -> Alteration:
    position = data.draw(st.integers(0, len(token) - 1), label="position")
    char = data.draw(st.sampled_from(_TEXT_CHANGES).filter(lambda c: c != token[position]))
    return Alteration(
        f"character {position} replaced", token[:position] + char + token[position + 1 :]
    )


def _insert_char(token: str, data: st.DataObject) -> Alteration:
    position = data.draw(st.integers(0, len(token)), label="position")
    char = data.draw(st.sampled_from(_TEXT_CHANGES))
    return Alteration(
        f"character inserted at {position}", token[:position] + char + token[position:]
    )


def _delete_chars(token: str, data: st.DataObject) -> Alteration:
    start = data.draw(st.integers(0, len(token) - 1), label="start")
    length = data.draw(st.integers(1, 8), label="length")
    return Alteration(
        f"{length} characters deleted at {start}", token[:start] + token[start + length :]
    )


def _truncate(token: str, data: st.DataObject) -> Alteration:
    keep = data.draw(st.integers(0, len(token) - 1), label="keep")
    return Alteration(f"truncated to {keep}", token[:keep])


def _append(token: str, data: st.DataObject) -> Alteration:
    suffix = data.draw(st.sampled_from(["=", "==", "A", ".", ".x", "..", "\x00", "%3D"]))
    return Alteration(f"{suffix!r} appended", token + suffix)


def _shuffle_segments(token: str, data: st.DataObject) -> Alteration:
    parts = segments(token)
    order = data.draw(
        st.lists(st.integers(0, 2), min_size=0, max_size=5).filter(lambda o: o != [0, 1, 2])
    )
    return Alteration(f"segments rearranged as {order}", ".".join(parts[i] for i in order))


def _padded_or_standard_base64(token: str, data: st.DataObject) -> Alteration:
    parts = segments(token)
    index = data.draw(st.integers(0, 2), label="segment")
    raw = decode(parts[index])
    if data.draw(st.booleans(), label="standard alphabet"):
        parts[index] = base64.b64encode(raw).decode("ascii")
    else:
        parts[index] = base64.urlsafe_b64encode(raw).decode("ascii")
    return Alteration(f"segment {index} re-encoded with padding or +/", ".".join(parts))


def _non_canonical_last_char(token: str, data: st.DataObject) -> Alteration:
    # base64url of n bytes with n % 3 != 0 leaves unused low bits in the last character:
    # setting them writes the same bytes another way (signature malleability).
    parts = segments(token)
    candidates = [i for i, part in enumerate(parts) if len(part) % 4 in (2, 3)]
    if not candidates:
        return _flip_byte(token, data)
    index = data.draw(st.sampled_from(candidates), label="segment")
    part = parts[index]
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
    value = alphabet.index(part[-1])
    unused = 0b1111 if len(part) % 4 == 2 else 0b11
    bits = data.draw(st.integers(1, unused), label="unused bits")
    parts[index] = part[:-1] + alphabet[(value & ~unused) | bits]
    return Alteration(f"unused bits of segment {index} set", ".".join(parts))


def _malleable_signature(token: str, data: st.DataObject) -> Alteration:
    parts = segments(token)
    signature = decode(parts[2])
    modulus = int.from_bytes(decode(str(POOL.signing_key.as_dict()["n"])), "big")
    choice = data.draw(st.integers(0, 3), label="variant")
    if choice == 0:  # s + n: the same value modulo n, written larger
        value = int.from_bytes(signature, "big") + modulus
        altered = value.to_bytes((value.bit_length() + 7) // 8, "big")
    elif choice == 1:
        altered = b"\x00" + signature
    elif choice == 2:
        altered = signature[1:]
    else:
        altered = b""
    parts[2] = b64url(altered)
    return Alteration(f"signature variant {choice}", ".".join(parts))


def _reserialised_json(token: str, data: st.DataObject) -> Alteration:
    # The same header or claims written with other bytes: the signature covers the bytes.
    parts = segments(token)
    index = data.draw(st.integers(0, 1), label="segment")
    value = json.loads(decode(parts[index]))
    style = data.draw(st.integers(0, 3), label="style")
    if style == 0:
        text = json.dumps(value)  # spaces after separators
    elif style == 1:
        text = json.dumps(dict(reversed(list(value.items()))), separators=(",", ":"))
    elif style == 2:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=True).replace("a", "\\u0061")
    else:  # a duplicated member: some parsers keep the first, others the last
        name = data.draw(st.sampled_from(sorted(value)), label="name")
        text = json.dumps(value, separators=(",", ":"))[:-1] + f',"{name}":"x"}}'
    parts[index] = b64url(text.encode())
    return Alteration(f"segment {index} re-serialised (style {style})", ".".join(parts))


def _case_changed(token: str, data: st.DataObject) -> Alteration:
    letters = [i for i, char in enumerate(token) if char.isalpha()]
    position = data.draw(st.sampled_from(letters), label="position")
    return Alteration(
        f"case of character {position} changed",
        token[:position] + token[position].swapcase() + token[position + 1 :],
    )


_ALTERATIONS: tuple[Callable[[str, st.DataObject], Alteration], ...] = (
    _flip_byte,
    _replace_char,
    _insert_char,
    _delete_chars,
    _truncate,
    _append,
    _shuffle_segments,
    _padded_or_standard_base64,
    _non_canonical_last_char,
    _malleable_signature,
    _reserialised_json,
    _case_changed,
)


def alter(token: str, data: st.DataObject) -> Alteration:
    """Alter ``token`` in one of many ways; the result always differs from ``token``."""
    alteration = data.draw(st.sampled_from(_ALTERATIONS), label="alteration")(token, data)
    if alteration.token == token:  # e.g. a JSON text that re-serialises to itself
        alteration = _flip_byte(token, data)
    assert alteration.token != token
    return alteration


# -- structurally odd tokens ----------------------------------------------------------------

_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
#: Any JSON value, kept small.
json_values = st.recursive(
    _json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)

_segment_texts = st.one_of(
    json_values.map(lambda value: b64url(json.dumps(value).encode())),  # any JSON, not an object
    st.dictionaries(st.sampled_from(["alg", "kid", "typ", "exp", "sub", "crit"]), json_values).map(
        lambda value: b64url(json.dumps(value).encode())
    ),
    st.binary(max_size=64).map(b64url),  # not JSON
    st.text(alphabet=string.ascii_letters + string.digits + "-_", max_size=40),
    st.text(max_size=20),  # anything at all
)


@st.composite
def odd_tokens(draw: st.DrawFn) -> str:
    """Tokens of any shape: 0 to 5 segments of JSON, non-JSON, base64url and raw text."""
    parts = draw(st.lists(_segment_texts, min_size=0, max_size=5))
    return ".".join(parts)


#: Strings that are not tokens: arbitrary text, and text shaped like a token.
not_tokens = st.text(max_size=200) | odd_tokens()
