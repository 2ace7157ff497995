"""The auth contract (SPEC sections 2 and 3): exact issuers, JWKS URIs and refusals.

Covers ``build_auth_contract``, ``AuthContract.from_config`` (plain dicts and ``flask.Config``
filled by ``from_prefixed_env``), ``TrustedIssuer`` and the config readers of ``config.py``.
"""

from __future__ import annotations

import dataclasses
import math
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Config

import flask_revstack_cognito
from flask_revstack_cognito import AuthContract, CognitoConfigError, TrustedIssuer
from flask_revstack_cognito import build_auth_contract as exported_build_auth_contract
from flask_revstack_cognito import config as keys
from flask_revstack_cognito.config import (
    DEFAULTS,
    config_value,
    read_choice,
    read_number,
    read_optional_str,
    read_str_list,
)
from flask_revstack_cognito.contract import (
    ISSUER_TYPES,
    MAX_LEEWAY_SECONDS,
    TOKEN_USES,
    build_auth_contract,
)

POOL = "us-east-1_Abc123"
CLIENT = "1example23456789abcdefghij"
POOL_EXAMPLE = "'us-east-1_Abc123'"
REGION_EXAMPLE = "'us-east-1'"
CLIENT_EXAMPLE = "'1example23456789abcdefghij'"
ISSUER_EXAMPLE = "'http://localhost:9229/local_abc'"
JWKS_EXAMPLE = "'http://127.0.0.1:5000/us-east-1_Abc123/.well-known/jwks.json'"
CLAIM_EXAMPLE = "'sub' or 'username'"
LOCAL_ISSUER = "http://localhost:9229/local_abc"


def original(region: str, pool: str) -> str:
    domain = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://cognito-idp.{region}.{domain}/{pool}"


def updated(region: str, pool: str) -> str:
    domain = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"https://issuer-cognito-idp.{region}.{domain}/{pool}"


def jwks(issuer: str) -> str:
    return f"{issuer}/.well-known/jwks.json"


def trusted(issuer: str, pool: str) -> TrustedIssuer:
    return TrustedIssuer(issuer=issuer, jwks_uri=jwks(issuer), user_pool_id=pool)


def expected_message(key: str, problem: str, example: str | None) -> str:
    return f"{key}: {problem}" + (f" (for example {example})" if example else "")


# --------------------------------------------------------------------------------------------
# The basic contract
# --------------------------------------------------------------------------------------------


def test_public_names_are_exported() -> None:
    assert exported_build_auth_contract is build_auth_contract
    assert flask_revstack_cognito.AuthContract is AuthContract
    assert flask_revstack_cognito.TrustedIssuer is TrustedIssuer
    assert flask_revstack_cognito.CognitoConfigError is CognitoConfigError
    assert issubclass(CognitoConfigError, ValueError)


@pytest.mark.parametrize(
    ("region", "pool", "issuer"),
    [
        (
            "us-east-1",
            "us-east-1_Abc123",
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc123",
        ),
        (
            "eu-west-1",
            "eu-west-1_XyZ9",
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_XyZ9",
        ),
        (
            "ap-southeast-2",
            "ap-southeast-2_a1B2c3D4e",
            "https://cognito-idp.ap-southeast-2.amazonaws.com/ap-southeast-2_a1B2c3D4e",
        ),
        (
            "cn-north-1",
            "cn-north-1_Abc123",
            "https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_Abc123",
        ),
        (
            "cn-northwest-1",
            "cn-northwest-1_Abc123",
            "https://cognito-idp.cn-northwest-1.amazonaws.com.cn/cn-northwest-1_Abc123",
        ),
        (
            "us-gov-west-1",
            "us-gov-west-1_Abc123",
            "https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_Abc123",
        ),
    ],
)
@pytest.mark.parametrize("give_region", [True, False], ids=["region-given", "region-derived"])
def test_contract_for_one_pool(region: str, pool: str, issuer: str, give_region: bool) -> None:
    contract = build_auth_contract(
        "cognito", region=region if give_region else None, user_pool_id=pool, client_id=CLIENT
    )

    assert contract.provider == "cognito"
    assert contract.strategy == "RS256"
    assert contract.issuer == issuer
    assert contract.issuers == (issuer,)
    assert contract.jwks_uri == f"{issuer}/.well-known/jwks.json"
    assert contract.audience == CLIENT
    assert contract.client_ids == (CLIENT,)
    assert contract.user_pool_ids == (pool,)
    assert contract.user_id_claim == "sub"
    assert contract.token_use == "id"
    assert contract.leeway == 0
    assert contract.trusted_issuers == (
        TrustedIssuer(issuer, f"{issuer}/.well-known/jwks.json", pool),
    )
    assert contract == AuthContract(
        provider="cognito",
        trusted_issuers=(TrustedIssuer(issuer, f"{issuer}/.well-known/jwks.json", pool),),
        client_ids=(CLIENT,),
        user_id_claim="sub",
        token_use="id",
        leeway=0.0,
        strategy="RS256",
    )


def test_defaults_without_client_id() -> None:
    contract = build_auth_contract("cognito", user_pool_id=POOL)

    assert contract.client_ids == ()
    assert contract.audience is None
    assert contract.user_id_claim == "sub"
    assert contract.token_use == "id"
    assert contract.leeway == 0.0
    assert isinstance(contract.leeway, float)
    assert contract.strategy == "RS256"


def test_dataclass_defaults() -> None:
    contract = AuthContract(
        provider="cognito", trusted_issuers=(trusted(original("us-east-1", POOL), POOL),)
    )

    assert contract.client_ids == ()
    assert contract.user_id_claim == "sub"
    assert contract.token_use == "id"
    assert contract.leeway == 0
    assert contract.strategy == "RS256"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("provider", "auth0"),
        ("trusted_issuers", ()),
        ("client_ids", ("other",)),
        ("user_id_claim", "email"),
        ("token_use", "access"),
        ("leeway", 5.0),
        ("strategy", "HS256"),
        ("issuer", "https://evil.example.com"),
    ],
)
def test_contract_is_frozen(name: str, value: object) -> None:
    contract = build_auth_contract("cognito", user_pool_id=POOL, client_id=CLIENT)
    before = dataclasses.replace(contract)

    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(contract, name, value)
    assert contract == before


@pytest.mark.parametrize("name", ["issuer", "jwks_uri", "user_pool_id"])
def test_trusted_issuer_is_frozen(name: str) -> None:
    issuer = build_auth_contract("cognito", user_pool_id=POOL).trusted_issuers[0]

    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(issuer, name, "changed")


def test_contract_is_hashable_and_equal_when_built_twice() -> None:
    first = build_auth_contract("cognito", user_pool_id=POOL, client_id=[CLIENT, "b"])
    second = build_auth_contract("cognito", user_pool_id=POOL, client_id=f"{CLIENT}, b")

    assert first == second
    assert hash(first) == hash(second)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    attempts: list[str] = []

    def refuse(name: str) -> Any:
        def refused(*args: object, **kwargs: object) -> Any:
            attempts.append(name)
            raise AssertionError(f"network access attempted: {name}")

        return refused

    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    return attempts


def test_building_is_pure_data(no_network: list[str]) -> None:
    contract = build_auth_contract(
        "cognito",
        user_pool_id=[POOL, "eu-west-1_Other1"],
        client_id=CLIENT,
        issuer_type="both",
        additional_regions="us-west-2",
    )
    local = build_auth_contract(
        "cognito", user_pool_id="local_abc", issuer=LOCAL_ISSUER, jwks_uri="http://127.0.0.1/j"
    )
    from_config = AuthContract.from_config({keys.USER_POOL_ID: POOL})

    assert len(contract.issuers) == 6
    assert local.jwks_uri == "http://127.0.0.1/j"
    assert from_config.issuer == original("us-east-1", POOL)
    assert no_network == []


