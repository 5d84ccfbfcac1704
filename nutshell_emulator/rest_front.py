"""The emulator's REST front: Nutshell's ``/rest`` API over the shared store.

Requests are routed by matching method and path against the rows of
:data:`nutshell_core.catalog.REST_OPERATIONS` (the entity segment case-insensitively, since the
OpenAPI document itself spells ``/productmaps`` and ``/productMaps``). Answers follow the
recorded responses (``tests/fixtures/rest``):

* HTTP Basic auth (email + API key) on every request; failures get the HTML 401 page;
* unknown routes and ids get the HTML 404 page, a known path with the wrong method the recorded
  405 ``"Internal Error"``; catalog operations the emulator does not implement answer 501;
* envelopes are ``meta`` + ``links: {}`` + the catalog row's primary array (+ side-loads);
  a single record, a create and a status change carry a one-element array;
* validation and paging errors are 400 ``errors[]`` envelopes with ``status`` as a string;
* a PATCH without ``application/json-patch+json`` is the recorded 400 JSON string.

Behaviour the references leave open is listed in the module docstrings of this front, its
presenter (:mod:`nutshell_emulator.rest_present`) and its filters
(:mod:`nutshell_emulator.rest_filters`), and collected in the emulator's assumptions.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Final
from urllib.parse import unquote, urlsplit

import attrs

from nutshell_core.catalog import REST_OPERATIONS, Paging, RestOperation
from nutshell_core.errors import (
    ConflictError,
    InvalidRequestError,
    MalformedResponseError,
    NotFoundError,
    UsageError,
)
from nutshell_core.model import (
    ENTITIES,
    UNSET,
    Account,
    AccountType,
    Activity,
    ActivityStatus,
    Contact,
    Lead,
    Money,
    Note,
    ProductMap,
    Record,
    Ref,
    Stageset,
    Tag,
    Unset,
    User,
)
from nutshell_emulator import rules
from nutshell_emulator.emails import timeline_subjects
from nutshell_emulator.http import HttpReply, HttpRequest, html_error_page, json_reply
from nutshell_emulator.rest_extras import ROUTES as EXTRA_ROUTES
from nutshell_emulator.rest_filters import (
    DEFAULT_PAGE_LIMIT,
    MAX_PAGE_LIMIT,
    ListParams,
    QueryError,
    id_matcher,
    matches,
    parse_list_params,
    same_id,
    sort_records,
    whole_number,
)
from nutshell_emulator.rest_listitems import ROUTES as LIST_ITEM_ROUTES
from nutshell_emulator.rest_present import (
    COMPETITOR_MAPS,
    DEFAULT_BASE_URL,
    INSTANCE_ID,
    SITE_ID,
    CompetitorMap,
    RestPresenter,
    _note_html,
    competitor_maps,
    find_competitor_map,
    rest_type_for,
    unix,
)
from nutshell_emulator.rest_reference import ROUTES as SETUP_ROUTES
from nutshell_emulator.rest_sales import ROUTES as SALES_ROUTES
from nutshell_emulator.store import Store, StoreEvent
from nutshell_rest.convert import REST_MAPS, structure_record, unstructure_record
from nutshell_rest.patch import LIST_FIELDS, PATCH_MEDIA_TYPE, PatchOp, parse_patch, split_path
from nutshell_rpc.server import parse_basic_auth
from nutshell_rpc.shapes import lead_accounts

__all__ = ["DEFAULT_EVENTS_LIMIT", "MEDIA_TYPE_ERROR", "RestFront"]

#: Handlers registered by the family modules beside this front.
REFERENCE_ROUTES: Final = {**SETUP_ROUTES, **LIST_ITEM_ROUTES, **EXTRA_ROUTES, **SALES_ROUTES}

#: The recorded body of a PATCH sent without the JSON-Patch media type (AMP err-media-type.txt).
MEDIA_TYPE_ERROR: Final = "application/json-patch+json is required, see http://jsonapi.org"

#: ``GET /events`` page size when ``limit`` is absent; the recorded ``meta.next`` says 20.
DEFAULT_EVENTS_LIMIT: Final = 20

#: Creates that answer 200 rather than 201 (OAS).
_CREATE_200: Final = frozenset({"contacts", "tags", "tasks"})

#: Deletes that answer 204 with no body (OAS).
_DELETE_204: Final = frozenset({"contacts", "productMaps", COMPETITOR_MAPS})

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

#: Record attributes no request may set.
_STATE: Final = frozenset(
    {"id", "rev", "stub", "created_time", "modified_time", "deleted_time", "memo"}
)

#: Wire keys a create or PATCH never sets: the server computes them.
_READ_ONLY: Final = frozenset(
    {
        "id",
        "type",
        "href",
        "htmlUrl",
        "htmlUrlPath",
        "avatarUrl",
        "initials",
        "createdTime",
        "modifiedTime",
        "deletedTime",
        "number",
        "isOverdue",
        "closedTime",
    }
)

#: Single-record side-loads (OAS ``accountResponse``): array name -> account link members.
_ACCOUNT_SIDE_LOADS: Final = (
    ("creators", "creator", User),
    ("owners", "owner", User),
    ("contacts", "contacts", Contact),
    ("accountTypes", "accountType", AccountType),
)

_EVENT_EXTRA_ARRAYS: Final = ("activityTypes", "contacts", "users", "notes", "emailAddresses")


class _Abort(Exception):
    """Stop handling and send ``reply``."""

    def __init__(self, reply: HttpReply) -> None:
        super().__init__(reply.status)
        self.reply = reply


@attrs.frozen
class _Route:
    op: RestOperation
    segments: tuple[str | None, ...]  # None marks a {placeholder}
    handler: Callable[[_Call], HttpReply] | None

    @property
    def literal_count(self) -> int:
        return sum(1 for s in self.segments if s is not None)

    def match(self, parts: Sequence[str]) -> dict[str, str] | None:
        if len(parts) != len(self.segments):
            return None
        params: dict[str, str] = {}
        for segment, part, template in zip(
            self.segments, parts, self.op.path.strip("/").split("/"), strict=True
        ):
            if segment is None:
                params[template.strip("{}")] = part
            elif segment != part.lower():
                return None
        return params


@attrs.frozen
class _Call:
    """One authenticated request being handled."""

    request: HttpRequest
    op: RestOperation
    params: Mapping[str, str]
    user: User

    @property
    def actor(self) -> Ref:
        """The user as the event log's actor."""
        return Ref(entity="User", id=self.user.id, name=self.user.name)

    @property
    def key(self) -> str:
        """The primary array's name."""
        return self.op.primary_key or _segments(self.op.path)[0]


