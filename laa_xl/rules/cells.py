"""Cell checks: normalise each value as a person would expect, then check it against its field.

Normalising what a person would reasonably type is recorded as a warning at the cell (stray
spaces in a code, `green` for `Green`, `£1,200`, `50%`, `31/03/2010` typed as text); anything
ambiguous is an error, never a guess.  Values are replaced in place by their normal form.
Free text is trimmed silently: a trailing space pasted from Word is not worth a warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from ..issues import Issue, IssueCode
from ..model import Row
from ..reader import CellProblem, Percentage
from ..schemas import Field, Violation, sheet
from ..text import describe_hidden, id_key, without_invisible
from ..xlsxout import date_from_excel
from . import Context

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(text: str) -> str:
    """Control and invisible characters out; Word's manual line break (a vertical tab)
    becomes a new line."""
    return without_invisible(_CONTROL.sub("", text.replace("\x0b", "\n")))


def _retype(value: str) -> str:
    """What to do next time about a value that held characters nobody can see, or ""."""
    hidden = describe_hidden(value)
    return f"type it rather than paste it (it held {hidden})" if hidden else ""
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")  # 0,125 · 1,5 · 12,50
_NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)$")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_D_MON_Y = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([A-Za-z]{3,9})\.?,?[\s\-]+(\d{4})$")
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")
_MONTHS = {name: i for i, name in enumerate(_MONTH_NAMES, 1)} | \
    {name[:3]: i for i, name in enumerate(_MONTH_NAMES, 1)} | {"sept": 9}
_SERIAL_MIN, _SERIAL_MAX = 36526, 47848  # 01/01/2000 … 31/12/2030 as Excel day numbers


class Bad(Exception):
    """A value that cannot be normalised: the code and the parameters of its message."""

    def __init__(self, code: IssueCode, **kw: Any) -> None:
        super().__init__(code)
        self.code = code
        self.kw = kw


def _fmt_date(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _month(word: str) -> int | None:
    """The month a word names in full or in short (March, Mar, Sept), else None."""
    return _MONTHS.get(word.casefold().rstrip("."))


def parse_date_text(text: str) -> date:
    """A date typed as text, read the UK way (day first).  Raises Bad when unclear."""
    t = " ".join(text.split())
    m = _DMY.match(t)
    if m:
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if len(m.group(3)) == 2:  # as Excel reads a two-digit year: 00-29 2000s, 30-99 1900s
            y += 2000 if y < 30 else 1900
        try:
            return date(y, mo, d)
        except ValueError:
            raise Bad("not-a-date") from None
    m = _YMD.match(t)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise Bad("not-a-date") from None
    m = _D_MON_Y.match(t)
    if m and _month(m.group(2)):
        try:
            return date(int(m.group(3)), _month(m.group(2)) or 0, int(m.group(1)))
        except ValueError:
            raise Bad("not-a-date") from None
    words = re.split(r"[\s\-/]+", t)
    if len(words) == 2 and (_month(words[0]) or _month(words[1])):
        raise Bad("ambiguous-date")  # "March 2010", "Mar-10": which day?
    if re.match(r"^\d{1,2}[/.\-]\d{1,2}$", t):
        raise Bad("ambiguous-date")  # "31/03": which year?
    raise Bad("not-a-date")


def normalise(f: Field, value: Any, choices: tuple[str, ...] | None = None
              ) -> tuple[Any, tuple[str, str] | None]:
    """(normal value, (how it was read, what to do next time) or None).  Raises Bad."""
    if isinstance(value, str):
        cleaned = value if value.isprintable() else _clean(value)
        if not cleaned or cleaned.isspace():
            return None, None
        if f.is_date or f.is_numeric:
            value = cleaned  # a date or number read whatever invisible characters it held
    if f.is_date:
        return _normalise_date(value)
    if f.is_numeric:
        return _normalise_number(f, value)
    allowed = choices if choices is not None else f.enum
    if isinstance(value, bool):
        value = "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date) and f.means("x-year-text") and value.day == 1 \
            and value.month == (value.year + 1) % 100:
        # Excel turns "2007/08" typed into a General cell into 1 August 2007.
        year = f"{value.year}/{value.month:02d}"
        return year, ("a year", f"type an apostrophe first ('{year}) so that Excel keeps it "
                                "as text")
    if isinstance(value, (int, float, date)):
        value = _fmt_date(value) if isinstance(value, date) else str(value)
    text = value if value.isprintable() else _clean(value)
    stripped = text.strip()
    retype = _retype(value) if text is not value else ""
    if allowed:
        if stripped in allowed:
            if retype:
                return stripped, ("invisible characters removed", retype)
            return stripped, (("stray spaces removed", "type it without spaces")
                              if stripped != text else None)
        folded = " ".join(stripped.split()).casefold()
        for choice in allowed:
            if choice.casefold() == folded:
                return choice, ("the choice", "pick it from the dropdown")
        return stripped, None  # the check reports it as not in the list
    coded = f.pattern is not None or f.refs
    if coded and retype and stripped != value:
        return stripped, ("invisible characters removed", retype)
    if coded and stripped != text:
        return stripped, ("stray spaces removed", "type it without spaces")
    if not coded and ("\n" in stripped or "\r" in stripped):
        stripped = "\n".join(line.rstrip() for line in stripped.splitlines())
    return stripped, None


def _normalise_date(value: Any) -> tuple[Any, tuple[str, str] | None]:
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            return value.date(), ("a date (the time of day was dropped)", "enter the date alone")
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if _SERIAL_MIN <= value <= _SERIAL_MAX and float(value).is_integer():
            return date_from_excel(int(value)), (
                "a date", "format the cell as a date (dd/mm/yyyy)")
        raise Bad("not-a-date")
    if isinstance(value, str):
        d = parse_date_text(value)
        return d, ("a date", "enter it so that Excel stores a date, not text")
    raise Bad("not-a-date")


def _normalise_number(f: Field, value: Any) -> tuple[Any, tuple[str, str] | None]:
    if isinstance(value, bool):
        raise Bad("not-a-number")
    if isinstance(value, Percentage):
        # The cell shows 100% for 1: a percentage field holds what the partner sees.
        shown_as = float(value) * 100 if f.means("x-percent") else float(value)
        value = round(shown_as, 9)
        return (int(value) if value.is_integer() else value), None
    if isinstance(value, (int, float)):
        _check_percent(f, value)
        return (int(value) if float(value).is_integer() else value), None
    if isinstance(value, (date, datetime)):
        raise Bad("not-a-number")
    text = " ".join(str(value).split())
    how: list[str] = []
    t = text
    if t.startswith("£"):
        t = t[1:].strip()
        how.append("£ removed")
    if t.endswith("%"):
        t = t[:-1].strip()
        how.append("% removed")
    if _THOUSANDS.match(t) and not re.match(r"-?0", t):
        t = t.replace(",", "")
        how.append("commas removed")
    elif _DECIMAL_COMMA.match(t):
        # A comma that cannot separate thousands (0,125 · 1,5): a decimal comma, or a slip.
        raise Bad("decimal-comma", decimal=t.replace(",", "."))
    if not _NUMBER.match(t):
        raise Bad("not-a-number")
    number = float(t)
    out: int | float = int(number) if number.is_integer() else number
    if "% removed" not in how:  # "0.5%" says what it means; "0.5" does not
        _check_percent(f, out)
    fix = "type the number alone, with no £, % or commas" if how else \
        "enter it as a number, not as text"
    return out, (f"the number {number_text(out)}", fix)


def _check_percent(f: Field, value: float) -> None:
    """0.5 in % complete could be half a per cent, or 50 % formatted as a fraction."""
    if f.means("x-percent") and 0 < value < 1:
        raise Bad("ambiguous-percent", percent=number_text(value * 100))


def number_text(value: float) -> str:
    """A number as a person would write it: 1,200 · 7.5 · 1,000,000,000 (never 1e+09)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.10f}".rstrip("0").rstrip(".")


