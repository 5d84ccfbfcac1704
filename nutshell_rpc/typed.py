"""The typed face of the JSON-RPC client: model objects in, model objects out.

``api.leads.get(1003)`` returns a :class:`~nutshell_core.model.Lead`; ``api.leads.iterate()``
walks every page. Which verbs an entity has comes from the catalog (a row named ``get``/
``find``/``new``/``edit``/``delete`` + the entity), so nothing here lists methods by hand.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from nutshell_core.catalog import RPC_METHODS, RpcMethod
from nutshell_core.errors import MalformedResponseError, UsageError
from nutshell_core.model import (
    Account,
    Activity,
    Contact,
    Lead,
    Note,
    Outcome,
    Product,
    Record,
    Ref,
    Source,
    Stage,
    Stageset,
    Tag,
    Task,
    User,
)
from nutshell_rpc._codecs import reroot
from nutshell_rpc.convert import check_required_keys, record_from_rpc, record_to_rpc_input

if TYPE_CHECKING:
    from nutshell_rpc.client import NutshellAPI

__all__ = ["EntityService", "NoteService", "SourceService", "TagService", "TypedFace"]

R = TypeVar("R", bound=Record)

_VERBS = ("get", "find", "new", "edit", "delete")

#: A bound on pages walked by ``iterate`` so a server that never returns a short page cannot
#: make a loop run forever; generous enough for any real account.
MAX_PAGES = 100_000


def _rows_for(entity: str) -> dict[str, RpcMethod]:
    rows: dict[str, RpcMethod] = {}
    for row in RPC_METHODS.values():
        if row.entity != entity:
            continue
        for verb in _VERBS:
            if row.name.startswith(verb) and row.name[len(verb) : len(verb) + 1].isupper():
                rows.setdefault(verb, row)
    return rows


def _as_input(value: Record | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(value, Record):
        return record_to_rpc_input(value)
    return dict(value)


class EntityService(Generic[R]):
    """get / find / iterate / new / edit / delete for one entity, as far as the API has them."""

    def __init__(self, api: NutshellAPI, cls: type[R]) -> None:
        self._api = api
        self._cls = cls
        self._rows = _rows_for(cls.entity)

    def __repr__(self) -> str:
        return f"EntityService({self._cls.entity}, verbs={sorted(self._rows)})"

    def _row(self, verb: str) -> RpcMethod:
        try:
            return self._rows[verb]
        except KeyError:
            raise UsageError(
                f"Nutshell's JSON-RPC API has no '{verb}' method for {self._cls.entity}"
            ) from None

    def _record(self, value: Any, method: str, *, required: bool = True) -> R:
        """``value`` read as a record of this service's class.

        It must carry the class's required keys (unless ``required`` is false, for answers
        whose shape is undocumented) and every key must have its JSON type: anything else
        raises MalformedResponseError naming the path (``$.name``) and ``method``.
        """
        try:
            if required:
                check_required_keys(value, self._cls)
            record = record_from_rpc(value, self._cls)
        except MalformedResponseError as exc:
            raise MalformedResponseError(
                exc.message, method, exc.status, exc.body, exc.problems
            ) from exc
        if not isinstance(record, self._cls):
            raise MalformedResponseError(
                f"{method} returned a {type(record).__name__}, not a {self._cls.entity}", method
            )
        return record

    def _records(self, value: Any, method: str) -> list[R]:
        if not isinstance(value, list):
            raise MalformedResponseError(
                f"{method} returned {type(value).__name__}, not a list", method
            )
        out: list[R] = []
        for index, item in enumerate(value):
            try:
                out.append(self._record(item, method))
            except MalformedResponseError as exc:
                raise reroot(exc, f"[{index}]") from exc
        return out

    def get(self, record_id: int) -> R:
        """Fetch one full record by id.

        The answer must be that record: another id or class (``getLead(1)`` answering lead 2
        or a contact), a missing ``id``/``entityType`` or a key of the wrong JSON type raises
        :class:`MalformedResponseError`.
        """
        row = self._row("get")
        return self._record(self._api.call_named(row, {row.params[0].name: record_id}), row.name)

    def find(
        self,
        query: Mapping[str, Any] | None = None,
        *,
        order_by: str | None = None,
        order_direction: str | None = None,
        limit: int = 50,
        page: int = 1,
        stubs: bool = True,
    ) -> list[R]:
        """Fetch one page (1-based) of records; stubs unless ``stubs=False``."""
        row = self._row("find")
        args: dict[str, Any] = {"limit": limit, "page": page}
        if query is not None:
            args["query"] = dict(query)
        if order_by is not None:
            args["orderBy"] = order_by
        if order_direction is not None:
            args["orderDirection"] = order_direction
        if not stubs:
            args["stubResponses"] = False
        params = {k: v for k, v in args.items() if k in row.param_names}
        unsupported = set(args) - set(params)
        if unsupported:
            raise UsageError(f"{row.name} does not take {', '.join(sorted(unsupported))}")
        return self._records(self._api.call_named(row, params), row.name)

    def iterate(
        self,
        query: Mapping[str, Any] | None = None,
        *,
        page_size: int = 50,
        order_by: str | None = None,
        order_direction: str | None = None,
        stubs: bool = True,
    ) -> Iterator[R]:
        """Yield every matching record, page by page, stopping on a short or empty page."""
        if page_size < 1:
            raise UsageError("page_size must be at least 1")
        for page in range(1, MAX_PAGES + 1):
            batch = self.find(
                query,
                order_by=order_by,
                order_direction=order_direction,
                limit=page_size,
                page=page,
                stubs=stubs,
            )
            yield from batch
            if len(batch) < page_size:
                return

    def new(self, record: R | Mapping[str, Any]) -> R:
        """Create a record from a model object (its set fields) or a wire-shaped dict."""
        row = self._row("new")
        result = self._api.call_named(row, {row.params[0].name: _as_input(record)})
        return self._record(result, row.name)

    def edit(self, record_id: int, rev: str, changes: R | Mapping[str, Any]) -> R:
        """Apply a partial edit; the API replaces multi-value fields wholesale.

        ``rev`` is required: pass the rev you read, or ``REV_IGNORE`` deliberately.
        """
        row = self._row("edit")
        first, second, third = row.param_names[:3]
        params = {first: record_id, second: rev, third: _as_input(changes)}
        return self._record(self._api.call_named(row, params), row.name)

    def delete(self, record_id: int, rev: str) -> bool:
        """Delete a record; ``rev`` must be current (or ``REV_IGNORE``, deliberately)."""
        row = self._row("delete")
        first, second = row.param_names[:2]
        result = self._api.call_named(row, {first: record_id, second: rev})
        if not isinstance(result, bool):
            raise MalformedResponseError(f"{row.name} returned {result!r}, not a boolean", row.name)
        return result


class NoteService(EntityService[Note]):
    """Notes: ``newNote`` takes the parent record and the text rather than a note object."""

    def new(self, record: Note | Mapping[str, Any]) -> Note:
        """Create a note; ``record`` is a Note with ``parent`` and ``body`` set."""
        if isinstance(record, Note):
            parent, body = record.parent, record.body
        else:
            parent, body = record.get("parent"), record.get("body")
        if not isinstance(parent, Ref) or not isinstance(body, str):
            raise UsageError("a new note needs parent=Ref(...) and body='text'")
        return self.add(parent, body)

    def add(self, parent: Ref | Record, body: str) -> Note:
        """Append a note with ``body`` to the lead, contact or account ``parent``."""
        target = parent.ref() if isinstance(parent, Record) else parent
        rpc_type = {"Lead": "Leads", "Contact": "Contacts", "Account": "Accounts"}.get(
            target.entity
        )
        if rpc_type is None or not isinstance(target.id, int):
            raise UsageError("notes attach to a lead, contact or account with an id")
        row = self._row("new")
        entity = {"entityType": rpc_type, "id": target.id}
        return self._record(self._api.call_named(row, {"entity": entity, "note": body}), row.name)


class SourceService(EntityService[Source]):
    """Sources: ``newSource`` takes just a name and returns the existing source of that name."""

    def new(self, record: Source | Mapping[str, Any]) -> Source:
        """Get or create the source named ``record.name``."""
        name = record.name if isinstance(record, Source) else record.get("name")
        if not isinstance(name, str) or not name:
            raise UsageError("a source needs a name")
        row = self._row("new")
        return self._record(self._api.call_named(row, {"name": name}), row.name)


class TagService(EntityService[Tag]):
    """Tags: ``findTags`` answers a map of tag lists by entity type, not a page of stubs."""

    _APPLIES = {"Leads": "Lead", "Contacts": "Contact", "Accounts": "Account"}

    def new(self, record: Tag | Mapping[str, Any]) -> Tag:
        """Create a tag; ``applies_to`` is ``"Lead"``, ``"Contact"`` or ``"Account"``."""
        if isinstance(record, Tag):
            name, applies = record.name, record.applies_to
        else:
            name, applies = record.get("name"), record.get("applies_to")
        wire_type = {v: k for k, v in self._APPLIES.items()}.get(str(applies))
        if not isinstance(name, str) or not name or wire_type is None:
            raise UsageError("a tag needs a name and applies_to='Lead'|'Contact'|'Account'")
        row = self._row("new")
        result = self._api.call_named(row, {"tag": {"name": name, "entityType": wire_type}})
        return self._record(result, row.name)

    def all(self) -> list[Tag]:
        """Every tag, with ``applies_to`` set from the map key it came under."""
        row = self._row("find")
        result = self._api.call_named(row, {})
        if not isinstance(result, dict):
            raise MalformedResponseError(f"{row.name} returned {type(result).__name__}", row.name)
        tags: list[Tag] = []
        for key, items in result.items():
            if not isinstance(items, list):
                raise MalformedResponseError(f"{row.name}: {key!r} is not a list", row.name)
            applies = self._APPLIES.get(key, key)
            for index, item in enumerate(items):
                if isinstance(item, str):
                    tags.append(Tag(name=item, applies_to=applies))
                elif not isinstance(item, Mapping):
                    raise MalformedResponseError(
                        f"{row.name}: a tag is a name or an object",
                        row.name,
                        problems=(f"got {type(item).__name__} @ $.{key}[{index}]",),
                    )
                else:
                    # findTags' element shape is undocumented beyond {name, ...}: no key is
                    # required of it, only the types of those it has.
                    try:
                        tag = self._record({"entityType": "Tags", **item}, row.name, required=False)
                    except MalformedResponseError as exc:
                        raise reroot(exc, f".{key}[{index}]") from exc
                    tags.append(tag)
        return tags

    def iterate(self, *args: Any, **kwargs: Any) -> Iterator[Tag]:
        """Every tag (``findTags`` is unpaged)."""
        if args or kwargs:
            raise UsageError("findTags takes no query, order or paging arguments")
        return iter(self.all())


class TypedFace:
    """Mixin adding ``leads``, ``contacts``, ... services to a client that has ``call_named``."""

    __slots__ = ()

    _typed_cache: dict[str, Any]

    def _service(self, key: str, factory: Any) -> Any:
        service = self._typed_cache.get(key)
        if service is None:
            service = factory()
            self._typed_cache[key] = service
        return service

    def _entity(self, cls: type[R]) -> EntityService[R]:
        api: Any = self
        service: EntityService[R] = self._service(cls.entity, lambda: EntityService(api, cls))
        return service

    @property
    def leads(self) -> EntityService[Lead]:
        """Leads: get, find, iterate, new, edit, delete."""
        return self._entity(Lead)

    @property
    def contacts(self) -> EntityService[Contact]:
        """Contacts (people): get, find, iterate, new, edit, delete."""
        return self._entity(Contact)

    @property
    def accounts(self) -> EntityService[Account]:
        """Accounts (companies): get, find, iterate, new, edit, delete."""
        return self._entity(Account)

    @property
    def activities(self) -> EntityService[Activity]:
        """Activities: get, find, iterate, new, edit, delete."""
        return self._entity(Activity)

    @property
    def tasks(self) -> EntityService[Task]:
        """Tasks: get, find, iterate, new, edit, delete."""
        return self._entity(Task)

    @property
    def notes(self) -> NoteService:
        """Notes: get, new/add, edit, delete (there is no findNotes)."""
        api: Any = self
        service: NoteService = self._service("Note", lambda: NoteService(api, Note))
        return service

    @property
    def products(self) -> EntityService[Product]:
        """Products: get, find, iterate, new, edit, delete."""
        return self._entity(Product)

    @property
    def users(self) -> EntityService[User]:
        """Users: get, find, iterate, new, edit, delete."""
        return self._entity(User)

    @property
    def tags(self) -> TagService:
        """Tags: all (findTags), new."""
        api: Any = self
        service: TagService = self._service("Tag", lambda: TagService(api, Tag))
        return service

    @property
    def sources(self) -> SourceService:
        """Sources: find, iterate, new (get-or-create by name)."""
        api: Any = self
        service: SourceService = self._service("Source", lambda: SourceService(api, Source))
        return service

    @property
    def stagesets(self) -> EntityService[Stageset]:
        """Pipelines (stagesets): find, iterate."""
        return self._entity(Stageset)

    @property
    def milestones(self) -> EntityService[Stage]:
        """Pipeline stages (milestones): find, iterate."""
        return self._entity(Stage)

    @property
    def outcomes(self) -> EntityService[Outcome]:
        """Lead outcomes: find, iterate."""
        return self._entity(Outcome)
