"""Read translators: the legacy ``get*``, ``find*`` and ``search*`` methods answered through REST.

Translators are not written one per method. Each is built from its catalog row by a generic
builder chosen by the row's verb and entity:

* ``get<Entity>`` reads ``GET /<entity>/{id}`` — one request, whose side-loads (a lead's
  contacts, an account's contacts, owners and types) and the reference cache supply the linked
  records the legacy shape embeds;
* ``find<Entity>`` with a REST-paged collection sends the ``query`` keys as ``filter[...]``,
  ``orderBy`` as ``sort`` and the 1-based page as a 0-based ``page[page]``: one request per
  page. An unpaged collection (products) is one request, ordered and paged here;
* ``find<Reference>`` (pipelines, stages, outcomes, users, sources, markets...) is answered
  from the :class:`~bridge.cache.ReferenceCache`, ordered and paged here: no request at all
  with a warm cache;
* ``search<Entity>`` asks REST's ``q=`` for candidates and keeps those the RPC API would match.

What differs is data, in the tables below: :data:`ENTITIES` (entity -> REST resource, the RPC
query keys it can translate and the ``orderBy`` keys it can honour) and :data:`DIFFERENCES`
(per method, the result paths REST cannot supply, with the reason). A method's status follows
from its differences: ``mapped`` when it has none, ``partial`` otherwise. Anything the bridge
cannot express exactly — a query key with no REST filter, an ``orderBy`` REST cannot sort by —
raises :class:`~nutshell_core.errors.NotBridgeable` before any request, so a ``rest-fallback``
route answers it through RPC instead of silently answering something else.

Parameters are read with the same readers the RPC front uses (:mod:`nutshell_rpc.inputs`), so
a bad value fails with the same :class:`~nutshell_core.errors.InvalidRequestError` on both
routes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

import attrs

from bridge.cache import REFERENCE_CLASSES
from bridge.context import BridgeContext
from bridge.registry import Difference, Status, Translator
from bridge.translators import _queries as q
from bridge.translators._queries import Key, MatchesNothing, Order, Term, Unbridgeable
from bridge.translators._shared import ACCOUNT_STUB_KEYS, CONTACT_STUB_KEYS, LEAD_STUB_KEYS
from nutshell_core.catalog import (
    REQUIRED,
    RPC_METHODS,
    Access,
    Paging,
    Returns,
    RpcMethod,
    rest_operation,
)
from nutshell_core.errors import (
    ConfigurationError,
    MalformedResponseError,
    NotBridgeable,
    NotFoundError,
)
from nutshell_core.model import (
    Account,
    AccountType,
    Activity,
    ActivityType,
    Competitor,
    Contact,
    Industry,
    Lead,
    Market,
    Note,
    Outcome,
    Product,
    Record,
    Ref,
    Source,
    Stage,
    Stageset,
    Tag,
    Task,
    Territory,
    User,
)
from nutshell_rest.convert import ref_for_id, unstructure_record
from nutshell_rest.envelope import Envelope
from nutshell_rest.query import MAX_PAGE_LIMIT, Query
from nutshell_rpc.inputs import bad_input, read_bool, read_int, read_text

__all__ = ["DIFFERENCES", "ENTITIES", "READ_METHODS", "TRANSLATORS", "Entity"]

Params = Mapping[str, Any]
Run = Callable[[BridgeContext, Params], Any]


# -- the entity table ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Entity:
    """How one model entity is read through REST.

    ``base`` is the REST collection path (``/leads``) and ``resource`` the
    :class:`~nutshell_rest.RestClient` attribute serving it. ``cached`` entities are listed
    from the reference cache rather than by a request. ``query`` maps each RPC query key the
    bridge can translate to its parser; ``orders`` maps each ``orderBy`` it can honour
    (normalized, see :func:`~bridge.translators._queries.normalize`).
    """

    cls: type[Record]
    base: str
    resource: str
    cached: bool = False
    query: Mapping[str, Key] = attrs.field(factory=dict)
    orders: Mapping[str, Order] = attrs.field(factory=dict)

    @property
    def paged(self) -> bool:
        """True when REST pages the collection (``page[page]``/``page[limit]``)."""
        return rest_operation("GET", self.base).paging is Paging.PAGE

    @property
    def list_op(self) -> tuple[str, str]:
        """The collection's REST operation."""
        return ("GET", self.base)

    @property
    def get_op(self) -> tuple[str, str]:
        """The single-record REST operation."""
        return ("GET", f"{self.base}/{{id}}")


#: Keys every entity's RPC query takes (and REST filters the same way).
_COMMON_QUERY: Mapping[str, Key] = {
    "id": q.ids("id"),
    "createdTime": q.times("createdTime"),
    "modifiedTime": q.times("modifiedTime"),
}

#: ``orderBy`` keys every REST-listed entity honours: REST holds these for every record.
_COMMON_ORDERS: Mapping[str, Order] = {
    "id": Order(attr="id", rest="id"),
    "createdtime": Order(attr="created_time", rest="createdTime"),
    "modifiedtime": Order(attr="modified_time", rest="modifiedTime"),
}


