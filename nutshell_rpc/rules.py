"""The legacy write rules: what a ``new*``/``edit*`` call requires, defaults and merges.

:mod:`nutshell_rpc.inputs` reads an input object; this module says what the RPC API then does
with it before anything is stored: the keys a new record cannot do without, the defaults of a
new lead, contact, activity and task, how an edit merges custom fields, which outcome closes a
lead, how ``newNote``, ``newTag`` and ``newSource`` read their parameters, and which records a
link kept on the other side of a relation adds or drops.

The emulator's JSON-RPC front applies these rules to its store and the bridge applies them to
what REST holds, both through the :class:`~nutshell_rpc.inputs.InputSource` protocol, so a write
means the same thing whichever route it takes and the two cannot drift apart (the same pattern
as :mod:`nutshell_rpc.search`). Every rule only reads: writing is the caller's.

Every refusal is the RPC API's 400 (:func:`~nutshell_rpc.inputs.bad_input`) naming the field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Final, TypeVar

import attrs

from nutshell_core.errors import InvalidRequestError
from nutshell_core.model import (
    UNSET,
    Account,
    Activity,
    ActivityStatus,
    ActivityType,
    Contact,
    Lead,
    Market,
    Outcome,
    Product,
    Record,
    Ref,
    Stage,
    Stageset,
    Tag,
    Task,
    Team,
    User,
)
from nutshell_rpc.inputs import (
    InputReader,
    InputSource,
    ParsedInput,
    bad_input,
    lead_stage,
    read_id,
    read_text,
)
from nutshell_rpc.shapes import money_total

__all__ = [
    "COMMON_ORDER_KEYS",
    "COMMON_QUERY_KEYS",
    "NOTE_PARENTS",
    "ORDER_KEYS",
    "QUERY_KEYS",
    "REQUIRED_KEYS",
    "LeadPlan",
    "OtherSide",
    "activity_defaults",
    "bare_ref",
    "check_activity_times",
    "check_order_key",
    "check_query_key",
    "first_value",
    "lead_value",
    "merge_custom_fields",
    "named",
    "new_contact_values",
    "new_task_values",
    "note_parent",
    "order_key",
    "other_side_links",
    "plan_lead_edit",
    "plan_new_lead",
    "read_new_tag",
    "read_note_text",
    "read_source_name",
    "refuse_duplicate_tag",
    "relink_plan",
    "require_new",
    "wanted_outcome",
]

R = TypeVar("R", bound=Record)

#: The keys a new record cannot do without: ``cls -> (input parameter, attributes)``.
REQUIRED_KEYS: Final[Mapping[type[Record], tuple[str, tuple[str, ...]]]] = {
    Account: ("account", ("name",)),
    Task: ("task", ("title",)),
    Product: ("product", ("name",)),
    Team: ("team", ("name",)),
    User: ("user", ("emails",)),
    Tag: ("tag", ("name", "applies_to")),
}

#: The ``query`` keys a legacy ``find*`` of each class accepts (beside :data:`COMMON_QUERY_KEYS`;
#: the reference's list, ``origin`` and ``channel`` included); any other key is refused with a
#: 400 (see :func:`check_query_key`).
QUERY_KEYS: Final[Mapping[type[Record], frozenset[str]]] = {
    Lead: frozenset(
        {
            "status",
            "filter",
            "accountId",
            "contactId",
            "milestoneId",
            "milestoneIds",
            "stagesetId",
            "stagesetIds",
            "outcomeId",
            "number",
            "assignee",
            "tag",
            "source",
            "sourceId",
            "priority",
            "dueTime",
            "closedTime",
            "origin",
            "channel",
        }
    ),
    Contact: frozenset({"accountId", "leadId", "tag"}),
    Account: frozenset(
        {
            "accountType",
            "accountTypeId",
            "industry",
            "industryId",
            "territory",
            "territoryId",
            "hasOpenLeads",
            "tag",
            "origin",
        }
    ),
    Activity: frozenset(
        {
            "leadId",
            "contactId",
            "accountId",
            "userId",
            "status",
            "activityTypeId",
            "isFlagged",
            "startTime",
            "endTime",
        }
    ),
    Task: frozenset({"assignee", "dueTime"}),
}
#: The ``query`` keys every legacy ``find*`` accepts.
COMMON_QUERY_KEYS: Final = frozenset({"id", "modifiedTime", "createdTime"})


#: The ``orderBy`` keys every legacy ``find*`` takes.
COMMON_ORDER_KEYS: Final = frozenset({"id", "name", "createdTime", "modifiedTime"})
#: The ``orderBy`` keys a legacy ``find*`` of each class takes beside :data:`COMMON_ORDER_KEYS`.
ORDER_KEYS: Final[Mapping[type[Record], frozenset[str]]] = {
    Lead: frozenset(
        {
            "number",
            "description",
            "status",
            "confidence",
            "priority",
            "value",
            "dueTime",
            "closedTime",
        }
    ),
    Contact: frozenset({"lastName", "firstName"}),
    User: frozenset({"lastName", "firstName"}),
    Activity: frozenset({"startTime", "endTime", "status"}),
    Task: frozenset({"title", "dueTime"}),
    Outcome: frozenset({"description", "type"}),
    Stage: frozenset({"position"}),
    Stageset: frozenset({"position"}),
    Product: frozenset({"sku"}),
}


def order_key(name: str) -> str:
    """``last_name``, ``lastName`` and ``LASTNAME`` are one order key, as in the RPC API."""
    return name.replace("_", "").casefold()


def check_order_key(cls: type[Record], order_by: object) -> None:
    """Refuse an ``orderBy`` the legacy ``find*`` of ``cls`` does not take, as it does (400
    listing the keys it takes); keys it takes, in any spelling :func:`order_key` reads as
    one, pass."""
    keys = COMMON_ORDER_KEYS | ORDER_KEYS.get(cls, frozenset())
    if not isinstance(order_by, str) or order_key(order_by) not in {order_key(k) for k in keys}:
        known = ", ".join(sorted(keys))
        raise bad_input("orderBy", f"cannot order by {order_by!r}; use one of: {known}")


def check_query_key(cls: type[Record], key: str) -> None:
    """Refuse a ``query`` key the legacy ``find*`` of ``cls`` does not accept, as it does
    (400 naming the key); keys it accepts pass."""
    if key not in COMMON_QUERY_KEYS and key not in QUERY_KEYS.get(cls, frozenset()):
        raise bad_input(f"query.{key}", f"{cls.rpc_type} cannot be filtered by {key!r}")


#: Input keys whose model attribute is spelled differently (for the 400's field name).
_WIRE_NAMES: Final[Mapping[str, str]] = {"applies_to": "entityType"}

#: Where a note's parent is, by the RPC entityType of ``newNote``'s ``entity`` (and
#: ``findTimeline``'s ``query``).
NOTE_PARENTS: Final[Mapping[str, type[Record]]] = {
    "Leads": Lead,
    "Contacts": Contact,
    "Accounts": Account,
}


def bare_ref(record: Record) -> Ref:
    """A link to ``record``: entity, id and name, nothing embedded."""
    return Ref(entity=record.entity, id=record.id, name=getattr(record, "name", UNSET))


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


# -- every record ---------------------------------------------------------------------------------


def require_new(cls: type[Record], values: Mapping[str, Any]) -> None:
    """Refuse a new ``cls`` record without the keys it cannot do without (the RPC API's 400,
    ``account.name: is required``); classes with no such keys pass."""
    field, needs = REQUIRED_KEYS.get(cls, (cls.entity.lower(), ()))
    for attr in needs:
        if values.get(attr) in (None, UNSET, ""):
            raise bad_input(f"{field}.{_WIRE_NAMES.get(attr, attr)}", "is required")


def merge_custom_fields(current: Record, values: Mapping[str, Any]) -> dict[str, Any]:
    """Custom fields are edited one by one: the fields sent change, the others stay."""
    out = dict(values)
    if "custom_fields" in out:
        existing = getattr(current, "custom_fields", None)
        out["custom_fields"] = {
            **(existing if isinstance(existing, Mapping) else {}),
            **out["custom_fields"],
        }
    return out


# -- leads ----------------------------------------------------------------------------------------


def lead_value(values: Mapping[str, Any]) -> dict[str, Any]:
    """A lead's value follows its product lines unless the input sets one."""
    out = dict(values)
    if "products" in out and "value" not in out:
        out["value"] = money_total(out["products"])
    return out


