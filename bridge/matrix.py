"""The migration matrix, generated from the registry: never written by hand.

``matrix()`` returns one row per legacy method (status, REST operations, declared differences
or the reason it is unsupported); ``to_markdown()`` renders the table the README embeds between
``<!-- matrix:start -->`` and ``<!-- matrix:end -->``; a test fails when that copy is stale, and
``python -m bridge.matrix --write README.md`` refreshes it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs

from bridge.registry import Registry, Status, Translator

__all__ = ["END", "START", "MatrixRow", "embed", "matrix", "to_markdown"]

START = "<!-- matrix:start -->"
END = "<!-- matrix:end -->"


@attrs.frozen
class MatrixRow:
    """One legacy method in the migration matrix."""

    method: str
    status: Status
    rest_operations: tuple[str, ...]
    differences: tuple[str, ...]

    @classmethod
    def of(cls, translator: Translator) -> MatrixRow:
        """The row for one translator."""
        operations = tuple(f"{m} {p}" for m, p in translator.rest_operations)
        if translator.status is Status.UNSUPPORTED:
            notes: tuple[str, ...] = (translator.reason,)
        else:
            notes = tuple(f"{d.path}: {d.reason}" for d in translator.differences)
        return cls(translator.method, translator.status, operations, notes)


def _registry(registry: Registry | None) -> Registry:
    if registry is not None:
        return registry
    from bridge.translators import REGISTRY  # noqa: PLC0415 - avoids an import cycle

    return REGISTRY


def matrix(registry: Registry | None = None) -> tuple[MatrixRow, ...]:
    """The migration matrix as data, one row per legacy method, by name."""
    return tuple(MatrixRow.of(t) for t in _registry(registry))


def _cell(items: Iterable[str]) -> str:
    text = "<br>".join(item.replace("|", "\\|") for item in items)
    return text or "—"


def to_markdown(rows: Sequence[MatrixRow] | None = None) -> str:
    """The matrix as a Markdown table, with a count per status."""
    rows = matrix() if rows is None else rows
    counts = {s: sum(r.status is s for r in rows) for s in Status}
    summary = ", ".join(f"{counts[s]} {s.value}" for s in Status)
    lines = [
        f"{len(rows)} legacy methods: {summary}.",
        "",
        "| Method | Status | REST operations | Differences or reason |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| `{r.method}` | {r.status.value} | {_cell(r.rest_operations)} | {_cell(r.differences)} |"
        for r in rows
    ]
    return "\n".join(lines) + "\n"


def embed(document: str, table: str | None = None) -> str:
    """``document`` with the text between the matrix markers replaced by the current table."""
    if START not in document or END not in document:
        raise ValueError(f"the document has no {START} ... {END} block")
    head, rest = document.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table if table is not None else to_markdown()}{END}{tail}"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the matrix, or refresh the copy embedded in a document with ``--write``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--write", metavar="FILE", help="refresh the table embedded in FILE")
    args = parser.parse_args(argv)
    if args.write:
        path = Path(args.write)
        path.write_text(embed(path.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        sys.stdout.write(to_markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
