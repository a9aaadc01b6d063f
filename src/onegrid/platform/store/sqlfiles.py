"""SQL kept in <package>/sql/ beside the code that runs it: statements to run one by one, or
the scripts that define the store's functions and triggers."""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

from sqlalchemy import Connection, TextClause, text

SCHEMA = (
    ("onegrid.platform.trace", "append_only"),
    ("onegrid.platform.trace", "append"),
    ("onegrid.gis", "placement"),
    ("onegrid.gis", "grid_cells"),
    ("onegrid.platform.store", "reference_guards"),
    ("onegrid.platform.sharing", "record_versions"),
)
"""The scripts of the store's functions and triggers, (package, name), in the order the
baseline migration and every upgrade to the head (migrate.upgrade) load them: each runs whole,
once the tables it reads exist."""

FUNCTION = re.compile(r"^CREATE OR REPLACE FUNCTION .*?\$function\$.*?\$function\$",
                      re.MULTILINE | re.DOTALL)


@cache
def statements(package: str, name: str) -> tuple[TextClause, ...]:
    """The statements of ``<package>/sql/<name>.sql``, ready to execute with bound parameters."""
    return tuple(text(s) for s in split(source(package, name)))


def source(package: str, name: str) -> str:
    """The text of ``<package>/sql/<name>.sql``."""
    return files(package).joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def run_script(conn: Connection, package: str, name: str) -> None:
    """Run ``<package>/sql/<name>.sql`` whole, as written: no bound parameters, so a '%' or a
    ':name' in a function's body stays as it is."""
    conn.exec_driver_sql(source(package, name), execution_options={"no_parameters": True})


def split(source: str) -> list[str]:
    """The statements of an SQL script (each ends with ';' at the end of a line)."""
    return [s for s in source.split(";\n") if s.strip() and not _only_comments(s)]


def functions(script: str) -> list[str]:
    """The functions a script defines, each as ``pg_get_functiondef`` prints it: a script
    writes each so (CREATE OR REPLACE FUNCTION, the body between ``$function$``), then ';'."""
    return [f"{definition}\n" for definition in FUNCTION.findall(script)]


def _only_comments(block: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in block.splitlines())