# --------------------------------------------------------------------------------------------
# Region
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("region", ["us-east-1", " us-east-1 ", "", None])
def test_region_agreeing_with_pool_or_absent(region: str | None) -> None:
    contract = build_auth_contract("cognito", region=region, user_pool_id=POOL)

    assert contract.issuers == (original("us-east-1", POOL),)


@pytest.mark.parametrize(
    ("region", "pools", "problem"),
    [
        (
            "eu-west-1",
            POOL,
            "'eu-west-1' does not match the region of user pool us-east-1_Abc123; "
            "leave it unset to derive it from the pool id",
        ),
        (
            "US-EAST-1",
            POOL,
            "'US-EAST-1' does not match the region of user pool us-east-1_Abc123; "
            "leave it unset to derive it from the pool id",
        ),
        (
            "us-east-1",
            ["us-east-1_Abc123", "eu-west-1_Def456"],
            "'us-east-1' does not match the region of user pool "
            "eu-west-1_Def456, us-east-1_Abc123; leave it unset to derive it from the pool id",
        ),
    ],
)
def test_region_mismatch_is_refused(region: str, pools: str | list[str], problem: str) -> None:
    with pytest.raises(CognitoConfigError) as caught:
        build_auth_contract("cognito", region=region, user_pool_id=pools)

    error = caught.value
    assert error.key == "region"
    assert error.problem == problem
    assert error.example == REGION_EXAMPLE
    assert str(error) == expected_message("region", problem, REGION_EXAMPLE)
    assert "for example 'us-east-1'" in str(error)


def test_region_mismatch_is_refused_from_config() -> None:
    with pytest.raises(CognitoConfigError) as caught:
        AuthContract.from_config({keys.USER_POOL_ID: POOL, keys.REGION: "eu-west-1"})

    assert caught.value.key == "COGNITO_REGION"
    assert str(caught.value).startswith("COGNITO_REGION: 'eu-west-1' does not match")


# --------------------------------------------------------------------------------------------
# Several pools and client ids
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pools",
    [
        ["us-east-1_Abc123", "eu-west-1_Def456"],
        ("us-east-1_Abc123", "eu-west-1_Def456"),
        "us-east-1_Abc123,eu-west-1_Def456",
        " us-east-1_Abc123 ,  eu-west-1_Def456 ",
        "us-east-1_Abc123, eu-west-1_Def456, us-east-1_Abc123",
        ["us-east-1_Abc123", "eu-west-1_Def456", "us-east-1_Abc123", "eu-west-1_Def456"],
        "us-east-1_Abc123,,eu-west-1_Def456,",
        ["us-east-1_Abc123", " ", "eu-west-1_Def456"],
    ],
)
def test_several_pools(pools: str | list[str] | tuple[str, ...]) -> None:
    contract = build_auth_contract("cognito", user_pool_id=pools)

    first = original("us-east-1", "us-east-1_Abc123")
    second = original("eu-west-1", "eu-west-1_Def456")
    assert contract.user_pool_ids == ("us-east-1_Abc123", "eu-west-1_Def456")
    assert contract.issuers == (first, second)
    assert contract.issuer == first
    assert contract.jwks_uri == jwks(first)
    assert contract.trusted_issuers == (
        trusted(first, "us-east-1_Abc123"),
        trusted(second, "eu-west-1_Def456"),
    )


def test_several_pools_in_one_region_with_region_given() -> None:
    contract = build_auth_contract(
        "cognito", region="us-east-1", user_pool_id="us-east-1_Abc123,us-east-1_Def456"
    )

    assert contract.issuers == (
        original("us-east-1", "us-east-1_Abc123"),
        original("us-east-1", "us-east-1_Def456"),
    )


@pytest.mark.parametrize(
    ("client_id", "expected"),
    [
        (CLIENT, (CLIENT,)),
        (f" {CLIENT} ", (CLIENT,)),
        ("a,b", ("a", "b")),
        ("a, b ,, c", ("a", "b", "c")),
        (["a", "b"], ("a", "b")),
        (("a", "b"), ("a", "b")),
        ("a,b,a", ("a", "b")),
        (["b", "a", "b"], ("b", "a")),
        ("x" * 128, ("x" * 128,)),
        ("with+plus_and_underscore", ("with+plus_and_underscore",)),
        (None, ()),
        ("", ()),
        (" , ", ()),
        ([], ()),
    ],
)
def test_client_ids(
    client_id: str | list[str] | tuple[str, ...] | None, expected: tuple[str, ...]
) -> None:
    contract = build_auth_contract("cognito", user_pool_id=POOL, client_id=client_id)

    assert contract.client_ids == expected
    assert contract.audience == (expected[0] if expected else None)


# --------------------------------------------------------------------------------------------
# Issuer types and multi-Region replication
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issuer_type", "expected"),
    [
        ("original", (original("us-east-1", POOL),)),
        ("ORIGINAL", (original("us-east-1", POOL),)),
        ("updated", (updated("us-east-1", POOL),)),
        ("Updated", (updated("us-east-1", POOL),)),
        (" updated ", (updated("us-east-1", POOL),)),
        ("both", (original("us-east-1", POOL), updated("us-east-1", POOL))),
        ("BOTH", (original("us-east-1", POOL), updated("us-east-1", POOL))),
    ],
)
def test_issuer_type(issuer_type: str, expected: tuple[str, ...]) -> None:
    contract = build_auth_contract("cognito", user_pool_id=POOL, issuer_type=issuer_type)

    assert contract.issuers == expected
    assert contract.issuer == expected[0]
    assert contract.jwks_uri == jwks(expected[0])
    assert contract.trusted_issuers == tuple(trusted(issuer, POOL) for issuer in expected)
    assert contract.user_pool_ids == (POOL,)


def test_updated_issuer_literal() -> None:
    contract = build_auth_contract("cognito", user_pool_id=POOL, issuer_type="updated")

    assert contract.issuer == "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc123"
    assert contract.jwks_uri == (
        "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc123/.well-known/jwks.json"
    )


def test_updated_issuer_in_china() -> None:
    contract = build_auth_contract("cognito", user_pool_id="cn-north-1_Abc123", issuer_type="both")

    assert contract.issuers == (
        "https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_Abc123",
        "https://issuer-cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_Abc123",
    )


def test_several_pools_with_both_issuer_types() -> None:
    contract = build_auth_contract(
        "cognito", user_pool_id=["us-east-1_Abc123", "eu-west-1_Def456"], issuer_type="both"
    )

    assert contract.issuers == (
        original("us-east-1", "us-east-1_Abc123"),
        updated("us-east-1", "us-east-1_Abc123"),
        original("eu-west-1", "eu-west-1_Def456"),
        updated("eu-west-1", "eu-west-1_Def456"),
    )
    assert contract.user_pool_ids == ("us-east-1_Abc123", "eu-west-1_Def456")


