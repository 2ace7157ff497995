"""Structural parsing of a compact JWS: segments, JSON, header rules and claim types.

Nothing here trusts the token: it only proves the token is well formed before any key is looked
up (SPEC section 4, steps 2 and 3). Every failure is a
:class:`~flask_revstack_cognito.errors.MalformedTokenError` or an
:class:`~flask_revstack_cognito.errors.UnsupportedAlgorithmError`.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import MalformedTokenError, UnsupportedAlgorithmError

#: Longest token accepted, in characters. Cognito tokens with many groups and attributes stay
#: well under 8 KiB; anything far larger is refused before it is decoded.
MAX_TOKEN_LENGTH = 16 * 1024

# Empty is valid base64url (zero bytes): an unsigned token then fails on its alg, as it should.
_SEGMENT = re.compile(r"[A-Za-z0-9_-]*")

_STRING_CLAIMS = (
    "iss",
    "sub",
    "token_use",
    "client_id",
    "scope",
    "username",
    "cognito:username",
    "email",
    "jti",
)
_TIME_CLAIMS = ("exp", "nbf", "iat", "auth_time")


@dataclass(frozen=True)
class ParsedToken:
    """A structurally valid token whose signature has not been checked yet."""

    #: The JOSE header (``alg`` is ``RS256``, ``kid`` a non-empty string).
    header: Mapping[str, Any]
    #: The claims, with the types of the claims this package reads checked.
    claims: Mapping[str, Any]
    #: ``base64url(header) + "." + base64url(payload)``: the bytes the signature covers.
    signing_input: bytes
    #: The decoded signature.
    signature: bytes

    @property
    def kid(self) -> str:
        """The key id from the header."""
        return str(self.header["kid"])


def parse_token(token: object) -> ParsedToken:
    """Split and decode ``token``, checking its structure, header and claim types.

    :raises MalformedTokenError: for anything but three base64url segments holding JSON objects
        with sane claim types, a missing ``kid``, or a ``crit`` header.
    :raises UnsupportedAlgorithmError: when ``alg`` is not exactly ``RS256``.
    """
    if not isinstance(token, str) or not token:
        raise MalformedTokenError("malformed token: not a string")
    if len(token) > MAX_TOKEN_LENGTH:
        raise MalformedTokenError("malformed token: too large")
    segments = token.split(".")
    if len(segments) != 3:
        raise MalformedTokenError("malformed token: expected three segments")
    header = _decode_object(segments[0], "header")
    claims = _decode_object(segments[1], "payload")
    signature = _decode_segment(segments[2], "signature")
    _check_claim_types(claims)

    if header.get("alg") != "RS256":
        raise UnsupportedAlgorithmError()
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise MalformedTokenError("malformed token: kid must be a non-empty string")
    if "crit" in header:
        raise MalformedTokenError("malformed token: crit header is not supported")
    return ParsedToken(
        header=header,
        claims=claims,
        signing_input=f"{segments[0]}.{segments[1]}".encode("ascii"),
        signature=signature,
    )


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url.

    :raises binascii.Error: (a ``ValueError``) when ``text`` cannot be decoded.
    """
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _decode_segment(segment: str, part: str) -> bytes:
    if not _SEGMENT.fullmatch(segment):
        raise MalformedTokenError(f"malformed token: {part} is not base64url")
    try:
        raw = b64url_decode(segment)
    except (binascii.Error, ValueError):  # a length of 4n+1 characters cannot be decoded
        raise MalformedTokenError(f"malformed token: {part} is not base64url") from None
    # One token, one spelling: unused trailing bits would let the same signature be written
    # several ways, and each would be a different token to a deny-list or a cache.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != segment:
        raise MalformedTokenError(f"malformed token: {part} is not canonical base64url")
    return raw


def _decode_object(segment: str, part: str) -> dict[str, Any]:
    raw = _decode_segment(segment, part)
    try:
        value = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_refuse_duplicate_names,
            parse_constant=_refuse_constant,
        )
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise MalformedTokenError(f"malformed token: {part} is not JSON") from None
    if not isinstance(value, dict):
        raise MalformedTokenError(f"malformed token: {part} is not a JSON object")
    return value


def _refuse_duplicate_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two parsers may keep different copies of a duplicated name; refuse the ambiguity.
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate member name")
    return result


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _check_claim_types(claims: Mapping[str, Any]) -> None:
    for name in _TIME_CLAIMS:
        if name in claims and not _is_finite_number(claims[name]):
            raise MalformedTokenError(f"malformed token: {name} must be a number")
    for name in _STRING_CLAIMS:
        if name in claims and not isinstance(claims[name], str):
            raise MalformedTokenError(f"malformed token: {name} must be a string")
    if "aud" in claims and not _is_str_or_str_list(claims["aud"]):
        raise MalformedTokenError("malformed token: aud must be a string or list of strings")
    if "cognito:groups" in claims and not _is_str_list(claims["cognito:groups"]):
        raise MalformedTokenError("malformed token: cognito:groups must be a list of strings")


def _is_finite_number(value: object) -> bool:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer too large for a float: no sane time
        return False


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_str_or_str_list(value: object) -> bool:
    return isinstance(value, str) or _is_str_list(value)