def _rest_entity(
    cls: type[Record],
    base: str,
    resource: str,
    query: Mapping[str, Key],
    orders: Mapping[str, Order],
) -> Entity:
    return Entity(
        cls=cls,
        base=base,
        resource=resource,
        query={**_COMMON_QUERY, **query},
        orders={**_COMMON_ORDERS, **orders},
    )


def _cached_entity(cls: type[Record], base: str, orders: Mapping[str, Order]) -> Entity:
    # Sorted here, so only attributes REST supplies may be used: a field REST lacks would
    # sort every record as empty.
    return Entity(
        cls=cls,
        base=base,
        resource=REFERENCE_CLASSES[cls],
        cached=True,
        orders={"id": Order(attr="id"), "name": Order(attr="name"), **orders},
    )


_TEXT_NAME: Final = Order(attr="name", rest="name", text=True)
_MODIFIED: Final = {"modifiedtime": Order(attr="modified_time")}

#: Every entity the read translators serve, by catalog entity name.
ENTITIES: Mapping[str, Entity] = {
    "Lead": _rest_entity(
        Lead,
        "/leads",
        "leads",
        {
            "status": q.lead_status,
            "filter": q.lead_filter,
            "accountId": q.ids("accounts"),
            "contactId": q.ids("contacts"),
            "milestoneId": q.ids("milestones"),
            "milestoneIds": q.ids("milestones"),
            "stagesetId": q.ids("stagesets"),
            "stagesetIds": q.ids("stagesets"),
            "outcomeId": q.ids("outcomes"),
            "number": q.lead_number,
            "assignee": q.assignee,
            "tag": q.tag_names,
            "source": q.ids("sources"),
            "sourceId": q.ids("sources"),
            "priority": q.values("priority"),
            "dueTime": q.times("dueTime"),
            "closedTime": q.times("closedTime"),
        },
        {
            # A lead's RPC "name" is "Lead-<number>", so both keys order by the number.
            "name": Order(attr="number", rest="number"),
            "number": Order(attr="number", rest="number"),
            "duetime": Order(attr="due_time", rest="dueTime", nullable=True),
            "closedtime": Order(attr="closed_time", rest="closedTime", nullable=True),
        },
    ),
    "Contact": _rest_entity(
        Contact,
        "/contacts",
        "contacts",
        {"accountId": q.ids("accounts"), "tag": q.tag_names},
        {"name": _TEXT_NAME},
    ),
    "Account": _rest_entity(
        Account,
        "/accounts",
        "accounts",
        {
            "accountType": q.ids("accountType"),
            "accountTypeId": q.ids("accountType"),
            "industry": q.ids("industry"),
            "industryId": q.ids("industry"),
            "territory": q.ids("territory"),
            "territoryId": q.ids("territory"),
            "tag": q.tag_names,
        },
        {"name": _TEXT_NAME},
    ),
    "Activity": _rest_entity(
        Activity,
        "/activities",
        "activities",
        {
            "leadId": q.ids("leads"),
            "contactId": q.ids("contacts"),
            "status": q.activity_status,
            "activityTypeId": q.ids("activityType"),
            "isFlagged": q.flag("flagged"),
            "startTime": q.times("startTime"),
            "endTime": q.times("endTime"),
        },
        {
            "name": _TEXT_NAME,
            # Every activity has a start and an end: the RPC API refuses one without.
            "starttime": Order(attr="start_time", rest="startTime"),
            "endtime": Order(attr="end_time", rest="endTime"),
        },
    ),
    "Task": _rest_entity(
        Task,
        "/tasks",
        "tasks",
        {
            # RPC matches the assignee's id whatever its type; tasks go to users or teams.
            "assignee": q.typed_ids("assignee", "users", "teams"),
            "dueTime": q.times("dueTime"),
        },
        {
            "title": Order(attr="title", rest="title", text=True),
            "duetime": Order(attr="due_time", rest="dueTime", nullable=True),
        },
    ),
    # Notes are only read one at a time (getNote): the RPC API has no findNotes.
    "Note": Entity(cls=Note, base="/notes", resource="notes"),
    # GET /products is unpaged: one request lists them all and the bridge orders and pages.
    "Product": Entity(
        cls=Product,
        base="/products",
        resource="products",
        orders={
            "id": Order(attr="id"),
            "name": Order(attr="name"),
            "sku": Order(attr="sku"),
            **_MODIFIED,
        },
    ),
    "User": _cached_entity(
        User,
        "/users",
        {
            "lastname": Order(attr="last_name"),
            "firstname": Order(attr="first_name"),
            **_MODIFIED,
        },
    ),
    "Stageset": _cached_entity(Stageset, "/stagesets", {"position": Order(attr="position")}),
    "Stage": _cached_entity(Stage, "/stages", {"position": Order(attr="position")}),
    "Outcome": _cached_entity(
        Outcome,
        "/outcomes",
        # An outcome's RPC description is its name; its type is its status.
        {"description": Order(attr="name"), "type": Order(attr="status")},
    ),
    "Source": _cached_entity(Source, "/sources", _MODIFIED),
    "Market": _cached_entity(Market, "/markets", {}),
    "Industry": _cached_entity(Industry, "/industries", _MODIFIED),
    "Territory": _cached_entity(Territory, "/territories", _MODIFIED),
    "AccountType": _cached_entity(AccountType, "/accounttypes", _MODIFIED),
    "ActivityType": _cached_entity(ActivityType, "/activitytypes", _MODIFIED),
    "Competitor": _cached_entity(Competitor, "/competitors", _MODIFIED),
    # Tags are only listed whole, by findTags.
    "Tag": _cached_entity(Tag, "/tags", {}),
}


