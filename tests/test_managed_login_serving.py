"""How the pool serves the stand-in: discovery, config(), faults per path, request counts."""

from __future__ import annotations

import pytest
import requests
from managed_login_helpers import CALLBACK, PASSWORD, authorize_url, query_of

from flask_revstack_cognito.testing import JWKSServer, LocalUserPool, SignInFailed, browser_sign_in


def test_discovery_is_served_at_the_issuer_path_and_names_these_endpoints(
    stand_in: JWKSServer, pool: LocalUserPool
) -> None:
    document = requests.get(
        f"{pool.domain}/{pool.user_pool_id}/.well-known/openid-configuration", timeout=5
    ).json()
    assert document["issuer"] == pool.issuer
    assert document["jwks_uri"] == pool.jwks_uri == stand_in.url
    for name, path in [
        ("authorization_endpoint", "/oauth2/authorize"),
        ("token_endpoint", "/oauth2/token"),
        ("revocation_endpoint", "/oauth2/revoke"),
        ("userinfo_endpoint", "/oauth2/userInfo"),
        ("end_session_endpoint", "/logout"),
    ]:
        assert document[name] == pool.domain + path
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert (
        requests.get(f"{pool.domain}/.well-known/openid-configuration", timeout=5).status_code
        == 404
    )


def test_config_names_the_domain_once_the_client_is_registered(pool: LocalUserPool) -> None:
    with pool.serve() as server:
        assert "COGNITO_DOMAIN" not in pool.config()
        pool.register_client(callback_urls=[CALLBACK])
        assert pool.config()["COGNITO_DOMAIN"] == pool.domain == server.base_url
        assert pool.domain.startswith("http://127.0.0.1:")
        assert "COGNITO_CLIENT_SECRET" not in pool.config()
        pool.register_client(callback_urls=[CALLBACK], client_secret="s3cret")
        assert pool.config()["COGNITO_CLIENT_SECRET"] == "s3cret"
    assert "COGNITO_DOMAIN" not in pool.config()
    with pytest.raises(RuntimeError, match="serve"):
        _ = pool.domain


def test_a_fault_on_one_path_leaves_the_others_working(
    stand_in: JWKSServer, pool: LocalUserPool
) -> None:
    stand_in.fail_with(503, b'{"error":"busy"}', path="/oauth2/token")
    code = query_of(browser_sign_in(authorize_url(pool), "admin", PASSWORD))["code"]
    assert (
        requests.post(f"{pool.domain}/oauth2/token", data={"code": code}, timeout=5).status_code
        == 503
    )
    assert requests.get(stand_in.url, timeout=5).status_code == 200
    stand_in.recover()
    assert stand_in.path_counts["/oauth2/token"] == 1
    assert stand_in.path_counts["/login"] == 1
    assert stand_in.path_counts[stand_in.url.removeprefix(pool.domain)] == 1


def test_the_browser_helper_reports_an_error_page(
    stand_in: JWKSServer, pool: LocalUserPool
) -> None:
    with pytest.raises(SignInFailed, match="redirect_mismatch"):
        browser_sign_in(
            authorize_url(pool, redirect_uri="https://evil.example/"), "admin", PASSWORD
        )
    stand_in.fail_with(500, b"")
    with pytest.raises(SignInFailed, match="HTTP 500"):
        browser_sign_in(authorize_url(pool), "admin", PASSWORD)


def test_the_stand_in_serves_nothing_else(stand_in: JWKSServer, pool: LocalUserPool) -> None:
    assert not pool.managed_login.handles("/oauth2/other")
    assert pool.managed_login.handles("/oauth2/token")
    assert repr(pool.managed_login) == f"<ManagedLogin {pool.issuer}>"
    assert requests.get(f"{pool.domain}/oauth2/other", timeout=5).status_code == 404


def test_the_browser_helper_follows_a_signed_in_browser_straight_back(
    stand_in: JWKSServer, pool: LocalUserPool
) -> None:
    browser = requests.Session()
    browser_sign_in(authorize_url(pool), "admin", PASSWORD, session=browser)
    callback = browser_sign_in(
        authorize_url(pool, state="s2"), "ignored", "ignored", session=browser
    )
    assert query_of(callback)["state"] == "s2"
    assert stand_in.path_counts["/login"] == 1  # the form was posted once only
