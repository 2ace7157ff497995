"""The sign-in cookies' exact ``Set-Cookie`` headers: attributes, lifetimes, order, size limit.

``set_cookies`` and ``clear_cookies`` are called on a bare response with a fixed clock, so
every header is known but its ``Expires`` date (Werkzeug's, from the wall clock).
"""

from __future__ import annotations

import dataclasses

import pytest
from signin_helpers import sign_in_settings
from werkzeug.wrappers import Response

from flask_revstack_cognito.signin.cookies import (
    MAX_COOKIE_BYTES,
    CookieTokens,
    CookieTooLarge,
    RefreshCookieCodec,
    clear_cookies,
    set_cookies,
)
from flask_revstack_cognito.signin.settings import REFRESH_COOKIE_MAX_AGE, SignInSettings

NOW = 1_800_000_000.0
EXPIRES = "Expires=Thu, 01 Jan 1970 00:00:00 GMT"

SETTINGS = sign_in_settings(
    "http://127.0.0.1:1",
    client_id="client",
    scope="openid",
    id_cookie="idc",
    access_cookie="acc",
    refresh_cookie="ref",
    timeout=5.0,
)


def codec() -> RefreshCookieCodec:
    return RefreshCookieCodec("secret", associated="ref", random=lambda size: bytes(size))


def tokens(
    *,
    id_token: str = "ID",
    id_in: float = 3600.0,
    access_token: str = "ACCESS",
    access_in: float = 1800.0,
    refresh_token: str | None = "REFRESH",
) -> CookieTokens:
    return CookieTokens(
        id_token=id_token,
        id_expires_at=NOW + id_in,
        access_token=access_token,
        access_expires_at=NOW + access_in,
        refresh_token=refresh_token,
    )


def headers_of(
    cookie_tokens: CookieTokens, settings: SignInSettings = SETTINGS
) -> list[tuple[str, str]]:
    """``set_cookies``'s headers, each without its ``Expires`` date, and that date's name."""
    response = Response()
    set_cookies(response, cookie_tokens, settings, codec(), now=lambda: NOW)
    found = []
    for header in response.headers.getlist("Set-Cookie"):
        parts = header.split("; ")
        (expires,) = [part for part in parts if part.startswith("Expires=")]
        found.append(("; ".join(part for part in parts if part != expires), expires[:8]))
    return found


def test_the_three_cookies_in_order_with_their_lifetimes_and_flags() -> None:
    sealed = codec().seal("REFRESH")
    assert headers_of(tokens()) == [
        ("idc=ID; Max-Age=3600; Secure; HttpOnly; Path=/; SameSite=Lax", "Expires="),
        ("acc=ACCESS; Max-Age=1800; Secure; HttpOnly; Path=/; SameSite=Lax", "Expires="),
        (
            f"ref={sealed}; Max-Age={REFRESH_COOKIE_MAX_AGE}; Secure; HttpOnly; Path=/; "
            "SameSite=Lax",
            "Expires=",
        ),
    ]
    assert REFRESH_COOKIE_MAX_AGE == 2_592_000  # 30 days, Cognito's default validity
    assert codec().open(sealed) == "REFRESH"


def test_a_refresh_without_rotation_leaves_the_refresh_cookie_alone() -> None:
    assert [header for header, _ in headers_of(tokens(refresh_token=None))] == [
        "idc=ID; Max-Age=3600; Secure; HttpOnly; Path=/; SameSite=Lax",
        "acc=ACCESS; Max-Age=1800; Secure; HttpOnly; Path=/; SameSite=Lax",
    ]


