"""(f) JWKS fetches while 8 threads send 10,000 requests to an app that holds no keys yet.

A JWKS server of its own on 127.0.0.1 counts the fetches; every request must get its 200.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

from flask import Flask

from flask_revstack_cognito.testing import JWKSServer

from .apps import cognitojwt_keys_from, flask_cognito_app, optional_module, our_app
from .world import World


@dataclass(frozen=True)
class Fetches:
    """JWKS fetches seen by the server, and the answers the requests got."""

    fetches: int
    statuses: dict[int, int]

    @property
    def all_ok(self) -> bool:
        """Every request was answered 200."""
        return set(self.statuses) == {200}


def _hammer(
    app: Flask, headers: list[dict[str, str]], requests: int, threads: int
) -> Counter[int]:
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def work(first: int) -> None:
        client = app.test_client()
        seen: Counter[int] = Counter()
        start.wait()  # every thread meets the empty key cache at once
        for number in range(first, requests, threads):
            seen[client.get("/protected", headers=headers[number % len(headers)]).status_code] += 1
        with lock:
            statuses.update(seen)

    workers = [threading.Thread(target=work, args=(first,)) for first in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return statuses


def _headers(world: World) -> list[dict[str, str]]:
    return [{"Authorization": f"Bearer {token}"} for token in world.tokens]


def count_ours(world: World, requests: int, threads: int) -> Fetches:
    """This package, keys not prefetched: the first requests race for them."""
    with JWKSServer(world.jwks_bytes, world.pool.user_pool_id).start() as server:
        app, _ = our_app(world.config(COGNITO_JWKS_URI=server.url))
        statuses = _hammer(app, _headers(world), requests, threads)
        return Fetches(server.request_count, dict(statuses))


def count_flask_cognito(world: World, requests: int, threads: int) -> Fetches | None:
    """flask-cognito on the same load, its keys from a loopback server; ``None`` if absent."""
    module = optional_module("flask_cognito")
    if module is None:
        return None
    pool = world.pool
    with (
        JWKSServer(world.jwks_bytes, pool.user_pool_id).start() as server,
        cognitojwt_keys_from(server.url),
    ):
        app = flask_cognito_app(module, pool.region, pool.user_pool_id, pool.client_id)
        statuses = _hammer(app, _headers(world), requests, threads)
        return Fetches(server.request_count, dict(statuses))
