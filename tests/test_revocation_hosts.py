"""Two hosts sharing one Redis: a sign-in revoked through one is refused by the other at once.

Each host is its own app with its own verifier and caches, as two machines would have; only the
Redis server (real, on 127.0.0.1) is shared.
"""

from __future__ import annotations

from flask import Flask
from redis_helpers import bearer, make_host

from benchmarks.redis_server import RedisServer
from flask_revstack_cognito.testing import LocalUserPool

OTHER_SUB = "b2c3d4e5-0000-4000-8000-00000000beef"


def hosts(pool: LocalUserPool, server: RedisServer) -> tuple[Flask, Flask]:
    return make_host(pool, server.url, "host_a"), make_host(pool, server.url, "host_b")


def test_a_token_revoked_through_one_host_is_refused_by_the_other(
    live_pool: LocalUserPool, redis_server: RedisServer
) -> None:
    host_a, host_b = hosts(live_pool, redis_server)
    token = live_pool.id_token()
    client_b = host_b.test_client()
    assert client_b.get("/me", headers=bearer(token)).status_code == 200

    assert host_a.test_client().post("/revoke", headers=bearer(token)).status_code == 204

    refused = client_b.get("/me", headers=bearer(token))
    assert refused.status_code == 401
    assert refused.get_json() == {"code": "TOKEN_REVOKED", "message": "token revoked"}
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]


def test_a_token_a_refresh_issues_later_is_refused_too(
    live_pool: LocalUserPool, redis_server: RedisServer
) -> None:
    host_a, host_b = hosts(live_pool, redis_server)
    first = live_pool.id_token(origin_jti="sign-in-1", jti="token-1")
    assert host_a.test_client().post("/revoke", headers=bearer(first)).status_code == 204

    # What Cognito's refresh gives: the same origin_jti, a new jti, minted after the revocation.
    refreshed = live_pool.id_token(origin_jti="sign-in-1", jti="token-2")
    refreshed_access = live_pool.access_token(origin_jti="sign-in-1", jti="token-3")

    client_b = host_b.test_client()
    assert client_b.get("/me", headers=bearer(refreshed)).get_json()["code"] == "TOKEN_REVOKED"
    assert client_b.get("/me", headers=bearer(refreshed_access)).status_code == 401


def test_the_tokens_of_other_sign_ins_still_pass(
    live_pool: LocalUserPool, redis_server: RedisServer
) -> None:
    host_a, host_b = hosts(live_pool, redis_server)
    revoked = live_pool.id_token()
    same_user_other_device = live_pool.id_token()
    other_user = live_pool.id_token(sub=OTHER_SUB)
    assert host_a.test_client().post("/revoke", headers=bearer(revoked)).status_code == 204

    client_b = host_b.test_client()
    assert client_b.get("/me", headers=bearer(revoked)).status_code == 401
    answer = client_b.get("/me", headers=bearer(other_user))
    assert answer.status_code == 200
    assert answer.get_json() == {"user_id": OTHER_SUB}
    assert client_b.get("/me", headers=bearer(same_user_other_device)).status_code == 200


def test_a_revoked_token_held_in_the_verified_token_cache_is_refused(
    live_pool: LocalUserPool, redis_server: RedisServer
) -> None:
    host_a, host_b = hosts(live_pool, redis_server)
    token = live_pool.id_token()
    client_b = host_b.test_client()
    assert client_b.get("/me", headers=bearer(token)).status_code == 200
    verifier = host_b.extensions["revstack_cognito"].state(host_b).verifier
    assert verifier._token_cache.get(token) is not None  # the next request is a cache hit

    assert host_a.test_client().post("/revoke", headers=bearer(token)).status_code == 204

    assert client_b.get("/me", headers=bearer(token)).get_json()["code"] == "TOKEN_REVOKED"
    assert verifier._token_cache.get(token) is not None  # refused although still cached


def test_a_client_credentials_token_is_revoked_by_its_own_jti(
    live_pool: LocalUserPool, redis_server: RedisServer
) -> None:
    host_a, host_b = hosts(live_pool, redis_server)
    machine = live_pool.access_token(origin_jti=None, jti="machine-token-1")
    other_machine = live_pool.access_token(origin_jti=None, jti="machine-token-2")
    assert host_a.test_client().post("/revoke", headers=bearer(machine)).status_code == 204

    client_b = host_b.test_client()
    assert client_b.get("/me", headers=bearer(machine)).status_code == 401
    assert client_b.get("/me", headers=bearer(other_machine)).status_code == 200
