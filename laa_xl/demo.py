"""`laa-xl demo`: a whole round, three quarters running, on the fictional region of Midshire.

It writes the samples (region files and the partners' returns for 2009/10 Q1 and Q2), then
does what a GO officer does each quarter: send templates, check returns, send feedback, roll
up, chase, and carry the plan into the next round.  In Q3 every partnership sends back the
workbook it was sent (prefilled from its last valid return) with its outcomes' new figures;
then `history` reads the three roll-ups into a trends workbook.  The GO reviews the
partnerships of Q1 and Q2 itself, carrying open advice forward, and the demo ends with the
briefing packs of Q2, the quarter reviewed.  Everything goes under one folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from .emails import chase_drafts, template_drafts
from .errors import InputError
from .feedback import write_feedback
from .history import read_history
from .issues import Report
from .region import Region, load_region
from .render import flags_csv, report_text
from .review import (
    ReviewsRead,
    build_review,
    open_advice,
    read_reviews,
    read_rollup_source,
    review_data,
    review_name,
)
from .rollup import Rollup, consolidate, write_rollup
from .rollup_reader import (
    PreviousRounds,
    blank_reasons,
    prefill_sources,
    prefills,
    read_rollup,
)
from .round import RoundResult, collect, expand_inputs
from .samples import Q1, Q2, SAMPLES_WHEN, sample_rows, write_samples
from .samples.reviews import fill, reviews_of
from .slippage import summarise
from .template import Prefill, build_template, template_name
from .trends import write_trends

CHASE_DATE = date(2009, 10, 20)  # the Monday after the Q2 deadline
Q3 = "2009/10 Q3"
Q3_DEADLINE = date(2010, 1, 15)
Q3_LATE = {"RVF": date(2010, 1, 19)}  # late again, as in Q2
Q3_SENT = datetime(2010, 1, 4, 9, 0)  # when the Q3 templates went out


def _slug(region: Region) -> str:
    return str(region.period).replace("/", "-").replace(" ", "-")


@dataclass
class RoundOutcome:
    region: Region
    result: RoundResult
    rollup: Rollup
    rollup_path: Path
    feedback: list[Path] = field(default_factory=list)
    templates: list[Path] = field(default_factory=list)
    drafts: list[Path] = field(default_factory=list)
    reviews: list[Path] = field(default_factory=list)  # the GO's filled reviews


@dataclass
class DemoResult:
    root: Path
    rounds: list[RoundOutcome]
    slipping_csv: Path
    chase_drafts: list[Path]
    report_paths: list[Path]
    trends_path: Path | None = None
    persistent: int = 0  # items flagged two quarters running or more, in the trends
    rebaselined: int = 0
    late_twice: list[str] = field(default_factory=list)
    briefs: list[Path] = field(default_factory=list)


def _touch(path: Path, day: date) -> None:
    """Set a return's modified time to the day it arrived (noon), as if saved then."""
    stamp = datetime.combine(day, time(12)).timestamp()
    os.utime(path, (stamp, stamp))


def _go_reviews(region: Region, rollup: Path, folder: Path, previous: Path | None
                ) -> list[Path]:
    """The GO's filled reviews of the round (samples/reviews.py), prefilled from `rollup`."""
    source = read_rollup_source(rollup, region)
    carried, carried_from, _ = open_advice(previous, region) if previous else ({}, {}, [])
    out = []
    for go in reviews_of(str(region.period)):
        lsp = region.lsp(go.lsp)
        data = fill(review_data(source, region, lsp, carried.get(lsp.code, ()),
                                carried_from.get(lsp.code, "")), go)
        out.append(build_review(folder / review_name(source.period, lsp), data,
                                when=SAMPLES_WHEN))
    return out


def _q3_region(root: Path, q2_file: Path) -> Region:
    """The Q3 region file: Q2's, with the new period and deadline."""
    text = q2_file.read_text(encoding="utf-8")
    text = text.replace(f'period = "{Q2}"', f'period = "{Q3}"')
    lines = [f"deadline = {Q3_DEADLINE.isoformat()}" if ln.startswith("deadline = ") else ln
             for ln in text.splitlines()]
    path = root / "region-q3.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_region(path)


