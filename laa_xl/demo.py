"""`laa-xl demo`: a whole round, twice, on the fictional region of Midshire.

It writes the samples (region files and the partners' returns for 2009/10 Q1 and Q2), then
does what a GO officer does each quarter: send templates, check returns, send feedback, roll
up, chase, and carry the plan into the next round.  Everything goes under one folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from .emails import chase_drafts, template_drafts
from .errors import InputError
from .feedback import write_feedback
from .issues import Report
from .region import Region, load_region
from .render import flags_csv, report_text
from .review import (
    build_review,
    open_advice,
    read_reviews,
    read_rollup_source,
    review_data,
    review_name,
)
from .rollup import Rollup, consolidate, write_rollup
from .rollup_reader import prefills, read_rollup
from .round import RoundResult, collect, expand_inputs
from .samples import Q1, Q2, SAMPLES_WHEN, write_samples
from .samples.reviews import fill, reviews_of
from .slippage import summarise
from .template import build_template, template_name

CHASE_DATE = date(2009, 10, 20)  # the Monday after the Q2 deadline


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


def run_demo(out: str | Path, force: bool = False,
             say: Callable[[str], None] = lambda _: None) -> DemoResult:
    """Run both rounds into `out`; refuses a folder that is not empty unless `force`."""
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
    previous_path: Path | None = None
    previous_reviews: Path | None = None
    reports: list[Path] = []
    for period in (Q1, Q2):
        region = load_region(manifest.region_file(period))
        slug = _slug(region)
        say(f"{region.period}: templates, validation, roll-up ...")
        prev = read_rollup(previous_path) if previous_path else None
        rows = prefills(prev, region) if prev else {}
        templates = {}
        for lsp in region.lsps:
            path = root / "templates" / slug / template_name(region, lsp)
            templates[lsp.code] = build_template(path, region, lsp, rows.get(lsp.code),
                                                 when=SAMPLES_WHEN)
        drafts = template_drafts(region, templates, root / "emails" / f"{slug}-templates",
                                 SAMPLES_WHEN).written
        returns_dir = root / "samples" / "returns" / slug
        result = collect(expand_inputs([returns_dir]), region,
                         prev.returns if prev else None)
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
        reports.append(report_path)
        rollup = consolidate(result, None, prev.returns if prev else None,
                             previous_source=str(previous_path or ""))
        rollup_path = write_rollup(rollup, root / f"rollup-{slug}.xlsx")
        # The GO reviews each partnership from the roll-up, carrying in last round's open
        # advice, and the roll-up is made again with its reviews folded in.
        reviews_dir = root / "reviews" / slug
        written = _go_reviews(region, rollup_path, reviews_dir, previous_reviews)
        rollup = consolidate(result, None, prev.returns if prev else None,
                             previous_source=str(previous_path or ""),
                             reviews=read_reviews(reviews_dir, region))
        rollup_path = write_rollup(rollup, root / f"rollup-{slug}.xlsx")
        rounds.append(RoundOutcome(region, result, rollup, rollup_path, feedback,
                                   list(templates.values()), drafts, written))
        previous_path = rollup_path
        previous_reviews = reviews_dir
    last = rounds[-1]
    slipping_csv = root / f"slipping-{_slug(last.region)}.csv"
    slipping_csv.write_text(flags_csv(last.rollup.flags), encoding="utf-8")
    chased = chase_drafts(last.region, last.result.statuses,
                          root / "emails" / f"{_slug(last.region)}-chase", CHASE_DATE,
                          datetime.combine(CHASE_DATE, time(9))).written
    say(f"{last.region.period}: briefing packs ...")
    briefs = _briefs(last.rollup_path, rounds[0].rollup_path, root / "briefs",
                     root / "reviews" / _slug(last.region))
    return DemoResult(root, rounds, slipping_csv, chased, reports, briefs)


def _briefs(rollup: Path, earlier: Path, folder: Path, reviews_dir: Path) -> list[Path]:
    """A pack per partnership (with the earlier round for trends, and the GO's judgement
    from its review), per theme, and the region's highlight report."""
    from .brief import data
    from .brief.pdf import write_pack
    from .brief.run import pack_name, read_history
    from .brief.source import read_reviews, read_source

    src = read_source(rollup)
    history = read_history([earlier], src)
    reviews = read_reviews(reviews_dir, src, []) if reviews_dir.is_dir() else {}
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
    lines = [f"laa-xl demo: two quarters of a round for {res.rounds[0].region.region} "
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
    lines += ["", f"Wrote into {root}/:"]
    q1, q2 = res.rounds
    rows = [
        ("samples/", "the region files and the partners' returns, both quarters"),
        (f"templates/{_slug(q1.region)}/", f"{len(q1.templates)} workbooks for "
                                           f"{q1.region.period}"),
        (f"templates/{_slug(q2.region)}/", f"{len(q2.templates)} workbooks for "
                                           f"{q2.region.period}, prefilled from the "
                                           f"{q1.region.period} roll-up"),
        ("feedback/", f"{sum(len(r.feedback) for r in res.rounds)} feedback workbooks, one "
                      "per return with issues"),
        ("reviews/", f"the GO's reviews, filled in: {len(q1.reviews)} for {q1.region.period}, "
                     f"{len(q2.reviews)} for {q2.region.period} (open advice carried in)"),
        ("emails/", f"{sum(len(r.drafts) for r in res.rounds) + len(res.chase_drafts)} "
                    "email drafts: templates out, then reminders, feedback and thanks"),
        *[(p.name, "the validation report") for p in res.report_paths],
        *[(r.rollup_path.name, f"the roll-up for {r.region.period}") for r in res.rounds],
        (res.slipping_csv.name, f"{len(q2.rollup.flags)} slippage flags, worst first"),
    ]
    if res.briefs:
        rows.append(("briefs/", f"{len(res.briefs)} PDF briefing packs: each partnership, each "
                                "theme, the region"))
    width = max(len(a) for a, _ in rows)
    lines += [f"  {a:<{width}}  {b}" for a, b in rows]
    lines += ["", f"Open {q2.rollup_path} and start with the Dashboard."]
    if res.briefs:
        lines.append(f"Print {res.briefs[-1]}: the region's highlight report.")
    return "\n".join(lines)
