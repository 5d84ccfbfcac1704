"""The transport's value objects: credentials, timeouts and the retry policy."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, NoReturn, SupportsIndex

import attrs

from nutshell_core.errors import (
    ConfigurationError,
)

_SECURE = "[secure]"
_CONTROL = re.compile(r"[\x00-\x20\x7f]")  # control characters and spaces, never valid in a URL


def _check_username(_instance: object, _attribute: object, value: Any) -> None:
    if not isinstance(value, str) or not value:
        raise ConfigurationError("username must be a non-empty string")
    # A colon would split differently on the server; CR/LF would inject headers.
    if ":" in value or _CONTROL.search(value.replace(" ", "")):
        raise ConfigurationError("username must not contain ':' or control characters")


def _check_api_key(_instance: object, _attribute: object, value: Any) -> None:
    # The messages never quote the value: it is the secret.
    if not isinstance(value, str) or not value:
        raise ConfigurationError("api_key must be a non-empty string")
    if _CONTROL.search(value.replace(" ", "")):
        raise ConfigurationError("api_key must not contain control characters")


@attrs.frozen
class Credentials:
    """A Nutshell user name (an email address) and API key, sent as HTTP Basic auth.

    The key is shown as ``'[secure]'`` by ``repr`` and ``str``, and the object refuses to be
    pickled or copied, so the key cannot leak through logs, reports or process boundaries.
    """

    username: str = attrs.field(validator=_check_username)
    api_key: str = attrs.field(validator=_check_api_key, repr=lambda _: repr(_SECURE))

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        raise ConfigurationError("credentials are not picklable")

    def __reduce__(self) -> NoReturn:
        raise ConfigurationError("credentials are not picklable")

    def __getstate__(self) -> NoReturn:
        raise ConfigurationError("credentials are not picklable")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _positive_finite(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not _is_number(value) or not math.isfinite(value) or value <= 0:
        raise ConfigurationError(f"{attribute.name} must be a positive finite number of seconds")


def _non_negative_finite(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not _is_number(value) or not math.isfinite(value) or value < 0:
        raise ConfigurationError(f"{attribute.name} must be a finite number >= 0")


def _at_least_one(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not _is_number(value) or not math.isfinite(value) or value < 1:
        raise ConfigurationError(f"{attribute.name} must be a finite number >= 1")


def _attempts(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigurationError(f"{attribute.name} must be an int >= 1")


def _is_bool(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, bool):
        raise ConfigurationError(f"{attribute.name} must be a bool")


@attrs.frozen
class Timeouts:
    """Per-attempt socket timeouts in seconds: to connect, and between bytes of the answer.

    Always passed to :mod:`requests` (whose default is to wait forever).
    """

    connect: float = attrs.field(default=5.0, validator=_positive_finite)
    read: float = attrs.field(default=30.0, validator=_positive_finite)

    def as_tuple(self) -> tuple[float, float]:
        """The ``(connect, read)`` pair :mod:`requests` takes."""
        return (self.connect, self.read)


@attrs.frozen
class RetryPolicy:
    """How many times, and how patiently, a request is tried (see the module docstring).

    ``max_attempts`` counts the first attempt. ``deadline`` bounds the whole call, waits
    included. A ``Retry-After`` longer than ``max_retry_after`` is not waited for. With
    ``jitter`` off the backoff is the full exponential step instead of a random fraction of it.
    """

    max_attempts: int = attrs.field(default=4, validator=_attempts)
    backoff_initial: float = attrs.field(default=0.5, validator=_non_negative_finite)
    backoff_max: float = attrs.field(default=8.0, validator=_non_negative_finite)
    multiplier: float = attrs.field(default=2.0, validator=_at_least_one)
    jitter: bool = attrs.field(default=True, validator=_is_bool)
    deadline: float = attrs.field(default=60.0, validator=_positive_finite)
    max_retry_after: float = attrs.field(default=60.0, validator=_non_negative_finite)

    def backoff(self, retry: int, random: Callable[[], float]) -> float:
        """Seconds to wait before retry number ``retry`` (1 for the first retry).

        Full jitter: a uniformly random fraction of the capped exponential step, so clients
        that failed together do not come back together.
        """
        try:
            step = self.backoff_initial * self.multiplier ** max(retry - 1, 0)
        except OverflowError:  # a huge max_attempts: the cap applies long before this
            step = math.inf
        cap = min(self.backoff_max, step) if self.backoff_initial > 0 else 0.0
        if not self.jitter:
            return cap
        return cap * min(max(random(), 0.0), 1.0)
