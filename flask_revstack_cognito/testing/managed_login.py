"""A local stand-in of Cognito's managed-login endpoints, for tests and the demo.

:class:`ManagedLogin` is a WSGI application serving ``/oauth2/authorize`` (a sign-in form),
``/login``, ``/oauth2/token``, ``/oauth2/revoke``, ``/logout``, ``/oauth2/userInfo`` and the
pool's ``/.well-known/openid-configuration`` with Cognito's rules: only registered callback and
sign-out URLs, single-use codes valid five minutes, PKCE (S256 only) checked, Cognito's error
JSON. Who checks passwords and mints tokens is a
:class:`~flask_revstack_cognito.testing.SignInBackend`. This module answers the browser's side
(the form, its session, sign-out, userInfo and discovery); the token side is
``managed_login_tokens``.

:meth:`LocalUserPool.serve() <flask_revstack_cognito.testing.LocalUserPool.serve>` serves it
beside the pool's JWKS; nothing in the verification core imports this module.
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from .managed_login_backend import (
    AccessDenied,
    Grant,
    InvalidAccessToken,
    SignIn,
    SignInBackend,
    SignInRefused,
)
from .managed_login_client import DEFAULT_SCOPES, AppClient
from .managed_login_http import (
    ErrorPage,
    OAuthError,
    error_redirect,
    html,
    invalid_token,
    json_response,
    redirect,
    with_query,
)
from .managed_login_pages import error_page, sign_in_form
from .managed_login_tokens import CODE_LIFETIME, PKCE_TEXT, TokenEndpoints

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["CODE_LIFETIME", "DEFAULT_SCOPES", "SESSION_COOKIE", "AppClient", "ManagedLogin"]

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
        self._sessions: dict[str, str] = {}
        self._lock = threading.Lock()
        self._tokens = TokenEndpoints(self)
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
        except OAuthError as error:
            return json_response({"error": error.error}, error.status)
        except ErrorPage as error:
            return html(error_page(error.error, error.description), 400)

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
        response = html(sign_in_form(authorize.parameters))
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
            return html(sign_in_form(authorize.parameters, error=refused.message))
        except AccessDenied as denied:
            return error_redirect(
                authorize.redirect_uri, "access_denied", authorize.state, denied.description
            )
        return self._redirect_with_code(authorize, sign_in, request)

    def _authorize_request(self, parameters: Mapping[str, str]) -> _AuthorizeRequest | Response:
        """Validate an authorize request: an error page until the redirect URI is trusted,
        then errors go back to the app as Cognito sends them."""
        client = self.clients.get(parameters.get("client_id", ""))
        if client is None:
            raise ErrorPage("invalid_request", "unknown or missing client_id")
        redirect_uri = parameters.get("redirect_uri", "")
        if redirect_uri not in client.callback_urls:
            raise ErrorPage("redirect_mismatch", "redirect_uri is not a registered callback URL")
        state = parameters.get("state") or None
        response_type = parameters.get("response_type", "")
        if response_type != "code":
            return error_redirect(redirect_uri, "unsupported_response_type", state)
        if "code" not in client.oauth_flows:
            return error_redirect(redirect_uri, "unauthorized_client", state)
        asked = tuple(parameters.get("scope", "").split())
        if any(scope not in client.scopes for scope in asked):
            return error_redirect(redirect_uri, "invalid_scope", state)
        challenge = parameters.get("code_challenge") or None
        method = parameters.get("code_challenge_method") or None
        pkce = challenge is not None or method is not None
        if pkce and (method != "S256" or not PKCE_TEXT.fullmatch(challenge or "")):
            return error_redirect(
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
        code = self._tokens.issue_code(
            authorize.client, authorize.redirect_uri, authorize.code_challenge, sign_in.tokens
        )
        session_id = base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode()
        with self._lock:
            old = request.cookies.get(SESSION_COOKIE)
            if old is not None:
                self._sessions.pop(old, None)
            self._sessions[session_id] = sign_in.session
        query = {"code": code}
        if authorize.state is not None:
            query["state"] = authorize.state
        response = redirect(with_query(authorize.redirect_uri, query))
        response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="Lax", path="/")
        return response

    def _session_of(self, request: Request) -> str | None:
        session_id = request.cookies.get(SESSION_COOKIE)
        if session_id is None:
            return None
        with self._lock:
            return self._sessions.get(session_id)

    # -- token and revoke: managed_login_tokens -----------------------------------------

    def _token(self, request: Request) -> Response:
        return self._tokens.token(request)

    def _revoke(self, request: Request) -> Response:
        return self._tokens.revoke(request)

    def is_revoked(self, refresh_token: str) -> bool:
        """Whether ``refresh_token`` was revoked at ``/oauth2/revoke``."""
        return self._tokens.is_revoked(refresh_token)

    # -- logout, userInfo, discovery ------------------------------------------------------

    def _logout(self, request: Request) -> Response:
        client = self.clients.get(request.args.get("client_id", ""))
        if client is None:
            raise ErrorPage("invalid_request", "unknown or missing client_id")
        logout_uri = request.args.get("logout_uri")
        if logout_uri is not None:
            if logout_uri not in client.logout_urls:
                raise ErrorPage("invalid_request", "logout_uri is not a registered sign-out URL")
            target = logout_uri
        elif request.args.get("redirect_uri"):
            # Sign out, then sign in again: the authorize endpoint checks the parameters.
            parameters = {
                name: request.args[name] for name in FORM_PARAMETERS if name in request.args
            }
            target = f"/oauth2/authorize?{urlencode(parameters)}"
        else:
            raise ErrorPage("invalid_request", "logout_uri or redirect_uri is required")
        session_id = request.cookies.get(SESSION_COOKIE)
        if session_id is not None:
            with self._lock:
                self._sessions.pop(session_id, None)
        response = redirect(target)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Lax")
        return response

    def _user_info(self, request: Request) -> Response:
        authorization = request.headers.get("Authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return invalid_token()
        try:
            claims = self.backend.user_info(token.strip())
        except InvalidAccessToken:
            return invalid_token()
        return json_response(dict(claims))

    def _discovery(self, request: Request) -> Response:
        base = request.host_url.rstrip("/")
        return json_response(
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