@pytest.mark.parametrize(
    ("additional_regions", "issuer_type", "expected"),
    [
        (
            "us-west-2",
            "original",
            (original("us-east-1", POOL), original("us-west-2", POOL)),
        ),
        (
            "us-west-2, eu-west-1",
            "original",
            (
                original("us-east-1", POOL),
                original("us-west-2", POOL),
                original("eu-west-1", POOL),
            ),
        ),
        (
            ["us-west-2", "eu-west-1"],
            "original",
            (
                original("us-east-1", POOL),
                original("us-west-2", POOL),
                original("eu-west-1", POOL),
            ),
        ),
        (
            ("eu-west-1",),
            "Original",
            (original("us-east-1", POOL), original("eu-west-1", POOL)),
        ),
        (
            "us-west-2",
            "both",
            (original("us-east-1", POOL), original("us-west-2", POOL), updated("us-east-1", POOL)),
        ),
        (None, "original", (original("us-east-1", POOL),)),
        ("", "updated", (updated("us-east-1", POOL),)),
        ([], "updated", (updated("us-east-1", POOL),)),
    ],
)
def test_additional_regions(
    additional_regions: str | list[str] | tuple[str, ...] | None,
    issuer_type: str,
    expected: tuple[str, ...],
) -> None:
    contract = build_auth_contract(
        "cognito",
        user_pool_id=POOL,
        issuer_type=issuer_type,
        additional_regions=additional_regions,
    )

    assert contract.issuers == expected
    assert contract.trusted_issuers == tuple(trusted(issuer, POOL) for issuer in expected)
    assert contract.user_pool_ids == (POOL,)
    assert contract.issuer == expected[0]


def test_additional_regions_literal() -> None:
    contract = build_auth_contract("cognito", user_pool_id=POOL, additional_regions="us-west-2")

    assert contract.issuers == (
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc123",
        "https://cognito-idp.us-west-2.amazonaws.com/us-east-1_Abc123",
    )


REPLICAS_PROBLEM = (
    "replica regions apply to the original issuer form only "
    "(the updated issuer names the primary region)"
)
REPLICAS_EXAMPLE = "'us-west-2' with COGNITO_ISSUER_TYPE 'original' or 'both'"


@pytest.mark.parametrize(
    "overrides",
    [
        {"issuer_type": "updated"},
        {"issuer_type": "UPDATED"},
        {"issuer": "https://issuer.example.com/us-east-1_Abc123"},
    ],
)
def test_additional_regions_refused_with_updated_or_override(overrides: dict[str, Any]) -> None:
    with pytest.raises(CognitoConfigError) as caught:
        build_auth_contract(
            "cognito", user_pool_id=POOL, additional_regions="us-west-2", **overrides
        )

    assert caught.value.key == "additional_regions"
    assert caught.value.problem == REPLICAS_PROBLEM
    assert caught.value.example == REPLICAS_EXAMPLE
    assert str(caught.value) == expected_message(
        "additional_regions", REPLICAS_PROBLEM, REPLICAS_EXAMPLE
    )


# --------------------------------------------------------------------------------------------
# Issuer and JWKS URI overrides
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("region", [None, "local"])
def test_issuer_override_for_cognito_local(region: str | None) -> None:
    contract = build_auth_contract(
        "cognito", region=region, user_pool_id="local_abc", client_id=CLIENT, issuer=LOCAL_ISSUER
    )

    assert contract.issuer == LOCAL_ISSUER
    assert contract.issuers == (LOCAL_ISSUER,)
    assert contract.jwks_uri == "http://localhost:9229/local_abc/.well-known/jwks.json"
    assert contract.user_pool_ids == ("local_abc",)
    assert contract.trusted_issuers == (
        TrustedIssuer(
            LOCAL_ISSUER, "http://localhost:9229/local_abc/.well-known/jwks.json", "local_abc"
        ),
    )
    assert contract.audience == CLIENT


def test_issuer_override_is_stripped_and_may_be_https() -> None:
    contract = build_auth_contract(
        "cognito", user_pool_id=POOL, issuer="  https://auth.example.com/us-east-1_Abc123  "
    )

    assert contract.issuer == "https://auth.example.com/us-east-1_Abc123"
    assert contract.jwks_uri == "https://auth.example.com/us-east-1_Abc123/.well-known/jwks.json"


LOCAL_POOL_PROBLEM = "'local' is not an AWS region; for a local emulator also set COGNITO_ISSUER"


@pytest.mark.parametrize(
    "issuer",
    [
        None,
        # An empty override means "unset" (read_optional_str), so the pool must still name a
        # real AWS region; the empty string must not switch the region check off.
        "",
    ],
    ids=["no-issuer", "empty-issuer"],
)
def test_emulator_pool_without_issuer_is_refused(issuer: str | None) -> None:
    with pytest.raises(CognitoConfigError) as caught:
        build_auth_contract("cognito", user_pool_id="local_abc", issuer=issuer)

    error = caught.value
    assert error.key == "user_pool_id"
    assert error.problem == LOCAL_POOL_PROBLEM
    assert "COGNITO_ISSUER" in str(error)
    assert str(error) == expected_message("user_pool_id", LOCAL_POOL_PROBLEM, POOL_EXAMPLE)


@pytest.mark.parametrize(
    ("jwks_uri", "expected"),
    [
        ("http://localhost:5000/jwks.json", "http://localhost:5000/jwks.json"),
        (
            "http://127.0.0.1:4566/us-east-1_Abc123/.well-known/jwks.json",
            "http://127.0.0.1:4566/us-east-1_Abc123/.well-known/jwks.json",
        ),
        (" https://mirror.example.com/keys ", "https://mirror.example.com/keys"),
        ("", original("us-east-1", POOL) + "/.well-known/jwks.json"),
        (None, original("us-east-1", POOL) + "/.well-known/jwks.json"),
    ],
)
def test_jwks_uri_override(jwks_uri: str | None, expected: str) -> None:
    contract = build_auth_contract("cognito", user_pool_id=POOL, jwks_uri=jwks_uri)

    assert contract.jwks_uri == expected
    assert contract.issuer == original("us-east-1", POOL)
    assert contract.trusted_issuers == (
        TrustedIssuer(original("us-east-1", POOL), expected, POOL),
    )


def test_jwks_uri_override_with_issuer_override() -> None:
    contract = build_auth_contract(
        "cognito",
        user_pool_id="local_abc",
        issuer=LOCAL_ISSUER,
        jwks_uri="http://127.0.0.1:9229/keys.json",
    )

    assert contract.trusted_issuers == (
        TrustedIssuer(LOCAL_ISSUER, "http://127.0.0.1:9229/keys.json", "local_abc"),
    )


def test_jwks_uri_override_with_updated_issuer() -> None:
    contract = build_auth_contract(
        "cognito", user_pool_id=POOL, issuer_type="updated", jwks_uri="http://127.0.0.1/k"
    )

    assert contract.issuers == (updated("us-east-1", POOL),)
    assert contract.jwks_uri == "http://127.0.0.1/k"


JWKS_MANY_PROBLEM = (
    "a JWKS URI override needs exactly one trusted issuer (one pool, one issuer type, "
    "no additional regions)"
)


@pytest.mark.parametrize(
    "overrides",
    [
        {"user_pool_id": "us-east-1_Abc123,eu-west-1_Def456"},
        {"user_pool_id": POOL, "issuer_type": "both"},
        {"user_pool_id": POOL, "additional_regions": "us-west-2"},
    ],
)
def test_jwks_uri_refused_with_several_issuers(overrides: dict[str, Any]) -> None:
    with pytest.raises(CognitoConfigError) as caught:
        build_auth_contract("cognito", jwks_uri="http://127.0.0.1/jwks.json", **overrides)

    assert caught.value.key == "jwks_uri"
    assert caught.value.problem == JWKS_MANY_PROBLEM
    assert str(caught.value) == expected_message("jwks_uri", JWKS_MANY_PROBLEM, JWKS_EXAMPLE)


