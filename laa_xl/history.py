"""A region's history, from its roll-ups: what is moving, and what is stuck, quarter by quarter.

The tool keeps nothing itself: the roll-ups are the record, one per quarter.  `read_history`
reads a set of them (files or folders, one region, one roll-up per quarter) in period order
and works out the trends as plain tables, one row per item per quarter, every row naming the
roll-up file and the cell its value came from.  `History.frame` gives each table as a pandas
DataFrame with typed columns and ordered periods; `laa_xl.trends` writes them as a workbook.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .model import Return, Row, col_letter
from .region import Period
from .rollup.layout import MISSING, VALID
from .rollup_reader import (
    PreviousRound,
    order_rounds,
    read_rollup,
    return_state,
    rollup_identity,
    rollup_paths,
)
from .schemas import sheet
from .slippage import FlaggedItem, kind, trajectory
from .text import id_key
from .themes import Themes

if TYPE_CHECKING:
    import pandas as pd

# The roll-up's summary tables a history reads besides its data sheets.
SUMMARY_SHEETS = ("Completeness", "Dashboard", "Slipping", "Assurance")

# Every table: its columns, each with its header text in the trends workbook and its type
# ("text", "number", "integer", "date", "bool", "period").  The DataFrames and the workbook
# both take their columns from here.
SOURCE = [("source_file", "Source file", "text"), ("source_cell", "Source cell", "text")]
COLUMNS: dict[str, list[tuple[str, str, str]]] = {
    "outcomes": [
        ("period", "Period", "period"), ("lsp", "LSP", "text"),
        ("outcome_id", "Outcome ID", "text"), ("indicator", "Indicator", "text"),
        ("title", "Outcome / target", "text"), ("theme", "Theme", "text"),
        ("polarity", "Good performance is", "text"), ("unit", "Unit", "text"),
        ("baseline_value", "Baseline", "number"), ("target", "Target this year", "number"),
        ("trajectory", "Trajectory", "number"), ("latest_value", "Latest value", "number"),
        ("progress", "Progress to target (%)", "number"),
        ("latest_period", "Latest period", "text"),
        ("confidence", "Delivery confidence (RAG)", "text"),
        ("off_trajectory", "Off trajectory", "bool"), *SOURCE],
    "partnerships": [
        ("period", "Period", "period"), ("lsp", "LSP", "text"),
        ("partnership", "Partnership", "text"), ("status", "Status", "text"),
        ("returned", "Returned", "bool"), ("received", "Received", "date"),
        ("on_time", "On time", "bool"), ("valid", "Valid", "bool"),
        ("flags", "Slippage flags", "integer"), ("slipping_items", "Slipping items", "integer"),
        ("overdue", "Overdue items", "integer"), ("off_track", "Off-track outcomes", "integer"),
        *SOURCE],
    "persistent": [
        ("lsp", "LSP", "text"), ("theme", "Theme", "text"), ("sheet", "Sheet", "text"),
        ("item_id", "Item", "text"), ("description", "Description", "text"),
        ("since", "Flagged since", "period"), ("until", "Last flagged", "period"),
        ("quarters", "Quarters in a row", "integer"),
        ("still_flagged", "Still flagged", "bool"), ("rules", "Rules (last quarter)", "text"),
        ("date_then", "Date when first flagged", "date"), ("date_now", "Date now", "date"),
        ("moved_days", "Moved in all (days)", "integer"),
        ("days_late", "Days late now", "integer"), *SOURCE],
    "rebaselines": [
        ("period", "Period", "period"), ("lsp", "LSP", "text"), ("theme", "Theme", "text"),
        ("sheet", "Sheet", "text"), ("item_id", "Item", "text"),
        ("description", "Description", "text"), ("field", "Baseline", "text"),
        ("was", "Was", "date"), ("now", "Now", "date"), ("days", "Moved (days)", "integer"),
        ("previous_file", "Previous roll-up", "text"), *SOURCE],
    "ratings": [
        ("period", "Period", "period"), ("lsp", "LSP", "text"), ("sheet", "Sheet", "text"),
        ("item_id", "Item", "text"), ("theme", "Theme", "text"),
        ("rating", "Rating", "text"), ("by", "Rated by", "text"), *SOURCE],
}


@dataclass
class History:
    """A region's roll-ups in period order, and the trend tables worked out from them."""

    rounds: list[PreviousRound]
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def region(self) -> str:
        return self.rounds[0].meta.get("region", "") if self.rounds else ""

    @property
    def periods(self) -> list[str]:
        return [r.period for r in self.rounds]

    def partnerships(self) -> list[tuple[str, str]]:
        """(code, name) of every partnership any roll-up lists, in first-seen order."""
        seen: dict[str, str] = {}
        for row in self.tables.get("partnerships", []):
            seen.setdefault(row["lsp"], row["partnership"] or "")
        return list(seen.items())

    def frame(self, name: str) -> pd.DataFrame:
        """One table as a DataFrame: typed columns, periods as an ordered category."""
        import pandas as pd

        rows = self.tables[name]
        columns = COLUMNS[name]
        data: dict[str, Any] = {}
        for col, _, kind_ in columns:
            values = [r.get(col) for r in rows]
            if kind_ == "period":
                data[col] = pd.Categorical(values, categories=self.periods, ordered=True)
            elif kind_ == "number":
                data[col] = pd.array([None if v is None else float(v) for v in values],
                                     dtype="Float64")
            elif kind_ == "integer":
                data[col] = pd.array(values, dtype="Int64")
            elif kind_ == "bool":
                data[col] = pd.array(values, dtype="boolean")
            elif kind_ == "date":
                data[col] = pd.to_datetime(pd.Series(values, dtype="object"))
            else:
                data[col] = pd.array([None if v is None else str(v) for v in values],
                                     dtype="string")
        return pd.DataFrame(data, columns=[c for c, _, _ in columns])

    def frames(self) -> dict[str, pd.DataFrame]:
        """Every table as a DataFrame, by name."""
        return {name: self.frame(name) for name in COLUMNS}


