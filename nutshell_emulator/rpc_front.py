"""The emulator's JSON-RPC front: an :class:`~nutshell_rpc.server.RpcBackend` over the store.

:class:`EmulatorBackend` answers the legacy methods from the one store the REST front also
uses. Which methods it answers is a table derived from the catalog: each row's verb (``get``,
``find``, ``new``, ``edit``, ``delete``, ``search``) picks a generic handler that works from
the row's entity, and a short list of special cases covers the methods whose signature or
result differs (``newNote(entity, note)``, ``findTags``' map, ``getUser()`` without an id,
``findTimeline``, the cross-type searches...).

Semantics (jsonrpc-api.md §3-§5):

* ``find*`` returns stubs unless ``stubResponses`` is false (full records then, at most 100
  a page); ``limit`` and 1-based ``page``; ``orderBy``/``orderDirection``; query keys are
  ANDed and a list value is ORed;
* ``get*`` returns the full record (a trashed one with ``deletedTime``); ``new*`` and ``edit*``
  return the full record; edits are partial and replace multi-value fields wholesale; a
  ``note`` key appends a Note; a stale rev is 409 (``REV_IGNORE`` skips the check);
* a lead's ``outcome`` closes it, ``status: 0`` reopens it, ``stagesetId`` moves it and
  ``milestoneId`` sets its stage, through the shared rules in :mod:`nutshell_emulator.rules`;
* what a write requires, defaults and merges (a new lead's market and value, a nameless
  contact's name, an activity's type, custom fields merged on edit...) is the legacy rule in
  :mod:`nutshell_rpc.rules`, which the bridge's write translators apply too;
* ``delete*`` returns true.

Errors are APIError subclasses the server turns into JSON-RPC errors: a missing record is
``NotFoundError`` (404, code 404), bad input ``InvalidRequestError`` (400, -32602) naming the
field.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs

from nutshell_core.catalog import REQUIRED, RPC_METHODS, Returns, RpcMethod
from nutshell_core.errors import (
    MethodNotFoundError,
    NotFoundError,
    PermissionDeniedError,
)
from nutshell_core.model import (
    ENTITIES,
    UNSET,
    Account,
    Activity,
    ActivityStatus,
    Contact,
    EmailMessage,
    Lead,
    LeadStatus,
    Money,
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
    Team,
    User,
    entity_for_rpc_type,
)
from nutshell_emulator import rules
from nutshell_emulator.emails import on_timeline, timeline_time
from nutshell_emulator.rpc_input import StoreInputReader
from nutshell_emulator.rpc_misc import HANDLERS as MISC_HANDLERS
from nutshell_emulator.rpc_reference import HANDLERS as REFERENCE_HANDLERS
from nutshell_emulator.store import Store
from nutshell_rpc import rules as legacy
from nutshell_rpc.inputs import (
    ParsedInput,
    bad_input,
    note_html,
    read_bool,
    read_id,
    read_ids,
    read_int,
    read_number,
    read_text,
    read_time,
)
from nutshell_rpc.search import matches, search_order
from nutshell_rpc.shapes import (
    Presenter,
    activity_status,
    contact_accounts,
    contact_leads,
    lead_accounts,
    notes_of,
)

__all__ = ["NON_STUB_LIMIT", "EmulatorBackend", "handler_table"]

#: The most full records one non-stub ``find*`` page returns (W6W, quoting Nutshell's docs).
NON_STUB_LIMIT = 100

#: How long after writing it a note's author may still edit it (DOC-CORE).
NOTE_EDIT_WINDOW = timedelta(hours=24)

#: Records the generic handlers serve, by catalog entity name.
_SERVED: Mapping[str, type[Record]] = {
    name: ENTITIES[name]
    for name in (
        "Lead",
        "Contact",
        "Account",
        "Activity",
        "Task",
        "Note",
        "Email",
        "Product",
        "User",
        "Team",
        "Tag",
        "Source",
        "Stageset",
        "Stage",
        "Outcome",
        "Market",
        "Industry",
        "Territory",
        "AccountType",
        "ActivityType",
        "Competitor",
        "Audience",
    )
}

#: Records the RPC API can create, edit and delete (reference data is managed in the app).
_WRITABLE = frozenset({Lead, Contact, Account, Activity, Task, Note, Product, User, Team})

_VERBS = ("get", "find", "new", "edit", "delete", "search")


@attrs.frozen
class Call:
    """One dispatched call: its catalog row, params (defaults filled in) and the caller."""

    row: RpcMethod
    params: Mapping[str, Any]
    user: User | None

    @property
    def actor(self) -> Ref | None:
        """The caller as the store's event log records it."""
        if self.user is None:
            return None
        return Ref(entity="User", id=self.user.id, name=self.user.name)

    @property
    def cls(self) -> type[Record]:
        """The row's record class."""
        assert self.row.entity is not None
        return _SERVED[self.row.entity]

    def param(self, index: int) -> tuple[str, Any]:
        """The name and value of the row's ``index``-th parameter."""
        name = self.row.params[index].name
        return name, self.params.get(name)


Handler = Callable[["EmulatorBackend", Call], Any]