# -- shared steps -------------------------------------------------------------------------------


def _with_defaults(row: RpcMethod, params: Params) -> dict[str, Any]:
    """Params with the catalog defaults filled in, as the RPC API fills them."""
    defaults = {p.name: p.default for p in row.params if p.default is not REQUIRED}
    return {**defaults, **params}


def _refused(method: str, reason: str) -> NotBridgeable:
    return NotBridgeable(f"{method} cannot be answered through REST: {reason}", method, reason)


def _note_author(record: Record) -> Record:
    """A note with its author, which REST lists under ``links.users``.

    The REST converter maps only a note's ``links.parent``; the author is in the wire the
    record keeps, as the one id of ``links.users``.
    """
    if not isinstance(record, Note) or isinstance(record.user, Ref):
        return record
    links = unstructure_record(record).get("links")
    users = links.get("users") if isinstance(links, Mapping) else None
    if not isinstance(users, list) or len(users) != 1:
        return record
    try:
        author = ref_for_id(users[0], "User")
    except MalformedResponseError:
        return record
    return attrs.evolve(record, user=author)


def _named(context: BridgeContext, record: Record) -> Record:
    """``record`` with its note author read and its reference links named from the cache."""
    return context.named(_note_author(record))


def _records(items: Iterable[object], cls: type[Record] | None = None) -> list[Record]:
    """The model records among envelope items (of one class when ``cls`` is given)."""
    return [
        item
        for item in items
        if isinstance(item, Record) and (cls is None or isinstance(item, cls))
    ]


def _included(envelope: Envelope) -> list[Record]:
    """The side-loaded records of a response (a lead's contacts, an account's owners...)."""
    return [r for items in envelope.included.values() for r in _records(items)]


def _stubs(row: RpcMethod, params: Params) -> bool:
    """Whether a find answers stubs: a stub list unless ``stubResponses`` is false."""
    if row.returns is Returns.RECORDS:
        return False
    if "stubResponses" in params:
        return read_bool(params["stubResponses"], "stubResponses")
    return True


def _parse_query(entity: Entity, value: Any) -> list[Term]:
    """The RPC ``query`` object as parsed terms; refuses keys REST cannot express."""
    if value in (None, [], {}):
        return []
    if not isinstance(value, Mapping):
        raise bad_input("query", f"expected an object, got {type(value).__name__}")
    terms: list[Term] = []
    claimed: dict[str, str] = {}
    for key, item in value.items():
        parse = entity.query.get(key)
        if parse is None:
            raise Unbridgeable(f"query.{key} has no REST filter")
        term = parse(item, f"query.{key}")
        for rest_key in term.keys:
            # REST ORs the values of one filter; two RPC keys on one filter would be ANDed.
            if rest_key in claimed:
                raise Unbridgeable(
                    f"query.{claimed[rest_key]} and query.{key} both become filter[{rest_key}]"
                )
            claimed[rest_key] = key
        terms.append(term)
    return terms


def _rest_query(context: BridgeContext, entity: Entity, terms: Sequence[Term]) -> Query:
    query = Query(rest_type=entity.cls.rest_type)
    for term in terms:
        query = term.apply(context, query)
    return query


# -- get ----------------------------------------------------------------------------------------


def _fetch_one(
    context: BridgeContext, entity: Entity, record_id: int
) -> tuple[Record, list[Record]]:
    """``GET /<entity>/{id}``: the record and its side-loads, in one request."""
    if record_id < 1:
        # REST cannot even spell such an id; the RPC API answers "not found".
        raise NotFoundError(f"{entity.cls.rpc_type} {record_id} not found", status=404, code=404)
    resource = getattr(context.rest, entity.resource)
    # get_many returns the whole envelope, side-loads included; one id is one request.
    envelope = resource.get_many([record_id])
    found = _records(envelope.records, entity.cls)
    if len(found) != 1:
        raise NotFoundError(f"{entity.cls.rpc_type} {record_id} not found", status=404, code=404)
    return found[0], _included(envelope)


