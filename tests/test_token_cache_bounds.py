"""The verified-token cache: bounded in entries and bytes, and bound to its key's lifetime.

A cached token is not trusted blindly: each hit asks the key cache for the token's key, so the
keys' TTL is honoured (a refresh runs even when every token is cached), a withdrawn key fails its
cached tokens, and a key id reused for other key material makes the signature count again.
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from collections.abc import Iterator

import pytest
from conftest import FakeClock
from verification_helpers import CountingRS256

from flask_revstack_cognito import JWKSOptions, TokenVerifier
from flask_revstack_cognito.errors import (
    AudienceMismatchError,
    InvalidSignatureError,
    TokenUseMismatchError,
    UnknownKeyError,
)
from flask_revstack_cognito.testing import JWKSServer, LocalUserPool
from flask_revstack_cognito.verifier import TOKEN_CACHE_MAX_BYTES, entry_bytes

HOUR = 3600


@pytest.fixture
def served(pool: LocalUserPool) -> Iterator[JWKSServer]:
    with pool.serve() as server:
        yield server


def http_verifier(pool: LocalUserPool, clock: FakeClock, ttl: float) -> TokenVerifier:
    """A verifier fetching ``pool``'s JWKS over loopback HTTP, on the fake clock."""
    return TokenVerifier(
        pool.contract(),
        clock=clock,
        jitter=lambda: 0.0,
        jwks_options=JWKSOptions(ttl=ttl, timeout=5.0),
    )


# -- a cache hit honours the key cache (SPEC section 6) -----------------------------------------


def test_a_cached_token_triggers_the_ttl_refresh(
    pool: LocalUserPool, clock: FakeClock, served: JWKSServer, counting: CountingRS256
) -> None:
    verifier = http_verifier(pool, clock, ttl=HOUR)
    token = pool.id_token(expires_in=24 * HOUR)
    verifier.verify(token)
    assert served.request_count == 1
    clock.advance(2 * HOUR)
    assert verifier.verify(token).user_id == pool.claims()["sub"]
    assert served.request_count == 2  # the hit found the keys expired and refreshed them
    assert counting.calls == 1  # the same key came back: the cached verdict still holds
    entry = verifier._token_cache.get(token)
    assert entry is not None
    assert entry.key is verifier.key_sources[pool.issuer].get_key(pool.kid)  # bound anew
    clock.advance(10)
    verifier.verify(token)
    assert served.request_count == 2
    assert counting.calls == 1


def test_a_cached_token_is_refused_at_2h_once_its_key_was_withdrawn(
    pool: LocalUserPool, clock: FakeClock, served: JWKSServer
) -> None:
    verifier = http_verifier(pool, clock, ttl=HOUR)
    token = pool.id_token(expires_in=24 * HOUR)
    verifier.verify(token)
    assert len(verifier._token_cache) == 1
    pool.rotate_key(keep_old=False)
    clock.advance(2 * HOUR)
    with pytest.raises(UnknownKeyError) as caught:
        verifier.verify(token)
    assert caught.value.code == "UNKNOWN_KEY"
    assert served.request_count == 2
    assert len(verifier._token_cache) == 0  # the entry is dropped
    with pytest.raises(UnknownKeyError):  # and again, as for any token of that key
        verifier.verify(token)
    assert verifier.verify(pool.id_token(sub="new")).user_id == "new"


def test_a_kid_reused_for_other_key_material_makes_cached_tokens_check_again(
    pool: LocalUserPool, clock: FakeClock, counting: CountingRS256
) -> None:
    impostor = LocalUserPool(clock=clock)
    documents = [pool.jwks()]

    def document() -> bytes:
        return json.dumps(documents[-1]).encode()

    with JWKSServer(document, pool.user_pool_id).start() as server:
        verifier = TokenVerifier(
            pool.contract(jwks_uri=server.url),
            clock=clock,
            jitter=lambda: 0.0,
            jwks_options=JWKSOptions(ttl=HOUR, timeout=5.0),
        )
        token = pool.id_token(expires_in=24 * HOUR)
        verifier.verify(token)
        other_key = dict(impostor.jwks()["keys"][0], kid=pool.kid)
        documents.append({"keys": [other_key]})
        clock.advance(2 * HOUR)
        with pytest.raises(InvalidSignatureError):
            verifier.verify(token)
        assert server.request_count == 2
        assert counting.calls == 2
        assert len(verifier._token_cache) == 0  # the verdict of the old key is dropped


# -- the byte budget ----------------------------------------------------------------------------


def large_token(pool: LocalUserPool, number: int, size: int = 8000) -> str:
    return pool.id_token(sub=f"user-{number}", custom={"pad": "x" * size})


def test_large_tokens_stay_within_the_byte_budget(
    pool: LocalUserPool, clock: FakeClock, counting: CountingRS256
) -> None:
    tokens = [large_token(pool, number) for number in range(12)]
    budget = 3 * entry_bytes(tokens[0]) + 100
    verifier = TokenVerifier(
        pool.contract(), fetcher=pool.fetcher, clock=clock, token_cache_max_bytes=budget
    )
    for token in tokens:
        verifier.verify(token)
        cache = verifier._token_cache
        assert cache.bytes <= budget
        assert len(cache) <= 3
    assert len(verifier._token_cache) == 3
    assert verifier._token_cache.bytes == sum(entry_bytes(token) for token in tokens[-3:])
    verifier.verify(tokens[-1])  # the most recent ones are held
    assert counting.calls == 12
    verifier.verify(tokens[0])  # the oldest left
    assert counting.calls == 13


