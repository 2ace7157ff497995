"""The OAuth 2.0 protocol with Cognito's managed login, through Authlib's client.

Authlib builds the authorization URL (with the PKCE S256 challenge), and makes the code exchange,
the refresh and the revocation requests; this module only names Cognito's endpoints, bounds each
call with the configured timeout, and turns every failure into one of two exceptions: Cognito
said no (:class:`OAuthRefused`), or Cognito could not be asked (:class:`OAuthUnavailable`).
Nothing here logs or returns a token in an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.requests_client import (  # type: ignore[import-untyped]
    OAuth2Session,
    OAuthError,
)

from .settings import SignInSettings


class OAuthFailed(Exception):
    """A call to Cognito's OAuth endpoints failed; the message says why, without any token."""


class OAuthRefused(OAuthFailed):
    """Cognito answered with an OAuth error (``invalid_grant``, ``invalid_client``, ...).

    :param error: the OAuth error code.
    """

    def __init__(self, error: str) -> None:
        #: The OAuth error code Cognito answered with.
        self.error = error
        super().__init__(f"Cognito refused the request: {error}")


class OAuthUnavailable(OAuthFailed):
    """Cognito could not be reached, timed out, or answered with something else than OAuth."""


@dataclass(frozen=True)
class TokenResponse:
    """The tokens of a code exchange or a refresh."""

    id_token: str | None
    access_token: str
    #: ``None`` when a refresh did not rotate the refresh token.
    refresh_token: str | None


class CognitoOAuthClient:
    """Authlib's OAuth 2.0 client, set up for one app client of a Cognito domain.

    :param settings: the sign-in settings (domain, client, scopes, timeout).
    """

    def __init__(self, settings: SignInSettings) -> None:
        self._settings = settings

    def __repr__(self) -> str:
        return f"<CognitoOAuthClient {self._settings.domain}>"

    def _session(self, redirect_uri: str | None = None) -> OAuth2Session:
        # One session per call: requests sessions are not safe to share between threads.
        return OAuth2Session(
            client_id=self._settings.client_id,
            client_secret=self._settings.client_secret,
            scope=self._settings.scope,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
        )

    def authorization_url(
        self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str
    ) -> str:
        """The ``/oauth2/authorize`` URL: code flow, PKCE S256, ``state`` and ``nonce``."""
        with self._session(redirect_uri) as session:
            url, _ = session.create_authorization_url(
                self._settings.authorize_url,
                state=state,
                code_verifier=code_verifier,
                nonce=nonce,
            )
        return str(url)

    def exchange(self, *, code: str, redirect_uri: str, code_verifier: str) -> TokenResponse:
        """Exchange an authorization code (with its PKCE verifier) for tokens.

        :raises OAuthRefused: Cognito refused the code (``invalid_grant``: reused, expired,
            another verifier or callback URL).
        :raises OAuthUnavailable: Cognito could not be asked.
        """
        return self._tokens(
            lambda session: session.fetch_token(
                self._settings.token_url,
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
                redirect_uri=redirect_uri,
                **self._request_options(),
            )
        )

    def refresh(self, refresh_token: str) -> TokenResponse:
        """New ID and access tokens for a refresh token (``grant_type=refresh_token``).

        :raises OAuthRefused: Cognito refused the refresh token (revoked, expired).
        :raises OAuthUnavailable: Cognito could not be asked.
        """
        response = self._tokens(
            lambda session: session.refresh_token(
                self._settings.token_url, refresh_token=refresh_token, **self._request_options()
            )
        )
        if response.refresh_token == refresh_token:  # Authlib keeps the old one: no rotation
            return TokenResponse(response.id_token, response.access_token, None)
        return response

    def revoke(self, refresh_token: str) -> None:
        """Revoke a refresh token at ``/oauth2/revoke`` (and the tokens it issued).

        :raises OAuthRefused: Cognito answered with an OAuth error.
        :raises OAuthUnavailable: Cognito could not be asked, or answered with another status.
        """
        with self._session() as session:
            try:
                answer = session.revoke_token(
                    self._settings.revoke_url,
                    token=refresh_token,
                    token_type_hint="refresh_token",
                    **self._request_options(),
                )
            except requests.RequestException as error:
                raise OAuthUnavailable(_describe(error)) from None
        if answer.status_code != 200:
            raise _answer_error(answer)

    def _request_options(self) -> dict[str, Any]:
        return {"timeout": self._settings.timeout, "allow_redirects": False}

    def _tokens(self, call: Any) -> TokenResponse:
        with self._session() as session:
            try:
                token = call(session)
            except OAuthError as error:
                raise OAuthRefused(str(error.error or "unknown_error")) from None
            except requests.RequestException as error:
                raise OAuthUnavailable(_describe(error)) from None
            except ValueError:  # a 4xx answer that is not a JSON object
                raise OAuthUnavailable("the token endpoint answered without JSON") from None
        access_token = token.get("access_token")
        id_token = token.get("id_token")
        refresh_token = token.get("refresh_token")
        if not isinstance(access_token, str) or not access_token:
            raise OAuthUnavailable("the token endpoint answered without an access token")
        return TokenResponse(
            id_token if isinstance(id_token, str) and id_token else None,
            access_token,
            refresh_token if isinstance(refresh_token, str) and refresh_token else None,
        )


def _describe(error: requests.RequestException) -> str:
    # The exception's text may hold the URL and form (a token); its class says enough.
    if isinstance(error, requests.HTTPError) and error.response is not None:
        return f"Cognito answered HTTP {error.response.status_code}"
    return f"Cognito could not be reached ({type(error).__name__})"


def _answer_error(answer: requests.Response) -> OAuthFailed:
    try:
        body = answer.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return OAuthRefused(body["error"])
    return OAuthUnavailable(f"Cognito answered HTTP {answer.status_code}")
