"""A local Nutshell speaking both APIs over one store.

``Emulator().mount(mock)`` answers requests to Nutshell's hosts inside a
``responses.RequestsMock``; ``with Emulator().serve() as urls:`` serves both APIs on 127.0.0.1.
Behaviour the references leave uncertain is listed in :mod:`nutshell_emulator.assumptions`.
"""

from nutshell_emulator.emulator import (
    APP_HOST,
    DEFAULT_API_KEY,
    DEFAULT_EMAIL,
    DISCOVERY_HOST,
    Emulator,
    EmulatorUrls,
)
from nutshell_emulator.faults import Fault, FaultInjector, FaultRule
from nutshell_emulator.seed import SeedSummary, seed
from nutshell_emulator.store import Store, StoreEvent

__all__ = [
    "APP_HOST",
    "DEFAULT_API_KEY",
    "DEFAULT_EMAIL",
    "DISCOVERY_HOST",
    "Emulator",
    "EmulatorUrls",
    "Fault",
    "FaultInjector",
    "FaultRule",
    "SeedSummary",
    "Store",
    "StoreEvent",
    "seed",
]
