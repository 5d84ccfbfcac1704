"""Every behaviour the references leave uncertain, and what the emulator assumes instead.

The emulator is measured against real recordings (``tests/fixtures``) and Nutshell's OpenAPI
document; where those are silent or contradict each other, the emulator still has to answer
something. Each :class:`Assumption` below names the area, the open question and the choice made,
so the list can be checked against a live account and corrected in one place.
"""

from __future__ import annotations

import attrs

__all__ = ["ASSUMPTIONS", "Assumption", "by_area"]


@attrs.frozen
class Assumption:
    """One uncertain behaviour and the emulator's choice."""

    area: str
    question: str
    assumed: str


def _rows(area: str, *pairs: tuple[str, str]) -> tuple[Assumption, ...]:
    return tuple(Assumption(area, question, assumed) for question, assumed in pairs)


ASSUMPTIONS: tuple[Assumption, ...] = (
    *_rows(
        "store",
        ("How revs progress", 'Revs start at "0" and rise by one on every write, any API.'),
        (
            "Null rev on edit/delete",
            "A null rev skips the check, like REV_IGNORE (PD sends null); the bridge's REST route does the same.",
        ),
        ("Trash lifetime", "Deleted records can be restored for 30 days, then 404."),
        (
            "Deleted records on get*",
            "get* returns them with deletedTime; edits and finds 404/skip.",
        ),
        ("Edits without changes", "Still write a new rev."),
        (
            "Compound lead edits",
            "An edit that also closes, reopens or moves raises the rev more than once.",
        ),
    ),
    *_rows(
        "json-rpc protocol",
        ("Batch requests", "A JSON array body is -32600 Invalid Request: no source shows batches."),
        ("Status of -32600 / -32602", "HTTP 400 (unrecorded)."),
        ("Unparsable JSON", "-32700 Parse error, HTTP 400, id null."),
        ("Missing record", "HTTP 404 with code 404 (unrecorded)."),
        ("Requests without an id", "Answered like any other, with id null."),
        (
            "Unknown query or input keys",
            "400 naming the key; read-only keys echoed back are ignored.",
        ),
        ("Limits", "Non-stub finds silently capped at 100; limit or page below 1 is a 400."),
        (
            "orderBy spelling",
            "camelCase or snake_case; missing values last; ties by id; lead name orders by number.",
        ),
        ("editNote by another user or after 24 h", "403 with code 403."),
        (
            "Methods not emulated",
            "addEmail, newEmail, getEmail, editStep, findAudiences, findBackups, newBackup, findDelays, findOrigins, findSettings, getAnalyticsReport, getMobileSettings, getUpdateTimes, instanceData answer -32601.",
        ),
    ),
    *_rows(
        "json-rpc leads",
        ("Lead name", '"Lead–N" with an en dash (HULL), though 2024 recordings show a hyphen.'),
        (
            "New lead defaults",
            "Next number from 1000, default pipeline and first stage, open, confidence 0, caller as owner and creator, first market.",
        ),
        (
            "Status without an outcome",
            "10/11/12 close with the first outcome of that status; 1 or isPending marks pending; outcome null reopens.",
        ),
        (
            "milestoneId from another pipeline",
            "Moves the lead to that pipeline; a milestone outside a given stagesetId is a 400.",
        ),
        (
            "Value",
            "Sum of price x quantity whenever products are written; an explicit value is accepted.",
        ),
        ("Product lines", "Price defaults to the product's price, quantity to 1."),
        ("Unknown tag names", "Created on the fly, after the whole call validated."),
        ("customFields on edit", "Merged field by field, not replaced."),
        (
            "Empty fields on full leads",
            "dueTime, nextStepDueTime, outcome, closedTime, value (0 counts as empty), normalizedValue, estimatedValue, customFields are left out when empty; stub value is null.",
        ),
        (
            "Derived fields",
            'normalizedValue and estimatedValue equal value; completion is 100 when won, else stage position based; urgency "0"; isOverdue when open and due time passed.',
        ),
        (
            "nextStepDueTime / lastContactedDate",
            "Earliest scheduled activity or open task; stored value else latest logged activity.",
        ),
        ("Processes", "One Process stub per lead mirroring its pipeline."),
        ("relationship", "The link's own text, else the linked record's description."),
        ("Competitor status", "Always 0 on lead competitors."),
    ),
    *_rows(
        "json-rpc contacts and accounts",
        ("Name splitting", "Optional salutation, given names, last word is the family name."),
        ("Contact without a name", "Named after its first email or phone."),
        (
            "creator/owner of API-created records",
            "Null for contacts and accounts (recorded); leads get the caller.",
        ),
        (
            "Multi-value keys",
            "Object keys kept as labels; list items labelled by position; first item primary unless --primary names another.",
        ),
        (
            "Empty fields",
            "territory, customFields, multi-value maps and jobTitle left out when empty; accountType and industry always present.",
        ),
        ("Account stub regions", '"City, State" from its addresses.'),
        ("contactedCount", "Logged activities the contact took part in."),
        (
            "Notes",
            "newNote does not change the parent's rev; originId is 1; noteHtml is escaped text with <br />.",
        ),
    ),
    *_rows(
        "json-rpc activities, tasks, products, users",
        ("Activity times", "startTime and endTime required; end not before start."),
        (
            "Activity defaults",
            "Name from the type; type defaults to the first activity type; overdue (-1) is derived from a passed end.",
        ),
        (
            "logNote",
            "Text creates a parentless Note; logDescription repeats it; loggedBy is the caller.",
        ),
        ("Participants", "Status 0; without entityType a participant is a User."),
        ("Activity location", "Stored as text, shown in the address shape with null coordinates."),
        (
            "Activity filters",
            "accountId also matches participant contacts' accounts; userId also matches loggedBy.",
        ),
        (
            "Task shape",
            "Full: title, description, dueTime, completedTime, assignee, entity; assignee defaults to the caller.",
        ),
        ("Product prices", "[{marketId: first market, price}] built from the single model price."),
        (
            "User teams",
            "{viewOwn: [], viewTeam: [team stubs], viewAll: []}; full teams list members.",
        ),
        (
            "Reference stubs",
            "Market, Source, Competitor stubs carry modifiedTime; Industry, Territory, AccountType, Tag carry no times.",
        ),
    ),
    *_rows(
        "json-rpc search and queries",
        ("findTags", "Name strings of tag records plus tags in use, sorted case-insensitively."),
        (
            "Duplicates",
            "newTag duplicate check and newSource get-or-create match names case-insensitively.",
        ),
        (
            "search*",
            "Case-insensitive substring on names (leads: number and description too), sorted by name; mixed searches share the limit.",
        ),
        (
            "searchUniversal / searchByEmail",
            "Up to 10 of each type / exact case-insensitive email, up to 5 each.",
        ),
        ("findCustomFields", "Entries {name, type} with the type guessed from values."),
        (
            "Time comparisons",
            ">=, <=, >, <, = (no prefix means =); a list is ANDed as a range; a bare date with = matches the UTC day.",
        ),
        (
            "filter: 1 (my team's leads)",
            "Owned by me, one of my teams, or a user sharing a team with me.",
        ),
    ),
    *_rows(
        "rest lists and filters",
        (
            "Default page[limit]",
            "50; count is the matching records, total all live records of the type.",
        ),
        (
            "Default order",
            "By name for accounts, contacts and reference lists; id order for leads, activities, notes, tasks.",
        ),
        ("Bad sort or limit", '400 "Invalid sort" / "Invalid filter" ("Invalid page limit: N").'),
        ("Unknown filter keys", "Treated as custom-field names (so a typo matches nothing)."),
        ("Text and phone filters", "Case-insensitive substring; phones by digits."),
        (
            "Filter times",
            "UTC without an offset; dates cover the day; A TO B and the two-times form inclusive; > and < strict.",
        ),
        ("dateMin/dateMax", "Activity start time; task created time."),
        ("Facets", "Account facets count matching accounts over every account type."),
    ),
    *_rows(
        "rest records",
        (
            "Side-loads",
            "Account lists and creates none (recorded); single account GET/DELETE creators, owners, contacts, accountTypes, industries; lead GETs contacts; /events actors.",
        ),
        ("Instance ids", 'instanceId "100001", siteId "emuSite1"; avatar tokens a stable digest.'),
        (
            "Lead times",
            "Objects in UTC with Today/Yesterday/Tomorrow; anticipatedClosedTime equals dueTime.",
        ),
        ("Money", 'JSON numbers; formatted "" for zero, else like "$1,234.50".'),
        (
            "Contact points",
            "Default labels; first is primary when none is; North American numbers parsed to E.164.",
        ),
        (
            "Times present",
            "Accounts and contacts carry no created/modified time and leads no modified time (recordings).",
        ),
        (
            "Made-up defaults",
            "Task shape, tag colorType COLOR_DEFAULT, market currency USD, stageset status 1.",
        ),
        (
            "Competitor maps",
            "A lead's competitor relation with a reversible id pairing lead and competitor.",
        ),
    ),
    *_rows(
        "rest writes",
        ('"Only one resource" 400', "Also used for zero items and a missing wrapper."),
        ("Account create validation", "400 without name, phone, email, address or url."),
        ("Bad links / bodies", '400 "Invalid relationship" / "Invalid JSON".'),
        ("Lead name", "Follows the description on create, and on PATCH while the two were equal."),
        (
            "PATCH",
            "Read-only fields, move and copy are 400; add without /- is 400; removing a to-one sets null; unknown fields are custom fields on leads, contacts, accounts.",
        ),
        (
            "valueToProductMode",
            "A replace with no value (documented) is accepted and sets the value to the product-map sum.",
        ),
        ("PATCH event action", '"update", even when the stage changes.'),
        (
            "Activity PUT",
            'Keeps fields the body leaves out; switching to logged emits "log" and makes the caller the logger (POST too); a body note becomes the log note; new activities are scheduled.',
        ),
        (
            "Lead status body",
            "Creates product maps, ignores competitor maps; reopening an open lead is allowed.",
        ),
        (
            "DELETE status",
            "204 for contacts, productMaps, competitorMaps; 200 with the record otherwise.",
        ),
        (
            "Operations not emulated",
            'Catalog operations outside the emulated entities answer 501 with an errors envelope; a known path with a wrong method gets the recorded 405 "Internal Error".',
        ),
    ),
    *_rows(
        "rest events and webhooks",
        (
            "Event paging",
            "Default limit 20; newest first; with since_id the oldest events after it; max_id, since_time, max_time inclusive.",
        ),
        (
            "Change entries",
            'camelCase attributes; records as {id, type, name} (+position for stages); scalars as strings, booleans "1"/"0".',
        ),
        (
            "Webhook payloads",
            "One delivery per write, no count; payloads show the current state; link templates as in the samples.",
        ),
        ("Webhook targets", "Loopback addresses only: the emulator never sends traffic elsewhere."),
    ),
)


def by_area() -> dict[str, tuple[Assumption, ...]]:
    """The assumptions grouped by area, in document order."""
    grouped: dict[str, list[Assumption]] = {}
    for item in ASSUMPTIONS:
        grouped.setdefault(item.area, []).append(item)
    return {area: tuple(items) for area, items in grouped.items()}
