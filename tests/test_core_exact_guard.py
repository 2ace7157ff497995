"""``login_guard``'s own answers, with guards made while the test runs.

The guards of ``tests/test_guard.py`` are made when that module is imported (the bare
``login_guard`` even when the package is); these are made inside each test, so that a change to
``_make_guard`` is met by the guard the test uses (mutation testing switches a change on after
the imports). Pinned: an ``OPTIONS`` request to a guarded route gets Flask's default answer and
never runs the view, one to no route gets Flask's 404, and a feature's own routes (sign-in's
login) pass a guard over the whole app.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Blueprint, Flask, request
from signin_helpers import BROWSER, make_signin_app

from flask_revstack_cognito import CognitoAuth, login_guard
from flask_revstack_cognito.testing import LocalUserPool


@pytest.fixture(scope="module")
def user_pool() -> LocalUserPool:
    return LocalUserPool()


def guarded_blueprint_app(pool: LocalUserPool, ran: list[str]) -> Flask:
    """A blueprint guarded by a guard made now; ``ran`` records every view that ran."""
    app = Flask("guarded-now")
    app.config.update(pool.config())
    CognitoAuth(app, fetcher=pool.fetcher)
    bp = Blueprint("bp", __name__, url_prefix="/bp")
    bp.before_request(login_guard(groups=["admins"]))

    @bp.route("/cors", methods=["GET", "OPTIONS"])
    def cors() -> dict[str, Any]:
        ran.append(f"cors {request.method}")
        return {"secret": "data"}

    app.register_blueprint(bp)
    return app


def test_options_to_a_guarded_route_is_flasks_default_answer(user_pool: LocalUserPool) -> None:
    ran: list[str] = []
    client = guarded_blueprint_app(user_pool, ran).test_client()
    listed = client.options("/bp/cors")  # the view lists OPTIONS: it would answer itself
    assert listed.status_code == 200
    assert listed.get_data() == b""
    assert sorted(listed.headers["Allow"].split(", ")) == ["GET", "HEAD", "OPTIONS"]
    assert ran == []


def test_options_to_no_route_is_flasks_404(user_pool: LocalUserPool) -> None:
    ran: list[str] = []
    app = guarded_blueprint_app(user_pool, ran)
    app.before_request(login_guard(optional=False))  # over the whole app: it meets every path
    client = app.test_client()
    assert client.options("/nowhere").status_code == 404
    assert client.options("/bp/nowhere").status_code == 404
    assert ran == []


def test_a_guard_over_the_whole_app_lets_sign_in_start(signin_pool: LocalUserPool) -> None:
    app = make_signin_app(signin_pool)
    app.before_request(login_guard(optional=False))
    client = app.test_client()
    login = client.get("/auth/login?next=/private", headers=BROWSER)
    assert login.status_code == 302
    assert login.headers["Location"].startswith(f"{signin_pool.domain}/oauth2/authorize?")
    refused = client.get("/private", headers=BROWSER)  # not sign-in's own: refused, sent to it
    assert refused.status_code == 302
    assert refused.headers["Location"] == "/auth/login?next=/private"
