"""Redis down: requests are refused with a 503, never let through; Redis back: service resumes.

The server is really stopped and started again on the same port; the app is not restarted.
"""

from __future__ import annotations

import logging

import pytest
from redis_helpers import CountingListener, auth_of, bearer, make_host

from benchmarks.redis_server import RedisServer
from flask_revstack_cognito import JWKSUnavailableError, verification_failed
from flask_revstack_cognito.revocation import RevocationStoreError, RevocationUnavailableError
from flask_revstack_cognito.testing import LocalUserPool


def test_requests_get_503_while_redis_is_stopped_never_200(
    live_pool: LocalUserPool, redis_server: RedisServer
) -> None:
    app = make_host(live_pool, redis_server.url)
    client = app.test_client()
    token = live_pool.id_token()
    assert client.get("/me", headers=bearer(token)).status_code == 200  # now a cache hit

    redis_server.stop()
    failures: list[object] = []
    with verification_failed.connected_to(lambda sender, error: failures.append(error), app):
        answers = [client.get("/me", headers=bearer(t)) for t in (token, live_pool.id_token())]

    assert [answer.status_code for answer in answers] == [503, 503]
    for answer in answers:
        assert answer.get_json() == {
            "code": "NETWORK_ERROR",
            "message": "the revocation list could not be checked",
        }
        assert answer.headers["Retry-After"] == "5"
        assert "WWW-Authenticate" not in answer.headers
    assert all(isinstance(error, RevocationUnavailableError) for error in failures)
    assert all(isinstance(error, JWKSUnavailableError) for error in failures)


def test_service_resumes_when_redis_is_back_without_restarting_the_app(
    live_pool: LocalUserPool, redis_server: RedisServer
) -> None:
    app = make_host(live_pool, redis_server.url)
    client = app.test_client()
    token = live_pool.id_token()
    assert client.get("/me", headers=bearer(token)).status_code == 200
    redis_server.stop()
    assert client.get("/me", headers=bearer(token)).status_code == 503

    redis_server.start()  # same port, empty: nothing was persisted

    assert client.get("/me", headers=bearer(token)).status_code == 200
    revoked = live_pool.id_token()
    assert client.post("/revoke", headers=bearer(revoked)).status_code == 204
    assert client.get("/me", headers=bearer(revoked)).status_code == 401


def test_a_revocation_while_redis_is_stopped_raises(
    live_pool: LocalUserPool, redis_server: RedisServer
) -> None:
    app = make_host(live_pool, redis_server.url)
    redis_server.stop()

    with app.app_context(), pytest.raises(RevocationStoreError, match="Redis could not record"):
        auth_of(app).revoke(live_pool.id_token())


def test_an_outage_is_logged_once_and_its_end_once(
    live_pool: LocalUserPool, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_host(live_pool, redis_server.url)
    client = app.test_client()
    token = live_pool.id_token()
    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="flask_revstack_cognito"):
        for _ in range(3):
            assert client.get("/me", headers=bearer(token)).status_code == 503
        redis_server.start()
        for _ in range(2):
            assert client.get("/me", headers=bearer(token)).status_code == 200

    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 2, messages
    assert messages[0].startswith("the revocation store cannot answer, refusing tokens: Redis")
    assert messages[1] == "the revocation store answers again"
    assert token not in caplog.text


def test_a_broken_redis_is_tried_twice_per_request_not_with_backoff(
    live_pool: LocalUserPool,
) -> None:
    with CountingListener(hold=False) as listener:
        client = make_host(live_pool, f"redis://127.0.0.1:{listener.port}/0").test_client()
        answer = client.get("/me", headers=bearer(live_pool.id_token()))

    assert answer.status_code == 503
    assert listener.accepted == 2  # one immediate retry; the library's default makes it 4


def test_a_restart_between_two_requests_is_not_seen_by_the_second(
    live_pool: LocalUserPool, redis_server: RedisServer
) -> None:
    client = make_host(live_pool, redis_server.url).test_client()
    token = live_pool.id_token()
    assert client.get("/me", headers=bearer(token)).status_code == 200

    redis_server.stop()
    redis_server.start()  # the pooled connection is dead; no request noticed it

    assert client.get("/me", headers=bearer(token)).status_code == 200
