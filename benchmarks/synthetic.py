"""A synthetic national round: a region file with many partnerships and one valid return each.

Every return is a real workbook made by `laa_xl.template.build_template` with its rows
prefilled, so it is read exactly as a partner's file would be.  The data is deterministic
(seeded per partnership), passes every check with no errors, and looks like a real round:
a mix of RAG ratings and statuses, slipping forecasts and overdue milestones for the slippage
rules to find, Red items with recovery plans, and about one row in a hundred typed the way
people do (a date as text, `£12,500`, `green`) so that normalisation has work to do.

Generated files are cached in a folder per case with a manifest; a later run reuses them
when the manifest matches what would be generated.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from laa_xl.region import DEFAULT_ASSURANCE, DEFAULT_THEMES, Region, load_region
from laa_xl.schemas import schema_version
from laa_xl.template import Prefill, build_template, template_name

GENERATOR_VERSION = 1  # bump when the rows generated change: cached rounds are then remade
PERIOD = "2009/10 Q2"
AS_AT = date(2009, 9, 30)  # the period's end: the default "as at" date for slippage
LAA_START, LAA_END = date(2008, 4, 1), date(2011, 3, 31)
WHEN = datetime(2009, 7, 1, 9, 0, 0)  # templates' generated-at time, fixed for repeatability


@dataclass(frozen=True)
class Sizes:
    """How many rows each return holds, by sheet, and how many returns the round has."""

    returns: int
    outcomes: int
    actions: int
    milestones: int
    assurance: int
    risks: int


CASES: dict[str, Sizes] = {
    "realistic": Sizes(returns=150, outcomes=35, actions=300, milestones=900, assurance=10,
                       risks=20),
    "stress": Sizes(returns=150, outcomes=35, actions=2000, milestones=6000, assurance=10,
                    risks=20),
}

DATA_SHEETS = ("outcomes", "actions", "milestones", "assurance", "risks", "recovery")

# -- vocabulary ----------------------------------------------------------------------------

_PLACES = ("Ash", "Brook", "Castle", "Dale", "Elm", "Fair", "Glen", "Hart", "Iron", "Kings",
           "Lark", "Mill", "North", "Oak", "Pen", "Queens", "River", "Stone", "Thorn", "Wold")
_ENDINGS = ("bridge", "bury", "caster", "combe", "den", "field", "ford", "ham", "ley", "mouth",
            "port", "stead", "thorpe", "ton", "wick")
_KINDS = ("Partnership", "Together", "Strategic Partnership", "LSP", "Partnership Board")
_FIRST = ("Aisha", "Ben", "Chloe", "David", "Elena", "Femi", "Gareth", "Helen", "Imran", "Jo",
          "Kate", "Liam", "Maya", "Nadia", "Owen", "Priya", "Rhys", "Sam", "Tom", "Zoe")
_LAST = ("Ahmed", "Baker", "Clarke", "Davies", "Evans", "Fisher", "Green", "Hughes", "Iqbal",
         "Jones", "Khan", "Lewis", "Morgan", "Nowak", "Osei", "Patel", "Reid", "Shah", "Taylor")
_AGENCIES = ("City Council", "County Council", "Primary Care Trust", "Police", "Fire and Rescue",
             "Jobcentre Plus", "Connexions", "Housing Association", "Learning and Skills Council",
             "Voluntary Sector Forum", "Chamber of Commerce", "Youth Offending Team")
_WORDS = ("deliver", "targeted", "support", "for", "young", "people", "families", "in", "the",
          "most", "deprived", "wards", "through", "partnership", "working", "with", "schools",
          "health", "services", "and", "the", "voluntary", "sector", "to", "reduce", "improve",
          "increase", "access", "outcomes", "funding", "agreed", "recruitment", "of", "staff",
          "delayed", "by", "a", "review", "community", "safety", "housing", "employment",
          "skills", "training", "advice", "programme", "pilot", "extended", "across", "area",
          "data", "shows", "progress", "against", "trajectory", "since", "last", "quarter",
          "board", "approved", "business", "case", "contract", "let", "new", "provider")
_UNITS = ("%", "number", "rate per 1,000", "score", "households")


def _sentence(rng: random.Random, lo: int, hi: int) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(lo, hi))]
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def _person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _day(d: date, rng: random.Random, lo: int, hi: int) -> date:
    return d + timedelta(days=rng.randint(lo, hi))


def _clip(d: date, lo: date, hi: date) -> date:
    return max(lo, min(hi, d))


def _dmy(d: date) -> str:
    return d.strftime("%d/%m/%Y")


# -- the region ------------------------------------------------------------------------------


def lsp_code(i: int) -> str:
    """The code of the i-th (0-based) synthetic partnership: L001, L002, …"""
    return f"L{i + 1:03d}"


def region_toml(sizes: Sizes) -> str:
    """A region file with one LSP per return and `sizes.assurance` assurance questions."""
    rng = random.Random(2009)
    lines = ['region = "England (synthetic national round)"',
             'go_name = "Government Office (benchmark)"',
             f'period = "{PERIOD}"', "deadline = 2009-10-15", "",
             "[contact]", 'name = "Performance Team"', 'email = "laa.returns@go.example"', ""]
    for i in range(sizes.returns):
        name = (f"{rng.choice(_PLACES)}{rng.choice(_ENDINGS)} {rng.choice(_KINDS)} "
                f"{i + 1:03d}")
        lines += ["[[lsp]]", f'code = "{lsp_code(i)}"', f'name = "{name}"',
                  f'contact = "{_person(rng)}"', f'email = "laa.{lsp_code(i).lower()}@lsp.example"',
                  ""]
    for i in range(sizes.assurance):
        qid, area, question = DEFAULT_ASSURANCE[i % len(DEFAULT_ASSURANCE)]
        if i >= len(DEFAULT_ASSURANCE):
            qid = f"PA-{i + 1:02d}"
        lines += ["[[assurance]]", f'id = "{qid}"', f'area = "{area}"',
                  f'question = "{question}"', ""]
    return "\n".join(lines)


# -- one return's rows -----------------------------------------------------------------------


def _outcomes(rng: random.Random, n: int) -> list[dict[str, Any]]:
    indicators = rng.sample([i for i in range(1, 200) if i != 31], k=min(n, 150))
    rows = []
    for i in range(n):
        code = f"NI {indicators[i]}" if i < len(indicators) and rng.random() < 0.9 \
            else f"L{i + 1:02d}"
        polarity = rng.choice(("Higher", "Lower"))
        base = round(rng.uniform(5, 80), 1)
        step = rng.uniform(0.5, 4.0) * (1 if polarity == "Higher" else -1)
        targets = [round(base + step * k, 1) for k in (1, 2, 3)]
        latest = round(base + step * rng.uniform(0.3, 2.2), 1)
        confidence = rng.choices(("Green", "Amber", "Red"), (60, 30, 10))[0]
        row: dict[str, Any] = {
            "outcome_id": f"O-{i + 1:02d}", "indicator": code,
            "title": _sentence(rng, 4, 12), "theme": DEFAULT_THEMES[i % len(DEFAULT_THEMES)],
            "lead_partner": rng.choice(_AGENCIES), "lead_officer": _person(rng),
            "polarity": polarity, "unit": rng.choice(_UNITS), "baseline_value": base,
            "baseline_period": "2007/08", "target_2008_09": targets[0],
            "target_2009_10": targets[1], "target_2010_11": targets[2], "latest_value": latest,
            "latest_period": "Q1 2009/10", "current_position": _sentence(rng, 8, 30),
            "challenge": _sentence(rng, 8, 30), "options_appraised": _sentence(rng, 8, 40),
            "right_things": rng.choice(("Yes", "Partly", "No")),
            "enough": rng.choice(("Yes", "Partly", "No")),
            "long_enough": rng.choice(("Yes", "Partly", "No")), "confidence": confidence,
        }
        if confidence != "Green" or rng.random() < 0.3:
            row["commentary"] = _sentence(rng, 10, 40)
        rows.append(row)
    return rows


def _action(rng: random.Random, i: int, outcome_id: str) -> dict[str, Any]:
    start = _day(LAA_START, rng, 0, 600)
    due = min(_day(start, rng, 90, 640), LAA_END)
    if due < AS_AT:
        status = rng.choices(("Complete", "Cancelled", "In progress"), (80, 5, 15))[0]
    elif start > AS_AT:
        status = rng.choices(("Not started", "On hold"), (90, 10))[0]
    else:
        status = rng.choices(("In progress", "On hold", "Complete", "Cancelled"),
                             (85, 5, 5, 5))[0]
    row: dict[str, Any] = {
        "action_id": f"A-{i + 1:04d}", "outcome_id": outcome_id,
        "description": _sentence(rng, 6, 25), "lead_agency": rng.choice(_AGENCIES),
        "lead_officer": _person(rng), "start_date": start, "due_date": due, "status": status,
    }
    if rng.random() < 0.6:
        row["cost"] = round(rng.uniform(1_000, 500_000), -2)
        row["resources"] = _sentence(rng, 3, 10)
    if status == "Complete":
        row["completed_date"] = _clip(_day(due, rng, -60, 20), start, AS_AT)
        row["percent_complete"] = 100
    elif status != "Cancelled":
        row["rag"] = rng.choices(("Green", "Amber", "Red"), (75, 18, 7))[0]
        if status == "Not started":
            row["percent_complete"] = 0
        else:
            gone = (AS_AT - start).days / max((due - start).days, 1)
            row["percent_complete"] = max(0, min(95, round(100 * gone * rng.uniform(0.4, 1.1))))
        if rng.random() < 0.3:
            row["forecast_date"] = _day(due, rng, 0, 120)
        if row["rag"] != "Green":
            row["mitigation"] = _sentence(rng, 8, 30)
        row["progress"] = _sentence(rng, 6, 30)
    # about one row in a hundred is typed the way people type
    if rng.random() < 0.01:
        row["start_date"] = _dmy(start)
    if "cost" in row and rng.random() < 0.01:
        row["cost"] = f"£{row['cost']:,.0f}"
    if row.get("rag") == "Green" and rng.random() < 0.01:
        row["rag"] = "green"
    return row


def _milestones(rng: random.Random, action: dict[str, Any], per: int, first: int
                ) -> list[dict[str, Any]]:
    start = action["start_date"]
    if isinstance(start, str):
        start = datetime.strptime(start, "%d/%m/%Y").date()
    due = action["due_date"]
    end = action.get("forecast_date") or due
    rows = []
    for j in range(per):
        baseline = start + timedelta(days=(due - start).days * (j + 1) // (per + 1))
        row: dict[str, Any] = {"milestone_id": f"M-{first + j + 1:05d}",
                               "action_id": action["action_id"],
                               "description": _sentence(rng, 3, 12), "baseline_date": baseline}
        status = action["status"]
        if status == "Complete":
            row.update(status="Achieved", actual_date=_clip(_day(baseline, rng, -10, 10),
                                                            start, end))
        elif status == "Cancelled":
            row["status"] = "Cancelled"
        elif baseline < AS_AT:
            state = rng.choices(("Achieved", "Missed", "At risk"), (80, 10, 10))[0]
            row["status"] = state
            if state == "Achieved":
                row["actual_date"] = _clip(_day(baseline, rng, -10, 20), start, AS_AT)
            elif state == "At risk":
                row["forecast_date"] = _clip(_day(baseline, rng, 30, 90), start, end)
        else:
            row["status"] = rng.choices(("On track", "At risk"), (85, 15))[0]
            if row["status"] == "At risk":
                row["forecast_date"] = _clip(_day(baseline, rng, 10, 60), start, end)
        if rng.random() < 0.3:
            row["comment"] = _sentence(rng, 4, 20)
        rows.append(row)
    return rows


def _recovery(rng: random.Random, item_id: str, rag: str) -> dict[str, Any]:
    row: dict[str, Any] = {"item_id": item_id,
                           "main_factor": rng.choice(("Political", "Economic", "Social",
                                                      "Technological", "Environmental",
                                                      "Legal", "Organisational"))}
    for name in ("scanning", "analysis", "response", "assessment"):
        if rag == "Red" or rng.random() < 0.7:
            row[name] = _sentence(rng, 8, 30)
    for name in ("strengths", "weaknesses", "opportunities", "threats", "factor_detail"):
        if rng.random() < 0.5:
            row[name] = _sentence(rng, 4, 15)
    return row


def return_rows(index: int, sizes: Sizes, questions: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every sheet's rows for the return of partnership `index`: valid, deterministic."""
    rng = random.Random(1_000_003 * (index + 1))
    outcomes = _outcomes(rng, sizes.outcomes)
    actions = [_action(rng, i, outcomes[i % len(outcomes)]["outcome_id"])
               for i in range(sizes.actions)]
    milestones: list[dict[str, Any]] = []
    per, extra = divmod(sizes.milestones, max(len(actions), 1))
    for i, a in enumerate(actions):
        milestones += _milestones(rng, a, per + (1 if i < extra else 0), len(milestones))
    assurance: list[dict[str, Any]] = []
    for qid in questions:
        rating = rng.choices(("Strong", "Adequate", "Weak"), (35, 50, 15))[0]
        answer = {"question_id": qid, "rating": rating, "evidence": _sentence(rng, 8, 30)}
        if rating == "Weak" or rng.random() < 0.2:
            answer["improvement"] = _sentence(rng, 6, 20)
        assurance.append(answer)
    risks: list[dict[str, Any]] = []
    for i in range(sizes.risks):
        linked = rng.choice(outcomes)["outcome_id"] if rng.random() < 0.5 \
            else rng.choice(actions)["action_id"]
        risk: dict[str, Any] = {
            "risk_id": f"R-{i + 1:02d}", "linked_to": linked,
            "description": _sentence(rng, 6, 20), "likelihood": rng.randint(1, 5),
            "impact": rng.randint(1, 5), "owner": _person(rng),
            "status": rng.choices(("Open", "Closed"), (85, 15))[0]}
        if rng.random() < 0.7:
            risk["mitigation"] = _sentence(rng, 6, 25)
        risks.append(risk)
    recovery = []
    for row in outcomes:
        if row["confidence"] == "Red" or (row["confidence"] == "Amber" and rng.random() < 0.6):
            recovery.append(_recovery(rng, row["outcome_id"], row["confidence"]))
    for row in actions:
        rag = str(row.get("rag", "")).capitalize()
        if rag == "Red" or (rag == "Amber" and rng.random() < 0.6):
            recovery.append(_recovery(rng, row["action_id"], rag))
    return {"outcomes": outcomes, "actions": actions, "milestones": milestones,
            "assurance": assurance, "risks": risks, "recovery": recovery}


