"""What a return may be before it is refused unread."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """What a return may be before it is refused unread.  See the README's "Limits"."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_part_bytes: int = 200 * 1024 * 1024  # one XML part, uncompressed
    max_total_bytes: int = 500 * 1024 * 1024  # every part, uncompressed
    max_ratio: int = 200  # uncompressed ÷ compressed, for parts over 1 MB
    max_members: int = 5000
    max_rows: int = 100_000  # per sheet
    max_columns: int = 200
    max_cells: int = 5_000_000  # rows × columns calamine lays out for one sheet

    def within(self, max_row: int, max_col: int) -> bool:
        """Can calamine lay out a sheet reaching this row (1-based) and column (0-based)?"""
        return max_row <= self.max_rows and max_col < self.max_columns and \
            max_row * (max_col + 1) <= self.max_cells


DEFAULT_LIMITS = Limits()