_CODE_FOR: dict[str, IssueCode] = {
             "enum": "not-in-list", "pattern": "bad-format", "too-long": "too-long",
             "too-short": "required", "below": "out-of-range", "above": "out-of-range",
             "date-range": "date-out-of-range"}
_TYPE_CODE: dict[str, IssueCode] = {"number": "not-a-number", "integer": "not-whole-number",
                                    "date": "not-a-date", "string": "bad-format"}


def _violation_issue(ctx: Context, row: Row, f: Field, v: Violation, raw: Any) -> Issue:
    kind = v.kind
    kw: dict[str, Any] = {"hint": f.hint or "a valid value"}
    if kind == "type":
        return ctx.at(row, f.name, _TYPE_CODE[v.detail], value=raw, **kw)
    code = _CODE_FOR[kind]
    if kind == "enum":
        kw["choices"] = _choices(v.detail)
    elif kind == "too-long":
        kw.update(length=len(raw) if isinstance(raw, str) else 0, limit=v.detail)
        return ctx.at(row, f.name, code, value=raw[:60] if isinstance(raw, str) else raw, **kw)
    elif kind in ("below", "above"):
        bound = number_text(v.detail)
        kw["where_"] = f"less than {bound}" if kind == "below" else f"more than {bound}"
    elif kind == "date-range":
        kw.update(lo=_fmt_date(v.detail[0]), hi=_fmt_date(v.detail[1]))
    elif kind == "too-short":
        kw["hint_sentence"] = f"Enter {f.hint}." if f.hint else "Fill it in."
    return ctx.at(row, f.name, code, value=raw, **kw)


