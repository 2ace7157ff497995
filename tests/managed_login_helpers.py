"""Fixtures and helpers for the managed-login stand-in's tests (SPEC section 11).

The ``stand_in`` fixture is the ``pool`` fixture (fake clock) serving its JWKS and managed login
on 127.0.0.1, with an admin, a member and a registered public client.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from flask_revstack_cognito.testing import JWKSServer, LocalUserPool, browser_sign_in

CALLBACK = "http://app.test/auth/callback"
SIGNED_OUT = "http://app.test/"
VERIFIER = "a-verifier-of-at-least-forty-three-characters-0123456789"
PASSWORD = "Passw0rd!"


def challenge_of(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(pool: LocalUserPool, **overrides: str | None) -> str:
    """An authorize URL as an app sends it: code, PKCE S256, state and nonce."""
    parameters: dict[str, str | None] = {
        "response_type": "code",
        "client_id": pool.client_id,
        "redirect_uri": CALLBACK,
        "scope": "openid email profile",
        "state": "state-1",
        "nonce": "nonce-1",
        "code_challenge": challenge_of(VERIFIER),
        "code_challenge_method": "S256",
    }
    parameters.update(overrides)
    present = {name: value for name, value in parameters.items() if value is not None}
    return f"{pool.domain}/oauth2/authorize?{urlencode(present)}"


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def sign_in_code(pool: LocalUserPool, username: str = "admin", **overrides: str | None) -> str:
    """Sign in through the form; return the code the callback gets."""
    callback = browser_sign_in(authorize_url(pool, **overrides), username, PASSWORD)
    return query_of(callback)["code"]


def exchange(
    pool: LocalUserPool, issued: str, *, auth: tuple[str, str] | None = None, **overrides: Any
) -> requests.Response:
    """POST the code to the token endpoint as a public client, with the right verifier."""
    form: dict[str, Any] = {
        "grant_type": "authorization_code",
        "code": issued,
        "redirect_uri": CALLBACK,
        "client_id": pool.client_id,
        "code_verifier": VERIFIER,
    }
    form.update(overrides)
    present = {name: value for name, value in form.items() if value is not None}
    return requests.post(f"{pool.domain}/oauth2/token", data=present, auth=auth, timeout=5)


def post(pool: LocalUserPool, path: str, form: Mapping[str, str], **kwargs: Any) -> Any:
    return requests.post(f"{pool.domain}{path}", data=form, timeout=5, **kwargs)


@pytest.fixture
def stand_in(pool: LocalUserPool) -> Iterator[JWKSServer]:
    """``pool`` with users and a public client, serving its JWKS and managed login."""
    pool.add_user("admin", PASSWORD, groups=["admins"], custom={"tenant": "acme"})
    pool.add_user("member", PASSWORD, email="member@example.org")
    pool.register_client(callback_urls=[CALLBACK], logout_urls=[SIGNED_OUT])
    with pool.serve() as server:
        yield server
