"""The one HTTP layer under the JSON-RPC client, the REST client and the bridge.

:class:`Transport` sends a request with :mod:`requests` and returns the raw
:class:`requests.Response` for every final HTTP status: callers parse bodies and map errors
themselves, because JSON-RPC errors arrive as JSON bodies with 4xx statuses. The transport
raises only when no usable response arrived, or when a request must not be sent at all.

Safety rules, checked before any I/O:

* ``https://`` is always allowed; ``http://`` only to a loopback host (127.0.0.0/8, ``::1``,
  ``localhost``), else :class:`~nutshell_core.errors.InsecureTransportError`.
* URLs must not embed credentials; HTTP Basic credentials come only from :class:`Credentials`.
* Redirects are never followed by :mod:`requests`. The transport follows at most
  :data:`MAX_REDIRECTS` hops itself, and only to the same scheme, host and port, so credentials
  never reach another host; any other 3xx is returned as is.

Retry rules (the caller says whether the call is ``idempotent``, from the catalog):

* Reads (``idempotent=True``) are retried on HTTP 429, 502, 503 and 504, on connection
  failures and on read timeouts. The wait is the server's ``Retry-After`` when given (seconds
  or an HTTP date, honoured exactly, no jitter), else full-jitter exponential backoff:
  ``random() * min(backoff_max, backoff_initial * multiplier ** (retry - 1))``.
* Writes (``idempotent=False``) are re-sent only when the request certainly never left this
  machine: a connect timeout, a refused connection or a failed DNS lookup. Never after a read
  timeout, a connection broken after sending, or any HTTP response: a 429 or 5xx answer to a
  write is returned at once, and a write whose answer never came raises
  :class:`~nutshell_core.errors.OutcomeUnknownError`, because it may have been applied.
* Attempts are capped by :attr:`RetryPolicy.max_attempts` and by an overall
  :attr:`RetryPolicy.deadline`: no wait starts that would end after the deadline, and each
  attempt's timeouts are trimmed to the time left. A ``Retry-After`` above
  :attr:`RetryPolicy.max_retry_after`, or one the deadline cannot accommodate, is not waited for.
  Inside a call budget (:func:`~nutshell_core.deadline.call_budget`) the deadline is what is
  left of the call's, if less; with nothing left the request is not sent (``CallDeadlineError``).
* The deadline holds while an answer is read, not only between attempts: the body is read in
  chunks with the clock checked between them, and a watchdog shuts the connection's socket down
  at the deadline, so a server trickling the status line, the headers or the body one byte at a
  time cannot keep a call going (see :mod:`nutshell_core.deadline`). Such a call raises
  :class:`~nutshell_core.errors.RequestTimeoutError` (``OutcomeUnknownError`` for a write).
* Bodies are capped at ``max_response_bytes`` decoded bytes (64 MiB by default), counted while
  decompressing: a larger answer raises :class:`~nutshell_core.errors.MalformedResponseError`
  (``OutcomeUnknownError`` for a write answered with a success status, which was applied).
* When retries run out on an HTTP status the last response is returned (the caller maps it to
  its typed error, e.g. :class:`~nutshell_core.errors.RateLimitedError`); when they run out on a
  transport failure the specific error is raised (``ConnectError``, ``RequestTimeoutError`` or
  ``TransportError``), its message giving the number of attempts.

Credentials never appear in a repr, a log record or an error message.
"""

from __future__ import annotations

import enum
import json as jsonlib
import logging
import random as _random
import re
import time
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from datetime import datetime
from importlib import metadata
from types import TracebackType
from typing import Any, Final, NoReturn, SupportsIndex, cast
from urllib.parse import urljoin, urlsplit

import requests
import requests.auth
from requests.structures import CaseInsensitiveDict

from nutshell_core._failures import Failure, classify, may_resend
from nutshell_core.deadline import (
    DEFAULT_MAX_RESPONSE_BYTES,
    BodyTooLargeError,
    DeadlinePassedError,
    Watchdog,
    call_window,
    read_body,
    watch_session,
)
from nutshell_core.errors import (
    ConfigurationError,
    ConnectError,
    InsecureTransportError,
    MalformedResponseError,
    OutcomeUnknownError,
    RequestTimeoutError,
    TransportError,
    UsageError,
    scrub,
)
from nutshell_core.secrets import SecretMask, basic_token
from nutshell_core.transport_config import Credentials, RetryPolicy, Timeouts
from nutshell_core.urls import (
    REQUEST_ID_HEADER,
    _default_target,
    _display_url,
    _origin,
    _proxies_for,
    _utcnow,
    check_url_is_safe,
    is_loopback_host,
    parse_retry_after,
    request_id,
)

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "MAX_REDIRECTS",
    "REQUEST_ID_HEADER",
    "RETRYABLE_STATUSES",
    "UNSET",
    "USER_AGENT",
    "Credentials",
    "RetryPolicy",
    "Timeouts",
    "Transport",
    "check_url_is_safe",
    "is_loopback_host",
    "parse_retry_after",
    "request_id",
]

