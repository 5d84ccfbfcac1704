"""Deterministic, realistic seed data: the same ``(n, random_seed)`` always gives the same store.

``seed(store, n, random_seed)`` adds roughly ``n`` linked records on top of the reference data
a new account ships with (:func:`nutshell_emulator.rules.install_defaults`): companies with
people, leads with products, stages, sources, tags and some closed with an outcome, activities
on those leads, and notes. Times step forward from a fixed date, never from the wall clock.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import TypeVar

import attrs

from nutshell_core.model import (
    UNSET,
    Account,
    AccountType,
    Activity,
    ActivityStatus,
    ActivityType,
    Address,
    Competitor,
    Contact,
    Email,
    Industry,
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
    Territory,
    Url,
    User,
)
from nutshell_emulator import rules
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


@attrs.frozen
class SeedSummary:
    """How many records of each kind a seed added."""

    counts: dict[str, int]
    owner: User


def _ref(record: Record) -> Ref:
    """A bare link (no embedded copy) to a stored record."""
    return Ref(entity=record.entity, id=record.id, name=getattr(record, "name", UNSET))


def _id(ref: Ref | Record) -> int:
    assert isinstance(ref.id, int), "seeded records always have ids"
    return ref.id


def seed(  # noqa: PLR0915 - one readable recipe, top to bottom
    store: Store, n: int = 200, random_seed: int = 0, *, owner_email: str = "owner@example.com"
) -> SeedSummary:
    """Add about ``n`` linked records (plus reference data when the store is empty)."""
    rng = random.Random(random_seed)  # noqa: S311 - seed data, not cryptography
    clock = iter(SEED_EPOCH + timedelta(minutes=37 * i) for i in range(10_000_000))
    with store.transaction():
        users = store.all(User)
        owner = users[0] if users else rules.install_defaults(store, email=owner_email)
        actor = _ref(owner)
        counts: dict[str, int] = {}

        def add(record: R) -> R:
            stored = store.insert(attrs.evolve(record, created_time=next(clock)), actor=actor)
            counts[stored.entity] = counts.get(stored.entity, 0) + 1
            return stored

        second = add(
            User(name="Sam Seller", first_name="Sam", last_name="Seller",
                 emails=("sam@example.com",), is_enabled=True, is_administrator=False)
        )  # fmt: skip
        sellers = [actor, _ref(second)]
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
        stages = store.all(Stage)
        outcomes = store.all(Outcome)
        activity_types = [_ref(t) for t in store.all(ActivityType)]

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
                    custom_fields={},
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
                        custom_fields={},
                    )
                )  # fmt: skip
                people.append(_ref(contact))
            contacts_by_account[_id(account_ref)] = people
            store.update(Account, _id(account_ref), {"contacts": tuple(people)})

        for _ in range(n_leads):
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
                "owner": rng.choice(sellers),
                "stage": _ref(stage),
                "due_time": SEED_EPOCH + timedelta(days=rng.randint(10, 400)),
                "created_time": next(clock),
            }
            lead = rules.new_lead(store, values, owner)
            counts["Lead"] = counts.get("Lead", 0) + 1
            lead_ref = _ref(lead)
            if rng.random() < 0.3:
                outcome = rng.choice(outcomes)
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
                add(Note(body=f"Spoke with {rng.choice(people).name}.", parent=lead_ref,
                         user=actor, date=next(clock)))  # fmt: skip
            if rng.random() < 0.3:
                add(Task(title="Send proposal", description="", due_time=next(clock),
                         assignee=rng.choice(sellers), related=lead_ref))  # fmt: skip
        return SeedSummary(counts=counts, owner=owner)
