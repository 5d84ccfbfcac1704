"""The faces of the migration: the ``nutshell-migrate`` command line, the bridge proxy server,
comparison reports and the pytest plugin.

Nothing in the library imports this package; it sits on top of :mod:`bridge` and
:mod:`nutshell_emulator`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nutshell-migrate")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