@pytest.mark.parametrize("argument", ["issuer", "jwks_uri"])
@pytest.mark.parametrize(
    "url",
    [
        "ftp://localhost/local_abc",
        "file:///etc/jwks.json",
        "localhost:9229/local_abc",
        "/local_abc",
        "not a url",
        "http://",
        "https:///path-only",
        # A malformed bracketed host makes urlsplit raise ValueError: it is still a bad
        # override and must come out as a CognitoConfigError naming the argument.
        "http://[::1/local_abc",
    ],
)
def test_override_that_is_not_an_http_url_is_refused(argument: str, url: str) -> None:
    kwargs: dict[str, Any] = {argument: url}
    with pytest.raises(CognitoConfigError) as caught:
        build_auth_contract("cognito", user_pool_id=POOL, **kwargs)

    error = caught.value
    example = ISSUER_EXAMPLE if argument == "issuer" else JWKS_EXAMPLE
    assert error.key == argument
    assert error.problem == f"{url.strip()!r} is not an http:// or https:// URL"
    assert error.example == example
    assert str(error) == expected_message(argument, error.problem, example)


# --------------------------------------------------------------------------------------------
# Bad values: build_auth_contract names the argument, from_config the COGNITO_* key
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bad:
    """One bad configuration and the refusal it must produce."""

    id: str
    kwargs: dict[str, Any]
    argument: str
    problem: str
    example: str | None
    #: ``False`` when only part of the problem text is pinned (the part the spec implies).
    exact: bool = True


POOL_FORM = "is not a user pool id of the form <region>_<id>"
LIST_TYPE = "expected a string, a comma-separated string or a list of strings, got "

BAD_VALUES: list[Bad] = [
    # user_pool_id
    Bad("pool-none", {"user_pool_id": None}, "user_pool_id", "is required", POOL_EXAMPLE),
    Bad("pool-empty", {"user_pool_id": ""}, "user_pool_id", "is required", POOL_EXAMPLE),
    Bad("pool-blank-items", {"user_pool_id": " , ,"}, "user_pool_id", "is required", POOL_EXAMPLE),
    Bad("pool-empty-list", {"user_pool_id": []}, "user_pool_id", "is required", POOL_EXAMPLE),
    Bad(
        "pool-region-only",
        {"user_pool_id": "us-east-1"},
        "user_pool_id",
        f"'us-east-1' {POOL_FORM}",
        POOL_EXAMPLE,
    ),
    Bad("pool-abc", {"user_pool_id": "abc"}, "user_pool_id", f"'abc' {POOL_FORM}", POOL_EXAMPLE),
    Bad(
        "pool-no-id",
        {"user_pool_id": "us-east-1_"},
        "user_pool_id",
        f"'us-east-1_' {POOL_FORM}",
        POOL_EXAMPLE,
    ),
    Bad(
        "pool-slash",
        {"user_pool_id": "us-east-1_Abc/123"},
        "user_pool_id",
        f"'us-east-1_Abc/123' {POOL_FORM}",
        POOL_EXAMPLE,
    ),
    Bad(
        "pool-56-chars",
        {"user_pool_id": "us-east-1_" + "a" * 46},
        "user_pool_id",
        f"{'us-east-1_' + 'a' * 46!r} {POOL_FORM}",
        POOL_EXAMPLE,
    ),
    Bad(
        "pool-second-bad",
        {"user_pool_id": f"{POOL}, nope"},
        "user_pool_id",
        f"'nope' {POOL_FORM}",
        POOL_EXAMPLE,
    ),
    Bad("pool-int", {"user_pool_id": 12345}, "user_pool_id", LIST_TYPE + "int", POOL_EXAMPLE),
    Bad(
        "pool-dict",
        {"user_pool_id": {"a": POOL}},
        "user_pool_id",
        LIST_TYPE + "dict",
        POOL_EXAMPLE,
    ),
    Bad(
        "pool-list-int",
        {"user_pool_id": [POOL, 5]},
        "user_pool_id",
        LIST_TYPE + "list",
        POOL_EXAMPLE,
    ),
    Bad("pool-set", {"user_pool_id": {POOL}}, "user_pool_id", LIST_TYPE + "set", POOL_EXAMPLE),
    Bad(
        "pool-bytes",
        {"user_pool_id": POOL.encode()},
        "user_pool_id",
        LIST_TYPE + "bytes",
        POOL_EXAMPLE,
    ),
    Bad(
        "pool-local",
        {"user_pool_id": "local_abc"},
        "user_pool_id",
        LOCAL_POOL_PROBLEM,
        POOL_EXAMPLE,
    ),
    Bad(
        "pool-bad-region",
        {"user_pool_id": "moon-base_Abc123"},
        "user_pool_id",
        "'moon-base' is not an AWS region; for a local emulator also set COGNITO_ISSUER",
        POOL_EXAMPLE,
    ),
    # AWS region names are ASCII; re's \d also matches other scripts' digits.
    Bad(
        "pool-non-ascii-region-digit",
        {"user_pool_id": "us-east-\u0661_Abc123"},
        "user_pool_id",
        POOL_FORM,
        POOL_EXAMPLE,
        exact=False,
    ),
    # region
    Bad(
        "region-mismatch",
        {"user_pool_id": POOL, "region": "eu-west-1"},
        "region",
        "'eu-west-1' does not match the region of user pool us-east-1_Abc123; "
        "leave it unset to derive it from the pool id",
        REGION_EXAMPLE,
    ),
    Bad("region-int", {"region": 1}, "region", "expected a string, got int", REGION_EXAMPLE),
    Bad(
        "region-list",
        {"region": ["us-east-1"]},
        "region",
        "expected a string, got list",
        REGION_EXAMPLE,
    ),
    # client_id
    Bad(
        "client-space",
        {"client_id": "has space"},
        "client_id",
        "'has space' is not an app client id",
        CLIENT_EXAMPLE,
    ),
    Bad(
        "client-129",
        {"client_id": "x" * 129},
        "client_id",
        f"{'x' * 129!r} is not an app client id",
        CLIENT_EXAMPLE,
    ),
    Bad(
        "client-second-bad",
        {"client_id": "good,bad-one"},
        "client_id",
        "'bad-one' is not an app client id",
        CLIENT_EXAMPLE,
    ),
    Bad("client-float", {"client_id": 5.5}, "client_id", LIST_TYPE + "float", CLIENT_EXAMPLE),
    Bad("client-dict", {"client_id": {}}, "client_id", LIST_TYPE + "dict", CLIENT_EXAMPLE),
    Bad(
        "client-list-int", {"client_id": ["a", 5]}, "client_id", LIST_TYPE + "list", CLIENT_EXAMPLE
    ),
    # token_use
    Bad(
        "token-use-refresh",
        {"token_use": "refresh"},
        "token_use",
        "expected one of 'id', 'access', 'any', got 'refresh'",
        "'id'",
    ),
    Bad(
        "token-use-none",
        {"token_use": None},
        "token_use",
        "expected one of 'id', 'access', 'any', got None",
        "'id'",
    ),
    Bad(
        "token-use-int",
        {"token_use": 1},
        "token_use",
        "expected one of 'id', 'access', 'any', got 1",
        "'id'",
    ),
    Bad(
        "token-use-list",
        {"token_use": ["id"]},
        "token_use",
        "expected one of 'id', 'access', 'any', got ['id']",
        "'id'",
    ),
    # leeway
    Bad(
        "leeway-negative", {"leeway": -1}, "leeway", "expected a number from 0 to 300, got -1", "5"
    ),
    Bad("leeway-301", {"leeway": 301}, "leeway", "expected a number from 0 to 300, got 301", "5"),
    Bad(
        "leeway-300.5",
        {"leeway": 300.5},
        "leeway",
        "expected a number from 0 to 300, got 300.5",
        "5",
    ),
    Bad(
        "leeway-str-301",
        {"leeway": "301"},
        "leeway",
        "expected a number from 0 to 300, got '301'",
        "5",
    ),
    Bad("leeway-abc", {"leeway": "abc"}, "leeway", "expected a number, got 'abc'", "5"),
    Bad("leeway-empty", {"leeway": ""}, "leeway", "expected a number, got ''", "5"),
    Bad("leeway-true", {"leeway": True}, "leeway", "expected a number, got True", "5"),
    Bad("leeway-false", {"leeway": False}, "leeway", "expected a number, got False", "5"),
    Bad("leeway-none", {"leeway": None}, "leeway", "expected a number, got None", "5"),
    Bad("leeway-nan", {"leeway": math.nan}, "leeway", "expected a number, got nan", "5"),
    Bad("leeway-inf", {"leeway": math.inf}, "leeway", "expected a number, got inf", "5"),
    Bad("leeway-minus-inf", {"leeway": -math.inf}, "leeway", "expected a number, got -inf", "5"),
    Bad("leeway-str-nan", {"leeway": "nan"}, "leeway", "expected a number, got 'nan'", "5"),
    Bad("leeway-list", {"leeway": [5]}, "leeway", "expected a number, got [5]", "5"),
    # An int too large for a float (e.g. FLASK_COGNITO_LEEWAY=1000...0, 400 digits, which
    # from_prefixed_env turns into an int) is a bad value like any other.
    Bad("leeway-huge-int", {"leeway": 10**400}, "leeway", "expected a number", "5", exact=False),
    # issuer_type
    Bad(
        "issuer-type-new",
        {"issuer_type": "new"},
        "issuer_type",
        "expected one of 'original', 'updated', 'both', got 'new'",
        "'original'",
    ),
    Bad(
        "issuer-type-none",
        {"issuer_type": None},
        "issuer_type",
        "expected one of 'original', 'updated', 'both', got None",
        "'original'",
    ),
    # additional_regions
    Bad(
        "replicas-not-a-region",
        {"additional_regions": "not a region"},
        "additional_regions",
        "'not a region' is not an AWS region",
        REGION_EXAMPLE,
    ),
    Bad(
        "replicas-second-bad",
        {"additional_regions": ["us-west-2", "mars-1"]},
        "additional_regions",
        "'mars-1' is not an AWS region",
        REGION_EXAMPLE,
    ),
    Bad(
        "replicas-int",
        {"additional_regions": 2},
        "additional_regions",
        LIST_TYPE + "int",
        "'us-west-2,eu-west-1'",
    ),
    Bad(
        "replicas-with-updated",
        {"additional_regions": "us-west-2", "issuer_type": "updated"},
        "additional_regions",
        REPLICAS_PROBLEM,
        REPLICAS_EXAMPLE,
    ),
    Bad(
        "replicas-with-issuer",
        {"additional_regions": "us-west-2", "issuer": LOCAL_ISSUER},
        "additional_regions",
        REPLICAS_PROBLEM,
        REPLICAS_EXAMPLE,
    ),
    # issuer
    Bad("issuer-int", {"issuer": 9229}, "issuer", "expected a string, got int", ISSUER_EXAMPLE),
    Bad(
        "issuer-ftp",
        {"issuer": "ftp://localhost/x"},
        "issuer",
        "'ftp://localhost/x' is not an http:// or https:// URL",
        ISSUER_EXAMPLE,
    ),
    Bad(
        "issuer-several-pools",
        {"user_pool_id": "us-east-1_Abc123,us-east-1_Def456", "issuer": LOCAL_ISSUER},
        "issuer",
        "an issuer override needs exactly one user pool",
        "'http://localhost:9229/local_abc' with the one pool 'local_abc'",
    ),
    # jwks_uri
    Bad("jwks-int", {"jwks_uri": 1}, "jwks_uri", "expected a string, got int", JWKS_EXAMPLE),
    Bad(
        "jwks-no-scheme",
        {"jwks_uri": "127.0.0.1/jwks.json"},
        "jwks_uri",
        "'127.0.0.1/jwks.json' is not an http:// or https:// URL",
        JWKS_EXAMPLE,
    ),
    Bad(
        "jwks-several-issuers",
        {"issuer_type": "both", "jwks_uri": "http://127.0.0.1/jwks.json"},
        "jwks_uri",
        JWKS_MANY_PROBLEM,
        JWKS_EXAMPLE,
    ),
    # user_id_claim
    Bad("claim-empty", {"user_id_claim": ""}, "user_id_claim", "must name a claim", CLAIM_EXAMPLE),
    Bad(
        "claim-none", {"user_id_claim": None}, "user_id_claim", "must name a claim", CLAIM_EXAMPLE
    ),
    # A blank claim name is no claim name: it must not become user_id_claim="".
    Bad("claim-blank", {"user_id_claim": "   "}, "user_id_claim", "", CLAIM_EXAMPLE, exact=False),
    Bad(
        "claim-int",
        {"user_id_claim": 7},
        "user_id_claim",
        "expected a string, got int",
        CLAIM_EXAMPLE,
    ),
]

