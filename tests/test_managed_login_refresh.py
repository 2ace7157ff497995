"""The stand-in's refresh grant, revocation and userInfo behave like Cognito's."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from conftest import FakeClock
from managed_login_helpers import CALLBACK, exchange, post, sign_in_code

from flask_revstack_cognito.testing import JWKSServer, LocalUser, LocalUserPool
from flask_revstack_cognito.tokens import parse_token


def signed_in(pool: LocalUserPool, username: str = "admin") -> dict[str, Any]:
    body: dict[str, Any] = exchange(pool, sign_in_code(pool, username)).json()
    return body


def refresh(pool: LocalUserPool, token: str, **extra: str) -> requests.Response:
    form = {"grant_type": "refresh_token", "refresh_token": token, "client_id": pool.client_id}
    form.update(extra)
    response: requests.Response = post(pool, "/oauth2/token", form)
    return response


def revoke(pool: LocalUserPool, token: str, **extra: Any) -> requests.Response:
    response: requests.Response = post(
        pool, "/oauth2/revoke", {"token": token, "client_id": pool.client_id}, **extra
    )
    return response


def claims(token: str) -> dict[str, Any]:
    return dict(parse_token(token).claims)


def test_a_refresh_keeps_the_sign_ins_origin_jti_with_new_jtis(
    stand_in: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    first = signed_in(pool)
    clock.advance(3000)
    answer = refresh(pool, first["refresh_token"])
    assert answer.status_code == 200
    body = answer.json()
    assert sorted(body) == ["access_token", "expires_in", "id_token", "token_type"]
    for name in ("id_token", "access_token"):
        old, new = claims(first[name]), claims(body[name])
        assert new["origin_jti"] == old["origin_jti"]
        assert new["event_id"] == old["event_id"]
        assert new["auth_time"] == old["auth_time"]
        assert new["jti"] != old["jti"]
        assert new["iat"] == old["iat"] + 3000
    assert "nonce" not in claims(body["id_token"])
    assert claims(body["access_token"])["scope"] == "openid email profile"
    other_sign_in = signed_in(pool)
    assert (
        claims(other_sign_in["id_token"])["origin_jti"] != claims(first["id_token"])["origin_jti"]
    )


def test_a_revoked_refresh_token_is_refused(stand_in: JWKSServer, pool: LocalUserPool) -> None:
    tokens = signed_in(pool)
    kept = signed_in(pool)
    answer = revoke(pool, tokens["refresh_token"])
    assert (answer.status_code, answer.content) == (200, b"")
    refused = refresh(pool, tokens["refresh_token"])
    assert (refused.status_code, refused.json()) == (400, {"error": "invalid_grant"})
    assert refresh(pool, kept["refresh_token"]).status_code == 200  # another sign-in's stays
    assert revoke(pool, tokens["refresh_token"]).status_code == 200  # again: still 200


@pytest.mark.parametrize("token", ["never-issued", ""])
def test_an_unknown_or_missing_refresh_token(
    stand_in: JWKSServer, pool: LocalUserPool, token: str
) -> None:
    expected = "invalid_grant" if token else "invalid_request"
    assert refresh(pool, token).json() == {"error": expected}


def test_a_refresh_token_belongs_to_its_client(stand_in: JWKSServer, pool: LocalUserPool) -> None:
    pool.register_client(client_id="other-client", callback_urls=[CALLBACK])
    token = signed_in(pool)["refresh_token"]
    assert refresh(pool, token, client_id="other-client").json() == {"error": "invalid_grant"}
    refused = post(pool, "/oauth2/revoke", {"token": token, "client_id": "other-client"})
    assert (refused.status_code, refused.json()) == (400, {"error": "invalid_grant"})
    assert refresh(pool, token).status_code == 200  # not revoked by the other client


def test_a_refresh_for_a_user_removed_since_is_invalid_grant(
    stand_in: JWKSServer, pool: LocalUserPool
) -> None:
    token = signed_in(pool, "member")["refresh_token"]
    pool.add_user("member", "new-password", enabled=False)
    assert refresh(pool, token).json() == {"error": "invalid_grant"}


def test_revoke_authenticates_the_client_and_takes_only_refresh_tokens(
    stand_in: JWKSServer, pool: LocalUserPool
) -> None:
    tokens = signed_in(pool)
    pool.register_client(callback_urls=[CALLBACK], client_secret="s3cret")
    wrong = post(
        pool, "/oauth2/revoke", {"token": tokens["refresh_token"]}, auth=(pool.client_id, "x")
    )
    assert (wrong.status_code, wrong.json()) == (401, {"error": "invalid_client"})
    secret = (pool.client_id, "s3cret")
    jwt = post(pool, "/oauth2/revoke", {"token": tokens["access_token"]}, auth=secret)
    assert (jwt.status_code, jwt.json()) == (400, {"error": "unsupported_token_type"})
    missing = post(pool, "/oauth2/revoke", {}, auth=secret)
    assert (missing.status_code, missing.json()) == (400, {"error": "invalid_request"})
    assert post(pool, "/oauth2/revoke", {"token": tokens["refresh_token"]}, auth=secret).ok
    assert pool.managed_login.is_revoked(tokens["refresh_token"])


def user_info(pool: LocalUserPool, authorization: str | None) -> requests.Response:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return requests.get(f"{pool.domain}/oauth2/userInfo", headers=headers, timeout=5)


def test_user_info_answers_the_users_attributes(stand_in: JWKSServer, pool: LocalUserPool) -> None:
    tokens = signed_in(pool)
    answer = user_info(pool, f"Bearer {tokens['access_token']}")
    assert answer.json() == {
        "sub": pool.users["admin"].sub,
        "username": "admin",
        "email": "admin@example.com",
        "email_verified": "true",
        "custom:tenant": "acme",
    }


@pytest.mark.parametrize("kind", ["none", "basic", "id_token", "garbage", "no_openid", "revoked"])
def test_user_info_refuses_what_cognito_refuses(
    stand_in: JWKSServer, pool: LocalUserPool, kind: str
) -> None:
    tokens = signed_in(pool)
    header: str | None = {
        "none": None,
        "basic": "Basic YTpi",
        "id_token": f"Bearer {tokens['id_token']}",
        "garbage": "Bearer not-a-token",
        "no_openid": f"Bearer {pool.access_token(username='admin', scopes=['profile'])}",
        "revoked": f"Bearer {tokens['access_token']}",
    }[kind]
    if kind == "revoked":
        revoke(pool, tokens["refresh_token"])
    refused = user_info(pool, header)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_token"
    assert refused.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_user_info_of_a_user_without_email(stand_in: JWKSServer, pool: LocalUserPool) -> None:
    pool.users["quiet"] = LocalUser(username="quiet", password="Passw0rd!", sub="sub-quiet")
    tokens = signed_in(pool, "quiet")
    assert user_info(pool, f"Bearer {tokens['access_token']}").json() == {
        "sub": "sub-quiet",
        "username": "quiet",
    }
    assert "email" not in claims(tokens["id_token"])
