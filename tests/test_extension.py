"""The Flask extension (SPEC sections 2, 3 and 7): the app factory and its configuration.

Covers ``init_app``, ``get_extension``, configuration from ``app.config`` and the environment,
and the refusals and warnings of a bad or incomplete configuration.
"""

from __future__ import annotations

import gc
import logging
import weakref
from typing import Any

import pytest
from extension_helpers import CLIENT_A, POOL_A, bearer, json_body, make_app
from flask import Flask

from flask_revstack_cognito import (
    CognitoAuth,
    CognitoConfigError,
    JWKSUnavailableError,
    jwks_fetch_failed,
    jwks_refreshed,
)
from flask_revstack_cognito import config as keys
from flask_revstack_cognito.config import DEFAULTS
from flask_revstack_cognito.extension import EXTENSION_KEY, AppState, get_extension
from flask_revstack_cognito.jwks import JWKSFetchError, JWKSOptions
from flask_revstack_cognito.testing import LocalUserPool

# -- the app factory ----------------------------------------------------------------------------


def test_init_app_registers_the_extension_and_sets_every_default(pool_a: LocalUserPool) -> None:
    auth = CognitoAuth(fetcher=pool_a.fetcher)
    app = Flask("factory")
    app.config.update(pool_a.config(COGNITO_LEEWAY=7))
    assert repr(auth) == "<CognitoAuth apps=0>"

    auth.init_app(app)

    assert app.extensions[EXTENSION_KEY] is auth
    assert app.extensions["revstack_cognito"] is auth
    for key, default in DEFAULTS.items():
        assert key in app.config
        if key not in (keys.USER_POOL_ID, keys.CLIENT_ID, keys.LEEWAY):
            assert app.config[key] == default
    # setdefault: values the app set are kept
    assert app.config[keys.LEEWAY] == 7
    assert app.config[keys.USER_POOL_ID] == POOL_A
    assert repr(auth) == "<CognitoAuth apps=1>"
    assert "cognito" in app.cli.commands
    with app.app_context():
        assert auth.contract.issuer == pool_a.issuer
        assert auth.contract.client_ids == (CLIENT_A,)
        assert auth.contract.leeway == 7
        assert auth.verifier is auth.state().verifier
        assert auth.state() is auth.state(app)


def test_constructor_with_an_app_initialises_it(pool_a: LocalUserPool) -> None:
    app = make_app(**pool_a.config())
    auth = CognitoAuth(app, fetcher=pool_a.fetcher)

    assert app.extensions["revstack_cognito"] is auth
    with app.app_context():
        assert auth.contract.issuer == pool_a.issuer
        assert auth.verify(pool_a.id_token(sub="u-1")).user_id == "u-1"
    response = app.test_client().get("/me", headers=bearer(pool_a.id_token(sub="u-2")))
    assert response.status_code == 200
    assert json_body(response)["user_id"] == "u-2"


def test_init_app_twice_raises_a_helpful_runtime_error(pool_a: LocalUserPool) -> None:
    app = make_app(**pool_a.config())
    auth = CognitoAuth(app, fetcher=pool_a.fetcher)

    with pytest.raises(RuntimeError, match=r"already has a CognitoAuth") as info:
        auth.init_app(app)
    assert "init_app(app) once per app" in str(info.value)
    with pytest.raises(RuntimeError, match=r"already has a CognitoAuth"):
        CognitoAuth(app)
    with pytest.raises(RuntimeError, match=r"already has a CognitoAuth"):
        CognitoAuth().init_app(app)
    assert app.extensions["revstack_cognito"] is auth


def test_an_app_that_was_never_initialised_raises_naming_init_app(
    pool_a: LocalUserPool,
) -> None:
    auth = CognitoAuth(fetcher=pool_a.fetcher)
    initialised = make_app("initialised", **pool_a.config())
    auth.init_app(initialised)
    other = make_app("other", **pool_a.config())
    token = pool_a.id_token()

    with other.app_context():
        with pytest.raises(RuntimeError, match=r"init_app") as info:
            _ = auth.contract
        assert "'other'" in str(info.value)
        with pytest.raises(RuntimeError, match=r"init_app"):
            auth.verify(token)
        with pytest.raises(RuntimeError, match=r"init_app"):
            auth.validate(f"Bearer {token}")
        with pytest.raises(RuntimeError, match=r"init_app"):
            auth.prefetch()
        with pytest.raises(RuntimeError, match=r"init_app"):
            _ = CognitoAuth().contract
    with pytest.raises(RuntimeError, match=r"init_app"):
        auth.state(other)
    assert EXTENSION_KEY not in other.extensions


