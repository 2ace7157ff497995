"""The auth contract (SPEC sections 2 and 3): the basic contract, its Region and several pools.

Covers ``build_auth_contract`` for one and several pools and client ids, ``TrustedIssuer``, and the
rule that building a contract is pure data.
"""

from __future__ import annotations

import dataclasses
import socket
from typing import Any

import pytest
from contract_helpers import (
    CLIENT,
    LOCAL_ISSUER,
    POOL,
    REGION_EXAMPLE,
    expected_message,
    jwks,
    original,
    trusted,
)

import flask_revstack_cognito
from flask_revstack_cognito import AuthContract, CognitoConfigError, TrustedIssuer
from flask_revstack_cognito import build_auth_contract as exported_build_auth_contract
from flask_revstack_cognito import config as keys
from flask_revstack_cognito.contract import build_auth_contract

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
