"""The Revstack-shaped result of :meth:`flask_revstack_cognito.CognitoAuth.validate`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .errors import CognitoAuthError
from .user import CognitoUser

_NO_CLAIMS: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class AuthSession:
    """The outcome of validating a token, never an exception: Revstack's session shape.

    >>> AuthSession.failed(CognitoAuthError()).error_code
    'UNKNOWN_ERROR'
    """

    #: Whether the token passed every check.
    is_valid: bool
    #: The user id (``sub`` unless configured otherwise), or ``None`` when invalid.
    user_id: str | None = None
    #: The verified claims (empty when invalid).
    claims: Mapping[str, Any] = field(default_factory=lambda: _NO_CLAIMS)
    #: The client-safe reason the token was refused, or ``None``.
    error: str | None = None
    #: The error code (SPEC section 5), or ``None``.
    error_code: str | None = None
    #: The verified user, or ``None``.
    user: CognitoUser | None = None

    @classmethod
    def verified(cls, user: CognitoUser) -> AuthSession:
        """The session of a verified ``user``."""
        return cls(is_valid=True, user_id=user.user_id, claims=user.claims, user=user)

    @classmethod
    def failed(cls, error: CognitoAuthError) -> AuthSession:
        """The session of a refused token."""
        return cls(is_valid=False, error=error.message, error_code=error.code)
