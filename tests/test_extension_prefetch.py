"""``prefetch`` and its signals, and requests while the JWKS is down (503 with ``Retry-After``)."""

from __future__ import annotations

import pytest
from conftest import closed_port_url
from extension_helpers import POOL_A, bearer, json_body, make_app, recording
from werkzeug.test import TestResponse

from flask_revstack_cognito import (
    CognitoAuth,
    JWKSUnavailableError,
    jwks_fetch_failed,
    jwks_refreshed,
)
from flask_revstack_cognito.jwks import JWKSFetchError
from flask_revstack_cognito.testing import LocalUserPool

# -- helpers ------------------------------------------------------------------------------------


# -- prefetch and signals -----------------------------------------------------------------------


def test_prefetch_loads_the_keys_and_sends_jwks_refreshed(
    cognito_pool: LocalUserPool,
) -> None:
    server = cognito_pool.serve()
    app = make_app(**cognito_pool.config())
    other = make_app("other", **cognito_pool.config())
    auth = CognitoAuth()
    auth.init_app(app)
    auth.init_app(other)

    with (
        recording(jwks_refreshed, app) as refreshed,
        recording(jwks_refreshed, other) as refreshed_other,
        recording(jwks_fetch_failed, app) as failed,
        app.app_context(),
    ):
        assert auth.prefetch() == {cognito_pool.issuer: (cognito_pool.kid,)}

    assert server.request_count == 1
    assert len(refreshed) == 1
    sender, kwargs = refreshed[0]
    assert sender is app
    assert kwargs == {"issuer": cognito_pool.issuer, "key_ids": (cognito_pool.kid,)}
    assert refreshed_other == []
    assert failed == []

    # The first request needs no fetch.
    response = app.test_client().get("/me", headers=bearer(cognito_pool.id_token(sub="warm")))
    assert response.status_code == 200
    assert json_body(response)["user_id"] == "warm"
    assert server.request_count == 1


def test_prefetch_failure_sends_jwks_fetch_failed_and_raises(
    cognito_pool: LocalUserPool,
) -> None:
    server = cognito_pool.serve()
    app = make_app(**cognito_pool.config())
    auth = CognitoAuth(app)
    server.fail_with(500)

    with (
        recording(jwks_refreshed, app) as refreshed,
        recording(jwks_fetch_failed, app) as failed,
        app.app_context(),
        pytest.raises(JWKSUnavailableError) as info,
    ):
        auth.prefetch()

    assert info.value.code == "NETWORK_ERROR"
    assert info.value.status == 503
    assert server.request_count == 1
    assert refreshed == []
    assert len(failed) == 1
    sender, kwargs = failed[0]
    assert sender is app
    assert set(kwargs) == {"issuer", "error"}
    assert kwargs["issuer"] == cognito_pool.issuer
    assert isinstance(kwargs["error"], Exception)
    assert "500" in str(kwargs["error"])

    # Once the server is back, a prefetch (which ignores the cooldown) loads the keys.
    server.recover()
    with app.app_context():
        assert auth.prefetch() == {cognito_pool.issuer: (cognito_pool.kid,)}


# -- the JWKS being down ------------------------------------------------------------------------


def assert_network_error(response: TestResponse) -> None:
    assert response.status_code == 503
    assert response.mimetype == "application/json"
    assert json_body(response) == {"code": "NETWORK_ERROR", "message": "keys could not be fetched"}
    retry_after = response.headers.get("Retry-After")
    assert retry_after is not None
    assert retry_after.isdigit()
    assert int(retry_after) >= 1
    assert "WWW-Authenticate" not in response.headers


def test_a_failing_jwks_server_gives_503_with_retry_after(cognito_pool: LocalUserPool) -> None:
    server = cognito_pool.serve()
    server.fail_with(500)
    app = make_app(**cognito_pool.config())
    CognitoAuth(app)
    token = cognito_pool.id_token()

    with recording(jwks_fetch_failed, app) as failed:
        response = app.test_client().get("/me", headers=bearer(token))

    assert_network_error(response)
    assert token not in response.get_data(as_text=True)
    assert server.request_count == 1
    assert len(failed) == 1
    # Within the cooldown the next request does not hammer the server, and still fails closed.
    response = app.test_client().get("/admin", headers=bearer(token))
    assert_network_error(response)
    assert server.request_count == 1


def test_a_closed_port_gives_503_and_never_accepts_the_token(pool_a: LocalUserPool) -> None:
    app = make_app(
        **pool_a.config(COGNITO_JWKS_URI=closed_port_url(POOL_A), COGNITO_JWKS_TIMEOUT=2)
    )
    auth = CognitoAuth(app)
    token = pool_a.id_token()
    with recording(jwks_fetch_failed, app) as failed:
        response = app.test_client().get("/me", headers=bearer(token))
    assert_network_error(response)
    assert len(failed) == 1
    assert isinstance(failed[0][1]["error"], JWKSFetchError)
    with app.app_context():
        session = auth.validate(token)
    assert session.error_code == "NETWORK_ERROR"
    assert not session.is_valid


@pytest.mark.parametrize(
    ("status", "body"),
    [(200, b"<html>maintenance</html>"), (200, b'{"no": "keys"}'), (404, b"not found")],
)
def test_a_response_that_is_not_a_jwks_gives_503(
    status: int, body: bytes, cognito_pool: LocalUserPool
) -> None:
    cognito_pool.serve().fail_with(status, body)
    app = make_app(**cognito_pool.config())
    CognitoAuth(app)
    response = app.test_client().get("/me", headers=bearer(cognito_pool.id_token()))
    assert_network_error(response)


def test_a_stopped_jwks_server_gives_503(pool_a: LocalUserPool) -> None:
    with pool_a.serve():
        config = pool_a.config()
    app = make_app(**config)
    CognitoAuth(app)
    assert_network_error(app.test_client().get("/me", headers=bearer(pool_a.id_token())))
