"""check_requirements: groups and scopes a view requires (SPEC section 4, step 12)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from flask_revstack_cognito import (
    CognitoAuthError,
    CognitoUser,
    InsufficientScopeError,
    check_requirements,
)


def make_user(groups: Sequence[str] | None = None, scope: str | None = None) -> CognitoUser:
    claims: dict[str, Any] = {"sub": "user-1", "token_use": "access", "client_id": "client1"}
    if groups is not None:
        claims["cognito:groups"] = list(groups)
    if scope is not None:
        claims["scope"] = scope
    return CognitoUser.from_claims(claims)


def refused(user: CognitoUser, missing: str, **requirements: Any) -> InsufficientScopeError:
    with pytest.raises(InsufficientScopeError) as info:
        check_requirements(user, **requirements)
    error = info.value
    assert isinstance(error, CognitoAuthError)
    assert error.code == "INSUFFICIENT_SCOPE"
    assert error.status == 403
    assert error.missing == missing
    assert error.message == f"lacks a required {missing}"
    return error


def test_no_requirements_pass() -> None:
    check_requirements(make_user())
    check_requirements(make_user(), groups=[], scopes=[])


# -- groups --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("held", "required"),
    [
        pytest.param(["admins"], ["admins"], id="the-one"),
        pytest.param(["staff"], ["admins", "staff"], id="second-of-two"),
        pytest.param(["admins", "staff"], ["staff"], id="one-of-held"),
        pytest.param(["a", "b", "c"], ["x", "c", "y"], id="any-match"),
    ],
)
def test_groups_are_any_of(held: list[str], required: list[str]) -> None:
    check_requirements(make_user(groups=held), groups=required)


@pytest.mark.parametrize(
    ("held", "required"),
    [
        pytest.param(None, ["admins"], id="no-groups-claim"),
        pytest.param([], ["admins"], id="empty-groups"),
        pytest.param(["staff"], ["admins"], id="other-group"),
        pytest.param(["Admins"], ["admins"], id="case-sensitive"),
        pytest.param(["admin"], ["admins"], id="prefix-not-enough"),
        pytest.param(["staff", "users"], ["admins", "ops"], id="none-of-two"),
    ],
)
def test_groups_missing_are_refused(held: list[str] | None, required: list[str]) -> None:
    error = refused(make_user(groups=held), "group", groups=required)
    assert error.required_groups == tuple(required)
    assert error.required_scopes == ()


def test_all_groups_requires_every_group() -> None:
    user = make_user(groups=["admins", "staff", "users"])
    check_requirements(user, groups=["admins", "staff"], all_groups=True)
    error = refused(
        make_user(groups=["admins"]), "group", groups=["admins", "staff"], all_groups=True
    )
    assert error.required_groups == ("admins", "staff")
    refused(make_user(), "group", groups=["admins"], all_groups=True)


def test_all_groups_false_is_any_of() -> None:
    check_requirements(make_user(groups=["admins"]), groups=["admins", "staff"], all_groups=False)


def test_groups_may_be_any_iterable() -> None:
    def required() -> Iterator[str]:
        yield "ops"
        yield "admins"

    check_requirements(make_user(groups=["admins"]), groups=required())
    error = refused(make_user(groups=["users"]), "group", groups=required())
    assert error.required_groups == ("ops", "admins")


# -- scopes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "required"),
    [
        pytest.param("orders/read", ["orders/read"], id="the-one"),
        pytest.param("openid orders/write", ["orders/read", "orders/write"], id="second-of-two"),
        pytest.param("openid orders/read profile", ["orders/read"], id="one-of-held"),
    ],
)
def test_scopes_are_any_of(scope: str, required: list[str]) -> None:
    check_requirements(make_user(scope=scope), scopes=required)


@pytest.mark.parametrize(
    ("scope", "required"),
    [
        pytest.param(None, ["orders/read"], id="no-scope-claim"),
        pytest.param("", ["orders/read"], id="empty-scope"),
        pytest.param("openid profile", ["orders/read"], id="other-scopes"),
        pytest.param("orders/read/all", ["orders/read"], id="no-prefix-match"),
        pytest.param("orders", ["orders/read"], id="no-substring-match"),
        pytest.param("openid", ["orders/read", "orders/write"], id="none-of-two"),
    ],
)
def test_scopes_missing_are_refused(scope: str | None, required: list[str]) -> None:
    error = refused(make_user(scope=scope), "scope", scopes=required)
    assert error.required_scopes == tuple(required)
    assert error.required_groups == ()


def test_all_groups_does_not_apply_to_scopes() -> None:
    check_requirements(make_user(scope="a"), scopes=["a", "b"], all_groups=True)


# -- both ----------------------------------------------------------------------------------------


def test_both_groups_and_scopes_must_be_satisfied() -> None:
    both = make_user(groups=["admins"], scope="orders/read")
    check_requirements(both, groups=["admins"], scopes=["orders/read"])


@pytest.mark.parametrize(
    ("groups", "scope", "missing"),
    [
        pytest.param(["admins"], "openid", "scope", id="group-without-scope"),
        pytest.param(["users"], "orders/read", "group", id="scope-without-group"),
        pytest.param(None, None, "group", id="neither-names-the-group-first"),
    ],
)
def test_both_required_one_missing_is_refused(
    groups: list[str] | None, scope: str | None, missing: str
) -> None:
    error = refused(
        make_user(groups=groups, scope=scope), missing, groups=["admins"], scopes=["orders/read"]
    )
    assert error.required_groups == ("admins",)
    assert error.required_scopes == ("orders/read",)


def test_error_carries_the_requirements_as_tuples() -> None:
    error = InsufficientScopeError(groups=["a", "b"], scopes=["s"])
    assert error.required_groups == ("a", "b")
    assert error.required_scopes == ("s",)
    assert error.missing is None
    assert error.message == "lacks a required group or scope"
    default = InsufficientScopeError()
    assert default.message == "lacks a required group or scope"
    assert default.required_groups == ()
    assert default.required_scopes == ()
    assert default.status == 403


def test_the_message_names_the_kind_never_the_group() -> None:
    error = refused(make_user(groups=["users"]), "group", groups=["secret-admins"])
    assert "secret-admins" not in error.message
    assert "secret-admins" not in str(error)
    assert InsufficientScopeError(missing="scope").message == "lacks a required scope"
