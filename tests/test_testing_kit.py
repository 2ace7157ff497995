"""The test kit users write their tests with: LocalUserPool, JWKSServer and the fixture."""

from __future__ import annotations

import base64
import json

import pytest
import requests

from flask_revstack_cognito import CognitoConfigError, TokenVerifier
from flask_revstack_cognito.jwks import JWKSFetchError
from flask_revstack_cognito.testing import JWKSServer, LocalUserPool
from flask_revstack_cognito.tokens import parse_token


def test_repr_names_the_pool(pool: LocalUserPool) -> None:
    assert repr(pool) == "<LocalUserPool us-east-1_LocalPool1>"


def test_none_removes_a_claim_or_a_header_member(pool: LocalUserPool) -> None:
    parsed = parse_token(pool.id_token(sub=None, email=None, header={"typ": "JWT"}))
    assert "sub" not in parsed.claims
    assert "email" not in parsed.claims
    assert parsed.header["typ"] == "JWT"
    without_kid = pool.id_token(header={"kid": None})
    header = json.loads(parse_token_header(without_kid))
    assert "kid" not in header


def parse_token_header(token: str) -> str:
    segment = token.split(".")[0]
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)).decode()


def test_fetcher_answers_only_its_own_jwks_uri(pool: LocalUserPool) -> None:
    body = pool.fetcher(pool.jwks_uri, timeout=1, max_bytes=10_000)
    assert json.loads(body)["keys"][0]["kid"] == pool.kid
    with pytest.raises(JWKSFetchError, match="404"):
        pool.fetcher("https://elsewhere.example/jwks.json", timeout=1, max_bytes=10_000)
    assert pool.fetch_count == 2


def test_config_refuses_keys_that_are_not_cognito_settings(pool: LocalUserPool) -> None:
    assert pool.config(COGNITO_TOKEN_USE="any")["COGNITO_TOKEN_USE"] == "any"
    with pytest.raises(CognitoConfigError, match="SECRET_KEY"):
        pool.config(SECRET_KEY="x")


def test_served_pool_points_config_and_contract_at_loopback(pool: LocalUserPool) -> None:
    with pool.serve() as server:
        assert pool.jwks_uri == server.url
        assert pool.config()["COGNITO_JWKS_URI"] == server.url
        assert pool.contract().jwks_uri == server.url
        assert pool.serve() is server  # one server per pool
        verifier = TokenVerifier(pool.contract(), clock=pool.clock)
        assert verifier.verify(pool.id_token(sub="served")).user_id == "served"
        missing = requests.get(server.url.replace("jwks.json", "other.json"), timeout=5)
        assert missing.status_code == 404
        assert server.request_count == 2
    assert pool.jwks_uri.startswith("https://cognito-idp.us-east-1.amazonaws.com/")
    assert "COGNITO_JWKS_URI" not in pool.config()


def test_server_url_needs_a_started_server() -> None:
    server = JWKSServer(lambda: b"{}")
    with pytest.raises(RuntimeError, match="start"):
        _ = server.url
    server.stop()  # stopping a server that never started is harmless


def test_fail_with_and_recover(pool: LocalUserPool) -> None:
    with pool.serve() as server:
        server.fail_with(503, b"busy")
        assert requests.get(server.url, timeout=5).status_code == 503
        server.recover()
        assert requests.get(server.url, timeout=5).json() == pool.jwks()


def test_rotation_keeps_or_drops_old_keys(pool: LocalUserPool) -> None:
    first = pool.kid
    second = pool.rotate_key()
    assert [key["kid"] for key in pool.jwks()["keys"]] == [first, second]
    third = pool.rotate_key(keep_old=False)
    assert [key["kid"] for key in pool.jwks()["keys"]] == [third]
    assert all("d" not in key for key in pool.jwks()["keys"])  # never the private part


def test_the_pytest_fixture_serves_a_pool(cognito_pool: LocalUserPool) -> None:
    response = requests.get(cognito_pool.jwks_uri, timeout=5)
    assert response.json() == cognito_pool.jwks()
