"""Request paths and response bodies for :class:`~nutshell_rest.client.RestClient` and its
resources: path templates filled with quoted ids, ids typed as ``"<n>-<type>"``, query
pairs and times, and 2xx bodies decoded into envelopes.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

import requests

from nutshell_core.errors import MalformedResponseError, UsageError
from nutshell_core.model import Unset
from nutshell_rest.checks import require_ids
from nutshell_rest.convert import format_id, parse_id
from nutshell_rest.envelope import Envelope, parse_envelope
from nutshell_rest.envelope import resolve as resolve_envelope
from nutshell_rest.errors import body_text, error_from_items, read_json
from nutshell_rest.paging import Params

#: An id as callers give it: ``12`` or ``"12-leads"``.
IdLike = int | str

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _fill(template: str, values: Mapping[str, str]) -> str:
    """The path of ``template`` with each ``{name}`` replaced by its URL-quoted value."""
    names = _PLACEHOLDER.findall(template)
    missing = [n for n in names if n not in values]
    extra = sorted(set(values) - set(names))
    if missing or extra:
        raise UsageError(
            f"{template}: path parameters "
            + (f"missing {missing}" if missing else "")
            + (" and " if missing and extra else "")
            + (f"unexpected {extra}" if extra else "")
        )

    def one(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        if not isinstance(value, str) or not value.strip() or value in (".", ".."):
            raise UsageError(f"{template}: {match.group(1)} must be an id, not {value!r}")
        # "/" is quoted, so a value can never reach another route; "," joins multi-get ids.
        return quote(value, safe=",-_.~")

    return _PLACEHOLDER.sub(one, template)


def _is_empty(response: requests.Response) -> bool:
    return response.status_code == 204 or not response.content.strip()


def _decode_envelope(
    response: requests.Response, target: str, primary_key: str, *, resolve: bool
) -> Envelope:
    data = read_json(response, target)
    if isinstance(data, builtins.list):
        # The OpenAPI document declares some reference lists as bare arrays; live responses
        # are keyed, but reading both costs nothing.
        data = {primary_key: data}
    try:
        envelope = parse_envelope(data, primary_key)
    except MalformedResponseError as exc:
        # Re-raised so that the error names the request, which the parser cannot know.
        raise MalformedResponseError(
            exc.message, target, response.status_code, body_text(response), exc.problems
        ) from exc
    if not isinstance(envelope.errors, Unset) and envelope.errors:
        raise error_from_items(envelope.errors, response, target)
    require_ids(envelope, target, response.status_code)
    return resolve_envelope(envelope) if resolve else envelope


def _as_text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{what} must be a non-blank string, not {value!r}")
    return value


def _unix(value: int | datetime, what: str) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise UsageError(f"{what}: naive datetime; give a timezone-aware one")
        return str(int(value.timestamp()))
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UsageError(f"{what} must be a unix time or an aware datetime, not {value!r}")
    return str(value)


def _typed_id(value: IdLike, rest_type: str, what: str) -> str:
    """``value`` as ``"<n>-<type>"``: ints formatted with ``rest_type``, strings validated."""
    number, found = parse_id(value, rest_type)
    if found is not None:
        assert isinstance(value, str)
        return value
    try:
        return format_id(rest_type, number)
    except UsageError as exc:
        raise UsageError(f"{what}: {exc}") from None


def _any_typed_id(value: object, what: str) -> str:
    """An id whose type cannot be inferred, so it must say it (``"3-contacts"``)."""
    if not isinstance(value, str):
        raise UsageError(f"{what} must be a typed id like '3-contacts', not {value!r}")
    _, found = parse_id(value)
    if found is None:
        raise UsageError(f"{what} must be a typed id like '3-contacts', not {value!r}")
    return value


def _extra_params(params: Mapping[str, Any] | Params | None) -> builtins.list[tuple[str, str]]:
    if params is None:
        return []
    pairs = params.items() if isinstance(params, Mapping) else params
    out = []
    for key, value in pairs:
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        out.append((str(key), text))
    return out