def _q3_rows(prefill: Prefill | None, assurance: list[dict]) -> dict[str, list[dict]]:
    """A partnership's Q3 return: the workbook it was sent, with each in-year outcome's latest
    figure moved part of the way to its 2009/10 target, and its self-assessment answered."""
    rows = {k: [dict(r) for r in v] for k, v in (prefill.rows if prefill else {}).items()}
    for o in rows.get("outcomes", []):
        value, target = o.get("latest_value"), o.get("target_2009_10")
        if isinstance(value, (int, float)) and isinstance(target, (int, float)) \
                and "Q" in str(o.get("latest_period") or ""):
            o["latest_value"] = round(value + (target - value) * 0.4, 2)
            o["latest_period"] = "Q3 2009/10"
    rows["assurance"] = [dict(a) for a in assurance]
    return rows


def _run_round(root: Path, region: Region, previous: PreviousRounds | None,
               returns_dir: Path, say: Callable[[str], None],
               sent: datetime = SAMPLES_WHEN, previous_reviews: Path | None = None
               ) -> tuple[RoundOutcome, Path]:
    slug = _slug(region)
    say(f"{region.period}: templates, validation, roll-up ...")
    rows = prefills(previous, region) if previous else {}
    templates = {}
    for lsp in region.lsps:
        path = root / "templates" / slug / template_name(region, lsp)
        templates[lsp.code] = build_template(path, region, lsp, rows.get(lsp.code),
                                             when=sent)
    drafts = template_drafts(region, templates, root / "emails" / f"{slug}-templates",
                             sent, blank_reasons(previous, region) if previous else None,
                             prefill_sources(previous, region) if previous else None).written
    result = collect(expand_inputs([returns_dir]), region,
                     previous.returns if previous else None)
    feedback = []
    for st in result.statuses:
        if st.report is not None and st.report.readable and st.report.issues:
            st.feedback = write_feedback(st.report, root / "feedback" / slug)
            if st.feedback is not None:
                feedback.append(st.feedback)
    report_path = root / f"validation-{slug}.txt"
    report_path.write_text(report_text(Report(result.reports),
                                       title=f"Checked against {region.region}, "
                                             f"{region.period}") + "\n", encoding="utf-8")
    def roll_up(reviews: ReviewsRead | None = None) -> tuple[Rollup, Path]:
        made = consolidate(result, None, previous.returns if previous else None,
                           previous_source=previous.source if previous else "",
                           earlier_flags=previous.flagged_items() if previous else None,
                           reviews=reviews)
        return made, write_rollup(made, root / f"rollup-{slug}.xlsx")

    rollup, rollup_path = roll_up()
    # The GO reviews the partnerships it reviews this quarter from the roll-up, carrying in
    # last round's open advice, and the roll-up is made again with its reviews folded in.
    written: list[Path] = []
    if reviews_of(str(region.period)):
        reviews_dir = root / "reviews" / slug
        written = _go_reviews(region, rollup_path, reviews_dir, previous_reviews)
        rollup, rollup_path = roll_up(read_reviews(reviews_dir, region))
    return RoundOutcome(region, result, rollup, rollup_path, feedback,
                        list(templates.values()), drafts, written), report_path


