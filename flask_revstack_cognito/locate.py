"""Finding a request's token: the header, a bare token, or a cookie (SPEC section 4, step 1)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Request

from .errors import MissingTokenError
from .settings import CognitoSettings

# Every other method (POST, PUT, PATCH, DELETE, and WebDAV's and custom ones) may change state.
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def token_from_header(value: str | None, header_type: str) -> str | None:
    """The token in an ``Authorization``-style header value, or ``None``.

    With a ``header_type`` such as ``"Bearer"``, the value must be ``"<type> <token>"`` (the
    scheme compared case-insensitively); with ``""`` the whole value is the token.
    """
    if value is None:
        return None
    value = value.strip()
    if not header_type:
        return value or None
    scheme, _, token = value.partition(" ")
    token = token.strip()
    if scheme.lower() != header_type.lower() or not token:
        return None
    return token


def token_from_authorization(value: str | None) -> str | None:
    """The token in a raw ``Authorization`` value: ``"Bearer <jwt>"`` (any case) or a bare JWT."""
    token = token_from_header(value, "Bearer")
    if token is None and value is not None:
        bare = value.strip()
        if bare and " " not in bare and bare.lower() != "bearer":
            token = bare
    return token


def locate_token(request: Request, settings: CognitoSettings) -> str:
    """Return the request's token from the configured locations, in their order.

    A cookie is ignored on a method other than GET, HEAD and OPTIONS (POST, PUT, PATCH, DELETE,
    ...) from another site: such a request counts as carrying no token, so a cookie cannot be
    used for CSRF.

    :raises MissingTokenError: when no location holds a token.
    """
    for location in settings.token_locations:
        if location == "headers":
            token = token_from_header(
                request.headers.get(settings.header_name), settings.header_type
            )
        elif _is_cross_site_unsafe(request):
            token = None
        else:
            token = request.cookies.get(settings.cookie_name) or None
        if token is not None:
            return token
    raise MissingTokenError()


def _is_cross_site_unsafe(request: Request) -> bool:
    if request.method in _SAFE_METHODS:
        return False
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site == "cross-site"
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    try:
        origin_host = urlsplit(origin).netloc
    except ValueError:  # not a URL at all: it cannot be this site
        return True
    return origin_host != request.host
