"""Helpers for answering JSON-RPC requests through ``responses``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import requests

ENDPOINT = "https://app.nutshell.com/api/v1/json"
DISCOVERY = "https://api.nutshell.com/v1/json"
USER = "jim@demo.nutshell.com"
KEY = "sekrit-KEY-123456"

Callback = Callable[[requests.PreparedRequest], tuple[int, dict[str, str], str]]


def rpc_answer(
    result: Any = None,
    *,
    error: dict[str, Any] | None = None,
    status: int = 200,
    echo_id: bool = True,
    headers: dict[str, str] | None = None,
) -> Callback:
    """A responses callback answering like Nutshell: result/error envelope, the id echoed."""

    def callback(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        sent = json.loads(request.body or b"{}")
        body = {
            "result": None if error is not None else result,
            "id": sent.get("id") if echo_id else "someone-else",
            "error": error,
            "jsonrpc": "2.0",
        }
        return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body)

    return callback


def sent_json(call: Any) -> dict[str, Any]:
    """The JSON body a recorded call sent."""
    return json.loads(call.request.body)
