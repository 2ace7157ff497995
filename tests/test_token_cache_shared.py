"""The verified-token LRU that the bearer-token and ALB verifiers share (token_cache.py)."""

from __future__ import annotations

from flask_revstack_cognito.token_cache import TokenCache
from flask_revstack_cognito.verifier import entry_bytes


def test_each_owner_counts_its_own_bytes() -> None:
    by_length = TokenCache[str](8, 1000, cost=len)
    by_estimate = TokenCache[str](8, 10**6, cost=entry_bytes)
    for cache in (by_length, by_estimate):
        cache.put("a" * 100, "user")
    assert by_length.bytes == 100
    assert by_estimate.bytes == entry_bytes("a" * 100)


def test_a_token_over_the_whole_budget_is_not_kept_and_evicts_nothing() -> None:
    cache = TokenCache[str](8, 100, cost=len)
    cache.put("small", "kept")
    cache.put("x" * 101, "too large")
    assert cache.get("x" * 101) is None
    assert cache.get("small") == "kept"
    assert cache.bytes == len("small")


def test_the_least_recently_used_leaves_first_when_the_budget_is_spent() -> None:
    cache = TokenCache[str](8, 30, cost=len)
    for name in ("first-token", "other-token"):
        cache.put(name, name)
    assert cache.get("first-token") == "first-token"  # now the most recently used
    cache.put("third-token", "third-token")
    assert cache.get("other-token") is None
    assert len(cache) == 2
    assert cache.bytes == 22


def test_a_size_of_zero_disables_the_cache() -> None:
    cache = TokenCache[str](0, 1000, cost=len)
    cache.put("token", "user")
    assert cache.get("token") is None
    assert len(cache) == 0


def test_the_repr_counts_entries_and_bytes() -> None:
    cache = TokenCache[str](4, 1000, cost=len)
    cache.put("token", "user")
    assert repr(cache) == "<TokenCache 1 of 4 entries, 5 bytes>"
