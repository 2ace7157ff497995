"""Request-level checks: :func:`login_required`, :func:`login_guard`, :func:`verify_request`.

The token of a request is verified at most once per required token type, whatever the number of
decorators, guards and checks; ``verification_failed`` is sent once per failed request and
``token_verified`` once per request, when a check first passes.

What a request learned about its token is kept on the request object itself, not on ``flask.g``:
``g`` belongs to the app context, which may span several requests (an app context pushed by
hand) or be another one for the same request (:func:`flask.copy_current_request_context` in a
thread pushes a new app context around the same request).
"""

from __future__ import annotations

import functools
import inspect
import logging
import weakref
from _thread import RLock
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast, overload

from flask import Flask, Request, Response, abort, current_app, request
from werkzeug.local import LocalProxy

from .appstate import get_extension
from .authorization import check_requirements
from .contract import check_token_use
from .errors import CognitoAuthError, MissingTokenError
from .signals import token_verified, verification_failed
from .user import CognitoUser

logger = logging.getLogger("flask_revstack_cognito")

F = TypeVar("F", bound=Callable[..., Any])

#: A guard for ``before_request``: ``None`` to go on, or the response to answer with.
Guard = Callable[[], Response | None]

# The key of the request state in the request object's __dict__.
_STATE_KEY = "_revstack_cognito_state"


class _RequestState:
    """What this request learned about its token (kept on the request object)."""

    __slots__ = ("lock", "outcomes", "unsent", "user")

    def __init__(self) -> None:
        #: The user, set once every check of the latest check passed.
        self.user: CognitoUser | None = None
        #: Outcome of locating and verifying the token, per required token use.
        self.outcomes: dict[str, CognitoUser | CognitoAuthError] = {}
        # Threads of one request (copy_current_request_context) share this state. Reentrant:
        # a jwks_refreshed receiver, run during a verification, may check the request too.
        self.lock = RLock()  # the C lock itself: threading.RLock is a Python wrapper
        # The signals not sent yet: True for token_verified, False for verification_failed.
        # Each is taken with dict.pop, which is atomic: of several threads of the request,
        # exactly one gets the key, and so sends the signal.
        self.unsent = {True: True, False: True}


def _get_current_user() -> CognitoUser | None:
    try:
        req: Request = request._get_current_object()  # type: ignore[attr-defined]
    except RuntimeError:  # outside a request
        return None
    state: _RequestState | None = req.__dict__.get(_STATE_KEY)
    return state.user if state is not None else None


#: The verified :class:`~flask_revstack_cognito.CognitoUser` of this request, or ``None``
#: (outside a request, before a check passed, or on an anonymous ``optional`` request).
#: It is a proxy: test it with ``if current_cognito_user:``, not ``is None``.
current_cognito_user: CognitoUser | None = LocalProxy(_get_current_user)  # type: ignore[assignment]


def verify_request(
    *,
    groups: Iterable[str] | str = (),
    scopes: Iterable[str] | str = (),
    all_groups: bool = False,
    token_use: str | None = None,
    optional: bool = False,
) -> CognitoUser | None:
    """Check the current request's token: the imperative form of :func:`login_required`.

    Call it in a view, or in a function of your own that needs the user::

        @app.get("/api/report")
        def report():
            user = verify_request(groups=["admins"])
            return {"for": user.user_id}

    To protect a whole blueprint use :func:`login_guard`, not this function: it returns the
    user, so ``bp.before_request(verify_request)`` makes Flask take the user for the response
    (a 500 for every valid token).

    An ``OPTIONS`` request that Flask answers itself (a route that does not list ``OPTIONS``,
    or no route at all: no view runs) passes without a token and this returns ``None``. An
    ``OPTIONS`` request to a route that lists ``OPTIONS`` is checked like any other, because
    its view would run.

    :param groups: any of these groups is required (every one with ``all_groups``).
    :param scopes: any of these OAuth scopes is required.
    :param all_groups: require every group in ``groups``.
    :param token_use: ``"id"``, ``"access"`` or ``"any"``; ``COGNITO_TOKEN_USE`` by default.
    :param optional: let requests without a token through (a bad token still fails).
    :returns: the verified user, or ``None`` for an ``OPTIONS`` request Flask answers itself
        or an anonymous optional request.
    :raises CognitoAuthError: the first failed check (the app turns it into a 401/403/503).
    :raises ValueError: when ``token_use`` is not one of the three values.
    """
    check = _Check(token_use, groups, scopes, all_groups, optional)
    req: Request = request._get_current_object()  # type: ignore[attr-defined]
    if req.method == "OPTIONS" and _answered_by_flask(req):
        return None
    return check.run(req)


