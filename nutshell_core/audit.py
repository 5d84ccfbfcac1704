"""The audit trail: one :class:`AuditEvent` per call, and sinks that keep them.

Every call a policy-aware client, the bridge or the proxy makes (or refuses) can be reported
to an *audit sink*: any callable taking an :class:`AuditEvent`. Two sinks ship here:

- :class:`AuditLog` appends each event as one compact JSON line to a file (created ``0600``),
  from any number of threads: a line is written whole, in one ``write``, under a lock, so lines
  never interleave;
- :class:`MemoryAudit` keeps them in a list, for tests and for code that forwards them elsewhere.

An event says who called what, on which record types and ids, whether the policy allowed it,
and how it ended. It never holds a value sent or received, a token or a key: every string in an
event is masked with :func:`~nutshell_core.secrets.mask_secrets` when the event is built (so the
key of any live :class:`~nutshell_core.secrets.SecretMask` never appears), and a sink may apply
a further mask of its own.

The JSON line of an event has exactly the keys of :data:`EVENT_KEYS`, which is how a report
recognises an audit log.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, Final

import attrs

from nutshell_core.errors import ConfigurationError
from nutshell_core.secrets import mask_secrets, mask_value

__all__ = [
    "ACCESS_WORDS",
    "DECISIONS",
    "EVENT_KEYS",
    "AuditEvent",
    "AuditLog",
    "AuditSink",
    "MemoryAudit",
    "audit_event",
    "rest_ids",
    "rpc_ids",
    "utc_timestamp",
]

#: The two access words an event may carry.
ACCESS_WORDS: Final = ("read", "write")
#: The two decisions an event may carry.
DECISIONS: Final = ("allowed", "denied")


def _masked(value: str) -> str:
    return mask_secrets(str(value))


def _masked_optional(value: str | None) -> str | None:
    return None if value is None else mask_secrets(str(value))


def _masked_tuple(values: Iterable[Any]) -> tuple[str, ...]:
    if isinstance(values, str):  # one id passed bare: one id, not its characters
        values = (values,)
    return tuple(mask_secrets(str(value)) for value in values)


def _milliseconds(value: float) -> float:
    return round(float(value), 3)


def utc_timestamp(moment: datetime.datetime | None = None) -> str:
    """``moment`` (default: now) as ISO 8601 UTC with milliseconds: ``2026-12-06T09:00:00.123Z``."""
    moment = moment or datetime.datetime.now(datetime.timezone.utc)
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@attrs.frozen
class AuditEvent:
    """One call, allowed or denied, as the audit trail records it.

    ``call`` is the legacy method name (``"getLead"``) or the REST operation as
    ``"GET /rest/leads/{id}"``; ``ids`` are the record ids the call named (never any value);
    ``status`` is ``"ok"``, an HTTP status, the class name of the error raised, or ``"denied"``
    when the policy refused the call; ``route`` is how it was served (``"rpc"``, ``"rest"``,
    ``"shadow"``...) or ``""``. Every string is masked when the event is built.
    """

    time: str = attrs.field(converter=_masked)
    agent: str | None = attrs.field(converter=_masked_optional)
    call: str = attrs.field(converter=_masked)
    record_types: tuple[str, ...] = attrs.field(converter=_masked_tuple)
    access: str = attrs.field(converter=_masked)
    ids: tuple[str, ...] = attrs.field(converter=_masked_tuple)
    decision: str = attrs.field(converter=_masked)
    status: str = attrs.field(converter=_masked)
    duration_ms: float = attrs.field(converter=_milliseconds)
    route: str = attrs.field(converter=_masked)
    reason: str | None = attrs.field(default=None, converter=_masked_optional)

    @property
    def allowed(self) -> bool:
        """Whether the policy let the call through."""
        return self.decision == "allowed"

    def to_dict(self) -> dict[str, Any]:
        """The event as a JSON-ready dict with exactly the keys of :data:`EVENT_KEYS`."""
        return {
            "time": self.time,
            "agent": self.agent,
            "call": self.call,
            "record_types": list(self.record_types),
            "access": self.access,
            "ids": list(self.ids),
            "decision": self.decision,
            "status": self.status,
            "duration_ms": self.duration_ms,
            "route": self.route,
            "reason": self.reason,
        }

    def to_json(self) -> str:
        """The event as one compact JSON line (no trailing newline)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuditEvent:
        """The event a :meth:`to_dict` (or a parsed audit line) describes.

        Raises :class:`~nutshell_core.errors.ConfigurationError` naming the first missing key.
        """
        missing = [key for key in EVENT_KEYS if key not in data and key != "reason"]
        if missing:
            raise ConfigurationError(f"an audit event lacks the key {missing[0]!r}")
        try:
            return cls(
                time=data["time"],
                agent=data["agent"],
                call=data["call"],
                record_types=data["record_types"] or (),
                access=data["access"],
                ids=data["ids"] or (),
                decision=data["decision"],
                status=data["status"],
                duration_ms=data["duration_ms"] or 0.0,
                route=data["route"] or "",
                reason=data.get("reason"),
            )
        except (TypeError, ValueError) as error:
            raise ConfigurationError(f"an audit event is malformed: {error}") from None


