"""The README's Python snippets run, in order, as a reader would paste them.

They run against the emulator mounted on Nutshell's hosts, holding the README's own user
(``jim@example.com``), so the snippets stay exactly as written; a snippet that fails here would
fail for a reader too. The README's size stays within a few screens.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import responses

from nutshell_emulator import DEFAULT_API_KEY, Emulator

README = Path(__file__).resolve().parents[1] / "README.md"
SNIPPET = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def test_the_readme_fits_on_a_few_screens() -> None:
    assert len(README.read_bytes()) < 20_000


def test_the_readme_python_snippets_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snippets = SNIPPET.findall(README.read_text(encoding="utf-8"))
    assert len(snippets) >= 6
    monkeypatch.chdir(tmp_path)  # the shadow snippet writes its log in the working directory
    emulator = Emulator(email="jim@example.com", api_key=DEFAULT_API_KEY)
    emulator.seed(40, random_seed=2)
    namespace: dict[str, object] = {"api_key": DEFAULT_API_KEY}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        emulator.mount(mock)
        for number, snippet in enumerate(snippets, 1):
            code = compile(snippet, f"README.md python snippet {number}", "exec")
            exec(code, namespace)
    assert (tmp_path / "shadow.jsonl").read_text(encoding="utf-8").count("\n") == 1
    emulator.close()
