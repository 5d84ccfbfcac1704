"""Plain HTTP values the emulator's fronts speak, independent of how requests arrive.

The same :class:`HttpRequest` comes from a ``responses`` callback (in-process) or from the WSGI
server (loopback); each front answers with an :class:`HttpReply`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import attrs

from nutshell_core.strict_json import loads_request

__all__ = ["HttpReply", "HttpRequest", "html_error_page", "json_reply"]


@attrs.frozen(kw_only=True)
class HttpRequest:
    """One request: ``headers`` keys are lower-case; ``query`` keeps repeated keys in order."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: Mapping[str, str] = attrs.field(factory=dict)
    body: bytes = b""

    @classmethod
    def from_url(
        cls, method: str, url: str, headers: Mapping[str, str], body: bytes | str | None
    ) -> HttpRequest:
        """Build from a full URL (the ``responses`` side)."""
        parts = urlsplit(url)
        raw = body.encode("utf-8") if isinstance(body, str) else (body or b"")
        return cls(
            method=method.upper(),
            path=parts.path or "/",
            query=tuple(parse_qsl(parts.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in headers.items()},
            body=raw,
        )

    def header(self, name: str) -> str | None:
        """A header value by case-insensitive name."""
        return self.headers.get(name.lower())

    def json(self) -> Any:
        """The body parsed as strict JSON (``JsonInputError``, a ValueError, when it is not).

        Strict: UTF-8, no lone surrogates, bounded nesting (:mod:`nutshell_core.strict_json`),
        so nothing the store could not answer with again is ever stored.
        """
        return loads_request(self.body)


@attrs.frozen
class HttpReply:
    """One answer: status, headers and body bytes."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """A header value by case-insensitive name."""
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def json_reply(status: int, body: Any, headers: tuple[tuple[str, str], ...] = ()) -> HttpReply:
    """A JSON answer."""
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return HttpReply(status, (("Content-Type", "application/json"), *headers), payload)


# The shape of the page app.nutshell.com returns (tests/fixtures/rest/err-not-found.html).
_HTML = """<!DOCTYPE html>
<html>

<head>
<meta charset="UTF-8" />
<title>An Error Occurred: {reason}</title>
</head>

<body>
<h1>Oops! An Error Occurred</h1>
<h2>The server returned a "{status} {reason}".</h2>

<div>
Something is broken. Please let us know what you were doing when this error occurred.
We will fix it as soon as possible. Sorry for any inconvenience caused.
</div>
</body>

</html>
"""


def html_error_page(status: int, reason: str) -> HttpReply:
    """The HTML error page Nutshell's REST host sends for 401 and 404."""
    body = _HTML.format(status=status, reason=reason).encode("utf-8")
    return HttpReply(status, (("Content-Type", "text/html; charset=UTF-8"),), body)
