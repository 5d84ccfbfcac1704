"""The shortcuts that keep rendering cheap give the results the long way round gives."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, cast

import attrs
import pytest

from bridge.cache import ReferenceCache
from bridge.context import RestView
from bridge.revs import bare_rev_token, rev_token, with_rev
from nutshell_core.model import (
    UNSET,
    Account,
    Activity,
    ActivityStatus,
    Contact,
    Lead,
    Record,
    Ref,
    Task,
    Team,
    User,
)
from nutshell_emulator.seed import seed
from nutshell_emulator.store import Store
from nutshell_rpc import shapes
from nutshell_rpc.convert import record_to_rpc
from nutshell_rpc.layout_bases import STUB_ATTRS, full_base, stub_base
from nutshell_rpc.shapes import Presenter

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)
STUBBED = tuple(STUB_ATTRS)
#: What the bridge's reads list and get (the rest are linked from them).
LISTED = (Lead, Contact, Account, Activity, Task)


@pytest.fixture(scope="module")
def store() -> Store:
    store = Store(clock=lambda: NOW)
    seed(store, 60, random_seed=5)
    return store


def _records(store: Store, classes: tuple[type[Record], ...] = STUBBED) -> list[Record]:
    return [r for cls in classes for r in store.all(cls)]


def test_stubs_render_as_from_the_whole_record(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    presenter = Presenter(store)
    records = _records(store)
    assert records
    quick = [presenter.stub(r) for r in records]
    monkeypatch.setattr(shapes, "stub_base", lambda _cls, record: record_to_rpc(record))
    whole = [presenter.stub(r) for r in records]
    assert quick == whole
    assert [list(q) for q in quick] == [list(w) for w in whole]  # the key order too


def test_full_records_render_as_from_the_whole_record(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    presenter = Presenter(store)
    # As REST gives them: no memo of the RPC wire, so the partial rendering is used.
    records = [attrs.evolve(r, memo=None) for r in _records(store)]
    assert any(shapes.full_base(type(r), r) is not None for r in records)
    quick = [presenter.full(r) for r in records]
    monkeypatch.setattr(shapes, "full_base", lambda _cls, _record: None)
    whole = [presenter.full(r) for r in records]
    assert quick == whole
    assert [list(q) for q in quick] == [list(w) for w in whole]


def test_a_stub_base_spells_its_keys_as_the_whole_rendering_does(store: Store) -> None:
    records = _records(store)
    for record in records:
        cls = type(record)
        whole = record_to_rpc(record)
        base = stub_base(cls, record)
        assert base == {key: whole[key] for key in base}
        assert base["entityType"] == cls.rpc_type
        assert {"id", "rev"} <= set(base)
        # A rev given as a value is spelled as the record carrying it would be.
        revved = record_to_rpc(attrs.evolve(record, rev="b:0123456789abcdef"))
        assert stub_base(cls, record, "b:0123456789abcdef")["rev"] == revved["rev"]
        full = full_base(cls, record)
        if full is not None:
            assert full == {key: whole[key] for key in full}
    # Everything the layouts read from a base is in it when the record has it.
    lead = next(r for r in records if isinstance(r, Lead) and r.due_time is not UNSET)
    assert {"status", "dueTime", "modifiedTime", "createdTime"} <= set(stub_base(Lead, lead))


class StoreCache:
    """Reference data read from the store, as the bridge's cache would hold it."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, cls: type[Record], record_id: int) -> Record | None:
        return self._store.find(cls, record_id)

    def records(self, cls: type[Record]) -> dict[int, Record]:
        return {r.id: r for r in self._store.all(cls) if isinstance(r.id, int)}

    def teams(self) -> dict[int, Record]:
        return self.records(Team)


def test_a_lazy_view_renders_what_an_eager_one_does(store: Store) -> None:
    cache = cast(ReferenceCache, StoreCache(store))
    # As REST answers them: no revs. The records asked for carry theirs (present() gives
    # them); the linked ones get theirs from the view, early or late.
    bare = [attrs.evolve(r, rev=UNSET) for r in _records(store)]
    asked = [with_rev(r) for r in bare if isinstance(r, Lead | Contact)]

    def render(lazy: bool) -> list[dict[str, Any]]:
        view = RestView(cache, [*bare, *asked], lazy_revs=lazy)
        presenter = view.presenter("app.nutshell.com") if lazy else Presenter(view)
        return [presenter.stub(r) for r in asked]

    assert render(lazy=True) == render(lazy=False)


def test_a_rev_leaves_out_names_and_times_but_not_content(store: Store) -> None:
    lead = store.all(Lead)[0]
    token = rev_token(lead)
    assert token.startswith("b:")
    renamed = attrs.evolve(
        lead,
        creator=attrs.evolve(lead.creator, name="Someone Else")
        if isinstance(lead.creator, Ref)
        else lead.creator,
        modified_time=NOW + timedelta(days=1),
    )
    assert rev_token(renamed) == token
    assert rev_token(attrs.evolve(lead, description="changed")) != token
    assert with_rev(attrs.evolve(lead, rev=UNSET)).rev == token


