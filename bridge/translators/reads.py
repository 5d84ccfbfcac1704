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
* ``search<Entity>`` lists candidates with REST's ``q=`` (leads also by number, for text in
  their "Lead–" names) and keeps those the RPC API would match, in its order
  (:mod:`bridge.translators._search`).

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

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

import attrs

from bridge.cache import REFERENCE_CLASSES
from bridge.complete import note_author
from bridge.context import BridgeContext
from bridge.registry import Difference, Translator
from bridge.translators import _queries as q
from bridge.translators import _search
from bridge.translators._queries import Key, MatchesNothing, Order, Term, Unbridgeable
from bridge.translators._shared import (
    REV,
    empty_address,
    instants,
    no_is_timed,
    no_link_role,
    no_salutation,
    whole_amounts,
)
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
    Source,
    Stage,
    Stageset,
    Tag,
    Task,
    Territory,
    User,
)
from nutshell_rest.envelope import Envelope
from nutshell_rest.query import Query
from nutshell_rpc import rules as legacy
from nutshell_rpc.inputs import bad_input, read_bool, read_int

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
            legacy.check_query_key(entity.cls, key)  # a key the RPC API refuses: its 400
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
    missing = NotFoundError(
        f"{entity.cls.rpc_type} {record_id} not found",
        status=404,
        code=404,
        target=entity.cls.entity,
    )
    if record_id < 1:
        raise missing  # REST cannot even spell such an id; the RPC API answers "not found"
    resource = getattr(context.rest, entity.resource)
    # get_many returns the whole envelope, side-loads included; one id is one request.
    try:
        envelope = resource.get_many([record_id])
    except NotFoundError:
        # REST's 404 is an HTML page; the legacy error names the record (code 404).
        raise missing from None
    found = _records(envelope.records, entity.cls)
    if len(found) != 1:
        raise missing
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
        return context.present([note_author(record)], stub=False, included=included, name=True)[0]

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
            paging = q.read_paging(
                p,
                entity.orders,
                full=not stub,
                by_rest=by_rest,
                legacy=functools.partial(legacy.check_order_key, entity.cls),
            )
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
        return context.present(
            [note_author(r) for r in records], stub=stub, included=_included(envelope), name=True
        )

    return run


# -- search -------------------------------------------------------------------------------------
# The search family lives in bridge.translators._search: what the legacy API matches, and how
# REST lists candidates so that a bridged search answers the same records in the same order.


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
# Measured on the emulator with complete results (tests/bridge/test_reads.py checks that each
# one occurs and that nothing else differs). Linked records, back-links, counts and times are
# fetched (bridge.complete, bridge.times), so what remains is what REST itself spells
# differently. Paths are relative to a record; _at() places them under a result.

_PHONE = (
    "REST sends the server's parse of each number ({countryCode, number, numberFormatted, "
    "E164...}), not the number as typed; the bridge renders the parse as the RPC API renders "
    "one (an object), where the RPC API sends the typed string"
)
_ADDRESS = (
    "REST sends every address field, null when empty; the RPC API leaves out fields never set"
)
_ADDRESS_KEYS: Final = ("address_2", "address_3", "location", "locationAccuracy", "timezone")


def _at(prefix: str, paths: Iterable[tuple[str, str]]) -> tuple[Difference, ...]:
    """Differences at ``prefix`` (``$`` or ``$[*]``) + each relative path."""
    return tuple(Difference(prefix + path, reason) for path, reason in paths)


#: A link to a team (a lead's assignee, a user's teams): REST has no /teams endpoint.
_TEAM = (
    "REST has no /teams endpoint (users list their teams' ids only, in links.teams), so a "
    "team renders as a bare link: its name and times are unknown to the bridge"
)
_TEAM_KEYS: Final = ("name", "modifiedTime", "createdTime")
_TEAM_ASSIGNEE: Final = [(f".assignee.{key}", _TEAM) for key in _TEAM_KEYS]

_CONTACT: Final = [(".phone.*", _PHONE)]
_ACCOUNT: Final = [
    (".phone.*", _PHONE),
    *[(f".address.*.{key}", _ADDRESS) for key in _ADDRESS_KEYS],
]


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
    notes = [f"REST sorts by {sortable} only; the other keys the RPC API takes raise NotBridgeable"]
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

#: What REST's storage changes in records written over JSON-RPC, compared in a weaker sense
#: (see _shared), where results show them: a lead's due time and amounts (embedded lead stubs
#: too), an activity's times, a task's due time.
_LEAD_STORED: Final = (*instants("$..dueTime"), whole_amounts("$..amount"))
_ACTIVITY_TIMES: Final = instants("$..startTime", "$..endTime")
_TASK_TIMES: Final = instants("$..dueTime")