def _segments(path: str) -> list[str]:
    return [unquote(p) for p in path.strip("/").split("/")] if path.strip("/") else []


def _formatted(n: int) -> dict[str, Any]:
    """``countFormatted`` / ``totalFormatted`` as recorded."""
    return {"formatted": f"{n:,}", "prefix": "", "suffix": "", "value": n}


def _entity(op: RestOperation) -> type[Record] | None:
    return ENTITIES.get(op.entity) if op.entity is not None else None


class RestFront:
    """Answers ``/rest`` requests from the shared store, as Nutshell's REST API does."""

    def __init__(
        self,
        store: Store,
        *,
        base_url: str = DEFAULT_BASE_URL,
        instance_id: str = INSTANCE_ID,
        site_id: str = SITE_ID,
    ) -> None:
        self.store = store
        self.base_url = base_url.rstrip("/")
        self.present = RestPresenter(
            store, base_url=self.base_url, instance_id=instance_id, site_id=site_id
        )
        self._prefix = _segments(urlsplit(self.base_url).path)
        self._routes = [self._route(op) for op in REST_OPERATIONS]

    @property
    def implemented(self) -> frozenset[tuple[str, str]]:
        """``(METHOD, path template)`` of every catalog operation this front answers."""
        return frozenset(r.op.key for r in self._routes if r.handler is not None)

    # -- routing ---------------------------------------------------------------------------------

    def _route(self, op: RestOperation) -> _Route:
        template = op.path.strip("/").split("/")
        segments = tuple(None if s.startswith("{") else s.lower() for s in template)
        return _Route(op, segments, self._handler_for(op, template))

    def _handler_for(
        self, op: RestOperation, template: list[str]
    ) -> Callable[[_Call], HttpReply] | None:
        special: dict[tuple[str, str], Callable[[_Call], HttpReply]] = {
            ("GET", "/events"): self._events,
            ("GET", "/events/deleted"): self._deleted_events,
            ("POST", "/leads/{id}/status"): self._lead_status,
            ("POST", "/leads/{id}/reopen"): self._lead_reopen,
            ("POST", "/leads/{id}/stageset"): self._lead_stageset,
            ("GET", "/leads/{id}/stages"): self._lead_stages,
            ("PUT", "/activities/{id}"): self._put_activity,
            ("GET", "/competitormaps"): self._list,
            ("GET", "/competitormaps/{id}"): self._get,
            ("PATCH", "/competitormaps/{id}"): self._patch_competitor_map,
            ("DELETE", "/competitormaps/{id}"): self._delete_competitor_map,
        }
        if op.key in special:
            return special[op.key]
        if op.key in REFERENCE_ROUTES:
            return functools.partial(REFERENCE_ROUTES[op.key], self)
        if _entity(op) is None:
            return None
        shape = (op.method, len(template), template[1] if len(template) > 1 else None)
        generic: dict[tuple[str, int, str | None], Callable[[_Call], HttpReply]] = {
            ("GET", 1, None): self._list,
            ("POST", 1, None): self._create,
            ("GET", 2, "{id}"): self._get,
            ("PATCH", 2, "{id}"): self._patch,
            ("DELETE", 2, "{id}"): self._delete,
        }
        if shape in generic:
            return generic[shape]
        if op.method == "POST" and len(template) == 3 and template[1:] == ["{id}", "undelete"]:
            return self._undelete
        return None

    def _match(self, method: str, parts: Sequence[str]) -> tuple[_Route, dict[str, str]] | None:
        found = [(r, p) for r in self._routes if (p := r.match(parts)) is not None]
        if not found:
            return None
        same_method = [(r, p) for r, p in found if r.op.method == method]
        if not same_method:
            raise _Abort(
                HttpReply(
                    405, (("Content-Type", "text/plain; charset=UTF-8"),), b'"Internal Error"'
                )
            )
        # A literal segment beats a placeholder: /accounts/list is not account "list".
        return max(same_method, key=lambda rp: rp[0].literal_count)

    # -- entry point -----------------------------------------------------------------------------

    def handle(self, request: HttpRequest) -> HttpReply:
        """Answer one request for a path under the REST base URL."""
        parts = _segments(request.path)
        if parts[: len(self._prefix)] != self._prefix:
            return html_error_page(404, "Not Found")
        user = self._authenticate(request)
        if user is None:
            return html_error_page(401, "Unauthorized")
        try:
            matched = self._match(request.method.upper(), parts[len(self._prefix) :])
            if matched is None:
                return html_error_page(404, "Not Found")
            route, params = matched
            call = _Call(request, route.op, params, user)
            if route.handler is None:
                return self._error(
                    501,
                    "Not implemented",
                    f"The emulator does not implement {route.op.method} {route.op.path}",
                    key=route.op.primary_key,
                )
            with self.store.transaction():
                return route.handler(call)
        except _Abort as abort:
            return abort.reply
        except QueryError as exc:
            return self._error(400, exc.title, exc.detail, key=self._key_for(parts))
        except NotFoundError:
            return html_error_page(404, "Not Found")
        except ConflictError as exc:
            return self._error(409, exc.message, key=self._key_for(parts))
        except (InvalidRequestError, UsageError) as exc:
            return self._error(400, exc.message, key=self._key_for(parts))
        except MalformedResponseError as exc:
            # The converters report bad input this way; for a server it is the client's fault.
            detail = "; ".join(exc.problems) if exc.problems else None
            return self._error(400, "Invalid request", detail, key=self._key_for(parts))

    def _key_for(self, parts: Sequence[str]) -> str | None:
        rest = parts[len(self._prefix) :]
        for route in self._routes:
            if route.match(rest) is not None and route.op.primary_key is not None:
                return route.op.primary_key
        return None

    def _authenticate(self, request: HttpRequest) -> User | None:
        credentials = parse_basic_auth(request.header("authorization"))
        return self.store.authenticate(*credentials) if credentials else None

    # -- replies ---------------------------------------------------------------------------------

    def _error(
        self, status: int, title: str, detail: str | None = None, *, key: str | None
    ) -> HttpReply:
        """An ``errors[]`` envelope, item keys in the recorded order."""
        body: dict[str, Any] = {"meta": self.present.meta(), "links": {}}
        if key is not None:
            body[key] = []
        body["errors"] = [
            {
                "id": None,
                "type": "errors",
                "code": None,
                "detail": detail,
                "href": None,
                "status": str(status),
                "title": title,
                "field": None,
            }
        ]
        return json_reply(status, body)

    def _bad(self, call: _Call, title: str, detail: str | None = None) -> _Abort:
        return _Abort(self._error(400, title, detail, key=call.key))

    def _envelope(
        self, call: _Call, wires: list[dict[str, Any]], *, status: int = 200, **side: Any
    ) -> HttpReply:
        body: dict[str, Any] = {"meta": self.present.meta(), "links": {}, call.key: wires}
        body.update(side)
        return json_reply(status, body)

    # -- request helpers -------------------------------------------------------------------------

    def _body(self, call: _Call) -> Any:
        try:
            return call.request.json()
        except ValueError as exc:
            # JsonInputError says why (not UTF-8, a lone surrogate, too deep) without the body.
            raise self._bad(
                call, "Invalid JSON", f"The request body is not valid JSON: {exc}"
            ) from None

    def _id(self, call: _Call, cls: type[Record] | str, text: str | None = None) -> int:
        """A path id ``"15-accounts"`` or ``15``; a wrong type is an unknown id (404)."""
        rest_type = cls if isinstance(cls, str) else cls.rest_type
        value = call.params.get("id", "") if text is None else text
        text, _, kind = value.strip().partition("-")
        number = whole_number(text)
        if number is None or (kind and kind.lower() != rest_type.lower()):
            raise NotFoundError(f"no {rest_type} {value!r}", status=404)
        return number

    def _live(self, cls: type[Record], number: int) -> Record:
        return self.store.get(cls, number)

    def _value_id(self, call: _Call, value: Any, rest_type: str, what: str) -> int:
        """An id in a request body: ``"2-outcomes"``, ``"2"`` or ``2``; anything else is 400."""
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            text, _, kind = value.strip().partition("-")
            number = whole_number(text)
            if number is not None and (not kind or kind.lower() == rest_type.lower()):
                return number
        raise self._bad(call, f"Invalid {what}", f"{value!r} is not a {rest_type} id")

    # -- lists -----------------------------------------------------------------------------------

    def _list(self, call: _Call) -> HttpReply:
        params = parse_list_params(call.request.query)
        records, rest_type = self._all(call)
        index = self.present.index()
        items = [(r, self.present.record(r, index)) for r in records]
        found = [(r, w) for r, w in items if matches(params, _as_record(r), w)]
        found = self._ordered(found, params, rest_type)
        page = found
        if call.op.paging is Paging.PAGE:
            limit = params.limit or DEFAULT_PAGE_LIMIT
            # A page past the end is an empty 200 with the same totals (recorded).
            page = found[params.page * limit : (params.page + 1) * limit]
        meta: dict[str, Any] = {
            "count": len(found),
            "countFormatted": _formatted(len(found)),
            "total": len(records),
            "totalFormatted": _formatted(len(records)),
        }
        if rest_type == "accounts":
            meta["facets"] = {"accountType": self._account_type_facets(found)}
        meta.update(self.present.meta())
        body: dict[str, Any] = {"meta": meta, "links": {}, call.key: [w for _, w in page]}
        if rest_type == "leads":
            body["contacts"] = self._linked(page, "contacts", Contact, index)
        return json_reply(200, body)

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
            names=self._names(),
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
        index: Any,
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
                    out[wire_id] = self.present.record(record, index)
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
        index = self.present.index()
        wires = [self.present.record(r, index) for r in records]
        side: dict[str, Any] = {}
        page = list(zip(records, wires, strict=True))
        if call.key == "leads" and call.op.method == "GET":
            side["contacts"] = self._linked(page, "contacts", Contact, index)
        elif call.key == "accounts" and call.op.method in ("GET", "DELETE"):
            for name, member, cls in _ACCOUNT_SIDE_LOADS:
                side[name] = self._linked(page, member, cls, index)
            side["industries"] = self._linked(page, "industry", ENTITIES["Industry"], index)
        return self._envelope(call, wires, status=status, **side)

    # -- creates ---------------------------------------------------------------------------------

    def _create(self, call: _Call) -> HttpReply:
        cls = _entity(call.op)
        assert cls is not None
        item = self._one_item(call, self._body(call))
        extras: dict[str, Any] = {}
        values = self._input_values(call, cls, item, extras)
        actor = call.actor
        if cls is Account and not any(
            values.get(k) for k in ("name", "phones", "emails", "addresses", "urls")
        ):
            raise self._bad(
                call,
                "An account needs a name, phone, email, address or url",
            )
        if cls in (Account, Contact):
            values.setdefault("creator", actor)
            values.setdefault("owner", actor)
        if cls is Note:
            values.setdefault("user", actor)
            values.setdefault("date", self.store.now())
            if isinstance(values.get("body"), str):
                # Store the markup and HTML this front shows for the note, so the JSON-RPC
                # front shows them too: one note, whichever API wrote it.
                values.setdefault("body_markup", values["body"])
                values.setdefault("body_html", _note_html(values["body"]))
        if cls is Activity:
            # Without isLogged/isCancelled a new activity is scheduled, over RPC too.
            values.setdefault("status", ActivityStatus.SCHEDULED)
            self._log_activity(call, item, values, None)
        if cls is Lead:
            record: Record = rules.new_lead(self.store, values, call.user)
        else:
            record = self.store.insert(cls(**values), actor=actor)
        self._after_create(call, record, extras)
        status = 200 if cls.rest_type in _CREATE_200 else 201
        return self._records_reply(call, [record], status=status)

    def _one_item(self, call: _Call, body: Any) -> Mapping[str, Any]:
        key = call.key
        if key == "notes" and isinstance(body, Mapping) and isinstance(body.get("data"), Mapping):
            data: Mapping[str, Any] = body["data"]
            return data
        if key == "tasks" and isinstance(body, Mapping) and not isinstance(body.get(key), list):
            return body  # OAS shows the task body unwrapped
        items = body.get(key) if isinstance(body, Mapping) else None
        if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], Mapping):
            # The recorded words; what exactly triggers them is not recorded (rest-api.md §5.1).
            raise self._bad(call, f"You may only create one {key} resource per request.")
        item: Mapping[str, Any] = items[0]
        return item

    def _input_values(
        self,
        call: _Call,
        cls: type[Record],
        item: Mapping[str, Any],
        extras: dict[str, Any],
    ) -> dict[str, Any]:
        """A create (or PUT) body item as model attribute values; relations are checked."""
        data = {k: copy.deepcopy(v) for k, v in item.items() if k not in _READ_ONLY}
        raw_links = data.pop("links", None)
        links = dict(raw_links) if isinstance(raw_links, Mapping) else {}
        links.pop("creator", None)
        if cls is Lead:
            data.pop("status", None)
            extras["productMaps"] = links.pop("productMaps", None)
            links.pop("competitorMaps", None)
            if "manualValue" in data:
                data["value"] = {"amount": data.pop("manualValue"), "currency": "USD"}
            if "name" not in data and isinstance(data.get("description"), str):
                data["name"] = data["description"]  # "description ... is also set as the name"
        elif cls is Activity:
            if "activityType" in data:
                links["activityType"] = data.pop("activityType")
            if "description" in data and "agenda" not in data:
                data["agenda"] = data.pop("description")
            data.pop("note", None)
            participants = links.pop("participants", None)
            if isinstance(participants, list):
                links["contacts"] = [*(links.get("contacts") or []), *participants]
        elif cls is Contact:
            _split_person_name(data)
        elif cls is Tag:
            extras["entities"] = links.pop("entities", None)
        for member in ("emails", "phones", "urls", "addresses"):
            if member in data:
                data[member] = _points_input(member, data[member])
        data["links"] = links
        record = structure_record(data, cls)
        values: dict[str, Any] = {}
        for fld in attrs.fields(cls):
            value = getattr(record, fld.name)
            if fld.name in _STATE or isinstance(value, Unset):
                continue
            values[fld.name] = self._checked(call, value)
        return values

    def _checked(self, call: _Call, value: Any, old: Any = UNSET) -> Any:
        """Refs checked against the store and given their names; statuses of competitors kept."""
        if isinstance(value, Ref):
            return self._checked_ref(call, value, old)
        if isinstance(value, tuple) and all(isinstance(v, Ref) for v in value):
            previous = {(r.entity, r.id): r for r in (old if isinstance(old, tuple) else ())}
            return tuple(
                self._checked_ref(call, v, previous.get((v.entity, v.id), UNSET)) for v in value
            )
        return value

    def _checked_ref(self, call: _Call, ref: Ref, old: Any) -> Ref:
        cls = ENTITIES.get(ref.entity)
        if cls is None or not isinstance(ref.id, int):
            return ref
        target = self.store.find(cls, ref.id)
        if target is None:
            raise self._bad(
                call, "Invalid relationship", f"{ref.id}-{cls.rest_type} does not exist"
            )
        relationship = old.relationship if isinstance(old, Ref) else ref.relationship
        name = getattr(target, "name", UNSET)
        return Ref(
            entity=ref.entity,
            id=ref.id,
            name=name if isinstance(name, str) or name is None else UNSET,
            relationship=relationship,
        )

    def _after_create(self, call: _Call, record: Record, extras: Mapping[str, Any]) -> None:
        if isinstance(record, Lead) and isinstance(extras.get("productMaps"), list):
            for entry in extras["productMaps"]:
                self._attach_product_map(call, record, entry)
        if isinstance(record, Tag) and isinstance(extras.get("entities"), list):
            for wire_id in extras["entities"]:
                self._tag_entity(call, record, wire_id)

    def _attach_product_map(self, call: _Call, lead: Lead, entry: Any) -> None:
        """Put a product on a lead: an existing map by id, or a new one from an object."""
        lead_ref = Ref(entity="Lead", id=lead.id, name=lead.name)
        if isinstance(entry, (str, int)) and not isinstance(entry, bool):
            number = self._value_id(call, entry, "productMaps", "product map")
            self.store.update(ProductMap, number, {"lead": lead_ref}, actor=call.actor)
            return
        if not isinstance(entry, Mapping):
            raise self._bad(call, "Invalid product map", repr(entry))
        item = {k: v for k, v in entry.items() if k not in ("id", "type", "productType")}
        values = self._input_values(call, ProductMap, item, {})
        product = values.get("product")
        if not isinstance(product, Ref):
            raise self._bad(call, "Invalid product map", "links.product is required")
        values["lead"] = lead_ref
        values.setdefault("name", product.name)
        values.setdefault("quantity", 1.0)
        self.store.insert(ProductMap(**values), actor=call.actor)

    def _tag_entity(self, call: _Call, tag: Tag, wire_id: Any) -> None:
        text, _, kind = str(wire_id).partition("-")
        cls = next((c for c in (Lead, Contact, Account) if c.rest_type == kind), None)
        number = whole_number(text)
        if cls is None or number is None:
            raise self._bad(call, "Invalid relationship", f"cannot tag {wire_id!r}")
        target = self._live(cls, number)
        tags = tuple(getattr(target, "tags", ()) or ())
        ref = Ref(entity="Tag", id=tag.id, name=tag.name)
        self.store.update(cls, int(number), {"tags": (*tags, ref)}, actor=call.actor)

    # -- PATCH -----------------------------------------------------------------------------------

    def _patch_ops(self, call: _Call) -> tuple[PatchOp, ...]:
        media = (call.request.header("content-type") or "").split(";")[0].strip().lower()
        if media != PATCH_MEDIA_TYPE:
            raise _Abort(json_reply(400, MEDIA_TYPE_ERROR))
        body = self._body(call)
        if isinstance(body, list):
            # Nutshell documents "replace .../valueToProductMode" with no value; RFC 6902 (and
            # parse_patch) want one, so the emulator supplies a null.
            body = [
                {**op, "value": None}
                if isinstance(op, Mapping)
                and str(op.get("path", "")).endswith("/valueToProductMode")
                and "value" not in op
                else op
                for op in body
            ]
        return parse_patch(body)

    def _patch(self, call: _Call) -> HttpReply:
        cls = _entity(call.op)
        assert cls is not None
        ops = self._patch_ops(call)
        number = self._id(call, cls)
        record = self._live(cls, number)
        deferred: list[Callable[[], None]] = []
        changes = self._apply(call, cls, record, ops, deferred)
        # One store write per PATCH: the rev goes up by exactly one, changed or not.
        self.store.update(
            cls, number, changes, actor=call.actor, action=call.op.webhook_event or "update"
        )
        for step in deferred:
            step()
        return HttpReply(204, (), b"")

    def _apply(
        self,
        call: _Call,
        cls: type[Record],
        record: Record,
        ops: Sequence[PatchOp],
        deferred: list[Callable[[], None]],
    ) -> dict[str, Any]:
        """Apply Nutshell's JSON-Patch dialect to the record's wire form; the attribute changes."""
        wire = unstructure_record(attrs.evolve(record, memo=None))
        links = wire.setdefault("links", {})
        known = REST_MAPS[cls].record_map.by_key
        has_custom = "customFields" in known
        custom = dict(wire.get("customFields") or {})
        original_custom = dict(custom)
        for op in ops:
            tokens = split_path(cls.rest_type, op.path)
            head = tokens[0] if tokens else ""
            if op.op in ("move", "copy"):
                raise self._bad(call, "Unsupported patch operation", op.op)
            if head == "links" and len(tokens) > 1:
                self._patch_link(call, record, links, tokens[1:], op, deferred)
            elif head == "customFields" and has_custom and len(tokens) == 2:
                _set_in(custom, tokens[1], op, call, self)
            elif head == "manualValue" and cls is Lead:
                wire["value"] = self._manual_value(call, record, op.value)
            elif head == "valueToProductMode" and cls is Lead:
                wire["value"] = self._product_value(record)
            elif head in _READ_ONLY or head == "links":
                raise self._bad(call, "Invalid patch", f"{head} cannot be changed")
            elif head in known:
                if head in LIST_FIELDS:
                    wire.setdefault(head, [])
                _apply_pointer(wire, tokens, op, call, self)
            elif has_custom and len(tokens) == 1:
                _set_in(custom, head, op, call, self)  # OAS: /leads/0/<customFieldName>
            else:
                raise self._bad(call, "Invalid patch", f"unknown field {head!r}")
        if has_custom and custom != original_custom:
            wire["customFields"] = custom
        for member in ("emails", "phones", "urls", "addresses"):
            if isinstance(wire.get(member), list):
                wire[member] = _points_input(member, wire[member])
        updated = structure_record(wire, cls)
        changes: dict[str, Any] = {}
        for fld in attrs.fields(cls):
            new = getattr(updated, fld.name)
            old = getattr(record, fld.name)
            if fld.name in _STATE or isinstance(new, Unset) or _same(old, new):
                continue
            changes[fld.name] = self._checked(call, new, old)
        if isinstance(record, Lead) and isinstance(updated, Lead):
            self._lead_accounts(call, record, updated, changes)
        _follow_names(cls, record, changes)
        return changes

    def _lead_accounts(
        self, call: _Call, lead: Lead, updated: Lead, changes: dict[str, Any]
    ) -> None:
        """A lead's accounts change when their order does: the first is the primary one.

        The generic comparison reads lists in any order; for a lead's accounts the order
        names the primary account, so it decides, and an unchanged order changes nothing
        (a lead written through JSON-RPC with accounts and no primary one keeps it that way).
        """
        changes.pop("primary_account", None)
        changes.pop("accounts", None)
        before = [_ref_key(ref) for ref in lead_accounts(lead)]
        after = [_ref_key(ref) for ref in lead_accounts(updated)]
        if isinstance(updated.accounts, Unset) or before == after:
            return
        changes["primary_account"] = self._checked(call, updated.primary_account)
        changes["accounts"] = self._checked(call, updated.accounts, lead.accounts)

    def _patch_link(
        self,
        call: _Call,
        record: Record,
        links: dict[str, Any],
        tokens: Sequence[str],
        op: PatchOp,
        deferred: list[Callable[[], None]],
    ) -> None:
        rel, rest = tokens[0], list(tokens[1:])
        if rel == "productMaps" and isinstance(record, Lead):
            self._patch_product_maps(call, record, rest, op, deferred)
            return
        if rel == "competitorMaps" and isinstance(record, Lead):
            # A competitor map is the lead's competitor relation: removing one drops it.
            if op.op == "remove" and rest:
                pair = find_competitor_map(
                    self.store, self._value_id(call, rest[0], COMPETITOR_MAPS, "competitor map")
                )
                if pair is not None:
                    wanted = f"{pair.competitor.id}-competitors"
                    links["competitors"] = [
                        i for i in links.get("competitors") or [] if not same_id(str(i), wanted)
                    ]
            return
        current = links.get(rel)
        many = isinstance(current, list) or rel in _MANY_LINKS
        value = _link_value(op.value)
        if op.op == "replace" and not rest:
            links[rel] = value if not many or isinstance(value, list) else [value]
        elif op.op == "add" and many:
            # Nutshell's dialect: every add to a list relation ends with "/-" (rest-api.md §5.2).
            if rest != ["-"]:
                raise self._bad(call, "Invalid patch", f"add to links/{rel} must end with /-")
            links[rel] = [*(current or []), value]
        elif op.op == "add" and not rest:
            links[rel] = value
        elif op.op == "remove":
            if many and rest:
                links[rel] = [i for i in current or [] if not same_id(rest[0], i)]
            else:
                links[rel] = [] if many else None
        elif op.op == "test":
            if current != op.value:
                raise self._bad(call, "Patch test failed", "/".join(["links", *tokens]))
        else:
            links[rel] = value

    def _patch_product_maps(
        self,
        call: _Call,
        lead: Lead,
        rest: Sequence[str],
        op: PatchOp,
        deferred: list[Callable[[], None]],
    ) -> None:
        if op.op == "add":
            deferred.append(lambda: self._attach_product_map(call, lead, op.value))
        elif op.op == "remove" and rest:
            number = self._value_id(call, rest[0], "productMaps", "product map")
            self._live(ProductMap, number)
            deferred.append(lambda: self._drop(ProductMap, number, call))
        elif op.op == "replace" and isinstance(op.value, list):
            existing = [
                m.id
                for m in self.store.all(ProductMap)
                if _points_to(m.lead, lead) and isinstance(m.id, int)
            ]
            for number in existing:
                deferred.append(lambda n=number: self._drop(ProductMap, n, call))  # type: ignore[misc]
            for entry in op.value:
                deferred.append(lambda e=entry: self._attach_product_map(call, lead, e))  # type: ignore[misc]
        else:
            raise self._bad(call, "Invalid patch", "links/productMaps")

    def _drop(self, cls: type[Record], number: int, call: _Call) -> None:
        self.store.delete(cls, number, actor=call.actor)

    def _manual_value(self, call: _Call, lead: Record, value: Any) -> dict[str, Any]:
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise self._bad(call, "Invalid patch", f"manualValue {value!r}") from None
        current = getattr(lead, "value", None)
        currency = current.currency if isinstance(current, Money) else "USD"
        return {"amount": format(amount, "f"), "currency": currency or "USD"}

    def _product_value(self, lead: Record) -> dict[str, Any]:
        total = Decimal(0)
        for item in self.store.all(ProductMap):
            if _points_to(item.lead, lead) and isinstance(item.price, Money):
                quantity = item.quantity if isinstance(item.quantity, float | int) else 1
                total += (item.price.amount or Decimal(0)) * Decimal(repr(quantity))
        return {"amount": format(total, "f"), "currency": "USD"}

    # -- deletes ---------------------------------------------------------------------------------

    def _delete(self, call: _Call) -> HttpReply:
        cls = _entity(call.op)
        assert cls is not None
        deleted = self.store.delete(cls, self._id(call, cls), actor=call.actor)
        if cls.rest_type in _DELETE_204:
            return HttpReply(204, (), b"")
        return self._records_reply(call, [deleted])

    def _undelete(self, call: _Call) -> HttpReply:
        cls = _entity(call.op)
        assert cls is not None
        restored = self.store.undelete(cls, self._id(call, cls), actor=call.actor)
        return self._records_reply(call, [restored])

    # -- leads -----------------------------------------------------------------------------------

    def _lead_body(self, call: _Call) -> tuple[int, Mapping[str, Any]]:
        number = self._id(call, Lead)
        self._live(Lead, number)
        body = self._body(call) if call.request.body.strip() else {}
        if not isinstance(body, Mapping):
            raise self._bad(call, "Invalid request", "expected a JSON object")
        return number, body

    def _lead_status(self, call: _Call) -> HttpReply:
        number, body = self._lead_body(call)
        if "outcomeId" not in body:
            raise self._bad(call, "Invalid request", "outcomeId is required")
        outcome = self._value_id(call, body["outcomeId"], "outcomes", "outcome")
        lead = rules.close_lead(self.store, number, outcome, call.user)
        for entry in body.get("productMaps") or []:
            self._attach_product_map(call, lead, entry)
        return self._records_reply(call, [self.store.get(Lead, number)])

    def _lead_reopen(self, call: _Call) -> HttpReply:
        number, _ = self._lead_body(call)
        return self._records_reply(call, [rules.reopen_lead(self.store, number, call.user)])

    def _lead_stageset(self, call: _Call) -> HttpReply:
        number, body = self._lead_body(call)
        if "stageset" not in body:
            raise self._bad(call, "Invalid request", "stageset is required")
        pipeline = self._value_id(call, body["stageset"], "stagesets", "stageset")
        moved = rules.move_lead(self.store, number, pipeline, call.user)
        return self._records_reply(call, [moved])

    def _lead_stages(self, call: _Call) -> HttpReply:
        lead = self._live(Lead, self._id(call, Lead))
        pipeline_ref = getattr(lead, "stageset", None)
        pipeline_id = pipeline_ref.id if isinstance(pipeline_ref, Ref) else None
        pipeline = self.store.find(Stageset, pipeline_id) if isinstance(pipeline_id, int) else None
        stages = rules.stages_of(self.store, pipeline_id) if isinstance(pipeline_id, int) else []
        index = self.present.index()
        meta: dict[str, Any] = dict(self.present.meta())
        # OAS: the pipeline and the time spent per stage (the emulator does not track time).
        meta["timeSpent"] = [
            {"formatted": "0 days", "prefix": "", "suffix": "", "value": 0, "unit": "days"}
            for _ in stages
        ]
        if pipeline is not None:
            meta["stageset"] = self.present.record(pipeline, index)
        body = {
            "meta": meta,
            "links": {},
            "stages": [self.present.record(s, index) for s in stages],
        }
        return json_reply(200, body)

    # -- activities ------------------------------------------------------------------------------

    def _put_activity(self, call: _Call) -> HttpReply:
        number = self._id(call, Activity)
        current = self._live(Activity, number)
        body = self._body(call)
        items = body.get("activities") if isinstance(body, Mapping) else None
        item = items[0] if isinstance(items, list) and len(items) == 1 else body
        if not isinstance(item, Mapping):
            raise self._bad(call, "You may only create one activities resource per request.")
        values = self._input_values(call, Activity, item, {})
        assert isinstance(current, Activity)
        self._log_activity(call, item, values, current)
        changes = {k: v for k, v in values.items() if not _same(getattr(current, k), v)}
        was = getattr(current, "status", UNSET)
        # Logging an activity is reported as action "log" (webhook samples).
        action = (
            "log"
            if changes.get("status") is ActivityStatus.LOGGED and was is not ActivityStatus.LOGGED
            else "update"
        )
        updated = self.store.update(Activity, number, changes, actor=call.actor, action=action)
        return self._records_reply(call, [updated])

    def _log_activity(
        self, call: _Call, item: Mapping[str, Any], values: dict[str, Any], current: Activity | None
    ) -> None:
        """Logging through REST records what logging in the app (or over JSON-RPC) does: the
        caller as the logger (webhook samples), and the body's ``note`` (OAS) as the log note,
        a note with no parent."""
        was_logged = current is not None and current.status is ActivityStatus.LOGGED
        logger = current.logged_by if current is not None else None
        if (
            values.get("status") is ActivityStatus.LOGGED
            and not was_logged
            and logger in (None, UNSET)
        ):
            values.setdefault("logged_by", call.actor)
        text = item.get("note")
        if isinstance(text, str) and text.strip():
            note = Note(
                body=text,
                body_markup=text,
                body_html=_note_html(text),
                date=self.store.now(),
                user=call.actor,
                parent=None,
            )
            stored = self.store.insert(note, actor=call.actor)
            values["log_note"] = Ref(entity="Note", id=stored.id)

    # -- competitor maps -------------------------------------------------------------------------

    def _competitor_map(self, call: _Call) -> CompetitorMap:
        found = find_competitor_map(self.store, self._id(call, COMPETITOR_MAPS))
        if found is None:
            raise NotFoundError("no such competitor map", status=404)
        return found

    def _patch_competitor_map(self, call: _Call) -> HttpReply:
        ops = self._patch_ops(call)
        pair = self._competitor_map(call)
        status = pair.competitor.relationship
        competitor = pair.competitor
        for op in ops:
            tokens = split_path(COMPETITOR_MAPS, op.path)
            if tokens == ["status"] and op.op in ("replace", "add", "remove"):
                value = None if op.op == "remove" else op.value
                if value not in (None, "potential", "stole", "beat"):
                    raise self._bad(call, "Invalid patch", f"status {value!r}")
                status = value
            elif tokens == ["links", "competitor"] and op.op in ("replace", "add"):
                number = self._value_id(call, _link_value(op.value), "competitors", "competitor")
                competitor = self._checked_ref(call, Ref(entity="Competitor", id=number), UNSET)
            else:
                raise self._bad(call, "Invalid patch", op.path)
        lead = pair.lead
        updated = tuple(
            attrs.evolve(competitor, relationship=status) if r.id == pair.competitor.id else r
            for r in _refs(lead.competitors)
        )
        assert isinstance(lead.id, int)
        self.store.update(Lead, lead.id, {"competitors": updated}, actor=call.actor)
        return HttpReply(204, (), b"")

    def _delete_competitor_map(self, call: _Call) -> HttpReply:
        pair = self._competitor_map(call)
        lead = pair.lead
        kept = tuple(r for r in _refs(lead.competitors) if r.id != pair.competitor.id)
        assert isinstance(lead.id, int)
        self.store.update(Lead, lead.id, {"competitors": kept}, actor=call.actor)
        return HttpReply(204, (), b"")

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


