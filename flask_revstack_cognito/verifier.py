"""Token verification: SPEC section 4, steps 2 to 11, in order. Flask-free.

The first failing check decides the error. Signature checks are cached per token (an LRU bounded
in entries and in bytes); the time checks run again on every call, and a cached token asks its
key cache for its key again, so the keys' TTL and their withdrawal apply to it as to any other
token. The other claim checks (issuer, token use, client, user id) depend on nothing but the
claims, the contract and the required token use: a cached token remembers the uses it passed
them for, and runs them again for any other use.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256
from joserfc.jwk import RSAKey

from .contract import TOKEN_USES, AuthContract, check_token_use
from .errors import (
    AudienceMismatchError,
    CognitoAuthError,
    InvalidSignatureError,
    IssuerMismatchError,
    MissingClaimError,
    TokenExpiredError,
    TokenNotYetValidError,
    TokenUseMismatchError,
    UnknownKeyError,
)
from .jwks import Fetcher, JWKSCache, JWKSOptions
from .token_cache import TokenCache
from .tokens import parse_token
from .user import CognitoUser, resolve_user_id_claim

logger = logging.getLogger("flask_revstack_cognito")


class _RS256:
    """RS256 (RFC 7518, section 3.3: RSASSA-PKCS1-v1_5 with SHA-256) straight on the key.

    The ``cryptography`` key that joserfc holds is used directly: one call per token, no
    algorithm lookup or key wrapping on the way.
    """

    # Both are stateless, so one of each serves every thread.
    _padding = PKCS1v15()
    _hash = SHA256()

    @classmethod
    def verify(cls, msg: bytes, sig: bytes, key: RSAKey) -> bool:
        """Whether ``sig`` is the signature of ``msg`` by ``key``."""
        try:
            key.public_key.verify(sig, msg, cls._padding, cls._hash)
        except InvalidSignature:
            return False
        return True


_ISSUED_USES = ("id", "access")

#: Default byte budget of the verified-token cache: :data:`TOKEN_CACHE_ENTRY_BYTES` plus
#: :data:`TOKEN_CACHE_BYTES_PER_CHAR` per token character are counted for each entry.
TOKEN_CACHE_MAX_BYTES = 64 * 1024 * 1024
#: Memory counted for one cached token besides its length: the user, its claims, the index.
TOKEN_CACHE_ENTRY_BYTES = 2048
#: Memory counted per character of a cached token: the token itself and its decoded claims.
TOKEN_CACHE_BYTES_PER_CHAR = 2


class _SignedToken(NamedTuple):
    """A token whose structure and signature were verified (steps 2 to 6)."""

    user: CognitoUser
    kid: str
    key_source: JWKSCache
    #: The key the signature was checked with: a cached verdict holds for this key only.
    key: RSAKey
    #: The required token uses whose static claim checks (steps 8 to 11) the claims passed.
    #: A list: at most three short names, and a quarter of an empty set's memory.
    passed: list[str]


def entry_bytes(token: str) -> int:
    """The memory a cached ``token`` is counted for in the verified-token cache's budget.

    An estimate from above of what :mod:`tracemalloc` measures for a Cognito token.
    """
    return TOKEN_CACHE_ENTRY_BYTES + TOKEN_CACHE_BYTES_PER_CHAR * len(token)


class TokenVerifier:
    """Verifies Cognito tokens against an :class:`~flask_revstack_cognito.AuthContract`.

    Holds one :class:`~flask_revstack_cognito.jwks.JWKSCache` per trusted issuer and a cache
    of verified tokens. Thread-safe; make one per contract and share it.

    :param contract: what a token must satisfy.
    :param jwks_options: TTL, timeout, cooldown and size limit of the key caches.
    :param fetcher: fetches JWKS documents; HTTP with ``requests`` by default.
    :param token_cache_size: verified-token cache entries; ``0`` disables the cache.
    :param token_cache_max_bytes: the cache's memory budget (64 MiB by default), counted by
        :func:`~flask_revstack_cognito.verifier.entry_bytes`;
        the least recently used tokens leave first when either bound is reached.
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
        token_cache_max_bytes: int = TOKEN_CACHE_MAX_BYTES,
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
        self._token_cache: TokenCache[_SignedToken] = TokenCache(
            token_cache_size, token_cache_max_bytes, cost=entry_bytes
        )
        self._issuers = frozenset(contract.issuers)
        self._leeway = contract.leeway
        self._client_ids = frozenset(contract.client_ids)
        self._user_id_claims = {
            use: resolve_user_id_claim(contract.user_id_claim, use) for use in _ISSUED_USES
        }
        self._token_use = contract.token_use
        sources = list(self._key_sources.values())
        self._only_source = sources[0] if len(sources) == 1 else None

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
        :raises ValueError: when ``token_use`` is none of those (a programming error).
        :raises CognitoAuthError: the subclass of the first check that failed; an unexpected
            failure is logged with its traceback and raised as ``UNKNOWN_ERROR``.
        """
        # check_token_use raises for a value that is not one of TOKEN_USES, before any check.
        required_use = token_use if token_use in TOKEN_USES else None
        if required_use is None:
            required_use = check_token_use(token_use) or self._token_use
        try:
            signed = self._cached(token) if isinstance(token, str) else None
            if signed is None:
                signed = self._verify_signature(token)
                self._token_cache.put(token, signed)
            claims = signed.user.claims
            self._check_time(claims)  # step 7, on every call
            if required_use not in signed.passed:
                self._check_static(claims, required_use)  # steps 8 to 11
                signed.passed.append(required_use)  # atomic; a race may add it twice
        except CognitoAuthError:
            raise
        except Exception:
            logger.exception("unexpected failure while verifying a token")
            raise CognitoAuthError() from None
        return signed.user

    def _cached(self, token: str) -> _SignedToken | None:
        """The cached verdict on ``token``, if its key is still the one it was checked with.

        The key is asked for as for any token, so a cache hit refreshes expired keys and a
        withdrawn key fails its cached tokens with ``UNKNOWN_KEY``.
        """
        entry = self._token_cache.get(token)
        if entry is None:
            return None
        try:
            key = entry.key_source.get_key(entry.kid)
        except UnknownKeyError:
            self._token_cache.discard(token, entry)
            raise
        if key is not entry.key:  # the JWKS was fetched again since the token was checked
            if key.public_key.public_numbers() != entry.key.public_key.public_numbers():
                self._token_cache.discard(token, entry)  # same kid, other key: check again
                return None
            entry = entry._replace(key=key)
            self._token_cache.replace(token, entry)
        return entry

    def _verify_signature(self, token: str) -> _SignedToken:
        parsed = parse_token(token)  # steps 2 and 3
        key_source = self._route(parsed.claims)  # step 4
        kid: str = parsed.header["kid"]  # the parser checked it is a non-empty str
        key = key_source.get_key(kid)  # step 5
        if not _RS256.verify(parsed.signing_input, parsed.signature, key):  # step 6
            raise InvalidSignatureError()
        claims = parsed.claims
        claim = self._user_id_claims.get(claims.get("token_use"))  # type: ignore[arg-type]
        user = CognitoUser._from_frozen(claims, self.contract.user_id_claim, claim)
        return _SignedToken(user, kid, key_source, key, [])

    def _route(self, claims: Mapping[str, Any]) -> JWKSCache:
        if self._only_source is not None:
            return self._only_source
        source = self._key_sources.get(claims.get("iss"))  # type: ignore[arg-type]
        if source is None:
            raise IssuerMismatchError()
        return source

    def _check_time(self, claims: Mapping[str, Any]) -> None:
        now = self._clock()
        leeway = self._leeway
        exp = claims.get("exp")
        if exp is None:
            raise TokenExpiredError("token has no expiry")
        if exp + leeway <= now:  # step 7
            raise TokenExpiredError()
        # The parser refused a null nbf or iat: None means absent.
        nbf, iat = claims.get("nbf"), claims.get("iat")
        if (nbf is not None and nbf - leeway > now) or (iat is not None and iat - leeway > now):
            raise TokenNotYetValidError()

    def _check_static(self, claims: Mapping[str, Any], required_use: str) -> None:
        if claims.get("iss") not in self._issuers:  # step 8
            raise IssuerMismatchError()
        actual_use = claims.get("token_use")  # step 9
        if actual_use not in _ISSUED_USES or required_use not in ("any", actual_use):
            raise TokenUseMismatchError(required_use, actual_use)
        client_ids = self._client_ids
        if client_ids and not _client_matches(claims, actual_use, client_ids):
            raise AudienceMismatchError()  # step 10
        claim = self._user_id_claims[actual_use]  # step 11
        if claims.get(claim) in (None, ""):
            raise MissingClaimError(claim)


def _client_matches(claims: Mapping[str, Any], token_use: str, client_ids: frozenset[str]) -> bool:
    if token_use == "access":
        return claims.get("client_id") in client_ids
    audience = claims.get("aud")
    if isinstance(audience, str):
        return audience in client_ids
    return audience is not None and not client_ids.isdisjoint(audience)


def _bind(
    callback: Callable[[str, Any], None] | None, issuer: str
) -> Callable[[Any], None] | None:
    if callback is None:
        return None
    return lambda value: callback(issuer, value)
