"""The demo end to end: ``python -m example_app`` as ``make demo`` runs it, and the sign-in page
driven in Debian's Chromium (headless) against the same stack."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from joserfc.jwk import RSAKey
from moto.utilities.utils import load_resource
from playwright.sync_api import Browser, Page

from example_app.demo import DemoStack
from example_app.local_cognito import DEMO_USERS
from flask_revstack_cognito.testing import encode_token

ROOT = Path(__file__).resolve().parent.parent
ADMIN, MEMBER = DEMO_USERS


@pytest.fixture
def page(browser: Browser, stack: DemoStack) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(stack.url)
    yield page
    context.close()


def sign_in(page: Page, username: str, password: str) -> None:
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#sign-in-button")
    page.wait_for_selector(f"#session:has-text('Signed in as {username}.')")


def call(page: Page, path: str, token: str) -> str:
    """Click the page's button for ``path`` with ``token`` and return the result summary."""
    page.click(f"#calls button[data-path='{path}'][data-token='{token}']")
    page.wait_for_function(
        "document.getElementById('result-summary').textContent.startsWith('GET ')"
    )
    summary = page.text_content("#result-summary") or ""
    page.evaluate("document.getElementById('result-summary').textContent = ''")
    return summary


def test_admin_signs_in_and_sees_email_groups_and_tenant(page: Page) -> None:
    sign_in(page, ADMIN.username, ADMIN.password)

    assert call(page, "/api/me", "id") == "GET /api/me → 200"
    result = page.text_content("#result") or ""
    assert f'"email": "{ADMIN.email}"' in result
    assert '"admins"' in result
    assert f'"tenant": "{ADMIN.tenant}"' in result
    assert page.is_hidden("#error-code")

    assert call(page, "/api/admin", "id") == "GET /api/admin → 200"
    assert call(page, "/api/orders", "access") == "GET /api/orders → 200"


def test_member_is_refused_the_admin_api(page: Page) -> None:
    sign_in(page, MEMBER.username, MEMBER.password)

    assert call(page, "/api/admin", "id") == "GET /api/admin → 403"
    assert page.text_content("#error-code") == "Error code: INSUFFICIENT_SCOPE"
    assert call(page, "/api/me", "id") == "GET /api/me → 200"
    assert f'"tenant": "{MEMBER.tenant}"' in (page.text_content("#result") or "")


def test_forged_token_is_refused_with_invalid_signature(page: Page) -> None:
    sign_in(page, MEMBER.username, MEMBER.password)

    assert call(page, "/api/me", "forged") == "GET /api/me → 401"
    assert page.text_content("#error-code") == "Error code: INVALID_SIGNATURE"


def test_wrong_token_type_and_no_token(page: Page) -> None:
    sign_in(page, ADMIN.username, ADMIN.password)

    assert call(page, "/api/me", "access") == "GET /api/me → 401"
    assert page.text_content("#error-code") == "Error code: TOKEN_USE_MISMATCH"
    assert call(page, "/api/public", "none") == "GET /api/public → 200"
    assert '"hello, stranger"' in (page.text_content("#result") or "")


def test_an_expired_token_shows_token_expired(page: Page, stack: DemoStack) -> None:
    """The token alice would hold an hour later: moto's own key, moto's claims, past ``exp``."""
    assert stack.cognito is not None
    fresh = stack.cognito.sign_in(ADMIN.username, ADMIN.password)["IdToken"]
    claims = json.loads(base64.urlsafe_b64decode(fresh.split(".")[1] + "=="))
    claims["iat"] = claims["auth_time"] = claims["iat"] - 7200
    claims["exp"] = claims["iat"] + 3600
    moto_key = RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    expired = encode_token({"kid": "dummy", "alg": "RS256"}, claims, moto_key)
    sign_in(page, ADMIN.username, ADMIN.password)
    page.evaluate("token => { tokens.IdToken = token; }", expired)

    assert call(page, "/api/me", "id") == "GET /api/me → 401"
    assert page.text_content("#error-code") == "Error code: TOKEN_EXPIRED"


def test_wrong_password_is_reported_on_the_page(page: Page) -> None:
    page.fill("#username", ADMIN.username)
    page.fill("#password", "not-the-password")
    page.click("#sign-in-button")
    page.wait_for_selector("#session:has-text('Sign-in failed')")
    assert call(page, "/api/me", "none") == "GET /api/me → 401"
    assert page.text_content("#error-code") == "Error code: MISSING_TOKEN"


def classes(page: Page, selector: str) -> set[str]:
    return set((page.get_attribute(selector, "class") or "").split())


def test_signing_out_clears_the_result_panel(page: Page) -> None:
    sign_in(page, ADMIN.username, ADMIN.password)
    assert call(page, "/api/me", "id") == "GET /api/me → 200"

    page.click("#sign-out-button")

    assert page.text_content("#session") == "Not signed in."
    assert page.text_content("#result-summary") == "No call yet."
    assert page.text_content("#result") == ""
    assert page.is_hidden("#result-status")
    assert classes(page, "#result-panel").isdisjoint({"is-ok", "is-error"})
    assert page.is_disabled("#calls button[data-path='/api/me'][data-token='id']")
    assert page.is_enabled("#calls button[data-path='/api/me'][data-token='none']")


def test_signing_in_as_someone_else_clears_the_last_users_answer(page: Page) -> None:
    sign_in(page, ADMIN.username, ADMIN.password)
    assert call(page, "/api/me", "id") == "GET /api/me → 200"

    sign_in(page, MEMBER.username, MEMBER.password)

    assert page.text_content("#result-summary") == "No call yet."
    assert ADMIN.email not in (page.text_content("#result-panel") or "")


