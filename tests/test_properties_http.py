"""HTTP properties through Flask's test client: any header, cookie and method.

- the answer is only 200, 401 or 403 while the keys are at hand, and only 200, 401 or 503 when
  they cannot be fetched (never a 500), with the documented JSON body and headers;
- a request whose only credentials are altered tokens is never let through;
- a token is never echoed in a response, and never written to the log, and a log line cannot
  be split or coloured by what the client sent;
- the cookie CSRF rule of SPEC section 4, step 1 decides exactly as the SPEC says.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from hypothesis import assume, given
from hypothesis import strategies as st
from property_kit import KNOWN_CODES, OTHER_POOL, POOL, alter, examples, make_app, not_tokens
from werkzeug.test import TestResponse

from flask_revstack_cognito import current_cognito_user, login_required
from flask_revstack_cognito.jwks import JWKSFetchError

METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE", "PROPFIND")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
VIEW_METHODS = [method for method in METHODS if method not in ("HEAD", "OPTIONS")]

USER_TOKEN = POOL.id_token(sub="user-1")
ADMIN_TOKEN = POOL.id_token(sub="admin-1", groups=["admins"])
VALID_TOKENS = (USER_TOKEN, ADMIN_TOKEN)


def _add_routes(app: Flask) -> Flask:
    @app.route("/me", methods=VIEW_METHODS)
    @login_required
    def me() -> ResponseReturnValue:
        assert current_cognito_user
        return jsonify(user=current_cognito_user.user_id)

    @app.get("/admin")
    @login_required(groups=["admins"])
    def admin() -> ResponseReturnValue:
        assert current_cognito_user
        return jsonify(user=current_cognito_user.user_id)

    @app.get("/optional")
    @login_required(optional=True)
    def optional() -> ResponseReturnValue:
        return jsonify(user=current_cognito_user.user_id if current_cognito_user else None)

    @app.get("/files/<path:name>")
    @login_required
    def files(name: str) -> ResponseReturnValue:
        return jsonify(name=name)

    return app


def _unreachable(url: str, *, timeout: float, max_bytes: int) -> bytes:
    raise JWKSFetchError("connection refused")


APP = _add_routes(make_app(COGNITO_TOKEN_LOCATION="headers,cookies")[0])
KEYLESS_APP = _add_routes(
    make_app(COGNITO_TOKEN_LOCATION="headers,cookies", fetcher=_unreachable)[0]
)
PATHS = ("/me", "/admin", "/optional")

# Header values as a WSGI server hands them over: latin-1 text, without line breaks.
_header_text = st.text(
    st.characters(min_codepoint=0, max_codepoint=0xFF, blacklist_characters="\r\n"), max_size=80
)


def credentials(data: st.DataObject) -> str | None:
    """An ``Authorization`` value (a scheme, a separator and a token, or any text), or none."""
    kind = data.draw(st.sampled_from(["token", "token", "text", "none"]), label="authorization")
    if kind != "token":
        return data.draw(_header_text) if kind == "text" else None
    scheme = data.draw(st.sampled_from(["Bearer", "bearer", "BEARER", "Basic", "", "Bearer:"]))
    separator = data.draw(st.sampled_from([" ", " ", "  ", "\t", ""]))
    return f"{scheme}{separator}{_any_token(data)}"


def cookies(data: st.DataObject) -> str | None:
    """A ``Cookie`` header carrying a token as ``id_token`` (or any text), or none."""
    kind = data.draw(st.sampled_from(["token", "text", "none", "none"]), label="cookie")
    if kind != "token":
        return data.draw(_header_text) if kind == "text" else None
    before = data.draw(st.sampled_from(["", "theme=dark; ", "id_token=; "]))
    return f"{before}id_token={_any_token(data)}"


def _any_token(data: st.DataObject) -> str:
    kind = data.draw(st.sampled_from(["valid", "altered", "other", "odd"]), label="token kind")
    if kind == "valid":
        return data.draw(st.sampled_from(VALID_TOKENS))
    if kind == "altered":
        return alter(data.draw(st.sampled_from(VALID_TOKENS)), data).token
    if kind == "other":
        return data.draw(st.sampled_from([OTHER_POOL.id_token(), POOL.id_token(expires_in=-60)]))
    return data.draw(not_tokens)


def header_safe(text: str) -> str:
    """``text`` as a header may carry it: latin-1, without line breaks (else ``?``)."""
    latin1 = text.encode("latin-1", "replace").decode("latin-1")
    return latin1.replace("\r", "?").replace("\n", "?")


def send(
    app: Flask,
    method: str,
    path: str,
    *,
    authorization: str | None = None,
    cookie: str | None = None,
    extra: dict[str, str] | None = None,
) -> TestResponse:
    headers = dict(extra or {})
    if authorization is not None:
        headers["Authorization"] = header_safe(authorization)
    if cookie is not None:
        headers["Cookie"] = header_safe(cookie)
    client = app.test_client(use_cookies=False)
    return client.open(path, method=method, headers=list(headers.items()))


def check_refusal(response: TestResponse, sent: list[str]) -> str:
    """Check a refusal's body (none for ``HEAD``) and headers; return its code."""
    if response.status_code == 503:
        assert int(response.headers["Retry-After"]) >= 1
    else:
        assert response.headers["WWW-Authenticate"].startswith('Bearer realm="')
    _check_not_echoed(response, sent)
    if response.request.method == "HEAD":
        assert not response.get_data()
        return "?"
    body = response.get_json()
    assert set(body) == {"code", "message"}, body
    assert body["code"] in KNOWN_CODES
    assert (body["code"] == "NETWORK_ERROR") == (response.status_code == 503)
    return str(body["code"])