def wanted_outcome(source: InputSource, parsed: ParsedInput) -> int | None:
    """The outcome to close a lead with: the one given, or for a closed ``status`` without one,
    the first outcome of that kind in the source's order (a guess: Nutshell's choice is not
    recorded). None when the input does not close the lead."""
    status = parsed.status
    if parsed.outcome_id is not None or status is None or not status.is_closed:
        return parsed.outcome_id
    outcome_id = next((_int(o.id) for o in source.all(Outcome) if o.status is status), None)
    if outcome_id is None:
        raise bad_input("lead.status", f"no outcome has status {int(status)}")
    return outcome_id


@attrs.frozen(kw_only=True)
class LeadPlan:
    """What a lead input asks for, checked before anything is written.

    ``values`` are the attributes to write (tags not registered yet); ``stageset``/``stage``
    the pipeline and stage to move to (None: unchanged); ``outcome_id`` the outcome to close
    with (None: not closed by this call).
    """

    values: dict[str, Any]
    stageset: Stageset | None
    stage: Stage | None
    outcome_id: int | None


def plan_new_lead(source: InputSource, parsed: ParsedInput) -> LeadPlan:
    """A new lead: its value from its products, the first market when none is given, the
    pipeline and stage asked for, and the outcome it is closed with.

    The defaults the store fills in (number, default pipeline and first stage, owner...) are
    the writer's: REST fills them on its own, the emulator from its lead rules.
    """
    values = lead_value(parsed.values)
    if "market" not in values:
        # The RPC API puts a new lead in the first market; REST leaves it without one.
        markets = source.all(Market)
        values["market"] = bare_ref(markets[0]) if markets else None
    stageset, stage = lead_stage(source, None, parsed)
    outcome_id = wanted_outcome(source, parsed)
    if stageset is not None:
        values["stageset"] = bare_ref(stageset)
    if stage is not None:
        values["stage"] = bare_ref(stage)
    return LeadPlan(values=values, stageset=stageset, stage=stage, outcome_id=outcome_id)


