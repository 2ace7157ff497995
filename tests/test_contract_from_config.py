"""``AuthContract.from_config``: plain dicts, ``flask.Config`` from the environment, defaults.

Also the accepted values of the other arguments and the properties of a built contract.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from contract_helpers import (
    LOCAL_ISSUER,
    LOCAL_POOL_PROBLEM,
    POOL,
    jwks,
    original,
    trusted,
    updated,
)
from flask import Config

from flask_revstack_cognito import AuthContract, CognitoConfigError, TrustedIssuer
from flask_revstack_cognito import config as keys
from flask_revstack_cognito.config import DEFAULTS, config_value
from flask_revstack_cognito.contract import (
    ISSUER_TYPES,
    MAX_LEEWAY_SECONDS,
    TOKEN_USES,
    build_auth_contract,
)

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
        "COGNITO_NEW_REGIONS": None,
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
        "COGNITO_DOMAIN": None,
        "COGNITO_CLIENT_SECRET": None,
        "COGNITO_SCOPES": "openid email profile",
        "COGNITO_AUTH_URL_PREFIX": "/auth",
        "COGNITO_REDIRECT_URI": None,
        "COGNITO_LOGOUT_REDIRECT_URI": None,
        "COGNITO_ACCESS_COOKIE_NAME": "access_token",
        "COGNITO_REFRESH_COOKIE_NAME": "refresh_token",
        "COGNITO_COOKIE_SECURE": True,
        "COGNITO_COOKIE_SAMESITE": "Lax",
        "COGNITO_LOGIN_REDIRECT": True,
        "COGNITO_ALB_ARN": None,
        "COGNITO_ALB_KEY_URL": None,
        "COGNITO_REVOCATION_STORE": None,
        "COGNITO_REVOCATION_TTL": 2592000,
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


def test_a_numeric_client_id_from_the_environment_is_kept_as_its_digits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLASK_COGNITO_USER_POOL_ID", POOL)
    monkeypatch.setenv("FLASK_COGNITO_CLIENT_ID", "123456789")
    config = Config(".")
    config.from_prefixed_env()
    assert config["COGNITO_CLIENT_ID"] == 123456789  # what from_prefixed_env makes of it
    assert AuthContract.from_config(config).client_ids == ("123456789",)
