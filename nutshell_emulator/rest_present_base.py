"""The base of the REST presenter: its public entry points (``record``, ``records``, ``meta``,
``href``) and the pieces every entity's renderer shares.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from nutshell_core.model import UNSET, Record
from nutshell_emulator.rest_relations import CompetitorMap, _Index
from nutshell_emulator.rest_values import COMPETITOR_MAPS, Wire, _ref_id, _set, unix
from nutshell_emulator.store import Store


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
            index = _Index(self.store)
            self._cached_index = (version, index)
            return index

    def record(self, record: Record | CompetitorMap, index: _Index | None = None) -> Wire:
        """One record in its REST shape."""
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

    def href(self, rest_type: str, wire_id: str) -> str:
        """``{base_url}/{type}/{id}``."""
        return f"{self.base_url}/{rest_type}/{wire_id}"

    # -- shared pieces ---------------------------------------------------------------------------

    def _head(self, record: Record) -> tuple[str, str, int]:
        cls = type(record)
        assert isinstance(record.id, int)
        return f"{record.id}-{cls.rest_type}", cls.rest_type, record.id

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
