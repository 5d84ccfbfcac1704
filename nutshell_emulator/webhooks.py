"""Webhook delivery: every write is POSTed, in Nutshell's payload shape, to registered URLs.

Nutshell delivers a firehose of events to each webhook; so does the emulator. Delivery runs on
a background thread so a slow receiver never blocks a write (and a receiver calling back into
the emulator cannot deadlock on the store's lock). Targets must be loopback addresses: the
emulator is test tooling and never sends traffic anywhere else. Delivery uses ``urllib`` rather
than ``requests`` so that tests which mock ``requests`` with ``responses`` still see real
deliveries arrive at their loopback receivers.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import attrs

from nutshell_core.errors import InsecureTransportError, UsageError
from nutshell_core.transport import is_loopback_host
from nutshell_emulator.store import Store, StoreEvent

__all__ = ["Delivery", "WebhookDispatcher"]

log = logging.getLogger(__name__)

BodyBuilder = Callable[[list[StoreEvent], Store], dict[str, Any]]


@attrs.frozen
class Delivery:
    """One attempted delivery: where, which event, and the receiver's status (None: failed)."""

    url: str
    event_id: int
    status: int | None
    error: str | None = None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A receiver's redirect is reported as its status, never followed off loopback."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# No proxy from the environment (it would take the payload off this machine) and no redirects.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


class WebhookDispatcher:
    """Queues store events and POSTs them to every registered loopback URL."""

    def __init__(self, store: Store, body: BodyBuilder, *, timeout: float = 5.0) -> None:
        self._store = store
        self._body = body
        self._timeout = timeout
        self._urls: list[str] = []
        self._queue: queue.Queue[StoreEvent | None] = queue.Queue()
        self._deliveries: list[Delivery] = []
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None
        store.subscribe(self._enqueue)

    def register(self, url: str) -> None:
        """Deliver every future write to ``url`` (http or https on a loopback address only)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"not a webhook URL: {url!r}")
        if not is_loopback_host(parts.hostname):
            raise InsecureTransportError(
                "the emulator delivers webhooks to loopback addresses only "
                f"(127.0.0.0/8, ::1, localhost), not {parts.hostname!r}"
            )
        with self._lock:
            self._urls.append(url)
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._run, name="emulator-webhooks", daemon=True
                )
                self._worker.start()

    @property
    def urls(self) -> tuple[str, ...]:
        """Registered URLs."""
        with self._lock:
            return tuple(self._urls)

    @property
    def deliveries(self) -> tuple[Delivery, ...]:
        """Every delivery attempted so far."""
        with self._lock:
            return tuple(self._deliveries)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until queued events are delivered; False if ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._queue.unfinished_tasks == 0:
                return True
            time.sleep(0.01)
        return self._queue.unfinished_tasks == 0

    def close(self) -> None:
        """Stop the delivery thread."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            self._queue.put(None)
            worker.join(timeout=self._timeout + 1)

    def _enqueue(self, event: StoreEvent) -> None:
        if self._urls:
            self._queue.put(event)

    def _run(self) -> None:
        while True:
            event = self._queue.get()
            try:
                if event is None:
                    return
                payload = json.dumps(self._body([event], self._store)).encode("utf-8")
                for url in self.urls:
                    self._post(url, event.id, payload)
            except Exception:  # a broken body builder must not kill delivery for later events
                log.exception("webhook payload for event %s failed", getattr(event, "id", "?"))
            finally:
                self._queue.task_done()

    def _post(self, url: str, event_id: int, payload: bytes) -> None:
        request = urllib.request.Request(  # noqa: S310 - loopback http(s) only, checked above
            url, data=payload, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with _OPENER.open(request, timeout=self._timeout) as response:
                delivery = Delivery(url, event_id, response.status)
        except urllib.error.HTTPError as exc:
            delivery = Delivery(url, event_id, exc.code)
        except (OSError, ValueError) as exc:
            delivery = Delivery(url, event_id, None, str(exc))
        with self._lock:
            self._deliveries.append(delivery)
