"""Loads the JSON Schemas in schemas/, checks each once, and answers what a sheet's fields are.

Every other module asks this one for column order, header text, lists, formats, input
messages and checks; nothing about a field is written anywhere else.  Each field's value
constraints are compiled into a small checker (the keywords of JSON Schema the schemas use)
so that a national round can be checked quickly; `tests/test_schemas.py` proves the compiled
checkers agree with jsonschema itself.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError as JsonSchemaError

from .errors import SchemaError

SHEET_KEYS = ("outcomes", "actions", "milestones", "assurance", "risks", "recovery")
# The data sheets of the GO's review workbook (review.schema.json's x-sheets), in workbook order.
REVIEW_KEYS = ("review-outcomes", "review-assurance", "review-delivery", "review-conclusion",
               "review-advice")
# Keywords the field compiler understands.  A schema using any other keyword on a field is
# refused at load time, so nothing in a schema is silently left unchecked.
_VALUE_KEYWORDS = {
    "type", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "format", "$ref",
}
_ANNOTATIONS = {"title", "description", "default", "examples", "readOnly"}


def schema_dir() -> Path:
    """The folder holding the schemas: inside the installed package, or the source tree's."""
    packaged = resources.files("laa_xl") / "schemas"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "schemas"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """One schema file by its short name (``actions``), checked against its meta-schema."""
    path = schema_dir() / f"{name}.schema.json"
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise SchemaError(f"Cannot read the schema {path}: {err.strerror}.") from err
    except json.JSONDecodeError as err:
        raise SchemaError(f"The schema {path} is not valid JSON: {err}.") from err
    try:
        Draft202012Validator.check_schema(schema)
    except JsonSchemaError as err:
        raise SchemaError(f"The schema {path} is not a valid JSON Schema: {err.message}.") from err
    return schema


# --------------------------------------------------------------------------------------
# Fields


@dataclass(frozen=True)
class Violation:
    """What a value breaks, in terms the message catalogue turns into plain English."""

    kind: str  # enum, type, pattern, too-long, too-short, below, above, date-range
    detail: Any = None


@dataclass(frozen=True)
class Field:
    """One column of a sheet: what it holds, how it looks, and how it is checked."""

    name: str
    header: str
    sheet: str
    kind: str  # text, date, number, integer, list
    required: bool
    hint: str
    input_message: str
    width: float
    number_format: str | None = None
    enum: tuple[str, ...] | None = None
    list_name: str | None = None
    refs: tuple[str, ...] = ()
    baseline: bool = False
    locked: bool = False
    formula: str | None = None
    rag: bool = False
    pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    date_min: date | None = None
    date_max: date | None = None
    schema: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    _checks: tuple[Callable[[Any], Violation | None], ...] = field(
        default=(), compare=False, repr=False)

    def check(self, value: Any) -> Violation | None:
        """The first constraint a normalised value breaks, or None when it is fine."""
        for chk in self._checks:
            found = chk(value)
            if found is not None:
                return found
        return None

    @property
    def is_date(self) -> bool:
        return self.kind == "date"

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("number", "integer")

    # -- what the field means, from the x- keywords beside it (docs/schemas.md lists them) --

    def means(self, keyword: str) -> bool:
        """Whether the field's schema marks it with `keyword` (``x-due``, ``x-percent``, …)."""
        return bool(self.schema.get(keyword))

    @property
    def closed(self) -> tuple[str, ...]:
        """The statuses in which the item is finished with (``x-closed``)."""
        return tuple(self.schema.get("x-closed", ()))

    @property
    def achieved(self) -> str | None:
        """The status that counts as achieved or complete (``x-achieved``)."""
        return self.schema.get("x-achieved")

    @property
    def withdrawn(self) -> tuple[str, ...]:
        """Values no longer in use, such as a withdrawn indicator (``x-withdrawn``)."""
        return tuple(self.schema.get("x-withdrawn", ()))

    @property
    def words(self) -> str:
        """How a sentence names the field: ``x-words``, else its header (``RAG``, ``status``)."""
        words = self.schema.get("x-words")
        if words:
            return str(words)
        return self.header if self.header.isupper() else self.header.lower()

    @property
    def since(self) -> str:
        """The template version that added the field (``x-since``); the first one if not set."""
        return str(self.schema.get("x-since") or readable_versions()[0])

    @property
    def rag_scale(self) -> tuple[str, ...]:
        """The field's values as a RAG, best first (``x-rag-scale``); empty if it is not one."""
        return tuple(self.schema.get("x-rag-scale", ()))


@dataclass(frozen=True)
class Conditional:
    """``if <field> is one of <values> then <fields> are required`` (an if/then in allOf)."""

    field: str
    values: frozenset[str]
    then_required: tuple[str, ...]


