"""Complete legacy results: the linked and related records a legacy shape needs, in batches.

REST links records by id and keeps each relation on one side, while a legacy record embeds its
linked records as stubs and carries values computed from related ones (a lead's
``activitiesCount`` and ``notes``, a contact's ``leads``, a lead stub's ``primaryAccountName``
and ``nextStepDueTime``). The legacy presenter (:mod:`nutshell_rpc.shapes`) computes all of these
from a record source; this module fills the bridge's source with what they need, so a bridged
result carries every key the legacy API always sends, with the legacy type.

The records are fetched in rounds, each round one request per *kind* of need, never one per
record:

* **links**: the records a rendered record links to (a lead's accounts and products, an
  activity's leads and participants, a note's parent): ``GET /<type>/1-x,2-x`` per type;
* **scans**: the records that link to a rendered record (a lead's activities, tasks, notes and
  product maps; a contact's leads; an account's contacts and leads): ``GET /<type>?filter[<key>]
  []=...`` per type and key, ORing every rendered record's id;
* **times**: REST leads carry no ``modifiedTime`` and contacts, accounts and products no
  ``createdTime``; ``GET /events`` (every record's create and update events) supplies both, one
  request for all the records rendered (see :class:`EventTimes`).

Records fetched for links and scans are rendered as stubs, and a lead stub needs its own scans
and links (its activities for ``lastContactedDate``, its first account for
``primaryAccountName``), so a second and third round follow; each round only asks for what no
earlier round fetched. The number of requests is bounded by the number of record types linked,
not by the number of records: :data:`MAX_ROUNDS` rounds at most.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, TypeVar

import attrs

from bridge.cache import REFERENCE_CLASSES
from bridge.times import EventTimes, chunks, refs, wire_id
from nutshell_core.errors import MalformedResponseError, NotFoundError
from nutshell_core.model import (
    Account,
    Activity,
    Contact,
    Lead,
    Note,
    Product,
    ProductMap,
    Record,
    Ref,
    Task,
    entity_class,
)
from nutshell_rest.client import Gettable, Listable
from nutshell_rest.convert import ref_for_id, unstructure_record
from nutshell_rest.query import MAX_PAGE_LIMIT, Query
from nutshell_rpc.shapes import lead_accounts

if TYPE_CHECKING:
    from nutshell_rest import Envelope, RestClient

_log = logging.getLogger(__name__)

T = TypeVar("T")

__all__ = [
    "IDS_PER_GET",
    "MAX_REQUESTS",
    "MAX_ROUNDS",
    "SCANS",
    "Completer",
    "Scan",
    "note_author",
    "rest_resource",
]

#: Rounds of fetching at most: records, their links and scans, the stubs' own needs.
MAX_ROUNDS: Final = 3

#: Ids one ``GET /<type>/1-x,2-x`` or one ``filter[...]`` names at most (keeps the URL well
#: under 8 KB).
IDS_PER_GET: Final = 200


@attrs.frozen
class Scan:
    """Records of ``cls`` that link to a rendered record through REST's ``filter[<key>]``."""

    cls: type[Record]
    key: str


#: What a rendered record needs scanned, by its class and whether it renders full (True) or
#: as a stub (False). The keys are the presenter's scans (:data:`nutshell_rpc.shapes.
#: SOURCE_DEPENDENT_FIELDS`): activities for counts and contact times, tasks for a lead's next
#: step, notes, product maps, and the back-links (a contact's leads, an account's contacts).
SCANS: Final[Mapping[tuple[type[Record], bool], tuple[Scan, ...]]] = {
    (Lead, True): (
        Scan(Activity, "leads"),
        Scan(Task, "relatedEntity"),
        Scan(Note, "parent"),
        Scan(ProductMap, "lead"),
    ),
    (Lead, False): (Scan(Activity, "leads"), Scan(Task, "relatedEntity")),
    (Contact, True): (
        Scan(Lead, "contacts"),
        Scan(Activity, "participant"),
        Scan(Note, "parent"),
    ),
    (Account, True): (
        Scan(Lead, "accounts"),
        Scan(Contact, "accounts"),
        Scan(Activity, "participant"),
        Scan(Note, "parent"),
    ),
}

#: Record classes a rendered record can link to that REST serves by id (reference data comes
#: from the cache instead).
_LINKABLE: Final = (Lead, Contact, Account, Activity, Task, Note, Product)

#: The most REST requests one complete read sends with a warm cache, for pages of up to
#: :data:`IDS_PER_GET` linked records of a kind: the read itself, then per round one request
#: per linked class, per scan and for the product lines' products, then the event log. It
#: depends on the kinds of records linked, never on how many there are.
MAX_REQUESTS: Final = (
    1
    + MAX_ROUNDS * (len(_LINKABLE) + len({(s.cls, s.key) for v in SCANS.values() for s in v}) + 1)
    + 1
)

#: Scan results the legacy shape lists as stubs (and which so need their own stub needs);
#: the others are only counted or searched (activities, tasks, product maps).
_LISTED: Final = frozenset({Lead, Contact, Note})