# -- helpers ------------------------------------------------------------------------------------

#: Link members that hold lists even when the wire form has not got them yet.
_MANY_LINKS: Final = frozenset(
    {
        "accounts",
        "contacts",
        "tags",
        "sources",
        "products",
        "competitors",
        "leads",
        "users",
        "teams",
        "files",
        "watchers",
        "emAudiences",
        "stages",
    }
)


def _as_record(item: Any) -> Record:
    # Competitor maps filter on their lead's record (their own times are the lead's).
    if isinstance(item, CompetitorMap):
        return item.lead
    assert isinstance(item, Record)
    return item


def _refs(value: Any) -> tuple[Ref, ...]:
    return tuple(value) if isinstance(value, tuple) else ()


def _stage_order(wire: Mapping[str, Any]) -> tuple[int, int]:
    """Stages of every pipeline: pipeline by pipeline, each in position order."""
    pipeline = str(wire.get("links", {}).get("stageset") or "0").partition("-")[0]
    position = wire.get("position")
    return whole_number(pipeline) or 0, position if isinstance(position, int) else 0


def _points_to(ref: Any, record: Record) -> bool:
    return isinstance(ref, Ref) and ref.entity == record.entity and ref.id == record.id


def _ref_key(ref: Ref) -> tuple[str, Any]:
    return (ref.entity, ref.id)


