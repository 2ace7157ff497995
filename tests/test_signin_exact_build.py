"""The refresh-cookie codec the sign-in builder gives the app: sealed for the configured cookie
name, and opening cookies sealed with a secret of ``SECRET_KEY_FALLBACKS`` (a rotated key signs
nobody out)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from flask_revstack_cognito import CognitoAuth
from flask_revstack_cognito.appstate import get_extension
from flask_revstack_cognito.signin import SignInFeature
from flask_revstack_cognito.signin.cookies import RefreshCookieCodec

NEW = "the-new-secret-key-0123456789abcdef"
OLD = "the-old-secret-key-0123456789abcdef"


def codec_of(**config: Any) -> RefreshCookieCodec:
    app = Flask("exact_build_app")
    app.config.update(
        SECRET_KEY=NEW,
        COGNITO_USER_POOL_ID="us-east-1_SignIn01",
        COGNITO_CLIENT_ID="signinclient123456789",
        COGNITO_DOMAIN="https://myapp.auth.us-east-1.amazoncognito.com",
        **config,
    )
    CognitoAuth(app)
    feature = get_extension(app)[1].feature(SignInFeature)
    assert feature is not None
    return feature.codec


def test_a_cookie_sealed_with_a_fallback_secret_still_opens() -> None:
    sealed_before = RefreshCookieCodec(OLD, associated="refresh_token").seal("rt-1")
    assert codec_of(SECRET_KEY_FALLBACKS=[OLD]).open(sealed_before) == "rt-1"
    assert codec_of().open(sealed_before) is None
    # New cookies are sealed with the new secret.
    sealed_now = codec_of(SECRET_KEY_FALLBACKS=[OLD]).seal("rt-2")
    assert RefreshCookieCodec(NEW, associated="refresh_token").open(sealed_now) == "rt-2"


def test_the_refresh_cookie_is_sealed_for_its_configured_name() -> None:
    codec = codec_of(COGNITO_REFRESH_COOKIE_NAME="rt")
    assert RefreshCookieCodec(NEW, associated="rt").open(codec.seal("rt-1")) == "rt-1"
    for other in ("", "refresh_token"):
        assert codec.open(RefreshCookieCodec(NEW, associated=other).seal("rt-1")) is None
    assert codec_of().open(RefreshCookieCodec(NEW, associated="refresh_token").seal("x")) == "x"
