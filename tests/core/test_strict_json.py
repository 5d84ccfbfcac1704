"""Strict decoding of request bodies: UTF-8, no lone surrogates, bounded nesting."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nutshell_core.strict_json import (
    MAX_DEPTH,
    JsonInputError,
    _nesting_depth,
    loads_request,
    loads_response,
)


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


def _walked_depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((_walked_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_walked_depth(v) for v in value), default=0)
    return 0


# Strings made of the characters that could fool a measure of the text: brackets, quotes
# and backslashes (escaped when dumped), and one character that is not ASCII.
_TRICKY_TEXT = st.text(alphabet='[]{}"\\ aé\n', max_size=6)
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | _TRICKY_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TRICKY_TEXT, inner, max_size=3),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(value=_JSON_VALUES, ascii_only=st.booleans(), as_bytes=st.booleans())
def test_the_text_measure_of_nesting_equals_a_walk_of_the_value(
    value: object, ascii_only: bool, as_bytes: bool
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    body: bytes | str = text.encode() if as_bytes else text
    assert _nesting_depth(body, text, 1_000) == _walked_depth(value)
    # And the limit is applied to that measure, one level either side of it.
    depth = _walked_depth(value)
    if depth:
        assert loads_response(body, max_depth=depth) == value
        with pytest.raises(JsonInputError, match="deeper"):
            loads_response(body, max_depth=depth - 1)