def _getter(row: RpcMethod, entity: Entity) -> Run:
    id_name = row.params[0].name

    def run(context: BridgeContext, params: Params) -> Any:
        value = params.get(id_name)
        if value is None and row.name == "getUser":
            # Without an id, getUser answers the caller: found by email in the cached users.
            record_id = context.me().id
            assert isinstance(record_id, int)
        else:
            record_id = read_int(value, id_name)
        record, included = _fetch_one(context, entity, record_id)
        return context.present_one(_named(context, record), included=included)

    return run


# -- find ---------------------------------------------------------------------------------------


def _finder(row: RpcMethod, entity: Entity) -> Run:
    takes_query = "query" in row.param_names
    by_rest = not entity.cached and entity.paged

    def run(context: BridgeContext, params: Params) -> Any:
        p = _with_defaults(row, params)
        # Everything is read and checked before the first request, in the RPC API's order.
        try:
            terms = _parse_query(entity, p.get("query")) if takes_query else []
            stub = _stubs(row, p)
            paging = q.read_paging(p, entity.orders, full=not stub, by_rest=by_rest)
            if by_rest:
                paging.rest_query(Query())  # refuses a limit REST cannot page by
        except Unbridgeable as exc:
            raise _refused(row.name, exc.reason) from None
        if entity.cached:
            every = [r for _, r in sorted(context.cache.records(entity.cls).items())]
            ordered = q.sort_like_rpc(every, paging.order, descending=paging.descending)
            return context.present(paging.slice(ordered), stub=stub)
        try:
            query = _rest_query(context, entity, terms)
        except MatchesNothing:
            return []
        resource = getattr(context.rest, entity.resource)
        if by_rest:
            envelope = resource.list(paging.rest_query(query))
            records = _records(envelope.records, entity.cls)
            if paging.order is not None and paging.order.text:
                # REST orders text case-sensitively; within the page, order as the RPC API does.
                records = q.sort_like_rpc(records, paging.order, descending=paging.descending)
        else:
            # An unpaged collection: one request for all of it, ordered and paged here.
            envelope = resource.list(query)
            every = _records(envelope.records, entity.cls)
            ordered = q.sort_like_rpc(every, paging.order, descending=paging.descending)
            records = paging.slice(ordered)
        named = [_named(context, r) for r in records]
        return context.present(named, stub=stub, included=_included(envelope))

    return run


# -- search -------------------------------------------------------------------------------------

#: How a lead is named in the RPC API, and so what a search matches: "Lead–<number>".
_LEAD_PREFIX: Final = "Lead–"  # an EN DASH, as Nutshell writes it


def _search_name(record: Record) -> str:
    """The name the RPC API searches and orders search results by."""
    if isinstance(record, Lead):
        return f"{_LEAD_PREFIX}{record.number}"
    if isinstance(record, Task):
        return record.title if isinstance(record.title, str) else ""
    name = getattr(record, "name", None)
    return name if isinstance(name, str) else ""


def _matches(record: Record, text: str) -> bool:
    """The RPC API's search: a case-insensitive substring of the name (and a lead's number and
    description)."""
    needle = text.strip().casefold()
    haystacks = [_search_name(record)]
    if isinstance(record, Lead):
        description = record.description if isinstance(record.description, str) else ""
        haystacks += [str(record.number), description]
    return any(needle in h.casefold() for h in haystacks)


def _touches_lead_prefix(text: str) -> bool:
    """Whether ``text`` can match a lead through the "Lead–" of its name.

    REST's ``q=`` sees a lead's number and description but not that prefix, so such a search
    would lose leads the RPC API finds.
    """
    needle = text.strip().casefold()
    prefix = _LEAD_PREFIX.casefold()
    if not needle:
        return False
    if needle in prefix:
        return True
    for start in range(len(prefix)):
        tail = prefix[start:]
        rest = needle[len(tail) :]
        if needle.startswith(tail) and (not rest or rest.isdigit()):
            return True
    return False


def _candidates(
    context: BridgeContext, method: str, entity: Entity, text: str
) -> tuple[list[Record], list[Record]]:
    """Records that may match ``text`` and their side-loads: the cached list, or one REST
    ``q=`` request.

    ``q=`` matches more fields than the RPC API's search (emails, phones, addresses...), so
    its answer is a superset that :func:`_matches` then narrows down.
    """
    if entity.cached:
        return [r for _, r in sorted(context.cache.records(entity.cls).items())], []
    query = Query(rest_type=entity.cls.rest_type)
    if text.strip():
        query = query.search(text.strip())
    resource = getattr(context.rest, entity.resource)
    if entity.paged:
        envelope = resource.list(query.sort("id"), page=0, limit=MAX_PAGE_LIMIT)
        if len(envelope.records) >= MAX_PAGE_LIMIT:
            # The RPC API would search them all; REST pages stop here.
            raise _refused(
                method, f"more than {MAX_PAGE_LIMIT} {entity.cls.rest_type} match {text!r}"
            )
    else:
        envelope = resource.list(query)
    return _records(envelope.records, entity.cls), _included(envelope)


def _check_searchable(method: str, entities: Sequence[Entity], text: str) -> None:
    if any(e.cls is Lead for e in entities) and _touches_lead_prefix(text):
        raise _refused(
            method,
            f"searching {text!r} matches the 'Lead–' prefix of lead names, which REST's q= "
            "does not search",
        )


