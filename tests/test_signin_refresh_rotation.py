"""A refresh that rotates the refresh token (Cognito's refresh-token rotation): a new cookie.

The stand-in never rotates, so the feature's OAuth client is a real one whose refresh answer
carries a new refresh token in place of the one Cognito kept.
"""

from __future__ import annotations

from flask.testing import FlaskClient
from signin_helpers import BROWSER, TokenCalls, codec_of, cookie_value, set_cookie_headers, sign_in

from flask_revstack_cognito.appstate import get_extension
from flask_revstack_cognito.signin import SignInFeature
from flask_revstack_cognito.signin.client import CognitoOAuthClient, TokenResponse

ROTATED = "a-rotated-refresh-token"


class RotatingClient(CognitoOAuthClient):
    """Cognito's OAuth client, whose refreshes hand over a new refresh token."""

    def refresh(self, refresh_token: str) -> TokenResponse:
        tokens = super().refresh(refresh_token)
        assert tokens.refresh_token is None  # the stand-in does not rotate
        return TokenResponse(tokens.id_token, tokens.access_token, ROTATED)


def test_a_rotated_refresh_token_is_sealed_in_a_new_refresh_cookie(
    client: FlaskClient, calls: TokenCalls
) -> None:
    feature = get_extension(client.application)[1].feature(SignInFeature)
    assert feature is not None
    feature.client = RotatingClient(feature.settings)
    sign_in(client)
    old = cookie_value(client, "refresh_token")
    client.delete_cookie("id_token")
    client.delete_cookie("access_token")
    calls.reset()
    page = client.get("/private", headers=BROWSER)
    assert (page.status_code, calls.count()) == (200, 1)
    headers = set_cookie_headers(page)
    assert sorted(headers) == ["access_token", "id_token", "refresh_token"]
    sealed = cookie_value(client, "refresh_token")
    assert sealed is not None
    assert sealed != old
    assert codec_of(client.application).open(sealed) == ROTATED
    flags = headers["refresh_token"].split("; ")[1:]
    assert [flag for flag in flags if not flag.startswith("Expires=")] == [
        "Max-Age=2592000",
        "Secure",
        "HttpOnly",
        "Path=/",
        "SameSite=Lax",
    ]
