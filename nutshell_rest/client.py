"""``RestClient``: Nutshell's REST API, one resource per entity endpoint.

Every request goes through :meth:`RestClient._send`, which looks nothing up by itself: each
resource method names a catalog row (:data:`nutshell_core.catalog.REST_OPERATIONS`), and the row
supplies the HTTP method, the path template, whether a retry is safe, and the primary array key
the envelope is parsed with. A resource owns the rows whose path starts with its base
(``/leads`` owns ``/leads/{id}/status``) and checks at construction that every verb it offers is
one of them, so the client cannot drift from the catalog. :meth:`RestClient.call` reaches any
row directly, including the odd ones.

Ids are accepted as plain ints (formatted with the resource's type: ``12`` -> ``"12-leads"``) or
as ``"<n>-<type>"`` strings, which are validated against the resource's type and sent as given.
"""

from __future__ import annotations

import builtins
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, ClassVar, Final, Literal
from urllib.parse import quote, urlsplit

import requests

from nutshell_core.audit import AuditSink
from nutshell_core.catalog import REST_OPERATIONS, Paging, RestOperation, rest_operation
from nutshell_core.errors import (
    ConfigurationError,
    ConnectError,
    InsecureTransportError,
    InvalidRequestError,
    MalformedResponseError,
    NotFoundError,
    UnknownMethodError,
    UsageError,
)
from nutshell_core.guard import CallGuard
from nutshell_core.model import ENTITIES, LeadStatus, ProductMap, Record, Unset
from nutshell_core.policy import Agent
from nutshell_core.transport import (
    UNSET,
    Credentials,
    RetryPolicy,
    Timeouts,
    Transport,
    check_url_is_safe,
)
from nutshell_rest.checks import check_answer, require_ids
from nutshell_rest.convert import (
    format_id,
    parse_id,
    record_to_rest_input,
    unstructure_record,
)
from nutshell_rest.envelope import Envelope, Item, parse_envelope
from nutshell_rest.envelope import resolve as resolve_envelope
from nutshell_rest.errors import (
    body_text,
    error_from_items,
    outcome_unknown,
    raise_for_response,
    read_json,
)
from nutshell_rest.paging import (
    DEFAULT_MAX_PAGES,
    EventCursor,
    Page,
    Pager,
    Params,
    page_from_envelope,
)
from nutshell_rest.patch import PATCH_MEDIA_TYPE, Patch, diff_inputs, parse_patch
from nutshell_rest.query import Query
from nutshell_rest.tracking import record_request

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_PAGE_SIZE",
    "DOCUMENT_STATUSES",
    "AccountTypes",
    "Accounts",
    "Activities",
    "ActivityTypes",
    "Audiences",
    "Changes",
    "CompetitorMaps",
    "Competitors",
    "Contacts",
    "Creatable",
    "CustomFields",
    "Deletable",
    "Editions",
    "Emails",
    "Events",
    "Filters",
    "Forms",
    "Gettable",
    "IdLike",
    "Industries",
    "Invoices",
    "Leads",
    "ListView",
    "Listable",
    "Markets",
    "Notes",
    "Outcomes",
    "Patchable",
    "ProductCategories",
    "ProductMaps",
    "Products",
    "Quotes",
    "Replaceable",
    "Resource",
    "RestClient",
    "Sources",
    "Stages",
    "Stagesets",
    "Tags",
    "Tasks",
    "Territories",
    "Undeletable",
    "Users",
    "rows_under",
]

#: Nutshell's REST root.
DEFAULT_BASE_URL: Final = "https://app.nutshell.com/rest"

#: Records per page when the caller does not say (the server's own default is undocumented).
DEFAULT_PAGE_SIZE: Final = 100

#: The statuses ``POST /quotes/{id}/status`` and ``POST /invoices/{id}/status`` accept.
DOCUMENT_STATUSES: Final = frozenset({"READY", "SENT", "REVOKED", "ACCEPTED", "ARCHIVED"})

#: An id as callers give it: ``12`` or ``"12-leads"``.
IdLike = int | str

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: Errors the transport raises only when a request certainly never left this machine.
_NOT_SENT: Final = (ConnectError, InsecureTransportError, ConfigurationError, UsageError)
_CLOSED_STATUSES: Final = frozenset({LeadStatus.WON, LeadStatus.LOST, LeadStatus.CANCELLED})

# ---------------------------------------------------------------------------------------------
# Paths and bodies
# ---------------------------------------------------------------------------------------------


