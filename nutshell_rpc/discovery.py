"""Endpoint discovery through ``getApiForUsername``.

Nutshell answers discovery without authentication and tells the client which host serves the
account. That answer decides where the API key goes next, so it is trusted only when the host
is ``nutshell.com`` or one of its subdomains, or a host the caller configured explicitly;
anything else raises :class:`~nutshell_core.errors.InsecureTransportError` before a credential
is sent. The result is cached with a TTL (Nutshell suggests 10 to 90 minutes) and shared safely
between threads; nothing happens until the first call needs an endpoint.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from nutshell_core.errors import InsecureTransportError, MalformedResponseError
from nutshell_core.transport import Transport, is_loopback_host
from nutshell_rpc._protocol import IdGenerator, decode_response, encode_request

__all__ = ["DISCOVERY_URL", "Discovery", "is_trusted_host"]

#: Where ``getApiForUsername`` is answered (note: no ``/api/`` prefix on this path).
DISCOVERY_URL = "https://api.nutshell.com/v1/json"

#: Seconds a discovered endpoint is kept.
DEFAULT_TTL = 30 * 60.0

_HOSTNAME = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$")


def is_trusted_host(host: str, extra_trusted: Iterable[str] = ()) -> bool:
    """True for ``nutshell.com``, its subdomains, and hosts named in ``extra_trusted``."""
    host = host.lower().rstrip(".")
    if host in {h.lower().rstrip(".") for h in extra_trusted}:
        return True
    return host == "nutshell.com" or host.endswith(".nutshell.com")


def _endpoint_for(api_host: Any, trusted: Iterable[str], discovery_url: str = DISCOVERY_URL) -> str:
    if not isinstance(api_host, str) or not api_host:
        raise MalformedResponseError(
            "discovery returned no API host", "getApiForUsername", problems=("@ $.result.api",)
        )
    parts = urlsplit(f"https://{api_host}")
    host = (parts.hostname or "").lower()
    # A host with a path, userinfo or odd characters could smuggle the key elsewhere.
    clean = parts.netloc == api_host and not parts.path and not parts.query and not parts.fragment
    if not clean or "@" in api_host or not _HOSTNAME.match(host):
        raise InsecureTransportError(
            f"discovery returned an API host that is not a plain host name: {api_host!r}"
        )
    discovered_locally = urlsplit(discovery_url)
    if (
        discovered_locally.scheme == "http"
        and is_loopback_host(discovered_locally.hostname or "")
        and is_loopback_host(host)
    ):
        # A local emulator asked over plain loopback http answers with its own loopback
        # address; the credentials stay on this machine.
        return f"http://{api_host}/api/v1/json"
    if not is_trusted_host(host, trusted):
        raise InsecureTransportError(
            f"discovery pointed at {host!r}, which is not a Nutshell host; refusing to send "
            "credentials there (pass trusted_hosts=... to allow it explicitly)"
        )
    return f"https://{api_host}/api/v1/json"


class Discovery:
    """Finds and caches the JSON-RPC endpoint for one username."""

    def __init__(
        self,
        transport: Transport,
        username: str,
        *,
        url: str = DISCOVERY_URL,
        ttl: float = DEFAULT_TTL,
        trusted_hosts: Iterable[str] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._transport = transport
        self._username = username
        self._url = url
        self._ttl = ttl
        self._trusted = tuple(trusted_hosts)
        self._clock = clock
        self._lock = threading.Lock()
        self._ids = IdGenerator(prefix="discovery-")
        self._endpoint: str | None = None
        self._expires = 0.0

    def __repr__(self) -> str:
        return f"Discovery(username={self._username!r}, url={self._url!r})"

    def endpoint(self) -> str:
        """The JSON-RPC endpoint URL, discovering it when the cache is empty or stale."""
        with self._lock:
            if self._endpoint is not None and self._clock() < self._expires:
                return self._endpoint
            endpoint = self._discover()
            self._endpoint = endpoint
            self._expires = self._clock() + self._ttl
            return endpoint

    def invalidate(self) -> None:
        """Forget the cached endpoint, so the next call discovers again."""
        with self._lock:
            self._endpoint = None

    def _discover(self) -> str:
        request_id = next(self._ids)
        body = encode_request("getApiForUsername", {"username": self._username}, request_id)
        # Discovery needs no credentials, and must not carry them before the host is vetted.
        response = self._transport.request(
            "POST",
            self._url,
            idempotent=True,
            json=body,
            auth=False,
            target="getApiForUsername",
        )
        result = decode_response(
            status=response.status_code,
            headers=response.headers,
            text=response.text,
            method="getApiForUsername",
            request_id=request_id,
        )
        if not isinstance(result, dict):
            raise MalformedResponseError(
                "discovery result is not an object",
                "getApiForUsername",
                problems=(f"got {type(result).__name__} @ $.result",),
            )
        return _endpoint_for(result.get("api"), self._trusted, self._url)
