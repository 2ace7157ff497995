"""Helpers shared by the TokenVerifier tests: refusals, token surgery and recording fetchers."""

from __future__ import annotations

import base64
from typing import TypeVar, cast

import pytest
from conftest import FakeClock
from joserfc.jwk import RSAKey
from joserfc.jws import JWSRegistry

import flask_revstack_cognito.verifier as verifier_module
from flask_revstack_cognito import CognitoAuthError, TokenVerifier
from flask_revstack_cognito.jwks import JWKSFetchError
from flask_revstack_cognito.testing import LocalUserPool

E = TypeVar("E", bound=CognitoAuthError)


_REAL_RS256 = JWSRegistry.algorithms["RS256"]


# -- helpers ------------------------------------------------------------------------------------


def refused(
    verifier: TokenVerifier,
    token: object,
    error: type[E],
    code: str,
    status: int = 401,
    *,
    token_use: str | None = None,
) -> E:
    """Verify ``token``, expecting exactly ``error`` with ``code`` and ``status``."""
    with pytest.raises(error) as info:
        verifier.verify(cast(str, token), token_use=token_use)
    assert type(info.value) is error, repr(info.value)
    assert info.value.code == code
    assert info.value.status == status
    return info.value


def now(clock: FakeClock) -> int:
    return int(clock())


def segments(token: str) -> list[str]:
    return token.split(".")


def with_segment(token: str, index: int, value: str) -> str:
    parts = segments(token)
    parts[index] = value
    return ".".join(parts)


def signature_of(token: str) -> bytes:
    value = segments(token)[2]
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def without(pool: LocalUserPool, *names: str, token_use: str = "id") -> str:
    """A token of ``pool`` lacking the claims ``names``."""
    claims = pool.claims(token_use)
    for name in names:
        del claims[name]
    return pool.sign(claims)


class RecordingFetcher:
    """A fetcher that records every URL and answers for the given pools only."""

    def __init__(self, *pools: LocalUserPool) -> None:
        self.pools = {pool.jwks_uri: pool for pool in pools}
        self.urls: list[str] = []

    def __call__(self, url: str, *, timeout: float, max_bytes: int) -> bytes:
        self.urls.append(url)
        pool = self.pools.get(url)
        if pool is None:
            raise JWKSFetchError(f"HTTP status 404 for {url}")
        return pool.fetcher(url, timeout=timeout, max_bytes=max_bytes)


# -- step 6: signature ---------------------------------------------------------------------------


def _flip_byte(signature: bytes, index: int) -> bytes:
    flipped = bytearray(signature)
    flipped[index] ^= 0x01
    return bytes(flipped)


class CountingRS256:
    """Wraps the verifier's RS256 check, counting the signatures it checks."""

    def __init__(self, real: type[verifier_module._RS256]) -> None:
        self.real = real
        self.calls = 0

    def verify(self, msg: bytes, sig: bytes, key: RSAKey) -> bool:
        self.calls += 1
        return self.real.verify(msg, sig, key)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> CountingRS256:
    """Counts the verifier's signature checks (a cache hit makes none)."""
    counter = CountingRS256(verifier_module._RS256)
    monkeypatch.setattr(verifier_module, "_RS256", counter)
    return counter
