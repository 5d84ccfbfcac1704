"""``python -m nutshell_migrate``: the same command line as ``nutshell-migrate``."""

from nutshell_migrate.cli import main

raise SystemExit(main())
