"""Browser sign-in's settings: what enables it, and every wrong value refused at ``init_app``."""

from __future__ import annotations

from typing import Any

import pytest
from signin_helpers import CONFIG_CLIENT, CONFIG_DOMAIN, config_app, refused, signin_settings

from flask_revstack_cognito import CognitoAuth
from flask_revstack_cognito.appstate import get_extension
from flask_revstack_cognito.hosts import is_loopback_host


def test_the_defaults() -> None:
    settings = signin_settings()
    assert (settings.domain, settings.client_id, settings.client_secret) == (
        CONFIG_DOMAIN,
        CONFIG_CLIENT,
        None,
    )
    assert settings.scope == "openid email profile"
    assert settings.url_prefix == "/auth"
    assert (settings.redirect_uri, settings.logout_redirect_uri) == (None, None)
    assert settings.cookie_names == ("id_token", "access_token", "refresh_token")
    assert (settings.cookie_secure, settings.cookie_samesite) == (True, "Lax")
    assert settings.login_redirect is True
    assert settings.timeout == 3.0
    assert settings.loopback is False
    assert settings.token_url == f"{CONFIG_DOMAIN}/oauth2/token"


def test_without_a_domain_there_is_no_sign_in() -> None:
    app = config_app(COGNITO_DOMAIN=None)
    CognitoAuth(app)
    assert get_extension(app)[1].features == ()
    assert get_extension(app)[1].refusal_response is None
    assert "revstack_cognito_signin" not in app.blueprints
    assert app.test_client().get("/auth/login").status_code == 404


def test_the_routes_follow_the_prefix() -> None:
    app = config_app(COGNITO_AUTH_URL_PREFIX="/account/")
    CognitoAuth(app)
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("revst")}
    assert rules == {"/account/login", "/account/callback", "/account/logout"}


def test_an_empty_prefix_puts_the_routes_at_the_root() -> None:
    app = config_app(COGNITO_AUTH_URL_PREFIX="/")
    CognitoAuth(app)
    assert app.url_map.bind("localhost").match("/login")[0] == "revstack_cognito_signin.login"


@pytest.mark.parametrize("secret", [None, "", b""])
def test_sign_in_without_a_secret_key_is_refused_at_init_app(secret: object) -> None:
    error = refused(SECRET_KEY=secret)
    assert error.key == "SECRET_KEY"
    assert "Flask session" in error.problem


def test_a_bytes_secret_key_is_accepted() -> None:
    assert signin_settings(SECRET_KEY=b"\x00" * 32).domain == CONFIG_DOMAIN


def test_sign_in_needs_a_client_id() -> None:
    error = refused(COGNITO_CLIENT_ID=None)
    assert error.key == "COGNITO_CLIENT_ID"
    assert "signs users in" in error.problem


def test_the_first_client_id_signs_users_in() -> None:
    assert signin_settings(COGNITO_CLIENT_ID="webclient1, mobileclient2").client_id == "webclient1"


@pytest.mark.parametrize(
    ("domain", "expected", "loopback"),
    [
        (CONFIG_DOMAIN, CONFIG_DOMAIN, False),
        (f"{CONFIG_DOMAIN}/", CONFIG_DOMAIN, False),
        ("https://auth.example.com", "https://auth.example.com", False),
        ("http://127.0.0.1:9229", "http://127.0.0.1:9229", True),
        ("http://localhost:8000/", "http://localhost:8000", True),
        ("http://[::1]:8000", "http://[::1]:8000", True),
        ("https://127.0.0.1:8443", "https://127.0.0.1:8443", True),
    ],
)
def test_accepted_domains(domain: str, expected: str, loopback: bool) -> None:
    settings = signin_settings(COGNITO_DOMAIN=domain)
    assert (settings.domain, settings.loopback) == (expected, loopback)


