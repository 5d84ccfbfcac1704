"""``nutshell-migrate proxy``: a local JSON-RPC endpoint answering legacy calls via the bridge.

Besides the routes, the command sets up what the proxy needs to stand in for Nutshell in front
of unmodified clients: TLS on loopback (``--tls`` generates a certificate, ``--tls-cert`` and
``--tls-key`` use one), the shadow log (``--shadow-log FILE``, checked at start), and logging to
stderr at ``--log-level`` with one access line per call. See ``docs/proxy.md``.

With ``--policy FILE`` the proxy is the agents' gateway (:mod:`nutshell_migrate.gateway`): it
calls Nutshell with ``NUTSHELL_USERNAME`` and ``NUTSHELL_API_KEY`` from the environment (or,
with neither set, an embedded emulator served on loopback), its callers authenticate as the
policy's agents, and ``--audit-log FILE`` records one JSON line per call.
"""

from __future__ import annotations

import argparse
import logging
import os
import ssl
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bridge.publish import ShadowLogPublisher
from bridge.routes import Routes, calls_rpc_beside_rest
from nutshell_core.audit import AuditLog
from nutshell_core.errors import ConfigurationError, UsageError
from nutshell_core.policy import Policy
from nutshell_migrate import arguments, proxy, tls
from nutshell_migrate.serving import enter_server, require_loopback, run_until_stopped
from nutshell_migrate.terminal import PROG, err, out

__all__ = ["register"]

LOG_LEVELS = ("debug", "info", "warning", "error")

USERNAME_VARIABLE = "NUTSHELL_USERNAME"
KEY_VARIABLE = "NUTSHELL_API_KEY"
#: What the embedded emulator of ``--policy`` without credentials is seeded with.
EMBEDDED_RECORDS = 200
EMBEDDED_SEED = 0
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _UtcFormatter(logging.Formatter):
    """ISO 8601 times in UTC with milliseconds: ``2026-12-06T04:22:10.123Z``."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """The record's time in UTC; ``datefmt`` is ignored."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        return f"{stamp}.{int(record.msecs):03d}Z"


@contextmanager
def _logging_to_stderr(level_name: str) -> Iterator[None]:
    """Log records at ``level_name`` and above to stderr while the proxy runs."""
    level = logging.getLevelName(level_name.upper())
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level)
    handler.setFormatter(_UtcFormatter(LOG_FORMAT))
    root = logging.getLogger()
    previous = root.level
    # Only ever lowered: a host application (or a test) that already logs more keeps doing so.
    if root.getEffectiveLevel() > level:
        root.setLevel(level)
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def _shadow_log(args: argparse.Namespace) -> ShadowLogPublisher | None:
    """The shadow-log publisher, its file proven writable now rather than on the first call."""
    if args.shadow_log is None:
        if args.shadow_values:
            raise UsageError("--shadow-values needs --shadow-log FILE")
        return None
    path = Path(args.shadow_log)
    if path.is_dir():
        raise ConfigurationError(f"the shadow log {path} is a directory, not a file")
    try:
        # Appending nothing creates the file (or proves an existing one writable).
        with path.open("a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise ConfigurationError(
            f"cannot write the shadow log {path}: {exc.strerror or exc}"
        ) from None
    return ShadowLogPublisher(path, values=args.shadow_values)


def _tls(args: argparse.Namespace) -> tuple[ssl.SSLContext | None, str]:
    """The server's TLS context (None for plain http) and the banner's description of it."""
    given = args.tls_cert is not None or args.tls_key is not None
    if given and (args.tls_cert is None or args.tls_key is None):
        raise UsageError("--tls-cert and --tls-key go together")
    if args.tls_dir is not None and (given or not args.tls):
        raise UsageError("--tls-dir is where --tls writes its certificate; use it with --tls")
    if given:
        context = tls.server_context(args.tls_cert, args.tls_key)
        return context, f"certificate {args.tls_cert} (given)"
    if not args.tls:
        return None, "off (plain http)"
    files = tls.self_signed(args.tls_dir)
    how = "generated" if files.generated else "reused"
    context = tls.server_context(files.cert, files.key)
    return context, f"certificate {files.cert} ({how}; clients trust this file)"


def _shown_url(url: str | None) -> str | None:
    """``url`` fit for the banner: no userinfo, and no query or fragment, which may hold a
    token (``?key=...``); only their presence is shown."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "(an invalid URL)"
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    shown = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    if parts.query:
        shown += "?[secure]"
    if parts.fragment:
        shown += "#[secure]"
    return shown


def _describe_routes(routes: Routes) -> str:
    moved = ", ".join(f"{m}={mode.value}" for m, mode in sorted(routes.modes.items()))
    default = f"everything else {routes.default.value}"
    return f"{moved}; {default}" if moved else default


def _describe_results(args: argparse.Namespace, routes: Routes) -> str:
    if args.lean:
        return "lean (one REST response rendered as it is; linked records as bare links)"
    legacy = args.legacy_reference
    if legacy is None:
        legacy = calls_rpc_beside_rest(routes)
    source = "REST and its event log" + (
        ", plus reference data REST lacks from the JSON-RPC API" if legacy else ""
    )
    return f"complete ({source})"


def _environment_credentials() -> tuple[str, str] | None:
    """The proxy's own Nutshell credentials from the environment; None when neither is set."""
    username = os.environ.get(USERNAME_VARIABLE, "").strip()
    api_key = os.environ.get(KEY_VARIABLE, "").strip()
    if username and api_key:
        return username, api_key
    if username or api_key:
        missing = KEY_VARIABLE if username else USERNAME_VARIABLE
        raise ConfigurationError(
            f"{missing} is not set: with --policy set both {USERNAME_VARIABLE} and "
            f"{KEY_VARIABLE}, or neither to serve the embedded emulator"
        )
    return None


