"""An independent corpus of malformed, hostile and slow HTTP answers, and the loopback stage
that plays them byte for byte.

Each :class:`Case` is what a server sends for ONE request: the JSON-RPC ``getLead`` call (its
``api`` is ``"rpc"``) or REST ``GET /rest/leads/1-leads`` (``"rest"``). The :class:`Stage` is a
raw socket server on 127.0.0.1: a request under ``/c/<n>/`` that is case ``n``'s target gets the
case's bytes (status line, headers, body, pauses, resets exactly as written); every other request
(the bridge's reference reads and the like) is answered by a real emulator. Nothing here comes
from the code under test's own test helpers, so the corpus checks the clients from outside.

Bodies start from the emulator's real answers for lead 1 and are then broken one way each.
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import json
import socket
import struct
import threading
import zlib
from functools import cache
from typing import Any, Literal

import attrs

from bridge import NutshellAPI as BridgeAPI
from bridge.routes import Mode, Routes
from nutshell_core.transport import RetryPolicy, Timeouts
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator
from nutshell_emulator.http import HttpRequest
from nutshell_rest import RestClient
from nutshell_rpc import NutshellAPI as RpcAPI

__all__ = [
    "DEADLINE",
    "HEAVY",
    "Case",
    "Stage",
    "Step",
    "bridge_rest",
    "build_corpus",
    "rest_get",
    "rpc_raw",
    "rpc_typed",
]

#: Which request a case answers: JSON-RPC ``getLead``, REST ``GET /leads/1-leads``, or both.
Api = Literal["rpc", "rest", "both"]

#: The trickle pace the slow cases use (one byte per this many seconds).
TRICKLE = 0.3
#: How much the bombs inflate to; the compressed stream is built in chunks, so the test side
#: never holds the inflated bytes.
BOMB_BYTES = 50 * 1024 * 1024
#: A large plain body, streamed in chunks.
HUGE_BYTES = 24 * 1024 * 1024
_CHUNK = 1024 * 1024
#: The generic cases that inflate or stream tens of MiB: each runs in a test of its own.
HEAVY = ("gzip-bomb-zeros", "gzip-bomb-json", "deflate-bomb", "huge-body", "huge-body-no-length")


@attrs.frozen
class Step:
    """One thing the server does: send bytes, pause, send bytes slowly, or end the connection."""

    kind: Literal["send", "sleep", "trickle", "reset", "close", "stream"]
    data: bytes = b""
    seconds: float = 0.0
    repeat: int = 0  # "stream": send ``data`` this many times


@attrs.frozen
class Case:
    """One answer to the target request of ``api``.

    ``invalid`` says the answer holds no usable record: a client face that returns a result for
    it accepted garbage (counted as a wrong result), except the raw JSON-RPC face, which returns
    what the server sent by design unless ``invalid_raw``. ``slow`` cases pace their bytes.
    """

    name: str
    api: Api
    steps: tuple[Step, ...]
    invalid: bool = False
    invalid_raw: bool = False
    slow: bool = False
    heavy: bool = False  # a bomb or a huge body: run alone, so memory stays bounded


# ---------------------------------------------------------------------------------------------
# Building answers
# ---------------------------------------------------------------------------------------------

_REASONS = {200: "OK", 204: "No Content", 404: "Not Found", 500: "Internal Server Error"}


def head(status: int | str, headers: list[tuple[str, str]], *, reason: str | None = None) -> bytes:
    """A status line and headers (``Connection: close`` added), ready to send."""
    phrase = (
        reason
        if reason is not None
        else _REASONS.get(status if isinstance(status, int) else 0, "Status")
    )
    lines = [f"HTTP/1.1 {status} {phrase}"]
    lines += [f"{k}: {v}" for k, v in headers]
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def answer(
    status: int | str,
    body: bytes,
    content_type: str | None = "application/json",
    extra: list[tuple[str, str]] | None = None,
    *,
    length: bool = True,
) -> tuple[Step, ...]:
    """A whole answer with a correct ``Content-Length`` (unless ``length`` is off)."""
    headers = [("Content-Type", content_type)] if content_type else []
    headers += extra or []
    if length:
        headers.append(("Content-Length", str(len(body))))
    return (Step("send", head(status, headers) + body), Step("close"))


def json_answer(status: int, value: Any, **options: Any) -> tuple[Step, ...]:
    """``value`` as a JSON answer."""
    return answer(status, json.dumps(value).encode(), **options)


@cache
def gzip_bomb(payload_prefix: bytes = b"", payload_suffix: bytes = b"", wbits: int = 31) -> bytes:
    """``prefix + zeros or spaces + suffix`` compressed, built chunk by chunk (~50 KB)."""
    squeezer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    parts = [squeezer.compress(payload_prefix)]
    filler = b" " if payload_prefix else b"\0"
    block = filler * _CHUNK
    for _ in range(BOMB_BYTES // _CHUNK):
        parts.append(squeezer.compress(block))
    parts.append(squeezer.compress(payload_suffix))
    parts.append(squeezer.flush())
    return b"".join(parts)


def _nest(depth: int, opener: str, closer: str) -> bytes:
    return (opener * depth + closer * depth).encode()


def _stall(seconds: float) -> Step:
    return Step("sleep", seconds=seconds)


def _chunked(body: bytes, pieces: int = 3) -> bytes:
    size = max(1, len(body) // pieces)
    out = b""
    for start in range(0, len(body), size):
        part = body[start : start + size]
        out += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    return out + b"0\r\n\r\n"


# ---------------------------------------------------------------------------------------------
# The corpus
# ---------------------------------------------------------------------------------------------


def _generic(api: Api, valid: bytes) -> list[Case]:
    """HTTP-level breakage that applies to either API (``valid`` is a correct body)."""
    html = b"<!DOCTYPE html><html><head><title>Oops</title></head><body>Error</body></html>"
    half = valid[: len(valid) // 2]
    name = valid.replace(b'"Renewal deal', b'"Renewal \xff\xfe deal', 1)
    cases: dict[str, tuple[Step, ...]] = {
        "html-200": answer(200, html, "text/html; charset=UTF-8"),
        "html-500": answer(500, html, "text/html"),
        "html-502": answer(502, html, "text/html"),
        "html-503-retry-after": answer(503, html, "text/html", [("Retry-After", "0")]),
        "html-404": answer(404, html, "text/html"),
        "html-401": answer(401, html, "text/html"),
        "html-as-json": answer(200, html),
        "empty-200": answer(200, b""),
        "empty-204": answer(204, b"", None),
        "empty-500": answer(500, b""),
        "whitespace-200": answer(200, b" \r\n\t "),
        "truncated-half": answer(200, half),
        "truncated-one-byte": answer(200, b"{"),
        "short-body-vs-length": (
            Step(
                "send",
                head(
                    200, [("Content-Type", "application/json"), ("Content-Length", str(len(valid)))]
                )
                + half,
            ),
            Step("close"),
        ),
        "reset-before-status": (Step("reset"),),
        "close-before-status": (Step("close"),),
        "reset-mid-headers": (Step("send", b"HTTP/1.1 200 OK\r\nContent-Ty"), Step("reset")),
        "reset-mid-body": (
            Step(
                "send",
                head(
                    200, [("Content-Type", "application/json"), ("Content-Length", str(len(valid)))]
                )
                + half,
            ),
            Step("reset"),
        ),
        "garbage-status-line": (Step("send", b"HTTP/1.1 abc nope\r\n\r\n" + valid), Step("close")),
        "not-http": (Step("send", b"SSH-2.0-OpenSSH_9.6\r\n"), Step("close")),
        "no-status-line": (Step("send", valid), Step("close")),
        "status-999": answer(999, valid),
        "status-600": answer(600, valid),
        "redirect-off-host": answer(
            302, b"", None, [("Location", "http://evil.example/api/v1/json")]
        ),
        "redirect-loop": answer(307, b"", None, [("Location", "/c/self")]),
        "redirect-https-other": answer(
            301, b"", None, [("Location", "https://app.nutshell.com:8443/api")]
        ),
        "chunked-valid": (
            Step(
                "send",
                head(200, [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")])
                + _chunked(valid),
            ),
            Step("close"),
        ),
        "chunked-bad-size": (
            Step(
                "send",
                head(200, [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")])
                + b"zz\r\n{}\r\n0\r\n\r\n",
            ),
            Step("close"),
        ),
        "chunked-unterminated": (
            Step(
                "send",
                head(200, [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")])
                + b'10\r\n{"result": 1, \r\n',
            ),
            Step("close"),
        ),
        "chunked-and-length": (
            Step(
                "send",
                head(
                    200,
                    [
                        ("Content-Type", "application/json"),
                        ("Transfer-Encoding", "chunked"),
                        ("Content-Length", "5"),
                    ],
                )
                + _chunked(valid),
            ),
            Step("close"),
        ),
        "gzip-valid": answer(200, gzip.compress(valid), extra=[("Content-Encoding", "gzip")]),
        "gzip-bomb-zeros": answer(200, gzip_bomb(), extra=[("Content-Encoding", "gzip")]),
        "gzip-bomb-json": answer(
            200,
            gzip_bomb(b'{"padding": "', b'"}'),
            extra=[("Content-Encoding", "gzip")],
        ),
        "deflate-bomb": answer(200, gzip_bomb(wbits=15), extra=[("Content-Encoding", "deflate")]),
        "gzip-corrupt": answer(
            200, b"\x1f\x8b\x08\x00garbage-not-deflate", extra=[("Content-Encoding", "gzip")]
        ),
        "gzip-declared-plain-body": answer(200, valid, extra=[("Content-Encoding", "gzip")]),
        "unknown-encoding": answer(200, valid, extra=[("Content-Encoding", "x-nutshell")]),
        "double-gzip": answer(
            200,
            gzip.compress(gzip.compress(valid)),
            extra=[("Content-Encoding", "gzip, gzip")],
        ),
        "huge-body": (
            Step(
                "send",
                head(
                    200,
                    [("Content-Type", "application/json"), ("Content-Length", str(HUGE_BYTES + 4))],
                )
                + b'["',
            ),
            Step("stream", b"a" * _CHUNK, repeat=HUGE_BYTES // _CHUNK),
            Step("send", b'"]'),
            Step("close"),
        ),
        "huge-body-no-length": (
            Step("send", head(200, [("Content-Type", "application/json")]) + b'["'),
            Step("stream", b"a" * _CHUNK, repeat=HUGE_BYTES // _CHUNK),
            Step("send", b'"]'),
            Step("close"),
        ),
        "nesting-2000-arrays": answer(200, _nest(2000, "[", "]")),
        "nesting-2000-objects": answer(200, ('{"a":' * 2000 + "1" + "}" * 2000).encode()),
        "nesting-100000": answer(200, _nest(100_000, "[", "]")),
        "bom-valid": answer(200, b"\xef\xbb\xbf" + valid),
        "invalid-utf8": answer(200, name),
        "utf16-declared-utf8-body": answer(200, valid, "application/json; charset=utf-16"),
        "utf16-body": answer(200, valid.decode("utf-8").encode("utf-16")),
        "text-plain-json": answer(200, valid, "text/plain"),
        "xml": answer(200, b"<?xml version='1.0'?><lead id='1'/>", "application/xml"),
        "no-content-type": answer(200, valid, None),
        "nul-bytes": answer(200, b"\0" * 64),
        "trailing-garbage": answer(200, valid + b" xyz"),
        "two-documents": answer(200, valid + valid),
        "top-array": answer(200, b"[" + valid + b"]"),
        "top-string": answer(200, b'"ok"'),
        "top-number": answer(200, b"1"),
        "top-null": answer(200, b"null"),
        "top-true": answer(200, b"true"),
        "huge-header-line": answer(200, valid, extra=[("X-Junk", "a" * 100_000)]),
        "many-headers": answer(200, valid, extra=[(f"X-H{i}", "v") for i in range(200)]),
        "length-negative": answer(200, valid, extra=[("Content-Length", "-5")], length=False),
        "length-garbage": answer(200, valid, extra=[("Content-Length", "abc")], length=False),
        "length-twice": answer(
            200,
            valid,
            extra=[("Content-Length", str(len(valid))), ("Content-Length", "3")],
            length=False,
        ),
        "429-huge-retry-after": answer(429, b"{}", extra=[("Retry-After", "1000000000")]),
        "429-garbage-retry-after": answer(429, b"{}", extra=[("Retry-After", "soon-ish")]),
        "503-date-retry-after": answer(
            503, b"{}", extra=[("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT")]
        ),
        "401-json": json_answer(401, {"code": 401, "message": "nope"}),
        "204-with-body": answer(204, valid),
        "status-100-then-close": (Step("send", b"HTTP/1.1 100 Continue\r\n\r\n"), Step("close")),
        "http10-no-length": (
            Step("send", b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + valid),
            Step("close"),
        ),
    }
    slow: dict[str, tuple[Step, ...]] = {
        # One byte every 0.3 s: each gap is under the read timeout, so only a deadline that
        # holds while reading ends the call.
        "trickle-body": (
            Step(
                "send",
                head(
                    200, [("Content-Type", "application/json"), ("Content-Length", str(len(valid)))]
                ),
            ),
            Step("trickle", valid, seconds=TRICKLE),
            Step("close"),
        ),
        "trickle-headers": (
            Step(
                "trickle", head(200, [("Content-Type", "application/json")] * 40), seconds=TRICKLE
            ),
            Step("send", valid),
            Step("close"),
        ),
        "stall-before-status": (_stall(30), Step("close")),
        "stall-after-headers": (
            Step(
                "send",
                head(
                    200, [("Content-Type", "application/json"), ("Content-Length", str(len(valid)))]
                ),
            ),
            _stall(30),
            Step("close"),
        ),
        "stall-mid-body": (
            Step(
                "send",
                head(
                    200, [("Content-Type", "application/json"), ("Content-Length", str(len(valid)))]
                )
                + half,
            ),
            _stall(30),
            Step("close"),
        ),
        "slow-start": (_stall(3.0), *answer(200, valid)),
    }
    invalid = {"invalid-utf8"}
    out = [
        Case(f"{api}:{k}", api, v, invalid=k in invalid, invalid_raw=k in invalid, heavy=k in HEAVY)
        for k, v in cases.items()
    ]
    out += [Case(f"{api}:{k}", api, v, slow=True) for k, v in slow.items()]
    return out


def _rpc(envelope: dict[str, Any]) -> list[Case]:
    """Broken JSON-RPC envelopes around a correct ``getLead(1)`` result."""
    lead = envelope["result"]

    def with_result(**changes: Any) -> dict[str, Any]:
        record = copy.deepcopy(lead)
        for key, value in changes.items():
            if value is _DROP:
                record.pop(key, None)
            else:
                record[key] = value
        return {"jsonrpc": "2.0", "id": 1, "result": record}

    lead2 = with_result(id=2)["result"]
    contact = with_result(entityType="Contacts")["result"]
    valid: dict[str, tuple[dict[str, Any] | list[Any], int]] = {
        "extra-unknown-fields": (with_result(somethingNew={"x": [1, 2]}), 200),
        "id-missing-ok": ({"jsonrpc": "2.0", "result": lead}, 200),
    }
    hostile: dict[str, tuple[Any, int]] = {
        "result-null": ({"jsonrpc": "2.0", "id": 1, "result": None}, 200),
        "result-missing": ({"jsonrpc": "2.0", "id": 1}, 200),
        "result-and-error-null": ({"jsonrpc": "2.0", "id": 1, "result": None, "error": None}, 200),
        "error-string": ({"jsonrpc": "2.0", "id": 1, "error": "boom"}, 200),
        "error-no-code": ({"jsonrpc": "2.0", "id": 1, "error": {"message": "x"}}, 200),
        "error-code-string": (
            {"jsonrpc": "2.0", "id": 1, "error": {"code": "abc", "message": "x"}},
            200,
        ),
        "error-code-huge": (
            {"jsonrpc": "2.0", "id": 1, "error": {"code": 10**30, "message": "x"}},
            200,
        ),
        "error-code-float": (
            {"jsonrpc": "2.0", "id": 1, "error": {"code": 1.5, "message": "x"}},
            200,
        ),
        "error-code-bool": (
            {"jsonrpc": "2.0", "id": 1, "error": {"code": True, "message": "x"}},
            200,
        ),
        "error-message-list": (
            {"jsonrpc": "2.0", "id": 1, "error": {"code": -32000, "message": [1]}},
            200,
        ),
        "error-message-huge": (
            {"jsonrpc": "2.0", "id": 1, "error": {"code": -32000, "message": "m" * 1_000_000}},
            200,
        ),
        "error-data-record": (
            {"jsonrpc": "2.0", "id": 1, "error": {"code": 500, "message": "x", "data": lead2}},
            200,
        ),
        "error-and-result": (
            {"jsonrpc": "2.0", "id": 1, "result": lead, "error": {"code": 1, "message": "x"}},
            200,
        ),
        "error-empty-object": ({"jsonrpc": "2.0", "id": 1, "error": {}}, 200),
        "error-array": ({"jsonrpc": "2.0", "id": 1, "error": []}, 200),
        "id-wrong": ({"jsonrpc": "2.0", "id": 999, "result": lead}, 200),
        "id-null": ({"jsonrpc": "2.0", "id": None, "result": lead}, 200),
        "id-string": ({"jsonrpc": "2.0", "id": "1", "result": lead}, 200),
        "id-object": ({"jsonrpc": "2.0", "id": {"a": 1}, "result": lead}, 200),
        "jsonrpc-1.0": ({"jsonrpc": "1.0", "id": 1, "result": lead}, 200),
        "jsonrpc-number": ({"jsonrpc": 2, "id": 1, "result": lead}, 200),
        "batch": ([{"jsonrpc": "2.0", "id": 1, "result": lead}], 200),
        "batch-empty": ([], 200),
        "result-list": ({"jsonrpc": "2.0", "id": 1, "result": [lead, lead2]}, 200),
        "result-string": ({"jsonrpc": "2.0", "id": 1, "result": "ok"}, 200),
        "result-int": ({"jsonrpc": "2.0", "id": 1, "result": 1}, 200),
        "result-true": ({"jsonrpc": "2.0", "id": 1, "result": True}, 200),
        "500-with-result": ({"jsonrpc": "2.0", "id": 1, "result": lead}, 500),
        "400-with-result": ({"jsonrpc": "2.0", "id": 1, "result": lead}, 400),
        "200-code-32700": (
            {"jsonrpc": "2.0", "id": 1, "error": {"code": -32700, "message": "p"}},
            200,
        ),
        "200-code-32603": (
            {"jsonrpc": "2.0", "id": 1, "error": {"code": -32603, "message": "i"}},
            200,
        ),
        "200-code-0": ({"jsonrpc": "2.0", "id": 1, "error": {"code": 0, "message": "zero"}}, 200),
        "200-code-200": (
            {"jsonrpc": "2.0", "id": 1, "error": {"code": 200, "message": "ok?"}},
            200,
        ),
        "200-code-409": (
            {"jsonrpc": "2.0", "id": 1, "error": {"code": 409, "message": "rev"}},
            200,
        ),
        "200-code-429": (
            {"jsonrpc": "2.0", "id": 1, "error": {"code": 429, "message": "slow"}},
            200,
        ),
        "418-code-minus-1": (
            {"jsonrpc": "2.0", "id": 1, "error": {"code": -1, "message": "?"}},
            418,
        ),
    }
    wrong_record: dict[str, dict[str, Any]] = {
        "other-lead": {"jsonrpc": "2.0", "id": 1, "result": lead2},
        "contact-id-1": {"jsonrpc": "2.0", "id": 1, "result": contact},
        "id-negative": with_result(id=-1),
        "id-string-2": with_result(id="2"),
    }
    typed_invalid: dict[str, dict[str, Any]] = {
        "record-x-only": {"jsonrpc": "2.0", "id": 1, "result": {"x": 1}},
        "record-empty": {"jsonrpc": "2.0", "id": 1, "result": {}},
        "name-number": with_result(name=5),
        "entity-type-missing": with_result(entityType=_DROP),
        "id-missing": with_result(id=_DROP),
        "id-float": with_result(id=1.5),
        "id-bool": with_result(id=True),
        "created-time-garbage": with_result(createdTime="not a date"),
        "created-time-number": with_result(createdTime=12),
        "rev-object": with_result(rev={"r": 1}),
        "contacts-not-list": with_result(contacts="many"),
        "contacts-list-of-ints": with_result(contacts=[1, 2]),
        "status-string": with_result(status="won"),
        "value-string": with_result(value="lots"),
        "nested-2000-field": with_result(description=json.loads(_nest(500, "[", "]"))),
    }
    cases = [
        Case(f"rpc:{k}", "rpc", answer(s, json.dumps(v).encode())) for k, (v, s) in valid.items()
    ]
    cases += [
        Case(f"rpc:{k}", "rpc", answer(s, json.dumps(v).encode())) for k, (v, s) in hostile.items()
    ]
    cases += [
        Case(f"rpc:{k}", "rpc", answer(200, json.dumps(v).encode()), invalid=True, invalid_raw=True)
        for k, v in wrong_record.items()
    ]
    cases += [
        Case(f"rpc:{k}", "rpc", answer(200, json.dumps(v).encode()), invalid=True)
        for k, v in typed_invalid.items()
    ]
    text = json.dumps({"jsonrpc": "2.0", "id": 1, "result": lead})
    raw: dict[str, tuple[bytes, bool]] = {
        "nan-value": (
            text.replace('"confidence": ', '"confidence": NaN, "x": ', 1).encode(),
            False,
        ),
        "infinity": (text.replace('"id": 1,', '"id": Infinity,', 1).encode(), True),
        "minus-infinity": (text.replace('"id": 1,', '"id": -Infinity,', 1).encode(), True),
        "duplicate-id-key": (text.replace('"id": 1,', '"id": 1, "id": 2,', 1).encode(), True),
        "duplicate-result": (
            text[:-1].encode() + b', "result": ' + json.dumps(lead2).encode() + b"}",
            True,
        ),
        "id-1e400": (text.replace('"id": 1,', '"id": 1e400,', 1).encode(), True),
        "id-5000-digits": (
            text.replace('"id": 1,', '"id": 1' + "0" * 5000 + ",", 1).encode(),
            True,
        ),
        # Valid JSON escapes for a string Python cannot encode back: lead 1 or a typed error.
        "lone-surrogate": (text.replace('"Renewal', '"\\ud800Renewal', 1).encode(), False),
        "single-quotes": (text.replace('"jsonrpc"', "'jsonrpc'", 1).encode(), False),
        "comment": (b"/* hi */" + text.encode(), False),
    }
    for key, (body, bad_record) in raw.items():
        cases.append(
            Case(f"rpc:{key}", "rpc", answer(200, body), invalid=bad_record, invalid_raw=bad_record)
        )
    return cases


class _Drop:
    pass


_DROP = _Drop()


def _rest(envelope: dict[str, Any]) -> list[Case]:
    """Broken REST envelopes around a correct ``GET /leads/1-leads`` answer."""
    lead = envelope["leads"][0]

    def with_lead(**changes: Any) -> dict[str, Any]:
        record = copy.deepcopy(lead)
        for key, value in changes.items():
            if value is _DROP:
                record.pop(key, None)
            else:
                record[key] = value
        return {**envelope, "leads": [record]}

    lead2 = with_lead(id="2-leads", href="https://app.nutshell.com/rest/leads/2-leads")["leads"][0]
    contact = {**copy.deepcopy(lead), "id": "1-contacts", "type": "contacts"}
    meta = envelope.get("meta", {})
    valid = {
        "extra-member": {**envelope, "somethingNew": {"x": 1}},
        "extra-field": with_lead(somethingNew=[1]),
    }
    hostile: dict[str, tuple[Any, int]] = {
        "leads-empty": ({**envelope, "leads": []}, 200),
        "leads-missing": ({"meta": meta}, 200),
        "leads-string": ({**envelope, "leads": "x"}, 200),
        "leads-object": ({**envelope, "leads": lead}, 200),
        "leads-null-item": ({**envelope, "leads": [None]}, 200),
        "leads-int-item": ({**envelope, "leads": [1]}, 200),
        "top-null-members": ({"meta": None, "links": None, "leads": None}, 200),
        "meta-string": ({**envelope, "meta": "x"}, 200),
        "links-string": ({**envelope, "links": "x"}, 200),
        "jsonapi-data": ({"data": lead}, 200),
        "errors-in-200": ({"errors": [{"status": "500", "title": "x"}]}, 200),
        "errors-and-leads": ({**envelope, "errors": [{"status": "500", "title": "x"}]}, 200),
        "errors-odd-status": ({"errors": [{"status": "abc", "title": "x"}]}, 500),
        "errors-string": ({"errors": "broken"}, 500),
        "errors-empty": ({"errors": []}, 500),
        "errors-null-items": ({"errors": [None, 5]}, 400),
        "errors-huge-detail": ({"errors": [{"status": "400", "detail": "d" * 1_000_000}]}, 400),
        "json-404": ({"errors": [{"status": "404", "title": "Not Found"}]}, 404),
        "json-400": ({"errors": [{"status": "400", "title": "Bad"}]}, 400),
        "json-409": ({"errors": [{"status": "409", "title": "Conflict"}]}, 409),
        "json-422": ({"errors": [{"status": "422", "title": "Unprocessable"}]}, 422),
        "json-418": ({"errors": [{"status": "418", "title": "Teapot"}]}, 418),
        "generic-500": ({"code": 500, "message": "Injected"}, 500),
        "rpc-envelope-on-rest": ({"jsonrpc": "2.0", "id": 1, "result": lead}, 200),
        # Still lead 1, loosely spelled: a client may read it or refuse it.
        "id-int": (with_lead(id=1), 200),
        "type-missing": (with_lead(type=_DROP), 200),
        "links-ints": (with_lead(links={"accounts": [5], "contacts": [11]}), 200),
    }
    wrong_record = {
        "other-lead": {**envelope, "leads": [lead2]},
        "two-leads-other-first": {**envelope, "leads": [lead2, lead]},
        "contact-under-leads": {**envelope, "leads": [contact]},
        "contacts-member": {"meta": meta, "contacts": [contact]},
        "id-other-type": with_lead(id="1-contacts"),
        "type-contacts": with_lead(type="contacts"),
    }
    typed_invalid = {
        "record-empty": {**envelope, "leads": [{}]},
        "record-x-only": {**envelope, "leads": [{"x": 1}]},
        "id-garbage": with_lead(id="abc-leads"),
        "id-negative": with_lead(id="-1-leads"),
        "id-null": with_lead(id=None),
        "id-missing": with_lead(id=_DROP),
        "description-number": with_lead(description=5),
        "value-string": with_lead(value="lots"),
        "created-time-garbage": with_lead(createdTime="yesterday"),
        "links-garbage": with_lead(links="x"),
        "status-number": with_lead(status=7),
        "confidence-string": with_lead(confidence="high"),
        "custom-fields-list": with_lead(customFields=[1, 2]),
    }
    cases = [Case(f"rest:{k}", "rest", json_answer(200, v)) for k, v in valid.items()]
    cases += [Case(f"rest:{k}", "rest", json_answer(s, v)) for k, (v, s) in hostile.items()]
    cases += [
        Case(f"rest:{k}", "rest", json_answer(200, v), invalid=True, invalid_raw=True)
        for k, v in wrong_record.items()
    ]
    cases += [
        Case(f"rest:{k}", "rest", json_answer(200, v), invalid=True)
        for k, v in typed_invalid.items()
    ]
    text = json.dumps(envelope)
    raw = {
        "nan-confidence": text.replace('"confidence": 50', '"confidence": NaN', 1),
        "duplicate-id-key": text.replace(
            '"id": "1-leads",', '"id": "1-leads", "id": "2-leads",', 1
        ),
        "duplicate-leads-member": text[:-1] + ', "leads": [' + json.dumps(lead2) + "]}",
    }
    cases += [
        Case(f"rest:{k}", "rest", answer(200, v.encode()), invalid=True) for k, v in raw.items()
    ]
    # Lead 1 with an odd but valid value: a result or a typed error, either is fine.
    tolerated = {
        "number-5000-digits": text.replace('"confidence": 50', '"confidence": 1' + "0" * 5000, 1),
        "lone-surrogate": text.replace('"Renewal', '"\\udc00Renewal', 1),
    }
    cases += [Case(f"rest:{k}", "rest", answer(200, v.encode())) for k, v in tolerated.items()]
    return cases


def build_corpus(rpc_body: bytes, rest_body: bytes) -> list[Case]:
    """Every case, from the emulator's correct answers for lead 1 on each API."""
    cases = _generic("rpc", rpc_body) + _generic("rest", rest_body)
    cases += _rpc(json.loads(rpc_body))
    cases += _rest(json.loads(rest_body))
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    return cases


