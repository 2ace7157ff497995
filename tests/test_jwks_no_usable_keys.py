"""A JWKS answered 200 that holds no key usable for us is a failed fetch (SPEC section 6).

Empty ``keys``, or only keys the cache must skip (``alg`` RS512, another ``kty``, ``use`` enc,
too small): the held keys stay (stale-if-error), cached tokens stay, ``on_fetch_failed`` (the
``jwks_fetch_failed`` signal) is called and a WARNING logged, exactly as for an HTML body; with no
keys held it is a 503 ``NETWORK_ERROR``. Served on loopback HTTP; time is a :class:`FakeClock`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import FakeClock
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from joserfc.jwk import ECKey, OctKey
from jwks_helpers import recording_cache

from flask_revstack_cognito import (
    CognitoAuth,
    JWKSUnavailableError,
    TokenVerifier,
    jwks_fetch_failed,
    login_required,
)
from flask_revstack_cognito.jwks import JWKSFetchError, JWKSOptions
from flask_revstack_cognito.testing import JWKSServer, LocalUserPool, b64url

TTL = 100.0
COOLDOWN = 10.0
OPTIONS = JWKSOptions(ttl=TTL, timeout=2.0, refresh_cooldown=COOLDOWN)


def _public(pool: LocalUserPool, **changes: Any) -> list[dict[str, Any]]:
    """The pool's current public keys, each with ``changes``."""
    return [{**key, **changes} for key in pool.jwks()["keys"]]


def _small_rsa(pool: LocalUserPool) -> list[dict[str, Any]]:
    numbers = rsa.generate_private_key(65537, 1024).public_key().public_numbers()  # noqa: S505
    n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
    return [{"kty": "RSA", "kid": pool.kid, "n": b64url(n), "e": "AQAB"}]


#: Documents with no usable key, each built from the pool's *current* keys where possible, so a
#: cache that loaded them anyway would be caught holding the rotated kid.
NO_USABLE_KEY: dict[str, Callable[[LocalUserPool], list[Any]]] = {
    "empty": lambda pool: [],
    "only-alg-RS512": lambda pool: _public(pool, alg="RS512"),
    "only-use-enc": lambda pool: _public(pool, use="enc"),
    "only-ec": lambda pool: [
        dict(ECKey.generate_key("P-256", parameters={"kid": pool.kid}).as_dict(private=False))
    ],
    "only-oct": lambda pool: [
        {"kty": "oct", "kid": pool.kid, "k": b64url(OctKey.generate_key(256).raw_value)}
    ],
    "only-rsa-1024": _small_rsa,
    "only-malformed": lambda pool: [{"kid": pool.kid}, "key", None],
}

HTML = b"<!DOCTYPE html><html><body>Bad gateway</body></html>"


def body_for(name: str, pool: LocalUserPool) -> bytes:
    if name == "html":
        return HTML
    return json.dumps({"keys": NO_USABLE_KEY[name](pool)}).encode()


CASES = [*NO_USABLE_KEY, "html"]


@pytest.fixture
def server(pool: LocalUserPool) -> Iterator[JWKSServer]:
    with pool.serve() as served:
        yield served


@pytest.mark.parametrize("case", CASES)
def test_no_usable_key_with_held_keys_keeps_them_like_an_html_body(
    case: str,
    server: JWKSServer,
    pool: LocalUserPool,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache, refreshes, failures = recording_cache(server.url, clock, OPTIONS)
    old_kid = pool.kid
    held = cache.get_key(old_kid)
    pool.rotate_key(keep_old=False)
    server.fail_with(200, body_for(case, pool))

    clock.advance(TTL)
    with caplog.at_level(logging.INFO, logger="flask_revstack_cognito"):
        assert cache.get_key(old_kid) is held  # stale-if-error
    assert cache.key_ids == (old_kid,)
    assert refreshes == [(old_kid,)]
    assert len(failures) == 1
    assert isinstance(failures[0], JWKSFetchError)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert server.url in warnings[0].getMessage()

    clock.advance(COOLDOWN - 1)  # a failed fetch: not retried within the cooldown
    assert cache.get_key(old_kid) is held
    assert cache.fetch_count == server.request_count == 2
    with pytest.raises(JWKSUnavailableError):  # an explicit refresh fails the same way
        cache.refresh()
    assert cache.key_ids == (old_kid,)
    assert len(failures) == 2


@pytest.mark.parametrize("case", CASES)
def test_no_usable_key_without_held_keys_is_network_error(
    case: str, server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    cache, refreshes, failures = recording_cache(server.url, clock, OPTIONS)
    server.fail_with(200, body_for(case, pool))

    with pytest.raises(JWKSUnavailableError) as caught:
        cache.get_key(pool.kid)

    assert (caught.value.code, caught.value.status) == ("NETWORK_ERROR", 503)
    assert caught.value.retry_after == COOLDOWN
    assert refreshes == []
    assert [type(failure) for failure in failures] == [JWKSFetchError]
    assert not cache.key_ids


def test_no_usable_key_names_the_reason(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    cache, _, failures = recording_cache(server.url, clock, OPTIONS)
    server.fail_with(200, b'{"keys": []}')
    with pytest.raises(JWKSUnavailableError):
        cache.get_key(pool.kid)
    assert [str(failure) for failure in failures] == ["the JWKS holds no usable key"]


def test_cached_tokens_survive_a_jwks_with_no_usable_key(
    server: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    verifier = TokenVerifier(
        pool.contract(), jwks_options=OPTIONS, clock=clock, jitter=lambda: 0.0
    )
    cached = pool.id_token(sub="cached")
    assert verifier.verify(cached).user_id == "cached"
    server.fail_with(200, b'{"keys": []}')

    clock.advance(TTL)
    assert verifier.verify(pool.id_token(sub="fresh")).user_id == "fresh"  # runs the refresh
    assert server.request_count == 2
    assert verifier.verify(cached).user_id == "cached"


def test_a_web_app_answers_503_and_sends_jwks_fetch_failed(pool: LocalUserPool) -> None:
    app = Flask(__name__)
    sent: list[dict[str, Any]] = []

    def record(sender: Flask, **extra: Any) -> None:
        sent.append(extra)

    with pool.serve() as server, jwks_fetch_failed.connected_to(record, app):
        server.fail_with(200, b'{"keys": []}')
        app.config.update(pool.config())
        CognitoAuth(app)

        @app.get("/me")
        @login_required
        def me() -> dict[str, str]:
            return {"ok": "yes"}

        response = app.test_client().get(
            "/me", headers={"Authorization": f"Bearer {pool.id_token()}"}
        )

    assert response.status_code == 503
    assert response.get_json()["code"] == "NETWORK_ERROR"
    assert int(response.headers["Retry-After"]) >= 1
    assert [(extra["issuer"], str(extra["error"])) for extra in sent] == [
        (pool.issuer, "the JWKS holds no usable key")
    ]
