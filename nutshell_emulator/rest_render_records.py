"""The REST renderers of the main records: accounts, contacts, leads, activities, notes and
tasks, in the recorded key order.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from nutshell_core.model import (
    Account,
    Activity,
    ActivityStatus,
    Contact,
    Lead,
    LeadStatus,
    Money,
    Note,
    Ref,
    Task,
)
from nutshell_emulator.rest_present_base import _PresenterBase
from nutshell_emulator.rest_relations import CompetitorMap, _Index
from nutshell_emulator.rest_values import (
    COMPETITOR_MAPS,
    Wire,
    _initials,
    _note_html,
    _ref_id,
    _ref_ids,
    _ref_number,
    _set,
    _slug,
    _unique,
    contact_points,
    money,
    rest_type_for,
    stamp_time_object,
    unix,
)
from nutshell_rpc.shapes import lead_accounts, lead_overdue


class _RecordRenderers(_PresenterBase):
    """Renders accounts, contacts, leads, activities, notes and tasks."""

    # -- people and companies --------------------------------------------------------------------

    def _account(self, account: Account, index: _Index) -> Wire:
        parts = self._fixed(account, self._account_parts)
        return parts.render(index.contacts_of_account.get(parts.n))

    def _account_parts(self, account: Account) -> _PartyParts:
        wire_id, rest_type, n = self._head(account)
        name = _set(account.name)
        out: Wire = {
            "id": wire_id,
            "type": rest_type,
            "name": name,
            "description": _set(account.description),
            **contact_points(account),
            "href": self.href(rest_type, wire_id),
            "revenue": None,
            "employeeCount": None,
            "avatarUrl": _set(account.avatar_url) or self._avatar(rest_type, n, account),
            "initials": (name or "")[:1] or None,
            **self._html(f"/company/{n}-{_slug(name)}"),
        }
        if _set(account.deleted_time) is not None:
            out["deletedTime"] = unix(account.deleted_time)
        self._custom(account, out)
        listed = _ref_ids(account.contacts)
        links: Wire = {
            # Every record of these three classes has a creator attribute (see _creator).
            "creator": _ref_id(account.creator),
            "owner": _ref_id(account.owner),
            "territory": _ref_id(account.territory),
            "tags": _ref_ids(account.tags),
            "files": [],
            "relatedFiles": [],
            "followup": None,
            "recurringTask": None,
            "contacts": _unique(listed),
            "accountType": _ref_id(account.account_type),
            "industry": _ref_id(account.industry),
        }
        return _PartyParts(n, out, links, "contacts", listed)

    def _contact(self, contact: Contact, index: _Index) -> Wire:
        parts = self._fixed(contact, self._contact_parts)
        return parts.render(index.accounts_of_contact.get(parts.n))

    def _contact_parts(self, contact: Contact) -> _PartyParts:
        wire_id, rest_type, n = self._head(contact)
        first, last = _set(contact.first_name), _set(contact.last_name)
        name = _set(contact.name) or " ".join(p for p in (first, last) if p) or None
        out: Wire = {
            "id": wire_id,
            "type": rest_type,
            "name": name,
            "description": _set(contact.description),
            **contact_points(contact),
            "jobTitle": _set(contact.job_title),
            "firstName": first,
            "lastName": last,
            "mcfxContactId": None,
            "href": self.href(rest_type, wire_id),
            "avatarUrl": _set(contact.avatar_url) or self._avatar(rest_type, n, contact),
            "initials": _initials(first, last) if first or last else _initials(name),
            **self._html(f"/person/{n}-{_slug(name)}"),
        }
        if _set(contact.deleted_time) is not None:
            out["deletedTime"] = unix(contact.deleted_time)
        self._custom(contact, out)
        listed = _ref_ids(contact.accounts)
        links: Wire = {
            "accounts": _unique(listed),
            "emAudiences": [],
            "creator": _ref_id(contact.creator),
            "owner": _ref_id(contact.owner),
            "territory": _ref_id(contact.territory),
            "tags": _ref_ids(contact.tags),
            "files": [],
            "relatedFiles": [],
            "followup": None,
            "recurringTask": None,
        }
        return _PartyParts(n, out, links, "accounts", listed)

    # -- leads -----------------------------------------------------------------------------------

    def _lead(self, lead: Lead, index: _Index) -> Wire:
        parts = self._fixed(lead, self._lead_parts)
        today = self.today()
        stage = index.stages.get(parts.stage_id) if parts.stage_id is not None else None
        position = _set(stage.position) if stage is not None else None
        position = position if isinstance(position, int) else 0
        pipeline_id = parts.pipeline_id
        stage_count = index.stage_counts.get(pipeline_id, 0) if pipeline_id is not None else 0
        deleted, created, closed, due, contacted = [
            stamp_time_object(stamp, today) for stamp in parts.stamps
        ]
        out = parts.wire.copy()  # a copy keeps the key order: the keys below are set in place
        out["deletedTime"] = deleted
        out["createdTime"] = created
        out["closedTime"] = closed
        out["dueTime"] = due
        # Nutshell shows the same moment twice (recording); the model has only the due time.
        out["anticipatedClosedTime"] = due
        out["isOverdue"] = lead_overdue(lead, self.store.now())
        out["lastContactedTime"] = contacted
        out["pieState"] = f"{position:02d}"
        out["avatarUrl"] = f"{parts.avatar}/{position}/{stage_count}/0"
        links = parts.links.copy()
        maps = index.maps_of_lead.get(parts.n)
        if maps:
            mapped = [i for i in (_ref_id(m.product) for m in maps) if i]
            links["products"] = _unique(parts.products + mapped)
            links["productMaps"] = [f"{m.id}-productMaps" for m in maps]
        out["links"] = links
        return out

    def _lead_parts(self, lead: Lead) -> _LeadParts:
        wire_id, rest_type, n = self._head(lead)
        status = _set(lead.status)
        status = status if isinstance(status, LeadStatus) else LeadStatus.OPEN
        owner = _set(lead.owner)
        number = _set(lead.number)
        products = _ref_ids(lead.products)
        competitors = [r for r in _set(lead.competitors) or () if isinstance(r.id, int)]
        out: Wire = {
            "id": wire_id,
            "type": rest_type,
            "isCurrentUserWatching": False,
            "deletedTime": None,  # the times, pie state and avatar: set by _lead
            "name": _set(lead.name),
            "value": money(lead.value) or money(Money(amount=Decimal(0))),
            "number": number,
            "description": _set(lead.description),
            "createdTime": None,
            "closedTime": None,
            "dueTime": None,
            "anticipatedClosedTime": None,
            "ownerType": rest_type_for(owner.entity) if isinstance(owner, Ref) else "users",
            "mcfxContactIds": [],
            "status": status.rest,
            "lastContactedTime": None,
            "pieState": None,
            "isOverdue": None,  # set by _lead: the clock decides
            "overdueTime": None,
            "href": self.href(rest_type, wire_id),
            "confidence": _set(lead.confidence) or 0,
            "priority": _set(lead.priority) or 0,
            **self._html(f"/lead/{number if number is not None else n}"),
            "avatarUrl": None,
            "initials": None,
        }
        self._custom(lead, out)
        out["links"] = None
        links: Wire = {
            # The primary account first: REST has no other way to say which one it is.
            "accounts": _unique(_ref_ids(lead_accounts(lead))),
            "contacts": _ref_ids(lead.contacts),
            "tags": _ref_ids(lead.tags),
            "sources": _ref_ids(lead.sources),
            "owner": _ref_id(owner),
            "files": [],
            "relatedFiles": [],
            "territory": _ref_id(lead.territory),
            "destinations": [],
            "stage": _ref_id(lead.stage),
            "stageset": _ref_id(lead.stageset),
            "creator": _ref_id(lead.creator),
            # Without product maps (the index's), the lead's own products; see _lead.
            "products": _unique(products),
            "productMaps": [],
            "competitors": _ref_ids(competitors),
            "competitorMaps": [
                f"{CompetitorMap(lead, r).id}-{COMPETITOR_MAPS}" for r in competitors
            ],
            "outcome": _ref_id(lead.outcome),
            "watchers": [],
        }
        if _set(lead.market) is not None:
            links["market"] = _ref_id(lead.market)
        return _LeadParts(
            n=n,
            wire=out,
            links=links,
            stamps=tuple(
                unix(moment)
                for moment in (
                    lead.deleted_time,
                    lead.created_time,
                    lead.closed_time,
                    lead.due_time,
                    lead.last_contacted_time,
                )
            ),
            stage_id=_ref_number(lead.stage),
            pipeline_id=_ref_number(lead.stageset),
            products=products,
            avatar=f"{self.app_url}/avatar/leads/v1/{int(status.is_closed)}",
        )

    # -- activities, notes, tasks ----------------------------------------------------------------

    def _activity(self, activity: Activity, index: _Index) -> Wire:
        wire_id, rest_type, n = self._head(activity)
        status = _set(activity.status)
        status = status if isinstance(status, ActivityStatus) else ActivityStatus.SCHEDULED
        end = _set(activity.end_time)
        overdue = status is ActivityStatus.OVERDUE or (
            status is ActivityStatus.SCHEDULED
            and isinstance(end, datetime)
            and end < self.store.now()
        )
        participants = _set(activity.participants) or ()
        by_type: dict[str, list[str]] = {"Account": [], "Contact": [], "User": []}
        for ref in participants:
            ref_id = _ref_id(ref)
            if ref_id is not None and ref.entity in by_type:
                by_type[ref.entity].append(ref_id)
        logged = status is ActivityStatus.LOGGED
        out: Wire = {
            "id": wire_id,
            "type": rest_type,
            "agenda": _set(activity.description) or "",
            "createdTime": unix(activity.created_time),
            "endTime": unix(end),
            "deletedTime": unix(activity.deleted_time),
            "href": self.href(rest_type, wire_id),
            "isAllDay": bool(_set(activity.is_all_day)),
            "isEditable": True,
            "isCancelled": status is ActivityStatus.CANCELLED,
            "isFlagged": bool(_set(activity.is_flagged)),
            "isLogged": logged,
            "isOverdue": overdue,
            # The model keeps no log time; the last write is when it was logged.
            "loggedTime": unix(activity.modified_time) if logged else None,
            "modifiedTime": unix(activity.modified_time),
            "name": _set(activity.name),
            "startTime": unix(activity.start_time),
            "isMediaLogged": False,
            "transcription": None,
            "showTranscribeLoggingFlow": False,
            "externalMeetingServiceType": None,
            **self._html(f"/activity/open-modal/{n}"),
        }
        if _set(activity.location) is not None:
            out["location"] = activity.location
        out["links"] = {
            "comments": [],
            "accounts": by_type["Account"],
            "activityType": _ref_id(activity.activity_type),
            "contacts": by_type["Contact"],
            "creator": self._creator(activity, index),
            "leads": _ref_ids(activity.leads),
            "logger": _ref_id(activity.logged_by),
            "logNote": _ref_id(activity.log_note),
            "users": by_type["User"],
        }
        return out

    def _note(self, note: Note, index: _Index) -> Wire:
        wire_id, rest_type, n = self._head(note)
        body = _set(note.body) or ""
        parent = _set(note.parent)
        return {
            "id": wire_id,
            "type": rest_type,
            "createdTime": unix(note.created_time),
            "deletedTime": unix(note.deleted_time),
            "href": self.href(rest_type, wire_id),
            "body": body,
            "bodyHtml": _set(note.body_html) or _note_html(body),
            "bodyMarkup": _set(note.body_markup) or body,
            "isEditable": True,
            "parentType": rest_type_for(parent.entity) if isinstance(parent, Ref) else None,
            **self._html(f"/note/{n}"),
            "links": {
                "comments": [],
                "parent": _ref_id(parent),
                "accounts": [],
                "contacts": [],
                "leads": [],
                "users": _ref_ids([note.user]),
                "teams": [],
            },
        }

    def _task(self, task: Task, index: _Index) -> Wire:
        wire_id, rest_type, n = self._head(task)
        return {
            "id": wire_id,
            "type": rest_type,
            "title": _set(task.title),
            "description": _set(task.description),
            "dueTime": unix(task.due_time),
            "completedTime": unix(task.completed_time),
            "isCompleted": _set(task.completed_time) is not None,
            "recurrenceRule": None,
            **self._times(task, "createdTime", "modifiedTime", "deletedTime"),
            "href": self.href(rest_type, wire_id),
            **self._html(f"/task/{n}"),
            "links": {
                "assignee": _ref_id(task.assignee),
                "relatedEntity": _ref_id(task.related),
            },
        }


# -- what a rendering reads from the stored record alone ----------------------------------------


@attrs.frozen
class _PartyParts:
    """A person's or company's rendering but for the half of its relation that the other
    side's records list (the index's), worked out once per stored record."""

    n: int
    #: The rendering, every key in place; ``links`` is added by :meth:`render`.
    wire: Wire
    links: Wire
    #: The links member the other side adds to (``accounts`` of a contact).
    member: str
    #: That member's ids as the record itself lists them.
    listed: list[str]

    def render(self, added: list[str] | None) -> Wire:
        """The rendering, with the ids the other side's records ``added`` (the index's)."""
        out = self.wire.copy()
        links = self.links.copy()
        if added:
            links[self.member] = _unique(self.listed + added)
        out["links"] = links
        return out


@attrs.frozen(kw_only=True)
class _LeadParts:
    """A lead's rendering but for what the clock and the index decide (its time objects,
    overdue flag, pie state, avatar, product maps), worked out once per stored lead."""

    n: int
    wire: Wire
    links: Wire
    #: Unix seconds of the deleted, created, closed, due and last contacted times.
    stamps: tuple[int | None, ...]
    stage_id: int | None
    pipeline_id: int | None
    #: The lead's own products (its product maps add theirs).
    products: list[str]
    #: The avatar URL up to the stage position.
    avatar: str
