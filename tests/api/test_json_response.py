"""How the API writes JSON: orjson, its option for keys that are not strings only when a body
has one, and the standard library for integers beyond 64 bits."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from onegrid.api.features import json_response

AT = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize(("body", "written"), [
    ({"name": "鹿城", "at": AT}, {"name": "鹿城", "at": "2026-12-07T08:30:00+00:00"}),
    ({"by_year": {2025: 3, 2026: 4}}, {"by_year": {"2025": 3, "2026": 4}}),
    ({"big": 2 ** 70, 1: AT}, {"big": 2 ** 70, "1": "2026-12-07T08:30:00+00:00"}),
])
def test_bodies_are_written_exactly(body: dict, written: dict) -> None:
    response = json_response(body)
    text = response.get_data(as_text=True)
    assert json.loads(text) == written
    assert "鹿城" in text or "name" not in body  # Chinese is left readable