def _same(old: Any, new: Any) -> bool:
    """Whether a re-read value equals the stored one: Refs by target, lists in any order."""
    if isinstance(old, Unset):
        return False
    if isinstance(new, Ref) and isinstance(old, Ref):
        return _ref_key(old) == _ref_key(new)
    if (
        isinstance(new, tuple)
        and isinstance(old, tuple)
        and all(isinstance(v, Ref) for v in (*old, *new))
    ):
        return sorted(map(_ref_key, old), key=repr) == sorted(map(_ref_key, new), key=repr)
    return bool(old == new)


def _follow_names(cls: type[Record], record: Record, changes: dict[str, Any]) -> None:
    """Keep derived names in step: a contact's name and parts, a lead's name and description."""
    if cls is Contact:
        parts_changed = "first_name" in changes or "last_name" in changes
        if parts_changed and "name" not in changes:
            first = changes.get("first_name", getattr(record, "first_name", None))
            last = changes.get("last_name", getattr(record, "last_name", None))
            changes["name"] = " ".join(p for p in (first, last) if isinstance(p, str) and p)
        elif "name" in changes and not parts_changed and isinstance(changes["name"], str):
            first, _, last = changes["name"].strip().partition(" ")
            changes["first_name"], changes["last_name"] = first, last or None
    if (
        cls is Lead
        and "description" in changes
        and "name" not in changes
        and getattr(record, "name", None) == getattr(record, "description", None)
    ):
        changes["name"] = changes["description"]


