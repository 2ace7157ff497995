"""Pending sign-ins fit in the session cookie: a stored ``next`` is 512 characters at most."""

from __future__ import annotations

import random
import string

import pytest
from flask.testing import FlaskClient
from signin_helpers import PASSWORD, callback_path, query_of, set_cookie_headers

from flask_revstack_cognito.signin.blueprint import MAX_PENDING, SESSION_KEY
from flask_revstack_cognito.signin.redirects import MAX_STORED_LENGTH, stored_next
from flask_revstack_cognito.testing import browser_sign_in

# What a browser keeps of one cookie: name, value and attributes (RFC 6265, section 6.1).
COOKIE_LIMIT = 4096
# Every character safe_next lets through in ASCII; random, so zlib cannot shrink it much.
PATH_CHARACTERS = "".join(char for char in string.printable if not char.isspace() and char != "\\")


def random_path(length: int, seed: int) -> str:
    chooser = random.Random(seed)
    return "/" + "".join(chooser.choice(PATH_CHARACTERS) for _ in range(length - 1))


def stored_nexts(client: FlaskClient) -> list[str]:
    with client.session_transaction() as session:
        return [entry[2] for entry in session[SESSION_KEY].values()]


@pytest.mark.parametrize("length", [MAX_STORED_LENGTH, 2048])
def test_the_most_pending_sign_ins_fit_in_the_session_cookie(
    client: FlaskClient, length: int
) -> None:
    for seed in range(MAX_PENDING + 1):
        answer = client.get("/auth/login", query_string={"next": random_path(length, seed)})
        assert answer.status_code == 302
    session_cookie = set_cookie_headers(answer)["session"]
    assert len(session_cookie.encode()) < COOKIE_LIMIT
    assert len(stored_nexts(client)) == MAX_PENDING


def test_a_longer_next_is_stored_as_the_home_page(client: FlaskClient) -> None:
    client.get("/auth/login", query_string={"next": random_path(MAX_STORED_LENGTH + 1, 1)})
    client.get("/auth/login", query_string={"next": random_path(MAX_STORED_LENGTH, 2)})
    assert sorted(len(path) for path in stored_nexts(client)) == [1, MAX_STORED_LENGTH]
    assert "/" in stored_nexts(client)


def test_a_next_outside_ascii_is_stored_encoded_and_counted_so() -> None:
    assert stored_next("/caf\u00e9?q=\u00e9") == "/caf%C3%A9?q=%C3%A9"
    assert stored_next("/a%20b") == "/a%20b"  # already encoded: left as it is
    # 100 characters, 901 once encoded: too long for the session.
    assert stored_next("/" + "\u4e2d" * 99) == "/"
    assert stored_next("//evil.example") == "/"


def test_sign_in_returns_to_an_encoded_next(client: FlaskClient) -> None:
    start = client.get("/auth/login", query_string={"next": "/caf\u00e9"})
    back = browser_sign_in(start.headers["Location"], "admin", PASSWORD)
    assert query_of(back)["state"]
    answer = client.get(callback_path(back))
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/caf%C3%A9"
