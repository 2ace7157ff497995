"""Browser sign-in's settings, exactly: each refusal's whole message (the key, the problem, the
example), the defaults that reach it, and the edges of what is accepted.

A bad config must name its key and show a right value; these tests pin the text a developer
reads at ``init_app``, word for word.
"""

from __future__ import annotations

from typing import Any

import pytest
from signin_helpers import CONFIG_DOMAIN, config_of, refused, signin_settings

from flask_revstack_cognito import CognitoConfigError
from flask_revstack_cognito.settings import CognitoSettings
from flask_revstack_cognito.signin.settings import read_signin_settings

DOMAIN_EXAMPLE = "(for example 'https://myapp.auth.us-east-1.amazoncognito.com')"
CALLBACK_EXAMPLE = "(for example 'https://app.example.com/auth/callback')"
ROOT_EXAMPLE = "(for example 'https://app.example.com/')"
SCOPES_EXAMPLE = "(for example 'openid email profile')"


REFUSALS: list[tuple[dict[str, Any], str, str]] = [
    (
        {"COGNITO_DOMAIN": 42},
        "COGNITO_DOMAIN",
        f"COGNITO_DOMAIN: expected a string, got int {DOMAIN_EXAMPLE}",
    ),
    (
        {"COGNITO_DOMAIN": "https://auth.example.com:port"},
        "COGNITO_DOMAIN",
        f"COGNITO_DOMAIN: expected a URL, got 'https://auth.example.com:port' {DOMAIN_EXAMPLE}",
    ),
    (
        {"COGNITO_DOMAIN": "ftp://auth.example.com"},
        "COGNITO_DOMAIN",
        f"COGNITO_DOMAIN: expected an https:// URL, got 'ftp://auth.example.com' {DOMAIN_EXAMPLE}",
    ),
    (
        {"COGNITO_DOMAIN": "http://auth.example.com"},
        "COGNITO_DOMAIN",
        "COGNITO_DOMAIN: must be https:// (http:// only for a loopback emulator), got "
        f"'http://auth.example.com' {DOMAIN_EXAMPLE}",
    ),
    (
        # A path of one character other than "/" is a path all the same.
        {"COGNITO_DOMAIN": f"{CONFIG_DOMAIN}/X"},
        "COGNITO_DOMAIN",
        "COGNITO_DOMAIN: expected the domain alone, without a path, query or user, got "
        f"'{CONFIG_DOMAIN}/X' {DOMAIN_EXAMPLE}",
    ),
    (
        {"SECRET_KEY": None},
        "SECRET_KEY",
        "SECRET_KEY: browser sign-in (COGNITO_DOMAIN) keeps its state in the Flask session and "
        "encrypts the refresh cookie with a key derived from SECRET_KEY: set it to a long random "
        "value (for example secrets.token_hex(32))",
    ),
    (
        {"COGNITO_TOKEN_LOCATION": "headers,cookies"},
        "COGNITO_TOKEN_LOCATION",
        "COGNITO_TOKEN_LOCATION: must not list 'cookies' with browser sign-in (COGNITO_DOMAIN): "
        "sign-in reads its cookies itself, after the header (the access cookie for a view "
        "needing an access token) (for example 'headers')",
    ),
    (
        {"COGNITO_CLIENT_ID": None},
        "COGNITO_CLIENT_ID",
        "COGNITO_CLIENT_ID: browser sign-in (COGNITO_DOMAIN) needs the app client id that signs "
        "users in (for example '1example23456789')",
    ),
    (
        {"COGNITO_COOKIE_SAMESITE": "None", "COGNITO_COOKIE_SECURE": False},
        "COGNITO_COOKIE_SAMESITE",
        "COGNITO_COOKIE_SAMESITE: SameSite=None requires COGNITO_COOKIE_SECURE = True (browsers "
        "drop the cookie) (for example 'Lax')",
    ),
    (
        {"COGNITO_CLIENT_SECRET": 42},
        "COGNITO_CLIENT_SECRET",
        "COGNITO_CLIENT_SECRET: expected a string, got int (for example 'the app client secret')",
    ),
    (
        {"COGNITO_REDIRECT_URI": 42},
        "COGNITO_REDIRECT_URI",
        f"COGNITO_REDIRECT_URI: expected a string, got int {CALLBACK_EXAMPLE}",
    ),
    (
        {"COGNITO_LOGOUT_REDIRECT_URI": 42},
        "COGNITO_LOGOUT_REDIRECT_URI",
        f"COGNITO_LOGOUT_REDIRECT_URI: expected a string, got int {ROOT_EXAMPLE}",
    ),
    (
        {"COGNITO_REDIRECT_URI": "https://app.example.com:x/"},
        "COGNITO_REDIRECT_URI",
        "COGNITO_REDIRECT_URI: expected a URL, got 'https://app.example.com:x/' "
        f"{CALLBACK_EXAMPLE}",
    ),
    (
        # A scheme other than http(s), with a host.
        {"COGNITO_REDIRECT_URI": "ftp://app.example.com/auth/callback"},
        "COGNITO_REDIRECT_URI",
        "COGNITO_REDIRECT_URI: expected an absolute https:// URL without a fragment, got "
        f"'ftp://app.example.com/auth/callback' {CALLBACK_EXAMPLE}",
    ),
    (
        # https, without a host.
        {"COGNITO_REDIRECT_URI": "https:///auth/callback"},
        "COGNITO_REDIRECT_URI",
        "COGNITO_REDIRECT_URI: expected an absolute https:// URL without a fragment, got "
        f"'https:///auth/callback' {CALLBACK_EXAMPLE}",
    ),
    (
        {"COGNITO_LOGOUT_REDIRECT_URI": "ftp://app.example.com/"},
        "COGNITO_LOGOUT_REDIRECT_URI",
        "COGNITO_LOGOUT_REDIRECT_URI: expected an absolute https:// URL without a fragment, got "
        f"'ftp://app.example.com/' {ROOT_EXAMPLE}",
    ),
    (
        {"COGNITO_REDIRECT_URI": "http://app.example.com/auth/callback"},
        "COGNITO_REDIRECT_URI",
        "COGNITO_REDIRECT_URI: must be https:// (http:// only for localhost), got "
        f"'http://app.example.com/auth/callback' {CALLBACK_EXAMPLE}",
    ),
    (
        {"COGNITO_SCOPES": 7},
        "COGNITO_SCOPES",
        "COGNITO_SCOPES: expected a string, a comma-separated string or a list of strings, got "
        f"int {SCOPES_EXAMPLE}",
    ),
    (
        {"COGNITO_SCOPES": ["openid", "a b"]},
        "COGNITO_SCOPES",
        f"COGNITO_SCOPES: a scope cannot contain a space {SCOPES_EXAMPLE}",
    ),
    (
        {"COGNITO_SCOPES": "email profile"},
        "COGNITO_SCOPES",
        "COGNITO_SCOPES: must contain 'openid' (sign-in needs the ID token), got "
        f"['email', 'profile'] {SCOPES_EXAMPLE}",
    ),
    (
        {"COGNITO_AUTH_URL_PREFIX": 3},
        "COGNITO_AUTH_URL_PREFIX",
        "COGNITO_AUTH_URL_PREFIX: expected a string, got int (for example '/auth')",
    ),
    (
        {"COGNITO_AUTH_URL_PREFIX": "auth"},
        "COGNITO_AUTH_URL_PREFIX",
        "COGNITO_AUTH_URL_PREFIX: expected a path starting with '/', without '//', '?' or '#', "
        "got 'auth' (for example '/auth')",
    ),
    (
        {"COGNITO_COOKIE_NAME": "id token"},
        "COGNITO_COOKIE_NAME",
        "COGNITO_COOKIE_NAME: expected a cookie name, got 'id token' (for example 'id_token')",
    ),
    (
        {"COGNITO_ACCESS_COOKIE_NAME": "a;b"},
        "COGNITO_ACCESS_COOKIE_NAME",
        "COGNITO_ACCESS_COOKIE_NAME: expected a cookie name, got 'a;b' "
        "(for example 'access_token')",
    ),
    (
        {"COGNITO_ACCESS_COOKIE_NAME": 42},
        "COGNITO_ACCESS_COOKIE_NAME",
        "COGNITO_ACCESS_COOKIE_NAME: expected a string, got int (for example 'access_token')",
    ),
    (
        {"COGNITO_REFRESH_COOKIE_NAME": "r b"},
        "COGNITO_REFRESH_COOKIE_NAME",
        "COGNITO_REFRESH_COOKIE_NAME: expected a cookie name, got 'r b' "
        "(for example 'refresh_token')",
    ),
    (
        {"COGNITO_REFRESH_COOKIE_NAME": ""},
        "COGNITO_REFRESH_COOKIE_NAME",
        "COGNITO_REFRESH_COOKIE_NAME: expected a cookie name, got '' "
        "(for example 'refresh_token')",
    ),
    (
        {"COGNITO_COOKIE_NAME": "session"},
        "COGNITO_COOKIE_NAME",
        "COGNITO_COOKIE_NAME: 'session' is already the cookie of the Flask session: each needs "
        "its own (for example 'id_token')",
    ),
    (
        {"SESSION_COOKIE_NAME": "access_token"},
        "COGNITO_ACCESS_COOKIE_NAME",
        "COGNITO_ACCESS_COOKIE_NAME: 'access_token' is already the cookie of the Flask session: "
        "each needs its own (for example 'access_token')",
    ),
    (
        {"COGNITO_ACCESS_COOKIE_NAME": "id_token"},
        "COGNITO_ACCESS_COOKIE_NAME",
        "COGNITO_ACCESS_COOKIE_NAME: 'id_token' is already the cookie of COGNITO_COOKIE_NAME: "
        "each needs its own (for example 'access_token')",
    ),
    (
        {"COGNITO_REFRESH_COOKIE_NAME": "access_token"},
        "COGNITO_REFRESH_COOKIE_NAME",
        "COGNITO_REFRESH_COOKIE_NAME: 'access_token' is already the cookie of "
        "COGNITO_ACCESS_COOKIE_NAME: each needs its own (for example 'refresh_token')",
    ),
    (
        {"COGNITO_COOKIE_SECURE": "maybe"},
        "COGNITO_COOKIE_SECURE",
        "COGNITO_COOKIE_SECURE: expected True or False, got 'maybe' (for example True)",
    ),
    (
        {"COGNITO_LOGIN_REDIRECT": 1},
        "COGNITO_LOGIN_REDIRECT",
        "COGNITO_LOGIN_REDIRECT: expected True or False, got 1 (for example True)",
    ),
]