def _searcher(row: RpcMethod, entities: Sequence[Entity]) -> Run:
    def run(context: BridgeContext, params: Params) -> Any:
        p = _with_defaults(row, params)
        text = read_text(p.get("string"), "string", null=False) or ""
        limit = read_int(p.get("limit", 10), "limit")
        if limit < 1:
            raise bad_input("limit", "must be 1 or more")
        _check_searchable(row.name, entities, text)
        found: list[Record] = []
        included: list[Record] = []
        for entity in entities:
            records, side = _candidates(context, row.name, entity, text)
            found += [r for r in records if _matches(r, text)]
            included += side
        found.sort(key=lambda r: (_search_name(r).casefold(), r.entity, r.id))
        chosen = [_named(context, r) for r in found[:limit]]
        return context.present(chosen, stub=True, included=included)

    return run


#: Result keys of searchUniversal, in the RPC API's order, and how many each returns.
_UNIVERSAL: Final = (("contacts", "Contact"), ("accounts", "Account"), ("leads", "Lead"))
_UNIVERSAL_LIMIT: Final = 10


def _search_universal(row: RpcMethod) -> Run:
    def run(context: BridgeContext, params: Params) -> Any:
        text = read_text(params.get("string"), "string", null=False) or ""
        _check_searchable(row.name, [ENTITIES[e] for _, e in _UNIVERSAL], text)
        out: dict[str, list[dict[str, Any]]] = {}
        for key, name in _UNIVERSAL:
            records, included = _candidates(context, row.name, ENTITIES[name], text)
            # Candidates come in id order, which is the RPC API's order here.
            hits = [r for r in records if _matches(r, text)]
            chosen = [_named(context, r) for r in hits[:_UNIVERSAL_LIMIT]]
            out[key] = context.present(chosen, stub=True, included=included)
        return out

    return run


#: searchByEmail answers up to this many contacts and accounts.
_BY_EMAIL_LIMIT: Final = 5


def _search_by_email(row: RpcMethod) -> Run:
    def run(context: BridgeContext, params: Params) -> Any:
        text = read_text(params.get("emailAddressString"), "emailAddressString", null=False)
        address = (text or "").strip()
        out: dict[str, list[dict[str, Any]]] = {}
        for key, name in (("contacts", "Contact"), ("accounts", "Account")):
            if not address:
                out[key] = []  # no address equals the empty one; REST refuses a blank email=
                continue
            entity = ENTITIES[name]
            resource = getattr(context.rest, entity.resource)
            query = Query(rest_type=entity.cls.rest_type).email(address).sort("id")
            envelope = resource.list(query, page=0, limit=_BY_EMAIL_LIMIT)
            records = [_named(context, r) for r in _records(envelope.records, entity.cls)]
            out[key] = context.present(records, stub=True, included=_included(envelope))
        return out

    return run


#: findTags' keys, by the model entity a tag applies to.
_TAG_KEYS: Final = {"Lead": "Leads", "Contact": "Contacts", "Account": "Accounts"}


def _find_tags(row: RpcMethod) -> Run:
    def run(context: BridgeContext, params: Params) -> Any:
        names: dict[str, list[str]] = {key: [] for key in _TAG_KEYS.values()}
        for _, tag in sorted(context.cache.records(Tag).items()):
            key = _TAG_KEYS.get(str(getattr(tag, "applies_to", "")))
            name = getattr(tag, "name", None)
            if key is not None and isinstance(name, str) and name not in names[key]:
                names[key].append(name)
        return {key: sorted(found, key=str.casefold) for key, found in names.items()}

    return run


# -- declared differences -----------------------------------------------------------------------
# Measured on the emulator (tests/bridge/test_reads.py checks that each one occurs and that
# nothing else differs). Paths are relative to a record; _at() places them under a result.

_REV = Difference(
    "$..rev",
    "REST has no revs: the bridge gives each record it returns its own rev (checked on edits "
    "through either route) and linked records carry none",
)

_SCANNED = (
    "the RPC API computes it by scanning records (activities, tasks, notes, leads) that one "
    "REST response does not hold"
)
_NO_USER_TIMES = "REST users carry no createdTime"
_NO_PARTY_TIMES = "REST contacts and accounts carry no createdTime or modifiedTime"
_PHONE = (
    "REST returns the server's parse of each number ({countryCode, number, numberFormatted, "
    "E164...}), which the bridge renders as the RPC API renders a parse, not the number as typed"
)
_ADDRESS = (
    "REST sends every address field, null when empty; the RPC API leaves out fields never set"
)

#: The same, for an account listed on a lead or contact (the relationship is the link's own).
_ACCOUNT_LINK_KEYS: Final = ("name", "description", "regions", "createdTime", "modifiedTime")


def _at(prefix: str, paths: Iterable[tuple[str, str]]) -> tuple[Difference, ...]:
    """Differences at ``prefix`` (``$`` or ``$[*]``) + each relative path."""
    return tuple(Difference(prefix + path, reason) for path, reason in paths)


