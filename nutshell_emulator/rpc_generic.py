"""The JSON-RPC front's generic handlers: ``get``, ``find``, ``new``, ``edit``, ``delete`` and
``search`` for any record type the store serves, with the per-type create and edit steps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from nutshell_core.catalog import Returns
from nutshell_core.model import (
    UNSET,
    Account,
    Activity,
    ActivityStatus,
    Contact,
    Lead,
    LeadStatus,
    Note,
    Product,
    Record,
    Task,
    User,
)
from nutshell_emulator import rules
from nutshell_emulator.rpc_order import _int, _order_keys, _positive, _rev, _same_ref
from nutshell_emulator.rpc_queries import _COMMON_QUERY, _QUERY, _ref_id
from nutshell_rpc import rules as legacy
from nutshell_rpc.inputs import ParsedInput, bad_input, note_html, read_bool, read_int, read_text
from nutshell_rpc.search import matches, search_order

if TYPE_CHECKING:
    from nutshell_emulator.rpc_front import Call, EmulatorBackend


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
            legacy.check_query_key(cls, key)
            build = filters.get(key) or _COMMON_QUERY.get(key)
            if build is None:
                # Keys the legacy API takes that the emulator cannot filter by (origin,
                # channel: it keeps no origins) are refused as unknown keys are.
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