def _choices(allowed: tuple[str, ...]) -> str:
    if len(allowed) > 8:
        return "the choices in the dropdown"
    return ", ".join(allowed[:-1]) + " or " + allowed[-1] if len(allowed) > 1 else allowed[0]


def _judge(f: Field, raw: Any, choices: tuple[str, ...] | None
           ) -> tuple[Any, tuple[str, str] | None, Violation | None] | Bad:
    """Everything the cell rules decide about one value: its normal form, how it was
    tidied, what it breaks; or why it cannot be read at all."""
    try:
        value, how = normalise(f, raw, choices)
    except Bad as err:
        return err
    if value is None:
        return None, None, None
    violation = f.check(value)
    if violation is None and choices is not None and value not in choices:
        violation = Violation("enum", choices)
    return value, how, violation


# Judging a value is pure: the same value in the same field is judged the same way in every
# return.  So each field's judgements are kept for as long as the process runs (a round),
# up to a limit.
_MEMO_LIMIT = 5_000
_memos: dict[tuple[int, tuple[str, ...] | None],
             tuple[Field, dict[tuple[type, Any], Any]]] = {}


def _memo(f: Field, choices: tuple[str, ...] | None) -> dict[tuple[type, Any], Any]:
    """The judgements of one field (with these choices) so far, emptied when too many.

    Keyed by the field object itself, which the entry holds so that no other field can take
    its id: a schema loaded again makes new fields, with memos of their own.
    """
    key = (id(f), choices)
    held = _memos.get(key)
    if held is None or len(held[1]) > _MEMO_LIMIT:
        held = _memos[key] = (f, {})
    return held[1]


def check(ctx: Context) -> Iterator[Issue]:
    themes = tuple(ctx.region.themes) if ctx.region else None
    for spec in ctx.specs:
        if not ctx.has(spec.key):
            continue
        rows = ctx.rows(spec.key)
        present = [f for f in spec.fields if ctx.has(spec.key, f.name)]
        bad: set[tuple[int, str]] = set()  # cells already reported: no "required" on top
        # Column by column, each with its own memo and limits at hand; the issues are then
        # put back in reading order (row by row, field by field), the order a person fixes
        # them in.  A sheet has few issues and many cells, so the sort costs next to nothing.
        found: list[tuple[int, int, Issue]] = []
        for order, f in enumerate(present):
            choices = themes if (f.list_name == "themes" and themes) else None
            for i, issue in _column(ctx, spec.key, f, choices, rows, bad):
                found.append((i, order, issue))
        found.sort(key=lambda item: (item[0], item[1]))  # stable: one cell's issues keep order
        for _, _, issue in found:
            yield issue
        yield from _required(ctx, spec.key, present, rows, bad)
        ctx.bad_cells.update((spec.key, r, name) for r, name in bad)
        yield from _duplicates(ctx, spec.key, rows)


