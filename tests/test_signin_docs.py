"""The browser sign-in page's app factory and its test run as documented."""

from __future__ import annotations

import types
from pathlib import Path

from docs_code import module_code, run_documented_tests
from flask import Flask
from signin_helpers import PASSWORD, SECRET, callback_path

from flask_revstack_cognito.testing import LocalUserPool, browser_sign_in


def documented_factory() -> types.ModuleType:
    module = types.ModuleType("signin_app")
    code = compile(module_code("signin.rst", "signin_app.py"), "docs/signin.rst", "exec")
    exec(code, vars(module))  # noqa: S102
    return module


def test_the_documented_test_passes_against_the_documented_factory(tmp_path: Path) -> None:
    output = run_documented_tests(
        tmp_path,
        {
            "signin_app.py": ("signin.rst", "signin_app.py"),
            "test_signin_app.py": ("signin.rst", "test_signin_app.py"),
        },
    )
    assert "1 passed" in output


def test_the_documented_page_signs_in_and_out(signin_pool: LocalUserPool) -> None:
    app: Flask = documented_factory().create_app({"SECRET_KEY": SECRET, **signin_pool.config()})
    client = app.test_client()
    anonymous = client.get("/")
    assert 'href="/auth/login?next=/"' in anonymous.text
    login = client.get("/auth/login?next=/")
    client.get(callback_path(browser_sign_in(login.headers["Location"], "member", PASSWORD)))
    signed_in = client.get("/")
    assert "Signed in as member@example.com." in signed_in.text
    assert '<form method="post" action="/auth/logout">' in signed_in.text
    assert client.post("/auth/logout").status_code == 303
    assert "Sign in with Cognito" in client.get("/").text
