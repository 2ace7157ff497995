"""Structural parsing of a compact JWS: segments, JSON, header rules and claim types.

Nothing here trusts the token: it only proves the token is well formed before any key is looked
up (SPEC section 4, steps 2 and 3). Every failure is a
:class:`~flask_revstack_cognito.errors.MalformedTokenError` or an
:class:`~flask_revstack_cognito.errors.UnsupportedAlgorithmError`.

The claims come out deeply read-only (objects :class:`~flask_revstack_cognito.frozen.FrozenDict`,
arrays tuples), so a verified user can share them with every request without copying them.

The ALB data token's parser (:mod:`.alb_tokens`) shares the structural rules: the alphabet
table, :func:`decode_segment`, :func:`decode_object`, :func:`check_claim_types` and
:func:`is_finite_number`, with the same limits.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable
from typing import Any, NamedTuple

from .errors import MalformedTokenError, UnsupportedAlgorithmError
from .frozen import FrozenDict

#: Longest token accepted, in characters. Cognito tokens with many groups and attributes stay
#: well under 8 KiB; anything far larger is refused before it is decoded.
MAX_TOKEN_LENGTH = 16 * 1024

#: Deepest nesting of JSON objects and arrays accepted in the header or the payload, counting
#: the top-level object as 1. Cognito's claims nest two or three levels (``identities``); a
#: deeper token is refused as malformed before any key is looked up.
MAX_NESTING_DEPTH = 32

_URLSAFE = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# The base64 alphabet (RFC 4648, section 4), which the mapping below turns base64url into.
_STANDARD = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_table = bytearray(b"*" * 256)
for _urlsafe, _standard in zip(_URLSAFE, _STANDARD, strict=True):
    _table[_urlsafe] = _standard
_table[ord(".")] = ord(".")
#: The :meth:`bytes.translate` table that maps the base64url alphabet to the base64 one, keeps
#: ``.`` and turns every other byte into ``*`` (which no segment may hold): the input of
#: :func:`decode_segment` and :func:`decode_object`.
TO_STANDARD_ALPHABET = bytes(_table)
# The value of each base64 character, and the bits of the last character that encode no
# data, by segment length modulo 4 (2 characters carry 1 byte, 3 carry 2).
_VALUES = {character: value for value, character in enumerate(_STANDARD)}
_UNUSED_BITS = {2: 0b1111, 3: 0b11}
_PADDING = {0: b"", 2: b"==", 3: b"="}

# Headers that passed every check, by their segment (read-only, so safe to share).
_GOOD_HEADERS: dict[bytes, FrozenDict] = {}
_GOOD_HEADERS_SIZE = 64

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
# Integers this small are finite as floats: no need to convert them.
_SAFE_INT = 2**63


class ParsedToken(NamedTuple):
    """A structurally valid token whose signature has not been checked yet."""

    #: The JOSE header (``alg`` is ``RS256``, ``kid`` a non-empty string).
    header: FrozenDict
    #: The claims, deeply read-only, with the types of the claims this package reads checked.
    claims: FrozenDict
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
        (nested at most :data:`MAX_NESTING_DEPTH` deep) with sane claim types, a missing
        ``kid``, or a ``crit`` header.
    :raises UnsupportedAlgorithmError: when ``alg`` is not exactly ``RS256``.
    """
    if not isinstance(token, str) or not token:
        raise MalformedTokenError("malformed token: not a string")
    if len(token) > MAX_TOKEN_LENGTH:
        raise MalformedTokenError("malformed token: too large")
    # A character beyond ASCII becomes "?", which no segment may hold; "." stays a separator.
    raw = token.encode("ascii", "replace")
    # One pass maps base64url to standard base64 and every other character to "*".
    mapped = raw.translate(TO_STANDARD_ALPHABET)
    segments = mapped.split(b".")
    if len(segments) != 3:
        raise MalformedTokenError("malformed token: expected three segments")
    all_base64url = b"*" not in mapped
    header_segment, payload_segment, signature_segment = segments
    # A pool signs every token with the same few headers: one that passed every check is
    # remembered by its exact text (the mapping of the alphabet is one-to-one).
    header = _GOOD_HEADERS.get(header_segment)
    known_header = header is not None
    if header is None:
        header = decode_object(header_segment, "header", all_base64url)
    claims = decode_object(payload_segment, "payload", all_base64url)
    signature = decode_segment(signature_segment, "signature", all_base64url)
    check_claim_types(claims)

    if not known_header:
        _check_header(header)
        if len(_GOOD_HEADERS) >= _GOOD_HEADERS_SIZE:
            _GOOD_HEADERS.clear()  # a flood of odd headers only costs the parse again
        _GOOD_HEADERS[header_segment] = header
    signing_input = raw[: len(header_segment) + 1 + len(payload_segment)]
    return ParsedToken(header, claims, signing_input, signature)


