"""The catalog: every legacy JSON-RPC method and every REST operation, declared as data.

This module is the single source of truth for both APIs. The RPC client builds its methods and
positional-to-named mapping from :data:`RPC_METHODS`; the REST client, the bridge, the emulator,
the migration matrix and the retry policy all read the same rows. A new method is one new row.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

import attrs

from nutshell_core.errors import UnknownMethodError

__all__ = [
    "REQUIRED",
    "REST_OPERATIONS",
    "RPC_METHODS",
    "Access",
    "Paging",
    "Param",
    "RestOperation",
    "Returns",
    "RpcMethod",
    "rest_operation",
    "rpc_method",
]


class Access(enum.Enum):
    """Whether a call only reads or may change data."""

    READ = "read"
    WRITE = "write"


class Returns(enum.Enum):
    """What an RPC method's ``result`` holds."""

    RECORD = "record"  # one full record
    STUBS = "stubs"  # a list of stubs (full records when the call asks with stubResponses=false)
    RECORDS = "records"  # a list of full records
    BOOLEAN = "boolean"  # true on success (deletes)
    MAP = "map"  # an object of lists or values keyed by type or name
    VALUE = "value"  # anything else: a number, a string, a report


class Paging(enum.Enum):
    """How a REST collection pages."""

    NONE = "none"
    PAGE = "page"  # page[page] (0-based) and page[limit]
    CURSOR = "cursor"  # /events: since_id, with meta.next


class _Required(enum.Enum):
    REQUIRED = "REQUIRED"

    def __repr__(self) -> str:
        return "REQUIRED"


#: Marks a parameter that has no default.
REQUIRED: Final = _Required.REQUIRED


@attrs.frozen
class Param:
    """One RPC parameter: its name and its default (``REQUIRED`` when it has none)."""

    name: str
    default: Any = REQUIRED

    @property
    def required(self) -> bool:
        """True when the caller must supply the parameter."""
        return self.default is REQUIRED


@attrs.frozen(kw_only=True)
class RpcMethod:
    """A legacy JSON-RPC method: parameters in positional order, entity, access and result."""

    name: str
    params: tuple[Param, ...]
    entity: str | None  # the model class name ("Lead", "Contact", ...), None for misc methods
    access: Access
    idempotent: bool
    returns: Returns
    doc: str = ""

    @property
    def param_names(self) -> tuple[str, ...]:
        """Parameter names in positional order."""
        return tuple(p.name for p in self.params)


@attrs.frozen(kw_only=True)
class RestOperation:
    """A REST operation from Nutshell's OpenAPI document."""

    method: str  # upper-case HTTP method
    path: str  # the OpenAPI path template, e.g. "/leads/{id}/status"
    entity: str | None  # the model class name, None where no model class applies
    access: Access
    idempotent: bool
    paging: Paging
    primary_key: str | None  # the response's primary array key; None when there is no envelope
    webhook_event: str | None = None  # the event action a successful call triggers, if any
    doc: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """``(METHOD, path)``: the operation's identity."""
        return (self.method, self.path)


# ---------------------------------------------------------------------------------------------
# Legacy JSON-RPC methods
#
# Source: the method reference (section 4) of the JSON-RPC research notes. Parameters are in
# positional order, because Nutshell accepts ``params`` as an array mapped by signature order.
# ---------------------------------------------------------------------------------------------


def _find_std(order_by: str) -> tuple[Param, ...]:
    """The "find-std" signature: ``(orderBy, orderDirection='ASC', limit=50, page=1)``.

    Every parameter is optional; pages start at 1. ``order_by`` is the method's own default.
    """
    return (
        Param("orderBy", order_by),
        Param("orderDirection", "ASC"),
        Param("limit", 50),
        Param("page", 1),
    )


def _find_q(order_by: str) -> tuple[Param, ...]:
    """The "find-q" signature: ``(query=None, <find-std>, stubResponses=True)``."""
    return (Param("query", None), *_find_std(order_by), Param("stubResponses", True))


def _get(id_name: str) -> tuple[Param, ...]:
    """A ``get*`` signature: ``(<id>, rev=None)``; a still-current ``rev`` may get a notice."""
    return (Param(id_name), Param("rev", None))


def _edit(id_name: str, entity_name: str) -> tuple[Param, ...]:
    """An ``edit*`` signature: ``(<id>, rev, <entity>)``, all required."""
    return (Param(id_name), Param("rev"), Param(entity_name))


def _delete(id_name: str) -> tuple[Param, ...]:
    """A ``delete*`` signature: ``(<id>, rev)``, both required."""
    return (Param(id_name), Param("rev"))


def _search(limit: int) -> tuple[Param, ...]:
    """A ``search*`` signature: ``(string, limit=<default>)``. The text parameter is ``string``."""
    return (Param("string"), Param("limit", limit))


def _one(name: str) -> tuple[Param, ...]:
    """A signature of one required parameter, such as ``new*(<entity>)``."""
    return (Param(name),)


def _read(
    name: str, params: tuple[Param, ...], entity: str | None, returns: Returns, doc: str = ""
) -> RpcMethod:
    """A read-only RPC row: reads are always safe to replay."""
    return RpcMethod(
        name=name,
        params=params,
        entity=entity,
        access=Access.READ,
        idempotent=True,
        returns=returns,
        doc=doc,
    )


