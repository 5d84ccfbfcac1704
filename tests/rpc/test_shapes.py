"""The RPC presenter over a record source: partial sources, the store as a source."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import attrs
import pytest

from nutshell_core.model import (
    ENTITIES,
    UNSET,
    Account,
    Address,
    Contact,
    CustomField,
    Email,
    Lead,
    LeadStatus,
    Money,
    Phone,
    Product,
    ProductMap,
    Record,
    Ref,
    Team,
    Url,
    User,
    entity_class,
    entity_for_rpc_type,
)
from nutshell_emulator.seed import seed
from nutshell_emulator.store import Store
from nutshell_rpc.shapes import SOURCE_DEPENDENT_FIELDS, Presenter, RecordSource, legacy_points

R = TypeVar("R", bound=Record)

ROOT = Path(__file__).resolve().parents[2]

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)


class DictSource:
    """A source holding just the records it is given (as the bridge holds what REST returned)."""

    def __init__(self, records: Iterable[Record] = (), *, now: datetime = NOW) -> None:
        self._records = {(r.entity, r.id): r for r in records}
        self._now = now

    def _get(self, cls: type[R], record_id: int, *, deleted: bool) -> R | None:
        record = self._records.get((cls.entity, record_id))
        if not isinstance(record, cls):
            return None
        return record if isinstance(record.deleted_time, datetime) == deleted else None

    def find(self, cls: type[R], record_id: int, /) -> R | None:
        return self._get(cls, record_id, deleted=False)

    def trashed(self, cls: type[R], record_id: int, /) -> R | None:
        return self._get(cls, record_id, deleted=True)

    def all(self, cls: type[R], /) -> Sequence[R]:
        found = [r for r in self._records.values() if isinstance(r, cls)]
        return sorted(
            (r for r in found if not isinstance(r.deleted_time, datetime)),
            key=lambda r: r.id if isinstance(r.id, int) else 0,
        )

    def now(self) -> datetime:
        return self._now


# Typing-level checks: mypy rejects these if a class stops satisfying the protocol (the
# emulator's ``Presenter(store, ...)`` in ``rpc_front`` is checked the same way).
def _store_is_a_record_source(store: Store) -> RecordSource:
    return store


def _dict_source_is_a_record_source(source: DictSource) -> RecordSource:
    return source


def seeded_store() -> Store:
    store = Store(clock=lambda: NOW)
    seed(store, 60, random_seed=5)
    # What the seed leaves out: a team with a member, a product line stored apart from its lead.
    team = store.insert(Team(name="Closers"))
    user = store.all(User)[0]
    assert isinstance(user.id, int)
    store.update(User, user.id, {"teams": (Ref(entity="Team", id=team.id),)})
    store.insert(
        ProductMap(
            name="Panel",
            product=Ref(entity="Product", id=store.all(Product)[0].id),
            lead=Ref(entity="Lead", id=store.all(Lead)[0].id),
            quantity=2,
            price=Money(amount=Decimal("10"), currency="USD"),
        )
    )
    return store


# -- a source lacking linked records ------------------------------------------------------------


def test_lead_without_its_account_in_the_source_renders_the_account_from_the_ref() -> None:
    lead = Lead(
        id=12,
        rev="3",
        status=LeadStatus.OPEN,
        primary_account=Ref(entity="Account", id=7, name="Acme"),
        contacts=(Ref(entity="Contact", id=9, name="Ann Lee"),),
    )
    presenter = Presenter(DictSource([lead]))

    full = presenter.full(lead)
    assert full["primaryAccount"] == {
        "stub": True,
        "id": 7,
        "entityType": "Accounts",
        "name": "Acme",
        "relationship": None,
    }
    assert full["contacts"][0]["id"] == 9
    assert full["contacts"][0]["name"] == "Ann Lee"

    stub = presenter.stub(lead)
    assert stub["primaryAccountName"] == "Acme"
    assert stub["primaryContactName"] == "Ann Lee"


def test_a_link_the_source_holds_renders_from_the_record() -> None:
    account = Account(id=7, rev="0", name="Acme Corp", description="Reseller")
    lead = Lead(id=12, rev="0", primary_account=Ref(entity="Account", id=7, name="Acme"))
    presenter = Presenter(DictSource([lead, account]))

    assert presenter.full(lead)["primaryAccount"]["name"] == "Acme Corp"
    assert presenter.full(lead)["primaryAccount"]["relationship"] == "Reseller"
    assert presenter.stub(lead)["primaryAccountName"] == "Acme Corp"


def test_every_seeded_record_renders_from_an_empty_source() -> None:
    store = seeded_store()
    presenter = Presenter(DictSource())
    for cls in ENTITIES.values():
        for record in store.all(cls):
            if isinstance(record, CustomField):
                # A legacy definition has no id (HULL's findCustomFields mock): its name.
                assert presenter.full(record)["name"] == presenter.stub(record)["name"]
                assert presenter.full(record)["name"] == record.name
                continue
            assert presenter.full(record)["id"] == record.id
            assert presenter.stub(record)["id"] == record.id


# -- the store as a source ----------------------------------------------------------------------


def test_store_is_a_record_source_and_renders() -> None:
    store = seeded_store()
    assert isinstance(store, RecordSource)
    presenter = Presenter(_store_is_a_record_source(store), host="example.test")
    lead = store.all(Lead)[0]
    full = presenter.full(lead)
    assert full["entityType"] == "Leads"
    assert full["htmlUrl"].startswith("https://example.test/lead/")
    assert presenter.stub(store.all(Contact)[0])["stub"] is True
    assert presenter.source is store


# -- SOURCE_DEPENDENT_FIELDS --------------------------------------------------------------------


@pytest.mark.parametrize("rpc_type", sorted(SOURCE_DEPENDENT_FIELDS))
def test_source_dependent_fields_name_rpc_entity_types(rpc_type: str) -> None:
    cls = entity_for_rpc_type(rpc_type)
    assert cls is not None
    assert cls.rpc_type == rpc_type
    keys = SOURCE_DEPENDENT_FIELDS[rpc_type]
    assert keys
    assert len(set(keys)) == len(keys)


def _direct_links(store: Store, record: Record) -> list[Record]:
    """The records ``record`` links to itself (its own Ref fields), from the store."""
    linked = []
    for field in attrs.fields(type(record)):
        value = getattr(record, field.name)
        refs = value if isinstance(value, tuple) else (value,)
        for ref in refs:
            if not isinstance(ref, Ref) or not isinstance(ref.id, int):
                continue
            cls = entity_class(ref.entity)
            found = store.find(cls, ref.id) or store.trashed(cls, ref.id)
            if found is not None:
                linked.append(found)
    return linked


def _differing_keys(one: dict[str, Any], other: dict[str, Any]) -> set[str]:
    return {k for k in one.keys() | other.keys() if one.get(k) != other.get(k)}


def test_only_source_dependent_fields_change_when_the_source_holds_just_the_direct_links() -> None:
    store = seeded_store()
    whole = Presenter(store)
    seen: dict[str, set[str]] = {}
    for cls in ENTITIES.values():
        for record in store.all(cls):
            partial = Presenter(DictSource([record, *_direct_links(store, record)]))
            changed = _differing_keys(whole.full(record), partial.full(record))
            changed |= _differing_keys(whole.stub(record), partial.stub(record))
            allowed = set(SOURCE_DEPENDENT_FIELDS.get(cls.rpc_type, ()))
            assert changed <= allowed, (cls.rpc_type, record.id, changed - allowed)
            seen.setdefault(cls.rpc_type, set()).update(changed)
    # The seeded data exercises the scans behind the main types' keys.
    assert seen["Leads"] >= {"activitiesCount", "completion", "notes", "products"}
    assert seen["Contacts"] >= {"leads", "contactedCount", "lastContactedDate"}
    assert seen["Accounts"] >= {"leads"}
    assert seen["Teams"] == {"users"}


_TYPING_PROBE = """
from nutshell_emulator.store import Store
from nutshell_rpc.shapes import Presenter, RecordSource