def test_get_extension_finds_the_registered_extension(pool_a: LocalUserPool) -> None:
    app = make_app(**pool_a.config())
    auth = CognitoAuth(app, fetcher=pool_a.fetcher)

    extension, state = get_extension(app)
    assert extension is auth
    assert isinstance(state, AppState)
    assert state is auth.state(app)
    with app.app_context():
        assert get_extension() == (auth, state)

    bare = Flask("bare")
    with pytest.raises(RuntimeError, match=r"not registered on the app 'bare'.*init_app"):
        get_extension(bare)
    bare.extensions[EXTENSION_KEY] = object()  # something else under the key
    with bare.app_context(), pytest.raises(RuntimeError, match=r"init_app"):
        get_extension()


def test_the_extension_never_stores_the_app(pool_a: LocalUserPool) -> None:
    auth = CognitoAuth(fetcher=pool_a.fetcher)
    app = make_app(**pool_a.config())
    auth.init_app(app)

    for name, value in vars(auth).items():
        assert not isinstance(value, Flask), name
        if isinstance(value, (list, tuple, set, dict)):
            assert not any(isinstance(item, Flask) for item in value), name
    assert isinstance(vars(auth)["_states"], weakref.WeakKeyDictionary)

    # Nothing the extension keeps holds the app alive.
    app_ref = weakref.ref(app)
    del app
    gc.collect()
    assert app_ref() is None
    assert repr(auth) == "<CognitoAuth apps=0>"


def test_no_signal_is_sent_for_an_app_that_was_collected(pool_a: LocalUserPool) -> None:
    fail = False

    def fetcher(url: str, *, timeout: float, max_bytes: int) -> bytes:
        if fail:
            raise JWKSFetchError("down")
        return pool_a.fetcher(url, timeout=timeout, max_bytes=max_bytes)

    auth = CognitoAuth(fetcher=fetcher)
    app = make_app(**pool_a.config())
    auth.init_app(app)
    verifier = auth.state(app).verifier
    del app
    gc.collect()

    refreshed: list[Any] = []
    failed: list[Any] = []

    def on_refreshed(sender: Any, **kwargs: Any) -> None:
        refreshed.append(sender)

    def on_failed(sender: Any, **kwargs: Any) -> None:
        failed.append(sender)

    with (
        jwks_refreshed.connected_to(on_refreshed),
        jwks_fetch_failed.connected_to(on_failed),
    ):
        assert verifier.prefetch() == {pool_a.issuer: (pool_a.kid,)}
        fail = True
        with pytest.raises(JWKSUnavailableError):
            verifier.prefetch()
    assert refreshed == []
    assert failed == []


# -- configuration ------------------------------------------------------------------------------


