"""Render model records in the shapes the JSON-RPC API returns them.

The layouts copy the recorded responses (``tests/fixtures/rpc``): which keys a full
record and a stub carry, in which order, and which keys Nutshell leaves out rather than sending
null. Typed values (times as ``2016-11-11T15:59:00+0000``, multi-value maps with
``--primary``, money, contact name parts, status integers) are spelled by the RPC converter
(:func:`nutshell_rpc.convert.record_to_rpc` / :func:`~nutshell_rpc.convert.value_to_rpc`);
the layouts only choose the keys and add what Nutshell computes (``activitiesCount``,
``completion``, ``regions``, ``primaryAccountName``, ``htmlUrl``, ``processes``...).

:class:`Presenter` renders one record at a time (:meth:`~Presenter.full`,
:meth:`~Presenter.stub`, :meth:`~Presenter.link`). Linked and related records come from a
:class:`RecordSource`: the emulator passes its store, the bridge a view of what REST returned
plus cached reference data. A source may hold only *some* records:

* a link whose record the source lacks renders from what the :class:`~nutshell_core.model.Ref`
  knows (``stub``, ``id``, ``entityType`` and, when the link carries it, ``name``);
* a key computed by scanning the source (``activitiesCount``, ``contactedCount``, a contact's
  ``leads``, ``nextStepDueTime``, ``lastContactedDate``...) is only as complete as the source.
  :data:`SOURCE_DEPENDENT_FIELDS` lists those keys per RPC entity type.

Links are stored one way round (a lead lists its contacts; a contact lists its accounts; a
note names its parent) and the other side is derived by :mod:`~nutshell_rpc.shapes_common`
(a contact's ``leads``, an account's ``contacts``, a record's ``notes``): both fronts and
every writer then agree.

The layouts live by family: :mod:`nutshell_rpc.shapes_leads`,
:mod:`~nutshell_rpc.shapes_contacts` (contacts and accounts),
:mod:`~nutshell_rpc.shapes_activities` (activities, notes, tasks),
:mod:`~nutshell_rpc.shapes_named` (products, users, teams, pipelines, named reference data),
:mod:`~nutshell_rpc.shapes_email` and :mod:`~nutshell_rpc.reference_shapes` (custom fields);
the source protocol, the derived links and what the layouts share are in
:mod:`~nutshell_rpc.shapes_common`. This module keeps the presenter and the two tables
(class to full layout, class to stub layout), and re-exports the public names of
:mod:`~nutshell_rpc.shapes_common`.

Layout notes taken from the recordings:

* a full lead leaves out ``dueTime``, ``nextStepDueTime``, ``outcome``, ``closedTime``,
  ``value``, ``normalizedValue``, ``estimatedValue`` and ``customFields`` when they are empty
  (``api_lead_new.json`` has none of them; ``api_lead_get.json`` has them all);
* a full contact or account carries ``email``/``phone``/``url``/``address`` only when set;
* a full activity leaves out ``logNote`` when there is none (``findActivitiesNonStub.json``),
  a stub sends it as null (``findActivitiesStub.json``);
* stubs put ``rev`` before ``entityType``; stagesets carry no ``rev`` at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar, cast

from nutshell_core.model import (
    UNSET,
    Account,
    Activity,
    ActivityStatus,
    Contact,
    Lead,
    LeadStatus,
    Money,
    Record,
    Ref,
    Stage,
    Task,
    entity_class,
)
from nutshell_rpc._names import split_person_name
from nutshell_rpc.convert import record_to_rpc, value_to_rpc
from nutshell_rpc.layout_bases import full_base, stub_base
from nutshell_rpc.reference_shapes import FULL_LAYOUTS as _REFERENCE_FULL
from nutshell_rpc.reference_shapes import STUB_LAYOUTS as _REFERENCE_STUB
from nutshell_rpc.shapes_activities import FULL_LAYOUTS as _ACTIVITY_FULL
from nutshell_rpc.shapes_activities import STUB_LAYOUTS as _ACTIVITY_STUB
from nutshell_rpc.shapes_activities import _note_body
from nutshell_rpc.shapes_common import (
    Layout,
    R,
    RecordSource,
    _id,
    _refs,
    _rpc_type,
    account_contacts,
    account_leads,
    activity_status,
    contact_accounts,
    contact_leads,
    lead_accounts,
    lead_activities,
    lead_overdue,
    legacy_points,
    money_total,
    notes_of,
    product_lines,
    slug,
)
from nutshell_rpc.shapes_contacts import FULL_LAYOUTS as _CONTACT_FULL
from nutshell_rpc.shapes_contacts import STUB_LAYOUTS as _CONTACT_STUB
from nutshell_rpc.shapes_email import EMAIL_SOURCE_DEPENDENT
from nutshell_rpc.shapes_email import FULL_LAYOUTS as _EMAIL_FULL
from nutshell_rpc.shapes_email import STUB_LAYOUTS as _EMAIL_STUB
from nutshell_rpc.shapes_leads import FULL_LAYOUTS as _LEAD_FULL
from nutshell_rpc.shapes_leads import STUB_LAYOUTS as _LEAD_STUB
from nutshell_rpc.shapes_named import FULL_LAYOUTS as _NAMED_FULL
from nutshell_rpc.shapes_named import STUB_LAYOUTS as _NAMED_STUB
from nutshell_rpc.shapes_named import _named_full, _named_stub

_T = TypeVar("_T")

__all__ = [
    "SOURCE_DEPENDENT_FIELDS",
    "Presenter",
    "RecordSource",
    "account_contacts",
    "account_leads",
    "activity_status",
    "contact_accounts",
    "contact_leads",
    "lead_accounts",
    "lead_activities",
    "lead_overdue",
    "legacy_points",
    "money_total",
    "notes_of",
    "product_lines",
    "slug",
    "split_person_name",
]


#: Result keys, by RPC entity type, whose values depend on scanning the source beyond the
#: record itself and the records it links to directly: counts and back-links found by looking
#: at every activity, task, note, lead, contact or account, and embedded lead stubs (which
#: carry such keys themselves). Rendered from a partial source, these keys are only as
#: complete as the source; every other key depends only on the record and its direct links.
#: Entity types not listed have no such keys.
SOURCE_DEPENDENT_FIELDS: Mapping[str, tuple[str, ...]] = {
    "Leads": (
        "activitiesCount",  # activities that link the lead
        "completion",  # the stage's position among its pipeline's stages
        "lastContactedDate",  # when not stored: the latest logged activity with the lead
        "nextStepDueTime",  # scheduled activities and open tasks on the lead
        "notes",  # notes whose parent is the lead
        "products",  # product maps stored apart from the lead
    ),
    "Contacts": (
        "accounts",  # accounts that list the contact
        "contactedCount",  # logged activities with the contact as participant
        "lastContactedDate",
        "leads",  # leads that list the contact (stubs, see "Leads")
        "notes",
    ),
    "Accounts": (
        "contacts",  # contacts that list the account
        "lastContactedDate",
        "leads",  # leads that list the account (stubs, see "Leads")
        "notes",
    ),
    "Activities": ("lead", "leads"),  # lead stubs: completion, lastContactedDate...
    "Tasks": ("entity",),  # a lead stub when the task is on a lead
    "Notes": ("lead",),  # the parent lead's stub
    "Emails": EMAIL_SOURCE_DEPENDENT,  # lead stubs
    "Products": ("prices",),  # the first market's id
    "Teams": ("users",),  # users that list the team
}


# -- the presenter ------------------------------------------------------------------------------


class Presenter:
    """Renders records as RPC full records and stubs, resolving links through ``source``.

    ``host`` is the app host that ``htmlUrl`` and ``avatarUrl`` point at.
    """

    def __init__(
        self,
        source: RecordSource,
        *,
        host: str = "app.nutshell.com",
        revise: Callable[[Record], Record] | None = None,
        rev_of: Callable[[Record], str] | None = None,
        bare_rev: Callable[[type[Record], int], str] | None = None,
    ) -> None:
        self._source = source
        self._host = host
        # What a record is rendered as (a source may hand out records whose rev is only
        # worked out when one is shown): applied once per rendered record.
        self._revise = revise
        # The rev a record without one is shown with. A stub reads a handful of fields, so it
        # takes the rev as a value instead of a revised copy of the whole record.
        self._rev_of = rev_of
        # The rev of a link the source cannot resolve (a bare record of its class and id);
        # by default ``rev_of`` of such a record.
        self._bare_rev_of = bare_rev
        # What _kept worked out, by (class, build): (source version, list, value).
        self._derived: dict[Any, tuple[int | None, object, object]] = {}

    @property
    def source(self) -> RecordSource:
        """Where linked and related records are looked up."""
        return self._source

    # -- entry points -----------------------------------------------------------------------

    def full(self, record: Record) -> dict[str, Any]:
        """The full record, as ``get*``, ``new*``, ``edit*`` and non-stub finds return it."""
        cls = type(record)
        layout = _FULL.get(cls, _named_full)
        if self._rev_of is not None and (record.rev is UNSET or record.rev is None):
            # A layout that reads a few keys takes the rev as a value, as stubs do (it reads
            # the rev from its base, never from the record).
            partial = full_base(cls, record, self._rev_of(record))
            if partial is not None:
                return self._finish(record, layout(self, record, partial))
        record = self.revised(record)
        base = full_base(cls, record)
        if base is None:
            base = record_to_rpc(legacy_points(record))
        return self._finish(record, layout(self, record, base))

    def stub(self, record: Record) -> dict[str, Any]:
        """The stub, as ``find*`` returns it and as records embed each other."""
        cls = type(record)
        layout = _STUB.get(cls, _named_stub)
        if self._rev_of is not None and (record.rev is UNSET or record.rev is None):
            # No stub layout reads the record's rev but through its base (the head).
            return self._finish(
                record, layout(self, record, stub_base(cls, record, self._rev_of(record)))
            )
        record = self.revised(record)
        return self._finish(record, layout(self, record, stub_base(cls, record)))

    def revised(self, record: R) -> R:
        """``record`` as it is rendered (with the rev its source gives it)."""
        if self._revise is None:
            return record
        revised = self._revise(record)
        assert isinstance(revised, type(record))
        return revised

    def link(self, ref: object, **extra: Any) -> dict[str, Any] | None:
        """The stub of a linked record (null for no link), with ``extra`` keys appended."""
        if not isinstance(ref, Ref):
            return None
        record = self.resolve(ref)
        if record is None:
            # A dangling link still renders as something a client can read: with the rev a
            # source that gives revs gives a bare record of it (every legacy stub has one).
            out: dict[str, Any] = {"stub": True, "id": ref.id}
            rev = self._bare_rev(ref)
            if rev is not None:
                out["rev"] = rev
            out["entityType"] = _rpc_type(ref)
            if isinstance(ref.name, str):
                out["name"] = ref.name
        else:
            out = self.stub(record)
        out.update(extra)
        return out

    def _bare_rev(self, ref: Ref) -> str | None:
        if self._rev_of is None or not isinstance(ref.id, int):
            return None
        try:
            cls = entity_class(ref.entity)
        except LookupError:
            return None
        if self._bare_rev_of is not None:
            return self._bare_rev_of(cls, ref.id)
        return self._rev_of(cls(id=ref.id))

    def links(self, refs: Iterable[Ref], **extra: Any) -> list[dict[str, Any]]:
        """Stubs of several links."""
        return [stub for ref in refs if (stub := self.link(ref, **extra)) is not None]

    def resolve(self, ref: Ref) -> Record | None:
        """The live (or trashed) record a link points at."""
        if not isinstance(ref.id, int):
            return None
        try:
            cls = entity_class(ref.entity)
        except LookupError:
            return None
        return self._source.find(cls, ref.id) or self._source.trashed(cls, ref.id)

    def now(self) -> datetime:
        """The source's clock."""
        return self._source.now()

    def _finish(self, record: Record, out: dict[str, Any]) -> dict[str, Any]:
        if isinstance(record.deleted_time, datetime):
            out["deletedTime"] = value_to_rpc(record.deleted_time)
        return out

    # -- shared pieces ----------------------------------------------------------------------

    def head(self, base: Mapping[str, Any], *, stub: bool = False) -> dict[str, Any]:
        """``id, entityType, rev, modifiedTime, createdTime`` (stubs: ``stub, id, rev, ...``)."""
        get = base.get
        if stub:
            return {
                "stub": True,
                "id": get("id"),
                "rev": get("rev"),
                "entityType": get("entityType"),
                "modifiedTime": get("modifiedTime"),
                "createdTime": get("createdTime"),
            }
        return {
            "id": get("id"),
            "entityType": get("entityType"),
            "rev": get("rev"),
            "modifiedTime": get("modifiedTime"),
            "createdTime": get("createdTime"),
        }

    def html_url(self, path: str) -> str:
        """An app URL on the configured host."""
        return f"https://{self._host}{path}"

    def id_name(self, ref: object) -> dict[str, Any] | None:
        """``{id, name}``: how accounts embed their industry and type, contacts a territory."""
        if not isinstance(ref, Ref):
            return None
        record = self.resolve(ref)
        name = getattr(record, "name", ref.name) if record is not None else ref.name
        return {"id": ref.id, "name": name if isinstance(name, str) else None}

    def note_stubs(self, record: Record) -> list[dict[str, Any]]:
        """A record's notes as lead and contact records embed them."""
        return [{"stub": True, **_note_body(self, n)} for n in notes_of(self._source, record)]

    def lead_value(self, lead: Lead) -> Money | None:
        """The lead's value; none when it is unset or zero."""
        value = lead.value if isinstance(lead.value, Money) else None
        if value is None or value.amount is None or value.amount == 0:
            return None
        return value

    def lead_completion(self, lead: Lead) -> int:
        """How far along the pipeline the lead is, in percent."""
        if lead.status is LeadStatus.WON:
            return 100
        if isinstance(lead.completion, int):
            return lead.completion
        stage = self.resolve(lead.stage) if isinstance(lead.stage, Ref) else None
        pipeline = stage.stageset if isinstance(stage, Stage) else None
        if not isinstance(stage, Stage) or not isinstance(pipeline, Ref):
            return 0
        count = self._stage_counts().get(pipeline.id, 0)
        position = stage.position if isinstance(stage.position, int) else 1
        return round(100 * (position - 1) / count) if count else 0

    def _kept(self, cls: type[R], build: Callable[[Sequence[R]], _T]) -> _T:
        """``build`` of every ``cls`` record of the source, worked out once while the source
        stays the same: a source with a ``version`` (the emulator's store) is asked for the
        list again only when its version changes; another source (a bridge view) while it
        hands out the same list object (held here, so that its identity stays its own).

        Derived fields of a list of records (each lead's next step, last contact, pipeline
        position) would otherwise scan every activity, task or stage once per record.
        """
        key = (cls, build)
        kept = self._derived.get(key)
        version = getattr(self._source, "version", None)
        if isinstance(version, int):
            if kept is not None and kept[0] == version:
                return cast(_T, kept[2])
            value = build(self._source.all(cls))
            self._derived[key] = (version, None, value)
            return value
        listed = self._source.all(cls)
        if kept is not None and kept[1] is listed:
            return cast(_T, kept[2])
        value = build(listed)
        self._derived[key] = (None, listed, value)
        return value

    def _stage_counts(self) -> dict[Any, int]:
        """Stages per pipeline id."""
        return self._kept(Stage, _stage_counts)

    def lead_activities(self, lead_id: int) -> Sequence[Activity]:
        """Activities linked to a lead (as :func:`lead_activities`, from an index)."""
        return self._kept(Activity, _activities_by_lead).get(lead_id, ())

    def lead_overdue(self, lead: Lead) -> bool:
        """Open and past its due time (or flagged overdue by whoever wrote it)."""
        return lead_overdue(lead, self.now())

    def next_step_due(self, lead: Lead) -> datetime | None:
        """The earliest scheduled activity or open task on the lead."""
        now = self.now()
        times = [
            a.start_time
            for a in self.lead_activities(_id(lead.id))
            if isinstance(a.start_time, datetime)
            and activity_status(a, now) in (ActivityStatus.SCHEDULED, ActivityStatus.OVERDUE)
        ]
        times += [
            t.due_time
            for t in self._kept(Task, _open_tasks_by_parent).get((lead.entity, lead.id), ())
            if isinstance(t.due_time, datetime)
        ]
        return min(times, default=None)

    def last_contacted(self, record: Lead | Contact | Account) -> Any:
        """The stored time, else the latest logged activity with the record in it."""
        if isinstance(record.last_contacted_time, datetime):
            return value_to_rpc(record.last_contacted_time)
        latest = self._kept(Activity, _last_logged).get((record.entity, record.id))
        return value_to_rpc(latest) if latest is not None else None


