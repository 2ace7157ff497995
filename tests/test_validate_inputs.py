"""``CognitoAuth.validate`` never raises for a bad token, whatever its type; a wrong
``token_use`` is a mistake in the calling code and raises (issue 9, item 5)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from flask_revstack_cognito import (
    AuthSession,
    CognitoAuth,
    MalformedTokenError,
    login_required,
    verify_request,
)
from flask_revstack_cognito.testing import LocalUserPool

EXPECTED_FORM = 'missing bearer token: expected "Authorization: Bearer <token>"'
ALLOWED = r"token_use must be one of \('id', 'access', 'any'\) or None"


@pytest.fixture(scope="module")
def user_pool() -> LocalUserPool:
    return LocalUserPool()


@pytest.fixture
def app(user_pool: LocalUserPool) -> Flask:
    app = Flask("validate_inputs")
    app.config.update(user_pool.config())
    CognitoAuth(app, fetcher=user_pool.fetcher)
    return app


def auth_of(app: Flask) -> CognitoAuth:
    auth = app.extensions["revstack_cognito"]
    assert isinstance(auth, CognitoAuth)
    return auth


@pytest.mark.parametrize(
    "authorization",
    [
        b"Bearer eyJ.eyJ.sig",  # bytes are not decoded: a raw header is the caller's to decode
        b"",
        bytearray(b"Bearer x"),
        42,
        0,
        4.2,
        True,
        ["Bearer", "x"],
        [],
        {"Authorization": "Bearer x"},
        ("Bearer x",),
        object(),
    ],
    ids=repr,
)
def test_a_value_that_is_not_a_str_is_invalid_format(authorization: Any, app: Flask) -> None:
    with app.app_context():
        session = auth_of(app).validate(authorization)
    assert session == AuthSession(
        is_valid=False, error="malformed token", error_code="INVALID_FORMAT"
    )


def test_a_valid_token_of_the_bytes_is_still_refused(user_pool: LocalUserPool, app: Flask) -> None:
    token = user_pool.id_token()
    with app.app_context():
        assert auth_of(app).validate(f"Bearer {token}").is_valid
        raw: Any = f"Bearer {token}".encode()
        assert auth_of(app).validate(raw).error_code == "INVALID_FORMAT"


@pytest.mark.parametrize("token", [b"eyJ.eyJ.sig", 7, None, ["a.b.c"]], ids=repr)
def test_verify_refuses_a_token_that_is_not_a_str(token: Any, app: Flask) -> None:
    with app.app_context(), pytest.raises(MalformedTokenError):
        auth_of(app).verify(token)


@pytest.mark.parametrize("authorization", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer   ", "a b"])
def test_another_form_names_the_expected_one(authorization: str, app: Flask) -> None:
    with app.app_context():
        session = auth_of(app).validate(authorization)
    assert session == AuthSession(is_valid=False, error=EXPECTED_FORM, error_code="MISSING_TOKEN")


@pytest.mark.parametrize("authorization", [None, "", "   "])
def test_no_value_is_a_plain_missing_token(authorization: str | None, app: Flask) -> None:
    with app.app_context():
        session = auth_of(app).validate(authorization)
    assert session == AuthSession(
        is_valid=False, error="missing bearer token", error_code="MISSING_TOKEN"
    )


@pytest.mark.parametrize("token_use", ["bogus", "ID", "Access", "", " id", "none"])
@pytest.mark.parametrize("authorization", [None, "Bearer x.y.z", 42])
def test_validate_raises_for_a_token_use_that_does_not_exist(
    token_use: str, authorization: Any, app: Flask
) -> None:
    with app.app_context(), pytest.raises(ValueError, match=ALLOWED):
        auth_of(app).validate(authorization, token_use=token_use)


@pytest.mark.parametrize("token_use", ["bogus", "ID", ""])
def test_verify_raises_for_a_token_use_that_does_not_exist(
    token_use: str, user_pool: LocalUserPool, app: Flask
) -> None:
    with app.app_context(), pytest.raises(ValueError, match=ALLOWED):
        auth_of(app).verify(user_pool.id_token(), token_use=token_use)


@pytest.mark.parametrize("token_use", ["id", "access", "any", None])
def test_validate_accepts_the_allowed_token_uses(
    token_use: str | None, user_pool: LocalUserPool, app: Flask
) -> None:
    token = user_pool.access_token() if token_use == "access" else user_pool.id_token()
    with app.app_context():
        assert auth_of(app).validate(f"Bearer {token}", token_use=token_use).is_valid


def test_an_empty_token_use_is_refused_by_the_request_checks(app: Flask) -> None:
    with pytest.raises(ValueError, match=ALLOWED):
        login_required(token_use="")
    with app.test_request_context("/"), pytest.raises(ValueError, match=ALLOWED):
        verify_request(token_use="")
