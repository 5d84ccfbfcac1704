"""The steps every legacy write through REST is made of: looking linked records up, reading
the record as it is (with the rev check), computing the patch, writing notes and the links
the legacy API keeps on the other side, and reading the result back in the legacy shape.

The write families (:mod:`bridge.translators.writes`) compose these; the legacy rules they
apply (defaults, required keys, merging) come from :mod:`nutshell_rpc.rules`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Final, TypeVar

from bridge.cache import REFERENCE_CLASSES
from bridge.complete import IDS_PER_GET, existing, note_author, rest_resource
from bridge.context import BridgeContext
from bridge.revs import REV_IGNORE, WriteGuard
from bridge.times import chunks
from nutshell_core import model
from nutshell_core.catalog import RPC_METHODS, RpcMethod
from nutshell_core.errors import (
    MalformedResponseError,
    NotBridgeable,
    NotFoundError,
    OutcomeUnknownError,
)
from nutshell_core.model import (
    Contact,
    Lead,
    Note,
    Product,
    Record,
    Ref,
    Tag,
)
from nutshell_rest.client import Gettable, Listable, Patchable, Resource
from nutshell_rest.convert import id_for_ref, record_to_rest_input
from nutshell_rest.patch import Patch, diff_inputs
from nutshell_rest.query import Query
from nutshell_rpc import rules as legacy
from nutshell_rpc.inputs import (
    InputReader,
    ParsedInput,
    bad_input,
    read_id,
    read_int,
)

R = TypeVar("R", bound=Record)
T = TypeVar("T", bound=Resource)


# -- looking linked records up -------------------------------------------------------------------


class _InputSource:
    """Where the input reader looks linked records up (an ``InputSource``).

    Reference data comes from the bridge's cache, which holds whole lists, so an id it lacks
    can be refused with the RPC API's 400; on a miss the list is read again once, since a
    record created a moment ago (through either API) may be newer than the cached list.
    Products are listed through REST (one request) when an input names one: a product line
    takes the product's name and price. Anything else is unknown here, and linked by id alone.
    """

    def __init__(self, ctx: BridgeContext) -> None:
        self._ctx = ctx
        self._refreshed: set[type[Record]] = set()
        self._products: dict[int, Product] | None = None

    def find(self, cls: type[R], record_id: int, /) -> R | None:
        """The record, if the cache holds it (reference data) or REST has it (products)."""
        if cls in REFERENCE_CLASSES:
            found = self._ctx.cache.get(cls, record_id)
            if found is None and cls not in self._refreshed:
                self._refreshed.add(cls)
                self._ctx.cache.invalidate(cls)
                found = self._ctx.cache.get(cls, record_id)
            return found if isinstance(found, cls) else None
        if cls is Product:
            if self._products is None:
                # GET /products is unpaged: one request names every product an input's lines
                # can, however many lines there are.
                self._products = {
                    item.id: item
                    for item in self._ctx.rest.products.iterate()
                    if isinstance(item, Product) and isinstance(item.id, int)
                }
            product = self._products.get(record_id)
            return product if isinstance(product, cls) else None
        return None

    def all(self, cls: type[R], /) -> Sequence[R]:
        """The cached list of a reference class (nothing for other classes)."""
        if cls not in REFERENCE_CLASSES:
            return []
        return [r for _, r in sorted(self._ctx.cache.records(cls).items()) if isinstance(r, cls)]


def _verified(cls: type[Record]) -> bool:
    """Classes whose every record the bridge can see, so an unknown id is refused here."""
    return cls in REFERENCE_CLASSES or cls is Product


def _reader(ctx: BridgeContext) -> InputReader:
    return InputReader(_InputSource(ctx), verified=_verified)


def _create_tag(ctx: BridgeContext) -> Callable[[str, str], Record]:
    """Register a new tag name through REST (``POST /tags``), as the RPC API does itself."""

    def create(name: str, applies_to: str) -> Record:
        # The cached list may predate a tag someone just made: look once more before creating.
        ctx.cache.invalidate(Tag)
        for tag in ctx.cache.records(Tag).values():
            if isinstance(tag, Tag) and tag.name == name and tag.applies_to in (applies_to, None):
                return tag
        created = _created(ctx.rest.tags.create(Tag(name=name, applies_to=applies_to)), Tag)
        ctx.cache.invalidate(Tag)
        return created

    return create


# -- small helpers --------------------------------------------------------------------------------


def _row(name: str) -> RpcMethod:
    return RPC_METHODS[name]


def _row_class(row: RpcMethod) -> type[Record]:
    """The record class a write row's entity names."""
    return model.ENTITIES[row.entity or ""]


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


def _ref_id(value: object) -> int | None:
    return value.id if isinstance(value, Ref) and isinstance(value.id, int) else None


#: The records created by the write running in this context, when someone is recording.
_CREATED: ContextVar[list[tuple[str, int]] | None] = ContextVar("bridge_created", default=None)


