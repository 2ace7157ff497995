"""(g) Memory the verifier holds after many distinct tokens went through it (tracemalloc).

The tokens are minted first, as bytes; each becomes a ``str`` only while memory is traced, as a
request's header would, so a token the cache keeps is counted and one it drops is not. The
verifier is the app's (its configured token cache size). Measured twice: once the cache has
filled (twice its size) and at the end; a bounded cache holds the same at both.
"""

from __future__ import annotations

import gc
import tracemalloc
from dataclasses import dataclass

from .apps import warm_app
from .minting import mint_in_workers
from .world import World


@dataclass(frozen=True)
class Memory:
    """What the verifier held, in bytes, after ``early_tokens`` and after ``tokens``."""

    tokens: int
    cache_size: int
    early_tokens: int
    early_bytes: int
    held_bytes: int
    token_chars: int

    @property
    def per_entry(self) -> float | None:
        """Bytes per cache entry at the end (``None`` with the cache off or nothing verified)."""
        entries = min(self.tokens, self.cache_size)
        return self.held_bytes / entries if entries else None

    @property
    def bounded(self) -> bool | None:
        """The end holds no more than 10% above the filled cache; ``None``: too few tokens."""
        if self.tokens < 2 * self.early_tokens or not self.early_tokens:
            return None
        return self.held_bytes <= self.early_bytes * 1.10 + 64 * 1024


def _traced() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def measure(world: World, count: int) -> Memory:
    """Mint ``count`` tokens in worker processes, then trace the verifier through them."""
    raw_tokens = mint_in_workers(world.pool, count)
    app, auth = warm_app(world.config(), world.warmup)
    cache_size = int(app.config["COGNITO_TOKEN_CACHE_SIZE"])
    early_at = min(2 * cache_size, count) if cache_size else min(1000, count)
    early = 0
    with app.app_context():
        tracemalloc.start()
        try:
            base = _traced()
            for number, raw in enumerate(raw_tokens, 1):
                auth.verify(raw.decode("ascii"))
                if number == early_at:
                    early = _traced() - base
            held = _traced() - base
        finally:
            tracemalloc.stop()
    chars = len(raw_tokens[0]) if raw_tokens else 0
    return Memory(count, cache_size, early_at, early, held, chars)
