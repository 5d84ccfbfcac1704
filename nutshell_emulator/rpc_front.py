"""The emulator's JSON-RPC front: an :class:`~nutshell_rpc.server.RpcBackend` over the store.

:class:`EmulatorBackend` answers the legacy methods from the one store the REST front also
uses. Which methods it answers is a table derived from the catalog: each row's verb (``get``,
``find``, ``new``, ``edit``, ``delete``, ``search``) picks a generic handler that works from
the row's entity, and a short list of special cases covers the methods whose signature or
result differs (``newNote(entity, note)``, ``findTags``' map, ``getUser()`` without an id,
``findTimeline``, the cross-type searches...).

The handlers live beside this module by family: the generic ones in
:mod:`~nutshell_emulator.rpc_generic`, the special cases in :mod:`~nutshell_emulator.rpc_special`,
``find*`` queries in :mod:`~nutshell_emulator.rpc_queries` and ``orderBy`` keys and paging in
:mod:`~nutshell_emulator.rpc_order`.

Semantics (jsonrpc-api.md §3-§5):

* ``find*`` returns stubs unless ``stubResponses`` is false (full records then, at most 100
  a page); ``limit`` and 1-based ``page``; ``orderBy``/``orderDirection``; query keys are
  ANDed and a list value is ORed;
* ``get*`` returns the full record (a trashed one with ``deletedTime``); ``new*`` and ``edit*``
  return the full record; edits are partial and replace multi-value fields wholesale; a
  ``note`` key appends a Note; a stale rev is 409 (``REV_IGNORE`` skips the check);
* a lead's ``outcome`` closes it, ``status: 0`` reopens it, ``stagesetId`` moves it and
  ``milestoneId`` sets its stage, through the shared rules in :mod:`nutshell_emulator.rules`;
* what a write requires, defaults and merges (a new lead's market and value, a nameless
  contact's name, an activity's type, custom fields merged on edit...) is the legacy rule in
  :mod:`nutshell_rpc.rules`, which the bridge's write translators apply too;
* ``delete*`` returns true.

Errors are APIError subclasses the server turns into JSON-RPC errors: a missing record is
``NotFoundError`` (404, code 404), bad input ``InvalidRequestError`` (400, -32602) naming the
field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from nutshell_core.catalog import REQUIRED, RPC_METHODS, RpcMethod
from nutshell_core.errors import MethodNotFoundError, NotFoundError
from nutshell_core.model import (
    ENTITIES,
    UNSET,
    Account,
    Activity,
    Contact,
    Lead,
    Note,
    Product,
    Record,
    Ref,
    Task,
    Team,
    User,
)
from nutshell_emulator.rpc_generic import _delete, _edit, _find, _get, _new, _search
from nutshell_emulator.rpc_input import StoreInputReader
from nutshell_emulator.rpc_misc import HANDLERS as MISC_HANDLERS
from nutshell_emulator.rpc_order import SortKey, _int, _norm, _positive, _sort_key
from nutshell_emulator.rpc_reference import HANDLERS as REFERENCE_HANDLERS
from nutshell_emulator.rpc_special import (
    NOTE_EDIT_WINDOW,
    _add,
    _discover,
    _edit_note,
    _find_tags,
    _find_timeline,
    _get_user,
    _new_note,
    _new_source,
    _new_tag,
    _search_by_email,
    _search_universal,
    _searcher,
)
from nutshell_emulator.store import Store
from nutshell_rpc import rules as legacy
from nutshell_rpc.inputs import ParsedInput, bad_input, note_html
from nutshell_rpc.shapes import Presenter

__all__ = ["NON_STUB_LIMIT", "NOTE_EDIT_WINDOW", "EmulatorBackend", "handler_table"]

#: The most full records one non-stub ``find*`` page returns (W6W, quoting Nutshell's docs).
NON_STUB_LIMIT = 100

#: Records the generic handlers serve, by catalog entity name.
_SERVED: Mapping[str, type[Record]] = {
    name: ENTITIES[name]
    for name in (
        "Lead",
        "Contact",
        "Account",
        "Activity",
        "Task",
        "Note",
        "Email",
        "Product",
        "User",
        "Team",
        "Tag",
        "Source",
        "Stageset",
        "Stage",
        "Outcome",
        "Market",
        "Industry",
        "Territory",
        "AccountType",
        "ActivityType",
        "Competitor",
        "Audience",
    )
}

#: Records the RPC API can create, edit and delete (reference data is managed in the app).
_WRITABLE = frozenset({Lead, Contact, Account, Activity, Task, Note, Product, User, Team})

_VERBS = ("get", "find", "new", "edit", "delete", "search")


@attrs.frozen
class Call:
    """One dispatched call: its catalog row, params (defaults filled in) and the caller."""

    row: RpcMethod
    params: Mapping[str, Any]
    user: User | None

    @property
    def actor(self) -> Ref | None:
        """The caller as the store's event log records it."""
        if self.user is None:
            return None
        return Ref(entity="User", id=self.user.id, name=self.user.name)

    @property
    def cls(self) -> type[Record]:
        """The row's record class."""
        assert self.row.entity is not None
        return _SERVED[self.row.entity]

    def param(self, index: int) -> tuple[str, Any]:
        """The name and value of the row's ``index``-th parameter."""
        name = self.row.params[index].name
        return name, self.params.get(name)


