"""URL checks and small HTTP helpers shared by the transport and the clients.

Which hosts are loopback, which URLs may carry credentials, ``Retry-After`` and request ids.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Final
from urllib.parse import urlsplit

import requests

from nutshell_core.errors import (
    InsecureTransportError,
    scrub,
)

#: The response header carrying Nutshell's request id.
REQUEST_ID_HEADER: Final = "x-nutshell-request-id"
_CONTROL = re.compile(r"[\x00-\x20\x7f]")  # control characters and spaces, never valid in a URL
_DECIMAL = re.compile(r"\d+(?:\.\d+)?")
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (a URL's host, brackets allowed) certainly names this machine.

    True for 127.0.0.0/8, ``::1`` (also IPv4-mapped) and exactly ``localhost``. Anything that
    would need a DNS lookup to decide, such as ``localhost.`` or ``127.1``, is not loopback.
    """
    name = host.strip()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def check_url_is_safe(url: str, *, allow_loopback_http: bool = True) -> None:
    """Raise :class:`InsecureTransportError` unless credentials may be sent to ``url``.

    ``https://`` with a host is safe. ``http://`` is safe only to a loopback host (see
    :func:`is_loopback_host`), and only while ``allow_loopback_http`` holds. URLs with embedded
    credentials (``user:key@``), whitespace or control characters are refused: parsers disagree
    about them, which is how a URL that looks local ends up somewhere else.
    """
    if not isinstance(url, str):
        raise InsecureTransportError("the URL must be a string")
    shown = _display_url(url)
    if _CONTROL.search(url):
        raise InsecureTransportError(f"refusing {shown}: the URL contains whitespace or controls")
    try:
        parts = urlsplit(url)
        port = parts.port  # validates the port
    except ValueError as exc:
        raise InsecureTransportError(f"refusing {shown}: not a valid URL ({exc})") from None
    del port
    scheme = parts.scheme.lower()
    if "@" in parts.netloc:
        raise InsecureTransportError(
            f"refusing {shown}: the URL embeds credentials; pass Credentials instead"
        )
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise InsecureTransportError(f"refusing {shown}: only https:// URLs with a host are used")
    if scheme == "http":
        if not is_loopback_host(parts.hostname):
            raise InsecureTransportError(
                f"refusing {shown}: plain http is only allowed to a loopback host; use https://"
            )
        if not allow_loopback_http:
            raise InsecureTransportError(
                f"refusing {shown}: plain http is disabled (allow_insecure_loopback=False)"
            )


def parse_retry_after(
    value: str | None, *, now: Callable[[], datetime] | None = None
) -> float | None:
    """Seconds to wait from a ``Retry-After`` header value, or None if absent or unreadable.

    The value is either a number of seconds or an HTTP date; a date is compared with ``now()``
    (aware UTC wall-clock time by default) and a date in the past means 0.
    """
    if value is None:
        return None
    text = value.strip()
    if _DECIMAL.fullmatch(text):
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000" means UTC with no claim about the sender's zone
        when = when.replace(tzinfo=timezone.utc)
    current = (now or _utcnow)()
    if current.tzinfo is None:
        current = current.replace(tzinfo=timezone.utc)
    return max(0.0, (when - current).total_seconds())


def _proxies_for(url: str) -> dict[str, str | None] | None:
    """No proxy for loopback: plain-http Basic auth to the emulator must never leave the host.

    requests would otherwise route it through ``HTTP_PROXY`` from the environment; a ``None``
    entry overrides the environment for that scheme.
    """
    host = urlsplit(url).hostname or ""
    return {"http": None, "https": None} if is_loopback_host(host) else None


def request_id(response: requests.Response) -> str | None:
    """Nutshell's request id for ``response`` (the ``x-nutshell-request-id`` header), if any."""
    return response.headers.get(REQUEST_ID_HEADER) or None


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return (scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme, 0))


def _display_url(url: str) -> str:
    """``url`` without userinfo, query or fragment: fit for logs and error messages."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return scrub(url.split("?", 1)[0])[:200]
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port is not None else host
    shown = f"{parts.scheme}://{netloc}{parts.path}" if parts.scheme else parts.path
    return shown + ("?..." if parts.query else "")


def _default_target(method: str, url: str) -> str:
    return f"{method} {_display_url(url).removesuffix('?...')}"