def test_a_rev_leaves_out_what_changes_without_a_write(store: Store) -> None:
    """The RPC API's rev counts writes: what the server works out from the clock (overdue) or
    from other records (the last contact, moved by logging an activity) must not move a bridge
    rev, or an edit with a rev read a minute earlier fails with a 409 the RPC API never sends.
    What a write changes still does."""
    lead = attrs.evolve(store.all(Lead)[0], is_overdue=False, last_contacted_time=None)
    moved = attrs.evolve(lead, is_overdue=True, last_contacted_time=NOW)
    assert rev_token(moved) == rev_token(lead)
    assert rev_token(attrs.evolve(lead, confidence=7)) != rev_token(lead)
    for party in (store.all(Contact)[0], store.all(Account)[0]):
        logged = attrs.evolve(party, last_contacted_time=NOW + timedelta(hours=1))
        assert rev_token(logged) == rev_token(party)
    activity = attrs.evolve(store.all(Activity)[0], status=ActivityStatus.SCHEDULED)
    overdue = attrs.evolve(activity, status=ActivityStatus.OVERDUE)
    assert rev_token(overdue) == rev_token(activity)
    for written in (ActivityStatus.LOGGED, ActivityStatus.CANCELLED):
        assert rev_token(attrs.evolve(activity, status=written)) != rev_token(activity)


def test_a_bare_links_rev_is_the_rev_of_its_bare_record() -> None:
    for cls in (Team, Account, Contact, Lead, User):
        for record_id in (1, 7, 2**40):
            assert bare_rev_token(cls, record_id) == rev_token(cls(id=record_id))
    assert bare_rev_token(Team, 1) != bare_rev_token(Team, 2) != bare_rev_token(User, 2)


def test_a_rev_is_the_same_in_another_process(store: Store) -> None:
    lead = Lead(id=7, description="über", custom_fields={"b": 1, "a": [1.5, None]})
    script = (
        "from nutshell_core.model import Lead; from bridge.revs import rev_token; "
        "print(rev_token(Lead(id=7, description='über', custom_fields={'a': [1.5, None], 'b': 1})))"
    )
    other = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "123", "PYTHONIOENCODING": "utf-8"},
    )
    assert other.stdout.strip() == rev_token(lead)


def test_named_all_names_as_named_does(store: Store) -> None:
    user = attrs.evolve(store.all(User)[0], name="Named")

    class Names:
        """A reference cache that knows one user's name."""

        def get(self, cls: type[Record], record_id: int) -> Record | None:
            return user if record_id == 1 else None

    from bridge.context import BridgeContext  # noqa: PLC0415 - built by hand below

    context = BridgeContext.__new__(BridgeContext)
    object.__setattr__(context, "cache", Names())
    leads = store.all(Lead)
    bare = [
        attrs.evolve(lead, creator=Ref(entity="User", id=1), owner=Ref(entity="User", id=1))
        for lead in leads
    ]
    together = context.named_all(bare)
    assert together == [context.named(lead) for lead in bare]
    assert all(isinstance(n.creator, Ref) and n.creator.name == "Named" for n in together)


def _unnamed(record: Record) -> Record:
    """``record`` with every link's name dropped, as REST links come (bare ids)."""
    changes: dict[str, Any] = {}
    for field in attrs.fields(type(record)):
        value = getattr(record, field.name)
        if isinstance(value, Ref):
            changes[field.name] = attrs.evolve(value, name=UNSET)
        elif isinstance(value, tuple) and value and all(isinstance(v, Ref) for v in value):
            changes[field.name] = tuple(attrs.evolve(v, name=UNSET) for v in value)
    return attrs.evolve(record, rev=UNSET, **changes)


def test_present_renders_as_named_records_with_revs_render(store: Store) -> None:
    """Stubs skip naming, full leads name only the links they show by name, and both take
    their rev as a value: the result is still that of naming each record and giving it its
    rev first (the long way round)."""
    from bridge.context import BridgeContext  # noqa: PLC0415 - built by hand below

    cache = cast(ReferenceCache, StoreCache(store))
    context = BridgeContext.__new__(BridgeContext)
    for name, value in (("cache", cache), ("lean", True), ("completer", None)):
        object.__setattr__(context, name, value)
    object.__setattr__(context, "host", "app.nutshell.com")
    bare = [_unnamed(r) for r in _records(store, LISTED)]
    # Naming must matter for the test to mean anything: some links lost a name it can give.
    assert any(context.named(r) != r for r in bare)
    named = [with_rev(context.named(r)) for r in bare]
    for stub in (True, False):
        quick = context.present(bare, stub=stub, name=True)
        view = RestView(cache, named).presenter("app.nutshell.com")
        long_way = [view.stub(r) if stub else view.full(r) for r in named]
        assert quick == long_way
        assert [list(q) for q in quick] == [list(w) for w in long_way]
        assert all(q["rev"] == rev_token(r) for q, r in zip(quick, bare, strict=True))


def test_a_rev_ignores_key_order_and_survives_keys_that_are_not_text() -> None:
    one = Lead(id=7, custom_fields={"b": {"y": 1, "x": 2}, "a": 1})
    other = Lead(id=7, custom_fields={"a": 1, "b": {"x": 2, "y": 1}})
    assert rev_token(one) == rev_token(other)
    mixed = cast(Any, {1: "one", "b": "text", 2: [Decimal("1.50")]})
    token = rev_token(Lead(id=7, custom_fields=mixed))
    assert token.startswith("b:") and token != rev_token(Lead(id=7, custom_fields={}))
    assert token == rev_token(Lead(id=7, custom_fields=dict(reversed(list(mixed.items())))))
