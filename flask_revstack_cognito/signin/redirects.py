"""Where a browser may be sent after sign-in: a path on this site, nothing else."""

from __future__ import annotations

import string
from urllib.parse import quote

# Every printable ASCII character but the space stays as it is: a path is only re-encoded
# where it leaves ASCII (and "%" stays, so an encoded path is not encoded twice).
_SAFE_ASCII = "".join(char for char in string.printable if not char.isspace())

#: Where a refused ``next`` sends the browser.
FALLBACK = "/"

# Longer values are not a page of this app worth returning to, and may be an attack on logs.
_MAX_LENGTH = 2048
#: The longest ``next`` a sign-in in progress keeps in the Flask session: five of them must fit
#: in the session cookie (a browser drops a cookie over 4 KB), whatever else the app keeps there.
MAX_STORED_LENGTH = 512


def safe_next(value: object) -> str:
    """``value`` when it is a path on this site, else ``"/"``.

    A path starts with one ``/`` and nothing a browser would read as another host: ``//evil``
    and ``/\\evil`` (browsers treat ``\\`` as ``/``) are other hosts, ``https://evil`` and
    ``javascript:...`` are not paths, and control characters are refused because browsers drop
    tabs and newlines from URLs (``/\\t/evil`` becomes ``//evil``).

    >>> safe_next("/orders?page=2")
    '/orders?page=2'
    >>> safe_next("//evil.example"), safe_next("https://evil.example")
    ('/', '/')
    """
    if not isinstance(value, str) or not value or len(value) > _MAX_LENGTH:
        return FALLBACK
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return FALLBACK
    if any(not char.isprintable() or char.isspace() for char in value):
        return FALLBACK
    # What is left starts with one "/": a path of this host, never a scheme or another host.
    return value


def stored_next(value: object) -> str:
    """:func:`safe_next` for the session: non-ASCII percent-encoded, ``"/"`` when it is longer
    than :data:`MAX_STORED_LENGTH`.

    >>> stored_next("/caf\u00e9"), stored_next("/" + "a" * 600)
    ('/caf%C3%A9', '/')
    """
    path = safe_next(value)
    # The session's JSON writes a character outside ASCII as up to 12: encode it first, so the
    # limit holds in the cookie's bytes too.
    path = quote(path, safe=_SAFE_ASCII)
    return path if len(path) <= MAX_STORED_LENGTH else FALLBACK