def _write(
    name: str,
    params: tuple[Param, ...],
    entity: str | None,
    returns: Returns,
    *,
    idempotent: bool,
    doc: str = "",
) -> RpcMethod:
    """A writing RPC row; ``idempotent`` says whether replaying it cannot change data twice."""
    return RpcMethod(
        name=name,
        params=params,
        entity=entity,
        access=Access.WRITE,
        idempotent=idempotent,
        returns=returns,
        doc=doc,
    )


def _index_rpc(rows: tuple[RpcMethod, ...]) -> Mapping[str, RpcMethod]:
    """Key the rows by name, read-only; a name listed twice is a catalog bug, so it fails loudly."""
    table: dict[str, RpcMethod] = {}
    for row in rows:
        if row.name in table:
            raise ValueError(f"RPC method {row.name!r} is listed twice in the catalog")
        table[row.name] = row
    return MappingProxyType(table)


# No legacy write is idempotent: a replayed edit or delete fails with 409 ("rev key is out-of-date")
# or 404 although the first attempt succeeded, and with REV_IGNORE it applies again (a `note`
# is appended twice); new* creates a duplicate. So a write is re-sent only when it certainly
# never left the machine.
_STALE_REV = "409 on a stale rev; rev 'REV_IGNORE' skips the check"

