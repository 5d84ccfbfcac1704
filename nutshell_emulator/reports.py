"""Reports computed from the store: legacy ``getAnalyticsReport`` and REST ``GET /leads/report``.

**The legacy Effort report** takes the shape of the one recording
(``tests/fixtures/rpc/biguscj7/analyticsReportQuotes.json``, a 4-day Effort report):

* ``seriesData`` holds ``total_effort`` and ``successful_effort``, each a list of ``[start of
  the day in epoch milliseconds, "count"]`` pairs, one per day of the period, the count a
  string;
* ``summaryData`` holds, per series, ``sum`` (a number), ``avg`` (``sum`` over the days: an
  integer when it divides evenly, as PHP's ``/`` gives), ``min`` and ``max`` (strings, as the
  counts are), and the same four over the *delta period*, the equally long period just before
  (``sum_delta``: 124 and ``avg_delta``: 31 in the recording, 124 / 4 days);
* ``periodDescription`` ("between Mar 25, 2024 and Today") and ``deltaPeriodDescription``
  ("between Mar 21, 2024 and Mar 24, 2024").

What the counts count is not recorded. The emulator counts *logged* activities by the day they
started (total), and those among them on a lead that was won (successful). Days are UTC days:
the emulator has no per-user time zone (the recording's days start at 05:00 UTC, a US Central
midnight). Periods are written ``-d<N>`` (biguscj7 sends ``-d30``): the N days ending today.
``filter`` narrows the activities to users (as participant or logger), teams (their members)
and activity types: entries of one kind are ORed, kinds ANDed. Other report types (Pipeline)
and other period forms have no recorded shape and are refused as bad input.

**REST lead reports** follow the OpenAPI document (no recording exists): ``reports`` is a list
of ``{report: {id, key, name, prefix, data: [{bucket: ReportBucket}], summary}}``, a bucket
being ``{bucket, count, total, bucketType, bucketSubtype, filters, segments}`` with ``count``
and ``total`` as ``{formatted, prefix, suffix, value}``. Each report type selects leads and a
time to bucket them by; ``gap`` is the bucket size; ``segmentByField`` splits the leads into one
report per linked record. See :mod:`nutshell_emulator.assumptions` for every choice made.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, Final

import attrs

from nutshell_core.errors import InvalidRequestError
from nutshell_core.model import (
    UNSET,
    Activity,
    ActivityStatus,
    Lead,
    LeadStatus,
    Money,
    Record,
    Ref,
    User,
    entity_class,
)
from nutshell_emulator.store import Store
from nutshell_rpc.inputs import bad_input, read_int, read_text

__all__ = [
    "EFFORT_SERIES",
    "REPORT_TYPES",
    "SEGMENTS",
    "LeadReportParams",
    "effort_report",
    "lead_reports",
]

_UTC: Final = timezone.utc

#: The series of the legacy Effort report, in the recorded order.
EFFORT_SERIES: Final = ("total_effort", "successful_effort")

_PERIOD: Final = re.compile(r"-d(\d+)")

#: The longest period the emulator reports on (ten years of days).
_MAX_DAYS: Final = 3660

#: Legacy filter kinds (``entityName``) and what each narrows by.
_FILTER_KINDS: Final = ("Users", "Teams", "Activity_Types")


# -- the legacy Effort report -------------------------------------------------------------------


def _day_label(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year}"


def _stats(counts: Sequence[int]) -> tuple[int, int | float, str, str]:
    """``sum, avg, min, max`` as the recording spells them (``avg`` int when it divides)."""
    total = sum(counts)
    days = len(counts)
    average: int | float = total // days if total % days == 0 else total / days
    return total, average, str(min(counts)), str(max(counts))


def _read_period(value: Any) -> int:
    text = read_text(value, "period", null=False) or ""
    match = _PERIOD.fullmatch(text.strip())
    if match is None:
        raise bad_input("period", f"expected -d<days> (like -d30), got {text!r}")
    days = int(match.group(1))
    if not 1 <= days <= _MAX_DAYS:
        raise bad_input("period", f"{days} days is out of range (1 to {_MAX_DAYS})")
    return days


def _read_filters(store: Store, value: Any) -> dict[str, set[int]]:
    """``[{entityId, entityName}]`` as wanted ids by kind."""
    if value in (None, [], {}):
        return {}
    if not isinstance(value, list):
        raise bad_input("filter", "expected a list of {entityId, entityName}")
    wanted: dict[str, set[int]] = {}
    for index, item in enumerate(value):
        path = f"filter[{index}]"
        if not isinstance(item, Mapping):
            raise bad_input(path, "expected {entityId, entityName}")
        kind = read_text(item.get("entityName"), f"{path}.entityName", null=False)
        if kind not in _FILTER_KINDS:
            raise bad_input(f"{path}.entityName", f"expected one of {', '.join(_FILTER_KINDS)}")
        wanted.setdefault(kind, set()).add(read_int(item.get("entityId"), f"{path}.entityId"))
    if "Teams" in wanted:
        # A team stands for its members.
        members = {
            _number(user)
            for user in store.all(User)
            if any(ref.id in wanted["Teams"] for ref in _refs(user.teams))
        }
        wanted["Teams"] = members
    return wanted


def _number(record: Record | Ref) -> int:
    assert isinstance(record.id, int)
    return record.id


def _refs(value: object) -> tuple[Ref, ...]:
    return value if isinstance(value, tuple) else ()


def _activity_users(activity: Activity) -> set[int]:
    ids = {r.id for r in _refs(activity.participants) if r.entity == "User"}
    if isinstance(activity.logged_by, Ref):
        ids.add(activity.logged_by.id)
    return {i for i in ids if isinstance(i, int)}


def _passes(activity: Activity, wanted: Mapping[str, set[int]]) -> bool:
    users = _activity_users(activity)
    for kind, ids in wanted.items():
        if kind in ("Users", "Teams") and not users & ids:
            return False
        if kind == "Activity_Types":
            kind_ref = activity.activity_type
            if not isinstance(kind_ref, Ref) or kind_ref.id not in ids:
                return False
    return True


def effort_report(
    store: Store, report_type: Any, period: Any, filters: Any = None, options: Any = None
) -> dict[str, Any]:
    """``getAnalyticsReport``: the Effort report over the store, in the recorded shape."""
    kind = read_text(report_type, "reportType", null=False) or ""
    if kind.casefold() != "effort":
        raise bad_input(
            "reportType",
            f"{kind!r} reports are not emulated (only Effort has a recorded shape)",
        )
    days = _read_period(period)
    wanted = _read_filters(store, filters)
    if options not in (None, [], {}) and not isinstance(options, list | Mapping):
        raise bad_input("options", "expected a list or an object")
    today = store.now().astimezone(_UTC).date()
    first = today - timedelta(days=days - 1)
    delta_first = first - timedelta(days=days)
    won = {_number(lead) for lead in store.all(Lead) if lead.status is LeadStatus.WON}
    total: dict[date, int] = {}
    successful: dict[date, int] = {}
    for activity in store.all(Activity):
        start = activity.start_time
        if activity.status is not ActivityStatus.LOGGED or not isinstance(start, datetime):
            continue
        if not _passes(activity, wanted):
            continue
        day = start.astimezone(_UTC).date()
        total[day] = total.get(day, 0) + 1
        if any(ref.id in won for ref in _refs(activity.leads)):
            successful[day] = successful.get(day, 0) + 1
    period_days = [first + timedelta(days=i) for i in range(days)]
    delta_days = [delta_first + timedelta(days=i) for i in range(days)]
    series: dict[str, Any] = {}
    summary: dict[str, Any] = {}
    for name, counts in zip(EFFORT_SERIES, (total, successful), strict=True):
        series[name] = [
            [int(datetime.combine(day, time(), _UTC).timestamp()) * 1000, str(counts.get(day, 0))]
            for day in period_days
        ]
        now_stats = _stats([counts.get(day, 0) for day in period_days])
        then_stats = _stats([counts.get(day, 0) for day in delta_days])
        keys = ("sum", "avg", "min", "max")
        summary[name] = {
            **dict(zip(keys, now_stats, strict=True)),
            **{f"{k}_delta": v for k, v in zip(keys, then_stats, strict=True)},
        }
    return {
        "seriesData": series,
        "summaryData": summary,
        "periodDescription": f"between {_day_label(first)} and Today",
        "deltaPeriodDescription": (
            f"between {_day_label(delta_first)} and {_day_label(first - timedelta(days=1))}"
        ),
    }


# -- REST lead reports --------------------------------------------------------------------------


def _refused(detail: str) -> InvalidRequestError:
    """A report parameter the REST API would refuse with 400."""
    return InvalidRequestError(detail, status=400)


@attrs.frozen
class _Kind:
    """One report type: its display name, which leads it counts and the default time field."""

    name: str
    keep: Callable[[Lead], bool]
    group_by: str


def _status_is(status: LeadStatus) -> Callable[[Lead], bool]:
    return lambda lead: lead.status is status


#: Report types the emulator computes (``attribution`` needs data it does not model).
REPORT_TYPES: Final[Mapping[str, _Kind]] = {
    "sales": _Kind("Sales", _status_is(LeadStatus.WON), "closedTime"),
    "losses": _Kind("Losses", _status_is(LeadStatus.LOST), "closedTime"),
    "newleads": _Kind("New leads", lambda _lead: True, "createdTime"),
    "forecast": _Kind("Forecast", _status_is(LeadStatus.OPEN), "dueTime"),
    "custom": _Kind("Custom", lambda _lead: True, "createdTime"),
}

_TIME_FIELDS: Final[Mapping[str, str]] = {
    "closedTime": "closed_time",
    "createdTime": "created_time",
    "dueTime": "due_time",
}

#: ``segmentByField`` values the emulator computes, by the lead attribute they read.
SEGMENTS: Final[Mapping[str, str]] = {
    "assignees": "owner",
    "sources": "sources",
    "tags": "tags",
    "outcomes": "outcome",
    "competitors": "competitors",
    "products": "products",
    "territories": "territory",
}

_GAPS: Final = ("d", "w", "m", "q", "y")


@attrs.frozen(kw_only=True)
class LeadReportParams:
    """The report parameters of ``GET /leads/report`` (filters are applied by the caller)."""

    report_type: str = "sales"
    gap: str = "m"
    group_by: str | None = None
    segment_by: str | None = None
    use_confidence: bool = False

    @classmethod
    def from_query(cls, query: Iterable[tuple[str, str]]) -> LeadReportParams:
        """Read and check the documented parameters; a bad one raises InvalidRequestError (400)."""
        first = dict(reversed(list(query)))
        report_type = first.get("reportType", "sales").strip() or "sales"
        if report_type == "attribution":
            raise _refused("attribution reports are not emulated")
        if report_type not in REPORT_TYPES:
            raise _refused(f"Invalid reportType: {report_type}")
        gap = first.get("gap", "m").strip() or "m"
        if gap not in _GAPS:
            raise _refused(f"Invalid gap: {gap}")
        group_by = first.get("groupByField", "").strip() or None
        if group_by is not None and group_by not in _TIME_FIELDS:
            raise _refused(f"Invalid groupByField: {group_by}")
        segment_by = first.get("segmentByField", "").strip() or None
        if segment_by is not None and segment_by not in SEGMENTS:
            raise _refused(f"segmentByField {segment_by} is not emulated")
        text = first.get("format", "json").strip() or "json"
        if text != "json":
            raise _refused(f"format {text} is not emulated")
        confidence = first.get("useConfidence", "false").strip().lower()
        if confidence not in ("true", "false", "1", "0"):
            raise _refused(f"Invalid useConfidence: {confidence}")
        return cls(
            report_type=report_type,
            gap=gap,
            group_by=group_by,
            segment_by=segment_by,
            use_confidence=confidence in ("true", "1"),
        )


def _bucket_start(moment: datetime, gap: str) -> date:
    day = moment.astimezone(_UTC).date()
    if gap == "w":
        return day - timedelta(days=day.weekday())  # weeks start on Monday
    if gap == "m":
        return day.replace(day=1)
    if gap == "q":
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    if gap == "y":
        return day.replace(month=1, day=1)
    return day


def _next_bucket(start: date, gap: str) -> date:
    if gap == "d":
        return start + timedelta(days=1)
    if gap == "w":
        return start + timedelta(days=7)
    months = {"m": 1, "q": 3, "y": 12}[gap]
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def _bucket_label(start: date, gap: str) -> str:
    if gap == "m":
        return f"{start:%Y-%m}"
    if gap == "q":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if gap == "y":
        return str(start.year)
    return start.isoformat()


def _count(value: int) -> dict[str, Any]:
    return {"formatted": f"{value:,}", "prefix": "", "suffix": "", "value": value}


def _money(value: Decimal) -> dict[str, Any]:
    amount = value.quantize(Decimal("0.01"))
    number: int | float = int(amount) if amount == amount.to_integral_value() else float(amount)
    return {"formatted": f"${amount:,.2f}", "prefix": "$", "suffix": "", "value": number}


def _lead_value(lead: Lead, use_confidence: bool) -> Decimal:
    value = lead.value if isinstance(lead.value, Money) else None
    amount = value.amount if value is not None and value.amount is not None else Decimal(0)
    if use_confidence:
        confidence = lead.confidence if isinstance(lead.confidence, int) else 0
        amount = amount * Decimal(confidence) / Decimal(100)
    return amount


def _bucket(
    label: str, leads: Sequence[Lead], params: LeadReportParams, kind: str, segments: list[str]
) -> dict[str, Any]:
    total = sum((_lead_value(lead, params.use_confidence) for lead in leads), Decimal(0))
    return {
        "bucket": label,
        "count": _count(len(leads)),
        "total": _money(total),
        "bucketType": kind,
        "bucketSubtype": params.gap,
        "filters": [],
        "segments": segments,
    }


def _segment_keys(lead: Lead, attr: str) -> list[tuple[str, str]]:
    """``(REST id, name)`` of each record the lead links through ``attr``."""
    value = getattr(lead, attr, UNSET)
    refs = value if isinstance(value, tuple) else ((value,) if isinstance(value, Ref) else ())
    out = []
    for ref in refs:
        if not isinstance(ref.id, int):
            continue
        try:
            rest_type = entity_class(ref.entity).rest_type
        except LookupError:
            rest_type = ref.entity
        out.append((f"{ref.id}-{rest_type}", ref.name if isinstance(ref.name, str) else ""))
    return out


def lead_reports(leads: Sequence[Lead], params: LeadReportParams) -> list[dict[str, Any]]:
    """``GET /leads/report``'s ``reports``: one report, or one per segment, over ``leads``."""
    kind = REPORT_TYPES[params.report_type]
    attr = _TIME_FIELDS[params.group_by or kind.group_by]
    chosen = [lead for lead in leads if kind.keep(lead)]
    timed = [
        (lead, moment)
        for lead in chosen
        if isinstance(moment := getattr(lead, attr, None), datetime)
    ]
    groups: dict[tuple[str, str], list[tuple[Lead, datetime]]] = {}
    if params.segment_by is None:
        groups[("all", kind.name)] = timed
    else:
        for lead, moment in timed:
            found = _segment_keys(lead, SEGMENTS[params.segment_by]) or [("none", "None")]
            for segment in found:
                groups.setdefault(segment, []).append((lead, moment))
    reports: list[dict[str, Any]] = []
    for number, ((key, name), items) in enumerate(sorted(groups.items()), start=1):
        segments = [] if key == "all" else [key]
        data = []
        if items:
            start = min(_bucket_start(moment, params.gap) for _, moment in items)
            end = max(_bucket_start(moment, params.gap) for _, moment in items)
            while start <= end:
                following = _next_bucket(start, params.gap)
                inside = [
                    lead for lead, moment in items if _bucket_start(moment, params.gap) == start
                ]
                label = _bucket_label(start, params.gap)
                data.append({"bucket": _bucket(label, inside, params, "time", segments)})
                start = following
        every = [lead for lead, _ in items]
        reports.append(
            {
                "report": {
                    "id": f"{number}-reports",
                    "key": key,
                    "name": name,
                    "prefix": "$",
                    "data": data,
                    "summary": _bucket("Total", every, params, "summary", segments),
                }
            }
        )
    return reports