def test_the_entry_count_bounds_small_tokens(pool: LocalUserPool, clock: FakeClock) -> None:
    verifier = TokenVerifier(
        pool.contract(), fetcher=pool.fetcher, clock=clock, token_cache_size=5
    )
    for number in range(8):
        verifier.verify(pool.id_token(sub=f"user-{number}"))
    assert len(verifier._token_cache) == 5
    assert verifier._token_cache.bytes < TOKEN_CACHE_MAX_BYTES


def test_a_budget_the_tokens_fill_exactly_holds_them_all(
    pool: LocalUserPool, clock: FakeClock, counting: CountingRS256
) -> None:
    tokens = [large_token(pool, number) for number in range(2)]
    assert entry_bytes(tokens[0]) == entry_bytes(tokens[1])
    for budget, held in ((entry_bytes(tokens[0]), 1), (2 * entry_bytes(tokens[0]), 2)):
        verifier = TokenVerifier(
            pool.contract(), fetcher=pool.fetcher, clock=clock, token_cache_max_bytes=budget
        )
        for token in tokens:
            verifier.verify(token)
        assert len(verifier._token_cache) == held
        assert verifier._token_cache.bytes == budget
    verifier.verify(tokens[0])  # the budget of two holds both: no second signature check
    assert counting.calls == 4


def test_a_token_larger_than_the_budget_is_not_cached(
    pool: LocalUserPool, clock: FakeClock, counting: CountingRS256
) -> None:
    token = large_token(pool, 1)
    verifier = TokenVerifier(
        pool.contract(),
        fetcher=pool.fetcher,
        clock=clock,
        token_cache_max_bytes=entry_bytes(token) - 1,
    )
    verifier.verify(token)
    verifier.verify(token)
    assert counting.calls == 2
    assert len(verifier._token_cache) == 0
    assert verifier._token_cache.bytes == 0


def test_the_counted_bytes_bound_the_memory_really_held(
    pool: LocalUserPool, clock: FakeClock
) -> None:
    """:func:`entry_bytes` must not under-count what an entry really costs."""
    for size in (0, 6000):
        tokens = [large_token(pool, number, size) for number in range(150)]
        verifier = TokenVerifier(pool.contract(), fetcher=pool.fetcher, clock=clock)
        verifier.prefetch()
        verifier.verify(large_token(pool, -1, size))  # warm up the first-call allocations
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for token in tokens:
                verifier.verify(token)
            gc.collect()
            held = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        # The token strings were made before tracing began: count them as held too.
        held += sum(len(token) + 49 for token in tokens)
        assert held <= sum(entry_bytes(token) for token in tokens)


# -- the cache's own bookkeeping under races ----------------------------------------------------


def test_racing_puts_keep_the_first_entry(verifier: TokenVerifier, pool: LocalUserPool) -> None:
    token = pool.id_token()
    cache = verifier._token_cache
    first, second = verifier._verify_signature(token), verifier._verify_signature(token)
    cache.put(token, first)
    cache.put(token, second)  # another thread verified the same token meanwhile
    assert cache.get(token) is first
    assert cache.bytes == entry_bytes(token)


def test_replace_and_discard_leave_other_entries_alone(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    token = pool.id_token()
    cache = verifier._token_cache
    first, second = verifier._verify_signature(token), verifier._verify_signature(token)
    cache.replace(token, first)  # not cached (evicted meanwhile): stays out
    assert cache.get(token) is None
    cache.put(token, first)
    cache.replace(token, second)
    cache.discard(token, first)  # another thread replaced it: the newer entry stays
    assert cache.get(token) is second
    assert cache.bytes == entry_bytes(token)
    cache.discard(token, second)
    assert cache.get(token) is None
    assert cache.bytes == 0


# -- token_use must be one of the allowed values ------------------------------------------------


@pytest.mark.parametrize("token_use", ["ID", "bogus", "", "Access", " id"])
def test_an_unknown_token_use_is_a_value_error_naming_the_allowed_values(
    verifier: TokenVerifier, pool: LocalUserPool, token_use: str
) -> None:
    token = pool.id_token()
    with pytest.raises(ValueError, match=r"token_use must be one of \('id', 'access', 'any'\)"):
        verifier.verify(token, token_use=token_use)
    verifier.verify(token)  # a cached token changes nothing
    with pytest.raises(ValueError, match=repr(token_use)):
        verifier.verify(token, token_use=token_use)


def test_none_means_the_contracts_token_use(pool: LocalUserPool, clock: FakeClock) -> None:
    verifier = TokenVerifier(pool.contract(token_use="access"), fetcher=pool.fetcher, clock=clock)
    assert verifier.verify(pool.access_token(), token_use=None).token_use == "access"
    with pytest.raises(TokenUseMismatchError):
        verifier.verify(pool.id_token(), token_use=None)
    assert verifier.verify(pool.id_token(), token_use="any").token_use == "id"


# -- the client check reads aud for ID tokens, never client_id ----------------------------------


def test_an_id_token_without_aud_is_refused_even_with_a_matching_client_id(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    token = pool.id_token(aud=None, client_id=pool.client_id)
    with pytest.raises(AudienceMismatchError) as caught:
        verifier.verify(token)
    assert caught.value.code == "AUDIENCE_MISMATCH"


def test_an_id_token_with_an_aud_list_matches_any_member(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    assert verifier.verify(pool.id_token(aud=["other", pool.client_id]))
    with pytest.raises(AudienceMismatchError):
        verifier.verify(pool.id_token(aud=["other", "another"]))
    with pytest.raises(AudienceMismatchError):
        verifier.verify(pool.id_token(aud=[]))