def _links_full(record: Record) -> list[Ref]:
    """Every record a full rendering links to (reference data is the cache's)."""
    out: list[Ref] = []
    for field in attrs.fields(type(record)):
        if field.name == "memo":
            continue
        out += refs(getattr(record, field.name))
    return out


def _links_stub(record: Record) -> list[Ref]:
    """What a stub names: a lead stub's primary account and first contact; an activity
    stub's log note."""
    if isinstance(record, Lead):
        accounts = lead_accounts(record)
        contacts = refs(record.contacts)
        return accounts[:1] + contacts[:1]
    if isinstance(record, Activity):
        return refs(record.log_note)
    return []


def rest_resource(rest: RestClient, cls: type[Record], verb: type[T]) -> T | None:
    """The REST client resource serving records of ``cls`` with ``verb`` (``rest.leads`` as
    :class:`~nutshell_rest.client.Gettable`), or None when REST has none."""
    for resource in rest.resources:
        if resource.rest_type.lower() == cls.rest_type.lower() and isinstance(resource, verb):
            return resource
    return None


def note_author(record: Record) -> Record:
    """A note with its author, which REST lists under ``links.users``.

    The REST converter maps only a note's ``links.parent``; the author is in the wire the
    record keeps, as the one id of ``links.users``.
    """
    if not isinstance(record, Note) or isinstance(record.user, Ref):
        return record
    links = unstructure_record(record).get("links")
    users = links.get("users") if isinstance(links, Mapping) else None
    if not isinstance(users, list) or len(users) != 1:
        return record
    try:
        author = ref_for_id(users[0], "User")
    except MalformedResponseError:
        return record
    return attrs.evolve(record, user=author)


#: The most requests :func:`existing` sends to find which ids of one refused batch are gone.
MAX_SEARCH_REQUESTS: Final = 16


def existing(resource: Any, ids: list[int], *, warn: bool = True) -> list[Envelope]:
    """``resource.get_many`` of the records of ``ids`` that exist: the envelopes answering them.

    REST keeps a link to a record deleted after the link was written, and answers a batch
    holding an id it lacks with 404 as a whole: the batch is halved until the missing ids
    stand alone, and those are left out (extra requests only when a batch is refused), with
    a warning naming them: REST's 404 is the same page for a missing id and a wrong route.
    A search past :data:`MAX_SEARCH_REQUESTS` requests (many deleted links) fails with the
    404 instead, so that a read stays within its bounded number of requests. ``warn=False``
    leaves the warning out (for a caller asking whether ids exist).
    """
    try:
        return [resource.get_many(ids)]
    except NotFoundError as refused:
        found = [] if len(ids) == 1 else _search(resource, ids, [MAX_SEARCH_REQUESTS], refused)
    if not warn:
        return found
    kept = {
        record.id for envelope in found for record in envelope.records if isinstance(record, Record)
    }
    _log.warning(
        "%s: left out ids REST answers 404 for (deleted since they were linked?): %s",
        type(resource).__name__,
        ", ".join(str(i) for i in ids if i not in kept),
    )
    return found


