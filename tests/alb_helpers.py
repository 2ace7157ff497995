"""Fixtures of the ALB tests (SPEC section 12): a pool and a load balancer on loopback, an app.

Keys are served by the test kit's :class:`AlbKeyServer` on 127.0.0.1 and fetched over HTTP.
Tokens are minted at the real time (expired ones well in the past); the key cache's cooldown
follows a :class:`FakeClock`, so it needs no sleeping.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import FakeClock
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from flask import Flask

from flask_revstack_cognito import CognitoAuth, current_cognito_user, login_required
from flask_revstack_cognito.alb_keys import AlbKeyCache
from flask_revstack_cognito.alb_tokens import AlbTokenVerifier
from flask_revstack_cognito.testing import AlbKeyServer, LocalLoadBalancer, LocalUserPool

COOLDOWN = 10.0


@pytest.fixture
def served_pool() -> Iterator[LocalUserPool]:
    """A pool serving its JWKS on loopback (for the access tokens the ALB passes on)."""
    pool = LocalUserPool()
    with pool.serve():
        yield pool


@pytest.fixture
def alb(served_pool: LocalUserPool) -> LocalLoadBalancer:
    """A load balancer in front of ``served_pool``."""
    return LocalLoadBalancer(served_pool)


@pytest.fixture
def key_server(alb: LocalLoadBalancer) -> Iterator[AlbKeyServer]:
    """The load balancer's key endpoint on loopback."""
    with alb.serve() as server:
        yield server


@pytest.fixture
def key_cache(key_server: AlbKeyServer, clock: FakeClock) -> AlbKeyCache:
    """A key cache of ``key_server`` on the fake clock (timeout 2 s, cooldown 10 s)."""
    return AlbKeyCache(key_server.url, timeout=2.0, cooldown=COOLDOWN, clock=clock)


def make_alb_verifier(
    alb: LocalLoadBalancer, key_cache: AlbKeyCache, **options: Any
) -> AlbTokenVerifier:
    """A verifier trusting ``alb`` and its pool: ``options`` replace issuers, client ids..."""
    arguments: dict[str, Any] = {
        "issuers": [alb.pool.issuer],
        "client_ids": [alb.pool.client_id],
    }
    arguments.update(options)
    return AlbTokenVerifier({alb.arn: key_cache}, **arguments)


@pytest.fixture
def alb_verifier(alb: LocalLoadBalancer, key_cache: AlbKeyCache) -> AlbTokenVerifier:
    return make_alb_verifier(alb, key_cache)


def make_alb_app(**config: Any) -> Flask:
    """An app with ``config`` and views needing an ID token, an access token with a group and
    a scope, and any token."""
    app = Flask("alb_app")
    app.config.update(config)
    app.config["TESTING"] = True
    CognitoAuth(app)

    def describe() -> dict[str, Any]:
        user = current_cognito_user
        assert user is not None
        return {
            "user_id": user.user_id,
            "token_use": user.token_use,
            "username": user.username,
            "groups": list(user.groups),
            "scopes": list(user.scopes),
        }

    @app.get("/me")
    @login_required
    def me() -> dict[str, Any]:
        return describe()

    @app.get("/any")
    @login_required(token_use="any")
    def any_token() -> dict[str, Any]:
        return describe()

    @app.get("/orders")
    @login_required(token_use="access", groups=["admins"], scopes=["orders/read"])
    def orders() -> dict[str, Any]:
        return describe()

    return app


@pytest.fixture
def alb_app(served_pool: LocalUserPool, alb: LocalLoadBalancer, key_server: AlbKeyServer) -> Flask:
    """An app behind ``alb``: the pool's settings and the load balancer's."""
    return make_alb_app(**served_pool.config(), **alb.config())


class CountingKeys:
    """The key cache, counting the keys asked for: one per full verification."""

    def __init__(self, cache: AlbKeyCache) -> None:
        self._cache = cache
        self.asked = 0

    def get_key(self, kid: str) -> EllipticCurvePublicKey:
        self.asked += 1
        return self._cache.get_key(kid)
