"""The access policy: the file format, tokens, and what every catalog call needs."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nutshell_core.catalog import (
    REST_OPERATIONS,
    RPC_METHODS,
    Access,
    RestOperation,
    rpc_method,
)
from nutshell_core.errors import ConfigurationError, PolicyDenied
from nutshell_core.policy import (
    ALIASES,
    ENTITY_TYPES,
    RECORD_TYPES,
    RPC_RULES,
    WILDCARD,
    Agent,
    Decision,
    Policy,
    PolicyError,
    check_rest,
    check_rest_operation,
    check_rpc,
    enforce,
    filter_result,
    new_token,
    rest_rule,
    rpc_rule,
    token_digest,
)

DIGEST = "ab" * 32
EXAMPLE = f"""
[agents.sales-bot]
token_sha256 = "{DIGEST}"
grants = {{ leads = "write", contacts = "read", accounts = "read" }}
"""


def agent(**grants: str) -> Agent:
    return Agent("bot", DIGEST, {k.replace("STAR", "*"): v for k, v in grants.items()})


# -- record types -------------------------------------------------------------------------------


def test_record_types_cover_every_catalog_entity() -> None:
    entities = {r.entity for r in RPC_METHODS.values()} | {o.entity for o in REST_OPERATIONS}
    assert {e for e in entities if e is not None} == set(ENTITY_TYPES)
    expected = {"leads", "contacts", "accounts", "activities", "tasks", "notes", "products"}
    expected |= {"stagesets", "stages", "users", "teams", "tags", "sources", "markets"}
    expected |= {"competitors", "emails", "customfields", "invoices", "quotes", "events"}
    assert expected <= RECORD_TYPES
    assert all(t == t.lower() and t.isalpha() for t in RECORD_TYPES)


def test_aliases_resolve_to_canonical_types() -> None:
    bot = Agent("bot", DIGEST, {"pipelines": "read", "People": "write"})
    assert dict(bot.grants) == {"stagesets": Access.READ, "contacts": Access.WRITE}
    assert set(ALIASES.values()) <= RECORD_TYPES


# -- grants -------------------------------------------------------------------------------------


def test_write_implies_read_and_deny_by_default() -> None:
    bot = agent(leads="write", contacts="read")
    assert bot.allows("leads", Access.READ)
    assert bot.allows("leads", Access.WRITE)
    assert bot.allows("contacts", Access.READ)
    assert not bot.allows("contacts", Access.WRITE)
    assert not bot.allows("accounts", Access.READ)
    assert not bot.allows(WILDCARD, Access.READ)


def test_wildcard_and_specific_override() -> None:
    bot = agent(STAR="write", leads="read")
    assert bot.allows("accounts", Access.WRITE)
    assert bot.allows(WILDCARD, Access.WRITE)
    assert not bot.allows("leads", Access.WRITE)  # the specific grant narrows "*"
    reader = agent(STAR="read")
    assert reader.allows("tags", Access.READ)
    assert not reader.allows("tags", Access.WRITE)


# -- the file -----------------------------------------------------------------------------------


def test_example_from_the_docs_loads(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(EXAMPLE, encoding="utf-8")
    policy = Policy.load(path)
    bot = policy.agents["sales-bot"]
    assert bot.grants["leads"] is Access.WRITE
    assert Policy.from_toml(policy.to_toml()) == policy


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "[agents.a]\ntoken_sha256 = 'x'\ngrants = {}\n",
            ["policy.toml", "'a'", "token_sha256", "64"],
        ),
        (f"[agents.a]\ntoken_sha256 = '{DIGEST.upper()}'\ngrants = {{}}\n", ["lower-case hex"]),
        (f"[agents.a]\ntoken_sha256 = '{DIGEST}'\n", ["missing grants"]),
        ("[agents.a]\ngrants = {}\n", ["missing token_sha256"]),
        (f"[agents.a]\ntoken_sha256 = '{DIGEST}'\ngrants = {{ lead = 'read' }}\n", ["'lead'"]),
        (f"[agents.a]\ntoken_sha256 = '{DIGEST}'\ngrants = {{ leads = 'admin' }}\n", ["'admin'"]),
        (f"[agents.a]\ntoken_sha256 = '{DIGEST}'\ngrants = {{}}\nrole = 1\n", ["'role'"]),
        ("[agents.a\n", ["not valid TOML", "line 1"]),
        ("[agent.a]\n", ["'agent'"]),
        ("agents = 3\n", ["'agents' must be a table"]),
        (f"[agents.'a b']\ntoken_sha256 = '{DIGEST}'\ngrants = {{}}\n", ["'a b'"]),
        (f"[agents.a]\ntoken_sha256 = '{DIGEST}'\ngrants = 'all'\n", ["grants must be"]),
        (
            f"[agents.a]\ntoken_sha256 = '{DIGEST}'\ngrants = {{}}\n"
            f"[agents.b]\ntoken_sha256 = '{DIGEST}'\ngrants = {{}}\n",
            ["same token"],
        ),
        (
            f"[agents.a]\ntoken_sha256 = '{DIGEST}'\n"
            "grants = { pipelines = 'read', stagesets = 'write' }\n",
            ["granted twice"],
        ),
    ],
)
def test_bad_files_fail_with_one_clear_line(text: str, words: list[str]) -> None:
    with pytest.raises(PolicyError) as caught:
        Policy.from_toml(text, source="policy.toml")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("policy.toml: ")
    for word in words:
        assert word in message
    assert isinstance(caught.value, ConfigurationError)


def test_unknown_record_type_suggests_the_right_one() -> None:
    with pytest.raises(PolicyError, match="did you mean 'leads'"):
        agent(lead="read")


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"cannot read the policy file .*nope\.toml"):
        Policy.load(tmp_path / "nope.toml")


def test_empty_file_is_an_empty_policy() -> None:
    assert Policy.from_toml("").agents == {}
    assert Policy().to_toml() == ""


# -- tokens -------------------------------------------------------------------------------------


def test_new_token_and_authentication() -> None:
    token, digest = new_token()
    assert len(token) >= 40
    assert digest == hashlib.sha256(token.encode()).hexdigest() == token_digest(token)
    other, other_digest = new_token()
    policy = Policy().with_agent(Agent("a", digest, {})).with_agent(Agent("b", other_digest, {}))
    assert policy.authenticate(token) == policy.agents["a"]
    assert policy.authenticate(other) == policy.agents["b"]
    assert policy.authenticate(token, "a") == policy.agents["a"]
    assert policy.authenticate(token, "b") is None  # Basic: the name must match too
    assert policy.authenticate(token, "nobody") is None
    assert policy.authenticate("wrong") is None
    assert policy.authenticate("") is None
    assert token not in repr(policy) and digest not in repr(policy.agents["a"])


def test_with_agent_replaces_and_without_agent_removes() -> None:
    policy = Policy().with_agent(agent(leads="read"))
    policy = policy.with_agent(agent(leads="write"))
    assert policy.agents["bot"].grants["leads"] is Access.WRITE
    assert policy.without_agent("bot").agents == {}


names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)
digests = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
grant_maps = st.dictionaries(
    st.sampled_from(sorted(RECORD_TYPES | {WILDCARD})), st.sampled_from(["read", "write"])
)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(names, st.tuples(digests, grant_maps), max_size=5))
def test_toml_round_trip(raw: dict[str, tuple[str, dict[str, str]]]) -> None:
    seen: set[str] = set()
    agents = {}
    for name, (digest, grants) in raw.items():
        if digest in seen:
            continue
        seen.add(digest)
        agents[name] = Agent(name, digest, grants)
    policy = Policy(agents)
    text = policy.to_toml()
    assert Policy.from_toml(text) == policy
    assert Policy.from_toml(text).to_toml() == text


# -- what every call needs ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(RPC_METHODS))
def test_every_rpc_method_resolves(name: str) -> None:
    row = RPC_METHODS[name]
    rule = rpc_rule(row)
    assert rule is not None, f"{name} has no entity and no RPC_RULES row"
    assert all(t in RECORD_TYPES or t == WILDCARD for t in rule.record_types)
    assert rule.record_types or rule.mode == "open"
    everything = agent(STAR="write")
    assert check_rpc(everything, row, {}).allowed
    nothing = Agent("none", DIGEST, {})
    decision = check_rpc(nothing, row, {})
    assert decision.allowed is (rule.mode == "open")
    assert decision.access is row.access


def test_misc_table_only_lists_catalog_methods() -> None:
    assert set(RPC_RULES) <= set(RPC_METHODS)
    assert {r.name for r in RPC_METHODS.values() if r.entity is None} <= set(RPC_RULES)


@pytest.mark.parametrize("op", REST_OPERATIONS, ids=lambda op: f"{op.method} {op.path}")
def test_every_rest_operation_resolves(op: RestOperation) -> None:
    rule = rest_rule(op)
    assert rule.record_types and all(t in RECORD_TYPES for t in rule.record_types)
    everything = agent(STAR="write")
    assert check_rest(everything, op.method, op.path).allowed
    assert check_rest_operation(everything, op).allowed
    assert not check_rest(Agent("none", DIGEST, {}), op.method, op.path).allowed
    # A concrete path finds the same row (or one of the same shape and needs).
    concrete = op.path.replace("{id}", "12-leads").replace("{fieldId}", "3-wfFields")
    decision = check_rest(everything, op.method, "/rest" + concrete)
    assert decision.allowed and decision.access is op.access


def test_the_issue_example() -> None:
    bot = agent(leads="read")
    assert check_rpc(bot, rpc_method("findLeads"), {}).allowed
    assert check_rpc(bot, rpc_method("getLead"), {"leadId": 1}).allowed
    for name, access, rtype in [
        ("newLead", "write", "leads"),
        ("editLead", "write", "leads"),
        ("getContact", "read", "contacts"),
    ]:
        decision = check_rpc(bot, rpc_method(name), {})
        assert not decision.allowed
        with pytest.raises(PolicyDenied) as caught:
            enforce(decision)
        message = str(caught.value)
        assert message.startswith(f"{name} needs {access} on {rtype}; agent bot has ")


def test_refusal_messages_say_what_the_agent_has() -> None:
    bot = agent(leads="read")
    assert check_rpc(bot, rpc_method("newLead"), {}).reason == (
        "newLead needs write on leads; agent bot has read on leads"
    )
    assert check_rpc(bot, rpc_method("getContact"), {}).reason == (
        "getContact needs read on contacts; agent bot has no access to contacts"
    )
    assert "* (every record type)" in (check_rpc(bot, rpc_method("findBackups"), {}).reason or "")


def test_rest_specifics() -> None:
    bot = agent(leads="read")
    assert check_rest(bot, "GET", "/leads/12-leads").call == "GET /leads/{id}"
    assert check_rest(bot, "GET", "/rest/leads/list?x=1").call == "GET /leads/list"
    assert not check_rest(bot, "GET", "/leads/12-leads/stages").allowed  # stages too
    assert check_rest(agent(leads="read", stages="read"), "GET", "/leads/1/stages").allowed
    assert not check_rest(bot, "GET", "/leads/customfields/attributes").allowed
    assert check_rest(bot, "GET", "/leads/12-leads/customfields").allowed
    assert not check_rest(bot, "POST", "/leads").allowed
    unknown = check_rest(bot, "GET", "/admin")
    assert not unknown.allowed and "not a catalog operation" in (unknown.reason or "")
    assert not check_rest(bot, "BREW", "/leads").allowed
    events = check_rest(agent(STAR="read"), "GET", "/events")
    assert events.allowed and "events" in events.record_types
    assert not check_rest(agent(events="read", leads="read"), "GET", "/events").allowed


def test_timeline_needs_its_parts_and_its_subject() -> None:
    row = rpc_method("findTimeline")
    parts = agent(activities="read", emails="read", notes="read")
    assert check_rpc(parts, row, {"query": {"entityType": "Notes"}}).allowed
    decision = check_rpc(parts, row, {"query": {"entityType": "Leads", "id": 1}})
    assert not decision.allowed and "leads" in (decision.reason or "")
    assert check_rpc(agent(leads="read", activities="read"), row, {}).allowed is False


def test_searches_are_filtered_to_granted_types() -> None:
    bot = agent(contacts="read")
    decision = check_rpc(bot, rpc_method("searchUniversal"), {"string": "a"})
    assert decision.allowed and set(decision.dropped) == {"accounts", "leads"}
    result = {"contacts": [{"id": 1}], "accounts": [{"id": 2}], "leads": [{"id": 3}]}
    assert filter_result(decision, result) == {"contacts": [{"id": 1}], "accounts": [], "leads": []}
    mixed = check_rpc(bot, rpc_method("searchContactsAndUsers"), {"string": "a"})
    stubs = [{"entityType": "Contacts", "id": 1}, {"entityType": "Users", "id": 2}, {"id": 3}, 4]
    assert filter_result(mixed, stubs) == [{"entityType": "Contacts", "id": 1}]
    none = check_rpc(agent(leads="read"), rpc_method("searchUsersAndTeams"), {})
    assert not none.allowed and "one of users, teams" in (none.reason or "")
    full = check_rpc(agent(STAR="read"), rpc_method("searchUniversal"), {})
    assert filter_result(full, result) is result


def test_checks_never_raise() -> None:
    bot = agent(leads="read")
    weird = check_rpc(bot, rpc_method("findTimeline"), {"query": object()})
    assert isinstance(weird, Decision) and not weird.allowed
    assert not check_rest(bot, "GET", "").allowed
    assert not check_rest(bot, None, None).allowed  # type: ignore[arg-type]


def test_agent_names_are_restricted() -> None:
    for bad in ["", "a b", "a:b", "-a", "x" * 65, "é"]:
        with pytest.raises(PolicyError):
            Agent(bad, DIGEST, {})
    assert Agent("aZ09._-", DIGEST, {}).name == "aZ09._-"


# --- writes naming other records -------------------------------------------------------------


@pytest.mark.parametrize(
    ("grants", "method", "params"),
    [
        ({"notes": "write"}, "newNote", {"entity": {"entityType": "Leads", "id": 1}, "note": "x"}),
        (
            {"tasks": "write"},
            "newTask",
            {"task": {"title": "x", "entity": {"entityType": "Accounts", "id": 3}}},
        ),
        (
            {"tasks": "write"},
            "editTask",
            {"taskId": 1, "rev": "0", "task": {"entity": {"entityType": "Accounts", "id": 7}}},
        ),
        ({"activities": "write"}, "newActivity", {"activity": {"leads": [{"id": 4}]}}),
        (
            {"activities": "write", "leads": "read"},
            "newActivity",
            {"activity": {"participants": [{"entityType": "Contacts", "id": 5}]}},
        ),
        ({"leads": "write"}, "newLead", {"lead": {"contacts": [{"id": 2}]}}),
        ({"leads": "write"}, "editLead", {"leadId": 1, "rev": "1", "lead": {"accounts": [7]}}),
    ],
)
def test_a_write_naming_records_of_an_ungranted_type_is_refused(
    grants: dict[str, str], method: str, params: dict[str, object]
) -> None:
    decision = check_rpc(agent(**grants), RPC_METHODS[method], params)
    assert not decision.allowed
    assert "in its payload" in (decision.reason or "")


def test_a_write_naming_records_the_agent_may_read_is_allowed() -> None:
    bot = agent(notes="write", leads="read")
    params = {"entity": {"entityType": "Leads", "id": 1}, "note": "x"}
    decision = check_rpc(bot, RPC_METHODS["newNote"], params)
    assert decision.allowed and decision.record_types == ("notes", "leads")
    owner = {"activity": {"participants": [{"entityType": "Users", "id": 1}]}}
    assert check_rpc(agent(activities="write"), RPC_METHODS["newActivity"], owner).allowed
    unknown = {"entity": {"entityType": "Bogus", "id": 1}, "note": "x"}
    assert not check_rpc(bot, RPC_METHODS["newNote"], unknown).allowed


def test_the_effort_report_needs_activities() -> None:
    row = RPC_METHODS["getAnalyticsReport"]
    leads_only = agent(leads="read")
    assert check_rpc(leads_only, row, {"reportType": "Pipeline", "period": "-d30"}).allowed
    effort = check_rpc(leads_only, row, {"reportType": "Effort", "period": "-d30"})
    assert not effort.allowed and "activities" in (effort.reason or "")


@pytest.mark.parametrize(
    "path",
    ["/rest/contacts/..%2Fleads%2F5", "/rest/contacts/..", "/contacts/%2e%2e", "/contacts/a%5cb"],
)
def test_an_id_segment_that_could_name_another_path_is_refused(path: str) -> None:
    assert not check_rest(agent(contacts="write"), "PATCH", path).allowed
    assert check_rest(agent(contacts="write"), "PATCH", "/rest/contacts/5-contacts").allowed