def _search(
    resource: Any, ids: list[int], budget: list[int], refused: NotFoundError
) -> list[Envelope]:
    out: list[Envelope] = []
    for part in (ids[: len(ids) // 2], ids[len(ids) // 2 :]):
        if budget[0] <= 0:
            raise refused
        budget[0] -= 1
        try:
            out.append(resource.get_many(part))
        except NotFoundError:
            if len(part) > 1:
                out += _search(resource, part, budget, refused)
    return out


class Completer:
    """Fetches what a legacy shape needs beyond the records a REST read returned."""

    def __init__(
        self,
        rest: RestClient,
        *,
        times: EventTimes | None = None,
    ) -> None:
        self._rest = rest
        self._times = times if times is not None else EventTimes(rest)

    def complete(
        self, primary: Sequence[Record], held: Iterable[Record], *, full: bool
    ) -> dict[tuple[str, int], Record]:
        """What a view holding ``primary`` and ``held`` (side-loads) lacks, by entity and id:
        the records fetched, and the records (``primary`` and ``held`` included) with the
        times the event log adds."""
        known: dict[tuple[str, int], Record] = {}
        for record in [*held, *primary]:
            if isinstance(record.id, int):
                known[(record.entity, record.id)] = record
        added: dict[tuple[str, int], Record] = {}
        scanned: set[tuple[type[Record], str, str]] = set()
        # Records whose own needs were looked at: the primary ones, then every stub.
        seen: set[tuple[str, int]] = {(r.entity, r.id) for r in primary if isinstance(r.id, int)}
        # (record, renders full) pairs whose needs the next round fetches.
        rendered: list[tuple[Record, bool]] = [(r, full) for r in primary]
        for _ in range(MAX_ROUNDS):
            if not rendered:
                break
            fetched, reached = self._round(rendered, known, scanned)
            for key, record in fetched.items():
                known[key] = record
                added[key] = record
            # Everything the round reached renders as a stub, whether it was fetched now or
            # was held already (a note's parent lead, read before the note was written).
            stubs = [known[k] for k in sorted(reached) if k in known and k not in seen]
            seen.update(reached)
            rendered = [(r, False) for r in stubs if self._listed(r)]
        # Reference records come from the cache, which times them once per cache period.
        timed = self._times.fill(r for r in known.values() if type(r) not in REFERENCE_CLASSES)
        for key, record in timed.items():
            added[key] = record
        return added

    @staticmethod
    def _listed(record: Record) -> bool:
        return type(record) in _LISTED or isinstance(record, Account | Product)

    def _round(
        self,
        rendered: Sequence[tuple[Record, bool]],
        known: Mapping[tuple[str, int], Record],
        scanned: set[tuple[type[Record], str, str]],
    ) -> tuple[dict[tuple[str, int], Record], set[tuple[str, int]]]:
        """The records ``rendered`` need that ``known`` lacks, fetched; and the keys of every
        record they link to or that links to them (fetched or known)."""
        wanted: dict[type[Record], set[int]] = defaultdict(set)
        scans: dict[tuple[type[Record], str], set[str]] = defaultdict(set)
        reached: set[tuple[str, int]] = set()
        for record, full in rendered:
            links = _links_full(record) if full else _links_stub(record)
            for ref in links:
                cls = self._linked_class(ref)
                if cls is None or not isinstance(ref.id, int):
                    continue
                reached.add((cls.entity, ref.id))
                if (cls.entity, ref.id) not in known:
                    wanted[cls].add(ref.id)
            wire = wire_id(record)
            for scan in SCANS.get((type(record), full), ()):
                if wire is not None and (scan.cls, scan.key, wire) not in scanned:
                    scanned.add((scan.cls, scan.key, wire))
                    scans[(scan.cls, scan.key)].add(wire)
        fetched: dict[tuple[str, int], Record] = {}
        for cls, ids in sorted(wanted.items(), key=lambda kv: kv[0].entity):
            for record in self._get(cls, sorted(ids)):
                # A side-load may repeat a record the view holds already (an account's
                # contacts include the contact being rendered): what the view holds wins.
                record_key = (record.entity, record.id)
                if record_key not in known:
                    fetched[record_key] = record  # type: ignore[index]
        for (cls, key), wires in sorted(scans.items(), key=lambda kv: (kv[0][0].entity, kv[0][1])):
            for record in self._scan(cls, key, sorted(wires)):
                record_key = (record.entity, record.id)
                reached.add(record_key)  # type: ignore[arg-type]
                if record_key not in known:
                    fetched[record_key] = record  # type: ignore[index]
        # Product lines name their product: the maps' products are links of their own.
        products = {
            m.product.id
            for m in fetched.values()
            if isinstance(m, ProductMap) and isinstance(m.product, Ref)
        }
        missing = sorted(
            i
            for i in products
            if isinstance(i, int) and ("Product", i) not in known and ("Product", i) not in fetched
        )
        for record in self._get(Product, missing):
            fetched[(record.entity, record.id)] = record  # type: ignore[index]
        return fetched, reached

    @staticmethod
    def _linked_class(ref: Ref) -> type[Record] | None:
        try:
            cls = entity_class(ref.entity)
        except LookupError:
            return None
        if cls in REFERENCE_CLASSES or (
            ref.record is not None and not isinstance(ref.record, ProductMap)
        ):
            return None
        return cls

    def _resource(self, cls: type[Record], verb: type[Any]) -> Any:
        return rest_resource(self._rest, cls, verb)

    def _get(self, cls: type[Record], ids: Sequence[int]) -> list[Record]:
        resource = self._resource(cls, Gettable)
        if resource is None or not ids:
            return []
        out: list[Record] = []
        for chunk in chunks([str(i) for i in ids], IDS_PER_GET):
            # A linked record deleted since is left out: a read must not fail because
            # something it links to is gone (the legacy API still answers it), and the
            # presenter renders a link it cannot resolve as a bare stub.
            for envelope in existing(resource, [int(i) for i in chunk]):
                out += self._records(envelope.records, cls)
                for items in envelope.included.values():
                    out += [r for r in self._records(items, None) if type(r) is not cls]
        return out

    def _scan(self, cls: type[Record], key: str, wires: Sequence[str]) -> list[Record]:
        resource = self._resource(cls, Listable)
        if resource is None or not wires:
            return []
        out: list[Record] = []
        for chunk in chunks(wires, IDS_PER_GET):
            query = Query(rest_type=cls.rest_type).filter({key: list(chunk)})
            pager = resource.iterate(query, page_size=MAX_PAGE_LIMIT)
            out += self._records(pager, cls)
        return out

    def _records(self, items: Iterable[object], cls: type[Record] | None) -> list[Record]:
        return [
            note_author(item)
            for item in items
            if isinstance(item, Record)
            and isinstance(item.id, int)
            and (cls is None or isinstance(item, cls))
        ]
