"""How a failed request is classified (never sent, maybe sent, timed out), and so whether it
may be sent again."""

from __future__ import annotations

import enum
import http.client
import socket
import ssl
from collections.abc import Iterator
from typing import Final

import requests
import urllib3.exceptions


class Failure(enum.Enum):
    NOT_SENT = "not sent"  # the connection was never made: safe to re-send anything
    TLS_REJECTED = "tls rejected"  # certificate verification failed: not sent, not transient
    TIMED_OUT = "timed out"  # sent (or maybe sent), then no answer in time
    BROKEN = "broken"  # the connection failed in a way that may be after sending
    OTHER = "other"  # requests refused or failed otherwise: not retried
    DEADLINE = "deadline"  # the overall deadline passed mid-attempt: no time left to retry


# Evidence that bytes may have reached the server. Checked before the "never sent" evidence,
# so a chain containing both is treated as possibly sent: when unsure, assume it was.
MAYBE_SENT: Final = (
    urllib3.exceptions.ReadTimeoutError,
    urllib3.exceptions.ProtocolError,
    http.client.HTTPException,
    ConnectionResetError,
    ConnectionAbortedError,
    BrokenPipeError,
)
# Evidence that the connection was never made. urllib3's NewConnectionError (which includes
# NameResolutionError) is a ConnectTimeoutError: both happen before a byte of the request.
NEVER_SENT: Final = (
    urllib3.exceptions.ConnectTimeoutError,
    socket.gaierror,
    ConnectionRefusedError,
)


def causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception it wraps (args, urllib3 ``reason``, cause, context)."""
    pending: list[BaseException] = [exc]
    seen: set[int] = set()
    while pending and len(seen) < 64:  # bounded: chains can be cyclic
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            pending.append(reason)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                pending.append(linked)


def classify(exc: requests.RequestException) -> Failure:
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        # requests raises this only for urllib3's ConnectTimeoutError: the connect phase.
        return Failure.NOT_SENT
    if not isinstance(exc, (requests.ConnectionError, requests.Timeout)) and not isinstance(
        exc, requests.exceptions.ChunkedEncodingError
    ):
        return Failure.OTHER
    chain = list(causes(exc))
    if any(isinstance(link, urllib3.exceptions.ReadTimeoutError) for link in chain):
        return Failure.TIMED_OUT  # includes a timeout while reading the body
    if isinstance(exc, requests.Timeout):
        return Failure.TIMED_OUT
    if any(isinstance(link, MAYBE_SENT) for link in chain):
        return Failure.BROKEN
    if any(isinstance(link, ssl.SSLCertVerificationError) for link in chain):
        return Failure.TLS_REJECTED
    if any(isinstance(link, NEVER_SENT) for link in chain):
        return Failure.NOT_SENT
    return Failure.BROKEN  # a bare ConnectionError says nothing: assume it may have been sent


def may_resend(failure: Failure, idempotent: bool) -> bool:
    if failure is Failure.DEADLINE:
        return False  # nothing is left to retry with
    if failure is Failure.NOT_SENT:
        return True
    return idempotent and failure in (Failure.TIMED_OUT, Failure.BROKEN)
