"""``nutshell-migrate policy``: add-agent prints a token once and keeps only its digest."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from nutshell_core.catalog import Access
from nutshell_core.policy import Policy
from nutshell_migrate.cli import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_add_agent_creates_a_private_file_and_prints_the_token_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "policy.toml"
    code, stdout, stderr = _run(
        capsys,
        "policy",
        "add-agent",
        "sales-bot",
        "--grant",
        "leads=write",
        "--grant",
        "pipelines=read",
        "--policy",
        str(path),
    )
    assert code == 0
    token = stdout.strip()
    assert stdout == token + "\n" and len(token) >= 40
    assert token not in stderr and "sales-bot" in stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert token not in text
    assert hashlib.sha256(token.encode()).hexdigest() in text
    policy = Policy.load(path)
    assert policy.authenticate(token, "sales-bot") is policy.agents["sales-bot"]
    assert dict(policy.agents["sales-bot"].grants) == {
        "leads": Access.WRITE,
        "stagesets": Access.READ,
    }


def test_duplicates_need_replace_and_others_are_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(tmp_path / "policy.toml")
    assert (
        _run(capsys, "policy", "add-agent", "a", "--grant", "leads=read", "--policy", path)[0] == 0
    )
    first = _run(capsys, "policy", "add-agent", "b", "--grant", "*=read", "--policy", path)[1]
    code, stdout, stderr = _run(
        capsys, "policy", "add-agent", "b", "--grant", "tags=write", "--policy", path
    )
    assert code == 2 and stdout == ""
    assert stderr.count("\n") == 1 and "--replace" in stderr
    code, stdout, _ = _run(
        capsys, "policy", "add-agent", "b", "--grant", "tags=write", "--replace", "--policy", path
    )
    assert code == 0
    policy = Policy.load(path)
    assert set(policy.agents) == {"a", "b"}
    assert policy.authenticate(first.strip()) is None  # the old token is gone
    assert policy.authenticate(stdout.strip()) is policy.agents["b"]
    code, stdout, _ = _run(capsys, "policy", "list", "--policy", path)
    assert code == 0
    assert stdout.splitlines() == ["a  leads=read", "b  tags=write"]
    assert policy.agents["a"].token_sha256 not in stdout


@pytest.mark.parametrize(
    ("grant", "words"),
    [
        ("lead=read", "unknown record type 'lead'; did you mean 'leads'?"),
        ("leads=admin", "unknown access 'admin'"),
        ("leads", "must look like TYPE=read"),
    ],
)
def test_bad_grants_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], grant: str, words: str
) -> None:
    path = tmp_path / "policy.toml"
    code, stdout, stderr = _run(
        capsys, "policy", "add-agent", "x", "--grant", grant, "--policy", str(path)
    )
    assert code == 2 and stdout == ""
    assert stderr.startswith("nutshell-migrate policy: error: ") and words in stderr
    assert stderr.count("\n") == 1
    assert not path.exists()


def test_check_validates_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.toml"
    good.write_text(
        f'[agents.a]\ntoken_sha256 = "{"0" * 64}"\ngrants = {{ leads = "read" }}\n',
        encoding="utf-8",
    )
    assert _run(capsys, "policy", "check", str(good)) == (0, f"{good}: valid, 1 agent\n", "")
    bad = tmp_path / "bad.toml"
    bad.write_text('[agents.a]\ntoken_sha256 = "abc"\ngrants = {}\n', encoding="utf-8")
    code, stdout, stderr = _run(capsys, "policy", "check", str(bad))
    assert code == 2 and stdout == ""
    assert f"{bad}: agent 'a': token_sha256 must be 64 lower-case hex digits" in stderr
    code, _, stderr = _run(capsys, "policy", "check", str(tmp_path / "missing.toml"))
    assert code == 2 and "cannot read the policy file" in stderr
    assert _run(capsys, "policy", "add-agent", "x", "--policy", str(good))[0] == 2  # no --grant
