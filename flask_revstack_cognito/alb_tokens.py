"""ALB data tokens (``x-amzn-oidc-data``): parsing and verification, Flask-free (SPEC section 12).

An Application Load Balancer that signed a user in with Cognito sends the user's claims as a
JWT of its own: ES256 (ECDSA P-256, SHA-256), a ``kid`` that is a UUID, and in the *header*
the load balancer's ARN (``signer``), the app client (``client``), the pool's issuer (``iss``)
and the expiry (``exp``). Its segments end in ``=`` padding, and the signature covers the
header and payload exactly as sent, padding included.

Checks, in order (the first failure decides the code):

1. structure: three base64url segments (padded or not), header and payload JSON objects with
   sane types, size limit -> ``INVALID_FORMAT``;
2. ``alg`` exactly ``ES256`` -> ``UNSUPPORTED_ALGORITHM``; ``kid`` a UUID, no ``crit``
   -> ``INVALID_FORMAT`` (so nothing is fetched for a bad ``kid``);
3. ``signer`` one of the configured load balancers -> ``ISSUER_MISMATCH`` (before any fetch:
   it picks the key URL);
4. the key ``kid`` from that load balancer's key URL -> ``UNKNOWN_KEY`` or ``NETWORK_ERROR``;
5. the ES256 signature -> ``INVALID_SIGNATURE``;
6. ``exp`` (the header's, required; the payload's when present) with the leeway
   -> ``TOKEN_EXPIRED``; the payload's ``nbf`` and ``iat`` not in the future
   -> ``TOKEN_NOT_YET_VALID``;
7. ``iss`` (the header's, required) a trusted issuer, and the payload's ``iss``, when present,
   the same -> ``ISSUER_MISMATCH``;
8. ``client`` one of the configured client ids, when any are -> ``AUDIENCE_MISMATCH``;
9. the user id claim present -> ``MISSING_CLAIM``.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.hashes import SHA256

from .errors import (
    AudienceMismatchError,
    CognitoAuthError,
    InvalidSignatureError,
    IssuerMismatchError,
    MalformedTokenError,
    MissingClaimError,
    TokenExpiredError,
    TokenNotYetValidError,
    UnsupportedAlgorithmError,
)
from .frozen import FrozenDict
from .token_cache import TokenCache

# The structural rules are those of the pool's tokens: one decoder, one set of limits.
from .tokens import (
    MAX_TOKEN_LENGTH,
    TO_STANDARD_ALPHABET,
    check_claim_types,
    decode_object,
    decode_segment,
    is_finite_number,
)
from .user import CognitoUser, resolve_user_id_claim

logger = logging.getLogger("flask_revstack_cognito")

#: The ``token_use`` of a user authenticated by an ALB data token.
ALB_TOKEN_USE = "alb"

# A key id as the load balancer writes it (either case, as AWS's own verifier accepts); it
# becomes a path segment of the key URL, so nothing else may pass.
_UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", re.ASCII)
_HEADER_STRINGS = ("kid", "signer", "client", "iss", "typ")
#: Characters of data tokens the verified-token cache holds at most, besides its entry bound.
ALB_TOKEN_CACHE_MAX_CHARS = 8 * 1024 * 1024
_ES256_SIGNATURE_BYTES = 64
_ECDSA_SHA256 = ECDSA(SHA256())


class ParsedAlbToken(NamedTuple):
    """A structurally valid ALB data token whose signature has not been checked yet."""

    #: The JOSE header (``alg`` is ``ES256``, ``kid`` a UUID), with ``signer``, ``client``,
    #: ``iss`` and ``exp``.
    header: FrozenDict
    #: The user's claims, deeply read-only.
    claims: FrozenDict
    #: The header and payload segments and the dot between them, exactly as sent.
    signing_input: bytes
    #: The decoded signature (``r || s``, 32 bytes each, for a genuine token).
    signature: bytes

    @property
    def kid(self) -> str:
        """The key id from the header."""
        return str(self.header["kid"])


def parse_alb_token(token: object) -> ParsedAlbToken:
    """Split and decode an ALB data token, checking its structure, header and claim types.

    Each segment may end in the ``=`` padding the load balancer writes (only as much as its
    length needs), or in none.

    :raises MalformedTokenError: for anything but three base64url segments holding JSON objects
        with sane types, a ``kid`` that is not a UUID, or a ``crit`` header.
    :raises UnsupportedAlgorithmError: when ``alg`` is not exactly ``ES256``.
    """
    if not isinstance(token, str) or not token:
        raise MalformedTokenError("malformed token: not a string")
    if len(token) > MAX_TOKEN_LENGTH:
        raise MalformedTokenError("malformed token: too large")
    raw = token.encode("ascii", "replace")
    segments = raw.split(b".")
    if len(segments) != 3:
        raise MalformedTokenError("malformed token: expected three segments")
    names = ("header", "payload", "signature")
    mapped = [
        _unpad(segment, name).translate(TO_STANDARD_ALPHABET)
        for segment, name in zip(segments, names, strict=True)
    ]
    header_segment, payload_segment, signature_segment = mapped
    header = decode_object(header_segment, "header", b"*" not in header_segment)
    claims = decode_object(payload_segment, "payload", b"*" not in payload_segment)
    signature = decode_segment(signature_segment, "signature", b"*" not in signature_segment)
    check_claim_types(claims)
    _check_header(header)
    signing_input = raw[: len(segments[0]) + 1 + len(segments[1])]
    return ParsedAlbToken(header, claims, signing_input, signature)


def _unpad(segment: bytes, part: str) -> bytes:
    """``segment`` without its ``=`` padding, which must be what its length needs, or none."""
    unpadded = segment.rstrip(b"=")
    padding = len(segment) - len(unpadded)
    if padding and padding != -len(unpadded) % 4:
        raise MalformedTokenError(f"malformed token: {part} has wrong padding")
    return unpadded


def _check_header(header: FrozenDict) -> None:
    if header.get("alg") != "ES256":
        raise UnsupportedAlgorithmError("only ES256 is accepted")
    for name in _HEADER_STRINGS:
        if type(header.get(name, "")) is not str:
            raise MalformedTokenError(f"malformed token: {name} must be a string")
    if not _UUID.fullmatch(header.get("kid", "")):
        raise MalformedTokenError("malformed token: kid must be a UUID")
    if "crit" in header:
        raise MalformedTokenError("malformed token: crit header is not supported")
    if "exp" in header and not is_finite_number(header["exp"]):
        raise MalformedTokenError("malformed token: exp must be a number")


def es256_verify(key: EllipticCurvePublicKey, signature: bytes, message: bytes) -> bool:
    """Whether ``signature`` (JOSE's raw ``r || s``, 64 bytes) signs ``message`` with ``key``.

    ``cryptography`` takes the DER form; the raw one is converted first.
    """
    if len(signature) != _ES256_SIGNATURE_BYTES:
        return False
    half = _ES256_SIGNATURE_BYTES // 2
    der = encode_dss_signature(
        int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
    )
    try:
        key.verify(der, message, _ECDSA_SHA256)
    except InvalidSignature:
        return False
    return True


class KeySource(Protocol):
    """Where the public key of a ``kid`` comes from: an :class:`~.alb_keys.AlbKeyCache`."""

    def get_key(self, kid: str) -> EllipticCurvePublicKey:
        """The key ``kid``; raise ``UNKNOWN_KEY`` or ``NETWORK_ERROR``."""


class AlbUser(CognitoUser):
    """A user authenticated by an ALB data token: :attr:`token_use` is ``"alb"``.

    Its claims are the payload's: the pool's user info (``sub``, ``username``, ``email``...),
    without groups or scopes (those are in the access token).

    :meta private:
    """

    @property
    def token_use(self) -> str:
        """Always ``"alb"``."""
        return ALB_TOKEN_USE


class _Verified(NamedTuple):
    """A data token that passed every check: what a later request needs to check again."""

    header: FrozenDict
    user: CognitoUser


class AlbTokenVerifier:
    """Verifies ALB data tokens. Thread-safe; one per app.

    :param key_sources: the key source of each load balancer ARN allowed as ``signer``.
    :param issuers: the trusted ``iss`` values (the contract's issuers).
    :param client_ids: the accepted ``client`` values; empty: the client is not checked.
    :param leeway: seconds of clock skew allowed on ``exp``, ``nbf`` and ``iat``.
    :param user_id_claim: the claim of :attr:`CognitoUser.user_id` (``"username"`` is the
        ``username`` claim, which is where the user info puts it).
    :param clock: seconds since the epoch.
    :param cache_size: data tokens that passed every check kept for later requests, which
        then check only the times (``COGNITO_TOKEN_CACHE_SIZE``); ``0`` disables the cache.
    """

    def __init__(
        self,
        key_sources: Mapping[str, KeySource],
        *,
        issuers: Iterable[str],
        client_ids: Iterable[str] = (),
        leeway: float = 0,
        user_id_claim: str = "sub",
        clock: Callable[[], float] = time.time,
        cache_size: int = 1024,
    ) -> None:
        self._key_sources = dict(key_sources)
        # A hit runs only the time checks again: the load balancer's keys never change under
        # their kid, and the other checks depend on the token alone. A data token that passed
        # is ASCII, so its length is its size in bytes.
        self._verified: TokenCache[_Verified] = TokenCache(
            cache_size, ALB_TOKEN_CACHE_MAX_CHARS, cost=len
        )
        self._issuers = frozenset(issuers)
        self._client_ids = frozenset(client_ids)
        self._leeway = leeway
        self._user_id_claim = user_id_claim
        self._claim = resolve_user_id_claim(user_id_claim, ALB_TOKEN_USE)
        self._clock = clock

    def __repr__(self) -> str:
        return f"<AlbTokenVerifier signers={sorted(self._key_sources)!r}>"

    def verify(self, token: str) -> CognitoUser:
        """Verify an ``x-amzn-oidc-data`` value and return its user (``token_use`` ``"alb"``).

        :raises CognitoAuthError: the subclass of the first check that failed; an unexpected
            failure is logged with its traceback and raised as ``UNKNOWN_ERROR``.
        """
        try:
            verified = self._verified.get(token) if isinstance(token, str) else None
            if verified is None:
                verified = self._verify(token)
                self._verified.put(token, verified)
            else:
                self._check_time(verified.header, verified.user.claims)
            return verified.user
        except CognitoAuthError:
            raise
        except Exception:
            logger.exception("unexpected failure while verifying an ALB data token")
            raise CognitoAuthError() from None

    def _verify(self, token: str) -> _Verified:
        parsed = parse_alb_token(token)
        header, claims = parsed.header, parsed.claims
        key_source = self._key_sources.get(header.get("signer", ""))
        if key_source is None:
            raise IssuerMismatchError("Issuer mismatch: signed by another load balancer")
        key = key_source.get_key(parsed.kid)
        if not es256_verify(key, parsed.signature, parsed.signing_input):
            raise InvalidSignatureError()
        self._check_time(header, claims)
        issuer = header.get("iss")
        if issuer not in self._issuers or claims.get("iss", issuer) != issuer:
            raise IssuerMismatchError()
        if self._client_ids and header.get("client") not in self._client_ids:
            raise AudienceMismatchError()
        if claims.get(self._claim) in (None, ""):
            raise MissingClaimError(self._claim)
        return _Verified(header, AlbUser._from_frozen(claims, self._user_id_claim, self._claim))

    def _check_time(self, header: Mapping[str, object], claims: Mapping[str, object]) -> None:
        now = self._clock()
        leeway = self._leeway
        expiries = [header.get("exp"), claims.get("exp", math.inf)]
        if expiries[0] is None:
            raise TokenExpiredError("token has no expiry")
        if any(exp + leeway <= now for exp in expiries):  # type: ignore[operator]
            raise TokenExpiredError()
        for name in ("nbf", "iat"):
            start = claims.get(name)
            if start is not None and start - leeway > now:  # type: ignore[operator]
                raise TokenNotYetValidError()
