"""The ``next`` sanitiser: after sign-in, a path on this site and nothing else."""

from __future__ import annotations

import pytest

from flask_revstack_cognito.signin.redirects import safe_next


@pytest.mark.parametrize(
    "value", ["/", "/private", "/orders?page=2&sort=desc", "/a/b/", "/%2F%2Fevil.example", "/a#x"]
)
def test_paths_on_this_site_are_kept(value: str) -> None:
    assert safe_next(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "https://evil.example",
        "https://evil.example/private",
        "//evil.example",
        "//evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "/a\\b",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,hi",
        "private",
        "evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "/\x00",
        "/a b",
        "/\u2028",
        "/" + "a" * 2048,
        "",
        None,
        42,
        ["/"],
    ],
)
def test_everything_else_means_the_root(value: object) -> None:
    assert safe_next(value) == "/"
