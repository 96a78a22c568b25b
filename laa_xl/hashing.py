"""The SHA-256 checksums that name each return's bytes in reports and the roll-up."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

_CHUNK = 1 << 20  # read a megabyte at a time, whatever the size of the file


def stream_sha256(fh: BinaryIO) -> str:
    """The SHA-256 (hex) of what is left to read in an open binary file."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: fh.read(_CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """The SHA-256 (hex) of a file's bytes, or "" when it cannot be read."""
    try:
        with path.open("rb") as fh:
            return stream_sha256(fh)
    except OSError:
        return ""
