"""The JSON-RPC front's special methods: discovery, ``getUser``, notes, tags, sources, the
timeline and the cross-type searches, whose signature or result differs from the generic
handlers'.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from nutshell_core.errors import NotFoundError, PermissionDeniedError
from nutshell_core.model import (
    Account,
    Activity,
    Contact,
    EmailMessage,
    Lead,
    Note,
    Record,
    Ref,
    Source,
    Tag,
    User,
)
from nutshell_emulator.emails import on_timeline
from nutshell_emulator.rpc_generic import _search_in
from nutshell_emulator.rpc_order import _TIMELINE_KEYS, _int, _rev
from nutshell_rpc import rules as legacy
from nutshell_rpc.inputs import bad_input, note_html, read_id, read_int, read_number, read_text
from nutshell_rpc.search import matches
from nutshell_rpc.shapes import notes_of

if TYPE_CHECKING:
    from nutshell_emulator.rpc_front import Call, EmulatorBackend, Handler


#: How long after writing it a note's author may still edit it (DOC-CORE).
NOTE_EDIT_WINDOW = timedelta(hours=24)

# -- special methods ----------------------------------------------------------------------------


def _discover(backend: EmulatorBackend, call: Call) -> Any:
    return backend.discover(str(call.params.get("username", "")))


def _add(_backend: EmulatorBackend, call: Call) -> Any:
    first = read_number(call.params.get("num1"), "num1")
    return first + read_number(call.params.get("num2"), "num2")


def _get_user(backend: EmulatorBackend, call: Call) -> Any:
    user_id = call.params.get("userId")
    if user_id is None:
        if call.user is None:
            raise NotFoundError("no authenticated user", status=404, code=404)
        return backend.presenter.full(backend.fetch(User, _int(call.user.id)))
    return backend.presenter.full(backend.fetch(User, read_int(user_id, "userId"), trashed=True))


def _new_note(backend: EmulatorBackend, call: Call) -> Any:
    parent = legacy.note_parent(call.params.get("entity"), backend.store.find)
    text = legacy.read_note_text(call.params.get("note"), "note")
    return backend.presenter.full(backend.append_note(parent, text, call))


def _edit_note(backend: EmulatorBackend, call: Call) -> Any:
    note_id = read_int(call.params.get("noteId"), "noteId")
    note = backend.fetch(Note, note_id)
    assert isinstance(note, Note)
    backend.store.check_rev(note, _rev(call.params.get("rev")))
    author = note.user.id if isinstance(note.user, Ref) else None
    if call.user is None or author != call.user.id:
        raise PermissionDeniedError("only a note's author may edit it", status=403, code=403)
    written = note.created_time if isinstance(note.created_time, datetime) else None
    if written is not None and backend.store.now() - written > NOTE_EDIT_WINDOW:
        raise PermissionDeniedError(
            "a note can only be edited within 24 hours", status=403, code=403
        )
    text = legacy.read_note_text(call.params.get("note"), "note")
    changes = {"body": text, "body_markup": text, "body_html": note_html(text)}
    updated = backend.store.update(Note, note_id, changes, actor=call.actor)
    return backend.presenter.full(updated)


_TAG_TYPES = {"Lead": "Leads", "Contact": "Contacts", "Account": "Accounts"}


def _find_tags(backend: EmulatorBackend, _call: Call) -> Any:
    """Tag names by the type they apply to: registered tags plus the ones in use."""
    names: dict[str, list[str]] = {"Leads": [], "Contacts": [], "Accounts": []}

    def add(entity: Any, name: Any) -> None:
        key = _TAG_TYPES.get(entity)
        if key is not None and isinstance(name, str) and name not in names[key]:
            names[key].append(name)

    for tag in backend.store.all(Tag):
        add(tag.applies_to, tag.name)
    for cls in (Lead, Contact, Account):
        for record in backend.store.all(cls):
            for ref in getattr(record, "tags", ()) or ():
                add(cls.entity, ref.name)
    return {key: sorted(values, key=str.casefold) for key, values in names.items()}


def _new_tag(backend: EmulatorBackend, call: Call) -> Any:
    name, applies = legacy.read_new_tag(backend.reader, call.params.get("tag"))
    legacy.refuse_duplicate_tag(backend.store.all(Tag), name, applies)
    tag = backend.store.insert(Tag(name=name, applies_to=applies), actor=call.actor)
    return backend.presenter.full(tag)


def _new_source(backend: EmulatorBackend, call: Call) -> Any:
    name = legacy.read_source_name(call.params.get("name"))
    found = legacy.named(backend.store.all(Source), name)
    if found is not None:
        return backend.presenter.full(found)
    created = backend.store.insert(Source(name=name), actor=call.actor)
    return backend.presenter.full(created)


def _find_timeline(backend: EmulatorBackend, call: Call) -> Any:
    query = call.params.get("query")
    if not isinstance(query, Mapping):
        raise bad_input("query", "expected {entityType, id}")
    cls = legacy.NOTE_PARENTS.get(str(query.get("entityType")))
    if cls is None:
        raise bad_input("query.entityType", "expected Leads, Contacts or Accounts")
    record = backend.fetch(cls, read_id(query, "query"))
    items: list[Record] = [*notes_of(backend.store, record)]
    for cls in (Activity, EmailMessage):
        items += [item for item in backend.store.all(cls) if on_timeline(item, record)]
    return backend.page(call, items, _TIMELINE_KEYS, full=True)


def _search_by_email(backend: EmulatorBackend, call: Call) -> Any:
    text = read_text(call.params.get("emailAddressString"), "emailAddressString", null=False)
    needle = (text or "").strip().casefold()
    out: dict[str, list[dict[str, Any]]] = {}
    for key, cls in (("contacts", Contact), ("accounts", Account)):
        hits = [
            r
            for r in backend.store.all(cls)
            if any(e.value.casefold() == needle for e in getattr(r, "emails", ()) or ())
        ]
        out[key] = [backend.presenter.stub(r) for r in hits[:5]]
    return out


def _search_universal(backend: EmulatorBackend, call: Call) -> Any:
    text = read_text(call.params.get("string"), "string", null=False) or ""
    out: dict[str, list[dict[str, Any]]] = {}
    for key, cls in (("contacts", Contact), ("accounts", Account), ("leads", Lead)):
        hits = [r for r in backend.store.all(cls) if matches(r, text)]
        out[key] = [backend.presenter.stub(r) for r in hits[:_UNIVERSAL_LIMIT]]
    return out


_UNIVERSAL_LIMIT = 10


def _searcher(*classes: type[Record]) -> Handler:
    def handle(backend: EmulatorBackend, call: Call) -> Any:
        return _search_in(backend, call, classes)

    return handle