_log = logging.getLogger(__name__)


def _package_version() -> str:
    try:
        return metadata.version("nutshell-migrate")
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


#: The default ``User-Agent``.
USER_AGENT: Final = f"nutshell-migrate/{_package_version()}"

#: Statuses a read is retried on. 500 is not among them: it is usually a bug, not a blip.
RETRYABLE_STATUSES: Final = frozenset({429, 502, 503, 504})

#: The most same-origin redirect hops followed for one attempt.
MAX_REDIRECTS: Final = 5


_SECURE = "[secure]"
_CONTROL = re.compile(r"[\x00-\x20\x7f]")  # control characters and spaces, never valid in a URL
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP method is an RFC 9110 token
_DETAIL_LIMIT = 300


class _Unset(enum.Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


#: "No JSON body" for :meth:`Transport.request`, distinct from ``None`` (a JSON ``null`` body).
UNSET: Final = _Unset.UNSET


class _BasicAuth(requests.auth.AuthBase):
    """HTTP Basic auth from a prepared header value; UTF-8, unlike requests' latin-1 default.

    The header value lives only in a closure: no attribute, ``vars`` or ``repr`` shows it, and
    the object refuses to be pickled.
    """

    __slots__ = ("_apply",)

    def __init__(self, header: str) -> None:
        def apply(headers: MutableMapping[str, str]) -> None:
            headers["Authorization"] = header

        self._apply = apply

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        self._apply(r.headers)
        return r

    def __repr__(self) -> str:
        return f"_BasicAuth({_SECURE})"

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        raise ConfigurationError("credentials are not picklable")


def _drop_unparsable_location(response: requests.Response, **_: Any) -> requests.Response:
    """Remove a ``Location`` no URL parser accepts (``http://[::1``), before requests looks.

    requests parses the target of every 3xx even when redirects are off, and would raise a bare
    ``ValueError``; without the header the 3xx is simply the answer (and the caller's typed
    error for it).
    """
    location = response.headers.get("Location")
    if location is not None:
        try:
            urlsplit(urljoin(response.url or "", location))
        except ValueError:
            _log.debug("HTTP %d with an unparsable Location: not a redirect", response.status_code)
            del response.headers["Location"]
    return response


def _redirect_method(status: int, method: str) -> str:
    # What browsers and requests do: 303 (and in practice 302) turns into GET, 301 turns a
    # POST into GET; 307 and 308 keep the method and the body.
    if status in (302, 303) and method != "HEAD":
        return "GET"
    if status == 301 and method == "POST":
        return "GET"
    return method


# --------------------------------------------------------------------------------------------
# The transport
# --------------------------------------------------------------------------------------------


class Transport:
    """HTTPS requests with Basic auth, timeouts, safe redirects and the retry rules above.

    One :class:`requests.Session` per transport, so connections are reused. The constructor
    does no I/O. A session passed in is used as is (it must not retry or follow redirects on its
    own; the default ``requests`` adapter does neither) and is not closed by :meth:`close`.
    ``sleep``, ``clock`` (monotonic seconds), ``random`` (0 <= x < 1) and ``now`` (aware
    wall-clock time, for ``Retry-After`` dates) are injectable for tests. A transport keeps no
    per-request state: concurrent requests share only the session's connection pool, which
    urllib3 makes thread-safe (the bridge's shadow mode sends from two threads at once).
    """

    def __init__(
        self,
        *,
        credentials: Credentials | None,
        timeouts: Timeouts = Timeouts(),  # frozen, so sharing a default is harmless
        retry: RetryPolicy = RetryPolicy(),  # frozen, so sharing a default is harmless
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        random: Callable[[], float] = _random.random,
        now: Callable[[], datetime] = _utcnow,
        user_agent: str = USER_AGENT,
        allow_insecure_loopback: bool = True,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        if credentials is not None and not isinstance(credentials, Credentials):
            raise ConfigurationError("credentials must be a Credentials instance or None")
        if not isinstance(timeouts, Timeouts):
            raise ConfigurationError("timeouts must be a Timeouts instance")
        if not isinstance(retry, RetryPolicy):
            raise ConfigurationError("retry must be a RetryPolicy instance")
        if session is not None and not isinstance(session, requests.Session):
            raise ConfigurationError("session must be a requests.Session or None")
        if (
            not isinstance(user_agent, str)
            or not user_agent
            or _CONTROL.search(user_agent.replace(" ", ""))
        ):
            raise ConfigurationError("user_agent must be a non-empty string without controls")
        self._timeouts = timeouts
        self._retry = retry
        self._owns_session = session is None
        self._session = session if session is not None else requests.Session()
        if (
            not isinstance(max_response_bytes, int)
            or isinstance(max_response_bytes, bool)
            or max_response_bytes < 1
        ):
            raise ConfigurationError("max_response_bytes must be an int >= 1")
        self._max_response_bytes = max_response_bytes
        # Sockets the deadline watchdog can stop (requests' default adapters only).
        watch_session(self._session)
        self._sleep = sleep
        self._clock = clock
        self._random = random
        self._now = now
        self._user_agent = user_agent
        self._allow_insecure_loopback = bool(allow_insecure_loopback)
        self._closed = False
        # Only what is needed to send (the header value, in a closure) and to mask (digests of
        # every form of the key): the key itself is not kept.
        self._username: str | None = None
        self._auth: _BasicAuth | None = None
        self._mask = SecretMask()
        if credentials is not None:
            self._username = credentials.username
            self._mask = SecretMask.for_credentials(credentials.username, credentials.api_key)
            self._auth = _BasicAuth(
                f"Basic {basic_token(credentials.username, credentials.api_key)}"
            )

    # -- properties and lifecycle ------------------------------------------------------------

    @property
    def username(self) -> str | None:
        """The user name sent with ``auth=True`` requests (the key is not kept, only sent)."""
        return self._username

    @property
    def has_credentials(self) -> bool:
        """Whether ``auth=True`` requests can be sent."""
        return self._auth is not None

    @property
    def timeouts(self) -> Timeouts:
        """The per-attempt timeouts."""
        return self._timeouts

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy."""
        return self._retry

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def close(self) -> None:
        """Release pooled connections (of a session this transport created). Idempotent."""
        if not self._closed:
            self._closed = True
            if self._owns_session:
                self._session.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        # getattr: a repr must work on a half-built transport (a failed __init__, a debugger).
        return (
            f"Transport(username={getattr(self, '_username', None)!r}, "
            f"timeouts={getattr(self, '_timeouts', None)!r}, "
            f"retry={getattr(self, '_retry', None)!r}, closed={getattr(self, '_closed', None)!r})"
        )

    # -- the request -------------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        idempotent: bool,
        json: Any = UNSET,
        data: bytes | str | None = None,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        auth: bool = True,
        target: str = "",
    ) -> requests.Response:
        """Send one logical request, retrying per the module rules; return the final response.

        Any final HTTP status is returned, errors included. ``idempotent`` decides what may be
        retried. ``json`` (any JSON value, ``None`` meaning ``null``) and ``data`` are exclusive.
        ``auth`` attaches the Basic credentials. ``target`` labels errors and defaults to the
        method and the URL without its query.

        Raises :class:`InsecureTransportError` (unsafe URL), :class:`UsageError` (bad
        arguments), :class:`ConfigurationError` (no credentials, closed transport) before any
        request; :class:`ConnectError`, :class:`RequestTimeoutError`,
        :class:`OutcomeUnknownError` or :class:`TransportError` when no usable response arrived.
        """
        if self._closed:
            raise ConfigurationError("this transport is closed")
        if not isinstance(method, str) or not _TOKEN.fullmatch(method):
            raise UsageError(f"not an HTTP method: {method!r}")
        verb = method.upper()
        check_url_is_safe(url, allow_loopback_http=self._allow_insecure_loopback)
        label = self.mask(target) if target else _default_target(verb, url)
        if not isinstance(idempotent, bool):
            raise UsageError(f"{label}: idempotent must be True or False")
        if auth and self._auth is None:
            raise ConfigurationError(
                f"{label}: this transport has no credentials; pass auth=False for a public call"
            )
        body, send_headers = self._prepare(label, json, data, headers)
        return self._run(
            verb,
            url,
            idempotent=idempotent,
            body=body,
            params=params,
            headers=send_headers,
            auth=self._auth if auth else None,
            label=label,
        )

    def _prepare(
        self,
        label: str,
        json: Any,
        data: bytes | str | None,
        headers: Mapping[str, str] | None,
    ) -> tuple[bytes | None, CaseInsensitiveDict[str]]:
        merged: CaseInsensitiveDict[str] = CaseInsensitiveDict({"User-Agent": self._user_agent})
        if headers is not None:
            merged.update(headers)
        if json is not UNSET and data is not None:
            raise UsageError(f"{label}: pass either json or data, not both")
        if json is not UNSET:
            # Serialised once, here, so a bad body fails before any I/O and every attempt
            # sends identical bytes. NaN and Infinity are not JSON.
            try:
                text = jsonlib.dumps(json, ensure_ascii=False, allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise UsageError(
                    f"{label}: the JSON body cannot be serialised: {self.mask(str(exc))}"
                ) from None
            merged.setdefault("Content-Type", "application/json")
            return text.encode("utf-8"), merged
        if isinstance(data, str):
            # requests would send a str body as latin-1 and fail on anything else.
            return data.encode("utf-8"), merged
        if data is not None and not isinstance(data, bytes):
            raise UsageError(f"{label}: data must be bytes, str or None")
        return data, merged

    def _run(
        self,
        verb: str,
        url: str,
        *,
        idempotent: bool,
        body: bytes | None,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None,
        headers: CaseInsensitiveDict[str],
        auth: _BasicAuth | None,
        label: str,
    ) -> requests.Response:
        policy = self._retry
        shown = _display_url(url)
        # A call budget (nutshell_core.deadline.call_budget) may leave less than the policy's
        # deadline; with none left, nothing is sent.
        allowed, deadline_text = call_window(policy.deadline, label)
        deadline_at = self._clock() + allowed
        attempt = 0
        while True:
            attempt += 1
            # Trim the timeouts so that an attempt cannot outlive the overall deadline (with a
            # 1 ms floor: the clock may move on between the check and here, and 0 is invalid).
            left = max(deadline_at - self._clock(), 0.001)
            timeout = (min(self._timeouts.connect, left), min(self._timeouts.read, left))
            began = self._clock()
            response, failure, kind = self._attempt(
                verb,
                url,
                body=body,
                params=params,
                headers=headers,
                auth=auth,
                timeout=timeout,
                deadline_at=deadline_at,
                label=label,
                idempotent=idempotent,
            )
            took = self._clock() - began

            if failure is not None:
                _log.debug(
                    "%s %s failed in %.3fs (attempt %d/%d): %s",
                    verb,
                    shown,
                    took,
                    attempt,
                    policy.max_attempts,
                    self._describe(failure),
                )
                if not may_resend(kind, idempotent):
                    raise self._error(
                        kind=kind,
                        exc=failure,
                        label=label,
                        idempotent=idempotent,
                        attempt=attempt,
                        timeout=timeout,
                        stop=None,
                        deadline_text=deadline_text,
                    ) from failure
                delay = policy.backoff(attempt, self._random)
                why = f"{type(failure).__name__}"
            else:
                assert response is not None
                status = response.status_code
                _log.debug(
                    "%s %s -> %d in %.3fs (attempt %d/%d, request id %s)",
                    verb,
                    shown,
                    status,
                    took,
                    attempt,
                    policy.max_attempts,
                    # The server chooses this header; one that echoes the key must not log it.
                    self.mask(request_id(response) or "-"),
                )
                if not idempotent or status not in RETRYABLE_STATUSES:
                    return response
                retry_after = parse_retry_after(response.headers.get("Retry-After"), now=self._now)
                if retry_after is not None and retry_after > policy.max_retry_after:
                    _log.debug(
                        "%s %s: not retrying HTTP %d: Retry-After %.1fs exceeds %.1fs",
                        verb,
                        shown,
                        status,
                        retry_after,
                        policy.max_retry_after,
                    )
                    return response
                # The server's advice is honoured exactly; jitter is for guessing.
                delay = (
                    retry_after
                    if retry_after is not None
                    else policy.backoff(attempt, self._random)
                )
                why = f"HTTP {status}"

            stop = self._stop_reason(attempt, delay, deadline_at, deadline_text)
            if stop is None:
                _log.debug(
                    "%s %s: %s, retrying in %.2fs (attempt %d/%d)",
                    verb,
                    shown,
                    why,
                    delay,
                    attempt + 1,
                    policy.max_attempts,
                )
                self._sleep(delay)
                if self._clock() < deadline_at:
                    continue
                stop = f"{deadline_text} passed while waiting to retry"
            _log.debug("%s %s: giving up after %d attempt(s): %s", verb, shown, attempt, stop)
            if failure is not None:
                raise self._error(
                    kind=kind,
                    exc=failure,
                    label=label,
                    idempotent=idempotent,
                    attempt=attempt,
                    timeout=timeout,
                    stop=stop,
                    deadline_text=deadline_text,
                ) from failure
            assert response is not None
            return response

    def _attempt(
        self,
        verb: str,
        url: str,
        *,
        body: bytes | None,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None,
        headers: CaseInsensitiveDict[str],
        auth: _BasicAuth | None,
        timeout: tuple[float, float],
        deadline_at: float,
        label: str,
        idempotent: bool,
    ) -> tuple[requests.Response | None, requests.RequestException | None, Failure]:
        """One attempt under the deadline: ``(response, None, OTHER)`` or ``(None, failure,
        kind)``. An oversized answer raises at once: it would be as large the next time."""
        # Real seconds for the watchdog: the injectable clock may not be time.monotonic.
        watchdog = Watchdog(deadline_at - self._clock())
        try:
            response = self._exchange(
                verb=verb,
                url=url,
                body=body,
                params=params,
                headers=headers,
                auth=auth,
                timeout=timeout,
                watchdog=watchdog,
                expired=lambda: self._clock() >= deadline_at,
            )
        except requests.RequestException as exc:
            kind = classify(exc)
            if kind is not Failure.NOT_SENT and (
                watchdog.fired or isinstance(exc, DeadlinePassedError)
            ):
                kind = Failure.DEADLINE
            return None, exc, kind
        except BodyTooLargeError as exc:
            raise self._too_large(exc, label=label, idempotent=idempotent) from None
        finally:
            watchdog.finish()
        return response, None, Failure.OTHER

    def _stop_reason(
        self, attempt: int, delay: float, deadline_at: float, deadline_text: str
    ) -> str | None:
        """Why no further attempt may be made after ``attempt``, or None if one may."""
        if attempt >= self._retry.max_attempts:
            return f"all {self._retry.max_attempts} attempts used"
        if self._clock() + delay >= deadline_at:
            return f"waiting {delay:.2f}s more would pass {deadline_text}"
        return None

    def _exchange(
        self,
        *,
        verb: str,
        url: str,
        body: bytes | None,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None,
        headers: CaseInsensitiveDict[str],
        auth: _BasicAuth | None,
        timeout: tuple[float, float],
        watchdog: Watchdog,
        expired: Callable[[], bool],
    ) -> requests.Response:
        """One attempt: a request, plus same-origin redirect hops. Credentials stay on origin.

        The final response's body is read here, in chunks, under ``watchdog`` and the size cap.
        """
        with watchdog.active():
            response = self._hops(
                verb=verb,
                url=url,
                body=body,
                params=params,
                headers=headers,
                auth=auth,
                timeout=timeout,
            )
            read_body(response, max_bytes=self._max_response_bytes, expired=expired)
        return response

    def _hops(
        self,
        *,
        verb: str,
        url: str,
        body: bytes | None,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None,
        headers: CaseInsensitiveDict[str],
        auth: _BasicAuth | None,
        timeout: tuple[float, float],
    ) -> requests.Response:
        """Send, following same-origin redirects; the final body is not read yet."""
        history: list[requests.Response] = []
        method, current, query = verb, url, params
        hop_headers = headers
        while True:
            response = self._session.request(
                method,
                current,
                params=query,
                data=body,
                headers=hop_headers,
                auth=auth,
                timeout=timeout,
                allow_redirects=False,  # redirects are vetted below, never blindly followed
                proxies=cast("MutableMapping[str, str] | None", _proxies_for(current)),
                stream=True,  # the body is read by read_body, bounded in time and size
                # A request's hooks replace the session's of the same name: keep those first.
                hooks={
                    "response": [
                        *self._session.hooks.get("response", ()),
                        _drop_unparsable_location,
                    ]
                },
            )
            location = self._session.get_redirect_target(response)
            if location is None:
                break
            next_url = urljoin(response.url or current, location).split("#", 1)[0]
            if len(history) >= MAX_REDIRECTS or not self._same_origin(current, next_url):
                _log.debug(
                    "%s %s: not following HTTP %d to %s",
                    method,
                    _display_url(current),
                    response.status_code,
                    _display_url(next_url),
                )
                break
            _log.debug(
                "%s %s: following HTTP %d to %s",
                method,
                _display_url(current),
                response.status_code,
                _display_url(next_url),
            )
            history.append(response)
            response.close()
            new_method = _redirect_method(response.status_code, method)
            if new_method != method:
                body = None
                hop_headers = CaseInsensitiveDict(hop_headers)
                for name in ("Content-Type", "Content-Length", "Transfer-Encoding"):
                    hop_headers.pop(name, None)
            method, current, query = new_method, next_url, None  # the query is in the Location
        response.history = history
        return response

    def _same_origin(self, url: str, next_url: str) -> bool:
        try:
            check_url_is_safe(next_url, allow_loopback_http=self._allow_insecure_loopback)
            return _origin(url) == _origin(next_url)
        except (InsecureTransportError, ValueError):
            return False

    # -- messages ----------------------------------------------------------------------------

    def mask(self, text: str) -> str:
        """``text`` with URL userinfo, Basic tokens and every form of the API key removed.

        For anything that writes what the server sent (logs, shadow records): a server may echo
        the key back.
        """
        return self._mask.mask(scrub(text))

    def _describe(self, exc: BaseException) -> str:
        detail = self.mask(f"{type(exc).__name__}: {exc}")
        if len(detail) > _DETAIL_LIMIT:
            detail = detail[:_DETAIL_LIMIT] + "..."
        return detail

    def _error(
        self,
        *,
        kind: Failure,
        exc: requests.RequestException,
        label: str,
        idempotent: bool,
        attempt: int,
        timeout: tuple[float, float],
        stop: str | None,
        deadline_text: str,
    ) -> TransportError:
        """The error for a failed request; the caller chains it ``from`` the original."""
        detail = self._describe(exc)
        tries = f"; gave up after {attempt} attempt(s): {stop}" if stop else ""
        if kind is Failure.NOT_SENT:
            error: TransportError = ConnectError(
                f"{label}: could not connect, so the request was not sent{tries} ({detail})",
                label,
            )
        elif kind is Failure.TLS_REJECTED:
            error = ConnectError(
                f"{label}: the server's TLS certificate was rejected, so the request was not "
                f"sent ({detail})",
                label,
            )
        elif not idempotent and kind in (Failure.TIMED_OUT, Failure.BROKEN, Failure.DEADLINE):
            what = {
                Failure.TIMED_OUT: f"no response arrived within the {timeout[1]:g}s read timeout",
                Failure.BROKEN: "the connection broke before the response arrived",
                Failure.DEADLINE: f"{deadline_text} passed before the response was complete",
            }[kind]
            error = OutcomeUnknownError(
                f"{label}: the outcome is unknown: the request was sent but {what}, so the "
                "write may or may not have been applied. It was not re-sent; check the record "
                f"before trying again ({detail})",
                label,
            )
        elif kind is Failure.DEADLINE:
            error = RequestTimeoutError(
                f"{label}: {deadline_text} passed before the response was complete "
                f"(attempt {attempt}) ({detail})",
                label,
            )
        elif kind is Failure.TIMED_OUT:
            error = RequestTimeoutError(
                f"{label}: no response within the {timeout[1]:g}s read timeout{tries} ({detail})",
                label,
            )
        elif kind is Failure.BROKEN:
            error = TransportError(
                f"{label}: the connection broke before a response arrived{tries} ({detail})",
                label,
            )
        else:
            error = TransportError(f"{label}: the request failed ({detail})", label)
        return error

    def _too_large(
        self, exc: BodyTooLargeError, *, label: str, idempotent: bool
    ) -> MalformedResponseError | OutcomeUnknownError:
        """The error for an answer over ``max_response_bytes``: never read, never retried."""
        what = f"response larger than {exc.limit} bytes (HTTP {exc.status}, at least {exc.size})"
        if not idempotent and exc.status < 300:
            return OutcomeUnknownError(
                f"{label}: the outcome is unknown: the server answered success but the body "
                f"could not be read ({what}): the write may have been applied; read before "
                "retrying",
                label,
            )
        return MalformedResponseError(what, label, exc.status)  # its str() names the label