# ---------------------------------------------------------------------------------------------
# The stage: a raw loopback server
# ---------------------------------------------------------------------------------------------


def _is_target(api: Api, method: str, path: str, body: bytes) -> bool:
    if api == "both":
        return _is_target("rest", method, path, body) or _is_target("rpc", method, path, body)
    if api == "rest":
        return method == "GET" and path.split("?", 1)[0] == "/rest/leads/1-leads"
    if not path.split("?", 1)[0].endswith("/api/v1/json"):
        return False
    try:
        method = json.loads(body).get("method")
    except (ValueError, AttributeError):
        return False
    return bool(method == "getLead")


class Stage:
    """A raw HTTP server on 127.0.0.1 playing case ``n`` under ``/c/<n>/``.

    Every pause waits on an abort event, so :meth:`abort` (per case) or :meth:`close` ends any
    slow answer at once: nothing here outlives the test.
    """

    def __init__(self, cases: list[Case], emulator: Emulator) -> None:
        self.cases = cases
        self._emulator = emulator
        self._aborts = [threading.Event() for _ in cases]
        self._closing = threading.Event()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, name="corpus-stage", daemon=True)
        self._accepting.start()

    def base(self, index: int) -> str:
        """The URL prefix case ``index`` answers under."""
        return f"http://127.0.0.1:{self.port}/c/{index}"

    def reset(self, index: int) -> None:
        """Let case ``index`` play in full again (after an :meth:`abort`)."""
        if not self._closing.is_set():
            self._aborts[index].clear()

    def abort(self, index: int) -> None:
        """End case ``index``'s slow answers now."""
        self._aborts[index].set()

    def close(self) -> None:
        """Stop accepting, end every answer and wait for the threads (bounded)."""
        self._closing.set()
        for event in self._aborts:
            event.set()
        self._accepting.join(timeout=5)
        self._listener.close()
        for thread in list(self._threads):
            thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.closing(conn):
            conn.settimeout(10)
            try:
                request = _read_request(conn)
            except (OSError, ValueError):
                return
            if request is None:
                return
            method, target, headers, body = request
            index, path = _split_case(target)
            if index is None or index >= len(self.cases):
                conn.sendall(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
                return
            case = self.cases[index]
            try:
                if _is_target(case.api, method, path, body):
                    self._play(conn, case, self._aborts[index], index)
                else:
                    self._delegate(conn, method, path, headers, body, index)
            except OSError:
                return

    def _delegate(
        self,
        conn: socket.socket,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes,
        index: int,
    ) -> None:
        # One base for every case, so the emulator builds one front, not one per case.
        base = f"http://127.0.0.1:{self.port}"
        request = HttpRequest.from_url(method, f"{base}{path}", headers, body)
        try:
            reply = self._emulator.handle(request, base=base)
        except Exception:  # the emulator's reset fault
            _reset(conn)
            return
        lines = [f"HTTP/1.1 {reply.status} Status"]
        lines += [f"{k}: {v}" for k, v in reply.headers]
        lines += [f"Content-Length: {len(reply.body)}", "Connection: close"]
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + reply.body)

    def _play(self, conn: socket.socket, case: Case, abort: threading.Event, index: int) -> None:
        for step in case.steps:
            if abort.is_set():
                return
            if step.kind == "send":
                data = step.data.replace(b"/c/self", f"/c/{index}/api/v1/json".encode())
                conn.sendall(data)
            elif step.kind == "stream":
                for _ in range(step.repeat):
                    if abort.is_set():
                        return
                    conn.sendall(step.data)
            elif step.kind == "sleep":
                abort.wait(step.seconds)
            elif step.kind == "trickle":
                for offset in range(len(step.data)):
                    conn.sendall(step.data[offset : offset + 1])
                    if abort.wait(step.seconds):
                        return
            elif step.kind == "reset":
                _reset(conn)
                return
            elif step.kind == "close":
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_WR)
                return


