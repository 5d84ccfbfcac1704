"""Receiving Nutshell webhooks: parse a delivery, re-fetch what changed, render it back.

**Delivery.** Webhooks are set up in Nutshell's UI only (Setup -> API keys), and every webhook
receives a *firehose*: all events of the instance, with no per-event subscription, so a receiver
filters them itself (REST reference §7). Each delivery is an HTTP POST whose JSON body is a
REST envelope: ``meta``, URL templates in ``links``, an ``events`` array, the ``actors`` who
did them, the ``payloads`` they were done to, and sometimes more side-loaded arrays
(``users``, ``owners``...). :func:`parse_webhook` reads one into a :class:`WebhookDelivery`;
:func:`render_webhook` gives back exactly the body that was parsed.

**Authentication.** Nutshell documents no signature or verification header and no retry
policy. Anyone who learns the URL can post to it, so authenticate the URL some other way: put
a long random token in its path or query and compare it with
:func:`constant_time_token_check` before parsing anything; serve it over HTTPS only.
:func:`parse_webhook` also bounds the body size (:data:`DEFAULT_MAX_BYTES`) before any JSON
parsing, so an unauthenticated sender cannot make it read an arbitrarily large body.

**Re-fetch.** Nutshell advises treating a delivery as a prompt that something changed and
re-reading the records over REST rather than trusting the payload fields. :func:`refetch` does
that through any :class:`RecordFetcher` (the REST client implements one), once per distinct
record, skipping records the delivery says were deleted.

Every problem with a body raises :class:`WebhookError` (never ``KeyError``, ``TypeError`` or
``ValueError``) with a message naming what was wrong and its JSON path (``$.events[0].id``).
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, Final, Protocol

import attrs

from nutshell_core.errors import ConfigurationError, NutshellError, UsageError
from nutshell_core.model import Record, Ref, Unset
from nutshell_rest._codecs import LOAD_ERRORS, entity_name, rest_type_of, split_id
from nutshell_rest.envelope import (
    Change,
    Envelope,
    Event,
    parse_envelope,
    render_envelope,
    resolve,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DELETE_ACTIONS",
    "ChangedRecord",
    "Payload",
    "RecordFetcher",
    "RefetchedRecord",
    "WebhookDelivery",
    "WebhookError",
    "WebhookTooLarge",
    "constant_time_token_check",
    "parse_webhook",
    "refetch",
    "render_webhook",
]

#: The default bound on a webhook body: 1 MiB (the recorded samples are under 8 KiB).
DEFAULT_MAX_BYTES: Final = 1 << 20

#: Event actions after which the record is gone, so :func:`refetch` does not fetch it.
DELETE_ACTIONS: Final = frozenset({"delete"})

#: A side-loaded item: a model record, or the wire dict of a type the model does not know.
Payload = Record | Mapping[str, Any]

_LINK_MEMBER: Final = re.compile(r"links\.([A-Za-z0-9_]+): (.*)", re.DOTALL)


# -- errors -------------------------------------------------------------------------------------


class WebhookError(NutshellError):
    """A webhook body that cannot be read; ``path`` is the JSON path of the problem."""

    def __init__(self, message: str, path: str = "$") -> None:
        super().__init__(message, path)
        self.path = path

    def __str__(self) -> str:
        return f"{self.message} @ {self.path}"


class WebhookTooLarge(WebhookError):
    """A body over the size bound, rejected before it was decoded or parsed.

    ``size`` is the body's length in bytes (for a ``str`` already longer in characters than
    the bound, its character count: a lower bound); ``limit`` is the bound.
    """

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"webhook body of {size} bytes is over the {limit}-byte limit")
        self.size = size
        self.limit = limit

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.size, self.limit))


# -- the delivery -------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ChangedRecord:
    """One payload of one event: what was done (``action``) to which record (``ref``).

    ``record`` is the payload record as the body side-loaded it (None when it did not);
    ``changes`` the event's field-level diff (empty for creates); ``event`` the whole event.
    """

    action: str
    ref: Ref
    record: Payload | None
    changes: tuple[Change, ...]
    event: Event


@attrs.frozen(kw_only=True)
class WebhookDelivery:
    """A parsed webhook body.

    ``envelope`` is the underlying :class:`~nutshell_rest.envelope.Envelope` (primary key
    ``events``), already :func:`~nutshell_rest.envelope.resolve`-d: each event's
    ``actor.record`` and ``payloads[i].record`` carry the side-loaded records when the body had
    them. The other attributes are views of it.
    """

    envelope: Envelope

    @property
    def events(self) -> tuple[Event, ...]:
        """The events, in body order."""
        return tuple(item for item in self.envelope.records if isinstance(item, Event))

    @property
    def actors(self) -> tuple[Payload, ...]:
        """The ``actors`` side-load: users, and origins (API keys, integrations) as dicts."""
        return tuple(self.envelope.included.get("actors", ()))

    @property
    def payloads(self) -> tuple[Payload, ...]:
        """The ``payloads`` side-load: the records the events were done to."""
        return tuple(self.envelope.included.get("payloads", ()))

    @property
    def included(self) -> Mapping[str, tuple[Payload, ...]]:
        """Every side-loaded array by key, in body order (``actors`` and ``payloads`` too)."""
        return self.envelope.included

    @property
    def meta(self) -> Mapping[str, Any] | Unset:
        """The body's ``meta`` object (UNSET when it had none)."""
        return self.envelope.meta

    @property
    def links(self) -> Mapping[str, Any] | Unset:
        """The body's top-level ``links``: URL templates keyed ``"<array>.<relation>"``."""
        return self.envelope.links

    def find(self, ref: Ref) -> Payload | None:
        """The side-loaded record ``ref`` points at (``payloads`` first), or None."""
        if isinstance(ref.id, Unset):
            return None
        key = (ref.entity, ref.id)
        for name in ("payloads", *(n for n in self.included if n != "payloads")):
            for item in self.included.get(name, ()):
                if _item_key(item) == key:
                    return item
        return None

    def changed(self) -> Iterator[ChangedRecord]:
        """For each event and each of its payloads, in body order: a :class:`ChangedRecord`.

        A record named by several events is yielded once per event; :func:`refetch`
        de-duplicates.
        """
        for event in self.events:
            action = event.action if isinstance(event.action, str) else ""
            changes = event.changes if isinstance(event.changes, tuple) else ()
            refs = event.payloads if isinstance(event.payloads, tuple) else ()
            for ref in refs:
                found = self.find(ref)
                yield ChangedRecord(
                    action=action,
                    ref=ref,
                    record=found if found is not None else ref.record,
                    changes=changes,
                    event=event,
                )