def test_the_secure_and_samesite_settings_are_the_cookies() -> None:
    settings = dataclasses.replace(SETTINGS, cookie_secure=False, cookie_samesite="Strict")
    assert [header for header, _ in headers_of(tokens(refresh_token=None), settings)] == [
        "idc=ID; Max-Age=3600; HttpOnly; Path=/; SameSite=Strict",
        "acc=ACCESS; Max-Age=1800; HttpOnly; Path=/; SameSite=Strict",
    ]
    settings = dataclasses.replace(SETTINGS, cookie_samesite="None")
    assert [header for header, _ in headers_of(tokens(refresh_token=None), settings)] == [
        "idc=ID; Max-Age=3600; Secure; HttpOnly; Path=/; SameSite=None",
        "acc=ACCESS; Max-Age=1800; Secure; HttpOnly; Path=/; SameSite=None",
    ]


def test_a_lifetime_is_whole_seconds_left_and_never_negative() -> None:
    found = headers_of(tokens(id_in=59.9, access_in=-30.0, refresh_token=None))
    assert [header for header, _ in found] == [
        "idc=ID; Max-Age=59; Secure; HttpOnly; Path=/; SameSite=Lax",
        "acc=ACCESS; Max-Age=0; Secure; HttpOnly; Path=/; SameSite=Lax",
    ]
    found = headers_of(tokens(id_in=0.5, access_in=1.0, refresh_token=None))
    assert [header.split("; ")[1] for header, _ in found] == ["Max-Age=0", "Max-Age=1"]


def test_clearing_expires_the_three_cookies_with_their_flags() -> None:
    response = Response()
    clear_cookies(response, SETTINGS)
    assert response.headers.getlist("Set-Cookie") == [
        f"{name}=; {EXPIRES}; Max-Age=0; Secure; HttpOnly; Path=/; SameSite=Lax"
        for name in ("idc", "acc", "ref")
    ]
    response = Response()
    clear_cookies(
        response, dataclasses.replace(SETTINGS, cookie_secure=False, cookie_samesite="Strict")
    )
    assert response.headers.getlist("Set-Cookie") == [
        f"{name}=; {EXPIRES}; Max-Age=0; HttpOnly; Path=/; SameSite=Strict"
        for name in ("idc", "acc", "ref")
    ]


def fitting_id_token(extra: int) -> str:
    """An ID token whose ``Set-Cookie`` header is ``MAX_COOKIE_BYTES + extra`` bytes long."""
    (probe, _), *_ = headers_of(tokens(id_token="x", refresh_token=None))
    probe_size = len(probe) + len("; Expires=Tue, 01 Dec 2026 10:00:00 GMT")
    return "x" * (1 + MAX_COOKIE_BYTES + extra - probe_size)


def test_a_cookie_of_exactly_the_limit_is_set() -> None:
    response = Response()
    id_token = fitting_id_token(0)
    set_cookies(
        response, tokens(id_token=id_token, refresh_token=None), SETTINGS, codec(), now=lambda: NOW
    )
    first = response.headers.getlist("Set-Cookie")[0]
    assert len(first) == MAX_COOKIE_BYTES == 4093
    assert first.startswith(f"idc={id_token}; Expires=")


def test_a_cookie_one_byte_over_the_limit_sets_nothing_and_names_itself() -> None:
    response = Response()
    before = response.headers.getlist("Set-Cookie")
    with pytest.raises(CookieTooLarge) as raised:
        set_cookies(
            response,
            tokens(id_token=fitting_id_token(1), refresh_token=None),
            SETTINGS,
            codec(),
            now=lambda: NOW,
        )
    assert raised.value.name == "idc"
    assert raised.value.size == 4094
    assert str(raised.value) == "the idc cookie would be 4094 bytes; browsers keep at most 4093"
    assert response.headers.getlist("Set-Cookie") == before == []


def test_a_refresh_cookie_too_large_is_named_and_nothing_is_set() -> None:
    response = Response()
    with pytest.raises(CookieTooLarge) as raised:
        set_cookies(response, tokens(refresh_token="r" * 3000), SETTINGS, codec(), now=lambda: NOW)
    assert raised.value.name == "ref"
    assert raised.value.size > MAX_COOKIE_BYTES
    assert str(raised.value) == (
        f"the ref cookie would be {raised.value.size} bytes; browsers keep at most 4093"
    )
    assert response.headers.getlist("Set-Cookie") == []
