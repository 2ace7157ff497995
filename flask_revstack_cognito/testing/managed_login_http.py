"""How the managed-login stand-in answers: Cognito's error JSON, error pages and redirects."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from werkzeug.wrappers import Response

__all__ = [
    "ErrorPage",
    "OAuthError",
    "error_redirect",
    "html",
    "invalid_token",
    "json_response",
    "redirect",
    "with_query",
]


class OAuthError(Exception):
    """An error answered as Cognito's JSON ``{"error": ...}``."""

    def __init__(self, error: str, status: int = 400) -> None:
        super().__init__(error)
        self.error = error
        self.status = status


class ErrorPage(Exception):
    """An error shown as a page, never a redirect."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(error)
        self.error = error
        self.description = description


def with_query(url: str, parameters: Mapping[str, str]) -> str:
    """``url`` with ``parameters`` added to its query."""
    separator = "&" if urlsplit(url).query else ("" if url.endswith("?") else "?")
    return f"{url}{separator}{urlencode(parameters)}"


def error_redirect(
    redirect_uri: str, error: str, state: str | None, description: str | None = None
) -> Response:
    """Send the browser back to the app with ``error`` (and ``state``), as Cognito does."""
    parameters: dict[str, str] = {}
    if description is not None:
        parameters["error_description"] = description
    parameters["error"] = error
    if state is not None:
        parameters["state"] = state
    return redirect(with_query(redirect_uri, parameters))


def redirect(location: str) -> Response:
    """A 302 to ``location``."""
    response = Response(b"", 302)
    response.headers["Location"] = location
    return response


def html(body: str, status: int = 200) -> Response:
    """A page that is never cached."""
    response = Response(body, status, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    return response


def json_response(body: Mapping[str, Any], status: int = 200) -> Response:
    """A JSON answer with Cognito's content type."""
    return Response(json.dumps(body), status, content_type="application/json;charset=UTF-8")


def invalid_token() -> Response:
    """``/oauth2/userInfo``'s answer to a missing or refused access token."""
    response = json_response(
        {
            "error": "invalid_token",
            "error_description": "Access token is expired, disabled, or deleted, or the user"
            " has globally signed out.",
        },
        401,
    )
    response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return response
