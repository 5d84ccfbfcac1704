"""``nutshell-migrate --version`` and ``python -m nutshell_migrate --version`` name the release."""

from __future__ import annotations

import subprocess
import sys

import pytest

import nutshell_migrate
from nutshell_migrate.cli import main

TIMEOUT = 60.0  # seconds: the bound on the subprocess (an interpreter start and the imports)


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"nutshell-migrate {nutshell_migrate.__version__}\n"
    assert captured.err == ""


def test_version_is_the_installed_distribution_version() -> None:
    # The project is installed (editable) in the test environment, so the fallback for an
    # uninstalled source tree must not be what the command shows.
    assert nutshell_migrate.__version__ != "0+unknown"


def test_python_dash_m_prints_the_version() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "nutshell_migrate", "--version"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == f"nutshell-migrate {nutshell_migrate.__version__}\n"
