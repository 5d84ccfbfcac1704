"""Custom field definitions and audiences on the REST wire: read into the model and back.

The shapes are the emulator's (the OpenAPI document gives a definition only an id; see
``nutshell_emulator.assumptions``) and OAS's ``POST /audiences`` answer; a round trip keeps
every key, including ones the model does not type (a record's custom field ``value``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from nutshell_core.errors import MalformedResponseError
from nutshell_core.model import Audience, CustomField
from nutshell_rest.convert import structure_record, unstructure_record
from nutshell_rest.envelope import parse_envelope, render_envelope

DEFINITION: dict[str, Any] = {
    "id": "4-customFields",
    "type": "customFields",
    "name": "Interests",
    "title": "Interests",
    "fieldType": "enum",
    "isMultiple": True,
    "choices": ["Solar", "Storage"],
}


def test_a_definition_round_trips_exactly() -> None:
    field = structure_record(DEFINITION)
    assert isinstance(field, CustomField)
    assert (field.id, field.field_type, field.is_multiple) == (4, "enum", True)
    assert field.choices == {"1": "Solar", "2": "Storage"}  # REST names no choice ids
    assert json.dumps(unstructure_record(field)) == json.dumps(DEFINITION)


def test_a_record_value_is_kept_as_the_wire_sent_it() -> None:
    value = {"id": "2-customFields", "type": "customFields", "name": "Budget",
             "value": {"currency": "USD", "amount": 5}}  # fmt: skip
    field = structure_record(value, CustomField)
    assert field.extra == {"value": {"currency": "USD", "amount": 5}}
    assert unstructure_record(field) == value


def test_items_of_a_custom_fields_envelope_are_definitions() -> None:
    body = {"meta": {}, "links": {}, "customFields": [{"name": "Untyped"}, DEFINITION]}
    envelope = parse_envelope(body, "customFields")
    assert [type(r) for r in envelope.records] == [CustomField, CustomField]
    assert render_envelope(envelope) == body


def test_an_audience_round_trips_exactly() -> None:
    wire = {"id": "1-emAudiences", "type": "emAudiences", "name": "Your Audience", "isWebFX": False}
    audience = structure_record(wire)
    assert audience == Audience(id=1, name="Your Audience", is_web_fx=False)
    assert json.dumps(unstructure_record(audience)) == json.dumps(wire)


@pytest.mark.parametrize(
    "bad",
    [
        {**DEFINITION, "choices": "Solar"},
        {**DEFINITION, "choices": ["Solar", 2]},
        {**DEFINITION, "id": "4-leads"},
        {**DEFINITION, "isMultiple": "yes"},
    ],
)
def test_a_malformed_definition_names_the_problem(bad: dict[str, Any]) -> None:
    with pytest.raises(MalformedResponseError):
        structure_record(bad, CustomField)
