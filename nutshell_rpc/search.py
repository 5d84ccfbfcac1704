"""What a legacy ``search*`` method matches, and in which order: one rule for every side.

The emulator's JSON-RPC front answers searches with it, and the bridge finds the same records
through REST with it, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Final

from nutshell_core.model import Lead, Record, Task

__all__ = ["LEAD_PREFIX", "matches", "search_name", "search_order"]

#: How a lead is named in the RPC API, and so what a search matches: "Lead–<number>".
LEAD_PREFIX: Final = "Lead–"  # an EN DASH, as Nutshell writes it


def search_name(record: Record) -> str:
    """The name the RPC API searches and orders search results by."""
    if isinstance(record, Lead):
        return f"{LEAD_PREFIX}{record.number}"
    if isinstance(record, Task):
        return record.title if isinstance(record.title, str) else ""
    name = getattr(record, "name", None)
    return name if isinstance(name, str) else ""


def matches(record: Record, text: str) -> bool:
    """The RPC API's search: a case-insensitive substring of the name (and of a lead's number
    and description)."""
    needle = text.strip().casefold()
    haystacks = [search_name(record)]
    if isinstance(record, Lead):
        description = record.description if isinstance(record.description, str) else ""
        haystacks += [str(record.number), description]
    return any(needle in h.casefold() for h in haystacks)


def search_order(record: Record) -> tuple[str, str, int]:
    """The RPC API's order of search results: name (case-insensitive), then type and id."""
    return (
        search_name(record).casefold(),
        record.entity,
        record.id if isinstance(record.id, int) else 0,
    )
