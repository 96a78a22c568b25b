"""Which LAA theme each row of a return belongs to: its outcome's.

A theme lead reads one theme across every partnership, so every list the tool writes carries
the theme of the outcome a row serves.  An outcome names its theme; an action names its
outcome; a milestone its action; a risk or recovery plan the outcome or action it is about.
"""

from __future__ import annotations

from typing import Any

from .model import Return, Row


def _key(value: Any) -> str:
    return value.strip().casefold() if isinstance(value, str) else ""


class Themes:
    """The theme of every outcome, action and milestone of one return, found by ID."""

    def __init__(self, ret: Return | None) -> None:
        self.outcome: dict[str, str] = {}
        self.action: dict[str, str] = {}  # action ID -> outcome ID
        self.milestone: dict[str, str] = {}  # milestone ID -> action ID
        if ret is None:
            return
        for row in ret.sheets.get("outcomes", []):
            oid = _key(row.get("outcome_id"))
            if oid and oid not in self.outcome:
                self.outcome[oid] = row.get("theme") or ""
        for row in ret.sheets.get("actions", []):
            aid = _key(row.get("action_id"))
            if aid and aid not in self.action:
                self.action[aid] = _key(row.get("outcome_id"))
        for row in ret.sheets.get("milestones", []):
            mid = _key(row.get("milestone_id"))
            if mid and mid not in self.milestone:
                self.milestone[mid] = _key(row.get("action_id"))

    def of_outcome(self, outcome_id: Any) -> str:
        return self.outcome.get(_key(outcome_id), "")

    def of_action(self, action_id: Any) -> str:
        return self.of_outcome(self.action.get(_key(action_id), ""))

    def of_item(self, item_id: Any) -> str:
        """An outcome's or an action's theme, whichever the ID names."""
        return self.of_outcome(item_id) or self.of_action(item_id)

    def of(self, sheet: str, item_id: Any, parent: Any = "") -> str:
        """The theme of an item of `sheet` ("outcomes", "actions" or "milestones"), by its ID;
        `parent` (its action or outcome ID) serves when the ID is not in the return."""
        if sheet == "outcomes":
            return self.of_outcome(item_id)
        if sheet == "actions":
            return self.of_action(item_id) or self.of_outcome(parent)
        if sheet == "milestones":
            return self.of_action(self.milestone.get(_key(item_id)) or parent) \
                or self.of_action(parent)
        return ""

    def of_row(self, row: Row) -> str:
        """The theme of one row of any data sheet."""
        key = row.sheet
        if key == "outcomes":
            return row.get("theme") or ""
        if key == "actions":
            return self.of_outcome(row.get("outcome_id"))
        if key == "milestones":
            return self.of_action(row.get("action_id"))
        if key == "risks":
            return self.of_item(row.get("linked_to"))
        if key == "recovery":
            return self.of_item(row.get("item_id"))
        return ""
