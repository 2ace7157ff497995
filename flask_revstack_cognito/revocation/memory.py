"""A deny-list in this process's memory: for one process, tests and development."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from .store import RevocationStoreError

#: Denied ids the memory store holds at most (about 200 bytes each).
DEFAULT_MAX_ENTRIES = 100_000


class MemoryRevocationStore:
    """Denied ids in a dict of this process: ``COGNITO_REVOCATION_STORE = "memory"``.

    Other worker processes and hosts do not see its denials: use Redis when the app runs in
    more than one process. Entries expire by themselves; the store holds at most
    ``max_entries`` unexpired ids and refuses to forget one: a denial beyond that raises
    instead of evicting an earlier one.

    :param max_entries: the most ids held at once.
    :param clock: seconds since the epoch (tests pass a fake clock).
    """

    def __init__(
        self, *, max_entries: int = DEFAULT_MAX_ENTRIES, clock: Callable[[], float] = time.time
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self._clock = clock
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<MemoryRevocationStore {len(self)} of {self.max_entries} ids>"

    def __len__(self) -> int:
        """The ids held, expired ones not yet dropped included."""
        return len(self._until)

    def revoke(self, keys: Sequence[str], until: float) -> None:
        """Deny ``keys`` until ``until``; a later moment already held is kept.

        :raises RevocationStoreError: when the store is full of unexpired ids.
        """
        now = self._clock()
        if until <= now:
            return
        with self._lock:
            new = [key for key in keys if key not in self._until]
            if len(self._until) + len(new) > self.max_entries:
                self._drop_expired(now)
                if len(self._until) + len(new) > self.max_entries:
                    raise RevocationStoreError(
                        f"the memory revocation store is full ({self.max_entries} ids): "
                        "use a Redis store"
                    )
            for key in keys:
                self._until[key] = max(until, self._until.get(key, until))

    def is_revoked(self, keys: Sequence[str]) -> bool:
        """Whether an id of ``keys`` is denied now (reads take no lock)."""
        now = self._clock()
        until = self._until
        return any(until.get(key, 0.0) > now for key in keys)

    def _drop_expired(self, now: float) -> None:
        for key in [key for key, until in self._until.items() if until <= now]:
            del self._until[key]
