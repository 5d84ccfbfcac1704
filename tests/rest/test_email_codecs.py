"""Emails on the REST wire: the recorded one round-trips exactly; mailboxes both ways."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from nutshell_core.errors import MalformedResponseError
from nutshell_core.model import UNSET, Correspondent, EmailMessage
from nutshell_rest._email_codecs import format_mailbox, parse_mailbox
from nutshell_rest.convert import structure_record, unstructure_record

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rest"


def _recorded() -> dict[str, Any]:
    page = json.loads((FIXTURES / "read" / "events" / "1-first-page.json").read_text("utf-8"))
    (email,) = [p for p in page["payloads"] if p["type"] == "emails"]
    return dict(email)


def test_the_recorded_email_round_trips_key_for_key() -> None:
    wire = _recorded()
    email = structure_record(wire)
    assert isinstance(email, EmailMessage)
    assert json.dumps(unstructure_record(email)) == json.dumps(wire)


def test_a_changed_email_keeps_the_links_it_does_not_type() -> None:
    email = structure_record(_recorded(), EmailMessage)
    assert isinstance(email, EmailMessage)
    changed = attrs.evolve(email, cc=(Correspondent(address="boss@x.test", display="Boss"),))
    links = unstructure_record(changed)["links"]
    assert list(links) == list(_recorded()["links"])
    assert links["cc"] == ["Boss <boss@x.test>"]
    assert links["from"] == ["Nutshell <info@nutshell.com>"]
    assert links["edition"] is None


@pytest.mark.parametrize(
    ("text", "address", "display"),
    [
        ("Nutshell <info@nutshell.com>", "info@nutshell.com", "Nutshell"),
        ("info@nutshell.com", "info@nutshell.com", UNSET),
        ("<info@nutshell.com>", "info@nutshell.com", UNSET),
        ("Michał Rączka <m@x.pl>", "m@x.pl", "Michał Rączka"),
        ('"Doe, John" <j@x.test>', "j@x.test", '"Doe, John"'),
    ],
)
def test_mailboxes(text: str, address: str, display: Any) -> None:
    parsed = parse_mailbox(text)
    assert (parsed.address, parsed.display) == (address, display)
    if not text.startswith("<"):
        assert format_mailbox(parsed) == text


def test_a_name_equal_to_the_address_is_not_repeated() -> None:
    assert format_mailbox(Correspondent(address="a@b.c", display="a@b.c")) == "a@b.c"


def test_bad_links_are_malformed() -> None:
    with pytest.raises(MalformedResponseError):
        structure_record({"id": "1-emails", "type": "emails", "links": {"to": "a@b.c"}})
    with pytest.raises(MalformedResponseError):
        structure_record({"id": "1-emails", "type": "emails", "links": {"from": [3]}})
