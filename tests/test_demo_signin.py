"""The demo's browser sign-in end to end, in Debian's Chromium (headless): the example app's
server-rendered pages, the managed-login stand-in in front of moto, and back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from test_demo import ADMIN, MEMBER

from example_app.demo import DemoStack
from flask_revstack_cognito.testing import SESSION_COOKIE


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def domain(stack: DemoStack) -> str:
    assert stack.cognito is not None
    return stack.cognito.domain


def sign_in_at_the_form(page: Page, stack: DemoStack, username: str, password: str) -> None:
    assert page.url.startswith(f"{domain(stack)}/oauth2/authorize?")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#signin")


def test_the_admin_signs_in_sees_the_claims_and_the_admins_page_and_signs_out(
    page: Page, context: BrowserContext, stack: DemoStack
) -> None:
    page.goto(f"{stack.url}web/profile")
    page.wait_for_selector("#signin")  # anonymous: the managed login's form
    sign_in_at_the_form(page, stack, ADMIN.username, ADMIN.password)
    page.wait_for_url(f"{stack.url}web/profile")  # back at the page it asked for
    assert page.text_content("#profile-username") == ADMIN.username
    assert page.text_content("#profile-groups") == "admins"
    assert page.text_content("#profile-tenant") == ADMIN.tenant
    assert page.text_content("[data-claim='email']") == ADMIN.email
    assert page.text_content("[data-claim='token_use']") == "id"
    cookies = {cookie["name"] for cookie in context.cookies(stack.url)}
    assert {"id_token", "access_token", "refresh_token"} <= cookies
    assert SESSION_COOKIE in {cookie["name"] for cookie in context.cookies(domain(stack))}

    page.goto(f"{stack.url}web/admin")
    assert "Welcome, admin alice" in (page.text_content("#admin-welcome") or "")

    page.click("#sign-out")
    page.wait_for_url(f"{stack.url}web/")
    page.wait_for_selector("#sign-in")  # the home page offers to sign in again
    cookies = {cookie["name"] for cookie in context.cookies(stack.url)}
    assert not cookies & {"id_token", "access_token", "refresh_token"}

    # Signed out at the stand-in too: its session cookie is gone, signing in shows the form.
    assert SESSION_COOKIE not in {cookie["name"] for cookie in context.cookies(domain(stack))}
    page.click("#sign-in")
    page.wait_for_selector("#signin")
    assert page.url.startswith(f"{domain(stack)}/oauth2/authorize?")


def test_the_member_is_refused_the_admins_page(page: Page, stack: DemoStack) -> None:
    page.goto(f"{stack.url}web/admin")
    page.wait_for_selector("#signin")
    sign_in_at_the_form(page, stack, MEMBER.username, MEMBER.password)
    page.wait_for_url(f"{stack.url}web/admin")
    assert page.text_content("#refused") == "Not allowed"
    page.goto(f"{stack.url}web/profile")
    assert page.text_content("#profile-username") == MEMBER.username


def test_a_wrong_password_stays_at_the_form(page: Page, stack: DemoStack) -> None:
    page.goto(f"{stack.url}web/profile")
    page.wait_for_selector("#signin")
    sign_in_at_the_form(page, stack, ADMIN.username, "not-the-password")
    page.wait_for_selector("#error")
    assert page.text_content("#error") == "Incorrect username or password."
    assert page.url.startswith(domain(stack))
