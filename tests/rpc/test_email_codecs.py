"""Emails on the JSON-RPC wire: the recorded ones round-trip exactly, odd spellings too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from nutshell_core.errors import MalformedResponseError
from nutshell_core.model import UNSET, Correspondent, EmailMessage, Ref
from nutshell_rpc.convert import record_from_rpc, record_to_rpc

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rpc"


def _emails() -> list[dict[str, Any]]:
    data = json.loads((FIXTURES / "hull" / "api_findtimeline.json").read_text("utf-8"))
    return [item for item in data["result"] if item["entityType"] == "Emails"]


@pytest.mark.parametrize("index", range(3))
def test_recorded_emails_round_trip_key_for_key(index: int) -> None:
    wire = _emails()[index]
    email = record_from_rpc(wire)
    assert isinstance(email, EmailMessage)
    assert json.dumps(record_to_rpc(email)) == json.dumps(wire)
    assert email.memo is not None and dict(email.memo.extra) == {}  # every key is modelled


def test_a_changed_email_renders_from_its_typed_fields() -> None:
    email = record_from_rpc(_emails()[2], EmailMessage)
    (recipient,) = email.to  # type: ignore[misc]
    assert recipient.display == "bar@baz.com"  # no name in the header: the address
    moved = attrs.evolve(
        email,
        to=(Correspondent(address="x@y.z", display="X", entity=Ref(entity="Contact", id=7)),),
        cc=(Correspondent(address="c@y.z", entity=None),),
    )
    out = record_to_rpc(moved)
    assert out["to"] == [
        {"address": "x@y.z", "display": "X", "entity": {"entityType": "Contacts", "id": "7"}}
    ]
    assert out["cc"] == [{"address": "c@y.z", "entity": None}]
    assert out["from"] == _emails()[2]["from"]  # unchanged keys keep their recorded form


def test_odd_spellings_are_kept() -> None:
    wire = {
        "id": 5,
        "entityType": "Emails",
        "to": [
            {"address": "a@b.c", "display": None, "entity": {"entityType": "Users", "id": 1}},
            {"address": "d@e.f", "entity": {"entityType": "Origins", "id": "3"}, "extra": 1},
        ],
        "from": None,
        "subject": "Hi",
    }
    email = record_from_rpc(wire, EmailMessage)
    assert email.to == (
        Correspondent(address="a@b.c", display=None, entity=Ref(entity="User", id=1)),
        Correspondent(address="d@e.f", entity=Ref(entity="Origins", id=3)),
    )
    assert email.from_ is UNSET  # null says nothing
    assert record_to_rpc(email) == wire  # the integer id, the unknown key and the null


@pytest.mark.parametrize(
    ("key", "value", "where"),
    [
        ("to", "a@b.c", "$.to"),
        ("to", [{"display": "No address"}], "$.to"),
        ("cc", [{"address": "a@b.c", "entity": {"id": "1"}}], "$.cc"),
        ("from", [{"address": "a@b.c", "entity": {"entityType": "Users", "id": "x"}}], "$.from"),
        ("sentTime", "yesterday", "$.sentTime"),
    ],
)
def test_bad_emails_are_malformed_with_a_path(key: str, value: Any, where: str) -> None:
    with pytest.raises(MalformedResponseError) as caught:
        record_from_rpc({"id": 1, "entityType": "Emails", key: value})
    assert any(where in problem for problem in caught.value.problems)
