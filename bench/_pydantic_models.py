"""Pydantic v2 models of the same leads, as the yardstick conversion is measured against.

Typed the way an integration would type them, and as the project types them: ids, counts and
flags as numbers and booleans, every time as a ``datetime``, money as a ``Decimal``, linked
records as nested models (the user, contact and account stubs with the fields the project
reads from them). Unknown keys are kept (``extra="allow"``), as the project keeps them.
Imported only when pydantic is installed (``pip install -e ".[bench]"``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class RpcMoney(_Open):
    """A legacy amount."""

    currency: str | None = None
    amount: Decimal | None = None


class RpcStub(_Open):
    """A legacy stub of a linked record."""

    stub: bool | None = None
    id: int
    rev: str | None = None
    entity_type: str | None = Field(default=None, alias="entityType")
    name: str | None = None
    modified_time: datetime | None = Field(default=None, alias="modifiedTime")
    created_time: datetime | None = Field(default=None, alias="createdTime")
    relationship: str | None = None


class RpcUserStub(RpcStub):
    """A legacy user stub (a lead's creator)."""

    emails: list[str] = []
    is_enabled: bool | None = Field(default=None, alias="isEnabled")
    is_administrator: bool | None = Field(default=None, alias="isAdministrator")


class RpcPartyStub(RpcStub):
    """A legacy contact or account stub."""

    description: str | None = None
    job_title: str | None = Field(default=None, alias="jobTitle")


class RpcProductStub(RpcStub):
    """A legacy product on a lead."""

    price: RpcMoney | None = None
    quantity: float | int | None = None


class RpcProcess(RpcStub):
    """A legacy lead process."""

    started_time: datetime | None = Field(default=None, alias="startedTime")
    closed_time: datetime | None = Field(default=None, alias="closedTime")


class RpcLead(_Open):
    """A full legacy lead (``findLeads`` with ``stubResponses: false``)."""

    id: int
    entity_type: str = Field(alias="entityType")
    rev: str
    name: str | None = None
    description: str | None = None
    modified_time: datetime | None = Field(default=None, alias="modifiedTime")
    created_time: datetime | None = Field(default=None, alias="createdTime")
    html_url: str | None = Field(default=None, alias="htmlUrl")
    creator: RpcUserStub | None = None
    primary_account: RpcPartyStub | None = Field(default=None, alias="primaryAccount")
    milestone: RpcStub | None = None
    stageset: RpcStub | None = None
    market: RpcStub | None = None
    assignee: RpcStub | None = None
    activities_count: dict[str, int] | None = Field(default=None, alias="activitiesCount")
    status: int | None = None
    confidence: int | None = None
    completion: int | None = None
    urgency: str | None = None
    is_overdue: bool | None = Field(default=None, alias="isOverdue")
    last_contacted_date: datetime | None = Field(default=None, alias="lastContactedDate")
    sources: list[RpcStub] = []
    competitors: list[RpcStub] = []
    products: list[RpcProductStub] = []
    contacts: list[RpcPartyStub] = []
    accounts: list[RpcPartyStub] = []
    tags: list[str] = []
    priority: int | None = None
    due_time: datetime | None = Field(default=None, alias="dueTime")
    next_step_due_time: datetime | None = Field(default=None, alias="nextStepDueTime")
    value: RpcMoney | None = None
    normalized_value: RpcMoney | None = Field(default=None, alias="normalizedValue")
    processes: list[RpcProcess] = []
    notes: list[Any] = []


class RestTime(_Open):
    """A REST time object."""

    timestamp: int


class RestMoney(_Open):
    """A REST amount."""

    amount: float | int | None = None
    currency: str | None = None


class RestLeadLinks(_Open):
    """A REST lead's links (ids of linked records)."""

    accounts: list[str] = []
    contacts: list[str] = []
    tags: list[str] = []
    sources: list[str] = []
    owner: str | None = None
    stage: str | None = None
    stageset: str | None = None
    creator: str | None = None
    products: list[str] = []
    outcome: str | None = None
    market: str | None = None


class RestLead(_Open):
    """A REST lead (``GET /leads``)."""

    id: str
    type: str
    name: str | None = None
    value: RestMoney | None = None
    number: str | None = None
    description: str | None = None
    created_time: RestTime | None = Field(default=None, alias="createdTime")
    closed_time: RestTime | None = Field(default=None, alias="closedTime")
    due_time: RestTime | None = Field(default=None, alias="dueTime")
    status: str | None = None
    is_overdue: bool | None = Field(default=None, alias="isOverdue")
    confidence: int | None = None
    priority: int | None = None
    custom_fields: dict[str, Any] | None = Field(default=None, alias="customFields")
    links: RestLeadLinks | None = None


RPC_LEADS: TypeAdapter[list[RpcLead]] = TypeAdapter(list[RpcLead])
REST_LEADS: TypeAdapter[list[RestLead]] = TypeAdapter(list[RestLead])


def dump(models: list[Any]) -> list[dict[str, Any]]:
    """Models back to JSON-ready dicts under their wire names."""
    return [m.model_dump(mode="json", by_alias=True, exclude_unset=True) for m in models]
