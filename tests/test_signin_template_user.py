"""Who the templates see as signed in: the view's verified user, or the cookies' user.

A view needing an access token shows its access-token user; a page without a decorator reads
the cookie of the app's token use; a bad cookie is ``None`` (nothing signed in), and a
refreshed request shows the refreshed ID token's user.
"""

from __future__ import annotations

from flask import Flask, render_template_string
from flask.testing import FlaskClient
from signin_helpers import BROWSER, TokenCalls, make_signin_app, sign_in

from flask_revstack_cognito import current_cognito_user, login_required, verify_request
from flask_revstack_cognito.signin import template_user
from flask_revstack_cognito.testing import LocalUserPool

PAGE = (
    "{% if current_cognito_user %}{{ current_cognito_user.username }} "
    "{{ current_cognito_user.token_use }}{% else %}nobody{% endif %}"
)


def with_pages(app: Flask) -> Flask:
    @app.get("/access-page")
    @login_required(token_use="access")
    def access_page() -> str:
        return render_template_string(PAGE)

    @app.get("/open-page")
    def open_page() -> str:
        return render_template_string(PAGE)

    @app.get("/both-users")
    @login_required
    @login_required(token_use="access")
    def both_users() -> dict[str, object]:
        by_id = verify_request(token_use="id")
        by_access = verify_request(token_use="access")
        user = current_cognito_user
        assert user is not None
        assert by_id is not None
        assert by_access is not None
        return {"view": user.token_use, "id": by_id.token_use, "access": by_access.token_use}

    @app.get("/who")
    def who() -> dict[str, object]:
        user = template_user()
        again = template_user()
        return {
            "user": None if user is None else user.username,
            "is_none": user is None,
            "same": again is user,
        }

    return app


def test_an_access_token_view_shows_its_access_token_user(signin_pool: LocalUserPool) -> None:
    client = with_pages(make_signin_app(signin_pool)).test_client()
    sign_in(client)
    assert client.get("/access-page", headers=BROWSER).text == "admin access"
    assert client.get("/open-page", headers=BROWSER).text == "admin id"


def test_with_access_tokens_as_the_apps_default_pages_read_the_access_cookie(
    signin_pool: LocalUserPool,
) -> None:
    app = with_pages(make_signin_app(signin_pool, COGNITO_TOKEN_USE="access"))
    client = app.test_client()
    sign_in(client)
    assert client.get("/open-page", headers=BROWSER).text == "admin access"
    assert client.get("/").text.startswith("Signed in as admin|")


def test_a_header_access_token_is_not_the_user_of_an_id_token_app(
    client: FlaskClient, signin_pool: LocalUserPool
) -> None:
    with_pages(client.application)
    token = signin_pool.access_token(username="admin")
    page = client.get("/open-page", headers={"Authorization": f"Bearer {token}"})
    assert page.text == "nobody"


def test_a_bad_cookie_is_no_user_at_all(client: FlaskClient) -> None:
    with_pages(client.application)
    client.set_cookie("id_token", "not-a-token")
    assert client.get("/who").get_json() == {"user": None, "is_none": True, "same": True}
    assert client.get("/open-page").text == "nobody"


def test_a_good_cookie_is_looked_up_once_per_request(client: FlaskClient) -> None:
    with_pages(client.application)
    sign_in(client)
    assert client.get("/who").get_json() == {"user": "admin", "is_none": False, "same": True}


def test_a_refreshed_request_shows_the_refreshed_id_tokens_user(
    client: FlaskClient, signin_pool: LocalUserPool, calls: TokenCalls
) -> None:
    sign_in(client)
    client.delete_cookie("id_token")
    client.delete_cookie("access_token")
    calls.reset()
    page = client.get("/profile", headers=BROWSER)  # the ID token's email, in a template
    assert (page.status_code, page.text) == (200, "admin@example.com")
    assert calls.count() == 1


def test_a_refreshed_request_gives_each_token_use_its_own_user(
    client: FlaskClient, calls: TokenCalls
) -> None:
    with_pages(client.application)
    sign_in(client)
    client.delete_cookie("id_token")
    client.delete_cookie("access_token")
    calls.reset()
    page = client.get("/both-users")
    assert page.get_json() == {"view": "access", "id": "id", "access": "access"}
    assert calls.count() == 1
