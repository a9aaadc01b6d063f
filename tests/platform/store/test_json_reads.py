"""JSON read from the store, as the app's engines read it (db.engine_for): exactly what was
stored, and a clear answer for what only jsonb can hold."""

from __future__ import annotations

import math

from sqlalchemy import text

from onegrid.platform.settings import Settings
from onegrid.platform.store.db import engine_for

BIG = 123456789012345678901234567890  # beyond 64 bits: a producer may send it, ingest keeps it


def _read(settings: Settings, document: str, kind: str = "jsonb") -> object:
    with engine_for(settings.owner_database_url).connect() as conn:
        return conn.scalar(text(f"SELECT CAST(:d AS {kind})"), {"d": document})


def test_json_and_jsonb_come_back_as_stored(settings: Settings) -> None:
    document = f'{{"big": {BIG}, "name": "鹿城", "deep": [[{{"x": 1.5}}]], "none": null}}'
    expected = {"big": BIG, "name": "鹿城", "deep": [[{"x": 1.5}]], "none": None}
    assert _read(settings, document) == expected
    assert _read(settings, document, "json") == expected


def test_a_number_beyond_a_doubles_range_is_read_not_refused(settings: Settings) -> None:
    """jsonb holds any decimal: an integer comes back exact, a fraction as near as a float can."""
    assert _read(settings, f'{{"n": 1e400, "x": {10 ** 400}.5}}') == {"n": 10 ** 400,
                                                                        "x": math.inf}
