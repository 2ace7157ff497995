"""The config readers of ``config.py``: strings, lists, choices and numbers, and their errors."""

from __future__ import annotations

import math

import pytest
from contract_helpers import expected_message

from flask_revstack_cognito import CognitoConfigError
from flask_revstack_cognito.config import (
    read_choice,
    read_number,
    read_optional_str,
    read_str_list,
)

# --------------------------------------------------------------------------------------------
# The config readers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ()),
        ("", ()),
        ("   ", ()),
        (",,", ()),
        ("a", ("a",)),
        ("a, b,,c", ("a", "b", "c")),
        (" a ,b ", ("a", "b")),
        ("a,a", ("a", "a")),
        (["a", " b ", ""], ("a", "b")),
        (("a", "b"), ("a", "b")),
        ([], ()),
        ((), ()),
    ],
)
def test_read_str_list(value: object, expected: tuple[str, ...]) -> None:
    assert read_str_list("COGNITO_X", value, example="'a,b'") == expected


@pytest.mark.parametrize(
    ("value", "type_name"),
    [
        (1, "int"),
        (1.5, "float"),
        (True, "bool"),
        ({"a": 1}, "dict"),
        ({"a"}, "set"),
        (b"a,b", "bytes"),
        (["a", 1], "list"),
        (("a", None), "tuple"),
        ([["a"]], "list"),
    ],
)
def test_read_str_list_bad_types(value: object, type_name: str) -> None:
    with pytest.raises(CognitoConfigError) as caught:
        read_str_list("COGNITO_X", value, example="'a,b'")

    problem = f"expected a string, a comma-separated string or a list of strings, got {type_name}"
    assert caught.value.key == "COGNITO_X"
    assert caught.value.problem == problem
    assert caught.value.example == "'a,b'"
    assert str(caught.value) == f"COGNITO_X: {problem} (for example 'a,b')"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("abc", "abc"), ("  abc  ", "abc"), ("a b", "a b")],
)
def test_read_optional_str(value: object, expected: str | None) -> None:
    assert read_optional_str("COGNITO_X", value, example="'x'") == expected


def test_read_optional_str_blank_is_not_an_empty_string() -> None:
    """Documented as "an optional non-empty string": a blank value must not come back as ""."""
    outcome: object
    try:
        outcome = read_optional_str("COGNITO_X", "   ", example="'x'")
    except CognitoConfigError as error:
        outcome = error.key
    assert outcome in (None, "COGNITO_X")


@pytest.mark.parametrize(
    ("value", "type_name"),
    [(1, "int"), (0, "int"), (False, "bool"), (["a"], "list"), ({}, "dict")],
)
def test_read_optional_str_bad_types(value: object, type_name: str) -> None:
    with pytest.raises(CognitoConfigError) as caught:
        read_optional_str("COGNITO_X", value, example="'x'")

    assert caught.value.key == "COGNITO_X"
    assert caught.value.problem == f"expected a string, got {type_name}"
    assert str(caught.value) == f"COGNITO_X: expected a string, got {type_name} (for example 'x')"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("id", "id"), ("ID", "id"), (" Access ", "access"), ("any", "any"), ("\tANY\n", "any")],
)
def test_read_choice(value: object, expected: str) -> None:
    assert read_choice("COGNITO_X", value, ("id", "access", "any")) == expected


def test_read_choice_with_a_set_of_choices() -> None:
    assert read_choice("COGNITO_X", "B", {"a", "b"}) == "b"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("refresh", "'refresh'"),
        ("", "''"),
        ("i d", "'i d'"),
        (None, "None"),
        (1, "1"),
        (True, "True"),
        (["id"], "['id']"),
    ],
)
def test_read_choice_refuses(value: object, shown: str) -> None:
    with pytest.raises(CognitoConfigError) as caught:
        read_choice("COGNITO_X", value, ("id", "access", "any"))

    problem = f"expected one of 'id', 'access', 'any', got {shown}"
    assert caught.value.key == "COGNITO_X"
    assert caught.value.problem == problem
    assert caught.value.example == "'id'"
    assert str(caught.value) == expected_message("COGNITO_X", problem, "'id'")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 0.0),
        (5, 5.0),
        (5.5, 5.5),
        ("5", 5.0),
        (" 2.5 ", 2.5),
        ("1e1", 10.0),
        (10, 10.0),
        ("10", 10.0),
    ],
)
def test_read_number(value: object, expected: float) -> None:
    number = read_number("COGNITO_X", value, minimum=0, maximum=10, example="3")

    assert number == expected
    assert isinstance(number, float)


@pytest.mark.parametrize(("value", "expected"), [(3, 3.0), ("3", 3.0), (3.0, 3.0), ("4.0", 4.0)])
def test_read_number_integer(value: object, expected: float) -> None:
    assert (
        read_number("COGNITO_X", value, minimum=1, maximum=10, example="3", integer=True)
        == expected
    )


@pytest.mark.parametrize(
    ("value", "integer", "problem"),
    [
        (1.5, True, "expected a whole number, got 1.5"),
        ("1.5", True, "expected a whole number, got '1.5'"),
        (True, True, "expected a whole number, got True"),
        (True, False, "expected a number, got True"),
        (False, False, "expected a number, got False"),
        (None, False, "expected a number, got None"),
        ("abc", False, "expected a number, got 'abc'"),
        ("", False, "expected a number, got ''"),
        ([], False, "expected a number, got []"),
        (math.nan, False, "expected a number, got nan"),
        (math.inf, False, "expected a number, got inf"),
        ("inf", False, "expected a number, got 'inf'"),
        ("-inf", True, "expected a whole number, got '-inf'"),
        (11, False, "expected a number from 1 to 10, got 11"),
        (0, False, "expected a number from 1 to 10, got 0"),
        ("0.5", False, "expected a number from 1 to 10, got '0.5'"),
        (11, True, "expected a whole number from 1 to 10, got 11"),
        (-2, True, "expected a whole number from 1 to 10, got -2"),
    ],
)
def test_read_number_refuses(value: object, integer: bool, problem: str) -> None:
    with pytest.raises(CognitoConfigError) as caught:
        read_number("COGNITO_X", value, minimum=1, maximum=10, example="3", integer=integer)

    assert caught.value.key == "COGNITO_X"
    assert caught.value.problem == problem
    assert caught.value.example == "3"
    assert str(caught.value) == f"COGNITO_X: {problem} (for example 3)"


def test_read_number_range_message_formats_fractions() -> None:
    with pytest.raises(CognitoConfigError) as caught:
        read_number("COGNITO_X", 0.1, minimum=0.5, maximum=2.5, example="1")

    assert caught.value.problem == "expected a number from 0.5 to 2.5, got 0.1"


@pytest.mark.parametrize("value", [10**400, -(10**400)], ids=["huge", "minus-huge"])
def test_read_number_refuses_ints_too_large_for_a_float(value: int) -> None:
    with pytest.raises(CognitoConfigError) as caught:
        read_number("COGNITO_X", value, minimum=0, maximum=10, example="3")

    assert caught.value.key == "COGNITO_X"
    assert caught.value.problem.startswith("expected a number")


def test_config_error_without_example() -> None:
    error = CognitoConfigError("COGNITO_X", "is wrong")

    assert (error.key, error.problem, error.example) == ("COGNITO_X", "is wrong", None)
    assert str(error) == "COGNITO_X: is wrong"
    assert CognitoConfigError("COGNITO_X", "is wrong", "'y'").args == (
        "COGNITO_X: is wrong (for example 'y')",
    )
