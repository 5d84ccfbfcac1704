"""Where the examples connect: a local emulator by default, your own Nutshell account on request.

Without settings, each example seeds an emulator (both APIs over one store) and serves it on
127.0.0.1, so it runs offline and may write freely. With ``NUTSHELL_USERNAME`` and
``NUTSHELL_API_KEY`` set it talks to that Nutshell account instead, and then only reads:
``Account.emulated`` is false and the examples skip every write.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from nutshell_emulator import Emulator, EmulatorUrls

__all__ = ["Account", "account"]


@dataclass(frozen=True)
class Account:
    """Credentials, and the emulator's URLs when it is the one answering."""

    username: str
    api_key: str = field(repr=False)  # never printed
    emulator: EmulatorUrls | None = None

    @property
    def emulated(self) -> bool:
        """True for the local emulator, where the examples may write."""
        return self.emulator is not None

    @property
    def rpc_endpoint(self) -> str | None:
        """The JSON-RPC endpoint; None lets the client discover Nutshell's."""
        return None if self.emulator is None else self.emulator.rpc

    @property
    def rest_base_url(self) -> str | None:
        """The REST root; None means Nutshell's (``https://app.nutshell.com/rest``)."""
        return None if self.emulator is None else self.emulator.rest

    @property
    def where(self) -> str:
        """A line saying where the example runs (no credentials in it)."""
        if self.emulator is None:
            return "your Nutshell account (read-only: writes are skipped)"
        return f"the emulator at {self.emulator.base}"


@contextmanager
def account(records: int = 100, random_seed: int = 1) -> Iterator[Account]:
    """The account from the environment, else a seeded emulator served until the block ends."""
    username = os.environ.get("NUTSHELL_USERNAME", "")
    api_key = os.environ.get("NUTSHELL_API_KEY", "")
    if username or api_key:
        if not (username and api_key):
            raise SystemExit("set both NUTSHELL_USERNAME and NUTSHELL_API_KEY, or neither")
        yield Account(username, api_key)
        return
    emulator = Emulator()
    try:
        emulator.seed(records, random_seed=random_seed)
        with emulator.serve("127.0.0.1", 0) as urls:
            yield Account(emulator.email, emulator.api_key, urls)
    finally:
        emulator.close()