def _split_person_name(data: dict[str, Any]) -> None:
    name = data.get("name")
    if isinstance(name, str) and "firstName" not in data and "lastName" not in data:
        first, _, last = name.strip().partition(" ")
        data["firstName"], data["lastName"] = first, last or None
    elif "name" not in data:
        parts = [data.get("firstName"), data.get("lastName")]
        joined = " ".join(p for p in parts if isinstance(p, str) and p)
        if joined:
            data["name"] = joined


def _point_input(member: str, item: Any) -> Any:
    """Input contact points as the converter reads them (a bare string is the value)."""
    if isinstance(item, str):
        return {"value": item}
    if member == "phones" and isinstance(item, Mapping):
        value = item.get("value")
        # AP sends {"value": {"number": ...}} without a parse; keep what was typed.
        if isinstance(value, Mapping) and set(value) <= {"number", "countryCode", "extension"}:
            typed = str(value.get("number") or "")
            return {**item, "value": typed}
    return item


def _points_input(member: str, items: Any) -> list[Any]:
    """A contact-point list; when none is marked primary the first one is (as in the UI)."""
    if not isinstance(items, list):
        return [] if items is None else [_point_input(member, items)]
    points = [_point_input(member, p) for p in items]
    if points and not any(isinstance(p, Mapping) and p.get("isPrimary") for p in points):
        first = points[0]
        if isinstance(first, Mapping):
            points[0] = {**first, "isPrimary": True}
    return points


