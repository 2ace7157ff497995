"""One loopback rule (hosts.py) for every setting that allows ``http://`` on this machine only."""

from __future__ import annotations

import pytest
from flask import Flask

from example_app import create_app
from flask_revstack_cognito import CognitoAuth, CognitoConfigError
from flask_revstack_cognito.alb import read_load_balancers
from flask_revstack_cognito.appstate import get_extension
from flask_revstack_cognito.hosts import is_loopback_host
from flask_revstack_cognito.signin import SignInFeature
from flask_revstack_cognito.testing import LocalUserPool

ARN = (
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/my-alb/50dc6c495c0c9188"
)

LOOPBACK = [
    "127.0.0.1",
    "127.0.0.2",
    "127.255.255.254",
    "::1",
    "0:0:0:0:0:0:0:1",
    "::1%lo",
    "localhost",
    "LOCALHOST",
    "app.localhost",
    "a.b.localhost",
]
NOT_LOOPBACK = [
    None,
    "",
    "10.0.0.1",
    "128.0.0.1",
    "0.0.0.0",  # noqa: S104  (a string under test, never bound)
    "::",
    "::2",
    "::ffff:127.0.0.1",  # IPv4-mapped: refused on every Python
    "127.1",  # a shortened IPv4 form the resolver would accept, never the rule
    "0177.0.0.1",
    "localhost.example.com",
    "localhostx",
    "notlocalhost",
    "localhost.",
    ".localhost",
    "app..localhost",
    "[::1]",
    "example.com",
]
# Hosts written in a URL (IPv6 in brackets): each with whether it is loopback.
URL_HOSTS = [
    ("127.0.0.2", True),
    ("app.localhost", True),
    ("[::1]", True),
    ("10.0.0.1", False),
    ("[::ffff:127.0.0.1]", False),
    ("localhost.example.com", False),
    ("app..localhost", False),
]


@pytest.mark.parametrize("host", LOOPBACK)
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host) is True


@pytest.mark.parametrize("host", NOT_LOOPBACK)
def test_hosts_that_are_not_loopback(host: str | None) -> None:
    assert is_loopback_host(host) is False


@pytest.mark.parametrize(("host", "loopback"), URL_HOSTS)
def test_the_alb_key_url_may_be_http_on_loopback_only(host: str, loopback: bool) -> None:
    url = f"http://{host}:8080/keys"
    config = {"COGNITO_ALB_ARN": ARN, "COGNITO_ALB_KEY_URL": url}
    if loopback:
        assert [balancer.key_url for balancer in read_load_balancers(config)] == [url]
    else:
        with pytest.raises(CognitoConfigError) as caught:
            read_load_balancers(config)
        assert caught.value.key == "COGNITO_ALB_KEY_URL"


@pytest.mark.parametrize(("host", "loopback"), URL_HOSTS)
def test_the_sign_in_domain_may_be_http_on_loopback_only(host: str, loopback: bool) -> None:
    app = Flask("hosts_app")
    app.config.update(
        SECRET_KEY="s3cret-key-for-tests",
        COGNITO_USER_POOL_ID="us-east-1_Hosts01",
        COGNITO_CLIENT_ID="hostsclient123456789",
        COGNITO_DOMAIN=f"http://{host}:9229",
    )
    if loopback:
        CognitoAuth(app)
        feature = get_extension(app)[1].feature(SignInFeature)
        assert feature is not None
        assert feature.settings.loopback is True
    else:
        with pytest.raises(CognitoConfigError) as caught:
            CognitoAuth(app)
        assert caught.value.key == "COGNITO_DOMAIN"


@pytest.mark.parametrize(("host", "loopback"), URL_HOSTS)
def test_the_demo_lists_its_users_for_a_pool_on_loopback_only(
    cognito_pool: LocalUserPool, monkeypatch: pytest.MonkeyPatch, host: str, loopback: bool
) -> None:
    for key, value in cognito_pool.config().items():
        monkeypatch.setenv(f"FLASK_{key}", value)
    app = create_app(
        {
            "EXAMPLE_COGNITO_ENDPOINT": f"http://{host}:9229/",
            "EXAMPLE_DEMO_USERS": [
                {"username": "dora", "password": "Pw-0123456789!", "groups": []},
            ],
        }
    )

    page = app.test_client().get("/").get_data(as_text=True)

    assert ('id="demo-users"' in page) is loopback
    assert ("badge-local" in page) is loopback