_RPC_ROWS: tuple[RpcMethod, ...] = (
    # --- discovery and test methods -----------------------------------------------------------
    _read(
        "getApiForUsername",
        _one("username"),
        None,
        Returns.MAP,
        "Discovery, no auth: {iphone, mobile, api, login} hosts; endpoint is https://<api>/api/v1/json",
    ),
    _read("add", (Param("num1"), Param("num2")), None, Returns.VALUE, "Test method: the sum"),
    # --- leads ----------------------------------------------------------------------------------
    _read(
        "findLeads",
        _find_q("id"),
        "Lead",
        Returns.STUBS,
        "Lead stubs (full leads with stubResponses=false, limit <= 100); orderBy default 'id'",
    ),
    _read("getLead", _get("leadId"), "Lead", Returns.RECORD, "The full Lead"),
    _write(
        "newLead",
        _one("lead"),
        "Lead",
        Returns.RECORD,
        idempotent=False,
        doc="The full new Lead, with the default pipeline, status 0 and the caller as assignee",
    ),
    _write(
        "editLead",
        _edit("leadId", "lead"),
        "Lead",
        Returns.RECORD,
        idempotent=False,
        doc=f"The full Lead with a new rev; multi-value fields are replaced; {_STALE_REV}",
    ),
    _write("deleteLead", _delete("leadId"), "Lead", Returns.BOOLEAN, idempotent=False, doc="true"),
    _read("searchLeads", _search(40), "Lead", Returns.STUBS, "Lead stubs; limit default 40"),
    _read(
        "findLead_Outcomes",
        _find_std("description"),
        "Outcome",
        Returns.RECORDS,
        "Full Lead_Outcomes {id, rev, description, type}; orderBy default 'description'",
    ),
    _read(
        "findMilestones",
        _find_std("name"),
        "Stage",
        Returns.RECORDS,
        "Full Milestones (REST stages) {id, rev, name, position, stagesetId}",
    ),
    _read(
        "findStagesets",
        _find_std("name"),
        "Stageset",
        Returns.RECORDS,
        "Full Stagesets (pipelines); orderBy default undocumented, 'name' as PY-BC sends",
    ),
    # The reference gives no orderBy default for these find-std lists; 'name' is assumed because
    # their stubs carry a name (PY-BC sends 'name' for findStagesets).
    _read("findMarkets", _find_std("name"), "Market", Returns.STUBS, "Market stubs"),
    _read("findCompetitors", _find_std("name"), "Competitor", Returns.STUBS, "Competitor stubs"),
    _read("findOrigins", _find_std("name"), "Origin", Returns.STUBS, "Origin stubs"),
    _read("findSources", _find_std("name"), "Source", Returns.STUBS, "Source stubs"),
    _read("findIndustries", _find_std("name"), "Industry", Returns.STUBS, "Industry stubs"),
    _read("findTerritories", _find_std("name"), "Territory", Returns.STUBS, "Territory stubs"),
    _read(
        "findAccountTypes", _find_std("name"), "AccountType", Returns.STUBS, "Account type stubs"
    ),
    _read(
        "findActivityTypes", _find_std("name"), "ActivityType", Returns.STUBS, "Activity_Type stubs"
    ),
    _read("findTeams", _find_std("name"), "Team", Returns.STUBS, "Team stubs"),
    # Delays and settings have no documented shape, so the default sorts by the one key every
    # entity has.
    _read(
        "findDelays", _find_std("id"), "Delay", Returns.STUBS, "Delay stubs (shape undocumented)"
    ),
    _read(
        "findSettings",
        _find_std("id"),
        "Setting",
        Returns.STUBS,
        "Setting stubs (shape undocumented)",
    ),
    _read("findAudiences", _find_std("name"), "Audience", Returns.STUBS, "Audience stubs"),
    _read(
        "findTimeline",
        _find_q("time"),
        None,
        Returns.RECORDS,
        "Full Activities, Emails and Notes of {entityType, id} in query; orderBy default 'time'",
    ),
    _write(
        "editStep",
        (Param("stepId"), Param("rev"), Param("step")),
        "Step",
        Returns.RECORD,
        idempotent=False,
        doc=f"The Step; step keys status, assignee, choice, delay; {_STALE_REV}",
    ),
    # --- contacts (People) ----------------------------------------------------------------------
    _read(
        "findContacts",
        _find_q("id"),
        "Contact",
        Returns.STUBS,
        "Contact stubs; orderBy default 'id' (RB-OLD; PY-KW uses 'name')",
    ),
    _read("getContact", _get("contactId"), "Contact", Returns.RECORD, "The full Contact"),
    _write(
        "newContact",
        _one("contact"),
        "Contact",
        Returns.RECORD,
        idempotent=False,
        doc="The new Contact; needs at least a name, phone or email",
    ),
    _write(
        "editContact",
        _edit("contactId", "contact"),
        "Contact",
        Returns.RECORD,
        idempotent=False,
        doc=f"The Contact with a new rev; {_STALE_REV}",
    ),
    _write(
        "deleteContact",
        _delete("contactId"),
        "Contact",
        Returns.BOOLEAN,
        idempotent=False,
        doc="true",
    ),
    _read("searchContacts", _search(10), "Contact", Returns.STUBS, "Contact stubs"),
    _read(
        "searchContactsAndUsers", _search(10), None, Returns.STUBS, "Contact and User stubs, mixed"
    ),
    # --- accounts (Companies) -------------------------------------------------------------------
    _read(
        "findAccounts", _find_q("name"), "Account", Returns.STUBS, "Account stubs; orderBy 'name'"
    ),
    _read("getAccount", _get("accountId"), "Account", Returns.RECORD, "The full Account"),
    _write(
        "newAccount",
        _one("account"),
        "Account",
        Returns.RECORD,
        idempotent=False,
        doc="The new Account (rev '0')",
    ),
    _write(
        "editAccount",
        _edit("accountId", "account"),
        "Account",
        Returns.RECORD,
        idempotent=False,
        doc=f"The Account with a new rev; {_STALE_REV}",
    ),
    _write(
        "deleteAccount",
        _delete("accountId"),
        "Account",
        Returns.BOOLEAN,
        idempotent=False,
        doc="true",
    ),
    _read("searchAccounts", _search(10), "Account", Returns.STUBS, "Account stubs"),
    # --- activities -----------------------------------------------------------------------------
    _read(
        "findActivities",
        _find_q("name"),
        "Activity",
        Returns.STUBS,
        "Activity stubs (full with stubResponses=false); orderBy default 'name'",
    ),
    _read("getActivity", _get("activityId"), "Activity", Returns.RECORD, "The full Activity"),
    _write(
        "newActivity",
        _one("activity"),
        "Activity",
        Returns.RECORD,
        idempotent=False,
        doc="The new Activity",
    ),
    _write(
        "editActivity",
        _edit("activityId", "activity"),
        "Activity",
        Returns.RECORD,
        idempotent=False,
        doc=f"The Activity with a new rev; {_STALE_REV}",
    ),
    _write(
        "deleteActivity",
        _delete("activityId"),
        "Activity",
        Returns.BOOLEAN,
        idempotent=False,
        doc="true",
    ),
    _read(
        "searchActivityParticipants",
        _search(10),
        None,
        Returns.STUBS,
        "User, Contact and Account stubs (PY-CR only)",
    ),
    # --- notes ----------------------------------------------------------------------------------
    _read("getNote", _get("noteId"), "Note", Returns.RECORD, "The Note"),
    _write(
        "newNote",
        (Param("entity"), Param("note")),
        "Note",
        Returns.RECORD,
        idempotent=False,
        doc="The new Note; entity = {entityType, id} (shape inferred), note = a string",
    ),
    _write(
        "editNote",
        _edit("noteId", "note"),
        "Note",
        Returns.RECORD,
        idempotent=False,
        doc="The Note; note is a string; only the author, only within 24 hours",
    ),
    _write("deleteNote", _delete("noteId"), "Note", Returns.BOOLEAN, idempotent=False, doc="true"),
    # --- tasks ----------------------------------------------------------------------------------
    _read(
        "findTasks",
        _find_q("due_time"),
        "Task",
        Returns.STUBS,
        "Tasks (shape uncertain); orderBy default 'due_time' (PY-KW)",
    ),
    _read("getTask", _get("taskId"), "Task", Returns.RECORD, "The Task (shape uncertain)"),
    _write(
        "newTask",
        _one("task"),
        "Task",
        Returns.RECORD,
        idempotent=False,
        doc="The new Task; task e.g. {title, description, entity: {entityType, id}}",
    ),
    _write(
        "editTask",
        _edit("taskId", "task"),
        "Task",
        Returns.RECORD,
        idempotent=False,
        doc=f"The Task with a new rev; {_STALE_REV}",
    ),
    _write("deleteTask", _delete("taskId"), "Task", Returns.BOOLEAN, idempotent=False, doc="true"),
    # --- products -------------------------------------------------------------------------------
    _read(
        "findProducts",
        (*_find_std("name"), Param("stubResponses", True)),
        "Product",
        Returns.STUBS,
        "Product stubs; no query parameter (DOC-CORE, RB); orderBy default 'name'",
    ),
    _read(
        "getProduct",
        _get("productId"),
        "Product",
        Returns.RECORD,
        "The Product with its full price list",
    ),
    _write(
        "newProduct",
        _one("product"),
        "Product",
        Returns.RECORD,
        idempotent=False,
        doc="The new Product",
    ),
    _write(
        "editProduct",
        _edit("productId", "product"),
        "Product",
        Returns.RECORD,
        idempotent=False,
        doc=f"The Product with a new rev; {_STALE_REV}",
    ),
    _write(
        "deleteProduct",
        _delete("productId"),
        "Product",
        Returns.BOOLEAN,
        idempotent=False,
        doc="true",
    ),
    _read("searchProducts", _search(10), "Product", Returns.STUBS, "Product stubs"),
    # --- users and teams ------------------------------------------------------------------------
    _read(
        "getUser",
        (Param("userId", None), Param("rev", None)),
        "User",
        Returns.RECORD,
        "The User; without userId, the authenticated user",
    ),
    _read(
        "findUsers",
        _find_std("last_name"),
        "User",
        Returns.STUBS,
        "User stubs; orderBy default 'last_name'",
    ),
    _write("newUser", _one("user"), "User", Returns.RECORD, idempotent=False, doc="The new User"),
    _write(
        "editUser",
        _edit("userId", "user"),
        "User",
        Returns.RECORD,
        idempotent=False,
        doc=f"The User with a new rev; {_STALE_REV}",
    ),
    _write("deleteUser", _delete("userId"), "User", Returns.BOOLEAN, idempotent=False, doc="true"),
    _read("getTeam", _get("teamId"), "Team", Returns.RECORD, "The Team (signature by analogy)"),
    _write(
        "newTeam",
        _one("team"),
        "Team",
        Returns.RECORD,
        idempotent=False,
        doc="The new Team (signature by analogy)",
    ),
    _write(
        "editTeam",
        _edit("teamId", "team"),
        "Team",
        Returns.RECORD,
        idempotent=False,
        doc="The Team (signature by analogy)",
    ),
    _write(
        "deleteTeam",
        _delete("teamId"),
        "Team",
        Returns.BOOLEAN,
        idempotent=False,
        doc="true (signature by analogy)",
    ),
    _read("searchUsersAndTeams", _search(10), None, Returns.STUBS, "User and Team stubs, mixed"),
    # --- tags and sources -----------------------------------------------------------------------
    _read(
        "findTags",
        (),
        "Tag",
        Returns.MAP,
        "{Leads: [...], Contacts: [...], Accounts: [...]}; element shape uncertain",
    ),
    _write(
        "newTag",
        _one("tag"),
        "Tag",
        Returns.RECORD,
        idempotent=False,
        doc="The new Tag; tag = {name, entityType}; an error if the name already exists",
    ),
    _write(
        "newSource",
        _one("name"),
        "Source",
        Returns.RECORD,
        # Get-or-create, so a replay returns the same source and True would also be defensible;
        # False is the conservative choice until that is confirmed live.
        idempotent=False,
        doc="The Source of that name, created if missing (get-or-create: idempotent in practice)",
    ),
    _read("searchSources", _search(10), "Source", Returns.STUBS, "Source stubs"),
    # --- search across types, custom fields, reports --------------------------------------------
    _read(
        "searchUniversal",
        _one("string"),
        None,
        Returns.MAP,
        "Stub lists by type: contacts, accounts, probably leads (uncertain)",
    ),
    _read(
        "searchByEmail",
        _one("emailAddressString"),
        None,
        Returns.MAP,
        "{contacts: [...], accounts: [...]}, up to 5 stubs",
    ),
    _read(
        "findCustomFields",
        (),
        "CustomField",
        Returns.MAP,
        "{Leads: [attr], Contacts: [attr], Accounts: [attr]}; attr has at least name",
    ),
    _read(
        "describeCustomFields",
        (),
        "CustomField",
        Returns.MAP,
        "Older name of findCustomFields (RB); same result",
    ),
    _read(
        "getAnalyticsReport",
        (Param("reportType"), Param("period"), Param("filter", None), Param("options", None)),
        None,
        Returns.MAP,
        "{seriesData, summaryData, periodDescription, deltaPeriodDescription}; "
        "filter = [{entityId, entityName}]",
    ),
    # --- misc -----------------------------------------------------------------------------------
    _read("getUpdateTimes", (), None, Returns.MAP, "Last update times (shape undocumented)"),
    _read("getMobileSettings", (), None, Returns.MAP, "Mobile app settings (shape undocumented)"),
    _read("findBackups", (), None, Returns.VALUE, "Backups (shape undocumented)"),
    _write(
        "newBackup",
        (),
        None,
        Returns.VALUE,
        idempotent=False,
        doc="Starts a backup (result undocumented)",
    ),
    _read("instanceData", (), None, Returns.MAP, "Instance information (shape undocumented)"),
    _read("getEmail", _get("emailId"), "Email", Returns.RECORD, "The Email"),
    _write(
        "newEmail",
        _one("emailString"),
        "Email",
        Returns.RECORD,
        idempotent=False,
        doc="The Email stored from RFC 822 text",
    ),
    _write(
        "addEmail",
        _one("emailString"),
        "Email",
        Returns.RECORD,
        idempotent=False,
        doc="The Email stored from RFC 822 text (RB's name for newEmail)",
    ),
)