@dataclass(frozen=True)
class SheetSpec:
    """One data sheet of the return: its name, its fields in column order, its row rules."""

    key: str
    name: str
    title: str
    description: str
    key_field: str
    fields: tuple[Field, ...]
    conditionals: tuple[Conditional, ...]
    template_rows: int
    tab_color: str | None
    schema: dict[str, Any] = field(compare=False, repr=False)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def headers(self) -> list[str]:
        return [f.header for f in self.fields]

    def role(self, keyword: str) -> Field | None:
        """The field marked with `keyword` (``x-due``, ``x-closed``, …), if the sheet has one.

        Rules ask this for every row, so each answer is kept (a spec never changes)."""
        known = self.__dict__.setdefault("_roles", {})
        if keyword not in known:
            known[keyword] = next((f for f in self.fields if f.means(keyword)), None)
        found: Field | None = known[keyword]
        return found

    @property
    def noun(self) -> str:
        """What one row is, for messages: ``Action``, ``Milestone`` (``x-noun``)."""
        return str(self.schema.get("x-noun", self.title))

    @property
    def status(self) -> Field | None:
        """The field whose values say whether the item is open or closed."""
        return self.role("x-closed")

    @property
    def closed(self) -> tuple[str, ...]:
        """Statuses that close a row: complete, achieved, cancelled, closed."""
        return self.status.closed if self.status else ()

    @property
    def achieved(self) -> str | None:
        return self.status.achieved if self.status else None

    @property
    def cancelled(self) -> tuple[str, ...]:
        """Closed without being achieved."""
        return tuple(s for s in self.closed if s != self.achieved)

    @property
    def parent(self) -> Field | None:
        """The field naming the row this one belongs to (a single ``x-ref``), if any."""
        for f in self.fields:
            if len(f.refs) == 1 and f.name != self.key_field:
                return f
        return None

    @property
    def rag(self) -> Field | None:
        """The field that stands for the row's RAG (its own RAG, or a status scale)."""
        return self.role("x-rag-scale")

    @property
    def input_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.formula)

    def at_version(self, version: str) -> SheetSpec:
        """The sheet as a template of `version` laid it out: without the fields added later.

        A version this tool does not know is read with every field.
        """
        if version not in readable_versions() or version == schema_version():
            return self
        return _sheet_at(self.key, version)


def _resolve_parts(prop: dict[str, Any], defs: dict[str, Any], where: str) -> list[dict]:
    """The subschema and what its $ref points at: all of them apply (JSON Schema's rule)."""
    parts = [prop]
    ref = prop.get("$ref")
    if ref is not None:
        m = re.fullmatch(r"defs\.schema\.json#/\$defs/(\w+)", ref)
        if not m or m.group(1) not in defs:
            raise SchemaError(f"{where}: cannot resolve $ref {ref!r}.")
        parts.insert(0, defs[m.group(1)])
    return parts


