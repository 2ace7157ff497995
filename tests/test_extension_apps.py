"""One ``CognitoAuth`` serving several apps, each with its own pool, keys and users."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from extension_helpers import bearer, json_body, make_app, recording

from flask_revstack_cognito import (
    CognitoAuth,
    InvalidSignatureError,
    IssuerMismatchError,
    UnknownKeyError,
    jwks_refreshed,
)
from flask_revstack_cognito.jwks import JWKSFetchError
from flask_revstack_cognito.testing import LocalUserPool

POOL_B = "eu-west-1_PoolBbb2"


CLIENT_B = "clientbbbb1234567890"


# -- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def pool_b() -> LocalUserPool:
    return LocalUserPool(region="eu-west-1", user_pool_id=POOL_B, client_id=CLIENT_B)


def routing_fetcher(*pools: LocalUserPool) -> Callable[..., bytes]:
    """A fetcher answering each pool's JWKS URI from that pool (in process)."""

    def fetch(url: str, *, timeout: float, max_bytes: int) -> bytes:
        for pool in pools:
            if url == pool.jwks_uri:
                return pool.fetcher(url, timeout=timeout, max_bytes=max_bytes)
        raise JWKSFetchError(f"HTTP status 404 for {url}")

    return fetch


# -- one extension, two apps --------------------------------------------------------------------


def test_one_extension_serves_two_apps_with_their_own_pools(
    pool_a: LocalUserPool, pool_b: LocalUserPool
) -> None:
    auth = CognitoAuth(fetcher=routing_fetcher(pool_a, pool_b))
    app_a = make_app("app_a", **pool_a.config())
    app_b = make_app("app_b", **pool_b.config())
    auth.init_app(app_a)
    auth.init_app(app_b)
    assert repr(auth) == "<CognitoAuth apps=2>"

    token_a = pool_a.id_token(sub="alice")
    token_b = pool_b.id_token(sub="bob")

    with app_b.app_context():
        assert auth.contract.issuer == pool_b.issuer
        assert auth.verify(token_b).user_id == "bob"  # now in app_b's token cache
    with app_a.app_context():
        assert auth.contract.issuer == pool_a.issuer
        assert auth.verify(token_a).user_id == "alice"
        # The other pool's token names a kid app_a's JWKS does not hold (step 5).
        with pytest.raises(UnknownKeyError):
            auth.verify(token_b)
        # The other pool's token claiming app_a's kid: the signature decides (step 6).
        with pytest.raises(InvalidSignatureError):
            auth.verify(pool_b.id_token(header={"kid": pool_a.kid}))
        # Signed by app_a's own key but issued by the other pool (step 8).
        with pytest.raises(IssuerMismatchError):
            auth.verify(pool_a.id_token(iss=pool_b.issuer))
        assert auth.validate(token_b).error_code == "UNKNOWN_KEY"
    with app_b.app_context():
        with pytest.raises(UnknownKeyError):
            auth.verify(token_a)
        with pytest.raises(InvalidSignatureError):
            auth.verify(pool_a.id_token(header={"kid": pool_b.kid}))
        session = auth.validate(token_b)
        assert session.is_valid
        assert session.user_id == "bob"

    sources_a = auth.state(app_a).verifier.key_sources
    sources_b = auth.state(app_b).verifier.key_sources
    assert list(sources_a) == [pool_a.issuer]
    assert list(sources_b) == [pool_b.issuer]
    source_a = sources_a[pool_a.issuer]
    source_b = sources_b[pool_b.issuer]
    assert source_a is not source_b
    assert source_a.jwks_uri == pool_a.jwks_uri
    assert source_b.jwks_uri == pool_b.jwks_uri
    assert source_a.key_ids == (pool_a.kid,)
    assert source_b.key_ids == (pool_b.kid,)
    # From each app's own pool only: its first fetch, then one refetch for the first foreign
    # kid; the later foreign kids fall within that refetch's cooldown.
    assert source_a.fetch_count == 2
    assert source_b.fetch_count == 2
    assert pool_a.fetch_count == 2
    assert pool_b.fetch_count == 2


def test_two_apps_over_http_keep_their_keys_and_users_apart(
    pool_a: LocalUserPool, pool_b: LocalUserPool
) -> None:
    auth = CognitoAuth()
    with pool_a.serve() as server_a, pool_b.serve() as server_b:
        app_a = make_app("app_a", **pool_a.config())
        app_b = make_app("app_b", **pool_b.config())
        auth.init_app(app_a)
        auth.init_app(app_b)
        client_a = app_a.test_client()
        client_b = app_b.test_client()
        token_a = pool_a.id_token(sub="alice")
        token_b = pool_b.id_token(sub="bob")

        with (
            recording(jwks_refreshed, app_a) as refreshed_a,
            recording(jwks_refreshed, app_b) as refreshed_b,
        ):
            response = client_a.get("/me", headers=bearer(token_a))
            assert response.status_code == 200
            assert json_body(response) == {"user_id": "alice", "iss": pool_a.issuer}
            assert server_a.request_count == 1
            assert server_b.request_count == 0

            response = client_b.get("/me", headers=bearer(token_b))
            assert response.status_code == 200
            assert json_body(response) == {"user_id": "bob", "iss": pool_b.issuer}
            assert server_a.request_count == 1
            assert server_b.request_count == 1

            # Each app refuses the other's users.
            response = client_a.get("/me", headers=bearer(token_b))
            assert response.status_code == 401
            assert json_body(response)["code"] == "UNKNOWN_KEY"
            response = client_b.get("/me", headers=bearer(token_a))
            assert response.status_code == 401
            assert json_body(response)["code"] == "UNKNOWN_KEY"
            response = client_a.get(
                "/me", headers=bearer(pool_b.id_token(header={"kid": pool_a.kid}))
            )
            assert response.status_code == 401
            assert json_body(response)["code"] == "INVALID_SIGNATURE"

            # One refetch per server for the first foreign kid; later ones fall in the cooldown.
            assert server_a.request_count == 2
            assert server_b.request_count == 2
        issuers_a = [(sender, kw["issuer"]) for sender, kw in refreshed_a]
        issuers_b = [(sender, kw["issuer"]) for sender, kw in refreshed_b]
        assert issuers_a == [(app_a, pool_a.issuer)] * 2
        assert issuers_b == [(app_b, pool_b.issuer)] * 2
