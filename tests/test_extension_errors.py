"""The default error response and how an app's own handlers replace it (SPEC section 5)."""

from __future__ import annotations

from typing import Any

import pytest
from extension_helpers import bearer, json_body, make_app, recording
from flask import Flask

from flask_revstack_cognito import (
    CognitoAuth,
    CognitoAuthError,
    InsufficientScopeError,
    TokenExpiredError,
    token_verified,
    verification_failed,
)
from flask_revstack_cognito.testing import LocalUserPool

# -- error responses and the app's own handlers -------------------------------------------------


def test_the_default_error_response(app_a: Flask, pool_a: LocalUserPool) -> None:
    client = app_a.test_client()
    response = client.get("/me")
    assert response.status_code == 401
    assert json_body(response) == {"code": "MISSING_TOKEN", "message": "missing bearer token"}
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="app_a"'

    token = pool_a.id_token(expires_in=-5)
    response = client.get("/me", headers=bearer(token))
    assert response.status_code == 401
    assert json_body(response) == {"code": "TOKEN_EXPIRED", "message": "token expired"}
    assert response.headers["WWW-Authenticate"] == (
        'Bearer realm="app_a", error="invalid_token", error_description="token expired"'
    )
    assert token not in response.get_data(as_text=True)

    response = client.get("/admin", headers=bearer(pool_a.id_token(groups=["users"])))
    assert response.status_code == 403
    assert json_body(response)["code"] == "INSUFFICIENT_SCOPE"
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


def test_an_app_handler_registered_before_init_app_is_kept(pool_a: LocalUserPool) -> None:
    app = make_app(**pool_a.config())

    @app.errorhandler(CognitoAuthError)
    def handle(error: CognitoAuthError) -> tuple[dict[str, str], int]:
        return {"mine": error.code}, 418

    CognitoAuth(app, fetcher=pool_a.fetcher)
    assert app.error_handler_spec[None][None][CognitoAuthError] is handle

    response = app.test_client().get("/me")
    assert response.status_code == 418
    assert json_body(response) == {"mine": "MISSING_TOKEN"}
    assert "WWW-Authenticate" not in response.headers
    response = app.test_client().get("/admin", headers=bearer(pool_a.id_token()))
    assert response.status_code == 418
    assert json_body(response) == {"mine": "INSUFFICIENT_SCOPE"}


def test_an_app_handler_registered_after_init_app_replaces_the_default(
    app_a: Flask, pool_a: LocalUserPool
) -> None:
    @app_a.errorhandler(CognitoAuthError)
    def handle(error: CognitoAuthError) -> tuple[str, int]:
        return f"custom {error.code}", 400

    response = app_a.test_client().get("/me", headers=bearer(pool_a.id_token(expires_in=-1)))
    assert response.status_code == 400
    assert response.get_data(as_text=True) == "custom TOKEN_EXPIRED"


def test_a_subclass_handler_takes_over_only_that_subclass(
    app_a: Flask, pool_a: LocalUserPool
) -> None:
    @app_a.errorhandler(InsufficientScopeError)
    def handle(error: InsufficientScopeError) -> tuple[dict[str, Any], int]:
        return {"need": list(error.required_groups)}, 403

    client = app_a.test_client()
    response = client.get("/admin", headers=bearer(pool_a.id_token(groups=["users"])))
    assert response.status_code == 403
    assert json_body(response) == {"need": ["admins"]}
    assert "WWW-Authenticate" not in response.headers

    response = client.get("/admin")
    assert response.status_code == 401
    assert json_body(response)["code"] == "MISSING_TOKEN"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="app_a"'
    response = client.get("/admin", headers=bearer(pool_a.id_token(groups=["admins"])))
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("realm", "expected"),
    [(None, "my_api"), ("", "my_api"), ("Orders API", "Orders API"), ('a "b"', 'a \\"b\\"')],
)
def test_the_realm_in_www_authenticate(
    realm: str | None, expected: str, pool_a: LocalUserPool
) -> None:
    app = make_app("my_api", **pool_a.config(COGNITO_REALM=realm))
    auth = CognitoAuth(app, fetcher=pool_a.fetcher)
    assert app.name == "my_api"
    assert auth.state(app).settings.realm == expected.replace("\\", "")
    client = app.test_client()

    response = client.get("/me")
    assert response.headers["WWW-Authenticate"] == f'Bearer realm="{expected}"'
    response = client.get("/me", headers=bearer("a.b.c"))
    assert response.headers["WWW-Authenticate"].startswith(
        f'Bearer realm="{expected}", error="invalid_token"'
    )


def test_a_subclass_handler_registered_before_init_app_is_kept_for_that_subclass(
    pool_a: LocalUserPool,
) -> None:
    app = make_app(**pool_a.config())

    @app.errorhandler(InsufficientScopeError)
    def handle(error: InsufficientScopeError) -> tuple[str, int]:
        return "forbidden here", 403

    CognitoAuth(app, fetcher=pool_a.fetcher)
    client = app.test_client()
    response = client.get("/admin", headers=bearer(pool_a.id_token()))
    assert response.status_code == 403
    assert response.get_data(as_text=True) == "forbidden here"
    response = client.get("/admin")
    assert response.status_code == 401
    assert json_body(response)["code"] == "MISSING_TOKEN"


def test_request_signals_are_sent_with_the_app(app_a: Flask, pool_a: LocalUserPool) -> None:
    client = app_a.test_client()
    with (
        recording(token_verified, app_a) as verified,
        recording(verification_failed, app_a) as failed,
    ):
        assert client.get("/me", headers=bearer(pool_a.id_token(sub="sig"))).status_code == 200
        assert client.get("/me", headers=bearer(pool_a.id_token(expires_in=-1))).status_code == 401
    assert [(sender, kw["user"].user_id) for sender, kw in verified] == [(app_a, "sig")]
    assert len(failed) == 1
    assert failed[0][0] is app_a
    assert isinstance(failed[0][1]["error"], TokenExpiredError)


def test_a_numeric_realm_from_the_environment_is_kept_as_its_digits(
    pool_a: LocalUserPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_COGNITO_REALM", "2024")
    app = make_app(**pool_a.config())
    app.config.from_prefixed_env()
    assert app.config["COGNITO_REALM"] == 2024
    CognitoAuth(app, fetcher=pool_a.fetcher)
    response = app.test_client().get("/me")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="2024"'