@pytest.mark.parametrize(
    ("domain", "words"),
    [
        ("http://myapp.auth.us-east-1.amazoncognito.com", "http:// only for a loopback"),
        ("http://10.0.0.1", "http:// only for a loopback"),
        ("myapp.auth.us-east-1.amazoncognito.com", "expected an https:// URL"),
        ("ftp://auth.example.com", "expected an https:// URL"),
        ("https://", "expected an https:// URL"),
        (f"{CONFIG_DOMAIN}/oauth2/authorize", "without a path"),
        (f"{CONFIG_DOMAIN}?a=b", "without a path"),
        ("https://user@auth.example.com", "without a path"),
        ("https://auth.example.com:port", "expected a URL"),
        (42, "expected a string"),
    ],
)
def test_refused_domains(domain: object, words: str) -> None:
    error = refused(COGNITO_DOMAIN=domain)
    assert error.key == "COGNITO_DOMAIN"
    assert words in error.problem


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("app.localhost", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("10.0.0.1", False),
        ("localhost.example.com", False),
        (None, False),
        ("", False),
    ],
)
def test_is_loopback_host(host: str | None, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


@pytest.mark.parametrize(
    ("scopes", "expected"),
    [
        ("openid", "openid"),
        ("openid,email profile", "openid email profile"),
        (["openid", "aws.cognito.signin.user.admin"], "openid aws.cognito.signin.user.admin"),
        ("openid openid email", "openid email"),
    ],
)
def test_scopes(scopes: object, expected: str) -> None:
    assert signin_settings(COGNITO_SCOPES=scopes).scope == expected


@pytest.mark.parametrize(
    ("scopes", "words"),
    [
        ("email profile", "must contain 'openid'"),
        ("", "must contain 'openid'"),
        (["openid", "a b"], "cannot contain a space"),
        (7, "expected a string"),
    ],
)
def test_refused_scopes(scopes: object, words: str) -> None:
    error = refused(COGNITO_SCOPES=scopes)
    assert error.key == "COGNITO_SCOPES"
    assert words in error.problem


@pytest.mark.parametrize(
    ("samesite", "expected"), [("lax", "Lax"), ("Strict", "Strict"), ("NONE", "None")]
)
def test_samesite(samesite: str, expected: str) -> None:
    assert signin_settings(COGNITO_COOKIE_SAMESITE=samesite).cookie_samesite == expected


def test_samesite_none_needs_secure_cookies() -> None:
    error = refused(COGNITO_COOKIE_SAMESITE="None", COGNITO_COOKIE_SECURE=False)
    assert error.key == "COGNITO_COOKIE_SAMESITE"
    assert "requires COGNITO_COOKIE_SECURE" in error.problem


def test_an_unknown_samesite_is_refused() -> None:
    assert refused(COGNITO_COOKIE_SAMESITE="Relaxed").key == "COGNITO_COOKIE_SAMESITE"


@pytest.mark.parametrize(
    ("value", "expected"), [(False, False), ("false", False), ("0", False), ("Yes", True)]
)
def test_boolean_settings_from_the_environment(value: object, expected: bool) -> None:
    settings = signin_settings(COGNITO_COOKIE_SECURE=value, COGNITO_LOGIN_REDIRECT=value)
    assert (settings.cookie_secure, settings.login_redirect) == (expected, expected)


@pytest.mark.parametrize("key", ["COGNITO_COOKIE_SECURE", "COGNITO_LOGIN_REDIRECT"])
@pytest.mark.parametrize("value", ["maybe", None, 1])
def test_refused_booleans(key: str, value: object) -> None:
    error = refused(**{key: value})
    assert error.key == key
    assert "expected True or False" in error.problem


@pytest.mark.parametrize("prefix", ["auth", "/a//b", "/a?b", "/a b", 3])
def test_refused_prefixes(prefix: object) -> None:
    assert refused(COGNITO_AUTH_URL_PREFIX=prefix).key == "COGNITO_AUTH_URL_PREFIX"


@pytest.mark.parametrize("key", ["COGNITO_REDIRECT_URI", "COGNITO_LOGOUT_REDIRECT_URI"])
@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://app.example.com/auth/callback", "http:// only for localhost"),
        ("/auth/callback", "absolute https:// URL"),
        ("https://app.example.com/#frag", "absolute https:// URL"),
        ("https://app.example.com:x/", "expected a URL"),
    ],
)
def test_refused_redirect_uris(key: str, url: str, words: str) -> None:
    error = refused(**{key: url})
    assert error.key == key
    assert words in error.problem


def test_redirect_uris_are_kept() -> None:
    settings = signin_settings(
        COGNITO_REDIRECT_URI="https://app.example.com/auth/callback",
        COGNITO_LOGOUT_REDIRECT_URI="http://localhost:5000/",
        COGNITO_CLIENT_SECRET="shh",
    )
    assert settings.redirect_uri == "https://app.example.com/auth/callback"
    assert settings.logout_redirect_uri == "http://localhost:5000/"
    assert settings.client_secret == "shh"


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"COGNITO_ACCESS_COOKIE_NAME": "id_token"}, "COGNITO_ACCESS_COOKIE_NAME"),
        ({"COGNITO_REFRESH_COOKIE_NAME": "access_token"}, "COGNITO_REFRESH_COOKIE_NAME"),
        ({"COGNITO_REFRESH_COOKIE_NAME": "session"}, "COGNITO_REFRESH_COOKIE_NAME"),
        ({"COGNITO_COOKIE_NAME": "session"}, "COGNITO_COOKIE_NAME"),
        ({"COGNITO_COOKIE_NAME": "id token"}, "COGNITO_COOKIE_NAME"),
        ({"COGNITO_ACCESS_COOKIE_NAME": "a;b"}, "COGNITO_ACCESS_COOKIE_NAME"),
        ({"COGNITO_ACCESS_COOKIE_NAME": ""}, "COGNITO_ACCESS_COOKIE_NAME"),
    ],
)
def test_refused_cookie_names(config: dict[str, Any], key: str) -> None:
    assert refused(**config).key == key


def test_the_session_cookie_name_is_read_from_flask() -> None:
    error = refused(SESSION_COOKIE_NAME="access_token")
    assert error.key == "COGNITO_ACCESS_COOKIE_NAME"
    assert "the Flask session" in error.problem


def test_a_strict_session_cookie_is_warned_about(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="flask_revstack_cognito"):
        CognitoAuth(config_app(SESSION_COOKIE_SAMESITE="Strict"))
    assert any("SESSION_COOKIE_SAMESITE" in record.message for record in caplog.records)
