"""How text from a workbook is compared: characters nobody can see, and the identity of an ID.

Text pasted from a web page or an email can carry characters that show as nothing (a
zero-width space) or as a plain space (a no-break space).  A value holding one looks right
and matches nothing, so they are named when a value is tidied, and left out when values
are compared.

An ID is the same ID whatever its case and whatever invisible characters or stray spaces
it carries: `id_key` is that rule, and every comparison of IDs goes through it.
"""

from __future__ import annotations

import re
from typing import Any

# Characters that show as nothing at all.
INVISIBLE = {
    "\u200b": "zero-width space",
    "\u200c": "zero-width non-joiner",
    "\u200d": "zero-width joiner",
    "\u2060": "word joiner",
    "\ufeff": "zero-width no-break space",
    "\u00ad": "soft hyphen",
    "\u200e": "left-to-right mark",
    "\u200f": "right-to-left mark",
    "\u202a": "left-to-right embedding",
    "\u202b": "right-to-left embedding",
    "\u202c": "pop directional formatting",
    "\u2066": "left-to-right isolate",
    "\u2067": "right-to-left isolate",
    "\u2069": "pop directional isolate",
}
# Characters that show as a space but are not the space typed with the space bar.
ODD_SPACES = {
    "\u00a0": "no-break space",
    "\u202f": "narrow no-break space",
    "\u2007": "figure space",
    "\u2009": "thin space",
    "\u3000": "ideographic space",
}
_INVISIBLE = re.compile("[" + "".join(INVISIBLE) + "]")


def without_invisible(text: str) -> str:
    """The text with every character that shows as nothing taken out."""
    return _INVISIBLE.sub("", text)


def hidden_characters(text: str) -> list[str]:
    """The names of the invisible and odd space characters in `text`, each once, in order."""
    names: list[str] = []
    for ch in text:
        name = INVISIBLE.get(ch) or ODD_SPACES.get(ch)
        if name is not None and name not in names:
            names.append(name)
    return names


def describe_hidden(text: str) -> str:
    """"a zero-width space", "a no-break space and a soft hyphen": what `text` hides, or ""."""
    names = [f"a {n}" for n in hidden_characters(text)]
    if not names:
        return ""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def id_key(value: Any) -> str:
    """What makes two IDs the same ID: case, stray spaces and invisible characters aside.

    "A-01", "a-01" and "A-01" followed by a zero-width space are one ID.  Every check and
    every command that matches IDs (references, duplicates, last round's items, the
    next round's prefill) compares them by this key.
    """
    text = value if isinstance(value, str) else str(value)
    return " ".join(without_invisible(text).split()).casefold()


def sheet_name_key(name: str) -> str:
    """A sheet tab's name as a person reads it: case, stray and odd spaces aside."""
    return " ".join(without_invisible(name).split()).casefold()
