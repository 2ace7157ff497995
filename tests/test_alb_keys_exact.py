"""The ALB key cache: exact messages and log lines, defaults, the key URL, the LRU order.

The refusals' messages reach the client (the error response's ``message``); the log lines and
the exceptions handed to ``on_fetch_failed`` reach the operator. Keys come from the test kit's
:class:`AlbKeyServer` on 127.0.0.1 over real HTTP; time is a :class:`FakeClock`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import pytest
from conftest import FakeClock
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import Flask

from flask_revstack_cognito.alb_keys import AlbKeyCache, PEMFetcher, load_es256_key
from flask_revstack_cognito.errors import JWKSUnavailableError, UnknownKeyError
from flask_revstack_cognito.jwks import JWKSFetchError
from flask_revstack_cognito.testing import AlbKeyServer, LocalLoadBalancer

LOGGER = "flask_revstack_cognito"


def random_kid() -> str:
    return str(uuid.uuid4())


def records(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    """The level and message of each record of the package's logger."""
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == LOGGER]


def rsa_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def ec_pem(curve: ec.EllipticCurve) -> bytes:
    key = ec.generate_private_key(curve)
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


class RecordingFetcher:
    """The real PEM fetcher, recording the URL and timeout of each call."""

    def __init__(self) -> None:
        self._fetch = PEMFetcher()
        self.calls: list[tuple[str, float]] = []

    def __call__(self, url: str, *, timeout: float, max_bytes: int) -> bytes:
        self.calls.append((url, timeout))
        return self._fetch(url, timeout=timeout, max_bytes=max_bytes)


# -- load_es256_key --------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"", b"<html></html>", b"-----BEGIN PUBLIC KEY-----\n"])
def test_a_body_that_is_not_pem_says_so(body: bytes) -> None:
    with pytest.raises(JWKSFetchError) as caught:
        load_es256_key(body)
    assert str(caught.value) == "the answer is not a PEM public key"


@pytest.mark.parametrize("make", [rsa_pem, lambda: ec_pem(ec.SECP384R1())], ids=["rsa", "p384"])
def test_a_key_of_another_kind_says_so(make: Callable[[], bytes]) -> None:
    with pytest.raises(JWKSFetchError) as caught:
        load_es256_key(make())
    assert str(caught.value) == "the answer is not an EC P-256 public key"


def test_a_p256_key_loads() -> None:
    assert isinstance(load_es256_key(ec_pem(ec.SECP256R1())).curve, ec.SECP256R1)


# -- what a failed fetch tells the operator and the listener ----------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>portal</html>", "the answer is not a PEM public key"),
        (ec_pem(ec.SECP384R1()), "the answer is not an EC P-256 public key"),
    ],
    ids=["html", "p384"],
)
def test_a_bad_body_is_logged_and_heard_with_its_reason(
    clock: FakeClock, caplog: pytest.LogCaptureFixture, body: bytes, reason: str
) -> None:
    kid = random_kid()
    failures: list[Exception] = []
    with AlbKeyServer(lambda requested: body if requested == kid else None) as server:
        server.start()
        url = server.url
        cache = AlbKeyCache(url, clock=clock, on_fetch_failed=failures.append)
        with caplog.at_level(logging.INFO, logger=LOGGER), pytest.raises(JWKSUnavailableError):
            cache.get_key(kid)
    assert records(caplog) == [(logging.WARNING, f"ALB key fetch from {url} failed: {reason}")]
    [failure] = failures
    assert isinstance(failure, JWKSFetchError)
    assert str(failure) == reason