def run_demo(out: str | Path, force: bool = False,
             say: Callable[[str], None] = lambda _: None) -> DemoResult:
    """Run the three rounds into `out`; refuses a folder that is not empty unless `force`."""
    root = Path(out)
    if root.exists() and not root.is_dir():
        raise InputError(f"{root} is a file: give a folder for the demo.")
    if root.exists() and any(root.iterdir()) and not force:
        raise InputError(f"{root} is not empty: choose another folder, or add --force to "
                         "write over the demo files in it.")
    say(f"Writing the samples of the fictional region into {root / 'samples'} ...")
    manifest = write_samples(root / "samples", when=SAMPLES_WHEN)
    for ret in manifest.returns:
        _touch(ret.path, ret.received)
    rounds: list[RoundOutcome] = []
    reports: list[Path] = []
    previous: PreviousRounds | None = None
    previous_reviews: Path | None = None
    for period in (Q1, Q2):
        region = load_region(manifest.region_file(period))
        outcome, report = _run_round(root, region, previous,
                                     root / "samples" / "returns" / _slug(region), say,
                                     previous_reviews=previous_reviews)
        if outcome.reviews:
            previous_reviews = outcome.reviews[0].parent
        rounds.append(outcome)
        reports.append(report)
        previous = PreviousRounds([read_rollup(r.rollup_path, ("Completeness", "Slipping"))
                                   for r in rounds])
    # Q3: each partnership returns the workbook it was sent, prefilled from its last valid
    # return (Southmoor's Q2 return had errors and Lowdale sent none: theirs come from Q1).
    assert previous is not None
    q3 = _q3_region(root, manifest.region_file(Q2))
    typed, _ = sample_rows()
    filled = prefills(previous, q3)
    returns_dir = root / "returns" / _slug(q3)
    for lsp in q3.lsps:
        answered = typed.get((Q2, lsp.code)) or typed[(Q1, lsp.code)]
        path = build_template(returns_dir / template_name(q3, lsp), q3, lsp,
                              Prefill(_q3_rows(filled.get(lsp.code), answered["assurance"])),
                              when=Q3_SENT)
        _touch(path, Q3_LATE.get(lsp.code, Q3_DEADLINE - timedelta(days=2)))
    outcome, report = _run_round(root, q3, previous, returns_dir, say, Q3_SENT)
    rounds.append(outcome)
    reports.append(report)
    q2 = rounds[1]
    slipping_csv = root / f"slipping-{_slug(q2.region)}.csv"
    slipping_csv.write_text(flags_csv(q2.rollup.flags), encoding="utf-8")
    chased = chase_drafts(q2.region, q2.result.statuses,
                          root / "emails" / f"{_slug(q2.region)}-chase", CHASE_DATE,
                          datetime.combine(CHASE_DATE, time(9))).written
    say("Trends across the three quarters ...")
    history = read_history([r.rollup_path for r in rounds])
    trends_path = write_trends(history, root / "trends-2009-10.xlsx")
    late: dict[str, int] = {}
    for row in history.tables["partnerships"]:
        if row["on_time"] is False:
            late[row["lsp"]] = late.get(row["lsp"], 0) + 1
    say(f"{q2.region.period}: briefing packs ...")
    briefs = _briefs(q2.rollup_path, rounds[0].rollup_path, root / "briefs",
                     root / "reviews" / _slug(q2.region))
    return DemoResult(root, rounds, slipping_csv, chased, reports, trends_path,
                      len(history.tables["persistent"]), len(history.tables["rebaselines"]),
                      [code for code, n in late.items() if n >= 2], briefs)


def _briefs(rollup: Path, earlier: Path, folder: Path, reviews_dir: Path) -> list[Path]:
    """A pack per partnership (with the earlier round for trends, and the GO's judgement
    from its review), per theme, and the region's highlight report."""
    from .brief import data
    from .brief.pdf import write_pack
    from .brief.run import pack_name, read_history
    from .brief.source import read_reviews as read_brief_reviews
    from .brief.source import read_source

    src = read_source(rollup)
    history = read_history([earlier], src)
    reviews = read_brief_reviews(reviews_dir, src, []) if reviews_dir.is_dir() else {}
    packs: list[tuple[data.Pack, str, str]] = [
        (data.partnership_pack(src, code, reviews.get(code), history=history), "partnership",
         code) for code in src.lsp_codes]
    packs += [(data.theme_pack(src, theme), "theme", theme) for theme in data.themes(src)]
    packs.append((data.region_pack(src, reviews), "region", src.region))
    return [write_pack(p, folder / pack_name(src, kind, what), (rollup, earlier))
            for p, kind, what in packs]


