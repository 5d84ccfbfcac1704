"""The REST front's reads: collection pages (filters, sorting, facets, side-loads) and single
or comma-separated records.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any, Final, TypeVar

from nutshell_core.catalog import Paging
from nutshell_core.errors import NotFoundError
from nutshell_core.model import ENTITIES, UNSET, AccountType, Contact, Record, User
from nutshell_emulator.http import HttpReply
from nutshell_emulator.rest_filters import (
    DEFAULT_PAGE_LIMIT,
    ListParams,
    matches,
    parse_list_params,
    sort_records,
    whole_number,
)
from nutshell_emulator.rest_handling import _Call, _entity, _formatted, _FrontBase
from nutshell_emulator.rest_relations import (
    CompetitorMap,
    _Index,
    competitor_maps,
    find_competitor_map,
)
from nutshell_emulator.rest_values import COMPETITOR_MAPS

T = TypeVar("T")

#: Lists ordered by name when no sort is asked for. The recorded account page is in name order,
#: case-sensitively ("Apple", "Banana", "Cucumber" before "banana").
_NAME_ORDER: Final = frozenset(
    {
        "accounts",
        "contacts",
        "products",
        "sources",
        "tags",
        "competitors",
        "territories",
        "industries",
        "markets",
        "accountTypes",
        "activityTypes",
        "users",
    }
)

#: Single-record side-loads (OAS ``accountResponse``): array name -> account link members.
_ACCOUNT_SIDE_LOADS: Final = (
    ("creators", "creator", User),
    ("owners", "owner", User),
    ("contacts", "contacts", Contact),
    ("accountTypes", "accountType", AccountType),
)


class _ReadHandlers(_FrontBase):
    """``GET /<entity>`` pages and ``GET /<entity>/{id}`` records."""

    # -- lists -----------------------------------------------------------------------------------

    def _list(self, call: _Call) -> HttpReply:
        params = parse_list_params(call.request.query)
        records, rest_type = self._all(call)
        index, day = self.present.index(), self.present.today()
        facets: dict[str, int] | None = None
        if _reads_every_record(params, rest_type):
            items = [(r, self.present.shared(r, index, day)) for r in records]
            found = [(r, w) for r, w in items if matches(params, _as_record(r), w)]
            found = self._ordered(found, params, rest_type)
            count = len(found)
            page = self._paged(call, params, found)
            if rest_type == "accounts":
                facets = self._account_type_facets(found)
        else:
            # No filter, search or sort reads the records off the page, which are those of
            # the table in id order (or its reverse, for "-id"): only the page is rendered.
            count = len(records)
            if params.sort == "id" and params.descending:
                records = records[::-1]
            chosen = self._paged(call, params, records)
            page = [(r, self.present.shared(r, index, day)) for r in chosen]
        meta: dict[str, Any] = {
            "count": count,
            "countFormatted": _formatted(count),
            "total": len(records),
            "totalFormatted": _formatted(len(records)),
        }
        if facets is not None:
            meta["facets"] = {"accountType": facets}
        meta.update(self.present.meta())
        body: dict[str, Any] = {"meta": meta, "links": {}, call.key: [w for _, w in page]}
        if rest_type == "leads":
            body["contacts"] = self._linked(page, "contacts", Contact, index, day)
        return self._shared_reply(200, body, index)

    @staticmethod
    def _paged(call: _Call, params: ListParams, items: list[T]) -> list[T]:
        if call.op.paging is not Paging.PAGE:
            return items
        limit = params.limit or DEFAULT_PAGE_LIMIT
        # A page past the end is an empty 200 with the same totals (recorded).
        return items[params.page * limit : (params.page + 1) * limit]

    def _all(self, call: _Call) -> tuple[list[Any], str]:
        if call.op.entity == "CompetitorMap":
            return competitor_maps(self.store), COMPETITOR_MAPS
        cls = _entity(call.op)
        assert cls is not None
        return list(self.store.all(cls)), cls.rest_type

    def _ordered(
        self, items: list[tuple[Any, dict[str, Any]]], params: ListParams, rest_type: str
    ) -> list[tuple[Any, dict[str, Any]]]:
        field = params.sort
        if field is None and rest_type in _NAME_ORDER:
            field = "name"
        if field is None:
            if rest_type == "stages":
                return sorted(items, key=lambda rw: (_stage_order(rw[1]), rw[1]["id"]))
            return items
        return sort_records(
            items,
            field,
            descending=params.descending,
            names=_LazyNames(self._names),
            record_of=_as_record,
        )

    def _names(self) -> dict[str, str]:
        """Wire id -> display name, for sorting by a relation (owner, accountType...)."""
        names: dict[str, str] = {}
        for cls in ENTITIES.values():
            for record in self.store.all(cls):
                name = getattr(record, "name", UNSET)
                if isinstance(name, str):
                    names[f"{record.id}-{cls.rest_type}"] = name
        return names

    def _account_type_facets(self, found: list[tuple[Any, dict[str, Any]]]) -> dict[str, int]:
        counts = {f"{t.id}-accountTypes": 0 for t in self.store.all(AccountType)}
        for _, wire in found:
            kind = wire.get("links", {}).get("accountType")
            if isinstance(kind, str):
                counts[kind] = counts.get(kind, 0) + 1
        return counts

    def _linked(
        self,
        page: Sequence[tuple[Any, dict[str, Any]]],
        member: str,
        cls: type[Record],
        index: _Index,
        day: date,
    ) -> list[dict[str, Any]]:
        """Side-load the records that ``links.<member>`` of ``page`` point at, each once."""
        out: dict[str, dict[str, Any]] = {}
        for _, wire in page:
            value = wire.get("links", {}).get(member)
            for wire_id in value if isinstance(value, list) else [value]:
                if not isinstance(wire_id, str) or wire_id in out:
                    continue
                text, _, kind = wire_id.partition("-")
                number = whole_number(text)
                if kind.lower() != cls.rest_type.lower() or number is None:
                    continue
                record = self.store.find(cls, number)
                if record is not None:
                    out[wire_id] = self.present.shared(record, index, day)
        return list(out.values())

    # -- single records --------------------------------------------------------------------------

    def _get(self, call: _Call) -> HttpReply:
        texts = [t for t in call.params.get("id", "").split(",") if t.strip()]
        if not texts:
            raise NotFoundError("no id", status=404)
        records: list[Any] = []
        if call.op.entity == "CompetitorMap":
            for text in texts:
                found = find_competitor_map(self.store, self._id(call, COMPETITOR_MAPS, text))
                if found is None:
                    raise NotFoundError(f"no competitor map {text}", status=404)
                records.append(found)
        else:
            cls = _entity(call.op)
            assert cls is not None
            records = [self._live(cls, self._id(call, cls, t)) for t in texts]
        return self._records_reply(call, records)

    def _records_reply(self, call: _Call, records: list[Any], *, status: int = 200) -> HttpReply:
        index, day = self.present.index(), self.present.today()
        wires = [self.present.shared(r, index, day) for r in records]
        body: dict[str, Any] = {"meta": self.present.meta(), "links": {}, call.key: wires}
        page = list(zip(records, wires, strict=True))
        if call.key == "leads" and call.op.method == "GET":
            body["contacts"] = self._linked(page, "contacts", Contact, index, day)
        elif call.key == "accounts" and call.op.method in ("GET", "DELETE"):
            for name, member, cls in _ACCOUNT_SIDE_LOADS:
                body[name] = self._linked(page, member, cls, index, day)
            body["industries"] = self._linked(page, "industry", ENTITIES["Industry"], index, day)
        return self._shared_reply(status, body, index)


class _LazyNames(Mapping[str, str]):
    """Wire id -> display name, gathered on first use: only a sort by a relation (owner,
    stage...) reads it, and gathering it walks every record of every entity."""

    def __init__(self, gather: Callable[[], dict[str, str]]) -> None:
        self._gather = gather

    @functools.cached_property
    def _names(self) -> dict[str, str]:
        return self._gather()

    def __getitem__(self, key: str) -> str:
        return self._names[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def _reads_every_record(params: ListParams, rest_type: str) -> bool:
    """Whether answering a list reads every record's rendering, not just the page's: to
    filter, search or sort (lists in :data:`_NAME_ORDER` and stages have an order of their
    own), or to count account types.

    A sort by id is the table's own order (:meth:`Store.all` lists records in id order; ids
    are unique), reversed for ``-id``; competitor maps sort by their lead's id instead.
    """
    if params.sort == "id" and rest_type not in (COMPETITOR_MAPS, "accounts"):
        ordered = False
    else:
        ordered = (
            params.sort is not None
            or rest_type in _NAME_ORDER
            or rest_type in ("stages", "accounts")
        )
    return bool(params.filters or params.q is not None or params.email is not None or ordered)


def _as_record(item: Any) -> Record:
    # Competitor maps filter on their lead's record (their own times are the lead's).
    if isinstance(item, CompetitorMap):
        return item.lead
    assert isinstance(item, Record)
    return item


def _stage_order(wire: Mapping[str, Any]) -> tuple[int, int]:
    """Stages of every pipeline: pipeline by pipeline, each in position order."""
    pipeline = str(wire.get("links", {}).get("stageset") or "0").partition("-")[0]
    position = wire.get("position")
    return whole_number(pipeline) or 0, position if isinstance(position, int) else 0
