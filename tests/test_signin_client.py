"""The OAuth 2.0 client (Authlib) against a token endpoint of the test's own, over loopback.

The stand-in behaves as Cognito does; this endpoint answers what Cognito rarely does (a rotated
refresh token, JSON that is not an object, no access token), so every branch is seen.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import closed_port_url
from flask import Flask, Response, request
from signin_helpers import sign_in_settings

from flask_revstack_cognito.signin.client import (
    CognitoOAuthClient,
    OAuthRefused,
    OAuthUnavailable,
    TokenResponse,
)
from flask_revstack_cognito.signin.settings import SignInSettings
from flask_revstack_cognito.testing import LoopbackServer

Answer = tuple[int, Any]


class Endpoint:
    """A token and revocation endpoint answering what the test sets, recording the forms."""

    def __init__(self) -> None:
        self.token: Answer = (200, {"access_token": "a", "id_token": "i", "refresh_token": "r"})
        self.revoke: Answer = (200, "")
        self.forms: list[dict[str, str]] = []
        self.authorizations: list[str | None] = []
        app = Flask("endpoint")
        app.add_url_rule("/oauth2/token", "token", self._token, methods=["POST"])
        app.add_url_rule("/oauth2/revoke", "revoke", self._revoke, methods=["POST"])
        self.server = LoopbackServer(app)

    def _answer(self, answer: Answer) -> Response:
        self.forms.append(dict(request.form))
        self.authorizations.append(request.headers.get("Authorization"))
        status, body = answer
        text = body if isinstance(body, str) else json.dumps(body)
        return Response(text, status, content_type="application/json")

    def _token(self) -> Response:
        return self._answer(self.token)

    def _revoke(self) -> Response:
        return self._answer(self.revoke)


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    served = Endpoint()
    with served.server.start():
        yield served


def settings(domain: str, secret: str | None = None) -> SignInSettings:
    return sign_in_settings(domain, client_secret=secret)


def client_of(endpoint: Endpoint, secret: str | None = None) -> CognitoOAuthClient:
    return CognitoOAuthClient(settings(endpoint.server.base_url, secret))


def test_the_exchange_sends_the_code_verifier_and_client(endpoint: Endpoint) -> None:
    tokens = client_of(endpoint).exchange(
        code="c0de", redirect_uri="https://app.example.com/cb", code_verifier="v" * 43
    )
    assert tokens == TokenResponse("i", "a", "r")
    assert endpoint.forms == [
        {
            "grant_type": "authorization_code",
            "code": "c0de",
            "code_verifier": "v" * 43,
            "redirect_uri": "https://app.example.com/cb",
            "client_id": "client1",
        }
    ]
    assert endpoint.authorizations == [None]


def test_a_confidential_client_authenticates_with_http_basic(endpoint: Endpoint) -> None:
    client_of(endpoint, secret="shh").refresh("r")
    assert endpoint.authorizations == ["Basic Y2xpZW50MTpzaGg="]  # client1:shh
    assert "client_secret" not in endpoint.forms[0]


def test_a_refresh_without_rotation_keeps_no_refresh_token(endpoint: Endpoint) -> None:
    endpoint.token = (200, {"access_token": "a2", "id_token": "i2"})
    assert client_of(endpoint).refresh("r") == TokenResponse("i2", "a2", None)
    assert endpoint.forms[0]["grant_type"] == "refresh_token"
    assert endpoint.forms[0]["refresh_token"] == "r"


def test_a_rotated_refresh_token_is_returned(endpoint: Endpoint) -> None:
    endpoint.token = (200, {"access_token": "a2", "id_token": "i2", "refresh_token": "r2"})
    assert client_of(endpoint).refresh("r") == TokenResponse("i2", "a2", "r2")


def test_an_oauth_error_is_a_refusal(endpoint: Endpoint) -> None:
    endpoint.token = (400, {"error": "invalid_grant"})
    with pytest.raises(OAuthRefused) as caught:
        client_of(endpoint).refresh("r")
    assert caught.value.error == "invalid_grant"
    assert str(caught.value) == "Cognito refused the request: invalid_grant"


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ((500, {"error": "internal"}), "Cognito answered HTTP 500"),
        ((429, "<html>slow down</html>"), "Cognito answered HTTP 429"),
        ((200, []), "answered without JSON"),
        ((200, {"id_token": "i"}), "without an access token"),
        ((200, {"access_token": ""}), "without an access token"),
    ],
)
def test_other_answers_mean_cognito_is_unavailable(
    endpoint: Endpoint, answer: Answer, words: str
) -> None:
    endpoint.token = answer
    with pytest.raises(OAuthUnavailable, match=words):
        client_of(endpoint).exchange(code="c", redirect_uri="https://a/cb", code_verifier="v")


def test_non_string_tokens_are_ignored(endpoint: Endpoint) -> None:
    endpoint.token = (200, {"access_token": "a", "id_token": 5, "refresh_token": ["x"]})
    assert client_of(endpoint).refresh("r") == TokenResponse(None, "a", None)


def test_an_unreachable_endpoint_is_unavailable() -> None:
    domain = closed_port_url().split("/pool/")[0]
    client = CognitoOAuthClient(settings(domain))
    with pytest.raises(OAuthUnavailable, match=r"could not be reached \(ConnectionError\)"):
        client.refresh("secret-refresh-token")
    with pytest.raises(OAuthUnavailable, match="could not be reached") as caught:
        client.revoke("secret-refresh-token")
    assert "secret-refresh-token" not in str(caught.value)


def test_revocation_sends_the_token_with_its_hint(endpoint: Endpoint) -> None:
    client_of(endpoint).revoke("r")
    assert endpoint.forms == [
        {"token": "r", "token_type_hint": "refresh_token", "client_id": "client1"}
    ]


@pytest.mark.parametrize(
    ("answer", "kind", "words"),
    [
        ((400, {"error": "unsupported_token_type"}), OAuthRefused, "unsupported_token_type"),
        ((400, {"error": 3}), OAuthUnavailable, "HTTP 400"),
        ((503, "down"), OAuthUnavailable, "HTTP 503"),
    ],
)
def test_a_refused_revocation(
    endpoint: Endpoint, answer: Answer, kind: type[Exception], words: str
) -> None:
    endpoint.revoke = answer
    with pytest.raises(kind, match=words):
        client_of(endpoint).revoke("r")


def test_the_authorization_url(endpoint: Endpoint) -> None:
    client = client_of(endpoint)
    url = client.authorization_url(
        redirect_uri="https://app.example.com/cb", state="s", nonce="n", code_verifier="v" * 43
    )
    assert url.startswith(f"{endpoint.server.base_url}/oauth2/authorize?")
    assert "code_challenge_method=S256" in url
    assert "nonce=n" in url
    assert "v" * 43 not in url
    assert repr(client) == f"<CognitoOAuthClient {endpoint.server.base_url}>"