def _check_header(header: FrozenDict) -> None:
    if header.get("alg") != "RS256":
        raise UnsupportedAlgorithmError()
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise MalformedTokenError("malformed token: kid must be a non-empty string")
    if "crit" in header:
        raise MalformedTokenError("malformed token: crit header is not supported")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url.

    :raises binascii.Error: (a ``ValueError``) when ``text`` cannot be decoded.
    """
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def decode_segment(segment: bytes, part: str, all_base64url: bool) -> bytes:
    """Decode one segment, already mapped by :data:`TO_STANDARD_ALPHABET`, without padding.

    :param segment: the mapped segment.
    :param part: its name in the error message (``"header"``, ``"payload"``, ``"signature"``).
    :param all_base64url: the mapped token holds no ``*``: every character is base64url, so
        the segment needs no check of its own.
    :raises MalformedTokenError: when the segment is not canonical base64url.
    """
    # Empty is valid base64url (zero bytes): an unsigned token then fails on its alg, as it
    # should. A length of 4n+1 characters cannot be decoded.
    remainder = len(segment) % 4
    if remainder == 1 or (not all_base64url and segment.translate(None, _STANDARD)):
        raise MalformedTokenError(f"malformed token: {part} is not base64url")
    # One token, one spelling: unused trailing bits would let the same signature be written
    # several ways, and each would be a different token to a deny-list or a cache.
    if remainder and _VALUES[segment[-1]] & _UNUSED_BITS[remainder]:
        raise MalformedTokenError(f"malformed token: {part} is not canonical base64url")
    return binascii.a2b_base64(segment + _PADDING[remainder])


def decode_object(segment: bytes, part: str, all_base64url: bool) -> FrozenDict:
    """Decode one segment (as :func:`decode_segment`) holding a JSON object, deeply read-only.

    :raises MalformedTokenError: when the segment is not base64url of a UTF-8 JSON object
        without duplicate names or constants (``NaN``...), nested at most
        :data:`MAX_NESTING_DEPTH` deep.
    """
    raw = decode_segment(segment, part, all_base64url)
    try:
        text = raw.decode("utf-8")
        arrays = text.count("[")  # counted in strings too: an upper bound
        if text[:1] == "{":
            value, end = (_SCAN if arrays else _SCAN_FLAT)(text, 0)
            if end != len(text):  # trailing whitespace, or more than one value
                value = _DECODER.decode(text)
        else:  # leading whitespace, or not an object at all
            value = _DECODER.decode(text)
    # The scanner raises StopIteration where a value was expected and none begins.
    except (UnicodeDecodeError, ValueError, RecursionError, StopIteration):
        raise MalformedTokenError(f"malformed token: {part} is not JSON") from None
    if not isinstance(value, FrozenDict):
        raise MalformedTokenError(f"malformed token: {part} is not a JSON object")
    # Counting brackets, even those inside strings, bounds the depth from above: a Cognito
    # token has a handful, and needs no walk.
    if arrays + text.count("{") > MAX_NESTING_DEPTH and _too_deep(value, 1):
        raise MalformedTokenError(f"malformed token: {part} is nested too deeply")
    return value


def _frozen_object(pairs: list[tuple[str, Any]]) -> FrozenDict:
    """Build a JSON object read-only, its arrays as tuples (the parser's object hook)."""
    result = FrozenDict(pairs)
    # Two parsers may keep different copies of a duplicated name; refuse the ambiguity.
    if len(result) != len(pairs):
        raise ValueError("duplicate member name")
    if list in map(type, result.values()):
        for name in [name for name, value in pairs if type(value) is list]:
            dict.__setitem__(result, name, _frozen_array(result[name]))
    return result


def _flat_frozen_object(pairs: list[tuple[str, Any]]) -> FrozenDict:
    """:func:`_frozen_object` for a text without arrays: nothing to turn into tuples."""
    result = FrozenDict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate member name")
    return result


def _frozen_array(values: list[Any]) -> tuple[Any, ...]:
    # Objects inside are frozen already, by the hook; only arrays in arrays are left.
    if list in map(type, values):
        return tuple(_frozen_array(value) if type(value) is list else value for value in values)
    return tuple(values)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# One decoder for every call: building one per call costs more than the parse of a header.
_DECODER = json.JSONDecoder(object_pairs_hook=_frozen_object, parse_constant=_refuse_constant)
_SCAN: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]
# For a text without any "[" (most access tokens): its objects need no array conversion.
_SCAN_FLAT: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder(  # type: ignore[attr-defined]
    object_pairs_hook=_flat_frozen_object, parse_constant=_refuse_constant
).scan_once