def test_config_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, pool_a: LocalUserPool
) -> None:
    monkeypatch.setenv("FLASK_COGNITO_USER_POOL_ID", POOL_A)
    monkeypatch.setenv("FLASK_COGNITO_CLIENT_ID", "a,b")
    monkeypatch.setenv("FLASK_COGNITO_LEEWAY", "5")
    monkeypatch.setenv("FLASK_COGNITO_JWKS_CACHE_TTL", "600")
    monkeypatch.setenv("FLASK_COGNITO_TOKEN_LOCATION", "headers,cookies")
    monkeypatch.setenv("FLASK_COGNITO_HEADER_TYPE", "")
    app = make_app("env_app")
    app.config.from_prefixed_env()
    assert app.config["COGNITO_HEADER_TYPE"] == ""
    assert app.config["COGNITO_LEEWAY"] == 5

    auth = CognitoAuth(app, fetcher=pool_a.fetcher)

    settings = auth.state(app).settings
    assert settings.contract.trusted_issuers[0].user_pool_id == POOL_A
    assert settings.contract.client_ids == ("a", "b")
    assert settings.contract.leeway == 5
    assert settings.jwks_options == JWKSOptions(
        ttl=600, timeout=3.0, refresh_cooldown=10, max_bytes=262144
    )
    assert settings.token_locations == ("headers", "cookies")
    assert settings.header_type == ""
    assert settings.header_name == "Authorization"
    assert settings.cookie_name == "id_token"
    assert settings.realm == "env_app"
    assert settings.token_cache_size == 1024
    with app.app_context():
        contract = auth.contract
    assert contract is settings.contract
    assert contract.issuer == f"https://cognito-idp.us-east-1.amazonaws.com/{POOL_A}"
    assert contract.jwks_uri == f"{contract.issuer}/.well-known/jwks.json"
    assert contract.audience == "a"
    assert contract.token_use == "id"

    client = app.test_client()
    token = pool_a.id_token(sub="env-user", aud="b")
    # COGNITO_HEADER_TYPE = "": the header holds the bare token
    response = client.get("/me", headers={"Authorization": token})
    assert response.status_code == 200
    assert json_body(response)["user_id"] == "env-user"
    # ... and "Bearer <jwt>" is then not a token at all
    response = client.get("/me", headers=bearer(token))
    assert response.status_code == 401
    assert json_body(response)["code"] == "INVALID_FORMAT"
    # cookies are the second location
    client.set_cookie("id_token", token)
    response = client.get("/me")
    assert response.status_code == 200
    # the client ids are checked
    response = client.get("/me", headers={"Authorization": pool_a.id_token()})
    assert json_body(response)["code"] == "AUDIENCE_MISMATCH"


def test_settings_normalise_the_token_locations(pool_a: LocalUserPool) -> None:
    app = make_app(
        **pool_a.config(
            COGNITO_TOKEN_LOCATION=["Cookies", "headers", "cookies"],
            COGNITO_COOKIE_NAME="jwt",
            COGNITO_HEADER_NAME="X-Token",
            COGNITO_HEADER_TYPE="JWT",
            COGNITO_REALM="orders-api",
            COGNITO_TOKEN_CACHE_SIZE=0,
        )
    )
    auth = CognitoAuth(app, fetcher=pool_a.fetcher)
    settings = auth.state(app).settings
    assert settings.token_locations == ("cookies", "headers")
    assert settings.cookie_name == "jwt"
    assert settings.header_name == "X-Token"
    assert settings.header_type == "JWT"
    assert settings.realm == "orders-api"
    assert settings.token_cache_size == 0

    client = app.test_client()
    token = pool_a.id_token(sub="hdr")
    response = client.get("/me", headers={"X-Token": f"jwt {token}"})
    assert response.status_code == 200
    assert client.get("/me", headers=bearer(token)).status_code == 401
    client.set_cookie("jwt", pool_a.id_token(sub="cookie"))
    assert json_body(client.get("/me"))["user_id"] == "cookie"


BAD_VALUES: list[tuple[str, dict[str, Any]]] = [
    (keys.USER_POOL_ID, {keys.USER_POOL_ID: None}),
    (keys.USER_POOL_ID, {keys.USER_POOL_ID: "not-a-pool"}),
    (keys.REGION, {keys.REGION: "eu-west-1"}),
    (keys.CLIENT_ID, {keys.CLIENT_ID: "bad client!"}),
    (keys.TOKEN_USE, {keys.TOKEN_USE: "refresh"}),
    (keys.USER_ID_CLAIM, {keys.USER_ID_CLAIM: ""}),
    (keys.USER_ID_CLAIM, {keys.USER_ID_CLAIM: "  "}),
    (keys.LEEWAY, {keys.LEEWAY: -1}),
    (keys.ISSUER_TYPE, {keys.ISSUER_TYPE: "x"}),
    (keys.ADDITIONAL_REGIONS, {keys.ADDITIONAL_REGIONS: "us-west-2", keys.ISSUER_TYPE: "updated"}),
    (keys.ISSUER, {keys.ISSUER: "ftp://x"}),
    (keys.JWKS_URI, {keys.JWKS_URI: "nope"}),
    (keys.JWKS_CACHE_TTL, {keys.JWKS_CACHE_TTL: 0}),
    (keys.JWKS_TIMEOUT, {keys.JWKS_TIMEOUT: 0}),
    (keys.JWKS_REFRESH_COOLDOWN, {keys.JWKS_REFRESH_COOLDOWN: -1}),
    (keys.JWKS_REFRESH_COOLDOWN, {keys.JWKS_REFRESH_COOLDOWN: 0}),  # a kid flood per request
    (keys.JWKS_MAX_BYTES, {keys.JWKS_MAX_BYTES: 10}),
    (keys.TOKEN_CACHE_SIZE, {keys.TOKEN_CACHE_SIZE: 1.5}),
    (keys.TOKEN_LOCATION, {keys.TOKEN_LOCATION: "query"}),
    (keys.TOKEN_LOCATION, {keys.TOKEN_LOCATION: ""}),
    (keys.TOKEN_LOCATION, {keys.TOKEN_LOCATION: 3}),
    (keys.HEADER_NAME, {keys.HEADER_NAME: ""}),
    (keys.HEADER_NAME, {keys.HEADER_NAME: "   "}),
    (keys.HEADER_TYPE, {keys.HEADER_TYPE: "Bearer x"}),
    (keys.COOKIE_NAME, {keys.COOKIE_NAME: ""}),
    (keys.COOKIE_NAME, {keys.COOKIE_NAME: "  "}),
    (keys.REALM, {keys.REALM: 5.5}),  # a whole number is taken as its digits
]


