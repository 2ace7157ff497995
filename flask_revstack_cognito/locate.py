"""Finding a request's token: the header, a bare token, or a cookie (SPEC section 4, step 1)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Request

from .errors import MissingTokenError
from .settings import CognitoSettings

# Every other method (POST, PUT, PATCH, DELETE, and WebDAV's and custom ones) may change state.
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Header name -> WSGI environ key, as werkzeug's EnvironHeaders derives it; read directly so
# that the request path builds no header object.
_ENVIRON_KEYS: dict[str, str] = {}


def expected_form_error(header_name: str, header_type: str) -> MissingTokenError:
    """The ``MISSING_TOKEN`` error of a header that holds no token of the expected form.

    Given when the header is there but holds another scheme (``Basic ...``) or a bare token:
    its message says what to send instead.
    """
    return MissingTokenError(
        f'missing bearer token: expected "{header_name}: {header_type} <token>"'
    )


def token_from_header(value: str | None, header_type: str) -> str | None:
    """The token in an ``Authorization``-style header value, or ``None``.

    With a ``header_type`` such as ``"Bearer"``, the value must be ``"<type> <token>"`` (the
    scheme compared case-insensitively); with ``""`` the whole value is the token.
    """
    if value is None:
        return None
    end = len(header_type)
    if value[end : end + 1] == " " and value.startswith(header_type) and header_type.isalnum():
        # The common "Bearer <token>", exactly as written: the outcome of the general path
        # below, with fewer copies.
        return value[end + 1 :].strip() or None
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

    :raises MissingTokenError: when no location holds a token; its message names the expected
        form when the header is there but holds something else (``Basic ...``, a bare token).
    """
    misformed = False
    for location in settings.token_locations:
        if location == "headers":
            name = settings.header_name
            value = request.environ.get(_ENVIRON_KEYS.get(name) or _environ_key(name))
            token = token_from_header(value, settings.header_type)
            misformed = token is None and bool(value and value.strip())
        elif is_cross_site_unsafe(request):
            token = None
        else:
            token = request.cookies.get(settings.cookie_name) or None
        if token is not None:
            return token
    if misformed:
        raise expected_form_error(settings.header_name, settings.header_type)
    raise MissingTokenError()


def _environ_key(header_name: str) -> str:
    key = header_name.upper().replace("-", "_")
    if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        key = f"HTTP_{key}"
    _ENVIRON_KEYS[header_name] = key
    return key


def is_cross_site_unsafe(request: Request) -> bool:
    """Whether ``request`` may change state and comes from another site (SPEC section 4).

    True for a method other than GET, HEAD and OPTIONS with ``Sec-Fetch-Site: cross-site``, or,
    without that header, an ``Origin`` that is not the request's host. Such a request must not
    be authenticated by a cookie (CSRF).
    """
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
