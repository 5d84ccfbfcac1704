"""Access policy: agents with tokens of their own and grants per record type.

A Nutshell API key can do everything its user can do. A :class:`Policy` narrows that for the
agents and scripts a team hands access to: each :class:`Agent` has a token (kept only as its
SHA-256 hex digest) and grants per record type, ``read`` or ``write`` (write implies read).
Everything not granted is refused (deny by default). The file is TOML::

    [agents.sales-bot]
    token_sha256 = "<hex digest of the agent's token>"
    grants = { leads = "write", contacts = "read", accounts = "read" }

Record types
    :data:`RECORD_TYPES` holds one name per entity of the catalog: the lower-case plural of its
    REST collection (``leads``, ``stagesets``, ``productmaps``...), and for entities only the
    JSON-RPC API has, the same spelling of the legacy type (``teams``, ``customfields``,
    ``steps``, ``origins``, ``delays``, ``settings``). Policy files may use these aliases, which
    are stored under the canonical name: ``pipelines`` = ``stagesets``, ``milestones`` =
    ``stages``, ``people`` = ``contacts``, ``companies`` = ``accounts``, ``custom_fields`` /
    ``custom-fields`` = ``customfields``. ``"*"`` grants every record type; a grant naming a
    type overrides ``"*"`` for that type (``{"*" = "write", leads = "read"}`` leaves leads
    read-only). A record's own embedded references (the contact stubs inside a lead) come with
    the record: grants decide which records an agent may ask for.

What each call needs (:func:`check_rpc`, :func:`check_rest`)
    Every catalog method and operation resolves from its entity and access, so a new catalog
    row is covered without an edit here; the rows without an entity are decided in
    :data:`RPC_RULES`, and an RPC method that is neither is refused (and a test asserts that
    none exists). REST specifics: a sub-resource of another type needs both types
    (``GET /leads/{id}/stages`` reads leads and stages; ``POST /quotes/{id}/invoice`` writes
    quotes and invoices); custom field *definitions* (``/leads/customfields/attributes``,
    ``POST /leads/customfield``) are ``customfields``, while a record's custom field values
    (``/leads/{id}/customfields``) belong to the record; ``GET /stagesets/{id}/export`` lists
    lead movements, so it reads leads too; a path that is no catalog operation is refused.

Calls that return several record types
    * **Filtered**: ``searchUniversal``, ``searchByEmail``, ``searchContactsAndUsers``,
      ``searchActivityParticipants`` and ``searchUsersAndTeams`` answer short, unpaged lists
      of stubs that each say their type (``entityType``, or the key of the map they sit
      under). Dropping the stubs of types the agent lacks loses nothing else it could read, so
      they are allowed when at least one of their types is granted, and
      :func:`filter_result` empties the lists of the others (the keys stay: legacy code reads
      ``result["accounts"]``).
    * **Refused unless every type is granted**: ``findTimeline`` (full activities, emails and
      notes of one record, paged: a filtered page would look like the end of the timeline,
      and the timeline reveals its subject, so the subject's type is needed too), and REST
      ``GET /events`` and ``/events/deleted`` (a cursor-paged change feed embedding the
      changed leads, contacts, accounts, activities, notes and tasks; skipping events would
      break the cursor, so they need ``events`` and each of those types).
    * ``getAnalyticsReport`` aggregates leads (sales, pipeline and forecast reports): ``leads``;
      the ``Effort`` report counts logged activities: ``activities``.
    * A write needs read on every lead, account, contact, activity, note or task its payload
      names (a note's ``entity``, a lead's ``contacts``, an activity's ``participants``): the
      answer shows their stubs, and the write attaches to them.
    * ``findBackups`` / ``newBackup`` reach a copy of the whole account: only ``"*"`` grants
      them. ``getUpdateTimes``, ``getMobileSettings`` and ``instanceData`` describe the
      instance, not records: ``settings``. ``getApiForUsername`` (unauthenticated discovery)
      and ``add`` (the API's test method) touch no record and are open to every agent.

Tokens are compared in constant time (:func:`hmac.compare_digest` on digests), and no token
ever appears in a message, a ``repr`` or a file: only its digest is kept.
"""

