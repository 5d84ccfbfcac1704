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

The resources live in :mod:`nutshell_rest.resources`, one module per family; their names are
importable from here too.
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Final
from urllib.parse import urlsplit

import requests

from nutshell_core.audit import AuditSink
from nutshell_core.catalog import RestOperation, rest_operation
from nutshell_core.errors import (
    ConfigurationError,
    ConnectError,
    InsecureTransportError,
    MalformedResponseError,
    NotFoundError,
    UnknownMethodError,
    UsageError,
)
from nutshell_core.guard import CallGuard
from nutshell_core.model import Record
from nutshell_core.policy import Agent
from nutshell_core.transport import (
    UNSET,
    Credentials,
    RetryPolicy,
    Timeouts,
    Transport,
    check_url_is_safe,
)
from nutshell_rest._requests import (
    IdLike,
    _decode_envelope,
    _extra_params,
    _fill,
    _is_empty,
    _typed_id,
)
from nutshell_rest.envelope import Envelope
from nutshell_rest.errors import (
    outcome_unknown,
    raise_for_response,
    read_json,
)
from nutshell_rest.paging import Params
from nutshell_rest.patch import PATCH_MEDIA_TYPE
from nutshell_rest.resources import (
    DEFAULT_PAGE_SIZE,
    DOCUMENT_STATUSES,
    Accounts,
    AccountTypes,
    Activities,
    ActivityTypes,
    Audiences,
    Changes,
    CompetitorMaps,
    Competitors,
    Contacts,
    Creatable,
    CustomFields,
    Deletable,
    Editions,
    Emails,
    Events,
    Filters,
    Forms,
    Gettable,
    Industries,
    Invoices,
    Leads,
    Listable,
    ListView,
    Markets,
    Notes,
    Outcomes,
    Patchable,
    ProductCategories,
    ProductMaps,
    Products,
    Quotes,
    Replaceable,
    Resource,
    Sources,
    Stages,
    Stagesets,
    Tags,
    Tasks,
    Territories,
    Undeletable,
    Users,
    rows_under,
)
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

#: Errors the transport raises only when a request certainly never left this machine.
_NOT_SENT: Final = (ConnectError, InsecureTransportError, ConfigurationError, UsageError)


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
