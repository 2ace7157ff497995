"""The header's fast path ("Bearer <token>" as written) gives what the general rule gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from property_kit import examples

from flask_revstack_cognito.locate import token_from_header


def general_rule(value: str | None, header_type: str) -> str | None:
    """The rule of SPEC section 4, step 1, written out without any shortcut."""
    if value is None:
        return None
    value = value.strip()
    if not header_type:
        return value or None
    scheme, _, token = value.partition(" ")
    token = token.strip()
    if scheme.lower() != header_type.lower() or not token:
        return None
    return token


SCHEMES = st.sampled_from(["Bearer", "bearer", "BEARER", "Token", "JWT", "", " Bearer", "Bea rer"])
TEXT = st.text(st.sampled_from(" \t\n\x0b\x0c\r\x1c\x85\u2028\u3000ab.-_Bb"), max_size=12)


@examples(300)
@given(prefix=SCHEMES, rest=TEXT, header_type=SCHEMES)
def test_the_fast_path_agrees_with_the_general_rule(
    prefix: str, rest: str, header_type: str
) -> None:
    for value in (prefix + rest, f"{prefix} {rest}", f"{prefix}  {rest} "):
        assert token_from_header(value, header_type) == general_rule(value, header_type)


def test_the_fast_path_keeps_a_token_exactly() -> None:
    assert token_from_header("Bearer a.b.c", "Bearer") == "a.b.c"
    assert token_from_header("Bearer  a.b.c \t", "Bearer") == "a.b.c"
    assert token_from_header("Bearer ", "Bearer") is None
    assert token_from_header("Bearer a b", "Bearer") == "a b"
