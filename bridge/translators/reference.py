"""Account set-up data, reports, teams and the legacy API's housekeeping methods.

Two kinds of entries live here:

* translators for what REST can answer: custom field definitions (``findCustomFields`` and its
  older name ``describeCustomFields``, from the three ``GET /<type>/customfields/attributes``),
  audiences (``findAudiences``, from ``GET /audiences``) and the test method ``add``, which the
  bridge answers itself with no request at all;
* for every other legacy method of this family, the specific reason REST cannot answer it,
  checked against Nutshell's OpenAPI document: which operation is missing, or why the one that
  exists answers a different question.

Results are rendered with the legacy shapes (:mod:`nutshell_rpc.reference_shapes`), and each
parameter is read with the legacy readers (:mod:`nutshell_rpc.inputs`), so a bad value fails
as it does over JSON-RPC. Anything the bridge cannot express raises
:class:`~nutshell_core.errors.NotBridgeable` before any request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs

from bridge.context import BridgeContext
from bridge.registry import Difference, Status, Translator
from bridge.revs import rev_token
from bridge.translators import _queries as q
from bridge.translators._queries import Order, Unbridgeable
from bridge.translators._shared import REV
from nutshell_core.catalog import REQUIRED, RPC_METHODS
from nutshell_core.errors import NotBridgeable
from nutshell_core.model import (
    UNSET,
    Account,
    Audience,
    Contact,
    CustomField,
    Lead,
    Record,
)
from nutshell_rpc.inputs import read_number
from nutshell_rpc.reference_shapes import custom_field_map
from nutshell_rpc.shapes import Presenter

__all__ = ["CUSTOM_FIELD_TYPES", "DIFFERENCES", "REASONS", "TRANSLATORS"]

Params = Mapping[str, Any]
Run = Callable[[BridgeContext, Params], Any]

#: Where each type's custom field definitions are read: (model class, REST client resource).
CUSTOM_FIELD_TYPES: Final[tuple[tuple[type[Record], str], ...]] = (
    (Lead, "leads"),
    (Contact, "contacts"),
    (Account, "accounts"),
)

_ATTRIBUTES: Final = tuple(
    ("GET", f"/{resource}/customfields/attributes") for _, resource in CUSTOM_FIELD_TYPES
)


def _refused(method: str, reason: str) -> NotBridgeable:
    return NotBridgeable(f"{method} cannot be answered through REST: {reason}", method, reason)


def _with_defaults(method: str, params: Params) -> dict[str, Any]:
    row = RPC_METHODS[method]
    defaults = {p.name: p.default for p in row.params if p.default is not REQUIRED}
    return {**defaults, **params}


# -- custom fields ------------------------------------------------------------------------------


def _custom_fields(context: BridgeContext, _params: Params) -> Any:
    """Every type's definitions, one request per type, in the legacy map."""
    fields: list[CustomField] = []
    for cls, resource in CUSTOM_FIELD_TYPES:
        envelope = getattr(context.rest, resource).customfield_attributes()
        listed = [r for r in envelope.records if isinstance(r, CustomField)]
        for position, field in enumerate(listed, start=1):
            # REST serves each type's definitions apart and names no position: the type is
            # the endpoint's, the position the place REST lists the field at.
            placed = position if field.position is UNSET else field.position
            fields.append(attrs.evolve(field, applies_to=cls.entity, position=placed))
    return custom_field_map(Presenter(context.view(), host=context.host), fields)


# -- audiences ----------------------------------------------------------------------------------

#: ``orderBy`` keys the bridge honours over ``GET /audiences`` (REST audiences carry no times).
_AUDIENCE_ORDERS: Final[Mapping[str, Order]] = {
    "id": Order(attr="id"),
    "name": Order(attr="name"),
}


def _find_audiences(context: BridgeContext, params: Params) -> Any:
    """One request for every audience, ordered and paged here as the RPC API does."""
    p = _with_defaults("findAudiences", params)
    try:
        paging = q.read_paging(p, _AUDIENCE_ORDERS, full=False, by_rest=False)
    except Unbridgeable as exc:
        raise _refused("findAudiences", exc.reason) from None
    envelope = context.rest.audiences.list()
    audiences = [r for r in envelope.records if isinstance(r, Audience)]
    ordered = q.sort_like_rpc(audiences, paging.order, descending=paging.descending)
    # An audience stub is its id and name, both in the one response: nothing to complete.
    chosen = [attrs.evolve(r, rev=rev_token(r)) for r in paging.slice(ordered)]
    presenter = Presenter(context.view(chosen), host=context.host)
    return [presenter.stub(r) for r in chosen]


