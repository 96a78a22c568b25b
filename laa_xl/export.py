"""The return as data for analysts: one JSON document (docs/design.md), or one CSV per sheet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import LaaXlError
from .model import Return
from .render import csv_text
from .schemas import return_validator, review_product, review_sheets, review_validator, sheets
from .xlsxout import atomic_output


def document(ret: Return, check: bool = True) -> dict[str, Any]:
    """The JSON document; for a valid return, checked against return.schema.json first.

    A return with errors is exported as far as it could be read (`check=False`): the cells
    that failed their checks are left out, so it would not pass the schema.
    """
    doc = ret.to_document()  # every sheet's list, recovery too: one shape for every return
    review = _is_review(ret)
    validator = review_validator() if review else return_validator()
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path)) if check else []
    if errors:  # a valid return always passes, so this means a bug
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path)
        schema = "review.schema.json" if review else "return.schema.json"
        raise LaaXlError(f"The exported document breaks {schema} at {where}: "
                         f"{first.message}")
    return doc


def export_json(ret: Return, path: str | Path | None = None, check: bool = True) -> str:
    text = json.dumps(document(ret, check), indent=2, ensure_ascii=False) + "\n"
    if path is not None:
        with atomic_output(path, refuse=(ret.path,)) as tmp:
            tmp.write_text(text, encoding="utf-8")
    return text


def export_csv(ret: Return, folder: str | Path, check: bool = True) -> list[Path]:
    """One CSV per sheet, headed by field names; text that looks like a formula is quoted."""
    doc = document(ret, check)
    out = []
    for spec in review_sheets() if _is_review(ret) else sheets():
        names = [f.name for f in spec.fields]
        rows = ([r.get(n, "") for n in names] for r in doc.get(spec.key, []))
        target = Path(folder) / f"{spec.key}.csv"
        with atomic_output(target, refuse=(ret.path,)) as tmp:
            tmp.write_text(csv_text(names, rows), encoding="utf-8")
        out.append(target)
    return out


def _is_review(ret: Return) -> bool:
    """Is this the GO's review workbook rather than a partnership's return?"""
    return ret.meta.get("product") == review_product()