class EmulatorBackend:
    """Answers JSON-RPC calls from the emulator's store (an ``RpcBackend``)."""

    def __init__(
        self, store: Store, *, api_host: str = "app.nutshell.com", web_host: str | None = None
    ) -> None:
        """``api_host`` is what discovery answers; ``web_host`` (default: the same) is the
        host of the web-app links records carry (``htmlUrl``)."""
        self._store = store
        self._host = api_host
        self._present = Presenter(store, host=web_host or api_host)
        self._reader = StoreInputReader(store)
        self._handlers = handler_table(RPC_METHODS)

    @property
    def store(self) -> Store:
        """The store calls read and write."""
        return self._store

    @property
    def reader(self) -> StoreInputReader:
        """The reader of input objects."""
        return self._reader

    @property
    def presenter(self) -> Presenter:
        """The renderer of RPC shapes."""
        return self._present

    # -- RpcBackend ---------------------------------------------------------------------------

    def authenticate(self, username: str, api_key: str) -> User | None:
        """The enabled user with this email and key, or None (the server answers 401)."""
        return self._store.authenticate(username, api_key)

    def discover(self, username: str) -> Mapping[str, Any]:
        """``getApiForUsername``: every role on the emulated host (``api_discovery.json``)."""
        host = self._host
        return {"iphone": host, "mobile": host, "api": host, "login": host}

    def implements(self, method: RpcMethod) -> bool:
        """True for the methods in the handler table."""
        return method.name in self._handlers

    def dispatch(self, method: RpcMethod, params: Mapping[str, Any], principal: Any) -> Any:
        """Run one call under the store's lock, so it reads and writes one consistent state."""
        handler = self._handlers.get(method.name)
        if handler is None:
            raise MethodNotFoundError("Method not found", status=404, code=-32601)
        defaults = {p.name: p.default for p in method.params if p.default is not REQUIRED}
        user = principal if isinstance(principal, User) else None
        call = Call(method, {**defaults, **params}, user)
        with self._store.transaction():
            return handler(self, call)

    # -- reads ----------------------------------------------------------------------------------

    def fetch(self, cls: type[Record], record_id: int, *, trashed: bool = False) -> Record:
        """A live record (or, with ``trashed``, a deleted one), or NotFoundError."""
        found = self._store.find(cls, record_id)
        if found is None and trashed:
            found = self._store.trashed(cls, record_id)
        if found is None:
            raise NotFoundError(
                f"{cls.rpc_type} {record_id} not found", status=404, code=404, target=cls.entity
            )
        return found

    def page(
        self, call: Call, records: list[Record], keys: Mapping[str, SortKey], *, full: bool
    ) -> list[dict[str, Any]]:
        """Order, page and render ``records`` as the row's ``orderBy``/``limit``/``page`` say."""
        order_by = call.params.get("orderBy")
        direction = call.params.get("orderDirection", "ASC")
        if not isinstance(direction, str) or direction.upper() not in ("ASC", "DESC"):
            raise bad_input("orderDirection", "expected ASC or DESC")
        if order_by is not None:
            lookup = {_norm(name): key for name, key in keys.items()}
            if not isinstance(order_by, str) or _norm(order_by) not in lookup:
                known = ", ".join(sorted(keys))
                raise bad_input("orderBy", f"cannot order by {order_by!r}; use one of: {known}")
            key = lookup[_norm(order_by)]
            records = sorted(records, key=lambda r: _sort_key(key(self, r), r))
            if direction.upper() == "DESC":
                records.reverse()
        limit = _positive(call.params.get("limit", 50), "limit")
        page = _positive(call.params.get("page", 1), "page")
        if full:
            limit = min(limit, NON_STUB_LIMIT)
        chosen = records[(page - 1) * limit : page * limit]
        render = self._present.full if full else self._present.stub
        return [render(r) for r in chosen]

    # -- writes ---------------------------------------------------------------------------------

    def append_note(self, parent: Record, text: str, call: Call) -> Note:
        """Store a Note on ``parent``: what a ``note`` key and ``newNote`` do."""
        now = self._store.now()
        name = getattr(parent, "name", UNSET)
        if isinstance(parent, Lead):
            name = f"Lead–{parent.number}"
        note = Note(
            body=text,
            body_markup=text,
            body_html=note_html(text),
            date=now,
            user=call.actor,
            parent=Ref(entity=parent.entity, id=parent.id, name=name),
        )
        return self._store.insert(note, actor=call.actor)

    def write_links(self, record: Record, parsed: ParsedInput, call: Call) -> None:
        """Links sent on the side the store does not keep, written on the other records."""
        for side in legacy.other_side_links(record, parsed):
            self._relink(side, record, call)

    def _relink(self, side: legacy.OtherSide, target: Record, call: Call) -> None:
        owners = {_int(owner.id): owner for owner in self._store.all(side.owner_cls)}
        linked = [
            owner_id
            for owner_id, owner in owners.items()
            if any(ref.id == target.id for ref in getattr(owner, side.attr) or ())
        ]
        by_id = {ref.id: ref for ref in side.wanted}
        for owner_id, add in legacy.relink_plan(linked, side.wanted):
            if owner_id not in owners:
                continue  # the reader has refused unknown ids; nothing to link here
            current: tuple[Ref, ...] = getattr(owners[owner_id], side.attr) or ()
            if add:
                link = attrs.evolve(
                    legacy.bare_ref(target), relationship=by_id[owner_id].relationship
                )
                new = (*current, link)
            else:
                new = tuple(ref for ref in current if ref.id != target.id)
            self._store.update(side.owner_cls, owner_id, {side.attr: new}, actor=call.actor)


