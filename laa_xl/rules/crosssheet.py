"""Checks across sheets: every reference resolves, every outcome has a plan."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ..issues import Issue
from . import Context, id_index, iter_rows


def check(ctx: Context) -> Iterator[Issue]:
    outcomes = id_index(ctx.rows("outcomes"), "outcome_id")
    actions = id_index(ctx.rows("actions"), "action_id")
    outcomes_read = ctx.has("outcomes", "outcome_id")
    actions_read = ctx.has("actions", "action_id")

    for key, what, read in (("outcomes", "outcome", outcomes_read),
                            ("actions", "action", actions_read)):
        if read and not ctx.rows(key):
            yield ctx.about(key, "empty-sheet", what=what)

    used: set[str] = set()
    for row in iter_rows(ctx, "actions"):
        oid = row.get("outcome_id")
        if isinstance(oid, str):
            used.add(oid)
            if outcomes_read and oid not in outcomes:
                yield ctx.at(row, "outcome_id", "unknown-outcome")
    if outcomes_read and ctx.has("actions", "outcome_id"):
        for oid, row in outcomes.items():
            if oid not in used:
                yield ctx.at(row, "outcome_id", "outcome-without-actions", value=oid)

    for row in iter_rows(ctx, "milestones"):
        aid = row.get("action_id")
        if not isinstance(aid, str) or not actions_read:
            continue
        action = actions.get(aid)
        if action is None:
            yield ctx.at(row, "action_id", "unknown-action")
            continue
        start = action.get("start_date")
        end = action.get("forecast_date") or action.get("due_date")
        if not (isinstance(start, date) and isinstance(end, date)):
            continue
        for name in ("baseline_date", "forecast_date"):
            d = row.get(name)
            if isinstance(d, date) and not start <= d <= end:
                yield ctx.at(row, name, "milestone-outside-action", action=aid,
                             start=f"{start:%d/%m/%Y}", end=f"{end:%d/%m/%Y}")
                break

    if outcomes_read and actions_read:
        for key, name, code in (("risks", "linked_to", "unknown-link"),):
            for row in iter_rows(ctx, key):
                v = row.get(name)
                if isinstance(v, str) and v not in outcomes and v not in actions:
                    yield ctx.at(row, name, code)

    yield from _assurance(ctx)


def _assurance(ctx: Context) -> Iterator[Issue]:
    if ctx.region is None or not ctx.has("assurance", "question_id"):
        return
    wanted = {q.id: q for q in ctx.region.questions}
    seen: set[str] = set()
    for row in ctx.rows("assurance"):
        qid = row.get("question_id")
        if not isinstance(qid, str):
            continue
        if qid in wanted:
            seen.add(qid)
        else:
            yield ctx.at(row, "question_id", "unknown-question")
    for qid in wanted:
        if qid not in seen:
            yield ctx.about("assurance", "missing-question", value=qid)
