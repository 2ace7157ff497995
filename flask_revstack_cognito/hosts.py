"""Which hosts name this machine: the one rule for every "http:// only on loopback" check.

A setting that points at a URL (the ALB key URL, the sign-in domain and redirects, the demo's
Cognito endpoint) must be ``https://``, except on loopback, where a local stand-in runs over
plain HTTP. The rule reads the name alone and never resolves it (no DNS lookup: what a resolver
answers could change, and a lookup would slow ``init_app``).
"""

from __future__ import annotations

import ipaddress


def is_loopback_host(host: str | None) -> bool:
    """Whether ``host`` names this machine.

    Loopback are: an IPv4 address in ``127.0.0.0/8``; the IPv6 address ``::1`` (any spelling,
    without brackets, as :attr:`urllib.parse.SplitResult.hostname` gives it); ``localhost`` and
    every name under it (``app.localhost``), which RFC 6761 (section 6.3) reserves for
    loopback. Case does not matter. Nothing else is: no other name, no IPv4-mapped IPv6 address
    (``::ffff:127.0.0.1``), no shortened IPv4 form (``127.1``), no empty label
    (``.localhost``) or trailing dot.

    :param host: a host name or IP address; ``None`` or empty is not loopback.

    >>> [is_loopback_host(h) for h in ("127.0.0.2", "::1", "app.localhost", "10.0.0.1")]
    [True, True, True, False]
    """
    if not host:
        return False
    labels = host.lower().split(".")
    if labels[-1] == "localhost":
        return all(labels)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        # ::1 is the number 1, whatever its zone (::1%lo). Not is_loopback: Python 3.13 and
        # later say it of ::ffff:127.0.0.1 too, and the rule must not change with the Python.
        return int(address) == 1
    return address.is_loopback