# -- generic handlers ---------------------------------------------------------------------------


def _get(backend: EmulatorBackend, call: Call) -> Any:
    name, value = call.param(0)
    record = backend.fetch(call.cls, read_int(value, name), trashed=True)
    return backend.presenter.full(record)


def _find(backend: EmulatorBackend, call: Call) -> Any:
    cls = call.cls
    query = call.params.get("query")
    records: list[Record] = list(backend.store.all(cls))
    if query not in (None, [], {}):
        if not isinstance(query, Mapping):
            raise bad_input("query", f"expected an object, got {type(query).__name__}")
        filters = _QUERY.get(cls, {})
        for key, value in query.items():
            build = filters.get(key) or _COMMON_QUERY.get(key)
            if build is None:
                raise bad_input(f"query.{key}", f"{cls.rpc_type} cannot be filtered by {key!r}")
            test = build(backend, call, value, f"query.{key}")
            records = [r for r in records if test(r)]
    full = call.row.returns is Returns.RECORDS
    if "stubResponses" in call.params:
        full = full or not read_bool(call.params["stubResponses"], "stubResponses")
    return backend.page(call, records, _order_keys(cls), full=full)


def _new(backend: EmulatorBackend, call: Call) -> Any:
    name, value = call.param(0)
    cls = call.cls
    parsed = backend.reader.read(cls, value, name)
    create = _CREATE.get(cls, _create_plain)
    record = create(backend, call, parsed)
    if parsed.note is not None:
        backend.append_note(record, parsed.note, call)
    backend.write_links(record, parsed, call)
    return backend.presenter.full(backend.fetch(cls, _int(record.id)))


def _edit(backend: EmulatorBackend, call: Call) -> Any:
    cls = call.cls
    id_name, id_value = call.param(0)
    _, rev = call.param(1)
    entity_name, entity = call.param(2)
    record_id = read_int(id_value, id_name)
    current = backend.fetch(cls, record_id)
    backend.store.check_rev(current, _rev(rev))
    parsed = backend.reader.read(cls, entity, entity_name)
    apply = _APPLY.get(cls, _apply_plain)
    wrote = apply(backend, call, current, parsed)
    if not wrote:
        # An edit always writes: the caller gets a new rev, as from any other edit.
        backend.store.update(cls, record_id, {}, actor=call.actor)
    updated = backend.fetch(cls, record_id)
    if parsed.note is not None:
        backend.append_note(updated, parsed.note, call)
    backend.write_links(updated, parsed, call)
    return backend.presenter.full(backend.fetch(cls, record_id))


def _delete(backend: EmulatorBackend, call: Call) -> Any:
    id_name, id_value = call.param(0)
    _, rev = call.param(1)
    record_id = read_int(id_value, id_name)
    backend.fetch(call.cls, record_id)
    backend.store.delete(call.cls, record_id, rev=_rev(rev), actor=call.actor)
    return True


def _search(backend: EmulatorBackend, call: Call) -> Any:
    return _search_in(backend, call, (call.cls,))


def _search_in(backend: EmulatorBackend, call: Call, classes: Iterable[type[Record]]) -> Any:
    text = read_text(call.params.get("string"), "string", null=False) or ""
    limit = _positive(call.params.get("limit", 10), "limit")
    found = [
        record for cls in classes for record in backend.store.all(cls) if matches(record, text)
    ]
    found.sort(key=search_order)
    return [backend.presenter.stub(r) for r in found[:limit]]


# -- creating -----------------------------------------------------------------------------------


def _create_plain(backend: EmulatorBackend, call: Call, parsed: ParsedInput) -> Record:
    values = dict(parsed.values)
    legacy.require_new(call.cls, values)
    record = call.cls(**backend.reader.create_tags(call.cls, values))
    return backend.store.insert(record, actor=call.actor)


def _create_lead(backend: EmulatorBackend, call: Call, parsed: ParsedInput) -> Record:
    store = backend.store
    plan = legacy.plan_new_lead(store, parsed)
    lead = rules.new_lead(store, backend.reader.create_tags(Lead, plan.values), call.user)
    _lead_status(backend, call, lead, parsed.status, plan.outcome_id)
    return lead


def _create_contact(backend: EmulatorBackend, call: Call, parsed: ParsedInput) -> Record:
    values = legacy.new_contact_values(parsed.values)
    contact = Contact(**backend.reader.create_tags(Contact, values))
    return backend.store.insert(contact, actor=call.actor)


def _create_activity(backend: EmulatorBackend, call: Call, parsed: ParsedInput) -> Record:
    store = backend.store
    legacy.check_activity_times(parsed.values)
    values = legacy.activity_defaults(store, parsed.values)
    values.setdefault("is_timed", True)
    if values["status"] is ActivityStatus.LOGGED:
        values.setdefault("logged_by", call.actor)
    if parsed.log_note is not None:
        values["log_note"] = legacy.bare_ref(_insert_log_note(backend, call, parsed.log_note))
    return store.insert(Activity(**values), actor=call.actor)


