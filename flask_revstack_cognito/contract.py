"""The auth contract: what a token must satisfy, as plain frozen data (no network).

Built from a region, one or more user pool ids and optional app client ids, exactly as the
Revstack auth package does for Cognito: issuer ``https://cognito-idp.<region>.amazonaws.com/
<poolId>``, JWKS at ``<issuer>/.well-known/jwks.json``, RS256, audience = client id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast
from urllib.parse import urlsplit

from . import config as keys
from .config import (
    config_value,
    number_as_digits,
    read_choice,
    read_number,
    read_optional_str,
    read_required_str,
    read_str_list,
    suggestion,
)
from .errors import CognitoConfigError
from .regions import COGNITO_REGIONS, nearest_regions

TokenUse = Literal["id", "access", "any"]
IssuerType = Literal["original", "updated", "both"]

TOKEN_USES: tuple[str, ...] = ("id", "access", "any")
ISSUER_TYPES: tuple[str, ...] = ("original", "updated", "both")
MAX_LEEWAY_SECONDS = 300

# AWS's own patterns (CreateUserPoolClient, DescribeUserPool); regions as AWS names them.
_POOL_ID = re.compile(r"[\w-]+_[0-9a-zA-Z]+", re.ASCII)
_CLIENT_ID = re.compile(r"[\w+]{1,128}", re.ASCII)
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]{1,2}")

_POOL_EXAMPLE = "'us-east-1_Abc123'"
_REGION_EXAMPLE = "'us-east-1'"
_CLIENT_EXAMPLE = "'1example23456789abcdefghij'"

# build_auth_contract's keyword -> the app.config key it comes from.
_CONFIG_KEY_OF_ARGUMENT = {
    "user_pool_id": keys.USER_POOL_ID,
    "region": keys.REGION,
    "client_id": keys.CLIENT_ID,
    "user_id_claim": keys.USER_ID_CLAIM,
    "token_use": keys.TOKEN_USE,
    "leeway": keys.LEEWAY,
    "issuer_type": keys.ISSUER_TYPE,
    "additional_regions": keys.ADDITIONAL_REGIONS,
    "new_regions": keys.NEW_REGIONS,
    "issuer": keys.ISSUER,
    "jwks_uri": keys.JWKS_URI,
}


@dataclass(frozen=True)
class TrustedIssuer:
    """One issuer the contract trusts, with the JWKS that holds its signing keys."""

    #: The exact ``iss`` value tokens of this pool carry.
    issuer: str
    #: Where the pool's public keys are published.
    jwks_uri: str
    #: The user pool id (``<region>_<id>``).
    user_pool_id: str


@dataclass(frozen=True)
class AuthContract:
    """What a token must satisfy to be accepted: the Revstack contract, for Cognito.

    Plain data: building one never touches the network. Use :func:`build_auth_contract` or
    :meth:`from_config` rather than the constructor, so every value is validated.
    """

    #: Always ``"cognito"``.
    provider: str
    #: Every trusted issuer and its JWKS; the first is the primary pool's.
    trusted_issuers: tuple[TrustedIssuer, ...]
    #: App client ids accepted as ``aud`` (ID tokens) or ``client_id`` (access tokens);
    #: empty means the client is not checked.
    client_ids: tuple[str, ...] = ()
    #: The claim that becomes the user id; ``"username"`` picks the token type's username claim.
    user_id_claim: str = "sub"
    #: The token type accepted by default: ``"id"``, ``"access"`` or ``"any"``.
    token_use: TokenUse = "id"
    #: Seconds of clock skew allowed on ``exp``, ``nbf`` and ``iat``.
    leeway: float = 0
    #: The signature algorithm; only ``"RS256"`` exists for Cognito.
    strategy: str = "RS256"

    @property
    def issuer(self) -> str:
        """The primary issuer (the Revstack contract's ``issuer``)."""
        return self.trusted_issuers[0].issuer

    @property
    def issuers(self) -> tuple[str, ...]:
        """Every trusted issuer, primary first."""
        return tuple(trusted.issuer for trusted in self.trusted_issuers)

    @property
    def jwks_uri(self) -> str:
        """The primary pool's JWKS URI (the Revstack contract's ``jwksUri``)."""
        return self.trusted_issuers[0].jwks_uri

    @property
    def audience(self) -> str | None:
        """The first configured client id (the Revstack contract's ``audience``), or ``None``."""
        return self.client_ids[0] if self.client_ids else None

    @property
    def user_pool_ids(self) -> tuple[str, ...]:
        """The distinct user pool ids, in configuration order."""
        return tuple(dict.fromkeys(trusted.user_pool_id for trusted in self.trusted_issuers))

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AuthContract:
        """Build the contract from a Flask-style mapping of ``COGNITO_*`` keys.

        :param config: ``app.config`` or any mapping; absent keys take their defaults.
        :raises CognitoConfigError: naming the ``COGNITO_*`` key whose value is wrong.

        >>> AuthContract.from_config({"COGNITO_USER_POOL_ID": "eu-west-1_Abc123"}).issuer
        'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc123'
        """
        arguments = {
            arg: config_value(config, key) for arg, key in _CONFIG_KEY_OF_ARGUMENT.items()
        }
        try:
            return build_auth_contract("cognito", **arguments)
        except CognitoConfigError as error:
            raise CognitoConfigError(
                _CONFIG_KEY_OF_ARGUMENT.get(error.key, error.key), error.problem, error.example
            ) from None


def build_auth_contract(
    provider: str,
    *,
    user_pool_id: str | Sequence[str] | None,
    region: str | None = None,
    client_id: str | Sequence[str] | None = None,
    user_id_claim: str = "sub",
    token_use: str = "id",
    leeway: float = 0,
    issuer_type: str = "original",
    additional_regions: str | Sequence[str] | None = None,
    new_regions: str | Sequence[str] | None = None,
    issuer: str | None = None,
    jwks_uri: str | None = None,
) -> AuthContract:
    """Build and validate the contract for one or more Cognito user pools.

    :param provider: must be ``"cognito"``.
    :param user_pool_id: ``<region>_<id>``; a list or comma-separated string trusts several pools.
    :param region: optional; derived from the pool id, and must agree with it when given.
    :param client_id: app client id(s) accepted as ``aud`` / ``client_id``; ``None`` skips
        the check.
    :param user_id_claim: claim that becomes the user id (``"username"`` for the Cognito username).
    :param token_use: token type accepted by default: ``"id"``, ``"access"`` or ``"any"``.
    :param leeway: seconds of clock skew allowed on ``exp``/``nbf``/``iat`` (0 to 300).
    :param issuer_type: ``"original"``, ``"updated"`` (``issuer-cognito-idp``) or ``"both"``.
    :param additional_regions: replica regions of a multi-Region pool, trusted as issuers too.
    :param new_regions: regions where Cognito serves user pools that are newer than this
        package's list of regions (a region outside both is refused as a typo).
    :param issuer: override the issuer (local emulators); one pool only.
    :param jwks_uri: override the JWKS URI (emulators, mirrors; ``http://`` allowed); one
        issuer only.
    :raises CognitoConfigError: naming the argument whose value is wrong.

    >>> contract = build_auth_contract("cognito", user_pool_id="us-east-1_Abc123", client_id="abc")
    >>> contract.jwks_uri
    'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc123/.well-known/jwks.json'
    """
    if provider != "cognito":
        raise CognitoConfigError(
            "provider", f"only 'cognito' is supported, got {provider!r}", "'cognito'"
        )
    pool_ids = _read_pool_ids(user_pool_id)
    issuer = read_optional_str("issuer", issuer, example="'http://localhost:9229/local_abc'")
    served = COGNITO_REGIONS.union(_read_new_regions(new_regions))
    _check_region(region, pool_ids, served if issuer is None else None)
    issuer_type = read_choice("issuer_type", issuer_type, ISSUER_TYPES)
    if issuer is not None and issuer_type != "original":
        raise CognitoConfigError(
            "issuer_type",
            f"{issuer_type!r} has no effect with an issuer override ({keys.ISSUER})",
            "'original' (the default)",
        )
    replica_regions = _read_additional_regions(additional_regions, issuer_type, issuer, served)
    jwks_uri = read_optional_str("jwks_uri", jwks_uri, example=_jwks_example())

    if issuer is not None:
        _check_url("issuer", issuer)
        if len(pool_ids) > 1:
            raise CognitoConfigError(
                "issuer",
                "an issuer override needs exactly one user pool",
                "'http://localhost:9229/local_abc' with the one pool 'local_abc'",
            )
        trusted = [TrustedIssuer(issuer, f"{issuer}/.well-known/jwks.json", pool_ids[0])]
    else:
        trusted = [
            TrustedIssuer(derived, f"{derived}/.well-known/jwks.json", pool_id)
            for pool_id in pool_ids
            for derived in _derived_issuers(pool_id, issuer_type, replica_regions)
        ]
    if jwks_uri is not None:
        _check_url("jwks_uri", jwks_uri)
        if len(trusted) > 1:
            raise CognitoConfigError(
                "jwks_uri",
                "a JWKS URI override needs exactly one trusted issuer (one pool, one issuer "
                "type, no additional regions)",
                _jwks_example(),
            )
        trusted = [TrustedIssuer(trusted[0].issuer, jwks_uri, trusted[0].user_pool_id)]

    return AuthContract(
        provider="cognito",
        trusted_issuers=tuple(trusted),
        client_ids=_read_client_ids(client_id),
        user_id_claim=_read_user_id_claim(user_id_claim),
        token_use=cast(TokenUse, read_choice("token_use", token_use, TOKEN_USES)),
        leeway=read_number("leeway", leeway, minimum=0, maximum=MAX_LEEWAY_SECONDS, example="5"),
    )


def _read_pool_ids(value: object) -> tuple[str, ...]:
    pool_ids = read_str_list("user_pool_id", value, example=_POOL_EXAMPLE)
    if not pool_ids:
        raise CognitoConfigError("user_pool_id", "is required", _POOL_EXAMPLE)
    for pool_id in pool_ids:
        if len(pool_id) > 55 or not _POOL_ID.fullmatch(pool_id):
            raise CognitoConfigError(
                "user_pool_id",
                f"{pool_id!r} is not a user pool id of the form <region>_<id>",
                _POOL_EXAMPLE,
            )
    return tuple(dict.fromkeys(pool_ids))


def _read_new_regions(value: object) -> tuple[str, ...]:
    regions = read_str_list("new_regions", value, example="'xx-newregion-1'")
    for region in regions:
        if not _REGION.fullmatch(region):
            raise CognitoConfigError(
                "new_regions", f"{region!r} is not an AWS region name", "'xx-newregion-1'"
            )
    return regions


def _check_served(argument: str, region: str, served: frozenset[str], example: str) -> None:
    if region in served:
        return
    hint = suggestion(nearest_regions(region, served))
    raise CognitoConfigError(
        argument,
        f"{region!r} is not a region where Amazon Cognito serves user pools"
        + (f"; {hint}" if hint else "")
        + f" (a region newer than this package's list goes in {keys.NEW_REGIONS})",
        example,
    )


def _check_region(value: object, pool_ids: tuple[str, ...], served: frozenset[str] | None) -> None:
    """Check ``COGNITO_REGION`` and the pools' regions; ``served`` is ``None`` when an issuer
    override (an emulator) makes any region name acceptable.
    """
    region = read_optional_str("region", value, example=_REGION_EXAMPLE)
    pool_regions = {pool_id.partition("_")[0] for pool_id in pool_ids}
    if region is not None and pool_regions != {region}:
        raise CognitoConfigError(
            "region",
            f"{region!r} does not match the region of user pool "
            f"{', '.join(sorted(pool_ids))}; leave it unset to derive it from the pool id",
            _REGION_EXAMPLE,
        )
    if served is not None:
        # Only real AWS regions can form an AWS issuer; emulators (cognito-local's
        # "local_abc") need an explicit issuer.
        for pool_region in sorted(pool_regions):
            if not _REGION.fullmatch(pool_region):
                raise CognitoConfigError(
                    "user_pool_id",
                    f"{pool_region!r} is not an AWS region; for a local emulator also set "
                    f"{keys.ISSUER}",
                    _POOL_EXAMPLE,
                )
            _check_served("user_pool_id", pool_region, served, _POOL_EXAMPLE)


def _read_additional_regions(
    value: object, issuer_type: str, issuer: str | None, served: frozenset[str]
) -> tuple[str, ...]:
    regions = read_str_list("additional_regions", value, example="'us-west-2,eu-west-1'")
    for region in regions:
        if not _REGION.fullmatch(region):
            raise CognitoConfigError(
                "additional_regions", f"{region!r} is not an AWS region", _REGION_EXAMPLE
            )
        if issuer is None:
            _check_served("additional_regions", region, served, _REGION_EXAMPLE)
    if regions and (issuer_type == "updated" or issuer is not None):
        raise CognitoConfigError(
            "additional_regions",
            "replica regions apply to the original issuer form only "
            "(the updated issuer names the primary region)",
            "'us-west-2' with COGNITO_ISSUER_TYPE 'original' or 'both'",
        )
    return tuple(dict.fromkeys(regions))


def _read_client_ids(value: object) -> tuple[str, ...]:
    client_ids = read_str_list("client_id", number_as_digits(value), example=_CLIENT_EXAMPLE)
    for client_id in client_ids:
        if not _CLIENT_ID.fullmatch(client_id):
            raise CognitoConfigError(
                "client_id", f"{client_id!r} is not an app client id", _CLIENT_EXAMPLE
            )
    return tuple(dict.fromkeys(client_ids))


def _read_user_id_claim(value: object) -> str:
    return read_required_str(
        "user_id_claim", value, example="'sub' or 'username'", problem="must name a claim"
    )


def _derived_issuers(
    pool_id: str, issuer_type: str, replica_regions: tuple[str, ...]
) -> list[str]:
    pool_region = pool_id.partition("_")[0]
    issuers = []
    if issuer_type in ("original", "both"):
        for issuer_region in dict.fromkeys((pool_region, *replica_regions)):
            issuers.append(
                f"https://cognito-idp.{issuer_region}.{_domain(issuer_region)}/{pool_id}"
            )
    if issuer_type in ("updated", "both"):
        issuers.append(
            f"https://issuer-cognito-idp.{pool_region}.{_domain(pool_region)}/{pool_id}"
        )
    return issuers


def _domain(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


def _check_url(argument: str, url: str) -> None:
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # such as an unclosed IPv6 bracket
        valid = False
    if not valid:
        raise CognitoConfigError(
            argument,
            f"{url!r} is not an http:// or https:// URL",
            "'http://localhost:9229/local_abc'" if argument == "issuer" else _jwks_example(),
        )


def _jwks_example() -> str:
    return "'http://127.0.0.1:5000/us-east-1_Abc123/.well-known/jwks.json'"


def check_token_use(token_use: str | None) -> str | None:
    """Return ``token_use`` when it is ``None`` (the contract's default) or one of ``TOKEN_USES``.

    :raises ValueError: naming the allowed values: a mistake in the calling code, not a bad
        token (``""`` and ``"ID"`` are not allowed values).
    """
    if token_use is not None and token_use not in TOKEN_USES:
        raise ValueError(f"token_use must be one of {TOKEN_USES} or None, got {token_use!r}")
    return token_use
