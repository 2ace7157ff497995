"""A real Redis for the revocation tests, and apps ("hosts") that share it.

``redis_server`` starts Debian's ``redis-server`` on 127.0.0.1 (a free port, no persistence)
for one test and stops it afterwards; the test may stop and start it again on the same port.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from flask import Flask

from benchmarks.redis_server import RedisServer
from flask_revstack_cognito import CognitoAuth, current_cognito_user, login_required
from flask_revstack_cognito.testing import LocalUserPool

#: The Redis key of a denied id under the default prefix.
DEFAULT_PREFIX = "flask-revstack-cognito:revoked:"


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A running ``redis-server`` on 127.0.0.1, stopped (and its directory removed) after."""
    with RedisServer() as server:
        yield server


@pytest.fixture
def redis_client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    """A plain client of ``redis_server``, to look at the keys the store wrote."""
    client = redis.Redis.from_url(redis_server.url)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def live_pool() -> Iterator[LocalUserPool]:
    """A pool on the real clock (apps verify with it), its JWKS served on 127.0.0.1."""
    pool = LocalUserPool()
    with pool.serve():
        yield pool


def make_host(pool: LocalUserPool, store: object, name: str = "host", **config: Any) -> Flask:
    """An app ("a host") trusting ``pool`` with the revocation store ``store``.

    Views: ``/me`` (any token use, returns the user id) and ``/revoke`` (revokes the
    request's own token, then answers 204).
    """
    app = Flask(name)
    app.config.update(pool.config(COGNITO_REVOCATION_STORE=store, COGNITO_TOKEN_USE="any"))
    app.config.update(config)
    auth = CognitoAuth(app)

    @app.get("/me")
    @login_required
    def me() -> dict[str, Any]:
        assert current_cognito_user is not None
        return {"user_id": current_cognito_user.user_id}

    @app.post("/revoke")
    @login_required
    def revoke() -> tuple[str, int]:
        assert current_cognito_user is not None
        auth.revoke(current_cognito_user)
        return "", 204

    return app


def auth_of(app: Flask) -> CognitoAuth:
    """The :class:`CognitoAuth` registered on ``app``."""
    auth = app.extensions["revstack_cognito"]
    assert isinstance(auth, CognitoAuth)
    return auth


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class CountingListener:
    """A port standing in for a Redis that fails: it counts the connections it accepts and
    either closes each at once (``hold=False``: a broken Redis) or holds it open without a
    word (``hold=True``: a hung Redis). A context manager: the port closes on exit.
    """

    def __init__(self, *, hold: bool) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.socket.getsockname()[1])
        self.accepted = 0
        self._hold = hold
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def __enter__(self) -> CountingListener:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.socket.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self.socket.close()
        self._thread.join(timeout=10)
        for connection in self._held:
            connection.close()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.accepted += 1
            if self._hold:
                self._held.append(connection)
            else:
                connection.close()
