"""The verified-token cache: an LRU of tokens that passed their checks, keyed by the whole token.

The bearer-token verifier (:mod:`.verifier`) and the ALB data-token verifier
(:mod:`.alb_tokens`) each keep one; what an entry holds, and what a hit still checks, is theirs
to decide. A hit is the hot path: one dictionary read, and a lock only to mark the entry as
recently used.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

_Entry = TypeVar("_Entry")


class TokenCache(Generic[_Entry]):
    """A thread-safe LRU of verified tokens, bounded twice: in entries and in bytes.

    The bytes a token is counted for come from ``cost``, so that large tokens cannot make a
    cache of many entries huge; a token that costs more than the whole budget is not kept.
    The least recently used tokens leave first when either bound is reached.

    :param size: entries held at most; ``0`` disables the cache.
    :param max_bytes: the budget, in the bytes ``cost`` counts.
    :param cost: the bytes a token is counted for (the verifier's estimate of the memory an
        entry holds, or the token's own length).

    >>> cache = TokenCache[str](2, 100, cost=len)
    >>> cache.put("token-a", "user a")
    >>> cache.get("token-a"), cache.get("token-b"), cache.bytes
    ('user a', None, 7)
    """

    def __init__(self, size: int, max_bytes: int, *, cost: Callable[[str], int]) -> None:
        self._size = size
        #: The budget, in the bytes ``cost`` counts.
        self.max_bytes = max_bytes
        #: Bytes counted for the entries held now.
        self.bytes = 0
        self._cost = cost
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<TokenCache {len(self._entries)} of {self._size} entries, {self.bytes} bytes>"

    def get(self, token: str) -> _Entry | None:
        """The entry held for ``token``, marked as recently used; ``None`` when none is."""
        # One C call, atomic under the GIL: a miss (every new token) takes no lock.
        entry = self._entries.get(token)
        if entry is not None:
            with self._lock:
                if token in self._entries:  # not evicted meanwhile
                    self._entries.move_to_end(token)
        return entry

    def put(self, token: str, entry: _Entry) -> None:
        """Hold ``entry`` for ``token``, unless another thread cached the token meanwhile."""
        cost = self._cost(token)
        if not self._size or cost > self.max_bytes:
            return
        with self._lock:
            if self._entries.setdefault(token, entry) is not entry:
                return  # another thread cached it meanwhile
            self.bytes += cost
            while len(self._entries) > self._size or self.bytes > self.max_bytes:
                evicted, _ = self._entries.popitem(last=False)
                self.bytes -= self._cost(evicted)

    def replace(self, token: str, entry: _Entry) -> None:
        """Hold ``entry`` for ``token`` if the token is still cached."""
        with self._lock:
            if token in self._entries:
                self._entries[token] = entry

    def discard(self, token: str, entry: _Entry) -> None:
        """Forget ``token`` if it is still cached as ``entry``."""
        with self._lock:
            if self._entries.get(token) is entry:
                del self._entries[token]
                self.bytes -= self._cost(token)

    def __len__(self) -> int:
        return len(self._entries)
