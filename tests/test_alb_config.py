"""``COGNITO_ALB_ARN`` and ``COGNITO_ALB_KEY_URL``: validated at ``init_app``, naming the key."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from flask_revstack_cognito import CognitoAuth, CognitoConfigError
from flask_revstack_cognito.alb import AlbFeature, default_key_url, read_load_balancers
from flask_revstack_cognito.appstate import get_extension

POOL = {"COGNITO_USER_POOL_ID": "us-east-1_Abc123"}
ARN = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/my-alb/50dc6c495c0c9188"
)
GOV_ARN = (
    "arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:"
    "loadbalancer/app/my-alb/50dc6c495c0c9188"
)
CN_ARN = (
    "arn:aws-cn:elasticloadbalancing:cn-north-1:123456789012:"
    "loadbalancer/app/my-alb/50dc6c495c0c9188"
)


def init(**config: Any) -> Flask:
    app = Flask("config_app")
    app.config.update(POOL, **config)
    CognitoAuth(app)
    return app


def refusal(**config: Any) -> CognitoConfigError:
    with pytest.raises(CognitoConfigError) as caught:
        init(**config)
    return caught.value


def key_urls(**config: Any) -> list[str]:
    return [balancer.key_url for balancer in read_load_balancers(config)]


@pytest.mark.parametrize(
    ("arn", "problem"),
    [
        ("arn:aws:s3:::my-bucket", "another service ('s3')"),
        ("arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Abc123", "cognito-idp"),
        (ARN.replace("arn:aws:", "arn:aws-eu:"), "partition 'aws-eu'"),
        (ARN.replace("arn:aws:", "arn:azure:"), "partition 'azure'"),
        (ARN.replace("/app/", "/net/"), "not an Application Load Balancer"),
        (ARN.replace("us-east-1", "us-gov-west-1"), "not in the aws partition"),
        (GOV_ARN.replace("us-gov-west-1", "us-east-1"), "not in the aws-us-gov partition"),
        (CN_ARN.replace("cn-north-1", "eu-west-1"), "not in the aws-cn partition"),
        (ARN.replace("us-east-1", "moon"), "no AWS region"),
        (ARN.replace("123456789012", "1234"), "12-digit account"),
        (ARN.replace("50dc6c495c0c9188", "xyz"), "not an Application Load Balancer"),
        (ARN.replace("my-alb", "-bad"), "not an Application Load Balancer"),
        ("my-alb", "is not an ARN"),
        ("arn:aws:elasticloadbalancing", "is not an ARN"),
    ],
)
def test_a_wrong_arn_names_the_key(arn: str, problem: str) -> None:
    error = refusal(COGNITO_ALB_ARN=arn)
    assert error.key == "COGNITO_ALB_ARN"
    assert problem in error.problem
    assert "loadbalancer/app/" in str(error.example)


def test_an_arn_of_the_wrong_type_names_the_key() -> None:
    assert refusal(COGNITO_ALB_ARN=42).key == "COGNITO_ALB_ARN"


@pytest.mark.parametrize(
    "url",
    [
        "http://public-keys.auth.elb.us-east-1.amazonaws.com",
        "ftp://example.com/keys",
        "http://10.0.0.5:8080",
        "public-keys.auth.elb.us-east-1.amazonaws.com",
        "https://",
        "https://example.com/keys?kid=1",
        "https://[::1",
    ],
)
def test_a_key_url_that_is_not_https_names_the_key(url: str) -> None:
    error = refusal(COGNITO_ALB_ARN=ARN, COGNITO_ALB_KEY_URL=url)
    assert error.key == "COGNITO_ALB_KEY_URL"


def test_a_key_url_of_the_wrong_type_names_the_key() -> None:
    assert refusal(COGNITO_ALB_ARN=ARN, COGNITO_ALB_KEY_URL=5).key == "COGNITO_ALB_KEY_URL"


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "http://localhost:9000/keys/", "http://[::1]:80"]
)
def test_http_is_allowed_for_loopback_only(url: str) -> None:
    assert key_urls(COGNITO_ALB_ARN=ARN, COGNITO_ALB_KEY_URL=url) == [url.rstrip("/")]


def test_the_default_key_url_is_the_region_s() -> None:
    eu = ARN.replace("us-east-1", "eu-west-1")
    assert key_urls(COGNITO_ALB_ARN=f"{ARN}, {eu}") == [
        "https://public-keys.auth.elb.us-east-1.amazonaws.com",
        "https://public-keys.auth.elb.eu-west-1.amazonaws.com",
    ]


def test_govcloud_keys_come_from_s3() -> None:
    east = GOV_ARN.replace("us-gov-west-1", "us-gov-east-1")
    assert key_urls(COGNITO_ALB_ARN=[GOV_ARN, east]) == [
        "https://s3-us-gov-west-1.amazonaws.com/aws-elb-public-keys-prod-us-gov-west-1",
        "https://s3-us-gov-east-1.amazonaws.com/aws-elb-public-keys-prod-us-gov-east-1",
    ]


def test_china_needs_an_explicit_key_url() -> None:
    error = refusal(COGNITO_ALB_ARN=CN_ARN)
    assert error.key == "COGNITO_ALB_KEY_URL"
    assert "aws-cn" in error.problem
    assert default_key_url("aws-cn", "cn-north-1") is None
    url = "https://public-keys.auth.elb.cn-north-1.amazonaws.com.cn"
    assert key_urls(COGNITO_ALB_ARN=CN_ARN, COGNITO_ALB_KEY_URL=url) == [url]


def test_a_key_url_serves_every_arn() -> None:
    eu = ARN.replace("us-east-1", "eu-west-1")
    url = "https://keys.example.com/alb"
    assert key_urls(COGNITO_ALB_ARN=[ARN, eu, ARN], COGNITO_ALB_KEY_URL=url) == [url, url]


def test_without_an_arn_there_is_no_feature() -> None:
    _, state = get_extension(init(COGNITO_ALB_KEY_URL="https://keys.example.com"))
    assert state.feature(AlbFeature) is None
    _, state = get_extension(init(COGNITO_ALB_ARN=" , "))
    assert state.feature(AlbFeature) is None


def test_an_arn_enables_the_feature_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLASK_COGNITO_ALB_ARN", ARN)
    app = Flask("env_app")
    app.config.update(POOL)
    app.config.from_prefixed_env()
    CognitoAuth(app)
    feature = get_extension(app)[1].feature(AlbFeature)
    assert feature is not None
    (balancer,) = feature.load_balancers
    assert (balancer.partition, balancer.region) == ("aws", "us-east-1")