@pytest.mark.parametrize(
    ("key", "overrides"), BAD_VALUES, ids=[f"{key}={values}" for key, values in BAD_VALUES]
)
def test_a_bad_config_value_raises_naming_the_key(
    key: str, overrides: dict[str, Any], pool_a: LocalUserPool
) -> None:
    app = make_app(**pool_a.config())
    app.config.update(overrides)
    auth = CognitoAuth(fetcher=pool_a.fetcher)

    with pytest.raises(CognitoConfigError) as info:
        auth.init_app(app)

    assert info.value.key == key
    assert str(info.value).startswith(f"{key}: ")
    assert key in str(info.value)
    assert info.value.problem in str(info.value)
    assert info.value.example  # every refusal shows a right value
    assert f"(for example {info.value.example})" in str(info.value)
    assert EXTENSION_KEY not in app.extensions
    assert "cognito" not in app.cli.commands
    assert repr(auth) == "<CognitoAuth apps=0>"
    with pytest.raises(RuntimeError, match=r"init_app"):
        auth.state(app)


def test_a_failed_init_app_can_be_retried_once_the_config_is_fixed(
    pool_a: LocalUserPool,
) -> None:
    app = make_app(**pool_a.config(COGNITO_LEEWAY="soon"))
    auth = CognitoAuth(fetcher=pool_a.fetcher)
    with pytest.raises(CognitoConfigError, match=r"COGNITO_LEEWAY: expected a number"):
        auth.init_app(app)

    app.config[keys.LEEWAY] = "2"
    auth.init_app(app)
    assert app.extensions[EXTENSION_KEY] is auth
    assert auth.state(app).settings.contract.leeway == 2


def test_a_missing_client_id_logs_one_warning_at_init_app(
    caplog: pytest.LogCaptureFixture, pool_a: LocalUserPool
) -> None:
    caplog.set_level(logging.INFO, logger="flask_revstack_cognito")
    app = make_app(COGNITO_USER_POOL_ID=POOL_A)
    auth = CognitoAuth(fetcher=pool_a.fetcher)

    auth.init_app(app)

    def warnings() -> list[logging.LogRecord]:
        return [
            record
            for record in caplog.records
            if record.name == "flask_revstack_cognito" and record.levelno == logging.WARNING
        ]

    assert len(warnings()) == 1
    assert "COGNITO_CLIENT_ID is not set" in warnings()[0].getMessage()
    # Tokens of any client are then accepted, without further warnings.
    with app.app_context():
        assert auth.validate(pool_a.id_token(aud="someotherclient")).is_valid
        assert auth.validate(pool_a.id_token()).is_valid
    assert app.test_client().get("/me", headers=bearer(pool_a.id_token())).status_code == 200
    assert len(warnings()) == 1


def test_a_configured_client_id_logs_no_warning(
    caplog: pytest.LogCaptureFixture, pool_a: LocalUserPool
) -> None:
    caplog.set_level(logging.DEBUG, logger="flask_revstack_cognito")
    CognitoAuth(make_app(**pool_a.config()), fetcher=pool_a.fetcher)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