#: The keys of an event's JSON line, in order.
EVENT_KEYS: Final = tuple(field.name for field in attrs.fields(AuditEvent))

#: An audit sink: anything that takes an event. It should be quick and must not raise.
AuditSink = Callable[[AuditEvent], None]


def audit_event(
    *,
    agent: str | None,
    call: str,
    record_types: Iterable[str] = (),
    access: str = "read",
    ids: Iterable[Any] = (),
    decision: str = "allowed",
    status: str = "ok",
    duration_ms: float = 0.0,
    route: str = "",
    reason: str | None = None,
    time: str | None = None,
) -> AuditEvent:
    """An :class:`AuditEvent` stamped with the current time (unless ``time`` is given)."""
    return AuditEvent(
        time=time or utc_timestamp(),
        agent=agent,
        call=call,
        record_types=tuple(record_types),
        access=access,
        ids=tuple(str(item) for item in ids),
        decision=decision,
        status=str(status),
        duration_ms=duration_ms,
        route=route,
        reason=reason,
    )


# An id a log may show: digits, optionally with the REST type suffix ("1003-leads"). Anything
# else a caller put in an id parameter is left out rather than logged.
_ID = re.compile(r"[0-9]{1,18}(?:-[a-z]{1,40})?")
_MAX_IDS = 20


def _id_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and _ID.fullmatch(value):
        return value
    return None


def rpc_ids(params: Mapping[str, Any]) -> tuple[str, ...]:
    """The record ids named by legacy call ``params``: values of ``...Id``/``...Ids`` params.

    Only integers and id-shaped strings are kept, at most 20, so no value a caller sends (and no
    secret smuggled into an id parameter) reaches the log.
    """
    found: list[str] = []
    for name, value in params.items():
        if not (name.endswith(("Id", "Ids")) or name == "id"):
            continue
        items = value if isinstance(value, (list, tuple)) else (value,)
        for item in items:
            text = _id_text(item)
            if text is not None and text not in found:
                found.append(text)
    return tuple(found[:_MAX_IDS])


def rest_ids(path: str) -> tuple[str, ...]:
    """The record ids in a REST path: its id-shaped segments (``/rest/leads/1003-leads``)."""
    segments = path.split("?", 1)[0].strip("/").split("/")
    found = [segment for segment in segments if _ID.fullmatch(segment)]
    return tuple(found[:_MAX_IDS])


class AuditLog:
    """An audit sink appending one JSON line per event to a file, safe from many threads.

    The file is opened for appending (created with mode ``0600``; an existing file keeps its
    lines and its mode). Each line is written whole with one ``write`` under a lock, so
    concurrent events never interleave and a reader sees complete lines as they come. ``mask``,
    when given, is applied to every string of the event on top of its own masking (for secrets
    only this sink knows, such as the tokens callers presented).
    """

    def __init__(self, path: str | os.PathLike[str], *, mask: Callable[[str], str] | None = None):
        self.path = os.fspath(path)
        self._mask = mask
        self._lock = threading.Lock()
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        try:
            self._fd: int | None = os.open(self.path, flags, 0o600)
        except OSError as error:
            raise ConfigurationError(
                f"cannot open the audit log {self.path}: {error.strerror}"
            ) from None

    def __call__(self, event: AuditEvent) -> None:
        """Append ``event`` as one line."""
        record = event.to_dict()
        if self._mask is not None:
            record = mask_value(record, self._mask)
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        data = (line + "\n").encode("utf-8", "surrogatepass")
        with self._lock:
            if self._fd is None:
                raise ConfigurationError(f"the audit log {self.path} is closed")
            view = memoryview(data)
            while view:  # a regular file takes it all at once; a pipe may not
                view = view[os.write(self._fd, view) :]

    def close(self) -> None:
        """Close the file; later events raise :class:`ConfigurationError`."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._fd is None

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"AuditLog({self.path!r})"


class MemoryAudit:
    """An audit sink keeping every event in :attr:`events`, in arrival order (thread-safe)."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []
        self._lock = threading.Lock()

    def __call__(self, event: AuditEvent) -> None:
        """Keep ``event``."""
        with self._lock:
            self.events.append(event)

    def clear(self) -> None:
        """Forget every event kept so far."""
        with self._lock:
            self.events.clear()

    def __len__(self) -> int:
        return len(self.events)

    def __repr__(self) -> str:
        return f"MemoryAudit({len(self.events)} events)"
