"""How a single contact name string is split into parts.

Both sides of the JSON-RPC wire need it: a ``new*``/``edit*`` input sends a contact's name as
one string, and a stored contact without name parts is still rendered with ``givenName``,
``familyName``, ``salutation`` and ``displayName``.
"""

from __future__ import annotations

from nutshell_core.model import PersonName

__all__ = ["SALUTATIONS", "split_person_name"]

#: Leading words read as a salutation (compared lower-case, without a trailing dot).
SALUTATIONS = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "mx"})


def split_person_name(text: str) -> PersonName:
    """Split one name string into parts: an optional salutation, given names, a family name.

    Nutshell splits the single ``name`` string it is sent; the rule here (last word is the
    family name) is a guess, not documented behaviour.
    """
    words = text.split()
    salutation = ""
    if len(words) > 1 and words[0].rstrip(".").lower() in SALUTATIONS:
        salutation, words = words[0], words[1:]
    given = " ".join(words[:-1]) if len(words) > 1 else " ".join(words)
    family = words[-1] if len(words) > 1 else ""
    return PersonName(given=given, family=family, salutation=salutation, display=" ".join(words))
