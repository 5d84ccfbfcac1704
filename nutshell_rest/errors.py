"""Mapping REST responses to the project's typed errors (rest-api.md §6).

Nutshell's REST API reports failures in several unrelated shapes, so the status code picks the
error class and the body only supplies the message:

* a JSON envelope with ``errors[]`` (``status`` a string such as ``"400"``): the message is each
  item's ``title: detail``, and the parsed items are kept in the error's ``data``;
* an HTML page (401 "An Error Occurred: Unauthorized", 404 "... Not Found"): the ``<title>``;
* a bare JSON string (PATCH without the JSON Patch media type): the string itself;
* ``{"code": 500, "message": "Internal Server Error"}``: the ``message``;
* plain text (405 "Internal Error"): the text.

Every error carries ``status``, ``request_id`` (the ``x-nutshell-request-id`` header),
``target`` (``"GET /leads/12-leads"``) and a truncated, scrubbed ``body``. A 429 becomes
:class:`RateLimitedError` with ``retry_after`` in seconds when the server sent ``Retry-After``.

Bodies are decoded with :func:`nutshell_core.strict_json.loads_response` (strict UTF-8, a byte
order mark allowed, bounded nesting): an undecodable success body is a
:class:`MalformedResponseError`, and :func:`outcome_unknown` turns that into
:class:`OutcomeUnknownError` for a write, whose success status says it was applied.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

import requests

from nutshell_core.errors import (
    APIError,
    MalformedResponseError,
    OutcomeUnknownError,
    RateLimitedError,
    error_for_status,
)
from nutshell_core.strict_json import JsonInputError, loads_response
from nutshell_core.transport import parse_retry_after, request_id
from nutshell_rest.envelope import ApiErrorItem, parse_error_item

__all__ = ["body_text", "error_from_items", "outcome_unknown", "raise_for_response", "read_json"]

#: The longest server-supplied message kept in an error's message (the body is kept apart).
MESSAGE_LIMIT: Final = 300

_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"\s+")


def _content_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").lower()


def _looks_like_html(text: str, content_type: str) -> bool:
    head = text.lstrip()[:64].lower()
    return "html" in content_type or head.startswith(("<!doctype", "<html", "<head", "<body"))


def _short(text: str) -> str:
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= MESSAGE_LIMIT else text[:MESSAGE_LIMIT] + "..."


def body_text(response: requests.Response) -> str:
    """The body as text for messages and excerpts: UTF-8, undecodable bytes replaced.

    Never ``response.text``, which guesses an encoding (slowly, on a large body) when the
    server names none.
    """
    return response.content.decode("utf-8", "replace").removeprefix("\ufeff")


def _try_json(body: bytes | str) -> tuple[bool, Any]:
    try:
        return True, loads_response(body)
    except JsonInputError:
        return False, None


def outcome_unknown(exc: MalformedResponseError, target: str) -> OutcomeUnknownError:
    """The error for a write answered with success whose body could not be read."""
    return OutcomeUnknownError(
        f"{target}: the outcome is unknown: the server answered success but the body could not "
        f"be read ({exc.message}): the write may have been applied; read before retrying",
        target,
    )


def _items(data: Any) -> tuple[ApiErrorItem, ...]:
    """The ``errors[]`` items of an envelope; unreadable items are skipped, not fatal, because
    an error that fails to parse must still surface as the error it is."""
    raw = data.get("errors") if isinstance(data, Mapping) else None
    if not isinstance(raw, list):
        return ()
    items = []
    for i, item in enumerate(raw):
        try:
            items.append(parse_error_item(item, f"$.errors[{i}]"))
        except MalformedResponseError:
            continue
    return tuple(items)


def _message_from_json(data: Any, status: int) -> str:
    if isinstance(data, str) and data.strip():
        return _short(data)  # the JSON-string 400 of a PATCH sent as plain JSON
    if isinstance(data, Mapping):
        for key in ("message", "error", "title", "detail"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                return _short(value)
    return f"HTTP {status} with an unrecognised JSON error body"


def _message_from_text(text: str, content_type: str, status: int) -> str:
    if not text.strip():
        return f"HTTP {status} with an empty body"
    if _looks_like_html(text, content_type):
        match = _TITLE.search(text)
        title = _short(html.unescape(match.group(1))) if match else ""
        return title or f"HTTP {status} with an HTML page"
    return _short(text)


def _build(
    cls: type[APIError],
    message: str,
    *,
    response: requests.Response,
    status: int,
    target: str,
    data: Any = None,
    now: Callable[[], datetime] | None = None,
) -> APIError:
    common: dict[str, Any] = {
        "status": status,
        "request_id": request_id(response),
        "target": target,
        "body": body_text(response),
        "data": data,
    }
    if issubclass(cls, RateLimitedError):
        return cls(
            message,
            retry_after=parse_retry_after(response.headers.get("Retry-After"), now=now),
            **common,
        )
    return cls(message, **common)


def error_from_items(
    items: Sequence[ApiErrorItem],
    response: requests.Response,
    target: str,
    *,
    now: Callable[[], datetime] | None = None,
) -> APIError:
    """The typed error for an ``errors[]`` envelope.

    The HTTP status picks the class; only a 2xx that nevertheless carries errors falls back to
    the first item's own ``status``. The message joins every item's ``title: detail``.
    """
    status = response.status_code
    if status < 400:
        status = next((s for s in (i.http_status for i in items) if s is not None), status)
    message = "; ".join(_short(item.message) for item in items) or f"HTTP {status}"
    return _build(
        error_for_status(status),
        message,
        response=response,
        status=status,
        target=target,
        data=tuple(items),
        now=now,
    )


def raise_for_response(
    response: requests.Response, target: str, *, now: Callable[[], datetime] | None = None
) -> None:
    """Raise the typed error a non-success response describes; return on 1xx/2xx.

    ``target`` labels the error (``"PATCH /leads/12-leads"``); ``now`` (aware wall-clock time)
    is only for reading a ``Retry-After`` given as an HTTP date. A 3xx the transport did not
    follow (a redirect to another origin) is an :class:`APIError` too: credentials are never
    replayed to it, so the call did not happen.
    """
    status = response.status_code
    if status < 300:
        return
    text = body_text(response)
    content_type = _content_type(response)
    if 300 <= status < 400:
        where = response.headers.get("Location", "")
        raise _build(
            APIError,
            f"HTTP {status} redirect not followed" + (f" (to {where})" if where else ""),
            response=response,
            status=status,
            target=target,
        )
    is_json, data = (
        (False, None) if _looks_like_html(text, content_type) else _try_json(response.content)
    )
    if is_json:
        items = _items(data)
        if items:
            raise error_from_items(items, response, target, now=now)
        message = _message_from_json(data, status)
    else:
        message = _message_from_text(text, content_type, status)
    raise _build(
        error_for_status(status),
        message,
        response=response,
        status=status,
        target=target,
        now=now,
    )


def read_json(response: requests.Response, target: str) -> Any:
    """The JSON body of a successful response; raise the typed error of a failed one.

    A 2xx whose body is not JSON (an HTML page, truncated JSON, nothing at all where JSON was
    due, invalid UTF-8, nesting deeper than the limit) raises :class:`MalformedResponseError`
    naming ``target``.
    """
    raise_for_response(response, target)
    try:
        return loads_response(response.content)
    except JsonInputError as exc:
        text = body_text(response)
        kind = (
            "an HTML page"
            if _looks_like_html(text, _content_type(response))
            else ("an empty body" if not text.strip() else "a body that is not JSON")
        )
        raise MalformedResponseError(
            f"{kind} where JSON was due",
            target,
            response.status_code,
            text,
            (
                f"HTTP {response.status_code}, Content-Type {_content_type(response) or 'none'!r}",
                str(exc),
            ),
        ) from None
