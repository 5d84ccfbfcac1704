"""``scan`` as a plan (per method: can it move now, with which modes, a starting routes file),
the call forms it follows (dynamic names, lookups, Ruby snake_case), and ``matrix METHOD``."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bridge.matrix import describe, matrix, plan_for, shared_reasons, to_markdown
from bridge.registry import Status
from bridge.routes import Mode, Routes
from bridge.translators import REGISTRY
from nutshell_core.catalog import RPC_METHODS, Access
from nutshell_core.errors import ConfigurationError
from nutshell_migrate.cli import main
from nutshell_migrate.scan import scan_paths
from nutshell_migrate.scan_patterns import DISCOVERY, snake_case

# One read of each status and one write, called as attributes.
CALLS_PY = """\
api.findTags()
api.getLead(1)
api.getLead(2)
api.deleteActivity(3)
api.editLead(1, "rev", {})
api.getApiForUsername("me")
"""


def _write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    _write(root, "calls.py", CALLS_PY)
    return root


def _json_scan(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    assert main(["scan", *argv, "--format", "json"]) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


# -- the plan -------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", sorted(RPC_METHODS))
def test_every_allowed_mode_passes_routes_validation(method: str) -> None:
    plan = plan_for(method)
    for mode in plan.modes:
        Routes({method: mode})  # raises for a mode validation refuses
    Routes({method: plan.start})
    if REGISTRY[method].status is Status.UNSUPPORTED:
        assert plan.modes == (Mode.RPC,) and not plan.can_move
        assert plan.verdict.startswith("no: ")
    elif RPC_METHODS[method].access is Access.WRITE:
        assert plan.modes == (Mode.RPC, Mode.REST, Mode.REST_FALLBACK)
        assert plan.start is Mode.RPC and "rest-fallback" in plan.next_step
        with pytest.raises(ConfigurationError):
            Routes({method: Mode.SHADOW})
    else:
        assert set(plan.modes) == set(Mode) and plan.start is Mode.SHADOW


def test_each_hit_carries_its_methods_plan(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _json_scan(capsys, str(project))
    by_method = {h["method"]: h for h in data["hits"]}
    assert by_method["findTags"]["verdict"] == "yes"
    assert by_method["findTags"]["access"] == "read"
    assert by_method["findTags"]["can_move"] is True
    assert by_method["getLead"]["verdict"].startswith("yes, after checking differences: ")
    assert "$.assignee.name" in by_method["getLead"]["verdict"]
    assert by_method["editLead"]["access"] == "write"
    assert by_method["editLead"]["modes"] == ["rpc", "rest", "rest-fallback"]
    assert by_method["deleteActivity"]["can_move"] is False
    assert by_method["deleteActivity"]["modes"] == ["rpc"]
    assert by_method["deleteActivity"]["verdict"] == f"no: {REGISTRY['deleteActivity'].reason}"
    plan = {p["method"]: p for p in data["plan"]}
    assert plan["getLead"]["calls"] == 2
    assert plan["getLead"]["start"] == "shadow"
    assert plan["getLead"]["fields"] == list(plan_for("getLead").fields)
    assert plan["editLead"]["start"] == "rpc"


def test_text_groups_call_sites_under_one_line_per_method(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", str(project)]) == 0
    lines = capsys.readouterr().out.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("  getLead (")))
    assert lines[start].startswith("  getLead (read, partial; modes: rpc, rest, shadow, ")
    assert ": yes, after checking differences: $.assignee.name" in lines[start]
    calls = project / "calls.py"
    assert lines[start + 1 : start + 3] == [f"      {calls}:2:5", f"      {calls}:3:5"]
    assert "Can move now (mapped): 1 method(s), 1 call site(s)" in lines
    assert "Cannot move: stays on rpc (unsupported): 1 method(s), 1 call site(s)" in lines
    assert any(line.startswith("  deleteActivity (write, unsupported; modes: rpc): no: ")
               for line in lines)  # fmt: skip


def test_discovery_is_left_out(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert RPC_METHODS["getApiForUsername"].entity is None  # a catalog entry, but no data
    report = scan_paths([str(project)])
    assert "getApiForUsername" not in {h.method for h in report.hits}
    assert [(h.method, h.line) for h in report.left_out] == [("getApiForUsername", 6)]
    assert main(["scan", str(project)]) == 0
    out = capsys.readouterr().out
    assert "Left out 1 getApiForUsername call(s), endpoint discovery" in out
    assert "  getApiForUsername (" not in out


# -- the starting routes file -------------------------------------------------------------------


def test_routes_out_writes_a_file_routes_load(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "routes.toml"
    assert main(["scan", str(project), "--routes-out", str(target)]) == 0
    assert f"Wrote starting routes for 4 method(s) to {target}." in capsys.readouterr().out
    routes = Routes.from_file(target)
    assert routes.default is Mode.RPC
    assert dict(routes.modes) == {
        "findTags": Mode.SHADOW,  # reads are proven first
        "getLead": Mode.SHADOW,
        "editLead": Mode.RPC,  # writes wait for rest-fallback
        "deleteActivity": Mode.RPC,  # unsupported
    }
    text = target.read_text(encoding="utf-8")
    entry = re.search(r"# editLead — (.*?)\neditLead = \"rpc\"", text, re.S)
    assert entry is not None and "write, partial" in entry.group(1)
    assert "rest-fallback" in entry.group(1)
    unsupported = re.search(r"# deleteActivity — (.*?)\ndeleteActivity", text, re.S)
    assert unsupported is not None
    assert "no DELETE /activities/{id}" in " ".join(unsupported.group(1).replace("#", "").split())
    assert all(len(line) <= 100 for line in text.splitlines())


def test_routes_out_refuses_to_overwrite_without_force(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "routes.toml"
    target.write_text("# mine\n", encoding="utf-8")
    assert main(["scan", str(project), "--routes-out", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--force" in err
    assert target.read_text(encoding="utf-8") == "# mine\n"
    assert main(["scan", str(project), "--routes-out", str(target), "--force"]) == 0
    assert "getLead" in Routes.from_file(target).modes


def test_routes_out_must_be_toml(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Routes.from_file reads any other name as JSON, so a TOML file must say so.
    assert main(["scan", str(project), "--routes-out", str(tmp_path / "routes.json")]) == 2
    assert ".toml" in capsys.readouterr().err
    assert not (tmp_path / "routes.json").exists()


def test_dynamic_names_become_commented_candidates(tmp_path: Path) -> None:
    _write(tmp_path, "d.py", 'fn = getattr(api, "get" + entity)\napi.getLead(1)\n')
    target = tmp_path / "routes.toml"
    assert main(["scan", str(tmp_path / "d.py"), "--routes-out", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    assert "# get* — a dynamic name" in text
    assert '# getContact = "shadow"  # read, partial' in text
    assert "#   (getLead: found directly" in text
    assert dict(Routes.from_file(target).modes) == {"getLead": Mode.SHADOW}


# -- call forms -----------------------------------------------------------------------------------

DYNAMIC = {
    "a.py": 'f = getattr(api, "find" + entity)\ng = getattr(client, f"find{entity}")\n',
    "b.php": '<?php\n$x = $api->{"find" . $entity}();\n$y = $api->call("find" . $e, $p);\n',
    "c.js": "const r = await api[`find${entity}`]({});\n",
    "d.rb": 'api.public_send("find_#{kind}", q)\n',
}

NOT_DYNAMIC = """\
h = getattr(self, "get_" + name)
label = "find" + entity
word = "findings"
handler = getattr(self, "xyz" + name)
"""


def test_a_dynamic_name_is_one_hit_with_its_candidates(tmp_path: Path) -> None:
    for name, text in DYNAMIC.items():
        _write(tmp_path, name, text)
    _write(tmp_path, "near.py", NOT_DYNAMIC)
    hits = scan_paths([str(tmp_path)]).hits
    found = [(Path(h.path).name, h.line, h.method, h.form, h.status) for h in hits]
    assert found == [
        ("a.py", 1, "find*", "dynamic", "dynamic"),
        ("a.py", 2, "find*", "dynamic", "dynamic"),
        ("b.php", 2, "find*", "dynamic", "dynamic"),
        ("b.php", 3, "find*", "dynamic", "dynamic"),
        ("c.js", 1, "find*", "dynamic", "dynamic"),
        ("d.rb", 1, "find*", "dynamic", "dynamic"),
    ]
    finds = tuple(sorted(n for n in RPC_METHODS if n.startswith("find")))
    assert all(h.candidates == finds for h in hits)
    assert hits[0].column == len('f = getattr(api, "') + 1  # where the literal prefix starts


def test_dynamic_names_are_planned_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(tmp_path, "a.py", DYNAMIC["a.py"])
    data = _json_scan(capsys, str(tmp_path))
    assert data["summary"]["by_status"]["dynamic"] == 2
    (plan,) = data["plan"]
    assert plan["method"] == "find*" and plan["calls"] == 2
    assert plan["can_move"] is None and plan["access"] == "read"
    assert plan["verdict"].startswith(f"depends on the name: {len(plan['candidates'])} candidates")
    assert not DISCOVERY & set(plan["candidates"])


LOOKUPS = """\
fn = getattr(api, "findLeads")
lead = api["getContact"](5)
handler = handlers["getContact"]
"""


def test_lookups_by_literal_name_are_found(tmp_path: Path) -> None:
    _write(tmp_path, "a.py", LOOKUPS)
    _write(
        tmp_path, "b.php", "<?php\n$y = $api->{'getLead'}(1);\ncall_user_func([$api, 'newTask']);\n"
    )
    hits = scan_paths([str(tmp_path)]).hits
    assert [(Path(h.path).name, h.line, h.method, h.form) for h in hits] == [
        ("a.py", 1, "findLeads", "reflective"),
        ("a.py", 2, "getContact", "reflective"),  # a subscript that is called
        ("b.php", 2, "getLead", "reflective"),
        ("b.php", 3, "newTask", "reflective"),
    ]


RUBY = """\
leads = api.find_leads(query: {})
lead = client.get_lead(12)
outcomes = api.find_lead_outcomes
api.send(:new_contact, c)
api.findAccounts
items.find_all { |x| x }
api.find_leads_later
find_leads
"""


def test_ruby_snake_case_maps_to_catalog_names(tmp_path: Path) -> None:
    _write(tmp_path, "client.rb", RUBY)
    _write(tmp_path, "same.py", RUBY)  # snake_case counts in Ruby only
    hits = scan_paths([str(tmp_path)]).hits
    assert [(Path(h.path).name, h.line, h.method, h.form) for h in hits] == [
        ("client.rb", 1, "findLeads", "attribute"),
        ("client.rb", 2, "getLead", "attribute"),
        ("client.rb", 3, "findLead_Outcomes", "attribute"),
        ("client.rb", 4, "newContact", "reflective"),
        ("client.rb", 5, "findAccounts", "attribute"),
        ("same.py", 5, "findAccounts", "attribute"),
    ]


def test_snake_case_names_are_unique() -> None:
    assert len({snake_case(n) for n in RPC_METHODS}) == len(RPC_METHODS)
    assert snake_case("findLead_Outcomes") == "find_lead_outcomes"


# -- unreadable paths -----------------------------------------------------------------------------


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[Path]:
    """A tree with an unreadable directory (itself holding a call) beside a readable file."""
    root = tmp_path / "tree"
    _write(root, "ok.py", "api.findTags()\n")
    _write(root, "locked/inner/x.py", "api.getLead(1)\n")
    (root / "locked").chmod(0)
    yield root
    (root / "locked").chmod(0o755)  # so tmp_path can be cleaned up


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="permissions do not apply to root",
)
def test_an_unreadable_directory_is_one_line(
    locked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", str(locked)]) == 0
    captured = capsys.readouterr()
    assert f"could not read {locked / 'locked'}: Permission denied" in captured.out.splitlines()
    assert "findTags" in captured.out
    assert "Traceback" not in captured.out + captured.err
    # A path named inside it exists, but cannot be looked at: reported, not "no such file".
    assert main(["scan", str(locked / "locked" / "inner"), str(locked / "ok.py")]) == 0
    out = capsys.readouterr().out
    assert f"could not read {locked / 'locked' / 'inner'}: Permission denied" in out


def test_an_unreadable_directory_is_reported_even_as_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # As root chmod does not bite, so the refusals are simulated where the walk meets them.
    root = tmp_path / "tree"
    _write(root, "ok.py", "api.findTags()\n")
    _write(root, "locked/x.py", "api.getLead(1)\n")
    locked = str(root / "locked")
    real_scandir, real_stat = os.scandir, os.stat

    def refused(path: Any) -> bool:
        return os.fspath(path).startswith(locked)

    def scandir(path: Any = ".") -> Any:
        if refused(path):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    def stat(path: Any, *args: Any, **kwargs: Any) -> Any:
        if refused(path) and os.fspath(path) != locked:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "stat", stat)
    assert main(["scan", str(root)]) == 0
    out = capsys.readouterr().out
    assert f"could not read {locked}: Permission denied" in out.splitlines()
    assert "findTags" in out and "getLead" not in out


# -- matrix for one method ----------------------------------------------------------------------


def test_matrix_method_groups_differences_by_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "--method", "getLead"]) == 0
    text = capsys.readouterr().out
    assert main(["matrix", "getLead"]) == 0
    assert capsys.readouterr().out == text
    assert text.startswith("getLead — read, partial\n")
    assert "Route modes: rpc, rest, shadow, shadow-rest, rest-fallback" in text
    assert "  GET /leads/{id}" in text
    teams = next(d.reason for d in REGISTRY["getLead"].differences if d.path == "$.assignee.name")
    flat = " ".join(text.split())
    assert flat.count(teams) == 1  # the reason once ...
    assert "fields: $.assignee.name, $.assignee.modifiedTime, $.assignee.createdTime" in flat
    assert "inputs: leadId" in flat


def test_matrix_method_wraps_for_a_terminal() -> None:
    for row in matrix():
        for line in describe(row.method, width=80).splitlines():
            # Only a single word longer than the width (a long path) may overflow.
            assert len(line) <= 80 or " " not in line.strip().split(": ", 1)[-1], line


def test_matrix_method_of_an_unsupported_method(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "deleteActivity"]) == 0
    text = capsys.readouterr().out
    assert "Can move now: no — route modes: rpc only" in text
    assert "Why not: the REST API has no DELETE /activities/{id}" in text


def test_matrix_method_json_adds_the_grouped_form(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "--method", "getLead", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    row = next(r for r in matrix() if r.method == "getLead")
    assert data["differences"] == list(row.differences)  # the matrix's JSON shape, plus
    assert data["access"] == "read" and data["modes"][0] == "rpc"
    groups = data["grouped_differences"]
    assert len(groups) == len({d.reason for d in REGISTRY["getLead"].differences})
    assert sum(len(g["fields"]) + len(g["inputs"]) for g in groups) == len(row.differences)


@pytest.mark.parametrize(
    ("name", "hint"), [("getLeads", "did you mean getLead"), ("fndLeads", "findLeads")]
)
def test_matrix_unknown_method_is_one_line_with_close_matches(
    name: str, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["matrix", name]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and hint in err and "Traceback" not in err


def test_matrix_method_accepts_snake_case(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "find_leads"]) == 0
    assert capsys.readouterr().out.startswith("findLeads — read, partial")


# -- Markdown -----------------------------------------------------------------------------------


def test_markdown_rows_state_each_reason_once() -> None:
    table = to_markdown()
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert len(rows) == len(RPC_METHODS)
    shared = shared_reasons(matrix())
    for row in matrix():
        line = next(r for r in rows if r.startswith(f"| `{row.method}` |"))
        for group in row.groups:
            stated = f"see R{shared[group.reason]}" if group.reason in shared else group.reason
            cells = line.split(" | ")[-1].split("<br>")
            assert sum(c.startswith(stated + " — ") for c in cells) == 1, row.method
    for reason, number in shared.items():
        assert table.count(reason) == 1
        assert f"- **R{number}**: {reason}" in table
    assert max(map(len, rows)) < 2000
