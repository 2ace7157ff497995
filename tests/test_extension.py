"""The Flask extension (SPEC sections 2, 3, 5 and 7): ``CognitoAuth``, its config and signals.

Covers the app factory, one extension serving several apps, configuration from
``app.config`` and the environment, ``verify``/``validate``/``prefetch``, the JWKS being down,
the default error response and how an app replaces it.
"""

from __future__ import annotations

import gc
import logging
import socket
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from flask_revstack_cognito import (
    AudienceMismatchError,
    AuthSession,
    CognitoAuth,
    CognitoAuthError,
    CognitoConfigError,
    CognitoUser,
    InsufficientScopeError,
    InvalidSignatureError,
    IssuerMismatchError,
    JWKSUnavailableError,
    MalformedTokenError,
    TokenExpiredError,
    TokenUseMismatchError,
    UnknownKeyError,
    current_cognito_user,
    jwks_fetch_failed,
    jwks_refreshed,
    login_required,
    token_verified,
    verification_failed,
)
from flask_revstack_cognito import config as keys
from flask_revstack_cognito.config import DEFAULTS
from flask_revstack_cognito.extension import EXTENSION_KEY, AppState, get_extension
from flask_revstack_cognito.jwks import JWKSFetchError, JWKSOptions
from flask_revstack_cognito.testing import LocalUserPool

POOL_A = "us-east-1_PoolAaa1"
POOL_B = "eu-west-1_PoolBbb2"
CLIENT_A = "clientaaaa1234567890"
CLIENT_B = "clientbbbb1234567890"


# -- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def pool_a() -> LocalUserPool:
    return LocalUserPool(region="us-east-1", user_pool_id=POOL_A, client_id=CLIENT_A)


@pytest.fixture
def pool_b() -> LocalUserPool:
    return LocalUserPool(region="eu-west-1", user_pool_id=POOL_B, client_id=CLIENT_B)


def make_app(name: str = "test_app", **config: Any) -> Flask:
    """An app with ``config`` and two views: ``/me`` (login required) and ``/admin`` (group)."""
    app = Flask(name)
    app.config.update(config)
    app.config["TESTING"] = True

    @app.get("/me")
    @login_required
    def me() -> dict[str, Any]:
        user = current_cognito_user
        assert user is not None
        return {"user_id": user.user_id, "iss": user.issuer}

    @app.get("/admin")
    @login_required(groups=["admins"])
    def admin() -> dict[str, str]:
        return {"ok": "admin"}

    return app


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def json_body(response: TestResponse) -> dict[str, Any]:
    body = response.get_json()
    assert isinstance(body, dict)
    return body


def routing_fetcher(*pools: LocalUserPool) -> Callable[..., bytes]:
    """A fetcher answering each pool's JWKS URI from that pool (in process)."""

    def fetch(url: str, *, timeout: float, max_bytes: int) -> bytes:
        for pool in pools:
            if url == pool.jwks_uri:
                return pool.fetcher(url, timeout=timeout, max_bytes=max_bytes)
        raise JWKSFetchError(f"HTTP status 404 for {url}")

    return fetch


@contextmanager
def recording(signal: Any, sender: Any) -> Iterator[list[tuple[Any, dict[str, Any]]]]:
    """Record ``(sender, kwargs)`` of each ``signal`` sent by ``sender`` inside the block."""
    calls: list[tuple[Any, dict[str, Any]]] = []

    def receiver(sent_by: Any, **kwargs: Any) -> None:
        calls.append((sent_by, kwargs))

    with signal.connected_to(receiver, sender=sender):
        yield calls


