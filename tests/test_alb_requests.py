"""Requests behind an ALB: the data token for ID views, the access token for access views.

The app is configured with the pool's settings and the load balancer's (``COGNITO_ALB_ARN``,
``COGNITO_ALB_KEY_URL`` on loopback); responses and signals are those of bearer tokens.
"""

from __future__ import annotations

import gc
from typing import Any

from alb_helpers import make_alb_app
from flask import Flask

from flask_revstack_cognito import CognitoAuthError, CognitoUser
from flask_revstack_cognito.alb import AlbFeature
from flask_revstack_cognito.alb_keys import AlbKeyCache
from flask_revstack_cognito.appstate import get_extension
from flask_revstack_cognito.signals import (
    jwks_fetch_failed,
    jwks_refreshed,
    token_verified,
    verification_failed,
)
from flask_revstack_cognito.testing import AlbKeyServer, LocalLoadBalancer, LocalUserPool


def data(token: str) -> dict[str, str]:
    return {"X-Amzn-Oidc-Data": token}


def test_an_alb_request_passes_with_token_use_alb(alb_app: Flask, alb: LocalLoadBalancer) -> None:
    response = alb_app.test_client().get("/me", headers=alb.headers(sub="user-1"))
    assert response.status_code == 200
    assert response.get_json() == {
        "user_id": "user-1",
        "token_use": "alb",
        "username": "jane",
        "groups": [],
        "scopes": [],
    }


def test_a_view_needing_any_token_takes_the_data_token(
    alb_app: Flask, alb: LocalLoadBalancer
) -> None:
    response = alb_app.test_client().get("/any", headers=alb.headers())
    assert response.get_json()["token_use"] == "alb"


def test_a_refusal_answers_and_signals_as_for_bearer_tokens(
    alb_app: Flask, alb: LocalLoadBalancer
) -> None:
    failures: list[CognitoAuthError] = []
    with verification_failed.connected_to(
        lambda sender, error, **extra: failures.append(error), alb_app
    ):
        response = alb_app.test_client().get("/me", headers=data(alb.data_token(expires_in=-60)))
    assert response.status_code == 401
    assert response.get_json() == {"code": "TOKEN_EXPIRED", "message": "token expired"}
    assert response.headers["WWW-Authenticate"] == (
        'Bearer realm="alb_app", error="invalid_token", error_description="token expired"'
    )
    assert [error.code for error in failures] == ["TOKEN_EXPIRED"]


def test_a_verified_request_signals_its_user(alb_app: Flask, alb: LocalLoadBalancer) -> None:
    users: list[CognitoUser] = []
    with token_verified.connected_to(lambda sender, user, **extra: users.append(user), alb_app):
        alb_app.test_client().get("/me", headers=alb.headers(sub="user-2"))
    assert [(user.user_id, user.token_use) for user in users] == [("user-2", "alb")]


def test_unreachable_keys_are_a_503_with_retry_after(
    alb_app: Flask, alb: LocalLoadBalancer, key_server: AlbKeyServer
) -> None:
    key_server.answer_html()
    response = alb_app.test_client().get("/me", headers=data(alb.data_token()))
    assert response.status_code == 503
    assert response.get_json()["code"] == "NETWORK_ERROR"
    assert int(response.headers["Retry-After"]) >= 1


def test_the_access_token_path_passes_groups_and_scopes(
    alb_app: Flask, alb: LocalLoadBalancer, served_pool: LocalUserPool
) -> None:
    access = served_pool.access_token(sub="user-3", groups=["admins"], scopes=["orders/read"])
    response = alb_app.test_client().get("/orders", headers=alb.headers(access_token=access))
    assert response.status_code == 200
    body = response.get_json()
    assert body["user_id"] == "user-3"
    assert body["token_use"] == "access"
    assert body["groups"] == ["admins"]
    assert body["scopes"] == ["orders/read"]


def test_the_access_token_path_refuses_a_user_lacking_them(
    alb_app: Flask, alb: LocalLoadBalancer, served_pool: LocalUserPool
) -> None:
    client = alb_app.test_client()
    no_group = served_pool.access_token(scopes=["orders/read"])
    response = client.get("/orders", headers=alb.headers(access_token=no_group))
    assert response.status_code == 403
    assert response.get_json()["message"] == "lacks a required group"
    no_scope = served_pool.access_token(groups=["admins"])
    response = client.get("/orders", headers=alb.headers(access_token=no_scope))
    assert response.status_code == 403
    assert response.get_json()["message"] == "lacks a required scope"


