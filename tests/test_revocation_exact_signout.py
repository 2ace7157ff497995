"""``global_sign_out`` and ``cognito_endpoint`` exactly: the request Cognito receives, each error.

A real HTTP server on 127.0.0.1 stands in for Cognito's API (``CognitoStandIn``): it records
every request (method, path, the headers a client chose, the body) and answers as told: a
status and body, a redirect, or nothing until the client gives up. Pinned here: the one POST
with ``Content-Type: application/x-amz-json-1.1`` and ``X-Amz-Target`` and the token as JSON,
the session's use, the timeout, that a redirect is not followed, each ``GlobalSignOutError``
message and ``error_type`` (Cognito's ``__type`` without its namespace, ``None`` for any other
body), and the endpoint of an issuer by its own JWKS or, for an issuer not trusted, the
primary pool's.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
import requests
from conftest import closed_port_url
from werkzeug.wrappers import Request, Response

from flask_revstack_cognito import AuthContract, TrustedIssuer, build_auth_contract
from flask_revstack_cognito.revocation import GlobalSignOutError
from flask_revstack_cognito.revocation.signout import cognito_endpoint, global_sign_out
from flask_revstack_cognito.testing import LoopbackServer

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

#: A stand-in token: ``global_sign_out`` sends it as it is, without reading it.
ACCESS_TOKEN = "stand-in-access-token"
#: The request body Cognito's JSON API expects.
BODY = b'{"AccessToken": "stand-in-access-token"}'
CONTENT_TYPE = "application/x-amz-json-1.1"
TARGET = "AWSCognitoIdentityProviderService.GlobalSignOut"
#: Headers ``requests`` adds to every request by itself; the others are the caller's choice.
GENERIC_HEADERS = {"Host", "User-Agent", "Accept", "Accept-Encoding", "Connection"}
#: How long a holding stand-in keeps a request unanswered when nobody releases it: a bound for
#: a client that never gives up, far beyond the timeouts the tests pass.
HOLD = 5.0
#: The timeout of the tests that wait for one.
SHORT = 0.3


@dataclass(frozen=True)
class Received:
    """One request the stand-in received."""

    method: str
    path: str
    headers: dict[str, str]  # the caller's own: without GENERIC_HEADERS and Content-Length
    user_agent: str
    body: bytes


class CognitoStandIn:
    """Cognito's API on 127.0.0.1: records each request, answers ``status`` and ``body``.

    ``redirect_to`` makes ``/`` answer 307 to that path (which answers 200); ``hold`` keeps
    each request unanswered until :attr:`released` is set (at most ``HOLD`` seconds), then
    answers 200.
    """

    def __init__(
        self,
        status: int = 200,
        body: bytes = b"{}",
        *,
        redirect_to: str | None = None,
        hold: bool = False,
    ) -> None:
        self.status = status
        self.body = body
        self.redirect_to = redirect_to
        self.hold = hold
        self.released = threading.Event()
        self.received: list[Received] = []
        self._server = LoopbackServer(self._app)

    @property
    def url(self) -> str:
        """The endpoint: the server's origin and ``/``."""
        return f"{self._server.base_url}/"

    def __enter__(self) -> CognitoStandIn:
        self._server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.released.set()
        self._server.stop()

    def _app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        own = {
            name: value
            for name, value in request.headers.items()
            if name not in GENERIC_HEADERS and name != "Content-Length"
        }
        self.received.append(
            Received(
                request.method,
                request.path,
                own,
                request.headers.get("User-Agent", ""),
                request.get_data(),
            )
        )
        if self.hold:
            self.released.wait(HOLD)
            return Response(b"{}", 200)(environ, start_response)
        if self.redirect_to is not None and request.path == "/":
            answer = Response(b"", 307, headers={"Location": self.redirect_to})
            return answer(environ, start_response)
        answer = Response(self.body, self.status, content_type=CONTENT_TYPE)
        return answer(environ, start_response)


def refusal(**stand_in: Any) -> GlobalSignOutError:
    """The error ``global_sign_out`` raises against a stand-in made with ``stand_in``."""
    with CognitoStandIn(**stand_in) as cognito, pytest.raises(GlobalSignOutError) as refused:
        global_sign_out(ACCESS_TOKEN, endpoint=cognito.url, timeout=3.0)
    return refused.value


# -- the request ---------------------------------------------------------------------------------