def as_source(store: Store) -> RecordSource:
    return store


class NotASource:
    def now(self) -> None: ...


Presenter(NotASource())  # the only error expected
"""


def test_mypy_accepts_the_store_as_a_record_source(tmp_path: Path) -> None:
    api = pytest.importorskip("mypy.api")
    probe = tmp_path / "probe.py"
    probe.write_text(_TYPING_PROBE, encoding="utf-8")
    out, err, status = api.run(
        [
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--no-error-summary",
            str(probe),
        ]
    )
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert status == 1, (out, err)
    assert len(errors) == 1, out
    assert errors[0].startswith(f"{probe}:14:"), out
    assert '"NotASource"' in errors[0], out


def test_rest_s_name_for_an_unlabelled_point_is_no_label_to_the_legacy_view() -> None:
    contact = Contact(
        id=9,
        name="Points",
        emails=(
            Email(value="a@x.com", label="email", is_primary=True),
            Email(value="w@x.com", label="work"),
        ),
        urls=(Url(value="https://x.com", label="url", is_primary=True),),
        phones=(Phone(value="555-1234", label="phone"),),
        addresses=(Address(city="Austin", label="address"),),
    )
    points = legacy_points(contact)
    assert isinstance(points, Contact)

    def labels(items: object) -> list[object]:
        assert isinstance(items, tuple)
        return [item.label for item in items]

    assert labels(points.emails) == [UNSET, "work"]
    assert labels(points.urls) == labels(points.phones) == labels(points.addresses) == [UNSET]
    full = Presenter(DictSource([contact])).full(contact)
    assert full["email"] == {"0": "a@x.com", "work": "w@x.com", "--primary": "a@x.com"}
    assert list(full["url"]) == ["0", "--primary"]
    # Other labels, and records without contact points, are left as they are.
    labelled = Account(id=3, urls=(Url(value="https://a.com", label="site"),))
    assert legacy_points(labelled) is labelled
    user = User(id=1, emails=("email",))
    assert legacy_points(user) is user
