"""Strict decoding of request bodies: UTF-8, no lone surrogates, bounded nesting."""

from __future__ import annotations

import pytest

from nutshell_core.strict_json import MAX_DEPTH, JsonInputError, loads_request


def test_ordinary_bodies_decode_as_json_does() -> None:
    assert loads_request(b'{"a": [1, "\\u00e9", {"b": null}]}') == {"a": [1, "é", {"b": None}]}
    assert loads_request("[]") == []
    assert loads_request(b"") is None
    assert loads_request(b"", empty={}) == {}


def test_an_escaped_surrogate_pair_is_one_character() -> None:
    assert loads_request(b'"\\ud83d\\ude00"') == "\U0001f600"


@pytest.mark.parametrize(
    "body",
    [
        b'"\\ud800"',
        b'"\\udfff x"',
        b'{"\\ud800": 1}',
        b'[[["\\ude00\\ud83d"]]]',  # a pair in the wrong order is two lone surrogates
        b'"\xed\xa0\x80"',  # a surrogate encoded as UTF-8 bytes
        b'"\xff"',
        b"\xef\xbb\xbf{}",  # a byte-order mark is not JSON
        b"{",
        b"NaN-ish",
    ],
)
def test_unacceptable_bodies_raise_a_value_error(body: bytes) -> None:
    with pytest.raises(JsonInputError) as caught:
        loads_request(body)
    assert isinstance(caught.value, ValueError)
    assert "\\ud" not in str(caught.value)  # the reason, never the input


def test_nesting_is_bounded_at_max_depth() -> None:
    assert loads_request("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    with pytest.raises(JsonInputError, match="deeper"):
        loads_request("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    with pytest.raises(JsonInputError, match="deeper"):
        loads_request('{"a": ' * 500 + "1" + "}" * 500)
    # Past what json itself can parse, the refusal is the same, not a RecursionError.
    with pytest.raises(JsonInputError, match="deeper"):
        loads_request("[" * 100_000 + "]" * 100_000)


def test_many_brackets_inside_strings_are_not_nesting() -> None:
    text = '["' + "[" * 1000 + '"]'
    assert loads_request(text) == ["[" * 1000]
