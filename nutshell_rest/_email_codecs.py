"""The REST wire of an email (``GET /emails/{id}``, ``emails`` payloads of ``GET /events``).

The recorded email (``read/events/1-first-page.json``) carries its subject, an ``excerpt`` of
the text rather than the whole body, ``sentTime`` and the record times as unix ints, and its
senders and recipients in ``links.from`` / ``links.to`` / ``links.cc`` as mailbox strings
(``"Nutshell <info@nutshell.com>"``), not as ids. Nothing in it names the contacts, users or
leads the email is filed on. OpenAPI declares no schema for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from nutshell_core.model import UNSET, Correspondent, EmailMessage, Record
from nutshell_core.wiremap import Field, RecordMap
from nutshell_rest._codecs import (
    WIRE,
    RestMap,
    attr_field,
    id_field,
    load_text,
    time_field,
    type_field,
)

__all__ = ["CORRESPONDENT_LINKS", "EMAIL_MAP", "format_mailbox", "parse_mailbox"]

#: ``links`` members holding mailboxes, and the model attribute of each.
CORRESPONDENT_LINKS: Final[Mapping[str, str]] = {"from": "from_", "to": "to", "cc": "cc"}

_MAILBOX = re.compile(r"\s*(.*?)\s*<([^<>]*)>\s*", re.DOTALL)


def parse_mailbox(text: Any) -> Correspondent:
    """``"Name <a@x>"`` -> address and display name; a bare ``"a@x"`` has no display name."""
    if not isinstance(text, str):
        raise TypeError(f"expected a mailbox string, got {type(text).__name__}")
    match = _MAILBOX.fullmatch(text)
    if match is None or not match.group(1):
        address = match.group(2) if match is not None else text
        return Correspondent(address=address.strip())
    return Correspondent(address=match.group(2).strip(), display=match.group(1))


def format_mailbox(item: Correspondent) -> str:
    """The mailbox string: ``"Name <a@x>"``, or the bare address when the name adds nothing."""
    display = item.display if isinstance(item.display, str) else ""
    if not display or display == item.address:
        return item.address
    return f"{display} <{item.address}>"


def _links_field() -> Field:
    """``links`` with its mailbox members typed; the other members (``comments``, ``files``,
    ``emailQueued``, ``edition``) and the member order stay as sent."""

    def load(value: Any) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise TypeError(f"expected a links object, got {type(value).__name__}")
        out: dict[str, Any] = {}
        for key, attr in CORRESPONDENT_LINKS.items():
            member = value.get(key)
            if member is None:
                continue
            if not isinstance(member, list):
                raise TypeError(f"links.{key}: expected an array, got {type(member).__name__}")
            out[attr] = tuple(parse_mailbox(item) for item in member)
        return out

    def dump(record: Record) -> Any:
        typed: dict[str, Any] = {}
        for key, attr in CORRESPONDENT_LINKS.items():
            items = getattr(record, attr, UNSET)
            if isinstance(items, tuple):
                typed[key] = [format_mailbox(item) for item in items]
        memo = record.memo
        original = memo.originals.get("links") if memo and memo.wire == WIRE else None
        if not isinstance(original, Mapping):
            return typed or UNSET
        merged = {key: typed.pop(key, member) for key, member in original.items()}
        merged.update(typed)
        return merged

    return Field("links", load, dump)


def _time(key: str, attr: str) -> Field:
    return time_field(key, attr, "unix")


#: The REST map of :class:`~nutshell_core.model.EmailMessage`, keys in the recorded order.
EMAIL_MAP: Final = RestMap(
    RecordMap(
        EmailMessage,
        (
            id_field(EmailMessage),
            type_field(EmailMessage),
            _time("sentTime", "sent_time"),
            _time("createdTime", "created_time"),
            _time("modifiedTime", "modified_time"),
            _time("deletedTime", "deleted_time"),
            attr_field("subject", "subject", load_text),
            attr_field("excerpt", "excerpt", load_text),
            attr_field("htmlUrl", "html_url", load_text),
            _links_field(),
        ),
    )
)
