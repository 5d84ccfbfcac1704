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
        (
            "Strict JSON bodies",
            "Bodies not in UTF-8, holding a lone UTF-16 surrogate or nesting more than 64 arrays/objects are -32700 Parse error (HTTP 400), the reason in error.data; nothing is stored.",
        ),
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
            "None: every catalog method is answered; the shapes of the miscellaneous ones are guesses (see 'json-rpc misc').",
        ),
    ),
    *_rows(
        "json-rpc misc",
        (
            "findOrigins",
            "A guess (no recording; REST events name API keys and integrations 'origins'): one stub {stub, id, rev, entityType: 'Origins', name, modifiedTime, createdTime} per user holding an API key, id the user's id, name 'API key of <user name>'; find-std paging, orderBy name or id. Real origin ids are their own sequence (23-origins beside 1-users).",
        ),
        (
            "findDelays",
            "A guess: always an empty list (paging still checked). Delays are steps of a lead's process and the model keeps processes only as a lead's pipeline and stage, with no steps or delays.",
        ),
        (
            "findSettings",
            "A guess (shape undocumented): stubs {stub, id, rev '0', entityType: 'Settings', name, value} for defaultStagesetId, defaultMarketId (the first market) and timeZone ('UTC', the emulator keeps no per-user zone), read from the store; orderBy id or name.",
        ),
        (
            "editStep",
            "The model has no steps, so after checking stepId (an integer), rev and step (an object) every step id is 404 with code 404 ('Steps N not found'); nothing is written. A real account's steps would be editable.",
        ),
        (
            "getUpdateTimes",
            "A guess (shape undocumented): an object of RPC entity type -> the time of the newest write to that type in the store's event log (ISO, +0000); types never written are left out.",
        ),
        (
            "getMobileSettings",
            "A guess (shape undocumented): {host (discovery's mobile host), userId (the caller), timeZone 'UTC'}.",
        ),
        (
            "instanceData",
            "A guess (shape undocumented): {instanceId, siteId}, the same ids the REST front sends as meta.instanceId and meta.siteId.",
        ),
        (
            "newBackup / findBackups",
            "A guess (result undocumented): newBackup answers {id, entityType: 'Backups', time, status: 'complete'} (the emulator's backups finish at once and hold nothing); findBackups lists them oldest first. Kept per store beside it: not in the event log, webhooks or snapshots.",
        ),
        (
            "newEmail / addEmail",
            "RFC 822 text parsed with Python's email package: From (required), To, Cc, Subject (missing: empty), Date (missing: now; converted to UTC), body the text/plain part (else text/html) with trailing line breaks removed. A text that is not a string, has no headers or blank line, lacks From, holds an invalid address or date is 400 naming emailString. The email is filed by address like any other and answered in getEmail's shape; whether Nutshell also links it to leads or returns something else is unknown.",
        ),
    ),
    *_rows(
        "json-rpc leads",
        ("Lead name", '"Lead–N" with an en dash (HULL), though 2024 recordings show a hyphen.'),
        (
            "Primary account",
            "The first of a lead's accounts: primaryAccount shows it and accounts the others (HULL api_lead_get.json and biguscj7 findLeadsNonStub.json show a primaryAccount beside \"accounts\": []); a lead with accounts but none named primary shows its first, as its stub's primaryAccountName names it.",
        ),
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
            "Differs by API, as recorded: a contact or account created over JSON-RPC has no creator and no owner (2017 HULL api_contact_new.json, api_account_new.json); one created over REST has the caller as creator, and as owner unless the body names one (2025 POST /accounts recording: creator and owner 1-users, the actor of its create event; an explicit links.owner null is kept). Leads get the caller through either API. A record an integration created (an origin) has none: 3-contacts in the recorded events page.",
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
            "Query keys",
            "The keys each find* takes are the reference's (nutshell_rpc.rules.QUERY_KEYS); any other is a 400 'cannot be filtered by'. findLeads origin and channel and findAccounts origin are taken by the legacy API but refused here the same way: the emulator keeps no origins.",
        ),
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
        (
            "findCustomFields",
            "Lists the stored definitions (see 'set-up data and reports'), not the names values happen to use.",
        ),
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
        "set-up data and reports",
        (
            "Legacy custom field definitions",
            "{name, isMultiple, position, type, enumElements} under Leads, Contacts and Accounts, with no id, entityType or rev: the HULL connector's findCustomFields mock (fields-lead.e2e.spec.js), whose 'Application' field and value match its recorded lead (api_lead_get.json). describeCustomFields (RB's older name) answers the same.",
        ),
        (
            "Custom field types",
            "Legacy Text, Number, Currency, Date, Enum (the HULL mock's), Checkbox, Email, Phone, Url, Location; REST the same in lower case. Email, location, phone and url apply to leads only (OAS); a multiple-choice field is an enum with isMultiple.",
        ),
        (
            "enumElements",
            "Only enum fields carry it: choice id to label, listed by label (the HULL mock lists ids 3, 1, 2, 4 in label order).",
        ),
        (
            "Custom field order and positions",
            "Each type's fields by position, then name; a new field goes last (the highest position plus one).",
        ),
        (
            "Custom field values",
            "Kept as sent (strings, numbers, {currency, amount}, lists of labels, ISO dates) and shown alike by both APIs; not checked against the definitions.",
        ),
        (
            "REST custom field definitions",
            "OAS CustomField has only an id: definitions show {id 'n-customFields', type 'customFields', name, title, fieldType, isMultiple, choices}, the keys of CustomFieldCreateInput, with its 'type' renamed fieldType since every REST record's type is its resource type; choices are labels, without ids.",
        ),
        (
            "POST /{entity}/customfield",
            "200 with no body (OAS declares no content); name and type required, a duplicate name (any case), an unknown type, a lead-only type elsewhere or choices on a non-enum field are 400; title defaults to the name.",
        ),
        (
            "GET /{entity}/{id}/customfields",
            "One {id, type, name, value} per defined field the record has a value for, in field order, under customFields (OAS says a bare array for leads and contacts; the accounts row and rest-api.md name the key); values as stored, though OAS types them as strings (its description says they can be many types).",
        ),
        (
            "Audiences",
            "Legacy stubs {stub, id, rev, entityType 'Audiences', name} (the entity type by analogy with the other types; unrecorded); REST {id, type 'emAudiences', name, isWebFX} as POST /audiences answers it (OAS), listed in id order in an emAudiences envelope with counts (OAS says a bare array; rest-api.md names the key). POST needs a name and creates a non-WebFX audience.",
        ),
        (
            "getAnalyticsReport",
            "Only Effort (the recorded type) over '-d<N>' periods (biguscj7 sends -d30): the N UTC days ending today, and the N days before as the delta period. total_effort counts logged activities by the day they started; successful_effort those on a won lead (what the real series count is unrecorded). Pipeline and other period forms are 400 naming the parameter; options are accepted and ignored.",
        ),
        (
            "Analytics filters",
            "[{entityId, entityName}] with Users (participant or logger), Teams (any member) or Activity_Types: one kind ORed, kinds ANDed.",
        ),
        (
            "Analytics numbers",
            "Counts as strings, sum as a number, avg an integer when it divides evenly (PHP's /), min and max as strings (as recorded).",
        ),
        (
            "GET /leads/report",
            "reports: [{report: {id 'n-reports', key, name, prefix '$', data: [{bucket: ReportBucket}], summary}}] as OAS nests it. sales (won, by closedTime), losses (lost, by closedTime), newleads and custom (all, by createdTime), forecast (open, by dueTime); default sales by month. attribution, format other than json, and segmentByField productCategories or channels are 400 (not emulated).",
        ),
        (
            "Lead report buckets",
            "From the first to the last bucket with a lead, empty ones included: d and w (weeks from Monday) labelled by their first day, m '2024-03', q '2024-Q1', y '2024'; count the leads, total the sum of their values (times confidence with useConfidence), as {formatted, prefix, suffix, value}; bucketType time (summary for the total), bucketSubtype the gap, filters [], segments the segment's key. filter[...] and q select leads as on GET /leads.",
        ),
        (
            "Lead report segments",
            "One report per linked record (assignees, sources, tags, outcomes, competitors, products, territories), keyed by its REST id and named by it; leads with none in a 'none' report; a lead in several segments counts in each.",
        ),
        (
            "Teams over REST",
            "No /teams endpoint (OAS): users list their teams' ids in links.teams, and leads owned by a team show ownerType 'teams'.",
        ),
    ),
    *_rows(
        "seed",
        (
            "Seeded times",
            "Seeded records, their writes and their events are dated from 2024-01-08 09:00 UTC on, and the account's defaults (first user, pipeline, outcomes, activity types, market) from 2024-01-01 09:00 UTC, whatever the wall clock: the same seed gives equal stores.",
        ),
        (
            "Seeded trash",
            "A lead, a contact, a company, a note and a task nothing else links to are deleted; with the wall clock they are past the 30 days, so undelete answers 404 while get* still returns them with deletedTime.",
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
        (
            "Lead isOverdue",
            "True when open and its due time has passed (the legacy rule), or when written so; follows the clock with no write. overdueTime stays null (only null is recorded).",
        ),
        ("Money", 'JSON numbers; formatted "" for zero, else like "$1,234.50".'),
        (
            "Contact points",
            "An unlabelled value is named by its kind (email, url, address recorded; phone assumed: model.DEFAULT_POINT_LABELS), and that name read back is no label: the legacy view keys such a value by its position, whichever API wrote it; first is primary when none is; North American numbers parsed to E.164.",
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
            "Primary account",
            "The first of links.accounts. REST leads have no primary-account link (OAS POST /leads: links.accounts are the accounts 'the lead should be associated with'; the recorded lead 1003-leads lists one), yet Nutshell keeps one (OAS ListItem.primaryAccount): the order of links.accounts is the only place REST can say which. Reads list it first; POST and PATCH store the first as the primary account, and an unchanged order changes nothing.",
        ),
        (
            "PATCH",
            "Read-only fields, move and copy are 400; add without /- is 400; removing a to-one sets null; a link list replaced whole keeps the order sent (the same members reordered is a change); unknown fields are custom fields on leads, contacts, accounts.",
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
        (
            "entity_id with several ids",
            "Comma-separated ids (entity_id=1-contacts,2-contacts) match the events of any of them, so the bridge reads a page of records' creation and modification times in one request; OAS documents one id.",
        ),
        (
            "Events related to an entity",
            "entity_id matches events whose payload is the entity, or a note (its parent), activity (its leads and participants) or email (the records it is filed on) on the entity's timeline: OAS says 'events related to a specific entity' under the tag 'Events (Timeline)'. Deleted payloads keep their relations.",
        ),
    ),
    *_rows(
        "emails",
        (
            "getEmail and findTimeline emails",
            "One full shape, the recorded timeline emails': id, entityType, createdTime, sentTime, to, from, cc, subject, body, contacts, users, leads; no rev and no modifiedTime (none recorded). A deleted email is returned with deletedTime, as every get* does; timelines leave it out.",
        ),
        (
            "Email stubs",
            "Unrecorded (nothing embeds emails): stub, id, entityType, createdTime, sentTime, subject.",
        ),
        (
            "Senders and recipients",
            "{address, display, entity}: display is the header's name, else the address (recorded); entity {entityType, id as a string} (recorded) of the oldest contact with the address, else the user, else the oldest company; null when none.",
        ),
        (
            "Filing",
            "An email is filed on every contact, user and company with one of its addresses (the recorded email lists both contacts sharing bar@baz.com) and on the leads chosen when it was logged; links are stored, not recomputed when addresses change later.",
        ),
        (
            "findTimeline",
            "Notes on the record, activities with it as lead or participant, emails filed on it; orderBy 'time' is an activity's start, a note's date, an email's sentTime (else creation); HULL asks orderDirection DESC, as recorded (newest first). Always full records, at most 100 a page.",
        ),
        (
            "REST email shape",
            "GET /emails/{id} answers an emails[] envelope of the recorded events payload (OAS declares no content): no body but an excerpt, from/to/cc as 'Name <address>' strings (the bare address without a name), no links to contacts, users or leads; failedToSend, shareable, isAutomatedReply, isEmailAutomation false, shared true, numViews null.",
        ),
        (
            "Excerpt",
            "The body when at most 255 characters, else its first 252 and '...' (the recorded excerpt is 252 + 3).",
        ),
        (
            "Listing emails",
            "REST has no /emails list: a record's emails are found through GET /events?entity_id=... (see above).",
        ),
        (
            "Emails and lastContactedDate",
            "Not counted: lastContactedDate comes from logged activities only, and filing an email changes no record's rev or modifiedTime. The recorded lead's lastContactedDate and modifiedTime both equal its last email's time (api_findtimeline.json), so Nutshell probably counts emails and touches the lead; not emulated yet.",
        ),
        (
            "Sending emails",
            "Nothing is sent: newEmail and addEmail store RFC 822 text as a logged email (see 'json-rpc misc'); other emails come from the seed or the store.",
        ),
    ),
    *_rows(
        "served on loopback",
        (
            "Strict JSON bodies on REST",
            "A body not in UTF-8, with a lone UTF-16 surrogate or nesting more than 64 arrays/objects is a 400 errors[] envelope titled 'Invalid JSON'; nothing is stored.",
        ),
        (
            "Percent-encoded ids",
            "Routes match the raw path, each segment decoded on its own: /rest/contacts/%3Fx is contact '?x' (404), never the list.",
        ),
        (
            "Request limits",
            "The loopback server (nutshell_core.loopback) answers 413 above 10 MiB, 400 for a Content-Length that is not digits, 411 for Transfer-Encoding, 414 for a request line over 8 KiB, 431 for headers over 32 KiB or 100 lines, 408 when a started request is not complete within 30 s; the body is {code, message} as for injected faults. Nutshell's own limits are unknown.",
        ),
        (
            "Connections",
            "One request per connection (Connection: close); 16 workers; 64 connections may wait, more are answered 503; a connection silent for 10 s is closed.",
        ),
    ),
    *_rows(
        "rest-only families",
        (
            "Where quotes, invoices, product categories, installments, watchers, forms, editions and saved filters live",
            "In a per-store side book of plain dicts (nutshell_emulator.rest_book), not in the model store: the legacy API has none of them. They raise no /events entries or webhooks and are not in snapshots.",
        ),
        (
            "Creating quotes, forms, editions and saved filters",
            "The API only reads them; rest_book.add_quote/add_form/add_edition/add_filter stand in for the web app.",
        ),
        (
            "Invoice ids",
            "Quotes and invoices share one id sequence and invoices are answered with ids 'n-quotes' and type 'invoices', as the OAS examples show ('789-quotes'); paths accept n, n-quotes and n-invoices, and a quote id on /invoices (or the reverse) is 404.",
        ),
        (
            "Sales document statuses",
            "New quotes are DRAFT, invoices made from a quote DRAFT. READY stamps publishedTime; SENT stamps publishedTime and sentTime (first time only); ACCEPTED stamps acceptedTime (quotes) or paidTime (invoices) and records acceptedName/acceptedEmail; comment is taken on invoices only and kept as completionComment on ACCEPTED or REVOKED. Any listed status may follow any other.",
        ),
        (
            "Validity and EXPIRED",
            "validThroughTime is 30 days after creation; a DRAFT, READY or SENT document past it reads EXPIRED. Times are ISO strings ending in Z (OAS examples). subtotalLineItems is empty and line discounts null: nothing creates them.",
        ),
        (
            "Sales document lists",
            "Paged by page[limit] (default and maximum as other lists) and 0-based page[page]; filter[dateMin]/filter[dateMax] compare the creation date, both ends inclusive; meta.count is the number selected, meta.total all documents of the kind.",
        ),
        (
            "Invoice from a quote",
            "Copies the quote's lead, recipient, currency and lines; numbered INV-0001 onwards; answers 201 (OAS).",
        ),
        (
            "POST /leads/{id}/watch",
            "Toggles the caller's watching (the OAS says 'watch/unwatch' and documents no body) and answers the lead envelope with isCurrentUserWatching and links.watchers from the book; GET /leads/{id} still shows no watchers (the presenter does not read the book).",
        ),
        (
            "Installments",
            "POST replaces the schedule; an item carrying the id of an existing installment keeps it (and its paid state), an unknown id is 400; isFailed true stamps failedTime (kept on later posts); isPaid is never set through the API; the schedule is answered in due order, currency USD. The plan requirement is not emulated.",
        ),
        (
            "Product categories",
            "Names are unique case-insensitively (400 otherwise); listed in name order; modifiedTime is unix seconds (OAS integer).",
        ),
        (
            "GET /forms/{id} and GET /forms/{fieldId}",
            "The two rows share one path shape; an id typed n-wfFields answers the field under wfFields, anything else the form (with its fields side-loaded as wfFields). Form ids of fields are listed under links.wfFields.",
        ),
        (
            "GET /filters",
            "OAS declares no body: answered as a filters[] envelope of {id, type, name, reportType, filter, links.user}; userId and reportType narrow it (report_* matches every report_ type), filter matches names as a substring.",
        ),
        (
            "GET /editions",
            "OAS declares one Edition for the list: answered as an editions[] envelope of {id, type, name}.",
        ),
        (
            "List items (GET /{accounts,contacts,leads}/list)",
            "One item per live record: primaryName the name (a lead's description when unnamed), primaryInfo the first email or phone (a lead's number), relatedName a contact's or lead's first account; fields is empty. filter/q as on the plain list, sort by a sortable built-in field (default name), 400 otherwise; no paging (OAS documents none).",
        ),
        (
            "List fields (GET /{type}/list/fields)",
            "A fixed table of built-in properties (sortable ones from the OAS sort enum of /accounts/list) plus the type's custom fields, answered under properties.",
        ),
        (
            "Pipeline export (GET /stagesets/{id}/export)",
            "text/csv with columns Lead ID, Lead, Stage, Moved at (UTC), Moved by: one row per recorded stage change onto a stage of that pipeline. A lead's first stage, set when it is created, is not a movement in the event log and is not listed.",
        ),
    ),
)


def by_area() -> dict[str, tuple[Assumption, ...]]:
    """The assumptions grouped by area, in document order."""
    grouped: dict[str, list[Assumption]] = {}
    for item in ASSUMPTIONS:
        grouped.setdefault(item.area, []).append(item)
    return {area: tuple(items) for area, items in grouped.items()}