def _keys(path: str, keys: Iterable[str], reason: str) -> list[tuple[str, str]]:
    return [(f"{path}.{key}", reason) for key in keys]


def _unloaded(what: str, endpoint: str) -> str:
    return (
        f"{endpoint} does not side-load {what}, so the bridge knows the link's id only "
        "(a read is one request, with no request per link)"
    )


def _user_links(*names: str) -> list[tuple[str, str]]:
    return [(f".{name}.createdTime", _NO_USER_TIMES) for name in names]


_LEAD_STUB: Final = [
    (".modifiedTime", "REST leads carry no modifiedTime"),
    (
        ".primaryAccountName",
        "REST does not say which of a lead's accounts is the primary one, "
        "and accounts are not side-loaded",
    ),
    (".lastContactedDate", _SCANNED),
    (".nextStepDueTime", _SCANNED),
]
_LEAD_FULL: Final = [
    (".modifiedTime", "REST leads carry no modifiedTime"),
    (".primaryAccount", "REST does not say which of a lead's accounts is the primary one"),
    (".activitiesCount", _SCANNED),
    (".lastContactedDate", _SCANNED),
    (".nextStepDueTime", _SCANNED),
    (".notes", _SCANNED),
    *_keys(".accounts[*]", _ACCOUNT_LINK_KEYS, _unloaded("a lead's accounts", "GET /leads")),
    *_keys(
        ".products[*]",
        ("name", "price", "createdTime", "modifiedTime"),
        _unloaded("a lead's products", "GET /leads"),
    ),
    *_keys(".contacts[*]", ("createdTime", "modifiedTime"), _NO_PARTY_TIMES),
    *_user_links("assignee", "creator"),
    (".stageset.modifiedTime", "REST stagesets carry no modifiedTime"),
]
_PARTY_STUB: Final = [(".createdTime", _NO_PARTY_TIMES), (".modifiedTime", _NO_PARTY_TIMES)]
_MIXED_STUB: Final = [
    (".createdTime", "REST users, contacts and accounts carry no createdTime"),
    (".modifiedTime", _NO_PARTY_TIMES),
]
_CONTACT_FULL: Final = [
    *_PARTY_STUB,
    (".phone.*", _PHONE),
    *_keys(".accounts[*]", _ACCOUNT_LINK_KEYS, _unloaded("a contact's accounts", "GET /contacts")),
    (".leads", _SCANNED),
    (".notes", _SCANNED),
    (".lastContactedDate", _SCANNED),
    (".contactedCount", _SCANNED),
    *_user_links("creator", "owner"),
]


def _account_full(contacts_loaded: bool) -> list[tuple[str, str]]:
    """A full account; a single GET side-loads its contacts, a list does not."""
    if contacts_loaded:
        contacts = _keys(".contacts[*]", ("createdTime", "modifiedTime"), _NO_PARTY_TIMES)
    else:
        contacts = _keys(".contacts[*]", CONTACT_STUB_KEYS, _unloaded("contacts", "GET /accounts"))
    return [
        *_PARTY_STUB,
        (".phone.*", _PHONE),
        *_keys(
            ".address.*",
            ("address_2", "address_3", "location", "locationAccuracy", "timezone"),
            _ADDRESS,
        ),
        *contacts,
        (".leads", _SCANNED),
        (".notes", _SCANNED),
        (".lastContactedDate", _SCANNED),
        *_user_links("creator", "owner"),
    ]


_LINKED_LEAD = _unloaded("an activity's leads", "GET /activities")
_ACTIVITY_STUB: Final = [
    (".logNote", _unloaded("an activity's log note", "GET /activities")),
]
_ACTIVITY_FULL: Final = [
    *_keys(".lead", LEAD_STUB_KEYS, _LINKED_LEAD),
    *_keys(".leads[*]", LEAD_STUB_KEYS, _LINKED_LEAD),
    *_keys(
        ".participants[*]",
        sorted({*CONTACT_STUB_KEYS, *ACCOUNT_STUB_KEYS}),
        _unloaded(
            "an activity's contacts and accounts (users come from the cache, with no createdTime)",
            "GET /activities",
        ),
    ),
    (".logNote", _unloaded("an activity's log note", "GET /activities")),
    (".logDescription", _unloaded("an activity's log note", "GET /activities")),
    *_user_links("loggedBy"),
]
_TASK_FULL: Final = [
    *_keys(
        ".entity",
        sorted({*LEAD_STUB_KEYS, *CONTACT_STUB_KEYS, *ACCOUNT_STUB_KEYS}),
        _unloaded("the record a task is on", "GET /tasks"),
    ),
    *_user_links("assignee"),
]
_NOTE_FULL: Final = [
    (".date", "REST notes carry no date; the bridge shows when the note was created"),
    (
        ".noteHtml",
        "REST renders a note's HTML from its body when none was stored; the RPC "
        "API sends the stored HTML, empty for a note stored without it",
    ),
    *_keys(".lead", LEAD_STUB_KEYS, _unloaded("a note's lead", "GET /notes")),
    *_keys(".contact", CONTACT_STUB_KEYS, _unloaded("a note's contact", "GET /notes")),
    *_keys(".account", ACCOUNT_STUB_KEYS, _unloaded("a note's account", "GET /notes")),
    *_user_links("user"),
]