def read_history(inputs: Sequence[str | Path], skip: Sequence[str | Path] = ()) -> History:
    """Read the roll-ups given (files, or every .xlsx in a folder) and work out the trends.

    `skip` names files not to read (the trends workbook itself, written into the folder of
    roll-ups).  InputError (a usage error) when none is given, when one cannot be read as a
    roll-up, or for roll-ups of different regions or two of one period, naming both files.
    """
    from .errors import InputError, ReadError
    from .xlsxout import is_one_of

    paths = [p for p in rollup_paths(inputs) if not is_one_of(p, skip)]
    if not paths:
        raise InputError(f"No roll-up workbooks (.xlsx) in {', '.join(map(str, inputs))}: "
                         "give the roll-ups that `laa-xl consolidate` wrote.")
    def as_input_error(err: ReadError) -> InputError:
        return InputError(str(err).replace("as the previous round", "as a roll-up")
                          .replace("--previous takes", "history takes"))

    # Each roll-up's identity first, to put them in order (and refuse two of one period or
    # of two regions) before any is read; then one at a time, keeping of each only what
    # the trends need, so that twelve national roll-ups are never all in memory at once.
    heads = []
    for p in paths:
        try:
            heads.append(rollup_identity(p))
        except ReadError as err:
            raise as_input_error(err) from err
    history = History(order_rounds(heads))
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in COLUMNS}
    flagged: list[dict[FlaggedItem, _Flagged]] = []
    last_seen: dict[str, tuple[str, dict[str, dict[str, date]]]] = {}
    wanted = _fields()
    for i, head in enumerate(history.rounds):
        try:
            rnd = read_rollup(head.path, SUMMARY_SHEETS, wanted)
        except ReadError as err:
            raise as_input_error(err) from err
        try:
            tables["outcomes"].extend(_outcomes(rnd))
            tables["partnerships"].extend(_partnerships(rnd))
            tables["rebaselines"].extend(_rebaselines(rnd, last_seen))
            tables["ratings"].extend(_ratings(rnd))
            flagged.append(_flagged(rnd))
        finally:  # both are keyed by object identity: good only while the roll-up is held
            _ROUND_CACHE.clear()
            _INDEXES.clear()
        history.rounds[i] = PreviousRound(rnd.path, rnd.meta)  # its rows are let go
    tables["persistent"] = _persistent(history, flagged)
    history.tables = tables
    return history


def _fields() -> dict[str, set[str]]:
    """The fields the trends use, by sheet: what slippage and the themes need, and the
    outcomes' figures; the rest of a roll-up is not normalised."""
    out: dict[str, set[str]] = {}
    for key in ("outcomes", "actions", "milestones"):
        k = kind(key)
        out[key] = {n for n in (k.key, k.parent, k.summary, k.due, k.forecast, k.status, k.rag)
                    if n}
    out["outcomes"] |= {"outcome_id", "indicator", "title", "theme", "polarity", "unit",
                        "baseline_value", "latest_value", "latest_period", "confidence",
                        *_target_fields().values()}
    return out


# -- where a value came from ------------------------------------------------------------------

