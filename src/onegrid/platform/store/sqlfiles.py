"""SQL kept in <package>/sql/ beside the code that runs it, one statement per block."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from sqlalchemy import TextClause, text


@cache
def statements(package: str, name: str) -> tuple[TextClause, ...]:
    """The statements of ``<package>/sql/<name>.sql``, ready to execute with bound parameters."""
    source = files(package).joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")
    return tuple(text(s) for s in split(source))


def split(source: str) -> list[str]:
    """The statements of an SQL script (each ends with ';' at the end of a line)."""
    return [s for s in source.split(";\n") if s.strip() and not _only_comments(s)]


def _only_comments(block: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in block.splitlines())
