"""Deterministic, realistic seed data: the same ``(n, random_seed)`` always gives the same store.

``seed(store, n, random_seed)`` adds roughly ``n`` linked records on top of the reference data
a new account ships with (:func:`nutshell_emulator.rules.install_defaults`), so that every shape
both APIs can return shows up:

* set-up data: users in teams, markets, industries, account types, territories, competitors,
  sources, tags, products, audiences, and custom field definitions of every kind (text, number,
  currency, date, single and multiple enum) on leads, contacts and accounts;
* companies with people, each with custom field values;
* leads with products, sources, tags, competitors, a market and custom field values, assigned
  to users or to teams; open, won, lost and cancelled ones (each kind at least once, given
  three leads);
* activities, notes and tasks on those leads;
* deleted records in the trash: a lead, a contact, an account, a note and a task.

Every time is derived from :data:`SEED_EPOCH` (the store writes under the seed's clock, see
:meth:`~nutshell_emulator.store.Store.stamped`), never from the wall clock: two stores seeded
alike are equal, events and modified times included.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from nutshell_core.model import (
    UNSET,
    Account,
    AccountType,
    Activity,
    ActivityStatus,
    ActivityType,
    Address,
    Audience,
    Competitor,
    Contact,
    Correspondent,
    CustomField,
    Email,
    EmailMessage,
    Industry,
    Lead,
    Market,
    Money,
    Note,
    Outcome,
    Phone,
    Product,
    Record,
    Ref,
    Source,
    Stage,
    Tag,
    Task,
    Team,
    Territory,
    Url,
    User,
)
from nutshell_emulator import rules
from nutshell_emulator.emails import file_email
from nutshell_emulator.store import Store

__all__ = ["SEED_EPOCH", "SeedSummary", "seed"]

R = TypeVar("R", bound=Record)

#: Seeded times count forward from here, so a seed is reproducible to the second.
SEED_EPOCH = datetime(2024, 1, 8, 9, 0, tzinfo=timezone.utc)

_COMPANIES = (
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka", "Tyrell",
    "Cyberdyne", "Soylent", "Vandelay", "Pied Piper", "Dunder Mifflin", "Gringotts", "Oscorp",
)  # fmt: skip
_SUFFIXES = ("Corp", "Inc", "LLC", "Group", "Labs", "Partners")
_GIVEN = (
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Radia", "Linus",
    "Frances", "John", "Katherine", "Dennis", "Hedy", "Tim",
)  # fmt: skip
_FAMILY = (
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Hamilton", "Thompson",
    "Perlman", "Torvalds", "Allen", "Backus", "Johnson", "Ritchie", "Lamarr", "Berners-Lee",
)  # fmt: skip
_CITIES = (("Ann Arbor", "MI"), ("Richfield", "MN"), ("Austin", "TX"), ("Portland", "OR"))
_PRODUCTS = (("Sunrazor", 2500), ("Solar Panel X", 1200), ("Inverter", 800),
             ("Turnkey Installation Service", 6700), ("Maintenance Plan", 300))  # fmt: skip
_SOURCES = ("Website", "Referral", "Trade show", "Cold call", "Google Ads")
_TAGS = ("VIP", "Renewal", "Enterprise", "Q4")
_INDUSTRIES = ("Manufacturing", "Energy", "Software", "Retail")
_ACCOUNT_TYPES = ("Customer", "Prospect", "Partner")
_TERRITORIES = ("North", "South")
_COMPETITORS = ("Southwest Solar", "SunCo")
_TEAMS = ("East Sales", "West Sales", "Inside Sales")
_MARKETS = ("Canada",)  # besides the default market every account has
_AUDIENCES = (("Newsletter", False), ("Webinar attendees", False), ("WebFX prospects", True))

#: Custom field definitions: (applies to, name, type, choices, multiple). The lead enum is the
#: HULL recording's "Application" field (api_lead_get.json's value, the connector's choices).
_CUSTOM_FIELDS: tuple[tuple[str, str, str, tuple[str, ...], bool], ...] = (
    ("Lead", "Application", "enum", ("Heavy duty & Hazardous", "Large-Scale Utility",
                                     "Commercial & Resedential", "Recreational & Custom"), False),
    ("Lead", "Budget", "currency", (), False),
    ("Lead", "Decision date", "date", (), False),
    ("Lead", "Interests", "enum", ("Solar", "Storage", "Service"), True),
    ("Contact", "Preferred contact", "enum", ("Email", "Phone"), False),
    ("Contact", "Birthday", "date", (), False),
    ("Account", "Employees", "number", (), False),
    ("Account", "Region code", "text", (), False),
)  # fmt: skip


@attrs.frozen
class SeedSummary:
    """How many records of each kind a seed added, and how many of those it then deleted."""

    counts: dict[str, int]
    owner: User
    trashed: dict[str, int] = attrs.field(factory=dict)


class _SeedClock:
    """The seed's time: it moves forward only when asked, from :data:`SEED_EPOCH`."""

    def __init__(self) -> None:
        self.now = SEED_EPOCH

    def tick(self, minutes: int = 37) -> datetime:
        """Move on and say the new time."""
        self.now += timedelta(minutes=minutes)
        return self.now

    def __call__(self) -> datetime:
        return self.now


