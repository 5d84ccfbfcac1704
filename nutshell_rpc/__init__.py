"""Legacy JSON-RPC client for Nutshell CRM.

``from nutshell_rpc import NutshellAPI`` is a drop-in for older Python Nutshell clients:
``NutshellAPI(user, key).findAccounts()`` discovers the endpoint and returns plain JSON values.
Typed access lives on the same client: ``api.leads.get(1003)`` returns a model ``Lead``.
"""

from nutshell_rpc.client import REV_IGNORE, NutshellAPI
from nutshell_rpc.discovery import DISCOVERY_URL, Discovery, is_trusted_host
from nutshell_rpc.server import RpcBackend, RpcReply, RpcServer

__all__ = [
    "DISCOVERY_URL",
    "REV_IGNORE",
    "Discovery",
    "NutshellAPI",
    "RpcBackend",
    "RpcReply",
    "RpcServer",
    "is_trusted_host",
]
