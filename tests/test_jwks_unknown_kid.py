"""Unknown kids, TTL and rotation, also through the verifier (SPEC section 6, section 4 step 5)."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import pytest
from conftest import FakeClock
from jwks_helpers import COOLDOWN, OPTIONS, TTL, modulus, no_jitter

from flask_revstack_cognito import JWKSUnavailableError, TokenVerifier, UnknownKeyError
from flask_revstack_cognito.jwks import JWKSCache
from flask_revstack_cognito.testing import JWKSServer, LocalUserPool

pytestmark = pytest.mark.usefixtures("direct_loopback")


# -- unknown kids, TTL, rotation ------------------------------------------------------------


def test_unknown_kid_flood_costs_at_most_one_fetch_per_cooldown(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    cache = JWKSCache(server.url, OPTIONS, clock=clock, jitter=no_jitter)

    def flood() -> None:
        for _ in range(50):
            with pytest.raises(UnknownKeyError) as caught:
                cache.get_key(secrets.token_urlsafe(16))
            assert caught.value.code == "UNKNOWN_KEY"
            assert caught.value.status == 401
        assert cache.get_key(pool.kid) is not None  # the real key keeps working

    flood()  # cold: the first miss fetches, then the cooldown holds
    assert cache.fetch_count == server.request_count == 1
    clock.advance(COOLDOWN)
    flood()
    assert cache.fetch_count == server.request_count == 2
    clock.advance(COOLDOWN - 1)
    flood()
    assert cache.fetch_count == server.request_count == 2
    clock.advance(1)
    flood()
    assert cache.fetch_count == server.request_count == 3


@pytest.mark.parametrize(
    ("jitter", "effective_ttl"),
    [(0.0, TTL), (0.5, TTL * 0.95), (1.0, TTL * 0.9)],
    ids=["no-jitter", "half-jitter", "full-jitter-10-percent"],
)
def test_ttl_expiry_refetches_exactly_once(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock, jitter: float, effective_ttl: float
) -> None:
    cache = JWKSCache(server.url, OPTIONS, clock=clock, jitter=lambda: jitter)
    old_kid = pool.kid
    cache.get_key(old_kid)
    new_kid = pool.rotate_key(keep_old=True)  # only a refetch can reveal the new key

    clock.advance(effective_ttl - 1)
    cache.get_key(old_kid)  # still trusted: no refetch
    assert cache.fetch_count == server.request_count == 1
    assert not cache.holds(new_kid)

    clock.advance(1)
    cache.get_key(old_kid)  # a held kid: only the TTL can cause this fetch
    assert cache.fetch_count == server.request_count == 2
    assert cache.holds(new_kid)

    clock.advance(effective_ttl - 1)
    cache.get_key(new_kid)
    assert cache.fetch_count == server.request_count == 2


@pytest.mark.parametrize("keep_old", [True, False], ids=["keep-old", "drop-old"])
def test_rotated_key_found_after_one_refetch(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock, keep_old: bool
) -> None:
    cache = JWKSCache(server.url, OPTIONS, clock=clock, jitter=no_jitter)
    old_kid = pool.kid
    old_modulus = modulus(pool.signing_key)
    cache.get_key(old_kid)
    new_kid = pool.rotate_key(keep_old=keep_old)

    # The first fetch found the kid it was for: it does not delay the new kid.
    assert modulus(cache.get_key(new_kid)) == modulus(pool.signing_key)
    assert cache.fetch_count == server.request_count == 2

    if keep_old:
        assert modulus(cache.get_key(old_kid)) == old_modulus
        assert cache.key_ids == (old_kid, new_kid)
    else:
        assert not cache.holds(old_kid)
        with pytest.raises(UnknownKeyError):
            cache.get_key(old_kid)
        assert cache.key_ids == (new_kid,)
    assert cache.fetch_count == server.request_count == 2


# -- through the verifier (SPEC section 4 step 5) -------------------------------------------


def test_verifier_unknown_kid_in_a_fetched_jwks_is_unknown_key_401(
    cognito_pool: LocalUserPool,
) -> None:
    verifier = TokenVerifier(cognito_pool.contract())
    foreign = LocalUserPool()

    for token in (
        cognito_pool.id_token(header={"kid": "not-in-the-jwks"}),
        cognito_pool.id_token(key=foreign.signing_key),
    ):
        with pytest.raises(UnknownKeyError) as caught:
            verifier.verify(token)
        assert (caught.value.code, caught.value.status) == ("UNKNOWN_KEY", 401)

    assert verifier.verify(cognito_pool.id_token(sub="u-1")).user_id == "u-1"
    (source,) = verifier.key_sources.values()
    assert source.fetch_count == 1


def test_verifier_unknown_kid_with_the_in_process_fetcher_is_unknown_key(
    make_verifier: Callable[..., TokenVerifier], pool: LocalUserPool
) -> None:
    verifier = make_verifier()
    with pytest.raises(UnknownKeyError):
        verifier.verify(pool.id_token(header={"kid": "not-in-the-jwks"}))
    assert pool.fetch_count == 1


def test_verifier_unreachable_jwks_without_keys_is_network_error_503(
    pool: LocalUserPool, clock: FakeClock, refused_url: str
) -> None:
    verifier = TokenVerifier(pool.contract(jwks_uri=refused_url), clock=clock, jitter=no_jitter)

    for token in (pool.id_token(), pool.id_token(header={"kid": "not-in-the-jwks"})):
        with pytest.raises(JWKSUnavailableError) as caught:
            verifier.verify(token)
        assert (caught.value.code, caught.value.status) == ("NETWORK_ERROR", 503)
        assert caught.value.retry_after >= 1


def test_verifier_follows_rotation_and_drops_tokens_of_removed_keys(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    verifier = TokenVerifier(pool.contract(), jwks_options=OPTIONS, clock=clock, jitter=no_jitter)
    old_token = pool.id_token(sub="old")
    assert verifier.verify(old_token).user_id == "old"

    pool.rotate_key(keep_old=False)
    new_token = pool.id_token(sub="new")
    assert verifier.verify(new_token).user_id == "new"  # at once: no unknown kid came before
    assert server.request_count == 2
    with pytest.raises(UnknownKeyError):  # its cached verification left with its key
        verifier.verify(old_token)
    assert server.request_count == 2