CONFIG_KEYS = {
    "user_pool_id": "COGNITO_USER_POOL_ID",
    "region": "COGNITO_REGION",
    "client_id": "COGNITO_CLIENT_ID",
    "user_id_claim": "COGNITO_USER_ID_CLAIM",
    "token_use": "COGNITO_TOKEN_USE",
    "leeway": "COGNITO_LEEWAY",
    "issuer_type": "COGNITO_ISSUER_TYPE",
    "additional_regions": "COGNITO_ADDITIONAL_REGIONS",
    "issuer": "COGNITO_ISSUER",
    "jwks_uri": "COGNITO_JWKS_URI",
}


def check_refusal(error: CognitoConfigError, key: str, bad: Bad) -> None:
    assert error.key == key
    if bad.exact:
        assert error.problem == bad.problem
    else:
        assert bad.problem in error.problem
    assert error.example == bad.example
    assert str(error) == expected_message(key, error.problem, bad.example)
    assert str(error).startswith(f"{key}: ")
    assert error.problem in str(error)
    if bad.example is not None:
        assert f"for example {bad.example}" in str(error)
    else:
        assert "for example" not in str(error)


@pytest.mark.parametrize("bad", BAD_VALUES, ids=[bad.id for bad in BAD_VALUES])
def test_bad_value_names_the_argument(bad: Bad) -> None:
    kwargs = {"user_pool_id": POOL, **bad.kwargs}
    with pytest.raises(CognitoConfigError) as caught:
        build_auth_contract("cognito", **kwargs)

    check_refusal(caught.value, bad.argument, bad)