def _item_key(item: Payload) -> tuple[str, int] | None:
    if isinstance(item, Record):
        return None if isinstance(item.id, Unset) else (item.entity, item.id)
    try:
        number, rest_type = split_id(item.get("id"))
    except (TypeError, ValueError):
        return None
    found = rest_type if rest_type is not None else item.get("type")
    return (entity_name(found), number) if isinstance(found, str) else None


# -- parsing ------------------------------------------------------------------------------------


def _check_limit(max_bytes: object) -> int:
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0:
        raise UsageError(f"max_bytes must be a non-negative int, got {max_bytes!r}")
    return max_bytes


def _text(body: bytes | bytearray | str, max_bytes: int) -> str:
    """The body as text, after the size bound; raises WebhookError."""
    if isinstance(body, str):
        if len(body) > max_bytes:
            raise WebhookTooLarge(len(body), max_bytes)
        size = len(body.encode("utf-8", "surrogatepass"))
        if size > max_bytes:
            raise WebhookTooLarge(size, max_bytes)
        return body
    if len(body) > max_bytes:
        raise WebhookTooLarge(len(body), max_bytes)
    try:
        return bytes(body).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WebhookError(f"webhook body is not UTF-8: {exc.reason} at byte {exc.start}") from None


def _load(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise WebhookError(
            f"webhook body is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise WebhookError("webhook body is not JSON: nested too deeply") from None
    except (ValueError, TypeError) as exc:
        raise WebhookError(f"webhook body is not JSON: {exc}") from None


def _check_event(raw: Any, path: str) -> None:
    """The keys an event must have to say what happened to what."""
    if not isinstance(raw, Mapping):
        raise WebhookError(f"event is not an object but {_kind(raw)}", path)
    if raw.get("id") is None:
        raise WebhookError("event has no id", f"{path}.id")
    action = raw.get("action")
    if not isinstance(action, str) or not action:
        what = "no action" if action is None else f"an action that is {_kind(action)}"
        raise WebhookError(f"event has {what}", f"{path}.action")
    links = raw.get("links")
    if not isinstance(links, Mapping):
        what = "no links" if links is None else f"links that are {_kind(links)}"
        raise WebhookError(f"event has {what}", f"{path}.links")
    payloads = links.get("payloads")
    if not isinstance(payloads, list):
        what = "no payloads" if payloads is None else f"payloads that are {_kind(payloads)}"
        raise WebhookError(f"event links have {what}", f"{path}.links.payloads")
    for j, member in enumerate(payloads):
        try:
            _, rest_type = split_id(member)
        except (TypeError, ValueError):
            rest_type = None
        if rest_type is None:
            raise WebhookError(
                f"payload id {_short(member)} is not a typed id like '1003-leads'",
                f"{path}.links.payloads[{j}]",
            )


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}"


def _from_nutshell_error(exc: NutshellError) -> WebhookError:
    """A MalformedResponseError from the envelope parser as a WebhookError with its path."""
    problems: tuple[str, ...] = getattr(exc, "problems", ())
    if not problems:
        return WebhookError(f"cannot read webhook body: {exc.message}")
    detail, sep, path = problems[0].rpartition(" @ ")
    if not sep:
        return WebhookError(f"cannot read webhook body: {exc.message}: {problems[0]}")
    path = path.strip() or "$"
    # links_field reports "links.<member>: ..." at the path of the links object.
    member = _LINK_MEMBER.match(detail)
    if member is not None and path.endswith(".links"):
        path, detail = f"{path}.{member.group(1)}", member.group(2)
    message = f"{exc.message}: {detail}" if detail.strip() else exc.message
    return WebhookError(message, path)


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_webhook(
    body: bytes | bytearray | str | Mapping[str, Any], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> WebhookDelivery:
    """A webhook POST body -> :class:`WebhookDelivery`.

    ``body`` is the raw request body (``bytes``, UTF-8), its text, or an already-decoded JSON
    object. Raw bodies longer than ``max_bytes`` bytes raise :class:`WebhookTooLarge` before
    anything is decoded. Invalid UTF-8 or JSON, a body that is not an object, a missing or
    non-array ``events``, an event without ``id``, ``action`` or ``links.payloads``, and any
    value the REST converters cannot read raise :class:`WebhookError` naming the JSON path.
    Arrays of types the model does not know stay dicts; other keys are kept for rendering.
    """
    limit = _check_limit(max_bytes)
    if isinstance(body, (bytes, bytearray, str)):
        data = _load(_text(body, limit))
    elif isinstance(body, Mapping):
        data = body
    else:
        raise WebhookError(
            f"expected the body as bytes, str or a mapping, got {type(body).__name__}"
        )
    if not isinstance(data, Mapping):
        raise WebhookError(f"webhook body is not an object but {_kind(data)}")
    if "events" not in data:
        raise WebhookError("webhook body has no events", "$.events")
    events = data["events"]
    if not isinstance(events, list):
        raise WebhookError(f"webhook events is {_kind(events)}, not an array", "$.events")
    for i, raw in enumerate(events):
        _check_event(raw, f"$.events[{i}]")
    try:
        envelope = resolve(parse_envelope(data, primary_key="events"))
    except WebhookError:
        raise
    except NutshellError as exc:
        raise _from_nutshell_error(exc) from exc
    except (*LOAD_ERRORS, LookupError, RecursionError) as exc:
        # The converters report bad values as MalformedResponseError; this is a safety net
        # so that nothing but WebhookError reaches a receiver, whatever was posted.
        raise WebhookError(f"cannot read webhook body: {type(exc).__name__}: {exc}") from exc
    return WebhookDelivery(envelope=envelope)


def render_webhook(delivery: WebhookDelivery) -> dict[str, Any]:
    """WebhookDelivery -> the JSON object it was parsed from (same keys, values and order)."""
    return render_envelope(delivery.envelope)


# -- re-fetching --------------------------------------------------------------------------------


class RecordFetcher(Protocol):
    """Anything that can read one record by REST type and id (the REST client does)."""

    def fetch(self, rest_type: str, record_id: int) -> Record | None:
        """The record ``<record_id>-<rest_type>`` as the server has it now; None if gone (404)."""
        ...


@attrs.frozen(kw_only=True)
class RefetchedRecord:
    """A changed record re-read over REST.

    ``record`` is the current record, or None when the delivery says it was deleted (it was not
    fetched) or the fetcher found it gone. ``action`` and ``event`` are those of the last event
    in the delivery that named the record.
    """

    ref: Ref
    action: str
    record: Record | None
    event: Event

    @property
    def deleted(self) -> bool:
        """True when the last event deleted the record (so it was not fetched)."""
        return self.action in DELETE_ACTIONS

    @property
    def gone(self) -> bool:
        """True when there is no current record: deleted, or not found on re-fetch."""
        return self.record is None


def refetch(delivery: WebhookDelivery, fetcher: RecordFetcher) -> Iterator[RefetchedRecord]:
    """Re-read each record the delivery's events name, once, in order of first mention.

    A record named by several events is fetched once and reported with the action of the last
    of them; a record whose last action is a delete (:data:`DELETE_ACTIONS`) is not fetched and
    is reported with ``record=None``. Lazy: each fetch happens when its item is consumed, and
    errors from ``fetcher`` (network, auth, rate limits) propagate unchanged.
    """
    latest: dict[tuple[str, int], ChangedRecord] = {}
    for change in delivery.changed():
        if isinstance(change.ref.id, Unset):
            continue
        key = (change.ref.entity, change.ref.id)
        first = latest.get(key)
        # Keep the first mention's position and Ref; take the last mention's action and event.
        latest[key] = (
            change
            if first is None
            else attrs.evolve(first, action=change.action, event=change.event)
        )
    for (entity, number), change in latest.items():
        record = None
        if change.action not in DELETE_ACTIONS:
            record = fetcher.fetch(rest_type_of(entity), number)
        yield RefetchedRecord(
            ref=change.ref, action=change.action, record=record, event=change.event
        )


def constant_time_token_check(expected: str | bytes, given: str | bytes | None) -> bool:
    """True when ``given`` equals the secret ``expected``, compared in constant time.

    Use it on a secret token in the webhook URL (Nutshell signs nothing). ``str`` values are
    compared as UTF-8; ``None`` (no token sent) is False. An empty ``expected`` raises
    :class:`~nutshell_core.errors.ConfigurationError`: it would authenticate anyone.
    """
    want = expected.encode("utf-8") if isinstance(expected, str) else expected
    if not isinstance(want, bytes) or not want:
        raise ConfigurationError("the expected webhook token must be a non-empty str or bytes")
    if given is None:
        return False
    got = given.encode("utf-8", "surrogatepass") if isinstance(given, str) else given
    if not isinstance(got, bytes):
        return False
    return hmac.compare_digest(want, got)
