"""Protecting a whole blueprint: ``login_guard`` in ``before_request``, and what
``verify_request`` does there (SPEC section 2; issue 9, item 4).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Blueprint, Flask, request

from flask_revstack_cognito import (
    CognitoAuth,
    CognitoAuthError,
    CognitoUser,
    check_requirements,
    current_cognito_user,
    decorators,
    login_guard,
    token_verified,
    verification_failed,
    verify_request,
)
from flask_revstack_cognito.testing import LocalUserPool

Guard = Callable[[], Any]


@pytest.fixture(scope="module")
def user_pool() -> LocalUserPool:
    return LocalUserPool()


def make_app(pool: LocalUserPool, guard: Guard) -> tuple[Flask, list[str]]:
    """An app with a guarded blueprint; the list records every view that ran."""
    app = Flask("guarded")
    app.config.update(pool.config())
    CognitoAuth(app, fetcher=pool.fetcher)
    ran: list[str] = []
    bp = Blueprint("bp", __name__, url_prefix="/bp")
    bp.before_request(guard)

    @bp.get("/data")
    def data() -> dict[str, Any]:
        ran.append("data")
        user = current_cognito_user
        return {"user": user.user_id if user else None}

    @bp.route("/cors", methods=["GET", "OPTIONS"])
    def cors() -> dict[str, Any]:
        ran.append(f"cors {request.method}")
        return {"secret": "data"}

    @app.get("/open")
    def open_view() -> str:
        ran.append("open")
        return "open"

    app.register_blueprint(bp)
    return app, ran


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_bare_guard_lets_a_valid_token_reach_the_view(user_pool: LocalUserPool) -> None:
    app, ran = make_app(user_pool, login_guard)
    client = app.test_client()
    response = client.get("/bp/data", headers=bearer(user_pool.id_token(sub="guarded-user")))
    assert response.status_code == 200
    assert response.get_json() == {"user": "guarded-user"}
    missing = client.get("/bp/data")
    assert missing.status_code == 401
    assert missing.get_json()["code"] == "MISSING_TOKEN"
    expired = client.get("/bp/data", headers=bearer(user_pool.id_token(expires_in=-60)))
    assert expired.status_code == 401
    assert expired.get_json()["code"] == "TOKEN_EXPIRED"
    assert client.get("/open").status_code == 200  # outside the blueprint: not guarded
    assert ran == ["data", "open"]


def test_guard_with_requirements(user_pool: LocalUserPool) -> None:
    app, ran = make_app(user_pool, login_guard(groups=["admins"]))
    client = app.test_client()
    admin = client.get("/bp/data", headers=bearer(user_pool.id_token(sub="a", groups=["admins"])))
    assert admin.status_code == 200
    assert admin.get_json() == {"user": "a"}
    member = client.get("/bp/data", headers=bearer(user_pool.id_token(groups=["staff"])))
    assert member.status_code == 403
    assert member.get_json()["code"] == "INSUFFICIENT_SCOPE"
    missing = client.get("/bp/data")
    assert missing.status_code == 401
    assert missing.get_json()["code"] == "MISSING_TOKEN"
    assert ran == ["data"]


def test_guard_for_access_tokens_with_a_scope(user_pool: LocalUserPool) -> None:
    app, _ = make_app(user_pool, login_guard(token_use="access", scopes="orders/read"))
    client = app.test_client()
    ok = client.get("/bp/data", headers=bearer(user_pool.access_token(scope="orders/read")))
    assert ok.status_code == 200
    id_token = client.get("/bp/data", headers=bearer(user_pool.id_token()))
    assert id_token.get_json()["code"] == "TOKEN_USE_MISMATCH"
    no_scope = client.get("/bp/data", headers=bearer(user_pool.access_token(scope="other")))
    assert no_scope.status_code == 403


def test_optional_guard_lets_anonymous_requests_through(user_pool: LocalUserPool) -> None:
    app, _ = make_app(user_pool, login_guard(optional=True))
    client = app.test_client()
    assert client.get("/bp/data").get_json() == {"user": None}
    bad = client.get("/bp/data", headers=bearer(user_pool.id_token(expires_in=-60)))
    assert bad.get_json()["code"] == "TOKEN_EXPIRED"


@pytest.mark.parametrize("guard", [login_guard, login_guard(groups=["admins"])])
def test_options_never_runs_the_view_of_a_guarded_blueprint(
    user_pool: LocalUserPool, guard: Guard
) -> None:
    app, ran = make_app(user_pool, guard)
    client = app.test_client()
    failed: list[CognitoAuthError] = []
    verified: list[CognitoUser] = []

    def on_failed(sender: object, *, error: CognitoAuthError, **extra: object) -> None:
        failed.append(error)

    def on_verified(sender: object, *, user: CognitoUser, **extra: object) -> None:
        verified.append(user)

    with (
        verification_failed.connected_to(on_failed, app),
        token_verified.connected_to(on_verified, app),
    ):
        listed = client.options("/bp/cors")  # the route lists OPTIONS: its view would answer
        automatic = client.options("/bp/data")
        unknown = client.options("/bp/nowhere")
    assert listed.status_code == 200
    assert listed.get_data() == b""
    assert set(listed.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert automatic.status_code == 200
    assert unknown.status_code == 404
    assert ran == []
    assert failed == []
    assert verified == []
    # A GET to the same route still needs the token.
    assert client.get("/bp/cors").status_code == 401


def test_guard_is_safe_as_an_app_wide_before_request(user_pool: LocalUserPool) -> None:
    app, ran = make_app(user_pool, lambda: None)
    app.before_request(login_guard)
    client = app.test_client()
    assert client.options("/nowhere").status_code == 404  # Flask's answer, no token needed
    assert client.options("/open").status_code == 200
    assert client.get("/open").status_code == 401
    assert client.get("/open", headers=bearer(user_pool.id_token())).status_code == 200
    assert ran == ["open"]


def test_a_guard_is_a_new_guard_each_time_with_only_its_requirements(
    user_pool: LocalUserPool,
) -> None:
    admins = login_guard(groups=["admins"])
    anyone = login_guard(optional=False)
    assert admins is not anyone
    app, _ = make_app(user_pool, anyone)
    token = user_pool.id_token(groups=["staff"])
    assert app.test_client().get("/bp/data", headers=bearer(token)).status_code == 200


def test_guard_arguments_are_checked_when_the_guard_is_made() -> None:
    with pytest.raises(ValueError, match=r"token_use must be one of \('id', 'access', 'any'\)"):
        login_guard(token_use="ID")
    with pytest.raises(TypeError):
        login_guard(group=["admins"])  # type: ignore[call-overload]


def test_calling_the_bare_guard_outside_a_request_says_how_to_register_it() -> None:
    with pytest.raises(TypeError, match=r"bp\.before_request\(login_guard\)"):
        login_guard()
    with pytest.raises(TypeError) as caught:
        login_guard(groups=["admins"])()
    assert str(caught.value) == (
        "login_guard checks a request: register it as bp.before_request(login_guard) "
        "or bp.before_request(login_guard(groups=[...]))"
    )


def test_verify_request_in_before_request_is_the_unsafe_spelling(
    user_pool: LocalUserPool,
) -> None:
    """What the docs warn about: Flask takes the returned user for the response."""
    app, ran = make_app(user_pool, verify_request)
    app.testing = False  # the error becomes a 500 response, as in production
    response = app.test_client().get("/bp/data", headers=bearer(user_pool.id_token()))
    assert response.status_code == 500
    assert ran == []


def test_verify_request_checks_options_when_the_view_would_run(user_pool: LocalUserPool) -> None:
    """The documented ``verify_request`` guard: no view runs without a token, not even for
    ``OPTIONS`` to a route that lists it; Flask's own ``OPTIONS`` answers need no token."""

    def require_user() -> None:
        verify_request()

    app, ran = make_app(user_pool, require_user)
    client = app.test_client()
    listed = client.options("/bp/cors")
    assert listed.status_code == 401
    assert listed.get_json()["code"] == "MISSING_TOKEN"
    assert client.options("/bp/data").status_code == 200  # automatic: no view runs
    ok = client.options("/bp/cors", headers=bearer(user_pool.id_token()))
    assert ok.get_json() == {"secret": "data"}
    assert ran == ["cors OPTIONS"]


