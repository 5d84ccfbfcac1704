"""The bridge registry: one translator per legacy method, each with a declared status.

A :class:`Translator` says whether a legacy JSON-RPC method is ``mapped`` (REST gives the same
result), ``partial`` (REST gives the same result except the listed :class:`Difference` items) or
``unsupported`` (with the reason), names the REST operations it uses, and runs the translation.
Every catalog method has an entry: a method nobody wrote a translator for is ``unsupported``
with the reason "no REST counterpart has been mapped", so the migration matrix is complete by
construction and never written by hand.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from bridge.diff import Normalizer, Same, from_differences, normalizers_from
from nutshell_core.catalog import RPC_METHODS, RpcMethod, rest_operation
from nutshell_core.errors import ConfigurationError, NotBridgeable

if TYPE_CHECKING:
    from bridge.context import BridgeContext

__all__ = [
    "DEFAULT_UNSUPPORTED_REASON",
    "Difference",
    "Kind",
    "Registry",
    "Status",
    "Translator",
]

DEFAULT_UNSUPPORTED_REASON = "no REST counterpart has been mapped"

Run = Callable[["BridgeContext", Mapping[str, Any]], Any]


class Status(enum.Enum):
    """How faithfully REST can answer a legacy method."""

    MAPPED = "mapped"
    PARTIAL = "partial"
    UNSUPPORTED = "unsupported"


class Kind(enum.Enum):
    """What a declared difference means for code that reads the legacy result."""

    #: The value (or the key) is not what the RPC API sends: the method is ``partial``.
    VALUE = "value"
    #: An opaque token in the legacy type (a string rev) that the bridge issues in place of
    #: the RPC API's and accepts back wherever that one is accepted: legacy code that only
    #: passes it back works unchanged, so the method can still be ``mapped``.
    OPAQUE = "opaque"


@attrs.frozen
class Difference:
    """One declared way a bridged result or parameter differs from the RPC API's, and why.

    ``path`` is a JSON path into the legacy result (``$[*].activitiesCount``) or a parameter
    (``param:orderBy``); comparisons drop result paths before comparing, or, with ``same``,
    compare them in a weaker sense (the same instant, the same number). ``kind`` says whether
    the difference makes the method ``partial`` (see :class:`Kind`).
    """

    path: str
    reason: str
    kind: Kind = Kind.VALUE
    #: Tolerated only while both values are alike this way (a different value is still a
    #: difference); None: the path is left out of comparisons.
    same: Same | None = None

    @property
    def is_param(self) -> bool:
        """True when the difference is about a parameter, not a result field."""
        return self.path.startswith("param:")

    @property
    def makes_partial(self) -> bool:
        """True for a result difference legacy code can notice (not a parameter, not a token,
        not the same instant spelled with another offset: still a time string, which code
        reading it as a time never tells apart; ``10`` for ``10.0`` is another type to a PHP
        client, so it counts)."""
        spelling = self.same is Same.INSTANT
        return not self.is_param and self.kind is Kind.VALUE and not spelling


@attrs.frozen(kw_only=True)
class Translator:
    """How one legacy method is answered through REST."""

    method: str
    status: Status
    rest_operations: tuple[tuple[str, str], ...] = ()
    differences: tuple[Difference, ...] = ()
    reason: str = ""
    run: Run | None = attrs.field(default=None, eq=False, repr=False)
    #: Answered by the bridge itself, with no request at all (the legacy test method ``add``
    #: reads no data): a supported translator with no REST operations.
    local: bool = False

    def __attrs_post_init__(self) -> None:
        if self.method not in RPC_METHODS:
            raise ConfigurationError(f"translator for unknown RPC method {self.method!r}")
        if self.status is Status.UNSUPPORTED:
            if not self.reason:
                raise ConfigurationError(f"{self.method}: an unsupported method needs a reason")
            if self.run is not None:
                raise ConfigurationError(f"{self.method}: an unsupported method cannot run")
        else:
            if self.run is None or not (self.rest_operations or self.local):
                raise ConfigurationError(f"{self.method}: needs a run function and REST operations")
            if self.local and self.rest_operations:
                raise ConfigurationError(f"{self.method}: a local translation sends no request")
            for method, path in self.rest_operations:
                rest_operation(method, path)  # raises for an operation the catalog lacks
        if self.status is Status.PARTIAL and not self.differences:
            raise ConfigurationError(f"{self.method}: a partial translation must list differences")
        if self.status is Status.MAPPED and any(d.makes_partial for d in self.differences):
            raise ConfigurationError(
                f"{self.method}: a mapped translation has no result differences but tokens"
            )

    @classmethod
    def answering(
        cls,
        method: str,
        *,
        rest_operations: tuple[tuple[str, str], ...],
        differences: tuple[Difference, ...] = (),
        run: Run,
    ) -> Translator:
        """A supported translation whose status follows from its differences: ``partial``
        when any of them is one legacy code can notice, ``mapped`` otherwise."""
        partial = any(d.makes_partial for d in differences)
        return cls(
            method=method,
            status=Status.PARTIAL if partial else Status.MAPPED,
            rest_operations=rest_operations,
            differences=differences,
            run=run,
        )

    @property
    def rpc(self) -> RpcMethod:
        """The catalog row of the legacy method."""
        return RPC_METHODS[self.method]

    @property
    def supported(self) -> bool:
        """True for mapped and partial translations."""
        return self.status is not Status.UNSUPPORTED

    @property
    def ignored_paths(self) -> tuple[str, ...]:
        """Result paths a comparison must drop (the declared result differences tolerated
        whatever the values; see :attr:`normalizers` for the others)."""
        return from_differences(self.differences)

    @property
    def normalizers(self) -> tuple[Normalizer, ...]:
        """Normalizers a comparison must apply: the declared result differences tolerated only
        while both values are alike (:class:`~bridge.diff.Same`)."""
        return normalizers_from(self.differences)

    def __call__(self, context: BridgeContext, params: Mapping[str, Any]) -> Any:
        """Answer the legacy call through REST, or raise :class:`NotBridgeable`."""
        if self.run is None:
            raise NotBridgeable(
                f"{self.method} cannot be answered through REST: {self.reason}",
                self.method,
                self.reason,
            )
        return self.run(context, params)


class Registry:
    """Translators by legacy method name; every catalog method has one."""

    def __init__(self, translators: Iterable[Translator]) -> None:
        entries: dict[str, Translator] = {}
        for translator in translators:
            if translator.method in entries:
                raise ConfigurationError(f"two translators for {translator.method}")
            entries[translator.method] = translator
        for name in RPC_METHODS:
            entries.setdefault(
                name,
                Translator(
                    method=name, status=Status.UNSUPPORTED, reason=DEFAULT_UNSUPPORTED_REASON
                ),
            )
        self._entries = dict(sorted(entries.items()))

    def __getitem__(self, method: str) -> Translator:
        try:
            return self._entries[method]
        except KeyError:
            raise NotBridgeable(f"{method} is not a legacy method", method, "unknown") from None

    def __iter__(self) -> Iterator[Translator]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)
