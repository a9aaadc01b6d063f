"""Reading form fields into typed values, with a message a person understands when wrong."""

from __future__ import annotations

import math

from werkzeug.datastructures import FileStorage, MultiDict

from onegrid.api.params import BIGINT
from onegrid.platform.errors import InvalidInputError


def required(form: MultiDict[str, str], name: str) -> str:
    value = (form.get(name) or "").strip()
    if not value:
        raise InvalidInputError(f"{name} is required")
    return value


def number(form: MultiDict[str, str], name: str) -> float:
    """A finite number (float() also reads "nan" and "inf", which no place has)."""
    try:
        value = float(required(form, name))
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InvalidInputError(f"{name} must be a number")
    return value


def whole(form: MultiDict[str, str], name: str, low: int, high: int) -> int | None:
    """A whole number low..high, or None when the field was left empty."""
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise InvalidInputError(f"{name} must be a whole number from {low} to {high}")
    return value


def row_id(form: MultiDict[str, str], name: str) -> int | None:
    """The id of a row (a task, an issue), or None when left empty: bounded by the store's
    bigint, so a larger number is a 400 rather than an error of the store."""
    return whole(form, name, 1, BIGINT)


def upload(files: MultiDict[str, FileStorage], name: str) -> bytes | None:
    """The uploaded file's bytes, or None when the field was left empty."""
    item: FileStorage | None = files.get(name)
    if item is None or not item.filename:
        return None
    return item.stream.read()