@pytest.mark.parametrize("bad", BAD_VALUES, ids=[bad.id for bad in BAD_VALUES])
def test_bad_value_names_the_config_key(bad: Bad) -> None:
    kwargs = {"user_pool_id": POOL, **bad.kwargs}
    config = {CONFIG_KEYS[argument]: value for argument, value in kwargs.items()}
    with pytest.raises(CognitoConfigError) as caught:
        AuthContract.from_config(config)

    key = CONFIG_KEYS[bad.argument]
    assert key.startswith("COGNITO_")
    check_refusal(caught.value, key, bad)
    assert caught.value.__cause__ is None


def test_config_keys_match_module_constants() -> None:
    assert CONFIG_KEYS == {
        "user_pool_id": keys.USER_POOL_ID,
        "region": keys.REGION,
        "client_id": keys.CLIENT_ID,
        "user_id_claim": keys.USER_ID_CLAIM,
        "token_use": keys.TOKEN_USE,
        "leeway": keys.LEEWAY,
        "issuer_type": keys.ISSUER_TYPE,
        "additional_regions": keys.ADDITIONAL_REGIONS,
        "issuer": keys.ISSUER,
        "jwks_uri": keys.JWKS_URI,
    }


@pytest.mark.parametrize("provider", ["auth0", "Cognito", "", "clerk"])
def test_unknown_provider_is_refused(provider: str) -> None:
    with pytest.raises(CognitoConfigError) as caught:
        build_auth_contract(provider, user_pool_id=POOL)

    assert caught.value.key == "provider"
    problem = f"only 'cognito' is supported, got {provider!r}"
    assert caught.value.problem == problem
    assert caught.value.example == "'cognito'"
    assert str(caught.value) == expected_message("provider", problem, "'cognito'")


def test_missing_pool_from_empty_config() -> None:
    with pytest.raises(CognitoConfigError) as caught:
        AuthContract.from_config({})

    assert caught.value.key == "COGNITO_USER_POOL_ID"
    assert caught.value.problem == "is required"
    assert str(caught.value) == (
        "COGNITO_USER_POOL_ID: is required (for example 'us-east-1_Abc123')"
    )


def test_pool_id_of_55_chars_is_accepted() -> None:
    pool = "us-east-1_" + "a" * 45
    assert len(pool) == 55

    assert build_auth_contract("cognito", user_pool_id=pool).user_pool_ids == (pool,)


# --------------------------------------------------------------------------------------------
# Accepted values of the other arguments
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token_use", "expected"),
    [("id", "id"), ("access", "access"), ("any", "any"), ("ACCESS", "access"), (" Any ", "any")],
)
def test_token_use(token_use: str, expected: str) -> None:
    contract = build_auth_contract("cognito", user_pool_id=POOL, token_use=token_use)

    assert contract.token_use == expected


@pytest.mark.parametrize(
    ("leeway", "expected"),
    [(0, 0.0), (5, 5.0), (2.5, 2.5), ("5", 5.0), (" 7 ", 7.0), ("0.5", 0.5), (300, 300.0)],
)
def test_leeway(leeway: Any, expected: float) -> None:
    contract = build_auth_contract("cognito", user_pool_id=POOL, leeway=leeway)

    assert contract.leeway == expected
    assert isinstance(contract.leeway, float)


@pytest.mark.parametrize(
    ("claim", "expected"),
    [("sub", "sub"), ("username", "username"), (" email ", "email"), ("custom:id", "custom:id")],
)
def test_user_id_claim(claim: str, expected: str) -> None:
    contract = build_auth_contract("cognito", user_pool_id=POOL, user_id_claim=claim)

    assert contract.user_id_claim == expected


def test_constants() -> None:
    assert TOKEN_USES == ("id", "access", "any")
    assert ISSUER_TYPES == ("original", "updated", "both")
    assert MAX_LEEWAY_SECONDS == 300


# --------------------------------------------------------------------------------------------
# AuthContract.from_config
# --------------------------------------------------------------------------------------------


def test_from_config_with_plain_dict() -> None:
    contract = AuthContract.from_config(
        {
            "COGNITO_USER_POOL_ID": "eu-west-1_Abc123",
            "COGNITO_REGION": "eu-west-1",
            "COGNITO_CLIENT_ID": ["a", "b"],
            "COGNITO_TOKEN_USE": "any",
            "COGNITO_USER_ID_CLAIM": "username",
            "COGNITO_LEEWAY": 30,
            "COGNITO_ISSUER_TYPE": "both",
            "COGNITO_ADDITIONAL_REGIONS": "eu-central-1",
            "COGNITO_JWKS_CACHE_TTL": 60,
            "UNRELATED": object(),
        }
    )

    pool = "eu-west-1_Abc123"
    assert contract == AuthContract(
        provider="cognito",
        trusted_issuers=(
            trusted(original("eu-west-1", pool), pool),
            trusted(original("eu-central-1", pool), pool),
            trusted(updated("eu-west-1", pool), pool),
        ),
        client_ids=("a", "b"),
        user_id_claim="username",
        token_use="any",
        leeway=30.0,
    )


def test_from_config_docstring_example() -> None:
    contract = AuthContract.from_config({"COGNITO_USER_POOL_ID": "eu-west-1_Abc123"})

    assert contract.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc123"


def test_from_config_absent_keys_take_defaults() -> None:
    contract = AuthContract.from_config({keys.USER_POOL_ID: POOL})

    assert contract == build_auth_contract(
        "cognito",
        user_pool_id=POOL,
        region=DEFAULTS[keys.REGION],
        client_id=DEFAULTS[keys.CLIENT_ID],
        user_id_claim=DEFAULTS[keys.USER_ID_CLAIM],
        token_use=DEFAULTS[keys.TOKEN_USE],
        leeway=DEFAULTS[keys.LEEWAY],
        issuer_type=DEFAULTS[keys.ISSUER_TYPE],
        additional_regions=DEFAULTS[keys.ADDITIONAL_REGIONS],
        issuer=DEFAULTS[keys.ISSUER],
        jwks_uri=DEFAULTS[keys.JWKS_URI],
    )
    assert contract.client_ids == ()
    assert contract.audience is None
    assert contract.token_use == "id"
    assert contract.user_id_claim == "sub"
    assert contract.leeway == 0.0
    assert contract.issuers == (original("us-east-1", POOL),)


def test_from_config_with_issuer_override() -> None:
    contract = AuthContract.from_config(
        {"COGNITO_USER_POOL_ID": "local_abc", "COGNITO_ISSUER": LOCAL_ISSUER}
    )

    assert contract.issuer == LOCAL_ISSUER
    assert contract.jwks_uri == f"{LOCAL_ISSUER}/.well-known/jwks.json"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith("FLASK_"):
            monkeypatch.delenv(name)
    return monkeypatch


def env_config(tmp_path: Path) -> Config:
    config = Config(str(tmp_path))
    assert config.from_prefixed_env() is True
    return config


