"""Legacy writes (``new*``, ``edit*``, ``delete*``) answered through REST.

Each translator reads the legacy input object with the same reader the emulator's JSON-RPC
front uses (:mod:`nutshell_rpc.inputs`), so an input means the same thing on both routes and a
bad one fails with the same 400 naming the same field. Linked reference data (stages, sources,
tags, users...) is checked against the bridge's reference cache; products are read through
REST (a product line needs the product's name and price); other links (leads, contacts,
accounts, teams) are sent as ids and left for REST to refuse.

The write itself follows the RPC API's semantics (jsonrpc-api.md §3, rest-api.md §5):

* ``new*`` is one ``POST`` with the record rendered by
  :func:`~nutshell_rest.convert.record_to_rest_input`, after the RPC API's defaults are
  applied (a lead's market and stage, an activity's type and name...). The defaults, required
  keys, custom-field merging and the other legacy write rules come from
  :mod:`nutshell_rpc.rules`, which the emulator's JSON-RPC front applies too;
* ``edit*`` is a partial update: one JSON Patch computed with
  :func:`~nutshell_rest.patch.diff_inputs` between the REST input rendering of the record as it
  is and as the input leaves it; a to-many link the input changes is replaced whole (the RPC API
  replaces multi-value fields wholesale), a custom field is set one by one. Activities have no
  PATCH: they are replaced with ``PUT`` of the full body;
* a lead's workflow keys go to the lead endpoints, in the order the RPC API applies them:
  ``stagesetId`` -> ``POST /leads/{id}/stageset``, ``milestoneId`` -> a patch of
  ``links/stage``, ``outcome`` or a closed ``status`` -> ``POST /leads/{id}/status``,
  ``status: 0`` (or ``outcome: null``) -> ``POST /leads/{id}/reopen``;
* ``note`` appends a Note with ``POST /notes``; links the RPC API writes on the other side of
  a relation (a contact's ``leads``, an account's ``contacts``) are patched on those records;
* new tag names are created with ``POST /tags`` first (the RPC API registers them itself);
* a lead's ``primaryAccount`` goes first in ``links.accounts``, the others after it: REST has
  no link of its own for it, and reads the first account back as the primary one
  (:func:`nutshell_rest.convert.structure_record`; the emulator's assumptions, "Primary account").

Every edit and delete fetches the record (a missing one is 404, as over RPC), then calls
:meth:`~bridge.context.BridgeContext.check_rev` *before* writing: a stale rev fails with the RPC
API's own 409 whichever route issued it, and is never ignored. Input that REST cannot express
(a lead's close time or pending status, an overdue activity...) raises
:class:`~nutshell_core.errors.NotBridgeable` before any write rather than being dropped.

``new*``/``edit*`` return the full record in the RPC shape: the record is read back through
REST after the write (one more ``GET``, with its side-loads) and rendered by
:meth:`~bridge.context.BridgeContext.present_one`, carrying a bridge rev. ``delete*`` returns
``True``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Final, TypeVar

import attrs

from bridge.context import BridgeContext
from bridge.registry import Difference, Status, Translator
from bridge.translators._shared import REV, instants, no_salutation, team_link, whole_amounts
from bridge.translators._write_steps import (
    _append_note,
    _check_other_sides,
    _created,
    _current,
    _edit_patch,
    _InputSource,
    _int,
    _note_and_links,
    _present,
    _reader,
    _ref_id,
    _refuse,
    _resource,
    _row,
    _row_class,
    _verified,
    _with_tags,
)
from nutshell_core.errors import (
    NotFoundError,
)
from nutshell_core.model import (
    UNSET,
    Account,
    Activity,
    ActivityStatus,
    Contact,
    Lead,
    LeadStatus,
    Money,
    Note,
    Product,
    ProductMap,
    Record,
    Ref,
    Source,
    Tag,
    Task,
)
from nutshell_rest.client import Deletable, Patchable, Resource
from nutshell_rest.convert import record_to_rest_input
from nutshell_rest.patch import Patch, PatchOp
from nutshell_rpc import rules as legacy
from nutshell_rpc.inputs import (
    InputReader,
    ParsedInput,
)

__all__ = ["TRANSLATORS"]

R = TypeVar("R", bound=Record)
T = TypeVar("T", bound=Resource)

# -- leads ----------------------------------------------------------------------------------------


def _refuse_lead_input(method: str, parsed: ParsedInput, current: Lead | None) -> None:
    """Lead input REST has no way to write: refused before anything is written."""
    if "closed_time" in parsed.values:
        raise _refuse(method, _NO_CLOSED_TIME)
    if parsed.status is LeadStatus.PENDING and (
        current is None or current.status is not LeadStatus.PENDING
    ):
        raise _refuse(method, _NO_PENDING)


def _product_maps(products: Iterable[Ref]) -> list[dict[str, Any]]:
    """Product lines as REST ``productMaps`` objects (product, quantity, price).

    The RPC API keeps a line's quantity and price on the lead's product link; REST keeps them
    on a product map, so a lead's products are written as maps, never as bare product links.
    """
    maps = []
    for ref in products:
        mapping = ref.record if isinstance(ref.record, ProductMap) else ProductMap(product=ref)
        maps.append(record_to_rest_input(attrs.evolve(mapping, name=UNSET, lead=UNSET)))
    return maps


def _new_lead(ctx: BridgeContext, params: Mapping[str, Any]) -> Any:
    source = _InputSource(ctx)
    reader = InputReader(source, verified=_verified)
    parsed = reader.read(Lead, params.get("lead"), "lead")
    _refuse_lead_input("newLead", parsed, None)
    plan = legacy.plan_new_lead(source, parsed)
    outcome_id = plan.outcome_id
    values = _with_tags(ctx, reader, Lead, plan.values)
    products = values.pop("products", None)
    body = record_to_rest_input(Lead(**values))
    if products:
        body.setdefault("links", {})["productMaps"] = _product_maps(products)
    lead = _created(ctx.rest.leads.create(body), Lead)
    lead_id = _int(lead.id)
    if outcome_id is not None:
        ctx.rest.leads.close(lead_id, outcome_id)
    _note_and_links(ctx, lead, parsed)
    return _present(ctx, Lead, lead_id)


def _edit_lead(ctx: BridgeContext, params: Mapping[str, Any]) -> Any:
    lead_id, found, guard = _current(ctx, _row("editLead"), params)
    assert isinstance(found, Lead)
    current = found
    source = _InputSource(ctx)
    reader = InputReader(source, verified=_verified)
    parsed = reader.read(Lead, params.get("lead"), "lead")
    _refuse_lead_input("editLead", parsed, current)
    # Everything that can refuse the call is checked before the first write, as over RPC.
    plan = legacy.plan_lead_edit(source, current, parsed)
    stageset, stage, outcome_id = plan.stageset, plan.stage, plan.outcome_id
    values = _with_tags(ctx, reader, Lead, plan.values)
    leads = ctx.rest.leads
    # The lead endpoints write one by one: the guard covers them all, and the note and links.
    with guard.writing():
        if stageset is not None and _ref_id(current.stageset) != stageset.id:
            current = _lead(leads.move(lead_id, _int(stageset.id)), ctx, lead_id)
        if stage is not None and _ref_id(current.stage) != stage.id:
            leads.update(lead_id, Patch("leads").set_link("stage", _int(stage.id)))
            current = attrs.evolve(current, stage=legacy.bare_ref(stage))
        if outcome_id is not None:
            if _ref_id(current.outcome) != outcome_id:
                # Closing again the same way would move the close time; the RPC API does not.
                current = _lead(leads.close(lead_id, outcome_id), ctx, lead_id)
        elif parsed.status is LeadStatus.OPEN and current.status is not LeadStatus.OPEN:
            current = _lead(leads.reopen(lead_id), ctx, lead_id)
        products = values.pop("products", None)
        if products is not None:
            values["products"] = ()  # product lines go in as maps below
        patch = _edit_patch(current, attrs.evolve(current, **values))
        if "value" in values and values["value"] is None and _has_value(current):
            # A body leaves a cleared value out (manualValue has no null): 0 is what the
            # legacy view shows as no value.
            patch = patch.manual_value(0)
        if products is not None:
            patch = patch.append(
                PatchOp("replace", "/leads/0/links/productMaps", _product_maps(products))
            )
        if len(patch):
            leads.update(lead_id, patch)
        _note_and_links(ctx, current, parsed)
    return _present(ctx, Lead, lead_id)


def _has_value(lead: Lead) -> bool:
    value = lead.value
    return isinstance(value, Money) and value.amount is not None and value.amount != 0


def _lead(item: object, ctx: BridgeContext, lead_id: int) -> Lead:
    """The lead a lead endpoint answered with, or read again when it answered without one."""
    return item if isinstance(item, Lead) else ctx.fetch(Lead, lead_id)


# -- contacts, accounts, tasks --------------------------------------------------------------------


def _unowned(record: Contact | Account) -> dict[str, Any]:
    """A create body that leaves the new record without an owner unless the input names one.

    The RPC API leaves a new contact's or account's owner empty (recorded), while REST makes
    the caller the owner of a record created without one; an explicit null keeps it empty.
    """
    body = record_to_rest_input(record)
    if not isinstance(record.owner, Ref):
        body.setdefault("links", {})["owner"] = None
    return body


def _new_contact(ctx: BridgeContext, params: Mapping[str, Any]) -> Any:
    reader = _reader(ctx)
    parsed = reader.read(Contact, params.get("contact"), "contact")
    _check_other_sides(ctx, Contact, parsed, params.get("contact"), "contact")
    values = _with_tags(ctx, reader, Contact, legacy.new_contact_values(parsed.values))
    contact = _created(ctx.rest.contacts.create(_unowned(Contact(**values))), Contact)
    _note_and_links(ctx, contact, parsed)
    return _present(ctx, Contact, _int(contact.id))


def _new_account(ctx: BridgeContext, params: Mapping[str, Any]) -> Any:
    reader = _reader(ctx)
    parsed = reader.read(Account, params.get("account"), "account")
    # Links before the missing name, in the input's order, as the RPC API reads them.
    _check_other_sides(ctx, Account, parsed, params.get("account"), "account")
    legacy.require_new(Account, parsed.values)
    values = _with_tags(ctx, reader, Account, parsed.values)
    account = _created(ctx.rest.accounts.create(_unowned(Account(**values))), Account)
    _note_and_links(ctx, account, parsed)
    return _present(ctx, Account, _int(account.id))


def _new_task(ctx: BridgeContext, params: Mapping[str, Any]) -> Any:
    parsed = _reader(ctx).read(Task, params.get("task"), "task")
    # The RPC API assigns a new task to the caller; REST leaves it unassigned.
    values = legacy.new_task_values(parsed.values, lambda: legacy.bare_ref(ctx.me()))
    completed = values.pop("completed_time", None)
    task = _created(ctx.rest.tasks.create(Task(**values)), Task)
    if completed is not None:
        # A create body has no completedTime (it is set on the task record afterwards).
        ctx.rest.tasks.update(
            _int(task.id), Patch("tasks").replace("completedTime", _unix(completed))
        )
    return _present(ctx, Task, _int(task.id))


def _unix(moment: object) -> int | None:
    return int(moment.timestamp()) if isinstance(moment, datetime) else None


def _editor(method: str) -> Callable[[BridgeContext, Mapping[str, Any]], Any]:
    """``edit*`` of a contact, an account or a task: one JSON Patch of the changed fields."""
    row = _row(method)
    cls = _row_class(row)
    param = row.params[2].name

    def run(ctx: BridgeContext, params: Mapping[str, Any]) -> Any:
        record_id, current, guard = _current(ctx, row, params)
        reader = _reader(ctx)
        parsed = reader.read(cls, params.get(param), param)
        _check_other_sides(ctx, cls, parsed, params.get(param), param)
        values = legacy.merge_custom_fields(current, parsed.values)
        if isinstance(current, Account) and parsed.contact_links is not None:
            values["contacts"] = ()  # the links now live on the contacts (see _write_links)
        values = _with_tags(ctx, reader, cls, values)
        completed = values.pop("completed_time", UNSET) if cls is Task else UNSET
        patch = _edit_patch(current, attrs.evolve(current, **values))
        if completed is not UNSET and completed != getattr(current, "completed_time", None):
            # Task create bodies leave completedTime out, so the diff never sees it.
            patch = patch.replace("completedTime", _unix(completed))
        # Only a patch writes the record itself; a note alone needs no re-check.
        with guard.writing(when=len(patch) > 0):
            if len(patch):
                _resource(ctx, cls, Patchable).update(record_id, patch)
            _note_and_links(ctx, current, parsed)
        return _present(ctx, cls, record_id)

    return run


# -- activities -----------------------------------------------------------------------------------


def _refuse_activity_input(method: str, values: Mapping[str, Any]) -> None:
    if values.get("status") is ActivityStatus.OVERDUE:
        raise _refuse(method, _NO_ACTIVITY_STATUS)
    if values.get("is_timed") is False:
        raise _refuse(method, _NO_IS_TIMED)


def _activity_body(activity: Activity, log_note: str | None) -> dict[str, Any]:
    body = record_to_rest_input(activity)
    if activity.status is ActivityStatus.CANCELLED:
        # The input rendering says only isLogged; a REST activity says cancelled with its own
        # isCancelled flag, which a full-body PUT must send back or the activity is un-cancelled.
        body["isCancelled"] = True
    if log_note is not None:
        body["note"] = log_note  # REST takes the log note as the activity body's ``note``
    return body


def _clear_dropped_links(before: Mapping[str, Any], body: dict[str, Any]) -> None:
    """Send the links an edit empties as empty: a body leaves out empty links (what a create
    needs; an activity's type goes at the top level), and a PUT that leaves a link out keeps
    it, where the RPC API clears it."""
    for name, value in before.items():
        if name != "links" and name not in body:
            body[name] = [] if isinstance(value, list) else None
    old_links = before.get("links")
    if not isinstance(old_links, Mapping):
        return
    links = body.setdefault("links", {})
    for name, value in old_links.items():
        if name not in links:
            links[name] = [] if isinstance(value, list) else None


def _new_activity(ctx: BridgeContext, params: Mapping[str, Any]) -> Any:
    source = _InputSource(ctx)
    parsed = InputReader(source, verified=_verified).read(
        Activity, params.get("activity"), "activity"
    )
    legacy.check_activity_times(parsed.values)
    _refuse_activity_input("newActivity", parsed.values)
    values = legacy.activity_defaults(source, parsed.values)
    values.pop("is_timed", None)  # only true gets here, which is what REST activities are
    body = _activity_body(Activity(**values), parsed.log_note)
    activity = _created(ctx.rest.activities.create(body), Activity)
    return _present(ctx, Activity, _int(activity.id))


def _edit_activity(ctx: BridgeContext, params: Mapping[str, Any]) -> Any:
    activity_id, current, guard = _current(ctx, _row("editActivity"), params)
    assert isinstance(current, Activity)
    parsed = _reader(ctx).read(Activity, params.get("activity"), "activity")
    values = dict(parsed.values)
    legacy.check_activity_times(values, current)
    _refuse_activity_input("editActivity", values)
    values.pop("is_timed", None)
    # REST updates an activity with PUT of its full body: the record as it is, input applied.
    body = _activity_body(attrs.evolve(current, **values), parsed.log_note)
    _clear_dropped_links(record_to_rest_input(current), body)
    with guard.writing():
        ctx.rest.activities.replace(activity_id, body)
    return _present(ctx, Activity, activity_id)


# -- notes, tags, sources -------------------------------------------------------------------------


def _new_note(ctx: BridgeContext, params: Mapping[str, Any]) -> Any:
    def find(cls: type[Record], parent_id: int) -> Record | None:
        # Read first so that a missing parent is the RPC API's 400, not REST's own refusal.
        try:
            return ctx.fetch(cls, parent_id)
        except NotFoundError:
            return None

    parent = legacy.note_parent(params.get("entity"), find)
    text = legacy.read_note_text(params.get("note"), "note")
    note = _append_note(ctx, parent, text)
    return _present(ctx, Note, _int(note.id), included=[parent])


def _new_tag(ctx: BridgeContext, params: Mapping[str, Any]) -> Any:
    name, applies = legacy.read_new_tag(_reader(ctx), params.get("tag"))
    ctx.cache.invalidate(Tag)  # the duplicate check must see every tag there is now
    legacy.refuse_duplicate_tag(ctx.cache.records(Tag).values(), name, applies)
    tag = _created(ctx.rest.tags.create(Tag(name=name, applies_to=applies)), Tag)
    ctx.cache.invalidate(Tag)
    # There is no GET /tags/{id}: the create's answer is the record.
    return ctx.present_one(ctx.named(tag))


def _new_source(ctx: BridgeContext, params: Mapping[str, Any]) -> Any:
    name = legacy.read_source_name(params.get("name"))

    def existing() -> Source | None:
        # Names match regardless of case, as the RPC API matches them.
        sources = [s for s in ctx.cache.records(Source).values() if isinstance(s, Source)]
        return legacy.named(sources, name)

    found = existing()
    if found is None:
        ctx.cache.invalidate(Source)  # created since the list was cached?
        found = existing()
    if found is None:
        found = _created(ctx.rest.sources.create(Source(name=name)), Source)
        ctx.cache.invalidate(Source)
    # There is no GET /sources/{id}: the list (or the create's answer) is the record.
    return ctx.present_one(found)


# -- deletes --------------------------------------------------------------------------------------


def _deleter(method: str) -> Callable[[BridgeContext, Mapping[str, Any]], Any]:
    """``delete*``: 404 for a missing record, the rev check, then ``DELETE``; returns True."""
    row = _row(method)
    cls = _row_class(row)

    def run(ctx: BridgeContext, params: Mapping[str, Any]) -> Any:
        record_id, _, guard = _current(ctx, row, params)
        with guard.writing():
            _resource(ctx, cls, Deletable).delete(record_id)
        return True

    return run


# -- what REST cannot do --------------------------------------------------------------------------

_NO_CLOSED_TIME: Final = (
    "REST cannot write a lead's closedTime: the server sets it when POST /leads/{id}/status "
    "closes the lead"
)
_NO_PENDING: Final = (
    "REST has no pending lead status: POST /leads/{id}/status only closes a lead with an "
    "outcome and POST /leads/{id}/reopen opens it"
)
_NO_ACTIVITY_STATUS: Final = (
    "REST derives an activity's overdue flag from its end time: POST and PUT /activities "
    "cannot write an activity overdue"
)
_NO_IS_TIMED: Final = "REST activity bodies have no isTimed: every REST activity is timed"

# -- declared differences -------------------------------------------------------------------------
# What a write's result shows differently through REST. The stored record is the same on both
# routes except where noted ("stored"); the rest is how one REST read of the record renders.

_REV = REV


def _each(prefix: str, keys: Iterable[str], reason: str) -> tuple[Difference, ...]:
    return tuple(Difference(f"{prefix}.{key}", reason) for key in keys)


_NO_RELATIONSHIP = (
    "stored: REST links are ids, so a relationship sent with the link is not kept (the RPC "
    "API shows it, or the linked record's description)"
)
_PHONES = (
    "REST returns the server's parse of each number ({countryCode, number, E164...}), which "
    "the bridge renders as the RPC API renders a parse, not the number as typed"
)
_ADDRESSES = (
    "REST sends every address field, null when empty; the RPC API leaves out fields never set"
)
#: An edit that changes nothing: the RPC API writes anyway, REST is not asked to.
_UNCHANGED = Difference(
    "$.modifiedTime",
    "stored: an edit that changes nothing sends no REST write (REST refuses an empty patch), "
    "so the record keeps its modifiedTime, which the RPC API moves on every edit",
)

_LEAD_DIFFERENCES: Final = (
    _REV,
    *team_link("$.assignee"),
    Difference("$.contacts[*].relationship", _NO_RELATIONSHIP),
    Difference("$.competitors[*].relationship", _NO_RELATIONSHIP),
    *instants("$..dueTime"),
    whole_amounts("$..amount"),
)
_PARTY_DIFFERENCES: Final = (
    _REV,
    *team_link("$.owner"),
    Difference("$.phone.*", _PHONES),
    Difference("$.address.*", _ADDRESSES),
)
_CONTACT_DIFFERENCES: Final = (
    *_PARTY_DIFFERENCES,
    Difference("$.accounts[*].relationship", _NO_RELATIONSHIP),
    no_salutation("$.name.salutation"),
)
_ACCOUNT_DIFFERENCES: Final = (
    *_PARTY_DIFFERENCES,
    Difference("$.contacts[*].relationship", _NO_RELATIONSHIP),
)
#: A new contact or account: REST records the caller as its creator.
_NEW_PARTY: Final = (
    Difference(
        "$.creator",
        "stored: REST records the caller as a new contact's or account's creator (2025 "
        "recording) and has no way to clear it; the RPC API leaves it empty (2017 recordings). "
        "The owner stays empty on both routes",
    ),
)

_ACTIVITY_DIFFERENCES: Final = (
    _REV,
    *instants("$..startTime", "$..endTime"),
    Difference("param:activity.status", f"-1 (overdue) is refused: {_NO_ACTIVITY_STATUS}"),
    Difference("param:activity.isTimed", f"false is refused: {_NO_IS_TIMED}"),
    Difference(
        "param:activity.logNote",
        "sent as the REST activity body's note (OAS), which the server keeps as the log note; "
        "status 2 is sent as the REST record's own isCancelled flag",
    ),
)

_TASK_DIFFERENCES: Final = (
    _REV,
    *team_link("$.assignee"),
    *instants("$..dueTime", "$..completedTime", "$..nextStepDueTime"),
)

_NOTE_DIFFERENCES: Final = (_REV,)

_NAMED_DIFFERENCES: Final = (_REV,)


def _unknown_links(param: str) -> Difference:
    return Difference(
        f"param:{param}",
        "a linked lead, contact, account or team that does not exist is refused by REST's own "
        "400 ('Invalid relationship'), not by the RPC API's 400 naming the input field: the "
        "bridge cannot see every record, so it leaves that check to REST",
    )


#: Lead input the bridge writes through REST behaviour the reference leaves unconfirmed [U].
_LEAD_UNCONFIRMED: Final = (
    Difference(
        "param:lead.milestoneId",
        "REST documents no stage endpoint: the bridge sets the stage with a JSON Patch of "
        "links/stage (unconfirmed against Nutshell; the emulator accepts it)",
    ),
    Difference(
        "param:lead.products",
        "product lines go in as REST product maps (quantity and price), replaced whole on an "
        "edit by one patch of links/productMaps (unconfirmed); stored: a line's currency does "
        "not carry into the lead's value, and two lines of one product are kept as one",
    ),
    Difference(
        "param:lead.primaryAccount",
        "REST leads have no primary-account link: the primary account is written first in "
        "links.accounts, the others after it, and read back as the first (assumed; see the "
        "emulator's assumptions, 'Primary account')",
    ),
    Difference(
        "param:lead.value",
        "stored: REST writes a lead's value as an amount (manualValue): its currency stays the "
        "lead's own, and null is sent as 0 (no value in the legacy view)",
    ),
)

_LEAD_REFUSALS: Final = (
    Difference("param:lead.closedTime", f"refused with NotBridgeable: {_NO_CLOSED_TIME}"),
    Difference("param:lead.isPending", f"refused with NotBridgeable: {_NO_PENDING}"),
    Difference("param:lead.status", f"1 (pending) refused with NotBridgeable: {_NO_PENDING}"),
)

# -- the translators ------------------------------------------------------------------------------

_GET_LEAD = ("GET", "/leads/{id}")
_NOTE_OPS = (("POST", "/notes"),)
_TAG_OPS = (("GET", "/tags"), ("POST", "/tags"))


def _ops(cls: type[Record], *verbs: str) -> tuple[tuple[str, str], ...]:
    base = f"/{cls.rest_type.lower()}"
    table = {
        "get": ("GET", base + "/{id}"),
        "list": ("GET", base),
        "create": ("POST", base),
        "patch": ("PATCH", base + "/{id}"),
        "put": ("PUT", base + "/{id}"),
        "delete": ("DELETE", base + "/{id}"),
    }
    return tuple(table[v] for v in verbs)


def _unsupported(method: str, reason: str) -> Translator:
    return Translator(method=method, status=Status.UNSUPPORTED, reason=reason)


def _delete_translator(method: str, cls: type[Record]) -> Translator:
    return Translator.answering(
        method, rest_operations=_ops(cls, "get", "delete"), run=_deleter(method)
    )


TRANSLATORS: tuple[Translator, ...] = (
    # leads
    Translator.answering(
        "newLead",
        rest_operations=(
            *_ops(Lead, "create", "get"),
            ("POST", "/leads/{id}/status"),
            *_TAG_OPS,
            *_NOTE_OPS,
            ("GET", "/products"),
        ),
        differences=(
            *_LEAD_DIFFERENCES,
            *_LEAD_REFUSALS,
            *_LEAD_UNCONFIRMED,
            _unknown_links("lead"),
        ),
        run=_new_lead,
    ),
    Translator.answering(
        "editLead",
        rest_operations=(
            *_ops(Lead, "get", "patch"),
            ("POST", "/leads/{id}/status"),
            ("POST", "/leads/{id}/reopen"),
            ("POST", "/leads/{id}/stageset"),
            *_TAG_OPS,
            *_NOTE_OPS,
            ("GET", "/products"),
        ),
        differences=(
            *_LEAD_DIFFERENCES,
            _UNCHANGED,
            *_LEAD_REFUSALS,
            *_LEAD_UNCONFIRMED,
            _unknown_links("lead"),
        ),
        run=_edit_lead,
    ),
    _delete_translator("deleteLead", Lead),
    # contacts
    Translator.answering(
        "newContact",
        rest_operations=(
            *_ops(Contact, "create", "get"),
            *_TAG_OPS,
            *_NOTE_OPS,
            *_ops(Lead, "list", "patch"),
        ),
        differences=(*_CONTACT_DIFFERENCES, *_NEW_PARTY, _unknown_links("contact")),
        run=_new_contact,
    ),
    Translator.answering(
        "editContact",
        rest_operations=(
            *_ops(Contact, "get", "patch"),
            *_TAG_OPS,
            *_NOTE_OPS,
            *_ops(Lead, "list", "patch"),
        ),
        differences=(*_CONTACT_DIFFERENCES, _UNCHANGED, _unknown_links("contact")),
        run=_editor("editContact"),
    ),
    _delete_translator("deleteContact", Contact),
    # accounts
    Translator.answering(
        "newAccount",
        rest_operations=(
            *_ops(Account, "create", "get"),
            *_TAG_OPS,
            *_NOTE_OPS,
            *_ops(Contact, "list", "patch"),
        ),
        differences=(*_ACCOUNT_DIFFERENCES, *_NEW_PARTY, _unknown_links("account")),
        run=_new_account,
    ),
    Translator.answering(
        "editAccount",
        rest_operations=(
            *_ops(Account, "get", "patch"),
            *_TAG_OPS,
            *_NOTE_OPS,
            *_ops(Contact, "list", "patch"),
        ),
        differences=(*_ACCOUNT_DIFFERENCES, _UNCHANGED, _unknown_links("account")),
        run=_editor("editAccount"),
    ),
    _delete_translator("deleteAccount", Account),
    # activities
    Translator.answering(
        "newActivity",
        rest_operations=(*_ops(Activity, "create", "get"), ("GET", "/activitytypes")),
        differences=(*_ACTIVITY_DIFFERENCES, _unknown_links("activity")),
        run=_new_activity,
    ),
    Translator.answering(
        "editActivity",
        rest_operations=_ops(Activity, "get", "put"),
        differences=(
            *_ACTIVITY_DIFFERENCES,
            _unknown_links("activity"),
            Difference(
                "param:activityId",
                "an activity that links a record deleted since cannot be edited through REST: "
                "its PUT sends every link back, and REST refuses a link to a deleted record "
                "(400 'Invalid relationship', nothing written); the RPC API keeps such links",
            ),
        ),
        run=_edit_activity,
    ),
    _unsupported(
        "deleteActivity",
        "the REST API has no DELETE /activities/{id}: activities can be created, read and "
        "replaced (PUT), never deleted",
    ),
    # tasks
    Translator.answering(
        "newTask",
        rest_operations=(*_ops(Task, "create", "get", "patch"), ("GET", "/users")),
        differences=(*_TASK_DIFFERENCES, _unknown_links("task")),
        run=_new_task,
    ),
    Translator.answering(
        "editTask",
        rest_operations=_ops(Task, "get", "patch"),
        differences=(*_TASK_DIFFERENCES, _UNCHANGED, _unknown_links("task")),
        run=_editor("editTask"),
    ),
    _delete_translator("deleteTask", Task),
    # notes
    Translator.answering(
        "newNote",
        rest_operations=(("POST", "/notes"), ("GET", "/notes/{id}"), _GET_LEAD),
        differences=_NOTE_DIFFERENCES,
        run=_new_note,
    ),
    _unsupported(
        "editNote",
        "the REST API has no PATCH /notes/{id}: a note can be created and deleted, not edited",
    ),
    _delete_translator("deleteNote", Note),
    # products
    _unsupported(
        "newProduct", "the REST API has no POST /products: products cannot be created through it"
    ),
    _unsupported(
        "editProduct", "the REST API has no PATCH /products/{id}: products cannot be edited"
    ),
    _delete_translator("deleteProduct", Product),
    # reference data
    Translator.answering(
        "newTag",
        rest_operations=_TAG_OPS,
        differences=_NAMED_DIFFERENCES,
        run=_new_tag,
    ),
    Translator.answering(
        "newSource",
        rest_operations=(("GET", "/sources"), ("POST", "/sources")),
        differences=_NAMED_DIFFERENCES,
        run=_new_source,
    ),
    # users, teams, and the rest of the legacy writes REST has nothing for
    _unsupported("newUser", "the REST API has no POST /users: users are managed in the app"),
    _unsupported("editUser", "the REST API has no PATCH /users/{id}: users are managed in the app"),
    _unsupported(
        "deleteUser", "the REST API has no DELETE /users/{id}: users are managed in the app"
    ),
    _unsupported("newTeam", "the REST API has no /teams endpoint at all (no POST /teams)"),
    _unsupported("editTeam", "the REST API has no /teams endpoint at all (no PATCH /teams/{id})"),
    _unsupported(
        "deleteTeam", "the REST API has no /teams endpoint at all (no DELETE /teams/{id})"
    ),
    _unsupported(
        "editStep", "the REST API has no steps (no /steps endpoint): processes are legacy-only"
    ),
    _unsupported("newBackup", "the REST API has no backup endpoint (no POST /backups)"),
    _unsupported("newEmail", "the REST API cannot create emails: it has only GET /emails/{id}"),
    _unsupported("addEmail", "the REST API cannot create emails: it has only GET /emails/{id}"),
)
