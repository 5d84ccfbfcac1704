"""The bridge: answer legacy JSON-RPC calls through the REST API, one method at a time.

``from bridge import NutshellAPI`` has the same surface as ``nutshell_rpc.NutshellAPI``;
routes (code, ``NUTSHELL_BRIDGE_ROUTES``, or a TOML/JSON file) move each method to REST, or
shadow it there first. ``bridge.matrix()`` lists what each method's translation gives.
"""

from bridge.api import NutshellAPI
from bridge.experiment import Experiment, MismatchError, Observation, Result
from bridge.matrix import matrix, to_markdown
from bridge.registry import Difference, Registry, Status, Translator
from bridge.routes import Mode, Routes

__all__ = [
    "Difference",
    "Experiment",
    "MismatchError",
    "Mode",
    "NutshellAPI",
    "Observation",
    "Registry",
    "Result",
    "Routes",
    "Status",
    "Translator",
    "matrix",
    "to_markdown",
]
