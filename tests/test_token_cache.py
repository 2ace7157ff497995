"""The verified-token cache: hits skip the signature but recheck time, use and the key."""

from __future__ import annotations

from conftest import FakeClock, MakeVerifier
from verification_helpers import CountingRS256, _flip_byte, refused, signature_of, with_segment

from flask_revstack_cognito import (
    InvalidSignatureError,
    TokenExpiredError,
    TokenUseMismatchError,
    TokenVerifier,
    UnknownKeyError,
)
from flask_revstack_cognito.testing import LocalUserPool, b64url

# -- helpers ------------------------------------------------------------------------------------


# -- step 6: signature ---------------------------------------------------------------------------


def test_bad_signature_is_not_cached(
    verifier: TokenVerifier, pool: LocalUserPool, counting: CountingRS256
) -> None:
    token = pool.id_token()
    tampered = with_segment(token, 2, b64url(_flip_byte(signature_of(token), 0)))
    refused(verifier, tampered, InvalidSignatureError, "INVALID_SIGNATURE")
    refused(verifier, tampered, InvalidSignatureError, "INVALID_SIGNATURE")
    assert counting.calls == 2


# -- the verified-token cache -------------------------------------------------------------------


def test_cache_hit_does_not_fetch_or_check_the_signature_again(
    verifier: TokenVerifier, pool: LocalUserPool, counting: CountingRS256
) -> None:
    token = pool.id_token()
    first = verifier.verify(token)
    second = verifier.verify(token)
    assert second is first
    assert counting.calls == 1
    assert pool.fetch_count == 1


def test_cache_hit_rechecks_expiry(
    verifier: TokenVerifier, pool: LocalUserPool, clock: FakeClock, counting: CountingRS256
) -> None:
    token = pool.id_token(expires_in=60)
    verifier.verify(token)
    clock.advance(60)
    refused(verifier, token, TokenExpiredError, "TOKEN_EXPIRED")
    assert counting.calls == 1
    assert pool.fetch_count == 1


def test_cache_hit_rechecks_token_use(
    verifier: TokenVerifier, pool: LocalUserPool, counting: CountingRS256
) -> None:
    token = pool.id_token()
    verifier.verify(token)
    refused(verifier, token, TokenUseMismatchError, "TOKEN_USE_MISMATCH", token_use="access")
    assert counting.calls == 1


def test_expired_token_is_not_accepted_from_the_cache_on_a_later_call(
    verifier: TokenVerifier, pool: LocalUserPool
) -> None:
    token = pool.id_token(expires_in=0)
    refused(verifier, token, TokenExpiredError, "TOKEN_EXPIRED")
    refused(verifier, token, TokenExpiredError, "TOKEN_EXPIRED")


def test_cached_token_is_refused_once_its_key_leaves_the_jwks(
    verifier: TokenVerifier, pool: LocalUserPool, counting: CountingRS256
) -> None:
    token = pool.id_token()
    verifier.verify(token)
    old_kid = pool.kid
    new_kid = pool.rotate_key(keep_old=False)
    assert verifier.prefetch() == {pool.issuer: (new_kid,)}
    refused(verifier, token, UnknownKeyError, "UNKNOWN_KEY")
    assert counting.calls == 1
    assert not verifier.key_sources[pool.issuer].holds(old_kid)
    assert verifier.verify(pool.id_token(sub="new")).user_id == "new"


def test_cached_token_stays_valid_while_its_key_is_published(
    verifier: TokenVerifier, pool: LocalUserPool, counting: CountingRS256
) -> None:
    token = pool.id_token()
    verifier.verify(token)
    pool.rotate_key(keep_old=True)
    verifier.prefetch()
    verifier.verify(token)
    assert counting.calls == 1


def test_token_cache_size_zero_disables_the_cache(
    make_verifier: MakeVerifier, pool: LocalUserPool, counting: CountingRS256
) -> None:
    verifier = make_verifier(token_cache_size=0)
    token = pool.id_token()
    verifier.verify(token)
    verifier.verify(token)
    assert counting.calls == 2
    assert len(verifier._token_cache) == 0
    assert pool.fetch_count == 1


def test_token_cache_is_a_bounded_lru(
    make_verifier: MakeVerifier, pool: LocalUserPool, counting: CountingRS256
) -> None:
    verifier = make_verifier(token_cache_size=2)
    first, second, third = (pool.id_token(sub=f"user-{n}") for n in range(3))
    verifier.verify(first)
    verifier.verify(second)
    verifier.verify(first)  # a hit makes `first` the most recently used
    assert counting.calls == 2
    verifier.verify(third)  # evicts `second`, the least recently used
    assert counting.calls == 3
    assert len(verifier._token_cache) == 2
    verifier.verify(first)
    verifier.verify(third)
    assert counting.calls == 3
    verifier.verify(second)
    assert counting.calls == 4
    assert len(verifier._token_cache) == 2
