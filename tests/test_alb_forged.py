"""An app without ``COGNITO_ALB_ARN`` never reads the ALB headers: a forged one is ignored."""

from __future__ import annotations

from alb_helpers import make_alb_app

from flask_revstack_cognito.testing import AlbKeyServer, LocalLoadBalancer, LocalUserPool


def test_a_forged_data_header_is_ignored_without_alb_config(
    served_pool: LocalUserPool, alb: LocalLoadBalancer, key_server: AlbKeyServer
) -> None:
    # A perfectly signed data token, with its keys served: still no location reads it.
    app = make_alb_app(**served_pool.config())
    client = app.test_client()
    response = client.get("/me", headers=alb.headers())
    assert response.status_code == 401
    assert response.get_json() == {"code": "MISSING_TOKEN", "message": "missing bearer token"}
    assert key_server.request_count == 0


def test_a_request_with_a_forged_header_is_judged_by_its_authorization(
    served_pool: LocalUserPool, alb: LocalLoadBalancer, key_server: AlbKeyServer
) -> None:
    app = make_alb_app(**served_pool.config())
    headers = {
        **alb.headers(sub="admin"),
        "Authorization": f"Bearer {served_pool.id_token(sub='user-1')}",
    }
    body = app.test_client().get("/me", headers=headers).get_json()
    assert body["user_id"] == "user-1"
    assert body["token_use"] == "id"
    assert key_server.request_count == 0


def test_a_forged_access_header_is_ignored_too(
    served_pool: LocalUserPool, alb: LocalLoadBalancer
) -> None:
    app = make_alb_app(**served_pool.config())
    access = served_pool.access_token(groups=["admins"], scopes=["orders/read"])
    response = app.test_client().get("/orders", headers=alb.headers(access_token=access))
    assert response.get_json()["code"] == "MISSING_TOKEN"