def _gateway_options(args: argparse.Namespace) -> tuple[Policy | None, tuple[str, str] | None]:
    """The policy and the proxy's own credentials (None: the embedded emulator), checked."""
    if args.policy is None:
        if args.audit_log is not None:
            raise UsageError("--audit-log records the calls of --policy agents; add --policy FILE")
        return None, None
    policy = Policy.load(args.policy)
    credentials = _environment_credentials()
    if credentials is None and (args.upstream_rpc or args.upstream_rest):
        raise UsageError(
            f"--policy with --upstream-rpc/--upstream-rest needs {USERNAME_VARIABLE} and "
            f"{KEY_VARIABLE}: the proxy calls Nutshell with its own key, never its callers'"
        )
    return policy, credentials


def _audit_log(args: argparse.Namespace, stack: ExitStack) -> AuditLog | None:
    if args.audit_log is None:
        return None
    if Path(args.audit_log).is_dir():
        raise ConfigurationError(f"the audit log {args.audit_log} is a directory, not a file")
    audit = AuditLog(args.audit_log)  # opened now: an unwritable file fails before serving
    stack.callback(audit.close)
    return audit


def cmd_proxy(args: argparse.Namespace) -> int:
    """Serve a local JSON-RPC endpoint answering legacy calls through the bridge."""
    require_loopback(args.listen_host, "proxy")
    routes = Routes.from_file(args.routes) if args.routes else Routes.from_env()
    # Everything that can be wrong with the options fails here, before anything listens.
    shadow_log = _shadow_log(args)
    ssl_context, tls_text = _tls(args)
    policy, credentials = _gateway_options(args)
    with ExitStack() as stack:
        audit = _audit_log(args, stack)
        stack.enter_context(_logging_to_stderr(args.log_level))
        nutshell = ""
        if policy is not None and credentials is None:
            upstream = _embedded_emulator(stack)
            args.upstream_rpc, args.upstream_rest = upstream.rpc, upstream.rest
            credentials = (upstream.email, upstream.api_key)
            nutshell = (
                f"the embedded emulator at {upstream.base} ({EMBEDDED_RECORDS} seeded records; "
                "nothing leaves this machine)"
            )
        elif credentials is not None:
            nutshell = f"the account of {USERNAME_VARIABLE} (key from {KEY_VARIABLE})"
        urls = enter_server(
            stack,
            proxy.serve(
                host=args.listen_host,
                port=args.listen_port,
                upstream_rpc=args.upstream_rpc,
                upstream_rest=args.upstream_rest,
                routes=routes,
                lean=args.lean,
                legacy_reference=args.legacy_reference,
                ssl_context=ssl_context,
                publishers=() if shadow_log is None else (shadow_log,),
                policy=policy,
                credentials=credentials,
                audit=audit,
            ),
            f"{args.listen_host}:{args.listen_port}",
        )
        upstream_rpc = _shown_url(args.upstream_rpc) or "discovered through api.nutshell.com"
        upstream_rest = _shown_url(args.upstream_rest) or (
            "beside the RPC endpoint" if args.upstream_rpc else "https://app.nutshell.com/rest"
        )
        api_host = urls.base.split("://", 1)[1]
        if ssl_context is None:
            err(
                f"{PROG} proxy: warning: plain http; clients that build https:// URLs from "
                f"discovery (the PHP, Python and Ruby clients) need --tls, or their endpoint "
                f"set to {urls.rpc} directly"
            )
        out("Nutshell JSON-RPC bridge proxy running (Ctrl-C to stop)")
        out(f"  rpc:           {urls.rpc}")
        out(f"  discovery:     {urls.discovery}")
        out(f"  api host:      {api_host} (what discovery answers)")
        out(f"  tls:           {tls_text}")
        out(f"  upstream rpc:  {upstream_rpc}")
        out(f"  upstream rest: {upstream_rest}")
        out(f"  routes:        {_describe_routes(routes)}")
        out(f"  results:       {_describe_results(args, routes)}")
        out(f"  shadow log:    {_describe_shadow_log(shadow_log, routes)}")
        out(
            f"  logs:          stderr, level {args.log_level} "
            f"(one access line per call on {proxy.ACCESS_LOGGER})"
        )
        if policy is None:
            out("  callers authenticate with their own Nutshell email and API key (Basic auth)")
        else:
            out(f"  nutshell:      {nutshell}")
            out(
                f"  agents:        {len(policy.agents)} from {args.policy} "
                "(Basic NAME:TOKEN or Bearer TOKEN; each call checked against its grants)"
            )
            out(
                f"  audit log:     {args.audit_log} (one JSON line per call)"
                if audit is not None
                else "  audit log:     off (--audit-log FILE records every call)"
            )
        run_until_stopped(args.run_seconds)
    return 0


