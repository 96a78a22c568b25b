"""laa-xl: run a regional Local Area Agreement delivery-assurance round on spreadsheets."""

from __future__ import annotations

__version__ = "0.1.0"
