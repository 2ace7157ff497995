"""Configuration keys, their defaults, and readers that turn raw values into typed ones.

Values arrive from ``app.config``: written in Python, or read from the environment by
``app.config.from_prefixed_env()``, which turns ``FLASK_COGNITO_LEEWAY=5`` into the number ``5``
and leaves ``FLASK_COGNITO_CLIENT_ID=a,b`` a string. The readers accept both forms and raise
:class:`~flask_revstack_cognito.errors.CognitoConfigError` naming the key for anything else.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection, Mapping
from typing import Any

from .errors import CognitoConfigError

USER_POOL_ID = "COGNITO_USER_POOL_ID"
REGION = "COGNITO_REGION"
CLIENT_ID = "COGNITO_CLIENT_ID"
TOKEN_USE = "COGNITO_TOKEN_USE"
USER_ID_CLAIM = "COGNITO_USER_ID_CLAIM"
LEEWAY = "COGNITO_LEEWAY"
ISSUER_TYPE = "COGNITO_ISSUER_TYPE"
ADDITIONAL_REGIONS = "COGNITO_ADDITIONAL_REGIONS"
NEW_REGIONS = "COGNITO_NEW_REGIONS"
ISSUER = "COGNITO_ISSUER"
JWKS_URI = "COGNITO_JWKS_URI"
JWKS_CACHE_TTL = "COGNITO_JWKS_CACHE_TTL"
JWKS_TIMEOUT = "COGNITO_JWKS_TIMEOUT"
JWKS_REFRESH_COOLDOWN = "COGNITO_JWKS_REFRESH_COOLDOWN"
JWKS_MAX_BYTES = "COGNITO_JWKS_MAX_BYTES"
TOKEN_CACHE_SIZE = "COGNITO_TOKEN_CACHE_SIZE"
TOKEN_LOCATION = "COGNITO_TOKEN_LOCATION"
HEADER_NAME = "COGNITO_HEADER_NAME"
HEADER_TYPE = "COGNITO_HEADER_TYPE"
COOKIE_NAME = "COGNITO_COOKIE_NAME"
REALM = "COGNITO_REALM"
# Browser sign-in with Cognito's managed login (SPEC section 11).
DOMAIN = "COGNITO_DOMAIN"
CLIENT_SECRET = "COGNITO_CLIENT_SECRET"
SCOPES = "COGNITO_SCOPES"
AUTH_URL_PREFIX = "COGNITO_AUTH_URL_PREFIX"
REDIRECT_URI = "COGNITO_REDIRECT_URI"
LOGOUT_REDIRECT_URI = "COGNITO_LOGOUT_REDIRECT_URI"
ACCESS_COOKIE_NAME = "COGNITO_ACCESS_COOKIE_NAME"
REFRESH_COOKIE_NAME = "COGNITO_REFRESH_COOKIE_NAME"
COOKIE_SECURE = "COGNITO_COOKIE_SECURE"
COOKIE_SAMESITE = "COGNITO_COOKIE_SAMESITE"
LOGIN_REDIRECT = "COGNITO_LOGIN_REDIRECT"
# Requests authenticated by an Application Load Balancer (SPEC section 12).
ALB_ARN = "COGNITO_ALB_ARN"
ALB_KEY_URL = "COGNITO_ALB_KEY_URL"
# Revoked tokens (SPEC section 13).
REVOCATION_STORE = "COGNITO_REVOCATION_STORE"
REVOCATION_TTL = "COGNITO_REVOCATION_TTL"

#: Every configuration key with its default (``None``: required, derived or unset).
DEFAULTS: Mapping[str, Any] = {
    USER_POOL_ID: None,
    REGION: None,
    CLIENT_ID: None,
    TOKEN_USE: "id",
    USER_ID_CLAIM: "sub",
    LEEWAY: 0,
    ISSUER_TYPE: "original",
    ADDITIONAL_REGIONS: None,
    NEW_REGIONS: None,
    ISSUER: None,
    JWKS_URI: None,
    JWKS_CACHE_TTL: 3600,
    JWKS_TIMEOUT: 3.0,
    JWKS_REFRESH_COOLDOWN: 10,
    JWKS_MAX_BYTES: 262144,
    TOKEN_CACHE_SIZE: 1024,
    TOKEN_LOCATION: "headers",
    HEADER_NAME: "Authorization",
    HEADER_TYPE: "Bearer",
    COOKIE_NAME: "id_token",
    REALM: None,
    DOMAIN: None,
    CLIENT_SECRET: None,
    SCOPES: "openid email profile",
    AUTH_URL_PREFIX: "/auth",
    REDIRECT_URI: None,
    LOGOUT_REDIRECT_URI: None,
    ACCESS_COOKIE_NAME: "access_token",
    REFRESH_COOKIE_NAME: "refresh_token",
    COOKIE_SECURE: True,
    COOKIE_SAMESITE: "Lax",
    LOGIN_REDIRECT: True,
    ALB_ARN: None,
    ALB_KEY_URL: None,
    REVOCATION_STORE: None,
    REVOCATION_TTL: 2592000,
}


def known_keys() -> frozenset[str]:
    """Every ``COGNITO_*`` key the package reads."""
    return frozenset(DEFAULTS)


def environment_name(key: str) -> str:
    """The environment variable ``app.config.from_prefixed_env()`` reads ``key`` from."""
    return f"FLASK_{key}"


def config_value(config: Mapping[str, Any], key: str) -> Any:
    """Return ``config[key]``, or the key's default when it is absent."""
    return config.get(key, DEFAULTS[key])


