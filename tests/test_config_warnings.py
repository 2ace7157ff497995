"""init_app warns about unknown COGNITO_* keys and names the env var of a missing one."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from flask_revstack_cognito import CognitoAuth, CognitoConfigError
from flask_revstack_cognito.config import DEFAULTS, known_keys
from flask_revstack_cognito.settings import warn_unknown_keys

POOL = "us-east-1_Abc123"


def warnings_at_init(caplog: pytest.LogCaptureFixture, **config: object) -> list[str]:
    app = Flask("warnings")
    app.config.update(COGNITO_CLIENT_ID="client1", **config)
    with caplog.at_level(logging.WARNING, logger="flask_revstack_cognito"):
        CognitoAuth().init_app(app)
    return [record.getMessage() for record in caplog.records]


@pytest.mark.parametrize(
    ("key", "meant"),
    [
        ("COGNITO_USERPOOL_ID", "'COGNITO_USER_POOL_ID'"),
        ("COGNITO_CLIENTID", "'COGNITO_CLIENT_ID'"),
        ("COGNITO_REGOIN", "'COGNITO_REGION'"),
        ("COGNITO_JWKS_TTL", "'COGNITO_JWKS_CACHE_TTL'"),
        ("COGNITO_COOKIE_SECURED", "'COGNITO_COOKIE_SECURE'"),
    ],
)
def test_a_misspelt_key_is_warned_about_with_the_key_it_meant(
    caplog: pytest.LogCaptureFixture, key: str, meant: str
) -> None:
    messages = warnings_at_init(caplog, COGNITO_USER_POOL_ID=POOL, **{key: "x"})
    assert messages == [f"{key} is not a Flask-Revstack-Cognito setting: did you mean {meant}?"]


def test_a_key_like_nothing_is_said_to_be_ignored(caplog: pytest.LogCaptureFixture) -> None:
    messages = warnings_at_init(caplog, COGNITO_USER_POOL_ID=POOL, COGNITO_XYZZY=1)
    assert messages == ["COGNITO_XYZZY is not a Flask-Revstack-Cognito setting: it is ignored"]


def test_known_and_foreign_keys_draw_no_warning(caplog: pytest.LogCaptureFixture) -> None:
    messages = warnings_at_init(
        caplog,
        COGNITO_USER_POOL_ID=POOL,
        COGNITO_LEEWAY=5,
        SECRET_KEY="s",
        MY_COGNITO_THING=1,
        cognito_lowercase=2,
    )
    assert messages == []


def test_no_key_the_package_reads_draws_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="flask_revstack_cognito"):
        warn_unknown_keys(dict.fromkeys(known_keys(), "x"))
    assert caplog.records == []


def test_every_unknown_key_is_named_in_order(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="flask_revstack_cognito"):
        config: dict[object, object] = {"COGNITO_CLIENTID": 1, "COGNITO_B": 2, 3: "not a str"}
        warn_unknown_keys(config)  # type: ignore[arg-type]
    assert [record.getMessage().split(" ")[0] for record in caplog.records] == [
        "COGNITO_B",
        "COGNITO_CLIENTID",
    ]


def test_known_keys_are_the_defaults_including_sections_11_to_13() -> None:
    assert known_keys() == frozenset(DEFAULTS)
    assert {"COGNITO_DOMAIN", "COGNITO_ALB_ARN", "COGNITO_REVOCATION_TTL"} <= known_keys()


@pytest.mark.parametrize("value", [None, "", " , ", []])
def test_a_missing_pool_names_its_environment_variable(value: object) -> None:
    app = Flask("missing")
    if value is not None:
        app.config["COGNITO_USER_POOL_ID"] = value
    with pytest.raises(CognitoConfigError) as caught:
        CognitoAuth().init_app(app)
    assert caught.value.key == "COGNITO_USER_POOL_ID"
    assert str(caught.value) == (
        "COGNITO_USER_POOL_ID: is required: set it in app.config, or "
        "FLASK_COGNITO_USER_POOL_ID in the environment (for example 'us-east-1_Abc123')"
    )


def test_a_misspelt_pool_key_is_warned_about_before_the_pool_is_required(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = Flask("misspelt")
    app.config["COGNITO_USERPOOL_ID"] = POOL
    with (
        caplog.at_level(logging.WARNING, logger="flask_revstack_cognito"),
        pytest.raises(CognitoConfigError),
    ):
        CognitoAuth().init_app(app)
    assert "did you mean 'COGNITO_USER_POOL_ID'?" in caplog.records[0].getMessage()
