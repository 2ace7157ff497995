"""The revocation check on every verified token, and the denial behind ``auth.revoke``."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask

from .. import config as keys
from ..appstate import AppState
from ..config import config_value, read_number
from ..errors import CognitoConfigError, JWKSUnavailableError, MissingClaimError, TokenRevokedError
from ..pipeline import Feature, Verify
from ..settings import CognitoSettings
from ..signals import token_revoked
from ..user import CognitoUser
from .memory import MemoryRevocationStore
from .redis_store import RedisRevocationStore
from .signout import cognito_endpoint, global_sign_out
from .store import RevocationStore, RevocationStoreError

logger = logging.getLogger("flask_revstack_cognito")

#: The longest ``COGNITO_REVOCATION_TTL``: Cognito's longest refresh token validity, 10 years.
MAX_TTL = 3650 * 86400
#: The longest wait on Redis, whatever ``COGNITO_JWKS_TIMEOUT`` allows: every request asks it.
MAX_REDIS_TIMEOUT = 1.0
#: ``Retry-After`` seconds of the 503 a request gets while the store cannot answer.
RETRY_AFTER = 5

_STORE_EXAMPLE = "'memory' or 'redis://localhost:6379/0'"


class RevocationUnavailableError(JWKSUnavailableError):
    """The revocation store could not answer, so the token is refused (HTTP 503).

    A :class:`~flask_revstack_cognito.JWKSUnavailableError`: the same ``NETWORK_ERROR`` code,
    503 status and ``Retry-After`` header, for a store (Redis) instead of the pool's keys.
    """

    default_message = "the revocation list could not be checked"

    def __init__(self, message: str | None = None, *, retry_after: int = RETRY_AFTER) -> None:
        super().__init__(message, retry_after=retry_after)


def denied_ids(claims: Mapping[str, Any]) -> tuple[str, ...]:
    """The ids a denial of this token's session may name: its ``jti`` and ``origin_jti``."""
    return tuple(
        value
        for value in (claims.get("jti"), claims.get("origin_jti"))
        if isinstance(value, str) and value
    )


