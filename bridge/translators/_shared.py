"""Tables both the read and the write translators declare differences from."""

from __future__ import annotations

from typing import Final

__all__ = ["ACCOUNT_STUB_KEYS", "CONTACT_STUB_KEYS", "LEAD_STUB_KEYS", "NO_TIMES"]

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