def plan_lead_edit(source: InputSource, current: Lead, parsed: ParsedInput) -> LeadPlan:
    """An edit of ``current``: custom fields merged, the value following new product lines,
    the pipeline/stage move and the outcome to close with."""
    stageset, stage = lead_stage(source, current, parsed)
    outcome_id = wanted_outcome(source, parsed)
    values = lead_value(merge_custom_fields(current, parsed.values))
    return LeadPlan(values=values, stageset=stageset, stage=stage, outcome_id=outcome_id)


# -- contacts, tasks ------------------------------------------------------------------------------


def first_value(*lists: Any) -> str | None:
    """The first string value among lists of emails or phones (a nameless contact's name)."""
    for items in lists:
        for item in items or ():
            value = getattr(item, "value", None)
            if isinstance(value, str):
                return value
    return None


def new_contact_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """A new contact needs a name, a phone or an email; without a name it is named after its
    first email, else its first phone."""
    out = dict(values)
    if not any(out.get(k) for k in ("name", "phones", "emails")):
        raise bad_input("contact", "a new contact needs at least a name, a phone or an email")
    out.setdefault("name", first_value(out.get("emails"), out.get("phones")))
    return out


def new_task_values(values: Mapping[str, Any], caller: Callable[[], Ref | None]) -> dict[str, Any]:
    """A new task needs a title; it is assigned to the caller unless the input says otherwise,
    and its description starts empty. ``caller`` is asked only when the task needs it (the
    bridge reads the caller through REST), and only once the title has been checked."""
    require_new(Task, values)
    out = dict(values)
    if "assignee" not in out:
        out["assignee"] = caller()
    out.setdefault("description", "")
    return out


# -- activities -----------------------------------------------------------------------------------


def check_activity_times(values: Mapping[str, Any], current: Activity | None = None) -> None:
    """A new activity needs a start and an end time; no activity may end before it starts
    (an edit's times fall back to the activity's own)."""
    if current is None:
        for key, wire in (("start_time", "startTime"), ("end_time", "endTime")):
            if not isinstance(values.get(key), datetime):
                raise bad_input(f"activity.{wire}", "is required")
    start = values.get("start_time", current.start_time if current is not None else None)
    end = values.get("end_time", current.end_time if current is not None else None)
    if isinstance(start, datetime) and isinstance(end, datetime) and end < start:
        raise bad_input("activity.endTime", "ends before it starts")


