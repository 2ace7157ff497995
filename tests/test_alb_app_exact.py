"""The ALB feature's exact words and settings: the refusals of ``COGNITO_ALB_*`` whole, and the
app settings (timeout, cooldown, client, leeway, user id claim, token cache) reaching the ALB
verifier and its key cache."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from alb_helpers import make_alb_app
from flask import Flask

from flask_revstack_cognito import CognitoAuth, CognitoConfigError, login_required, verify_request
from flask_revstack_cognito.alb import read_load_balancers
from flask_revstack_cognito.testing import (
    AlbKeyServer,
    LocalLoadBalancer,
    LocalUserPool,
    public_pem,
)

POOL = {"COGNITO_USER_POOL_ID": "us-east-1_Abc123"}
ARN = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/my-alb/50dc6c495c0c9188"
)
CN_ARN = ARN.replace("arn:aws:", "arn:aws-cn:").replace("us-east-1", "cn-north-1")
ARN_EXAMPLE = (
    "'arn:aws:elasticloadbalancing:us-east-1:123456789012:"
    "loadbalancer/app/my-alb/50dc6c495c0c9188'"
)
KEY_URL_EXAMPLE = "'https://public-keys.auth.elb.us-east-1.amazonaws.com'"


def refusal(**config: Any) -> CognitoConfigError:
    app = Flask("exact_app")
    app.config.update(POOL, **config)
    with pytest.raises(CognitoConfigError) as caught:
        CognitoAuth(app)
    return caught.value


def arn_refusal(arn: str, problem: str) -> str:
    return f"COGNITO_ALB_ARN: {arn!r} {problem} (for example {ARN_EXAMPLE})"


# -- the refusals of COGNITO_ALB_ARN and COGNITO_ALB_KEY_URL, whole ---------------------------


def test_an_arn_of_the_wrong_type_is_refused_with_an_example() -> None:
    assert str(refusal(COGNITO_ALB_ARN=42)) == (
        "COGNITO_ALB_ARN: expected a string, a comma-separated string or a list of strings, "
        f"got int (for example {ARN_EXAMPLE})"
    )


def test_a_key_url_of_the_wrong_type_is_refused_with_an_example() -> None:
    assert str(refusal(COGNITO_ALB_ARN=ARN, COGNITO_ALB_KEY_URL=5)) == (
        f"COGNITO_ALB_KEY_URL: expected a string, got int (for example {KEY_URL_EXAMPLE})"
    )


def test_china_s_missing_key_url_is_refused_whole() -> None:
    error = refusal(COGNITO_ALB_ARN=CN_ARN)
    assert (error.key, error.problem, error.example) == (
        "COGNITO_ALB_KEY_URL",
        "is required for a load balancer in the aws-cn partition: AWS documents no default "
        "key URL there",
        "'https://public-keys.auth.elb.cn-north-1.amazonaws.com.cn'",
    )
    assert str(error) == (
        "COGNITO_ALB_KEY_URL: is required for a load balancer in the aws-cn partition: AWS "
        "documents no default key URL there (for example "
        "'https://public-keys.auth.elb.cn-north-1.amazonaws.com.cn')"
    )


@pytest.mark.parametrize(
    ("arn", "problem"),
    [
        ("my-alb", "is not an ARN (arn:<partition>:elasticloadbalancing:<region>:...)"),
        (
            ARN.replace("arn:aws:", "arn:azure:"),
            "has the partition 'azure': expected one of aws, aws-cn, aws-us-gov",
        ),
        (
            "arn:aws:s3:::my-bucket",
            "is the ARN of another service ('s3'), not of a load balancer",
        ),
        (ARN.replace("us-east-1", "moon"), "has no AWS region ('moon')"),
        (
            ARN.replace("us-east-1", "us-gov-west-1"),
            "names the region 'us-gov-west-1', which is not in the aws partition",
        ),
        (ARN.replace("123456789012", "1234"), "has no 12-digit account id ('1234')"),
        (
            ARN.replace("/app/", "/net/"),
            "is not an Application Load Balancer (loadbalancer/app/<name>/<id>)",
        ),
        # A colon after the sixth field belongs to the resource (the ARN is split from the
        # left, at most five times): the ARN is judged by its resource, not as "not an ARN".
        (
            f"{ARN}:listener",
            "is not an Application Load Balancer (loadbalancer/app/<name>/<id>)",
        ),
        (
            ARN.replace("loadbalancer/", "loadbalancer:"),
            "is not an Application Load Balancer (loadbalancer/app/<name>/<id>)",
        ),
    ],
)
def test_a_wrong_arn_is_refused_whole(arn: str, problem: str) -> None:
    error = refusal(COGNITO_ALB_ARN=arn)
    assert str(error) == arn_refusal(arn, problem)


@pytest.mark.parametrize("url", ["https://", "https://example.com/keys?kid=1", "https://[::1"])
def test_a_key_url_that_is_not_a_url_is_refused_whole(url: str) -> None:
    error = refusal(COGNITO_ALB_ARN=ARN, COGNITO_ALB_KEY_URL=url)
    assert (error.key, error.problem, error.example) == (
        "COGNITO_ALB_KEY_URL",
        f"{url!r} is not a URL",
        KEY_URL_EXAMPLE,
    )
    problem = f"{url!r} is not a URL"
    assert str(error) == f"COGNITO_ALB_KEY_URL: {problem} (for example {KEY_URL_EXAMPLE})"


@pytest.mark.parametrize("url", ["http://keys.example.com", "ftp://127.0.0.1/keys"])
def test_a_key_url_that_is_not_https_is_refused_whole(url: str) -> None:
    error = refusal(COGNITO_ALB_ARN=ARN, COGNITO_ALB_KEY_URL=url)
    problem = f"{url!r} must be https:// (http:// only for a loopback test server)"
    assert (error.key, error.problem, error.example) == (
        "COGNITO_ALB_KEY_URL",
        problem,
        KEY_URL_EXAMPLE,
    )
    assert str(error) == f"COGNITO_ALB_KEY_URL: {problem} (for example {KEY_URL_EXAMPLE})"


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://keys.example.com/X/", "https://keys.example.com/X"),
        ("https://keys.example.com/alb-X", "https://keys.example.com/alb-X"),
        ("https://keys.example.com/alb//", "https://keys.example.com/alb"),
    ],
)
def test_only_the_trailing_slashes_of_a_key_url_are_dropped(url: str, kept: str) -> None:
    (balancer,) = read_load_balancers({"COGNITO_ALB_ARN": ARN, "COGNITO_ALB_KEY_URL": url})
    assert balancer.key_url == kept


# -- the app's settings reach the ALB verifier and its key cache ------------------------------


def app_behind(pool: LocalUserPool, alb: LocalLoadBalancer, **config: Any) -> Flask:
    return make_alb_app(**pool.config(), **alb.config(), **config)


def test_a_cross_site_post_is_judged_for_the_view_s_token_use(
    served_pool: LocalUserPool, alb: LocalLoadBalancer, key_server: AlbKeyServer
) -> None:
    # The plain path takes over, still needing an access token: an ID token does not do.
    app = app_behind(served_pool, alb)

    @app.post("/pay")
    @login_required(token_use="access")
    def pay() -> dict[str, str]:
        return {"paid": "yes"}

    headers = {
        **alb.headers(),
        "Sec-Fetch-Site": "cross-site",
        "Authorization": f"Bearer {served_pool.id_token()}",
    }
    answer = app.test_client().post("/pay", headers=headers)
    assert answer.status_code == 401
    assert answer.get_json() == {
        "code": "TOKEN_USE_MISMATCH",
        "message": "expected an access token, got an ID token",
    }
    headers["Authorization"] = f"Bearer {served_pool.access_token()}"
    assert app.test_client().post("/pay", headers=headers).get_json() == {"paid": "yes"}


def test_the_jwks_timeout_bounds_a_key_fetch(
    served_pool: LocalUserPool,
    alb: LocalLoadBalancer,
    key_server: AlbKeyServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The key comes, but after 1 s: longer than the 0.2 s allowed (the default is 3 s).
    key_server.fail_with(200, public_pem(alb.signing_key), delay=1.0)
    app = app_behind(served_pool, alb, COGNITO_JWKS_TIMEOUT=0.2)
    with caplog.at_level(logging.WARNING, logger="flask_revstack_cognito"):
        answer = app.test_client().get("/me", headers={"X-Amzn-Oidc-Data": alb.data_token()})
    assert answer.status_code == 503
    assert answer.get_json()["code"] == "NETWORK_ERROR"
    assert [record.getMessage() for record in caplog.records] == [
        f"ALB key fetch from {key_server.url} failed: timed out after 0.2 s"
    ]


def test_the_refresh_cooldown_is_the_retry_after_of_a_failed_key_fetch(
    served_pool: LocalUserPool, alb: LocalLoadBalancer, key_server: AlbKeyServer
) -> None:
    key_server.fail_with(500)
    app = app_behind(served_pool, alb, COGNITO_JWKS_REFRESH_COOLDOWN=60)
    answer = app.test_client().get("/me", headers={"X-Amzn-Oidc-Data": alb.data_token()})
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "60"


def test_a_data_token_for_another_client_is_refused(
    served_pool: LocalUserPool, alb: LocalLoadBalancer, key_server: AlbKeyServer
) -> None:
    app = app_behind(served_pool, alb)
    token = alb.data_token(header={"client": "another-app-client"})
    answer = app.test_client().get("/me", headers={"X-Amzn-Oidc-Data": token})
    assert answer.status_code == 401
    assert answer.get_json() == {
        "code": "AUDIENCE_MISMATCH",
        "message": "Audience validation failed",
    }


def test_the_leeway_applies_to_data_tokens(
    served_pool: LocalUserPool, alb: LocalLoadBalancer, key_server: AlbKeyServer
) -> None:
    app = app_behind(served_pool, alb, COGNITO_LEEWAY=300)
    client = app.test_client()
    late = alb.data_token(expires_in=-60)
    assert client.get("/me", headers={"X-Amzn-Oidc-Data": late}).status_code == 200
    too_late = alb.data_token(expires_in=-600)
    answer = client.get("/me", headers={"X-Amzn-Oidc-Data": too_late})
    assert answer.status_code == 401
    assert answer.get_json()["code"] == "TOKEN_EXPIRED"


def test_the_user_id_claim_applies_to_data_tokens(
    served_pool: LocalUserPool, alb: LocalLoadBalancer, key_server: AlbKeyServer
) -> None:
    app = app_behind(served_pool, alb, COGNITO_USER_ID_CLAIM="email")
    answer = app.test_client().get("/me", headers={"X-Amzn-Oidc-Data": alb.data_token()})
    assert answer.get_json()["user_id"] == "jane@example.com"


def users_of_two_requests(app: Flask, token: str) -> list[object]:
    users: list[object] = []

    @app.get("/who")
    def who() -> str:
        users.append(verify_request())  # the user itself, not the proxy
        return ""

    client = app.test_client()
    for _ in range(2):
        assert client.get("/who", headers={"X-Amzn-Oidc-Data": token}).status_code == 200
    return users


def test_the_app_keeps_verified_data_tokens_by_default(
    served_pool: LocalUserPool, alb: LocalLoadBalancer, key_server: AlbKeyServer
) -> None:
    first, second = users_of_two_requests(app_behind(served_pool, alb), alb.data_token())
    assert second is first  # the second request was a cache hit


def test_a_token_cache_size_of_zero_verifies_every_time(
    served_pool: LocalUserPool, alb: LocalLoadBalancer, key_server: AlbKeyServer
) -> None:
    app = app_behind(served_pool, alb, COGNITO_TOKEN_CACHE_SIZE=0)
    first, second = users_of_two_requests(app, alb.data_token())
    assert second is not first
