"""Reading form fields into typed values, with a message a person understands when wrong."""

from __future__ import annotations

from werkzeug.datastructures import FileStorage, MultiDict

from onegrid.platform.errors import InvalidInputError


def required(form: MultiDict[str, str], name: str) -> str:
    value = (form.get(name) or "").strip()
    if not value:
        raise InvalidInputError(f"{name} is required")
    return value


def number(form: MultiDict[str, str], name: str) -> float:
    try:
        return float(required(form, name))
    except ValueError as exc:
        raise InvalidInputError(f"{name} must be a number") from exc


def upload(files: MultiDict[str, FileStorage], name: str) -> bytes | None:
    """The uploaded file's bytes, or None when the field was left empty."""
    item: FileStorage | None = files.get(name)
    if item is None or not item.filename:
        return None
    return item.stream.read()