def _merged(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Hints and single-valued keywords: the most specific part (the field's own) wins."""
    out: dict[str, Any] = {}
    for p in parts:
        out.update(p)
    out.pop("$ref", None)
    return out


def _compile_field(sheet: str, name: str, prop: dict[str, Any], required: bool,
                   defs: dict[str, Any]) -> Field:
    where = f"{sheet}.schema.json, field {name!r}"
    parts = _resolve_parts(prop, defs, where)
    for p in parts:
        unknown = {k for k in p if not k.startswith("x-")} - _VALUE_KEYWORDS - _ANNOTATIONS
        if unknown:
            raise SchemaError(f"{where}: keyword(s) {sorted(unknown)} cannot be checked by laa-xl.")
    m = _merged(parts)
    if "x-header" not in m:
        raise SchemaError(f"{where}: every field needs an x-header (the column's header text).")

    checks: list[Callable[[Any], Violation | None]] = []
    enum = None
    kind = "text"
    pattern = min_len = max_len = None
    minimum = maximum = None
    date_min = date_max = None
    for p in parts:  # every part's constraints apply, as in JSON Schema
        if "enum" in p:
            enum = tuple(p["enum"])
            kind = "list"
            checks.append(_enum_check(enum))
        t = p.get("type")
        if t in _TYPE_CHECKS:
            is_date = t == "string" and p.get("format") == "date"
            checks.append(_TYPE_CHECKS["date" if is_date else t])
            if t in ("integer", "number"):
                kind = t
        elif t is not None:
            raise SchemaError(f"{where}: type {t!r} is not one laa-xl reads from a cell.")
        if p.get("format") == "date":
            kind = "date"
            checks.append(_check_iso_date)
        elif "format" in p:
            raise SchemaError(f"{where}: format {p['format']!r} is not one laa-xl checks.")
        if "pattern" in p:
            pattern = p["pattern"]
            checks.append(_pattern_check(re.compile(pattern)))
        if "minLength" in p:
            min_len = p["minLength"]
            checks.append(_length_check(min_len, "too-short"))
        if "maxLength" in p:
            max_len = p["maxLength"] if max_len is None else min(max_len, p["maxLength"])
            checks.append(_length_check(p["maxLength"], "too-long"))
        for kw, (op, side) in _BOUNDS.items():
            if kw in p:
                bound = float(p[kw])
                if side == "below":
                    minimum = bound
                else:
                    maximum = bound
                checks.append(_bound_check(op, bound, side))
        if "x-date-min" in p or "x-date-max" in p:
            date_min = date.fromisoformat(p.get("x-date-min", "0001-01-01"))
            date_max = date.fromisoformat(p.get("x-date-max", "9999-12-31"))
            checks.append(_date_range_check(date_min, date_max))

    hint = m.get("x-hint", "")
    return Field(
        name=name, header=m["x-header"], sheet=sheet, kind=kind, required=required,
        hint=hint, input_message=m.get("x-input", ""), width=float(m.get("x-width", 16)),
        number_format=m.get("x-format"), enum=enum, list_name=m.get("x-list"),
        refs=tuple(m.get("x-ref", "").split()), baseline=bool(m.get("x-baseline")),
        locked=bool(m.get("x-locked")), formula=m.get("x-formula"), rag=bool(m.get("x-rag")),
        pattern=pattern, min_length=min_len, max_length=max_len, minimum=minimum,
        maximum=maximum, date_min=date_min, date_max=date_max, schema=m, _checks=tuple(checks),
    )


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


# -- the checkers a field's keywords compile to ---------------------------------------------

Check = Callable[[Any], "Violation | None"]


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _type_check(ok: Callable[[Any], bool], name: str) -> Check:
    def check(v: Any) -> Violation | None:
        return None if ok(v) else Violation("type", name)
    return check


_TYPE_CHECKS: dict[str, Check] = {
    "string": _type_check(lambda v: isinstance(v, str), "string"),
    "date": _type_check(lambda v: isinstance(v, (str, date)), "date"),
    "integer": _type_check(lambda v: (isinstance(v, int) and not isinstance(v, bool))
                           or (isinstance(v, float) and v.is_integer()), "integer"),
    "number": _type_check(_is_number, "number"),
}
_BOUNDS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "minimum": (float.__ge__, "below"), "exclusiveMinimum": (float.__gt__, "below"),
    "maximum": (float.__le__, "above"), "exclusiveMaximum": (float.__lt__, "above"),
}


def _enum_check(allowed: tuple[Any, ...]) -> Check:
    def check(v: Any) -> Violation | None:
        return None if v in allowed else Violation("enum", allowed)
    return check


def _pattern_check(rx: re.Pattern[str]) -> Check:
    def check(v: Any) -> Violation | None:
        return None if not isinstance(v, str) or rx.search(v) else Violation("pattern", rx.pattern)
    return check


def _length_check(n: int, kind: str) -> Check:
    def check(v: Any) -> Violation | None:
        if not isinstance(v, str) or (len(v) >= n if kind == "too-short" else len(v) <= n):
            return None
        return Violation(kind, n)
    return check


def _bound_check(op: Callable[[float, float], bool], bound: float, side: str) -> Check:
    def check(v: Any) -> Violation | None:
        return None if not _is_number(v) or op(float(v), bound) else Violation(side, bound)
    return check


def _date_range_check(lo: date, hi: date) -> Check:
    def check(v: Any) -> Violation | None:
        return _check_date_range(v, lo, hi)
    return check


def _check_iso_date(v: Any) -> Violation | None:
    if isinstance(v, date) or not isinstance(v, str):
        return None  # a date read from a cell is already a date
    if not _ISO_DATE.match(v):  # RFC 3339 full-date only (fromisoformat takes week dates)
        return Violation("type", "date")
    try:
        date.fromisoformat(v)
    except ValueError:
        return Violation("type", "date")
    if len(v) != 10:
        return Violation("type", "date")
    return None


def _check_date_range(v: Any, lo: date, hi: date) -> Violation | None:
    if isinstance(v, date):
        d = v
    elif isinstance(v, str) and len(v) == 10:
        try:
            d = date.fromisoformat(v)
        except ValueError:
            return None
    else:
        return None
    return None if lo <= d <= hi else Violation("date-range", (lo, hi))


def _conditionals(schema: dict[str, Any], key: str) -> tuple[Conditional, ...]:
    out = []
    for rule in schema.get("allOf", []):
        try:
            ((fname, cond),) = rule["if"]["properties"].items()
            out.append(Conditional(fname, frozenset(cond["enum"]), tuple(rule["then"]["required"])))
        except (KeyError, ValueError, TypeError) as err:
            raise SchemaError(f"{key}.schema.json: allOf may only hold "
                              "'if <field> is one of … then required …' rules.") from err
    return tuple(out)


@cache
def sheet(key: str) -> SheetSpec:
    """The compiled spec of one data sheet (``outcomes``, ``actions``, …)."""
    schema = load_schema(key)
    defs = load_schema("defs")["$defs"]
    required = set(schema.get("required", []))
    props = schema.get("properties", {})
    missing = required - props.keys()
    if missing:
        raise SchemaError(f"{key}.schema.json: required field(s) {sorted(missing)} have no property.")
    fields = tuple(_compile_field(key, n, p, n in required, defs) for n, p in props.items())
    headers = [f.header.casefold() for f in fields]
    if len(set(headers)) != len(headers):
        raise SchemaError(f"{key}.schema.json: two fields share a header text.")
    return SheetSpec(
        key=key, name=schema["x-sheet"], title=schema.get("title", key),
        description=schema.get("description", ""), key_field=schema["x-key"], fields=fields,
        conditionals=_conditionals(schema, key), template_rows=int(schema.get("x-rows", 50)),
        tab_color=schema.get("x-tab-color"), schema=schema,
    )


def target_years() -> dict[str, Field]:
    """The Outcomes sheet's target fields by the year they are for (``2009/10``), in order."""
    return {f.schema["x-target-year"]: f for f in sheet("outcomes").fields
            if "x-target-year" in f.schema}


def sheets() -> tuple[SheetSpec, ...]:
    """Every data sheet, in workbook order."""
    return tuple(sheet(k) for k in SHEET_KEYS)


def return_validator() -> Draft202012Validator:
    """A jsonschema validator for the whole return document (used on `export` output)."""
    from referencing import Registry, Resource

    resources_ = [(load_schema(n)["$id"], Resource.from_contents(load_schema(n)))
                  for n in ("defs", "return", *SHEET_KEYS)]
    registry: Registry = Registry().with_resources(resources_)
    return Draft202012Validator(load_schema("return"), registry=registry,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def review_validator() -> Draft202012Validator:
    """A jsonschema validator for a GO review as one document (used on `export` output)."""
    from referencing import Registry, Resource

    resources_ = [(load_schema(n)["$id"], Resource.from_contents(load_schema(n)))
                  for n in ("defs", "review", *REVIEW_KEYS)]
    registry: Registry = Registry().with_resources(resources_)
    return Draft202012Validator(load_schema("review"), registry=registry,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_version() -> str:
    """The version of the template this tool writes (``x-schema-version``)."""
    return str(load_schema("return")["x-schema-version"])


def readable_versions() -> tuple[str, ...]:
    """Every template version this tool reads, oldest first (``x-reads-versions``)."""
    return tuple(load_schema("return").get("x-reads-versions", [schema_version()]))


def version_key(version: str) -> tuple[int, ...]:
    """A version as numbers, for comparing ``1.10`` after ``1.9``; () when it is not one."""
    try:
        return tuple(int(p) for p in version.split("."))
    except ValueError:
        return ()


def is_older_version(version: str) -> bool:
    """Whether `version` is an older template this tool still reads (without later fields)."""
    return version in readable_versions() and version_key(version) < version_key(schema_version())


def added_since(version: str) -> list[tuple[SheetSpec, Field]]:
    """The fields a template of `version` lacks, sheet by sheet in workbook order."""
    at = version_key(version)
    return [(spec, f) for spec in sheets() for f in spec.fields if version_key(f.since) > at]


@cache
def _sheet_at(key: str, version: str) -> SheetSpec:
    spec = sheet(key)
    at = version_key(version)
    fields = tuple(f for f in spec.fields if version_key(f.since) <= at)
    return dataclasses.replace(spec, fields=fields)


def iter_all_schemas() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(schema_dir().glob("*.schema.json")):
        name = path.name.removesuffix(".schema.json")
        yield name, load_schema(name)


# -- the GO's review workbook -------------------------------------------------------------


def review_sheets() -> tuple[SheetSpec, ...]:
    """Every data sheet of the review workbook, in workbook order."""
    return tuple(sheet(k) for k in REVIEW_KEYS)


def review_schema_version() -> str:
    """The review workbook's own template version: a review is never read as a return."""
    return str(load_schema("review")["x-schema-version"])


def review_product() -> str:
    """What a review workbook's identity sheet names as its product."""
    return str(load_schema("review")["x-product"])
