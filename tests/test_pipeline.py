"""The request path's extension points: features wrap verification, requests and refusals."""

from __future__ import annotations

from typing import Any

import pytest
from extension_helpers import bearer, json_body, make_app
from flask import Flask, Request, redirect, request
from werkzeug.wrappers import Response

import flask_revstack_cognito.extension as extension_module
from flask_revstack_cognito import CognitoAuth, CognitoAuthError, CognitoUser
from flask_revstack_cognito.errors import TokenRevokedError
from flask_revstack_cognito.pipeline import Authenticate, Feature, Verify
from flask_revstack_cognito.settings import CognitoSettings
from flask_revstack_cognito.testing import LocalUserPool


class DenySub(Feature):
    """Refuses one ``sub`` after verification, as a deny-list would."""

    def __init__(self, denied: str) -> None:
        self.denied = denied
        self.seen: list[str] = []

    def wrap_verify(self, verify: Verify) -> Verify:
        def checked(token: str, *, token_use: str | None = None) -> CognitoUser:
            user = verify(token, token_use=token_use)
            self.seen.append(user.user_id)
            if user.user_id == self.denied:
                raise TokenRevokedError()
            return user

        return checked


class HeaderToken(Feature):
    """Reads the token from ``X-Token`` first, as the ALB's header is read."""

    def __init__(self) -> None:
        self.app: Flask | None = None

    def wrap_authenticate(self, authenticate: Authenticate, verify: Verify) -> Authenticate:
        def from_header(request: Request, token_use: str) -> CognitoUser:
            token = request.headers.get("X-Token")
            if token is None:
                return authenticate(request, token_use)
            return verify(token, token_use=token_use)

        return from_header

    def init_app(self, app: Flask) -> None:
        self.app = app


class RedirectBrowsers(Feature):
    """Answers refused requests that accept HTML with a redirect, as browser sign-in does."""

    def refusal_response(self, request: Request, error: CognitoAuthError) -> Response | None:
        if request.accept_mimetypes.best == "text/html":
            return redirect(f"/login?code={error.code}")
        return None


@pytest.fixture
def features(monkeypatch: pytest.MonkeyPatch) -> list[Feature]:
    enabled: list[Feature] = []

    def build(app: Flask, settings: CognitoSettings) -> Feature | None:
        return enabled.pop(0) if enabled else None

    monkeypatch.setattr(extension_module, "FEATURE_BUILDERS", (build, build, build))
    return enabled


def init(pool: LocalUserPool, **config: Any) -> tuple[Flask, CognitoAuth]:
    app = make_app(**pool.config(), **config)
    auth = CognitoAuth(app, fetcher=pool.fetcher)
    return app, auth


def test_no_feature_keeps_the_plain_path(pool_a: LocalUserPool, features: list[Feature]) -> None:
    app, auth = init(pool_a)
    state = auth.state(app)
    assert state.features == ()
    assert state.refusal_response is None
    assert state.feature(DenySub) is None
    response = app.test_client().get("/me", headers=bearer(pool_a.id_token(sub="u1")))
    assert json_body(response)["user_id"] == "u1"


def test_a_wrapped_verify_serves_requests_and_auth_verify(
    pool_a: LocalUserPool, features: list[Feature]
) -> None:
    deny = DenySub("bad")
    features.append(deny)
    app, auth = init(pool_a)
    assert auth.state(app).feature(DenySub) is deny
    client = app.test_client()
    refused = client.get("/me", headers=bearer(pool_a.id_token(sub="bad")))
    assert refused.status_code == 401
    assert json_body(refused)["code"] == "TOKEN_REVOKED"
    assert client.get("/me", headers=bearer(pool_a.id_token(sub="good"))).status_code == 200
    with app.app_context():
        with pytest.raises(TokenRevokedError):
            auth.verify(pool_a.id_token(sub="bad"))
        assert auth.validate(f"Bearer {pool_a.id_token(sub='bad')}").error_code == "TOKEN_REVOKED"
    assert deny.seen == ["bad", "good", "bad", "bad"]


def test_a_wrapped_request_path_is_initialised_and_verifies_with_the_wrapped_verify(
    pool_a: LocalUserPool, features: list[Feature]
) -> None:
    header = HeaderToken()
    features.extend([DenySub("bad"), header])
    app, auth = init(pool_a)
    assert header.app is app
    assert auth.state(app).feature(HeaderToken) is header
    client = app.test_client()
    assert json_body(client.get("/me", headers={"X-Token": pool_a.id_token(sub="x")})) == {
        "user_id": "x",
        "iss": pool_a.issuer,
    }
    refused = client.get("/me", headers={"X-Token": pool_a.id_token(sub="bad")})
    assert json_body(refused)["code"] == "TOKEN_REVOKED"
    assert client.get("/me", headers=bearer(pool_a.id_token(sub="y"))).status_code == 200


def test_a_refusal_response_replaces_the_error_only_when_the_feature_answers(
    pool_a: LocalUserPool, features: list[Feature]
) -> None:
    features.extend([DenySub("bad"), RedirectBrowsers()])
    app, auth = init(pool_a)
    assert auth.state(app).refusal_response is not None
    client = app.test_client()
    browser = client.get("/me", headers={"Accept": "text/html"})
    assert browser.status_code == 302
    assert browser.headers["Location"] == "/login?code=MISSING_TOKEN"
    api = client.get("/me", headers={"Accept": "application/json"})
    assert api.status_code == 401
    assert json_body(api)["code"] == "MISSING_TOKEN"
    # Of two features, the first that answers decides; one that answers nothing is skipped.
    assert client.get("/me", headers={"Accept": "text/html", **bearer("x")}).headers[
        "Location"
    ] == ("/login?code=INVALID_FORMAT")


def test_a_feature_changes_nothing_it_does_not_override(pool_a: LocalUserPool) -> None:
    feature = Feature()
    app, auth = init(pool_a)
    state = auth.state(app)
    with app.test_request_context("/me"):
        assert feature.refusal_response(request, TokenRevokedError()) is None
    assert feature.wrap_verify(state.verify) is state.verify
    assert feature.wrap_authenticate(state.authenticate, state.verify) is state.authenticate