class RevocationFeature(Feature):
    """Refuse tokens whose ``jti`` or ``origin_jti`` the store denies; write those denials.

    :param store: the deny-list.
    :param ttl: seconds a sign-in stays denied (``COGNITO_REVOCATION_TTL``).
    :param leeway: the contract's leeway: a ``jti`` is denied until ``exp`` plus it.
    :param timeout: seconds for Cognito's ``GlobalSignOut`` (``COGNITO_JWKS_TIMEOUT``).
    :param clock: seconds since the epoch.
    """

    def __init__(
        self,
        store: RevocationStore,
        *,
        ttl: float,
        leeway: float = 0.0,
        timeout: float = 3.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.ttl = ttl
        self.leeway = leeway
        self.timeout = timeout
        self._clock = clock
        self._store_down = False

    def __repr__(self) -> str:
        return f"<RevocationFeature store={self.store!r} ttl={self.ttl:g}>"

    def wrap_verify(self, verify: Verify) -> Verify:
        """Ask the store about every token ``verify`` accepts, cache hits included."""
        store = self.store

        def verify_not_revoked(token: str, *, token_use: str | None = None) -> CognitoUser:
            user = verify(token, token_use=token_use)
            ids = denied_ids(user.claims)
            if not ids:
                return user
            try:
                revoked = store.is_revoked(ids)
            except Exception as error:
                self._report_down(error)
                raise RevocationUnavailableError() from None
            if self._store_down:
                self._store_down = False
                logger.warning("the revocation store answers again")
            if revoked:
                raise TokenRevokedError()
            return user

        return verify_not_revoked

    def _report_down(self, error: Exception) -> None:
        # Once per outage, not once per request.
        if self._store_down:
            return
        self._store_down = True
        if isinstance(error, RevocationStoreError):
            logger.warning("the revocation store cannot answer, refusing tokens: %s", error)
        else:
            logger.error("the revocation store failed, refusing tokens", exc_info=error)

    def denial(self, user: CognitoUser) -> tuple[tuple[str, ...], float]:
        """The ids to deny for ``user``'s token and until when.

        The sign-in's ``origin_jti`` until now plus the TTL (refreshes keep it), else the
        token's own ``jti`` until it expires (client-credentials tokens have no sign-in).

        :raises MissingClaimError: for a token with neither claim.
        """
        claims = user.claims
        origin = claims.get("origin_jti")
        if isinstance(origin, str) and origin:
            return (origin,), self._clock() + self.ttl
        jti = claims.get("jti")
        if not (isinstance(jti, str) and jti):
            raise MissingClaimError("jti")
        expires = claims.get("exp")
        if isinstance(expires, (int, float)) and not isinstance(expires, bool):
            return (jti,), float(expires) + self.leeway
        return (jti,), self._clock() + self.ttl

    def revoke(self, app: Flask, user: CognitoUser) -> None:
        """Deny ``user``'s token (its whole sign-in when it has one); send ``token_revoked``.

        :raises MissingClaimError: for a token with neither ``origin_jti`` nor ``jti``.
        :raises RevocationStoreError: when the store could not record it.
        """
        ids, until = self.denial(user)
        self.store.revoke(ids, until)
        logger.info("revoked the session of %s", user.sub)
        token_revoked.send(app, user=user)

    def revoke_token(
        self, app: Flask, verify: Verify, user_or_token: CognitoUser | str
    ) -> CognitoUser:
        """:meth:`revoke` a user, or a token string once ``verify`` accepted it."""
        user = (
            user_or_token
            if isinstance(user_or_token, CognitoUser)
            else verify(user_or_token, token_use="any")
        )
        self.revoke(app, user)
        return user

    def sign_out_everywhere(
        self,
        app: Flask,
        verify: Verify,
        settings: CognitoSettings,
        access_token: str,
        *,
        endpoint: str | None = None,
    ) -> CognitoUser:
        """Revoke the access token's sign-in here, then call Cognito's ``GlobalSignOut``.

        In that order, so that a retry after a failure still works: once Cognito signed the
        user out, the token can no longer be used to ask it again.
        """
        user = verify(access_token, token_use="access")
        self.revoke(app, user)
        global_sign_out(
            access_token,
            endpoint=endpoint or cognito_endpoint(settings.contract, user.issuer),
            timeout=self.timeout,
        )
        return user


def revocation_of(state: AppState) -> RevocationFeature:
    """The app's revocation feature.

    :raises RuntimeError: when ``COGNITO_REVOCATION_STORE`` is not set.
    """
    feature = state.feature(RevocationFeature)
    if feature is None:
        raise RuntimeError(
            f"revoking tokens needs a revocation store: set {keys.REVOCATION_STORE} to "
            f"{_STORE_EXAMPLE}, or to an object with revoke(keys, until) and is_revoked(keys)"
        )
    return feature


def read_store(value: object, *, timeout: float) -> RevocationStore | None:
    """The store ``COGNITO_REVOCATION_STORE`` names, ``None`` when it is unset.

    :param timeout: seconds a Redis store waits to connect and for an answer.
    :raises CognitoConfigError: naming the key, for any other value.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.lower() == "memory":
            return MemoryRevocationStore()
        scheme = text.split("://", 1)[0].lower() if "://" in text else None
        if scheme in ("redis", "rediss"):
            try:
                return RedisRevocationStore.from_url(text, timeout=timeout)
            except (ImportError, ValueError) as error:
                raise CognitoConfigError(
                    keys.REVOCATION_STORE, str(error), _STORE_EXAMPLE
                ) from None
        # Never the whole value: a URL may hold a password.
        got = f"a {scheme}:// URL" if scheme is not None else repr(text[:40])
        raise CognitoConfigError(
            keys.REVOCATION_STORE,
            f"expected 'memory' or a redis:// or rediss:// URL, got {got}",
            _STORE_EXAMPLE,
        )
    if callable(getattr(value, "revoke", None)) and callable(getattr(value, "is_revoked", None)):
        return value  # type: ignore[return-value]
    raise CognitoConfigError(
        keys.REVOCATION_STORE,
        "expected 'memory', a redis:// URL, or an object with revoke(keys, until) and "
        f"is_revoked(keys), got {type(value).__name__}",
        _STORE_EXAMPLE,
    )


def build_revocation(app: Flask, settings: CognitoSettings) -> RevocationFeature | None:
    """The revocation feature of ``app``'s config, ``None`` without a store.

    :raises CognitoConfigError: naming ``COGNITO_REVOCATION_STORE`` or ``COGNITO_REVOCATION_TTL``.
    """
    ttl = read_number(
        keys.REVOCATION_TTL,
        config_value(app.config, keys.REVOCATION_TTL),
        minimum=1,
        maximum=MAX_TTL,
        example=str(keys.DEFAULTS[keys.REVOCATION_TTL]),
    )
    timeout = settings.jwks_options.timeout
    store = read_store(
        config_value(app.config, keys.REVOCATION_STORE), timeout=min(timeout, MAX_REDIS_TIMEOUT)
    )
    if store is None:
        return None
    return RevocationFeature(store, ttl=ttl, leeway=settings.contract.leeway, timeout=timeout)
