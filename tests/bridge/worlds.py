"""One way for a test module to stand up its world: an emulator mounted on Nutshell's hosts,
a direct JSON-RPC client and a bridge with every method routed to REST."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import attrs
import responses

from bridge import NutshellAPI as BridgeAPI
from bridge.routes import Mode, Routes
from nutshell_emulator import DEFAULT_API_KEY, DEFAULT_EMAIL, Emulator
from nutshell_rpc import NutshellAPI as RpcAPI

ENDPOINT = "https://app.nutshell.com/api/v1/json"


def rest_bridge(**options: Any) -> BridgeAPI:
    """A bridge bound to the mounted emulator with every method routed to REST."""
    return BridgeAPI(
        DEFAULT_EMAIL,
        DEFAULT_API_KEY,
        endpoint=ENDPOINT,
        routes=Routes({}, default=Mode.REST),
        sleep=lambda _s: None,
        **options,
    )


@attrs.frozen
class Mounted:
    """The mock answering for the emulator, a direct JSON-RPC client and a REST bridge."""

    mock: responses.RequestsMock
    rpc: RpcAPI
    bridge: BridgeAPI


@contextmanager
def mounted(emulator: Emulator) -> Iterator[Mounted]:
    """The emulator mounted, with both clients; everything is closed on the way out (the
    emulator too)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        emulator.mount(mock)
        rpc = RpcAPI(DEFAULT_EMAIL, DEFAULT_API_KEY, endpoint=ENDPOINT, sleep=lambda _s: None)
        bridge = rest_bridge()
        try:
            yield Mounted(mock, rpc, bridge)
        finally:
            bridge.close()
            rpc.close()
    emulator.close()