@contextmanager
def recording_created() -> Iterator[list[tuple[str, int]]]:
    """Collect ``(entity, id)`` of every record a create step made while the block runs, so a
    write failing after its create can name the record that exists now."""
    created: list[tuple[str, int]] = []
    token = _CREATED.set(created)
    try:
        yield created
    finally:
        _CREATED.reset(token)


def _created(item: object, cls: type[R]) -> R:
    """The record a create answered with (a create that returns none is malformed)."""
    if not isinstance(item, cls) or not isinstance(item.id, int):
        raise MalformedResponseError(
            f"a {cls.rest_type} create answered without the record",
            problems=(f"got {type(item).__name__} @ $.{cls.rest_type}[0]",),
        )
    created = _CREATED.get()
    if created is not None:
        created.append((cls.__name__, item.id))
    return item


def _refuse(method: str, reason: str) -> NotBridgeable:
    return NotBridgeable(f"{method} cannot be answered through REST: {reason}", method, reason)


def _resource(ctx: BridgeContext, cls: type[Record], verb: type[T]) -> T:
    """The REST client resource serving records of ``cls`` with ``verb`` (``ctx.rest.leads``
    as :class:`Patchable` for a lead edit)."""
    resource = rest_resource(ctx.rest, cls, verb)
    if resource is None:
        reason = f"no REST resource offers {verb.__name__.lower()} {cls.rest_type}"
        raise NotBridgeable(reason, cls.entity, reason)
    return resource


def _present(
    ctx: BridgeContext, cls: type[Record], record_id: int, *, included: Iterable[Record] = ()
) -> dict[str, Any]:
    """The record read back through REST after a write, in the RPC shape.

    One ``GET /<entity>/{id}``; its side-loads (a lead's contacts, an account's contacts and
    owners...) and the reference cache supply the linked records the legacy shape embeds.
    """
    # get_many keeps the whole envelope, side-loads included; one id is one request.
    envelope = _resource(ctx, cls, Gettable).get_many([record_id])
    if len(envelope.records) != 1:
        raise MalformedResponseError(
            f"GET /{cls.rest_type.lower()}/{record_id} did not return the record it wrote",
            problems=(f"{len(envelope.records)} records @ $.{envelope.primary_key}",),
        )
    record = _same_record(envelope.records[0], cls, record_id)
    side = [item for items in envelope.included.values() for item in items]
    records = [item for item in (*side, *included) if isinstance(item, Record)]
    return ctx.present_one(ctx.named(note_author(record)), included=records)


def _same_record(item: object, cls: type[R], record_id: int) -> R:
    """``item`` if it is the record written (``cls``, ``record_id``); else the write's outcome
    is unknown, since the record read back is not the one the write answered with."""
    if isinstance(item, cls) and item.id == record_id:
        return item
    kind: object
    number: object
    if isinstance(item, Record):
        kind, number = item.rest_type, item.id
    elif isinstance(item, Mapping):
        kind, number = item.get("type"), item.get("id")
    else:
        kind, number = type(item).__name__, None
    differs = [
        what
        for what, same in (("type", kind == cls.rest_type), ("id", number == record_id))
        if not same
    ]
    target = f"GET /{cls.rest_type.lower()}/{record_id}-{cls.rest_type}"
    raise OutcomeUnknownError(
        f"{target}: the outcome is unknown: the record written was {cls.rest_type} {record_id} "
        f"but the read-back answered {kind!s} {number!r} ({' and '.join(differs) or 'class'} "
        f"{'differ' if len(differs) > 1 else 'differs'}): the write may have been applied; read "
        "the record before retrying, do not retry blindly",
        target,
    )


def _current(
    ctx: BridgeContext, row: RpcMethod, params: Mapping[str, Any]
) -> tuple[int, Record, WriteGuard]:
    """The id param, the record as REST has it now (after the rev check), and the guard the
    writes of the record go through.

    A missing record is 404 before the rev is looked at, as over RPC; the rev is checked before
    anything is written, and a stale one raises the RPC API's 409. The guard re-checks the
    record right before the first write and reads the event log after the last one
    (:class:`bridge.revs.WriteGuard`): REST has no conditional write.
    """
    id_name = row.params[0].name
    record_id = read_int(params.get(id_name), id_name)
    cls = _row_class(row)
    try:
        if record_id < 1:
            raise NotFoundError("REST cannot spell this id", status=404)
        current = ctx.fetch(cls, record_id)
    except NotFoundError:
        # The RPC API's words: "Leads 12 not found".
        raise NotFoundError(
            f"{cls.rpc_type} {record_id} not found", status=404, code=404, target=row.name
        ) from None
    rev = params.get("rev")
    ctx.check_rev(row, record_id, rev, current=current)
    checked = None if rev is None or rev == REV_IGNORE else current
    guard = WriteGuard(
        ctx.rest, method=row.name, cls=cls, record_id=record_id, checked=checked, fetch=ctx.fetch
    )
    return record_id, current, guard


