"""A header that holds no token of the expected form gets a ``MISSING_TOKEN`` whose message
names that form (issue 7, item 7); no header at all keeps the plain message."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from werkzeug.datastructures import EnvironHeaders
from werkzeug.test import EnvironBuilder

from flask_revstack_cognito import CognitoAuth, login_required
from flask_revstack_cognito.locate import _environ_key
from flask_revstack_cognito.testing import LocalUserPool

PLAIN = "missing bearer token"
EXPECTED_FORM = 'missing bearer token: expected "Authorization: Bearer <token>"'


@pytest.fixture(scope="module")
def user_pool() -> LocalUserPool:
    return LocalUserPool()


def make_app(pool: LocalUserPool, **config: Any) -> Flask:
    app = Flask("locate_messages")
    app.config.update(pool.config(**config))
    CognitoAuth(app, fetcher=pool.fetcher)

    @app.route("/me", methods=["GET", "POST"])
    @login_required
    def me() -> str:
        return "ok"

    return app


def refusal(app: Flask, headers: dict[str, str], method: str = "GET") -> tuple[int, Any, str]:
    response = app.test_client().open("/me", method=method, headers=headers)
    return response.status_code, response.get_json(), response.headers["WWW-Authenticate"]


def test_a_bare_token_names_the_expected_form(user_pool: LocalUserPool) -> None:
    token = user_pool.id_token()
    status, body, challenge = refusal(make_app(user_pool), {"Authorization": token})
    assert status == 401
    assert body == {"code": "MISSING_TOKEN", "message": EXPECTED_FORM}
    assert token not in body["message"]
    assert challenge == 'Bearer realm="locate_messages"'  # no error for a missing token


@pytest.mark.parametrize(
    "value", ["Basic dXNlcjpwYXNzd29yZA==", "Basic", "Bearer", "Bearer    ", "Token abc"]
)
def test_another_scheme_names_the_expected_form(user_pool: LocalUserPool, value: str) -> None:
    status, body, _ = refusal(make_app(user_pool), {"Authorization": value})
    assert status == 401
    assert body == {"code": "MISSING_TOKEN", "message": EXPECTED_FORM}


@pytest.mark.parametrize("headers", [{}, {"Authorization": ""}, {"Authorization": "   "}])
def test_no_header_value_keeps_the_plain_message(
    user_pool: LocalUserPool, headers: dict[str, str]
) -> None:
    assert refusal(make_app(user_pool), headers)[1] == {"code": "MISSING_TOKEN", "message": PLAIN}


def test_the_message_names_the_configured_header_and_scheme(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool, COGNITO_HEADER_NAME="X-Api-Token", COGNITO_HEADER_TYPE="JWT")
    _, body, _ = refusal(app, {"X-Api-Token": f"Bearer {user_pool.id_token()}"})
    assert body["message"] == 'missing bearer token: expected "X-Api-Token: JWT <token>"'
    # The Authorization header is not where this app looks: no header, the plain message.
    assert refusal(app, {"Authorization": "Basic abc"})[1]["message"] == PLAIN


def test_a_cookie_still_serves_after_a_header_of_another_form(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool, COGNITO_TOKEN_LOCATION="headers,cookies")
    client = app.test_client()
    assert client.get("/me", headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.get("/me", headers={"Authorization": "Basic abc"}).get_json() == {
        "code": "MISSING_TOKEN",
        "message": EXPECTED_FORM,
    }
    client.set_cookie("id_token", user_pool.id_token())
    assert client.get("/me", headers={"Authorization": "Basic abc"}).status_code == 200
    # A cross-site POST ignores the cookie: the header's form is still what is missing.
    cross = client.post(
        "/me", headers={"Authorization": "Basic abc", "Sec-Fetch-Site": "cross-site"}
    )
    assert cross.get_json()["message"] == EXPECTED_FORM


def test_cookies_only_keep_the_plain_message(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool, COGNITO_TOKEN_LOCATION="cookies")
    assert refusal(app, {"Authorization": "Basic abc"})[1]["message"] == PLAIN


@pytest.mark.parametrize(
    "name", ["Authorization", "authorization", "X-Api-Token", "x_api_token", "Content-Type"]
)
def test_the_header_is_read_where_werkzeug_reads_it(name: str) -> None:
    environ = EnvironBuilder(headers=[(name, "Bearer abc")]).get_environ()
    assert environ.get(_environ_key(name)) == EnvironHeaders(environ).get(name) == "Bearer abc"