Handler = Callable[["EmulatorBackend", Call], Any]


class EmulatorBackend:
    """Answers JSON-RPC calls from the emulator's store (an ``RpcBackend``)."""

    def __init__(
        self, store: Store, *, api_host: str = "app.nutshell.com", web_host: str | None = None
    ) -> None:
        """``api_host`` is what discovery answers; ``web_host`` (default: the same) is the
        host of the web-app links records carry (``htmlUrl``)."""
        self._store = store
        self._host = api_host
        self._present = Presenter(store, host=web_host or api_host)
        self._reader = StoreInputReader(store)
        self._handlers = handler_table(RPC_METHODS)

    @property
    def store(self) -> Store:
        """The store calls read and write."""
        return self._store

    @property
    def reader(self) -> StoreInputReader:
        """The reader of input objects."""
        return self._reader

    @property
    def presenter(self) -> Presenter:
        """The renderer of RPC shapes."""
        return self._present

    # -- RpcBackend ---------------------------------------------------------------------------

    def authenticate(self, username: str, api_key: str) -> User | None:
        """The enabled user with this email and key, or None (the server answers 401)."""
        return self._store.authenticate(username, api_key)

    def discover(self, username: str) -> Mapping[str, Any]:
        """``getApiForUsername``: every role on the emulated host (``api_discovery.json``)."""
        host = self._host
        return {"iphone": host, "mobile": host, "api": host, "login": host}

    def implements(self, method: RpcMethod) -> bool:
        """True for the methods in the handler table."""
        return method.name in self._handlers

    def dispatch(self, method: RpcMethod, params: Mapping[str, Any], principal: Any) -> Any:
        """Run one call under the store's lock, so it reads and writes one consistent state."""
        handler = self._handlers.get(method.name)
        if handler is None:
            raise MethodNotFoundError("Method not found", status=404, code=-32601)
        defaults = {p.name: p.default for p in method.params if p.default is not REQUIRED}
        user = principal if isinstance(principal, User) else None
        call = Call(method, {**defaults, **params}, user)
        with self._store.transaction():
            return handler(self, call)

    # -- reads ----------------------------------------------------------------------------------

    def fetch(self, cls: type[Record], record_id: int, *, trashed: bool = False) -> Record:
        """A live record (or, with ``trashed``, a deleted one), or NotFoundError."""
        found = self._store.find(cls, record_id)
        if found is None and trashed:
            found = self._store.trashed(cls, record_id)
        if found is None:
            raise NotFoundError(
                f"{cls.rpc_type} {record_id} not found", status=404, code=404, target=cls.entity
            )
        return found

    def page(
        self, call: Call, records: list[Record], keys: Mapping[str, SortKey], *, full: bool
    ) -> list[dict[str, Any]]:
        """Order, page and render ``records`` as the row's ``orderBy``/``limit``/``page`` say."""
        order_by = call.params.get("orderBy")
        direction = call.params.get("orderDirection", "ASC")
        if not isinstance(direction, str) or direction.upper() not in ("ASC", "DESC"):
            raise bad_input("orderDirection", "expected ASC or DESC")
        if order_by is not None:
            lookup = {_norm(name): key for name, key in keys.items()}
            if not isinstance(order_by, str) or _norm(order_by) not in lookup:
                known = ", ".join(sorted(keys))
                raise bad_input("orderBy", f"cannot order by {order_by!r}; use one of: {known}")
            key = lookup[_norm(order_by)]
            records = sorted(records, key=lambda r: _sort_key(key(self, r), r))
            if direction.upper() == "DESC":
                records.reverse()
        limit = _positive(call.params.get("limit", 50), "limit")
        page = _positive(call.params.get("page", 1), "page")
        if full:
            limit = min(limit, NON_STUB_LIMIT)
        chosen = records[(page - 1) * limit : page * limit]
        render = self._present.full if full else self._present.stub
        return [render(r) for r in chosen]

    # -- writes ---------------------------------------------------------------------------------

    def append_note(self, parent: Record, text: str, call: Call) -> Note:
        """Store a Note on ``parent``: what a ``note`` key and ``newNote`` do."""
        now = self._store.now()
        name = getattr(parent, "name", UNSET)
        if isinstance(parent, Lead):
            name = f"Lead–{parent.number}"
        note = Note(
            body=text,
            body_markup=text,
            body_html=note_html(text),
            date=now,
            user=call.actor,
            parent=Ref(entity=parent.entity, id=parent.id, name=name),
        )
        return self._store.insert(note, actor=call.actor)

    def write_links(self, record: Record, parsed: ParsedInput, call: Call) -> None:
        """Links sent on the side the store does not keep, written on the other records."""
        for side in legacy.other_side_links(record, parsed):
            self._relink(side, record, call)

    def _relink(self, side: legacy.OtherSide, target: Record, call: Call) -> None:
        owners = {_int(owner.id): owner for owner in self._store.all(side.owner_cls)}
        linked = [
            owner_id
            for owner_id, owner in owners.items()
            if any(ref.id == target.id for ref in getattr(owner, side.attr) or ())
        ]
        by_id = {ref.id: ref for ref in side.wanted}
        for owner_id, add in legacy.relink_plan(linked, side.wanted):
            if owner_id not in owners:
                continue  # the reader has refused unknown ids; nothing to link here
            current: tuple[Ref, ...] = getattr(owners[owner_id], side.attr) or ()
            if add:
                link = attrs.evolve(
                    legacy.bare_ref(target), relationship=by_id[owner_id].relationship
                )
                new = (*current, link)
            else:
                new = tuple(ref for ref in current if ref.id != target.id)
            self._store.update(side.owner_cls, owner_id, {side.attr: new}, actor=call.actor)


