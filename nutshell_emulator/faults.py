"""Fault injection by rule, so clients can be tested against a misbehaving Nutshell.

A rule names its target with a glob: an RPC method name (``"getLead"``, ``"find*"``) or a REST
request line (``"GET /rest/leads*"``). It fires with a probability, at most ``count`` times, and
applies one :class:`Fault`: an HTTP status (optionally with ``Retry-After``), a delay, a
connection reset, a truncated body, or an HTML page where JSON was due. Randomness comes from a
seeded generator so a failing run can be replayed.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from typing import Literal

import attrs

from nutshell_core.errors import UsageError

__all__ = ["Fault", "FaultInjector", "FaultRule"]

FaultKind = Literal["status", "delay", "reset", "truncate", "html"]


@attrs.frozen(kw_only=True)
class Fault:
    """What happens to a request a rule matched."""

    kind: FaultKind
    status: int = 500
    retry_after: str | None = None
    seconds: float = 0.0

    @classmethod
    def http_status(cls, status: int, *, retry_after: str | float | None = None) -> Fault:
        """Answer with ``status`` (and ``Retry-After`` when given) instead of the real answer."""
        value = None if retry_after is None else str(retry_after)
        return cls(kind="status", status=status, retry_after=value)

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Answer normally after ``seconds``."""
        if seconds < 0:
            raise UsageError("a delay cannot be negative")
        return cls(kind="delay", seconds=seconds)

    @classmethod
    def reset(cls) -> Fault:
        """Drop the connection without an answer."""
        return cls(kind="reset")

    @classmethod
    def truncate(cls) -> Fault:
        """Answer with the first half of the real body."""
        return cls(kind="truncate")

    @classmethod
    def html(cls, status: int = 200) -> Fault:
        """Answer with an HTML page and ``status`` where JSON was due."""
        return cls(kind="html", status=status)


@attrs.define(kw_only=True)
class FaultRule:
    """A glob over request targets, a fault, a probability and an optional firing budget."""

    target: str
    fault: Fault
    probability: float = 1.0
    count: int | None = None
    fired: int = 0

    def __attrs_post_init__(self) -> None:
        if not 0.0 <= self.probability <= 1.0:
            raise UsageError("probability must be between 0 and 1")
        if self.count is not None and self.count < 0:
            raise UsageError("count cannot be negative")

    def matches(self, target: str) -> bool:
        """True when the rule's glob matches ``target`` and it still has budget."""
        if self.count is not None and self.fired >= self.count:
            return False
        return fnmatch.fnmatchcase(target, self.target)


class FaultInjector:
    """Holds the rules and decides, thread-safely, which fault (if any) a request gets."""

    def __init__(self, *, seed: int = 0) -> None:
        self._rules: list[FaultRule] = []
        self._random = random.Random(seed)  # noqa: S311 - test tooling, not cryptography
        self._lock = threading.Lock()

    def add(
        self, target: str, fault: Fault, *, probability: float = 1.0, count: int | None = None
    ) -> FaultRule:
        """Add a rule; the first matching rule wins."""
        rule = FaultRule(target=target, fault=fault, probability=probability, count=count)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()

    @property
    def rules(self) -> tuple[FaultRule, ...]:
        """The current rules, first-match order."""
        with self._lock:
            return tuple(self._rules)

    def decide(self, targets: tuple[str, ...]) -> Fault | None:
        """The fault for a request known by ``targets`` (e.g. its RPC method and request line)."""
        with self._lock:
            for rule in self._rules:
                if not any(rule.matches(t) for t in targets):
                    continue
                if rule.probability < 1.0 and self._random.random() >= rule.probability:
                    continue
                rule.fired += 1
                return rule.fault
        return None