def _created(what: str) -> list[tuple[str, str]]:
    return [(".createdTime", f"REST {what} carry no createdTime")]


def _trashed(id_name: str) -> Difference:
    return Difference(
        f"param:{id_name}",
        "a deleted record: the RPC API still returns it (with deletedTime) while it can be "
        "restored; REST answers 404, so the bridge raises NotFoundError",
    )


_TEXT_ORDER = (
    "REST sorts text case-sensitively ('LLC' before 'Labs'); the bridge re-sorts each page "
    "case-insensitively as the RPC API does, but a record whose place depends on letter case "
    "can fall on the neighbouring page"
)


def _orders(entity: str) -> Difference:
    """What ``orderBy`` the bridge honours for a REST-paged entity, and how."""
    orders = ENTITIES[entity].orders
    sortable = ", ".join(sorted(k for k, o in orders.items() if o.rest is not None))
    text = [k for k, o in orders.items() if o.text]
    nullable = [k for k, o in orders.items() if o.nullable]
    notes = [f"REST sorts by {sortable} only; other keys raise NotBridgeable"]
    if nullable:
        notes.append(
            f"{', '.join(nullable)} DESC raise NotBridgeable (REST puts empty values last, the "
            "RPC API first)"
        )
    if text:
        notes.append(f"{', '.join(text)}: {_TEXT_ORDER}")
    return Difference("param:orderBy", "; ".join(notes))


def _refused_keys(keys: str) -> Difference:
    return Difference("param:query", f"{keys} have no REST filter and raise NotBridgeable")


_CACHED_ORDER = Difference(
    "param:orderBy",
    "ordered and paged by the bridge over the cached list, by the fields REST supplies",
)

#: Per method, the result paths (and parameters) where the bridged answer differs, and why.
DIFFERENCES: Mapping[str, tuple[Difference, ...]] = {
    "getLead": (_REV, *_at("$", _LEAD_FULL), _trashed("leadId")),
    "findLeads": (
        _REV,
        *_at("$[*]", dict.fromkeys([*_LEAD_FULL, *_LEAD_STUB])),
        _orders("Lead"),
        _refused_keys("origin, channel and keys the RPC API does not list"),
    ),
    "searchLeads": (
        _REV,
        *_at("$[*]", _LEAD_STUB),
        Difference(
            "param:string",
            "text matching the 'Lead–' prefix of lead names (REST's q= sees numbers and "
            "descriptions only) raises NotBridgeable",
        ),
    ),
    "getContact": (_REV, *_at("$", _CONTACT_FULL), _trashed("contactId")),
    "findContacts": (
        _REV,
        *_at("$[*]", dict.fromkeys([*_CONTACT_FULL, *_PARTY_STUB])),
        _orders("Contact"),
        _refused_keys("leadId (REST contacts do not link their leads)"),
    ),
    "searchContacts": (_REV, *_at("$[*]", _PARTY_STUB)),
    "getAccount": (_REV, *_at("$", _account_full(contacts_loaded=True)), _trashed("accountId")),
    "findAccounts": (
        _REV,
        *_at("$[*]", dict.fromkeys([*_account_full(contacts_loaded=False), *_PARTY_STUB])),
        _orders("Account"),
        _refused_keys("hasOpenLeads and origin"),
    ),
    "searchAccounts": (_REV, *_at("$[*]", _PARTY_STUB)),
    "getActivity": (_REV, *_at("$", _ACTIVITY_FULL), _trashed("activityId")),
    "findActivities": (
        _REV,
        *_at("$[*]", dict.fromkeys([*_ACTIVITY_FULL, *_ACTIVITY_STUB])),
        _orders("Activity"),
        _refused_keys(
            "accountId (the RPC API also matches accounts of participating contacts), userId "
            "(it also matches the user who logged it) and status 0 without -1 (REST's "
            "'scheduled' includes overdue)"
        ),
    ),
    "getTask": (_REV, *_at("$", _TASK_FULL), _trashed("taskId")),
    "findTasks": (_REV, *_at("$[*]", _TASK_FULL), _orders("Task")),
    "getNote": (_REV, *_at("$", _NOTE_FULL), _trashed("noteId")),
    "getProduct": (_REV, *_at("$", _created("products")), _trashed("productId")),
    "findProducts": (_REV, *_at("$[*]", _created("products"))),
    "searchProducts": (_REV, *_at("$[*]", _created("products"))),
    "getUser": (_REV, *_at("$", _created("users")), _trashed("userId")),
    "findUsers": (_REV, *_at("$[*]", _created("users")), _CACHED_ORDER),
    "findSources": (_REV, _CACHED_ORDER),
    "searchSources": (_REV,),
    "findStagesets": (
        Difference("$[*].modifiedTime", "REST stagesets carry no modifiedTime"),
        _CACHED_ORDER,
    ),
    "findMilestones": (_REV, _CACHED_ORDER),
    "findLead_Outcomes": (_REV, _CACHED_ORDER),
    "findMarkets": (
        _REV,
        Difference("$[*].modifiedTime", "REST markets carry no modifiedTime"),
        _CACHED_ORDER,
    ),
    "findIndustries": (_REV, _CACHED_ORDER),
    "findTerritories": (_REV, _CACHED_ORDER),
    "findAccountTypes": (_REV, _CACHED_ORDER),
    "findActivityTypes": (_REV, _CACHED_ORDER),
    "findCompetitors": (_REV, _CACHED_ORDER),
    "searchByEmail": (_REV, *_at("$.contacts[*]", _PARTY_STUB), *_at("$.accounts[*]", _PARTY_STUB)),
    "searchUniversal": (
        _REV,
        *_at("$.contacts[*]", _PARTY_STUB),
        *_at("$.accounts[*]", _PARTY_STUB),
        *_at("$.leads[*]", _LEAD_STUB),
    ),
    "searchContactsAndUsers": (_REV, *_at("$[*]", _MIXED_STUB)),
    "searchActivityParticipants": (_REV, *_at("$[*]", _MIXED_STUB)),
}


