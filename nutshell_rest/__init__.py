"""A client for Nutshell CRM's REST API (``https://app.nutshell.com/rest``).

::

    from nutshell_rest import Patch, Query, RestClient

    with RestClient("me@example.com", api_key) as client:
        lead = client.leads.get(1003)
        for account in client.accounts.iterate(Query().sort("name"), page_size=500):
            ...
        client.contacts.update(3, Patch("contacts").replace("firstName", "Nutty"))
        client.leads.close(1003, outcome_id=1)

* :class:`RestClient` has one resource per entity endpoint (``client.leads``,
  ``client.activity_types``...), each offering only the verbs the OpenAPI document has, and
  :meth:`RestClient.call` for any operation by method and path template.
* :class:`Query` builds list filters, sorting and paging; :class:`Patch` builds JSON Patch
  updates; :class:`Pager` and :class:`EventCursor` iterate lazily, one page in memory.
* Responses are :class:`Envelope` objects of model records (:mod:`nutshell_core.model`); errors
  are the typed exceptions of :mod:`nutshell_core.errors`, mapped by
  :func:`raise_for_response`.

Every operation comes from :data:`nutshell_core.catalog.REST_OPERATIONS`.
"""

from nutshell_rest.client import (
    DEFAULT_BASE_URL,
    DEFAULT_PAGE_SIZE,
    IdLike,
    Resource,
    RestClient,
)
from nutshell_rest.convert import (
    format_id,
    parse_id,
    record_to_rest_input,
    ref_for_id,
    structure_record,
    unstructure_record,
)
from nutshell_rest.envelope import (
    ApiErrorItem,
    Envelope,
    Event,
    parse_envelope,
    parse_event,
    render_envelope,
    resolve,
)
from nutshell_rest.errors import raise_for_response
from nutshell_rest.paging import DEFAULT_MAX_PAGES, EventCursor, Page, Pager
from nutshell_rest.patch import PATCH_MEDIA_TYPE, Patch, PatchOp, diff_inputs
from nutshell_rest.query import MAX_PAGE_LIMIT, Query
from nutshell_rest.tracking import RequestLog, SentRequest, track_requests

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_PAGES",
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_LIMIT",
    "PATCH_MEDIA_TYPE",
    "ApiErrorItem",
    "Envelope",
    "Event",
    "EventCursor",
    "IdLike",
    "Page",
    "Pager",
    "Patch",
    "PatchOp",
    "Query",
    "RequestLog",
    "Resource",
    "RestClient",
    "SentRequest",
    "diff_inputs",
    "format_id",
    "parse_envelope",
    "parse_event",
    "parse_id",
    "raise_for_response",
    "record_to_rest_input",
    "ref_for_id",
    "render_envelope",
    "resolve",
    "structure_record",
    "track_requests",
    "unstructure_record",
]
