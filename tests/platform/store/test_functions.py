"""The store's functions are the ones its SQL files define, word for word: a function changed in
the database by hand, or in a file without a migration that loads it, fails here."""

from __future__ import annotations

from sqlalchemy import Engine, text

from onegrid.platform.store import sqlfiles

# Every function of the public schema but the extensions' (PostGIS's), as the server prints it.
DEFINED = """
SELECT pg_get_functiondef(p.oid)
FROM pg_proc p
WHERE p.pronamespace = 'public'::regnamespace
  AND NOT EXISTS (SELECT FROM pg_depend d
                  WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
"""


def _by_signature(definitions: list[str]) -> dict[str, str]:
    """Definitions by their first line: CREATE OR REPLACE FUNCTION public.name(arguments)."""
    return {definition.split("\n", 1)[0]: definition for definition in definitions}


def test_the_database_has_the_functions_of_the_sql_files_as_written(engine: Engine) -> None:
    with engine.connect() as conn:
        in_database = _by_signature(list(conn.scalars(text(DEFINED))))
    in_files = _by_signature([definition for package, name in sqlfiles.SCHEMA
                              for definition in sqlfiles.functions(sqlfiles.source(package,
                                                                                   name))])
    assert sorted(in_database.keys() - in_files.keys()) == [], "in the database, in no file"
    assert sorted(in_files.keys() - in_database.keys()) == [], "in a file, not in the database"
    for signature, definition in in_files.items():
        assert in_database[signature] == definition, signature
