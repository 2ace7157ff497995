"""The OAuth client's failures, exactly: each message, the OAuth error it names when Cognito
gives none, and that no call follows a redirect away from Cognito's endpoints.

The endpoint is the test's own Flask app over loopback, answering what each test sets.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import closed_port_url
from flask import Flask, Response, redirect, request
from signin_helpers import sign_in_settings

from flask_revstack_cognito.signin.client import (
    CognitoOAuthClient,
    OAuthRefused,
    OAuthUnavailable,
)
from flask_revstack_cognito.testing import LoopbackServer

GOOD = {"access_token": "a", "id_token": "i", "refresh_token": "r"}


class Endpoint:
    """Token and revocation endpoints answering ``answer``, or redirecting to ``/elsewhere``
    (which answers good tokens) when ``answer`` is ``None``; ``elsewhere`` counts its calls."""

    def __init__(self) -> None:
        self.answer: tuple[int, Any] | None = (200, GOOD)
        self.elsewhere = 0
        app = Flask("exact_endpoint")
        app.add_url_rule("/oauth2/token", "token", self._endpoint, methods=["POST"])
        app.add_url_rule("/oauth2/revoke", "revoke", self._endpoint, methods=["POST"])
        app.add_url_rule("/elsewhere", "elsewhere", self._elsewhere, methods=["GET", "POST"])
        self.server = LoopbackServer(app)

    def _endpoint(self) -> Response:
        if self.answer is None:
            return redirect("/elsewhere", 302)  # type: ignore[return-value]
        status, body = self.answer
        text = body if isinstance(body, str) else json.dumps(body)
        return Response(text, status, content_type="application/json")

    def _elsewhere(self) -> Response:
        self.elsewhere += 1
        assert request.path == "/elsewhere"
        return Response(json.dumps(GOOD), 200, content_type="application/json")


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    served = Endpoint()
    with served.server.start():
        yield served


def client_for(domain: str) -> CognitoOAuthClient:
    return CognitoOAuthClient(sign_in_settings(domain))


def exchange(endpoint: Endpoint) -> object:
    return client_for(endpoint.server.base_url).exchange(
        code="c", redirect_uri="https://app.example.com/cb", code_verifier="v" * 43
    )


def unavailable(call: Any) -> str:
    with pytest.raises(OAuthUnavailable) as caught:
        call()
    return str(caught.value)


def test_the_exchange_does_not_follow_a_redirect(endpoint: Endpoint) -> None:
    endpoint.answer = None
    assert unavailable(lambda: exchange(endpoint)) == "the token endpoint answered without JSON"
    assert endpoint.elsewhere == 0


def test_the_refresh_does_not_follow_a_redirect(endpoint: Endpoint) -> None:
    endpoint.answer = None
    client = client_for(endpoint.server.base_url)
    assert unavailable(lambda: client.refresh("r")) == "the token endpoint answered without JSON"
    assert endpoint.elsewhere == 0


def test_the_revocation_does_not_follow_a_redirect(endpoint: Endpoint) -> None:
    endpoint.answer = None
    client = client_for(endpoint.server.base_url)
    assert unavailable(lambda: client.revoke("r")) == "Cognito answered HTTP 302"
    assert endpoint.elsewhere == 0


def test_an_empty_oauth_error_is_an_unknown_error(endpoint: Endpoint) -> None:
    endpoint.answer = (400, {"error": ""})
    with pytest.raises(OAuthRefused) as caught:
        exchange(endpoint)
    assert caught.value.error == "unknown_error"
    assert str(caught.value) == "Cognito refused the request: unknown_error"


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ((200, []), "the token endpoint answered without JSON"),
        ((400, "not json"), "Cognito answered HTTP 400"),
        ((502, {"access_token": "a"}), "Cognito answered HTTP 502"),
        ((200, {"id_token": "i"}), "the token endpoint answered without an access token"),
        ((200, {"access_token": 5}), "the token endpoint answered without an access token"),
    ],
)
def test_each_unavailable_answer_says_it_whole(
    endpoint: Endpoint, answer: tuple[int, Any], message: str
) -> None:
    endpoint.answer = answer
    assert unavailable(lambda: exchange(endpoint)) == message


def test_an_unreachable_revocation_endpoint_names_the_failure() -> None:
    client = client_for(closed_port_url().split("/pool/")[0])
    assert unavailable(lambda: client.revoke("r")) == (
        "Cognito could not be reached (ConnectionError)"
    )
    assert unavailable(lambda: client.refresh("r")) == (
        "Cognito could not be reached (ConnectionError)"
    )
