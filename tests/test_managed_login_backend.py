"""The stand-in in front of a backend of one's own (as the demo puts it in front of moto)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from managed_login_helpers import CALLBACK, PASSWORD, SIGNED_OUT, query_of

from flask_revstack_cognito.testing import (
    AppClient,
    Grant,
    InvalidGrant,
    LocalPoolBackend,
    LocalUserPool,
    LoopbackServer,
    ManagedLogin,
    SignIn,
    SignInRefused,
    TokenSet,
    browser_sign_in,
)


class ScriptedBackend:
    """Hands out fixed tokens without a refresh token, and refuses every refresh."""

    def __init__(self) -> None:
        self.grants: list[Grant] = []

    def sign_in(self, username: str, password: str, grant: Grant) -> SignIn:
        if password != PASSWORD:
            raise SignInRefused()
        self.grants.append(grant)
        return SignIn(TokenSet("id.token.x", "access.token.x", None), username)

    def resume(self, session: str, grant: Grant) -> SignIn:
        return self.sign_in(session, PASSWORD, grant)

    def refresh(self, refresh_token: str, client_id: str) -> TokenSet:
        raise InvalidGrant()

    def revoke(self, refresh_token: str, client_id: str) -> None:
        raise AssertionError("never called: no refresh token was issued")

    def user_info(self, access_token: str) -> Mapping[str, Any]:
        return {"sub": "scripted"}


@pytest.fixture
def scripted() -> Iterator[tuple[LoopbackServer, ScriptedBackend]]:
    backend = ScriptedBackend()
    client = AppClient("scripted-client", callback_urls=(CALLBACK,), logout_urls=(SIGNED_OUT,))
    login = ManagedLogin(
        backend,
        clients={client.client_id: client},
        issuer="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Scripted",
        jwks_uri="http://127.0.0.1:9/jwks.json",
    )
    with LoopbackServer(login).start() as server:
        yield server, backend


def authorize(server: LoopbackServer, **extra: str) -> str:
    parameters = {
        "response_type": "code",
        "client_id": "scripted-client",
        "redirect_uri": CALLBACK,
    }
    parameters.update(extra)
    return f"{server.base_url}/oauth2/authorize?{urlencode(parameters)}"


def test_a_backend_of_ones_own_serves_the_same_endpoints(
    scripted: tuple[LoopbackServer, ScriptedBackend],
) -> None:
    server, backend = scripted
    browser = requests.Session()
    callback = browser_sign_in(authorize(server), "anyone", PASSWORD, session=browser)
    assert set(query_of(callback)) == {"code"}  # no state asked, none given back
    assert backend.grants == [
        Grant(
            "scripted-client",
            ("openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"),
        )
    ]
    again = browser_sign_in(
        authorize(server, scope="openid", nonce="n"), "x", "y", session=browser
    )
    assert backend.grants[-1] == Grant("scripted-client", ("openid",), "n")
    token = requests.post(
        f"{server.base_url}/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": query_of(again)["code"],
            "redirect_uri": CALLBACK,
            "client_id": "scripted-client",
        },
        timeout=5,
    ).json()
    assert token == {
        "id_token": "id.token.x",
        "access_token": "access.token.x",
        "expires_in": 3600,
        "token_type": "Bearer",
    }
    discovery = requests.get(
        f"{server.base_url}/eu-west-1_Scripted/.well-known/openid-configuration", timeout=5
    ).json()
    assert discovery["jwks_uri"] == "http://127.0.0.1:9/jwks.json"


def test_a_post_to_login_checks_the_request_again(
    scripted: tuple[LoopbackServer, ScriptedBackend],
) -> None:
    server, _ = scripted
    forged = requests.post(
        f"{server.base_url}/login",
        data={
            "client_id": "scripted-client",
            "redirect_uri": "https://evil.example/",
            "response_type": "code",
            "username": "anyone",
            "password": PASSWORD,
        },
        allow_redirects=False,
        timeout=5,
    )
    assert forged.status_code == 400
    assert "Location" not in forged.headers
    implicit = requests.post(
        f"{server.base_url}/login",
        data={"client_id": "scripted-client", "redirect_uri": CALLBACK, "response_type": "token"},
        allow_redirects=False,
        timeout=5,
    )
    assert query_of(implicit.headers["Location"]) == {"error": "unsupported_response_type"}


def test_logout_without_a_session_still_goes_to_the_sign_out_url(
    scripted: tuple[LoopbackServer, ScriptedBackend],
) -> None:
    server, _ = scripted
    query = urlencode({"client_id": "scripted-client", "logout_uri": SIGNED_OUT})
    url = f"{server.base_url}/logout?{query}"
    assert requests.get(url, allow_redirects=False, timeout=5).headers["Location"] == SIGNED_OUT


def test_a_loopback_server_needs_starting() -> None:
    server = LoopbackServer(ManagedLogin(ScriptedBackend(), clients={}, issuer="https://x/p"))
    with pytest.raises(RuntimeError, match="start"):
        _ = server.base_url
    with server:
        pass  # stopping a server that never started is harmless


def test_the_local_backend_forgets_unknown_refresh_tokens_quietly(pool: LocalUserPool) -> None:
    backend = LocalPoolBackend(pool)
    assert repr(backend) == "<LocalPoolBackend us-east-1_LocalPool1>"
    backend.revoke("never-issued", pool.client_id)
    with pytest.raises(InvalidGrant):
        backend.refresh("never-issued", pool.client_id)


class ForgetfulBackend(ScriptedBackend):
    """Issues a refresh token, refreshes anything and cannot revoke (moto has no RevokeToken)."""

    def sign_in(self, username: str, password: str, grant: Grant) -> SignIn:
        return SignIn(TokenSet("id.token.x", "access.token.x", "refresh-1"), username)

    def refresh(self, refresh_token: str, client_id: str) -> TokenSet:
        return TokenSet("id.token.y", "access.token.y", "ignored")

    def revoke(self, refresh_token: str, client_id: str) -> None:
        """Nothing to do."""


def test_the_stand_in_refuses_a_revoked_token_even_if_the_backend_cannot_revoke() -> None:
    client = AppClient("scripted-client", callback_urls=(CALLBACK,))
    login = ManagedLogin(
        ForgetfulBackend(), clients={client.client_id: client}, issuer="https://x/eu-west-1_X"
    )
    with LoopbackServer(login).start() as server:
        callback = browser_sign_in(authorize(server), "anyone", PASSWORD)
        token = f"{server.base_url}/oauth2/token"
        form = {"client_id": "scripted-client", "redirect_uri": CALLBACK}
        exchanged = requests.post(
            token,
            data={**form, "grant_type": "authorization_code", "code": query_of(callback)["code"]},
            timeout=5,
        ).json()
        assert exchanged["refresh_token"] == "refresh-1"
        refresh = {"client_id": "scripted-client", "grant_type": "refresh_token"}
        refreshed = requests.post(token, data={**refresh, "refresh_token": "refresh-1"}, timeout=5)
        assert refreshed.json()["id_token"] == "id.token.y"
        assert "refresh_token" not in refreshed.json()  # never a new one on a refresh
        revoke = {"client_id": "scripted-client", "token": "refresh-1"}
        assert requests.post(f"{server.base_url}/oauth2/revoke", data=revoke, timeout=5).ok
        refused = requests.post(token, data={**refresh, "refresh_token": "refresh-1"}, timeout=5)
        assert refused.json() == {"error": "invalid_grant"}
