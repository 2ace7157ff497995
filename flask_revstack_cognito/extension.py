"""The Flask extension: :class:`CognitoAuth` builds each app's contract, key caches, verifier."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable

from flask import Flask, Response, current_app

from . import config as keys
from .alb import build_alb_feature
from .appstate import EXTENSION_KEY as EXTENSION_KEY
from .appstate import AppState as AppState
from .appstate import get_extension as get_extension
from .cli import cognito_cli
from .config import DEFAULTS
from .contract import AuthContract, check_token_use
from .errors import CognitoAuthError, MalformedTokenError, MissingTokenError
from .jwks import Fetcher
from .locate import expected_form_error, token_from_authorization
from .pipeline import Feature, compose
from .responses import error_response
from .revocation.feature import build_revocation, revocation_of
from .session import AuthSession
from .settings import CognitoSettings
from .signals import jwks_fetch_failed, jwks_refreshed
from .signin import build_signin
from .user import CognitoUser
from .verifier import TokenVerifier

logger = logging.getLogger("flask_revstack_cognito")

#: Builds a feature from the app's config, or ``None`` when the config does not enable it.
FeatureBuilder = Callable[[Flask, CognitoSettings], "Feature | None"]

#: The features ``init_app`` can enable, in the order they wrap the request path. The ALB wraps
#: outermost: a request with an ALB header is decided by the ALB alone, never by a cookie.
FEATURE_BUILDERS: tuple[FeatureBuilder, ...] = (build_revocation, build_signin, build_alb_feature)


class CognitoAuth:
    """Verify Amazon Cognito User Pool tokens in a Flask app.

    Reads ``COGNITO_*`` settings at :meth:`init_app`, where a bad value raises
    :class:`~flask_revstack_cognito.CognitoConfigError`. One object may serve several apps,
    each with its own contract and key caches; it never stores an app.

    :param app: an app to initialise now; or call :meth:`init_app` later (app factory).
    :param fetcher: fetches JWKS documents instead of HTTP (tests:
        :attr:`LocalUserPool.fetcher <flask_revstack_cognito.testing.LocalUserPool.fetcher>`).

    .. code-block:: python

        auth = CognitoAuth()

        def create_app():
            app = Flask(__name__)
            app.config.from_prefixed_env()  # FLASK_COGNITO_USER_POOL_ID=us-east-1_Abc123 ...
            auth.init_app(app)
            return app
    """

    def __init__(self, app: Flask | None = None, *, fetcher: Fetcher | None = None) -> None:
        self._fetcher = fetcher
        self._states: weakref.WeakKeyDictionary[Flask, AppState] = weakref.WeakKeyDictionary()
        # The app of the latest lookup and its state, both weak: most processes serve one app.
        self._last: tuple[weakref.ref[Flask], weakref.ref[AppState]] | None = None
        if app is not None:
            self.init_app(app)

    def __repr__(self) -> str:
        return f"<CognitoAuth apps={len(self._states)}>"

    def init_app(self, app: Flask) -> None:
        """Validate the app's ``COGNITO_*`` settings and register the extension on it.

        Sets every missing key to its default, builds the contract and the key caches (no
        network), registers the default error response unless the app has its own handler for
        :class:`~flask_revstack_cognito.CognitoAuthError`, and adds ``flask cognito``.

        :raises CognitoConfigError: naming the key whose value is wrong.
        :raises RuntimeError: when the app was already initialised.
        """
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError(
                "This app already has a CognitoAuth; create one CognitoAuth per app factory "
                "and call init_app(app) once per app."
            )
        for key, default in DEFAULTS.items():
            app.config.setdefault(key, default)
        settings = CognitoSettings.from_config(app.config, default_realm=app.name)
        if not settings.contract.client_ids:
            logger.warning(
                "%s is not set: tokens from any app client of the pool are accepted",
                keys.CLIENT_ID,
            )
        verifier = self._make_verifier(app, settings)
        features = tuple(
            feature for build in FEATURE_BUILDERS if (feature := build(app, settings)) is not None
        )
        verify, authenticate, refusal_response, exempt = compose(
            settings, verifier.verify, features
        )
        self._states[app] = AppState(
            settings, verifier, verify, authenticate, refusal_response, features, exempt
        )
        app.extensions[EXTENSION_KEY] = self
        for feature in features:
            feature.init_app(app)
        if CognitoAuthError not in app.error_handler_spec[None][None]:
            app.register_error_handler(CognitoAuthError, self._default_error_response)
        app.cli.add_command(cognito_cli)

    def _default_error_response(self, error: CognitoAuthError) -> Response:
        return error_response(error, realm=self.state().settings.realm)

    def _make_verifier(self, app: Flask, settings: CognitoSettings) -> TokenVerifier:
        app_ref = weakref.ref(app)  # the caches must not keep the app alive

        def refreshed(issuer: str, key_ids: tuple[str, ...]) -> None:
            sender = app_ref()
            if sender is not None:
                jwks_refreshed.send(sender, issuer=issuer, key_ids=key_ids)

        def fetch_failed(issuer: str, error: Exception) -> None:
            sender = app_ref()
            if sender is not None:
                jwks_fetch_failed.send(sender, issuer=issuer, error=error)

        return TokenVerifier(
            settings.contract,
            jwks_options=settings.jwks_options,
            fetcher=self._fetcher,
            token_cache_size=settings.token_cache_size,
            on_jwks_refresh=refreshed,
            on_jwks_fetch_failed=fetch_failed,
        )

    def state(self, app: Flask | None = None) -> AppState:
        """The state kept for ``app`` (the current app by default).

        :meta private:
        :raises RuntimeError: when ``init_app`` was not called for the app.
        """
        if app is None:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
        last = self._last
        if last is not None and last[0]() is app and (state := last[1]()) is not None:
            return state
        try:
            state = self._states[app]
        except KeyError:
            raise RuntimeError(
                f"CognitoAuth was not initialised for the app {app.name!r}: call "
                "auth.init_app(app) in your app factory."
            ) from None
        self._last = (weakref.ref(app), weakref.ref(state))
        return state

    @property
    def contract(self) -> AuthContract:
        """The current app's :class:`~flask_revstack_cognito.AuthContract` (app context needed)."""
        return self.state().settings.contract

    @property
    def verifier(self) -> TokenVerifier:
        """The current app's :class:`~flask_revstack_cognito.TokenVerifier` (in an app context)."""
        return self.state().verifier

    def verify(self, token: str, *, token_use: str | None = None) -> CognitoUser:
        """Verify a bare JWT with the current app's contract.

        Sends no signal: the request-level checks (:func:`~flask_revstack_cognito.login_required`)
        do that.

        :param token_use: ``"id"``, ``"access"`` or ``"any"``; ``COGNITO_TOKEN_USE`` by default.
        :raises CognitoAuthError: the subclass of the first check that failed;
            ``INVALID_FORMAT`` for a ``token`` that is not a ``str``.
        :raises ValueError: when ``token_use`` is not one of the three values (a mistake in
            the calling code, not a bad token).
        """
        if not isinstance(token, str):
            check_token_use(token_use)  # a bad token_use is a ValueError before anything
            raise MalformedTokenError()
        # The verifier checks token_use before anything else, too.
        return self.state().verify(token, token_use=token_use)

    def validate(self, authorization: str | None, *, token_use: str | None = None) -> AuthSession:
        """Validate a raw ``Authorization`` value (any case of ``Bearer``) or a bare token.

        Never raises for a bad token: the outcome is an
        :class:`~flask_revstack_cognito.AuthSession`, Revstack's session shape. ``None`` or a
        blank value is ``MISSING_TOKEN``, as is another scheme (``Basic ...``, with a message
        naming the expected form); a value that is not a ``str`` (``bytes`` included: decode
        a raw header yourself) is ``INVALID_FORMAT``.

        >>> session = auth.validate(request.headers.get("Authorization"))  # doctest: +SKIP
        >>> session.is_valid, session.error_code  # doctest: +SKIP
        (False, 'TOKEN_EXPIRED')

        :raises ValueError: when ``token_use`` is not one of the three values (a mistake in
            the calling code, not a bad token).
        """
        check_token_use(token_use)
        try:
            if authorization is None:
                raise MissingTokenError()
            if not isinstance(authorization, str):
                raise MalformedTokenError()
            token = token_from_authorization(authorization)
            if token is None:
                if authorization.strip():
                    raise expected_form_error("Authorization", "Bearer")
                raise MissingTokenError()
            return AuthSession.verified(self.verify(token, token_use=token_use))
        except CognitoAuthError as error:
            return AuthSession.failed(error)

    def prefetch(self) -> dict[str, tuple[str, ...]]:
        """Fetch the current app's JWKS now, so the first request needs no network.

        :returns: the key ids per issuer.
        :raises JWKSUnavailableError: when a JWKS could not be fetched.
        """
        return self.verifier.prefetch()

    def revoke(self, user_or_token: CognitoUser | str) -> CognitoUser:
        """Refuse a token's sign-in from now on, on every worker sharing the revocation store.

        Denies the token's ``origin_jti`` until now plus ``COGNITO_REVOCATION_TTL``: every
        token of that sign-in, those a refresh issues later included. A token without one
        (client credentials) has its own ``jti`` denied until it expires. Sends
        :data:`~flask_revstack_cognito.token_revoked`.

        :param user_or_token: a verified user (``current_cognito_user``), or an ID or access
            token, verified first: a token that does not verify raises its error and nothing
            is revoked (one already revoked verifies here, so revoking twice is harmless).
        :returns: the revoked token's user.
        :raises CognitoAuthError: for a token string that does not verify.
        :raises RevocationStoreError: when the store could not record the denial.
        :raises RuntimeError: when ``COGNITO_REVOCATION_STORE`` is not set.
        """
        state = self.state()
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        return revocation_of(state).revoke_token(app, state.verifier.verify, user_or_token)

    def sign_out_everywhere(
        self, access_token: str, *, endpoint: str | None = None
    ) -> CognitoUser:
        """:meth:`revoke` the access token's sign-in, then sign the user out at Cognito.

        Cognito's ``GlobalSignOut`` (its public JSON API, authorised by the access token
        itself: no AWS credentials) ends every refresh token of the user, on every device.

        :param access_token: the user's access token (``token_use`` ``access``).
        :param endpoint: the Cognito API; by default the token's region's
            (``https://cognito-idp.<region>.amazonaws.com/``), or the origin of an emulator's
            ``COGNITO_ISSUER`` or ``COGNITO_JWKS_URI``.
        :returns: the signed-out user.
        :raises CognitoAuthError: for a token that does not verify as an access token.
        :raises RevocationStoreError: when the store could not record the denial (Cognito is
            then not called).
        :raises GlobalSignOutError: when Cognito refused or did not answer (the denial here
            stands).
        :raises RuntimeError: when ``COGNITO_REVOCATION_STORE`` is not set.
        """
        state = self.state()
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        return revocation_of(state).sign_out_everywhere(
            app, state.verifier.verify, state.settings, access_token, endpoint=endpoint
        )
