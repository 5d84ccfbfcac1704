"""The JSON-RPC front's ``find*`` queries: the predicate builder for each query key of each
record type (ids, codes, tags, times, flags...).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from nutshell_core.model import (
    Account,
    Activity,
    ActivityStatus,
    Contact,
    Lead,
    LeadStatus,
    Record,
    Ref,
    Task,
    Team,
    User,
    entity_for_rpc_type,
)
from nutshell_emulator.rpc_order import _int
from nutshell_rpc.inputs import (
    bad_input,
    read_bool,
    read_id,
    read_ids,
    read_int,
    read_text,
    read_time,
)
from nutshell_rpc.shapes import activity_status, contact_accounts, contact_leads, lead_accounts

if TYPE_CHECKING:
    from nutshell_emulator.rpc_front import Call, EmulatorBackend


# -- queries ------------------------------------------------------------------------------------

Predicate = Callable[[Record], bool]
QueryBuilder = Callable[["EmulatorBackend", "Call", Any, str], Predicate]


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
