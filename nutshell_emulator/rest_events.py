"""The REST front's event feed: ``GET /events`` and ``GET /events/deleted``, filtered and paged
by id and time with ``meta.next`` to poll from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from nutshell_emulator.emails import timeline_subjects
from nutshell_emulator.http import HttpReply, json_reply
from nutshell_emulator.rest_filters import MAX_PAGE_LIMIT, id_matcher, same_id, whole_number
from nutshell_emulator.rest_handling import _Call, _FrontBase
from nutshell_emulator.rest_values import rest_type_for, unix
from nutshell_emulator.store import StoreEvent

#: ``GET /events`` page size when ``limit`` is absent; the recorded ``meta.next`` says 20.
DEFAULT_EVENTS_LIMIT: Final = 20

_EVENT_EXTRA_ARRAYS: Final = ("activityTypes", "contacts", "users", "notes", "emailAddresses")


class _EventHandlers(_FrontBase):
    """``GET /events`` and ``GET /events/deleted``."""

    # -- events ----------------------------------------------------------------------------------

    def _events(self, call: _Call) -> HttpReply:
        return self._event_page(call, lambda _e: True)

    def _deleted_events(self, call: _Call) -> HttpReply:
        wanted = {v.strip().lower() for k, v in call.request.query if k.startswith("filter[types]")}
        wanted |= {t.strip().lower() for v in list(wanted) for t in v.split(",") if t.strip()}

        def deleted(event: StoreEvent) -> bool:
            kind = rest_type_for(event.entity).lower()
            return event.action == "delete" and (not wanted or kind in wanted)

        return self._event_page(call, deleted)

    def _event_page(self, call: _Call, keep: Callable[[StoreEvent], bool]) -> HttpReply:
        query = call.request.query
        first = dict(reversed(query))  # the first value of a repeated parameter wins
        limit = _event_number(call, self, first.get("limit"), "limit")
        limit = DEFAULT_EVENTS_LIMIT if limit is None else limit
        if not 1 <= limit <= MAX_PAGE_LIMIT:
            raise self._bad(call, "Invalid filter", f"Invalid limit: {limit}")
        since_id = _event_number(call, self, first.get("since_id"), "since_id")
        max_id = _event_number(call, self, first.get("max_id"), "max_id")
        since_time = _event_number(call, self, first.get("since_time"), "since_time")
        max_time = _event_number(call, self, first.get("max_time"), "max_time")
        # Several comma-separated ids are accepted (the bridge asks for a page of records'
        # events at once); the real API documents one id (see the assumptions).
        entity_ids = [i.strip() for i in first.get("entity_id", "").split(",") if i.strip()]
        related = id_matcher(entity_ids)
        payload_types = {v.lower() for k, v in query if k.startswith("filters[payload]")}
        creators = [v for k, v in query if k.startswith("filters[creator]")]

        def wanted(event: StoreEvent) -> bool:
            stamp = unix(event.time) or 0
            kind = rest_type_for(event.entity)
            return (
                keep(event)
                and (since_id is None or event.id > since_id)
                # OAS: "an ID less than or equal to" max_id.
                and (max_id is None or event.id <= max_id)
                and (since_time is None or stamp >= since_time)
                and (max_time is None or stamp <= max_time)
                and (
                    not entity_ids
                    # An event is related to its record and to the records on whose timeline
                    # that record is (a note's parent...), as the feed that powers timelines
                    # is; see the assumptions.
                    or any(
                        related(subject)
                        for subject in timeline_subjects(self.store, event.entity, event.record_id)
                    )
                )
                and (not payload_types or kind.lower() in payload_types)
                and (
                    not creators
                    or any(
                        same_id(c, f"{event.actor.id}-{rest_type_for(event.actor.entity)}")
                        for c in creators
                        if event.actor is not None
                    )
                )
            )

        events = [e for e in self.store.events() if wanted(e)]
        # Polling forward from since_id takes the oldest events after it, so that following
        # meta.next never skips any; otherwise the newest. Pages list newest first (recorded).
        chosen = events[:limit] if since_id is not None else events[-limit:]
        chosen = list(reversed(chosen))
        index = self.present.index()
        meta: dict[str, Any] = {}
        base = f"{self.base_url}/events?limit={limit}"
        if chosen:
            newest, oldest = chosen[0], chosen[-1]
            meta["next"] = f"{base}&since_id={newest.id}-events&since_time={unix(newest.time)}"
            meta["previous"] = f"{base}&max_id={oldest.id}-events&max_time={unix(oldest.time)}"
            meta["last"] = f"{oldest.id}-events"
        else:
            # Nothing new: point next at the same place so a poller can simply come back.
            latest = since_id if since_id is not None else max((e.id for e in events), default=0)
            meta["next"] = f"{base}&since_id={latest}-events"
        meta.update(self.present.meta())
        body: dict[str, Any] = {
            "meta": meta,
            "links": {},
            "events": [self.present.event(e) for e in chosen],
            "actors": self.present.actors(chosen, index),
            "payloads": self.present.payloads(chosen, index),
        }
        # The recording carries these side-loads, empty; what fills them is not recorded.
        body.update({name: [] for name in _EVENT_EXTRA_ARRAYS})
        body["activities"] = []
        return json_reply(200, body)


def _event_number(call: _Call, front: _FrontBase, value: str | None, what: str) -> int | None:
    """An events parameter: a number, or an id like ``"163-events"``."""
    if value is None or not value.strip():
        return None
    text, _, kind = value.strip().partition("-")
    number = whole_number(text)
    if number is None or (kind and kind.lower() != "events"):
        raise front._bad(call, "Invalid filter", f"Invalid {what}: {value}")
    return number
