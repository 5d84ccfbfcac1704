"""Answers checked against the request: every record has an id, a get answers what it asked for.

The envelope parser reads whatever a body holds; these checks hold a server's answer to what
the client asked. The REST reference says every record carries ``id`` and ``type`` (§3.2), and
the OpenAPI document that an id is "formatted {integer}-{entityType}" (``"3-contacts"``), so
a model record without a readable id, or with a bare number for one (``"id": 1``, which names
no type and so could be any record), is malformed wherever it appears, and a get by id must
answer records of the requested type and ids, never a neighbour. Each failure is a
:class:`~nutshell_core.errors.MalformedResponseError` naming the path (``$.leads[0].id``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Mapping
from typing import Final

from nutshell_core.errors import MalformedResponseError
from nutshell_core.model import CustomField, Record, entity_for_rest_type
from nutshell_rest._codecs import WIRE, split_id
from nutshell_rest.envelope import Envelope, Item

__all__ = ["check_answer", "require_ids"]

#: Model classes whose REST objects carry no id: ``GET /<entity>/{id}/customfields`` lists a
#: record's custom field values by name.
_WITHOUT_IDS: Final = (CustomField,)

#: An id as the OpenAPI document formats it: ``{integer}-{entityType}``.
_TYPED_ID: Final = re.compile(r"[0-9]+-[A-Za-z][A-Za-z0-9]*")

#: Longest spelling of a server value quoted in a problem (a hostile body can be any size).
_QUOTE_LIMIT: Final = 60


def _quote(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _QUOTE_LIMIT else text[: _QUOTE_LIMIT - 3] + "..."


def _items(envelope: Envelope) -> Iterator[tuple[Item, str]]:
    for index, item in enumerate(envelope.records):
        yield item, f"$.{envelope.primary_key}[{index}]"
    for key, items in envelope.included.items():
        for index, item in enumerate(items):
            yield item, f"$.{key}[{index}]"


def require_ids(envelope: Envelope, target: str, status: int | None = None) -> None:
    """Raise when a model record of a server's answer has no id (``{"leads": [{}]}``), or
    when the primary array named after a model type holds another type.

    Items of types the model lacks stay dicts and are not judged: their shapes are not known;
    neither are custom field values, which are named rather than numbered. In a primary array
    such as ``leads`` every item must be that type, though: a contact (or an item of a type
    nobody knows) listed as a lead would be handed to the caller as one of the leads.
    """
    missing: list[str] = []
    untyped: list[str] = []
    for item, path in _items(envelope):
        if not isinstance(item, Record) or isinstance(item, _WITHOUT_IDS):
            continue
        if not isinstance(item.id, int):
            missing.append(f"no id @ {path}.id")
        elif not _typed_spelling(item):
            untyped.append(
                f"id {_quote(_original_id(item))}, expected '{item.id}-{item.rest_type}' @ "
                f"{path}.id"
            )
    if missing:
        raise MalformedResponseError(
            "a record without an id", target, status, problems=tuple(missing[:5])
        )
    if untyped:
        raise MalformedResponseError(
            "a record id not in the '<n>-<type>' form", target, status, problems=tuple(untyped[:5])
        )
    expected = entity_for_rest_type(envelope.primary_key)
    if expected is None:
        return
    strangers = [
        f"type {_quote(_type_of(item))}, expected {expected.rest_type!r} @ "
        f"$.{envelope.primary_key}[{index}].type"
        for index, item in enumerate(envelope.records)
        if not isinstance(item, expected)
    ]
    if strangers:
        raise MalformedResponseError(
            f"records of another type in the {envelope.primary_key!r} array",
            target,
            status,
            problems=tuple(strangers[:5]),
        )


def _original_id(record: Record) -> object:
    """The id as the server spelled it: the converter keeps a spelling other than the
    canonical ``"<n>-<type>"`` in the record's memo."""
    memo = record.memo
    # Only a memo of the REST wire holds a REST spelling (a record read from JSON-RPC keeps
    # that API's integer ids).
    originals = memo.originals if memo is not None and memo.wire == WIRE else {}
    return originals.get("id", f"{record.id}-{record.rest_type}")


def _typed_spelling(record: Record) -> bool:
    """Whether the server spelled ``record``'s id ``{integer}-{entityType}``; the type itself
    was checked against the record's when it was read."""
    spelled = _original_id(record)
    return isinstance(spelled, str) and _TYPED_ID.fullmatch(spelled) is not None


def _type_of(item: Item) -> object:
    if isinstance(item, Record):
        return item.rest_type
    return item.get("type") if isinstance(item, Mapping) else type(item).__name__


def _identity(item: Item, path: str) -> tuple[int | None, str | None, str]:
    """The id number and REST type ``item`` says it has, and the path of the key that said it."""
    if isinstance(item, Record):
        number = item.id if isinstance(item.id, int) else None
        return number, item.rest_type.lower(), f"{path}.type"
    try:
        number, typed = split_id(item.get("id"))
    except (TypeError, ValueError):
        return None, None, f"{path}.id"
    declared = item.get("type")
    if isinstance(declared, str):
        return number, declared.lower(), f"{path}.type"
    return number, typed.lower() if typed is not None else None, f"{path}.id"


def check_answer(
    envelope: Envelope,
    target: str,
    rest_type: str,
    numbers: Collection[int],
    *,
    status: int | None = None,
) -> None:
    """Raise unless every primary record is of ``rest_type`` with one of the ids ``numbers``.

    A record of another type (a contact answering ``GET /leads/1-leads``) or another id (lead
    2) is a wrong answer, not data: returning it would hand the caller a different record.
    An item without a readable id cannot be shown to be the one asked for, and a record sent
    twice cannot be told from its copy, so both fail too. Ids asked for but not answered are
    not judged here (a gone record is the caller's 404).
    """
    want = rest_type.lower()
    problems: list[str] = []
    seen: set[int] = set()
    for index, item in enumerate(envelope.records):
        path = f"$.{envelope.primary_key}[{index}]"
        number, found, type_path = _identity(item, path)
        if found is not None and found != want:
            problems.append(f"type {_quote(found)}, expected {want!r} @ {type_path}")
        elif number is None:
            problems.append(f"no id @ {path}.id")
        elif number not in numbers:
            asked = ", ".join(f"{n}-{rest_type}" for n in sorted(numbers))
            problems.append(f"id {number}, expected {asked} @ {path}.id")
        elif number in seen:
            # Two copies of one record: which one is the record is anyone's guess.
            problems.append(f"id {number} a second time @ {path}.id")
        else:
            seen.add(number)
    if problems:
        raise MalformedResponseError(
            "the answer is not the record that was asked for",
            target,
            status,
            problems=tuple(problems[:5]),
        )
