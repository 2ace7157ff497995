"""Bad contract values: ``build_auth_contract`` names the argument, ``from_config`` the key."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pytest
from contract_helpers import (
    ISSUER_EXAMPLE,
    JWKS_EXAMPLE,
    JWKS_MANY_PROBLEM,
    LOCAL_ISSUER,
    LOCAL_POOL_PROBLEM,
    POOL,
    POOL_EXAMPLE,
    REGION_EXAMPLE,
    REPLICAS_EXAMPLE,
    REPLICAS_PROBLEM,
    expected_message,
)

from flask_revstack_cognito import AuthContract, CognitoConfigError
from flask_revstack_cognito import config as keys
from flask_revstack_cognito.contract import build_auth_contract

CLIENT_EXAMPLE = "'1example23456789abcdefghij'"


CLAIM_EXAMPLE = "'sub' or 'username'"


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