_SPECIAL: Mapping[str, Handler] = {
    "getApiForUsername": _discover,
    "add": _add,
    "getUser": _get_user,
    "newNote": _new_note,
    "editNote": _edit_note,
    "findTags": _find_tags,
    "newTag": _new_tag,
    "newSource": _new_source,
    "findTimeline": _find_timeline,
    "searchByEmail": _search_by_email,
    "searchUniversal": _search_universal,
    "searchContactsAndUsers": _searcher(Contact, User),
    "searchUsersAndTeams": _searcher(User, Team),
    "searchActivityParticipants": _searcher(User, Contact, Account),
    # Custom field definitions and reports (nutshell_emulator.rpc_reference).
    **REFERENCE_HANDLERS,
    **MISC_HANDLERS,  # origins, settings, backups, RFC 822 emails (rpc_misc)
}

_GENERIC: Mapping[str, Handler] = {
    "get": _get,
    "find": _find,
    "new": _new,
    "edit": _edit,
    "delete": _delete,
    "search": _search,
}


def _verb(name: str) -> str | None:
    return next(
        (v for v in _VERBS if name.startswith(v) and name[len(v) : len(v) + 1].isupper()), None
    )


def handler_table(methods: Mapping[str, RpcMethod]) -> dict[str, Handler]:
    """Method name -> handler, for every catalog row the emulator answers.

    A row is answered by a special case when it has one, else by the generic handler of its
    verb when its entity is one the store serves (writes only for the writable records).
    """
    table: dict[str, Handler] = {}
    for name, row in methods.items():
        if name in _SPECIAL:
            table[name] = _SPECIAL[name]
            continue
        verb = _verb(name)
        cls = _SERVED.get(row.entity or "")
        if verb is None or cls is None:
            continue
        if verb in ("new", "edit", "delete") and cls not in _WRITABLE:
            continue
        table[name] = _GENERIC[verb]
    return table