def test_from_config_with_prefixed_env(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("FLASK_COGNITO_USER_POOL_ID", "eu-west-1_Abc123")
    clean_env.setenv("FLASK_COGNITO_CLIENT_ID", "a,b")
    clean_env.setenv("FLASK_COGNITO_LEEWAY", "5")
    clean_env.setenv("FLASK_COGNITO_TOKEN_USE", "access")
    config = env_config(tmp_path)

    assert config["COGNITO_CLIENT_ID"] == "a,b"
    assert config["COGNITO_LEEWAY"] == 5
    assert type(config["COGNITO_LEEWAY"]) is int
    assert "COGNITO_ISSUER_TYPE" not in config

    contract = AuthContract.from_config(config)

    assert contract.client_ids == ("a", "b")
    assert contract.audience == "a"
    assert contract.leeway == 5.0
    assert isinstance(contract.leeway, float)
    assert contract.token_use == "access"
    assert contract.user_id_claim == "sub"
    assert contract.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc123"
    assert contract.jwks_uri == (
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc123/.well-known/jwks.json"
    )


def test_from_prefixed_env_json_values(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_env.setenv("FLASK_COGNITO_USER_POOL_ID", '["us-east-1_Abc123", "eu-west-1_Def456"]')
    clean_env.setenv("FLASK_COGNITO_CLIENT_ID", '["a", "b"]')
    clean_env.setenv("FLASK_COGNITO_LEEWAY", "2.5")
    clean_env.setenv("FLASK_COGNITO_ISSUER_TYPE", "Both")
    contract = AuthContract.from_config(env_config(tmp_path))

    assert contract.client_ids == ("a", "b")
    assert contract.leeway == 2.5
    assert contract.user_pool_ids == ("us-east-1_Abc123", "eu-west-1_Def456")
    assert contract.issuers == (
        original("us-east-1", "us-east-1_Abc123"),
        updated("us-east-1", "us-east-1_Abc123"),
        original("eu-west-1", "eu-west-1_Def456"),
        updated("eu-west-1", "eu-west-1_Def456"),
    )


@pytest.mark.parametrize(
    ("name", "value", "key", "problem"),
    [
        (
            "FLASK_COGNITO_LEEWAY",
            "301",
            "COGNITO_LEEWAY",
            "expected a number from 0 to 300, got 301",
        ),
        ("FLASK_COGNITO_LEEWAY", "true", "COGNITO_LEEWAY", "expected a number, got True"),
        (
            "FLASK_COGNITO_TOKEN_USE",
            "refresh",
            "COGNITO_TOKEN_USE",
            "expected one of 'id', 'access', 'any', got 'refresh'",
        ),
        (
            "FLASK_COGNITO_CLIENT_ID",
            "has space",
            "COGNITO_CLIENT_ID",
            "'has space' is not an app client id",
        ),
        ("FLASK_COGNITO_REGION", "eu-west-1", "COGNITO_REGION", "'eu-west-1' does not match"),
        # FLASK_COGNITO_ISSUER= (set but empty) means "no override": the pool must then be AWS's.
        ("FLASK_COGNITO_ISSUER", "", "COGNITO_USER_POOL_ID", LOCAL_POOL_PROBLEM),
    ],
)
def test_prefixed_env_bad_values(
    clean_env: pytest.MonkeyPatch,
    tmp_path: Path,
    name: str,
    value: str,
    key: str,
    problem: str,
) -> None:
    pool = "local_abc" if name == "FLASK_COGNITO_ISSUER" else POOL
    clean_env.setenv("FLASK_COGNITO_USER_POOL_ID", pool)
    clean_env.setenv(name, value)
    config = env_config(tmp_path)

    with pytest.raises(CognitoConfigError) as caught:
        AuthContract.from_config(config)

    assert caught.value.key == key
    assert caught.value.problem.startswith(problem)
    assert str(caught.value).startswith(f"{key}: {problem}")


def test_defaults_mapping() -> None:
    assert dict(DEFAULTS) == {
        "COGNITO_USER_POOL_ID": None,
        "COGNITO_REGION": None,
        "COGNITO_CLIENT_ID": None,
        "COGNITO_TOKEN_USE": "id",
        "COGNITO_USER_ID_CLAIM": "sub",
        "COGNITO_LEEWAY": 0,
        "COGNITO_ISSUER_TYPE": "original",
        "COGNITO_ADDITIONAL_REGIONS": None,
        "COGNITO_ISSUER": None,
        "COGNITO_JWKS_URI": None,
        "COGNITO_JWKS_CACHE_TTL": 3600,
        "COGNITO_JWKS_TIMEOUT": 3.0,
        "COGNITO_JWKS_REFRESH_COOLDOWN": 10,
        "COGNITO_JWKS_MAX_BYTES": 262144,
        "COGNITO_TOKEN_CACHE_SIZE": 1024,
        "COGNITO_TOKEN_LOCATION": "headers",
        "COGNITO_HEADER_NAME": "Authorization",
        "COGNITO_HEADER_TYPE": "Bearer",
        "COGNITO_COOKIE_NAME": "id_token",
        "COGNITO_REALM": None,
    }


@pytest.mark.parametrize(
    ("config", "key", "expected"),
    [
        ({}, "COGNITO_LEEWAY", 0),
        ({}, "COGNITO_TOKEN_USE", "id"),
        ({}, "COGNITO_JWKS_TIMEOUT", 3.0),
        ({"COGNITO_LEEWAY": 9}, "COGNITO_LEEWAY", 9),
        ({"COGNITO_REGION": "us-east-1"}, "COGNITO_REGION", "us-east-1"),
    ],
)
def test_config_value(config: dict[str, Any], key: str, expected: object) -> None:
    assert config_value(config, key) == expected


def test_config_value_unknown_key() -> None:
    with pytest.raises(KeyError):
        config_value({}, "COGNITO_NOT_A_KEY")


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------


def test_properties_of_a_hand_built_contract() -> None:
    a1 = TrustedIssuer("https://a/1", "https://a/1/jwks", "us-east-1_A")
    a2 = TrustedIssuer("https://a/2", "https://a/2/jwks", "us-east-1_A")
    b1 = TrustedIssuer("https://b/1", "https://b/1/jwks", "eu-west-1_B")
    a3 = TrustedIssuer("https://a/3", "https://a/3/jwks", "us-east-1_A")
    contract = AuthContract(
        provider="cognito", trusted_issuers=(a1, a2, b1, a3), client_ids=("c1", "c2")
    )

    assert contract.issuer == "https://a/1"
    assert contract.issuers == ("https://a/1", "https://a/2", "https://b/1", "https://a/3")
    assert contract.jwks_uri == "https://a/1/jwks"
    assert contract.audience == "c1"
    assert contract.user_pool_ids == ("us-east-1_A", "eu-west-1_B")


def test_properties_of_a_built_contract() -> None:
    contract = build_auth_contract(
        "cognito",
        user_pool_id="eu-west-1_B2, us-east-1_A1, eu-west-1_B2",
        client_id="second,first",
        additional_regions="us-west-2",
    )

    assert contract.user_pool_ids == ("eu-west-1_B2", "us-east-1_A1")
    assert contract.issuers == (
        original("eu-west-1", "eu-west-1_B2"),
        original("us-west-2", "eu-west-1_B2"),
        original("us-east-1", "us-east-1_A1"),
        original("us-west-2", "us-east-1_A1"),
    )
    assert contract.issuer == original("eu-west-1", "eu-west-1_B2")
    assert contract.jwks_uri == jwks(original("eu-west-1", "eu-west-1_B2"))
    assert contract.audience == "second"
    assert contract.client_ids == ("second", "first")


# --------------------------------------------------------------------------------------------
# The config readers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ()),
        ("", ()),
        ("   ", ()),
        (",,", ()),
        ("a", ("a",)),
        ("a, b,,c", ("a", "b", "c")),
        (" a ,b ", ("a", "b")),
        ("a,a", ("a", "a")),
        (["a", " b ", ""], ("a", "b")),
        (("a", "b"), ("a", "b")),
        ([], ()),
        ((), ()),
    ],
)
def test_read_str_list(value: object, expected: tuple[str, ...]) -> None:
    assert read_str_list("COGNITO_X", value, example="'a,b'") == expected


