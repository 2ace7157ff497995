"""Feature.exempt: a feature's own routes pass a login_guard without a token."""

from __future__ import annotations

from typing import Any

import pytest
from extension_helpers import bearer, json_body
from flask import Flask, Request, request

import flask_revstack_cognito.extension as extension_module
from flask_revstack_cognito import CognitoAuth, login_guard, login_required
from flask_revstack_cognito.pipeline import Feature
from flask_revstack_cognito.settings import CognitoSettings
from flask_revstack_cognito.testing import LocalUserPool


class OwnRoutes(Feature):
    """Owns the routes under ``/own/``, as sign-in owns its login and callback."""

    def exempt(self, request: Request) -> bool:
        return request.path.startswith("/own/")


class OwnsNothing(Feature):
    def exempt(self, request: Request) -> bool:
        return False


@pytest.fixture
def features(monkeypatch: pytest.MonkeyPatch) -> list[Feature]:
    enabled: list[Feature] = []

    def build(app: Flask, settings: CognitoSettings) -> Feature | None:
        return enabled.pop(0) if enabled else None

    monkeypatch.setattr(extension_module, "FEATURE_BUILDERS", (build, build))
    return enabled


def guarded_app(pool: LocalUserPool, guard: Any) -> Flask:
    """An app guarded as a whole by ``guard``, with a feature's route and an ordinary page."""
    app = Flask("guarded")
    app.config.update(pool.config(), TESTING=True)
    app.before_request(guard)

    @app.get("/own/login")
    def own_login() -> str:
        return "the feature's page"

    @app.get("/own/decorated")
    @login_required
    def own_decorated() -> str:
        return "a decorated view"

    @app.get("/page")
    def page() -> str:
        return "a page"

    CognitoAuth(app, fetcher=pool.fetcher)
    return app


@pytest.mark.parametrize("guard", [login_guard, login_guard(groups=["admins"])])
def test_a_guard_lets_a_features_own_routes_through(
    pool_a: LocalUserPool, features: list[Feature], guard: Any
) -> None:
    features.extend([OwnsNothing(), OwnRoutes()])
    app = guarded_app(pool_a, guard)
    assert extension_module.get_extension(app)[1].exempt is not None
    client = app.test_client()
    assert client.get("/own/login").text == "the feature's page"
    refused = client.get("/page")
    assert refused.status_code == 401
    assert json_body(refused)["code"] == "MISSING_TOKEN"
    # The guard only: a decorator on a feature's route still checks.
    assert client.get("/own/decorated").status_code == 401
    token = pool_a.id_token(groups=["admins"])
    assert client.get("/page", headers=bearer(token)).text == "a page"


def test_no_exempting_feature_means_no_exempt_hook(
    pool_a: LocalUserPool, features: list[Feature]
) -> None:
    features.append(Feature())
    app = guarded_app(pool_a, login_guard)
    assert extension_module.get_extension(app)[1].exempt is None
    assert app.test_client().get("/own/login").status_code == 401
    with app.test_request_context("/own/login"):
        assert Feature().exempt(request) is False
