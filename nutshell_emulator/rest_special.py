"""The REST front's entity-specific operations: closing, reopening and moving leads and their
stages, replacing activities (``PUT``), and competitor maps.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from nutshell_core.errors import NotFoundError
from nutshell_core.model import UNSET, Activity, ActivityStatus, Lead, Ref, Stageset
from nutshell_emulator import rules
from nutshell_emulator.http import HttpReply, json_reply
from nutshell_emulator.rest_handling import _Call
from nutshell_emulator.rest_patch import _link_value, _PatchHandlers, _same
from nutshell_emulator.rest_relations import CompetitorMap, find_competitor_map
from nutshell_emulator.rest_values import COMPETITOR_MAPS
from nutshell_rest.patch import split_path


class _SpecialHandlers(_PatchHandlers):
    """Lead status, reopen, stageset and stages; activity ``PUT``; competitor maps."""

    # -- leads -----------------------------------------------------------------------------------

    def _lead_body(self, call: _Call) -> tuple[int, Mapping[str, Any]]:
        number = self._id(call, Lead)
        self._live(Lead, number)
        body = self._body(call) if call.request.body.strip() else {}
        if not isinstance(body, Mapping):
            raise self._bad(call, "Invalid request", "expected a JSON object")
        return number, body

    def _lead_status(self, call: _Call) -> HttpReply:
        number, body = self._lead_body(call)
        if "outcomeId" not in body:
            raise self._bad(call, "Invalid request", "outcomeId is required")
        outcome = self._value_id(call, body["outcomeId"], "outcomes", "outcome")
        lead = rules.close_lead(self.store, number, outcome, call.user)
        for entry in body.get("productMaps") or []:
            self._attach_product_map(call, lead, entry)
        return self._records_reply(call, [self.store.get(Lead, number)])

    def _lead_reopen(self, call: _Call) -> HttpReply:
        number, _ = self._lead_body(call)
        return self._records_reply(call, [rules.reopen_lead(self.store, number, call.user)])

    def _lead_stageset(self, call: _Call) -> HttpReply:
        number, body = self._lead_body(call)
        if "stageset" not in body:
            raise self._bad(call, "Invalid request", "stageset is required")
        pipeline = self._value_id(call, body["stageset"], "stagesets", "stageset")
        moved = rules.move_lead(self.store, number, pipeline, call.user)
        return self._records_reply(call, [moved])

    def _lead_stages(self, call: _Call) -> HttpReply:
        lead = self._live(Lead, self._id(call, Lead))
        pipeline_ref = getattr(lead, "stageset", None)
        pipeline_id = pipeline_ref.id if isinstance(pipeline_ref, Ref) else None
        pipeline = self.store.find(Stageset, pipeline_id) if isinstance(pipeline_id, int) else None
        stages = rules.stages_of(self.store, pipeline_id) if isinstance(pipeline_id, int) else []
        index = self.present.index()
        meta: dict[str, Any] = dict(self.present.meta())
        # OAS: the pipeline and the time spent per stage (the emulator does not track time).
        meta["timeSpent"] = [
            {"formatted": "0 days", "prefix": "", "suffix": "", "value": 0, "unit": "days"}
            for _ in stages
        ]
        if pipeline is not None:
            meta["stageset"] = self.present.record(pipeline, index)
        body = {
            "meta": meta,
            "links": {},
            "stages": [self.present.record(s, index) for s in stages],
        }
        return json_reply(200, body)

    # -- activities ------------------------------------------------------------------------------

    def _put_activity(self, call: _Call) -> HttpReply:
        number = self._id(call, Activity)
        current = self._live(Activity, number)
        body = self._body(call)
        items = body.get("activities") if isinstance(body, Mapping) else None
        item = items[0] if isinstance(items, list) and len(items) == 1 else body
        if not isinstance(item, Mapping):
            raise self._bad(call, "You may only create one activities resource per request.")
        values = self._input_values(call, Activity, item, {})
        assert isinstance(current, Activity)
        self._log_activity(call, item, values, current)
        changes = {k: v for k, v in values.items() if not _same(getattr(current, k), v)}
        was = getattr(current, "status", UNSET)
        # Logging an activity is reported as action "log" (webhook samples).
        action = (
            "log"
            if changes.get("status") is ActivityStatus.LOGGED and was is not ActivityStatus.LOGGED
            else "update"
        )
        updated = self.store.update(Activity, number, changes, actor=call.actor, action=action)
        return self._records_reply(call, [updated])

    # -- competitor maps -------------------------------------------------------------------------

    def _competitor_map(self, call: _Call) -> CompetitorMap:
        found = find_competitor_map(self.store, self._id(call, COMPETITOR_MAPS))
        if found is None:
            raise NotFoundError("no such competitor map", status=404)
        return found

    def _patch_competitor_map(self, call: _Call) -> HttpReply:
        ops = self._patch_ops(call)
        pair = self._competitor_map(call)
        status = pair.competitor.relationship
        competitor = pair.competitor
        for op in ops:
            tokens = split_path(COMPETITOR_MAPS, op.path)
            if tokens == ["status"] and op.op in ("replace", "add", "remove"):
                value = None if op.op == "remove" else op.value
                if value not in (None, "potential", "stole", "beat"):
                    raise self._bad(call, "Invalid patch", f"status {value!r}")
                status = value
            elif tokens == ["links", "competitor"] and op.op in ("replace", "add"):
                number = self._value_id(call, _link_value(op.value), "competitors", "competitor")
                competitor = self._checked_ref(call, Ref(entity="Competitor", id=number), UNSET)
            else:
                raise self._bad(call, "Invalid patch", op.path)
        lead = pair.lead
        updated = tuple(
            attrs.evolve(competitor, relationship=status) if r.id == pair.competitor.id else r
            for r in _refs(lead.competitors)
        )
        assert isinstance(lead.id, int)
        self.store.update(Lead, lead.id, {"competitors": updated}, actor=call.actor)
        return HttpReply(204, (), b"")

    def _delete_competitor_map(self, call: _Call) -> HttpReply:
        pair = self._competitor_map(call)
        lead = pair.lead
        kept = tuple(r for r in _refs(lead.competitors) if r.id != pair.competitor.id)
        assert isinstance(lead.id, int)
        self.store.update(Lead, lead.id, {"competitors": kept}, actor=call.actor)
        return HttpReply(204, (), b"")


def _refs(value: Any) -> tuple[Ref, ...]:
    return tuple(value) if isinstance(value, tuple) else ()
