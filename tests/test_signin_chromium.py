"""Sign-in in a real browser: Debian's Chromium (headless), the app and the stand-in on loopback.

The app is served at ``http://localhost:<port>`` and the stand-in at ``http://127.0.0.1:<port>``:
two sites, as an app and Cognito are. What only a browser decides is checked here: that it keeps
``Secure`` cookies from ``localhost``, sends ``SameSite`` cookies where they are needed, and
comes back to the page it asked for, with ``Lax`` and with ``Strict`` cookies.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page
from signin_helpers import PASSWORD, make_signin_app

from flask_revstack_cognito.testing import LocalUserPool, LoopbackServer


def serve(app: Flask, pool: LocalUserPool) -> Iterator[str]:
    """Serve ``app`` on loopback; register its callback and sign-out URLs; yield its root."""
    with LoopbackServer(app).start() as server:
        root = server.base_url.replace("127.0.0.1", "localhost") + "/"
        pool.register_client(callback_urls=[f"{root}auth/callback"], logout_urls=[root])
        yield root


@pytest.fixture(params=["Lax", "Strict"])
def site(request: pytest.FixtureRequest, signin_pool: LocalUserPool) -> Iterator[str]:
    app = make_signin_app(signin_pool, COGNITO_COOKIE_SAMESITE=request.param)

    @app.get("/signed-out")
    def signed_out() -> str:
        return (
            '<form method="post" action="/auth/logout">'
            '<button id="sign-out">Sign out</button></form>'
        )

    yield from serve(app, signin_pool)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def fill_sign_in_form(page: Page, username: str) -> None:
    page.wait_for_selector("#signin-form")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#signin")


def test_a_protected_page_signs_in_and_comes_back(page: Page, site: str) -> None:
    page.goto(f"{site}private?tab=2")
    fill_sign_in_form(page, "admin")
    page.wait_for_url(f"{site}private?tab=2")
    assert page.text_content("body") == "hello admin"
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies(site)}
    assert cookies["id_token"]["httpOnly"]
    assert cookies["refresh_token"]["secure"]
    page.goto(f"{site}admin")
    assert page.text_content("body") == "admins only"


def test_sign_out_ends_the_session_here_and_at_cognito(page: Page, site: str) -> None:
    page.goto(f"{site}private")
    fill_sign_in_form(page, "member")
    page.wait_for_url(f"{site}private")
    page.goto(f"{site}signed-out")
    page.click("#sign-out")
    page.wait_for_url(site)
    assert "Sign in" in (page.text_content("body") or "")
    assert {cookie["name"] for cookie in page.context.cookies(site)} <= {"session"}
    page.goto(f"{site}private")
    page.wait_for_selector("#signin-form")  # Cognito asks for the password again
