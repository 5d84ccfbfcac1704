"""``nutshell-migrate proxy``: a local JSON-RPC endpoint answering legacy calls via the bridge.

Besides the routes, the command sets up what the proxy needs to stand in for Nutshell in front
of unmodified clients: TLS on loopback (``--tls`` generates a certificate, ``--tls-cert`` and
``--tls-key`` use one), the shadow log (``--shadow-log FILE``, checked at start), and logging to
stderr at ``--log-level`` with one access line per call. See ``docs/proxy.md``.
"""

from __future__ import annotations

import argparse
import logging
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
from nutshell_core.errors import ConfigurationError, UsageError
from nutshell_migrate import arguments, proxy, tls
from nutshell_migrate.serving import enter_server, require_loopback, run_until_stopped
from nutshell_migrate.terminal import PROG, err, out

__all__ = ["register"]

LOG_LEVELS = ("debug", "info", "warning", "error")
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


def cmd_proxy(args: argparse.Namespace) -> int:
    """Serve a local JSON-RPC endpoint answering legacy calls through the bridge."""
    require_loopback(args.listen_host, "proxy")
    routes = Routes.from_file(args.routes) if args.routes else Routes.from_env()
    # Everything that can be wrong with the options fails here, before anything listens.
    shadow_log = _shadow_log(args)
    ssl_context, tls_text = _tls(args)
    with ExitStack() as stack:
        stack.enter_context(_logging_to_stderr(args.log_level))
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
        out("  callers authenticate with their own Nutshell email and API key (Basic auth)")
        run_until_stopped(args.run_seconds)
    return 0


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
