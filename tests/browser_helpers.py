"""Debian's Chromium, headless, for the browser tests; and the demo's stack they drive."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, sync_playwright

if TYPE_CHECKING:
    from example_app.demo import DemoStack

# Found on PATH, as `make test` (scripts/ensure-system-programs.sh) checks it; CHROMIUM overrides.
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "chromium"
# Chromium must not reach for Google's services: this machine's network is closed.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium, headless, for one test module."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def stack() -> Iterator[DemoStack]:
    """The demo's stack: local Cognito (moto) and the example app, on free ports."""
    # Imported here: the other test modules need not load moto's server.
    from example_app.demo import DemoStack

    demo = DemoStack(port=0, environ={}).start()
    yield demo
    demo.stop()