def _insert_log_note(backend: EmulatorBackend, call: Call, text: str) -> Note:
    note = Note(
        body=text,
        body_markup=text,
        body_html=note_html(text),
        date=backend.store.now(),
        user=call.actor,
        parent=None,
    )
    return backend.store.insert(note, actor=call.actor)


def _create_task(backend: EmulatorBackend, call: Call, parsed: ParsedInput) -> Record:
    values = legacy.new_task_values(parsed.values, lambda: call.actor)
    return backend.store.insert(Task(**values), actor=call.actor)


def _create_product(backend: EmulatorBackend, call: Call, parsed: ParsedInput) -> Record:
    values = dict(parsed.values)
    legacy.require_new(Product, values)
    values.setdefault("product_type", "product")
    return backend.store.insert(Product(**values), actor=call.actor)


def _create_user(backend: EmulatorBackend, call: Call, parsed: ParsedInput) -> Record:
    values = dict(parsed.values)
    legacy.require_new(User, values)
    parts = [values.get("first_name"), values.get("last_name")]
    values["name"] = " ".join(p for p in parts if isinstance(p, str) and p) or values["emails"][0]
    values.setdefault("is_enabled", True)
    values.setdefault("is_administrator", False)
    return backend.store.insert(User(**values), actor=call.actor)


_CREATE: Mapping[type[Record], Callable[[EmulatorBackend, Call, ParsedInput], Record]] = {
    Lead: _create_lead,
    Contact: _create_contact,
    Activity: _create_activity,
    Task: _create_task,
    Product: _create_product,
    User: _create_user,
}


# -- editing ------------------------------------------------------------------------------------


def _apply_plain(
    backend: EmulatorBackend, call: Call, current: Record, parsed: ParsedInput
) -> bool:
    values = legacy.merge_custom_fields(current, parsed.values)
    if isinstance(current, Contact) and parsed.lead_links is not None:
        values["leads"] = ()  # the links now live on the leads (see write_links)
    if isinstance(current, Account) and parsed.contact_links is not None:
        values["contacts"] = ()
    if isinstance(current, User) and ("first_name" in values or "last_name" in values):
        first = values.get("first_name", current.first_name)
        last = values.get("last_name", current.last_name)
        values["name"] = " ".join(p for p in (first, last) if isinstance(p, str) and p)
    if isinstance(current, Activity):
        legacy.check_activity_times(values, current)
        if values.get("status") is ActivityStatus.LOGGED and current.logged_by in (None, UNSET):
            values["logged_by"] = call.actor
        if parsed.log_note is not None:
            values["log_note"] = legacy.bare_ref(_insert_log_note(backend, call, parsed.log_note))
    if not values:
        return False
    values = backend.reader.create_tags(type(current), values)
    backend.store.update(type(current), _int(current.id), values, actor=call.actor)
    return True


def _apply_lead(backend: EmulatorBackend, call: Call, current: Record, parsed: ParsedInput) -> bool:
    assert isinstance(current, Lead)
    store = backend.store
    lead_id = _int(current.id)
    wrote = False
    # Everything that can refuse the call is checked before the first write.
    plan = legacy.plan_lead_edit(store, current, parsed)
    stageset, stage, outcome_id = plan.stageset, plan.stage, plan.outcome_id
    values = backend.reader.create_tags(Lead, plan.values)
    if stageset is not None and not _same_ref(current.stageset, stageset):
        rules.move_lead(store, lead_id, _int(stageset.id), call.user)
        wrote = True
    if stage is not None:
        lead = store.get(Lead, lead_id)
        if not _same_ref(lead.stage, stage):
            changes = {"stage": legacy.bare_ref(stage)}
            store.update(Lead, lead_id, changes, actor=call.actor, action="stagechange")
            wrote = True
    lead = store.get(Lead, lead_id)
    wrote = _lead_status(backend, call, lead, parsed.status, outcome_id) or wrote
    values, lines = rules.lead_product_changes(values)
    if values:
        store.update(Lead, lead_id, values, actor=call.actor)
        wrote = True
    if lines is not None:
        rules.store_product_lines(store, lead_id, lines, call.actor)
    return wrote


def _lead_status(
    backend: EmulatorBackend,
    call: Call,
    lead: Lead,
    status: LeadStatus | None,
    outcome_id: int | None,
) -> bool:
    """Close, reopen or mark pending through the shared rules; True when it wrote."""
    store = backend.store
    lead_id = _int(lead.id)
    if outcome_id is not None:
        if lead.outcome is not None and _ref_id(lead.outcome) == outcome_id:
            return False  # already closed this way; closing again would move the close time
        rules.close_lead(store, lead_id, outcome_id, call.user)
        return True
    if status is LeadStatus.OPEN and lead.status is not LeadStatus.OPEN:
        rules.reopen_lead(store, lead_id, call.user)
        return True
    if status is LeadStatus.PENDING and lead.status is not LeadStatus.PENDING:
        changes = {"status": LeadStatus.PENDING, "outcome": None, "closed_time": None}
        store.update(Lead, lead_id, changes, actor=call.actor)
        return True
    return False


_APPLY: Mapping[type[Record], Callable[[EmulatorBackend, Call, Record, ParsedInput], bool]] = {
    Lead: _apply_lead,
}


