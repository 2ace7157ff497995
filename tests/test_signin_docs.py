"""The browser sign-in page's app factory and its test run as documented."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

from docs_code import module_code
from flask import Flask
from signin_helpers import PASSWORD, SECRET, callback_path

from flask_revstack_cognito.testing import LocalUserPool, browser_sign_in


def documented_factory() -> types.ModuleType:
    module = types.ModuleType("signin_app")
    code = compile(module_code("signin.rst", "signin_app.py"), "docs/signin.rst", "exec")
    exec(code, vars(module))  # noqa: S102
    return module


def test_the_documented_test_passes_against_the_documented_factory(tmp_path: Path) -> None:
    (tmp_path / "signin_app.py").write_text(module_code("signin.rst", "signin_app.py"))
    (tmp_path / "test_signin_app.py").write_text(module_code("signin.rst", "test_signin_app.py"))
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("FLASK_")
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


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