#: Every legacy JSON-RPC method, by exact (case-sensitive) name.
RPC_METHODS: Mapping[str, RpcMethod] = _index_rpc(_RPC_ROWS)


# ---------------------------------------------------------------------------------------------
# REST operations
#
# One row per (method, path) in Nutshell's OpenAPI document (87 paths, 112 operations), spelled
# exactly as the document spells them, including its collisions (/forms/{id} and
# /forms/{fieldId}) and its case difference (/productmaps/{id} and /productMaps/{id}).
#
# ``entity`` is the model class of the records under ``primary_key`` where one exists, otherwise
# the resource the path belongs to. ``webhook_event`` is set only for leads, accounts, contacts,
# activities, notes and tasks: the webhook notes and recorded events cover those types. Whether
# writes to products, sources, tags, product or competitor maps emit events is unknown, so they
# carry None rather than a guess. Only "create", "update" and "stagechange" have been observed;
# "delete" and "undelete" are the plausible names, not yet confirmed.
# ---------------------------------------------------------------------------------------------


def _rest_read(
    path: str,
    entity: str | None,
    primary_key: str | None,
    *,
    paging: Paging = Paging.NONE,
    doc: str = "",
) -> RestOperation:
    """A GET row: read-only, safe to replay, triggers no webhook."""
    return RestOperation(
        method="GET",
        path=path,
        entity=entity,
        access=Access.READ,
        idempotent=True,
        paging=paging,
        primary_key=primary_key,
        webhook_event=None,
        doc=doc,
    )


