"""What the managed-login stand-in asks of a user pool: the backend protocol and its data.

:class:`~flask_revstack_cognito.testing.ManagedLogin` serves Cognito's managed-login
endpoints; who checks a password and mints the tokens is a :class:`SignInBackend`. The test kit's
:class:`~flask_revstack_cognito.testing.LocalPoolBackend` mints them with a
:class:`~flask_revstack_cognito.testing.LocalUserPool`; the demo's backend asks moto.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "AccessDenied",
    "Grant",
    "InvalidAccessToken",
    "InvalidGrant",
    "SignIn",
    "SignInBackend",
    "SignInRefused",
    "TokenSet",
]


@dataclass(frozen=True)
class Grant:
    """What a sign-in is for: the app client, the granted scopes and the request's nonce.

    :param client_id: the app client signing the user in.
    :param scopes: the granted OAuth scopes, in the order asked for.
    :param nonce: the authorize request's ``nonce``; the ID token carries it.
    """

    client_id: str
    scopes: tuple[str, ...]
    nonce: str | None = None


@dataclass(frozen=True)
class TokenSet:
    """The tokens of one sign-in or one refresh (``refresh_token`` is ``None`` on a refresh)."""

    id_token: str | None
    access_token: str
    refresh_token: str | None
    expires_in: int = 3600

    def as_json(self) -> dict[str, Any]:
        """The token endpoint's JSON answer, with Cognito's member names."""
        body: dict[str, Any] = {}
        if self.id_token is not None:
            body["id_token"] = self.id_token
        body["access_token"] = self.access_token
        if self.refresh_token is not None:
            body["refresh_token"] = self.refresh_token
        body["expires_in"] = self.expires_in
        body["token_type"] = "Bearer"
        return body


@dataclass(frozen=True)
class SignIn:
    """A successful sign-in: its tokens and a handle to sign the same user in again.

    :param tokens: the tokens for the code the browser is given.
    :param session: opaque to the stand-in; :meth:`SignInBackend.resume` takes it back when the
        browser returns with the stand-in's session cookie. Never a password.
    """

    tokens: TokenSet
    session: str


class SignInRefused(Exception):
    """The form's credentials were refused; ``message`` is shown on the form again."""

    def __init__(self, message: str = "Incorrect username or password.") -> None:
        super().__init__(message)
        self.message = message


class AccessDenied(Exception):
    """The sign-in is refused after the form: back to the app with ``error=access_denied``."""

    def __init__(self, description: str = "Access denied") -> None:
        super().__init__(description)
        self.description = description


class InvalidGrant(Exception):
    """A refresh token the pool no longer honours (the token endpoint's ``invalid_grant``)."""


class InvalidAccessToken(Exception):
    """An access token the userInfo endpoint refuses (``invalid_token``)."""


class SignInBackend(Protocol):
    """Checks passwords and issues tokens for :class:`~.managed_login.ManagedLogin`.

    The stand-in itself enforces the protocol's rules (registered URLs, codes, PKCE, client
    authentication, which client a refresh token belongs to, revocation); a backend only answers
    for the user pool.
    """

    def sign_in(self, username: str, password: str, grant: Grant) -> SignIn:
        """Check the password and issue tokens for ``grant``.

        :raises SignInRefused: wrong username or password (or a disabled user).
        :raises AccessDenied: the pool refuses this sign-in.
        """
        ...

    def resume(self, session: str, grant: Grant) -> SignIn:
        """Sign the user of ``session`` in again, without a password (the session cookie).

        :raises SignInRefused: the session no longer works; the form is shown.
        """
        ...

    def refresh(self, refresh_token: str, client_id: str) -> TokenSet:
        """New ID and access tokens for ``refresh_token`` (no new refresh token).

        :raises InvalidGrant: the pool refuses the refresh token.
        """
        ...

    def revoke(self, refresh_token: str, client_id: str) -> None:
        """Forget ``refresh_token`` (and end the sign-in it belongs to, where the pool can)."""
        ...

    def user_info(self, access_token: str) -> Mapping[str, Any]:
        """The userInfo endpoint's claims for ``access_token``.

        :raises InvalidAccessToken: expired, revoked or not an access token of this pool.
        """
        ...
