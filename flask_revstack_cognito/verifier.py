"""Token verification: SPEC section 4, steps 2 to 11, in order. Flask-free.

The first failing check decides the error. Signature checks are cached per token (bounded LRU);
the claim checks (time, issuer, token use, client, user id) run again on every call.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from joserfc.jws import JWSRegistry

from .contract import AuthContract
from .errors import (
    AudienceMismatchError,
    CognitoAuthError,
    InvalidSignatureError,
    IssuerMismatchError,
    MissingClaimError,
    TokenExpiredError,
    TokenNotYetValidError,
    TokenUseMismatchError,
)
from .jwks import Fetcher, JWKSCache, JWKSOptions
from .tokens import parse_token
from .user import CognitoUser, resolve_user_id_claim

logger = logging.getLogger("flask_revstack_cognito")

_RS256 = JWSRegistry.algorithms["RS256"]
_TOKEN_USES = ("id", "access")


@dataclass(frozen=True)
class _SignedToken:
    """A token whose structure and signature were verified (steps 2 to 6)."""

    user: CognitoUser
    kid: str
    key_source: JWKSCache


class _TokenCache:
    """A bounded, thread-safe LRU of signature-verified tokens, keyed by the whole token."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[str, _SignedToken] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str) -> _SignedToken | None:
        if not self._size:
            return None
        with self._lock:
            entry = self._entries.get(token)
            if entry is None:
                return None
            if not entry.key_source.holds(entry.kid):  # its key left the JWKS
                del self._entries[token]
                return None
            self._entries.move_to_end(token)
            return entry

    def put(self, token: str, entry: _SignedToken) -> None:
        if not self._size:
            return
        with self._lock:
            self._entries[token] = entry
            self._entries.move_to_end(token)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class TokenVerifier:
    """Verifies Cognito tokens against an :class:`~flask_revstack_cognito.AuthContract`.

    Holds one :class:`~flask_revstack_cognito.jwks.JWKSCache` per trusted issuer and a cache
    of verified tokens. Thread-safe; make one per contract and share it.

    :param contract: what a token must satisfy.
    :param jwks_options: TTL, timeout, cooldown and size limit of the key caches.
    :param fetcher: fetches JWKS documents; HTTP with ``requests`` by default.
    :param token_cache_size: verified-token cache entries; ``0`` disables the cache.
    :param clock: seconds since the epoch, for the claims *and* the key caches' timing;
        by default :func:`time.time` for claims and :func:`time.monotonic` for the caches.
    :param jitter: random source of the caches' TTL jitter.
    :param on_jwks_refresh: called as ``(issuer, key_ids)`` after each successful fetch.
    :param on_jwks_fetch_failed: called as ``(issuer, error)`` after each failed fetch.

    >>> from flask_revstack_cognito.testing import LocalUserPool
    >>> pool = LocalUserPool()
    >>> verifier = TokenVerifier(pool.contract(), fetcher=pool.fetcher)
    >>> verifier.verify(pool.id_token(sub="42")).user_id
    '42'
    """

    def __init__(
        self,
        contract: AuthContract,
        *,
        jwks_options: JWKSOptions | None = None,
        fetcher: Fetcher | None = None,
        token_cache_size: int = 1024,
        clock: Callable[[], float] | None = None,
        jitter: Callable[[], float] = random.random,
        on_jwks_refresh: Callable[[str, tuple[str, ...]], None] | None = None,
        on_jwks_fetch_failed: Callable[[str, Exception], None] | None = None,
    ) -> None:
        self.contract = contract
        self._clock = clock or time.time
        self._key_sources: dict[str, JWKSCache] = {}
        for trusted in contract.trusted_issuers:
            issuer = trusted.issuer
            self._key_sources[issuer] = JWKSCache(
                trusted.jwks_uri,
                jwks_options,
                fetcher=fetcher,
                clock=clock or time.monotonic,
                jitter=jitter,
                on_refresh=_bind(on_jwks_refresh, issuer),
                on_fetch_failed=_bind(on_jwks_fetch_failed, issuer),
            )
        self._token_cache = _TokenCache(token_cache_size)
        self._issuers = frozenset(contract.issuers)

    def __repr__(self) -> str:
        return f"<TokenVerifier issuers={list(self.contract.issuers)!r}>"

    @property
    def key_sources(self) -> Mapping[str, JWKSCache]:
        """The key cache of each trusted issuer."""
        return self._key_sources

    def prefetch(self) -> dict[str, tuple[str, ...]]:
        """Fetch every trusted issuer's JWKS now (start-up warm-up).

        :returns: the key ids held, per issuer.
        :raises JWKSUnavailableError: when a JWKS could not be fetched.
        """
        return {issuer: source.refresh() for issuer, source in self._key_sources.items()}

    def verify(self, token: str, *, token_use: str | None = None) -> CognitoUser:
        """Verify ``token`` and return its user.

        :param token: the bare JWT (no ``Bearer`` prefix).
        :param token_use: ``"id"``, ``"access"`` or ``"any"``; the contract's when ``None``.
        :raises CognitoAuthError: the subclass of the first check that failed; an unexpected
            failure is logged with its traceback and raised as ``UNKNOWN_ERROR``.
        """
        try:
            signed = self._token_cache.get(token) if isinstance(token, str) else None
            if signed is None:
                signed = self._verify_signature(token)
                self._token_cache.put(token, signed)
            self._check_claims(signed.user.claims, token_use or self.contract.token_use)
        except CognitoAuthError:
            raise
        except Exception:
            logger.exception("unexpected failure while verifying a token")
            raise CognitoAuthError() from None
        return signed.user

    def _verify_signature(self, token: str) -> _SignedToken:
        parsed = parse_token(token)  # steps 2 and 3
        key_source = self._route(parsed.claims)  # step 4
        key = key_source.get_key(parsed.kid)  # step 5
        if not _RS256.verify(parsed.signing_input, parsed.signature, key):  # step 6
            raise InvalidSignatureError()
        user = CognitoUser.from_claims(parsed.claims, self.contract.user_id_claim)
        return _SignedToken(user=user, kid=parsed.kid, key_source=key_source)

    def _route(self, claims: Mapping[str, Any]) -> JWKSCache:
        if len(self._key_sources) == 1:
            return next(iter(self._key_sources.values()))
        source = self._key_sources.get(claims.get("iss"))  # type: ignore[arg-type]
        if source is None:
            raise IssuerMismatchError()
        return source

    def _check_claims(self, claims: Mapping[str, Any], required_use: str) -> None:
        contract = self.contract
        now = self._clock()
        exp = claims.get("exp")
        if exp is None:
            raise TokenExpiredError("token has no expiry")
        if exp + contract.leeway <= now:  # step 7
            raise TokenExpiredError()
        for name in ("nbf", "iat"):
            if name in claims and claims[name] - contract.leeway > now:
                raise TokenNotYetValidError()
        if claims.get("iss") not in self._issuers:  # step 8
            raise IssuerMismatchError()
        actual_use = claims.get("token_use")  # step 9
        if actual_use not in _TOKEN_USES or required_use not in ("any", actual_use):
            raise TokenUseMismatchError(required_use, actual_use)
        if contract.client_ids and not _client_matches(claims, actual_use, contract.client_ids):
            raise AudienceMismatchError()  # step 10
        claim = resolve_user_id_claim(contract.user_id_claim, actual_use)  # step 11
        if claims.get(claim) in (None, ""):
            raise MissingClaimError(claim)


def _client_matches(
    claims: Mapping[str, Any], token_use: str, client_ids: tuple[str, ...]
) -> bool:
    if token_use == "access":
        return claims.get("client_id") in client_ids
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else audience or []
    return any(member in client_ids for member in audiences)


def _bind(
    callback: Callable[[str, Any], None] | None, issuer: str
) -> Callable[[Any], None] | None:
    if callback is None:
        return None
    return lambda value: callback(issuer, value)
