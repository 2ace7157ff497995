"""A cooldown: after an event, a quiet period in which it must not happen again.

The key caches use it to bound their fetches (SPEC section 6): the pool's JWKS cache after a
refetch for an unknown ``kid`` and after a failed fetch, the ALB key cache after a fetch that
found no key. It holds no lock: its owner reads and starts it under its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable


class Cooldown:
    """A quiet period of ``seconds`` from the latest :meth:`start`, on an injectable clock.

    :param seconds: how long the cooldown lasts.
    :param clock: monotonic seconds (the owner's clock, so tests drive it without sleeping).

    >>> now = [100.0]
    >>> cooldown = Cooldown(10, clock=lambda: now[0])
    >>> cooldown.active
    False
    >>> cooldown.start()
    >>> now[0] += 4
    >>> cooldown.active, cooldown.remaining
    (True, 6.0)
    """

    __slots__ = ("_clock", "_started_at", "seconds")

    def __init__(self, seconds: float, *, clock: Callable[[], float]) -> None:
        #: How long the cooldown lasts.
        self.seconds = seconds
        self._clock = clock
        self._started_at = -math.inf

    def __repr__(self) -> str:
        return f"<Cooldown {self.seconds:g} s {'active' if self.active else 'idle'}>"

    def start(self, at: float | None = None) -> None:
        """Start (or restart) the cooldown now, or at the clock reading ``at``."""
        self._started_at = self._clock() if at is None else at

    def reset(self) -> None:
        """End the cooldown now: the event may happen again at once."""
        self._started_at = -math.inf

    @property
    def active(self) -> bool:
        """Whether the cooldown is running."""
        return self._clock() - self._started_at < self.seconds

    @property
    def remaining(self) -> float:
        """Seconds until the cooldown ends; zero or less when it is not running."""
        return self._started_at + self.seconds - self._clock()
