"""The documentation keeps up with the code: every setting and every public name is documented."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import flask_revstack_cognito
from flask_revstack_cognito.config import DEFAULTS

DOCS = Path(__file__).resolve().parent.parent / "docs"
PUBLIC_NAMES = sorted(flask_revstack_cognito.__all__)
SIGNALS = {
    "token_verified",
    "verification_failed",
    "jwks_refreshed",
    "jwks_fetch_failed",
    "user_signed_in",
    "user_signed_out",
    "tokens_refreshed",
    "token_revoked",
}


@pytest.mark.parametrize("key", sorted(DEFAULTS))
def test_every_setting_is_on_the_configuration_page(key: str) -> None:
    page = (DOCS / "configuration.rst").read_text()
    assert f"``{key}``" in page
    assert f"``FLASK_{key}``" in page


@pytest.mark.parametrize("name", PUBLIC_NAMES)
def test_every_public_name_is_documented(name: str) -> None:
    api = (DOCS / "api.rst").read_text()
    assert f"flask_revstack_cognito.{name}" in api
    value = getattr(flask_revstack_cognito, name)
    if name in SIGNALS or name == "current_cognito_user":
        return  # objects without a docstring of their own: api.rst describes them
    assert inspect.getdoc(value), f"{name} has no docstring"
