"""The region file (region.toml): read it, check it against its schema, fill in the defaults.

Also owns period arithmetic: a period is named like ``2009/10 Q2`` (UK financial year,
quarters ending 30 Jun, 30 Sep, 31 Dec and 31 Mar).
"""

from __future__ import annotations

import difflib
import re
import sys
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from .errors import RegionError
from .schemas import load_schema

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_THEMES = (
    "Children and young people",
    "Safer and stronger communities",
    "Healthier communities and older people",
    "Economic development and enterprise",
    "Environment and sustainability",
)

# The progress-assurance questions the handbook asks of every partnership's delivery
# arrangements: the first five come straight from it, the rest round out the test.
DEFAULT_ASSURANCE = (
    ("PA-01", "Delivery machinery",
     "Is there a gap or barrier in the delivery machinery that stops actions being carried out?"),
    ("PA-02", "Resources",
     "Are resources agreed and committed without hold-ups, for the whole life of each action?"),
    ("PA-03", "Capacity",
     "Do partners have the capacity to get the right people in post, with the right skills?"),
    ("PA-04", "Performance management",
     "Is the performance-management system up to scratch: timely data, regular review, "
     "action on what it shows?"),
    ("PA-05", "Project management",
     "Is there project-management discipline so that every eventuality is considered "
     "(plans, milestones, dependencies, risks)?"),
    ("PA-06", "Governance",
     "Is it clear who is accountable for each target, and does the partnership board hold "
     "them to account?"),
    ("PA-07", "Partnership working",
     "Are all the partners needed for delivery signed up and contributing?"),
    ("PA-08", "Data quality",
     "Is the data used to track each target accurate, timely and trusted by partners?"),
    ("PA-09", "Risk management",
     "Are risks to delivery identified, scored and actively managed?"),
    ("PA-10", "Community engagement",
     "Are local people and the third sector involved in shaping and delivering the actions?"),
)

_PERIOD = re.compile(r"^(20\d\d)/(\d\d) Q([1-4])$")


@dataclass(frozen=True)
class Period:
    """A quarter of a UK financial year, such as 2009/10 Q2."""

    start_year: int
    quarter: int

    @classmethod
    def parse(cls, text: str) -> Period:
        m = _PERIOD.match(text.strip())
        if not m or int(m.group(2)) != (int(m.group(1)) + 1) % 100:
            raise ValueError(f"{text!r} is not a period like 2009/10 Q2")
        return cls(int(m.group(1)), int(m.group(3)))

    def __str__(self) -> str:
        return f"{self.year_label} Q{self.quarter}"

    @property
    def year_label(self) -> str:
        """The financial year, such as ``2009/10``."""
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def end(self) -> date:
        """The last day of the quarter: 30 Jun, 30 Sep, 31 Dec or 31 Mar."""
        return {1: date(self.start_year, 6, 30), 2: date(self.start_year, 9, 30),
                3: date(self.start_year, 12, 31), 4: date(self.start_year + 1, 3, 31)}[self.quarter]

    @property
    def start(self) -> date:
        return {1: date(self.start_year, 4, 1), 2: date(self.start_year, 7, 1),
                3: date(self.start_year, 10, 1), 4: date(self.start_year + 1, 1, 1)}[self.quarter]

    def previous(self) -> Period:
        if self.quarter == 1:
            return Period(self.start_year - 1, 4)
        return Period(self.start_year, self.quarter - 1)

    def next(self) -> Period:
        if self.quarter == 4:
            return Period(self.start_year + 1, 1)
        return Period(self.start_year, self.quarter + 1)


@dataclass(frozen=True)
class Lsp:
    code: str
    name: str
    contact: str = ""
    email: str = ""


@dataclass(frozen=True)
class Question:
    id: str
    area: str
    question: str


DEFAULT_QUESTIONS = tuple(Question(*q) for q in DEFAULT_ASSURANCE)


@dataclass(frozen=True)
class Tolerances:
    """The region's slippage tolerances; each says how the roll-up's About sheet names it."""

    forecast_slip_days: int = field(default=14, metadata={
        "label": "Forecast slip tolerance (days)"})
    behind_plan_ratio: float = field(default=0.7, metadata={
        "label": "Behind plan below (share of time elapsed)"})
    low_days: int = field(default=30, metadata={"label": "Low severity up to (days late)"})
    medium_days: int = field(default=90, metadata={"label": "Medium severity up to (days late)"})
    over_budget_ratio: float = field(default=0.1, metadata={
        "label": "Over budget above (share of cost)"})
    persistent_quarters: int = field(default=2, metadata={
        "label": "Persistent slip: also flagged in each of the last (quarters)"})

    def labelled(self) -> list[tuple[str, int | float]]:
        """Each tolerance with its label, in declaration order."""
        return [(f.metadata["label"], getattr(self, f.name)) for f in fields(self)]


@dataclass(frozen=True)
class Region:
    """Everything the round needs to know about the region, defaults filled in."""

    lsps: tuple[Lsp, ...]
    region: str = "Region"
    go_name: str = "Government Office"
    period: Period = field(default_factory=lambda: Period(2009, 2))
    deadline: date | None = None
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    themes: tuple[str, ...] = DEFAULT_THEMES
    questions: tuple[Question, ...] = DEFAULT_QUESTIONS
    tolerances: Tolerances = field(default_factory=Tolerances)
    source: str = ""

    @property
    def due(self) -> date:
        """The return deadline: as set, or 15 days after the period ends."""
        return self.deadline or self.period.end + timedelta(days=15)

    def find_lsp(self, code: str) -> Lsp | None:
        """The LSP of this code (in any case), or None."""
        code = code.casefold()
        return next((item for item in self.lsps if item.code.casefold() == code), None)

    def lsp(self, code: str) -> Lsp:
        found = self.find_lsp(code)
        if found is not None:
            return found
        known = ", ".join(x.code for x in self.lsps)
        raise RegionError(f"{self.source or 'The region file'} has no LSP with code {code!r}. "
                          f"Its LSPs are: {known}.")


