"""The revocation feature exactly: its defaults, denials, log lines, settings and refusals.

Pinned here: ``RevocationUnavailableError``'s message and ``Retry-After``; which claims are ids
(non-empty strings only); a denial's ids and end (``exp`` plus the leeway, 0.0 by default, or
now plus the TTL) and ``MissingClaimError("jti")``; the log line of a revocation (INFO, the
user's ``sub``) and of a store that fails (ERROR, with the exception); ``auth.revoke`` of any
token use; ``auth.sign_out_everywhere``'s signal and its timeout (GlobalSignOut's default
3.0 s, else ``COGNITO_JWKS_TIMEOUT``), against a real loopback stand-in for Cognito; and the
whole message of each refused ``COGNITO_REVOCATION_STORE`` and ``COGNITO_REVOCATION_TTL``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from conftest import START, FakeClock
from flask import Flask
from redis_helpers import auth_of, bearer, make_host
from test_revocation_config import feature_of, init
from test_revocation_exact_signout import (
    BODY,
    CONTENT_TYPE,
    SHORT,
    TARGET,
    CognitoStandIn,
)
from test_revocation_stores import RecordingStore

from flask_revstack_cognito import (
    CognitoConfigError,
    CognitoUser,
    MissingClaimError,
    token_revoked,
)
from flask_revstack_cognito.revocation import (
    GlobalSignOutError,
    MemoryRevocationStore,
    RevocationFeature,
    RevocationUnavailableError,
)
from flask_revstack_cognito.revocation.feature import denied_ids
from flask_revstack_cognito.testing import LocalUserPool

LOGGER = "flask_revstack_cognito"
SUB = "d4e5f6a7-0000-4000-8000-0000000000aa"
STORE_EXAMPLE = "(for example 'memory' or 'redis://localhost:6379/0')"


def user_of(claims: Mapping[str, Any]) -> CognitoUser:
    return CognitoUser.from_claims({"sub": SUB, **claims})


def feature(clock: FakeClock, **options: Any) -> RevocationFeature:
    return RevocationFeature(MemoryRevocationStore(clock=clock), ttl=600, clock=clock, **options)


# -- the error -----------------------------------------------------------------------------------


def test_the_unavailable_error_keeps_a_message_given_and_has_a_default() -> None:
    given = RevocationUnavailableError("the deny-list is being moved")
    default = RevocationUnavailableError()

    assert (given.message, str(given), given.retry_after) == (
        "the deny-list is being moved",
        "the deny-list is being moved",
        5,
    )
    assert (default.message, default.retry_after) == (
        "the revocation list could not be checked",
        5,
    )
    assert RevocationUnavailableError("later", retry_after=30).retry_after == 30
    assert (given.code, given.status) == ("NETWORK_ERROR", 503)


# -- which ids, until when -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claims", "ids"),
    [
        ({"jti": "token-1", "origin_jti": "sign-in-1"}, ("token-1", "sign-in-1")),
        ({"jti": 7, "origin_jti": "sign-in-1"}, ("sign-in-1",)),
        ({"jti": "token-1", "origin_jti": ["sign-in-1"]}, ("token-1",)),
        ({"jti": "", "origin_jti": "sign-in-1"}, ("sign-in-1",)),
        ({"jti": True, "origin_jti": ""}, ()),
        ({}, ()),
    ],
    ids=["both", "number-jti", "list-origin", "empty-jti", "nothing-usable", "none"],
)
def test_only_non_empty_strings_are_ids(claims: dict[str, Any], ids: tuple[str, ...]) -> None:
    assert denied_ids(claims) == ids


@pytest.mark.parametrize(
    ("claims", "question"),
    [
        ({"jti": "", "origin_jti": "sign-in-1"}, ("sign-in-1",)),
        ({"jti": "token-1", "origin_jti": 7}, ("token-1",)),
    ],
    ids=["empty-jti", "number-origin"],
)
def test_a_request_asks_the_store_about_the_tokens_usable_ids_only(
    live_pool: LocalUserPool, claims: dict[str, Any], question: tuple[str, ...]
) -> None:
    store = RecordingStore()
    client = make_host(live_pool, store).test_client()

    assert client.get("/me", headers=bearer(live_pool.id_token(**claims))).status_code == 200
    assert store.questions == [question]


def test_the_defaults_are_no_leeway_and_three_seconds_for_cognito(clock: FakeClock) -> None:
    made = feature(clock)

    assert (made.leeway, made.timeout) == (0.0, 3.0)
    assert made.denial(user_of({"jti": "token-1", "exp": START + 300})) == (
        ("token-1",),
        START + 300,
    )
    assert feature(clock, leeway=30).denial(user_of({"jti": "token-1", "exp": START + 300})) == (
        ("token-1",),
        START + 330,
    )


@pytest.mark.parametrize("origin", [5, "", ["sign-in-1"]], ids=["number", "empty", "list"])
def test_an_origin_jti_that_is_not_a_non_empty_string_is_not_the_sign_in(
    clock: FakeClock, origin: object
) -> None:
    user = user_of({"origin_jti": origin, "jti": "token-1", "exp": START + 300})

    assert feature(clock).denial(user) == (("token-1",), START + 300)


def test_a_sign_in_is_denied_for_the_ttl_from_now(clock: FakeClock) -> None:
    user = user_of({"origin_jti": "sign-in-1", "jti": "token-1", "exp": START + 300})
    assert feature(clock).denial(user) == (("sign-in-1",), START + 600)
    assert feature(clock).denial(user_of({"jti": "token-1"})) == (("token-1",), START + 600)


@pytest.mark.parametrize(
    "jti", [None, "", 7, ["token-1"]], ids=["absent", "empty", "number", "list"]
)
def test_a_token_without_a_usable_jti_cannot_be_denied(clock: FakeClock, jti: object) -> None:
    with pytest.raises(MissingClaimError) as refused:
        feature(clock).denial(user_of({"jti": jti, "exp": START + 300}))

    assert str(refused.value) == "claim not found in token: jti"
    assert refused.value.claim == "jti"


# -- log lines -----------------------------------------------------------------------------------


def test_a_revocation_logs_the_users_sub_at_info(
    live_pool: LocalUserPool, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_host(live_pool, "memory")
    with app.app_context(), caplog.at_level(logging.INFO, logger=LOGGER):
        caplog.clear()
        auth_of(app).revoke(user_of({"jti": "token-1"}))

    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        (LOGGER, logging.INFO, f"revoked the session of {SUB}")
    ]
    assert caplog.records[0].args == (SUB,)


def test_a_store_that_fails_unexpectedly_is_logged_with_its_exception(
    live_pool: LocalUserPool, caplog: pytest.LogCaptureFixture
) -> None:
    store = RecordingStore()
    store.fail = KeyError("bug in the store")
    client = make_host(live_pool, store).test_client()

    with caplog.at_level(logging.WARNING, logger=LOGGER):
        answer = client.get("/me", headers=bearer(live_pool.id_token()))

    assert answer.status_code == 503
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.ERROR, "the revocation store failed, refusing tokens")
    ]
    exc_info = caplog.records[0].exc_info
    assert exc_info is not None
    assert exc_info[0] is KeyError
    assert exc_info[1] is store.fail


# -- auth.revoke and auth.sign_out_everywhere ----------------------------------------------------


def test_revoking_a_token_string_accepts_any_token_use(live_pool: LocalUserPool) -> None:
    store = RecordingStore()
    app = make_host(live_pool, store, COGNITO_TOKEN_USE="id")  # requests need ID tokens
    with app.app_context():
        user = auth_of(app).revoke(live_pool.access_token(origin_jti="sign-in-1"))

    assert user.token_use == "access"
    assert list(store.denied) == ["sign-in-1"]


def test_a_revocation_ends_at_exp_plus_the_configured_leeway(live_pool: LocalUserPool) -> None:
    store = RecordingStore()
    app = make_host(live_pool, store, COGNITO_LEEWAY=30)
    with app.app_context():
        user = auth_of(app).revoke(live_pool.access_token(origin_jti=None, jti="machine-1"))

    assert store.denied == {"machine-1": user.claims["exp"] + 30.0}


def sign_out(app: Flask, access_token: str, endpoint: str) -> CognitoUser:
    with app.app_context():
        return auth_of(app).sign_out_everywhere(access_token, endpoint=endpoint)


def test_signing_out_everywhere_sends_the_signal_from_the_app_and_calls_cognito(
    live_pool: LocalUserPool,
) -> None:
    app = make_host(live_pool, "memory")
    sent: list[tuple[object, CognitoUser]] = []
    token = live_pool.access_token(origin_jti="sign-in-1")

    with (
        CognitoStandIn() as cognito,
        token_revoked.connected_to(lambda sender, user: sent.append((sender, user)), app),
    ):
        user = sign_out(app, token, cognito.url)

    assert sent == [(app, user)]
    assert [(received.method, received.headers) for received in cognito.received] == [
        ("POST", {"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET})
    ]
    assert cognito.received[0].body == BODY.replace(b"stand-in-access-token", token.encode())


def test_cognito_is_waited_for_no_longer_than_the_jwks_timeout(live_pool: LocalUserPool) -> None:
    app = make_host(live_pool, "memory", COGNITO_JWKS_TIMEOUT=SHORT)
    feature = app.extensions["revstack_cognito"].state(app).feature(RevocationFeature)
    assert feature.timeout == SHORT
    token = live_pool.access_token()

    with CognitoStandIn(hold=True) as cognito:
        with pytest.raises(GlobalSignOutError) as failed:
            sign_out(app, token, cognito.url)
        cognito.released.set()

    assert str(failed.value) == "Cognito's GlobalSignOut did not answer: ReadTimeout"
    assert app.test_client().get("/me", headers=bearer(token)).status_code == 401


# -- COGNITO_REVOCATION_STORE and COGNITO_REVOCATION_TTL -----------------------------------------


def refused_store(value: object) -> CognitoConfigError:
    with pytest.raises(CognitoConfigError) as refused:
        init(COGNITO_REVOCATION_STORE=value)
    assert refused.value.key == "COGNITO_REVOCATION_STORE"
    return refused.value


def test_a_url_of_another_scheme_is_named_by_its_first_scheme_only() -> None:
    refused = refused_store("memcached://:pw@cache:11211/?via=https://proxy")

    assert (
        refused.problem
        == "expected 'memory' or a redis:// or rediss:// URL, got a memcached:// URL"
    )
    assert str(refused) == f"COGNITO_REVOCATION_STORE: {refused.problem} {STORE_EXAMPLE}"


def test_a_redis_url_with_another_url_in_its_query_is_a_redis_store() -> None:
    made = feature_of(init(COGNITO_REVOCATION_STORE="redis://127.0.0.1:1/0?key_prefix=http://x/"))

    assert made is not None
    assert made.store.key_prefix == "http://x/"  # type: ignore[attr-defined]


def test_a_value_without_a_scheme_is_quoted_up_to_40_characters() -> None:
    refused = refused_store("m" * 39 + "XYZ")

    assert refused.problem == (
        "expected 'memory' or a redis:// or rediss:// URL, got '" + "m" * 39 + "X'"
    )


class OnlyRevoke:
    """Half a store: it can deny but not answer."""

    def revoke(self, keys: Sequence[str], until: float) -> None:
        """Forget the denial."""


class OnlyIsRevoked:
    """Half a store: it can answer but not deny."""

    is_revoked = staticmethod(lambda keys: False)
    revoke = "not callable"


@pytest.mark.parametrize("half", [OnlyRevoke(), OnlyIsRevoked()], ids=["revoke", "is-revoked"])
def test_an_object_needs_both_methods_to_be_a_store(half: object) -> None:
    refused = refused_store(half)

    assert refused.problem == (
        "expected 'memory', a redis:// URL, or an object with revoke(keys, until) and "
        f"is_revoked(keys), got {type(half).__name__}"
    )


def test_the_shortest_ttl_is_one_second() -> None:
    made = feature_of(init(COGNITO_REVOCATION_STORE="memory", COGNITO_REVOCATION_TTL=1))
    assert made is not None
    assert made.ttl == 1

    with pytest.raises(CognitoConfigError) as refused:
        init(COGNITO_REVOCATION_STORE="memory", COGNITO_REVOCATION_TTL=0.5)
    assert str(refused.value) == (
        "COGNITO_REVOCATION_TTL: expected a number from 1 to 3.1536e+08, got 0.5 "
        "(for example 2592000)"
    )
    assert refused.value.example == "2592000"
