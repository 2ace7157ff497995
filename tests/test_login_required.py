"""``login_required`` bare and with arguments: groups, scopes, token use and ``optional``."""

from __future__ import annotations

import pytest
from decorator_helpers import (
    assert_failed_once,
    assert_not_echoed,
    assert_refused,
    bearer,
    insufficient,
    invalid_token,
    make_app,
    recording,
)
from flask import Flask

from flask_revstack_cognito import (
    CognitoAuthError,
    CognitoUser,
    InsufficientScopeError,
    MalformedTokenError,
    TokenExpiredError,
    TokenUseMismatchError,
    login_required,
    verify_request,
)
from flask_revstack_cognito.testing import LocalUserPool

# -- login_required: bare and with arguments ------------------------------------------------


@pytest.mark.parametrize("path", ["/me", "/me-called"])
def test_valid_id_token_reaches_the_view_with_its_user(
    app: Flask, user_pool: LocalUserPool, path: str
) -> None:
    token = user_pool.id_token(sub="user-42", groups=["readers"])
    with recording(app) as signals:
        response = app.test_client().get(path, headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json() == {
        "user": "user-42",
        "token_use": "id",
        "groups": ["readers"],
        "scopes": [],
    }
    assert signals.failed == []
    assert len(signals.verified) == 1
    sender, user = signals.verified[0]
    assert sender is app
    assert isinstance(user, CognitoUser)
    assert user.user_id == "user-42"
    assert_not_echoed(response, token)


@pytest.mark.parametrize(
    ("path", "groups", "status"),
    [
        ("/any-group", None, 403),
        ("/any-group", [], 403),
        ("/any-group", ["readers"], 403),
        ("/any-group", ["staff"], 200),
        ("/any-group", ["admins"], 200),
        ("/any-group", ["readers", "admins", "staff"], 200),
        ("/all-groups", ["admins"], 403),
        ("/all-groups", ["staff"], 403),
        ("/all-groups", ["admins", "staff"], 200),
        ("/all-groups", ["staff", "readers", "admins"], 200),
        ("/one-group", ["admins"], 200),
        # "admins" as a lone string is one group, not the letters a, d, m, i, n, s.
        ("/one-group", ["a"], 403),
        ("/one-group", ["a", "d", "m", "i", "n", "s"], 403),
    ],
)
def test_group_requirements(
    app: Flask, user_pool: LocalUserPool, path: str, groups: list[str] | None, status: int
) -> None:
    token = user_pool.id_token(sub="grouped", groups=groups)
    with recording(app) as signals:
        response = app.test_client().get(path, headers=bearer(token))
    assert response.status_code == status
    if status == 200:
        assert response.get_json()["user"] == "grouped"
        assert len(signals.verified) == 1
        assert signals.failed == []
    else:
        message = "lacks a required group"
        assert_refused(response, InsufficientScopeError, message, insufficient())
        sent = assert_failed_once(signals, app, InsufficientScopeError)
        assert isinstance(sent, InsufficientScopeError)
        assert sent.required_groups in {("admins", "staff"), ("admins",)}


@pytest.mark.parametrize(
    ("path", "scopes", "status", "www"),
    [
        ("/orders", ["orders/read"], 200, None),
        ("/orders", ["orders/write", "profile"], 200, None),
        ("/orders", ["profile"], 403, insufficient("orders/read orders/write")),
        ("/orders", [], 403, insufficient("orders/read orders/write")),
        ("/one-scope", ["orders/read"], 200, None),
        ("/one-scope", ["o", "r", "d", "e", "s"], 403, insufficient("orders/read")),
    ],
)
def test_scope_requirements(
    app: Flask,
    user_pool: LocalUserPool,
    path: str,
    scopes: list[str],
    status: int,
    www: str | None,
) -> None:
    token = user_pool.access_token(sub="scoped", scopes=scopes)
    response = app.test_client().get(path, headers=bearer(token))
    assert response.status_code == status
    assert response.headers.get("WWW-Authenticate") == www
    if status == 200:
        assert response.get_json()["scopes"] == scopes


@pytest.mark.parametrize(
    ("path", "kind", "expected"),
    [
        ("/id-only", "id", None),
        ("/id-only", "access", "expected an ID token, got an access token"),
        ("/access-only", "access", None),
        ("/access-only", "id", "expected an access token, got an ID token"),
        ("/any-token", "id", None),
        ("/any-token", "access", None),
        ("/orders", "id", "expected an access token, got an ID token"),
    ],
)
def test_token_use_argument(
    app: Flask, user_pool: LocalUserPool, path: str, kind: str, expected: str | None
) -> None:
    scopes = ["orders/read"]
    token = user_pool.id_token() if kind == "id" else user_pool.access_token(scopes=scopes)
    response = app.test_client().get(path, headers=bearer(token))
    if expected is None:
        assert response.status_code == 200
        assert response.get_json()["token_use"] == kind
    else:
        assert_refused(response, TokenUseMismatchError, expected, invalid_token(expected))


def test_configured_token_use_is_the_default_of_the_decorator(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool, COGNITO_TOKEN_USE="access")
    client = app.test_client()
    assert client.get("/me", headers=bearer(user_pool.access_token())).status_code == 200
    refused = client.get("/me", headers=bearer(user_pool.id_token()))
    message = "expected an access token, got an ID token"
    assert_refused(refused, TokenUseMismatchError, message, invalid_token(message))
    # An explicit argument wins over the configured default.
    assert client.get("/id-only", headers=bearer(user_pool.id_token())).status_code == 200


def test_invalid_token_use_argument_raises_at_decoration_time() -> None:
    with pytest.raises(ValueError, match="token_use must be one of"):
        login_required(token_use="refresh")
    with pytest.raises(ValueError, match="'ID'"):
        login_required(token_use="ID")


def test_invalid_token_use_of_verify_request_raises(app: Flask) -> None:
    with app.test_request_context("/"), pytest.raises(ValueError, match="token_use"):
        verify_request(token_use="refresh")


def test_optional_lets_anonymous_requests_through(app: Flask) -> None:
    client = app.test_client()
    with recording(app) as signals:
        anonymous = client.get("/optional")
        wrong_scheme = client.get("/optional", headers={"Authorization": "Basic eDp5"})
        optional_admins = client.get("/optional-admins")
    for response in (anonymous, wrong_scheme, optional_admins):
        assert response.status_code == 200
        assert response.get_json() == {"user": None}
    assert signals.verified == []
    assert signals.failed == []


def test_optional_with_a_valid_token_gives_the_user(app: Flask, user_pool: LocalUserPool) -> None:
    with recording(app) as signals:
        response = app.test_client().get("/optional", headers=bearer(user_pool.id_token(sub="o")))
    assert response.status_code == 200
    assert response.get_json()["user"] == "o"
    assert len(signals.verified) == 1


@pytest.mark.parametrize(
    ("token_kind", "error", "message"),
    [
        ("expired", TokenExpiredError, "token expired"),
        ("garbage", MalformedTokenError, "malformed token: expected three segments"),
        ("access", TokenUseMismatchError, "expected an ID token, got an access token"),
    ],
)
def test_optional_with_an_invalid_token_is_refused(
    app: Flask,
    user_pool: LocalUserPool,
    token_kind: str,
    error: type[CognitoAuthError],
    message: str,
) -> None:
    if token_kind == "expired":
        token = user_pool.id_token(expires_in=-60)
    elif token_kind == "access":
        token = user_pool.access_token()
    else:
        token = "garbage"
    with recording(app) as signals:
        response = app.test_client().get("/optional", headers=bearer(token))
    assert_refused(response, error, message, invalid_token(message))
    assert_failed_once(signals, app, error)


def test_optional_still_checks_groups_of_a_present_token(
    app: Flask, user_pool: LocalUserPool
) -> None:
    client = app.test_client()
    refused = client.get("/optional-admins", headers=bearer(user_pool.id_token()))
    assert refused.status_code == 403
    admin = client.get("/optional-admins", headers=bearer(user_pool.id_token(groups=["admins"])))
    assert admin.status_code == 200
