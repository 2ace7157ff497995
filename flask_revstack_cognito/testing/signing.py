"""The JOSE encoding the test kit signs with: base64url, and RS256 tokens exactly as given."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from joserfc.jwk import RSAKey
from joserfc.jws import JWSRegistry

__all__ = ["b64url", "encode_token"]

_RS256 = JWSRegistry.algorithms["RS256"]


def b64url(data: bytes | str | Mapping[str, Any]) -> str:
    """base64url without padding; a mapping is JSON-encoded first."""
    if isinstance(data, Mapping):
        data = json.dumps(data, separators=(",", ":"))
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encode_token(header: Mapping[str, Any], claims: Mapping[str, Any], key: RSAKey) -> str:
    """Sign ``claims`` with ``key`` (RS256) under ``header``, exactly as given."""
    signing_input = f"{b64url(header)}.{b64url(claims)}"
    signature = _RS256.sign(signing_input.encode("ascii"), key)
    return f"{signing_input}.{b64url(signature)}"