from __future__ import annotations

import difflib
import hashlib
import hmac
import os
import re
import secrets
import sys
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final

import attrs

from nutshell_core.catalog import REST_OPERATIONS, RPC_METHODS, Access, RestOperation, RpcMethod
from nutshell_core.errors import ConfigurationError, PolicyDenied

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = [
    "ALIASES",
    "ENTITY_TYPES",
    "EVENT_FEED_TYPES",
    "RECORD_TYPES",
    "RPC_RULES",
    "WILDCARD",
    "Agent",
    "Decision",
    "Policy",
    "PolicyError",
    "Rule",
    "check_rest",
    "check_rest_operation",
    "check_rpc",
    "enforce",
    "filter_result",
    "new_token",
    "record_type",
    "rest_rule",
    "rpc_rule",
    "token_digest",
]


class PolicyError(ConfigurationError):
    """A policy file or a grant that cannot be used; the message names it, on one line."""


#: The grant key meaning every record type.
WILDCARD: Final = "*"

# Entities only the JSON-RPC API has (no REST collection to take the name from).
_RPC_ONLY_TYPES: Final[Mapping[str, str]] = {
    "CustomField": "customfields",
    "Delay": "delays",
    "Origin": "origins",
    "Setting": "settings",
    "Step": "steps",
    "Team": "teams",
}


def _collection(path: str) -> str:
    """The first path segment, lower-cased: ``/productMaps/{id}`` -> ``productmaps``."""
    return path.split("/")[1].lower()


def _entity_types() -> Mapping[str, str]:
    """Entity name -> record type, from the REST collections the catalog serves each from."""
    table: dict[str, str] = {}
    for op in REST_OPERATIONS:
        segments = op.path.strip("/").split("/")
        # Only a top-level collection names its own entity (/leads/{id}/stages does not).
        top_level = len(segments) == 1 or (len(segments) == 2 and segments[1].startswith("{"))
        if op.entity is not None and top_level:
            table.setdefault(op.entity, _collection(op.path))
    for entity, name in _RPC_ONLY_TYPES.items():
        table.setdefault(entity, name)
    entities = {row.entity for row in RPC_METHODS.values()} | {op.entity for op in REST_OPERATIONS}
    missing = sorted(e for e in entities if e is not None and e not in table)
    if missing:  # a new catalog entity needs a name here; fail loudly at import
        raise ValueError(f"catalog entities without a record type: {', '.join(missing)}")
    return MappingProxyType(table)


#: Catalog entity name -> record type (``"Lead"`` -> ``"leads"``).
ENTITY_TYPES: Final[Mapping[str, str]] = _entity_types()

#: Every record type a grant may name (besides ``"*"``).
RECORD_TYPES: Final[frozenset[str]] = frozenset(ENTITY_TYPES.values())

#: Other names a policy file may use for a record type.
ALIASES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "pipelines": "stagesets",
        "milestones": "stages",
        "people": "contacts",
        "companies": "accounts",
        "custom_fields": "customfields",
        "custom-fields": "customfields",
    }
)

#: The record types the REST change feed (``/events``) embeds.
EVENT_FEED_TYPES: Final = ("leads", "contacts", "accounts", "activities", "notes", "tasks")

_ACCESS_WORDS: Final[Mapping[str, Access]] = {a.value: a for a in Access}
_DIGEST = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_PLACEHOLDER = re.compile(r"\{[^/{}]+\}")


