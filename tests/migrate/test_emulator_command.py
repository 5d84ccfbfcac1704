"""``nutshell-migrate emulator --snapshot FILE``: a path that could not be saved on exit is
refused at start (one line, exit 2, nothing served), so no session's state is lost to it; a good
path is saved on exit and restored on the next start."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from nutshell_migrate.cli import main

RUN = ["emulator", "--port", "0", "--records", "8", "--seed", "2", "--run-seconds", "0"]


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run ``argv``, assert it stopped before serving with one error line; return that line."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing served: the banner never printed
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("nutshell-migrate emulator: error: ")
    assert "Traceback" not in captured.err
    return captured.err


def test_a_snapshot_is_saved_on_exit_and_restored_at_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "state.json"
    assert main([*RUN, "--snapshot", str(path)]) == 0
    assert f"saved to {path} on exit" in capsys.readouterr().out
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert "state" in saved
    assert not path.with_name("state.json.tmp").exists()

    assert main([*RUN, "--snapshot", str(path)]) == 0
    assert f"restored from {path}" in capsys.readouterr().out


def test_a_missing_folder_is_refused_at_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nowhere" / "state.json"
    err = _refused([*RUN, "--snapshot", str(path)], capsys)
    assert "does not exist" in err
    assert not path.parent.exists()


def test_a_folder_that_is_a_file_is_refused_at_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    err = _refused([*RUN, "--snapshot", str(tmp_path / "file" / "state.json")], capsys)
    assert "is not a directory" in err


def test_a_directory_as_the_file_is_refused_at_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _refused([*RUN, "--snapshot", str(tmp_path)], capsys)
    assert "it is a directory" in err


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="permission bits do not stop root from writing",
)
def test_a_folder_without_write_permission_is_refused_at_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        err = _refused([*RUN, "--snapshot", str(folder / "state.json")], capsys)
    finally:
        folder.chmod(0o700)
    assert "cannot save the snapshot" in err
    assert list(folder.iterdir()) == []


def test_a_file_that_cannot_be_restored_is_refused_at_start_and_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "state.json"
    path.write_text("not a snapshot", encoding="utf-8")
    err = _refused([*RUN, "--snapshot", str(path)], capsys)
    assert "cannot restore a snapshot" in err
    assert path.read_text(encoding="utf-8") == "not a snapshot"  # not overwritten on exit


def test_the_write_check_leaves_no_file_behind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "state.json"
    path.write_text("not a snapshot", encoding="utf-8")
    _refused([*RUN, "--snapshot", str(path)], capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]