@overload
def login_required(view: F) -> F: ...


@overload
def login_required(
    *,
    groups: Iterable[str] | str = (),
    scopes: Iterable[str] | str = (),
    all_groups: bool = False,
    token_use: str | None = None,
    optional: bool = False,
) -> Callable[[F], F]: ...


def login_required(
    view: F | None = None,
    *,
    groups: Iterable[str] | str = (),
    scopes: Iterable[str] | str = (),
    all_groups: bool = False,
    token_use: str | None = None,
    optional: bool = False,
) -> F | Callable[[F], F]:
    """Require a verified Cognito token for a view; bare or with requirements.

    Works on sync and async views. ``OPTIONS`` (CORS preflight) passes without a token and
    gets Flask's default ``OPTIONS`` answer: the protected view is not run for it. A missing or
    bad token is a 401, a missing group or scope a 403, unreachable keys a 503 (see
    :func:`verify_request` for the arguments).

    .. code-block:: python

        @app.get("/api/me")
        @login_required
        def me():
            return {"user": current_cognito_user.user_id}

        @app.get("/api/orders")
        @login_required(token_use="access", scopes=["orders/read"])
        def orders(): ...
    """
    check = _Check(token_use, groups, scopes, all_groups, optional)

    def decorate(func: F) -> F:
        # Flask's ensure_sync returns a plain function unchanged: look it up for async views only.
        is_async = inspect.iscoroutinefunction(func)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            req: Request = request._get_current_object()  # type: ignore[attr-defined]
            if req.method == "OPTIONS":
                # A preflight carries no token: answer it without running the protected view.
                return current_app.make_default_options_response()
            check.run(req)
            if is_async:
                return current_app.ensure_sync(func)(*args, **kwargs)
            return func(*args, **kwargs)

        return cast(F, wrapper)

    if view is not None:
        return decorate(view)
    return decorate


@overload
def login_guard() -> Response | None: ...


@overload
def login_guard(
    *,
    groups: Iterable[str] | str = (),
    scopes: Iterable[str] | str = (),
    all_groups: bool = False,
    token_use: str | None = None,
    optional: bool = False,
) -> Guard: ...


def login_guard(**requirements: Any) -> Response | Guard | None:
    """Protect every route of a blueprint (or app): the guard for ``before_request``.

    Register it bare, or call it with requirements (the arguments of :func:`login_required`)
    to make a guard that checks them::

        admin = Blueprint("admin", __name__, url_prefix="/admin")
        admin.before_request(login_guard(groups=["admins"]))

        api = Blueprint("api", __name__, url_prefix="/api")
        api.before_request(login_guard)

    As a guard it returns ``None`` when the request passes, so Flask goes on to the view, and
    raises :class:`~flask_revstack_cognito.CognitoAuthError` otherwise (a 401/403/503). An
    ``OPTIONS`` request (CORS preflight) gets Flask's default ``OPTIONS`` answer without a
    token, so the view never runs for it, even on a route that lists ``OPTIONS``; an
    ``OPTIONS`` request that matches no route is left to Flask (404 or 405). The routes of
    browser sign-in (login, callback, logout) pass without a token, so a guard may cover the
    whole app (``app.before_request(login_guard)``).

    :returns: with requirements, a new guard; as a guard, ``None`` or the ``OPTIONS`` answer.
    :raises CognitoAuthError: (as a guard) the first failed check.
    :raises ValueError: when ``token_use`` is not one of the three values.
    :raises TypeError: when called without requirements outside a request (register the bare
        ``login_guard``, not ``login_guard()``).
    """
    if requirements:
        return _make_guard(**requirements)
    return _bare_guard()


