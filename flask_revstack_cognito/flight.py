"""Single flight: one fetch in progress, shared by every caller that needs what it brings.

The key caches (the pool's JWKS, the ALB's keys) run at most one fetch at a time: a caller that
finds one in flight waits for it instead of starting another (SPEC sections 6 and 12). The
owner decides, under its own lock, whether to start a flight or join the one in progress; a
flight holds no lock of its own.
"""

from __future__ import annotations

import threading


class Flight:
    """One fetch in progress: its leader runs it and calls :meth:`finish`, the others wait.

    >>> flight = Flight()
    >>> flight.succeeded
    False
    >>> flight.finish()
    >>> flight.wait(fetch_timeout=3.0), flight.succeeded
    (True, True)
    """

    __slots__ = ("done", "error")

    def __init__(self) -> None:
        #: Set when the fetch is over, however it ended.
        self.done = threading.Event()
        #: Why the fetch failed, set by the leader before :meth:`finish`; ``None`` otherwise.
        self.error: Exception | None = None

    def __repr__(self) -> str:
        state = "in flight" if not self.done.is_set() else "failed" if self.error else "landed"
        return f"<Flight {state}>"

    def finish(self) -> None:
        """End the flight and wake every caller waiting for it (the leader, exactly once)."""
        self.done.set()

    def wait(self, fetch_timeout: float) -> bool:
        """Wait for the flight to end; return whether it did.

        :param fetch_timeout: seconds the leader's fetch may take. The leader gives up after
            it; waiting twice as long plus a second covers the parsing and a busy CPU, and
            never hangs a caller on a leader that is stuck.
        """
        return self.done.wait(2 * fetch_timeout + 1)

    @property
    def succeeded(self) -> bool:
        """Whether the flight has ended without an error."""
        return self.done.is_set() and self.error is None
