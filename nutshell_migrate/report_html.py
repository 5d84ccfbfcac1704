"""A shadow-log summary as one self-contained HTML page: inline CSS, no scripts, no assets.

Every value from the log is HTML-escaped (a CRM field may hold ``<script>``). The page opens
with the verdict and a table of every method; each method then has a collapsible section
(``<details>``, open when it mismatched) with its timings and requests, the paths that differed
with one example of both sides next to each other, errors, and the calls that mismatched.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from html import escape
from typing import Any, Final

from nutshell_migrate.report import APIS, MethodSummary, Summary, total_line

__all__ = ["render_html"]

_CSS: Final = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;
max-width:72rem;padding:0 1rem;color:#1d2330;background:#fafbfc}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:2rem 0 .5rem}
.meta{color:#5b6474;margin:0 0 1rem}
.verdict{padding:.8rem 1rem;border-radius:6px;font-weight:600;margin:1rem 0}
.verdict.ok{background:#e6f6ea;color:#17612c}.verdict.bad{background:#fde8e8;color:#8a1c1c}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #e3e6eb;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f1f3f6;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.chip{display:inline-block;padding:0 .5rem;border-radius:999px;font-size:.8rem;font-weight:600}
.mismatched{background:#fbd5d5;color:#8a1c1c}.ignored{background:#fdf0c8;color:#7a5700}
.matched{background:#d5f2dc;color:#17612c}.skipped{background:#e8eaee;color:#5b6474}
details{background:#fff;border:1px solid #e3e6eb;border-radius:6px;margin:.5rem 0}
summary{cursor:pointer;padding:.6rem .8rem;font-weight:600}
details>div{padding:0 .8rem .8rem}
pre{margin:0;white-space:pre-wrap;word-break:break-word;font:12px/1.4 ui-monospace,monospace}
.side{width:40%}.muted{color:#5b6474}a{color:#2456b3}
"""


def _value(value: Any) -> str:
    """A value as pretty JSON in a ``<pre>`` (strings quoted, so ``"1"`` differs from ``1``)."""
    text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=repr)
    return f"<pre>{escape(text)}</pre>"


def _num(value: float | int | None) -> str:
    return "–" if value is None else escape(str(value))


def _chip(verdict: str) -> str:
    return f'<span class="chip {escape(verdict)}">{escape(verdict)}</span>'


def _anchor(method: str) -> str:
    return "m-" + "".join(c if c.isalnum() else "-" for c in method)


def _overview(summary: Summary) -> list[str]:
    head = "".join(
        f"<th>{escape(name)}</th>"
        for name in ("method", "declared", "result", "calls", "matched", "ignored", "mismatched",
                     "errors", "requests rpc", "requests rest", "ms rpc (median)",
                     "ms rest (median)")
    )  # fmt: skip
    rows = [f"<table><thead><tr>{head}</tr></thead><tbody>"]
    for m in summary.methods.values():
        cells = [
            f'<td><a href="#{_anchor(m.method)}">{escape(m.method)}</a></td>',
            f"<td>{escape(m.status)}</td>",
            f"<td>{_chip(m.verdict)}</td>",
            *(
                f'<td class="n">{_num(v)}</td>'
                for v in (
                    m.calls,
                    m.matched,
                    m.ignored,
                    m.mismatched,
                    m.errors,
                    m.requests["rpc"],
                    m.requests["rest"],
                    m.median_ms("rpc"),
                    m.median_ms("rest"),
                )
            ),
        ]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    rows.append("</tbody></table>")
    return rows


def _timings(m: MethodSummary) -> str:
    rows = "".join(
        f"<tr><th>{api.upper()}</th><td class='n'>{_num(m.median_ms(api))}</td>"
        f"<td class='n'>{_num(m.p95_ms(api))}</td><td class='n'>{_num(m.requests[api])}</td>"
        f"<td class='n'>{m.errors_by_api[api]}</td></tr>"
        for api in APIS
    )
    return (
        "<table><thead><tr><th>API</th><th>ms median</th><th>ms p95</th><th>requests</th>"
        f"<th>errors</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _missing() -> str:
    return '<span class="muted">(absent)</span>'


def _differences(m: MethodSummary) -> str:
    if not m.paths:
        return ""
    rows = []
    for stat in sorted(m.paths.values(), key=lambda s: (-s.count, s.path)):
        sides = "".join(
            f'<td class="side">{_value(stat.example[api]) if api in stat.example else _missing()}'
            "</td>"
            for api in APIS
        )
        rows.append(
            f"<tr><td><code>{escape(stat.path)}</code></td><td>{escape(stat.kind)}</td>"
            f'<td class="n">{stat.count}</td>{sides}</tr>'
        )
    return (
        "<h3>Undeclared differences</h3><table><thead><tr><th>path</th><th>kind</th>"
        '<th>calls</th><th class="side">JSON-RPC (example)</th>'
        '<th class="side">REST (example)</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _errors(m: MethodSummary) -> str:
    if not m.error_examples:
        return ""
    rows = "".join(
        "<tr>"
        + "".join(
            f'<td class="side">{_value(e.get(api)) if e.get(api) else _missing()}</td>'
            for api in APIS
        )
        + "</tr>"
        for e in m.error_examples
    )
    return (
        '<h3>Errors (examples)</h3><table><thead><tr><th class="side">JSON-RPC</th>'
        f'<th class="side">REST</th></tr></thead><tbody>{rows}</tbody></table>'
    )


def _calls(m: MethodSummary) -> str:
    if not m.mismatch_examples:
        return ""
    items = "".join(f"<li>{_value(context)}</li>" for context in m.mismatch_examples)
    return f"<h3>Calls that mismatched (context)</h3><ul>{items}</ul>"


def _section(m: MethodSummary) -> str:
    counts = (
        f"{m.calls} calls · {m.matched} matched · {m.ignored} ignored · "
        f"{m.mismatched} mismatched · {m.errors} with errors"
        if m.calls
        else "not compared"
    )
    opened = " open" if m.verdict == "mismatched" else ""
    body = (
        f'<p class="muted">skipped: {escape(m.skipped)}</p>'
        if m.skipped and not m.calls
        else _timings(m) + _differences(m) + _errors(m) + _calls(m)
    )
    declared = f"declared {escape(m.status)}" if m.status else "not in the catalog"
    return (
        f'<details id="{_anchor(m.method)}"{opened}><summary>{escape(m.method)} '
        f'{_chip(m.verdict)} <span class="muted">{escape(counts)} · {declared}</span>'
        f"</summary><div>{body}</div></details>"
    )


def render_html(summary: Summary, *, title: str = "Nutshell JSON-RPC vs REST comparison") -> str:
    """The whole page for ``summary``."""
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    verdict_class = "bad" if summary.has_mismatch else "ok"
    meta = f"{summary.source} · " if summary.source else ""
    if summary.skipped_lines:
        meta += f"{summary.skipped_lines} unreadable log lines skipped · "
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{escape(meta)}generated {escape(generated)}</p>',
        f'<div class="verdict {verdict_class}">{escape(total_line(summary))}</div>',
        "<h2>Methods</h2>",
        *_overview(summary),
        "<h2>Details</h2>",
        *(_section(m) for m in summary.methods.values()),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
