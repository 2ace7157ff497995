"""COGNITO_TOKEN_LOCATION with "cookies" is refused beside browser sign-in, which reads its own."""

from __future__ import annotations

import pytest
from flask import Flask
from signin_helpers import SECRET

from flask_revstack_cognito import CognitoAuth, CognitoConfigError

DOMAIN = "https://myapp.auth.us-east-1.amazoncognito.com"


def make_app(**config: object) -> Flask:
    app = Flask("locations_app")
    app.config.update(
        SECRET_KEY=SECRET,
        COGNITO_USER_POOL_ID="us-east-1_SignIn01",
        COGNITO_CLIENT_ID="signinclient123456789",
        **config,
    )
    return app


@pytest.mark.parametrize("locations", ["cookies", "headers,cookies", ["cookies", "headers"]])
def test_cookie_locations_are_refused_with_sign_in(locations: object) -> None:
    with pytest.raises(CognitoConfigError) as caught:
        CognitoAuth(make_app(COGNITO_DOMAIN=DOMAIN, COGNITO_TOKEN_LOCATION=locations))
    error = caught.value
    assert error.key == "COGNITO_TOKEN_LOCATION"
    assert "sign-in reads its cookies itself" in str(error)


def test_header_locations_are_fine_with_sign_in() -> None:
    CognitoAuth(make_app(COGNITO_DOMAIN=DOMAIN, COGNITO_TOKEN_LOCATION="headers"))


def test_cookie_locations_are_fine_without_sign_in() -> None:
    CognitoAuth(make_app(COGNITO_TOKEN_LOCATION="headers,cookies"))
