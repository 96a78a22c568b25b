"""Row checks: the fields of one row must agree with each other."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ..issues import Issue
from ..model import Row
from ..schemas import sheet
from . import Context, iter_rows


def check(ctx: Context) -> Iterator[Issue]:
    actions = sheet("actions")
    for row in iter_rows(ctx, "actions"):
        # Each date after the start, looked at in place: a round has tens of thousands of
        # actions, and a generator per date cost more than the comparisons.
        start = row.values.get("start_date")
        if isinstance(start, date):  # else no date is out of order
            for later in ("due_date", "forecast_date", "completed_date"):
                d = row.values.get(later)
                if isinstance(d, date) and d < start:
                    yield _out_of_order(ctx, row, later, "start_date", start)
        yield from _completion(ctx, row, actions.achieved, actions.cancelled)
        status = row.get("status")
        if status in actions.closed and row.get("rag"):
            yield ctx.at(row, "rag", "rag-on-closed", value=status)
    for row in iter_rows(ctx, "risks"):
        yield from _score(ctx, row)


def _out_of_order(ctx: Context, row: Row, later: str, earlier: str, b: date) -> Issue:
    """The date in `later` is before `b`, the date in `earlier`."""
    return ctx.at(row, later, "date-order", other=sheet(row.sheet).field(earlier).header,
                  other_value=b.strftime("%d/%m/%Y"))


def _completion(ctx: Context, row: Row, achieved: str | None,
                cancelled: tuple[str, ...]) -> Iterator[Issue]:
    """Complete ⇔ a completed date and 100 % complete."""
    status = row.get("status")
    done = row.get("completed_date")
    pct = row.get("percent_complete")
    if status == achieved:
        if done is None and ctx.has("actions", "completed_date"):
            yield ctx.at(row, "completed_date", "complete-mismatch", value=None,
                         detail="The action is Complete but has no Completed date. Enter the "
                                "date it was completed.")
        if pct is not None and pct != 100:
            yield ctx.at(row, "percent_complete", "complete-mismatch",
                         detail=f"The action is Complete but is {pct:g}% complete. Enter 100, "
                                "or change the status.")
    elif status is not None and status not in cancelled:
        if done is not None:
            yield ctx.at(row, "status", "complete-mismatch",
                         detail=f"A Completed date ({done:%d/%m/%Y}) is entered but the status "
                                f"is {status}. Set Status to Complete, or clear the date.")
        elif pct == 100:
            yield ctx.at(row, "status", "complete-mismatch",
                         detail=f"The action is 100% complete but its status is {status}. Set "
                                "Status to Complete and enter the completed date.")


def _score(ctx: Context, row: Row) -> Iterator[Issue]:
    """Score is likelihood × impact; the template's formula fills it in."""
    lik, imp = row.get("likelihood"), row.get("impact")
    if not (isinstance(lik, int) and isinstance(imp, int)):
        row.values.pop("score", None)
        return
    expected = lik * imp
    score = row.get("score")
    if score is not None and score != expected:
        yield ctx.at(row, "score", "score-mismatch", expected=expected)
    row.values["score"] = expected