def _cell(rnd: PreviousRound, key: str, lsp: str, index: int, field_name: str) -> str:
    """The roll-up cell of one field of an LSP's `index`-th row of a data sheet."""
    rows = rnd.rollup_rows.get((lsp, key), [])
    col = rnd.columns.get(key, {}).get(field_name)
    name = rnd.sheet_names.get(key, sheet(key).name)
    if index >= len(rows):
        return name
    return f"{name}!{col_letter(col if col is not None else 0)}{rows[index]}"


def _valid_returns(rnd: PreviousRound) -> Iterator[tuple[str, Return]]:
    for code, ret in rnd.returns.items():
        if code not in rnd.invalid:
            yield code, ret


def _period(rnd: PreviousRound) -> Period | None:
    try:
        return Period.parse(rnd.period)
    except ValueError:
        return None


# -- the tables -------------------------------------------------------------------------------

def _number(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _outcomes(rnd: PreviousRound) -> Iterator[dict[str, Any]]:
    period = _period(rnd)
    for code, ret in _valid_returns(rnd):
        for i, row in enumerate(ret.sheets["outcomes"]):
            target = expected = None
            if period is not None:
                got = trajectory(row, period)
                expected = got[0] if got else None
                years = {y: f for y, f in _target_fields().items()}
                year = _year_of(row, period)
                target = _number(row.get(years[year])) if year in years else None
            latest = _number(row.get("latest_value"))
            baseline = _number(row.get("baseline_value"))
            progress = None
            if latest is not None and baseline is not None and target is not None \
                    and target != baseline:
                progress = round(100 * (latest - baseline) / (target - baseline), 1)
            polarity = str(row.get("polarity") or "").casefold()
            off = None
            if latest is not None and expected is not None and polarity in ("higher", "lower"):
                off = latest < expected if polarity == "higher" else latest > expected
            yield {
                "period": rnd.period, "lsp": code, "outcome_id": row.get("outcome_id"),
                "indicator": row.get("indicator"), "title": row.get("title"),
                "theme": row.get("theme"), "polarity": row.get("polarity"),
                "unit": row.get("unit"),
                "baseline_value": _number(row.get("baseline_value")), "target": target,
                "trajectory": expected, "latest_value": latest, "progress": progress,
                "latest_period": row.get("latest_period"),
                "confidence": row.get("confidence"), "off_trajectory": off,
                "source_file": rnd.path,
                "source_cell": _cell(rnd, "outcomes", code, i, "latest_value"),
            }


def _target_fields() -> dict[str, str]:
    from .schemas import target_years

    return {year: f.name for year, f in target_years().items()}


def _year_of(row: Row, period: Period) -> str:
    """The financial year the latest value belongs to: its own period's, else the round's."""
    import re

    m = re.search(r"(20\d\d)/(\d\d)", str(row.get("latest_period") or ""))
    if m and int(m.group(2)) == (int(m.group(1)) + 1) % 100:
        return m.group(0)
    return period.year_label


_ROUND_CACHE: dict[tuple[int, str], Any] = {}  # per roll-up read: its flags, each return's themes


def _once(owner: object, what: str, make: Any) -> Any:
    """`make()`, worked out once per roll-up (or return) while it is being read."""
    key = (id(owner), what)
    if key not in _ROUND_CACHE:
        _ROUND_CACHE[key] = make()
    return _ROUND_CACHE[key]


def _themes(ret: Return) -> Themes:
    return _once(ret, "themes", lambda: Themes(ret))  # type: ignore[no-any-return]


def _flags_by_lsp(rnd: PreviousRound) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """The Slipping sheet's rows by LSP, each with its worksheet row (once per roll-up)."""
    return _once(rnd, "flags", lambda: _read_flags(rnd))  # type: ignore[no-any-return]


def _read_flags(rnd: PreviousRound) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    out: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    table = rnd.tables.get("Slipping")
    for n, rec in (table.records() if table else []):
        if rec.get("LSP"):
            out.setdefault(str(rec["LSP"]), []).append((n, rec))
    return out


def _yes(v: Any) -> bool | None:
    return {"Yes": True, "No": False}.get(str(v)) if v is not None else None


def _as_date(v: Any) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    return v if isinstance(v, date) else None


def _partnerships(rnd: PreviousRound) -> Iterator[dict[str, Any]]:
    flags = _flags_by_lsp(rnd)
    dashboard = {str(rec.get("LSP")): rec for _, rec in
                 (rnd.tables["Dashboard"].records() if "Dashboard" in rnd.tables else [])}
    table = rnd.tables.get("Completeness")
    status_col = table.column("Status") if table else None
    for n, rec in (table.records() if table else []):
        code = str(rec.get("LSP") or "")
        if not code:
            continue
        state = str(rec.get("Status") or "")
        returned = return_state(state) != MISSING
        mine = [r for _, r in flags.get(code, [])]
        items = {(r.get("Sheet"), id_key(r.get("Item") or "")) for r in mine}
        has_data = code in rnd.returns and code not in rnd.invalid
        dash = dashboard.get(code, {})
        yield {
            "period": rnd.period, "lsp": code, "partnership": rec.get("Partnership"),
            "status": state, "returned": returned, "received": _as_date(rec.get("Received")),
            "on_time": _yes(rec.get("On time")),
            "valid": (return_state(state) == VALID if returned else None),
            "flags": len(mine) if has_data else None,
            "slipping_items": len(items) if has_data else None,
            "overdue": len({(r.get("Sheet"), id_key(r.get("Item") or "")) for r in mine
                            if r.get("Rule") == "overdue"}) if has_data else None,
            "off_track": (int(dash["Off-track outcomes"])
                          if isinstance(dash.get("Off-track outcomes"), (int, float))
                          else None) if has_data else None,
            "source_file": rnd.path,
            "source_cell": f"Completeness!{col_letter(status_col or 0)}{n}",
        }


def _sheet_keys() -> dict[str, str]:
    return {sheet(k).name: k for k in ("outcomes", "actions", "milestones")}


_INDEXES: dict[tuple[int, str], dict[str, Row]] = {}


def _find(ret: Return | None, key: str, item: str) -> Row | None:
    """The row of `item` on a return's sheet, by its ID as `id_key` has it."""
    if ret is None:
        return None
    index = _INDEXES.get((id(ret), key))
    if index is None:
        k = kind(key)
        index = {}
        for row in ret.sheets[key]:
            index.setdefault(id_key(row.get(k.key) or ""), row)
        _INDEXES[(id(ret), key)] = index
    return index.get(id_key(item))


def _item_date(row: Row | None, key: str) -> date | None:
    """Where an item stands: its forecast, else its baseline or due date."""
    if row is None or key == "outcomes":
        return None
    k = kind(key)
    for name in (k.forecast, k.due):
        v = row.get(name) if name else None
        if isinstance(v, date):
            return v
    return None


@dataclass
class _Flagged:
    """What persistent slippage keeps of an item flagged in one roll-up."""

    cell: str  # its first flag's Item cell on the Slipping sheet
    theme: Any
    item_id: Any
    description: Any
    rules: list[str]
    days: int | None
    when: date | None  # its forecast, else its baseline or due date, then


def _flagged(rnd: PreviousRound) -> dict[FlaggedItem, _Flagged]:
    """The items one roll-up's Slipping sheet flags, each once."""
    keys = _sheet_keys()
    out: dict[FlaggedItem, _Flagged] = {}
    table = rnd.tables.get("Slipping")
    item_col = col_letter((table.column("Item") if table else None) or 0)
    for code, recs in _flags_by_lsp(rnd).items():
        ret = rnd.returns.get(code)
        for n, rec in recs:
            name = str(rec.get("Sheet") or "")
            item = (code, name, id_key(rec.get("Item") or ""))
            days = rec.get("Days")
            days = int(days) if isinstance(days, (int, float)) else None
            got = out.get(item)
            if got is None:
                key = keys.get(name)
                when = _item_date(_find(ret, key, str(rec.get("Item") or "")), key) \
                    if key else None
                out[item] = _Flagged(f"Slipping!{item_col}{n}", rec.get("Theme"), rec.get("Item"),
                                     rec.get("Description"), [str(rec.get("Rule"))], days, when)
                continue
            if str(rec.get("Rule")) not in got.rules:
                got.rules.append(str(rec.get("Rule")))
            if days is not None and (got.days is None or days > got.days):
                got.days = days
    return out


def _persistent(h: History, flagged: list[dict[FlaggedItem, _Flagged]]) -> list[dict[str, Any]]:
    """Items flagged in two or more consecutive quarters: each run, with how far it moved."""
    periods = [_period(r) for r in h.rounds]
    out: list[dict[str, Any]] = []
    for item in sorted({item for f in flagged for item in f}):
        run: list[int] = []
        runs: list[list[int]] = []
        for i in range(len(h.rounds)):
            before, now = (periods[i - 1] if i else None), periods[i]
            follows = bool(run) and run[-1] == i - 1 and before is not None \
                and now is not None and before.next() == now
            if item in flagged[i]:
                if run and not follows:
                    runs.append(run)
                    run = []
                run.append(i)
            elif run:
                runs.append(run)
                run = []
        if run:
            runs.append(run)
        for r in runs:
            if len(r) >= 2:
                out.append(_run_row(h, item, r, flagged))
    out.sort(key=lambda row: (-row["quarters"], row["lsp"], row["sheet"], row["item_id"]))
    return out


def _run_row(h: History, item: FlaggedItem, run: list[int],
             flagged: list[dict[FlaggedItem, _Flagged]]) -> dict[str, Any]:
    code, sheet_name, _ = item
    first, last = h.rounds[run[0]], h.rounds[run[-1]]
    then, now = flagged[run[0]][item], flagged[run[-1]][item]
    return {
        "lsp": code, "theme": now.theme, "sheet": sheet_name, "item_id": now.item_id,
        "description": now.description, "since": first.period, "until": last.period,
        "quarters": len(run), "still_flagged": run[-1] == len(h.rounds) - 1,
        "rules": ", ".join(now.rules), "date_then": then.when, "date_now": now.when,
        "moved_days": (now.when - then.when).days if then.when and now.when else None,
        "days_late": now.days, "source_file": last.path,
        "source_cell": now.cell,
    }


def _rebaselines(rnd: PreviousRound,
                 last_seen: dict[str, tuple[str, dict[str, dict[str, date]]]]
                 ) -> Iterator[dict[str, Any]]:
    """Each baseline or due date that differs from the one in the latest earlier roll-up
    holding the partnership (`last_seen`: LSP -> that roll-up, and its dates by sheet and
    ID; updated here with this roll-up's)."""
    for code, ret in _valid_returns(rnd):
        before = last_seen.get(code)
        themes = _themes(ret)
        now_dates: dict[str, dict[str, date]] = {}
        for key in ("actions", "milestones"):
            k = kind(key)
            if not (k.key and k.due):
                continue
            mine = now_dates[key] = {}
            was_by_id = before[1].get(key, {}) if before else {}
            for i, row in enumerate(ret.sheets[key]):
                item = id_key(row.get(k.key) or "")
                now = _as_date(row.get(k.due))
                if now is not None:
                    mine.setdefault(item, now)
                was = was_by_id.get(item)
                if before is None or was is None or now is None or was == now:
                    continue
                yield {
                    "period": rnd.period, "lsp": code, "theme": themes.of_row(row),
                    "sheet": sheet(key).name, "item_id": row.get(k.key),
                    "description": row.get(k.summary) if k.summary else None,
                    "field": sheet(key).field(k.due).header, "was": was, "now": now,
                    "days": (now - was).days, "previous_file": before[0],
                    "source_file": rnd.path,
                    "source_cell": _cell(rnd, key, code, i, k.due),
                }
        last_seen[code] = (rnd.path, now_dates)


def _ratings(rnd: PreviousRound) -> Iterator[dict[str, Any]]:
    """Each outcome's delivery confidence, each action's RAG and each assurance answer, in
    one roll-up."""
    for code, ret in _valid_returns(rnd):
        themes = _themes(ret)
        for key, rating in (("outcomes", "confidence"), ("actions", "rag")):
            k = kind(key)
            for i, row in enumerate(ret.sheets[key]):
                if row.get(rating) is None:
                    continue
                yield {"period": rnd.period, "lsp": code, "sheet": sheet(key).name,
                       "item_id": row.get(k.key) if k.key else None,
                       "theme": themes.of_row(row), "rating": row.get(rating),
                       "by": "Partnership", "source_file": rnd.path,
                       "source_cell": _cell(rnd, key, code, i, rating)}
    table = rnd.tables.get("Assurance")
    if table is None:
        return
    # A question's column is headed by its Ref; in a roll-up made with the GO's reviews, the
    # GO's rating of it follows, headed "Ref GO".
    questions = [(c, h_.removesuffix(" GO"), "GO" if h_.endswith(" GO") else "Partnership")
                 for c, h_ in enumerate(table.headers)
                 if h_ and h_ not in ("LSP", "Partnership", "Weak", "Adequate", "Strong",
                                      "Disagreements")]
    for n, line in table.rows:
        code = str(line[0])
        for c, ref, by in questions:
            value = line[c] if c < len(line) else None
            if value in ("", None):
                continue
            yield {"period": rnd.period, "lsp": code, "sheet": "Assurance", "item_id": ref,
                   "theme": None, "rating": value, "by": by,
                   "source_file": rnd.path, "source_cell": f"Assurance!{col_letter(c)}{n}"}
