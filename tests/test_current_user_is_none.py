"""``current_cognito_user`` stands for ``None`` itself, not only something falsy, when no user.

The proxy is documented as "the user, or ``None``"; a template that prints it, or code that
compares the object behind it with ``None``, sees the difference.
"""

from __future__ import annotations

from typing import Any, cast

from decorator_helpers import bearer, make_app
from werkzeug.local import LocalProxy

from flask_revstack_cognito import InsufficientScopeError, current_cognito_user, login_required
from flask_revstack_cognito.testing import LocalUserPool


def behind_the_proxy() -> object:
    """The object ``current_cognito_user`` stands for now."""
    return cast("LocalProxy[Any]", current_cognito_user)._get_current_object()


def test_an_anonymous_optional_request_has_none(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool)
    seen: list[object] = []

    @app.get("/optional-none")
    @login_required(optional=True)
    def optional_none() -> str:
        seen.append(behind_the_proxy())
        return "ok"

    assert app.test_client().get("/optional-none").status_code == 200
    assert seen == [None]
    assert type(seen[0]) is type(None)


def test_a_failed_check_leaves_none(user_pool: LocalUserPool) -> None:
    app = make_app(user_pool)
    seen: list[object] = []

    @app.errorhandler(InsufficientScopeError)
    def forbidden(error: InsufficientScopeError) -> tuple[str, int]:
        seen.append(behind_the_proxy())
        return "forbidden", 403

    response = app.test_client().get("/any-group", headers=bearer(user_pool.id_token()))
    assert response.status_code == 403
    assert seen == [None]
    assert type(seen[0]) is type(None)
