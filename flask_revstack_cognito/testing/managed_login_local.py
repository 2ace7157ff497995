"""The test kit's sign-in backend: the users of a local pool.

Passwords are checked against the pool's users (:meth:`LocalUserPool.add_user
<flask_revstack_cognito.testing.LocalUserPool.add_user>`), tokens are minted with the pool's key
and carry what Cognito's do: ``nonce`` and ``at_hash`` in the ID token, ``scope`` in the access
token, one ``origin_jti`` for every token of a sign-in (refreshes included) and a new ``jti`` each.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..contract import AuthContract
from ..errors import CognitoAuthError
from ..verifier import TokenVerifier
from .managed_login_backend import (
    AccessDenied,
    Grant,
    InvalidAccessToken,
    InvalidGrant,
    SignIn,
    SignInRefused,
    TokenSet,
)

__all__ = ["LocalPoolBackend", "LocalUser"]


@dataclass(frozen=True)
class LocalUser:
    """A user of a local pool, with the password the stand-in's form accepts.

    :param username: ``cognito:username``.
    :param password: checked by the form.
    :param sub: the user's ``sub``.
    :param email: ``email`` (``None``: no email claim).
    :param email_verified: ``email_verified``.
    :param groups: ``cognito:groups`` (left out when empty, as Cognito does).
    :param custom: custom attributes, names without ``custom:``.
    :param enabled: a disabled user is refused at the form ("User is disabled.").
    :param access_denied: when set, the sign-in is refused after the form and the browser goes
        back to the app with ``error=access_denied`` and this description.
    """

    username: str
    password: str = field(repr=False)
    sub: str
    email: str | None = None
    email_verified: bool = True
    groups: tuple[str, ...] = ()
    custom: Mapping[str, str] = field(default_factory=dict)
    enabled: bool = True
    access_denied: str | None = None


class _Pool(Protocol):
    """What the backend uses of :class:`~flask_revstack_cognito.testing.LocalUserPool`."""

    @property
    def user_pool_id(self) -> str: ...

    @property
    def users(self) -> Mapping[str, LocalUser]: ...

    @property
    def clock(self) -> Callable[[], float]: ...

    def contract(self, **overrides: Any) -> AuthContract: ...

    def fetcher(self, url: str, *, timeout: float, max_bytes: int) -> bytes: ...

    def id_token(self, **overrides: Any) -> str: ...

    def access_token(self, **overrides: Any) -> str: ...


@dataclass(frozen=True)
class _Session:
    username: str
    grant: Grant
    origin_jti: str
    event_id: str
    auth_time: int


class LocalPoolBackend:
    """A :class:`~flask_revstack_cognito.testing.SignInBackend` for a local pool.

    :param pool: the pool whose users sign in and whose key signs the tokens.
    """

    def __init__(self, pool: _Pool) -> None:
        self.pool = pool
        self._sessions: dict[str, _Session] = {}
        self._revoked_origins: set[str] = set()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<LocalPoolBackend {self.pool.user_pool_id}>"

    def sign_in(self, username: str, password: str, grant: Grant) -> SignIn:
        """Check ``password``; mint the sign-in's tokens."""
        user = self.pool.users.get(username)
        given = password.encode()
        expected = user.password.encode() if user is not None else b"\0" + given
        if user is None or not hmac.compare_digest(given, expected):
            raise SignInRefused()
        return self._start(user, grant)

    def resume(self, session: str, grant: Grant) -> SignIn:
        """A new sign-in of the user named by ``session`` (the session cookie's user)."""
        user = self.pool.users.get(session)
        if user is None:
            raise SignInRefused()
        return self._start(user, grant)

    def refresh(self, refresh_token: str, client_id: str) -> TokenSet:
        """New ID and access tokens of the same sign-in: same ``origin_jti``, new ``jti``."""
        with self._lock:
            session = self._sessions.get(refresh_token)
        user = self.pool.users.get(session.username) if session is not None else None
        if session is None or user is None or not user.enabled:
            raise InvalidGrant()
        # Cognito's refreshed ID tokens carry no nonce: there is no authorize request.
        grant = Grant(session.grant.client_id, session.grant.scopes, None)
        return self._tokens(user, grant, session, refresh_token=None)

    def revoke(self, refresh_token: str, client_id: str) -> None:
        """Forget ``refresh_token``; userInfo then refuses its sign-in's access tokens."""
        with self._lock:
            session = self._sessions.pop(refresh_token, None)
            if session is not None:
                self._revoked_origins.add(session.origin_jti)

    def user_info(self, access_token: str) -> Mapping[str, Any]:
        """The user's attributes, as Cognito's userInfo answers (strings)."""
        verifier = TokenVerifier(
            self.pool.contract(client_id=None, token_use="access"),
            fetcher=self.pool.fetcher,
            clock=self.pool.clock,
            token_cache_size=0,
        )
        try:
            verified = verifier.verify(access_token)
        except CognitoAuthError:
            raise InvalidAccessToken() from None
        user = self.pool.users.get(verified.username or "")
        with self._lock:
            revoked = verified.claims.get("origin_jti") in self._revoked_origins
        if user is None or revoked or "openid" not in verified.scopes:
            raise InvalidAccessToken()
        info: dict[str, Any] = {"sub": user.sub, "username": user.username}
        if user.email is not None:
            info["email"] = user.email
            info["email_verified"] = "true" if user.email_verified else "false"
        for name, value in user.custom.items():
            info[f"custom:{name}"] = value
        return info

    # -- minting --------------------------------------------------------------------------

    def _start(self, user: LocalUser, grant: Grant) -> SignIn:
        if not user.enabled:
            raise SignInRefused("User is disabled.")
        if user.access_denied is not None:
            raise AccessDenied(user.access_denied)
        session = _Session(
            username=user.username,
            grant=grant,
            origin_jti=str(uuid.uuid4()),
            event_id=str(uuid.uuid4()),
            auth_time=int(self.pool.clock()),
        )
        refresh_token = secrets.token_urlsafe(96)
        with self._lock:
            self._sessions[refresh_token] = session
        return SignIn(self._tokens(user, grant, session, refresh_token), user.username)

    def _tokens(
        self, user: LocalUser, grant: Grant, session: _Session, refresh_token: str | None
    ) -> TokenSet:
        common: dict[str, Any] = {
            "sub": user.sub,
            "username": user.username,
            "groups": list(user.groups) or None,
            "origin_jti": session.origin_jti,
            "event_id": session.event_id,
            "auth_time": session.auth_time,
        }
        access_token = self.pool.access_token(
            client_id=grant.client_id, scopes=grant.scopes, **common
        )
        id_token = None
        if "openid" in grant.scopes:
            id_token = self.pool.id_token(
                aud=grant.client_id,
                email=user.email,
                email_verified=user.email_verified if user.email is not None else None,
                custom=dict(user.custom),
                nonce=grant.nonce,
                at_hash=_at_hash(access_token),
                **common,
            )
        return TokenSet(id_token, access_token, refresh_token)


def _at_hash(access_token: str) -> str:
    """OpenID Connect's ``at_hash``: the left half of the token's SHA-256, base64url."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")