class _Embedded:
    """Where the embedded emulator listens and its built-in test credentials."""

    def __init__(self, base: str, rpc: str, rest: str, email: str, api_key: str) -> None:
        self.base, self.rpc, self.rest = base, rpc, rest
        self.email, self.api_key = email, api_key


def _embedded_emulator(stack: ExitStack) -> _Embedded:
    """A seeded emulator served on loopback for ``stack``'s life: the gateway's upstream."""
    # Imported here: only --policy without credentials needs the emulator.
    from nutshell_emulator import Emulator  # noqa: PLC0415

    emulator = Emulator()
    stack.callback(emulator.close)
    emulator.seed(EMBEDDED_RECORDS, random_seed=EMBEDDED_SEED)
    urls = enter_server(stack, emulator.serve("127.0.0.1", 0), "127.0.0.1 (embedded emulator)")
    return _Embedded(urls.base, urls.rpc, urls.rest, emulator.email, emulator.api_key)


def _describe_shadow_log(publisher: ShadowLogPublisher | None, routes: Routes) -> str:
    if publisher is None:
        return "off (--shadow-log FILE records shadow comparisons)"
    values = "full values" if publisher.values else "differences only"
    shadowing = routes.default.shadows or any(m.shadows for m in routes.modes.values())
    note = "" if shadowing else "; no route shadows, so it stays empty"
    return f"{publisher.path} (one JSON line per comparison, {values}{note})"


def register(commands: Any) -> None:
    """Add the ``proxy`` subcommand to the parser's subcommands."""
    proxy_cmd = commands.add_parser(
        "proxy", help="serve a local JSON-RPC endpoint that answers through the bridge"
    )
    proxy_cmd.add_argument(
        "--listen-port", type=arguments.port, required=True, help="port (0 picks a free one)"
    )
    proxy_cmd.add_argument(
        "--listen-host", default="127.0.0.1", help="loopback address to listen on"
    )
    proxy_cmd.add_argument(
        "--upstream-rpc", metavar="URL", help="JSON-RPC endpoint (default: Nutshell's, discovered)"
    )
    proxy_cmd.add_argument(
        "--upstream-rest", metavar="URL", help="REST base URL (default: beside the RPC endpoint)"
    )
    proxy_cmd.add_argument(
        "--routes",
        metavar="FILE",
        help="routes file, TOML or JSON (default: the NUTSHELL_BRIDGE_ROUTES variable)",
    )
    proxy_cmd.add_argument(
        "--lean",
        action="store_true",
        help="render one REST response as it is (fewer requests, incomplete legacy results)",
    )
    proxy_cmd.add_argument(
        "--legacy-reference",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="read reference data REST lacks (teams, old records' times) from the JSON-RPC "
        "API once per cache period (default: on when a route uses rest-fallback or shadow)",
    )
    tls_group = proxy_cmd.add_argument_group("TLS (clients that discover the proxy need https)")
    tls_group.add_argument(
        "--tls",
        action="store_true",
        help="serve https with a self-signed certificate for localhost/127.0.0.1/::1, generated "
        "once (or reused) and its path printed so clients can trust it",
    )
    tls_group.add_argument(
        "--tls-dir",
        metavar="DIR",
        help="where --tls keeps its certificate and key (default: a per-user state directory)",
    )
    tls_group.add_argument("--tls-cert", metavar="FILE", help="serve https with this certificate")
    tls_group.add_argument("--tls-key", metavar="FILE", help="the private key of --tls-cert")
    agents_group = proxy_cmd.add_argument_group(
        "agents (the proxy as a gateway holding the Nutshell key; see docs/proxy.md)"
    )
    agents_group.add_argument(
        "--policy",
        metavar="FILE",
        help=f"serve the agents of this policy file (TOML); Nutshell is called with "
        f"{USERNAME_VARIABLE}/{KEY_VARIABLE}, or an embedded emulator when neither is set",
    )
    agents_group.add_argument(
        "--audit-log",
        metavar="FILE",
        help="append one JSON line per call (allowed or refused) to FILE; needs --policy",
    )
    log_group = proxy_cmd.add_argument_group("logs")
    log_group.add_argument(
        "--shadow-log",
        metavar="FILE",
        help="append one JSON line per shadow comparison to FILE (checked at start)",
    )
    log_group.add_argument(
        "--shadow-values",
        action="store_true",
        help="keep both full results in the shadow log (large; may hold customer data)",
    )
    log_group.add_argument(
        "--log-level",
        choices=LOG_LEVELS,
        default="info",
        help="what is logged to stderr (default: info, one access line per call)",
    )
    proxy_cmd.add_argument(
        "--run-seconds", type=arguments.seconds, metavar="SECONDS", help="stop after SECONDS"
    )
    proxy_cmd.set_defaults(handler=cmd_proxy)