def _fill(template: str, values: Mapping[str, str]) -> str:
    """The path of ``template`` with each ``{name}`` replaced by its URL-quoted value."""
    names = _PLACEHOLDER.findall(template)
    missing = [n for n in names if n not in values]
    extra = sorted(set(values) - set(names))
    if missing or extra:
        raise UsageError(
            f"{template}: path parameters "
            + (f"missing {missing}" if missing else "")
            + (" and " if missing and extra else "")
            + (f"unexpected {extra}" if extra else "")
        )

    def one(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        if not isinstance(value, str) or not value.strip() or value in (".", ".."):
            raise UsageError(f"{template}: {match.group(1)} must be an id, not {value!r}")
        # "/" is quoted, so a value can never reach another route; "," joins multi-get ids.
        return quote(value, safe=",-_.~")

    return _PLACEHOLDER.sub(one, template)


def _is_empty(response: requests.Response) -> bool:
    return response.status_code == 204 or not response.content.strip()


def _decode_envelope(
    response: requests.Response, target: str, primary_key: str, *, resolve: bool
) -> Envelope:
    data = read_json(response, target)
    if isinstance(data, builtins.list):
        # The OpenAPI document declares some reference lists as bare arrays; live responses
        # are keyed, but reading both costs nothing.
        data = {primary_key: data}
    try:
        envelope = parse_envelope(data, primary_key)
    except MalformedResponseError as exc:
        # Re-raised so that the error names the request, which the parser cannot know.
        raise MalformedResponseError(
            exc.message, target, response.status_code, body_text(response), exc.problems
        ) from exc
    if not isinstance(envelope.errors, Unset) and envelope.errors:
        raise error_from_items(envelope.errors, response, target)
    require_ids(envelope, target, response.status_code)
    return resolve_envelope(envelope) if resolve else envelope


def _as_text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{what} must be a non-blank string, not {value!r}")
    return value


def _unix(value: int | datetime, what: str) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise UsageError(f"{what}: naive datetime; give a timezone-aware one")
        return str(int(value.timestamp()))
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UsageError(f"{what} must be a unix time or an aware datetime, not {value!r}")
    return str(value)


def _typed_id(value: IdLike, rest_type: str, what: str) -> str:
    """``value`` as ``"<n>-<type>"``: ints formatted with ``rest_type``, strings validated."""
    number, found = parse_id(value, rest_type)
    if found is not None:
        assert isinstance(value, str)
        return value
    try:
        return format_id(rest_type, number)
    except UsageError as exc:
        raise UsageError(f"{what}: {exc}") from None


def _any_typed_id(value: object, what: str) -> str:
    """An id whose type cannot be inferred, so it must say it (``"3-contacts"``)."""
    if not isinstance(value, str):
        raise UsageError(f"{what} must be a typed id like '3-contacts', not {value!r}")
    _, found = parse_id(value)
    if found is None:
        raise UsageError(f"{what} must be a typed id like '3-contacts', not {value!r}")
    return value


def _extra_params(params: Mapping[str, Any] | Params | None) -> builtins.list[tuple[str, str]]:
    if params is None:
        return []
    pairs = params.items() if isinstance(params, Mapping) else params
    out = []
    for key, value in pairs:
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        out.append((str(key), text))
    return out


# ---------------------------------------------------------------------------------------------
# The client
# ---------------------------------------------------------------------------------------------


class RestClient:
    """A client for Nutshell's REST API.

    ``RestClient(username, api_key)``: ``username`` is the Nutshell user's email and
    ``api_key`` an API key (HTTP Basic). The constructor does no I/O; it refuses a
    ``base_url`` that would carry the credentials in the clear (plain ``http://`` is allowed
    only to a loopback host, for the emulator). ``transport`` replaces the whole HTTP layer;
    otherwise one is built from ``timeouts``, ``retry``, ``session``, ``sleep`` and ``clock``.

    Resources are attributes (``client.leads.get(12)``); :meth:`call` reaches any catalog
    operation by method and path template. Use as a context manager, or call :meth:`close`.

    ``policy=`` (an :class:`~nutshell_core.policy.Agent`) refuses every request its grants do
    not cover with :class:`~nutshell_core.errors.PolicyDenied` before it is sent, and
    ``audit=`` (an :data:`~nutshell_core.audit.AuditSink`) receives one event per request;
    both act in :meth:`_send`, which every request goes through.
    """

    accounts: Accounts
    account_types: AccountTypes
    activities: Activities
    activity_types: ActivityTypes
    audiences: Audiences
    competitor_maps: CompetitorMaps
    competitors: Competitors
    contacts: Contacts
    editions: Editions
    emails: Emails
    events: Events
    filters: Filters
    forms: Forms
    industries: Industries
    invoices: Invoices
    leads: Leads
    markets: Markets
    notes: Notes
    outcomes: Outcomes
    product_categories: ProductCategories
    product_maps: ProductMaps
    products: Products
    quotes: Quotes
    sources: Sources
    stages: Stages
    stagesets: Stagesets
    tags: Tags
    tasks: Tasks
    territories: Territories
    users: Users

    def __init__(
        self,
        username: str,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        transport: Transport | None = None,
        policy: Agent | None = None,
        audit: AuditSink | None = None,
    ) -> None:
        self._guard = CallGuard(policy, audit, clock=clock)
        if not isinstance(username, str) or not username or not isinstance(api_key, str):
            raise ConfigurationError("RestClient needs a username (an email) and an API key")
        if not api_key:
            raise ConfigurationError("RestClient needs an API key")
        check_url_is_safe(base_url)
        parts = urlsplit(base_url)
        if parts.query or parts.fragment:
            raise ConfigurationError("base_url must not have a query or a fragment")
        self._username = username
        self._base_url = base_url.rstrip("/")
        # Credentials are built (and validated) even when a transport is given, so a bad key
        # fails here rather than on the first request.
        credentials = Credentials(username=username, api_key=api_key)
        self._transport = transport or Transport(
            credentials=credentials,
            timeouts=timeouts or Timeouts(),
            retry=retry or RetryPolicy(),
            session=session,
            sleep=sleep,
            clock=clock,
        )
        self.accounts = Accounts(self)
        self.account_types = AccountTypes(self)
        self.activities = Activities(self)
        self.activity_types = ActivityTypes(self)
        self.audiences = Audiences(self)
        self.competitor_maps = CompetitorMaps(self)
        self.competitors = Competitors(self)
        self.contacts = Contacts(self)
        self.editions = Editions(self)
        self.emails = Emails(self)
        self.events = Events(self)
        self.filters = Filters(self)
        self.forms = Forms(self)
        self.industries = Industries(self)
        self.invoices = Invoices(self)
        self.leads = Leads(self)
        self.markets = Markets(self)
        self.notes = Notes(self)
        self.outcomes = Outcomes(self)
        self.product_categories = ProductCategories(self)
        self.product_maps = ProductMaps(self)
        self.products = Products(self)
        self.quotes = Quotes(self)
        self.sources = Sources(self)
        self.stages = Stages(self)
        self.stagesets = Stagesets(self)
        self.tags = Tags(self)
        self.tasks = Tasks(self)
        self.territories = Territories(self)
        self.users = Users(self)

    # -- lifecycle ----------------------------------------------------------------------------

    def __repr__(self) -> str:
        # getattr: a repr must work on a half-built client (a failed __init__, a debugger).
        return (
            f"RestClient(username={getattr(self, '_username', None)!r}, "
            f"base_url={getattr(self, '_base_url', None)!r})"
        )

    def __enter__(self) -> RestClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the HTTP connections. Idempotent."""
        self._transport.close()

    @property
    def transport(self) -> Transport:
        """The transport this client sends through."""
        return self._transport

    @property
    def base_url(self) -> str:
        """The REST root, without a trailing slash."""
        return self._base_url

    @property
    def pipelines(self) -> Stagesets:
        """Pipelines, which the REST API calls stagesets: the same object as :attr:`stagesets`.

        Older references name a ``/pipelines`` endpoint; the OpenAPI document has none, so
        this is served by ``/stagesets``.
        """
        return self.stagesets

    @property
    def resources(self) -> tuple[Resource, ...]:
        """Every resource of this client (one per entity endpoint)."""
        return tuple(value for value in vars(self).values() if isinstance(value, Resource))

    def fetch(self, rest_type: str, record_id: int) -> Record | None:
        """One record by REST type and id, or None when it is gone (404).

        This makes the client a :class:`~nutshell_rest.webhooks.RecordFetcher`, so
        ``webhooks.refetch(delivery, client)`` re-reads what a webhook says changed.
        """
        for resource in self.resources:
            if resource.rest_type.lower() == rest_type.lower() and isinstance(resource, Gettable):
                try:
                    item = resource.get(record_id)
                except NotFoundError:
                    return None
                return item if isinstance(item, Record) else None
        raise UsageError(f"no REST resource can fetch records of type {rest_type!r}")

    # -- requests -----------------------------------------------------------------------------

    def _send(
        self,
        op: RestOperation,
        path_params: Mapping[str, str] | None = None,
        *,
        params: Params | None = None,
        json: Any = UNSET,
        data: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send one catalog operation and return its successful response.

        Formats the path template, sends with the row's ``idempotent`` flag (which decides
        what the transport may retry) and raises the typed error of a failed response. Under
        a policy, a request the agent's grants do not cover raises
        :class:`~nutshell_core.errors.PolicyDenied` here, before anything is sent.
        """
        ids = tuple((path_params or {}).values())
        return self._guard.rest(
            op,
            lambda: self._send_checked(
                op, path_params, params=params, json=json, data=data, headers=headers
            ),
            ids=ids,
        )

    def _send_checked(
        self,
        op: RestOperation,
        path_params: Mapping[str, str] | None = None,
        *,
        params: Params | None = None,
        json: Any = UNSET,
        data: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        path = _fill(op.path, path_params or {})
        target = f"{op.method} {path}"
        send_headers = dict(headers or {})
        if op.method == "PATCH" and not any(k.lower() == "content-type" for k in send_headers):
            # Without this media type Nutshell answers 400 with a bare JSON string.
            send_headers["Content-Type"] = PATCH_MEDIA_TYPE
        reached = True
        try:
            response = self._transport.request(
                op.method,
                self._base_url + path,
                idempotent=op.idempotent,
                json=json,
                data=data,
                params=list(params) if params else None,
                headers=send_headers or None,
                target=target,
            )
        except _NOT_SENT:
            reached = False  # refused before any I/O, or the connection was never made
            raise
        finally:
            # Recorded for the caller's open request logs (see nutshell_rest.tracking), so the
            # bridge knows whether this call's write may have reached the server.
            record_request(op.method, path, reached=reached)
        raise_for_response(response, target)
        return response

    def _envelope(
        self,
        op: RestOperation,
        path_params: Mapping[str, str] | None = None,
        *,
        primary_key: str | None = None,
        params: Params | None = None,
        json: Any = UNSET,
        resolve: bool = False,
    ) -> Envelope | None:
        """Send ``op`` and parse its envelope; None for a 2xx without a body (a 204)."""
        key = primary_key or op.primary_key
        if key is None:
            raise UsageError(f"{op.method} {op.path} returns no envelope")
        response = self._send(op, path_params, params=params, json=json)
        if op.method != "GET" and _is_empty(response):
            return None
        target = f"{op.method} {_fill(op.path, path_params or {})}"
        try:
            return _decode_envelope(response, target, key, resolve=resolve)
        except MalformedResponseError as exc:
            if op.idempotent:
                raise
            # The server said the write succeeded: a definite failure would invite a retry.
            raise outcome_unknown(exc, target) from exc

    def _id_for(self, path: str, name: str, value: object) -> str:
        """A path parameter for :meth:`call`: ints take the type of the path's resource."""
        if isinstance(value, str):
            return value
        if isinstance(value, int) and not isinstance(value, bool) and name == "id":
            segment = path.split("/")[1].lower()
            for resource in self.resources:
                if resource.base.lstrip("/").lower() == segment:
                    return _typed_id(value, resource.rest_type, name)
        raise UsageError(f"{path}: {name} must be an id string like '3-contacts', not {value!r}")

    def call(
        self,
        method: str,
        path: str,
        /,
        *,
        params: Mapping[str, Any] | Params | None = None,
        json: Any = UNSET,
        data: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        resolve: bool = False,
        **path_params: IdLike,
    ) -> Any:
        """Call any operation of the OpenAPI document by method and path template.

        ``client.call("GET", "/leads/{id}/stages", id=12)``. ``(method, path)`` must be a
        catalog row, spelled as the document spells it, else :class:`UnknownMethodError`.
        ``{id}`` takes an int (formatted with the path's resource type) or an id string; other
        path parameters (``{fieldId}``) take id strings. PATCH bodies go out as JSON Patch.

        Returns an :class:`Envelope` when the row has a primary array and the body holds one;
        the decoded JSON when it is JSON of another shape; the text for other bodies (the CSV
        of ``/stagesets/{id}/export``); None for a 2xx without a body.
        """
        if not isinstance(method, str) or not isinstance(path, str):
            raise UnknownMethodError(f"unknown Nutshell REST operation {method!r} {path!r}")
        op = rest_operation(method, path)
        filled = {name: self._id_for(path, name, value) for name, value in path_params.items()}
        response = self._send(
            op, filled, params=_extra_params(params), json=json, data=data, headers=headers
        )
        target = f"{op.method} {_fill(op.path, filled)}"
        content_type = response.headers.get("Content-Type", "").lower()
        if op.primary_key is None and "json" not in content_type:
            return None if op.method != "GET" and _is_empty(response) else response.text
        if op.method != "GET" and _is_empty(response):
            return None  # a write answered 204; a GET without a body is malformed below
        try:
            body = read_json(response, target)
            key = op.primary_key
            if key is not None and (
                isinstance(body, builtins.list)
                or (isinstance(body, Mapping) and isinstance(body.get(key), builtins.list))
            ):
                return _decode_envelope(response, target, key, resolve=resolve)
        except MalformedResponseError as exc:
            if op.idempotent:
                raise
            raise outcome_unknown(exc, target) from exc  # the write was answered with success
        return body


# ---------------------------------------------------------------------------------------------
# Resources
# ---------------------------------------------------------------------------------------------

#: (method, path suffix after the resource base) -> the catalog row.
Rows = Mapping[tuple[str, str], RestOperation]
#: The (method, suffix) rows a verb mixin needs.
Requires = tuple[tuple[str, str], ...]


def rows_under(base: str) -> dict[tuple[str, str], RestOperation]:
    """The catalog rows whose path is ``base`` or starts with ``base/``, keyed by (method,
    suffix). The first segment is compared case-insensitively: the OpenAPI document spells
    one product-map path ``/productMaps/{id}``."""
    lowered = base.lower()
    return {
        (op.method, op.path[len(base) :]): op
        for op in REST_OPERATIONS
        if op.path.lower() == lowered or op.path.lower().startswith(lowered + "/")
    }


class Resource:
    """The operations of one entity endpoint, taken from the catalog rows under its base.

    Subclasses combine verb mixins (:class:`Listable`, :class:`Gettable`, ...); each mixin
    declares in ``_requires`` the ``(method, suffix)`` rows it needs, and construction fails
    with :class:`ConfigurationError` if the catalog lacks one, so a resource offers only the
    verbs the API has. ``rest_type`` (``"leads"``) formats plain int ids.
    """

    _base: ClassVar[str] = ""
    _requires: ClassVar[Requires] = ()

    def __init__(self, client: RestClient, base: str | None = None) -> None:
        self._client = client
        self.base = base or self._base
        """The path every operation of this resource starts with (``"/leads"``)."""
        if not self.base.startswith("/"):
            raise ConfigurationError(f"{type(self).__name__}: a resource needs a base path")
        self.rows: Rows = rows_under(self.base)
        """The catalog rows of this resource by (method, path suffix)."""
        for key in sorted(self.served):
            if key not in self.rows:
                raise ConfigurationError(
                    f"{type(self).__name__} offers {key[0]} {self.base}{key[1]}, "
                    "which the catalog does not have"
                )
        main = self.rows.get(("GET", "")) or self.rows.get(("GET", "/{id}"))
        if main is None:
            main = next(iter(self.rows.values()), None)
        if main is None:
            raise ConfigurationError(f"no catalog rows under {self.base}")
        cls = ENTITIES.get(main.entity or "")
        self.primary_key: str = main.primary_key or self.base.lstrip("/")
        """The array key of this resource's records (``"productMaps"``)."""
        self.rest_type: str = cls.rest_type if cls is not None else self.primary_key
        """The REST type of this resource's ids (``"leads"``)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.base}>"

    @property
    def served(self) -> frozenset[tuple[str, str]]:
        """The ``(method, suffix)`` rows this resource's methods serve (its mixins' needs)."""
        return frozenset(
            key for klass in type(self).__mro__ for key in vars(klass).get("_requires", ())
        )

    def _op(self, method: str, suffix: str = "") -> RestOperation:
        try:
            return self.rows[(method, suffix)]
        except KeyError:
            raise UnknownMethodError(
                f"unknown Nutshell REST operation {method} {self.base}{suffix}"
            ) from None

    def _id(self, value: IdLike) -> str:
        return _typed_id(value, self.rest_type, f"{self.rest_type} id")

    def _target(self, op: RestOperation, path_params: Mapping[str, str] | None = None) -> str:
        return f"{op.method} {_fill(op.path, path_params or {})}"

    def _fetch(
        self,
        op: RestOperation,
        path_params: Mapping[str, str] | None = None,
        *,
        params: Params | None = None,
        resolve: bool = False,
    ) -> Envelope:
        """A GET that must return an envelope."""
        envelope = self._client._envelope(op, path_params, params=params, resolve=resolve)
        assert envelope is not None  # GETs never take the empty-body shortcut
        return envelope

    def _write(
        self,
        op: RestOperation,
        path_params: Mapping[str, str] | None = None,
        *,
        json: Any = UNSET,
        primary_key: str | None = None,
        resolve: bool = False,
    ) -> Item | None:
        """A write returning its one record, or None when the server sent no body."""
        envelope = self._client._envelope(
            op, path_params, primary_key=primary_key, json=json, resolve=resolve
        )
        if envelope is None or not envelope.records:
            return None
        return envelope.records[0]

    def _one(self, envelope: Envelope, target: str, asked: str | None = None) -> Item:
        """The one record of ``envelope``; when ``asked`` (a wire id) is given, it must be
        that record: another type or id is a wrong answer (:meth:`_check_asked`)."""
        if len(envelope.records) != 1:
            raise MalformedResponseError(
                "expected exactly one record",
                target,
                problems=(f"{len(envelope.records)} records @ $.{envelope.primary_key}",),
            )
        if asked is not None:
            self._check_asked(envelope, target, [asked])
        return envelope.records[0]

    def _check_asked(self, envelope: Envelope, target: str, asked: Iterable[str]) -> None:
        """Raise MalformedResponseError unless every primary record is of this resource's
        type and has one of the ``asked`` ids (wire ids this resource formatted)."""
        numbers = {parse_id(value, self.rest_type)[0] for value in asked}
        check_answer(envelope, target, self.rest_type, numbers)

    def _collection_params(
        self,
        op: RestOperation,
        query: Query | None,
        params: Mapping[str, Any] | Params | None,
    ) -> tuple[Query, builtins.list[tuple[str, str]]]:
        if query is not None and not isinstance(query, Query):
            raise UsageError(f"query must be a Query, not {query!r}")
        q = query if query is not None else Query(rest_type=self.rest_type)
        if op.paging is not Paging.PAGE and (q.limit is not None or q.page_index is not None):
            raise UsageError(f"GET {op.path} is not paged; leave page and limit out")
        return q, _extra_params(params)


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


# -- the resources ------------------------------------------------------------------------------


class Accounts(
    Listable, Gettable, Creatable, Patchable, Deletable, Undeletable, CustomFields, ListView
):
    """Accounts (companies): ``/accounts``."""

    _base = "/accounts"


class Contacts(
    Listable, Gettable, Creatable, Patchable, Deletable, Undeletable, CustomFields, ListView
):
    """Contacts (people): ``/contacts``. DELETE answers 204 without a body."""

    _base = "/contacts"


class Leads(
    Listable, Gettable, Creatable, Patchable, Deletable, Undeletable, CustomFields, ListView
):
    """Leads: ``/leads``, with closing, reopening, pipelines, stages and installments."""

    _base = "/leads"
    _requires: ClassVar[Requires] = (
        ("POST", "/{id}/status"),
        ("POST", "/{id}/reopen"),
        ("POST", "/{id}/stageset"),
        ("POST", "/{id}/watch"),
        ("GET", "/{id}/stages"),
        ("GET", "/{id}/installments"),
        ("POST", "/{id}/installments"),
        ("GET", "/report"),
    )

    def _lead_write(self, suffix: str, lead_id: IdLike, body: Any = UNSET) -> Item | None:
        return self._write(
            self._op("POST", suffix), {"id": self._id(lead_id)}, json=body, primary_key="leads"
        )

    def close(
        self,
        lead_id: IdLike,
        outcome_id: IdLike,
        *,
        competitor_maps: Iterable[IdLike] = (),
        product_maps: Iterable[ProductMap | Mapping[str, Any]] = (),
    ) -> Item | None:
        """``POST /leads/{id}/status``: close the lead with an outcome; returns the lead.

        Body ``{"outcomeId": "1-outcomes", "competitorMaps": [...], "productMaps": [...]}``;
        the two lists are sent only when given. Whether the lead is won, lost or cancelled
        follows from the outcome (see :meth:`set_status`).
        """
        body: dict[str, Any] = {"outcomeId": _typed_id(outcome_id, "outcomes", "outcome_id")}
        maps = [_typed_id(m, "competitorMaps", "competitor map") for m in competitor_maps]
        if maps:
            body["competitorMaps"] = maps
        products = [
            record_to_rest_input(item) if isinstance(item, ProductMap) else dict(item)
            for item in product_maps
        ]
        if products:
            body["productMaps"] = products
        return self._lead_write("/{id}/status", lead_id, body)

    def set_status(self, lead_id: IdLike, status: str) -> Item | None:
        """Close a lead as ``"won"``, ``"lost"`` or ``"canceled"``/``"cancelled"``.

        Not an endpoint of the OpenAPI document (older references name a status field): the
        REST API closes a lead with an *outcome*, so this reads ``GET /outcomes``, takes the
        first outcome whose ``status`` matches, and calls :meth:`close` with it. Raises
        :class:`UsageError` for another status or when no outcome has it.
        """
        try:
            wanted = LeadStatus.from_rest(_as_text(status, "status"))
        except ValueError:
            wanted = None
        if wanted not in _CLOSED_STATUSES:
            raise UsageError(
                f"set_status takes 'won', 'lost' or 'cancelled', not {status!r} "
                "(use reopen to reopen a lead)"
            )
        for outcome in self._client.outcomes.list().records:
            if _outcome_status(outcome) is wanted:
                outcome_id = _item_id(outcome)
                if outcome_id is not None:
                    return self.close(lead_id, outcome_id)
        raise UsageError(f"no outcome with status {wanted.rest!r} in GET /outcomes")

    def reopen(self, lead_id: IdLike) -> Item | None:
        """``POST /leads/{id}/reopen`` (no body): reopen a closed lead; returns the lead."""
        return self._lead_write("/{id}/reopen", lead_id)

    def move(self, lead_id: IdLike, stageset_id: IdLike) -> Item | None:
        """``POST /leads/{id}/stageset``: move the lead to another pipeline; returns it.

        Body ``{"stageset": "2-stagesets"}``.
        """
        body = {"stageset": _typed_id(stageset_id, "stagesets", "stageset_id")}
        return self._lead_write("/{id}/stageset", lead_id, body)

    def set_pipeline(self, lead_id: IdLike, stageset_id: IdLike) -> Item | None:
        """Move the lead to another pipeline: the same as :meth:`move`.

        Older references name a ``/leads/{id}/pipeline`` endpoint; the OpenAPI document has
        none, so this posts to ``/leads/{id}/stageset``.
        """
        return self.move(lead_id, stageset_id)

    def watch(self, lead_id: IdLike) -> Item | None:
        """``POST /leads/{id}/watch``: make the current user a watcher; returns the lead."""
        return self._lead_write("/{id}/watch", lead_id)

    def stages(self, lead_id: IdLike) -> Envelope:
        """``GET /leads/{id}/stages``: the stages of the lead's pipeline (its current stage is
        the lead's ``links.stage``)."""
        return self._fetch(self._op("GET", "/{id}/stages"), {"id": self._id(lead_id)})

    def installments(self, lead_id: IdLike) -> Envelope:
        """``GET /leads/{id}/installments``: the lead's installments."""
        return self._fetch(self._op("GET", "/{id}/installments"), {"id": self._id(lead_id)})

    def save_installments(
        self, lead_id: IdLike, installments: Sequence[Mapping[str, Any]]
    ) -> Envelope | None:
        """``POST /leads/{id}/installments`` with a bare array of
        ``{id?, dueTime, description, value, isFailed}``; items without an id are added.

        Not retried on a lost answer: a replay could add the new installments twice.
        """
        if isinstance(installments, Mapping) or not isinstance(installments, Sequence):
            raise UsageError("save_installments takes a list of installment objects")
        items = [dict(item) for item in installments]
        return self._client._envelope(
            self._op("POST", "/{id}/installments"), {"id": self._id(lead_id)}, json=items
        )

    def product_maps(self, lead_id: IdLike) -> Envelope:
        """The products on a lead (its product maps).

        Two requests: ``GET /leads/{id}`` for the lead's ``links.productMaps``, then
        ``GET /productmaps/{ids}`` for those records (none when the lead has none). The
        OpenAPI document declares no lead filter on ``GET /productmaps``, so an unknown filter
        the server might ignore (returning every product map) is not relied upon.
        """
        lead = self.get(lead_id)
        wire = unstructure_record(lead) if isinstance(lead, Record) else lead
        links = wire.get("links")
        ids = links.get("productMaps") if isinstance(links, Mapping) else None
        if not isinstance(ids, builtins.list) or not ids:
            return Envelope(primary_key=self._client.product_maps.primary_key)
        return self._client.product_maps.get_many(ids)

    def products(self, lead_id: IdLike) -> Envelope:
        """The products on a lead: the same as :meth:`product_maps`.

        Older references name ``/leads/{id}/products``; the OpenAPI document has none, and
        products on a lead are product maps.
        """
        return self.product_maps(lead_id)

    def report(self, query: Query | None = None, **options: str | int | bool) -> Envelope:
        """``GET /leads/report``: a report (``reports``). ``options`` are the document's
        parameter names (``reportType``, ``gap``, ``groupByField``, ``segmentByField``...)."""
        op = self._op("GET", "/report")
        q, extra = self._collection_params(op, query, options)
        return self._fetch(op, params=[*q.params(), *extra])


def _outcome_status(outcome: Item) -> LeadStatus | None:
    value = getattr(outcome, "status", None) if isinstance(outcome, Record) else None
    if isinstance(value, LeadStatus):
        return value
    raw = outcome.get("status") if isinstance(outcome, Mapping) else None
    if raw is None and isinstance(outcome, Record):
        raw = outcome.extra.get("status")  # a spelling the model could not read stays here
    if isinstance(raw, str):
        try:
            return LeadStatus.from_rest(raw)
        except ValueError:
            return None
    return None


def _item_id(item: Item) -> IdLike | None:
    if isinstance(item, Record):
        return item.id if isinstance(item.id, int) else None
    value = item.get("id")
    return value if isinstance(value, int | str) and not isinstance(value, bool) else None


class Activities(Listable, Gettable, Creatable, Replaceable):
    """Activities: ``/activities``; updated with :meth:`replace` (PUT), there is no PATCH."""

    _base = "/activities"


class ActivityTypes(Listable):
    """Activity types: ``/activitytypes`` (a reference list)."""

    _base = "/activitytypes"


class AccountTypes(Listable):
    """Account types: ``/accounttypes`` (a reference list)."""

    _base = "/accounttypes"


class Tasks(Listable, Gettable, Creatable, Patchable, Deletable):
    """Tasks: ``/tasks``. Created with the task itself as the body (no wrapper), as the
    OpenAPI document's ``POST /tasks`` request body declares."""

    _base = "/tasks"
    _create_body = "bare"


class Notes(Listable, Gettable, Creatable, Deletable, Undeletable):
    """Notes: ``/notes``. Created with ``{"data": {...}}``; there is no PATCH."""

    _base = "/notes"
    _create_body = "data"


class Products(Listable, Gettable, Deletable, Undeletable):
    """Products: ``/products`` (the OpenAPI document has no product create or update)."""

    _base = "/products"


class ProductCategories(Listable, Gettable, Creatable):
    """Product categories: ``/productcategories``."""

    _base = "/productcategories"


class ProductMaps(Listable, Gettable, Patchable, Deletable):
    """Product maps (products on leads): ``/productmaps`` (DELETE is ``/productMaps/{id}``)."""

    _base = "/productmaps"


class Competitors(Listable, Gettable):
    """Competitors: ``/competitors``."""

    _base = "/competitors"


class CompetitorMaps(Listable, Gettable, Patchable, Deletable):
    """Competitor maps (competitors on leads): ``/competitormaps``."""

    _base = "/competitormaps"


class Stagesets(Listable):
    """Stagesets, which the UI calls pipelines: ``/stagesets``."""

    _base = "/stagesets"
    _requires: ClassVar[Requires] = (("GET", "/{id}/export"),)

    def export(self, stageset_id: IdLike) -> str:
        """``GET /stagesets/{id}/export``: lead movements through the pipeline, as CSV text."""
        op = self._op("GET", "/{id}/export")
        return self._client._send(op, {"id": self._id(stageset_id)}).text


class Stages(Listable):
    """Stages of every pipeline: ``/stages``."""

    _base = "/stages"


class Outcomes(Listable, Gettable):
    """Lead outcomes: ``/outcomes``."""

    _base = "/outcomes"


class Sources(Listable, Creatable, Deletable, Undeletable):
    """Lead sources: ``/sources``."""

    _base = "/sources"


class Tags(Listable, Creatable, Deletable, Undeletable):
    """Tags: ``/tags``."""

    _base = "/tags"


class Users(Listable, Gettable):
    """Users: ``/users``."""

    _base = "/users"


class Territories(Listable):
    """Territories: ``/territories``."""

    _base = "/territories"


class Markets(Listable, Gettable):
    """Markets: ``/markets``."""

    _base = "/markets"


class Industries(Listable, Gettable):
    """Industries: ``/industries``."""

    _base = "/industries"


class Audiences(Listable, Creatable):
    """Email-marketing audiences: ``/audiences`` (records under ``emAudiences``)."""

    _base = "/audiences"


class Filters(Listable):
    """Saved filters: ``/filters`` (``userId``/``reportType`` go in ``params=``)."""

    _base = "/filters"


class Forms(Listable, Gettable):
    """Web forms: ``/forms``."""

    _base = "/forms"
    _requires: ClassVar[Requires] = (("GET", "/{fieldId}"),)

    def get_field(self, field_id: IdLike) -> Item:
        """``GET /forms/{fieldId}``: one form field.

        The OpenAPI document gives this the same URL template as ``GET /forms/{id}``, so what
        the server returns depends on the id's type; ints are formatted as ``wfFields``.
        """
        op = self._op("GET", "/{fieldId}")
        path = {"fieldId": _typed_id(field_id, op.primary_key or "wfFields", "field_id")}
        return self._one(self._fetch(op, path), self._target(op, path))


class Emails(Gettable):
    """Emails: ``/emails/{id}`` (there is no collection)."""

    _base = "/emails"


class Editions(Listable, Gettable):
    """Email-marketing editions: ``/editions``."""

    _base = "/editions"


def _document_status(
    status: str, accepted_name: str | None = None, accepted_email: str | None = None
) -> dict[str, Any]:
    value = _as_text(status, "status").strip().upper()
    if value not in DOCUMENT_STATUSES:
        raise UsageError(f"status must be one of {sorted(DOCUMENT_STATUSES)}, not {status!r}")
    body: dict[str, Any] = {"status": value}
    if accepted_name is not None:
        body["acceptedName"] = accepted_name
    if accepted_email is not None:
        body["acceptedEmail"] = accepted_email
    return body


class Quotes(Listable, Gettable):
    """Quotes: ``/quotes``, with status changes and invoicing."""

    _base = "/quotes"
    _requires: ClassVar[Requires] = (("POST", "/{id}/status"), ("POST", "/{id}/invoice"))

    def set_status(
        self,
        quote_id: IdLike,
        status: str,
        *,
        accepted_name: str | None = None,
        accepted_email: str | None = None,
    ) -> Item | None:
        """``POST /quotes/{id}/status``: READY, SENT, REVOKED, ACCEPTED or ARCHIVED (any case);
        an acceptance may record who accepted. Returns the quote."""
        return self._write(
            self._op("POST", "/{id}/status"),
            {"id": self._id(quote_id)},
            json=_document_status(status, accepted_name, accepted_email),
        )

    def invoice(self, quote_id: IdLike) -> Item | None:
        """``POST /quotes/{id}/invoice`` (no body): create an invoice copied from the quote
        and return the invoice. Never retried on a lost answer: it could invoice twice."""
        return self._write(self._op("POST", "/{id}/invoice"), {"id": self._id(quote_id)})


class Invoices(Listable, Gettable):
    """Invoices: ``/invoices``, with status changes."""

    _base = "/invoices"
    _requires: ClassVar[Requires] = (("POST", "/{id}/status"),)

    def set_status(self, invoice_id: IdLike, status: str) -> Item | None:
        """``POST /invoices/{id}/status``: READY, SENT, REVOKED, ACCEPTED or ARCHIVED."""
        return self._write(
            self._op("POST", "/{id}/status"),
            {"id": self._id(invoice_id)},
            json=_document_status(status),
        )


class Events(Resource):
    """The event feed: ``/events`` (the same events webhooks deliver) and ``/events/deleted``.

    The feed pages by ``since_id``/``max_id`` and ``meta.next`` rather than ``page[page]``.
    """

    _base = "/events"
    _requires: ClassVar[Requires] = (("GET", ""), ("GET", "/deleted"))

    def _params(
        self,
        *,
        since_id: IdLike | None,
        max_id: IdLike | None,
        since_time: int | datetime | None,
        max_time: int | datetime | None,
        entity_id: str | None,
        limit: int | None,
        payload_types: Sequence[str],
        creators: Sequence[IdLike],
        include: Sequence[str],
        params: Mapping[str, Any] | Params | None,
    ) -> builtins.list[tuple[str, str]]:
        pairs: builtins.list[tuple[str, str]] = []
        if limit is not None:
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
                raise UsageError(f"limit must be an int >= 1, not {limit!r}")
            pairs.append(("limit", str(limit)))
        if since_id is not None:
            pairs.append(("since_id", self._id(since_id)))
        if max_id is not None:
            pairs.append(("max_id", self._id(max_id)))
        if since_time is not None:
            pairs.append(("since_time", _unix(since_time, "since_time")))
        if max_time is not None:
            pairs.append(("max_time", _unix(max_time, "max_time")))
        if entity_id is not None:
            pairs.append(("entity_id", _any_typed_id(entity_id, "entity_id")))
        pairs += [("filters[payload][]", _as_text(t, "payload type")) for t in payload_types]
        pairs += [("filters[creator][]", _typed_id(c, "users", "creator")) for c in creators]
        pairs += [("events[]", _as_text(kind, "event kind")) for kind in include]
        return pairs + _extra_params(params)

    def list(
        self,
        *,
        since_id: IdLike | None = None,
        max_id: IdLike | None = None,
        since_time: int | datetime | None = None,
        max_time: int | datetime | None = None,
        entity_id: str | None = None,
        limit: int | None = None,
        payload_types: Sequence[str] = (),
        creators: Sequence[IdLike] = (),
        include: Sequence[str] = (),
        params: Mapping[str, Any] | Params | None = None,
        resolve: bool = False,
    ) -> Envelope:
        """One page of ``GET /events``; records are :class:`~nutshell_rest.envelope.Event`.

        ``payload_types`` filters by entity type (``filters[payload][]``), ``creators`` by
        user (``filters[creator][]``), ``include`` opts in to extra kinds (``events[]``).
        Times are unix seconds or aware datetimes. ``meta.next`` holds the next page's URL.
        """
        pairs = self._params(
            since_id=since_id,
            max_id=max_id,
            since_time=since_time,
            max_time=max_time,
            entity_id=entity_id,
            limit=limit,
            payload_types=payload_types,
            creators=creators,
            include=include,
            params=params,
        )
        return self._fetch(self._op("GET"), params=pairs, resolve=resolve)

    def iterate(
        self,
        *,
        since_id: IdLike | None = None,
        since_time: int | datetime | None = None,
        entity_id: str | None = None,
        limit: int | None = None,
        payload_types: Sequence[str] = (),
        creators: Sequence[IdLike] = (),
        include: Sequence[str] = (),
        params: Mapping[str, Any] | Params | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
        resolve: bool = False,
    ) -> EventCursor[Item]:
        """Every event from ``since_id`` on, lazily, following ``meta.next``.

        Stops at an empty page or when ``meta.next`` is absent or repeats; the cursor's
        ``next_params`` then hold the query to poll with later. See
        :class:`~nutshell_rest.paging.EventCursor`.
        """
        op = self._op("GET")
        pairs = self._params(
            since_id=since_id,
            max_id=None,
            since_time=since_time,
            max_time=None,
            entity_id=entity_id,
            limit=limit,
            payload_types=payload_types,
            creators=creators,
            include=include,
            params=params,
        )
        return self._cursor(op, pairs, max_pages=max_pages, resolve=resolve)

    def _cursor(
        self,
        op: RestOperation,
        pairs: Params,
        *,
        max_pages: int,
        resolve: bool,
    ) -> EventCursor[Item]:
        def fetch(query: Params, index: int) -> Page[Item]:
            envelope = self._fetch(op, params=query, resolve=resolve)
            return page_from_envelope(index, envelope)

        return EventCursor(fetch, pairs, path=op.path, max_pages=max_pages, target=f"GET {op.path}")

    def deleted(
        self,
        *,
        types: str | None = None,
        newest_first: bool = False,
        params: Mapping[str, Any] | Params | None = None,
    ) -> Envelope:
        """``GET /events/deleted``: deletion events, optionally of one entity type
        (``filter[types]``); ``newest_first`` sends ``sort=-change_time``."""
        op = self._op("GET", "/deleted")
        return self._fetch(op, params=self._deleted_params(types, newest_first, params))

    def iterate_deleted(
        self,
        *,
        types: str | None = None,
        newest_first: bool = False,
        params: Mapping[str, Any] | Params | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> EventCursor[Item]:
        """Every deletion event, lazily, following ``meta.next`` as :meth:`iterate` does."""
        op = self._op("GET", "/deleted")
        pairs = self._deleted_params(types, newest_first, params)
        return self._cursor(op, pairs, max_pages=max_pages, resolve=False)

    def _deleted_params(
        self, types: str | None, newest_first: bool, params: Mapping[str, Any] | Params | None
    ) -> builtins.list[tuple[str, str]]:
        pairs: builtins.list[tuple[str, str]] = []
        if types is not None:
            pairs.append(("filter[types]", _as_text(types, "types")))
        if newest_first:
            pairs.append(("sort", "-change_time"))
        return pairs + _extra_params(params)
