"""SQL kept in gis/sql/ beside the code that runs it, one statement per ';'-terminated block."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from sqlalchemy import TextClause, text


@cache
def statements(name: str) -> tuple[TextClause, ...]:
    """The statements of ``sql/<name>.sql``, ready to execute with bound parameters."""
    source = files("onegrid.gis").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")
    return tuple(text(s) for s in source.split(";\n") if s.strip() and not _only_comments(s))


def _only_comments(block: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in block.splitlines())
