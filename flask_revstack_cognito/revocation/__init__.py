"""Revoked tokens stay revoked: a deny-list of token ids checked on every request.

Cognito's ``RevokeToken``, ``/oauth2/revoke`` and ``GlobalSignOut`` stop tokens at Cognito's own
APIs only; :class:`RevocationFeature` refuses their ``jti`` and ``origin_jti`` here too, with a
store every worker and host shares (:class:`RedisRevocationStore`).
"""

from __future__ import annotations

from .feature import RevocationFeature as RevocationFeature
from .feature import RevocationUnavailableError as RevocationUnavailableError
from .feature import build_revocation as build_revocation
from .memory import MemoryRevocationStore as MemoryRevocationStore
from .redis_store import RedisRevocationStore as RedisRevocationStore
from .signout import GlobalSignOutError as GlobalSignOutError
from .store import RevocationStore as RevocationStore
from .store import RevocationStoreError as RevocationStoreError

__all__ = [
    "GlobalSignOutError",
    "MemoryRevocationStore",
    "RedisRevocationStore",
    "RevocationFeature",
    "RevocationStore",
    "RevocationStoreError",
    "RevocationUnavailableError",
    "build_revocation",
]