def test_a_missing_key_is_logged_at_info_with_its_kid_and_url(
    key_server: AlbKeyServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    failures: list[Exception] = []
    cache = AlbKeyCache(key_server.url, clock=clock, on_fetch_failed=failures.append)
    kid = random_kid()
    with caplog.at_level(logging.INFO, logger=LOGGER), pytest.raises(UnknownKeyError) as caught:
        cache.get_key(kid)
    assert caught.value.message == "signing key not found at the load balancer's key URL"
    assert records(caplog) == [(logging.INFO, f"ALB key {kid!r} not found at {key_server.url}")]
    assert failures == []  # not a failed fetch: the key does not exist


def test_a_kid_refused_during_the_cooldown_has_the_same_message(
    key_server: AlbKeyServer, clock: FakeClock
) -> None:
    cache = AlbKeyCache(key_server.url, clock=clock)
    with pytest.raises(UnknownKeyError):
        cache.get_key(random_kid())
    with pytest.raises(UnknownKeyError) as caught:
        cache.get_key(random_kid())
    assert caught.value.message == "signing key not found at the load balancer's key URL"
    assert key_server.request_count == 1


def test_a_server_error_is_logged_as_a_failed_fetch(
    key_server: AlbKeyServer, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    key_server.fail_with(500)
    cache = AlbKeyCache(key_server.url, clock=clock)
    with caplog.at_level(logging.INFO, logger=LOGGER), pytest.raises(JWKSUnavailableError):
        cache.get_key(random_kid())
    [(level, message)] = records(caplog)
    assert level == logging.WARNING
    assert message.startswith(f"ALB key fetch from {key_server.url} failed: ")
    assert "500" in message


def test_a_failing_listener_is_logged_with_its_exact_line(
    alb: LocalLoadBalancer,
    key_server: AlbKeyServer,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(kid: str) -> None:
        raise RuntimeError("listener bug")

    cache = AlbKeyCache(key_server.url, clock=clock, on_fetched=broken)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        assert isinstance(cache.get_key(alb.kid), ec.EllipticCurvePublicKey)
    [record] = [r for r in caplog.records if r.name == LOGGER]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "an ALB key listener raised"
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "listener bug"


# -- Retry-After during the cooldown ----------------------------------------------------------


def test_retry_after_is_the_cooldown_left_rounded_up_and_at_least_1(
    key_server: AlbKeyServer, clock: FakeClock
) -> None:
    key_server.fail_with(500)
    cache = AlbKeyCache(key_server.url, cooldown=10, clock=clock)

    def retry_after() -> int:
        with pytest.raises(JWKSUnavailableError) as caught:
            cache.get_key(random_kid())
        assert caught.value.message == "keys could not be fetched"
        return caught.value.retry_after

    assert retry_after() == 10
    clock.advance(8.5)
    assert retry_after() == 2
    clock.advance(0.7)
    assert retry_after() == 1  # 0.8 s left
    clock.advance(0.25)
    assert retry_after() == 1  # 0.05 s left
    assert key_server.request_count == 1


# -- defaults --------------------------------------------------------------------------------


def test_the_default_timeout_is_3_seconds(
    alb: LocalLoadBalancer, key_server: AlbKeyServer
) -> None:
    fetcher = RecordingFetcher()
    cache = AlbKeyCache(key_server.url, fetcher=fetcher)
    assert cache.timeout == 3.0
    cache.get_key(alb.kid)
    assert fetcher.calls == [(f"{key_server.url}/{alb.kid}", 3.0)]


def test_the_default_cooldown_is_10_seconds(
    alb: LocalLoadBalancer, key_server: AlbKeyServer, clock: FakeClock
) -> None:
    cache = AlbKeyCache(key_server.url, clock=clock)
    with pytest.raises(UnknownKeyError):
        cache.get_key(random_kid())
    clock.advance(9.9)
    new_kid = alb.rotate_key()
    with pytest.raises(UnknownKeyError):  # still in the cooldown: not fetched
        cache.get_key(new_kid)
    assert key_server.request_count == 1
    clock.advance(0.1)  # 10 s after the miss
    assert isinstance(cache.get_key(new_kid), ec.EllipticCurvePublicKey)
    assert key_server.request_count == 2


def test_fetch_count_counts_every_fetch(
    alb: LocalLoadBalancer, key_server: AlbKeyServer, clock: FakeClock
) -> None:
    cache = AlbKeyCache(key_server.url, clock=clock)
    assert cache.fetch_count == 0
    cache.get_key(alb.kid)
    cache.get_key(alb.rotate_key())
    cache.get_key(alb.rotate_key())
    assert cache.fetch_count == 3
    cache.get_key(alb.kid)  # held: no fetch
    assert cache.fetch_count == 3 == key_server.request_count


# -- the key URL -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("https://keys.example/", "https://keys.example"),
        ("https://keys.example//", "https://keys.example"),
        ("https://keys.example/alb/X/", "https://keys.example/alb/X"),
        ("https://keys.example/alb/X", "https://keys.example/alb/X"),
        ("https://keys.example/path ", "https://keys.example/path "),
    ],
)
def test_the_key_url_loses_only_its_trailing_slashes(given: str, kept: str) -> None:
    assert AlbKeyCache(given).key_url == kept


@pytest.mark.parametrize("suffix", ["/", "/X", "/X/"])
def test_a_key_is_fetched_under_the_key_url_as_given(
    alb: LocalLoadBalancer, key_server: AlbKeyServer, clock: FakeClock, suffix: str
) -> None:
    cache = AlbKeyCache(key_server.url + suffix, clock=clock)
    prefix = suffix.rstrip("/")
    if prefix:  # the test server serves keys at its root only: a 404 under a prefix
        with pytest.raises(UnknownKeyError):
            cache.get_key(alb.kid)
    else:
        assert isinstance(cache.get_key(alb.kid), ec.EllipticCurvePublicKey)
    assert key_server.paths == [f"{prefix}/{alb.kid}"]


# -- the LRU order ----------------------------------------------------------------------------


def test_a_key_used_from_the_cache_becomes_the_most_recent(
    alb: LocalLoadBalancer, key_server: AlbKeyServer, clock: FakeClock
) -> None:
    cache = AlbKeyCache(key_server.url, clock=clock)
    kids = [alb.kid] + [alb.rotate_key() for _ in range(15)]
    for kid in kids:
        cache.get_key(kid)
    assert cache.key_ids == tuple(kids)
    cache.get_key(kids[0])  # held: used, so now the most recent
    assert cache.key_ids == (*kids[1:], kids[0])
    newest = alb.rotate_key()
    cache.get_key(newest)  # the 17th key: the least recently used (kids[1]) leaves
    assert cache.key_ids == (*kids[2:], kids[0], newest)
    assert key_server.request_count == 17
    cache.get_key(kids[0])
    assert key_server.request_count == 17


# -- through an app ---------------------------------------------------------------------------


def test_an_unknown_kid_answers_the_message(alb_app: Flask, alb: LocalLoadBalancer) -> None:
    token = alb.data_token(header={"kid": random_kid()})
    response = alb_app.test_client().get("/me", headers={"X-Amzn-Oidc-Data": token})
    assert response.status_code == 401
    assert response.get_json() == {
        "code": "UNKNOWN_KEY",
        "message": "signing key not found at the load balancer's key URL",
    }
