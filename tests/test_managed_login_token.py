"""The stand-in's token endpoint: codes, PKCE, client authentication and Cognito's errors."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
import requests
from conftest import FakeClock
from managed_login_helpers import CALLBACK, exchange, sign_in_code

from flask_revstack_cognito import TokenVerifier
from flask_revstack_cognito.testing import CODE_LIFETIME, JWKSServer, LocalUserPool
from flask_revstack_cognito.tokens import parse_token


def test_a_code_gives_cognitos_json_with_verifiable_tokens(
    stand_in: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    answer = exchange(pool, sign_in_code(pool))
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.json()
    assert sorted(body) == [
        "access_token", "expires_in", "id_token", "refresh_token", "token_type"
    ]  # fmt: skip
    assert (body["expires_in"], body["token_type"]) == (3600, "Bearer")
    assert body["refresh_token"].count(".") == 0  # opaque, not a JWT
    verifier = TokenVerifier(pool.contract(token_use="any"), clock=clock)
    user = verifier.verify(body["id_token"])
    assert (user.username, user.groups, dict(user.custom)) == (
        "admin",
        ("admins",),
        {"tenant": "acme"},
    )
    assert user.claims["nonce"] == "nonce-1"
    assert user.claims["aud"] == pool.client_id
    access = verifier.verify(body["access_token"])
    assert access.scopes == ("openid", "email", "profile")
    assert access.claims["origin_jti"] == user.claims["origin_jti"]
    assert access.claims["jti"] != user.claims["jti"]
    digest = hashlib.sha256(body["access_token"].encode()).digest()[:16]
    assert user.claims["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_no_nonce_asked_means_no_nonce_claim_and_no_openid_no_id_token(
    stand_in: JWKSServer, pool: LocalUserPool
) -> None:
    body = exchange(pool, sign_in_code(pool, nonce=None)).json()
    assert "nonce" not in parse_token(body["id_token"]).claims
    body = exchange(pool, sign_in_code(pool, scope="aws.cognito.signin.user.admin")).json()
    assert "id_token" not in body
    assert parse_token(body["access_token"]).claims["scope"] == "aws.cognito.signin.user.admin"


def test_a_code_is_single_use(stand_in: JWKSServer, pool: LocalUserPool) -> None:
    code = sign_in_code(pool)
    assert exchange(pool, code).status_code == 200
    replay = exchange(pool, code)
    assert (replay.status_code, replay.json()) == (400, {"error": "invalid_grant"})


def test_a_code_expires_after_five_minutes(
    stand_in: JWKSServer, pool: LocalUserPool, clock: FakeClock
) -> None:
    fresh, stale = sign_in_code(pool), sign_in_code(pool)
    clock.advance(CODE_LIFETIME - 1)
    assert exchange(pool, fresh).status_code == 200
    clock.advance(1)
    assert exchange(pool, stale).json() == {"error": "invalid_grant"}


@pytest.mark.parametrize(
    "code_verifier",
    ["another-verifier-of-at-least-forty-three-characters-01234", None, "short"],
)
def test_a_wrong_or_missing_pkce_verifier_is_invalid_grant_and_burns_the_code(
    stand_in: JWKSServer, pool: LocalUserPool, code_verifier: str | None
) -> None:
    code = sign_in_code(pool)
    assert exchange(pool, code, code_verifier=code_verifier).json() == {"error": "invalid_grant"}
    assert exchange(pool, code).json() == {"error": "invalid_grant"}


def test_a_code_without_pkce_needs_no_verifier(stand_in: JWKSServer, pool: LocalUserPool) -> None:
    code = sign_in_code(pool, code_challenge=None, code_challenge_method=None)
    assert exchange(pool, code, code_verifier=None).status_code == 200


def test_a_code_is_bound_to_its_client_and_redirect_uri(
    stand_in: JWKSServer, pool: LocalUserPool
) -> None:
    pool.register_client(client_id="other-client", callback_urls=[CALLBACK])
    pool.register_client(callback_urls=[CALLBACK, CALLBACK + "2"])
    other = exchange(pool, sign_in_code(pool), client_id="other-client")
    assert other.json() == {"error": "invalid_grant"}
    elsewhere = exchange(pool, sign_in_code(pool), redirect_uri=CALLBACK + "2")
    assert elsewhere.json() == {"error": "invalid_grant"}
    # An unregistered redirect_uri: what real Cognito answers is unauthorized_client.
    unregistered = exchange(pool, sign_in_code(pool), redirect_uri="https://evil.example/")
    assert unregistered.json() == {"error": "unauthorized_client"}


def test_a_confidential_client_authenticates_by_basic_or_in_the_body(
    stand_in: JWKSServer, pool: LocalUserPool
) -> None:
    pool.register_client(callback_urls=[CALLBACK], client_secret="s3cret+/:")
    encoded = (pool.client_id, "s3cret%2B%2F%3A")  # form-urlencoded first (RFC 6749 2.3.1)
    basic = exchange(pool, sign_in_code(pool), client_id=None, auth=encoded)
    assert basic.status_code == 200
    pool.register_client(callback_urls=[CALLBACK], client_secret="s3cret")
    posted = exchange(pool, sign_in_code(pool), client_secret="s3cret")
    assert posted.status_code == 200


@pytest.mark.parametrize(
    ("overrides", "auth"),
    [
        ({"client_id": None}, (None, "wrong")),
        ({"client_id": None}, (None, "")),
        ({"client_secret": "wrong"}, None),
        ({}, None),  # the secret left out
        ({"client_id": "someone-else"}, (None, "s3cret")),  # body and header disagree
        ({"client_id": "unknown-client", "client_secret": "s3cret"}, None),
    ],
)
def test_a_wrong_client_secret_is_invalid_client(
    stand_in: JWKSServer,
    pool: LocalUserPool,
    overrides: dict[str, str | None],
    auth: tuple[None, str] | None,
) -> None:
    pool.register_client(callback_urls=[CALLBACK], client_secret="s3cret")
    code = sign_in_code(pool)
    credentials = (pool.client_id, auth[1]) if auth else None
    refused = exchange(pool, code, auth=credentials, **overrides)
    assert (refused.status_code, refused.json()) == (400, {"error": "invalid_client"})


def test_a_public_client_sending_a_secret_or_a_bearer_header_is_invalid_client(
    stand_in: JWKSServer, pool: LocalUserPool
) -> None:
    assert exchange(pool, sign_in_code(pool), client_secret="guess").json() == {
        "error": "invalid_client"
    }
    bearer = requests.post(
        f"{pool.domain}/oauth2/token",
        data={"grant_type": "authorization_code", "code": "x"},
        headers={"Authorization": "Bearer abc"},
        timeout=5,
    )
    assert bearer.json() == {"error": "invalid_client"}


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"grant_type": None}, "invalid_request"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": "client_credentials"}, "unauthorized_client"),
        ({"code": None}, "invalid_request"),
        ({"redirect_uri": None}, "invalid_request"),
        ({"code": "never-issued"}, "invalid_grant"),
    ],
)
def test_malformed_token_requests_get_cognitos_errors(
    stand_in: JWKSServer, pool: LocalUserPool, overrides: dict[str, Any], error: str
) -> None:
    refused = exchange(pool, sign_in_code(pool), **overrides)
    assert (refused.status_code, refused.json()) == (400, {"error": error})


def test_a_client_without_the_code_grant_cannot_exchange(
    stand_in: JWKSServer, pool: LocalUserPool
) -> None:
    code = sign_in_code(pool)
    pool.register_client(callback_urls=[CALLBACK], oauth_flows=["implicit"])
    assert exchange(pool, code).json() == {"error": "unauthorized_client"}
