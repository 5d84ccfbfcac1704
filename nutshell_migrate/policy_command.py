"""``nutshell-migrate policy``: manage the agents of an access policy file.

* ``policy add-agent NAME --grant leads=read --grant contacts=write [--policy FILE]`` adds an
  agent with a new random token, or replaces one with ``--replace``. The file (TOML, see
  :mod:`nutshell_core.policy`) is created when missing and always written with mode ``0600``;
  only the token's SHA-256 digest goes into it. The token itself is printed once, alone, on
  stdout (so ``TOKEN=$(nutshell-migrate policy add-agent ...)`` captures it) and nowhere else:
  it cannot be shown again, only replaced.
* ``policy list [--policy FILE]`` prints each agent and its grants (never a digest).
* ``policy check FILE`` validates a file and says how many agents it holds.

Errors are one line on stderr with exit code 2, like every other subcommand.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

from nutshell_core.policy import Agent, Policy, PolicyError, new_token
from nutshell_migrate.terminal import err, out

__all__ = ["DEFAULT_POLICY_FILE", "parse_grant", "register", "write_policy"]

#: The policy file used when ``--policy`` is not given.
DEFAULT_POLICY_FILE = "nutshell-policy.toml"


def parse_grant(text: str) -> tuple[str, str]:
    """``"leads=read"`` -> ``("leads", "read")``; the words are checked when the agent is built."""
    kind, sep, access = text.partition("=")
    if not sep or not kind.strip() or not access.strip():
        raise PolicyError(f"--grant {text!r} must look like TYPE=read or TYPE=write")
    return kind.strip(), access.strip()


def _load_or_empty(path: Path) -> Policy:
    return Policy.load(path) if path.exists() else Policy()


def write_policy(policy: Policy, path: Path) -> None:
    """Write ``policy`` to ``path`` with mode 0600, replacing the file in one step."""
    folder = path.parent if str(path.parent) else Path()
    try:
        # Created 0600 by mkstemp, so the digests are never readable by others, even briefly.
        handle, temporary = tempfile.mkstemp(prefix=".policy-", suffix=".toml", dir=folder)
    except OSError as exc:
        raise PolicyError(f"cannot write the policy file {path}: {exc.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(policy.to_toml())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise PolicyError(f"cannot write the policy file {path}: {exc.strerror}") from None


def _grants_text(agent: Agent) -> str:
    return " ".join(f"{k}={v.value}" for k, v in sorted(agent.grants.items())) or "(none)"


def cmd_add_agent(args: argparse.Namespace) -> int:
    """Add (or with ``--replace``, replace) an agent; print its new token on stdout."""
    path = Path(args.policy)
    grants: dict[str, str] = {}
    for text in args.grant:
        kind, access = parse_grant(text)
        if kind in grants:
            raise PolicyError(f"--grant {kind} is given twice")
        grants[kind] = access
    policy = _load_or_empty(path)
    if args.name in policy.agents and not args.replace:
        raise PolicyError(
            f"agent {args.name!r} is already in {path}; add --replace to give it a new token "
            "and these grants"
        )
    token, digest = new_token()
    agent = Agent(args.name, digest, grants)
    write_policy(policy.with_agent(agent), path)
    verb = "replaced" if args.name in policy.agents else "added"
    err(
        f"{verb} agent {agent.name} in {path} with {_grants_text(agent)}; its token is on "
        "stdout, shown this once only"
    )
    out(token)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """Print each agent of the policy file with its grants."""
    policy = Policy.load(args.policy)
    if not policy.agents:
        err(f"{args.policy}: no agents")
    width = max((len(name) for name in policy.agents), default=0)
    for name in sorted(policy.agents):
        out(f"{name:<{width}}  {_grants_text(policy.agents[name])}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Validate a policy file; one line saying what it holds."""
    policy = Policy.load(args.file)
    count = len(policy.agents)
    out(f"{args.file}: valid, {count} agent{'' if count == 1 else 's'}")
    return 0


def register(commands: Any) -> None:
    """Add the ``policy`` subcommand (with ``add-agent``, ``list`` and ``check``)."""
    policy_cmd = commands.add_parser(
        "policy", help="manage the agents of an access policy file (tokens and grants)"
    )
    actions = policy_cmd.add_subparsers(dest="policy_command", required=True, metavar="ACTION")

    def policy_file(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--policy",
            metavar="FILE",
            default=DEFAULT_POLICY_FILE,
            help=f"the policy file (default: {DEFAULT_POLICY_FILE})",
        )

    add = actions.add_parser(
        "add-agent",
        help="add an agent with a new token (printed once on stdout)",
        description="Add an agent with a new random token and its grants. The file keeps only "
        "the token's SHA-256 digest and is rewritten with mode 0600 (comments are not kept).",
    )
    add.add_argument("name", metavar="NAME", help="the agent's name (letters, digits, . _ -)")
    add.add_argument(
        "--grant",
        action="append",
        required=True,
        metavar="TYPE=ACCESS",
        help="a record type (leads, contacts, ..., or *) and read or write; repeatable",
    )
    add.add_argument(
        "--replace", action="store_true", help="replace an agent of that name (new token)"
    )
    policy_file(add)
    add.set_defaults(handler=cmd_add_agent)

    listing = actions.add_parser("list", help="list the agents and their grants")
    policy_file(listing)
    listing.set_defaults(handler=cmd_list)

    check = actions.add_parser("check", help="validate a policy file")
    check.add_argument("file", metavar="FILE", help="the policy file to check")
    check.set_defaults(handler=cmd_check)