def _reset(conn: socket.socket) -> None:
    # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def _split_case(target: str) -> tuple[int | None, str]:
    parts = target.split("/", 3)  # "", "c", "<n>", "rest..."
    if len(parts) < 4 or parts[1] != "c" or not parts[2].isdigit():
        return None, target
    return int(parts[2]), "/" + parts[3]


def _read_request(conn: socket.socket) -> tuple[str, str, dict[str, str], bytes] | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > 1_000_000:
            raise ValueError("request head too large")
    head_bytes, _, rest = data.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    method, target, _version = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for header_line in lines[1:]:
        key, _, value = header_line.partition(":")
        headers[key.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return method, target, headers, rest[:length]


# ---------------------------------------------------------------------------------------------
# The client faces, each asking for lead 1 under a case's base URL
# ---------------------------------------------------------------------------------------------

#: Per attempt: connect and the gap between bytes.
TIMEOUTS = Timeouts(connect=1.0, read=1.0)
#: The whole call, retries included.
DEADLINE = 1.5
RETRY = RetryPolicy(max_attempts=3, deadline=DEADLINE, backoff_initial=0.05, backoff_max=0.2)


def _rpc_client(base: str) -> RpcAPI:
    return RpcAPI(
        DEFAULT_EMAIL,
        DEFAULT_API_KEY,
        endpoint=f"{base}/api/v1/json",
        timeouts=TIMEOUTS,
        retry=RETRY,
    )


def rpc_raw(base: str) -> Any:
    """``getLead(1)`` through the JSON-RPC client's raw methods."""
    with _rpc_client(base) as api:
        return api.getLead(1)


def rpc_typed(base: str) -> Any:
    """``leads.get(1)`` through the JSON-RPC client's typed face."""
    with _rpc_client(base) as api:
        return api.leads.get(1)


def rest_get(base: str) -> Any:
    """``leads.get(1)`` through the REST client."""
    with RestClient(
        DEFAULT_EMAIL, DEFAULT_API_KEY, base_url=f"{base}/rest", timeouts=TIMEOUTS, retry=RETRY
    ) as rest:
        return rest.leads.get(1)


def bridge_rest(base: str) -> Any:
    """``getLead(1)`` through the bridge with every method routed to REST."""
    with BridgeAPI(
        DEFAULT_EMAIL,
        DEFAULT_API_KEY,
        endpoint=f"{base}/api/v1/json",
        rest_base_url=f"{base}/rest",
        routes=Routes({}, default=Mode.REST),
        lean=True,
        timeouts=TIMEOUTS,
        retry=RETRY,
    ) as api:
        return api.getLead(1)
