"""The demo's managed login: the test kit's stand-in of Cognito's hosted UI in front of moto.

The form's password is checked by moto's ``InitiateAuth`` (``USER_PASSWORD_AUTH``), so the
tokens the app receives are moto's, signed by moto's key and listed in moto's JWKS. Refreshes use
moto's ``REFRESH_TOKEN_AUTH``.

What moto cannot do, and what this backend does instead:

- moto's ID tokens carry no ``nonce`` (moto's ``create_id_token`` has no such parameter), so
  the app's sign-in sees an ID token without one; the runtime accepts that only from a loopback
  ``COGNITO_DOMAIN``.
- moto has no ``RevokeToken``: a revoked refresh token is remembered here and refused from then
  on (by the stand-in's ``/oauth2/token`` and by a session-cookie sign-in).
- moto's access tokens always carry ``scope=aws.cognito.signin.user.admin``, whatever was asked.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError  # type: ignore[import-untyped]

from flask_revstack_cognito.testing import (
    Grant,
    InvalidAccessToken,
    InvalidGrant,
    SignIn,
    SignInRefused,
    TokenSet,
)

__all__ = ["MotoSignInBackend"]


class MotoSignInBackend:
    """A :class:`~flask_revstack_cognito.testing.SignInBackend` asking moto's Cognito.

    :param client: a boto3 ``cognito-idp`` client pointed at moto.
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self._revoked: set[str] = set()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return "<MotoSignInBackend>"

    def sign_in(self, username: str, password: str, grant: Grant) -> SignIn:
        """``InitiateAuth`` with ``USER_PASSWORD_AUTH``; the session is moto's refresh token."""
        try:
            result = self._client.initiate_auth(
                ClientId=grant.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "UserNotFoundException":
                raise SignInRefused() from None  # no hint that the user does not exist
            raise SignInRefused(error.response["Error"].get("Message") or "") from None
        tokens = result.get("AuthenticationResult")
        if tokens is None:
            raise SignInRefused(f"{result.get('ChallengeName')} is not supported by the demo")
        refresh_token = str(tokens["RefreshToken"])
        return SignIn(self._token_set(tokens, grant, refresh_token), refresh_token)

    def resume(self, session: str, grant: Grant) -> SignIn:
        """New tokens from the session's refresh token: moto has no hosted-UI session."""
        try:
            tokens = self.refresh(session, grant.client_id)
        except InvalidGrant:
            raise SignInRefused("Please sign in again.") from None
        return SignIn(self._token_set_of(tokens, grant, session), session)

    def refresh(self, refresh_token: str, client_id: str) -> TokenSet:
        """``InitiateAuth`` with ``REFRESH_TOKEN_AUTH``."""
        with self._lock:
            if refresh_token in self._revoked:
                raise InvalidGrant()
        try:
            result = self._client.initiate_auth(
                ClientId=client_id,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": refresh_token},
            )
        except ClientError:
            raise InvalidGrant() from None
        tokens = result["AuthenticationResult"]
        return TokenSet(
            str(tokens["IdToken"]), str(tokens["AccessToken"]), None, int(tokens["ExpiresIn"])
        )

    def revoke(self, refresh_token: str, client_id: str) -> None:
        """Remember the revocation: moto has no ``RevokeToken``."""
        with self._lock:
            self._revoked.add(refresh_token)

    def user_info(self, access_token: str) -> Mapping[str, Any]:
        """moto's ``GetUser``, shaped as the userInfo endpoint answers."""
        try:
            user = self._client.get_user(AccessToken=access_token)
        except ClientError:
            raise InvalidAccessToken() from None
        info: dict[str, Any] = {"username": user["Username"]}
        for attribute in user["UserAttributes"]:
            info[attribute["Name"]] = attribute["Value"]
        return info

    @staticmethod
    def _token_set(tokens: Mapping[str, Any], grant: Grant, refresh_token: str) -> TokenSet:
        id_token = str(tokens["IdToken"]) if "openid" in grant.scopes else None
        return TokenSet(
            id_token, str(tokens["AccessToken"]), refresh_token, int(tokens["ExpiresIn"])
        )

    @staticmethod
    def _token_set_of(tokens: TokenSet, grant: Grant, refresh_token: str) -> TokenSet:
        id_token = tokens.id_token if "openid" in grant.scopes else None
        return TokenSet(id_token, tokens.access_token, refresh_token, tokens.expires_in)
