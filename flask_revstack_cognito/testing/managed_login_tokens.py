"""The managed-login stand-in's token side: codes, ``/oauth2/token`` and ``/oauth2/revoke``.

:class:`TokenEndpoints` keeps the authorization codes the sign-in form issued (single use, valid
:data:`CODE_LIFETIME` seconds, PKCE S256 checked), which client each refresh token belongs to,
and which refresh tokens were revoked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import unquote_plus

from werkzeug.wrappers import Request, Response

from .managed_login_backend import InvalidGrant, SignInBackend, TokenSet
from .managed_login_client import AppClient
from .managed_login_http import OAuthError, json_response

__all__ = ["CODE_LIFETIME", "PKCE_TEXT", "TokenEndpoints"]

#: Seconds an authorization code stays valid, as at Cognito.
CODE_LIFETIME = 300.0

#: RFC 7636: 43 to 128 unreserved characters, for the verifier and the S256 challenge alike.
PKCE_TEXT = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


class _Owner(Protocol):
    """What the endpoints read of their :class:`~flask_revstack_cognito.testing.ManagedLogin`
    on every request (a test may swap the backend)."""

    backend: SignInBackend
    clients: Mapping[str, AppClient]
    clock: Callable[[], float]


@dataclass(frozen=True)
class _Code:
    client_id: str
    redirect_uri: str
    code_challenge: str | None
    issued_at: float
    tokens: TokenSet


class TokenEndpoints:
    """``/oauth2/token`` and ``/oauth2/revoke`` of one managed login.

    :param owner: the managed login whose backend, clients and clock count.
    """

    def __init__(self, owner: _Owner) -> None:
        self._owner = owner
        self._codes: dict[str, _Code] = {}
        self._refresh_clients: dict[str, str] = {}
        self._revoked: set[str] = set()
        self._lock = threading.Lock()

    def issue_code(
        self,
        client: AppClient,
        redirect_uri: str,
        code_challenge: str | None,
        tokens: TokenSet,
    ) -> str:
        """Remember ``tokens`` under a new authorization code for ``client``; return the code."""
        code = str(uuid.uuid4())
        with self._lock:
            self._codes[code] = _Code(
                client_id=client.client_id,
                redirect_uri=redirect_uri,
                code_challenge=code_challenge,
                issued_at=self._owner.clock(),
                tokens=tokens,
            )
            if tokens.refresh_token is not None:
                self._refresh_clients[tokens.refresh_token] = client.client_id
        return code

    def token(self, request: Request) -> Response:
        """Answer ``POST /oauth2/token``."""
        grant_type = request.form.get("grant_type")
        if not grant_type:
            raise OAuthError("invalid_request")
        if grant_type not in {"authorization_code", "refresh_token", "client_credentials"}:
            raise OAuthError("unsupported_grant_type")
        client = self._authenticate_client(request, status=400)
        if grant_type == "authorization_code":
            tokens = self._exchange_code(client, request.form)
        elif grant_type == "refresh_token":
            tokens = self._refresh(client, request.form)
        else:  # client_credentials: machine-to-machine, not a managed-login flow
            raise OAuthError("unauthorized_client")
        response = json_response(tokens.as_json())
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        return response

    def revoke(self, request: Request) -> Response:
        """Answer ``POST /oauth2/revoke``."""
        client = self._authenticate_client(request, status=401)
        token = request.form.get("token")
        if not token:
            raise OAuthError("invalid_request")
        if token.count(".") == 2:  # a JWT: only refresh tokens can be revoked
            raise OAuthError("unsupported_token_type")
        with self._lock:
            owner = self._refresh_clients.get(token)
            if owner is not None and owner != client.client_id:
                raise OAuthError("invalid_grant")
            first = owner is not None and token not in self._revoked
            if first:
                self._revoked.add(token)
        if first:
            self._owner.backend.revoke(token, client.client_id)
        # RFC 7009: an unknown or already revoked token is answered like a revoked one.
        return Response(b"", 200)

    def is_revoked(self, refresh_token: str) -> bool:
        """Whether ``refresh_token`` was revoked at ``/oauth2/revoke``."""
        with self._lock:
            return refresh_token in self._revoked

    def _authenticate_client(self, request: Request, *, status: int) -> AppClient:
        """client_secret_basic, client_secret_post, or a public client's ``client_id``."""
        basic = request.authorization
        secret: str | None
        if basic is not None and basic.type == "basic":
            # RFC 6749 2.3.1: both are form-urlencoded before Basic encoding (Authlib does it).
            client_id = unquote_plus(basic.username or "")
            secret = unquote_plus(basic.password or "")
            if request.form.get("client_id", client_id) != client_id:
                raise OAuthError("invalid_client", status)
        elif request.authorization is not None:
            raise OAuthError("invalid_client", status)
        else:
            client_id = request.form.get("client_id", "")
            secret = request.form.get("client_secret")
        client = self._owner.clients.get(client_id)
        if client is None:
            raise OAuthError("invalid_client", status)
        if client.client_secret is None:
            if secret:
                raise OAuthError("invalid_client", status)
        elif secret is None or not hmac.compare_digest(
            secret.encode(), client.client_secret.encode()
        ):
            raise OAuthError("invalid_client", status)
        return client

    def _exchange_code(self, client: AppClient, form: Mapping[str, str]) -> TokenSet:
        code, redirect_uri = form.get("code"), form.get("redirect_uri")
        if not code or not redirect_uri:
            raise OAuthError("invalid_request")
        if "code" not in client.oauth_flows or redirect_uri not in client.callback_urls:
            # Real Cognito answers an unregistered redirect_uri here with unauthorized_client.
            raise OAuthError("unauthorized_client")
        with self._lock:
            issued = self._codes.pop(code, None)  # single use, even when the exchange fails
        if (
            issued is None
            or self._owner.clock() >= issued.issued_at + CODE_LIFETIME
            or issued.client_id != client.client_id
            or issued.redirect_uri != redirect_uri
            or not _pkce_matches(issued.code_challenge, form.get("code_verifier"))
        ):
            raise OAuthError("invalid_grant")
        return issued.tokens

    def _refresh(self, client: AppClient, form: Mapping[str, str]) -> TokenSet:
        refresh_token = form.get("refresh_token")
        if not refresh_token:
            raise OAuthError("invalid_request")
        with self._lock:
            owner = self._refresh_clients.get(refresh_token)
            revoked = refresh_token in self._revoked
        if owner != client.client_id or revoked:
            raise OAuthError("invalid_grant")
        try:
            tokens = self._owner.backend.refresh(refresh_token, client.client_id)
        except InvalidGrant:
            raise OAuthError("invalid_grant") from None
        return TokenSet(tokens.id_token, tokens.access_token, None, tokens.expires_in)


def _pkce_matches(challenge: str | None, verifier: str | None) -> bool:
    if challenge is None:
        return True  # the authorize request used no PKCE
    if verifier is None or not PKCE_TEXT.fullmatch(verifier):
        return False
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(expected, challenge)