def _ref(record: Record) -> Ref:
    """A bare link (no embedded copy) to a stored record."""
    return Ref(entity=record.entity, id=record.id, name=getattr(record, "name", UNSET))


def _id(ref: Ref | Record) -> int:
    assert isinstance(ref.id, int), "seeded records always have ids"
    return ref.id


def _field_value(rng: random.Random, field: CustomField, day: datetime) -> Any:
    """A value of the kind ``field`` holds, as both APIs carry custom field values."""
    kind = field.field_type
    labels = list(field.choices.values()) if isinstance(field.choices, dict) else []
    if kind == "enum" and field.is_multiple:
        return sorted(rng.sample(labels, rng.randint(1, len(labels))))
    if kind == "enum":
        return rng.choice(labels)
    if kind == "currency":
        return {"currency": "USD", "amount": rng.randrange(1000, 50000, 500)}
    if kind == "number":
        return rng.randint(5, 500)
    if kind == "date":
        return (day + timedelta(days=rng.randint(-400, 400))).date().isoformat()
    return f"R{rng.randint(10, 99)}"


def _custom_values(
    rng: random.Random, fields: Sequence[CustomField], entity: str, day: datetime
) -> dict[str, Any]:
    """Values for some of ``entity``'s fields (a record need not fill them all)."""
    return {
        str(field.name): _field_value(rng, field, day)
        for field in fields
        if field.applies_to == entity and rng.random() < 0.7
    }


_SUBJECTS = ("Proposal", "Quick question", "Re: pricing", "Meeting notes", "Invoice")
_LONG_BODY = (
    "Thanks for your time today. As promised, here is a summary of what we discussed: the "
    "installation schedule, the maintenance plan and the financing options. Let me know which "
    "of the options suits you best and I will prepare the paperwork. "
)


def _party(record: Record) -> Correspondent:
    """A correspondent for a seeded contact, user or company: its first address, shown by
    name (every fifth one bare, as a header without a name is shown)."""
    emails = getattr(record, "emails", ())
    first = emails[0] if emails else ""
    address = first if isinstance(first, str) else first.value
    name = getattr(record, "name", None)
    bare = isinstance(record.id, int) and record.id % 5 == 0
    return Correspondent(address=address, display=address if bare or not name else name)