def test_the_request_is_one_post_of_the_token_as_json_with_cognitos_two_headers() -> None:
    with CognitoStandIn() as cognito:
        global_sign_out(ACCESS_TOKEN, endpoint=cognito.url, timeout=3.0)  # no error

    assert len(cognito.received) == 1
    received = cognito.received[0]
    assert (received.method, received.path) == ("POST", "/")
    assert received.headers == {"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET}
    assert received.body == BODY
    assert json.loads(received.body) == {"AccessToken": ACCESS_TOKEN}
    assert received.user_agent.startswith("python-requests/")


def test_the_session_given_sends_the_request() -> None:
    session = requests.Session()
    session.headers["User-Agent"] = "shop-backend/2.0"
    with session, CognitoStandIn() as cognito:
        global_sign_out(ACCESS_TOKEN, endpoint=cognito.url, timeout=3.0, session=session)

    assert [received.user_agent for received in cognito.received] == ["shop-backend/2.0"]
    assert cognito.received[0].headers == {"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET}


def test_an_answer_later_than_the_timeout_is_not_waited_for() -> None:
    with CognitoStandIn(hold=True) as cognito:
        with pytest.raises(GlobalSignOutError) as failed:
            global_sign_out(ACCESS_TOKEN, endpoint=cognito.url, timeout=SHORT)
        cognito.released.set()

    assert str(failed.value) == "Cognito's GlobalSignOut did not answer: ReadTimeout"
    assert failed.value.error_type is None
    assert len(cognito.received) == 1


def test_a_redirect_is_a_refusal_and_the_token_goes_nowhere_else() -> None:
    with (
        CognitoStandIn(redirect_to="/elsewhere") as cognito,
        pytest.raises(GlobalSignOutError) as refused,
    ):
        global_sign_out(ACCESS_TOKEN, endpoint=cognito.url, timeout=3.0)

    assert str(refused.value) == "Cognito refused GlobalSignOut (HTTP 307)"
    assert refused.value.error_type is None
    assert [received.path for received in cognito.received] == ["/"]


# -- the errors ----------------------------------------------------------------------------------


def test_an_endpoint_nobody_listens_on_did_not_answer_by_the_errors_class_name() -> None:
    endpoint = closed_port_url().split("/pool/", 1)[0] + "/"
    with pytest.raises(GlobalSignOutError) as failed:
        global_sign_out(ACCESS_TOKEN, endpoint=endpoint, timeout=3.0)

    assert str(failed.value) == "Cognito's GlobalSignOut did not answer: ConnectionError"
    assert failed.value.error_type is None
    assert failed.value.__cause__ is None
    assert failed.value.__suppress_context__


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, b"not json"),
        (500, b""),
        (400, b'["NotAuthorizedException"]'),  # JSON, not an object
        (400, b'"NotAuthorizedException"'),
        (400, b"{}"),  # an object without __type
        (400, b'{"__type": 7}'),  # a __type that is not a string
        (400, b'{"__type": null, "message": "stand-in-access-token"}'),
    ],
    ids=["not-json", "empty-500", "list", "string", "no-type", "number-type", "null-type"],
)
def test_a_refusal_without_cognitos_error_type_names_only_the_status(
    status: int, body: bytes
) -> None:
    refused = refusal(status=status, body=body)

    assert str(refused) == f"Cognito refused GlobalSignOut (HTTP {status})"
    assert refused.args == (f"Cognito refused GlobalSignOut (HTTP {status})",)
    assert refused.error_type is None


@pytest.mark.parametrize(
    ("type_", "error_type"),
    [
        ("NotAuthorizedException", "NotAuthorizedException"),
        (
            "com.amazonaws.cognito.identity.idp.model#NotAuthorizedException",
            "NotAuthorizedException",
        ),
        ("aws.cognito#v2#TooManyRequestsException", "TooManyRequestsException"),
        ("a namespace#LimitExceededException", "LimitExceededException"),
    ],
    ids=["bare", "namespaced", "two-hashes", "spaces"],
)
def test_a_refusal_names_cognitos_error_type_without_its_namespace(
    type_: str, error_type: str
) -> None:
    body = json.dumps({"__type": type_, "message": ACCESS_TOKEN}).encode()

    refused = refusal(status=400, body=body)

    assert str(refused) == f"Cognito refused GlobalSignOut (HTTP 400, {error_type})"
    assert refused.error_type == error_type
    assert ACCESS_TOKEN not in repr(refused.args)


# -- the endpoint --------------------------------------------------------------------------------

EMULATED = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Emu111"
AWS_POOL = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Aws222"


def test_each_trusted_issuer_has_the_endpoint_of_its_own_jwks() -> None:
    # Two pools: one whose JWKS an emulator serves, one at AWS (a contract made by hand: the
    # configuration allows a JWKS override for one issuer only).
    contract = AuthContract(
        provider="cognito",
        trusted_issuers=(
            TrustedIssuer(
                EMULATED,
                "http://127.0.0.1:5000/us-east-1_Emu111/.well-known/jwks.json",
                "us-east-1_Emu111",
            ),
            TrustedIssuer(AWS_POOL, f"{AWS_POOL}/.well-known/jwks.json", "eu-west-1_Aws222"),
        ),
    )

    assert cognito_endpoint(contract, EMULATED) == "http://127.0.0.1:5000/"
    assert cognito_endpoint(contract, AWS_POOL) == "https://cognito-idp.eu-west-1.amazonaws.com/"


def test_an_issuer_not_trusted_takes_the_primary_pools_jwks() -> None:
    contract = build_auth_contract(
        "cognito",
        user_pool_id="us-east-1_Emu111",
        jwks_uri="http://127.0.0.1:5000/us-east-1_Emu111/.well-known/jwks.json",
    )

    assert cognito_endpoint(contract, AWS_POOL) == "http://127.0.0.1:5000/"
    assert cognito_endpoint(contract, "http://localhost:9229/local_1") == "http://localhost:9229/"