# -- assembly -----------------------------------------------------------------------------------

_SPECIAL: Mapping[str, Callable[[RpcMethod], tuple[Run, tuple[Entity, ...]]]] = {
    "findTags": lambda row: (_find_tags(row), (ENTITIES["Tag"],)),
    "searchByEmail": lambda row: (
        _search_by_email(row),
        (ENTITIES["Contact"], ENTITIES["Account"]),
    ),
    "searchUniversal": lambda row: (
        _search_universal(row),
        tuple(ENTITIES[name] for _, name in _UNIVERSAL),
    ),
}

#: Mixed searches, by the entities they search.
_MIXED_SEARCHES: Mapping[str, tuple[str, ...]] = {
    "searchContactsAndUsers": ("Contact", "User"),
    "searchActivityParticipants": ("User", "Contact", "Account"),
}

_VERBS: Final = ("get", "find", "search")


def _verb(name: str) -> str | None:
    return next(
        (v for v in _VERBS if name.startswith(v) and name[len(v) : len(v) + 1].isupper()), None
    )


def _build(row: RpcMethod) -> Translator:
    """The translator of one catalog row, from the builder its verb and entity select."""
    entity = ENTITIES.get(row.entity or "")
    verb = _verb(row.name)
    entities: tuple[Entity, ...]
    if row.name in _SPECIAL:
        run, entities = _SPECIAL[row.name](row)
    elif row.name in _MIXED_SEARCHES:
        entities = tuple(ENTITIES[name] for name in _MIXED_SEARCHES[row.name])
        run = _searcher(row, entities)
    elif entity is not None and verb == "get":
        run, entities = _getter(row, entity), (entity,)
    elif entity is not None and verb == "find":
        run, entities = _finder(row, entity), (entity,)
    elif entity is not None and verb == "search":
        run, entities = _searcher(row, (entity,)), (entity,)
    else:
        raise ConfigurationError(f"no read builder serves {row.name}")
    operations = tuple(e.get_op if verb == "get" else e.list_op for e in entities)
    differences = DIFFERENCES.get(row.name, ())
    # The status follows from the differences: any result path REST cannot supply is partial.
    partial = any(not d.is_param for d in differences)
    return Translator(
        method=row.name,
        status=Status.PARTIAL if partial else Status.MAPPED,
        rest_operations=operations,
        differences=differences,
        run=run,
    )


#: The legacy read methods this module translates.
READ_METHODS: Final = (
    "getLead",
    "findLeads",
    "searchLeads",
    "getContact",
    "findContacts",
    "searchContacts",
    "getAccount",
    "findAccounts",
    "searchAccounts",
    "getActivity",
    "findActivities",
    "getTask",
    "findTasks",
    "getNote",
    "getProduct",
    "findProducts",
    "searchProducts",
    "getUser",
    "findUsers",
    "findTags",
    "findSources",
    "searchSources",
    "findStagesets",
    "findMilestones",
    "findLead_Outcomes",
    "findMarkets",
    "findIndustries",
    "findTerritories",
    "findAccountTypes",
    "findActivityTypes",
    "findCompetitors",
    "searchByEmail",
    "searchUniversal",
    "searchContactsAndUsers",
    "searchActivityParticipants",
)


def _translators() -> tuple[Translator, ...]:
    for name in READ_METHODS:
        if RPC_METHODS[name].access is not Access.READ:
            raise ConfigurationError(f"{name} is not a read method")
    return tuple(_build(RPC_METHODS[name]) for name in READ_METHODS)


#: Every read translator.
TRANSLATORS: tuple[Translator, ...] = _translators()
