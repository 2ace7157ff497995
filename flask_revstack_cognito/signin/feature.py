"""Browser sign-in as a :class:`~flask_revstack_cognito.pipeline.Feature` of the request path.

With sign-in enabled, a request without a token in the header is read from the sign-in cookies
(a request with an ALB header never gets here: the ALB decides it alone): the ID cookie, or the
access cookie for a view needing an access token. A cookie token that has expired (or that the
browser dropped at its expiry) is refreshed once with the refresh cookie; the request is served
with the new tokens, and its response carries them in new cookies. A refused browser navigation
is sent to sign-in instead of the 401 JSON. The sign-in routes need no token (:meth:`exempt`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Flask, Request, current_app, redirect, request, url_for
from werkzeug.local import LocalProxy
from werkzeug.wrappers import Response

from ..appstate import get_extension
from ..decorators import current_cognito_user
from ..errors import CognitoAuthError, JWKSUnavailableError, MissingTokenError, TokenExpiredError
from ..locate import is_cross_site_unsafe, token_from_header
from ..pipeline import Authenticate, Feature, Verify
from ..settings import CognitoSettings
from ..signals import tokens_refreshed
from ..user import CognitoUser
from .client import CognitoOAuthClient, OAuthRefused, OAuthUnavailable
from .cookies import CookieTooLarge, RefreshCookieCodec, clear_cookies, set_cookies
from .redirects import safe_next
from .settings import SignInSettings
from .tokens import SignInTokenError, VerifiedTokens, verify_token_response

logger = logging.getLogger("flask_revstack_cognito")

#: The blueprint's name: its endpoints are ``revstack_cognito_signin.login`` and so on.
BLUEPRINT_NAME = "revstack_cognito_signin"

# Where a request keeps what sign-in learned about it (on the request object, as the
# decorators do: flask.g belongs to the app context, which may span several requests).
_REQUEST_KEY = "_revstack_cognito_signin"
_UNSET: Any = object()


class _RequestCookies:
    """What sign-in did for this request: a refresh, and the cookies its response needs."""

    __slots__ = ("clear", "refreshed", "refused", "template_user")

    def __init__(self) -> None:
        #: The verified tokens of this request's refresh; the response sets their cookies.
        self.refreshed: VerifiedTokens | None = None
        #: The refresh was tried and gave nothing: it is not tried again for this request.
        self.refused = False
        #: The response clears the sign-in cookies (a refused refresh, a sign-out).
        self.clear = False
        #: The user the templates see (:func:`template_user`), once looked up.
        self.template_user: CognitoUser | None = _UNSET


def request_cookies(req: Request) -> _RequestCookies:
    """This request's sign-in state, made on first use.

    :meta private:
    """
    state: _RequestCookies | None = req.__dict__.get(_REQUEST_KEY)
    if state is None:
        state = req.__dict__.setdefault(_REQUEST_KEY, _RequestCookies())
    return state


class SignInFeature(Feature):
    """Browser sign-in through Cognito's managed login (SPEC section 11).

    :param settings: the validated sign-in settings.
    :param core: the app's core settings (where the header token is looked for).
    :param codec: seals and opens the refresh cookie.
    :param routes: makes the blueprint of the sign-in routes for this feature.
    :param client: the OAuth 2.0 client of Cognito's endpoints.
    """

    def __init__(
        self,
        settings: SignInSettings,
        core: CognitoSettings,
        codec: RefreshCookieCodec,
        routes: Callable[[SignInFeature], Blueprint],
        client: CognitoOAuthClient | None = None,
    ) -> None:
        self.settings = settings
        self.codec = codec
        self._routes = routes
        self.client = client if client is not None else CognitoOAuthClient(settings)
        self._core = core

    def __repr__(self) -> str:
        return f"<SignInFeature {self.settings.domain}>"

    # -- the request path -----------------------------------------------------------------

    def wrap_authenticate(self, authenticate: Authenticate, verify: Verify) -> Authenticate:
        """The cookies when the header holds no token; an expired cookie token refreshed once."""

        def signin_authenticate(req: Request, token_use: str) -> CognitoUser:
            try:
                return authenticate(req, token_use)
            except MissingTokenError:
                # Only then: a header token that fails (expired too) is refused, never replaced
                # by the cookies. The header is the only token location with sign-in on.
                user = self._from_cookies(req, token_use, verify)
                if user is None:
                    raise
                return user

        return signin_authenticate

    def _has_header_token(self, req: Request) -> bool:
        core = self._core
        value = req.headers.get(core.header_name)
        return token_from_header(value, core.header_type) is not None

    def _from_cookies(self, req: Request, token_use: str, verify: Verify) -> CognitoUser | None:
        """The user of the sign-in cookies, ``None`` when they hold no usable sign-in."""
        if is_cross_site_unsafe(req):  # SPEC section 4: no cookie serves a cross-site POST
            return None
        state = request_cookies(req)
        if state.refreshed is not None:
            return _user_for(state.refreshed, token_use)
        if state.refused:
            return None
        settings = self.settings
        name = settings.access_cookie if token_use == "access" else settings.id_cookie
        token = req.cookies.get(name)
        has_refresh = bool(req.cookies.get(settings.refresh_cookie))
        if token:
            try:
                return verify(token, token_use=token_use)
            except TokenExpiredError:
                if not has_refresh:
                    raise
        elif not has_refresh:
            return None
        return self._refresh(req, state, token_use, verify)

    def _refresh(
        self, req: Request, state: _RequestCookies, token_use: str, verify: Verify
    ) -> CognitoUser | None:
        state.refused = True  # one attempt per request, whatever its outcome
        refresh_token = self.codec.open(req.cookies.get(self.settings.refresh_cookie))
        if refresh_token is None:
            logger.info("refresh cookie refused: changed, or sealed under another SECRET_KEY")
            state.clear = True
            return None
        try:
            tokens = self.client.refresh(refresh_token)
            verified = verify_token_response(
                tokens,
                verify,
                client_id=self.settings.client_id,
                nonce=None,
                allow_missing_nonce=True,
            )
        except OAuthUnavailable as error:
            # Not a refusal: Cognito may answer the next request, so the cookies stay.
            logger.warning("token refresh failed: %s", error)
            return None
        except JWKSUnavailableError:
            raise  # the keys are missing, not the sign-in: a 503, cookies kept
        except (OAuthRefused, CognitoAuthError, SignInTokenError) as error:
            logger.info("token refresh refused: %s", _reason(error))
            state.clear = True
            return None
        state.refreshed = verified
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        tokens_refreshed.send(app, user=verified.id_user)
        return _user_for(verified, token_use)

    def refusal_response(self, request: Request, error: CognitoAuthError) -> Response | None:
        """A browser navigation refused with a 401 is sent to sign-in (``COGNITO_LOGIN_REDIRECT``).

        A browser navigation is a ``GET`` or ``HEAD`` without a header token whose ``Accept``
        prefers ``text/html`` to JSON; API calls keep the 401 JSON.
        """
        if not self.settings.login_redirect or error.status != 401:
            return None
        if request.method not in ("GET", "HEAD") or self._has_header_token(request):
            return None
        accept = request.accept_mimetypes
        if accept["text/html"] <= accept["application/json"]:
            return None
        return redirect(login_url(next_path(request)), 302)

    def exempt(self, request: Request) -> bool:
        """The sign-in routes need no token: a guard over the whole app lets them through."""
        return request.blueprint == BLUEPRINT_NAME

    # -- the app --------------------------------------------------------------------------

    def init_app(self, app: Flask) -> None:
        """Register the sign-in routes, the cookie hook and the template helpers."""
        app.register_blueprint(self._routes(self), url_prefix=self.settings.url_prefix or None)
        app.after_request(self._after_request)
        app.context_processor(_template_helpers)
        if str(app.config.get("SESSION_COOKIE_SAMESITE") or "").lower() == "strict":
            logger.warning(
                "SESSION_COOKIE_SAMESITE is 'Strict': browsers coming back from Cognito's "
                "sign-in page do not send the session cookie, so every sign-in fails; use 'Lax'"
            )

    def _after_request(self, response: Response) -> Response:
        state: _RequestCookies | None = request.__dict__.get(_REQUEST_KEY)
        if state is None:
            return response
        if state.clear:
            clear_cookies(response, self.settings)
        elif state.refreshed is not None:
            try:
                set_cookies(response, state.refreshed.cookies, self.settings, self.codec)
            except CookieTooLarge as error:
                logger.warning("refreshed tokens dropped: %s", error)
                clear_cookies(response, self.settings)
        else:
            return response
        # A response that sets a sign-in cookie is this browser's alone.
        response.cache_control.private = True
        response.cache_control.no_store = True
        return response


def login_url(next: str | None = None) -> str:
    """The URL of the sign-in route, returning to ``next`` (a path on this site) afterwards.

    Available in templates as ``cognito_login_url(next=None)``::

        <a href="{{ cognito_login_url(next=request.path) }}">Sign in</a>

    :param next: where to go after sign-in; ``None`` (or anything but a path on this site)
        goes to ``/``.
    """
    if next is None:
        return url_for(f"{BLUEPRINT_NAME}.login")
    return url_for(f"{BLUEPRINT_NAME}.login", next=safe_next(next))


def next_path(req: Request) -> str:
    """The path (and query) of ``req``, as the ``next`` of a sign-in."""
    # req.path is decoded: a "%" in it is a literal one, quoted again as "%25" (or
    # /files/c%2541 would come back as /files/cA).
    path = quote(req.script_root + req.path, safe="/:@!$&'()*+,;=-._~")
    query = req.query_string.decode("latin-1")
    return f"{path}?{query}" if query else path


def template_user() -> CognitoUser | None:
    """The signed-in user for templates: the request's verified user, or its cookies' user.

    A page without :func:`~flask_revstack_cognito.login_required` still knows who is signed in
    (a home page's "Signed in as ..."). A bad or missing token is ``None`` here, never an error.
    """
    user: CognitoUser | None = current_cognito_user
    if user:
        return user
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    state = request_cookies(req)
    if state.template_user is _UNSET:
        app_state = get_extension()[1]
        try:
            state.template_user = app_state.authenticate(
                req, app_state.settings.contract.token_use
            )
        except CognitoAuthError:
            state.template_user = None
    return state.template_user


def _template_helpers() -> dict[str, Any]:
    return {
        "current_cognito_user": LocalProxy(template_user),
        "cognito_login_url": login_url,
    }


def _user_for(verified: VerifiedTokens, token_use: str) -> CognitoUser:
    return verified.access_user if token_use == "access" else verified.id_user


def _reason(error: Exception) -> str:
    if isinstance(error, CognitoAuthError):
        return error.code
    return str(error)
