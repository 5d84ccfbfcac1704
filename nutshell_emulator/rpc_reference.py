"""JSON-RPC handlers for account set-up data and reports: custom field definitions and
``getAnalyticsReport``.

They answer from the store the REST front also serves: a custom field defined through
``POST /leads/customfield`` is listed by ``findCustomFields`` at once. Teams and audiences need
no handler here: the generic ``find*``/``get*``/``search*`` handlers of
:mod:`nutshell_emulator.rpc_front` serve them from their model classes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from nutshell_core.model import CustomField
from nutshell_emulator.reports import effort_report
from nutshell_rpc.reference_shapes import custom_field_map

if TYPE_CHECKING:
    from nutshell_emulator.rpc_front import Call, EmulatorBackend

__all__ = ["HANDLERS"]


def _find_custom_fields(backend: EmulatorBackend, _call: Call) -> Any:
    """``{"Leads": [...], "Contacts": [...], "Accounts": [...]}`` from the stored definitions."""
    return custom_field_map(backend.presenter, backend.store.all(CustomField))


def _analytics_report(backend: EmulatorBackend, call: Call) -> Any:
    params = call.params
    return effort_report(
        backend.store,
        params.get("reportType"),
        params.get("period"),
        params.get("filter"),
        params.get("options"),
    )


#: Method name -> handler, merged into the JSON-RPC front's special cases.
HANDLERS: Final[Mapping[str, Callable[[EmulatorBackend, Call], Any]]] = {
    "findCustomFields": _find_custom_fields,
    # The older name of the same method (RB): one result.
    "describeCustomFields": _find_custom_fields,
    "getAnalyticsReport": _analytics_report,
}