@pytest.mark.parametrize(
    ("value", "type_name"),
    [
        (1, "int"),
        (1.5, "float"),
        (True, "bool"),
        ({"a": 1}, "dict"),
        ({"a"}, "set"),
        (b"a,b", "bytes"),
        (["a", 1], "list"),
        (("a", None), "tuple"),
        ([["a"]], "list"),
    ],
)
def test_read_str_list_bad_types(value: object, type_name: str) -> None:
    with pytest.raises(CognitoConfigError) as caught:
        read_str_list("COGNITO_X", value, example="'a,b'")

    problem = f"expected a string, a comma-separated string or a list of strings, got {type_name}"
    assert caught.value.key == "COGNITO_X"
    assert caught.value.problem == problem
    assert caught.value.example == "'a,b'"
    assert str(caught.value) == f"COGNITO_X: {problem} (for example 'a,b')"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("abc", "abc"), ("  abc  ", "abc"), ("a b", "a b")],
)
def test_read_optional_str(value: object, expected: str | None) -> None:
    assert read_optional_str("COGNITO_X", value, example="'x'") == expected


def test_read_optional_str_blank_is_not_an_empty_string() -> None:
    """Documented as "an optional non-empty string": a blank value must not come back as ""."""
    outcome: object
    try:
        outcome = read_optional_str("COGNITO_X", "   ", example="'x'")
    except CognitoConfigError as error:
        outcome = error.key
    assert outcome in (None, "COGNITO_X")


@pytest.mark.parametrize(
    ("value", "type_name"),
    [(1, "int"), (0, "int"), (False, "bool"), (["a"], "list"), ({}, "dict")],
)
def test_read_optional_str_bad_types(value: object, type_name: str) -> None:
    with pytest.raises(CognitoConfigError) as caught:
        read_optional_str("COGNITO_X", value, example="'x'")

    assert caught.value.key == "COGNITO_X"
    assert caught.value.problem == f"expected a string, got {type_name}"
    assert str(caught.value) == f"COGNITO_X: expected a string, got {type_name} (for example 'x')"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("id", "id"), ("ID", "id"), (" Access ", "access"), ("any", "any"), ("\tANY\n", "any")],
)
def test_read_choice(value: object, expected: str) -> None:
    assert read_choice("COGNITO_X", value, ("id", "access", "any")) == expected


def test_read_choice_with_a_set_of_choices() -> None:
    assert read_choice("COGNITO_X", "B", {"a", "b"}) == "b"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("refresh", "'refresh'"),
        ("", "''"),
        ("i d", "'i d'"),
        (None, "None"),
        (1, "1"),
        (True, "True"),
        (["id"], "['id']"),
    ],
)
def test_read_choice_refuses(value: object, shown: str) -> None:
    with pytest.raises(CognitoConfigError) as caught:
        read_choice("COGNITO_X", value, ("id", "access", "any"))

    problem = f"expected one of 'id', 'access', 'any', got {shown}"
    assert caught.value.key == "COGNITO_X"
    assert caught.value.problem == problem
    assert caught.value.example == "'id'"
    assert str(caught.value) == expected_message("COGNITO_X", problem, "'id'")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0.0),
        (5, 5.0),
        (5.5, 5.5),
        ("5", 5.0),
        (" 2.5 ", 2.5),
        ("1e1", 10.0),
        (10, 10.0),
        ("10", 10.0),
    ],
)
def test_read_number(value: object, expected: float) -> None:
    number = read_number("COGNITO_X", value, minimum=0, maximum=10, example="3")

    assert number == expected
    assert isinstance(number, float)


@pytest.mark.parametrize(("value", "expected"), [(3, 3.0), ("3", 3.0), (3.0, 3.0), ("4.0", 4.0)])
def test_read_number_integer(value: object, expected: float) -> None:
    assert (
        read_number("COGNITO_X", value, minimum=1, maximum=10, example="3", integer=True)
        == expected
    )


@pytest.mark.parametrize(
    ("value", "integer", "problem"),
    [
        (1.5, True, "expected a whole number, got 1.5"),
        ("1.5", True, "expected a whole number, got '1.5'"),
        (True, True, "expected a whole number, got True"),
        (True, False, "expected a number, got True"),
        (False, False, "expected a number, got False"),
        (None, False, "expected a number, got None"),
        ("abc", False, "expected a number, got 'abc'"),
        ("", False, "expected a number, got ''"),
        ([], False, "expected a number, got []"),
        (math.nan, False, "expected a number, got nan"),
        (math.inf, False, "expected a number, got inf"),
        ("inf", False, "expected a number, got 'inf'"),
        ("-inf", True, "expected a whole number, got '-inf'"),
        (11, False, "expected a number from 1 to 10, got 11"),
        (0, False, "expected a number from 1 to 10, got 0"),
        ("0.5", False, "expected a number from 1 to 10, got '0.5'"),
        (11, True, "expected a whole number from 1 to 10, got 11"),
        (-2, True, "expected a whole number from 1 to 10, got -2"),
    ],
)
def test_read_number_refuses(value: object, integer: bool, problem: str) -> None:
    with pytest.raises(CognitoConfigError) as caught:
        read_number("COGNITO_X", value, minimum=1, maximum=10, example="3", integer=integer)

    assert caught.value.key == "COGNITO_X"
    assert caught.value.problem == problem
    assert caught.value.example == "3"
    assert str(caught.value) == f"COGNITO_X: {problem} (for example 3)"


def test_read_number_range_message_formats_fractions() -> None:
    with pytest.raises(CognitoConfigError) as caught:
        read_number("COGNITO_X", 0.1, minimum=0.5, maximum=2.5, example="1")

    assert caught.value.problem == "expected a number from 0.5 to 2.5, got 0.1"


@pytest.mark.parametrize("value", [10**400, -(10**400)], ids=["huge", "minus-huge"])
def test_read_number_refuses_ints_too_large_for_a_float(value: int) -> None:
    with pytest.raises(CognitoConfigError) as caught:
        read_number("COGNITO_X", value, minimum=0, maximum=10, example="3")

    assert caught.value.key == "COGNITO_X"
    assert caught.value.problem.startswith("expected a number")


def test_config_error_without_example() -> None:
    error = CognitoConfigError("COGNITO_X", "is wrong")

    assert (error.key, error.problem, error.example) == ("COGNITO_X", "is wrong", None)
    assert str(error) == "COGNITO_X: is wrong"
    assert CognitoConfigError("COGNITO_X", "is wrong", "'y'").args == (
        "COGNITO_X: is wrong (for example 'y')",
    )


def test_a_numeric_client_id_from_the_environment_is_kept_as_its_digits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLASK_COGNITO_USER_POOL_ID", POOL)
    monkeypatch.setenv("FLASK_COGNITO_CLIENT_ID", "123456789")
    config = Config(".")
    config.from_prefixed_env()
    assert config["COGNITO_CLIENT_ID"] == 123456789  # what from_prefixed_env makes of it
    assert AuthContract.from_config(config).client_ids == ("123456789",)


@pytest.mark.parametrize("issuer_type", ["updated", "both"])
def test_an_issuer_type_with_an_issuer_override_is_refused(issuer_type: str) -> None:
    with pytest.raises(CognitoConfigError) as caught:
        build_auth_contract(
            "cognito", user_pool_id="local_abc", issuer=LOCAL_ISSUER, issuer_type=issuer_type
        )
    assert caught.value.key == "issuer_type"
    assert caught.value.problem == f"{issuer_type!r} has no effect with an issuer override " + (
        "(COGNITO_ISSUER)"
    )
