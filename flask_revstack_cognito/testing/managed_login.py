"""A local stand-in of Cognito's managed-login endpoints, for tests and the demo.

:class:`ManagedLogin` is a WSGI application serving ``/oauth2/authorize`` (a sign-in form),
``/login``, ``/oauth2/token``, ``/oauth2/revoke``, ``/logout``, ``/oauth2/userInfo`` and the
pool's ``/.well-known/openid-configuration`` with Cognito's rules: only registered callback and
sign-out URLs, single-use codes valid five minutes, PKCE (S256 only) checked, Cognito's error
JSON. Who checks passwords and mints tokens is a
:class:`~flask_revstack_cognito.managed_login_backend.SignInBackend`.

:meth:`LocalUserPool.serve() <flask_revstack_cognito.testing.LocalUserPool.serve>` serves it
beside the pool's JWKS; nothing in the verification core imports this module.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus, urlencode, urlsplit

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .managed_login_backend import (
    AccessDenied,
    Grant,
    InvalidAccessToken,
    InvalidGrant,
    SignIn,
    SignInBackend,
    SignInRefused,
    TokenSet,
)
from .managed_login_pages import error_page, sign_in_form

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["CODE_LIFETIME", "DEFAULT_SCOPES", "SESSION_COOKIE", "AppClient", "ManagedLogin"]

#: Scopes an app client allows unless told otherwise (Cognito's standard scopes).
DEFAULT_SCOPES = ("openid", "email", "phone", "profile", "aws.cognito.signin.user.admin")

#: Seconds an authorization code stays valid, as at Cognito.
CODE_LIFETIME = 300.0

#: The stand-in's session cookie: a browser that has it is not asked for its password again.
SESSION_COOKIE = "cognito"

#: The authorize request's parameters, carried by the sign-in form.
FORM_PARAMETERS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
)

# RFC 7636: 43 to 128 unreserved characters, for the verifier and the S256 challenge alike.
_PKCE_TEXT = re.compile(r"[A-Za-z0-9\-._~]{43,128}")


@dataclass(frozen=True)
class AppClient:
    """An app client as the managed login sees it.

    :param client_id: the app client id.
    :param callback_urls: the allowed callback URLs, matched exactly.
    :param logout_urls: the allowed sign-out URLs, matched exactly.
    :param client_secret: the client's secret; ``None`` for a public client.
    :param scopes: the OAuth scopes the client may ask for.
    :param oauth_flows: the allowed OAuth flows; without ``"code"``, sign-in is refused with
        ``unauthorized_client``.
    """

    client_id: str
    callback_urls: tuple[str, ...]
    logout_urls: tuple[str, ...] = ()
    client_secret: str | None = None
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    oauth_flows: tuple[str, ...] = ("code",)


@dataclass(frozen=True)
class _AuthorizeRequest:
    client: AppClient
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    nonce: str | None
    code_challenge: str | None
    parameters: dict[str, str]

    @property
    def grant(self) -> Grant:
        return Grant(self.client.client_id, self.scopes, self.nonce)


@dataclass(frozen=True)
class _Code:
    client_id: str
    redirect_uri: str
    code_challenge: str | None
    issued_at: float
    tokens: TokenSet


class _OAuthError(Exception):
    """An error answered as Cognito's JSON ``{"error": ...}``."""

    def __init__(self, error: str, status: int = 400) -> None:
        super().__init__(error)
        self.error = error
        self.status = status


