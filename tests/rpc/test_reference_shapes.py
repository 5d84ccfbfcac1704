"""Custom field definitions and audiences on the JSON-RPC wire: the converter and the layouts.

The yardstick is the HULL connector's findCustomFields example (a mock of the API written from
its answers; see tests/emulator/test_reference_data.py): read into the model and written back,
it is the same JSON, key order included; the presenter lays a definition out the same way.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar

import pytest

from nutshell_core.errors import MalformedResponseError
from nutshell_core.model import Audience, CustomField, Record
from nutshell_rpc.convert import record_from_rpc, record_to_rpc, value_from_rpc
from nutshell_rpc.reference_shapes import custom_field_map
from nutshell_rpc.shapes import Presenter

R = TypeVar("R", bound=Record)


class DictSource:
    """A record source holding nothing: definitions and audiences link to no other record."""

    def find(self, cls: type[R], record_id: int, /) -> R | None:
        return None

    def trashed(self, cls: type[R], record_id: int, /) -> R | None:
        return None

    def all(self, cls: type[R], /) -> Sequence[R]:
        return []

    def now(self) -> datetime:
        return datetime(2024, 3, 28, tzinfo=timezone.utc)


HULL_ATTRIBUTE: dict[str, Any] = {
    "name": "Application",
    "isMultiple": False,
    "position": 6,
    "type": "Enum",
    "enumElements": {
        "3": "Commercial & Resedential",
        "1": "Heavy duty & Hazardous",
        "2": "Large-Scale Utility",
        "4": "Recreational & Custom",
    },
}


def test_a_definition_reads_and_writes_back_exactly() -> None:
    field = record_from_rpc(HULL_ATTRIBUTE, CustomField)
    assert field.name == "Application" and field.field_type == "enum"
    assert field.position == 6 and field.is_multiple is False
    assert list(field.choices.values())[:1] == ["Commercial & Resedential"]  # type: ignore[union-attr]
    assert json.dumps(record_to_rpc(field)) == json.dumps(HULL_ATTRIBUTE)


@pytest.mark.parametrize(
    ("wire", "model"),
    [
        ("Text", "text"),
        ("Currency", "currency"),
        ("Date", "date"),
        ("Multi-select", "Multi-select"),
    ],
)
def test_field_types_read_as_rest_spells_them_and_unknown_ones_survive(
    wire: str, model: str
) -> None:
    field = record_from_rpc({"name": "F", "type": wire}, CustomField)
    assert field.field_type == model
    assert record_to_rpc(field)["type"] == wire


def test_a_definition_with_a_bad_value_is_malformed() -> None:
    with pytest.raises(MalformedResponseError, match="isMultiple"):
        record_from_rpc({"name": "F", "isMultiple": "no"}, CustomField)


def test_the_presenter_lays_definitions_out_as_the_example_does() -> None:
    choices = dict(sorted(HULL_ATTRIBUTE["enumElements"].items()))  # stored in id order
    field = CustomField(id=1, name="Application", field_type="enum", applies_to="Lead",
                        is_multiple=False, position=6, choices=choices)  # fmt: skip
    text = CustomField(id=2, name="Notes", field_type="text", applies_to="Contact", position=1)
    presenter = Presenter(DictSource())
    assert presenter.full(field) == HULL_ATTRIBUTE
    assert list(presenter.full(field)) == list(HULL_ATTRIBUTE)
    assert presenter.stub(field) == presenter.full(field)  # one form only
    assert custom_field_map(presenter, [text, field]) == {
        "Leads": [HULL_ATTRIBUTE],
        "Contacts": [{"name": "Notes", "isMultiple": False, "position": 1, "type": "Text"}],
        "Accounts": [],
    }


def test_audiences_are_named_records() -> None:
    stub = {"stub": True, "id": 4, "rev": "0", "entityType": "Audiences", "name": "Newsletter"}
    (audience,) = value_from_rpc([stub])
    assert isinstance(audience, Audience) and audience.name == "Newsletter"
    assert record_to_rpc(audience) == stub
    assert Presenter(DictSource()).stub(audience) == stub