def closed_port_url() -> str:
    """A loopback URL on which nothing listens."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/{POOL_A}/.well-known/jwks.json"


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


# -- one extension, two apps --------------------------------------------------------------------


def test_one_extension_serves_two_apps_with_their_own_pools(
    pool_a: LocalUserPool, pool_b: LocalUserPool
) -> None:
    auth = CognitoAuth(fetcher=routing_fetcher(pool_a, pool_b))
    app_a = make_app("app_a", **pool_a.config())
    app_b = make_app("app_b", **pool_b.config())
    auth.init_app(app_a)
    auth.init_app(app_b)
    assert repr(auth) == "<CognitoAuth apps=2>"

    token_a = pool_a.id_token(sub="alice")
    token_b = pool_b.id_token(sub="bob")

    with app_b.app_context():
        assert auth.contract.issuer == pool_b.issuer
        assert auth.verify(token_b).user_id == "bob"  # now in app_b's token cache
    with app_a.app_context():
        assert auth.contract.issuer == pool_a.issuer
        assert auth.verify(token_a).user_id == "alice"
        # The other pool's token names a kid app_a's JWKS does not hold (step 5).
        with pytest.raises(UnknownKeyError):
            auth.verify(token_b)
        # The other pool's token claiming app_a's kid: the signature decides (step 6).
        with pytest.raises(InvalidSignatureError):
            auth.verify(pool_b.id_token(header={"kid": pool_a.kid}))
        # Signed by app_a's own key but issued by the other pool (step 8).
        with pytest.raises(IssuerMismatchError):
            auth.verify(pool_a.id_token(iss=pool_b.issuer))
        assert auth.validate(token_b).error_code == "UNKNOWN_KEY"
    with app_b.app_context():
        with pytest.raises(UnknownKeyError):
            auth.verify(token_a)
        with pytest.raises(InvalidSignatureError):
            auth.verify(pool_a.id_token(header={"kid": pool_b.kid}))
        session = auth.validate(token_b)
        assert session.is_valid
        assert session.user_id == "bob"

    sources_a = auth.state(app_a).verifier.key_sources
    sources_b = auth.state(app_b).verifier.key_sources
    assert list(sources_a) == [pool_a.issuer]
    assert list(sources_b) == [pool_b.issuer]
    source_a = sources_a[pool_a.issuer]
    source_b = sources_b[pool_b.issuer]
    assert source_a is not source_b
    assert source_a.jwks_uri == pool_a.jwks_uri
    assert source_b.jwks_uri == pool_b.jwks_uri
    assert source_a.key_ids == (pool_a.kid,)
    assert source_b.key_ids == (pool_b.kid,)
    # One fetch each, from each app's own pool: the foreign kids are within the cooldown.
    assert source_a.fetch_count == 1
    assert source_b.fetch_count == 1
    assert pool_a.fetch_count == 1
    assert pool_b.fetch_count == 1


def test_two_apps_over_http_keep_their_keys_and_users_apart(
    pool_a: LocalUserPool, pool_b: LocalUserPool
) -> None:
    auth = CognitoAuth()
    with pool_a.serve() as server_a, pool_b.serve() as server_b:
        app_a = make_app("app_a", **pool_a.config())
        app_b = make_app("app_b", **pool_b.config())
        auth.init_app(app_a)
        auth.init_app(app_b)
        client_a = app_a.test_client()
        client_b = app_b.test_client()
        token_a = pool_a.id_token(sub="alice")
        token_b = pool_b.id_token(sub="bob")

        with (
            recording(jwks_refreshed, app_a) as refreshed_a,
            recording(jwks_refreshed, app_b) as refreshed_b,
        ):
            response = client_a.get("/me", headers=bearer(token_a))
            assert response.status_code == 200
            assert json_body(response) == {"user_id": "alice", "iss": pool_a.issuer}
            assert server_a.request_count == 1
            assert server_b.request_count == 0

            response = client_b.get("/me", headers=bearer(token_b))
            assert response.status_code == 200
            assert json_body(response) == {"user_id": "bob", "iss": pool_b.issuer}
            assert server_a.request_count == 1
            assert server_b.request_count == 1

            # Each app refuses the other's users.
            response = client_a.get("/me", headers=bearer(token_b))
            assert response.status_code == 401
            assert json_body(response)["code"] == "UNKNOWN_KEY"
            response = client_b.get("/me", headers=bearer(token_a))
            assert response.status_code == 401
            assert json_body(response)["code"] == "UNKNOWN_KEY"
            response = client_a.get(
                "/me", headers=bearer(pool_b.id_token(header={"kid": pool_a.kid}))
            )
            assert response.status_code == 401
            assert json_body(response)["code"] == "INVALID_SIGNATURE"

            # Still one fetch per server: the foreign kids fall within each cooldown.
            assert server_a.request_count == 1
            assert server_b.request_count == 1
        assert [(sender, kw["issuer"]) for sender, kw in refreshed_a] == [(app_a, pool_a.issuer)]
        assert [(sender, kw["issuer"]) for sender, kw in refreshed_b] == [(app_b, pool_b.issuer)]


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


# -- verify and validate ------------------------------------------------------------------------


@pytest.fixture
def app_a(pool_a: LocalUserPool) -> Flask:
    app = make_app("app_a", **pool_a.config())
    CognitoAuth(app, fetcher=pool_a.fetcher)
    return app


def auth_of(app: Flask) -> CognitoAuth:
    auth = app.extensions[EXTENSION_KEY]
    assert isinstance(auth, CognitoAuth)
    return auth


def test_verify_returns_the_user(app_a: Flask, pool_a: LocalUserPool) -> None:
    auth = auth_of(app_a)
    token = pool_a.id_token(sub="u-42", groups=["admins"], custom={"tenant": "acme"})
    with app_a.app_context():
        user = auth.verify(token)
        again = auth.verify(token)  # from the verified-token cache
    assert isinstance(user, CognitoUser)
    assert again is user
    assert user.user_id == "u-42"
    assert user.sub == "u-42"
    assert user.groups == ("admins",)
    assert user.custom == {"tenant": "acme"}
    assert user.client_id == CLIENT_A
    assert user.issuer == pool_a.issuer
    assert user.token_use == "id"


def test_verify_accepts_an_access_token_when_asked(app_a: Flask, pool_a: LocalUserPool) -> None:
    auth = auth_of(app_a)
    token = pool_a.access_token(sub="svc", scopes=["orders/read"])
    with app_a.app_context():
        user = auth.verify(token, token_use="access")
        assert user.scopes == ("orders/read",)
        assert auth.verify(token, token_use="any").user_id == "svc"
        assert auth.validate(f"Bearer {token}", token_use="access").is_valid
        session = auth.validate(f"Bearer {token}")
    assert session.error_code == "TOKEN_USE_MISMATCH"
    assert session.error == "expected an ID token, got an access token"


@pytest.mark.parametrize(
    ("make_token", "error_type", "code"),
    [
        (lambda p: p.id_token(expires_in=-60), TokenExpiredError, "TOKEN_EXPIRED"),
        (lambda p: p.id_token(aud="otherclient"), AudienceMismatchError, "AUDIENCE_MISMATCH"),
        (lambda p: p.access_token(), TokenUseMismatchError, "TOKEN_USE_MISMATCH"),
        (
            lambda p: p.id_token(iss="https://example.com/x"),
            IssuerMismatchError,
            "ISSUER_MISMATCH",
        ),
        (lambda p: p.id_token(header={"kid": "nope"}), UnknownKeyError, "UNKNOWN_KEY"),
        (lambda p: "not.a.jwt", MalformedTokenError, "INVALID_FORMAT"),
    ],
    ids=["expired", "audience", "token-use", "issuer", "kid", "malformed"],
)
def test_verify_raises_the_subclass_of_the_failed_check(
    app_a: Flask,
    pool_a: LocalUserPool,
    make_token: Callable[[LocalUserPool], str],
    error_type: type[CognitoAuthError],
    code: str,
) -> None:
    auth = auth_of(app_a)
    token = make_token(pool_a)
    with app_a.app_context():
        with pytest.raises(error_type) as info:
            auth.verify(token)
        assert type(info.value) is error_type
        assert info.value.code == code
        session = auth.validate(f"Bearer {token}")
    assert session == AuthSession(is_valid=False, error=info.value.message, error_code=code)


@pytest.mark.parametrize(
    "template",
    ["Bearer {}", "bearer {}", "BEARER {}", "BeArEr {}", "{}", "  Bearer   {}  ", " {} "],
)
def test_validate_accepts_every_form_of_the_header(
    template: str, app_a: Flask, pool_a: LocalUserPool
) -> None:
    auth = auth_of(app_a)
    token = pool_a.id_token(sub="u-7", email="u7@example.com")
    with app_a.app_context():
        session = auth.validate(template.format(token))
    assert isinstance(session, AuthSession)
    assert session.is_valid is True
    assert session.user_id == "u-7"
    assert session.claims["sub"] == "u-7"
    assert session.claims["email"] == "u7@example.com"
    assert isinstance(session.user, CognitoUser)
    assert session.user.user_id == "u-7"
    assert session.user.claims == session.claims
    assert session.error is None
    assert session.error_code is None


@pytest.mark.parametrize(
    "authorization",
    [None, "", "   ", "Bearer", "bearer ", "Bearer    ", "Basic abc", "Basic dXNlcjpwYXNz"],
)
def test_validate_without_a_token_is_missing_token(
    authorization: str | None, app_a: Flask
) -> None:
    auth = auth_of(app_a)
    with app_a.app_context():
        session = auth.validate(authorization)
    # "Basic abc" is another scheme: the code treats it as no bearer token at all.
    assert session == AuthSession(
        is_valid=False, error="missing bearer token", error_code="MISSING_TOKEN"
    )
    assert session.user is None
    assert session.user_id is None
    assert dict(session.claims) == {}


def test_validate_a_lone_word_is_taken_as_a_bare_token(app_a: Flask) -> None:
    auth = auth_of(app_a)
    with app_a.app_context():
        session = auth.validate("Basic")
    assert session.is_valid is False
    assert session.error_code == "INVALID_FORMAT"


def test_validate_an_expired_token(app_a: Flask, pool_a: LocalUserPool) -> None:
    auth = auth_of(app_a)
    with app_a.app_context():
        session = auth.validate(f"Bearer {pool_a.id_token(expires_in=-1)}")
    assert session.is_valid is False
    assert session.error_code == "TOKEN_EXPIRED"
    assert session.error == "token expired"
    assert session.user is None
    assert session.user_id is None


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer " + "a" * 1_000_000,
        "a" * 1_000_000,
        "Bearer " + "a." * 500_000,
        "Bearer a.b.c",
        "Bearer ...",
        "Bearer \x00\xff",
        "Bearer eyJhbGciOiJub25lIn0.e30.",
    ],
    ids=["1MB-bearer", "1MB-bare", "1MB-dots", "abc", "dots", "binary", "alg-none"],
)
def test_validate_never_raises(authorization: str, app_a: Flask) -> None:
    auth = auth_of(app_a)
    with app_a.app_context():
        session = auth.validate(authorization)
    assert session.is_valid is False
    assert session.error_code in ("INVALID_FORMAT", "UNSUPPORTED_ALGORITHM")
    assert session.user is None
    assert session.error is not None
    assert authorization.split()[-1] not in session.error


# -- prefetch and signals -----------------------------------------------------------------------


def test_prefetch_loads_the_keys_and_sends_jwks_refreshed(
    cognito_pool: LocalUserPool,
) -> None:
    server = cognito_pool.serve()
    app = make_app(**cognito_pool.config())
    other = make_app("other", **cognito_pool.config())
    auth = CognitoAuth()
    auth.init_app(app)
    auth.init_app(other)

    with (
        recording(jwks_refreshed, app) as refreshed,
        recording(jwks_refreshed, other) as refreshed_other,
        recording(jwks_fetch_failed, app) as failed,
        app.app_context(),
    ):
        assert auth.prefetch() == {cognito_pool.issuer: (cognito_pool.kid,)}

    assert server.request_count == 1
    assert len(refreshed) == 1
    sender, kwargs = refreshed[0]
    assert sender is app
    assert kwargs == {"issuer": cognito_pool.issuer, "key_ids": (cognito_pool.kid,)}
    assert refreshed_other == []
    assert failed == []

    # The first request needs no fetch.
    response = app.test_client().get("/me", headers=bearer(cognito_pool.id_token(sub="warm")))
    assert response.status_code == 200
    assert json_body(response)["user_id"] == "warm"
    assert server.request_count == 1


def test_prefetch_failure_sends_jwks_fetch_failed_and_raises(
    cognito_pool: LocalUserPool,
) -> None:
    server = cognito_pool.serve()
    app = make_app(**cognito_pool.config())
    auth = CognitoAuth(app)
    server.fail_with(500)

    with (
        recording(jwks_refreshed, app) as refreshed,
        recording(jwks_fetch_failed, app) as failed,
        app.app_context(),
        pytest.raises(JWKSUnavailableError) as info,
    ):
        auth.prefetch()

    assert info.value.code == "NETWORK_ERROR"
    assert info.value.status == 503
    assert server.request_count == 1
    assert refreshed == []
    assert len(failed) == 1
    sender, kwargs = failed[0]
    assert sender is app
    assert set(kwargs) == {"issuer", "error"}
    assert kwargs["issuer"] == cognito_pool.issuer
    assert isinstance(kwargs["error"], Exception)
    assert "500" in str(kwargs["error"])

    # Once the server is back, a prefetch (which ignores the cooldown) loads the keys.
    server.recover()
    with app.app_context():
        assert auth.prefetch() == {cognito_pool.issuer: (cognito_pool.kid,)}


# -- the JWKS being down ------------------------------------------------------------------------


def assert_network_error(response: TestResponse) -> None:
    assert response.status_code == 503
    assert response.mimetype == "application/json"
    assert json_body(response) == {"code": "NETWORK_ERROR", "message": "keys could not be fetched"}
    retry_after = response.headers.get("Retry-After")
    assert retry_after is not None
    assert retry_after.isdigit()
    assert int(retry_after) >= 1
    assert "WWW-Authenticate" not in response.headers


def test_a_failing_jwks_server_gives_503_with_retry_after(cognito_pool: LocalUserPool) -> None:
    server = cognito_pool.serve()
    server.fail_with(500)
    app = make_app(**cognito_pool.config())
    CognitoAuth(app)
    token = cognito_pool.id_token()

    with recording(jwks_fetch_failed, app) as failed:
        response = app.test_client().get("/me", headers=bearer(token))

    assert_network_error(response)
    assert token not in response.get_data(as_text=True)
    assert server.request_count == 1
    assert len(failed) == 1
    # Within the cooldown the next request does not hammer the server, and still fails closed.
    response = app.test_client().get("/admin", headers=bearer(token))
    assert_network_error(response)
    assert server.request_count == 1


def test_a_closed_port_gives_503_and_never_accepts_the_token(pool_a: LocalUserPool) -> None:
    app = make_app(**pool_a.config(COGNITO_JWKS_URI=closed_port_url(), COGNITO_JWKS_TIMEOUT=2))
    auth = CognitoAuth(app)
    token = pool_a.id_token()
    with recording(jwks_fetch_failed, app) as failed:
        response = app.test_client().get("/me", headers=bearer(token))
    assert_network_error(response)
    assert len(failed) == 1
    assert isinstance(failed[0][1]["error"], JWKSFetchError)
    with app.app_context():
        session = auth.validate(token)
    assert session.error_code == "NETWORK_ERROR"
    assert not session.is_valid


@pytest.mark.parametrize(
    ("status", "body"),
    [(200, b"<html>maintenance</html>"), (200, b'{"no": "keys"}'), (404, b"not found")],
)
def test_a_response_that_is_not_a_jwks_gives_503(
    status: int, body: bytes, cognito_pool: LocalUserPool
) -> None:
    cognito_pool.serve().fail_with(status, body)
    app = make_app(**cognito_pool.config())
    CognitoAuth(app)
    response = app.test_client().get("/me", headers=bearer(cognito_pool.id_token()))
    assert_network_error(response)


def test_a_stopped_jwks_server_gives_503(pool_a: LocalUserPool) -> None:
    with pool_a.serve():
        config = pool_a.config()
    app = make_app(**config)
    CognitoAuth(app)
    assert_network_error(app.test_client().get("/me", headers=bearer(pool_a.id_token())))


# -- error responses and the app's own handlers -------------------------------------------------


def test_the_default_error_response(app_a: Flask, pool_a: LocalUserPool) -> None:
    client = app_a.test_client()
    response = client.get("/me")
    assert response.status_code == 401
    assert json_body(response) == {"code": "MISSING_TOKEN", "message": "missing bearer token"}
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="app_a"'

    token = pool_a.id_token(expires_in=-5)
    response = client.get("/me", headers=bearer(token))
    assert response.status_code == 401
    assert json_body(response) == {"code": "TOKEN_EXPIRED", "message": "token expired"}
    assert response.headers["WWW-Authenticate"] == (
        'Bearer realm="app_a", error="invalid_token", error_description="token expired"'
    )
    assert token not in response.get_data(as_text=True)

    response = client.get("/admin", headers=bearer(pool_a.id_token(groups=["users"])))
    assert response.status_code == 403
    assert json_body(response)["code"] == "INSUFFICIENT_SCOPE"
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


def test_an_app_handler_registered_before_init_app_is_kept(pool_a: LocalUserPool) -> None:
    app = make_app(**pool_a.config())

    @app.errorhandler(CognitoAuthError)
    def handle(error: CognitoAuthError) -> tuple[dict[str, str], int]:
        return {"mine": error.code}, 418

    CognitoAuth(app, fetcher=pool_a.fetcher)
    assert app.error_handler_spec[None][None][CognitoAuthError] is handle

    response = app.test_client().get("/me")
    assert response.status_code == 418
    assert json_body(response) == {"mine": "MISSING_TOKEN"}
    assert "WWW-Authenticate" not in response.headers
    response = app.test_client().get("/admin", headers=bearer(pool_a.id_token()))
    assert response.status_code == 418
    assert json_body(response) == {"mine": "INSUFFICIENT_SCOPE"}


def test_an_app_handler_registered_after_init_app_replaces_the_default(
    app_a: Flask, pool_a: LocalUserPool
) -> None:
    @app_a.errorhandler(CognitoAuthError)
    def handle(error: CognitoAuthError) -> tuple[str, int]:
        return f"custom {error.code}", 400

    response = app_a.test_client().get("/me", headers=bearer(pool_a.id_token(expires_in=-1)))
    assert response.status_code == 400
    assert response.get_data(as_text=True) == "custom TOKEN_EXPIRED"


def test_a_subclass_handler_takes_over_only_that_subclass(
    app_a: Flask, pool_a: LocalUserPool
) -> None:
    @app_a.errorhandler(InsufficientScopeError)
    def handle(error: InsufficientScopeError) -> tuple[dict[str, Any], int]:
        return {"need": list(error.required_groups)}, 403

    client = app_a.test_client()
    response = client.get("/admin", headers=bearer(pool_a.id_token(groups=["users"])))
    assert response.status_code == 403
    assert json_body(response) == {"need": ["admins"]}
    assert "WWW-Authenticate" not in response.headers

    response = client.get("/admin")
    assert response.status_code == 401
    assert json_body(response)["code"] == "MISSING_TOKEN"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="app_a"'
    response = client.get("/admin", headers=bearer(pool_a.id_token(groups=["admins"])))
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("realm", "expected"),
    [(None, "my_api"), ("", "my_api"), ("Orders API", "Orders API"), ('a "b"', 'a \\"b\\"')],
)
def test_the_realm_in_www_authenticate(
    realm: str | None, expected: str, pool_a: LocalUserPool
) -> None:
    app = make_app("my_api", **pool_a.config(COGNITO_REALM=realm))
    auth = CognitoAuth(app, fetcher=pool_a.fetcher)
    assert app.name == "my_api"
    assert auth.state(app).settings.realm == expected.replace("\\", "")
    client = app.test_client()

    response = client.get("/me")
    assert response.headers["WWW-Authenticate"] == f'Bearer realm="{expected}"'
    response = client.get("/me", headers=bearer("a.b.c"))
    assert response.headers["WWW-Authenticate"].startswith(
        f'Bearer realm="{expected}", error="invalid_token"'
    )


def test_a_subclass_handler_registered_before_init_app_is_kept_for_that_subclass(
    pool_a: LocalUserPool,
) -> None:
    app = make_app(**pool_a.config())

    @app.errorhandler(InsufficientScopeError)
    def handle(error: InsufficientScopeError) -> tuple[str, int]:
        return "forbidden here", 403

    CognitoAuth(app, fetcher=pool_a.fetcher)
    client = app.test_client()
    response = client.get("/admin", headers=bearer(pool_a.id_token()))
    assert response.status_code == 403
    assert response.get_data(as_text=True) == "forbidden here"
    response = client.get("/admin")
    assert response.status_code == 401
    assert json_body(response)["code"] == "MISSING_TOKEN"


def test_request_signals_are_sent_with_the_app(app_a: Flask, pool_a: LocalUserPool) -> None:
    client = app_a.test_client()
    with (
        recording(token_verified, app_a) as verified,
        recording(verification_failed, app_a) as failed,
    ):
        assert client.get("/me", headers=bearer(pool_a.id_token(sub="sig"))).status_code == 200
        assert client.get("/me", headers=bearer(pool_a.id_token(expires_in=-1))).status_code == 401
    assert [(sender, kw["user"].user_id) for sender, kw in verified] == [(app_a, "sig")]
    assert len(failed) == 1
    assert failed[0][0] is app_a
    assert isinstance(failed[0][1]["error"], TokenExpiredError)


def test_a_numeric_realm_from_the_environment_is_kept_as_its_digits(
    pool_a: LocalUserPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_COGNITO_REALM", "2024")
    app = make_app(**pool_a.config())
    app.config.from_prefixed_env()
    assert app.config["COGNITO_REALM"] == 2024
    CognitoAuth(app, fetcher=pool_a.fetcher)
    response = app.test_client().get("/me")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="2024"'
