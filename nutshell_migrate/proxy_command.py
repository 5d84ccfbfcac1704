"""``nutshell-migrate proxy``: a local JSON-RPC endpoint answering legacy calls via the bridge."""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from typing import Any

from bridge.routes import Routes, calls_rpc_beside_rest
from nutshell_migrate import arguments, proxy
from nutshell_migrate.serving import enter_server, require_loopback, run_until_stopped
from nutshell_migrate.terminal import out

__all__ = ["register"]


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
    with ExitStack() as stack:
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
            ),
            f"{args.listen_host}:{args.listen_port}",
        )
        upstream_rpc = args.upstream_rpc or "discovered through api.nutshell.com"
        upstream_rest = args.upstream_rest or (
            "beside the RPC endpoint" if args.upstream_rpc else "https://app.nutshell.com/rest"
        )
        out("Nutshell JSON-RPC bridge proxy running (Ctrl-C to stop)")
        out(f"  rpc:           {urls.rpc}")
        out(f"  discovery:     {urls.discovery}")
        out(f"  upstream rpc:  {upstream_rpc}")
        out(f"  upstream rest: {upstream_rest}")
        out(f"  routes:        {_describe_routes(routes)}")
        out(f"  results:       {_describe_results(args, routes)}")
        out("  callers authenticate with their own Nutshell email and API key (Basic auth)")
        run_until_stopped(args.run_seconds)
    return 0


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
    proxy_cmd.add_argument(
        "--run-seconds", type=arguments.seconds, metavar="SECONDS", help="stop after SECONDS"
    )
    proxy_cmd.set_defaults(handler=cmd_proxy)