# -- indexes of a source's records (built by Presenter._kept) -----------------------------------


def _stage_counts(stages: Sequence[Stage]) -> dict[Any, int]:
    counts: dict[Any, int] = {}
    for stage in stages:
        if isinstance(stage.stageset, Ref):
            counts[stage.stageset.id] = counts.get(stage.stageset.id, 0) + 1
    return counts


def _activities_by_lead(activities: Sequence[Activity]) -> dict[Any, list[Activity]]:
    """Each lead id's activities, in the source's order (an activity once per lead)."""
    found: dict[Any, list[Activity]] = {}
    for activity in activities:
        for lead_id in dict.fromkeys(r.id for r in _refs(activity.leads)):
            found.setdefault(lead_id, []).append(activity)
    return found


def _open_tasks_by_parent(tasks: Sequence[Task]) -> dict[tuple[str, Any], list[Task]]:
    """The tasks not completed, by the (entity, id) of the record they are related to."""
    found: dict[tuple[str, Any], list[Task]] = {}
    for task in tasks:
        if isinstance(task.related, Ref) and not isinstance(task.completed_time, datetime):
            found.setdefault((task.related.entity, task.related.id), []).append(task)
    return found


def _last_logged(activities: Sequence[Activity]) -> dict[tuple[str, Any], datetime]:
    """The latest start of a logged activity each record (entity, id) is in, as a
    participant or a lead."""
    latest: dict[tuple[str, Any], datetime] = {}
    for activity in activities:
        start = activity.start_time
        if activity.status is not ActivityStatus.LOGGED or not isinstance(start, datetime):
            continue
        for ref in (*_refs(activity.participants), *_refs(activity.leads)):
            if isinstance(ref, Ref):
                key = (ref.entity, ref.id)
                if key not in latest or start > latest[key]:
                    latest[key] = start
    return latest


#: Full layouts by class, gathered from the families' tables (a class none of them names
#: renders with the plain named layout).
_FULL: Mapping[type[Record], Layout] = {
    **_LEAD_FULL,
    **_CONTACT_FULL,
    **_ACTIVITY_FULL,
    **_NAMED_FULL,
    **_REFERENCE_FULL,
    **_EMAIL_FULL,
}

#: Stub layouts by class, likewise.
_STUB: Mapping[type[Record], Layout] = {
    **_LEAD_STUB,
    **_CONTACT_STUB,
    **_ACTIVITY_STUB,
    **_NAMED_STUB,
    **_REFERENCE_STUB,
    **_EMAIL_STUB,
}