def _too_deep(value: Any, depth: int) -> bool:
    """Whether ``value``, at nesting level ``depth``, nests beyond the limit."""
    if depth > MAX_NESTING_DEPTH:
        return True
    members = value.values() if isinstance(value, FrozenDict) else value
    return any(
        _too_deep(member, depth + 1)
        for member in members
        if isinstance(member, (FrozenDict, tuple))
    )


def check_claim_types(claims: FrozenDict) -> None:
    """Check the types of the claims this package reads (times, strings, ``aud``, groups).

    :raises MalformedTokenError: naming the first claim of the wrong type.
    """
    # One lookup per claim: an absent claim gets a default of the right type, a JSON null
    # (None) does not.
    get = claims.get
    for name in _TIME_CLAIMS:
        value = get(name, 0)
        # Most times are plain ints of a sane size; anything else takes the exact test.
        if type(value) is int and -_SAFE_INT < value < _SAFE_INT:
            continue
        if not is_finite_number(value):
            raise MalformedTokenError(f"malformed token: {name} must be a number")
    for name in _STRING_CLAIMS:
        if type(get(name, "")) is not str:
            raise MalformedTokenError(f"malformed token: {name} must be a string")
    if not _is_str_or_str_list(get("aud", "")):
        raise MalformedTokenError("malformed token: aud must be a string or list of strings")
    if not _is_str_list(get("cognito:groups", ())):
        raise MalformedTokenError("malformed token: cognito:groups must be a list of strings")


def is_finite_number(value: object) -> bool:
    """Whether ``value`` (as the parser made it) is a JSON number that is finite as a float."""
    # The parser makes exact ints and floats; a bool is neither here.
    if type(value) is float:
        return math.isfinite(value)
    if type(value) is int:
        try:
            return math.isfinite(value)
        except OverflowError:  # an integer too large for a float: no sane time
            return False
    return False


def _is_str_list(value: object) -> bool:
    # The parser turns every JSON array into a tuple.
    return type(value) is tuple and all(type(item) is str for item in value)


def _is_str_or_str_list(value: object) -> bool:
    return type(value) is str or _is_str_list(value)