# -- add ----------------------------------------------------------------------------------------


def _add(_context: BridgeContext, params: Params) -> Any:
    """The legacy test method: the sum of two numbers, read as the RPC API reads them."""
    return read_number(params.get("num1"), "num1") + read_number(params.get("num2"), "num2")


# -- declared differences -----------------------------------------------------------------------
# Measured on the emulator (tests/bridge/test_reference.py checks that each one occurs and
# that nothing else differs).

_CUSTOM_FIELDS: Final = (
    Difference(
        "$.*[*].position",
        "REST sends no position (OAS CustomField has only an id): the bridge numbers a type's "
        "fields 1, 2... in the order REST lists them, which is the legacy position only while "
        "positions have no gaps",
    ),
    Difference(
        "$.*[*].enumElements",
        "REST lists an enum field's choices by label only (OAS CustomFieldCreateInput.choices), "
        "so the bridge numbers them 1, 2... in REST's order: the legacy choice ids differ "
        "unless they were numbered so",
    ),
)

#: Per method, the result paths (and parameters) where the bridged answer differs, and why.
DIFFERENCES: Final[Mapping[str, tuple[Difference, ...]]] = {
    "findCustomFields": _CUSTOM_FIELDS,
    "describeCustomFields": _CUSTOM_FIELDS,
    "findAudiences": (
        REV,
        Difference(
            "param:orderBy",
            "ordered and paged by the bridge over one GET /audiences, by id or name; REST "
            "audiences carry no created or modified time, so those orders raise NotBridgeable",
        ),
    ),
}

# -- what REST cannot answer, and why -----------------------------------------------------------

_NO_TEAMS = (
    "the REST API has no /teams endpoint: users link their teams by id only (GET /users "
    "links.teams), so a team's name and times, and teams without members, cannot be read"
)

#: Per unsupported method, the REST capability it lacks (checked against the OpenAPI document).
REASONS: Final[Mapping[str, str]] = {
    "getAnalyticsReport": (
        "REST's only report, GET /leads/report, reports on leads (sales, losses, new leads, "
        "forecast, attribution); the legacy reports (Effort counts activities, Pipeline) have "
        "no REST report type, and what the Effort series count is not documented, so no REST "
        "request can be made to give the same numbers"
    ),
    "findTeams": _NO_TEAMS,
    "getTeam": _NO_TEAMS,
    "searchUsersAndTeams": (
        f"{_NO_TEAMS}; a search would miss every team the RPC API finds by name"
    ),
    "getApiForUsername": (
        "discovery is the JSON-RPC API's: REST lives at one fixed base URL "
        "(https://app.nutshell.com/rest) with no per-user host to discover (the bridge's proxy "
        "answers discovery itself)"
    ),
    "findBackups": "the REST API has no backup endpoint (no GET /backups)",
    "findDelays": (
        "the REST API has no delays: they belong to legacy processes and steps, which REST "
        "does not have (no /delays, /processes or /steps)"
    ),
    "findOrigins": (
        "the REST API has no GET /origins: origins appear only side-loaded with the accounts "
        "they created (the 'origins' array of GET /accounts) and as event actors, so the "
        "account's list of origins cannot be read"
    ),
    "findSettings": "the REST API has no settings endpoint (no GET /settings)",
    "getMobileSettings": "the REST API has no mobile-app settings endpoint",
    "getUpdateTimes": (
        "its result shape is undocumented and unrecorded; GET /events could tell when each "
        "type last changed, but there is no legacy shape to render that in"
    ),
    "instanceData": (
        "its result shape is undocumented and unrecorded; REST gives no instance data beyond "
        "meta.instanceId and meta.siteId on every response"
    ),
}


# -- assembly -----------------------------------------------------------------------------------


def _answering(method: str, run: Run, operations: tuple[tuple[str, str], ...]) -> Translator:
    return Translator.answering(
        method, rest_operations=operations, differences=DIFFERENCES.get(method, ()), run=run
    )


def _translators() -> tuple[Translator, ...]:
    supported = (
        _answering("findCustomFields", _custom_fields, _ATTRIBUTES),
        _answering("describeCustomFields", _custom_fields, _ATTRIBUTES),
        _answering("findAudiences", _find_audiences, (("GET", "/audiences"),)),
        Translator(method="add", status=Status.MAPPED, run=_add, local=True),
    )
    unsupported = tuple(
        Translator(method=method, status=Status.UNSUPPORTED, reason=reason)
        for method, reason in REASONS.items()
    )
    return (*supported, *unsupported)


#: Every translator and declared reason of this family.
TRANSLATORS: tuple[Translator, ...] = _translators()