# -- special methods ----------------------------------------------------------------------------


def _discover(backend: EmulatorBackend, call: Call) -> Any:
    return backend.discover(str(call.params.get("username", "")))


def _add(_backend: EmulatorBackend, call: Call) -> Any:
    first = read_number(call.params.get("num1"), "num1")
    return first + read_number(call.params.get("num2"), "num2")


def _get_user(backend: EmulatorBackend, call: Call) -> Any:
    user_id = call.params.get("userId")
    if user_id is None:
        if call.user is None:
            raise NotFoundError("no authenticated user", status=404, code=404)
        return backend.presenter.full(backend.fetch(User, _int(call.user.id)))
    return backend.presenter.full(backend.fetch(User, read_int(user_id, "userId"), trashed=True))


def _new_note(backend: EmulatorBackend, call: Call) -> Any:
    parent = legacy.note_parent(call.params.get("entity"), backend.store.find)
    text = legacy.read_note_text(call.params.get("note"), "note")
    return backend.presenter.full(backend.append_note(parent, text, call))


def _edit_note(backend: EmulatorBackend, call: Call) -> Any:
    note_id = read_int(call.params.get("noteId"), "noteId")
    note = backend.fetch(Note, note_id)
    assert isinstance(note, Note)
    backend.store.check_rev(note, _rev(call.params.get("rev")))
    author = note.user.id if isinstance(note.user, Ref) else None
    if call.user is None or author != call.user.id:
        raise PermissionDeniedError("only a note's author may edit it", status=403, code=403)
    written = note.created_time if isinstance(note.created_time, datetime) else None
    if written is not None and backend.store.now() - written > NOTE_EDIT_WINDOW:
        raise PermissionDeniedError(
            "a note can only be edited within 24 hours", status=403, code=403
        )
    text = legacy.read_note_text(call.params.get("note"), "note")
    changes = {"body": text, "body_markup": text, "body_html": note_html(text)}
    updated = backend.store.update(Note, note_id, changes, actor=call.actor)
    return backend.presenter.full(updated)


_TAG_TYPES = {"Lead": "Leads", "Contact": "Contacts", "Account": "Accounts"}


def _find_tags(backend: EmulatorBackend, _call: Call) -> Any:
    """Tag names by the type they apply to: registered tags plus the ones in use."""
    names: dict[str, list[str]] = {"Leads": [], "Contacts": [], "Accounts": []}

    def add(entity: Any, name: Any) -> None:
        key = _TAG_TYPES.get(entity)
        if key is not None and isinstance(name, str) and name not in names[key]:
            names[key].append(name)

    for tag in backend.store.all(Tag):
        add(tag.applies_to, tag.name)
    for cls in (Lead, Contact, Account):
        for record in backend.store.all(cls):
            for ref in getattr(record, "tags", ()) or ():
                add(cls.entity, ref.name)
    return {key: sorted(values, key=str.casefold) for key, values in names.items()}


def _new_tag(backend: EmulatorBackend, call: Call) -> Any:
    name, applies = legacy.read_new_tag(backend.reader, call.params.get("tag"))
    legacy.refuse_duplicate_tag(backend.store.all(Tag), name, applies)
    tag = backend.store.insert(Tag(name=name, applies_to=applies), actor=call.actor)
    return backend.presenter.full(tag)


def _new_source(backend: EmulatorBackend, call: Call) -> Any:
    name = legacy.read_source_name(call.params.get("name"))
    found = legacy.named(backend.store.all(Source), name)
    if found is not None:
        return backend.presenter.full(found)
    created = backend.store.insert(Source(name=name), actor=call.actor)
    return backend.presenter.full(created)


def _find_timeline(backend: EmulatorBackend, call: Call) -> Any:
    query = call.params.get("query")
    if not isinstance(query, Mapping):
        raise bad_input("query", "expected {entityType, id}")
    cls = legacy.NOTE_PARENTS.get(str(query.get("entityType")))
    if cls is None:
        raise bad_input("query.entityType", "expected Leads, Contacts or Accounts")
    record = backend.fetch(cls, read_id(query, "query"))
    items: list[Record] = [*notes_of(backend.store, record)]
    for cls in (Activity, EmailMessage):
        items += [item for item in backend.store.all(cls) if on_timeline(item, record)]
    return backend.page(call, items, _TIMELINE_KEYS, full=True)


def _search_by_email(backend: EmulatorBackend, call: Call) -> Any:
    text = read_text(call.params.get("emailAddressString"), "emailAddressString", null=False)
    needle = (text or "").strip().casefold()
    out: dict[str, list[dict[str, Any]]] = {}
    for key, cls in (("contacts", Contact), ("accounts", Account)):
        hits = [
            r
            for r in backend.store.all(cls)
            if any(e.value.casefold() == needle for e in getattr(r, "emails", ()) or ())
        ]
        out[key] = [backend.presenter.stub(r) for r in hits[:5]]
    return out


def _search_universal(backend: EmulatorBackend, call: Call) -> Any:
    text = read_text(call.params.get("string"), "string", null=False) or ""
    out: dict[str, list[dict[str, Any]]] = {}
    for key, cls in (("contacts", Contact), ("accounts", Account), ("leads", Lead)):
        hits = [r for r in backend.store.all(cls) if matches(r, text)]
        out[key] = [backend.presenter.stub(r) for r in hits[:_UNIVERSAL_LIMIT]]
    return out


