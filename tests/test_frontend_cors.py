"""The CORS set-up of docs/frontend.rst, run as written: preflight, 401 and 200 across origins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest
from docs_code import code_blocks, module_code
from flask import Flask
from flask.testing import FlaskClient

from flask_revstack_cognito.testing import LocalUserPool

FRONT_END = "https://app.example.com"
PREFLIGHT = {
    "Origin": FRONT_END,
    "Access-Control-Request-Method": "GET",
    "Access-Control-Request-Headers": "authorization",
}


@pytest.fixture
def client(cognito_pool: LocalUserPool) -> FlaskClient:
    # The page's factory with the quickstart's views, as one module.
    _, views = code_blocks("quickstart.rst", "myapp.py")
    code = module_code("frontend.rst", "myapp.py") + "\n\n" + views
    namespace: dict[str, Any] = {"__name__": "frontend_docs"}
    exec(compile(code, "docs/frontend.rst", "exec"), namespace)  # noqa: S102
    create_app = cast(Callable[[dict[str, Any]], Flask], namespace["create_app"])
    return create_app({"TESTING": True, **cognito_pool.config()}).test_client()


def test_the_preflight_passes_without_a_token(client: FlaskClient) -> None:
    response = client.options("/api/me", headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == FRONT_END
    assert response.headers["Access-Control-Allow-Headers"].lower() == "authorization"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Max-Age"] == "600"


def test_a_401_carries_the_cors_headers_so_the_page_can_read_it(client: FlaskClient) -> None:
    response = client.get("/api/me", headers={"Origin": FRONT_END})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == FRONT_END
    exposed = response.headers["Access-Control-Expose-Headers"].lower()
    assert "www-authenticate" in exposed
    assert response.get_json()["code"] == "MISSING_TOKEN"


def test_a_token_from_the_front_end_passes(
    client: FlaskClient, cognito_pool: LocalUserPool
) -> None:
    token = cognito_pool.id_token(sub="user-1")
    response = client.get(
        "/api/me", headers={"Origin": FRONT_END, "Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.get_json()["id"] == "user-1"
    assert response.headers["Access-Control-Allow-Origin"] == FRONT_END


def test_another_origin_is_not_allowed(client: FlaskClient) -> None:
    response = client.options("/api/me", headers={**PREFLIGHT, "Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers
