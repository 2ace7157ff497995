"""The token cache's lock-free read: a token evicted right after it was read is no error."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from flask_revstack_cognito import TokenVerifier
from flask_revstack_cognito.testing import LocalUserPool


class EvictedAfterRead(OrderedDict[str, Any]):
    """Entries that another thread evicts just after each read (between the read and the lock)."""

    def get(self, key: str, default: Any = None) -> Any:
        value = super().get(key, default)
        self.pop(key, None)
        return value


def test_a_token_evicted_between_read_and_lock_is_still_verified(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    token = pool.id_token(sub="42")
    first = verifier.verify(token)
    cache = verifier._token_cache
    evicting = EvictedAfterRead(cache._entries)
    cache._entries = evicting
    # The read found the entry; it was gone when the LRU order was to be updated.
    assert verifier.verify(token) is first
    assert token not in evicting  # not put back by the LRU update