_UNIVERSAL_LIMIT = 10


def _searcher(*classes: type[Record]) -> Handler:
    def handle(backend: EmulatorBackend, call: Call) -> Any:
        return _search_in(backend, call, classes)

    return handle


_SPECIAL: Mapping[str, Handler] = {
    "getApiForUsername": _discover,
    "add": _add,
    "getUser": _get_user,
    "newNote": _new_note,
    "editNote": _edit_note,
    "findTags": _find_tags,
    "newTag": _new_tag,
    "newSource": _new_source,
    "findTimeline": _find_timeline,
    "searchByEmail": _search_by_email,
    "searchUniversal": _search_universal,
    "searchContactsAndUsers": _searcher(Contact, User),
    "searchUsersAndTeams": _searcher(User, Team),
    "searchActivityParticipants": _searcher(User, Contact, Account),
    # Custom field definitions and reports (nutshell_emulator.rpc_reference).
    **REFERENCE_HANDLERS,
    **MISC_HANDLERS,  # origins, settings, backups, RFC 822 emails (rpc_misc)
}

_GENERIC: Mapping[str, Handler] = {
    "get": _get,
    "find": _find,
    "new": _new,
    "edit": _edit,
    "delete": _delete,
    "search": _search,
}


def _verb(name: str) -> str | None:
    return next(
        (v for v in _VERBS if name.startswith(v) and name[len(v) : len(v) + 1].isupper()), None
    )


def handler_table(methods: Mapping[str, RpcMethod]) -> dict[str, Handler]:
    """Method name -> handler, for every catalog row the emulator answers.

    A row is answered by a special case when it has one, else by the generic handler of its
    verb when its entity is one the store serves (writes only for the writable records).
    """
    table: dict[str, Handler] = {}
    for name, row in methods.items():
        if name in _SPECIAL:
            table[name] = _SPECIAL[name]
            continue
        verb = _verb(name)
        cls = _SERVED.get(row.entity or "")
        if verb is None or cls is None:
            continue
        if verb in ("new", "edit", "delete") and cls not in _WRITABLE:
            continue
        table[name] = _GENERIC[verb]
    return table


# -- queries ------------------------------------------------------------------------------------

Predicate = Callable[[Record], bool]
QueryBuilder = Callable[[EmulatorBackend, Call, Any, str], Predicate]


def _ids_of(refs: Any) -> set[int]:
    return {ref.id for ref in refs or () if isinstance(ref, Ref) and isinstance(ref.id, int)}


def _ref_id(ref: Any) -> int | None:
    return ref.id if isinstance(ref, Ref) and isinstance(ref.id, int) else None


def _by_ids(get: Callable[[EmulatorBackend, Record], set[int]]) -> QueryBuilder:
    """A key whose value is one id or a list of ids, matching when any linked id is one."""

    def build(backend: EmulatorBackend, _call: Call, value: Any, field: str) -> Predicate:
        wanted = set(read_ids(value, field))
        return lambda record: bool(get(backend, record) & wanted)

    return build


def _attr_ids(attr: str) -> QueryBuilder:
    def get(_backend: EmulatorBackend, record: Record) -> set[int]:
        value = getattr(record, attr, None)
        return _ids_of(value) if isinstance(value, tuple) else {i for i in [_ref_id(value)] if i}

    return _by_ids(get)


def _codes(
    enum_cls: type[LeadStatus] | type[ActivityStatus], get: Callable[..., Any]
) -> QueryBuilder:
    def build(backend: EmulatorBackend, _call: Call, value: Any, field: str) -> Predicate:
        values = value if isinstance(value, list | tuple) else [value]
        wanted = set()
        for index, item in enumerate(values):
            code = read_int(item, f"{field}[{index}]" if isinstance(value, list) else field)
            try:
                wanted.add(enum_cls(code))
            except ValueError:
                raise bad_input(field, f"{code} is not a valid status") from None
        return lambda record: get(backend, record) in wanted

    return build


def _tag_query(backend: EmulatorBackend, _call: Call, value: Any, field: str) -> Predicate:
    values = value if isinstance(value, list | tuple) else [value]
    wanted = {(read_text(v, field, null=False) or "").casefold() for v in values}
    return lambda record: any(
        isinstance(ref.name, str) and ref.name.casefold() in wanted
        for ref in getattr(record, "tags", ()) or ()
    )


_COMPARE: Mapping[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "=": operator.eq,
}


def _time_query(attr: str) -> QueryBuilder:
    """``"> 2026-01-01"``-style comparisons; a list is a range (its parts ANDed)."""

    def build(_backend: EmulatorBackend, _call: Call, value: Any, field: str) -> Predicate:
        values = value if isinstance(value, list | tuple) else [value]
        tests: list[Callable[[datetime], bool]] = []
        for item in values:
            text = read_text(item, field, null=False) or ""
            text = text.strip()
            op = next((o for o in _COMPARE if text.startswith(o)), "=")
            raw = text[len(op) :].strip() if text.startswith(op) else text
            when = read_time(raw, field)
            assert when is not None
            tests.append(_comparison(op, raw, when))

        def test(record: Record) -> bool:
            current = getattr(record, attr, None)
            return isinstance(current, datetime) and all(t(current) for t in tests)

        return test

    return build


