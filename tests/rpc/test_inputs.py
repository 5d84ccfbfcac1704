"""The shared reader of legacy input objects: lookups through a source, strict or permissive.

The emulator's JSON-RPC front runs it over its whole store (tested with the front); these tests
cover what the bridge relies on: a source that holds only some records, or none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import pytest

from nutshell_core import errors
from nutshell_core.model import (
    Contact,
    Lead,
    Money,
    Product,
    ProductMap,
    Record,
    Ref,
    Source,
    Tag,
)
from nutshell_emulator.store import Store
from nutshell_rpc.inputs import InputReader, InputSource

R = TypeVar("R", bound=Record)


class Partial:
    """A source holding a few records, like the bridge's reference cache."""

    def __init__(self, *records: Record) -> None:
        self.records = list(records)

    def find(self, cls: type[R], record_id: int, /) -> R | None:
        return next((r for r in self.records if isinstance(r, cls) and r.id == record_id), None)

    def all(self, cls: type[R], /) -> Sequence[R]:
        return [r for r in self.records if isinstance(r, cls)]


def _reference(cls: type[Record]) -> bool:
    return cls in (Source, Tag)


def test_sources_satisfy_the_protocol() -> None:
    assert isinstance(Store(), InputSource)
    assert isinstance(Partial(), InputSource)


def test_without_a_source_links_are_taken_by_id_and_nothing_is_refused() -> None:
    parsed = InputReader().read(
        Lead,
        {"contacts": [{"id": 9, "relationship": "Buyer"}], "sources": [4], "tags": ["VIP"]},
        "lead",
    )
    assert parsed.values["contacts"] == (Ref(entity="Contact", id=9, relationship="Buyer"),)
    assert parsed.values["sources"] == (Ref(entity="Source", id=4),)
    assert parsed.values["tags"] == (Ref(entity="Tag", name="VIP"),)  # no Tag known: no id yet


def test_verified_classes_are_refused_when_unknown_others_pass_by_id() -> None:
    reader = InputReader(Partial(Source(id=1, name="Web")), verified=_reference)
    parsed = reader.read(Lead, {"sources": [{"id": 1}], "contacts": [{"id": 77}]}, "lead")
    assert parsed.values["sources"] == (Ref(entity="Source", id=1, name="Web"),)
    assert parsed.values["contacts"] == (Ref(entity="Contact", id=77),)
    with pytest.raises(errors.InvalidRequestError) as caught:
        reader.read(Lead, {"sources": [{"id": 2}]}, "lead")
    assert caught.value.message == "lead.sources[0]: no Sources with id 2"
    assert (caught.value.status, caught.value.code) == (400, -32602)


def test_a_product_line_takes_what_the_source_knows() -> None:
    kit = Product(id=3, name="Kit", unit="each")
    reader = InputReader(Partial(kit), verified=_reference)
    known, unknown = reader.read(
        Lead, {"products": [{"id": 3, "quantity": 2}, {"id": 8, "price": 5}]}, "lead"
    ).values["products"]
    assert isinstance(known.record, ProductMap) and isinstance(unknown.record, ProductMap)
    assert (known.record.name, known.record.quantity, known.record.unit) == ("Kit", 2, "each")
    assert unknown.id == 8 and isinstance(unknown.record.price, Money)
    assert unknown.record.price.amount == 5  # the price sent; the product's own is unknown


def test_new_tag_names_are_registered_through_the_callback_once() -> None:
    vip = Tag(id=1, name="VIP", applies_to="Contact")
    reader = InputReader(Partial(vip), verified=_reference)
    values = reader.read(Contact, {"tags": ["VIP", "New", "New"]}, "contact").values
    created: list[tuple[str, str]] = []

    def create(name: str, applies_to: str) -> Record:
        created.append((name, applies_to))
        return Tag(id=2, name=name, applies_to=applies_to)

    linked: Any = reader.with_tags(Contact, values, create)["tags"]
    assert created == [("New", "Contact")]
    assert [(t.id, t.name) for t in linked] == [(1, "VIP"), (2, "New")]
    assert reader.with_tags(Contact, {"tags": linked}, create) == {"tags": linked}
    assert created == [("New", "Contact")]  # nothing new: not called again
