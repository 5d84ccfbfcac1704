"""The emulator's reader of JSON-RPC input objects: :mod:`nutshell_rpc.inputs` over the store.

Parsing lives in :mod:`nutshell_rpc.inputs`, shared with the bridge so a write means the same
thing through either route. What is the emulator's own is only this: every linked id is checked
against the store (which holds every record, so an unknown id is a 400), and new tag names are
registered by inserting a Tag into the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nutshell_core.model import Record, Tag
from nutshell_emulator.store import Store
from nutshell_rpc.inputs import (
    InputReader,
    ParsedInput,
    bad_input,
    note_html,
    read_bool,
    read_id,
    read_ids,
    read_int,
    read_money,
    read_text,
    read_time,
)

__all__ = [
    "InputReader",
    "ParsedInput",
    "StoreInputReader",
    "bad_input",
    "note_html",
    "read_bool",
    "read_id",
    "read_ids",
    "read_int",
    "read_money",
    "read_text",
    "read_time",
]


class StoreInputReader(InputReader):
    """Reads input objects against the emulator's store, refusing any id it does not hold."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self._store = store

    def create_tags(self, cls: type[Record], values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` with every new tag name inserted into the store as a Tag."""
        return self.with_tags(cls, values, self._insert_tag)

    def _insert_tag(self, name: str, applies_to: str) -> Record:
        return self._store.insert(Tag(name=name, applies_to=applies_to))
