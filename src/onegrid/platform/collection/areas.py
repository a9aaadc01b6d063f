"""Target areas: a code at any level stands for itself and every area below it."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_
from sqlalchemy.orm import QueryableAttribute


def under(area_path: QueryableAttribute[str] | str,
          path: QueryableAttribute[str]) -> ColumnElement[bool]:
    """``path`` is the area at ``area_path`` or below it (paths list codes, dot-separated); a
    literal ``area_path`` lets the prefix match use the path index."""
    return or_(path == area_path, path.startswith(area_path + "."))
