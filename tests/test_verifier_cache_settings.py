"""What a ``TokenVerifier`` gives its caches: the documented default sizes, and its jitter."""

from __future__ import annotations

from conftest import FakeClock

from flask_revstack_cognito import JWKSOptions, TokenVerifier
from flask_revstack_cognito.testing import LocalUserPool


def test_the_token_cache_defaults_to_1024_entries_and_64_mib(pool: LocalUserPool) -> None:
    cache = TokenVerifier(pool.contract(), fetcher=pool.fetcher)._token_cache
    assert cache._size == 1024
    assert cache.max_bytes == 64 * 1024 * 1024


def test_the_jitter_shortens_the_key_caches_ttl(pool: LocalUserPool, clock: FakeClock) -> None:
    draws: list[float] = []

    def jitter() -> float:
        draws.append(0.5)
        return 0.5  # the TTL of 100 s is shortened by 5%

    verifier = TokenVerifier(
        pool.contract(),
        fetcher=pool.fetcher,
        clock=clock,
        jitter=jitter,
        jwks_options=JWKSOptions(ttl=100.0),
    )
    verifier.verify(pool.id_token(sub="first"))
    assert (pool.fetch_count, draws) == (1, [0.5])
    clock.advance(94.9)
    verifier.verify(pool.id_token(sub="before"))
    assert pool.fetch_count == 1
    clock.advance(0.2)
    verifier.verify(pool.id_token(sub="after"))
    assert pool.fetch_count == 2