def _comparison(op: str, raw: str, when: datetime) -> Callable[[datetime], bool]:
    if op == "=" and len(raw) == 10:
        day = when.date()  # "= 2026-01-31" means that whole day
        return lambda t: t.date() == day
    compare = _COMPARE[op]
    return lambda t: bool(compare(t, when))


def _bool_query(get: Callable[[EmulatorBackend, Record], bool]) -> QueryBuilder:
    def build(backend: EmulatorBackend, _call: Call, value: Any, field: str) -> Predicate:
        wanted = read_bool(value, field)
        return lambda record: get(backend, record) is wanted

    return build


def _lead_filter(backend: EmulatorBackend, call: Call, value: Any, field: str) -> Predicate:
    """0: the caller's leads; 1: the caller's teams' leads; 2: all."""
    mode = read_int(value, field)
    if mode not in (0, 1, 2):
        raise bad_input(field, "expected 0 (mine), 1 (my teams') or 2 (all)")
    if mode == 2 or call.user is None:
        return lambda _record: True
    me = _int(call.user.id)
    owners: set[tuple[str, int]] = {("User", me)}
    if mode == 1:
        teams = _ids_of(call.user.teams)
        owners |= {("Team", t) for t in teams}
        owners |= {
            ("User", _int(u.id)) for u in backend.store.all(User) if _ids_of(u.teams) & teams
        }
    return lambda record: _owner_key(getattr(record, "owner", None)) in owners


def _owner_key(ref: Any) -> tuple[str, int] | None:
    return (ref.entity, ref.id) if isinstance(ref, Ref) and isinstance(ref.id, int) else None


def _assignee_query(backend: EmulatorBackend, _call: Call, value: Any, field: str) -> Predicate:
    values = value if isinstance(value, list | tuple) else [value]
    wanted: set[tuple[str, int]] = set()
    for index, item in enumerate(values):
        path = f"{field}[{index}]"
        if not isinstance(item, Mapping):
            raise bad_input(path, "expected {entityType, id}")
        cls = entity_for_rpc_type(str(item.get("entityType", "Users")))
        if cls not in (User, Team):
            raise bad_input(f"{path}.entityType", "expected Users or Teams")
        assert cls is not None
        wanted.add((cls.entity, read_id(item, path)))
    return lambda record: _owner_key(getattr(record, "owner", None)) in wanted


def _number_query(_backend: EmulatorBackend, _call: Call, value: Any, field: str) -> Predicate:
    values = value if isinstance(value, list | tuple) else [value]
    wanted = {str(read_int(v, field)) for v in values}
    return lambda record: str(getattr(record, "number", "")) in wanted


def _lead_account_ids(_backend: EmulatorBackend, record: Record) -> set[int]:
    assert isinstance(record, Lead)
    return _ids_of(lead_accounts(record))


def _contact_account_ids(backend: EmulatorBackend, record: Record) -> set[int]:
    assert isinstance(record, Contact)
    return _ids_of(contact_accounts(backend.store, record))


def _contact_lead_ids(backend: EmulatorBackend, record: Record) -> set[int]:
    assert isinstance(record, Contact)
    return _ids_of(contact_leads(backend.store, record))


def _has_open_leads(backend: EmulatorBackend, record: Record) -> bool:
    return any(
        lead.status is LeadStatus.OPEN and record.id in _ids_of(lead_accounts(lead))
        for lead in backend.store.all(Lead)
    )


def _participant_ids(entity: str) -> Callable[[EmulatorBackend, Record], set[int]]:
    def get(_backend: EmulatorBackend, record: Record) -> set[int]:
        refs = getattr(record, "participants", ()) or ()
        ids = {ref.id for ref in refs if ref.entity == entity and isinstance(ref.id, int)}
        if entity == "User" and (logged := _ref_id(getattr(record, "logged_by", None))):
            ids.add(logged)
        return ids

    return get


def _activity_account_ids(backend: EmulatorBackend, record: Record) -> set[int]:
    """Accounts in the activity, directly or through a participant contact."""
    ids = _participant_ids("Account")(backend, record)
    for contact_id in _participant_ids("Contact")(backend, record):
        contact = backend.store.find(Contact, contact_id)
        if contact is not None:
            ids |= _ids_of(contact_accounts(backend.store, contact))
    return ids


def _current_status(backend: EmulatorBackend, record: Record) -> Any:
    if isinstance(record, Activity):
        return activity_status(record, backend.store.now())
    return getattr(record, "status", None)


def _flagged(_backend: EmulatorBackend, record: Record) -> bool:
    return getattr(record, "is_flagged", None) is True


_COMMON_QUERY: Mapping[str, QueryBuilder] = {
    "id": _by_ids(lambda _b, r: {_int(r.id)}),
    "modifiedTime": _time_query("modified_time"),
    "createdTime": _time_query("created_time"),
}

