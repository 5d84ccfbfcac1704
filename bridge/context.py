"""What a translator works with: the REST client, the reference cache, the legacy shapes, revs.

Results are produced as REST wire -> model -> RPC wire: the REST client parses into model
records, and :class:`~nutshell_rpc.shapes.Presenter` renders those in the exact shape the RPC
API returns — the same code the emulator's JSON-RPC front uses, so a bridged result and a direct
one can be compared key for key. The presenter reads linked records from a :class:`RestView`:
the records a REST response returned (and its side-loads) plus cached reference data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, TypeVar

import attrs

from bridge.cache import REFERENCE_CLASSES, ReferenceCache
from bridge.complete import Completer, note_author
from bridge.revs import (
    REV_IGNORE,
    bare_rev_token,
    conflict,
    is_bridge_rev,
    rev_token,
    with_rev,
)
from nutshell_core.catalog import RPC_METHODS, Access, Returns, RpcMethod
from nutshell_core.errors import MalformedResponseError, NotBridgeable, NotFoundError
from nutshell_core.model import UNSET, Record, Ref, Team, User, entity_class
from nutshell_rest import RestClient
from nutshell_rpc import NutshellAPI as RpcAPI
from nutshell_rpc.inputs import read_rev
from nutshell_rpc.layout_bases import FULL_ATTRS
from nutshell_rpc.shapes import Presenter

__all__ = ["BridgeContext", "RestView"]

R = TypeVar("R", bound=Record)

#: Reference classes by entity name (the first class declared wins, as a scan would pick).
_REFERENCE_BY_ENTITY: dict[str, type[Record]] = {}
for _cls in REFERENCE_CLASSES:
    _REFERENCE_BY_ENTITY.setdefault(_cls.entity, _cls)

#: Per record class, the fields that may hold links (read once: named() visits them in every
#: record). A field declared as anything but a link (text, times, contact points...) never
#: holds one; a field whose declaration cannot be read is visited all the same.
_LINK_FIELDS: dict[type, tuple[str, ...]] = {}


def _link_fields(cls: type) -> tuple[str, ...]:
    names = _LINK_FIELDS.get(cls)
    if names is None:
        names = _LINK_FIELDS[cls] = tuple(
            f.name
            for f in attrs.fields(cls)
            if f.name != "memo" and (f.type is None or "Ref" in str(f.type))
        )
    return names


class RestView:
    """A read-only record source over what REST returned plus the reference cache."""

    def __init__(
        self,
        cache: ReferenceCache,
        records: Iterable[Record] = (),
        *,
        lazy_revs: bool = False,
        revs: Mapping[tuple[str, int], str] | None = None,
    ) -> None:
        self._cache = cache
        # Records by entity, then id. A record gets its bridge rev when it is first read (or,
        # with lazy_revs, when the presenter renders it, through revised()): most side-loads
        # of a stub list are never read, and many are only read for a name; a rev is a digest.
        self._records: dict[str, dict[int, Record]] = {}
        self._revved: set[tuple[str, int]] = set()
        self._lazy = lazy_revs
        # revised() and rev_of() answer by the identity of the record asked about (kept
        # alive here); ``revs`` gives records (by entity and id) the rev worked out before
        # they were completed.
        self._revs: dict[int, tuple[Record, Record]] = {}
        self._tokens: dict[int, tuple[Record, str]] = {}
        self._preset = revs or {}
        # all() answers, per class, until the next add(): the presenter asks for the same
        # list once per rendered record.
        self._lists: dict[type[Record], list[Any]] = {}
        self._reference_lists: dict[type[Record], dict[int, Record]] = {}
        self._now: datetime | None = None
        for record in records:
            self.add(record)

    def add(self, record: Record) -> None:
        """Make ``record`` visible to the presenter, carrying a bridge rev when it has none
        (the legacy API gives every record, nested ones too, a string rev)."""
        if isinstance(record.id, int):
            self._records.setdefault(record.entity, {})[record.id] = record
            self._revved.discard((record.entity, record.id))
            self._lists.clear()

    def _held(self, entity: str, record_id: int) -> Record | None:
        """A record REST returned, with its bridge rev."""
        held = self._records.get(entity)
        if held is None:
            return None
        record = held.get(record_id)
        if record is None or self._lazy or (entity, record_id) in self._revved:
            return record
        record = held[record_id] = with_rev(record)
        self._revved.add((entity, record_id))
        return record

    def revised(self, record: R) -> R:
        """``record`` carrying its bridge rev (worked out once per record)."""
        if record.rev is not UNSET and record.rev is not None:
            return record
        hit = self._revs.get(id(record))
        if hit is not None and hit[0] is record:
            revved = hit[1]
        else:
            revved = attrs.evolve(record, rev=self.rev_of(record))
            self._revs[id(record)] = (record, revved)
        assert isinstance(revved, type(record))
        return revved

    def rev_of(self, record: Record) -> str:
        """The bridge rev ``record`` is shown with (worked out once per record)."""
        if isinstance(record.id, int):
            preset = self._preset.get((record.entity, record.id))
            if preset is not None:
                return preset
        hit = self._tokens.get(id(record))
        if hit is not None and hit[0] is record:
            return hit[1]
        token = rev_token(record)
        self._tokens[id(record)] = (record, token)
        return token

    def presenter(self, host: str) -> Presenter:
        """A presenter over this view, giving each record it renders its bridge rev."""
        return Presenter(
            self, host=host, revise=self.revised, rev_of=self.rev_of, bare_rev=bare_rev_token
        )

    def find(self, cls: type[R], record_id: int) -> R | None:
        """A record REST returned, else a cached reference record, else None."""
        record: Record | None
        if cls in REFERENCE_CLASSES:
            # The cached list is timed and carries revs; a side-loaded copy (an account's
            # owners) is what one response said, so it only stands in for a record the list
            # lacks.
            record = self._reference(cls).get(record_id) or self._held(cls.entity, record_id)
        else:
            record = self._held(cls.entity, record_id)
        if record is None and cls is Team:
            record = self._cache.teams().get(record_id)
        return record if isinstance(record, cls) else None

    def _reference(self, cls: type[Record]) -> dict[int, Record]:
        """The cached list of a reference class, read from the cache once per view (a
        rendering looks the same users and stages up many times)."""
        listed = self._reference_lists.get(cls)
        if listed is None:
            listed = self._reference_lists[cls] = self._cache.records(cls)
        return listed

    def trashed(self, cls: type[R], record_id: int) -> R | None:
        """REST shows no trash to the bridge."""
        return None

    def all(self, cls: type[R]) -> Sequence[R]:
        """The records of a class the view holds (reference classes: the whole cached list).

        The same list until the view changes: a presenter asks once per rendered record, and
        may keep what it worked out from a list while it is the same one (read-only)."""
        listed = self._lists.get(cls)
        if listed is None:
            if cls in REFERENCE_CLASSES:
                merged: dict[int, Record] = dict(self._cache.records(cls))
            else:
                merged = {}
            for record_id in list(self._records.get(cls.entity, {})):
                record = self._held(cls.entity, record_id)
                if record is not None:
                    merged[record_id] = record
            listed = [r for _, r in sorted(merged.items()) if isinstance(r, cls)]
            self._lists[cls] = listed
        return listed

    def now(self) -> datetime:
        """The current time in UTC, to the second: read once per view, so that everything one
        rendering shows (overdue flags, next steps) is judged at the same instant."""
        if self._now is None:
            self._now = datetime.now(timezone.utc).replace(microsecond=0)
        return self._now


@attrs.define
class BridgeContext:
    """Everything a translator needs; one per bridge facade."""

    rest: RestClient
    cache: ReferenceCache
    username: str
    rpc: RpcAPI | None = None
    host: str = "app.nutshell.com"
    #: Render what one REST response holds, as links where REST gives ids (one request per
    #: read), instead of fetching what the legacy shape needs (complete results, the default).
    lean: bool = False
    completer: Completer | None = None

    def __attrs_post_init__(self) -> None:
        if self.completer is None:
            self.completer = Completer(self.rest)

    def view(self, records: Iterable[Record] = ()) -> RestView:
        """A record source holding ``records`` over the reference cache."""
        return RestView(self.cache, records)

    def present(
        self,
        records: Iterable[Record],
        *,
        stub: bool,
        included: Iterable[Record] = (),
        name: bool = False,
    ) -> list[dict[str, Any]]:
        """Render records in the RPC shape, each carrying its bridge rev.

        ``name`` first names the records' links to reference data, as :meth:`named` does (in
        the same step that gives each record its rev). A record without an id cannot be
        rendered (the legacy shape is keyed by it): the REST client refuses such answers, and
        this refuses any that reach here another way.
        """
        records = list(records)
        missing = [
            f"no id @ $.{record.rest_type}[{index}].id"
            for index, record in enumerate(records)
            if not isinstance(record.id, int)
        ]
        if missing:
            raise MalformedResponseError(
                "REST answered a record without an id", problems=tuple(missing[:5])
            )
        names: dict[tuple[Any, ...], Any] = {}
        # Revs are worked out here, before naming (a rev leaves link names out) and before
        # completing, and handed to the presenter instead of evolved into copies.
        revs = {(r.entity, r.id): rev_token(r) for r in records if isinstance(r.id, int)}
        if stub or not name:
            # A stub shows no link's name: its links render as stubs of the records they
            # resolve to, and naming takes names from the cache those are found in.
            primary = [self._cached_times(r) for r in records]
        else:
            primary = [self._cached_times(self._named_for_full(r, names)) for r in records]
        held = list(included)
        if not self.lean and self.completer is not None:
            extra = self.completer.complete(primary, held, full=not stub)
            primary = [
                extra.get((r.entity, r.id), r) if isinstance(r.id, int) else r for r in primary
            ]
            held += extra.values()
        # Revs of linked records are worked out only for those the result shows.
        view = RestView(self.cache, [*held, *primary], lazy_revs=True, revs=revs)
        presenter = view.presenter(self.host)
        render = presenter.stub if stub else presenter.full
        return [render(r) for r in primary]

    def _named_for_full(self, record: R, names: dict[tuple[Any, ...], Any]) -> R:
        """``record`` with the links its full layout shows by name named.

        A layout that reads only a few keys of the rendered record (a lead's) shows the names
        of the links among those (a lead's tags); its other links render as stubs of the
        records they resolve to, found where naming would find their names. Other layouts
        render the whole record: every link is named.
        """
        cls = type(record)
        shown = FULL_ATTRS.get(cls)
        fields = _link_fields(cls)
        if shown is not None:
            fields = tuple(f for f in fields if f in shown)
        changes = self._name_changes(record, names, fields)
        return attrs.evolve(record, **changes) if changes else record

    def _cached_times(self, record: Record) -> Record:
        """A reference record asked for itself (``getUser``) with the times its cached copy
        holds (the cache reads them from the event log once per cache period)."""
        if type(record) not in REFERENCE_CLASSES or not isinstance(record.id, int):
            return record
        if record.created_time is not UNSET and record.modified_time is not UNSET:
            return record
        cached = self.cache.get(type(record), record.id)
        if cached is None:
            return record
        changes = {
            name: getattr(cached, name)
            for name in ("created_time", "modified_time")
            if getattr(record, name) is UNSET and getattr(cached, name) is not UNSET
        }
        return attrs.evolve(record, **changes) if changes else record

    def present_one(self, record: Record, *, included: Iterable[Record] = ()) -> dict[str, Any]:
        """Render one full record in the RPC shape."""
        return self.present([record], stub=False, included=included)[0]

    def named(self, record: R) -> R:
        """``record`` with its links to reference data named from the cache.

        REST links are bare ids, while the legacy shape spells some links by name (a lead's
        ``tags`` are tag names); the cached reference records supply the names. Reads and
        writes both render through this, so a write's result and a later bridged read agree.
        """
        return self._named(record, {})

    def named_all(self, records: Iterable[R]) -> list[R]:
        """:meth:`named` for several records (a link they share is named once)."""
        names: dict[tuple[Any, ...], Any] = {}
        return [self._named(record, names) for record in records]

    def _named(self, record: R, names: dict[tuple[Any, ...], Any]) -> R:
        changes = self._name_changes(record, names)
        return attrs.evolve(record, **changes) if changes else record

    def _name_changes(
        self,
        record: Record,
        names: dict[tuple[Any, ...], Any],
        fields: tuple[str, ...] | None = None,
    ) -> dict[str, Any]:
        """The fields of ``record`` whose links :meth:`named` names, with their named links
        (of ``fields`` when given, else of every link field)."""
        changes: dict[str, Any] = {}
        for name in _link_fields(type(record)) if fields is None else fields:
            value = getattr(record, name)
            if isinstance(value, Ref):
                if value.entity in _REFERENCE_BY_ENTITY:
                    named = self._named_ref(value, names)
                    if named is not value:
                        changes[name] = named
            elif isinstance(value, tuple) and value and all(isinstance(v, Ref) for v in value):
                if all(v.entity not in _REFERENCE_BY_ENTITY for v in value):
                    continue  # links to records that are not reference data: never named
                refs = tuple([self._named_ref(v, names) for v in value])
                if any(a is not b for a, b in zip(refs, value, strict=True)):
                    changes[name] = refs
        return changes

    def named_ref(self, ref: Ref) -> Ref:
        """A link to reference data, with the cached record's name when it has none."""
        return self._named_ref(ref, {})

    def _named_ref(self, ref: Ref, names: dict[tuple[Any, ...], Any]) -> Ref:
        """:meth:`named_ref`, looking names up once per ``names`` (entity, id)."""
        ref_id = ref.id
        if not isinstance(ref_id, int) or isinstance(ref.name, str):
            return ref
        key = (ref.entity, ref_id)
        name = names.get(key, names)  # ``names`` itself stands for "not looked up yet"
        if name is names:
            cls = _REFERENCE_BY_ENTITY.get(ref.entity)
            name = None if cls is None else getattr(self.cache.get(cls, ref_id), "name", None)
            names[key] = name
        if not isinstance(name, str):
            return ref
        if type(ref) is not Ref:
            return attrs.evolve(ref, name=name)
        if ref.record is not None:
            return Ref(
                entity=ref.entity,
                id=ref_id,
                name=name,
                relationship=ref.relationship,
                record=ref.record,
            )
        # A bare link named once per call: links to the same user or stage repeat in every
        # record of a list (links are immutable, so sharing one is safe).
        link_key = (ref.entity, ref_id, ref.relationship)
        named = names.get(link_key)
        if not isinstance(named, Ref):
            named = names[link_key] = Ref(
                entity=ref.entity, id=ref_id, name=name, relationship=ref.relationship
            )
        return named

    def me(self) -> User:
        """The user whose email the bridge authenticates with (``getUser`` with no id)."""
        for user in self.cache.records(User).values():
            if isinstance(user, User) and self.username.lower() in {
                e.lower() for e in (user.emails if isinstance(user.emails, tuple) else ())
            }:
                return user
        raise NotFoundError(f"no user has the email {self.username}", status=404, code=404)

    def fetch(self, cls: type[R], record_id: int) -> R:
        """Read one record through REST (NotFoundError when it is gone)."""
        item = self.rest.fetch(cls.rest_type, record_id)
        if not isinstance(item, cls):
            raise NotFoundError(f"{cls.entity} {record_id} not found", status=404, code=404)
        # Read the way every other bridged read does, so the rev it digests is the same one.
        found = note_author(item)
        if not isinstance(found, cls):  # note_author keeps the class; this is its guarantee
            raise MalformedResponseError(
                f"GET /{cls.rest_type}/{record_id} answered a {type(found).__name__}",
                problems=(f"not a {cls.entity} @ $.{cls.rest_type}[0]",),
            )
        return found

    @staticmethod
    def rpc_getter(entity: str) -> str:
        """The RPC method that reads one record of ``entity`` (``getLead``)."""
        for row in RPC_METHODS.values():
            # The catalog's shape of a getter: a read answering one record, keyed by an id.
            if (
                row.entity == entity
                and row.access is Access.READ
                and row.returns is Returns.RECORD
                and row.params
                and row.params[0].name.endswith("Id")
            ):
                return row.name
        raise NotBridgeable(f"no RPC get method for {entity}", entity, "no getter")

    def check_rev(
        self, method: RpcMethod, record_id: int, rev: Any, *, current: Record | None = None
    ) -> None:
        """Refuse a stale rev with the RPC API's 409, whichever route issued it.

        ``current`` is the record as REST has it, when the caller has just read it: a bridge
        rev is then compared with it instead of with a second read.
        """
        rev = read_rev(rev)  # a rev that is no string (nor a PHP client's int) is a 400
        if rev == REV_IGNORE or rev is None:
            # A null rev is accepted by the RPC API's front as "no check" (real clients send
            # `rev: null`); the REST route does the same so both routes answer alike.
            return
        cls = entity_class(method.entity or "")
        if is_bridge_rev(rev):
            if current is None:
                try:
                    current = self.fetch(cls, record_id)
                except NotFoundError:
                    current = None
            if current is None or rev_token(current) != rev:
                raise conflict(method.name)
            return
        if self.rpc is None:
            raise NotBridgeable(
                f"{method} got a JSON-RPC rev ({rev!r}); checking it needs the RPC API, which "
                "this bridge has no client for. Pass a rev the bridge issued, or REV_IGNORE "
                "deliberately.",
                method.name,
                "an RPC rev cannot be checked through REST",
            )
        if str(rev) != self.rpc_rev(self.rpc_getter(cls.entity), record_id):
            raise conflict(method.name)

    def rpc_rev(self, rpc_get: str, record_id: int) -> str:
        """The current legacy rev of a record, read through the RPC API."""
        if self.rpc is None:
            raise NotBridgeable("no RPC client to read a rev", rpc_get, "no RPC client")
        result: Mapping[str, Any] = self.rpc.call(rpc_get, record_id)
        return str(result.get("rev"))
