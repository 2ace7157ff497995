"""The auth contract's issuers (SPEC section 3): issuer types, replica Regions and overrides.

Covers ``COGNITO_ISSUER_TYPE``, ``COGNITO_ADDITIONAL_REGIONS``, the ``COGNITO_ISSUER`` and
``COGNITO_JWKS_URI`` overrides and the combinations that are refused.
"""

from __future__ import annotations

from typing import Any

import pytest
from contract_helpers import (
    CLIENT,
    ISSUER_EXAMPLE,
    JWKS_EXAMPLE,
    JWKS_MANY_PROBLEM,
    LOCAL_ISSUER,
    LOCAL_POOL_PROBLEM,
    POOL,
    POOL_EXAMPLE,
    REPLICAS_EXAMPLE,
    REPLICAS_PROBLEM,
    expected_message,
    jwks,
    original,
    trusted,
    updated,
)

from flask_revstack_cognito import CognitoConfigError, TrustedIssuer
from flask_revstack_cognito.contract import build_auth_contract

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
# The config readers
# --------------------------------------------------------------------------------------------


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
