"""Legacy layouts of activities, notes and tasks: full records and stubs.

A full activity leaves out ``logNote`` when there is none (``findActivitiesNonStub.json``), a
stub sends it as null (``findActivitiesStub.json``); its status is worked out against the
presenter's clock (a scheduled activity whose end has passed is overdue). A note renders the
same body wherever it appears (``_note_body``: an activity's ``logNote``, the ``notes`` of a
lead, contact or account, and the note itself). The layouts are registered in
:mod:`nutshell_rpc.shapes`' tables; they use the :class:`~nutshell_rpc.shapes.Presenter`
handed to them, so this module does not import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from nutshell_core.model import Activity, Note, Record, Ref, Task
from nutshell_rpc.convert import record_to_rpc
from nutshell_rpc.inputs import note_html
from nutshell_rpc.shapes_common import (
    Layout,
    _put,
    _refs,
    _resolved,
    _text,
    _with,
    activity_status,
)

if TYPE_CHECKING:
    from nutshell_rpc.shapes import Presenter

__all__ = ["FULL_LAYOUTS", "STUB_LAYOUTS"]


def _participant(p: Presenter, ref: Ref) -> dict[str, Any]:
    return _with(p.link(ref), status=0)


def _log_note(p: Presenter, activity: Activity) -> dict[str, Any] | None:
    note = _resolved(p, activity.log_note)
    return _note_body(p, note) if isinstance(note, Note) else None


def _activity_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, Activity)
    activity = record
    leads = p.links(_refs(activity.leads))
    log_note = _log_note(p, activity)
    out = p.head(base)
    out.update(
        name=_text(activity.name, ""),
        description=_text(activity.description, ""),
        activityType=p.link(activity.activity_type),
        lead=leads[0] if leads else None,
        leads=leads,
        startTime=base.get("startTime"),
        endTime=base.get("endTime"),
        isAllDay=activity.is_all_day is True,
        isTimed=activity.is_timed is not False,
        isFlagged=activity.is_flagged is True,
        status=int(activity_status(activity, p.now())),
        loggedBy=p.link(activity.logged_by),
        participants=[_participant(p, ref) for ref in _refs(activity.participants)],
    )
    _put(out, "logNote", log_note)
    out["logDescription"] = log_note["note"] if log_note is not None else None
    if isinstance(activity.location, str) and activity.location:
        out["location"] = _location(activity.location)
    return out


def _location(text: str) -> dict[str, Any]:
    """An activity location in Nutshell's address shape; nothing here geocodes."""
    return {
        "name": text,
        "location": {"longitude": None, "latitude": None},
        "locationAccuracy": None,
        "address_1": "",
        "address_2": "",
        "address_3": "",
        "city": "",
        "state": "",
        "postalCode": "",
        "country": "",
        "timezone": None,
    }


def _activity_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, Activity)
    activity = record
    out = p.head(base, stub=True)
    out.update(
        name=_text(activity.name, ""),
        startTime=base.get("startTime"),
        endTime=base.get("endTime"),
        isAllDay=activity.is_all_day is True,
        isTimed=activity.is_timed is not False,
        isFlagged=activity.is_flagged is True,
        activityType=p.link(activity.activity_type),
        status=int(activity_status(activity, p.now())),
        logNote=_log_note(p, activity),
    )
    return out


def _note_body(p: Presenter, note: Note) -> dict[str, Any]:
    """A note as activities embed it (``logNote``): no stub flag, no parent."""
    note = p.revised(note)
    base = record_to_rpc(note)
    return {
        "id": note.id,
        "rev": note.rev,
        "entityType": Note.rpc_type,
        "createdTime": base.get("createdTime"),
        "note": base.get("note", ""),
        "noteMarkup": base.get("noteMarkup", base.get("note", "")),
        # Nutshell renders a note's HTML from its text when none was stored (recordings).
        "noteHtml": base.get("noteHtml") or note_html(_text(base.get("note"), "") or ""),
        "user": p.link(note.user),
        "originId": 1,
        "date": base.get("date", base.get("createdTime")),
    }


_PARENT_KEYS = {"Lead": "lead", "Contact": "contact", "Account": "account"}


def _note_full(p: Presenter, record: Record, _base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, Note)
    out = _note_body(p, record)
    parent = record.parent
    if isinstance(parent, Ref) and parent.entity in _PARENT_KEYS:
        out[_PARENT_KEYS[parent.entity]] = p.link(parent)
    return out


def _note_stub(p: Presenter, record: Record, _base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, Note)
    return {"stub": True, **_note_body(p, record)}


def _task_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, Task)
    out = p.head(base)
    out.update(
        title=_text(record.title, ""),
        description=_text(record.description, ""),
        dueTime=base.get("dueTime"),
        completedTime=base.get("completedTime"),
        assignee=p.link(record.assignee),
        entity=p.link(record.related),
    )
    return out


def _task_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, Task)
    out = p.head(base, stub=True)
    out.update(
        title=_text(record.title, ""),
        dueTime=base.get("dueTime"),
        completedTime=base.get("completedTime"),
    )
    return out


#: Layouts for :mod:`nutshell_rpc.shapes`' full-record table.
FULL_LAYOUTS: Final[Mapping[type[Record], Layout]] = {
    Activity: _activity_full,
    Note: _note_full,
    Task: _task_full,
}

#: Layouts for its stub table.
STUB_LAYOUTS: Final[Mapping[type[Record], Layout]] = {
    Activity: _activity_stub,
    Note: _note_stub,
    Task: _task_stub,
}
