"""Literal data the package ships: the sample region's tables and the Guidance sheet's words.

The files sit beside this module, so they go wherever the package is installed.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def load_json(name: str) -> Any:
    """The parsed contents of the JSON file `name` in this folder (a fresh copy each call)."""
    return json.loads(resources.files(__name__).joinpath(name).read_text(encoding="utf-8"))
