"""The sign-in routes: ``<prefix>/login``, ``<prefix>/callback`` and ``<prefix>/logout``.

The Flask session holds only what a sign-in in progress needs (``state``, ``nonce``, the PKCE
verifier and ``next``), keyed by ``state`` so that several tabs may sign in at once; tokens go in
the cookies, never in the session or a URL. Every failure is an HTML page saying what happened,
with no cookie set and no redirect.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any, NamedTuple
from urllib.parse import urlencode

from flask import Blueprint, Flask, current_app, redirect, request, session, url_for
from markupsafe import escape
from werkzeug.wrappers import Response

from ..appstate import get_extension
from ..errors import CognitoAuthError, JWKSUnavailableError
from ..locate import is_cross_site_unsafe
from ..revocation.feature import RevocationFeature
from ..revocation.store import RevocationStoreError
from ..signals import user_signed_in, user_signed_out
from ..user import CognitoUser
from .client import OAuthFailed, OAuthRefused, OAuthUnavailable
from .cookies import CookieTooLarge, clear_cookies, set_cookies
from .feature import BLUEPRINT_NAME, SignInFeature, login_url
from .redirects import stored_next
from .settings import SignInSettings
from .tokens import SignInTokenError, verify_token_response

logger = logging.getLogger("flask_revstack_cognito")

#: The Flask session key of the sign-ins in progress.
SESSION_KEY = "_cognito_signin"
#: Sign-ins in progress kept per browser (one per tab that started one); the oldest goes first.
MAX_PENDING = 5
#: Seconds a sign-in may take from the login route to the callback.
PENDING_LIFETIME = 3600

# The errors Cognito's authorization endpoint sends back (RFC 6749, section 4.1.2.1), in words.
_AUTHORIZE_ERRORS = {
    "access_denied": "Cognito refused the sign-in.",
    "invalid_request": "Cognito found the sign-in request invalid.",
    "unauthorized_client": "This app client may not sign users in with the code flow.",
    "unsupported_response_type": "Cognito does not support the requested response type.",
    "invalid_scope": "The app asked Cognito for a scope its app client may not use.",
    "server_error": "Cognito failed to complete the sign-in.",
    "temporarily_unavailable": "Cognito is temporarily unavailable.",
}


# The longest error_description logged: it comes from the query string, anyone may send one.
_MAX_DESCRIPTION = 256


class _Pending(NamedTuple):
    """A sign-in in progress, as kept in the session (a list, for the session's JSON)."""

    nonce: str
    verifier: str
    next: str
    started: float


def make_blueprint(feature: SignInFeature) -> Blueprint:
    """The sign-in blueprint of ``feature``.

    :meta private:
    """
    blueprint = Blueprint(BLUEPRINT_NAME, __name__)
    views = _Views(feature)
    blueprint.add_url_rule("/login", "login", views.login, methods=["GET"])
    blueprint.add_url_rule("/callback", "callback", views.callback, methods=["GET"])
    blueprint.add_url_rule("/logout", "logout", views.logout, methods=["POST"])
    return blueprint


class _Views:
    def __init__(self, feature: SignInFeature) -> None:
        self.feature = feature

    @property
    def settings(self) -> SignInSettings:
        return self.feature.settings

    def login(self) -> Response:
        """Keep a new sign-in's secrets in the session; send the browser to Cognito."""
        state = secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(32)
        # 43 characters (256 bits), RFC 7636 section 4.1: five pending sign-ins must fit in the
        # session cookie.
        verifier = secrets.token_urlsafe(32)
        pending = _pending_sign_ins()
        pending[state] = list(
            _Pending(nonce, verifier, stored_next(request.args.get("next")), time.time())
        )
        while len(pending) > MAX_PENDING:
            # The session's JSON sorts its keys: the oldest is found by its start time.
            del pending[min(pending, key=lambda state: pending[state][-1])]
        session[SESSION_KEY] = pending
        url = self.feature.client.authorization_url(
            redirect_uri=self._redirect_uri(), state=state, nonce=nonce, code_verifier=verifier
        )
        return _no_store(redirect(url, 302))

    def callback(self) -> Response:
        """Check ``state``, exchange the code, verify the tokens, set the cookies."""
        args = request.args
        state = args.get("state")
        pending = _pending_sign_ins()
        entry = pending.pop(state, None) if state else None
        if entry is not None:
            session[SESSION_KEY] = pending  # the state is used, whatever happens next
        error = args.get("error")
        if error is not None:
            logger.info(
                "sign-in refused by Cognito: %r (%r)",
                _loggable(error, 64),
                _loggable(args.get("error_description") or "", _MAX_DESCRIPTION),
            )
            words = _AUTHORIZE_ERRORS.get(error, "Cognito sent back an error.")
            status = 401 if error == "access_denied" else 400
            return _page(status, "Sign-in failed", words)
        if not state:
            return _page(400, "Sign-in failed", "The answer from Cognito carries no state.")
        if entry is None:
            return _page(
                400,
                "Sign-in failed",
                "This sign-in is not one this browser started, it was already used, or it "
                "took too long. Please sign in again.",
            )
        sign_in = _Pending(*entry)
        code = args.get("code")
        if not code:
            return _page(400, "Sign-in failed", "The answer from Cognito carries no code.")
        return self._finish(code, sign_in)

    def _finish(self, code: str, sign_in: _Pending) -> Response:
        settings = self.settings
        try:
            tokens = self.feature.client.exchange(
                code=code, redirect_uri=self._redirect_uri(), code_verifier=sign_in.verifier
            )
        except OAuthRefused as refused:
            logger.info("sign-in code refused by Cognito: %s", refused.error)
            return _page(
                401,
                "Sign-in failed",
                f"Cognito refused the sign-in code ({refused.error}). Please sign in again.",
            )
        except OAuthUnavailable as unavailable:
            logger.warning("sign-in code exchange failed: %s", unavailable)
            return _page(502, "Sign-in failed", "Cognito could not be reached. Please try again.")
        app_state = get_extension()[1]
        try:
            verified = verify_token_response(
                tokens,
                app_state.verify,
                client_id=settings.client_id,
                nonce=sign_in.nonce,
                allow_missing_nonce=settings.loopback,
            )
        except JWKSUnavailableError as unavailable:
            # The pool's keys, or the revocation store (a subclass): its own words say which.
            logger.warning("sign-in tokens could not be checked: %s", unavailable.message)
            return _page(
                503,
                "Sign-in failed",
                f"The tokens from Cognito could not be checked: {unavailable.message}. "
                "Please try again.",
            )
        except (CognitoAuthError, SignInTokenError) as error:
            reason = error.message if isinstance(error, CognitoAuthError) else str(error)
            logger.info("sign-in tokens refused: %s", reason)
            return _page(401, "Sign-in failed", f"The tokens from Cognito were refused: {reason}.")
        if settings.cookie_samesite == "Strict":
            # A redirect would still belong to the navigation that came from Cognito's site,
            # and carry no Strict cookie: a page of this site moves on instead.
            response = _continue_page(sign_in.next)
        else:
            response = redirect(sign_in.next, 302)
        try:
            set_cookies(response, verified.cookies, settings, self.feature.codec)
        except CookieTooLarge as error:
            logger.warning("sign-in refused: %s", error)
            return _page(
                502,
                "Sign-in failed",
                "The tokens from Cognito are too large for a browser cookie: the user has too "
                "many groups or attributes for this app.",
            )
        user_signed_in.send(_app(), user=verified.id_user)
        return _no_store(response)

    def logout(self) -> Response:
        """Revoke the refresh token, clear the cookies and the session, sign out at Cognito."""
        if is_cross_site_unsafe(request):
            return _page(403, "Sign-out refused", "A sign-out must come from this site's pages.")
        settings = self.settings
        user = self._signed_in_user()
        refresh_token = self.feature.codec.open(request.cookies.get(settings.refresh_cookie))
        if refresh_token is not None:
            try:
                self.feature.client.revoke(refresh_token)
            except OAuthFailed as error:
                logger.warning("refresh token revocation at Cognito failed: %s", error)
        revoke_signed_out_user(_app(), user)
        session.pop(SESSION_KEY, None)
        query = urlencode(
            {
                "client_id": settings.client_id,
                "logout_uri": settings.logout_redirect_uri or request.url_root,
            }
        )
        response = redirect(f"{settings.logout_url}?{query}", 303)
        clear_cookies(response, settings)
        user_signed_out.send(_app(), user=user)
        return _no_store(response)

    def _signed_in_user(self) -> CognitoUser | None:
        # The verifier without the revocation check: a store that cannot answer must not hide
        # whose sign-in to deny, and a token already denied is denied again harmlessly.
        verify = get_extension()[1].verifier.verify
        for name, token_use in (
            (self.settings.id_cookie, "id"),
            (self.settings.access_cookie, "access"),
        ):
            token = request.cookies.get(name)
            if token:
                try:
                    return verify(token, token_use=token_use)
                except CognitoAuthError:
                    continue
        return None

    def _redirect_uri(self) -> str:
        return self.settings.redirect_uri or url_for(f"{BLUEPRINT_NAME}.callback", _external=True)


def revoke_signed_out_user(app: Flask, user: CognitoUser | None) -> None:
    """Deny the signed-out sign-in's tokens when the app has a revocation store (SPEC 13).

    Cognito's ``/oauth2/revoke`` stops the refresh token at Cognito only; the ID and access
    tokens already issued stay valid until they expire unless the app's deny-list is told.
    Sign-out goes on when the store cannot record the denial, whatever a custom store raises
    (the cookies are cleared, the refresh token revoked at Cognito): the failure is logged as
    an error, with its traceback when it is not the store's documented error.

    :meta private:
    """
    revocation = get_extension(app)[1].feature(RevocationFeature)
    if revocation is None or user is None:
        return
    try:
        revocation.revoke(app, user)
    except (RevocationStoreError, CognitoAuthError) as error:
        logger.error("sign-out could not revoke the session's tokens: %s", error)
    except Exception:
        # A custom store's own failure (a ConnectionError, a bug): the user still signs out.
        logger.exception("sign-out could not revoke the session's tokens: the store failed")


def _pending_sign_ins() -> dict[str, Any]:
    pending = session.get(SESSION_KEY)
    if not isinstance(pending, dict):
        return {}
    now = time.time()
    return {
        state: entry
        for state, entry in pending.items()
        if isinstance(entry, list)
        and len(entry) == len(_Pending._fields)
        and isinstance(entry[-1], (int, float))
        and now - entry[-1] <= PENDING_LIFETIME
    }


def _loggable(value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters, without control characters: fit for a log line."""
    return "".join(char for char in value[:limit] if char.isprintable())


def _app() -> Flask:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return app


def _no_store(response: Response) -> Response:
    response.cache_control.no_store = True
    return response


def _page(status: int, title: str, message: str) -> Response:
    home = escape(request.script_root + "/")
    body = (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title></head>\n<body><h1>{escape(title)}</h1>\n"
        f"<p>{escape(message)}</p>\n"
        f'<p><a href="{escape(login_url())}">Sign in</a> &middot; <a href="{home}">Home</a></p>'
        "\n</body></html>\n"
    )
    return _no_store(Response(body, status, content_type="text/html; charset=utf-8"))


def _continue_page(next_path: str) -> Response:
    target = escape(next_path)
    body = (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        f'<meta http-equiv="refresh" content="0;url={target}">'
        "<title>Signed in</title></head>\n"
        f'<body><p>Signed in. <a href="{target}">Continue</a></p></body></html>\n'
    )
    return Response(body, 200, content_type="text/html; charset=utf-8")