def record_type(name: str) -> str:
    """The canonical record type ``name`` means (an alias resolved), or :class:`PolicyError`."""
    if not isinstance(name, str):
        raise PolicyError(f"a record type must be a string, not {type(name).__name__}")
    key = name.strip().lower()
    if key == WILDCARD or key in RECORD_TYPES:
        return key
    if key in ALIASES:
        return ALIASES[key]
    close = difflib.get_close_matches(key, sorted(RECORD_TYPES | set(ALIASES)), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise PolicyError(f"unknown record type {name!r}{hint}")


def _access(word: object) -> Access:
    if isinstance(word, Access):
        return word
    if isinstance(word, str) and word.strip().lower() in _ACCESS_WORDS:
        return _ACCESS_WORDS[word.strip().lower()]
    raise PolicyError(f"unknown access {word!r}; use 'read' or 'write'")


def _grants(raw: object) -> Mapping[str, Access]:
    """Grants with canonical record types and :class:`Access` values, read-only."""
    if not isinstance(raw, Mapping):
        raise PolicyError("grants must be a table of record type = 'read' or 'write'")
    table: dict[str, Access] = {}
    for key, word in raw.items():
        name = record_type(key)
        if name in table:
            raise PolicyError(f"record type {name!r} is granted twice (aliases count)")
        table[name] = _access(word)
    return MappingProxyType(table)


def _digest(value: object) -> str:
    if not isinstance(value, str) or not _DIGEST.fullmatch(value):
        raise PolicyError("token_sha256 must be 64 lower-case hex digits (a SHA-256 digest)")
    return value


def _agent_name(value: object) -> str:
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        shown = value if isinstance(value, str) else type(value).__name__
        raise PolicyError(
            f"agent name {shown!r} must be 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return value


def token_digest(token: str) -> str:
    """The SHA-256 hex digest a policy keeps for ``token``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh random token and its SHA-256 hex digest: ``(token, digest)``."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


@attrs.frozen
class Agent:
    """One agent: its name, its token's digest and its grants (validated when built)."""

    name: str = attrs.field(converter=_agent_name)
    token_sha256: str = attrs.field(converter=_digest, repr=False)
    grants: Mapping[str, Access] = attrs.field(converter=_grants)

    def grant_for(self, record_type_name: str) -> Access | None:
        """The access the agent has on a record type (its own grant, else ``"*"``), or None."""
        if record_type_name != WILDCARD and record_type_name in self.grants:
            return self.grants[record_type_name]
        return self.grants.get(WILDCARD)

    def allows(self, record_type: str, access: Access) -> bool:
        """Whether the agent may ``access`` records of ``record_type``; write implies read.

        ``"*"`` as the record type asks for every type at once: only a ``"*"`` grant gives it.
        """
        grant = (
            self.grants.get(WILDCARD) if record_type == WILDCARD else self.grant_for(record_type)
        )
        return grant is Access.WRITE or (grant is Access.READ and access is Access.READ)

    def __hash__(self) -> int:
        # Read-only mappings do not hash; the grants' items do.
        return hash((self.name, self.token_sha256, frozenset(self.grants.items())))


def _agents(raw: Mapping[str, Agent]) -> Mapping[str, Agent]:
    table = dict(raw)
    for key, agent in table.items():
        if key != agent.name:
            raise PolicyError(f"agent {agent.name!r} is filed under another name, {key!r}")
    seen: dict[str, str] = {}
    for agent in table.values():
        other = seen.setdefault(agent.token_sha256, agent.name)
        if other != agent.name:
            # A Bearer token must name one agent; two sharing a digest is a copy-paste slip.
            raise PolicyError(f"agents {other!r} and {agent.name!r} have the same token")
    return MappingProxyType(table)


# Compared against when no agent matches, so a miss costs what a hit costs.
_DUMMY_DIGEST: Final = "0" * 64


@attrs.frozen
class Policy:
    """The agents allowed to call through, by name."""

    agents: Mapping[str, Agent] = attrs.field(factory=dict, converter=_agents)

    def __hash__(self) -> int:
        return hash(frozenset(self.agents.items()))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Policy:
        """The policy in the TOML file at ``path``; :class:`PolicyError` naming the file."""
        source = os.fspath(path)
        try:
            with open(source, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise PolicyError(f"cannot read the policy file {source}: {exc.strerror}") from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise PolicyError(f"{source}: the policy file is not UTF-8 text") from None
        return cls.from_toml(text, source=source)

    @classmethod
    def from_toml(cls, text: str, *, source: str = "<policy>") -> Policy:
        """The policy in TOML ``text``; errors name ``source`` (the file) and the agent."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"{source}: not valid TOML: {' '.join(str(exc).split())}") from None
        extra = sorted(set(data) - {"agents"})
        if extra:
            raise PolicyError(f"{source}: unknown top-level key {extra[0]!r} (only [agents.NAME])")
        table = data.get("agents", {})
        if not isinstance(table, Mapping):
            raise PolicyError(f"{source}: 'agents' must be a table of [agents.NAME] tables")
        agents: dict[str, Agent] = {}
        for name, body in table.items():
            agents[name] = _parse_agent(name, body, source)
        try:
            return cls(agents)
        except PolicyError as exc:
            raise PolicyError(f"{source}: {exc}") from None

    def authenticate(self, token: str, name: str | None = None) -> Agent | None:
        """The agent ``token`` belongs to, or None; compared in constant time.

        With ``name`` (HTTP Basic: agent name and token) only that agent can match; without
        it (a Bearer token) the agent whose digest matches. Every digest is compared, so the
        time taken does not say which agent, or whether any, came close.
        """
        if not isinstance(token, str) or not token:
            return None
        digest = token_digest(token)
        if name is not None:
            agent = self.agents.get(name) if isinstance(name, str) else None
            stored = agent.token_sha256 if agent is not None else _DUMMY_DIGEST
            matched = hmac.compare_digest(stored.encode(), digest.encode())
            return agent if matched and agent is not None else None
        found: Agent | None = None
        for agent in self.agents.values():
            if hmac.compare_digest(agent.token_sha256.encode(), digest.encode()):
                found = agent
        return found

    def with_agent(self, agent: Agent) -> Policy:
        """A copy with ``agent`` added, or replacing the agent of the same name."""
        return Policy({**self.agents, agent.name: agent})

    def without_agent(self, name: str) -> Policy:
        """A copy without the agent called ``name`` (unchanged when there is none)."""
        return Policy({k: v for k, v in self.agents.items() if k != name})

    def to_toml(self) -> str:
        """The policy as TOML that :meth:`from_toml` reads back to an equal policy."""
        lines: list[str] = []
        for agent in sorted(self.agents.values(), key=lambda a: a.name):
            grants = ", ".join(
                f"{_toml_key(k)} = {_toml_string(v.value)}" for k, v in sorted(agent.grants.items())
            )
            if lines:
                lines.append("")
            lines += [
                f"[agents.{_toml_key(agent.name)}]",
                f"token_sha256 = {_toml_string(agent.token_sha256)}",
                f"grants = {{ {grants} }}" if grants else "grants = {}",
            ]
        return "\n".join(lines) + "\n" if lines else ""


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_string(key)


def _toml_string(value: str) -> str:
    # Names and record types are restricted to printable ASCII; escape the two that matter.
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _parse_agent(name: str, body: object, source: str) -> Agent:
    where = f"{source}: agent {name!r}"
    if not isinstance(body, Mapping):
        raise PolicyError(f"{where}: must be a table with token_sha256 and grants")
    extra = sorted(set(body) - {"token_sha256", "grants"})
    if extra:
        raise PolicyError(f"{where}: unknown key {extra[0]!r} (only token_sha256 and grants)")
    for key in ("token_sha256", "grants"):
        if key not in body:
            raise PolicyError(f"{where}: missing {key}")
    try:
        return Agent(name, body["token_sha256"], body["grants"])
    except PolicyError as exc:
        raise PolicyError(f"{where}: {exc}") from None


# ---------------------------------------------------------------------------------------------
# What each call needs
# ---------------------------------------------------------------------------------------------


@attrs.frozen
class Rule:
    """What a call needs: record types and how several combine.

    ``mode`` is ``"all"`` (every type needed), ``"filter"`` (at least one; the result is
    filtered to the granted ones) or ``"open"`` (no record touched: every agent may call it).
    ``subject`` adds the type of the record named in ``query.entityType`` (the timeline's).
    """

    record_types: tuple[str, ...]
    mode: str = "all"
    subject: bool = False


#: The decision for every RPC method without a catalog entity (see the module docstring).
RPC_RULES: Final[Mapping[str, Rule]] = MappingProxyType(
    {
        "getApiForUsername": Rule((), "open"),
        "add": Rule((), "open"),
        "findTimeline": Rule(("activities", "emails", "notes"), subject=True),
        "searchContactsAndUsers": Rule(("contacts", "users"), "filter"),
        "searchActivityParticipants": Rule(("users", "contacts", "accounts"), "filter"),
        "searchUsersAndTeams": Rule(("users", "teams"), "filter"),
        "searchUniversal": Rule(("contacts", "accounts", "leads"), "filter"),
        "searchByEmail": Rule(("contacts", "accounts"), "filter"),
        "getAnalyticsReport": Rule(("leads",)),
        "getUpdateTimes": Rule(("settings",)),
        "getMobileSettings": Rule(("settings",)),
        "instanceData": Rule(("settings",)),
        "findBackups": Rule((WILDCARD,)),
        "newBackup": Rule((WILDCARD,)),
    }
)


@attrs.frozen
class Decision:
    """Whether an agent may make a call, and why not.

    ``record_types`` are the types the call touches; ``dropped`` those a filtered search
    leaves out of its result (see :func:`filter_result`); ``reason`` is the refusal message
    when not allowed.
    """

    agent: str
    call: str
    record_types: tuple[str, ...]
    access: Access
    allowed: bool
    reason: str | None
    dropped: tuple[str, ...] = ()


def rpc_rule(row: RpcMethod) -> Rule | None:
    """The rule for a catalog RPC method: its entity's type, or its :data:`RPC_RULES` row."""
    if row.name in RPC_RULES:
        return RPC_RULES[row.name]
    if row.entity is not None and row.entity in ENTITY_TYPES:
        return Rule((ENTITY_TYPES[row.entity],))
    return None


def _has(agent: Agent, name: str) -> str:
    """What the agent has on a type, worded for a refusal."""
    if name == WILDCARD:
        grant = agent.grants.get(WILDCARD)
        return f"{grant.value} on *" if grant else "no grant on * (every record type)"
    grant = agent.grant_for(name)
    return f"{grant.value} on {name}" if grant else f"no access to {name}"


def _decide(agent: Agent, call: str, types: Iterable[str], access: Access, mode: str) -> Decision:
    names = tuple(dict.fromkeys(types))
    if mode == "open":
        return Decision(agent.name, call, names, access, allowed=True, reason=None)
    missing = tuple(t for t in names if not agent.allows(t, access))
    if mode == "filter" and len(missing) < len(names):
        return Decision(agent.name, call, names, access, True, None, dropped=missing)
    if not missing and names:
        return Decision(agent.name, call, names, access, allowed=True, reason=None)
    if not names:
        reason = f"{call} is not in the catalog; agent {agent.name} is refused by default"
    elif mode == "filter":
        reason = (
            f"{call} needs {access.value} on one of {', '.join(names)}; "
            f"agent {agent.name} has {'; '.join(_has(agent, t) for t in names)}"
        )
    else:
        first = missing[0]
        what = "* (every record type)" if first == WILDCARD else first
        reason = (
            f"{call} needs {access.value} on {what}; agent {agent.name} has {_has(agent, first)}"
        )
    return Decision(agent.name, call, names, access, allowed=False, reason=reason)


def _subject_type(params: Mapping[str, Any]) -> str | None:
    """The record type named by ``query.entityType`` (``"Leads"`` -> ``"leads"``), if any."""
    query = params.get("query") if isinstance(params, Mapping) else None
    kind = query.get("entityType") if isinstance(query, Mapping) else None
    if isinstance(kind, str):
        key = kind.strip().lower()
        if key in RECORD_TYPES:
            return key
        if key in ALIASES:
            return ALIASES[key]
    return None


#: Record types whose records a write may name in its payload (a note's ``entity``, a lead's
#: ``contacts``, an activity's ``participants``): naming one needs read on its type, since the
#: answer shows the record's stub and the write attaches to it. Users, teams and reference
#: data (owners, assignees, sources, tags) are not checked: naming them reveals no customer data.
REFERENCED_TYPES: Final = frozenset(
    {"leads", "accounts", "contacts", "activities", "notes", "tasks"}
)

#: Payload keys whose values are references to records of one type.
_REFERENCE_KEYS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "lead": "leads",
        "leads": "leads",
        "account": "accounts",
        "accounts": "accounts",
        "primaryAccount": "accounts",
        "contact": "contacts",
        "contacts": "contacts",
        "primaryContact": "contacts",
    }
)

#: ``getAnalyticsReport``'s report types that aggregate other records than leads.
_REPORT_TYPES: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType({"effort": ("activities",)})

_UNKNOWN = "?"


def _record_type_of(kind: Any) -> str:
    """``"Leads"`` -> ``"leads"``; :data:`_UNKNOWN` for anything that names no record type."""
    if isinstance(kind, str):
        key = kind.strip().lower()
        key = ALIASES.get(key, key)
        if key in RECORD_TYPES:
            return key
    return _UNKNOWN


def _referenced(value: Any, hint: str | None, found: list[str], depth: int = 0) -> None:
    """Collect the record types a write's payload names (see :data:`REFERENCED_TYPES`)."""
    if depth > 6:
        found.append(_UNKNOWN)  # deeper than any legacy payload: refuse rather than guess
        return
    if isinstance(value, Mapping):
        if "entityType" in value and "id" in value:  # {entityType, id}: a record reference
            found.append(_record_type_of(value.get("entityType")))
        elif hint is not None and "id" in value:
            found.append(hint)
        for key, item in value.items():
            _referenced(item, _REFERENCE_KEYS.get(str(key)), found, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _referenced(item, hint, found, depth + 1)
    elif hint is not None and isinstance(value, (int, str)) and not isinstance(value, bool):
        found.append(hint)


def check_rpc(agent: Agent, row: RpcMethod, params: Mapping[str, Any]) -> Decision:
    """Whether ``agent`` may call the legacy method ``row`` with ``params``; never raises.

    A write also needs read on the records its payload names (:data:`REFERENCED_TYPES`).
    """
    try:
        rule = rpc_rule(row)
        if rule is None:
            return _decide(agent, row.name, (), row.access, "all")
        types = list(rule.record_types)
        if rule.subject:
            subject = _subject_type(params)
            if subject is not None:
                types.insert(0, subject)
        if row.name == "getAnalyticsReport":
            kind = params.get("reportType")
            types = list(_REPORT_TYPES.get(str(kind).lower(), types))
        decision = _decide(agent, row.name, types, row.access, rule.mode)
        if not decision.allowed or row.access is not Access.WRITE:
            return decision
        return _check_references(agent, decision, params)
    except Exception as exc:  # a policy check must refuse, never crash the caller
        return Decision(
            agent.name, str(getattr(row, "name", row)), (), Access.WRITE, False, _broken(exc)
        )


def _check_references(agent: Agent, decision: Decision, params: Mapping[str, Any]) -> Decision:
    """``decision`` refused when the write names records of a type the agent cannot read."""
    found: list[str] = []
    for key, value in params.items():
        _referenced(value, _REFERENCE_KEYS.get(str(key)), found)
    named = tuple(t for t in dict.fromkeys(found) if t == _UNKNOWN or t in REFERENCED_TYPES)
    if not named:
        return decision
    types = tuple(dict.fromkeys((*decision.record_types, *(t for t in named if t != _UNKNOWN))))
    if _UNKNOWN in named:
        reason = (
            f"{decision.call} names a record of an unknown type in its payload; "
            f"agent {agent.name} is refused by default"
        )
        return attrs.evolve(decision, record_types=types, allowed=False, reason=reason)
    for name in named:
        if not agent.allows(name, Access.READ):
            reason = (
                f"{decision.call} names {name} records in its payload, which needs read on "
                f"{name}; agent {agent.name} has {_has(agent, name)}"
            )
            return attrs.evolve(decision, record_types=types, allowed=False, reason=reason)
    return attrs.evolve(decision, record_types=types)


def _broken(exc: Exception) -> str:
    return f"the call could not be checked ({type(exc).__name__}); refused by default"


def rest_rule(op: RestOperation) -> Rule:
    """The rule for a catalog REST operation (see the module docstring)."""
    segments = op.path.strip("/").split("/")
    own = ENTITY_TYPES[op.entity] if op.entity is not None else _collection(op.path)
    parent = _collection(op.path)
    if op.path in ("/events", "/events/deleted"):
        return Rule(("events", *EVENT_FEED_TYPES))
    if segments[-1] == "customfield" or segments[-2:] == ["customfields", "attributes"]:
        return Rule(("customfields",))  # definitions, not a record's values
    if op.path == "/stagesets/{id}/export":
        return Rule(("stagesets", "leads"))
    if parent in RECORD_TYPES and parent != own:
        return Rule((parent, own))
    return Rule((own,))


_ENCODED_SEPARATOR: Final = re.compile(r"%(?:2f|5c|2e)", re.IGNORECASE)


def _match_operation(method: str, path: str) -> RestOperation | None:
    """The catalog row for ``method`` and a template or concrete ``path`` (most literal wins)."""
    verb = method.upper()
    path = path.split("?", 1)[0].split("#", 1)[0]
    if len(path) > 1:
        path = path.rstrip("/")
    candidates = [path]
    if path.startswith("/rest/"):
        candidates.append(path[len("/rest") :])
    for wanted in candidates:
        parts = wanted.strip("/").split("/")
        best: tuple[int, RestOperation] | None = None
        for op in REST_OPERATIONS:
            if op.method != verb:
                continue
            if op.path == wanted:
                return op
            template = op.path.strip("/").split("/")
            if len(template) != len(parts):
                continue
            literal = 0
            for want, have in zip(template, parts, strict=True):
                if _PLACEHOLDER.fullmatch(want):
                    # A dot segment or an encoded separator could name another collection once
                    # a server normalises the path: never an id.
                    if not have or have in (".", "..") or _ENCODED_SEPARATOR.search(have):
                        break
                elif want.lower() != have.lower():
                    break
                else:
                    literal += 1
            else:
                if best is None or literal > best[0]:
                    best = (literal, op)
        if best is not None:
            return best[1]
    return None


def check_rest(agent: Agent, method: str, path: str) -> Decision:
    """Whether ``agent`` may send ``method path`` (a catalog template or a concrete path,
    with or without the ``/rest`` prefix); a path that is no catalog operation is refused.
    Never raises."""
    call = f"{str(method).upper()} {path}"
    try:
        op = _match_operation(str(method), str(path))
        if op is None:
            access = Access.READ if call.startswith(("GET ", "HEAD ")) else Access.WRITE
            reason = f"{call} is not a catalog operation; agent {agent.name} is refused by default"
            return Decision(agent.name, call, (), access, allowed=False, reason=reason)
        return check_rest_operation(agent, op)
    except Exception as exc:  # a policy check must refuse, never crash the caller
        return Decision(agent.name, call, (), Access.WRITE, False, _broken(exc))


def check_rest_operation(agent: Agent, op: RestOperation) -> Decision:
    """Whether ``agent`` may send the catalog operation ``op``; never raises."""
    call = f"{op.method} {op.path}"
    try:
        rule = rest_rule(op)
        return _decide(agent, call, rule.record_types, op.access, rule.mode)
    except Exception as exc:  # a policy check must refuse, never crash the caller
        return Decision(agent.name, call, (), Access.WRITE, False, _broken(exc))


def enforce(decision: Decision) -> None:
    """Raise :class:`PolicyDenied` with the decision's reason unless it allows the call."""
    if not decision.allowed:
        raise PolicyDenied(decision.reason or f"{decision.call} is refused by the policy")


def filter_result(decision: Decision, result: Any) -> Any:
    """``result`` of a filtered search without the stubs of the types in ``decision.dropped``.

    A map of stub lists (``searchUniversal``, ``searchByEmail``) keeps every key, with an
    empty list under each type not granted; a list of stubs keeps those whose ``entityType``
    is a granted type (a stub of no recognisable type is dropped: deny by default). Any
    other result, or a decision that drops nothing, is returned as it is.
    """
    if not decision.dropped:
        return result
    kept = {t for t in decision.record_types if t not in decision.dropped}

    def granted(kind: object) -> bool:
        return isinstance(kind, str) and kind.strip().lower() in kept

    if isinstance(result, Mapping):
        return {
            key: value if granted(key) or not isinstance(value, list) else []
            for key, value in result.items()
            if granted(key) or isinstance(value, list)
        }
    if isinstance(result, list):
        return [
            item for item in result if isinstance(item, Mapping) and granted(item.get("entityType"))
        ]
    return result
