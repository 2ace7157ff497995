"""Why a token was refused: what it says beside what the contract expects.

For ``flask cognito verify``: the header and payload are read without verification, for
display only, and anything unreadable shows as absent. Only the claims that the failed check
compared are shown; never the signature, never the token.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from .contract import AuthContract
from .tokens import b64url_decode

_ABSENT = "(absent)"
_LONGEST_VALUE = 200
# The claim naming the app client in each token type.
_USE_OF_CLIENT_CLAIM = {"aud": "id", "client_id": "access"}

Lines = list[tuple[str, str]]


def explain_refusal(
    code: str,
    token: str,
    contract: AuthContract,
    *,
    token_use: str,
    key_ids: Mapping[str, tuple[str, ...]],
    now: float,
) -> list[tuple[str, str]]:
    """The labelled lines that explain a refusal with ``code``; empty for other codes.

    :param code: the error code, such as ``"ISSUER_MISMATCH"``.
    :param token: the bare token that was refused.
    :param token_use: the token use that was required.
    :param key_ids: the key ids held, per trusted issuer.
    :param now: the current time, in seconds since the epoch.
    """
    explain = _EXPLAINERS.get(code)
    if explain is None:
        return []
    header, claims = _read_unverified(token)
    return explain(_Facts(header, claims, contract, token_use, key_ids, now))


@dataclass(frozen=True)
class _Facts:
    header: Mapping[str, Any]
    claims: Mapping[str, Any]
    contract: AuthContract
    token_use: str
    key_ids: Mapping[str, tuple[str, ...]]
    now: float

    def claim(self, name: str) -> str:
        return _show(self.claims[name]) if name in self.claims else _ABSENT


def _issuer(facts: _Facts) -> Lines:
    lines = [("token iss", facts.claim("iss"))]
    lines += [("trusted issuer", issuer) for issuer in facts.contract.issuers]
    return lines


def _audience(facts: _Facts) -> Lines:
    lines = [("token token_use", facts.claim("token_use"))]
    for name in ("aud", "client_id"):
        if name in facts.claims or facts.claims.get("token_use") == _USE_OF_CLIENT_CLAIM[name]:
            lines.append((f"token {name}", facts.claim(name)))
    lines.append(("client ids", ", ".join(facts.contract.client_ids)))
    return lines


def _token_use(facts: _Facts) -> Lines:
    return [("token token_use", facts.claim("token_use")), ("required token use", facts.token_use)]


def _key(facts: _Facts) -> Lines:
    kid = facts.header.get("kid")
    lines = [("token kid", _ABSENT if kid is None else _show(kid))]
    for issuer, held in facts.key_ids.items():
        lines.append(("key ids held", f"{', '.join(held) or '(none)'} (from {issuer})"))
    return lines


def _expiry(facts: _Facts) -> Lines:
    exp = facts.claims.get("exp")
    shown = _iso(exp) or facts.claim("exp")
    leeway = f" (leeway {facts.contract.leeway:g} s)" if facts.contract.leeway else ""
    return [("token exp", shown), ("now", f"{_iso(facts.now)}{leeway}")]


_EXPLAINERS: Mapping[str, Callable[[_Facts], Lines]] = {
    "ISSUER_MISMATCH": _issuer,
    "AUDIENCE_MISMATCH": _audience,
    "TOKEN_USE_MISMATCH": _token_use,
    "UNKNOWN_KEY": _key,
    "TOKEN_EXPIRED": _expiry,
}


def _read_unverified(token: str) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    segments = token.split(".")
    header = _read_object(segments[0])
    claims = _read_object(segments[1]) if len(segments) > 1 else {}
    return header, claims


def _read_object(segment: str) -> Mapping[str, Any]:
    try:
        value = json.loads(b64url_decode(segment).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):  # binascii.Error is a ValueError
        return {}
    return value if isinstance(value, dict) else {}


def _iso(timestamp: object) -> str | None:
    """``2026-12-01T02:40:00Z``, or ``None`` when ``timestamp`` is no usable time."""
    if not isinstance(timestamp, (int, float)) or isinstance(timestamp, bool):
        return None
    try:
        moment = datetime.fromtimestamp(timestamp, timezone.utc)
    except (OverflowError, ValueError, OSError):
        return None
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _show(value: object) -> str:
    # The token's text reaches a terminal: no control characters, no screenful.
    if isinstance(value, str) and value.isprintable():
        text = value
    else:
        text = json.dumps(value, ensure_ascii=True, default=str)
    if len(text) > _LONGEST_VALUE:
        text = text[:_LONGEST_VALUE] + "..."
    return text
