"""The default error response: JSON ``{"code", "message"}`` with RFC 6750 headers.

Replace it in your app with ``@app.errorhandler(CognitoAuthError)``.
"""

from __future__ import annotations

from flask import Response, jsonify

from .errors import (
    CognitoAuthError,
    InsufficientScopeError,
    JWKSUnavailableError,
    MissingTokenError,
)


def www_authenticate(error: CognitoAuthError, realm: str) -> str | None:
    """The ``WWW-Authenticate`` value for ``error`` (RFC 6750 section 3), ``None`` on a 503.

    No ``error`` attribute when the token is missing; ``insufficient_scope`` with the required
    scopes on a 403; ``invalid_token`` otherwise.
    """
    if isinstance(error, JWKSUnavailableError):
        return None
    parameters = [f"realm={_quote(realm)}"]
    if isinstance(error, InsufficientScopeError):
        parameters.append('error="insufficient_scope"')
        parameters.append(f"error_description={_quote(error.message)}")
        if error.required_scopes:
            parameters.append(f"scope={_quote(' '.join(error.required_scopes))}")
    elif not isinstance(error, MissingTokenError):
        parameters.append('error="invalid_token"')
        parameters.append(f"error_description={_quote(error.message)}")
    return "Bearer " + ", ".join(parameters)


def error_response(error: CognitoAuthError, *, realm: str) -> Response:
    """The default response for ``error``: its status, JSON body and headers.

    Used for every :class:`~flask_revstack_cognito.CognitoAuthError` unless the app has its own
    ``@app.errorhandler(CognitoAuthError)``; a handler of yours may call it too.
    """
    response = jsonify(code=error.code, message=error.message)
    response.status_code = error.status
    challenge = www_authenticate(error, realm)
    if challenge is not None:
        response.headers["WWW-Authenticate"] = challenge
    if isinstance(error, JWKSUnavailableError):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _quote(value: str) -> str:
    # RFC 9110 quoted-string. Control characters cannot appear in a header at all, and WSGI
    # servers encode headers as latin-1: other characters become "?".
    cleaned = "".join(
        char if char <= "\xff" else "?" for char in value if char.isprintable() or char == " "
    )
    return '"' + cleaned.replace("\\", "\\\\").replace('"', '\\"') + '"'