#: Per method, the result paths (and parameters) where the bridged answer differs, and why.
DIFFERENCES: Mapping[str, tuple[Difference, ...]] = {
    "getLead": (
        REV,
        *_at("$", _TEAM_ASSIGNEE),
        *_LEAD_STORED,
        no_link_role("$..relationship"),
        _trashed("leadId"),
    ),
    "findLeads": (
        REV,
        *_at("$[*]", _TEAM_ASSIGNEE),
        *_LEAD_STORED,
        no_link_role("$..relationship"),
        _orders("Lead"),
        _refused_keys("origin and channel"),
    ),
    "searchLeads": (REV, *_LEAD_STORED),
    "getContact": (
        REV,
        *_at("$", _CONTACT),
        *_LEAD_STORED,
        empty_address("$.address.*.*"),
        no_link_role("$..relationship"),
        no_salutation("$.name.salutation"),
        _trashed("contactId"),
    ),
    "findContacts": (
        REV,
        *_at("$[*]", _CONTACT),
        *_LEAD_STORED,
        empty_address("$[*].address.*.*"),
        no_link_role("$..relationship"),
        no_salutation("$[*].name.salutation"),
        _orders("Contact"),
        _refused_keys("leadId (REST contacts do not link their leads)"),
    ),
    "searchContacts": (REV,),
    "getAccount": (
        REV,
        *_at("$", _ACCOUNT),
        empty_address("$.address.*.*"),
        no_link_role("$..relationship"),
        _trashed("accountId"),
    ),
    "findAccounts": (
        REV,
        *_at("$[*]", _ACCOUNT),
        empty_address("$[*].address.*.*"),
        no_link_role("$..relationship"),
        _orders("Account"),
        _refused_keys("hasOpenLeads and origin"),
    ),
    "searchAccounts": (REV,),
    "getActivity": (REV, *_ACTIVITY_TIMES, no_is_timed("$..isTimed"), _trashed("activityId")),
    "findActivities": (
        REV,
        *_ACTIVITY_TIMES,
        no_is_timed("$..isTimed"),
        _orders("Activity"),
        _refused_keys(
            "accountId (the RPC API also matches accounts of participating contacts), userId "
            "(it also matches the user who logged it) and status 0 without -1 (REST's "
            "'scheduled' includes overdue)"
        ),
    ),
    "getTask": (REV, *_TASK_TIMES, _trashed("taskId")),
    "findTasks": (REV, *_TASK_TIMES, _orders("Task")),
    "getNote": (REV, _trashed("noteId")),
    "getProduct": (REV, _trashed("productId")),
    "findProducts": (REV,),
    "searchProducts": (REV,),
    "getUser": (
        REV,
        *_at("$", [(f".teams.viewTeam[*].{key}", _TEAM) for key in _TEAM_KEYS]),
        _trashed("userId"),
    ),
    "findUsers": (REV, _CACHED_ORDER),
    "findSources": (REV, _CACHED_ORDER),
    "searchSources": (REV,),
    # Stagesets carry no rev in the legacy shape.
    "findStagesets": (_CACHED_ORDER,),
    "findMilestones": (REV, _CACHED_ORDER),
    "findLead_Outcomes": (REV, _CACHED_ORDER),
    "findMarkets": (REV, _CACHED_ORDER),
    "findIndustries": (REV, _CACHED_ORDER),
    "findTerritories": (REV, _CACHED_ORDER),
    "findAccountTypes": (REV, _CACHED_ORDER),
    "findActivityTypes": (REV, _CACHED_ORDER),
    "findCompetitors": (REV, _CACHED_ORDER),
    "searchByEmail": (REV,),
    "searchUniversal": (REV, *_LEAD_STORED),
    "searchContactsAndUsers": (REV,),
    "searchActivityParticipants": (REV,),
}


# -- assembly -----------------------------------------------------------------------------------

_SPECIAL: Mapping[str, Callable[[RpcMethod], tuple[Run, tuple[Entity, ...]]]] = {
    "findTags": lambda row: (_find_tags(row), (ENTITIES["Tag"],)),
    "searchByEmail": lambda row: (
        _search.by_email_searcher(row, ENTITIES),
        (ENTITIES["Contact"], ENTITIES["Account"]),
    ),
    "searchUniversal": lambda row: (
        _search.universal_searcher(row, ENTITIES),
        tuple(ENTITIES[name] for _, name in _search.UNIVERSAL),
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
        run = _search.searcher(row, entities)
    elif entity is not None and verb == "get":
        run, entities = _getter(row, entity), (entity,)
    elif entity is not None and verb == "find":
        run, entities = _finder(row, entity), (entity,)
    elif entity is not None and verb == "search":
        run, entities = _search.searcher(row, (entity,)), (entity,)
    else:
        raise ConfigurationError(f"no read builder serves {row.name}")
    operations = tuple(e.get_op if verb == "get" else e.list_op for e in entities)
    return Translator.answering(
        row.name,
        rest_operations=operations,
        differences=DIFFERENCES.get(row.name, ()),
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