def test_the_access_token_header_is_verified_with_the_pool_s_keys(
    alb_app: Flask, alb: LocalLoadBalancer, served_pool: LocalUserPool
) -> None:
    client = alb_app.test_client()
    id_token = served_pool.id_token(groups=["admins"])
    response = client.get("/orders", headers=alb.headers(access_token=id_token))
    assert response.get_json()["code"] == "TOKEN_USE_MISMATCH"
    other = LocalUserPool(user_pool_id=served_pool.user_pool_id)  # same pool id, other keys
    forged = other.access_token(groups=["admins"], scopes=["orders/read"])
    response = client.get("/orders", headers=alb.headers(access_token=forged))
    assert response.get_json()["code"] == "UNKNOWN_KEY"


def test_the_alb_header_comes_before_the_authorization_header(
    alb_app: Flask, alb: LocalLoadBalancer, served_pool: LocalUserPool
) -> None:
    # A bad data token is refused, not replaced by another header's token.
    headers = {
        **data(alb.data_token(expires_in=-60)),
        "Authorization": f"Bearer {served_pool.id_token()}",
    }
    response = alb_app.test_client().get("/me", headers=headers)
    assert response.get_json()["code"] == "TOKEN_EXPIRED"


def test_without_alb_headers_the_authorization_header_serves(
    alb_app: Flask, served_pool: LocalUserPool, key_server: AlbKeyServer
) -> None:
    client = alb_app.test_client()
    response = client.get("/me", headers={"Authorization": f"Bearer {served_pool.id_token()}"})
    assert response.get_json()["token_use"] == "id"
    assert client.get("/me").get_json()["code"] == "MISSING_TOKEN"
    blank = client.get("/me", headers={"X-Amzn-Oidc-Data": "  "})
    assert blank.get_json()["code"] == "MISSING_TOKEN"
    assert key_server.request_count == 0


def test_an_access_view_without_the_access_header_takes_the_plain_path(
    alb_app: Flask, alb: LocalLoadBalancer, served_pool: LocalUserPool
) -> None:
    client = alb_app.test_client()
    response = client.get("/orders", headers=data(alb.data_token()))
    assert response.get_json()["code"] == "MISSING_TOKEN"
    access = served_pool.access_token(groups=["admins"], scopes=["orders/read"])
    headers = {**data(alb.data_token()), "Authorization": f"Bearer {access}"}
    assert client.get("/orders", headers=headers).status_code == 200


def test_the_feature_is_registered(alb_app: Flask, alb: LocalLoadBalancer) -> None:
    _, state = get_extension(alb_app)
    feature = state.feature(AlbFeature)
    assert feature is not None
    assert [balancer.arn for balancer in feature.load_balancers] == [alb.arn]
    assert alb.arn in repr(feature)


def test_key_fetches_send_the_jwks_signals(
    alb_app: Flask, alb: LocalLoadBalancer, key_server: AlbKeyServer
) -> None:
    heard: list[tuple[str, Any]] = []
    with (
        jwks_refreshed.connected_to(
            lambda sender, issuer, key_ids: heard.append((issuer, key_ids)), alb_app
        ),
        jwks_fetch_failed.connected_to(
            lambda sender, issuer, error: heard.append((issuer, type(error).__name__)), alb_app
        ),
    ):
        client = alb_app.test_client()
        first_kid = alb.kid
        client.get("/me", headers=data(alb.data_token()))
        key_server.fail_with(500)
        alb.rotate_key()
        client.get("/me", headers=data(alb.data_token()))
    assert heard == [(key_server.url, (first_kid,)), (key_server.url, "JWKSFetchError")]


def test_key_signals_stop_with_the_app(served_pool: LocalUserPool, alb: LocalLoadBalancer) -> None:
    # The key caches hold the app weakly: once it is gone, their listeners send nothing.
    app = make_alb_app(**served_pool.config(), **alb.config(COGNITO_ALB_KEY_URL="https://k.test"))
    feature = get_extension(app)[1].feature(AlbFeature)
    assert feature is not None
    cache = feature.verifier._key_sources[alb.arn]
    assert isinstance(cache, AlbKeyCache)
    del app
    gc.collect()
    assert cache._on_fetched is not None
    assert cache._on_fetch_failed is not None
    cache._on_fetched("kid")  # no app to send from: nothing happens, nothing raises
    cache._on_fetch_failed(RuntimeError("down"))