def _column(ctx: Context, key: str, f: Field, choices: tuple[str, ...] | None,
            rows: list[Row], bad: set[tuple[int, str]]) -> Iterator[tuple[int, Issue]]:
    """Normalise and check one field down the sheet: (index of the row, issue) for each
    issue, values replaced in place by their normal form."""
    name = f.name
    # Free text (no list, pattern or reference) typed on one line needs only trimming and
    # its length checked: the common case, done inline.
    limit = f.max_length or 0 if f.kind == "text" and not f.enum and not f.pattern \
        and not f.refs and not f.list_name and not f.formula \
        and f.min_length in (None, 1) else None
    # Other text with no list to choose from (IDs, codes) is mostly typed as it should be:
    # on one line, no stray spaces.  Then it stands as typed, and only the field's own
    # checks apply, which is what `_judge` would decide.
    as_typed = f.kind == "text" and choices is None
    # Codes, dates, statuses and numbers repeat down a column, and from one return to the
    # next: judge each once a round.  Free text seldom repeats: judged afresh in each return.
    seen = _memo(f, choices) if limit is None else {}
    for i, row in enumerate(rows):
        values = row.values
        raw = values.get(name)
        if raw is None:
            continue
        if isinstance(raw, CellProblem):
            values.pop(name)
            if not f.formula:
                bad.add((row.row, name))
                yield i, ctx.at(row, name, raw.code, value=raw.text or None)
            continue
        if limit is not None and type(raw) is str and raw.isprintable():
            text = raw.strip()
            if not text:
                values.pop(name)
                continue
            if len(text) <= limit:
                values[name] = text
                continue
        memo_key = (type(raw), raw)
        judged = seen.get(memo_key)
        if judged is None:
            if as_typed and type(raw) is str and raw and raw.isprintable() \
                    and raw.strip() == raw:
                judged = (raw, None, f.check(raw))
            else:
                judged = _judge(f, raw, choices)
            seen[memo_key] = judged
        if isinstance(judged, Bad):
            values.pop(name)
            bad.add((row.row, name))
            _refused(ctx, key, f, raw)
            yield i, ctx.at(row, name, judged.code, value=raw, hint=f.hint or "a number",
                            **judged.kw)
            continue
        value, how, violation = judged
        if value is None:
            values.pop(name)
            continue
        values[name] = value
        if how is not None:
            yield i, ctx.at(row, name, "normalised", value=raw, result=_result(value),
                            fix=how[1])
        if violation is not None:
            values.pop(name)
            bad.add((row.row, name))
            _refused(ctx, key, f, value)
            yield i, _violation_issue(ctx, row, f, violation, value)
        elif value in f.withdrawn:
            yield i, ctx.at(row, name, "withdrawn-indicator")


def _refused(ctx: Context, key: str, f: Field, value: Any) -> None:
    """Remember a refused ID, so that references to it do not each repeat the error."""
    if f.name == sheet(key).key_field and value is not None:
        text = value if isinstance(value, str) else str(value)
        ctx.refused_ids.setdefault(key, set()).add(id_key(text))


def _result(value: Any) -> str:
    if isinstance(value, date):
        return _fmt_date(value)
    if isinstance(value, str):
        return f'"{value}"'
    return number_text(value) if isinstance(value, (int, float)) else str(value)


def _required(ctx: Context, key: str, present: list[Field], rows: list[Row],
              bad: set[tuple[int, str]]) -> Iterator[Issue]:
    spec = sheet(key)
    names = {f.name for f in present}
    required = [f for f in present if f.required and not f.formula]
    # Each "if <field> is one of … then required …" rule whose field was read, with the
    # fields it requires that were read too.
    rules = [(cond, spec.field(cond.field), [spec.field(n) for n in cond.then_required
                                             if n in names])
             for cond in spec.conditionals if cond.field in names]
    for row in rows:
        values = row.values
        for f in required:
            if f.name not in values and (row.row, f.name) not in bad:
                yield ctx.at(row, f.name, "required", value=None,
                             hint_sentence=_hint_sentence(f))
        for cond, because_field, needs in rules:
            if values.get(cond.field) not in cond.values:
                continue
            if because_field.rag and spec.status and values.get(spec.status.name) in spec.closed:
                continue  # a closed item's RAG is to be cleared (rag-on-closed), not acted on
            for f in needs:
                if f.name not in values and (row.row, f.name) not in bad:
                    yield ctx.at(row, f.name, "required-when", value=None,
                                 because=f"{because_field.header} is {values[cond.field]}",
                                 hint_sentence=_hint_sentence(f))


def _hint_sentence(f: Field) -> str:
    if f.enum:
        return "Choose one from the dropdown."
    return f"Enter {f.hint}." if f.hint else "Fill it in."


def _duplicates(ctx: Context, key: str, rows: list[Row]) -> Iterator[Issue]:
    spec = sheet(key)
    name = spec.key_field
    if not ctx.has(key, name):
        return
    seen: dict[str, Row] = {}
    for row in rows:
        v = row.values.get(name)
        if not isinstance(v, str):
            continue
        first = seen.setdefault(id_key(v), row)
        if first is not row:
            yield ctx.at(row, name, "duplicate-id", other_row=first.row)
