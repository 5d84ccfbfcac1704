"""Every translator, assembled into the registry the bridge and the matrix read.

Translators live in small modules by family; each exports ``TRANSLATORS``. Methods nobody
translated are declared unsupported by the registry itself.
"""

from bridge.registry import Registry
from bridge.translators import reads, reference, timeline, writes

__all__ = ["REGISTRY"]

REGISTRY = Registry(
    [*reads.TRANSLATORS, *writes.TRANSLATORS, *reference.TRANSLATORS, *timeline.TRANSLATORS]
)
