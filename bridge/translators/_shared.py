"""Tables both the read and the write translators declare differences from."""

from __future__ import annotations

from typing import Final

from bridge.diff import Same
from bridge.registry import Difference, Kind

__all__ = [
    "ACCOUNT_STUB_KEYS",
    "CONTACT_STUB_KEYS",
    "LEAD_STUB_KEYS",
    "NO_TIMES",
    "REV",
    "TEAM_REASON",
    "empty_address",
    "instants",
    "no_is_timed",
    "no_link_role",
    "no_salutation",
    "team_link",
    "whole_amounts",
]

#: Every bridged record's rev, nested ones included: a token the bridge issues in place of the
#: RPC API's counter, accepted back by edits and deletes on either route.
REV: Final = Difference(
    "$..rev",
    "REST has no revs: every record, nested ones included, carries the bridge's own rev (a "
    "string, 'b:' and a digest of what the record holds, leaving out what the server works out "
    "without a write: overdue flags, last contact), which edits and deletes on either route "
    "accept back; the RPC API's rev counts writes instead. REST shows a relation kept on one "
    "side on both (an account lists the contacts that name it), so a bridge rev also moves when "
    "the other side is written: an edit with a rev read before then answers 409, as after any "
    "write, and the record is read again",
    kind=Kind.OPAQUE,
)

NO_TIMES: Final = ("createdTime", "modifiedTime")

#: Keys of an embedded stub that are missing when only the link's id is known (no side-load).
LEAD_STUB_KEYS: Final = (
    "name",
    "description",
    "status",
    "completion",
    "value",
    "primaryAccountName",
    "primaryContactName",
    "isOverdue",
    "lastContactedDate",
    "dueTime",
    "nextStepDueTime",
    "closedTime",
    *NO_TIMES,
)
CONTACT_STUB_KEYS: Final = ("name", "jobTitle", *NO_TIMES)
ACCOUNT_STUB_KEYS: Final = ("name", "description", "regions", "relationship", *NO_TIMES)


#: Why a team renders as a bare link: REST has no teams at all.
TEAM_REASON: Final = (
    "REST has no teams (no /teams, and users list only team ids), so a team renders as a bare "
    "link {stub, id, rev, entityType} (a bridge rev); with legacy_reference (on by default for "
    "rest-fallback and shadow routes) the team comes from the JSON-RPC API's findTeams, once "
    "per cache period"
)


def team_link(path: str) -> tuple[Difference, ...]:
    """The keys a team stub at ``path`` lacks when REST is the only source."""
    return tuple(
        Difference(f"{path}.{key}", TEAM_REASON) for key in ("name", "createdTime", "modifiedTime")
    )


# -- what REST's storage changes in what was written over JSON-RPC --------------------------------
# Seeded records do not show these (the seed writes UTC times, amounts with cents, no roles...);
# records written by legacy code do. Where both values can still be compared in a weaker sense
# (the same instant, the same number), they are: only the spelling is tolerated.


_INSTANTS = (
    "REST keeps times as instants (unix seconds): a time written with an offset reads back as "
    "the same instant in UTC"
)
_WHOLE_AMOUNTS = (
    "REST sends amounts as JSON numbers: a whole amount written as 10.0 reads back as 10"
)
_EMPTY_ADDRESS = (
    "REST sends every address field, null when empty (the location as an object of nulls); "
    "the RPC API leaves out fields never set"
)
_NO_LINK_ROLE = (
    "REST links are ids, so a relationship written with a link (a lead's contact role, a "
    "contact's title at an account) is not kept: the bridge shows the linked record's "
    "description, as the RPC API does when none was written"
)
_NO_IS_TIMED = (
    "REST activities have no isTimed: every activity reads as timed (true), one written "
    "untimed over JSON-RPC too"
)
_NO_SALUTATION = (
    "stored: REST names a contact by name, firstName and lastName, with no salutation, so one "
    "written over JSON-RPC ('Dr. Jean Dupont') reads back empty, and one written through the "
    "bridge is not kept"
)


def instants(*globs: str) -> tuple[Difference, ...]:
    """Times at ``globs``: REST keeps instants, so the offset they were written with is lost."""
    return tuple(Difference(glob, _INSTANTS, same=Same.INSTANT) for glob in globs)


def whole_amounts(glob: str) -> Difference:
    """Amounts at ``glob``: REST sends JSON numbers."""
    return Difference(glob, _WHOLE_AMOUNTS, same=Same.NUMBER)


def empty_address(glob: str) -> Difference:
    """Address fields at ``glob``: REST sends every one, null when empty."""
    return Difference(glob, _EMPTY_ADDRESS, same=Same.EMPTY_OR_MISSING)


def no_link_role(glob: str) -> Difference:
    """Link roles at ``glob``: REST links are bare ids."""
    return Difference(glob, _NO_LINK_ROLE)


def no_is_timed(glob: str) -> Difference:
    """``isTimed`` at ``glob``: REST activities have no such flag."""
    return Difference(glob, _NO_IS_TIMED)


def no_salutation(glob: str) -> Difference:
    """A contact's salutation at ``glob``: REST names a person without one."""
    return Difference(glob, _NO_SALUTATION)
