"""CognitoUser: a read-only, typed view of a verified token's claims."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from flask_revstack_cognito import CognitoUser
from flask_revstack_cognito.testing import LocalUserPool
from flask_revstack_cognito.user import resolve_user_id_claim, username_claim

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_LocalPool1"


def id_claims(**changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "sub": "a1b2c3d4",
        "iss": ISSUER,
        "token_use": "id",
        "aud": "client1",
        "cognito:username": "jane",
        "email": "jane@example.com",
        "email_verified": True,
        "auth_time": 1_800_000_000,
        "iat": 1_800_000_010,
        "exp": 1_800_003_610,
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def access_claims(**changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "sub": "a1b2c3d4",
        "iss": ISSUER,
        "token_use": "access",
        "client_id": "client1",
        "username": "jane-access",
        "scope": "openid orders/read",
        "auth_time": 1_800_000_000,
        "iat": 1_800_000_010,
        "exp": 1_800_003_610,
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


@pytest.fixture
def fixed_pool() -> LocalUserPool:
    return LocalUserPool(clock=lambda: 1_800_000_000.0)


def test_from_the_claims_of_a_pool_token(fixed_pool: LocalUserPool) -> None:
    user = CognitoUser.from_claims(fixed_pool.claims("id", sub="user-1", groups=["admins"]))
    assert user.user_id == user.sub == "user-1"
    assert user.issuer == fixed_pool.issuer
    assert user.username == "jane"
    assert user.groups == ("admins",)
    assert user.client_id == fixed_pool.client_id
    assert user.email_verified is True


# -- identity ------------------------------------------------------------------------------------


def test_sub_and_user_id() -> None:
    user = CognitoUser.from_claims(id_claims())
    assert user.sub == "a1b2c3d4"
    assert user.user_id == "a1b2c3d4"


def test_sub_absent() -> None:
    user = CognitoUser.from_claims(id_claims(sub=None), "cognito:username")
    assert user.sub is None
    assert user.user_id == "jane"


def test_user_id_claim_username_follows_the_token_type() -> None:
    assert CognitoUser.from_claims(id_claims(), "username").user_id == "jane"
    assert CognitoUser.from_claims(access_claims(), "username").user_id == "jane-access"


def test_user_id_of_a_custom_claim() -> None:
    user = CognitoUser.from_claims(id_claims(**{"custom:tenant": "acme"}), "custom:tenant")
    assert user.user_id == "acme"


def test_user_id_claim_absent_is_empty() -> None:
    assert CognitoUser.from_claims(id_claims(sub=None)).user_id == ""


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        pytest.param(id_claims(), "jane", id="id-token-cognito-username"),
        pytest.param(access_claims(), "jane-access", id="access-token-username"),
        pytest.param(
            id_claims(**{"cognito:username": None}, username="x"),
            None,
            id="id-token-no-cognito-username",
        ),
        pytest.param(
            access_claims(username=None, **{"cognito:username": "x"}),
            None,
            id="access-token-no-username",
        ),
        pytest.param(id_claims(**{"cognito:username": 5}), None, id="not-a-string"),
    ],
)
def test_username(claims: dict[str, Any], expected: str | None) -> None:
    assert CognitoUser.from_claims(claims).username == expected


def test_username_claim_helpers() -> None:
    assert username_claim("id") == "cognito:username"
    assert username_claim("access") == "username"
    assert username_claim(None) == "username"
    assert resolve_user_id_claim("username", "id") == "cognito:username"
    assert resolve_user_id_claim("username", "access") == "username"
    assert resolve_user_id_claim("sub", "id") == "sub"


def test_email() -> None:
    assert CognitoUser.from_claims(id_claims()).email == "jane@example.com"
    assert CognitoUser.from_claims(access_claims()).email is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(True, True, id="True"),
        pytest.param("true", True, id="string-true"),
        pytest.param("True", True, id="string-True"),
        pytest.param("TRUE", True, id="string-TRUE"),
        pytest.param(False, False, id="False"),
        pytest.param("false", False, id="string-false"),
        pytest.param("False", False, id="string-False"),
        pytest.param(None, False, id="absent"),
        pytest.param("yes", False, id="string-yes"),
        pytest.param("", False, id="empty-string"),
        pytest.param(1, False, id="number-1"),
        pytest.param(["true"], False, id="list"),
    ],
)
def test_email_verified(value: object, expected: bool) -> None:
    user = CognitoUser.from_claims(id_claims(email_verified=value))
    assert user.email_verified is expected


# -- groups, scopes, token type, client ----------------------------------------------------------


def test_groups() -> None:
    user = CognitoUser.from_claims(id_claims(**{"cognito:groups": ["admins", "staff"]}))
    assert user.groups == ("admins", "staff")
    assert isinstance(user.groups, tuple)
    assert CognitoUser.from_claims(id_claims()).groups == ()


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        pytest.param("openid orders/read", ("openid", "orders/read"), id="two"),
        pytest.param("openid", ("openid",), id="one"),
        pytest.param("  openid   profile ", ("openid", "profile"), id="extra-spaces"),
        pytest.param("", (), id="empty"),
        pytest.param(None, (), id="absent"),
    ],
)
def test_scopes(scope: str | None, expected: tuple[str, ...]) -> None:
    user = CognitoUser.from_claims(access_claims(scope=scope))
    assert user.scopes == expected
    assert isinstance(user.scopes, tuple)


def test_token_use() -> None:
    assert CognitoUser.from_claims(id_claims()).token_use == "id"
    assert CognitoUser.from_claims(access_claims()).token_use == "access"
    assert CognitoUser.from_claims(id_claims(token_use=None)).token_use == ""


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        pytest.param(id_claims(), "client1", id="id-aud"),
        pytest.param(id_claims(client_id="other"), "client1", id="id-aud-not-client_id"),
        pytest.param(id_claims(aud=["client1", "client2"]), "client1", id="id-aud-list"),
        pytest.param(id_claims(aud=[]), None, id="id-empty-aud-list"),
        pytest.param(id_claims(aud=None), None, id="id-no-aud"),
        pytest.param(access_claims(), "client1", id="access-client_id"),
        pytest.param(access_claims(aud="other"), "client1", id="access-client_id-not-aud"),
        pytest.param(access_claims(client_id=None), None, id="access-no-client_id"),
    ],
)
def test_client_id(claims: dict[str, Any], expected: str | None) -> None:
    assert CognitoUser.from_claims(claims).client_id == expected


def test_custom_attributes_without_prefix() -> None:
    user = CognitoUser.from_claims(
        id_claims(**{"custom:tenant": "acme", "custom:plan": "pro", "custom:": "empty-name"})
    )
    assert dict(user.custom) == {"tenant": "acme", "plan": "pro", "": "empty-name"}
    assert CognitoUser.from_claims(id_claims()).custom == {}


def test_custom_is_read_only() -> None:
    user = CognitoUser.from_claims(id_claims(**{"custom:tenant": "acme"}))
    with pytest.raises(TypeError):
        user.custom["tenant"] = "evil"  # type: ignore[index]
    assert user.custom["tenant"] == "acme"


def test_issuer() -> None:
    assert CognitoUser.from_claims(id_claims()).issuer == ISSUER
    assert CognitoUser.from_claims(id_claims(iss=None)).issuer == ""


# -- claims are read-only ------------------------------------------------------------------------


def test_claims_hold_every_claim() -> None:
    claims = id_claims(**{"custom:tenant": "acme", "origin_jti": "j1"})
    assert dict(CognitoUser.from_claims(claims).claims) == claims


def test_claims_are_read_only() -> None:
    user = CognitoUser.from_claims(id_claims())
    with pytest.raises(TypeError):
        user.claims["sub"] = "admin"  # type: ignore[index]
    with pytest.raises(TypeError):
        del user.claims["sub"]  # type: ignore[attr-defined]
    assert user.claims["sub"] == "a1b2c3d4"


def test_claims_are_a_copy_of_the_input() -> None:
    claims = id_claims()
    user = CognitoUser.from_claims(claims)
    claims["sub"] = "admin"
    claims["cognito:groups"] = ["admins"]
    assert user.sub == "a1b2c3d4"
    assert user.groups == ()


def test_user_attributes_cannot_be_reassigned() -> None:
    user = CognitoUser.from_claims(id_claims())
    with pytest.raises(dataclasses.FrozenInstanceError):
        user.user_id = "admin"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        user.claims = {"sub": "admin"}  # type: ignore[misc]


# -- times ---------------------------------------------------------------------------------------


def test_times_are_aware_utc_datetimes() -> None:
    user = CognitoUser.from_claims(id_claims())
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    assert user.auth_time == epoch + timedelta(seconds=1_800_000_000)
    assert user.issued_at == epoch + timedelta(seconds=1_800_000_010)
    assert user.expires_at == epoch + timedelta(seconds=1_800_003_610)
    for value in (user.auth_time, user.issued_at, user.expires_at):
        assert value is not None
        assert value.tzinfo is not None
        assert value.utcoffset() == timedelta(0)


def test_fractional_times() -> None:
    user = CognitoUser.from_claims(id_claims(exp=1_800_003_610.5))
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    assert user.expires_at == epoch + timedelta(seconds=1_800_003_610, microseconds=500_000)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(None, id="absent"),
        pytest.param("1800000000", id="string"),
        pytest.param(True, id="bool"),
        pytest.param([1], id="list"),
    ],
)
def test_times_absent_or_not_numbers_are_none(value: object) -> None:
    user = CognitoUser.from_claims(id_claims(auth_time=value, iat=value, exp=value))
    assert user.auth_time is None
    assert user.issued_at is None
    assert user.expires_at is None


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(1e12, id="year-33658"),
        pytest.param(1e20, id="1e20"),
        pytest.param(253_402_300_800, id="year-10000"),
        pytest.param(-1e12, id="far-past"),
    ],
)
def test_times_beyond_datetime_range_do_not_raise(value: float) -> None:
    # These are finite numbers: the parser accepts them, and a token far in the future verifies.
    user = CognitoUser.from_claims(id_claims(auth_time=value, exp=value))
    for result in (user.auth_time, user.expires_at):
        assert result is None or isinstance(result, datetime)


# -- repr ----------------------------------------------------------------------------------------


def test_repr_shows_the_user_id_but_no_claim_values() -> None:
    user = CognitoUser.from_claims(id_claims(**{"custom:ssn": "123-45-6789"}))
    text = repr(user)
    assert text == "<CognitoUser 'a1b2c3d4' token_use='id'>"
    assert "jane@example.com" not in text
    assert "example.com" not in text
    assert "123-45-6789" not in text
    assert "jane" not in text


def test_nested_claims_are_deeply_read_only() -> None:
    """One user object serves every request with the same token: no view may change it."""
    identities = [{"providerName": "Google", "userId": "123"}]
    claims = {
        "sub": "s",
        "token_use": "id",
        "cognito:groups": ["readers"],
        "identities": identities,
    }
    user = CognitoUser.from_claims(claims)

    assert user.claims["cognito:groups"] == ("readers",)
    with pytest.raises(AttributeError):
        user.claims["cognito:groups"].append("admins")
    nested = user.claims["identities"][0]
    mutations: tuple[Callable[[], object], ...] = (
        lambda: nested.__setitem__("userId", "x"),
        lambda: nested.__delitem__("userId"),
        lambda: nested.update(userId="x"),
        lambda: nested.pop("userId"),
        lambda: nested.popitem(),
        lambda: nested.setdefault("other", 1),
        lambda: nested.clear(),
    )
    for mutate in mutations:
        with pytest.raises(TypeError, match="read-only"):
            mutate()
    with pytest.raises(TypeError):
        nested |= {"userId": "x"}
    assert user.groups == ("readers",)
    assert identities == [{"providerName": "Google", "userId": "123"}]  # the input is untouched


def test_frozen_claims_still_serialise_as_json() -> None:
    user = CognitoUser.from_claims(
        {"sub": "s", "aud": ["a", "b"], "identities": [{"providerName": "Google"}]}
    )
    assert json.loads(json.dumps(dict(user.claims))) == {
        "sub": "s",
        "aud": ["a", "b"],
        "identities": [{"providerName": "Google"}],
    }