def _edit_patch(current: Record, updated: Record) -> Patch:
    """The JSON Patch turning ``current`` into ``updated`` (both model records).

    ``diff_inputs`` adds and removes link members, which keeps whatever order the server had;
    the RPC API replaces a multi-value link wholesale, in the order sent. So a to-many link
    whose members or order changed is dropped from the old side, which makes ``diff_inputs``
    replace it whole; a link the edit cleared (absent from the new rendering, which leaves
    out empty links) is set to ``[]`` or null.
    """
    old = record_to_rest_input(current)
    new = record_to_rest_input(updated)
    old_links = dict(old.get("links") or {})
    new_links = dict(new.get("links") or {})
    for name in old_links.keys() - new_links.keys():
        new_links[name] = [] if isinstance(old_links[name], list) else None
    for name, members in new_links.items():
        if isinstance(members, list) and old_links.get(name) != members:
            old_links.pop(name, None)
    old["links"], new["links"] = old_links, new_links
    return diff_inputs(current.rest_type, old, new)


def _append_note(ctx: BridgeContext, parent: Record, text: str) -> Note:
    """``POST /notes`` on ``parent``: what a ``note`` key and ``newNote`` do."""
    note = Note(body=text, parent=Ref(entity=parent.entity, id=parent.id))
    return _created(ctx.rest.notes.create(note), Note)


def _with_tags(
    ctx: BridgeContext, reader: InputReader, cls: type[Record], values: Mapping[str, Any]
) -> dict[str, Any]:
    return reader.with_tags(cls, values, _create_tag(ctx))


def _relink(ctx: BridgeContext, side: legacy.OtherSide, target: Record) -> None:
    """Links the RPC API keeps on the other record: a contact's leads live in each lead's
    ``contacts``, an account's contacts in each contact's ``accounts``.

    The records linking ``target`` now are listed through REST (``filter[<link>]``); each
    record whose link must be added or dropped gets one PATCH, in id order as the RPC API
    writes them. Relationships cannot be sent: REST links are ids.
    """
    owner_cls, link = side.owner_cls, side.attr
    target_id = id_for_ref(legacy.bare_ref(target))
    query = Query(rest_type=owner_cls.rest_type).filter(**{link: [target_id]})
    linked = {
        _int(item.id)
        for item in _resource(ctx, owner_cls, Listable).iterate(query)
        if isinstance(item, owner_cls) and isinstance(item.id, int)
    }
    for owner_id, add in legacy.relink_plan(linked, side.wanted):
        patch = Patch(owner_cls.rest_type)
        patch = patch.add_link(link, target_id) if add else patch.remove_link(link, target_id)
        _resource(ctx, owner_cls, Patchable).update(owner_id, patch)


#: Where each other-side link list is sent in a legacy input (``contact.leads``...).
_OTHER_SIDE_KEYS: Final[Mapping[type[Record], str]] = {Lead: "leads", Contact: "contacts"}


def _check_other_sides(
    ctx: BridgeContext, cls: type[Record], parsed: ParsedInput, data: Any, field: str
) -> None:
    """Refuse, before the first write, links to records that do not exist among those the
    RPC API keeps on the other record (a contact's leads, an account's contacts).

    Those are written one PATCH per linked record after the record itself, so REST's own
    refusal of a missing id would come after the record was created or its other links
    dropped. The RPC API checks them first and writes nothing (400, naming the first missing
    entry of the input ``data``): so does this, with a batch GET per kind of linked record.
    """
    for side in legacy.other_side_links(cls(), parsed):
        key = _OTHER_SIDE_KEYS[side.owner_cls]
        entries = data.get(key) if isinstance(data, Mapping) else None
        if not isinstance(entries, list | tuple) or not entries:
            continue
        # The input's own entries, by position (the parsed links are deduplicated).
        wanted = [read_id(entry, f"{field}.{key}[{i}]") for i, entry in enumerate(entries)]
        resource = _resource(ctx, side.owner_cls, Gettable)
        found: set[Any] = set()
        for chunk in chunks([str(i) for i in sorted(set(wanted)) if i >= 0], IDS_PER_GET):
            for envelope in existing(resource, [int(i) for i in chunk], warn=False):
                found.update(r.id for r in envelope.records if isinstance(r, Record))
        for index, record_id in enumerate(wanted):
            if record_id not in found:
                raise bad_input(
                    f"{field}.{key}[{index}]", f"no {side.owner_cls.rpc_type} with id {record_id}"
                )


def _write_links(ctx: BridgeContext, record: Record, parsed: ParsedInput) -> None:
    for side in legacy.other_side_links(record, parsed):
        _relink(ctx, side, record)


def _note_and_links(ctx: BridgeContext, record: Record, parsed: ParsedInput) -> None:
    """What the RPC API does after the record itself is written: the note, the other sides."""
    if parsed.note is not None:
        _append_note(ctx, record, parsed.note)
    _write_links(ctx, record, parsed)