class _ErrorPage(Exception):
    """An error shown as a page, never a redirect."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(error)
        self.error = error
        self.description = description


class ManagedLogin:
    """Cognito's managed-login endpoints as a WSGI application.

    :param backend: checks passwords and issues tokens.
    :param clients: the app clients by id; read on every request, so clients registered later
        count.
    :param issuer: the pool's issuer; its path is where ``openid-configuration`` is served.
    :param jwks_uri: the JWKS URL the discovery document names; ``None`` means this server's
        ``<issuer path>/.well-known/jwks.json``.
    :param clock: seconds since the epoch, for the codes' lifetime.
    """

    def __init__(
        self,
        backend: SignInBackend,
        *,
        clients: Mapping[str, AppClient],
        issuer: str,
        jwks_uri: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.backend = backend
        self.clients = clients
        self.issuer = issuer
        self.jwks_uri = jwks_uri
        self.clock = clock
        self._pool_path = urlsplit(issuer).path.rstrip("/")
        self._codes: dict[str, _Code] = {}
        self._sessions: dict[str, str] = {}
        self._refresh_clients: dict[str, str] = {}
        self._revoked: set[str] = set()
        self._lock = threading.Lock()
        self._urls = Map(
            [
                Rule("/oauth2/authorize", endpoint="authorize", methods=["GET"]),
                Rule("/login", endpoint="login", methods=["GET", "POST"]),
                Rule("/oauth2/token", endpoint="token", methods=["POST"]),
                Rule("/oauth2/revoke", endpoint="revoke", methods=["POST"]),
                Rule("/logout", endpoint="logout", methods=["GET"]),
                Rule("/oauth2/userInfo", endpoint="user_info", methods=["GET", "POST"]),
                Rule(
                    f"{self._pool_path}/.well-known/openid-configuration",
                    endpoint="discovery",
                    methods=["GET"],
                ),
            ]
        )

    def __repr__(self) -> str:
        return f"<ManagedLogin {self.issuer}>"

    # -- WSGI -----------------------------------------------------------------------------

    def handles(self, path: str) -> bool:
        """Whether ``path`` is one of the managed-login endpoints."""
        try:
            self._urls.bind("stand-in").match(path, method="GET")
        except MethodNotAllowed:
            return True
        except NotFound:
            return False
        return True

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Answer one request."""
        try:
            endpoint, _ = self._urls.bind_to_environ(request.environ).match()
            handler: Callable[[Request], Response] = getattr(self, f"_{endpoint}")
            return handler(request)
        except HTTPException as error:
            return error.get_response(request.environ)
        except _OAuthError as error:
            return _json({"error": error.error}, error.status)
        except _ErrorPage as error:
            return _html(error_page(error.error, error.description), 400)

    # -- authorize and the form -----------------------------------------------------------

    def _authorize(self, request: Request) -> Response:
        return self._sign_in_page(request)

    def _login(self, request: Request) -> Response:
        if request.method == "POST":
            return self._check_password(request)
        return self._sign_in_page(request)

    def _sign_in_page(self, request: Request) -> Response:
        authorize = self._authorize_request(request.args)
        if isinstance(authorize, Response):
            return authorize
        handle = self._session_of(request)
        if handle is not None:
            try:
                sign_in = self.backend.resume(handle, authorize.grant)
            except SignInRefused:
                pass
            else:
                return self._redirect_with_code(authorize, sign_in, request)
        response = _html(sign_in_form(authorize.parameters))
        return response

    def _check_password(self, request: Request) -> Response:
        authorize = self._authorize_request(request.form)
        if isinstance(authorize, Response):
            return authorize
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        try:
            sign_in = self.backend.sign_in(username, password, authorize.grant)
        except SignInRefused as refused:
            return _html(sign_in_form(authorize.parameters, error=refused.message))
        except AccessDenied as denied:
            return _error_redirect(
                authorize.redirect_uri, "access_denied", authorize.state, denied.description
            )
        return self._redirect_with_code(authorize, sign_in, request)

    def _authorize_request(self, parameters: Mapping[str, str]) -> _AuthorizeRequest | Response:
        """Validate an authorize request: an error page until the redirect URI is trusted,
        then errors go back to the app as Cognito sends them."""
        client = self.clients.get(parameters.get("client_id", ""))
        if client is None:
            raise _ErrorPage("invalid_request", "unknown or missing client_id")
        redirect_uri = parameters.get("redirect_uri", "")
        if redirect_uri not in client.callback_urls:
            raise _ErrorPage("redirect_mismatch", "redirect_uri is not a registered callback URL")
        state = parameters.get("state") or None
        response_type = parameters.get("response_type", "")
        if response_type != "code":
            return _error_redirect(redirect_uri, "unsupported_response_type", state)
        if "code" not in client.oauth_flows:
            return _error_redirect(redirect_uri, "unauthorized_client", state)
        asked = tuple(parameters.get("scope", "").split())
        if any(scope not in client.scopes for scope in asked):
            return _error_redirect(redirect_uri, "invalid_scope", state)
        challenge = parameters.get("code_challenge") or None
        method = parameters.get("code_challenge_method") or None
        pkce = challenge is not None or method is not None
        if pkce and (method != "S256" or not _PKCE_TEXT.fullmatch(challenge or "")):
            return _error_redirect(
                redirect_uri, "invalid_request", state, "PKCE needs an S256 code_challenge"
            )
        return _AuthorizeRequest(
            client=client,
            redirect_uri=redirect_uri,
            scopes=asked or client.scopes,
            state=state,
            nonce=parameters.get("nonce") or None,
            code_challenge=challenge,
            parameters={
                name: parameters[name] for name in FORM_PARAMETERS if parameters.get(name)
            },
        )

    def _redirect_with_code(
        self, authorize: _AuthorizeRequest, sign_in: SignIn, request: Request
    ) -> Response:
        code = str(uuid.uuid4())
        session_id = base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode()
        with self._lock:
            self._codes[code] = _Code(
                client_id=authorize.client.client_id,
                redirect_uri=authorize.redirect_uri,
                code_challenge=authorize.code_challenge,
                issued_at=self.clock(),
                tokens=sign_in.tokens,
            )
            old = request.cookies.get(SESSION_COOKIE)
            if old is not None:
                self._sessions.pop(old, None)
            self._sessions[session_id] = sign_in.session
            if sign_in.tokens.refresh_token is not None:
                self._refresh_clients[sign_in.tokens.refresh_token] = authorize.client.client_id
        query = {"code": code}
        if authorize.state is not None:
            query["state"] = authorize.state
        response = _redirect(_with_query(authorize.redirect_uri, query))
        response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="Lax", path="/")
        return response

    def _session_of(self, request: Request) -> str | None:
        session_id = request.cookies.get(SESSION_COOKIE)
        if session_id is None:
            return None
        with self._lock:
            return self._sessions.get(session_id)

    # -- token and revoke -----------------------------------------------------------------

    def _token(self, request: Request) -> Response:
        grant_type = request.form.get("grant_type")
        if not grant_type:
            raise _OAuthError("invalid_request")
        if grant_type not in {"authorization_code", "refresh_token", "client_credentials"}:
            raise _OAuthError("unsupported_grant_type")
        client = self._authenticate_client(request, status=400)
        if grant_type == "authorization_code":
            tokens = self._exchange_code(client, request.form)
        elif grant_type == "refresh_token":
            tokens = self._refresh(client, request.form)
        else:  # client_credentials: machine-to-machine, not a managed-login flow
            raise _OAuthError("unauthorized_client")
        response = _json(tokens.as_json())
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        return response

    def _authenticate_client(self, request: Request, *, status: int) -> AppClient:
        """client_secret_basic, client_secret_post, or a public client's ``client_id``."""
        basic = request.authorization
        secret: str | None
        if basic is not None and basic.type == "basic":
            # RFC 6749 2.3.1: both are form-urlencoded before Basic encoding (Authlib does it).
            client_id = unquote_plus(basic.username or "")
            secret = unquote_plus(basic.password or "")
            if request.form.get("client_id", client_id) != client_id:
                raise _OAuthError("invalid_client", status)
        elif request.authorization is not None:
            raise _OAuthError("invalid_client", status)
        else:
            client_id = request.form.get("client_id", "")
            secret = request.form.get("client_secret")
        client = self.clients.get(client_id)
        if client is None:
            raise _OAuthError("invalid_client", status)
        if client.client_secret is None:
            if secret:
                raise _OAuthError("invalid_client", status)
        elif secret is None or not hmac.compare_digest(
            secret.encode(), client.client_secret.encode()
        ):
            raise _OAuthError("invalid_client", status)
        return client

    def _exchange_code(self, client: AppClient, form: Mapping[str, str]) -> TokenSet:
        code, redirect_uri = form.get("code"), form.get("redirect_uri")
        if not code or not redirect_uri:
            raise _OAuthError("invalid_request")
        if "code" not in client.oauth_flows or redirect_uri not in client.callback_urls:
            # Real Cognito answers an unregistered redirect_uri here with unauthorized_client.
            raise _OAuthError("unauthorized_client")
        with self._lock:
            issued = self._codes.pop(code, None)  # single use, even when the exchange fails
        if (
            issued is None
            or self.clock() >= issued.issued_at + CODE_LIFETIME
            or issued.client_id != client.client_id
            or issued.redirect_uri != redirect_uri
            or not _pkce_matches(issued.code_challenge, form.get("code_verifier"))
        ):
            raise _OAuthError("invalid_grant")
        return issued.tokens

    def _refresh(self, client: AppClient, form: Mapping[str, str]) -> TokenSet:
        refresh_token = form.get("refresh_token")
        if not refresh_token:
            raise _OAuthError("invalid_request")
        with self._lock:
            owner = self._refresh_clients.get(refresh_token)
            revoked = refresh_token in self._revoked
        if owner != client.client_id or revoked:
            raise _OAuthError("invalid_grant")
        try:
            tokens = self.backend.refresh(refresh_token, client.client_id)
        except InvalidGrant:
            raise _OAuthError("invalid_grant") from None
        return TokenSet(tokens.id_token, tokens.access_token, None, tokens.expires_in)

    def _revoke(self, request: Request) -> Response:
        client = self._authenticate_client(request, status=401)
        token = request.form.get("token")
        if not token:
            raise _OAuthError("invalid_request")
        if token.count(".") == 2:  # a JWT: only refresh tokens can be revoked
            raise _OAuthError("unsupported_token_type")
        with self._lock:
            owner = self._refresh_clients.get(token)
            if owner is not None and owner != client.client_id:
                raise _OAuthError("invalid_grant")
            first = owner is not None and token not in self._revoked
            if first:
                self._revoked.add(token)
        if first:
            self.backend.revoke(token, client.client_id)
        # RFC 7009: an unknown or already revoked token is answered like a revoked one.
        return Response(b"", 200)

    def is_revoked(self, refresh_token: str) -> bool:
        """Whether ``refresh_token`` was revoked at ``/oauth2/revoke``."""
        with self._lock:
            return refresh_token in self._revoked

    # -- logout, userInfo, discovery ------------------------------------------------------

    def _logout(self, request: Request) -> Response:
        client = self.clients.get(request.args.get("client_id", ""))
        if client is None:
            raise _ErrorPage("invalid_request", "unknown or missing client_id")
        logout_uri = request.args.get("logout_uri")
        if logout_uri is not None:
            if logout_uri not in client.logout_urls:
                raise _ErrorPage("invalid_request", "logout_uri is not a registered sign-out URL")
            target = logout_uri
        elif request.args.get("redirect_uri"):
            # Sign out, then sign in again: the authorize endpoint checks the parameters.
            parameters = {
                name: request.args[name] for name in FORM_PARAMETERS if name in request.args
            }
            target = f"/oauth2/authorize?{urlencode(parameters)}"
        else:
            raise _ErrorPage("invalid_request", "logout_uri or redirect_uri is required")
        session_id = request.cookies.get(SESSION_COOKIE)
        if session_id is not None:
            with self._lock:
                self._sessions.pop(session_id, None)
        response = _redirect(target)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Lax")
        return response

    def _user_info(self, request: Request) -> Response:
        authorization = request.headers.get("Authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return _invalid_token()
        try:
            claims = self.backend.user_info(token.strip())
        except InvalidAccessToken:
            return _invalid_token()
        return _json(dict(claims))

    def _discovery(self, request: Request) -> Response:
        base = request.host_url.rstrip("/")
        return _json(
            {
                "authorization_endpoint": f"{base}/oauth2/authorize",
                "end_session_endpoint": f"{base}/logout",
                "id_token_signing_alg_values_supported": ["RS256"],
                "issuer": self.issuer,
                "jwks_uri": self.jwks_uri or f"{base}{self._pool_path}/.well-known/jwks.json",
                "response_types_supported": ["code"],
                "revocation_endpoint": f"{base}/oauth2/revoke",
                "scopes_supported": ["openid", "email", "phone", "profile"],
                "subject_types_supported": ["public"],
                "token_endpoint": f"{base}/oauth2/token",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "userinfo_endpoint": f"{base}/oauth2/userInfo",
            }
        )


def _pkce_matches(challenge: str | None, verifier: str | None) -> bool:
    if challenge is None:
        return True  # the authorize request used no PKCE
    if verifier is None or not _PKCE_TEXT.fullmatch(verifier):
        return False
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(expected, challenge)


def _with_query(url: str, parameters: Mapping[str, str]) -> str:
    separator = "&" if urlsplit(url).query else ("" if url.endswith("?") else "?")
    return f"{url}{separator}{urlencode(parameters)}"


def _error_redirect(
    redirect_uri: str, error: str, state: str | None, description: str | None = None
) -> Response:
    parameters: dict[str, str] = {}
    if description is not None:
        parameters["error_description"] = description
    parameters["error"] = error
    if state is not None:
        parameters["state"] = state
    return _redirect(_with_query(redirect_uri, parameters))


def _redirect(location: str) -> Response:
    response = Response(b"", 302)
    response.headers["Location"] = location
    return response


def _html(body: str, status: int = 200) -> Response:
    response = Response(body, status, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


def _json(body: Mapping[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body), status, content_type="application/json;charset=UTF-8")


def _invalid_token() -> Response:
    response = _json(
        {
            "error": "invalid_token",
            "error_description": "Access token is expired, disabled, or deleted, or the user"
            " has globally signed out.",
        },
        401,
    )
    response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response
