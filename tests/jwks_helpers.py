"""Options, documents and fixtures shared by the JWKS key cache tests (SPEC section 6).

Keys are served by the test kit's :class:`JWKSServer` on 127.0.0.1 and fetched by the default
:class:`HTTPFetcher`; time is a :class:`FakeClock`, so TTL and cooldown rules need no sleeping.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from conftest import FakeClock, closed_port_url
from joserfc.jwk import RSAKey

from flask_revstack_cognito.jwks import JWKSCache, JWKSOptions
from flask_revstack_cognito.testing import JWKSServer, LocalUserPool

TTL = 100.0


COOLDOWN = 10.0


MAX_BYTES = 8192


#: Short limits for the fault tests: a fetch gives up after 0.3 s, a body over 8 KiB is refused.
OPTIONS = JWKSOptions(ttl=TTL, timeout=0.3, refresh_cooldown=COOLDOWN, max_bytes=MAX_BYTES)


def no_jitter() -> float:
    return 0.0


def jwks_body(pool: LocalUserPool) -> bytes:
    return json.dumps(pool.jwks()).encode()


def padded(body: bytes, size: int) -> bytes:
    """``body`` followed by JSON whitespace up to exactly ``size`` bytes."""
    assert len(body) <= size
    return body + b" " * (size - len(body))


def modulus(key: RSAKey) -> object:
    return key.as_dict(private=False)["n"]


def recording_cache(
    url: str, clock: FakeClock, options: JWKSOptions = OPTIONS
) -> tuple[JWKSCache, list[tuple[str, ...]], list[Exception]]:
    """A cache on the fake clock, with the key ids of each refresh and each fetch failure."""
    refreshes: list[tuple[str, ...]] = []
    failures: list[Exception] = []
    cache = JWKSCache(
        url,
        options,
        clock=clock,
        jitter=no_jitter,
        on_refresh=refreshes.append,
        on_fetch_failed=failures.append,
    )
    return cache, refreshes, failures


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def direct_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback requests must never go through a proxy from the environment."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


@pytest.fixture
def server(pool: LocalUserPool) -> Iterator[JWKSServer]:
    """The ``pool`` fixture's JWKS, served on loopback HTTP."""
    with pool.serve() as served:
        yield served


@pytest.fixture
def refused_url() -> str:
    """A loopback URL on a port nothing listens on (bound, then closed)."""
    return closed_port_url()
