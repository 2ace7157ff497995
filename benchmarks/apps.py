"""The app shape every route row uses: an open view and a protected one, both returning "ok"."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from flask import Flask

from flask_revstack_cognito import CognitoAuth, login_required

#: cognitojwt (under flask-cognito) reads its JWKS location from this variable on every call.
JWKS_PATH_VARIABLE = "AWS_COGNITO_JWKS_PATH"


def optional_module(name: str) -> ModuleType | None:
    """Import a peer that may not be installed (the ``bench`` extra)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def our_app(config: dict[str, Any]) -> tuple[Flask, CognitoAuth]:
    """This package on the app shape, keys not fetched yet."""
    app = Flask("bench")
    app.config.update(config)
    auth = CognitoAuth(app)

    @app.get("/open")
    def open_view() -> str:
        return "ok"

    @app.get("/protected")
    @login_required
    def protected_view() -> str:
        return "ok"

    return app, auth


def warm_app(config: dict[str, Any], token: str) -> tuple[Flask, CognitoAuth]:
    """:func:`our_app` with its keys fetched and ``token`` verified once (untimed warm-up)."""
    app, auth = our_app(config)
    with app.app_context():
        auth.prefetch()
        auth.verify(token)
    return app, auth


def flask_cognito_app(module: ModuleType, region: str, pool_id: str, client_id: str) -> Flask:
    """flask-cognito's ``cognito_auth_required`` on the same app shape."""
    app = Flask("bench-flask-cognito")
    app.config.update(
        COGNITO_REGION=region, COGNITO_USERPOOL_ID=pool_id, COGNITO_APP_CLIENT_ID=client_id
    )
    module.CognitoAuth(app)
    required: Callable[[Callable[[], str]], Callable[[], str]] = module.cognito_auth_required

    @app.get("/open")
    def open_view() -> str:
        return "ok"

    @app.get("/protected")
    @required
    def protected_view() -> str:
        return "ok"

    return app


@contextmanager
def cognitojwt_keys_from(url: str) -> Iterator[None]:
    """Point cognitojwt (and so flask-cognito) at ``url`` and forget the keys it holds.

    cognitojwt takes its JWKS from ``AWS_COGNITO_JWKS_PATH`` when set, else from AWS: it is
    always set here, so nothing ever leaves the machine.
    """
    previous = os.environ.get(JWKS_PATH_VARIABLE)
    os.environ[JWKS_PATH_VARIABLE] = url
    keys = optional_module("cognitojwt.jwt_sync")
    if keys is not None:
        keys.get_keys.cache_clear()
    try:
        yield
    finally:
        if previous is None:
            del os.environ[JWKS_PATH_VARIABLE]
        else:
            os.environ[JWKS_PATH_VARIABLE] = previous
        if keys is not None:
            keys.get_keys.cache_clear()
