"""Endpoint discovery through ``getApiForUsername``.

Nutshell answers discovery without authentication and tells the client which host serves the
account. That answer decides where the API key goes next, so it is trusted only when it names
port 443 (explicitly or by default) of ``nutshell.com`` or one of its subdomains, or a host (and
port) the caller configured explicitly; a loopback answer only when it is the loopback
``host:port`` of the discovery URL itself or one the caller configured. Anything else raises
:class:`~nutshell_core.errors.InsecureTransportError` before a credential is sent. The result is
cached with a TTL (Nutshell suggests 10 to 90 minutes) and shared safely between threads;
nothing happens until the first call needs an endpoint.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Final
from urllib.parse import urlsplit

from nutshell_core.errors import InsecureTransportError, MalformedResponseError
from nutshell_core.transport import Transport, is_loopback_host
from nutshell_rpc._protocol import IdGenerator, decode_response, encode_request

__all__ = ["DISCOVERY_URL", "Discovery", "is_trusted_host"]

#: Where ``getApiForUsername`` is answered (note: no ``/api/`` prefix on this path).
DISCOVERY_URL = "https://api.nutshell.com/v1/json"

#: Seconds a discovered endpoint is kept.
DEFAULT_TTL = 30 * 60.0

#: The only port of a Nutshell host the credentials are sent to.
HTTPS_PORT: Final = 443

_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_HOSTNAME = re.compile(r"^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$")


def _host_and_port(entry: str) -> tuple[str, int | None]:
    """``("host", port)`` of a configured ``host``, ``host:port`` or URL (port None if absent)."""
    text = entry.strip()
    parts = urlsplit(text if "://" in text else f"//{text}")
    try:
        port = parts.port
    except ValueError:
        return "", None
    if port is None and "://" in text:
        port = _DEFAULT_PORTS.get(parts.scheme.lower())
    return (parts.hostname or "").lower().rstrip("."), port


def is_trusted_host(host: str, extra_trusted: Iterable[str] = (), port: int = HTTPS_PORT) -> bool:
    """True for ``nutshell.com`` and its subdomains on port 443, and for what the caller named.

    An entry of ``extra_trusted`` is a host (trusted on 443 only), a ``host:port`` or a URL
    (trusted on exactly that port). Any other port of a Nutshell host (``:8443``, ``:22``) is not
    Nutshell's API, so the credentials do not go there.
    """
    host = host.lower().rstrip(".")
    for entry in extra_trusted:
        name, entry_port = _host_and_port(entry)
        if name == host and port == (HTTPS_PORT if entry_port is None else entry_port):
            return True
    is_nutshell = host == "nutshell.com" or host.endswith(".nutshell.com")
    return is_nutshell and port == HTTPS_PORT


def _refuse(host: str, port: int | None, why: str) -> InsecureTransportError:
    where = f"{host}:{port}" if port is not None else host
    return InsecureTransportError(
        f"discovery pointed at {where!r}, {why}; refusing to send credentials there "
        "(pass trusted_hosts=[...] or endpoint=... to allow it explicitly)"
    )


def _endpoint_for(api_host: Any, trusted: Iterable[str], discovery_url: str = DISCOVERY_URL) -> str:
    """The endpoint discovery's ``api`` answer names, if credentials may be sent there.

    A Nutshell host is trusted on port 443 only, a host the caller named on the port named.
    A loopback answer (an emulator, the proxy) is trusted only when it is the discovery URL's
    own loopback ``host:port`` or one the caller named; it keeps the discovery URL's scheme, so
    the key travels in clear text only to the very port that was configured.
    """
    if not isinstance(api_host, str) or not api_host:
        raise MalformedResponseError(
            "discovery returned no API host", "getApiForUsername", problems=("@ $.result.api",)
        )
    parts = urlsplit(f"https://{api_host}")
    host = (parts.hostname or "").lower()
    # A host with a path, userinfo or odd characters could smuggle the key elsewhere.
    clean = parts.netloc == api_host and not parts.path and not parts.query and not parts.fragment
    try:
        port = parts.port
    except ValueError:
        clean = False
    if not clean or "@" in api_host or not _HOSTNAME.match(host):
        raise InsecureTransportError(
            f"discovery returned an API host that is not a plain host name: {api_host!r}"
        )
    trusted = tuple(trusted)
    if is_loopback_host(host):
        source = urlsplit(discovery_url)
        scheme = source.scheme.lower()
        source_host, source_port = _host_and_port(discovery_url)
        effective = port if port is not None else _DEFAULT_PORTS.get(scheme, HTTPS_PORT)
        from_loopback = scheme in _DEFAULT_PORTS and is_loopback_host(source_host)
        if from_loopback and (host, effective) == (source_host, source_port):
            return f"{scheme}://{api_host}/api/v1/json"
        if from_loopback and is_trusted_host(host, trusted, effective):
            return f"{scheme}://{api_host}/api/v1/json"
        if not is_trusted_host(host, trusted, port if port is not None else HTTPS_PORT):
            raise _refuse(
                host,
                port,
                "a loopback port other than the configured discovery URL's own",
            )
        return f"https://{api_host}/api/v1/json"
    if not is_trusted_host(host, trusted, port if port is not None else HTTPS_PORT):
        why = (
            "which is not port 443 of a Nutshell or trusted host"
            if port is not None and is_trusted_host(host, trusted)
            else "which is not a Nutshell host"
        )
        raise _refuse(host, port, why)
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