def test_failures_look_like_failures_and_successes_do_not(page: Page) -> None:
    page.fill("#username", MEMBER.username)
    page.fill("#password", "not-the-password")
    page.click("#sign-in-button")
    page.wait_for_selector("#session:has-text('Sign-in failed')")
    assert "error" in classes(page, "#session")

    sign_in(page, MEMBER.username, MEMBER.password)
    assert classes(page, "#session") >= {"ok"}
    assert "error" not in classes(page, "#session")
    assert call(page, "/api/admin", "id") == "GET /api/admin → 403"
    assert "is-error" in classes(page, "#result-panel")
    assert page.text_content("#result-status") == "403"
    assert call(page, "/api/me", "id") == "GET /api/me → 200"
    assert classes(page, "#result-panel") >= {"is-ok"}
    assert "is-error" not in classes(page, "#result-panel")


def test_public_with_the_id_token_greets_the_user_by_name(page: Page) -> None:
    sign_in(page, MEMBER.username, MEMBER.password)

    assert call(page, "/api/public", "id") == "GET /api/public → 200"
    assert f'"hello, {MEMBER.username}"' in (page.text_content("#result") or "")
    assert page.text_content("#result-request") == "Sent the ID token."


def test_the_local_pools_users_are_on_the_page_and_sign_in_with_a_click(page: Page) -> None:
    listed = page.text_content("#demo-users") or ""
    for user in DEMO_USERS:
        assert user.username in listed
        assert user.password in listed
        assert f"tenant {user.tenant}" in listed

    page.click(f"#demo-users button[data-username='{MEMBER.username}']")

    page.wait_for_selector(f"#session:has-text('Signed in as {MEMBER.username}.')")


def test_nothing_is_cut_off_at_a_phones_width(browser: Browser, stack: DemoStack) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(stack.url)
        sign_in(page, ADMIN.username, ADMIN.password)
        for path, token in [("/api/me", "id"), ("/api/me", "forged"), ("/api/orders", "access")]:
            call(page, path, token)
            widths = page.evaluate(
                """() => [document.documentElement, document.getElementById("result")].map(
                    (element) => [element.scrollWidth, element.clientWidth])"""
            )
            for scroll_width, client_width in widths:
                assert scroll_width <= client_width, (path, token, widths)
    finally:
        context.close()


def test_the_favicon_is_served(page: Page, stack: DemoStack) -> None:
    response = page.request.get(f"{stack.url}favicon.ico")
    assert response.status == 200
    assert response.headers["content-type"] == "image/vnd.microsoft.icon"
    assert response.body().startswith(b"\x00\x00\x01\x00")  # an ICO file's header


@contextmanager
def running_demo(**environ: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``python -m example_app`` as ``make demo`` starts it; yields it and its banner."""
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("FLASK_COGNITO")
    }
    environment.pop("DEMO_PORT", None)
    environment.update(environ)
    with tempfile.TemporaryFile(mode="w+") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "example_app"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        try:
            assert process.stdout is not None
            banner = []
            deadline = time.monotonic() + 60
            for line in process.stdout:
                banner.append(line)
                if "Press Ctrl-C" in line or time.monotonic() > deadline:
                    break
            text = "".join(banner)
            if "Press Ctrl-C to stop." not in text:
                process.kill()
                process.wait()
                errors.seek(0)
                pytest.fail(
                    f"the demo did not start (status {process.returncode}):\n{errors.read()}"
                )
            yield process, text
        finally:
            if process.poll() is None:
                process.kill()
            process.communicate()


def page_address(banner: str) -> str:
    found = re.search(r"open (http://127\.0\.0\.1:\d+/)", banner)
    assert found is not None, banner
    return found.group(1)


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "term"])
def test_make_demo_prints_a_working_curl_line_and_stops_on_a_signal(
    stop_signal: signal.Signals,
) -> None:
    """``python -m example_app``, as ``make demo`` starts it, from launch to Ctrl-C or SIGTERM."""
    with running_demo(DEMO_PORT="0") as (process, text):
        page_url = page_address(text)
        curl = re.search(r"curl -H 'Authorization: Bearer ([\w.-]+)' (\S+)", text)
        assert curl is not None, text
        for user in DEMO_USERS:
            assert f"{user.username} / {user.password}" in text
        assert "is not available" not in text

        assert requests.get(page_url, timeout=10).status_code == 200
        response = requests.get(
            curl.group(2), headers={"Authorization": f"Bearer {curl.group(1)}"}, timeout=10
        )
        assert response.status_code == 200
        assert response.json()["username"] == ADMIN.username
        assert response.json()["custom"] == {"tenant": ADMIN.tenant}

        process.send_signal(stop_signal)
        assert process.wait(timeout=20) == 0
        with pytest.raises(requests.ConnectionError):
            requests.get(page_url, timeout=5)


def test_make_demo_takes_a_free_port_when_5000_is_busy_and_says_so() -> None:
    """The default port held by another program: the demo runs elsewhere and prints where."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        try:
            holder.bind(("127.0.0.1", 5000))
            holder.listen()
        except OSError:
            pass  # another program on this machine holds it already: busy either way
        with running_demo() as (_, text):
            page_url = page_address(text)
            assert not page_url.endswith(":5000/")
            port = page_url.rsplit(":", 1)[1].rstrip("/")
            assert (
                f"Port 5000 is not available (Address already in use), so the demo is on port"
                f" {port} instead; set DEMO_PORT to choose another."
            ) in text
            assert requests.get(page_url, timeout=10).status_code == 200
