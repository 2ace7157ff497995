"""The ALB key cache: one PEM file per ``kid``, fetched once, bounded by the cooldown.

Keys come from the test kit's :class:`AlbKeyServer` on 127.0.0.1 over real HTTP; its request
count is what each test counts. Time is a :class:`FakeClock`.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from alb_helpers import COOLDOWN
from conftest import FakeClock, closed_port_url
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from flask_revstack_cognito import CognitoAuthError
from flask_revstack_cognito.alb_keys import ALB_KEY_CACHE_SIZE, AlbKeyCache
from flask_revstack_cognito.errors import JWKSUnavailableError
from flask_revstack_cognito.testing import AlbKeyServer, LocalLoadBalancer


def code_of(cache: AlbKeyCache, kid: str) -> str:
    with pytest.raises(CognitoAuthError) as caught:
        cache.get_key(kid)
    return caught.value.code


def random_kid() -> str:
    return str(uuid.uuid4())


def test_a_key_is_fetched_once_per_kid(
    alb: LocalLoadBalancer, key_cache: AlbKeyCache, key_server: AlbKeyServer
) -> None:
    first = key_cache.get_key(alb.kid)
    assert key_cache.get_key(alb.kid) is first
    assert key_server.paths == [f"/{alb.kid}"]
    assert key_cache.key_ids == (alb.kid,)
    assert alb.kid in repr(key_cache.key_ids)
    assert "1 keys" in repr(key_cache)


def test_a_404_is_an_unknown_key(key_cache: AlbKeyCache, key_server: AlbKeyServer) -> None:
    assert code_of(key_cache, random_kid()) == "UNKNOWN_KEY"
    assert key_server.request_count == 1


def test_a_403_is_an_unknown_key_too(key_cache: AlbKeyCache, key_server: AlbKeyServer) -> None:
    # S3, which serves GovCloud's keys, answers 403 for a file that does not exist.
    key_server.fail_with(403, b"<Error><Code>AccessDenied</Code></Error>")
    assert code_of(key_cache, random_kid()) == "UNKNOWN_KEY"


def test_a_flood_of_random_kids_costs_one_fetch_per_cooldown(
    alb: LocalLoadBalancer, key_cache: AlbKeyCache, key_server: AlbKeyServer, clock: FakeClock
) -> None:
    codes = {code_of(key_cache, random_kid()) for _ in range(50)}
    assert codes == {"UNKNOWN_KEY"}
    assert key_server.request_count == 1
    clock.advance(COOLDOWN - 0.5)
    assert code_of(key_cache, random_kid()) == "UNKNOWN_KEY"
    assert key_server.request_count == 1
    clock.advance(1)
    assert code_of(key_cache, random_kid()) == "UNKNOWN_KEY"
    assert key_server.request_count == 2


def test_a_concurrent_flood_costs_one_fetch(
    key_cache: AlbKeyCache, key_server: AlbKeyServer
) -> None:
    codes: list[str] = []
    start = threading.Barrier(8)

    def flood() -> None:
        start.wait()
        for _ in range(5):
            codes.append(code_of(key_cache, random_kid()))

    threads = [threading.Thread(target=flood) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(codes) == {"UNKNOWN_KEY"}
    assert len(codes) == 40
    assert key_server.request_count == 1


def test_held_keys_keep_verifying_during_the_cooldown(
    alb: LocalLoadBalancer, key_cache: AlbKeyCache, key_server: AlbKeyServer
) -> None:
    key = key_cache.get_key(alb.kid)
    assert code_of(key_cache, random_kid()) == "UNKNOWN_KEY"
    assert key_cache.get_key(alb.kid) is key
    assert key_server.request_count == 2


def test_a_found_key_starts_no_cooldown(
    alb: LocalLoadBalancer, key_cache: AlbKeyCache, key_server: AlbKeyServer
) -> None:
    key_cache.get_key(alb.kid)
    new_kid = alb.rotate_key()
    key_cache.get_key(new_kid)  # at once, on the same fake instant
    assert key_server.request_count == 2


def test_an_unknown_kid_delays_a_new_key_until_the_cooldown_ends(
    alb: LocalLoadBalancer, key_cache: AlbKeyCache, clock: FakeClock
) -> None:
    assert code_of(key_cache, random_kid()) == "UNKNOWN_KEY"
    new_kid = alb.rotate_key()
    assert code_of(key_cache, new_kid) == "UNKNOWN_KEY"
    clock.advance(COOLDOWN)
    assert isinstance(key_cache.get_key(new_kid), ec.EllipticCurvePublicKey)


def test_concurrent_misses_of_one_kid_share_one_fetch(
    alb: LocalLoadBalancer, key_cache: AlbKeyCache, key_server: AlbKeyServer
) -> None:
    key_server.fail_with(200, alb.pem(alb.kid) or b"", delay=0.2)
    start = threading.Barrier(6)
    keys: list[ec.EllipticCurvePublicKey] = []

    def fetch() -> None:
        start.wait()
        keys.append(key_cache.get_key(alb.kid))

    threads = [threading.Thread(target=fetch) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 6
    assert all(key is keys[0] for key in keys)
    assert key_server.request_count == 1


def test_the_cache_is_bounded(
    alb: LocalLoadBalancer, key_cache: AlbKeyCache, key_server: AlbKeyServer
) -> None:
    first = alb.kid
    key_cache.get_key(first)
    for _ in range(ALB_KEY_CACHE_SIZE):
        key_cache.get_key(alb.rotate_key())
    assert len(key_cache.key_ids) == ALB_KEY_CACHE_SIZE
    assert first not in key_cache.key_ids
    key_cache.get_key(first)
    assert key_server.request_count == ALB_KEY_CACHE_SIZE + 2


def test_a_used_key_stays_while_others_leave(
    alb: LocalLoadBalancer, key_cache: AlbKeyCache
) -> None:
    first = alb.kid
    key_cache.get_key(first)
    for _ in range(ALB_KEY_CACHE_SIZE):
        key_cache.get_key(alb.rotate_key())
        key_cache.get_key(first)  # the most recently used: never the one to leave
    assert first in key_cache.key_ids


# -- bodies that are not an EC P-256 public key, and no answer at all ----------------------------


def rsa_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def p384_pem() -> bytes:
    key = ec.generate_private_key(ec.SECP384R1())
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def test_an_html_answer_is_a_failed_fetch(
    alb: LocalLoadBalancer,
    key_cache: AlbKeyCache,
    key_server: AlbKeyServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    key_server.answer_html()
    with pytest.raises(JWKSUnavailableError) as caught:
        key_cache.get_key(alb.kid)
    assert caught.value.status == 503
    assert caught.value.retry_after == COOLDOWN
    assert "not a PEM public key" in caplog.text
    key_server.recover()
    assert code_of(key_cache, alb.kid) == "NETWORK_ERROR"  # during the cooldown: no refetch
    assert key_server.request_count == 1


@pytest.mark.parametrize("body", [rsa_pem(), p384_pem(), b"", b"-----BEGIN PUBLIC KEY-----\n"])
def test_a_key_that_is_not_ec_p256_is_refused(
    body: bytes, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    kid = random_kid()
    with AlbKeyServer(lambda requested: body if requested == kid else None) as server:
        server.start()
        cache = AlbKeyCache(server.url, timeout=2.0, cooldown=COOLDOWN, clock=clock)
        assert code_of(cache, kid) == "NETWORK_ERROR"
    assert "ALB key fetch from" in caplog.text


def test_no_answer_is_a_network_error_with_retry_after(clock: FakeClock) -> None:
    failures: list[Exception] = []
    cache = AlbKeyCache(
        closed_port_url("alb").rsplit("/", 3)[0],
        timeout=2.0,
        cooldown=COOLDOWN,
        clock=clock,
        on_fetch_failed=failures.append,
    )
    with pytest.raises(JWKSUnavailableError) as caught:
        cache.get_key(random_kid())
    assert caught.value.retry_after == COOLDOWN
    assert len(failures) == 1
    clock.advance(COOLDOWN - 3)
    with pytest.raises(JWKSUnavailableError) as again:
        cache.get_key(random_kid())
    assert again.value.retry_after == 3
    assert cache.fetch_count == 1


def test_a_server_error_is_a_network_error(
    alb: LocalLoadBalancer, key_cache: AlbKeyCache, key_server: AlbKeyServer, clock: FakeClock
) -> None:
    key_server.fail_with(500)
    assert code_of(key_cache, alb.kid) == "NETWORK_ERROR"
    key_server.recover()
    clock.advance(COOLDOWN)
    assert isinstance(key_cache.get_key(alb.kid), ec.EllipticCurvePublicKey)


def test_listeners_hear_fetches_and_failures_and_cannot_fail_them(
    alb: LocalLoadBalancer, key_server: AlbKeyServer, clock: FakeClock
) -> None:
    fetched: list[str] = []

    def broken(error: Exception) -> None:
        raise RuntimeError("listener bug")

    cache = AlbKeyCache(
        key_server.url, clock=clock, on_fetched=fetched.append, on_fetch_failed=broken
    )
    cache.get_key(alb.kid)
    assert fetched == [alb.kid]
    key_server.fail_with(500)
    assert code_of(cache, alb.rotate_key()) == "NETWORK_ERROR"


def test_a_waiter_gives_up_after_twice_the_timeout(
    alb: LocalLoadBalancer, key_server: AlbKeyServer, clock: FakeClock
) -> None:
    # A fetcher that never answers holds the flight; a second caller stops waiting for it.
    release = threading.Event()

    def stuck(url: str, *, timeout: float, max_bytes: int) -> bytes:
        release.wait()
        return b""

    cache = AlbKeyCache(key_server.url, timeout=0.05, clock=clock, fetcher=stuck)
    leader = threading.Thread(target=lambda: code_of(cache, alb.kid))
    leader.start()
    while cache.fetch_count == 0:
        threading.Event().wait(0.01)
    try:
        assert code_of(cache, alb.kid) == "NETWORK_ERROR"
    finally:
        release.set()
        leader.join()