def _make_guard(
    *,
    groups: Iterable[str] | str = (),
    scopes: Iterable[str] | str = (),
    all_groups: bool = False,
    token_use: str | None = None,
    optional: bool = False,
) -> Guard:
    check = _Check(token_use, groups, scopes, all_groups, optional)

    def guard() -> Response | None:
        try:
            req: Request = request._get_current_object()  # type: ignore[attr-defined]
        except RuntimeError:
            raise TypeError(
                "login_guard checks a request: register it as bp.before_request(login_guard) "
                "or bp.before_request(login_guard(groups=[...]))"
            ) from None
        if req.method == "OPTIONS":
            # No view runs for the default answer; no route at all is Flask's 404 or 405.
            return None if req.url_rule is None else current_app.make_default_options_response()
        exempt = get_extension()[1].exempt
        if exempt is not None and exempt(req):
            return None  # a feature's own route, such as sign-in's login and callback
        check.run(req)
        return None

    return guard


class _Check:
    """One check's validated requirements, made once per decorator or guard."""

    __slots__ = ("_passed", "all_groups", "groups", "optional", "scopes", "token_use")

    def __init__(
        self,
        token_use: str | None,
        groups: Iterable[str] | str,
        scopes: Iterable[str] | str,
        all_groups: bool,
        optional: bool,
    ) -> None:
        self.token_use = check_token_use(token_use)
        self.groups = _as_tuple(groups)
        self.scopes = _as_tuple(scopes)
        self.all_groups = all_groups
        self.optional = optional
        # The latest user that met the groups and scopes: a user is immutable, so the same
        # object (a cached token's) meets them again. Weak: it must not keep the user alive.
        self._passed: weakref.ref[CognitoUser] | None = None

    def run(self, req: Request) -> CognitoUser | None:
        """Run the check on ``req``, sharing the outcomes of the request's earlier checks."""
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        # CognitoAuth.state remembers the app it served last: most processes serve one app.
        _, app_state = get_extension(app)
        state: _RequestState | None = req.__dict__.get(_STATE_KEY)
        if state is None:
            state = req.__dict__.setdefault(_STATE_KEY, _RequestState())
        required_use = self.token_use or app_state.settings.contract.token_use
        try:
            outcome = state.outcomes.get(required_use)
            if outcome is None:
                with state.lock:  # another thread of this request may be verifying it now
                    outcome = state.outcomes.get(required_use)
                    if outcome is None:
                        try:
                            outcome = app_state.authenticate(req, required_use)
                        except CognitoAuthError as error:
                            outcome = error
                        state.outcomes[required_use] = outcome
            if isinstance(outcome, CognitoAuthError):
                if self.optional and isinstance(outcome, MissingTokenError):
                    return None
                raise outcome
            if self.groups or self.scopes:
                passed = self._passed
                if passed is None or passed() is not outcome:
                    check_requirements(
                        outcome, groups=self.groups, scopes=self.scopes, all_groups=self.all_groups
                    )
                    self._passed = weakref.ref(outcome)
        except CognitoAuthError as error:
            state.user = None  # every check must pass, including those that ran earlier
            if state.unsent.pop(False, False):  # the request's first failure
                logger.info("request refused: %s (%r)", error.code, req.path)
                verification_failed.send(app, error=error)
            if app_state.refusal_response is not None:
                response = app_state.refusal_response(req, error)
                if response is not None:
                    abort(response)
            raise
        state.user = outcome
        # A signal with no receiver at all has nothing to do: skip the send.
        if state.unsent.pop(True, False) and token_verified.receivers:
            token_verified.send(app, user=outcome)
        return outcome


def _answered_by_flask(req: Request) -> bool:
    # Flask's automatic OPTIONS answer, or its 404/405: no view runs for the request.
    rule = req.url_rule
    return rule is None or bool(getattr(rule, "provide_automatic_options", False))


def _as_tuple(names: Iterable[str] | str) -> tuple[str, ...]:
    # A lone string is one name, not a sequence of letters.
    return (names,) if isinstance(names, str) else tuple(names)


_bare_guard = _make_guard()
