"""The verified user: a read-only view of a token's claims, typed for the common ones."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any

from .frozen import FrozenDict as FrozenDict
from .frozen import freeze as freeze

CUSTOM_PREFIX = "custom:"


def username_claim(token_use: object) -> str:
    """The claim of the Cognito username: ``cognito:username`` in ID tokens, else ``username``."""
    return "cognito:username" if token_use == "id" else "username"


def resolve_user_id_claim(user_id_claim: str, token_use: object) -> str:
    """The claim that holds the user id for a token of ``token_use``.

    ``"username"`` stands for the Cognito username, whose claim depends on the token type.
    """
    return username_claim(token_use) if user_id_claim == "username" else user_id_claim


@dataclass(frozen=True, eq=False)
class CognitoUser:
    """A user whose token passed every check. Read-only.

    Build one with :meth:`from_claims`; the verifier does this for you.

    >>> user = CognitoUser.from_claims({"sub": "42", "token_use": "id", "aud": "app",
    ...     "cognito:groups": ["admins"], "custom:tenant": "acme", "exp": 2e9, "iat": 1e9})
    >>> user.user_id, user.groups, user.custom["tenant"]
    ('42', ('admins',), 'acme')
    """

    #: Every claim of the token, read-only.
    claims: Mapping[str, Any]
    #: The value of the configured user id claim (``sub`` unless configured otherwise).
    user_id: str

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any], user_id_claim: str = "sub") -> CognitoUser:
        """Wrap verified ``claims``; ``user_id_claim`` names the claim of :attr:`user_id`."""
        # Deeply frozen: one user object serves every request with the same token.
        return cls._from_frozen(
            FrozenDict({name: freeze(value) for name, value in claims.items()}), user_id_claim
        )

    @classmethod
    def _from_frozen(
        cls, claims: FrozenDict, user_id_claim: str, claim: str | None = None
    ) -> CognitoUser:
        """Wrap ``claims`` that are already deeply read-only, as the token parser makes them.

        :meta private:
        :param claim: the claim of the user id when the caller resolved it already.
        """
        if claim is None:
            claim = resolve_user_id_claim(user_id_claim, claims.get("token_use"))
        # The dataclass's own __init__: its instances share their attribute names, which a
        # faster __dict__.update would not (about 150 bytes more per cached user).
        return cls(claims=MappingProxyType(claims), user_id=str(claims.get(claim, "")))

    def __repr__(self) -> str:
        # Only the user id: claim values such as emails stay out of logs.
        return f"<CognitoUser {self.user_id!r} token_use={self.token_use!r}>"

    @property
    def sub(self) -> str | None:
        """The user's immutable Cognito id (``sub``)."""
        return self.claims.get("sub")

    @property
    def username(self) -> str | None:
        """The Cognito username (``cognito:username`` in ID tokens, else ``username``)."""
        value = self.claims.get(username_claim(self.token_use))
        return value if isinstance(value, str) else None

    @property
    def email(self) -> str | None:
        """The ``email`` claim (ID tokens only)."""
        return self.claims.get("email")

    @property
    def email_verified(self) -> bool:
        """Whether ``email_verified`` is true (Cognito and emulators also send ``"true"``)."""
        value = self.claims.get("email_verified")
        return value is True or (isinstance(value, str) and value.lower() == "true")

    @property
    def groups(self) -> tuple[str, ...]:
        """The user's groups (``cognito:groups``), empty when none."""
        return tuple(self.claims.get("cognito:groups", ()))

    @property
    def scopes(self) -> tuple[str, ...]:
        """The OAuth scopes (``scope``, access tokens), empty when none."""
        return tuple(self.claims.get("scope", "").split())

    @property
    def token_use(self) -> str:
        """``"id"`` or ``"access"``; ``"alb"`` for the user of an ALB data token."""
        return str(self.claims.get("token_use", ""))

    @property
    def client_id(self) -> str | None:
        """The app client the token was issued to (``aud`` or ``client_id``)."""
        value = self.claims.get("aud") if self.token_use == "id" else self.claims.get("client_id")
        if isinstance(value, (list, tuple)):
            return value[0] if value else None
        return value

    @property
    def custom(self) -> Mapping[str, Any]:
        """``custom:`` attributes, prefix removed: ``custom:tenant`` is ``custom["tenant"]``."""
        return MappingProxyType(
            {
                name[len(CUSTOM_PREFIX) :]: value
                for name, value in self.claims.items()
                if name.startswith(CUSTOM_PREFIX)
            }
        )

    @property
    def issuer(self) -> str:
        """The pool that issued the token (``iss``)."""
        return str(self.claims.get("iss", ""))

    @property
    def issued_at(self) -> datetime | None:
        """``iat`` as an aware UTC datetime."""
        return _timestamp(self.claims.get("iat"))

    @property
    def expires_at(self) -> datetime | None:
        """``exp`` as an aware UTC datetime."""
        return _timestamp(self.claims.get("exp"))

    @property
    def auth_time(self) -> datetime | None:
        """``auth_time`` (when the user signed in) as an aware UTC datetime."""
        return _timestamp(self.claims.get("auth_time"))


def _timestamp(value: object) -> datetime | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (ValueError, OverflowError, OSError):  # beyond what a datetime can hold
            return None
    return None
