"""Shared fixtures: a fake clock, a local pool and verifiers built on them."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from flask_revstack_cognito import JWKSOptions, TokenVerifier
from flask_revstack_cognito.testing import LocalUserPool

# The fixtures of the split-up test modules live next to their helpers.
pytest_plugins = [
    "alb_helpers",
    "browser_helpers",
    "decorator_helpers",
    "extension_helpers",
    "jwks_helpers",
    "managed_login_helpers",
    "redis_helpers",
    "signin_helpers",
    "verification_helpers",
]

START = 1_800_000_000.0


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def pool(clock: FakeClock) -> LocalUserPool:
    """A pool minting tokens at the fake clock's time, served in process."""
    return LocalUserPool(clock=clock)


def closed_port_url(pool_id: str = "pool") -> str:
    """A loopback JWKS URL on a port nothing listens on (bound, then closed): a stopped server."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/{pool_id}/.well-known/jwks.json"


MakeVerifier = Callable[..., TokenVerifier]


@pytest.fixture
def make_verifier(pool: LocalUserPool, clock: FakeClock) -> MakeVerifier:
    """``make_verifier(**contract_overrides)``: a verifier trusting ``pool`` on the fake clock."""

    def make(
        *, jwks_options: JWKSOptions | None = None, token_cache_size: int = 1024, **overrides: Any
    ) -> TokenVerifier:
        return TokenVerifier(
            pool.contract(**overrides),
            fetcher=pool.fetcher,
            clock=clock,
            jitter=lambda: 0.0,
            jwks_options=jwks_options,
            token_cache_size=token_cache_size,
        )

    return make


@pytest.fixture
def verifier(make_verifier: MakeVerifier) -> TokenVerifier:
    return make_verifier()
