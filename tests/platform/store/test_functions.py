"""The store's functions are the ones its SQL files define, word for word (a function changed in
the database by hand fails here), and an upgrade loads them again into a store already at the
newest migration."""

from __future__ import annotations

from sqlalchemy import Engine, text

from onegrid.platform.store import migrate, sqlfiles

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


def test_an_upgrade_gives_a_store_at_the_head_the_functions_it_lacks(engine: Engine) -> None:
    # A store made before onegrid_trace_append was written is at the head all the same.
    signature = "onegrid_trace_append(timestamptz, text, text, text, jsonb, text, boolean)"
    with engine.begin() as conn:
        conn.execute(text(f"DROP FUNCTION {signature}"))
    try:
        migrate.upgrade(engine)
        with engine.connect() as conn:
            assert conn.scalar(text(f"SELECT to_regprocedure('{signature}')")) is not None
    finally:  # whatever happened, the other tests get their store back
        with engine.begin() as conn:
            sqlfiles.run_script(conn, "onegrid.platform.trace", "append")