def token_parts(values: list[str]) -> set[str]:
    """The token segments in ``values``: long base64url runs, which no message holds by chance."""
    return {part for value in values for part in re.findall(r"[A-Za-z0-9_-]{40,}", value)}


def _check_not_echoed(response: TestResponse, sent: list[str]) -> None:
    everything = response.get_data(as_text=True) + "".join(
        value for _, value in response.headers.items()
    )
    for part in token_parts(sent):
        assert part not in everything, "a token was echoed"


def _words(*values: str | None) -> set[str]:
    return {word for value in values if value for word in re.split(r"[\s;=,:]+", value)}


@examples(300)
@given(
    method=st.sampled_from(METHODS),
    path=st.sampled_from(PATHS),
    data=st.data(),
)
def test_http_answers_only_200_401_or_403(method: str, path: str, data: st.DataObject) -> None:
    if path != "/me":
        method = data.draw(st.sampled_from(SAFE_METHODS), label="safe method")
    authorization = credentials(data)
    cookie = cookies(data)
    response = send(APP, method, path, authorization=authorization, cookie=cookie)
    assert response.status_code in (200, 401, 403), response.status_code
    sent = [value for value in (authorization, cookie) if value]
    if response.status_code != 200:
        check_refusal(response, sent)
    elif method != "OPTIONS" and path != "/optional":
        carried = _words(authorization, cookie)
        assert carried & set(VALID_TOKENS), "let through without a valid token"
        if path == "/admin":
            assert ADMIN_TOKEN in carried


@examples(300)
@given(
    method=st.sampled_from(METHODS),
    path=st.sampled_from(PATHS),
    where=st.sampled_from(["header", "cookie", "both"]),
    data=st.data(),
)
def test_http_never_lets_an_altered_token_through(
    method: str, path: str, where: str, data: st.DataObject
) -> None:
    if path != "/me":
        method = data.draw(st.sampled_from(SAFE_METHODS), label="safe method")
    altered = [alter(data.draw(st.sampled_from(VALID_TOKENS)), data) for _ in range(2)]
    # Surrounding whitespace belongs to the header, not to the token.
    assume(all(a.token == a.token.strip() and a.token not in VALID_TOKENS for a in altered))
    authorization = f"Bearer {altered[0].token}" if where != "cookie" else None
    cookie = f"id_token={altered[1].token}" if where != "header" else None
    response = send(APP, method, path, authorization=authorization, cookie=cookie)
    kinds = [a.kind for a in altered]
    if method == "OPTIONS":
        assert response.status_code == 200
        assert b"user" not in response.get_data()  # the view did not run
    elif path == "/optional" and response.status_code == 200:  # no token was located
        assert method == "HEAD" or response.get_json() == {"user": None}, kinds
    else:
        assert response.status_code == 401, kinds
        check_refusal(response, [altered[0].token, altered[1].token])