_QUERY: Mapping[type[Record], Mapping[str, QueryBuilder]] = {
    Lead: {
        "status": _codes(LeadStatus, _current_status),
        "filter": _lead_filter,
        "accountId": _by_ids(_lead_account_ids),
        "contactId": _attr_ids("contacts"),
        "milestoneId": _attr_ids("stage"),
        "milestoneIds": _attr_ids("stage"),
        "stagesetId": _attr_ids("stageset"),
        "stagesetIds": _attr_ids("stageset"),
        "outcomeId": _attr_ids("outcome"),
        "number": _number_query,
        "assignee": _assignee_query,
        "tag": _tag_query,
        "source": _attr_ids("sources"),
        "sourceId": _attr_ids("sources"),
        "priority": _by_ids(lambda _b, r: {getattr(r, "priority", 0) or 0}),
        "dueTime": _time_query("due_time"),
        "closedTime": _time_query("closed_time"),
    },
    Contact: {
        "accountId": _by_ids(_contact_account_ids),
        "leadId": _by_ids(_contact_lead_ids),
        "tag": _tag_query,
    },
    Account: {
        "accountType": _attr_ids("account_type"),
        "accountTypeId": _attr_ids("account_type"),
        "industry": _attr_ids("industry"),
        "industryId": _attr_ids("industry"),
        "territory": _attr_ids("territory"),
        "territoryId": _attr_ids("territory"),
        "hasOpenLeads": _bool_query(_has_open_leads),
        "tag": _tag_query,
    },
    Activity: {
        "leadId": _attr_ids("leads"),
        "contactId": _by_ids(_participant_ids("Contact")),
        "accountId": _by_ids(_activity_account_ids),
        "userId": _by_ids(_participant_ids("User")),
        "status": _codes(ActivityStatus, _current_status),
        "activityTypeId": _attr_ids("activity_type"),
        "isFlagged": _bool_query(_flagged),
        "startTime": _time_query("start_time"),
        "endTime": _time_query("end_time"),
    },
    Task: {
        "assignee": _attr_ids("assignee"),
        "dueTime": _time_query("due_time"),
    },
}


# -- ordering and paging ------------------------------------------------------------------------

SortKey = Callable[[EmulatorBackend, Record], Any]


def _norm(name: str) -> str:
    """``last_name``, ``lastName`` and ``LASTNAME`` are one order key."""
    return name.replace("_", "").casefold()


def _sort_key(value: Any, record: Record) -> tuple[bool, Any, int]:
    # Missing values sort last (ASC), and ties fall back to the id so pages are stable.
    if isinstance(value, str):
        value = value.casefold()
    return (value is None, value, _int(record.id))


def _attr_key(attr: str) -> SortKey:
    def key(_backend: EmulatorBackend, record: Record) -> Any:
        value = getattr(record, attr, None)
        if isinstance(value, Ref):
            value = value.name if isinstance(value.name, str) else value.id
        if isinstance(value, Money):
            value = value.amount
        return None if value is UNSET else value

    return key


def _lead_number(_backend: EmulatorBackend, record: Record) -> Any:
    number = getattr(record, "number", None)
    return int(number) if isinstance(number, str) and number.isdigit() else None


_COMMON_ORDER: Mapping[str, SortKey] = {
    "id": _attr_key("id"),
    "name": _attr_key("name"),
    "createdTime": _attr_key("created_time"),
    "modifiedTime": _attr_key("modified_time"),
}

_ORDER: Mapping[type[Record], Mapping[str, SortKey]] = {
    Lead: {
        "name": _lead_number,
        "number": _lead_number,
        "description": _attr_key("description"),
        "status": _attr_key("status"),
        "confidence": _attr_key("confidence"),
        "priority": _attr_key("priority"),
        "value": _attr_key("value"),
        "dueTime": _attr_key("due_time"),
        "closedTime": _attr_key("closed_time"),
    },
    Contact: {"lastName": _attr_key("last_name"), "firstName": _attr_key("first_name")},
    User: {"lastName": _attr_key("last_name"), "firstName": _attr_key("first_name")},
    Activity: {
        "startTime": _attr_key("start_time"),
        "endTime": _attr_key("end_time"),
        "status": _attr_key("status"),
    },
    Task: {"title": _attr_key("title"), "dueTime": _attr_key("due_time")},
    Outcome: {"description": _attr_key("name"), "type": _attr_key("status")},
    Stage: {"position": _attr_key("position")},
    Stageset: {"position": _attr_key("position")},
    Product: {"sku": _attr_key("sku")},
}


def _order_keys(cls: type[Record]) -> dict[str, SortKey]:
    return {**_COMMON_ORDER, **_ORDER.get(cls, {})}


def _timeline_time(_backend: EmulatorBackend, record: Record) -> Any:
    return timeline_time(record)


_TIMELINE_KEYS: Mapping[str, SortKey] = {"time": _timeline_time, "id": _attr_key("id")}


def _positive(value: Any, field: str) -> int:
    number = read_int(value, field)
    if number < 1:
        raise bad_input(field, "must be 1 or more")
    return number


def _rev(value: Any) -> str | None:
    """A rev as the store compares it: revs are strings, but PHP clients send integers."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise bad_input("rev", f"expected a string, got {type(value).__name__}")
    return str(value)


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


def _same_ref(ref: object, record: Record) -> bool:
    return isinstance(ref, Ref) and ref.entity == record.entity and ref.id == record.id


def _text_or(value: object) -> str:
    return value if isinstance(value, str) else ""
