"""The refresh cookie's codec: AES-GCM under a key derived from SECRET_KEY, tamper-evident."""

from __future__ import annotations

import base64

import pytest

from flask_revstack_cognito.signin.cookies import RefreshCookieCodec, derive_key

TOKEN = "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.opaque-refresh-token"


def flip(value: str, index: int) -> str:
    """``value`` with one bit of its decoded body changed at ``index``."""
    body = value.removeprefix("v1.")
    data = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    data[index] ^= 0x01
    return "v1." + base64.urlsafe_b64encode(bytes(data)).decode().rstrip("=")


def test_a_sealed_token_opens_with_the_same_secret() -> None:
    sealed = RefreshCookieCodec("secret").seal(TOKEN)
    assert sealed.startswith("v1.")
    assert TOKEN not in sealed
    assert RefreshCookieCodec("secret").open(sealed) == TOKEN


def test_each_seal_is_different() -> None:
    codec = RefreshCookieCodec("secret")
    assert codec.seal(TOKEN) != codec.seal(TOKEN)


@pytest.mark.parametrize("index", [0, 11, 12, 20, -1])
def test_a_changed_bit_anywhere_is_refused(index: int) -> None:
    codec = RefreshCookieCodec("secret")
    assert codec.open(flip(codec.seal(TOKEN), index)) is None


def test_another_secret_cannot_open_it() -> None:
    assert RefreshCookieCodec("other").open(RefreshCookieCodec("secret").seal(TOKEN)) is None


def test_a_fallback_secret_still_opens_old_cookies() -> None:
    old = RefreshCookieCodec("old").seal(TOKEN)
    rotated = RefreshCookieCodec("new", fallbacks=["old"])
    assert rotated.open(old) == TOKEN
    assert RefreshCookieCodec("old").open(rotated.seal(TOKEN)) is None  # new ones use "new"


def test_a_value_sealed_for_another_cookie_does_not_open() -> None:
    sealed = RefreshCookieCodec("secret", associated="refresh_token").seal(TOKEN)
    assert RefreshCookieCodec("secret", associated="other").open(sealed) is None
    assert RefreshCookieCodec("secret", associated="refresh_token").open(sealed) == TOKEN


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        TOKEN,
        "v2.abcd",
        "v1.",
        "v1.abc",
        "v1.abcde",
        "v1.!!!!",
        "v1." + "A" * 10,
        "v1." + "A" * 9000,
    ],
)
def test_anything_else_is_refused(value: str | None) -> None:
    assert RefreshCookieCodec("secret").open(value) is None


def test_bytes_and_str_secrets_derive_the_same_key() -> None:
    assert derive_key("secret") == derive_key(b"secret")
    assert len(derive_key("secret")) == 32
    assert derive_key("secret") != derive_key("secret2")


def test_a_sealed_text_that_is_not_utf8_is_refused() -> None:
    nonce = b"\x00" * 12
    codec = RefreshCookieCodec("secret", random=lambda size: nonce)
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    sealed = AESGCM(derive_key("secret")).encrypt(nonce, b"\xff\xfe", b"")
    value = "v1." + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
    assert codec.open(value) is None


def test_the_codec_does_not_show_its_key() -> None:
    assert repr(RefreshCookieCodec("secret")) == "<RefreshCookieCodec>"