def _add_emails(
    store: Store,
    random_seed: int,
    clock: _SeedClock,
    add: Callable[[EmailMessage], EmailMessage],
    sellers: Sequence[Ref],
    budget: int,
    *,
    exclude: int,
) -> None:
    """Emails sent to a lead's contact and filed on the lead, received from people, and sent
    to companies' addresses; some long enough to be shortened in REST's excerpt, some cc'd.

    They draw from their own random stream, so no other seeded record depends on them.
    """
    rng = random.Random(f"emails-{random_seed}")  # noqa: S311 - seed data, not cryptography
    leads = [lead for lead in store.all(Lead) if lead.id != exclude and lead.contacts]
    contacts = [c for c in store.all(Contact) if c.emails]
    accounts = [a for a in store.all(Account) if a.emails]
    users = [u for u in (store.find(User, _id(s)) for s in sellers) if u is not None]
    for index in range(max(3, budget // 10)):
        seller = rng.choice(users)
        kind = index % 3
        lead_refs: tuple[Ref, ...] = ()
        if kind == 0 and leads:
            lead = rng.choice(leads)
            person = store.get(Contact, _id(lead.contacts[0]))  # type: ignore[index]
            sender, recipient = _party(seller), _party(person)
            lead_refs = (_ref(lead),)
        elif kind == 1:
            sender, recipient = _party(rng.choice(contacts)), _party(seller)
        else:
            sender, recipient = _party(seller), _party(rng.choice(accounts))
        others = [u for u in users if u.id != seller.id]
        cc = (_party(others[0]),) if others and rng.random() < 0.3 else ()
        body = _LONG_BODY * 2 if index % 4 == 0 else f"Hello,\n\n{rng.choice(_SUBJECTS)}.\n"
        created = clock.now + timedelta(minutes=37)  # add() stamps the next tick
        email = EmailMessage(
            subject=rng.choice(_SUBJECTS),
            body=body,
            # Emails logged by BCC are stored a little after they were sent (recorded).
            sent_time=created - timedelta(minutes=rng.randint(0, 29)),
            from_=(sender,),
            to=(recipient,),
            cc=cc,
        )
        add(file_email(store, email, leads=lead_refs))


def seed(  # noqa: PLR0915 - one readable recipe, top to bottom
    store: Store, n: int = 200, random_seed: int = 0, *, owner_email: str = "owner@example.com"
) -> SeedSummary:
    """Add about ``n`` linked records (plus reference data when the store is empty)."""
    rng = random.Random(random_seed)  # noqa: S311 - seed data, not cryptography
    clock = _SeedClock()
    with store.stamped(clock):
        users = store.all(User)
        owner = users[0] if users else rules.install_defaults(store, email=owner_email)
        actor = _ref(owner)
        counts: dict[str, int] = {}
        trashed: dict[str, int] = {}

        def add(record: R) -> R:
            stored = store.insert(attrs.evolve(record, created_time=clock.tick()), actor=actor)
            counts[stored.entity] = counts.get(stored.entity, 0) + 1
            return stored

        def trash(cls: type[Record], record: Record) -> None:
            clock.tick()
            store.delete(cls, _id(record), actor=actor)
            trashed[cls.entity] = trashed.get(cls.entity, 0) + 1

        # -- set-up data ----------------------------------------------------------------------
        teams = [_ref(add(Team(name=name))) for name in _TEAMS]
        second = add(
            User(name="Sam Seller", first_name="Sam", last_name="Seller",
                 emails=("sam@example.com",), is_enabled=True, is_administrator=False,
                 teams=(teams[1], teams[2]))
        )  # fmt: skip
        clock.tick()
        store.update(User, _id(owner), {"teams": (teams[0],)}, actor=actor)
        sellers = [actor, _ref(second)]
        markets = [_ref(m) for m in store.all(Market)]
        markets += [_ref(add(Market(name=name))) for name in _MARKETS]
        industries = [_ref(add(Industry(name=name))) for name in _INDUSTRIES]
        account_types = [_ref(add(AccountType(name=name))) for name in _ACCOUNT_TYPES]
        territories = [_ref(add(Territory(name=name))) for name in _TERRITORIES]
        competitors = [_ref(add(Competitor(name=name))) for name in _COMPETITORS]
        sources = [_ref(add(Source(name=name, channel=i % 9))) for i, name in enumerate(_SOURCES)]
        tags = [_ref(add(Tag(name=name, applies_to="Lead"))) for name in _TAGS]
        products = [
            _ref(add(Product(name=name, sku=f"SKU-{i:03}", unit="each", product_type="product",
                             price=Money(amount=Decimal(price), currency="USD"))))
            for i, (name, price) in enumerate(_PRODUCTS, start=1)
        ]  # fmt: skip
        for name, web_fx in _AUDIENCES:
            add(Audience(name=name, is_web_fx=web_fx))
        positions: dict[str, int] = {}
        fields: list[CustomField] = []
        for entity, name, kind, labels, multiple in _CUSTOM_FIELDS:
            positions[entity] = positions.get(entity, 0) + 1
            choices = {str(i): label for i, label in enumerate(labels, start=1)}
            fields.append(
                add(CustomField(name=name, title=name, field_type=kind, applies_to=entity,
                                is_multiple=multiple, position=positions[entity],
                                choices=choices if kind == "enum" else UNSET))
            )  # fmt: skip
        stages = store.all(Stage)
        outcomes = store.all(Outcome)
        activity_types = [_ref(t) for t in store.all(ActivityType)]

        # -- companies and people -------------------------------------------------------------
        budget = max(n, 10)
        n_accounts = max(1, budget // 6)
        n_leads = max(1, budget // 4)
        accounts: list[Ref] = []
        contacts_by_account: dict[int, list[Ref]] = {}
        for i in range(n_accounts):
            company = f"{rng.choice(_COMPANIES)} {rng.choice(_SUFFIXES)} {i + 1}"
            city, state = rng.choice(_CITIES)
            domain = company.lower().replace(" ", "") + ".example.com"
            account = add(
                Account(
                    name=company,
                    description=None,
                    emails=(Email(value=f"info@{domain}", label="0", is_primary=True),),
                    phones=(Phone(value=f"734-555-{1000 + i:04}", label="work", is_primary=True),),
                    urls=(Url(value=f"https://{domain}", label="0", is_primary=True),),
                    addresses=(Address(label="office", is_primary=True,
                                       address_1=f"{i + 1} Main St", city=city, state=state,
                                       postal_code="48104", country="US"),),
                    owner=rng.choice(sellers),
                    creator=actor,
                    industry=rng.choice(industries),
                    account_type=rng.choice(account_types),
                    territory=rng.choice(territories),
                    tags=(),
                    custom_fields=_custom_values(rng, fields, "Account", clock.now),
                )
            )  # fmt: skip
            account_ref = _ref(account)
            accounts.append(account_ref)
            people: list[Ref] = []
            for _ in range(rng.randint(1, 3)):
                given, family = rng.choice(_GIVEN), rng.choice(_FAMILY)
                contact = add(
                    Contact(
                        name=f"{given} {family}",
                        first_name=given,
                        last_name=family,
                        job_title=rng.choice(("CEO", "CTO", "Buyer", "Engineer", None)),
                        description=None,
                        emails=(Email(value=f"{given.lower()}.{family.lower()}@{domain}",
                                      label="0", is_primary=True),),
                        phones=(Phone(value=f"877-555-{rng.randint(1000, 9999)}", label="cell",
                                      is_primary=True),),
                        urls=(),
                        addresses=(),
                        owner=rng.choice(sellers),
                        creator=actor,
                        accounts=(account_ref,),
                        tags=(),
                        custom_fields=_custom_values(rng, fields, "Contact", clock.now),
                    )
                )  # fmt: skip
                people.append(_ref(contact))
            contacts_by_account[_id(account_ref)] = people
            clock.tick()
            store.update(Account, _id(account_ref), {"contacts": tuple(people)})

        # -- leads and what happens on them ---------------------------------------------------
        for index in range(n_leads):
            account_ref = rng.choice(accounts)
            people = contacts_by_account[_id(account_ref)]
            chosen = tuple(rng.sample(products, rng.randint(0, 2)))
            total = sum(
                (
                    Decimal(price)
                    for name, price in _PRODUCTS
                    if any(p.name == name for p in chosen)
                ),
                Decimal(0),
            )
            stage = rng.choice(stages)
            # One lead in five (and the first) belongs to a team rather than to a user.
            to_team = rng.random() < 0.2 or index == 0
            assignee = rng.choice(teams) if to_team else rng.choice(sellers)
            values = {
                "description": f"{rng.choice(('New', 'Expansion', 'Renewal'))} deal with "
                f"{account_ref.name}",
                "primary_account": account_ref,
                "accounts": (account_ref,),
                "contacts": (rng.choice(people),),
                "products": chosen,
                "sources": (rng.choice(sources),),
                "tags": tuple(rng.sample(tags, rng.randint(0, 2))),
                "competitors": tuple(rng.sample(competitors, rng.randint(0, 1))),
                "value": Money(amount=total, currency="USD"),
                "confidence": rng.choice((10, 25, 50, 75, 90)),
                "owner": assignee,
                "market": rng.choice(markets),
                "stage": _ref(stage),
                "due_time": SEED_EPOCH + timedelta(days=rng.randint(10, 400)),
                "custom_fields": _custom_values(rng, fields, "Lead", clock.now),
                "created_time": clock.tick(),
            }
            lead = rules.new_lead(store, values, owner)
            counts["Lead"] = counts.get("Lead", 0) + 1
            lead_ref = _ref(lead)
            # The first three leads close each way (won, lost, cancelled); later ones at random.
            if index < len(outcomes) or rng.random() < 0.3:
                outcome = outcomes[index] if index < len(outcomes) else rng.choice(outcomes)
                clock.tick()
                rules.close_lead(store, _id(lead), _id(outcome), owner)
            for _ in range(rng.randint(0, 2)):
                start = SEED_EPOCH + timedelta(days=rng.randint(0, 300), hours=rng.randint(8, 17))
                add(
                    Activity(
                        name=rng.choice(("Intro call", "Demo", "Site visit", "Follow-up")),
                        description="",
                        activity_type=rng.choice(activity_types),
                        status=rng.choice(list(ActivityStatus)),
                        start_time=start,
                        end_time=start + timedelta(minutes=30),
                        is_all_day=False,
                        is_flagged=rng.random() < 0.1,
                        is_timed=True,
                        leads=(lead_ref,),
                        participants=(rng.choice(people), rng.choice(sellers)),
                        logged_by=None,
                        log_note=None,
                    )
                )  # fmt: skip
            if rng.random() < 0.5:
                # A note's date is when it was written (every recording shows date == created).
                add(Note(body=f"Spoke with {rng.choice(people).name}.", parent=lead_ref,
                         user=actor))  # fmt: skip
            if rng.random() < 0.3:
                add(Task(title="Send proposal", description="", due_time=clock.tick(),
                         assignee=rng.choice(sellers), related=lead_ref))  # fmt: skip

        # A lead nothing links to, deleted below (after the others, so theirs are the lower
        # ids and numbers).
        doomed = rules.new_lead(
            store, {"description": "Duplicate deal", "created_time": clock.tick()}, owner
        )
        counts["Lead"] = counts.get("Lead", 0) + 1

        # -- emails ---------------------------------------------------------------------------
        _add_emails(store, random_seed, clock, add, sellers, budget, exclude=_id(doomed))

        # -- the trash: records nothing else links to, deleted --------------------------------
        first_lead = _ref(store.all(Lead)[0])
        stray_note = add(Note(body="Wrong lead, sorry.", parent=first_lead, user=actor))
        stray_task = add(Task(title="Call the wrong number", description="", assignee=actor,
                              due_time=clock.tick(), related=first_lead))  # fmt: skip
        stray_contact = add(Contact(name="Test Person", first_name="Test", last_name="Person",
                                    description=None, emails=(), phones=(), urls=(),
                                    addresses=(), owner=actor, creator=actor, accounts=(),
                                    tags=(), custom_fields={}))  # fmt: skip
        stray_account = add(Account(name="Test Company", description=None, emails=(), phones=(),
                                    urls=(), addresses=(), owner=actor, creator=actor, tags=(),
                                    custom_fields={}))  # fmt: skip
        for cls, record in (
            (Lead, doomed),
            (Note, stray_note),
            (Task, stray_task),
            (Contact, stray_contact),
            (Account, stray_account),
        ):
            trash(cls, record)
        return SeedSummary(counts=counts, owner=owner, trashed=trashed)
