"""explain_refusal: what a refused token says, read without verification and shown safely."""

from __future__ import annotations

import json
from typing import Any

import pytest

from flask_revstack_cognito.explain import explain_refusal
from flask_revstack_cognito.testing import LocalUserPool, b64url

POOL = LocalUserPool()


def explain(code: str, token: str, **options: Any) -> dict[str, str]:
    options.setdefault("token_use", "id")
    options.setdefault("key_ids", {})
    options.setdefault("now", 0)
    return dict(explain_refusal(code, token, POOL.contract(), **options))


def unsigned(header: Any, claims: Any) -> str:
    return f"{b64url(json.dumps(header))}.{b64url(json.dumps(claims))}.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    "token", ["", "garbage", "a.b.c", "....", "%%%.%%%", unsigned([1], "text"), "e30"]
)
def test_garbage_shows_every_claim_absent(token: str) -> None:
    assert explain("ISSUER_MISMATCH", token)["token iss"] == "(absent)"
    assert explain("UNKNOWN_KEY", token)["token kid"] == "(absent)"
    assert explain("TOKEN_EXPIRED", token)["token exp"] == "(absent)"
    assert explain("TOKEN_USE_MISMATCH", token)["token token_use"] == "(absent)"


def test_control_characters_are_escaped_not_sent_to_the_terminal() -> None:
    token = unsigned({"kid": "k\x1b[2J"}, {"iss": "https://x\x1b]0;owned\x07"})
    assert explain("ISSUER_MISMATCH", token)["token iss"] == '"https://x\\u001b]0;owned\\u0007"'
    assert explain("UNKNOWN_KEY", token)["token kid"] == '"k\\u001b[2J"'


def test_long_values_are_cut() -> None:
    shown = explain("ISSUER_MISMATCH", unsigned({}, {"iss": "x" * 5000}))["token iss"]
    assert shown == "x" * 200 + "..."


@pytest.mark.parametrize(
    ("exp", "shown"),
    [
        (0, "1970-01-01T00:00:00Z"),
        (1.5, "1970-01-01T00:00:01Z"),
        (1e300, "1e+300"),
        (-1e300, "-1e+300"),
        (True, "true"),
        ("soon", "soon"),
        (None, "null"),
    ],
)
def test_expiry_that_is_no_time_is_shown_as_written(exp: object, shown: str) -> None:
    assert explain("TOKEN_EXPIRED", unsigned({}, {"exp": exp}))["token exp"] == shown


def test_a_list_audience_is_shown_as_json() -> None:
    token = unsigned({}, {"token_use": "id", "aud": ["a", "b"]})
    assert explain("AUDIENCE_MISMATCH", token)["token aud"] == '["a", "b"]'


def test_no_key_held_says_none() -> None:
    lines = explain("UNKNOWN_KEY", unsigned({"kid": "k"}, {}), key_ids={"https://iss": ()})
    assert lines["key ids held"] == "(none) (from https://iss)"
