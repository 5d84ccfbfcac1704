"""Render model records in the shapes the JSON-RPC API returns them.

The layouts below copy the recorded responses (``tests/fixtures/rpc``): which keys a full
record and a stub carry, in which order, and which keys Nutshell leaves out rather than sending
null. Typed values (times as ``2016-11-11T15:59:00+0000``, multi-value maps with
``--primary``, money, contact name parts, status integers) are spelled by the RPC converter
(:func:`nutshell_rpc.convert.record_to_rpc` / :func:`~nutshell_rpc.convert.value_to_rpc`);
this module only chooses the keys and adds what Nutshell computes (``activitiesCount``,
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
note names its parent) and the other side is derived here (a contact's ``leads``, an
account's ``contacts``, a record's ``notes``): both fronts and every writer then agree.

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

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar, runtime_checkable

import attrs

from nutshell_core.model import (
    DEFAULT_POINT_LABELS,
    UNSET,
    Account,
    AccountType,
    Activity,
    ActivityStatus,
    ActivityType,
    Competitor,
    Contact,
    Industry,
    Lead,
    LeadStatus,
    Market,
    Money,
    Note,
    Outcome,
    PersonName,
    Product,
    ProductMap,
    Record,
    Ref,
    Source,
    Stage,
    Stageset,
    Tag,
    Task,
    Team,
    Territory,
    User,
    entity_class,
)
from nutshell_rpc._names import split_person_name
from nutshell_rpc.convert import record_to_rpc, value_to_rpc
from nutshell_rpc.inputs import note_html
from nutshell_rpc.layout_bases import full_base, stub_base
from nutshell_rpc.reference_shapes import FULL_LAYOUTS as _REFERENCE_FULL
from nutshell_rpc.reference_shapes import STUB_LAYOUTS as _REFERENCE_STUB
from nutshell_rpc.shapes_email import EMAIL_SOURCE_DEPENDENT
from nutshell_rpc.shapes_email import FULL_LAYOUTS as _EMAIL_FULL
from nutshell_rpc.shapes_email import STUB_LAYOUTS as _EMAIL_STUB

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
    "legacy_points",
    "money_total",
    "notes_of",
    "product_lines",
    "slug",
    "split_person_name",
]

R = TypeVar("R", bound=Record)


@runtime_checkable
class RecordSource(Protocol):
    """Where linked and related records come from: the emulator's store, or the bridge's view
    of what REST returned.

    The presenter only reads. A source may hold a subset of the records: links to records it
    lacks render from the link itself, and keys computed by scanning (see
    :data:`SOURCE_DEPENDENT_FIELDS`) are only as complete as the source.
    ``nutshell_emulator.store.Store`` satisfies this protocol structurally.
    """

    def find(self, cls: type[R], record_id: int, /) -> R | None:
        """The live record of class ``cls`` with this id, or None when the source lacks it."""
        ...

    def trashed(self, cls: type[R], record_id: int, /) -> R | None:
        """The deleted (trashed) record of class ``cls`` with this id, or None."""
        ...

    def all(self, cls: type[R], /) -> Sequence[R]:
        """Every live record of class ``cls`` the source holds, in id order."""
        ...

    def now(self) -> datetime:
        """The current time, for computed keys (overdue activities and leads)."""
        ...


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

_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """The URL slug Nutshell puts after an id (``7-test-account-hull-1``)."""
    return _SLUG.sub("-", text.lower()).strip("-")


def _id(value: object) -> int:
    assert isinstance(value, int)
    return value


def _refs(value: object) -> tuple[Ref, ...]:
    return value if isinstance(value, tuple) else ()


def _same(ref: object, record: Record) -> bool:
    return isinstance(ref, Ref) and ref.entity == record.entity and ref.id == record.id


# -- contact points -----------------------------------------------------------------------------

_POINT_ATTRS = ("emails", "phones", "urls", "addresses")


def legacy_points(record: Record) -> Record:
    """``record`` with its contact points labelled as the legacy API keys them.

    REST names a value that has no label by its kind (``{"name": "email"}``, ``"url"``,
    ``"phone"``, ``"address"``: :data:`~nutshell_core.model.DEFAULT_POINT_LABELS`), and a REST
    client writing back what it read stores that name; the legacy API keys an unlabelled value
    by its position (``{"0": ..., "--primary": ...}``). So a value labelled with its kind's
    default is unlabelled here, whichever API wrote it or read it: this is the one place the
    legacy label is decided.
    """
    if not isinstance(record, Contact | Account):
        return record  # a user's emails are plain strings: no labels to read
    changes: dict[str, Any] = {}
    for name in _POINT_ATTRS:
        points = getattr(record, name, UNSET)
        if not isinstance(points, tuple):
            continue
        relabelled = tuple(
            attrs.evolve(p, label=UNSET)
            if type(p) in DEFAULT_POINT_LABELS and p.label == DEFAULT_POINT_LABELS[type(p)]
            else p
            for p in points
        )
        if relabelled != points:
            changes[name] = relabelled
    return attrs.evolve(record, **changes) if changes else record


# -- derived links ------------------------------------------------------------------------------
# One side of each relation is stored; these read both directions from it. The other side is
# found by scanning the source, so it is only as complete as the source.


def lead_accounts(lead: Lead) -> list[Ref]:
    """The lead's accounts: the primary one first, then the others.

    Both APIs read a lead's accounts in this order: the legacy API shows the first as
    ``primaryAccount`` and the rest as ``accounts``; REST lists them all in ``links.accounts``
    (see the emulator's assumptions, "Primary account").
    """
    out = [lead.primary_account] if isinstance(lead.primary_account, Ref) else []
    out += [ref for ref in _refs(lead.accounts) if all(ref.id != o.id for o in out)]
    return out


def contact_leads(source: RecordSource, contact: Contact) -> list[Ref]:
    """Leads the contact is on (links kept on the lead, plus any the contact lists itself)."""
    found = []
    for lead in source.all(Lead):
        link = _link_of(lead.contacts, contact)
        if link is not None:
            found.append(Ref(entity="Lead", id=lead.id, relationship=link.relationship))
    return _merge(found, _refs(contact.leads))


def account_leads(source: RecordSource, account: Account) -> list[Ref]:
    """Leads the account is on, as primary account or as another account."""
    found = [
        Ref(entity="Lead", id=lead.id)
        for lead in source.all(Lead)
        if any(ref.id == account.id for ref in lead_accounts(lead))
    ]
    return _merge(found, _refs(account.leads))


def account_contacts(source: RecordSource, account: Account) -> list[Ref]:
    """The account's contacts (links kept on the contact), with the contact's relationship."""
    found = []
    for contact in source.all(Contact):
        link = _link_of(contact.accounts, account)
        if link is not None:
            found.append(Ref(entity="Contact", id=contact.id, relationship=link.relationship))
    return _merge(found, _refs(account.contacts))


def contact_accounts(source: RecordSource, contact: Contact) -> list[Ref]:
    """The contact's accounts: its own links plus accounts that list it."""
    listed = [
        Ref(entity="Account", id=account.id)
        for account in source.all(Account)
        if _link_of(account.contacts, contact) is not None
    ]
    return _merge(list(_refs(contact.accounts)), listed)


def product_lines(source: RecordSource, lead: Lead) -> list[Ref]:
    """The lead's products: its own links, each with the product map that holds its quantity
    and price when a REST writer stored one apart, plus maps the lead does not link."""
    maps: dict[int | object, ProductMap] = {}
    for item in source.all(ProductMap):
        product = item.product if isinstance(item.product, Ref) else None
        if product is not None and _same(item.lead, lead):
            maps.setdefault(product.id, item)
    lines = []
    for link in _refs(lead.products):
        mapping = maps.pop(link.id, None)
        if mapping is not None and not isinstance(link.record, ProductMap):
            link = attrs.evolve(link, record=mapping)  # noqa: PLW2901 - the line, completed
        lines.append(link)
    for product_id, item in maps.items():
        if isinstance(product_id, int):
            lines.append(Ref(entity="Product", id=product_id, name=item.name, record=item))
    return lines


def lead_activities(source: RecordSource, lead_id: int) -> list[Activity]:
    """Activities linked to a lead."""
    return [a for a in source.all(Activity) if any(r.id == lead_id for r in _refs(a.leads))]


def notes_of(source: RecordSource, record: Record) -> list[Note]:
    """Live notes whose parent is ``record`` (plus any the record lists), oldest first."""
    notes = {_id(n.id): n for n in source.all(Note) if _same(n.parent, record)}
    for ref in _refs(getattr(record, "notes", ())):
        note = source.find(Note, _id(ref.id)) if isinstance(ref.id, int) else None
        if note is not None:
            notes.setdefault(_id(note.id), note)
    return sorted(notes.values(), key=lambda n: _id(n.id))


def activity_status(activity: Activity, now: datetime) -> ActivityStatus:
    """The status Nutshell reports: a scheduled activity whose end has passed is overdue."""
    status = activity.status if isinstance(activity.status, ActivityStatus) else None
    if status in (None, ActivityStatus.SCHEDULED):
        end = activity.end_time if isinstance(activity.end_time, datetime) else None
        return ActivityStatus.OVERDUE if end is not None and end < now else ActivityStatus.SCHEDULED
    assert status is not None
    return status


def _link_of(refs: object, record: Record) -> Ref | None:
    return next((ref for ref in _refs(refs) if ref.id == record.id), None)


def _merge(first: list[Ref], second: Iterable[Ref]) -> list[Ref]:
    out = list(first)
    for ref in second:
        if all(ref.id != o.id for o in out):
            out.append(ref)
    return out


# -- the presenter ------------------------------------------------------------------------------

_Layout = Callable[["Presenter", Record, dict[str, Any]], dict[str, Any]]


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
    ) -> None:
        self._source = source
        self._host = host
        # What a record is rendered as (a source may hand out records whose rev is only
        # worked out when one is shown): applied once per rendered record.
        self._revise = revise
        # The rev a record without one is shown with. A stub reads a handful of fields, so it
        # takes the rev as a value instead of a revised copy of the whole record.
        self._rev_of = rev_of
        self._counted: tuple[Sequence[Stage], dict[Any, int]] | None = None

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
            # A dangling link still renders as something a client can read.
            out: dict[str, Any] = {"stub": True, "id": ref.id, "entityType": _rpc_type(ref)}
            if isinstance(ref.name, str):
                out["name"] = ref.name
        else:
            out = self.stub(record)
        out.update(extra)
        return out

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

    def _stage_counts(self) -> dict[Any, int]:
        """Stages per pipeline id, counted once per list of stages the source hands out (a
        source that keeps its list, as a rendering's view does, is counted once)."""
        stages = self._source.all(Stage)
        kept = self._counted
        if kept is not None and kept[0] is stages:
            return kept[1]
        counts: dict[Any, int] = {}
        for stage in stages:
            if isinstance(stage.stageset, Ref):
                counts[stage.stageset.id] = counts.get(stage.stageset.id, 0) + 1
        self._counted = (stages, counts)  # the list is held, so its identity stays its own
        return counts

    def lead_overdue(self, lead: Lead) -> bool:
        """Open and past its due time (or flagged overdue by whoever wrote it)."""
        if lead.is_overdue is True:
            return True
        due = lead.due_time if isinstance(lead.due_time, datetime) else None
        return due is not None and lead.status is LeadStatus.OPEN and due < self.now()

    def next_step_due(self, lead: Lead) -> datetime | None:
        """The earliest scheduled activity or open task on the lead."""
        now = self.now()
        times = [
            a.start_time
            for a in lead_activities(self._source, _id(lead.id))
            if isinstance(a.start_time, datetime)
            and activity_status(a, now) in (ActivityStatus.SCHEDULED, ActivityStatus.OVERDUE)
        ]
        times += [
            t.due_time
            for t in self._source.all(Task)
            if _same(t.related, lead)
            and isinstance(t.due_time, datetime)
            and not isinstance(t.completed_time, datetime)
        ]
        return min(times, default=None)

    def last_contacted(self, record: Lead | Contact | Account) -> Any:
        """The stored time, else the latest logged activity with the record in it."""
        if isinstance(record.last_contacted_time, datetime):
            return value_to_rpc(record.last_contacted_time)
        times = [
            a.start_time
            for a in self._source.all(Activity)
            if a.status is ActivityStatus.LOGGED
            and isinstance(a.start_time, datetime)
            and (
                any(_same(r, record) for r in _refs(a.participants))
                or any(_same(r, record) for r in _refs(a.leads))
            )
        ]
        latest = max(times, default=None)
        return value_to_rpc(latest) if latest is not None else None