def _plain(value: Any) -> Any:
    """TOML dates become ISO strings so the schema can check them like JSON."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _where(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the top level"


def _explain(err: Any) -> str:
    """A jsonschema error about region.toml, in words that name the key."""
    key = _where(err.absolute_path)
    v = err.validator
    if v == "required":
        missing = err.message.split("'")[1]
        place = key if err.absolute_path else "the file"
        if missing == "lsp":
            return ("no partnerships are listed: add at least one [[lsp]] table with a code "
                    "and a name")
        return f"{place} needs a key {missing!r}"
    if v == "additionalProperties":
        extra = err.message.split("'")[1]
        known = list(err.schema.get("properties", {}))
        near = difflib.get_close_matches(extra, known, n=1, cutoff=0.6)
        hint = f"did you mean {near[0]!r}?" if near else "check the spelling"
        return f"{key}: {extra!r} is not a setting laa-xl knows ({hint})"
    if v == "pattern":
        if key.endswith("period"):
            return f"{key}: {err.instance!r} is not a period like \"2009/10 Q2\""
        if key.endswith("email"):
            return f"{key}: {err.instance!r} is not an email address"
        return f"{key}: {err.instance!r} may hold only letters, digits and '-' (up to 12)"
    if v == "type":
        return f"{key}: expected {err.validator_value}, found {type(err.instance).__name__} " \
               f"{err.instance!r}"
    if v == "format":
        return f"{key}: {err.instance!r} is not a date (write it as 2009-10-15)"
    if v in ("minimum", "maximum", "exclusiveMinimum"):
        return f"{key}: {err.instance!r} is out of range ({v} {err.validator_value})"
    if v == "minItems":
        return f"{key}: needs at least {err.validator_value} entry"
    if v == "uniqueItems":
        return f"{key}: has the same entry twice"
    if v in ("minLength", "maxLength"):
        return f"{key}: {err.instance!r} is too {'short' if v == 'minLength' else 'long'}"
    return f"{key}: {err.message}"


def load_region(path: str | Path) -> Region:
    """Read and check a region file; every problem becomes one RegionError naming the key."""
    path = Path(path)
    try:
        # Windows Notepad may save UTF-8 with a byte-order mark, which TOML does not allow.
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as err:
        raise RegionError(f"Region file {path} does not exist.") from err
    except OSError as err:
        raise RegionError(f"Cannot read region file {path}: {err.strerror}.") from err
    except UnicodeDecodeError as err:
        raise RegionError(f"Region file {path} is not UTF-8 text.") from err
    except tomllib.TOMLDecodeError as err:
        raise RegionError(f"Region file {path} is not valid TOML: {err}.") from err
    return region_from_dict(raw, source=str(path))


def region_from_dict(raw: dict[str, Any], source: str = "region.toml") -> Region:
    data = _plain(raw)
    validator = Draft202012Validator(load_schema("region"),
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        lines = "\n".join(f"  - {_explain(e)}" for e in errors)
        raise RegionError(f"Region file {source} has {len(errors)} problem(s):\n{lines}")
    try:
        period = Period.parse(data.get("period", "2009/10 Q2"))
    except ValueError as err:
        raise RegionError(f"Region file {source}: period: {err}.") from err
    deadline = date.fromisoformat(data["deadline"]) if "deadline" in data else None
    if deadline is not None and deadline <= period.end:
        raise RegionError(f"Region file {source}: the deadline {deadline:%d %B %Y} is on or "
                          f"before the end of the period {period} ({period.end:%d %B %Y}): "
                          "returns cannot be due before the quarter they report on is over. "
                          "Change the deadline (or the period).")
    codes = [x["code"].casefold() for x in data["lsp"]]
    dup = sorted({x["code"] for x in data["lsp"] if codes.count(x["code"].casefold()) > 1})
    if dup:
        raise RegionError(f"Region file {source}: LSP code(s) {', '.join(dup)} are listed twice.")
    contact = data.get("contact", {})
    questions = tuple(Question(q["id"], q["area"], q["question"]) for q in data["assurance"]) \
        if "assurance" in data else DEFAULT_QUESTIONS
    qids = [q.id for q in questions]
    if len(set(qids)) != len(qids):
        raise RegionError(f"Region file {source}: two assurance questions share an id.")
    return Region(
        lsps=tuple(Lsp(x["code"], x["name"], x.get("contact", ""), x.get("email", ""))
                   for x in data["lsp"]),
        region=data.get("region", "Region"),
        go_name=data.get("go_name", "Government Office"),
        period=period,
        deadline=deadline,
        contact_name=contact.get("name", ""),
        contact_email=contact.get("email", ""),
        contact_phone=contact.get("phone", ""),
        themes=tuple(data.get("themes", DEFAULT_THEMES)),
        questions=questions,
        tolerances=Tolerances(**data.get("tolerances", {})),
        source=source,
    )
