"""Tokens too large for a browser cookie: a clear page, not a sign-in that silently loops."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from signin_helpers import BROWSER, PASSWORD, cookie_value, set_cookie_headers, sign_in

from flask_revstack_cognito.testing import LocalUserPool

LARGE = {"bio": "x" * 4000}


def test_a_sign_in_whose_id_token_does_not_fit_is_refused(
    client: FlaskClient, signin_pool: LocalUserPool, caplog: pytest.LogCaptureFixture
) -> None:
    signin_pool.add_user("verbose", PASSWORD, custom=LARGE)
    with caplog.at_level("WARNING", logger="flask_revstack_cognito"):
        response = sign_in(client, "verbose")
    assert response.status_code == 502
    assert "too large for a browser cookie" in response.text
    assert set(set_cookie_headers(response)) <= {"session"}
    assert "the id_token cookie would be" in caplog.text


def test_refreshed_tokens_that_do_not_fit_clear_the_cookies(
    client: FlaskClient, signin_pool: LocalUserPool
) -> None:
    user = signin_pool.add_user("growing", PASSWORD)
    sign_in(client, "growing")
    signin_pool.add_user("growing", PASSWORD, sub=user.sub, custom=LARGE)
    client.delete_cookie("id_token")
    client.delete_cookie("access_token")
    page = client.get("/private", headers=BROWSER)
    assert page.status_code == 200  # this request was served with the refreshed tokens
    assert "Max-Age=0" in set_cookie_headers(page)["refresh_token"]
    assert cookie_value(client, "refresh_token") is None
