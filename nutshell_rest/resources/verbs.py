"""The verb mixins a resource combines: list, get, create, patch, replace, delete, undelete,
custom fields and list views, each declaring the catalog rows it needs.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, Final, Literal

import requests

from nutshell_core.catalog import Paging, RestOperation
from nutshell_core.errors import InvalidRequestError, MalformedResponseError, UsageError
from nutshell_core.model import Record
from nutshell_rest._requests import IdLike, _as_text, _decode_envelope, _is_empty
from nutshell_rest.convert import record_to_rest_input
from nutshell_rest.envelope import Envelope, Item
from nutshell_rest.errors import outcome_unknown, read_json
from nutshell_rest.paging import DEFAULT_MAX_PAGES, Page, Pager, Params, page_from_envelope
from nutshell_rest.patch import Patch, diff_inputs, parse_patch
from nutshell_rest.query import Query
from nutshell_rest.resources.base import Requires, Resource

#: Records per page when the caller does not say (the server's own default is undocumented).
DEFAULT_PAGE_SIZE: Final = 100


class Listable(Resource):
    """``GET /<entity>``: one page with :meth:`list`, every record with :meth:`iterate`."""

    _requires: ClassVar[Requires] = (("GET", ""),)

    def list(
        self,
        query: Query | None = None,
        *,
        page: int | None = None,
        limit: int | None = None,
        params: Mapping[str, Any] | Params | None = None,
        resolve: bool = False,
    ) -> Envelope:
        """One page of the collection as an :class:`Envelope` (records, meta, side-loads).

        For a paged collection ``page`` (0-based, default 0) and ``limit`` (default
        :data:`DEFAULT_PAGE_SIZE`) override what ``query`` says; unpaged collections refuse
        both. ``params`` adds raw query pairs the :class:`Query` grammar has no word for
        (``userId`` on ``/filters``). ``resolve`` attaches side-loaded records to Refs.
        """
        op = self._op("GET")
        q, extra = self._collection_params(op, query, params)
        if op.paging is Paging.PAGE:
            index = page if page is not None else (q.page_index or 0)
            size = limit if limit is not None else (q.limit or DEFAULT_PAGE_SIZE)
            q = q.with_page(index, size)
        elif page is not None or limit is not None:
            raise UsageError(f"GET {op.path} is not paged; leave page and limit out")
        return self._fetch(op, params=[*q.params(), *extra], resolve=resolve)

    def iterate(
        self,
        query: Query | None = None,
        *,
        page_size: int | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
        params: Mapping[str, Any] | Params | None = None,
        resolve: bool = False,
    ) -> Pager[Item]:
        """Every record of the collection, lazily, one page in memory at a time.

        Paged collections are walked from ``query``'s page (default 0) with ``page_size``
        records per request (default: ``query``'s limit, else :data:`DEFAULT_PAGE_SIZE`);
        unpaged ones are one request whose records are all there is (``page_size`` is then
        ignored, so one loop can walk every resource). Nothing is requested
        until iteration starts. See :class:`~nutshell_rest.paging.Pager` for the stop rules.
        """
        op = self._op("GET")
        q, extra = self._collection_params(op, query, params)
        paged = op.paging is Paging.PAGE
        limit = page_size if page_size is not None else (q.limit or DEFAULT_PAGE_SIZE)
        if paged:
            q.with_page(q.page_index or 0, limit)  # a bad page size fails now, not mid-walk

        def fetch(index: int, size: int | None) -> Page[Item]:
            pairs = q.with_page(index, size).params() if size is not None else q.params()
            envelope = self._fetch(op, params=[*pairs, *extra], resolve=resolve)
            return page_from_envelope(index, envelope)

        return Pager(
            fetch,
            limit=limit if paged else None,
            paged=paged,
            start=q.page_index or 0,
            max_pages=max_pages,
            target=f"GET {op.path}",
        )


class Gettable(Resource):
    """``GET /<entity>/{id}``: one record, or several by comma-separated ids."""

    _requires: ClassVar[Requires] = (("GET", "/{id}"),)

    def get(self, record_id: IdLike, *, resolve: bool = False) -> Item:
        """The record with this id (an int or ``"12-leads"``).

        ``resolve`` attaches the side-loaded records to the record's Refs. A 200 holding
        anything but this one record (another type, another id, several) raises
        :class:`MalformedResponseError`.
        """
        op = self._op("GET", "/{id}")
        path = {"id": self._id(record_id)}
        envelope = self._fetch(op, path, resolve=resolve)
        return self._one(envelope, self._target(op, path), path["id"])

    def get_many(self, record_ids: Iterable[IdLike], *, resolve: bool = False) -> Envelope:
        """Several records in one request: ``GET /<entity>/1-x,2-x``. Order is the server's.

        Ids that are gone may be missing from the answer; a record of another type or of an
        id that was not asked for raises :class:`MalformedResponseError`.
        """
        if isinstance(record_ids, str | bytes | int):
            raise UsageError("get_many takes a list of ids; use get for one")
        ids = [self._id(value) for value in record_ids]
        if not ids:
            raise UsageError("get_many needs at least one id")
        op = self._op("GET", "/{id}")
        path = {"id": ",".join(ids)}
        envelope = self._fetch(op, path, resolve=resolve)
        self._check_asked(envelope, self._target(op, path), ids)
        return envelope


def _record_body(resource: Resource, item: Record | Mapping[str, Any], what: str) -> Any:
    """One record shaped for a POST/PUT body item, checked to belong to ``resource``."""
    if isinstance(item, Record):
        if item.rest_type.lower() != resource.rest_type.lower():
            raise UsageError(f"{what}: a {item.entity} cannot be sent to {resource.base}")
        return record_to_rest_input(item)
    if isinstance(item, Mapping):
        return dict(item)
    raise UsageError(f"{what} takes a model record or a dict, not {type(item).__name__}")


class _Bodies(Resource):
    """How a create (and an activity PUT) wraps its one record."""

    #: ``"array"``: ``{"<primary key>": [item]}`` (most entities); ``"data"``:
    #: ``{"data": item}`` (notes); ``"bare"``: the item itself (tasks, per the OpenAPI
    #: document's ``paths./tasks.post.requestBody``).
    _create_body: ClassVar[Literal["array", "data", "bare"]] = "array"

    def _wrap(self, op: RestOperation, item: Record | Mapping[str, Any], what: str) -> Any:
        body = _record_body(self, item, what)
        wrapper = {"array": op.primary_key, "data": "data", "bare": None}[self._create_body]
        if wrapper is not None and isinstance(item, Mapping) and set(item) == {wrapper}:
            # A dict that is already a whole body would otherwise be wrapped twice.
            raise UsageError(f"{what}: pass the record itself, not {{{wrapper!r}: ...}}")
        if self._create_body == "array":
            return {wrapper: [body]}
        if self._create_body == "data":
            return {"data": body}
        return body


class Creatable(_Bodies):
    """``POST /<entity>``: create one record."""

    _requires: ClassVar[Requires] = (("POST", ""),)

    def create(self, record: Record | Mapping[str, Any], *, resolve: bool = False) -> Item | None:
        """Create one record and return it as the server stored it.

        A model record is rendered with :func:`~nutshell_rest.convert.record_to_rest_input`;
        a dict is taken as one body item in wire shape. The body wraps it as this entity
        requires (``{"leads": [item]}``, notes ``{"data": item}``, tasks unwrapped). Returns
        None only if the server answers without a body.
        """
        op = self._op("POST")
        return self._write(op, json=self._wrap(op, record, "create"), resolve=resolve)


#: What :meth:`Patchable.update` takes: a Patch, JSON Patch operation dicts, or (old, new).
Changes = (
    Patch
    | Sequence[Mapping[str, Any]]
    | tuple[Record | Mapping[str, Any], Record | Mapping[str, Any]]
)


class Patchable(Resource):
    """``PATCH /<entity>/{id}`` with a JSON Patch (rest-api.md §5.2)."""

    _requires: ClassVar[Requires] = (("PATCH", "/{id}"), ("GET", "/{id}"))

    def _patch_ops(self, changes: Changes) -> builtins.list[dict[str, Any]] | None:
        if isinstance(changes, Patch):
            if changes.rest_type.lower() != self.rest_type.lower():
                raise UsageError(
                    f"a {changes.rest_type} patch cannot update {self.rest_type} records"
                )
            return changes.ensure_not_empty().to_json()
        if isinstance(changes, tuple) and len(changes) == 2 and not _is_op(changes[0]):
            old, new = (
                record_to_rest_input(side) if isinstance(side, Record) else side for side in changes
            )
            if not isinstance(old, Mapping) or not isinstance(new, Mapping):
                raise UsageError("update takes (old, new) as two records or two dicts")
            patch = diff_inputs(self.rest_type, old, new)
            # Nothing changed: no request, rather than the server's 400 "No patches sent".
            return patch.to_json() if len(patch) else None
        if isinstance(changes, Sequence) and not isinstance(changes, str | bytes):
            try:
                ops = parse_patch(builtins.list(changes))
            except InvalidRequestError as exc:
                raise UsageError(f"not a JSON Patch: {exc.message}") from None
            return [op.to_json() for op in ops]
        raise UsageError(
            "update takes a Patch, a list of JSON Patch operations, or (old, new) records"
        )

    def update(self, record_id: IdLike, changes: Changes, *, reread: bool = False) -> Item | None:
        """Change a record with a JSON Patch.

        ``changes`` is a :class:`~nutshell_rest.patch.Patch`, a list of operation dicts, or
        ``(old, new)`` (records or POST-shaped dicts) to diff with
        :func:`~nutshell_rest.patch.diff_inputs`. An empty Patch or list raises
        :class:`UsageError`; an ``(old, new)`` pair without differences sends nothing.

        Nutshell answers 204 without a body, so this returns None, unless ``reread`` asks for
        the record, which is then fetched with a GET. A 200 that carries the record returns it.
        """
        ops = self._patch_ops(changes)
        path = {"id": self._id(record_id)}
        if ops is not None:
            op = self._op("PATCH", "/{id}")
            response = self._client._send(op, path, json=ops)
            if not _is_empty(response):
                found = self._record_from_success(response, self._target(op, path))
                if found is not None:
                    return found
        if not reread:
            return None
        get = self._op("GET", "/{id}")
        return self._one(self._fetch(get, path), self._target(get, path), path["id"])

    def _record_from_success(self, response: requests.Response, target: str) -> Item | None:
        # The write already succeeded. JSON that cannot be read (truncated, garbled) leaves
        # the outcome unknown; a body that is not meant as JSON ("OK"), or JSON that is not an
        # envelope, must not turn the success into an error (a caller might retry a change
        # that was applied), so it is ignored.
        meant_as_json = "json" in response.headers.get("Content-Type", "").lower() or (
            response.content.lstrip().startswith((b"{", b"[", b"\xef\xbb\xbf"))
        )
        if meant_as_json:
            try:
                read_json(response, target)
            except MalformedResponseError as exc:
                raise outcome_unknown(exc, target) from exc
        try:
            envelope = _decode_envelope(response, target, self.primary_key, resolve=False)
        except MalformedResponseError:
            return None
        return envelope.records[0] if envelope.records else None


def _is_op(value: object) -> bool:
    return isinstance(value, Mapping) and "op" in value and "path" in value


class Replaceable(_Bodies):
    """``PUT /<entity>/{id}``: replace a record with a full body (activities)."""

    _requires: ClassVar[Requires] = (("PUT", "/{id}"),)

    def replace(
        self, record_id: IdLike, record: Record | Mapping[str, Any], *, resolve: bool = False
    ) -> Item | None:
        """Replace the record with this body, shaped exactly as for a create.

        Activities have no PATCH in the OpenAPI document; they are updated with PUT.
        """
        op = self._op("PUT", "/{id}")
        return self._write(
            op,
            {"id": self._id(record_id)},
            json=self._wrap(op, record, "replace"),
            resolve=resolve,
        )


class Deletable(Resource):
    """``DELETE /<entity>/{id}``; restorable for 30 days where :class:`Undeletable`."""

    _requires: ClassVar[Requires] = (("DELETE", "/{id}"),)

    def delete(self, record_id: IdLike) -> Item | None:
        """Delete the record; returns it when the server sends it (200), None on a 204."""
        op = self._op("DELETE", "/{id}")
        return self._write(op, {"id": self._id(record_id)}, primary_key=self.primary_key)


class Undeletable(Resource):
    """``POST /<entity>/{id}/undelete``: restore a record deleted in the last 30 days."""

    _requires: ClassVar[Requires] = (("POST", "/{id}/undelete"),)

    def undelete(self, record_id: IdLike) -> Item | None:
        """Restore the record and return it (None if the server sends no body)."""
        op = self._op("POST", "/{id}/undelete")
        return self._write(op, {"id": self._id(record_id)}, primary_key=self.primary_key)


class CustomFields(Resource):
    """Custom fields of an entity: values per record, definitions, and new definitions."""

    _requires: ClassVar[Requires] = (
        ("GET", "/{id}/customfields"),
        ("GET", "/customfields/attributes"),
        ("POST", "/customfield"),
    )

    def customfields(self, record_id: IdLike) -> Envelope:
        """``GET /<entity>/{id}/customfields``: the record's custom fields."""
        return self._fetch(self._op("GET", "/{id}/customfields"), {"id": self._id(record_id)})

    def customfield_attributes(self) -> Envelope:
        """``GET /<entity>/customfields/attributes``: the custom field definitions."""
        return self._fetch(self._op("GET", "/customfields/attributes"))

    def create_customfield(
        self,
        name: str,
        field_type: str,
        *,
        title: str | None = None,
        choices: Sequence[str] = (),
        is_multiple: bool = False,
    ) -> None:
        """``POST /<entity>/customfield``: define a custom field (the server sends no body)."""
        body: dict[str, Any] = {
            "name": _as_text(name, "name"),
            "type": _as_text(field_type, "field_type"),
            "choices": [_as_text(c, "choice") for c in choices],
            "isMultiple": bool(is_multiple),
            "title": title if title is not None else name,
        }
        self._client._send(self._op("POST", "/customfield"), json=body)


class ListView(Resource):
    """The list view of an entity (``/<entity>/list``) and its field catalog."""

    _requires: ClassVar[Requires] = (("GET", "/list"), ("GET", "/list/fields"))

    def list_items(self, query: Query | None = None) -> Envelope:
        """``GET /<entity>/list``: list-view rows (``listItems``) with display fields; unpaged.

        Named ``list_items`` because ``list`` is the collection's page.
        """
        op = self._op("GET", "/list")
        q, _ = self._collection_params(op, query, None)
        return self._fetch(op, params=q.params())

    def list_fields(self) -> Mapping[str, Any]:
        """``GET /<entity>/list/fields``: the filter/sort field catalog, keyed by field name
        (the body's ``properties`` object, with ``isFilterable``/``isSortable`` per field)."""
        op = self._op("GET", "/list/fields")
        target = self._target(op)
        body = read_json(self._client._send(op), target)
        fields = body.get(op.primary_key or "properties") if isinstance(body, Mapping) else None
        if not isinstance(fields, Mapping):
            raise MalformedResponseError(
                "expected an object of fields", target, problems=("no object @ $.properties",)
            )
        return fields
