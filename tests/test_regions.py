"""A region typo fails at init_app with the nearest region; newer regions are allowed."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from flask_revstack_cognito import CognitoAuth, CognitoConfigError, build_auth_contract
from flask_revstack_cognito.regions import COGNITO_REGIONS, nearest_regions

NEW_REGIONS_HINT = "(a region newer than this package's list goes in COGNITO_NEW_REGIONS)"


def init(**config: Any) -> Flask:
    app = Flask("regions")
    app.config.update(COGNITO_CLIENT_ID="client1", **config)
    CognitoAuth().init_app(app)
    return app


def refusal(**config: Any) -> CognitoConfigError:
    with pytest.raises(CognitoConfigError) as caught:
        init(**config)
    return caught.value


def test_the_issue_s_typo_is_refused_at_init_app_with_the_nearest_regions() -> None:
    error = refusal(COGNITO_USER_POOL_ID="us-est-1_Abc123")
    assert error.key == "COGNITO_USER_POOL_ID"
    assert error.problem == (
        "'us-est-1' is not a region where Amazon Cognito serves user pools; "
        f"did you mean 'us-east-1' or 'us-west-1'? {NEW_REGIONS_HINT}"
    )
    assert str(error).startswith("COGNITO_USER_POOL_ID: 'us-est-1' is not a region")


def test_one_nearest_region_is_suggested_alone() -> None:
    error = refusal(COGNITO_USER_POOL_ID="eu-wset-1_Abc123")
    assert "; did you mean 'eu-west-1'? (a region" in error.problem


def test_a_region_like_nothing_known_gets_no_suggestion() -> None:
    error = refusal(COGNITO_USER_POOL_ID="xx-nowhere-9_Abc123")
    assert error.problem == (
        f"'xx-nowhere-9' is not a region where Amazon Cognito serves user pools {NEW_REGIONS_HINT}"
    )


def test_every_pool_is_checked() -> None:
    error = refusal(COGNITO_USER_POOL_ID="us-east-1_Abc123,eu-wset-1_Def456")
    assert error.key == "COGNITO_USER_POOL_ID"
    assert error.problem.startswith("'eu-wset-1' is not a region")


def test_the_region_key_agreeing_with_a_typo_pool_is_refused_too() -> None:
    error = refusal(COGNITO_USER_POOL_ID="us-est-1_Abc123", COGNITO_REGION="us-est-1")
    assert error.problem.startswith("'us-est-1' is not a region")


def test_a_region_key_typo_against_a_right_pool_is_a_mismatch() -> None:
    error = refusal(COGNITO_USER_POOL_ID="us-east-1_Abc123", COGNITO_REGION="us-est-1")
    assert error.key == "COGNITO_REGION"
    assert "does not match the region of user pool us-east-1_Abc123" in error.problem


def test_an_additional_region_typo_is_refused() -> None:
    error = refusal(
        COGNITO_USER_POOL_ID="us-east-1_Abc123", COGNITO_ADDITIONAL_REGIONS="us-west-2,eu-wst-1"
    )
    assert error.key == "COGNITO_ADDITIONAL_REGIONS"
    assert error.problem.startswith(
        "'eu-wst-1' is not a region where Amazon Cognito serves user pools; "
        "did you mean 'eu-west-1'?"
    )


@pytest.mark.parametrize(
    "region", ["us-east-1", "eu-west-1", "cn-north-1", "cn-northwest-1", "us-gov-west-1"]
)
def test_served_regions_pass(region: str) -> None:
    app = init(COGNITO_USER_POOL_ID=f"{region}_Abc123")
    assert app.extensions["revstack_cognito"] is not None


def test_new_regions_allow_a_region_newer_than_the_list() -> None:
    config = {"COGNITO_USER_POOL_ID": "xx-newplace-1_Abc123"}
    refusal(**config)
    app = init(**config, COGNITO_NEW_REGIONS="xx-newplace-1")
    with app.app_context():
        assert app.extensions["revstack_cognito"].contract.issuer == (
            "https://cognito-idp.xx-newplace-1.amazonaws.com/xx-newplace-1_Abc123"
        )


def test_new_regions_serve_replicas_too_and_take_part_in_suggestions() -> None:
    contract = build_auth_contract(
        "cognito",
        user_pool_id="us-east-1_Abc123",
        additional_regions=["xx-newplace-1"],
        new_regions="xx-newplace-1, xx-other-2",
    )
    assert len(contract.issuers) == 2
    with pytest.raises(CognitoConfigError) as caught:
        build_auth_contract(
            "cognito", user_pool_id="xx-newplace-2_Abc", new_regions=["xx-newplace-1"]
        )
    assert "did you mean 'xx-newplace-1'?" in caught.value.problem


@pytest.mark.parametrize("value", ["not a region", "US-EAST-9", "moon"])
def test_new_regions_must_be_region_names(value: str) -> None:
    error = refusal(COGNITO_USER_POOL_ID="us-east-1_Abc123", COGNITO_NEW_REGIONS=value)
    assert error.key == "COGNITO_NEW_REGIONS"
    assert error.problem == f"{value!r} is not an AWS region name"
    assert error.example == "'xx-newregion-1'"


def test_new_regions_of_a_wrong_type_are_refused() -> None:
    error = refusal(COGNITO_USER_POOL_ID="us-east-1_Abc123", COGNITO_NEW_REGIONS=5)
    assert error.key == "COGNITO_NEW_REGIONS"


def test_an_issuer_override_accepts_any_region() -> None:
    app = init(
        COGNITO_USER_POOL_ID="us-est-1_Abc123",
        COGNITO_ISSUER="http://127.0.0.1:9229/us-est-1_Abc123",
    )
    with app.app_context():
        assert app.extensions["revstack_cognito"].contract.issuer.startswith("http://127.0.0.1")


def test_the_list_holds_the_three_partitions() -> None:
    assert {"us-east-1", "ap-southeast-7", "mx-central-1", "ca-west-1"} <= COGNITO_REGIONS
    assert {"cn-north-1", "cn-northwest-1", "us-gov-east-1", "us-gov-west-1"} <= COGNITO_REGIONS
    assert all(region == region.strip().lower() for region in COGNITO_REGIONS)


def test_nearest_regions() -> None:
    assert nearest_regions("US-EAST-1") == ("us-east-1",)
    assert nearest_regions("eu-west-9") == ("eu-west-1", "eu-west-2", "eu-west-3")
    assert nearest_regions("moon-base") == ()
    assert nearest_regions("xx-new-2", ["xx-new-1"]) == ("xx-new-1",)
