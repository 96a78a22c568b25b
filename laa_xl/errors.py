"""The exceptions that stop the work. Problems *in* a partner's workbook are Issues, not these."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .issues import IssueCode


class LaaXlError(Exception):
    """Base of every error laa-xl raises on purpose; its message is meant for a person."""


class SchemaError(LaaXlError):
    """A schema in schemas/ is broken or uses a keyword the tool cannot check."""


class RegionError(LaaXlError):
    """The region file is missing, is not valid TOML, or breaks its schema."""


class ReadError(LaaXlError):
    """A workbook cannot be read at all (not a workbook, damaged, hostile or too large)."""

    def __init__(self, message: str, *, code: IssueCode = "damaged-file", path: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.path = path


class WriteError(LaaXlError):
    """An output cannot be written (bad path, output would overwrite an input, disk full)."""


class InputError(LaaXlError):
    """The command was given inputs that cannot work together (such as two returns for one LSP)."""
