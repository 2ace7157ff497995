"""The request path's extension points: how sign-in, ALB and revocation plug into it.

A request's token is found and verified by one :data:`Authenticate` function per app, built at
``init_app`` from the plain path (find the token in the header or a cookie, then verify it) and
wrapped by each enabled :class:`Feature`: the ALB's data token, browser sign-in's cookies and
refresh, the revocation check. The verification core (contract, tokens, JWKS, verifier) knows
none of them, and neither do the decorators: they call ``authenticate`` and, when it refuses,
ask the features for another answer than the error (sign-in's redirect to the login page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, Protocol

from flask import Flask, Request
from werkzeug.wrappers import Response

from .errors import CognitoAuthError
from .locate import locate_token
from .settings import CognitoSettings
from .user import CognitoUser


class Verify(Protocol):
    """Verify a bare token for a required token use; the shape of ``TokenVerifier.verify``."""

    def __call__(self, token: str, *, token_use: str | None = None) -> CognitoUser:
        """The verified user, or raise :class:`~flask_revstack_cognito.CognitoAuthError`."""


#: Find and verify the token of a request for a required token use (``"id"``, ``"access"`` or
#: ``"any"``, already resolved); raise :class:`~flask_revstack_cognito.CognitoAuthError`.
Authenticate = Callable[[Request, str], CognitoUser]

#: Another answer than the error for a refused request, or ``None`` to answer with the error.
RefusalResponse = Callable[[Request, CognitoAuthError], Response | None]

#: Whether a request is a feature's own and needs no token (sign-in's login and callback).
Exempt = Callable[[Request], bool]


class Feature:
    """A capability plugged into the request path; every hook does nothing by default.

    :meta private:
    """

    def wrap_verify(self, verify: Verify) -> Verify:
        """Wrap the verification of a bare token (requests, ``auth.verify``, ``auth.validate``)."""
        return verify

    def wrap_authenticate(self, authenticate: Authenticate, verify: Verify) -> Authenticate:
        """Wrap the request path; ``verify`` is the wrapped bare-token verification."""
        return authenticate

    def refusal_response(self, request: Request, error: CognitoAuthError) -> Response | None:
        """Another answer than the error for a refused request, or ``None``."""
        return None

    def exempt(self, request: Request) -> bool:
        """Whether ``request`` is the feature's own and needs no token.

        :func:`~flask_revstack_cognito.login_guard` lets such a request through: a guard over
        the whole app must not refuse the sign-in routes that would let the user in.
        """
        return False

    def init_app(self, app: Flask) -> None:
        """Register what the feature adds to the app (routes, hooks, template helpers)."""


def plain_authenticate(settings: CognitoSettings, verify: Verify) -> Authenticate:
    """The request path without features: the token of the configured locations, verified."""

    def authenticate(request: Request, token_use: str) -> CognitoUser:
        return verify(locate_token(request, settings), token_use=token_use)

    return authenticate


class Composed(NamedTuple):
    """The request path of an app, as :func:`compose` builds it from the features."""

    #: The bare-token verification.
    verify: Verify
    #: The request path.
    authenticate: Authenticate
    #: The refusal hook; ``None`` when no feature answers refusals (the decorators skip it).
    refusal_response: RefusalResponse | None
    #: Whether a request needs no token; ``None`` when no feature exempts any (the guards
    #: skip asking).
    exempt: Exempt | None


def compose(settings: CognitoSettings, verify: Verify, features: tuple[Feature, ...]) -> Composed:
    """Wrap the plain path with ``features``, in order (the last one wraps outermost)."""
    for feature in features:
        verify = feature.wrap_verify(verify)
    authenticate = plain_authenticate(settings, verify)
    for feature in features:
        authenticate = feature.wrap_authenticate(authenticate, verify)
    return Composed(verify, authenticate, _refusal_response(features), _exempt(features))


def _overriding(features: tuple[Feature, ...], hook: str) -> tuple[Feature, ...]:
    """The features whose class overrides ``hook``."""
    default = getattr(Feature, hook)
    return tuple(feature for feature in features if getattr(type(feature), hook) is not default)


def _exempt(features: tuple[Feature, ...]) -> Exempt | None:
    exempting = _overriding(features, "exempt")
    if not exempting:
        return None

    def exempt(request: Request) -> bool:
        return any(feature.exempt(request) for feature in exempting)

    return exempt


def _refusal_response(features: tuple[Feature, ...]) -> RefusalResponse | None:
    answering = _overriding(features, "refusal_response")
    if not answering:
        return None

    def refusal_response(request: Request, error: CognitoAuthError) -> Response | None:
        for feature in answering:
            response = feature.refusal_response(request, error)
            if response is not None:
                return response
        return None

    return refusal_response
