"""The base of the REST presenter: its public entry points (``record``, ``records``, ``meta``,
``href``) and the pieces every entity's renderer shares.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date, timezone
from typing import Any, Final, TypeVar

from nutshell_core.model import UNSET, Account, Contact, Lead, Record
from nutshell_emulator.rest_relations import CompetitorMap, _Carried, _Index, _Shared
from nutshell_emulator.rest_values import COMPETITOR_MAPS, Wire, _ref_id, _set, unix
from nutshell_emulator.store import Store
from nutshell_rpc.shapes import lead_overdue

#: Records whose rendering reads nothing but the store (the index) and, for leads, what
#: :meth:`_PresenterBase.clock_key` names: the ones :meth:`_PresenterBase.shared` may render
#: once per store version. Activities are not among them: their end times are too many to
#: key by (a lead's one due time is a flag in its key).
_SHAREABLE: Final = frozenset({Lead, Contact, Account})

#: ``json.dumps(..., ensure_ascii=False)``'s spelling, built once; the renderers never build
#: cycles, so the encoder need not look for them.
_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, check_circular=False)

R = TypeVar("R", bound=Record)
F = TypeVar("F")


class _PresenterBase:
    """What every renderer shares: the public rendering entry points and the common pieces
    (ids, hrefs, avatars, times, creators, custom fields), over one store and base URL."""

    store: Store
    base_url: str
    app_url: str
    instance_id: str
    site_id: str
    _renderers: Mapping[type[Record], Callable[[Any, _Index], Wire]]
    #: ``(store version, index)`` of the last index built (see :meth:`index`).
    _cached_index: tuple[int, _Index] | None = None
    #: What each record's rendering reads from the stored record alone, by ``(entity, id)``,
    #: beside the record it was worked out from (see :meth:`_fixed`).
    _fixed_parts: dict[tuple[str, int], tuple[Record, Any]]
    #: The relations an index may take over from the one before (see :class:`_Carried`).
    _carried: _Carried

    # -- public ----------------------------------------------------------------------------------

    def meta(self) -> dict[str, Any]:
        """The ``meta`` of a single-record answer: only ``instanceId`` and ``siteId``."""
        return {"instanceId": self.instance_id, "siteId": self.site_id}

    def index(self) -> _Index:
        """The relation index of the store as it is now: pass it to :meth:`record`.

        The same index serves every response until the store changes (its :attr:`Store.version`
        moves): rebuilding it scans every contact, account, product map and event, which cost
        more than rendering the one record a ``GET /leads/{id}`` asks for.
        """
        with self.store.lock:
            version = self.store.version
            cached = self._cached_index
            if cached is not None and cached[0] == version:
                return cached[1]
            index = _Index(self.store, self._carried)
            self._cached_index = (version, index)
            return index

    def record(self, record: Record | CompetitorMap, index: _Index | None = None) -> Wire:
        """One record in its REST shape.

        The answer's top-level dict and its ``links`` are its own: a caller may set keys in
        them. Values nested deeper (lists of ids, money, contact points) may be shared with
        other renderings of the same stored record (:meth:`_fixed`): never change them.
        """
        index = index or self.index()
        with self.store.lock:
            if isinstance(record, CompetitorMap):
                return self._competitor_map(record, index)
            render = self._renderers.get(type(record))
            return render(record, index) if render is not None else self._named(record, index)

    def records(self, records: Iterable[Record | CompetitorMap]) -> list[Wire]:
        """Several records sharing one relation index."""
        index = self.index()
        return [self.record(r, index) for r in records]

    def today(self) -> date:
        """The store's day in UTC, as lead times count "Today" and "Yesterday" from it."""
        now = self.store.now()
        return now.astimezone(timezone.utc).date() if now.tzinfo else now.date()

    def clock_key(self, record: Record, day: date) -> tuple[date, bool] | None:
        """What ``record``'s REST rendering shows of the clock, None when nothing: a lead's
        times relative to ``day`` ("Today", "Yesterday") and whether it is overdue now."""
        if type(record) is not Lead:
            return None
        assert isinstance(record, Lead)
        return day, lead_overdue(record, self.store.now())

    def shared(self, record: Record | CompetitorMap, index: _Index, day: date) -> Wire:
        """``record`` in its REST shape, rendered once for every response that reads it while
        the store stays the same: ``index`` is :meth:`index` (one per store version) and
        ``day`` is :meth:`today` when the response began.

        The wire is shared between responses: read and encode it (:meth:`encode`), never
        change it. Records whose shape depends on more than the store and the day are rendered
        afresh, as :meth:`record` does.
        """
        if (
            isinstance(record, CompetitorMap)
            or type(record) not in _SHAREABLE
            or not isinstance(record.id, int)
        ):
            return self.record(record, index)
        clock = self.clock_key(record, day)
        key = (record.entity, record.id)
        with self.store.lock:
            entry = index.rendered.get(key)
            if entry is not None and entry.record is record and entry.clock == clock:
                return entry.wire
            wire = self.record(record, index)
            if clock is not None and self.clock_key(record, self.today()) != clock:
                return wire  # the clock moved on while rendering: what it shows is unclear
            if entry is not None:
                del index.by_wire[id(entry.wire)]
            entry = _Shared(record, clock, wire)
            index.rendered[key] = entry
            index.by_wire[id(wire)] = entry
            return wire

    def encode(self, body: Mapping[str, Any], index: _Index) -> bytes:
        """``body`` as ``json.dumps(body, ensure_ascii=False)`` spells it, in UTF-8, with the
        JSON text of every shared wire (:meth:`shared`) in its top-level arrays encoded once
        per store version rather than once per response."""
        members: list[str] = []
        with self.store.lock:
            for key, value in body.items():
                if not isinstance(key, str):
                    return _ENCODER.encode(body).encode("utf-8")
                if isinstance(value, list):
                    text = "[" + ", ".join([self._text(item, index) for item in value]) + "]"
                else:
                    text = _ENCODER.encode(value)
                members.append(f"{_ENCODER.encode(key)}: {text}")
        return ("{" + ", ".join(members) + "}").encode("utf-8")

    @staticmethod
    def _text(item: Any, index: _Index) -> str:
        entry = index.by_wire.get(id(item))
        # The identity check makes a reused id() (an unrelated, newer object) harmless.
        if entry is None or entry.wire is not item:
            return _ENCODER.encode(item)
        if entry.text is None:
            entry.text = _ENCODER.encode(item)
        return entry.text

    def href(self, rest_type: str, wire_id: str) -> str:
        """``{base_url}/{type}/{id}``."""
        return f"{self.base_url}/{rest_type}/{wire_id}"

    # -- shared pieces ---------------------------------------------------------------------------

    def _head(self, record: Record) -> tuple[str, str, int]:
        cls = type(record)
        assert isinstance(record.id, int)
        return f"{record.id}-{cls.rest_type}", cls.rest_type, record.id

    def _fixed(self, record: R, build: Callable[[R], F]) -> F:
        """``build(record)``, worked out once per stored record rather than once per store
        version: what a renderer reads from the record alone (ids of its refs, its unix
        times, its money...) is the same until a write stores a new record object.

        Kept by ``(entity, id)`` (one ``build`` per entity) beside the record itself: an
        entry serves only that very object, so a write, a delete or a snapshot load (each
        stores a new object) is never answered from the old record's parts. ``build`` must
        read nothing but the record and the presenter's fixed settings (its URLs and ids):
        not the index, not the clock.
        """
        assert isinstance(record.id, int)
        key = (record.entity, record.id)
        entry = self._fixed_parts.get(key)
        if entry is not None and entry[0] is record:
            parts: F = entry[1]
            return parts
        parts = build(record)
        self._fixed_parts[key] = (record, parts)
        return parts

    def _avatar(self, rest_type: str, n: int, record: Record) -> str:
        # The recorded URLs carry a per-record token and the modified time; the token here is a
        # stable digest so that the same record always has the same URL.
        token = _avatar_token(rest_type, n, self.instance_id)
        stamp = unix(record.modified_time) or 0
        return f"{self.app_url}/avatar/{rest_type}/{n}/{self.instance_id}/{token}.2/{stamp}"

    def _html(self, path: str) -> dict[str, str]:
        return {"htmlUrl": f"{self.app_url}{path}", "htmlUrlPath": path}

    def _times(self, record: Record, *keys: str) -> dict[str, int | None]:
        attrs_by_key = {
            "createdTime": record.created_time,
            "modifiedTime": record.modified_time,
            "deletedTime": record.deleted_time,
        }
        return {key: unix(attrs_by_key[key]) for key in keys}

    def _creator(self, record: Record, index: _Index) -> str | None:
        # Records with a creator attribute show it, null included: the recording shows null for
        # a contact an integration created. Activities have none; the event log says who.
        if hasattr(record, "creator"):
            return _ref_id(getattr(record, "creator", UNSET))
        assert isinstance(record.id, int)
        return _ref_id(index.creators.get((record.entity, record.id)))

    @staticmethod
    def _custom(record: Record, out: Wire) -> None:
        fields = _set(getattr(record, "custom_fields", UNSET))
        # The recordings show no customFields key on records without any; set ones are shown.
        if fields:
            out["customFields"] = dict(fields)

    def _named(self, record: Record, index: _Index) -> Wire:
        wire_id, rest_type, _ = self._head(record)
        return {
            "id": wire_id,
            "type": rest_type,
            "name": _set(getattr(record, "name", UNSET)),
            "href": self.href(rest_type, wire_id),
            **self._times(record, "modifiedTime"),
        }

    def _competitor_map(self, item: CompetitorMap, index: _Index) -> Wire:
        wire_id = f"{item.id}-{COMPETITOR_MAPS}"
        competitor = index.find(item.competitor)
        name = _set(item.competitor.name) or (
            _set(getattr(competitor, "name", UNSET)) if competitor else None
        )
        status = _set(item.competitor.relationship)
        return {
            "id": wire_id,
            "type": COMPETITOR_MAPS,
            "name": name,
            "href": self.href(COMPETITOR_MAPS, wire_id),
            "relationship": None,
            "status": status if status in ("potential", "stole", "beat") else None,
            "links": {"lead": _ref_id(item.lead.ref()), "competitor": _ref_id(item.competitor)},
        }


@functools.lru_cache(maxsize=16_384)
def _avatar_token(rest_type: str, n: int, instance_id: str) -> str:
    """The stable per-record token of an avatar URL (a digest: worth computing once)."""
    digest = hashlib.sha256(f"{rest_type}:{n}:{instance_id}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
