"""Where a browser may be sent after sign-in: a path on this site, nothing else."""

from __future__ import annotations

#: Where a refused ``next`` sends the browser.
FALLBACK = "/"

# Longer values are not a page of this app worth returning to, and may be an attack on logs.
_MAX_LENGTH = 2048


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