def _link_value(value: Any) -> Any:
    # A link given as an object ({"id": "3-contacts"}) is its id.
    if isinstance(value, Mapping) and "id" in value:
        return value["id"]
    if isinstance(value, list):
        return [_link_value(v) for v in value]
    return value


def _set_in(target: dict[str, Any], name: str, op: PatchOp, call: _Call, front: RestFront) -> None:
    if op.op in ("replace", "add"):
        target[name] = op.value
    elif op.op == "remove":
        target.pop(name, None)
    elif op.op == "test" and target.get(name) != op.value:
        raise front._bad(call, "Patch test failed", name)


def _apply_pointer(
    wire: dict[str, Any], tokens: Sequence[str], op: PatchOp, call: _Call, front: RestFront
) -> None:
    """Apply one op at a JSON Pointer inside the wire form; removing a field sets it to null."""
    node: Any = wire
    for token in tokens[:-1]:
        index = whole_number(token)
        if isinstance(node, list) and index is not None and index < len(node):
            node = node[index]
        elif isinstance(node, dict) and token in node:
            node = node[token]
        else:
            raise front._bad(call, "Invalid patch", "/".join(tokens))
    last = tokens[-1]
    if isinstance(node, list):
        if op.op == "add" and last == "-":
            node.append(op.value)
        elif (position := whole_number(last)) is not None and position <= len(node):
            if op.op == "remove" and position < len(node):
                del node[position]
            elif op.op == "add":
                node.insert(position, op.value)
            elif op.op == "replace" and position < len(node):
                node[position] = op.value
            elif op.op == "test" and (position >= len(node) or node[position] != op.value):
                raise front._bad(call, "Patch test failed", "/".join(tokens))
        else:
            raise front._bad(call, "Invalid patch", "/".join(tokens))
    elif isinstance(node, dict):
        if op.op in ("replace", "add"):
            node[last] = op.value
        elif op.op == "remove":
            node[last] = [] if isinstance(node.get(last), list) else None
        elif op.op == "test" and node.get(last) != op.value:
            raise front._bad(call, "Patch test failed", "/".join(tokens))
    else:
        raise front._bad(call, "Invalid patch", "/".join(tokens))


def _event_number(call: _Call, front: RestFront, value: str | None, what: str) -> int | None:
    """An events parameter: a number, or an id like ``"163-events"``."""
    if value is None or not value.strip():
        return None
    text, _, kind = value.strip().partition("-")
    number = whole_number(text)
    if number is None or (kind and kind.lower() != "events"):
        raise front._bad(call, "Invalid filter", f"Invalid {what}: {value}")
    return number
