"""Pools, an app factory and recording helpers shared by the extension tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from flask_revstack_cognito import CognitoAuth, current_cognito_user, login_required
from flask_revstack_cognito.testing import LocalUserPool

POOL_A = "us-east-1_PoolAaa1"


CLIENT_A = "clientaaaa1234567890"


# -- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def pool_a() -> LocalUserPool:
    return LocalUserPool(region="us-east-1", user_pool_id=POOL_A, client_id=CLIENT_A)


def make_app(name: str = "test_app", **config: Any) -> Flask:
    """An app with ``config`` and two views: ``/me`` (login required) and ``/admin`` (group)."""
    app = Flask(name)
    app.config.update(config)
    app.config["TESTING"] = True

    @app.get("/me")
    @login_required
    def me() -> dict[str, Any]:
        user = current_cognito_user
        assert user is not None
        return {"user_id": user.user_id, "iss": user.issuer}

    @app.get("/admin")
    @login_required(groups=["admins"])
    def admin() -> dict[str, str]:
        return {"ok": "admin"}

    return app


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def json_body(response: TestResponse) -> dict[str, Any]:
    body = response.get_json()
    assert isinstance(body, dict)
    return body


@contextmanager
def recording(signal: Any, sender: Any) -> Iterator[list[tuple[Any, dict[str, Any]]]]:
    """Record ``(sender, kwargs)`` of each ``signal`` sent by ``sender`` inside the block."""
    calls: list[tuple[Any, dict[str, Any]]] = []

    def receiver(sent_by: Any, **kwargs: Any) -> None:
        calls.append((sent_by, kwargs))

    with signal.connected_to(receiver, sender=sender):
        yield calls


# -- verify and validate ------------------------------------------------------------------------


@pytest.fixture
def app_a(pool_a: LocalUserPool) -> Flask:
    app = make_app("app_a", **pool_a.config())
    CognitoAuth(app, fetcher=pool_a.fetcher)
    return app