@examples(150)
@given(method=st.sampled_from(METHODS), path=st.sampled_from(PATHS), data=st.data())
def test_http_without_keys_answers_503_never_500(
    method: str, path: str, data: st.DataObject
) -> None:
    if path != "/me":
        method = data.draw(st.sampled_from(SAFE_METHODS), label="safe method")
    token = _any_token(data)
    response = send(KEYLESS_APP, method, path, authorization=f"Bearer {token}")
    assert response.status_code in (200, 401, 503)
    if response.status_code != 200:
        check_refusal(response, [token])
    if token in VALID_TOKENS and method != "OPTIONS":
        assert response.status_code == 503  # not the client's fault: no 401 for a valid token
    elif response.status_code == 200:
        assert method == "OPTIONS" or path == "/optional"


_ORIGINS = st.sampled_from(
    [
        None,
        "http://localhost",
        "https://localhost",
        "http://localhost:8080",
        "https://evil.example",
        "http://localhost.evil.example",
        "null",
        "",
    ]
)
_FETCH_SITES = st.sampled_from([None, "same-origin", "same-site", "none", "cross-site"])


def csrf_oracle(method: str, fetch_site: str | None, origin: str | None, *, header: bool) -> int:
    """SPEC section 4, step 1: the status for a valid token in the cookie (and maybe header)."""
    if method == "OPTIONS" or header or method in SAFE_METHODS:
        return 200
    if fetch_site is not None:
        cross_site = fetch_site == "cross-site"
    else:  # the test client's request host is "localhost"
        cross_site = origin is not None and origin not in (
            "http://localhost",
            "https://localhost",
        )
    return 401 if cross_site else 200


@examples(200)
@given(
    method=st.sampled_from(METHODS),
    fetch_site=_FETCH_SITES,
    origin=_ORIGINS,
    header=st.booleans(),
)
def test_the_cookie_csrf_rule_decides_as_the_spec_says(
    method: str, fetch_site: str | None, origin: str | None, header: bool
) -> None:
    extra = {
        name: value
        for name, value in (("Sec-Fetch-Site", fetch_site), ("Origin", origin))
        if value is not None
    }
    response = send(
        APP,
        method,
        "/me",
        authorization=f"Bearer {USER_TOKEN}" if header else None,
        cookie=f"id_token={USER_TOKEN}",
        extra=extra,
    )
    expected = csrf_oracle(method, fetch_site, origin, header=header)
    assert response.status_code == expected
    if expected == 401:
        assert check_refusal(response, [USER_TOKEN]) == "MISSING_TOKEN"


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _captured_logs() -> Iterator[_Records]:
    records = _Records()
    loggers = [logging.getLogger("flask_revstack_cognito"), logging.getLogger(APP.name)]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(records)
        logger.setLevel(logging.DEBUG)
    try:
        yield records
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(records)
            logger.setLevel(level)


_hostile_text = st.text(
    st.sampled_from(["\n", "\r", "\x1b", "\u2028", "\x00", "%", "a", "/", " ", "é", '"']),
    min_size=1,
    max_size=12,
)


@examples(150)
@given(name=_hostile_text, data=st.data())
def test_logs_carry_no_token_and_no_line_break_from_the_client(
    name: str, data: st.DataObject
) -> None:
    token = _any_token(data)
    with _captured_logs() as records:
        response = send(
            APP, "GET", "/files/x" + quote(name, safe=""), authorization=f"Bearer {token}"
        )
    # A line break ends Werkzeug's path converter: such a URL matches no route (404).
    assert response.status_code in ((404,) if "\n" in name else (200, 401))
    for message in records.messages:
        assert all(char.isprintable() for char in message), message
        for part in token_parts([token]):
            assert part not in message, "a token was logged"


def test_the_valid_tokens_pass() -> None:
    """The base of the properties above: a valid token is let through where it should be."""
    assert send(APP, "GET", "/me", authorization=f"Bearer {USER_TOKEN}").status_code == 200
    assert send(APP, "GET", "/admin", authorization=f"Bearer {ADMIN_TOKEN}").status_code == 200
    assert send(APP, "GET", "/admin", authorization=f"Bearer {USER_TOKEN}").status_code == 403
    assert send(APP, "POST", "/me", cookie=f"id_token={USER_TOKEN}").status_code == 200
