"""The demo's managed login: the stand-in in front of moto, so the tokens are moto's."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import boto3  # type: ignore[import-untyped]
import pytest
import requests
from managed_login_helpers import query_of

from example_app.demo import DemoStack
from example_app.hosted_ui import MotoSignInBackend
from example_app.local_cognito import DEMO_USERS, LocalCognito
from flask_revstack_cognito.testing import (
    SESSION_COOKIE,
    Grant,
    InvalidAccessToken,
    SignInFailed,
    SignInRefused,
    browser_sign_in,
)
from flask_revstack_cognito.tokens import parse_token

ALICE, BOB = DEMO_USERS


@pytest.fixture
def cognito(stack: DemoStack) -> LocalCognito:
    assert stack.cognito is not None
    return stack.cognito


def authorize_url(stack: DemoStack, cognito: LocalCognito, **extra: str) -> str:
    parameters = {
        "response_type": "code",
        "client_id": cognito.client_id,
        "redirect_uri": f"{stack.url}auth/callback",
        "scope": "openid email profile",
        "state": "demo-state",
        "nonce": "demo-nonce",
    }
    parameters.update(extra)
    return f"{cognito.domain}/oauth2/authorize?{urlencode(parameters)}"


def token_call(cognito: LocalCognito, **form: str) -> requests.Response:
    form.setdefault("client_id", cognito.client_id)
    return requests.post(f"{cognito.domain}/oauth2/token", data=form, timeout=10)


def sign_in(
    stack: DemoStack, cognito: LocalCognito, browser: requests.Session | None = None
) -> dict[str, Any]:
    callback = browser_sign_in(
        authorize_url(stack, cognito), ALICE.username, ALICE.password, session=browser
    )
    assert query_of(callback)["state"] == "demo-state"
    answer = token_call(
        cognito,
        grant_type="authorization_code",
        code=query_of(callback)["code"],
        redirect_uri=f"{stack.url}auth/callback",
    )
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def test_the_app_is_configured_for_the_demos_managed_login(
    stack: DemoStack, cognito: LocalCognito
) -> None:
    assert stack.app is not None
    assert stack.app.config["COGNITO_DOMAIN"] == cognito.domain
    assert len(stack.app.config["SECRET_KEY"]) == 64
    assert stack.app.config["COGNITO_COOKIE_SECURE"] is False
    port = stack.url.rsplit(":", 1)[1].rstrip("/")
    client = cognito.app_clients[cognito.client_id]
    assert client.callback_urls == (
        f"http://127.0.0.1:{port}/auth/callback",
        f"http://localhost:{port}/auth/callback",
    )
    assert client.logout_urls == (
        f"http://127.0.0.1:{port}/",
        f"http://127.0.0.1:{port}/web/",
        f"http://localhost:{port}/",
        f"http://localhost:{port}/web/",
    )
    assert stack.app.config["COGNITO_LOGOUT_REDIRECT_URI"] == f"http://127.0.0.1:{port}/web/"
    assert f"managed login (hosted UI stand-in) on {cognito.domain}" in stack.banner()
    assert f"Pages signed in through it: {stack.url}web/" in stack.banner()


def test_the_form_signs_in_with_moto_and_the_tokens_are_motos(
    stack: DemoStack, cognito: LocalCognito
) -> None:
    tokens = sign_in(stack, cognito)
    claims = parse_token(tokens["id_token"]).claims
    assert parse_token(tokens["id_token"]).header["kid"] == "dummy"  # moto's signing key
    assert claims["iss"].endswith(cognito.user_pool_id)
    assert claims["cognito:groups"] == ("admins",)
    # moto cannot put the authorize request's nonce in its ID tokens.
    assert "nonce" not in claims
    me = requests.get(
        f"{stack.url}api/me", headers={"Authorization": f"Bearer {tokens['id_token']}"}, timeout=10
    )
    assert me.json()["custom"] == {"tenant": "acme"}


@pytest.mark.parametrize(("username", "password"), [(BOB.username, "wrong"), ("nobody", "x")])
def test_moto_refuses_a_wrong_password_at_the_form(
    stack: DemoStack, cognito: LocalCognito, username: str, password: str
) -> None:
    with pytest.raises(SignInFailed, match="Incorrect username or password"):
        browser_sign_in(authorize_url(stack, cognito), username, password)


def test_refresh_and_revocation_go_through_the_stand_in(
    stack: DemoStack, cognito: LocalCognito
) -> None:
    browser = requests.Session()
    tokens = sign_in(stack, cognito, browser)
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    refreshed = token_call(cognito, **refresh).json()
    old, new = (parse_token(token).claims for token in (tokens["id_token"], refreshed["id_token"]))
    assert new["origin_jti"] == old["origin_jti"]
    assert new["jti"] != old["jti"]
    assert "refresh_token" not in refreshed
    info = requests.get(
        f"{cognito.domain}/oauth2/userInfo",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=10,
    ).json()
    assert (info["username"], info["custom:tenant"]) == (ALICE.username, "acme")
    revoke = {"token": tokens["refresh_token"], "client_id": cognito.client_id}
    assert requests.post(f"{cognito.domain}/oauth2/revoke", data=revoke, timeout=10).ok
    assert token_call(cognito, **refresh).json() == {"error": "invalid_grant"}
    # The session cookie's sign-in rests on the revoked token: the form is shown again.
    assert browser.cookies.get(SESSION_COOKIE)
    again = browser.get(authorize_url(stack, cognito), allow_redirects=False, timeout=10)
    assert again.status_code == 200
    assert 'id="signin"' in again.text


def test_a_signed_in_browser_comes_straight_back(stack: DemoStack, cognito: LocalCognito) -> None:
    browser = requests.Session()
    sign_in(stack, cognito, browser)
    back = browser.get(authorize_url(stack, cognito), allow_redirects=False, timeout=10)
    assert back.status_code == 302
    code = query_of(back.headers["Location"])["code"]
    answer = token_call(
        cognito,
        grant_type="authorization_code",
        code=code,
        redirect_uri=f"{stack.url}auth/callback",
    )
    assert parse_token(answer.json()["id_token"]).claims["cognito:username"] == ALICE.username


def test_an_unregistered_callback_is_refused(stack: DemoStack, cognito: LocalCognito) -> None:
    with pytest.raises(SignInFailed, match="redirect_mismatch"):
        browser_sign_in(
            authorize_url(stack, cognito, redirect_uri="http://127.0.0.1:1/auth/callback"),
            ALICE.username,
            ALICE.password,
        )


def test_moto_refuses_a_disabled_user_and_a_stranger_at_user_info(cognito: LocalCognito) -> None:
    moto = boto3.client(
        "cognito-idp",
        region_name="us-east-1",
        endpoint_url=cognito.endpoint,
        aws_access_key_id="demo",
        aws_secret_access_key="demo",
    )
    moto.admin_create_user(
        UserPoolId=cognito.user_pool_id, Username="carol", MessageAction="SUPPRESS"
    )
    moto.admin_set_user_password(
        UserPoolId=cognito.user_pool_id, Username="carol", Password=ALICE.password, Permanent=True
    )
    moto.admin_disable_user(UserPoolId=cognito.user_pool_id, Username="carol")
    backend = MotoSignInBackend(moto)
    grant = Grant(cognito.client_id, ("openid",))
    with pytest.raises(SignInRefused, match="User is disabled"):
        backend.sign_in("carol", ALICE.password, grant)
    with pytest.raises(InvalidAccessToken):
        backend.user_info("not-an-access-token")
    assert repr(backend) == "<MotoSignInBackend>"