def _rpc_type(ref: Ref) -> str:
    try:
        return entity_class(ref.entity).rpc_type
    except LookupError:
        return ref.entity


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` unless the value is empty: the keys Nutshell leaves out when empty."""
    if value is not None and value not in ({}, []):
        out[key] = value


def _money(money: Money) -> Any:
    """Money as the converter spells it; Nutshell always names the currency (USD by default)."""
    if not isinstance(money.currency, str):
        money = Money(amount=money.amount, currency="USD")
    return value_to_rpc(money)


def _text(value: object, default: str | None = None) -> str | None:
    return value if isinstance(value, str) else default


# -- leads --------------------------------------------------------------------------------------


def _lead_name(lead: Lead) -> str:
    number = lead.number if isinstance(lead.number, str) and lead.number else lead.id
    return f"Lead–{number}"  # an EN DASH, as Nutshell writes it


def _lead_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, Lead)
    lead = record
    number = lead.number if isinstance(lead.number, str) and lead.number else str(lead.id)
    value = p.lead_value(lead)
    money = _money(value) if value is not None else None
    now = p.now()
    counts = {"0": 0, "1": 0, "2": 0, "-1": 0}
    for activity in lead_activities(p.source, _id(lead.id)):
        counts[str(int(activity_status(activity, now)))] += 1
    out = p.head(base)
    out.update(
        name=_lead_name(lead),
        description=_text(lead.description, ""),
        htmlUrl=p.html_url(f"/lead/{number}"),
        htmlUrlPath=f"/lead/{number}",
        avatarUrl=p.html_url(f"/avatar/leads/v1/0/{lead.id}"),
        creator=p.link(lead.creator),
        primaryAccount=_primary_account(p, lead),
        milestone=p.link(lead.stage),
        stageset=p.link(lead.stageset),
        activitiesCount=counts,
        status=base.get("status", 0),
        confidence=base.get("confidence") or 0,
        completion=p.lead_completion(lead),
        urgency="0",
        isOverdue=p.lead_overdue(lead),
        lastContactedDate=p.last_contacted(lead),
        market=p.link(lead.market),
        assignee=p.link(lead.owner),
        sources=p.links(_refs(lead.sources)),
        competitors=[
            _with(p.link(ref), relationship=_rel(ref), status=0) for ref in _refs(lead.competitors)
        ],
        products=[_lead_product(p, ref) for ref in product_lines(p.source, lead)],
        contacts=[_lead_contact(p, ref) for ref in _refs(lead.contacts)],
        # The first of the lead's accounts is its primary one, shown apart (recordings show
        # "accounts": [] beside a primary account): the others are listed here.
        accounts=[_lead_account(p, ref) for ref in lead_accounts(lead)[1:]],
        tags=base.get("tags", []),
        mergedWith=None,
        mergedInto=[],
        clonedFrom=None,
        priority=base.get("priority") or 0,
        channels=[],
    )
    _put(out, "dueTime", base.get("dueTime"))
    next_due = p.next_step_due(lead)
    _put(out, "nextStepDueTime", value_to_rpc(next_due) if next_due is not None else None)
    _put(out, "outcome", p.full(o) if (o := _resolved(p, lead.outcome)) is not None else None)
    _put(out, "closedTime", base.get("closedTime"))
    _put(out, "value", money)
    _put(out, "normalizedValue", money)
    _put(out, "customFields", base.get("customFields"))
    out["processes"] = _processes(p, lead, out["rev"])
    out["notes"] = p.note_stubs(lead)
    _put(out, "estimatedValue", money)
    return out


def _resolved(p: Presenter, ref: object) -> Record | None:
    return p.resolve(ref) if isinstance(ref, Ref) else None


def _rel(ref: Ref) -> str | None:
    return ref.relationship if isinstance(ref.relationship, str) else None


def _with(stub: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    return {**(stub or {}), **extra}


def _lead_product(p: Presenter, ref: Ref) -> dict[str, Any]:
    mapping = ref.record if isinstance(ref.record, ProductMap) else None
    product = p.resolve(ref)
    price = mapping.price if mapping is not None else UNSET
    if not isinstance(price, Money) and isinstance(product, Product):
        price = product.price
    quantity = mapping.quantity if mapping is not None else UNSET
    return _with(
        p.link(ref),
        relationship=_rel(ref),
        price=_money(price) if isinstance(price, Money) else None,
        # REST keeps quantities as fractions (2.0); the legacy API shows whole ones as integers.
        quantity=_whole(quantity) if isinstance(quantity, int | float) else 1,
    )


def _whole(number: float) -> int | float:
    return int(number) if isinstance(number, float) and number.is_integer() else number


def _lead_contact(p: Presenter, ref: Ref) -> dict[str, Any]:
    contact = p.resolve(ref)
    description = contact.description if isinstance(contact, Contact) else None
    # Every recording shows the contact's description as the relationship when none was set.
    relationship = _rel(ref) or _text(description)
    return _with(p.link(ref), description=_text(description), relationship=relationship)


def _primary_account(p: Presenter, lead: Lead) -> dict[str, Any] | None:
    # A lead with accounts but none named primary shows its first (as its stub names it).
    ordered = lead_accounts(lead)
    if not ordered:
        return None
    ref = ordered[0]
    return _lead_account(p, next((r for r in _refs(lead.accounts) if r.id == ref.id), ref))


def _lead_account(p: Presenter, ref: Ref) -> dict[str, Any]:
    # As for contacts: the recordings show the account's description when no role was set.
    relationship = _rel(ref) or _text(getattr(p.resolve(ref), "description", None))
    return _with(p.link(ref), relationship=relationship)


def _processes(p: Presenter, lead: Lead, rev: object) -> list[dict[str, Any]]:
    """Nutshell's process on the lead's pipeline (a legacy view of stageset and stage)."""
    pipeline = _resolved(p, lead.stageset)
    if not isinstance(pipeline, Stageset):
        return []
    stage_id = lead.stage.id if isinstance(lead.stage, Ref) else None
    return [
        {
            "stub": True,
            "id": lead.id,
            "rev": rev,
            "entityType": "Processes",
            "name": pipeline.name,
            "type": "0",
            "startedTime": value_to_rpc(lead.created_time) if lead.created_time else None,
            # Processes are a legacy view: the recorded won lead's process was never closed.
            "closedTime": None,
            "currentMilestoneId": str(stage_id) if stage_id is not None else None,
            "processTemplateId": str(pipeline.id),
        }
    ]


def _linked_name(p: Presenter, ref: Ref | None) -> str | None:
    """The linked record's name; the link's own name when the source lacks the record."""
    if ref is None:
        return None
    record = p.resolve(ref)
    return _text(getattr(record, "name", None) if record is not None else ref.name)


def _lead_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, Lead)
    lead = record
    value = p.lead_value(lead)
    # The first of lead_accounts(lead), without listing the rest.
    primary = lead.primary_account
    if not isinstance(primary, Ref):
        primary = next(iter(_refs(lead.accounts)), None)
    contacts = _refs(lead.contacts)
    out = p.head(base, stub=True)
    out.update(
        name=_lead_name(lead),
        description=_text(lead.description, ""),
        status=base.get("status", 0),
        completion=p.lead_completion(lead),
        value=_money(value) if value is not None else None,
        primaryAccountName=_linked_name(p, primary),
        primaryContactName=_linked_name(p, contacts[0] if contacts else None),
        isOverdue=p.lead_overdue(lead),
        lastContactedDate=p.last_contacted(lead),
    )
    _put(out, "dueTime", base.get("dueTime"))
    next_due = p.next_step_due(lead)
    _put(out, "nextStepDueTime", value_to_rpc(next_due) if next_due is not None else None)
    _put(out, "closedTime", base.get("closedTime"))
    return out


# -- contacts and accounts ----------------------------------------------------------------------


def _person_name(contact: Contact) -> PersonName:
    if isinstance(contact.person_name, PersonName):
        person = contact.person_name
    else:
        person = split_person_name(_text(contact.name, "") or "")
    display = person.display if isinstance(person.display, str) else _text(contact.name, "")
    return PersonName(
        given=_text(person.given, ""),
        family=_text(person.family, ""),
        salutation=_text(person.salutation, ""),
        display=display,
    )


def _multi_values(out: dict[str, Any], base: Mapping[str, Any]) -> None:
    for key in ("email", "phone", "url", "address"):
        _put(out, key, base.get(key))


def _contact_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, Contact)
    contact = record
    person = _person_name(contact)
    display = person.display if isinstance(person.display, str) else ""
    logged = [
        a
        for a in p.source.all(Activity)
        if a.status is ActivityStatus.LOGGED
        and any(_same(r, contact) for r in _refs(a.participants))
    ]
    out = p.head(base)
    out.update(
        name=value_to_rpc(person),
        htmlUrl=p.html_url(f"/person/{contact.id}-{slug(display)}"),
        creator=p.link(contact.creator),
        owner=p.link(contact.owner),
        leads=p.links(contact_leads(p.source, contact)),
        accounts=[p.link(r, relationship=_rel(r)) for r in contact_accounts(p.source, contact)],
        notes=p.note_stubs(contact),
        lastContactedDate=p.last_contacted(contact),
        contactedCount=len(logged),
        tags=base.get("tags", []),
        description=_text(contact.description),
    )
    _put(out, "jobTitle", base.get("jobTitle") or None)
    _put(out, "territory", p.id_name(contact.territory))
    _put(out, "customFields", base.get("customFields"))
    _multi_values(out, base)
    return out


def _contact_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, Contact)
    out = p.head(base, stub=True)
    out.update(name=_text(record.name, ""), jobTitle=_text(record.job_title, ""))
    return out


def _regions(account: Account) -> list[str]:
    regions = []
    for address in account.addresses if isinstance(account.addresses, tuple) else ():
        parts = [_text(address.city), _text(address.state)]
        text = ", ".join(part for part in parts if part)
        if text and text not in regions:
            regions.append(text)
    return regions


def _account_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, Account)
    account = record
    name = _text(account.name, "") or ""
    out = p.head(base)
    out.update(
        name=name,
        htmlUrl=p.html_url(f"/company/{account.id}-{slug(name)}"),
        accountType=p.id_name(account.account_type),
        industry=p.id_name(account.industry),
        creator=p.link(account.creator),
        owner=p.link(account.owner),
        tags=base.get("tags", []),
        lastContactedDate=p.last_contacted(account),
        contacts=[p.link(r, relationship=_rel(r)) for r in account_contacts(p.source, account)],
        description=_text(account.description),
    )
    _put(out, "territory", p.id_name(account.territory))
    _put(out, "customFields", base.get("customFields"))
    _multi_values(out, base)
    out["notes"] = p.note_stubs(account)
    out["leads"] = p.links(account_leads(p.source, account))
    return out


def _account_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, Account)
    out = p.head(base, stub=True)
    out.update(
        name=_text(record.name, ""),
        regions=_regions(record),
        relationship=None,
        description=_text(record.description),
    )
    return out


# -- activities, notes, tasks -------------------------------------------------------------------


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


# -- products, users, pipelines, reference data -------------------------------------------------


def _product_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, Product)
    markets = p.source.all(Market)
    prices = []
    if isinstance(record.price, Money):
        price: dict[str, Any] = {"price": _money(record.price)}
        if markets:
            price = {"marketId": markets[0].id, **price}
        prices.append(price)
    out = p.head(base)
    out.update(
        name=_text(record.name, ""),
        type=base.get("type", "0"),
        sku=_text(record.sku),
        unit=_text(record.unit),
        prices=prices,
    )
    return out


def _product_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    out = p.head(base, stub=True)
    out["name"] = base.get("name", "")
    return out


def _user_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, User)
    out = p.head(base)
    out.update(
        name=base.get("name", ""),
        firstName=base.get("firstName"),
        lastName=base.get("lastName"),
        emails=base.get("emails", []),
        isEnabled=record.is_enabled is not False,
        isAdministrator=record.is_administrator is True,
        teams={"viewOwn": [], "viewTeam": p.links(_refs(record.teams)), "viewAll": []},
    )
    return out


def _user_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    assert isinstance(record, User)
    out = p.head(base, stub=True)
    out.update(
        name=base.get("name", ""),
        emails=base.get("emails", []),
        isEnabled=record.is_enabled is not False,
        isAdministrator=record.is_administrator is True,
    )
    return out


def _team_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    out = p.head(base)
    out["name"] = base.get("name", "")
    members = [u for u in p.source.all(User) if any(_same(t, record) for t in _refs(u.teams))]
    out["users"] = [p.stub(u) for u in members]
    return out


def _stage_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    return {k: base.get(k) for k in ("id", "entityType", "rev", "name", "position", "stagesetId")}


def _stage_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    return {"stub": True, **{k: base.get(k) for k in ("id", "rev", "entityType", "name")}}


def _stageset_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    out = {k: base.get(k) for k in ("id", "entityType", "modifiedTime", "name")}
    out.update(default=base.get("default", 0), position=base.get("position", 0))
    return out


def _stageset_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    return {"stub": True, **{k: base.get(k) for k in ("id", "entityType", "modifiedTime", "name")}}


def _outcome_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    return {k: base.get(k) for k in ("id", "entityType", "rev", "description", "type")}


def _named_full(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    out = p.head(base)
    out["name"] = base.get("name", "")
    return out


def _named_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    out = p.head(base, stub=True)
    del out["modifiedTime"], out["createdTime"]
    out["name"] = base.get("name", "")
    return out


def _touched_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    """Stubs that carry ``modifiedTime`` but no ``createdTime`` (sources, competitors...)."""
    out = p.head(base, stub=True)
    del out["createdTime"]
    out["name"] = base.get("name", "")
    return out


def _dated_stub(p: Presenter, record: Record, base: dict[str, Any]) -> dict[str, Any]:
    """Stubs with both times (teams)."""
    out = p.head(base, stub=True)
    out["name"] = base.get("name", "")
    return out


_FULL: Mapping[type[Record], _Layout] = {
    Lead: _lead_full,
    Contact: _contact_full,
    Account: _account_full,
    Activity: _activity_full,
    Note: _note_full,
    Task: _task_full,
    Product: _product_full,
    User: _user_full,
    Team: _team_full,
    Stage: _stage_full,
    Stageset: _stageset_full,
    Outcome: _outcome_full,
    **_REFERENCE_FULL,
    **_EMAIL_FULL,
}

_STUB: Mapping[type[Record], _Layout] = {
    Lead: _lead_stub,
    Contact: _contact_stub,
    Account: _account_stub,
    Activity: _activity_stub,
    Note: _note_stub,
    Task: _task_stub,
    Product: _product_stub,
    User: _user_stub,
    Team: _dated_stub,
    Stage: _stage_stub,
    Stageset: _stageset_stub,
    Outcome: _outcome_full,
    Market: _touched_stub,
    Source: _touched_stub,
    Competitor: _touched_stub,
    ActivityType: _named_stub,
    Industry: _named_stub,
    Territory: _named_stub,
    AccountType: _named_stub,
    Tag: _named_stub,
    **_REFERENCE_STUB,
    **_EMAIL_STUB,
}


def money_total(products: Iterable[Ref], currency: str = "USD") -> Money:
    """The sum of a lead's product lines (price times quantity): Nutshell's lead value."""
    total = Decimal(0)
    for ref in products:
        mapping = ref.record if isinstance(ref.record, ProductMap) else None
        if mapping is None or not isinstance(mapping.price, Money):
            continue
        amount = mapping.price.amount if mapping.price.amount is not None else Decimal(0)
        quantity = mapping.quantity if isinstance(mapping.quantity, int | float) else 1
        total += amount * Decimal(str(quantity))
        if isinstance(mapping.price.currency, str):
            currency = mapping.price.currency
    return Money(amount=total, currency=currency)