# -- the round's files, cached ---------------------------------------------------------------


@dataclass(frozen=True)
class Round:
    """A generated round on disk: the region file, the returns, and their row counts."""

    folder: Path
    region_file: Path
    returns: list[Path]
    sizes: Sizes
    rows: dict[str, dict[str, int]]  # LSP code -> sheet key -> rows written

    def region(self) -> Region:
        return load_region(self.region_file)

    def total_rows(self) -> dict[str, int]:
        """Rows written per sheet, over every return."""
        out = dict.fromkeys(DATA_SHEETS, 0)
        for counts in self.rows.values():
            for k, n in counts.items():
                out[k] += n
        return out


def fingerprint(sizes: Sizes) -> str:
    """What the cached files depend on: sizes, the generator's version and the schema's."""
    text = json.dumps({"sizes": asdict(sizes), "generator": GENERATOR_VERSION,
                       "schema": schema_version()}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _build_one(args: tuple[Path, Path, int, Sizes]) -> tuple[str, dict[str, int]]:
    region_file, out, index, sizes = args
    region = load_region(region_file)
    lsp = region.lsps[index]
    rows = return_rows(index, sizes, [q.id for q in region.questions])
    build_template(out / template_name(region, lsp), region, lsp, Prefill(rows), when=WHEN)
    return lsp.code, {k: len(v) for k, v in rows.items()}


def generate(folder: str | Path, sizes: Sizes, jobs: int = 2,
             progress: Callable[[str], None] | None = None) -> Round:
    """The round in `folder`, generated unless a matching one is already there."""
    folder = Path(folder)
    manifest = folder / "manifest.json"
    key = fingerprint(sizes)
    if manifest.exists():
        data = json.loads(manifest.read_text(encoding="utf-8"))
        files = [folder / "returns" / f for f in data.get("files", [])]
        if data.get("fingerprint") == key and files and all(f.exists() for f in files):
            return Round(folder, folder / "region.toml", files, sizes, data["rows"])
        manifest.unlink()
    returns = folder / "returns"
    returns.mkdir(parents=True, exist_ok=True)
    for old in returns.glob("*.xlsx"):
        old.unlink()
    region_file = folder / "region.toml"
    region_file.write_text(region_toml(sizes), encoding="utf-8")
    tasks = [(region_file, returns, i, sizes) for i in range(sizes.returns)]
    rows: dict[str, dict[str, int]] = {}
    if jobs > 1 and len(tasks) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for n, (code, counts) in enumerate(pool.map(_build_one, tasks), start=1):
                rows[code] = counts
                if progress and n % 10 == 0:
                    progress(f"generated {n} of {len(tasks)} returns")
    else:
        for task in tasks:
            code, counts = _build_one(task)
            rows[code] = counts
    region = load_region(region_file)
    files = [template_name(region, lsp) for lsp in region.lsps]
    manifest.write_text(json.dumps({"fingerprint": key, "sizes": asdict(sizes), "files": files,
                                    "rows": rows}, indent=1), encoding="utf-8")
    return Round(folder, region_file, [returns / f for f in files], sizes, rows)
