"""``Retry-After`` of the 503 when no keys can be had: never below one second (issue 13).

The ``COGNITO_JWKS_REFRESH_COOLDOWN`` setting refuses values below 1, but :class:`JWKSOptions`
of the core accepts ``refresh_cooldown=0``; a ``Retry-After: 0`` would invite a client to retry
in a busy loop.
"""

from __future__ import annotations

import pytest
from conftest import FakeClock

from flask_revstack_cognito import JWKSUnavailableError
from flask_revstack_cognito.jwks import JWKSCache, JWKSFetchError, JWKSOptions


def unreachable(url: str, *, timeout: float, max_bytes: int) -> bytes:
    raise JWKSFetchError("connection refused")


@pytest.mark.parametrize(("cooldown", "expected"), [(0, 1), (0.2, 1), (1, 1), (2.5, 3)])
def test_retry_after_is_the_cooldown_rounded_up_and_at_least_one(
    clock: FakeClock, cooldown: float, expected: int
) -> None:
    cache = JWKSCache(
        "https://example.invalid/jwks.json",
        JWKSOptions(refresh_cooldown=cooldown),
        fetcher=unreachable,
        clock=clock,
    )
    with pytest.raises(JWKSUnavailableError) as caught:
        cache.get_key("kid")
    assert caught.value.retry_after == expected
    with pytest.raises(JWKSUnavailableError) as caught:
        cache.refresh()
    assert caught.value.retry_after == expected


def test_retry_after_with_no_cooldown_stays_one_on_every_attempt(clock: FakeClock) -> None:
    calls: list[float] = []

    def counting(url: str, *, timeout: float, max_bytes: int) -> bytes:
        calls.append(clock.now)
        raise JWKSFetchError("connection refused")

    cache = JWKSCache(
        "https://example.invalid/jwks.json",
        JWKSOptions(refresh_cooldown=0),
        fetcher=counting,
        clock=clock,
    )
    for _ in range(3):
        with pytest.raises(JWKSUnavailableError) as caught:
            cache.get_key("kid")
        assert caught.value.retry_after == 1
    assert len(calls) == 3  # no cooldown: each request tries again
