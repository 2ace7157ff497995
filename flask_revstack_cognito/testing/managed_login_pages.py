"""The managed-login stand-in's HTML: the sign-in form and the error page.

Plain HTML with every value escaped. The form's inputs have stable names and ids
(``username``, ``password``, the ``signin`` button) so that a browser test can fill them in.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

__all__ = ["error_page", "sign_in_form"]

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto;padding:0 1rem}"
    "label,input,button{display:block;width:100%;box-sizing:border-box;margin:.3rem 0}"
    "input,button{padding:.5rem}.error{color:#b00020}"
)


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def sign_in_form(parameters: Mapping[str, str], *, error: str | None = None) -> str:
    """The sign-in form; ``parameters`` (the authorize request's) travel in hidden inputs.

    :param parameters: the OAuth parameters to post back with the credentials.
    :param error: a message shown above the form (a refused password).
    """
    hidden = "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in parameters.items()
    )
    message = f'<p class="error" id="error" role="alert">{escape(error)}</p>' if error else ""
    return _page(
        "Sign in",
        "<h1>Sign in</h1>"
        "<p>Local stand-in of Amazon Cognito's managed login.</p>"
        f"{message}"
        '<form method="post" action="/login" id="signin-form">'
        f"{hidden}"
        '<label for="username">Username</label>'
        '<input id="username" name="username" autocomplete="username" required autofocus>'
        '<label for="password">Password</label>'
        '<input id="password" name="password" type="password"'
        ' autocomplete="current-password" required>'
        '<button id="signin" type="submit">Sign in</button>'
        "</form>",
    )


def error_page(error: str, description: str) -> str:
    """The page shown instead of a redirect (an unknown client, an unregistered URL)."""
    return _page(
        "Error",
        "<h1>An error was encountered with the requested page.</h1>"
        f'<p id="error" data-error="{escape(error)}">{escape(error)}: {escape(description)}</p>',
    )