def _rest_write(
    method: str,
    path: str,
    entity: str | None,
    primary_key: str | None,
    *,
    idempotent: bool,
    event: str | None = None,
    doc: str = "",
) -> RestOperation:
    """A POST, PUT, PATCH or DELETE row. Writes are never paged."""
    return RestOperation(
        method=method,
        path=path,
        entity=entity,
        access=Access.WRITE,
        idempotent=idempotent,
        paging=Paging.NONE,
        primary_key=primary_key,
        webhook_event=event,
        doc=doc,
    )


_PATCH_DOC = "JSON Patch (application/json-patch+json), paths /<type>/0/...; 204 with no body"
_LIST_DOC = "List-view rows with display fields; unpaged"
_FIELDS_DOC = "Filter/sort field catalog: an object keyed by field name under 'properties'"
_CUSTOMFIELD_POST_DOC = "Body {name, type, choices, isMultiple, title}; 200 with no body"
_UNDELETE_DOC = "Restores a record deleted within the last 30 days"

#: Every REST operation in Nutshell's OpenAPI document.
REST_OPERATIONS: tuple[RestOperation, ...] = (
    # --- accounts (Companies) -------------------------------------------------------------------
    _rest_read(
        "/accounts",
        "Account",
        "accounts",
        paging=Paging.PAGE,
        doc="q, email, filter[...], sort; page[page] is 0-based; meta.facets on lists",
    ),
    _rest_write(
        "POST",
        "/accounts",
        "Account",
        "accounts",
        idempotent=False,
        event="create",
        doc="Body {accounts: [one]}; needs a name, phone, email, address or url; 201",
    ),
    _rest_read(
        "/accounts/{id}", "Account", "accounts", doc="Comma-separated ids fetch several records"
    ),
    _rest_write(
        "PATCH",
        "/accounts/{id}",
        "Account",
        None,
        idempotent=False,
        event="update",
        doc=_PATCH_DOC,
    ),
    _rest_write(
        "DELETE",
        "/accounts/{id}",
        "Account",
        "accounts",
        idempotent=False,
        event="delete",
        doc="200 with the deleted record; restorable for 30 days",
    ),
    _rest_write(
        "POST",
        "/accounts/{id}/undelete",
        "Account",
        "accounts",
        idempotent=False,
        event="undelete",
        doc=_UNDELETE_DOC,
    ),
    _rest_read(
        "/accounts/{id}/customfields", "Account", "customFields", doc="The account's custom fields"
    ),
    _rest_read(
        "/accounts/customfields/attributes",
        "Account",
        "customFields",
        doc="Custom field definitions for accounts",
    ),
    _rest_write(
        "POST",
        "/accounts/customfield",
        "Account",
        None,
        idempotent=False,
        doc=_CUSTOMFIELD_POST_DOC,
    ),
    _rest_read("/accounts/list", "Account", "listItems", doc=_LIST_DOC),
    _rest_read("/accounts/list/fields", "Account", "properties", doc=_FIELDS_DOC),
    _rest_read(
        "/accounttypes",
        "AccountType",
        "accountTypes",
        doc="Reference list; OAS says a bare array, live responses are keyed",
    ),
    # --- contacts (People) ----------------------------------------------------------------------
    _rest_read(
        "/contacts",
        "Contact",
        "contacts",
        paging=Paging.PAGE,
        doc="q, email, filter[...], sort; page[page] is 0-based",
    ),
    _rest_write(
        "POST",
        "/contacts",
        "Contact",
        "contacts",
        idempotent=False,
        event="create",
        doc="Body {contacts: [one]}; 200 per OAS (not 201)",
    ),
    _rest_read("/contacts/{id}", "Contact", "contacts"),
    _rest_write(
        "PATCH",
        "/contacts/{id}",
        "Contact",
        None,
        idempotent=False,
        event="update",
        doc=_PATCH_DOC,
    ),
    _rest_write(
        "DELETE",
        "/contacts/{id}",
        "Contact",
        None,
        idempotent=False,
        event="delete",
        doc="204 with no body (OAS); restorable for 30 days",
    ),
    _rest_write(
        "POST",
        "/contacts/{id}/undelete",
        "Contact",
        "contacts",
        idempotent=False,
        event="undelete",
        doc=_UNDELETE_DOC,
    ),
    _rest_read(
        "/contacts/{id}/customfields",
        "Contact",
        "customFields",
        doc="The contact's custom fields; OAS says a bare array, key assumed as for accounts",
    ),
    _rest_read(
        "/contacts/customfields/attributes",
        "Contact",
        "customFields",
        doc="Custom field definitions for contacts",
    ),
    _rest_write(
        "POST",
        "/contacts/customfield",
        "Contact",
        None,
        idempotent=False,
        doc=_CUSTOMFIELD_POST_DOC,
    ),
    _rest_read("/contacts/list", "Contact", "listItems", doc=_LIST_DOC),
    _rest_read("/contacts/list/fields", "Contact", "properties", doc=_FIELDS_DOC),
    # --- leads ----------------------------------------------------------------------------------
    _rest_read(
        "/leads",
        "Lead",
        "leads",
        paging=Paging.PAGE,
        doc="q, filter[...] (filter[number] is the Lead-N number), sort; page[page] is 0-based",
    ),
    _rest_write(
        "POST",
        "/leads",
        "Lead",
        "leads",
        idempotent=False,
        event="create",
        doc="Body {leads: [one]}; description becomes the name; 201",
    ),
    _rest_read("/leads/{id}", "Lead", "leads"),
    _rest_write(
        "PATCH",
        "/leads/{id}",
        "Lead",
        None,
        idempotent=False,
        event="update",
        doc=_PATCH_DOC + "; 400 'No patches sent' on an empty array",
    ),
    _rest_write(
        "DELETE",
        "/leads/{id}",
        "Lead",
        "leads",
        idempotent=False,
        event="delete",
        doc="200 with the deleted lead; restorable for 30 days",
    ),
    _rest_write(
        "POST",
        "/leads/{id}/undelete",
        "Lead",
        "leads",
        idempotent=False,
        event="undelete",
        doc=_UNDELETE_DOC,
    ),
    _rest_write(
        "POST",
        "/leads/{id}/status",
        "Lead",
        "leads",
        idempotent=False,
        event="update",
        doc="Body {outcomeId, competitorMaps, productMaps}: closes the lead with that outcome",
    ),
    _rest_write(
        "POST",
        "/leads/{id}/reopen",
        "Lead",
        "leads",
        idempotent=False,
        event="update",
        doc="No body; reopens a closed lead",
    ),
    _rest_write(
        "POST",
        "/leads/{id}/stageset",
        "Lead",
        "leads",
        idempotent=False,
        event="stagechange",
        doc="Body {stageset: '<id>-stagesets'}: moves the lead to another pipeline",
    ),
    _rest_write(
        "POST",
        "/leads/{id}/watch",
        "Lead",
        "leads",
        idempotent=False,
        doc="Makes the current user a watcher of the lead",
    ),
    _rest_read(
        "/leads/{id}/stages",
        "Stage",
        "stages",
        doc="The stages of the lead's pipeline; the current one is the lead's links.stage",
    ),
    _rest_read("/leads/{id}/installments", "Lead", "installments", doc="The lead's installments"),
    _rest_write(
        "POST",
        "/leads/{id}/installments",
        "Lead",
        "installments",
        # A replay may add installments again when items carry no id, so this is not assumed safe.
        idempotent=False,
        doc="Body is a bare JSON array of {id?, dueTime, description, value, isFailed}",
    ),
    _rest_read(
        "/leads/{id}/customfields",
        "Lead",
        "customFields",
        doc="The lead's custom fields; OAS says a bare array, key assumed as for accounts",
    ),
    _rest_read(
        "/leads/customfields/attributes",
        "Lead",
        "customFields",
        doc="Custom field definitions for leads",
    ),
    _rest_write(
        "POST", "/leads/customfield", "Lead", None, idempotent=False, doc=_CUSTOMFIELD_POST_DOC
    ),
    _rest_read("/leads/list", "Lead", "listItems", doc=_LIST_DOC),
    _rest_read("/leads/list/fields", "Lead", "properties", doc=_FIELDS_DOC),
    _rest_read(
        "/leads/report",
        "Lead",
        "reports",
        doc="reportType, gap, groupByField, segmentByField, filter[...]; 400 on invalid input",
    ),
    # --- activities -----------------------------------------------------------------------------
    _rest_read(
        "/activities",
        "Activity",
        "activities",
        paging=Paging.PAGE,
        doc="OAS declares only limit; Airbyte (tested live) pages with page[limit]/page[page]",
    ),
    _rest_write(
        "POST",
        "/activities",
        "Activity",
        "activities",
        idempotent=False,
        event="create",
        doc="Body {activities: [one]}, times as unix ints; 201",
    ),
    _rest_read("/activities/{id}", "Activity", "activities"),
    _rest_write(
        "PUT",
        "/activities/{id}",
        "Activity",
        "activities",
        idempotent=True,
        event="update",
        doc="Full body as on create (no PATCH); logging an activity may report action 'log'",
    ),
    _rest_read(
        "/activitytypes", "ActivityType", "activityTypes", doc="Reference list of activity types"
    ),
    # --- tasks ----------------------------------------------------------------------------------
    _rest_read(
        "/tasks",
        "Task",
        "tasks",
        paging=Paging.PAGE,
        doc="q, filter[assignee], filter[relatedEntity], filter[dateMin|dateMax]; key uncertain",
    ),
    _rest_write(
        "POST",
        "/tasks",
        "Task",
        "tasks",
        idempotent=False,
        event="create",
        doc="Body unwrapped per OAS (uncertain); 200",
    ),
    _rest_read("/tasks/{id}", "Task", "tasks"),
    _rest_write(
        "PATCH", "/tasks/{id}", "Task", None, idempotent=False, event="update", doc=_PATCH_DOC
    ),
    _rest_write(
        "DELETE",
        "/tasks/{id}",
        "Task",
        "tasks",
        idempotent=False,
        event="delete",
        doc="200 with the deleted task",
    ),
    # --- notes ----------------------------------------------------------------------------------
    _rest_read(
        "/notes", "Note", "notes", paging=Paging.PAGE, doc="page[page] is 0-based; no filters"
    ),
    _rest_write(
        "POST",
        "/notes",
        "Note",
        "notes",
        idempotent=False,
        event="create",
        doc="Body {data: {body, links: {parent}}}: an object in 'data', not an array; 201",
    ),
    _rest_read("/notes/{id}", "Note", "notes"),
    _rest_write(
        "DELETE",
        "/notes/{id}",
        "Note",
        "notes",
        idempotent=False,
        event="delete",
        doc="200 with the deleted note; there is no PATCH for notes",
    ),
    _rest_write(
        "POST",
        "/notes/{id}/undelete",
        "Note",
        "notes",
        idempotent=False,
        event="undelete",
        doc=_UNDELETE_DOC,
    ),
    # --- products and lead products -------------------------------------------------------------
    _rest_read(
        "/products",
        "Product",
        "products",
        doc="q, sort; OAS declares no page parameters and Airbyte reads it unpaged",
    ),
    _rest_read("/products/{id}", "Product", "products"),
    _rest_write(
        "DELETE",
        "/products/{id}",
        "Product",
        "products",
        idempotent=False,
        doc="200 with the record, or 204 with no body",
    ),
    _rest_write(
        "POST",
        "/products/{id}/undelete",
        "Product",
        "products",
        idempotent=False,
        doc=_UNDELETE_DOC,
    ),
    _rest_read("/productcategories", "ProductCategory", "productCategories"),
    _rest_write(
        "POST",
        "/productcategories",
        "ProductCategory",
        "productCategories",
        idempotent=False,
        doc="Body {productCategories: [{name}]}; 201",
    ),
    _rest_read("/productcategories/{id}", "ProductCategory", "productCategories"),
    _rest_read(
        "/productmaps",
        "ProductMap",
        "productMaps",
        doc="Products attached to leads; OAS declares no page parameters",
    ),
    _rest_read("/productmaps/{id}", "ProductMap", "productMaps"),
    _rest_write("PATCH", "/productmaps/{id}", "ProductMap", None, idempotent=False, doc=_PATCH_DOC),
    _rest_write(
        "DELETE",
        "/productMaps/{id}",
        "ProductMap",
        "productMaps",
        idempotent=False,
        doc="Capital M as in OAS; 200 with the record, or 204 with no body",
    ),
    # --- competitors ----------------------------------------------------------------------------
    _rest_read("/competitors", "Competitor", "competitors", doc="q; reference list"),
    _rest_read("/competitors/{id}", "Competitor", "competitors"),
    _rest_read(
        "/competitormaps",
        "CompetitorMap",
        "competitorMaps",
        doc="Competitors attached to leads; OAS declares no page parameters",
    ),
    _rest_read("/competitormaps/{id}", "CompetitorMap", "competitorMaps"),
    _rest_write(
        "PATCH", "/competitormaps/{id}", "CompetitorMap", None, idempotent=False, doc=_PATCH_DOC
    ),
    _rest_write(
        "DELETE",
        "/competitormaps/{id}",
        "CompetitorMap",
        None,
        idempotent=False,
        doc="204 with no body",
    ),
    # --- pipelines ------------------------------------------------------------------------------
    _rest_read(
        "/stagesets",
        "Stageset",
        "stagesets",
        doc="Pipelines; OAS says a bare array, live responses are keyed",
    ),
    _rest_read(
        "/stagesets/{id}/export",
        "Stageset",
        None,
        doc="CSV of lead movements through the pipeline, not JSON",
    ),
    _rest_read("/stages", "Stage", "stages", doc="Stages of every pipeline; links.stageset"),
    _rest_read(
        "/outcomes", "Outcome", "outcomes", doc="Lead outcomes {name, status, type}; key uncertain"
    ),
    _rest_read("/outcomes/{id}", "Outcome", "outcomes"),
    # --- sources and tags -----------------------------------------------------------------------
    _rest_read("/sources", "Source", "sources", doc="q; OAS declares no page parameters"),
    _rest_write(
        "POST",
        "/sources",
        "Source",
        "sources",
        idempotent=False,
        doc="Body {sources: [{name, channel 0-8}]}; 201",
    ),
    _rest_write("DELETE", "/sources/{id}", "Source", "sources", idempotent=False),
    _rest_write(
        "POST",
        "/sources/{id}/undelete",
        "Source",
        "sources",
        idempotent=False,
        doc=_UNDELETE_DOC,
    ),
    _rest_read("/tags", "Tag", "tags", doc="q, filter[tagType]; OAS declares no page parameters"),
    _rest_write(
        "POST",
        "/tags",
        "Tag",
        "tags",
        idempotent=False,
        doc="Body {tags: [{name, tagType 1 leads|2 contacts|3 accounts, colorType}]}; 200",
    ),
    _rest_write("DELETE", "/tags/{id}", "Tag", "tags", idempotent=False),
    _rest_write("POST", "/tags/{id}/undelete", "Tag", "tags", idempotent=False, doc=_UNDELETE_DOC),
    # --- users and reference lists --------------------------------------------------------------
    _rest_read(
        "/users",
        "User",
        "users",
        doc="OAS declares no parameters, though meta may carry next/previous URLs",
    ),
    _rest_read("/users/{id}", "User", "users"),
    _rest_read("/territories", "Territory", "territories", doc="Reference list; key uncertain"),
    _rest_read("/markets", "Market", "markets", doc="Reference list; key uncertain"),
    _rest_read("/markets/{id}", "Market", "markets"),
    _rest_read("/industries", "Industry", "industries", doc="Reference list"),
    _rest_read("/industries/{id}", "Industry", "industries"),
    _rest_read("/audiences", "Audience", "emAudiences", doc="Email-marketing audiences"),
    _rest_write(
        "POST",
        "/audiences",
        "Audience",
        "emAudiences",
        idempotent=False,
        doc="Body {emAudiences: [{name}]}; 201",
    ),
    # --- events, filters, forms, emails, editions -----------------------------------------------
    _rest_read(
        "/events",
        "Event",
        "events",
        paging=Paging.CURSOR,
        doc="limit, since_id/max_id, since_time/max_time; follow meta.next; same feed as webhooks",
    ),
    _rest_read(
        "/events/deleted",
        "Event",
        "events",
        paging=Paging.CURSOR,
        doc="filter[types], sort=-change_time; EventResponse meta has next/previous (uncertain)",
    ),
    _rest_read("/filters", "Filter", "filters", doc="Saved filters; userId, reportType, filter"),
    _rest_read("/forms", "Form", "wfForms"),
    _rest_read(
        "/forms/{id}",
        "Form",
        "wfForms",
        doc="The form with its fields side-loaded in wfFields; same template as /forms/{fieldId}",
    ),
    _rest_read(
        "/forms/{fieldId}",
        "Form",
        "wfFields",
        doc="One form field; OAS gives it the same template as /forms/{id}",
    ),
    _rest_read("/emails/{id}", "Email", "emails", doc="One email; key uncertain"),
    _rest_read("/editions", "Edition", "editions", doc="Email-marketing editions; key uncertain"),
    _rest_read("/editions/{id}", "Edition", "editions"),
    # --- quotes and invoices --------------------------------------------------------------------
    _rest_read(
        "/quotes",
        "Quote",
        "quotes",
        paging=Paging.PAGE,
        doc="filter[lead], filter[dateMin|dateMax]; ISO-8601 times",
    ),
    _rest_read("/quotes/{id}", "Quote", "quotes"),
    _rest_write(
        "POST",
        "/quotes/{id}/status",
        "Quote",
        "quotes",
        idempotent=False,
        doc="Status READY, SENT, REVOKED, ACCEPTED or ARCHIVED",
    ),
    _rest_write(
        "POST",
        "/quotes/{id}/invoice",
        "Invoice",
        "invoices",
        idempotent=False,
        doc="Creates an invoice copied from the quote; no body; 201",
    ),
    _rest_read(
        "/invoices",
        "Invoice",
        "invoices",
        paging=Paging.PAGE,
        doc="filter[lead], filter[dateMin|dateMax]",
    ),
    _rest_read("/invoices/{id}", "Invoice", "invoices"),
    _rest_write(
        "POST",
        "/invoices/{id}/status",
        "Invoice",
        "invoices",
        idempotent=False,
        doc="Status READY, SENT, REVOKED, ACCEPTED or ARCHIVED",
    ),
)


def rpc_method(name: str) -> RpcMethod:
    """Return the catalog row for an RPC method, or raise :class:`UnknownMethodError`."""
    try:
        return RPC_METHODS[name]
    except KeyError:
        raise UnknownMethodError(f"unknown Nutshell JSON-RPC method {name!r}") from None


def rest_operation(method: str, path: str) -> RestOperation:
    """Return the catalog row for a REST operation, or raise :class:`UnknownMethodError`."""
    for op in REST_OPERATIONS:
        if op.method == method.upper() and op.path == path:
            return op
    raise UnknownMethodError(f"unknown Nutshell REST operation {method.upper()} {path}")
