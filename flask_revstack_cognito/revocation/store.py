"""What a revocation store is: a deny-list of token ids, each denied until a moment.

The request path asks a store one question per request (:meth:`RevocationStore.is_revoked`
with the token's ``jti`` and ``origin_jti``); :meth:`RevocationStore.revoke` writes. Two stores
come with the package (:class:`~.memory.MemoryRevocationStore` for one process,
:class:`~.redis_store.RedisRevocationStore` for every worker of every host); any object with
the two methods serves as a third.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable


class RevocationStoreError(Exception):
    """The store could not answer or could not write (Redis down, the memory store full).

    The request path turns it into a 503 ``NETWORK_ERROR``: a token is never accepted when
    the store cannot say that it was not revoked.
    """


@runtime_checkable
class RevocationStore(Protocol):
    """A deny-list of token ids (``jti`` and ``origin_jti`` values) shared by the app's workers.

    Implementations are thread-safe; an entry disappears by itself once its moment has passed.
    """

    def revoke(self, keys: Sequence[str], until: float) -> None:
        """Deny every id of ``keys`` until ``until`` (seconds since the epoch).

        :raises RevocationStoreError: when the denial could not be recorded.
        """

    def is_revoked(self, keys: Sequence[str]) -> bool:
        """Whether any id of ``keys`` is denied now.

        :raises RevocationStoreError: when the store cannot answer.
        """
