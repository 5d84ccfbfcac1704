"""Generates ``nutshell_rpc/_legacy.py``: one real, typed method per catalog RPC method.

Real methods (rather than ``__getattr__`` magic) give users signatures, docstrings, tab
completion and type checking, while the catalog stays the only place a method is declared.
Regenerate after changing the catalog::

    python -m nutshell_rpc._legacy_gen

A test fails when the checked-in file differs from what this renders.
"""

from __future__ import annotations

import keyword
import textwrap
from pathlib import Path

from nutshell_core.catalog import REQUIRED, RPC_METHODS, RpcMethod

TARGET = Path(__file__).with_name("_legacy.py")

HEADER = '''\
# Generated from nutshell_core.catalog by nutshell_rpc._legacy_gen: do not edit by hand.
"""Every legacy JSON-RPC method as a real method, generated from the catalog.

Each method binds its arguments through the catalog signature and forwards to ``call``;
parameters left out are not sent, so the server applies its own defaults (shown in each
docstring as the documented defaults).
"""

from __future__ import annotations

from typing import Any

from nutshell_core.calls import OMITTED

__all__ = ["LegacyMethods"]


class LegacyMethods:
    """The legacy Nutshell JSON-RPC surface; subclasses provide :meth:`call`."""

    __slots__ = ()

    def call(self, method: str, /, *args: Any, **kwargs: Any) -> Any:
        """Call ``method`` with arguments bound through its catalog signature."""
        raise NotImplementedError
'''


LINE = 100


def _fit(indent: str, head: str, items: list[str], tail: str) -> list[str]:
    """Lay out a call or signature the way ``ruff format`` would: one line, or one item a line."""
    flat = f"{indent}{head}{', '.join(items)}{tail}"
    if len(flat) <= LINE:
        return [flat]
    return [f"{indent}{head}", *(f"{indent}    {item}," for item in items), f"{indent}{tail}"]


def _method_source(method: RpcMethod) -> str:
    for param in method.params:
        if keyword.iskeyword(param.name):  # pragma: no cover - the catalog has none
            raise ValueError(f"{method.name}: parameter {param.name!r} is a Python keyword")
    signature = ["self"] + [
        f"{p.name}: Any" if p.default is REQUIRED else f"{p.name}: Any = OMITTED"
        for p in method.params
    ]
    forwarded = [f'"{method.name}"'] + [f"{p.name}={p.name}" for p in method.params]
    defaults = ", ".join(
        p.name if p.default is REQUIRED else f"{p.name}={p.default!r}" for p in method.params
    )
    summary = method.doc or f"The {method.name} JSON-RPC method."
    returns = method.returns.value
    details = (
        f"Signature: {method.name}({defaults}). Access: {method.access.value}; returns: {returns}."
    )
    wrap = textwrap.TextWrapper(width=LINE - 8, initial_indent=" " * 8, subsequent_indent=" " * 8)
    summary_lines = wrap.wrap(summary)
    summary_lines[0] = '        """' + summary_lines[0].lstrip()
    lines = [
        "",
        *_fit("    ", f"def {method.name}(", signature, ") -> Any:"),
        *summary_lines,
        "",
        *wrap.wrap(details),
        '        """',
        *_fit("        ", "return self.call(", forwarded, ")"),
    ]
    return "\n".join(lines) + "\n"


def render() -> str:
    """The full text of ``_legacy.py`` for the current catalog."""
    body = "".join(_method_source(RPC_METHODS[name]) for name in sorted(RPC_METHODS))
    return HEADER + body


def main() -> None:
    """Write ``_legacy.py`` next to this module."""
    TARGET.write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main()
