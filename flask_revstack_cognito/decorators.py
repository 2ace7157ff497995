"""Request-level checks: :func:`login_required`, :func:`verify_request` and the current user.

The token of a request is verified at most once per required token type, whatever the number of
decorators and checks; ``verification_failed`` is sent once per failed request and
``token_verified`` once per request, when a check first passes.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast, overload

from flask import Request, current_app, g, has_request_context, request
from werkzeug.local import LocalProxy

from .authorization import check_requirements
from .contract import TOKEN_USES
from .errors import CognitoAuthError, MissingTokenError
from .extension import get_extension
from .locate import locate_token
from .signals import token_verified, verification_failed
from .user import CognitoUser

logger = logging.getLogger("flask_revstack_cognito")

F = TypeVar("F", bound=Callable[..., Any])

_G_KEY = "_revstack_cognito"


@dataclass
class _RequestState:
    """What this request learned about its token (kept on ``flask.g``)."""

    #: The request this state belongs to: ``g`` lives as long as the app context, which may
    #: span several requests when an app context was pushed by hand.
    request: Request
    #: Outcome of verifying the token, per required token use.
    outcomes: dict[str, CognitoUser | CognitoAuthError] = field(default_factory=dict)
    #: The user, set once every check of a :func:`verify_request` call passed.
    user: CognitoUser | None = None
    failure_signalled: bool = False
    success_signalled: bool = False


def _request_state(*, create: bool) -> _RequestState | None:
    current = request._get_current_object()  # type: ignore[attr-defined]
    state: _RequestState | None = g.get(_G_KEY)
    if state is None or state.request is not current:
        state = None
        if create:
            state = _RequestState(request=current)
            setattr(g, _G_KEY, state)
    return state


def _get_current_user() -> CognitoUser | None:
    if not has_request_context():
        return None
    state = _request_state(create=False)
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

    Call it from ``before_request`` to protect a whole blueprint::

        @bp.before_request
        def require_admins():
            verify_request(groups=["admins"])

    ``OPTIONS`` requests (CORS preflight) pass without a token and this returns ``None``: a
    view that itself answers ``OPTIONS`` then runs without a user.

    :param groups: any of these groups is required (every one with ``all_groups``).
    :param scopes: any of these OAuth scopes is required.
    :param all_groups: require every group in ``groups``.
    :param token_use: ``"id"``, ``"access"`` or ``"any"``; ``COGNITO_TOKEN_USE`` by default.
    :param optional: let requests without a token through (a bad token still fails).
    :returns: the verified user, or ``None`` for a preflight or an anonymous optional request.
    :raises CognitoAuthError: the first failed check (the app turns it into a 401/403/503).
    """
    if request.method == "OPTIONS":
        return None
    _, app_state = get_extension()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    state = _request_state(create=True)
    assert state is not None
    required_use = _check_token_use(token_use) or app_state.settings.contract.token_use
    try:
        try:
            token = locate_token(request, app_state.settings)
        except MissingTokenError:
            if optional:
                return None
            raise
        outcome = state.outcomes.get(required_use)
        if outcome is None:
            try:
                outcome = app_state.verifier.verify(token, token_use=required_use)
            except CognitoAuthError as error:
                outcome = error
            state.outcomes[required_use] = outcome
        if isinstance(outcome, CognitoAuthError):
            raise outcome
        check_requirements(
            outcome, groups=_as_tuple(groups), scopes=_as_tuple(scopes), all_groups=all_groups
        )
    except CognitoAuthError as error:
        state.user = None  # every check must pass, including those that ran earlier
        if not state.failure_signalled:
            state.failure_signalled = True
            logger.info("request refused: %s (%r)", error.code, request.path)
            verification_failed.send(app, error=error)
        raise
    state.user = outcome
    if not state.success_signalled:
        state.success_signalled = True
        token_verified.send(app, user=outcome)
    return outcome


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
    checked_use = _check_token_use(token_use)
    required_groups = _as_tuple(groups)
    required_scopes = _as_tuple(scopes)

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if request.method == "OPTIONS":
                # A preflight carries no token: answer it without running the protected view.
                return current_app.make_default_options_response()
            verify_request(
                groups=required_groups,
                scopes=required_scopes,
                all_groups=all_groups,
                token_use=checked_use,
                optional=optional,
            )
            return current_app.ensure_sync(func)(*args, **kwargs)

        return cast(F, wrapper)

    if view is not None:
        return decorate(view)
    return decorate


def _as_tuple(names: Iterable[str] | str) -> tuple[str, ...]:
    # A lone string is one name, not a sequence of letters.
    return (names,) if isinstance(names, str) else tuple(names)


def _check_token_use(token_use: str | None) -> str | None:
    if token_use is not None and token_use not in TOKEN_USES:
        raise ValueError(f"token_use must be one of {TOKEN_USES}, got {token_use!r}")
    return token_use
