"""The first request that reads a header name: its WSGI environ key is not remembered yet.

``locate`` remembers each header name's environ key after its first use. Every other test of
a process may have used the names already; these start with nothing remembered.
"""

from __future__ import annotations

import pytest
from decorator_helpers import bearer, make_app

from flask_revstack_cognito import locate
from flask_revstack_cognito.testing import LocalUserPool


@pytest.mark.parametrize("header_name", ["Authorization", "X-Api-Token"])
def test_the_first_request_finds_its_token_before_the_key_is_remembered(
    user_pool: LocalUserPool, monkeypatch: pytest.MonkeyPatch, header_name: str
) -> None:
    app = make_app(user_pool, COGNITO_HEADER_NAME=header_name)
    monkeypatch.setattr(locate, "_ENVIRON_KEYS", {})
    token = user_pool.id_token(sub="first")
    headers = {header_name: bearer(token)["Authorization"]}
    response = app.test_client().get("/me", headers=headers)
    assert response.status_code == 200
    assert response.get_json()["user"] == "first"
    remembered = {header_name: f"HTTP_{header_name.upper().replace('-', '_')}"}
    assert remembered == locate._ENVIRON_KEYS