def test_verify_request_returns_none_for_options_flask_answers(user_pool: LocalUserPool) -> None:
    app, _ = make_app(user_pool, lambda: None)
    with app.test_request_context("/bp/data", method="OPTIONS"):
        assert verify_request() is None
    with app.test_request_context("/bp/nowhere", method="OPTIONS"):
        assert verify_request() is None


def test_a_repeated_token_meets_the_requirements_it_met_before(
    user_pool: LocalUserPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The verified user of a cached token is the same immutable object: its groups are not
    checked again, while every other user still is."""
    checked: list[str] = []
    original = check_requirements

    def counting(user: CognitoUser, **requirements: Any) -> None:
        checked.append(user.user_id)
        original(user, **requirements)

    monkeypatch.setattr(decorators, "check_requirements", counting)
    app, ran = make_app(user_pool, login_guard(groups=["admins"]))
    client = app.test_client()
    admin = bearer(user_pool.id_token(sub="admin", groups=["admins"]))
    member = bearer(user_pool.id_token(sub="member", groups=["staff"]))
    statuses = [client.get("/bp/data", headers=headers).status_code for headers in (admin, admin)]
    statuses += [client.get("/bp/data", headers=headers).status_code for headers in (member,) * 2]
    statuses.append(client.get("/bp/data", headers=admin).status_code)
    assert statuses == [200, 200, 403, 403, 200]
    # A refusal is checked each time; the latest user that passed is remembered.
    assert checked == ["admin", "member", "member"]
    assert ran == ["data", "data", "data"]


def test_groups_are_any_of_unless_all_groups(user_pool: LocalUserPool) -> None:
    def any_of() -> None:
        verify_request(groups=["admins", "auditors"])

    def all_of() -> None:
        verify_request(groups=["admins", "auditors"], all_groups=True)

    for guard, expected in ((any_of, 200), (all_of, 403)):
        app, _ = make_app(user_pool, guard)
        token = user_pool.id_token(groups=["admins"])
        assert app.test_client().get("/bp/data", headers=bearer(token)).status_code == expected
    app, _ = make_app(user_pool, login_guard(groups=["admins", "auditors"]))
    token = user_pool.id_token(groups=["auditors"])
    assert app.test_client().get("/bp/data", headers=bearer(token)).status_code == 200
    all_of_guard = login_guard(groups=["admins", "auditors"], all_groups=True)
    app, _ = make_app(user_pool, all_of_guard)
    for groups, expected in ((["auditors"], 403), (["admins", "auditors"], 200)):
        token = user_pool.id_token(groups=groups)
        assert app.test_client().get("/bp/data", headers=bearer(token)).status_code == expected


def test_verify_request_optional_lets_an_anonymous_request_through(
    user_pool: LocalUserPool,
) -> None:
    def optional() -> None:
        verify_request(optional=True)

    app, ran = make_app(user_pool, optional)
    client = app.test_client()
    assert client.get("/bp/data").get_json() == {"user": None}
    token = user_pool.id_token(sub="known")
    assert client.get("/bp/data", headers=bearer(token)).get_json() == {"user": "known"}
    assert client.get("/bp/data", headers=bearer("not-a-token")).status_code == 401
    assert ran == ["data", "data"]
