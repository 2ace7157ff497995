"""Everything ``init_app`` reads from ``app.config``, validated once into a frozen object."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import config as keys
from .config import (
    closest,
    config_value,
    environment_name,
    known_keys,
    number_as_digits,
    read_number,
    read_optional_str,
    read_required_str,
    read_str_list,
    suggestion,
)
from .contract import AuthContract
from .errors import CognitoConfigError
from .jwks import JWKSOptions

TOKEN_LOCATIONS = ("headers", "cookies")
KEY_PREFIX = "COGNITO_"

logger = logging.getLogger("flask_revstack_cognito")


@dataclass(frozen=True)
class CognitoSettings:
    """The validated configuration of one app: the contract and how tokens are found and kept."""

    #: What a token must satisfy.
    contract: AuthContract
    #: How the JWKS is fetched and cached.
    jwks_options: JWKSOptions
    #: Verified-token cache entries (0 disables the cache).
    token_cache_size: int
    #: Where tokens are looked for, in order: ``"headers"`` and/or ``"cookies"``.
    token_locations: tuple[str, ...]
    #: The header carrying the token.
    header_name: str
    #: The scheme before the token (``"Bearer"``), or ``""`` for a bare token.
    header_type: str
    #: The cookie carrying the token, when cookies are a location.
    cookie_name: str
    #: The ``realm`` of ``WWW-Authenticate``.
    realm: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, default_realm: str) -> CognitoSettings:
        """Read and validate every ``COGNITO_*`` key of ``config``.

        Logs a warning for each ``COGNITO_*`` key the package does not know, such as
        ``COGNITO_USERPOOL_ID``, naming the key it probably stands for.

        :param default_realm: the realm when ``COGNITO_REALM`` is unset (the app's name).
        :raises CognitoConfigError: naming the first key whose value is wrong.
        """
        warn_unknown_keys(config)
        _require(config, keys.USER_POOL_ID, example="'us-east-1_Abc123'")

        def value(key: str) -> Any:
            return config_value(config, key)

        def number(key: str, minimum: float, maximum: float, *, integer: bool = False) -> float:
            example = str(keys.DEFAULTS[key])
            return read_number(
                key, value(key), minimum=minimum, maximum=maximum, example=example, integer=integer
            )

        jwks_options = JWKSOptions(
            ttl=number(keys.JWKS_CACHE_TTL, 1, 86400),
            timeout=number(keys.JWKS_TIMEOUT, 0.1, 60),
            refresh_cooldown=number(keys.JWKS_REFRESH_COOLDOWN, 1, 3600),
            max_bytes=int(number(keys.JWKS_MAX_BYTES, 1024, 16 * 1024 * 1024, integer=True)),
        )
        realm = read_optional_str(
            keys.REALM, number_as_digits(value(keys.REALM)), example="'my-api'"
        )
        return cls(
            contract=AuthContract.from_config(config),
            jwks_options=jwks_options,
            token_cache_size=int(number(keys.TOKEN_CACHE_SIZE, 0, 1_000_000, integer=True)),
            token_locations=_read_locations(value(keys.TOKEN_LOCATION)),
            header_name=read_required_str(
                keys.HEADER_NAME, value(keys.HEADER_NAME), example="'Authorization'"
            ),
            header_type=_read_header_type(value(keys.HEADER_TYPE)),
            cookie_name=read_required_str(
                keys.COOKIE_NAME, value(keys.COOKIE_NAME), example="'id_token'"
            ),
            realm=realm or default_realm,
        )


def _read_locations(value: object) -> tuple[str, ...]:
    example = "'headers' or 'headers,cookies'"
    locations = read_str_list(keys.TOKEN_LOCATION, value, example=example)
    normalised = tuple(dict.fromkeys(location.lower() for location in locations))
    if not normalised or any(location not in TOKEN_LOCATIONS for location in normalised):
        raise CognitoConfigError(
            keys.TOKEN_LOCATION, f"expected 'headers', 'cookies' or both, got {value!r}", example
        )
    return normalised


def _read_header_type(value: object) -> str:
    header_type = read_optional_str(keys.HEADER_TYPE, value, example="'Bearer' or ''")
    if header_type is not None and not header_type.isalnum():
        raise CognitoConfigError(
            keys.HEADER_TYPE, f"expected a single word, got {value!r}", "'Bearer' or ''"
        )
    return header_type or ""


def _require(config: Mapping[str, Any], key: str, *, example: str) -> None:
    """Refuse a missing required key, naming the environment variable that sets it too."""
    if not read_str_list(key, config_value(config, key), example=example):
        raise CognitoConfigError(
            key,
            f"is required: set it in app.config, or {environment_name(key)} in the environment",
            example,
        )


def warn_unknown_keys(config: Mapping[str, Any]) -> None:
    """Log a warning for each ``COGNITO_*`` key of ``config`` that no setting reads.

    A misspelt key would otherwise be ignored in silence while its default applies.
    """
    known = known_keys()
    names = {key.removeprefix(KEY_PREFIX): key for key in known}
    for key in sorted(key for key in config if isinstance(key, str)):
        if not key.startswith(KEY_PREFIX) or key in known:
            continue
        meant = tuple(names[name] for name in closest(key.removeprefix(KEY_PREFIX), names))
        hint = suggestion(meant) or "it is ignored"
        logger.warning("%s is not a Flask-Revstack-Cognito setting: %s", key, hint)
