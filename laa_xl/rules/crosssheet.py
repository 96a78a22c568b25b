"""Checks across sheets: every reference resolves, every outcome has a plan."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ..issues import Issue
from ..text import id_key
from . import Context, id_index, iter_rows


def check(ctx: Context) -> Iterator[Issue]:
    actions = id_index(ctx.rows("actions"), "action_id")
    outcomes_read = ctx.has("outcomes", "outcome_id")
    actions_read = ctx.has("actions", "action_id")
    # An ID refused at its own cell (such as "O_01") still names its row: references to it
    # are not reported again as unknown.
    outcome_ids = ctx.known_ids("outcomes")
    action_ids = ctx.known_ids("actions")

    for key, what, read in (("outcomes", "outcome", outcomes_read),
                            ("actions", "action", actions_read)):
        if read and not ctx.rows(key):
            yield ctx.about(key, "empty-sheet", what=what)

    used: set[str] = set()
    for row in iter_rows(ctx, "actions"):
        oid = row.get("outcome_id")
        if isinstance(oid, str):
            used.add(id_key(oid))
            if outcomes_read and id_key(oid) not in outcome_ids:
                yield ctx.at(row, "outcome_id", "unknown-outcome")
    # With no actions at all the empty-sheet error says it once, not once per outcome.
    if outcomes_read and ctx.has("actions", "outcome_id") and ctx.rows("actions"):
        for key, row in id_index(ctx.rows("outcomes"), "outcome_id").items():
            if key not in used:
                yield ctx.at(row, "outcome_id", "outcome-without-actions",
                             value=row.get("outcome_id"))

    for row in iter_rows(ctx, "milestones"):
        values = row.values  # read directly: a round has hundreds of thousands of milestones
        aid = values.get("action_id")
        if not isinstance(aid, str) or not actions_read:
            continue
        aid_key = id_key(aid)
        if aid_key not in action_ids:
            yield ctx.at(row, "action_id", "unknown-action")
            continue
        action = actions.get(aid_key)
        if action is None:
            continue  # its ID was refused at its own cell
        # A milestone's baseline date belongs inside the action's baseline (start to due);
        # its forecast inside the action's forecast (start to forecast, or due if none).
        start = action.values.get("start_date")
        if not isinstance(start, date):
            continue  # no span to be outside of
        due = action.values.get("due_date")
        spans = (("baseline_date", due),
                 ("forecast_date", action.values.get("forecast_date") or due))
        for name, end in spans:
            d = values.get(name)
            if isinstance(d, date) and isinstance(end, date) \
                    and start <= end and not start <= d <= end:  # end < start: date-order says
                yield ctx.at(row, name, "milestone-outside-action",
                             action=action.get("action_id"),
                             start=f"{start:%d/%m/%Y}", end=f"{end:%d/%m/%Y}")
                break

    if outcomes_read and actions_read:
        for row in iter_rows(ctx, "risks"):
            v = row.get("linked_to")
            if isinstance(v, str) and id_key(v) not in outcome_ids | action_ids:
                yield ctx.at(row, "linked_to", "unknown-link")

    yield from _assurance(ctx)


def _assurance(ctx: Context) -> Iterator[Issue]:
    if ctx.region is None or not ctx.has("assurance", "question_id"):
        return
    wanted = {id_key(q.id): q for q in ctx.region.questions}
    seen: set[str] = set()
    for row in ctx.rows("assurance"):
        qid = row.get("question_id")
        if not isinstance(qid, str):
            continue
        if id_key(qid) in wanted:
            seen.add(id_key(qid))
        else:
            yield ctx.at(row, "question_id", "unknown-question")
    seen |= ctx.refused_ids.get("assurance", set())
    for key, q in wanted.items():
        if key not in seen:
            yield ctx.about("assurance", "missing-question", value=q.id)
