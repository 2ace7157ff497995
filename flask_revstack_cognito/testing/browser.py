"""Play the browser's part at the managed-login stand-in, over HTTP, for your app's tests.

:func:`browser_sign_in` takes the URL your app's sign-in route redirected to, fills in the form
as a person would, and returns the callback URL the browser would be sent back to.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

import requests

__all__ = ["SignInFailed", "browser_sign_in"]


class SignInFailed(Exception):
    """The stand-in did not send the browser back: an error page, or the form again."""


class _FormReader(HTMLParser):
    """The sign-in form's action and inputs, and the page's error message."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.error = ""
        self._in_error = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form" and self.action is None:
            self.action = attributes.get("action", "")
        elif tag == "input" and attributes.get("name"):
            self.fields[attributes["name"]] = attributes.get("value", "")
        self._in_error = attributes.get("id") == "error"

    def handle_data(self, data: str) -> None:
        if self._in_error:
            self.error += data

    def handle_endtag(self, tag: str) -> None:
        self._in_error = False


def browser_sign_in(
    authorize_url: str,
    username: str,
    password: str,
    *,
    session: requests.Session | None = None,
    timeout: float = 5.0,
) -> str:
    """Sign in at the stand-in as a browser would; return where it sends the browser back.

    A browser that signed in before (``session`` holds the stand-in's session cookie) is sent
    back without the form, as at Cognito. The returned URL is the app's callback with ``code``
    and ``state`` (or ``error=...`` when Cognito would send one).

    .. code-block:: python

        login = client.get("/auth/login?next=/private")
        callback = browser_sign_in(login.headers["Location"], "admin", "Passw0rd!")
        response = client.get(callback)   # the app's callback route

    :param authorize_url: the ``/oauth2/authorize`` URL your app redirected to.
    :param username: typed into the form.
    :param password: typed into the form.
    :param session: the browser's cookies; a new session by default.
    :param timeout: seconds for each HTTP request.
    :raises SignInFailed: an error page, or the form shown again (a wrong password); the message
        says what the page said.
    """
    browser = session if session is not None else requests.Session()
    page = browser.get(authorize_url, allow_redirects=False, timeout=timeout)
    if page.is_redirect:
        return str(page.headers["Location"])
    form = _read(page)
    fields = dict(form.fields)
    fields.update(username=username, password=password)
    action = urljoin(page.url, form.action or "")
    answer = browser.post(action, data=fields, allow_redirects=False, timeout=timeout)
    if answer.is_redirect:
        return str(answer.headers["Location"])
    raise SignInFailed(_read(answer).error.strip() or f"HTTP {answer.status_code}")


def _read(page: requests.Response) -> _FormReader:
    reader = _FormReader()
    reader.feed(page.text)
    if page.status_code != 200 or reader.action is None:
        raise SignInFailed(reader.error.strip() or f"HTTP {page.status_code}")
    return reader
