"""Records shaped like the real recordings, created through the legacy JSON-RPC API.

The shape checks of the bridge need data that exercises what the recordings show: a lead with
products, a primary account, a competitor, tags, custom fields, notes and an outcome; a lead
assigned to a team with logged and scheduled activities; activities with leads, user and
contact participants and a log note. :class:`LegacyWorld` creates them with nothing but legacy
calls (``call(method, **params)``), so the same recipes serve an emulator mounted in
``responses`` and one served on loopback. Reference data the legacy API cannot create
(activity types, account types, industries, competitors, outcomes) is looked up through it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = ["Caller", "LegacyWorld", "legacy_time"]

#: ``call(method, **named_params)`` -> the legacy result.
Caller = Callable[..., Any]

#: A fixed "now" for the times the recipes write (values are never compared, only shapes).
NOW = datetime(2024, 4, 3, 12, 0, tzinfo=timezone.utc)


def legacy_time(when: datetime) -> str:
    """A time as the legacy API writes it: ``2024-04-03T12:00:00+0000``."""
    return when.strftime("%Y-%m-%dT%H:%M:%S%z")


class LegacyWorld:
    """Builds recording-like records through a legacy JSON-RPC caller."""

    def __init__(self, call: Caller) -> None:
        self.call = call

    # -- reference data ----------------------------------------------------------------------

    def first(self, method: str, **params: Any) -> dict[str, Any]:
        """The first record a ``find*`` method returns (reference data must exist)."""
        found = self.call(method, **params)
        assert isinstance(found, list) and found, f"{method} returned no records to build with"
        first: dict[str, Any] = found[0]
        return first

    def me(self) -> dict[str, Any]:
        """The authenticated user."""
        user: dict[str, Any] = self.call("getUser")
        return user

    def won_outcome(self) -> dict[str, Any]:
        """A lead outcome of type won (10)."""
        outcomes = self.call("findLead_Outcomes")
        won = [o for o in outcomes if o.get("type") == 10]
        assert won, "no won outcome to close a lead with"
        outcome: dict[str, Any] = won[0]
        return outcome

    def tag(self, name: str, entity_type: str) -> None:
        """Make sure a tag exists (the legacy API refuses unknown tag names)."""
        if name not in self.call("findTags").get(entity_type, []):
            self.call("newTag", tag={"name": name, "entityType": entity_type})

    def product(self, name: str, amount: int) -> dict[str, Any]:
        """A new product with a USD price."""
        product: dict[str, Any] = self.call(
            "newProduct", product={"name": name, "price": {"currency": "USD", "amount": amount}}
        )
        return product

    def team(self, name: str) -> dict[str, Any]:
        """A new team."""
        team: dict[str, Any] = self.call("newTeam", team={"name": name})
        return team

    def user(self, first: str, last: str, email: str) -> dict[str, Any]:
        """A new enabled user."""
        user: dict[str, Any] = self.call(
            "newUser",
            user={"firstName": first, "lastName": last, "emails": [email], "isEnabled": True},
        )
        return user

    # -- records -----------------------------------------------------------------------------

    def contact(self, name: str, **extra: Any) -> dict[str, Any]:
        """A new contact."""
        contact: dict[str, Any] = self.call("newContact", contact={"name": name, **extra})
        return contact

    def account(self, name: str, **extra: Any) -> dict[str, Any]:
        """A new account."""
        account: dict[str, Any] = self.call("newAccount", account={"name": name, **extra})
        return account

    def lead_with(self, contact: Mapping[str, Any]) -> dict[str, Any]:
        """A new lead with a primary account and ``contact`` (its stub names both)."""
        account = self.account("Testing Company")
        lead: dict[str, Any] = self.call(
            "newLead",
            lead={"primaryAccount": {"id": account["id"]}, "contacts": [{"id": contact["id"]}]},
        )
        return lead

    def closed_lead(self) -> dict[str, Any]:
        """A won lead with every kind of link, as the demo account's Lead-1000 (HULL) has."""
        account = self.account(
            "Acme Corp", address={"office": {"city": "Richfield", "state": "Minnesota"}}
        )
        contact = self.contact("Virginia Sprague")
        products = [
            self.product("Sunrazor", 2500),
            self.product("Turnkey Installation Service", 6700),
        ]
        competitor = self.first("findCompetitors")
        self.tag("Enterprise", "Leads")
        lead = self.call(
            "newLead",
            lead={
                "description": "",
                "primaryAccount": {"id": account["id"]},
                "contacts": [{"id": contact["id"]}],
                "products": [{"id": p["id"], "quantity": 1} for p in products],
                "competitors": [{"id": competitor["id"]}],
                "assignee": {"entityType": "Users", "id": self.me()["id"]},
                "tags": ["Enterprise"],
                "confidence": 93,
                "dueTime": legacy_time(NOW + timedelta(days=30)),
                "customFields": {"Application": "Recreational & Custom"},
                "note": "Could you please call Lisa to schedule a service call?",
            },
        )
        self.call("newNote", entity={"entityType": "Leads", "id": lead["id"]}, note="Sure thing!")
        self.activity(leads=[lead], contacts=[contact], status=1, days=-1)
        lead = self.call("getLead", leadId=lead["id"])
        closed: dict[str, Any] = self.call(
            "editLead",
            leadId=lead["id"],
            rev=lead["rev"],
            lead={"outcome": {"id": self.won_outcome()["id"]}},
        )
        return closed

    def open_lead(self) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """An open lead assigned to a team, with a logged and a scheduled activity (biguscj7).

        The activities have the contact and the authenticated user as participants. Returns
        the lead, its primary account and its contact.
        """
        team = self.team("Blue AM")
        account = self.account(
            "BestBuy", description="BestBuy Corporate", address=[{"city": "Tampa", "state": "FL"}]
        )
        contact = self.contact("Vickie Thompson", description="Senior Manager")
        product = self.product("One day course", 24999)
        self.tag("2023", "Leads")
        lead: dict[str, Any] = self.call(
            "newLead",
            lead={
                "description": "My first lead in the world",
                "primaryAccount": {"id": account["id"]},
                "contacts": [{"id": contact["id"], "relationship": "Senior Manager"}],
                "products": [{"id": product["id"], "quantity": 1}],
                "assignee": {"entityType": "Teams", "id": team["id"]},
                "confidence": 85,
                "tags": ["2023"],
                "dueTime": legacy_time(NOW + timedelta(days=60)),
            },
        )
        me = self.me()
        for status, days in ((1, -1), (0, 3)):
            self.activity(leads=[lead], contacts=[contact], users=[me], status=status, days=days)
        return lead, account, contact

    def activity(
        self,
        *,
        leads: Sequence[Mapping[str, Any]] = (),
        contacts: Sequence[Mapping[str, Any]] = (),
        users: Sequence[Mapping[str, Any]] = (),
        status: int = 0,
        days: int = 0,
        **extra: Any,
    ) -> dict[str, Any]:
        """A new activity ``days`` from now, linked to leads with contact and user participants."""
        start = NOW + timedelta(days=days)
        participants = [{"entityType": "Contacts", "id": c["id"]} for c in contacts]
        participants += [{"entityType": "Users", "id": u["id"]} for u in users]
        activity: dict[str, Any] = self.call(
            "newActivity",
            activity={
                "activityTypeId": self.first("findActivityTypes")["id"],
                "startTime": legacy_time(start),
                "endTime": legacy_time(start + timedelta(hours=1)),
                "status": status,
                "leads": [{"id": lead["id"]} for lead in leads],
                "participants": participants,
                **extra,
            },
        )
        return activity

    def logged_activity(self, name: str, **extra: Any) -> dict[str, Any]:
        """A logged meeting with a user and a contact, a log note, and a lead (HULL's, plus a lead).

        HULL's recorded activities have no leads; the lead exercises the lead stubs that the
        recordings show elsewhere.
        """
        contact = self.contact("Testing User")
        lead = self.lead_with(contact)
        return self.activity(
            leads=[lead],
            contacts=[contact],
            users=[self.me()],
            status=1,
            days=-1,
            name=name,
            logNote="A meeting notes goes here",
            **extra,
        )

    def overdue_activities(self) -> dict[str, Any]:
        """Two past scheduled (overdue) activities with a contact and a user (biguscj7's).

        One of them is linked to a lead, to exercise lead stubs. Returns the contact.
        """
        person = self.user("Test", "Person", "test.person@example.com")
        contact = self.contact("Pat McEnroe")
        lead = self.lead_with(contact)
        for leads in ((), (lead,)):
            self.activity(
                leads=leads,
                contacts=[contact],
                users=[person],
                days=-2,
                name="BRIEF 101 Training",
                description="Going Deeper with BRIEF",
            )
        return contact