def activity_defaults(source: InputSource, values: Mapping[str, Any]) -> dict[str, Any]:
    """A new activity's defaults for what the input leaves out: the first activity type, named
    after its type, scheduled, not all-day, not flagged, no leads or participants.

    ``isTimed`` is left to the writer: the emulator defaults it to true, REST has no such key.
    """
    out = dict(values)
    if out.get("activity_type") is None:
        types = source.all(ActivityType)
        out["activity_type"] = bare_ref(types[0]) if types else None
    if not out.get("name"):
        type_ref = out.get("activity_type")
        out["name"] = type_ref.name if isinstance(type_ref, Ref) else ""
    out.setdefault("description", "")
    out.setdefault("status", ActivityStatus.SCHEDULED)
    out.setdefault("is_all_day", False)
    out.setdefault("is_flagged", False)
    out.setdefault("leads", ())
    out.setdefault("participants", ())
    return out


# -- notes, tags, sources -------------------------------------------------------------------------


def read_note_text(value: Any, field: str) -> str:
    """A note's text, given as a string or as ``{note: ...}``; it cannot be empty."""
    if isinstance(value, Mapping):
        value = value.get("note")
    text = read_text(value, field, null=False)
    if text is None or not text.strip():
        raise bad_input(field, "cannot be empty")
    return text


def note_parent(entity: Any, find: Callable[[type[Record], int], Record | None]) -> Record:
    """``newNote``'s ``entity`` ({entityType, id}) read and looked up with ``find``; a missing
    parent is a 400 naming ``entity.id``."""
    if not isinstance(entity, Mapping):
        raise bad_input("entity", "expected {entityType, id}")
    cls = NOTE_PARENTS.get(str(entity.get("entityType")))
    if cls is None:
        raise bad_input("entity.entityType", "expected Leads, Contacts or Accounts")
    parent_id = read_id(entity, "entity")
    parent = find(cls, parent_id)
    if parent is None:
        raise bad_input("entity.id", f"no {cls.rpc_type} with id {parent_id}")
    return parent


def read_new_tag(reader: InputReader, value: Any) -> tuple[str, str]:
    """``newTag``'s ``tag`` read: its name and the entity it applies to, both required."""
    parsed = reader.read(Tag, value, "tag")
    require_new(Tag, parsed.values)
    return str(parsed.values["name"]), str(parsed.values["applies_to"])


def refuse_duplicate_tag(tags: Iterable[Record], name: str, applies_to: str) -> None:
    """A tag name is registered once per entity, regardless of case."""
    for tag in tags:
        if (
            isinstance(tag, Tag)
            and tag.applies_to == applies_to
            and str(tag.name).casefold() == name.casefold()
        ):
            raise InvalidRequestError(
                f"tag.name: a tag named {name!r} already exists", status=400, code=-32602
            )


def read_source_name(value: Any) -> str:
    """``newSource``'s ``name``, trimmed; it cannot be empty."""
    name = (read_text(value, "name", null=False) or "").strip()
    if not name:
        raise bad_input("name", "cannot be empty")
    return name


def named(records: Iterable[R], name: str) -> R | None:
    """The first record named ``name`` regardless of case (``newSource`` reuses it)."""
    wanted = name.casefold()
    for record in records:
        name_of = getattr(record, "name", None)
        if isinstance(name_of, str) and name_of.casefold() == wanted:
            return record
    return None


# -- links kept on the other record ---------------------------------------------------------------


@attrs.frozen
class OtherSide:
    """Links an input sent on ``record`` that live on other records: each ``owner_cls`` record
    in ``wanted`` links ``record`` in its ``attr``, and no other does."""

    owner_cls: type[Record]
    attr: str
    wanted: tuple[Ref, ...]


def other_side_links(record: Record, parsed: ParsedInput) -> list[OtherSide]:
    """A contact's ``leads`` live in each lead's ``contacts``, an account's ``contacts`` in
    each contact's ``accounts``: what an input sent on that side asks of the others."""
    out = []
    if parsed.lead_links is not None and isinstance(record, Contact):
        out.append(OtherSide(Lead, "contacts", parsed.lead_links))
    if parsed.contact_links is not None and isinstance(record, Account):
        out.append(OtherSide(Contact, "accounts", parsed.contact_links))
    return out


def relink_plan(linked: Iterable[int], wanted: Iterable[Ref]) -> list[tuple[int, bool]]:
    """``(owner id, add)`` for each owner whose link must be added (True) or dropped (False),
    in id order as the RPC API writes them; ``linked`` are the owners linking now."""
    now = set(linked)
    wanted_ids = {_int(ref.id) for ref in wanted}
    return [(owner_id, owner_id in wanted_ids) for owner_id in sorted(now ^ wanted_ids)]