@pytest.mark.parametrize(
    ("config", "key", "message"), REFUSALS, ids=[message for _, _, message in REFUSALS]
)
def test_each_refusal_names_its_key_and_says_it_whole(
    config: dict[str, Any], key: str, message: str
) -> None:
    error = refused(**config)
    assert error.key == key
    assert str(error) == message


def test_the_session_cookie_is_flasks_default_when_the_config_does_not_name_it() -> None:
    # A mapping without SESSION_COOKIE_NAME (Flask's own config always has it): Flask's default
    # session cookie, "session", is taken all the same.
    config = config_of(COGNITO_REFRESH_COOKIE_NAME="session")
    settings = CognitoSettings.from_config(config, default_realm="app")
    with pytest.raises(CognitoConfigError) as caught:
        read_signin_settings(config, settings)
    assert str(caught.value) == (
        "COGNITO_REFRESH_COOKIE_NAME: 'session' is already the cookie of the Flask session: "
        "each needs its own (for example 'refresh_token')"
    )
    assert read_signin_settings(config_of(), settings) is not None


def test_a_domain_with_only_a_trailing_slash_is_the_domain() -> None:
    assert signin_settings(COGNITO_DOMAIN=f"{CONFIG_DOMAIN}//").domain == CONFIG_DOMAIN


def test_an_unset_prefix_puts_the_routes_at_the_root() -> None:
    for unset in ("", None, "  "):
        assert signin_settings(COGNITO_AUTH_URL_PREFIX=unset).url_prefix == ""


def test_only_trailing_slashes_leave_the_prefix() -> None:
    # The prefix loses its trailing "/" and nothing else: an "X" at its end stays.
    assert signin_settings(COGNITO_AUTH_URL_PREFIX="/authX/").url_prefix == "/authX"
    assert signin_settings(COGNITO_AUTH_URL_PREFIX="/X//").url_prefix == "/X"
