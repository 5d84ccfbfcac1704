"""The model's UNSET/None distinction, enums, the error tree's pickling and scrubbing."""

from __future__ import annotations

import pickle

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nutshell_core import errors
from nutshell_core.calls import OMITTED, bind_call, named_params, positional_params
from nutshell_core.catalog import rpc_method
from nutshell_core.model import (
    ENTITIES,
    UNSET,
    ActivityStatus,
    Lead,
    LeadStatus,
    Ref,
    entity_for_rest_type,
    entity_for_rpc_type,
    is_set,
)

KEY = "sekrit-KEY-123456"


def test_unset_is_distinct_from_none_and_falsy() -> None:
    lead = Lead(value=None)
    assert lead.value is None and lead.description is UNSET
    assert not UNSET and repr(UNSET) == "UNSET"
    assert not is_set(lead.description) and is_set(lead.value)
    assert Lead(value=None) != Lead()


def test_records_are_frozen_keyword_only_and_memo_free_equality() -> None:
    lead = Lead(id=1, rev="0")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        lead.rev = "1"  # type: ignore[misc]
    with pytest.raises(TypeError):
        Lead(1)  # type: ignore[misc]
    assert lead.ref() == Ref(entity="Lead", id=1, name=UNSET)


def test_wire_type_lookups() -> None:
    assert entity_for_rpc_type("Milestones") is ENTITIES["Stage"]
    assert entity_for_rpc_type("Lead_Outcomes") is ENTITIES["Outcome"]
    assert entity_for_rest_type("accountTypes") is ENTITIES["AccountType"]
    assert entity_for_rest_type("accounttypes") is ENTITIES["AccountType"]
    assert entity_for_rpc_type("Nope") is None


@pytest.mark.parametrize("status", list(LeadStatus))
def test_lead_status_rest_spelling_round_trips(status: LeadStatus) -> None:
    assert LeadStatus.from_rest(status.rest) is status


def test_status_spellings() -> None:
    assert LeadStatus.from_rest("canceled") is LeadStatus.CANCELLED
    assert LeadStatus.WON.is_closed and not LeadStatus.PENDING.is_closed
    assert ActivityStatus.from_rest("overdue") is ActivityStatus.OVERDUE
    with pytest.raises(ValueError):
        LeadStatus.from_rest("sideways")


ERRORS = [
    errors.ConfigurationError("bad option"),
    errors.UsageError("bad call"),
    errors.UnknownMethodError("nope"),
    errors.InsecureTransportError("http"),
    errors.ConnectError("refused", "POST https://x"),
    errors.RequestTimeoutError("slow", "GET https://x"),
    errors.OutcomeUnknownError("maybe", "POST https://x"),
    errors.RetryExhaustedError("tired", "GET https://x"),
    errors.MalformedResponseError("html", "getLead", 200, "<html>", ("@ $",)),
    errors.PolicyDenied("no"),
    errors.NotBridgeable("no REST", "deleteActivity", "REST has no delete"),
    errors.ConflictError("rev key is out-of-date", status=409, code=409, target="editLead"),
    errors.RateLimitedError("slow down", status=429, retry_after=3.0, request_id="r1"),
    errors.MethodNotFoundError("Method not found", status=404, code=-32601),
    errors.ServerError("boom", status=500, body="x" * 2000),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_every_error_pickles_with_its_attributes(error: errors.NutshellError) -> None:
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is type(error)
    assert str(clone) == str(error)
    assert vars(clone) == vars(error)


def test_api_error_carries_context_and_truncates_bodies() -> None:
    error = errors.ServerError(
        "boom", status=500, body="x" * 2000, request_id="abc", target="GET /x"
    )
    assert len(error.body) == 500 and "2000 chars in all" in error.body
    assert "HTTP 500" in str(error) and "request abc" in str(error)
    assert errors.RateLimitedError("x", retry_after=2.5).retry_after == 2.5


def test_credentials_are_scrubbed_from_messages_and_targets() -> None:
    leaky = f"https://me:{KEY}@app.nutshell.com/rest"
    for error in (
        errors.TransportError(f"failed {leaky}", leaky),
        errors.APIError("x", target=leaky, body=f'{{"Authorization": "Basic {KEY}"}}'),
        errors.MalformedResponseError(f"bad {leaky}", leaky, 200, f"Authorization: Basic {KEY}"),
    ):
        assert KEY not in str(error) and KEY not in repr(error)
        assert KEY not in str(vars(error))


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (409, None, errors.ConflictError),
        (200, 409, errors.ConflictError),
        (404, -32601, errors.MethodNotFoundError),
        (503, None, errors.ServerError),
        (418, None, errors.APIError),
        (None, -32600, errors.InvalidRequestError),
    ],
)
def test_error_for_status(status: int | None, code: int | None, expected: type) -> None:
    assert errors.error_for_status(status, code) is expected


def test_binding_through_catalog_signatures() -> None:
    find = rpc_method("findLeads")
    assert bind_call(find, ({"status": 0},), {"limit": 5}) == {"query": {"status": 0}, "limit": 5}
    assert bind_call(find, (), {"limit": OMITTED}) == {}
    assert named_params(find, [None, "id"]) == {"query": None, "orderBy": "id"}
    assert named_params(find, None) == {}
    assert positional_params(find, {"limit": 5}) == [None, "id", "ASC", 5]
    with pytest.raises(errors.UsageError):
        named_params(find, "oops")  # type: ignore[arg-type]


@given(st.lists(st.integers(), max_size=6))
def test_positional_binding_round_trips(values: list[int]) -> None:
    find = rpc_method("findLeads")
    values = values[: len(find.params)]
    named = named_params(find, values)
    assert positional_params(find, named) == values