def read_str_list(key: str, value: object, *, example: str) -> tuple[str, ...]:
    """Read a list of strings given as a list, a tuple, or one comma-separated string.

    Blank items are dropped; ``None`` and ``""`` give an empty tuple.

    :raises CognitoConfigError: for any other type, or a list holding a non-string.
    """
    if value is None:
        return ()
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        items = list(value)
    else:
        raise CognitoConfigError(
            key,
            f"expected a string, a comma-separated string or a list of strings, "
            f"got {type(value).__name__}",
            example,
        )
    return tuple(item.strip() for item in items if item.strip())


def read_optional_str(key: str, value: object, *, example: str) -> str | None:
    """Read an optional non-empty string; ``None`` and ``""`` mean unset."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise CognitoConfigError(key, f"expected a string, got {type(value).__name__}", example)
    return value.strip() or None


def read_required_str(
    key: str, value: object, *, example: str, problem: str = "must not be empty"
) -> str:
    """Read a non-empty string; ``None``, ``""`` and blanks are refused with ``problem``."""
    text = read_optional_str(key, value, example=example)
    if text is None:
        raise CognitoConfigError(key, problem, example)
    return text


def number_as_digits(value: object) -> object:
    """A whole number as its digits, anything else unchanged.

    ``from_prefixed_env`` reads ``FLASK_COGNITO_CLIENT_ID=123456`` as a number; JSON numbers
    have no leading zeros, so the digits are exactly what was written.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def read_choice(key: str, value: object, choices: Collection[str]) -> str:
    """Read a string that must be one of ``choices`` (compared case-insensitively).

    :raises CognitoConfigError: naming the accepted values.
    """
    normalised = value.strip().lower() if isinstance(value, str) else value
    if normalised not in choices:
        allowed = ", ".join(repr(choice) for choice in choices)
        example = repr(next(iter(choices)))
        raise CognitoConfigError(key, f"expected one of {allowed}, got {value!r}", example)
    assert isinstance(normalised, str)
    return normalised


def read_number(
    key: str,
    value: object,
    *,
    minimum: float,
    maximum: float,
    example: str,
    integer: bool = False,
) -> float:
    """Read a finite number in ``[minimum, maximum]``; numeric strings are accepted.

    :param example: a right value, quoted in the error.
    :param integer: require a whole number.
    :raises CognitoConfigError: for a non-number, a non-finite one, or one out of range.
    """
    number: float
    if isinstance(value, bool):
        number = math.nan
    elif isinstance(value, int):
        number = float(value) if abs(value) < 2**53 else math.inf  # a float may overflow
    elif isinstance(value, float):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = math.nan
    else:
        number = math.nan
    kind = "a whole number" if integer else "a number"
    if not math.isfinite(number) or (integer and not number.is_integer()):
        raise CognitoConfigError(key, f"expected {kind}, got {value!r}", example)
    if not minimum <= number <= maximum:
        raise CognitoConfigError(
            key, f"expected {kind} from {minimum:g} to {maximum:g}, got {value!r}", example
        )
    return number


def closest(word: str, candidates: Collection[str]) -> tuple[str, ...]:
    """The candidates spelled most like ``word``, sorted: several when they tie, none when
    none is close (a similarity ratio under 0.6, difflib's own default).
    """
    scored = [
        (difflib.SequenceMatcher(None, word, candidate).ratio(), candidate)
        for candidate in candidates
    ]
    best = max((score for score, _ in scored), default=0.0)
    if best < 0.6:
        return ()
    return tuple(sorted(candidate for score, candidate in scored if score == best))


def suggestion(candidates: Collection[str]) -> str:
    """``"did you mean 'a'?"`` or ``"did you mean 'a' or 'b'?"``; empty when there is none."""
    if not candidates:
        return ""
    return "did you mean " + " or ".join(repr(candidate) for candidate in candidates) + "?"