def summary(res: DemoResult) -> str:
    """What the demo wrote and what it found, in a few lines."""
    root = res.root
    lines = [f"laa-xl demo: three quarters of a round for {res.rounds[0].region.region} "
             f"(fictional), {len(res.rounds[0].region.lsps)} partnerships.", ""]
    for rnd in res.rounds:
        st = rnd.result.statuses
        region = rnd.region
        returned = [s for s in st if s.returned]
        late = [s for s in returned if s.on_time(region.due) is False]
        valid = [s for s in returned if s.valid]
        invalid = [s for s in returned if not s.valid]
        missing = [s.lsp.code for s in st if not s.returned]
        issues = sum(len(s.report.issues) for s in returned if s.report)
        errors = sum(s.report.errors for s in returned if s.report)
        counts = summarise(rnd.rollup.flags)
        sev = counts["by_severity"]
        lines.append(f"{region.period}: {len(returned)} of {len(st)} returns received"
                     f"{f' ({len(late)} late: ' + ', '.join(s.lsp.code for s in late) + ')' if late else ''}"
                     f", {len(valid)} valid"
                     f"{'; not valid: ' + ', '.join(s.lsp.code for s in invalid) if invalid else ''}"
                     f"{'; missing: ' + ', '.join(missing) if missing else ''}.")
        lines.append(f"  {issues} issues ({errors} errors); {counts['total']} slippage flags "
                     f"as at {rnd.rollup.as_of:%d/%m/%Y} ({sev['high']} high, "
                     f"{sev['medium']} medium, {sev['low']} low).")
        by_rule = ", ".join(f"{k} {v}" for k, v in counts["by_rule"].items() if v)
        if by_rule:
            lines.append(f"  By rule: {by_rule}.")
        figures = rnd.rollup.review_figures
        if figures:
            unseen = [s.lsp.code for s in st if s.lsp.code not in figures]
            lines.append(
                f"  GO reviews: {len(figures)} of {len(st)} partnerships"
                f"{' (not reviewed: ' + ', '.join(unseen) + ')' if unseen else ''}; "
                f"{sum(len(f.disagreements) for f in figures.values())} assurance "
                f"disagreement(s), {sum(f.open_advice for f in figures.values())} open advice, "
                f"{sum(f.overdue_advice for f in figures.values())} overdue.")
    lines.append(f"Trends: {res.persistent} items slipping two quarters running or more, "
                 f"{res.rebaselined} re-baselined dates; late twice: "
                 f"{', '.join(res.late_twice) or 'none'}.")
    lines += ["", f"Wrote into {root}/:"]
    q1, q2, q3 = res.rounds
    rows = [
        ("samples/", "the region files and the partners' returns, Q1 and Q2"),
        (f"templates/{_slug(q1.region)}/", f"{len(q1.templates)} workbooks for "
                                           f"{q1.region.period}"),
        (f"templates/{_slug(q2.region)}/", f"{len(q2.templates)} workbooks for "
                                           f"{q2.region.period}, prefilled from the "
                                           f"{q1.region.period} roll-up"),
        (f"templates/{_slug(q3.region)}/", f"{len(q3.templates)} workbooks for "
                                           f"{q3.region.period}, each prefilled from its "
                                           "last valid return"),
        (f"returns/{_slug(q3.region)}/", f"the {q3.region.period} returns, as sent back"),
        ("feedback/", f"{sum(len(r.feedback) for r in res.rounds)} feedback workbooks, one "
                      "per return with issues"),
        ("reviews/", f"the GO's reviews, filled in: {len(q1.reviews)} for {q1.region.period}, "
                     f"{len(q2.reviews)} for {q2.region.period} (open advice carried in)"),
        ("emails/", f"{sum(len(r.drafts) for r in res.rounds) + len(res.chase_drafts)} "
                    "email drafts: templates out, then reminders, feedback and thanks"),
        *[(p.name, "the validation report") for p in res.report_paths],
        *[(r.rollup_path.name, f"the roll-up for {r.region.period}") for r in res.rounds],
        (res.slipping_csv.name, f"{len(q2.rollup.flags)} slippage flags, worst first"),
        *([(res.trends_path.name, "the trends across the three quarters")]
          if res.trends_path else []),
        *([("briefs/", f"{len(res.briefs)} PDF briefing packs for {q2.region.period}: each "
                       "partnership, each theme, the region")] if res.briefs else []),
    ]
    width = max(len(a) for a, _ in rows)
    lines += [f"  {a:<{width}}  {b}" for a, b in rows]
    lines += ["", f"Open {q3.rollup_path} and start with the Dashboard; then "
                  f"{res.trends_path} for what is moving and what is stuck."]
    if res.briefs:
        lines.append(f"Print {res.briefs[-1]}: the region's highlight report for "
                     f"{q2.region.period}.")
    return "\n".join(lines)
