"""A refused request is logged once, at INFO: its error code and path, never its token."""

from __future__ import annotations

import logging

import pytest
from decorator_helpers import bearer, make_app

from flask_revstack_cognito.testing import LocalUserPool


def test_a_refusal_logs_its_code_and_path(
    user_pool: LocalUserPool, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(user_pool)
    token = user_pool.id_token(expires_in=-60)
    with caplog.at_level(logging.INFO, logger="flask_revstack_cognito"):
        assert app.test_client().get("/me", headers=bearer(token)).status_code == 401
        assert app.test_client().get("/me").status_code == 401
    refusals = [r.getMessage() for r in caplog.records if r.name == "flask_revstack_cognito"]
    assert refusals == [
        "request refused: TOKEN_EXPIRED ('/me')",
        "request refused: MISSING_TOKEN ('/me')",
    ]
    assert token not in caplog.text
