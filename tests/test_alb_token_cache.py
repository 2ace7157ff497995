"""Verified ALB data tokens are kept: a later request with the same token checks only times."""

from __future__ import annotations

import time

import pytest
from alb_helpers import CountingKeys, make_alb_app

from flask_revstack_cognito import CognitoAuthError, alb_tokens
from flask_revstack_cognito.alb import AlbFeature
from flask_revstack_cognito.alb_keys import AlbKeyCache
from flask_revstack_cognito.alb_tokens import AlbTokenVerifier
from flask_revstack_cognito.appstate import get_extension
from flask_revstack_cognito.testing import AlbKeyServer, LocalLoadBalancer, LocalUserPool
from flask_revstack_cognito.token_cache import TokenCache


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def make(
    alb: LocalLoadBalancer, keys: CountingKeys, clock: Clock, **options: float
) -> AlbTokenVerifier:
    return AlbTokenVerifier(
        {alb.arn: keys},
        issuers=[alb.pool.issuer],
        clock=clock,
        **options,  # type: ignore[arg-type]
    )


def test_a_cached_token_is_not_verified_again(
    alb: LocalLoadBalancer, key_cache: AlbKeyCache
) -> None:
    keys = CountingKeys(key_cache)
    verifier = make(alb, keys, Clock())
    token = alb.data_token()
    first = verifier.verify(token)
    assert verifier.verify(token) is first
    assert keys.asked == 1


def test_a_cached_token_still_expires(alb: LocalLoadBalancer, key_cache: AlbKeyCache) -> None:
    clock = Clock()
    verifier = make(alb, CountingKeys(key_cache), clock)
    token = alb.data_token(expires_in=60)
    verifier.verify(token)
    clock.now += 120
    with pytest.raises(CognitoAuthError) as caught:
        verifier.verify(token)
    assert caught.value.code == "TOKEN_EXPIRED"
    lenient = make(alb, CountingKeys(key_cache), clock, leeway=300)
    assert lenient.verify(token).token_use == "alb"


def test_size_zero_disables_the_cache(alb: LocalLoadBalancer, key_cache: AlbKeyCache) -> None:
    keys = CountingKeys(key_cache)
    verifier = make(alb, keys, Clock(), cache_size=0)
    token = alb.data_token()
    verifier.verify(token)
    verifier.verify(token)
    assert keys.asked == 2


def test_the_cache_is_bounded_in_entries(alb: LocalLoadBalancer, key_cache: AlbKeyCache) -> None:
    keys = CountingKeys(key_cache)
    verifier = make(alb, keys, Clock(), cache_size=2)
    tokens = [alb.data_token(sub=f"user-{number}") for number in range(3)]
    for token in tokens:
        verifier.verify(token)
    verifier.verify(tokens[2])
    assert keys.asked == 3
    verifier.verify(tokens[0])  # the least recently used left
    assert keys.asked == 4


def test_the_cache_is_bounded_in_characters(
    alb: LocalLoadBalancer, key_cache: AlbKeyCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = alb.data_token()
    monkeypatch.setattr(alb_tokens, "ALB_TOKEN_CACHE_MAX_CHARS", len(token) + 10)
    keys = CountingKeys(key_cache)
    verifier = make(alb, keys, Clock())
    verifier.verify(token)
    verifier.verify(token)
    assert keys.asked == 1
    verifier.verify(alb.data_token(sub="someone-else"))  # both do not fit: the first leaves
    verifier.verify(token)
    assert keys.asked == 3


def test_a_token_cached_twice_keeps_the_first_entry(
    alb: LocalLoadBalancer, key_cache: AlbKeyCache
) -> None:
    cache = TokenCache[object](4, 10_000, cost=len)
    verifier = make(alb, CountingKeys(key_cache), Clock())
    token = alb.data_token()
    first = verifier._verify(token)
    cache.put(token, first)
    cache.put(token, verifier._verify(token))  # a second thread's verdict, after the first's
    assert cache.get(token) is first
    assert len(cache) == 1


def test_the_app_s_token_cache_size_applies(
    served_pool: LocalUserPool, alb: LocalLoadBalancer, key_server: AlbKeyServer
) -> None:
    app = make_alb_app(**served_pool.config(), **alb.config(), COGNITO_TOKEN_CACHE_SIZE=0)
    feature = get_extension(app)[1].feature(AlbFeature)
    assert feature is not None
    client = app.test_client()
    for _ in range(2):
        assert client.get("/me", headers={"X-Amzn-Oidc-Data": alb.data_token()}).status_code == 200
    assert len(feature.verifier._verified) == 0
